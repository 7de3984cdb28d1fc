"""Forward what the user's terminal sends to a pane, byte for byte.

A multiplexer passes on the bytes it reads. Decoding them into key events and
encoding the events again loses information (Alt+Enter became Enter, an Esc
followed quickly by a key lost the Esc), so in terminal mode chloe's input
goes through :class:`InputRouter` instead of Textual's key parser:

* the bytes are split into whole keys (:func:`split_keys`): an escape
  sequence, an Alt+key (``ESC`` + key), a UTF-8 character, a run of plain text,
  a bracketed paste;
* the leave key is taken out: chloe leaves terminal mode, and the bytes after
  it in the same read are navigation keys; the leave key pressed again at once
  sends it to the program (and goes back to the pane);
* mouse reports and the terminal's answers to chloe's own queries go to the
  UI (a mouse report needs the pane's position and the program's mouse mode);
* focus reports from the terminal are chloe's, in both modes: a change is
  passed to ``focus`` (the UI tells the program whose pane has the keyboard,
  if it asked, as tmux does); they never reach Textual, whose idea of "the app
  is focused" would otherwise drop the keyboard focus and freeze the footer;
* cursor keys follow the *program's* modes (``ESC O A`` for Up in application
  cursor mode), read on the UI loop when the key is written, so they are the
  modes of the pane the key goes to;
* a paste goes to the pane whole, markers included (tmux 3.3 passes them on
  even to programs that did not ask for bracketed paste), and the leave key
  inside it is text;
* everything else goes to the pane as it came.

In navigation mode the bytes go to the UI, one key at a time: after a key that
opens a pane (``enter``, ``c``, ``t``...), the rest of the read (and whatever
follows while the pane is being made) is held and given to that pane once it
has the keyboard: type-ahead lands where the user meant it.

Nothing here imports Textual: the UI passes callables. The router is used from
two threads (the input thread feeds it, the UI loop switches modes), so every
method takes its lock; output to the pane is handed to ``post`` (the UI loop
runs it), output to the UI is queued for the input thread
(:meth:`InputRouter.take_for_ui`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from chloe.terminal.keys import Modes, TerminalModes, encode_key

__all__ = [
    "PARTIAL_WAIT",
    "SWITCH_WAIT",
    "InputRouter",
    "PaneTarget",
    "key_bytes",
    "split_keys",
]

PARTIAL_WAIT: Final = 0.01
"""Seconds an incomplete sequence at the end of a read (a lone Esc) waits for the rest.

Like tmux's ``escape-time`` (which chloe's tmux server sets to 10 ms): after it,
the bytes are passed on as they are."""

SWITCH_WAIT: Final = 3.0
"""Seconds type-ahead after a pane-opening key waits for the app to claim it.

The app claims or releases it as soon as the key's action runs; this only
bounds the wait when the key went elsewhere (a dialog opened by the key
before it, in the same read). Generous: a loaded machine can take a second."""

CLAIMED_WAIT: Final = 15.0
"""Seconds claimed type-ahead waits for its pane (a new pane is being made)."""

PASTE_START: Final = b"\x1b[200~"
PASTE_END: Final = b"\x1b[201~"

# One token per match, in order of preference. A sequence cut off by the end of
# the buffer does not match as a whole: _PARTIAL says whether the tail may be
# the start of one (then it waits for more bytes).
_TOKEN = re.compile(
    rb"""
      \x1b\[200~                                   # paste start
    | \x1b\[M[\x00-\xff]{3}                        # X10 mouse report
    | \x1b\x1b?\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]  # CSI (Alt+CSI)
    | \x1b\x1b?O[\x20-\x7e]                        # SS3 (Alt+SS3)
    | \x1b(?:[\x00-\x1a\x1c-\x7f]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}
              |[\xf0-\xf4][\x80-\xbf]{3})          # Alt+key
    | \x1b\x1b(?![\[O])                            # Alt+Esc
    | [\x20-\x7e]+                                 # plain text
    | [\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}
    | [\x00-\x1a\x1c-\x1f\x7f]                     # control key
    """,
    re.VERBOSE,
)
_PARTIAL = re.compile(
    rb"""
      \x1b\x1b?(?:\[[\x30-\x3f]*[\x20-\x2f]*|\[M[\x00-\xff]{0,2}|O)?
    | \x1b?(?:[\xc2-\xdf]|[\xe0-\xef][\x80-\xbf]?|[\xf0-\xf4][\x80-\xbf]{0,2})
    """,
    re.VERBOSE,
)


def split_keys(data: bytes) -> tuple[list[bytes], bytes]:
    """Split terminal input into whole keys.

    Args:
        data: bytes read from the terminal (plus any tail of the previous read).

    Returns:
        The keys (each one escape sequence, Alt+key, character, control byte or
        run of plain text; a paste start marker is its own key), and the tail
        that may be the start of a longer key (empty when the input ended on a
        whole key).
    """
    keys: list[bytes] = []
    pos = 0
    size = len(data)
    match = _TOKEN.match
    while pos < size:
        if _partial_at(data, pos):
            return keys, data[pos:]
        m = match(data, pos)
        if m is None:
            # A byte no key starts with (a stray continuation byte): pass it on alone.
            keys.append(data[pos : pos + 1])
            pos += 1
            continue
        keys.append(m.group())
        pos = m.end()
    return keys, b""


def _partial_at(data: bytes, pos: int) -> bool:
    """The rest of ``data`` from ``pos`` could be the start of a longer key."""
    m = _PARTIAL.fullmatch(data, pos)
    return m is not None


# --- key names to bytes ---------------------------------------------------------

_KITTY_CODES: Final = {"enter": 13, "tab": 9, "escape": 27, "backspace": 127, "space": 32}


def key_bytes(key: str) -> frozenset[bytes]:
    """Every byte string a terminal may send for the key called ``key`` (Textual's name).

    The xterm encoding (both cursor-key modes) and the kitty keyboard
    protocol's ``CSI code;mods u``. Empty when ``key`` names no key a terminal
    can send (``"notakey"``).

    Args:
        key: a key name as in chloe's config: ``"ctrl+q"``, ``"f12"``, ``"c"``, ``"enter"``.
    """
    found: set[bytes] = set()
    for modes in (Modes(), Modes(app_cursor_keys=True)):
        encoded = encode_key(key, None, modes)
        if encoded:
            found.add(encoded)
    if not found:
        return frozenset()
    *mods, base = key.split("+") if len(key) > 1 else ("", key)
    mods = [m for m in mods if m]
    param = 1 + ("shift" in mods) + 2 * ("alt" in mods) + 4 * ("ctrl" in mods)
    code = _KITTY_CODES.get(base)
    if code is None and len(base) == 1:
        code = ord(base.lower())
    if code is not None and mods:
        found.add(f"\x1b[{code};{param}u".encode())
    return frozenset(found)


# --- the router -------------------------------------------------------------------


class PaneTarget(Protocol):
    """The pane that has the keyboard in terminal mode."""

    @property
    def modes(self) -> TerminalModes:
        """The program's input modes (cursor keys, paste, focus), read on the UI loop."""
        ...

    def write(self, data: bytes) -> None:
        """Send bytes to the program (called on the UI loop)."""
        ...

    def keeps(self, key: bytes) -> bool:
        """Whether chloe keeps ``key`` for itself here (scrollback keys on the main screen)."""
        ...


@dataclass(slots=True)
class _Held:
    """Type-ahead waiting for the pane a key opened."""

    data: bytearray
    deadline: float
    claimed: bool = False


_NAV, _TERMINAL = "navigation", "terminal"

# Sequences from the terminal that answer chloe's (Textual's) queries, never keys:
# DECRPM (CSI ? ... $ y), kitty flags (CSI ? n u), device attributes (CSI ? ... c),
# window reports (CSI 48 ; ... t).
_REPLY = re.compile(rb"\x1b\[\?[\d;]*(?:\$y|u|c)|\x1b\[\d+(?:;\d+)*t|\x1b\[\?[\d;]*\$y")
_MOUSE = re.compile(rb"\x1b\[(?:<[\d;]*[Mm]|M[\x00-\xff]{3})")
_CURSOR = re.compile(rb"\x1b[\[O]([ABCDHF])")
_KITTY = re.compile(rb"\x1b\[(\d+)(?::\d*)*(?:;(\d+)(?::(\d+))?)?(?:;[\d:]*)?u")
_FOCUS_IN, _FOCUS_OUT = b"\x1b[I", b"\x1b[O"


class InputRouter:
    """Sends the terminal's bytes to the pane in terminal mode, and to the UI otherwise.

    Args:
        post: runs a callable on the UI loop, in order (``call_soon_threadsafe``).
        wake: wakes the input thread (UI-bound bytes or a deadline changed).
        leave: called on the UI loop when the leave key is pressed in terminal mode.
        reenter: called on the UI loop when the leave key is pressed twice.
        focus: called on the UI loop when the user's terminal gains (``True``) or
            loses focus, as its focus reports say.
        clock: the time (tests pass a fake one).
    """

    def __init__(
        self,
        *,
        post: Callable[[Callable[[], None]], None],
        wake: Callable[[], None] = lambda: None,
        leave: Callable[[], None] = lambda: None,
        reenter: Callable[[], None] = lambda: None,
        focus: Callable[[bool], None] = lambda focused: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.RLock()
        self._post = post
        self._wake = wake
        self._leave_cb = leave
        self._reenter_cb = reenter
        self._focus_cb = focus
        self._clock = clock
        self._mode = _NAV
        self._target: PaneTarget | None = None
        self._leave_keys: frozenset[bytes] = key_bytes("ctrl+q")
        self._switch_keys: frozenset[bytes] = frozenset()
        self._held: _Held | None = None
        self._armed: PaneTarget | None = None  # the pane just left with the leave key
        self._tail = b""
        self._tail_since = 0.0
        self._in_paste = False
        self._paste_target: PaneTarget | None = None
        self._for_ui = bytearray()
        self._focused = True

    # --- set up by the UI ---------------------------------------------------

    def set_keys(self, *, leave: Iterable[bytes], switch: Iterable[bytes]) -> None:
        """The leave key's encodings; the keys that open a pane now (empty if none can)."""
        with self._lock:
            self._leave_keys = frozenset(leave)
            self._switch_keys = frozenset(switch)

    def set_target(self, target: PaneTarget | None) -> None:
        """Terminal mode on ``target`` (``None``: navigation mode).

        Type-ahead held for a pane goes to ``target`` now.
        """
        with self._lock:
            if target is self._target and (target is None) == (self._mode == _NAV):
                return
            self._target = target
            self._mode = _NAV if target is None else _TERMINAL
            if target is not None:
                self._armed = None
            held, self._held = self._held, None
            if held is not None:
                if target is not None:
                    self._route(bytes(held.data))
                else:
                    self._to_ui(bytes(held.data))

    def set_wake(self, wake: Callable[[], None]) -> None:
        """How to wake the input thread (the driver sets it when its thread starts)."""
        with self._lock:
            self._wake = wake

    @property
    def terminal_mode(self) -> bool:
        """Bytes go to a pane."""
        return self._mode == _TERMINAL

    @property
    def focused(self) -> bool:
        """The user's terminal has focus (as its last focus report said)."""
        return self._focused

    def claim(self) -> None:
        """A pane-opening key started making its pane: keep the type-ahead for it."""
        with self._lock:
            if self._held is not None:
                self._held.claimed = True
                self._held.deadline = self._clock() + CLAIMED_WAIT
                self._wake()

    def release(self) -> None:
        """The pane-opening key opened nothing: held type-ahead is navigation input after all."""
        with self._lock:
            held, self._held = self._held, None
            if held is not None:
                self._route(bytes(held.data))

    # --- fed by the input thread -----------------------------------------------

    def feed(self, data: bytes) -> None:
        """Route bytes read from the terminal."""
        with self._lock:
            if self._tail:
                data = self._tail + data
                self._tail = b""
            if self._held is not None:
                self._held.data += data
                return
            self._route(data)

    def deadline(self) -> float | None:
        """When :meth:`tick` must run next (``None``: nothing waits)."""
        with self._lock:
            times = []
            if self._tail:
                times.append(self._tail_since + PARTIAL_WAIT)
            if self._held is not None:
                times.append(self._held.deadline)
            return min(times) if times else None

    def tick(self) -> None:
        """Pass on an incomplete sequence that waited long enough; expire held type-ahead."""
        with self._lock:
            now = self._clock()
            if self._held is not None and now >= self._held.deadline:
                held, self._held = self._held, None
                self._route(bytes(held.data))
            if self._tail and now >= self._tail_since + PARTIAL_WAIT:
                tail, self._tail = self._tail, b""
                self._route_keys([tail])

    def take_for_ui(self) -> bytes:
        """Bytes for the UI's own parser (navigation keys, mouse reports, replies)."""
        with self._lock:
            data = bytes(self._for_ui)
            self._for_ui.clear()
            return data

    # --- routing ----------------------------------------------------------------

    def _to_ui(self, data: bytes) -> None:
        if data:
            self._for_ui += data
            self._wake()

    def _to_pane(self, target: PaneTarget, data: bytes) -> None:
        if data:
            self._post(lambda: target.write(data))

    def _focus_report(self, key: bytes) -> None:
        """The user's terminal gained or lost focus: tell the UI on a change."""
        focused = key == _FOCUS_IN
        if focused != self._focused:
            self._focused = focused
            self._post(lambda: self._focus_cb(focused))

    def _route(self, data: bytes) -> None:
        if self._in_paste:
            data = self._paste_chunk(data)  # b"" while the paste goes on
            if not data:
                return
        keys, tail = split_keys(data)
        if tail:
            self._tail = tail
            self._tail_since = self._clock()
        self._route_keys(keys)

    def _route_keys(self, keys: list[bytes]) -> None:
        index = 0
        while index < len(keys):
            key = keys[index]
            if self._mode == _NAV and len(key) > 1 and 0x20 <= key[0] < 0x7F:
                # Navigation keys one by one: any of them may open a pane.
                keys[index : index + 1] = [key[i : i + 1] for i in range(len(key))]
                key = keys[index]
            index += 1
            if self._held is not None:
                self._held.data += b"".join(keys[index - 1 :])
                return
            if key == PASTE_START:
                self._in_paste = True
                self._paste_target = self._target if self._mode == _TERMINAL else None
                self._paste_body(self._paste_target, key)
                rest = b"".join(keys[index:])
                if rest:
                    self._route(rest)
                return
            if self._mode == _TERMINAL and self._target is not None:
                self._terminal_key(self._target, key)
            else:
                self._navigation_key(key)

    def _paste_chunk(self, data: bytes) -> bytes:
        """Pass on pasted text up to the end marker; return what follows it."""
        target = self._paste_target
        end = data.find(PASTE_END)
        if end < 0:
            # Keep a possible start of the end marker for the next read.
            keep = 0
            for n in range(len(PASTE_END) - 1, 0, -1):
                if data.endswith(PASTE_END[:n]):
                    keep = n
                    break
            body, self._tail = data[: len(data) - keep], data[len(data) - keep :]
            if keep:
                self._tail_since = self._clock()
            self._paste_body(target, body)
            return b""
        self._paste_body(target, data[:end])
        self._in_paste = False
        self._paste_target = None
        self._paste_body(target, PASTE_END)
        return data[end + len(PASTE_END) :]

    def _paste_body(self, target: PaneTarget | None, body: bytes) -> None:
        if target is None:
            self._to_ui(body)
        else:
            self._to_pane(target, body)

    def _navigation_key(self, key: bytes) -> None:
        if key in (_FOCUS_IN, _FOCUS_OUT):
            self._focus_report(key)  # not a key: the leave key pressed twice stays armed
            return
        armed, self._armed = self._armed, None
        if armed is not None and key in self._leave_keys:
            # The leave key twice: send it once to the program, and go back to it.
            self._to_pane(armed, key)
            self._hold()
            self._post(self._reenter_cb)
            return
        self._to_ui(key)
        if key in self._switch_keys:
            self._hold()

    def _hold(self) -> None:
        self._held = _Held(bytearray(), self._clock() + SWITCH_WAIT)
        self._wake()

    def _terminal_key(self, target: PaneTarget, key: bytes) -> None:
        if key in self._leave_keys:
            self._mode = _NAV
            self._target = None
            self._armed = target
            self._post(self._leave_cb)
            return
        if _MOUSE.fullmatch(key) or _REPLY.fullmatch(key) or target.keeps(key):
            self._to_ui(key)
            return
        if key in (_FOCUS_IN, _FOCUS_OUT):
            self._focus_report(key)
            return
        cursor = _CURSOR.fullmatch(key)
        if cursor is not None:
            # The pane's cursor-key mode when the key reaches it (on the UI loop),
            # not when it was read: a program may switch it in between.
            final = cursor.group(1)
            self._post(lambda: target.write(_cursor_key(final, target.modes)))
            return
        if key.endswith(b"u"):
            kitty = _KITTY.fullmatch(key)
            if kitty is not None:
                key = kitty_to_legacy(kitty)
        self._to_pane(target, key)


def _cursor_key(final: bytes, modes: TerminalModes) -> bytes:
    """An unmodified cursor key in the program's cursor-key mode (DECCKM)."""
    return (b"\x1bO" if modes.app_cursor_keys else b"\x1b[") + final


# --- the kitty keyboard protocol ---------------------------------------------------

_KITTY_SPECIAL: Final = {13: b"\r", 9: b"\t", 27: b"\x1b", 127: b"\x7f"}


def kitty_to_legacy(match: re.Match[bytes]) -> bytes:
    """What a legacy terminal sends for a kitty ``CSI code;mods:event u`` key report.

    Programs in chloe's panes get legacy (xterm) keys, as in a tmux pane. Key
    releases send nothing; keys with no legacy form (bare modifiers, keypad
    extras) send nothing.
    """
    code = int(match.group(1))
    mods = int(match.group(2) or 1) - 1
    event = int(match.group(3) or 1)
    if event == 3 or code >= 57344:  # a release; or a functional key with no legacy form
        return b""
    shift, alt, ctrl = mods & 1, mods & 2, mods & 4
    if code in _KITTY_SPECIAL:
        data = _KITTY_SPECIAL[code]
        if code == 9 and shift:
            data = b"\x1b[Z"
        elif code == 127 and ctrl:
            data = b"\x08"
    else:
        char = chr(code)
        if shift:
            char = char.upper()
        if ctrl:
            char = encode_key("ctrl+" + char, None, Modes()).decode("utf-8", "replace")
        data = char.encode("utf-8", "replace")
    return b"\x1b" + data if alt else data
