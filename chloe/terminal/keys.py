"""Encode keys, pastes, mouse and focus events as the bytes an xterm would send.

The encoder works on Textual's key *names* (``event.key``) and characters
(``event.character``), because those are what Textual 8 hands a widget. Textual
names keys in two ways depending on the outer terminal:

- legacy terminals: ``"a"``/``"A"``/``"é"`` with the character; ``"ctrl+a"``
  with ``"\\x01"``; ``"alt+a"`` / ``"alt+shift+a"`` with ``"a"``/``"A"``;
  ``"backspace"`` with ``"\\x7f"`` (or ``"\\x08"`` for ctrl+h);
  ``"ctrl+@"`` for NUL; modified specials as ``"alt+ctrl+shift+up"`` (modifiers
  sorted alphabetically).
- terminals speaking the kitty keyboard protocol (kitty, ghostty, foot,
  wezterm): the same names, but ``character`` is ``None`` for anything with a
  modifier, and more keys are distinguishable (``"ctrl+shift+a"``,
  ``"ctrl+enter"``, ``"ctrl+space"``, ``"alt+1"``, ``"ctrl+at"``).

Both spellings encode to the bytes xterm sends by default (no
``modifyOtherKeys``): modifiers that xterm cannot express for a key are
dropped, as xterm drops them.

Nothing here imports pyte or Textual: the terminal's modes arrive through the
small :class:`TerminalModes` protocol, and events as plain names and values.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "KeyEvent",
    "Modes",
    "MouseAction",
    "TerminalModes",
    "encode_focus",
    "encode_key",
    "encode_key_event",
    "encode_mouse",
    "encode_paste",
]

ESC: Final = "\x1b"
CSI: Final = "\x1b["
SS3: Final = "\x1bO"

PASTE_START: Final = "\x1b[200~"
PASTE_END: Final = "\x1b[201~"


class KeyEvent(Protocol):
    """A key press as Textual reports it (``textual.events.Key`` is one)."""

    @property
    def key(self) -> str:
        """The key's name: ``"a"``, ``"ctrl+a"``, ``"alt+shift+up"``..."""
        ...

    @property
    def character(self) -> str | None:
        """The character typed, if any."""
        ...


class TerminalModes(Protocol):
    """The terminal modes that change what a key or mouse event sends."""

    @property
    def app_cursor_keys(self) -> bool:
        """DECCKM (mode 1): cursor keys send ``SS3 A`` instead of ``CSI A``."""
        ...

    @property
    def bracketed_paste(self) -> bool:
        """Mode 2004: pastes are wrapped in ``ESC[200~`` ... ``ESC[201~``."""
        ...

    @property
    def mouse_mode(self) -> int:
        """Mouse tracking: 0 (off), 1000 (buttons), 1002 (drag) or 1003 (all motion)."""
        ...

    @property
    def mouse_sgr(self) -> bool:
        """Mode 1006: mouse reports use the SGR form."""
        ...

    @property
    def focus_events(self) -> bool:
        """Mode 1004: the program wants ``CSI I`` / ``CSI O`` on focus changes."""
        ...


@dataclass(frozen=True, slots=True)
class Modes:
    """A plain set of terminal modes (a :class:`TerminalModes` for tests and defaults)."""

    app_cursor_keys: bool = False
    bracketed_paste: bool = False
    mouse_mode: int = 0
    mouse_sgr: bool = False
    focus_events: bool = False


# --- keys -------------------------------------------------------------------

# Keys xterm encodes as CSI 1;<mod> <final> when modified, and as CSI/SS3 <final> bare.
_CURSOR_FINALS: Final = {
    "up": "A",
    "down": "B",
    "right": "C",
    "left": "D",
    "home": "H",
    "end": "F",
}
# F1-F4 are SS3 P..S bare and CSI 1;<mod> P..S modified.
_PF_FINALS: Final = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
# Keys xterm encodes as CSI <n> ~ (CSI <n>;<mod> ~ when modified).
_TILDE_CODES: Final = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
# Names Textual gives characters (after its own replacements) that unicodedata
# cannot look up directly.
_NAMED_CHARS: Final = {
    "space": " ",
    "at": "@",
    "minus": "-",
    "plus": "+",
    "slash": "/",
    "backslash": "\\",
    "underscore": "_",
    "left_square_brace": "[",
    # Unicode names with hyphens, which "_" cannot be turned back into
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "plus_minus_sign": "±",
    "left_pointing_double_angle_quotation_mark": "«",
    "right_pointing_double_angle_quotation_mark": "»",
    # kitty keypad keys
    "decimal": ".",
    "divide": "/",
    "multiply": "*",
    "subtract": "-",
    "add": "+",
    "equal": "=",
    "separator": ",",
}
# Ctrl+<char> for the non-letters xterm maps (its VT220-style table).
_CTRL_SPECIAL: Final = {
    "@": "\x00",
    " ": "\x00",
    "2": "\x00",
    "[": "\x1b",
    "3": "\x1b",
    "\\": "\x1c",
    "4": "\x1c",
    "]": "\x1d",
    "5": "\x1d",
    "^": "\x1e",
    "6": "\x1e",
    "~": "\x1e",
    "_": "\x1f",
    "7": "\x1f",
    "/": "\x1f",
    "-": "\x1f",
    "?": "\x7f",
    "8": "\x7f",
}
_MODIFIER_NAMES: Final = frozenset({"shift", "alt", "ctrl", "meta", "super", "hyper"})


def _split_key(key: str) -> tuple[frozenset[str], str]:
    """Split ``"alt+ctrl+up"`` into ``({"alt", "ctrl"}, "up")``."""
    if len(key) == 1:
        return frozenset(), key
    *mods, base = key.split("+")
    if not base:  # a literal "+" can only arrive as "plus", but be safe
        return frozenset(mods[:-1]), "+"
    return frozenset(mods), base


def _name_to_char(name: str) -> str | None:
    """The character a Textual key name stands for (``"left_square_bracket"`` -> ``"["``)."""
    if len(name) == 1:
        return name
    if name in _NAMED_CHARS:
        return _NAMED_CHARS[name]
    # Textual names other characters by their lower-cased Unicode name.
    try:
        return unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return None


def _modifier_param(mods: frozenset[str]) -> int:
    """xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4) + meta(8)."""
    return 1 + ("shift" in mods) + 2 * ("alt" in mods) + 4 * ("ctrl" in mods) + 8 * ("meta" in mods)


def _ctrl_char(char: str) -> str:
    """What xterm sends for Ctrl+``char`` (the char itself when it has no control form)."""
    if len(char) == 1 and char.isascii() and char.isalpha():
        return chr(ord(char) & 0x1F)
    return _CTRL_SPECIAL.get(char, char)


def _encode_special(base: str, mods: frozenset[str], modes: TerminalModes) -> str | None:
    """Cursor, editing and function keys; ``None`` if ``base`` is not one of them."""
    # xterm sends F13-F24 as Shift+F1-F12.
    if base.startswith("f") and base[1:].isdigit() and 13 <= int(base[1:]) <= 24:
        base = f"f{int(base[1:]) - 12}"
        mods = mods | {"shift"}
    param = _modifier_param(mods)
    if base in _CURSOR_FINALS:
        final = _CURSOR_FINALS[base]
        if param > 1:
            return f"{CSI}1;{param}{final}"
        return f"{SS3 if modes.app_cursor_keys else CSI}{final}"
    if base in _PF_FINALS:
        final = _PF_FINALS[base]
        return f"{CSI}1;{param}{final}" if param > 1 else f"{SS3}{final}"
    if base in _TILDE_CODES:
        code = _TILDE_CODES[base]
        return f"{CSI}{code};{param}~" if param > 1 else f"{CSI}{code}~"
    return None


def encode_key(key: str, character: str | None, modes: TerminalModes) -> bytes:
    """Encode one Textual key as the bytes xterm would send to the program.

    Args:
        key: Textual's key name (``event.key``), e.g. ``"a"``, ``"ctrl+c"``,
            ``"alt+shift+up"``, ``"f5"``.
        character: ``event.character``: the text the key produced, or ``None``.
        modes: the terminal's current modes (only DECCKM matters for keys).

    Returns:
        The bytes to write to the pty; empty for keys a terminal sends nothing
        for (bare modifier keys, media keys, anything with super/hyper).
    """
    mods, base = _split_key(key)
    if not mods <= _MODIFIER_NAMES or "super" in mods or "hyper" in mods:
        # super/hyper combos belong to the desktop; xterm never sees them.
        return b""
    alt = "alt" in mods or "meta" in mods
    prefix = ESC if alt else ""

    special = _encode_special(base, mods, modes)
    if special is not None:
        return special.encode()

    if base == "enter":
        return (prefix + "\r").encode()
    if base == "tab":
        if "shift" in mods:
            return (prefix + CSI + "Z").encode()
        return (prefix + "\t").encode()
    if base == "escape":
        return (prefix + ESC).encode()
    if base == "backspace":
        if "ctrl" in mods:
            return (prefix + "\x08").encode()
        # Legacy terminals deliver ctrl+h as "backspace" with "\x08": keep it.
        byte = character if character in ("\x08", "\x7f") else "\x7f"
        return (prefix + byte).encode()

    if character and not mods - {"shift", "ctrl"}:
        # The outer terminal already produced the text or control byte
        # (legacy terminals send ctrl+a as "\x01"): pass it on as typed.
        if "ctrl" in mods and len(character) == 1:
            character = _ctrl_char(character)
        return character.encode("utf-8", errors="replace")
    char = _name_to_char(base)
    if char is None:
        char = character if character and character.isprintable() else None
    if char is None:
        return b""
    if "shift" in mods and "ctrl" not in mods:
        char = char.upper()
    if "ctrl" in mods:
        char = _ctrl_char(char)
    if not char.isprintable() and ord(char[0]) >= 0x80:
        return b""  # a name that resolved to an invisible character: no key types it
    return (prefix + char).encode()


def encode_key_event(event: KeyEvent, modes: TerminalModes) -> bytes:
    """Encode a Textual :class:`~textual.events.Key` event (see :func:`encode_key`)."""
    return encode_key(event.key, event.character, modes)


# --- paste ------------------------------------------------------------------


def encode_paste(text: str, modes: TerminalModes) -> bytes:
    """Encode pasted text as a terminal sends it.

    Line breaks become ``\\r`` (what Enter sends; xterm and tmux do the same).
    The bracketed-paste markers are removed from the text so a paste can never
    end the bracket early and have the rest run as typed commands. The text is
    wrapped in ``ESC[200~`` ... ``ESC[201~`` only when the program set mode 2004.

    Args:
        text: the pasted text.
        modes: the terminal's current modes.

    Returns:
        The bytes to write to the pty (empty for an empty paste).
    """
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    # Loop: removing one marker can join the halves of another.
    while PASTE_END in text or PASTE_START in text:
        text = text.replace(PASTE_END, "").replace(PASTE_START, "")
    if not text:
        return b""
    if modes.bracketed_paste:
        text = f"{PASTE_START}{text}{PASTE_END}"
    return text.encode("utf-8", errors="replace")


# --- mouse ------------------------------------------------------------------


class MouseAction(enum.Enum):
    """What happened to the mouse."""

    PRESS = "press"
    RELEASE = "release"
    MOTION = "motion"
    WHEEL_UP = "wheel_up"
    WHEEL_DOWN = "wheel_down"
    WHEEL_LEFT = "wheel_left"
    WHEEL_RIGHT = "wheel_right"


_WHEEL_BUTTONS: Final = {
    MouseAction.WHEEL_UP: 64,
    MouseAction.WHEEL_DOWN: 65,
    MouseAction.WHEEL_LEFT: 66,
    MouseAction.WHEEL_RIGHT: 67,
}


def encode_mouse(
    action: MouseAction,
    button: int,
    x: int,
    y: int,
    modes: TerminalModes,
    *,
    shift: bool = False,
    meta: bool = False,
    ctrl: bool = False,
) -> bytes:
    """Encode a mouse event as an xterm mouse report, if the program asked for one.

    Args:
        action: press, release, motion or a wheel step.
        button: Textual's numbering: 0 none, 1 left, 2 middle, 3 right.
        x: column, 0-based, in terminal cells.
        y: row, 0-based.
        modes: the terminal's current modes; nothing is sent unless
            ``mouse_mode`` is set. 1000 reports presses, releases and the
            wheel; 1002 adds motion while a button is held; 1003 all motion.
        shift: Shift was held.
        meta: Alt/Meta was held.
        ctrl: Ctrl was held.

    Returns:
        An SGR report (``CSI < b;x;y M``/``m``) in mode 1006, otherwise the
        legacy ``CSI M`` form (which cannot express positions past 223, so
        nothing is sent there, as in xterm); empty when the event is not
        reported in the current mode.
    """
    mode = modes.mouse_mode
    if mode == 0:
        return b""
    if action is MouseAction.MOTION:
        if mode == 1000 or (mode == 1002 and button == 0):
            return b""
    elif mode == 9 and action is not MouseAction.PRESS:
        return b""  # X10 compatibility mode reports presses only
    x = max(0, x)
    y = max(0, y)
    legacy_release = action is MouseAction.RELEASE and not modes.mouse_sgr
    if action in _WHEEL_BUTTONS:
        code = _WHEEL_BUTTONS[action]
    elif action is MouseAction.MOTION:
        code = 32 + (button - 1 if 1 <= button <= 3 else 3)
    elif legacy_release:
        code = 3  # the legacy form cannot say which button was released
    else:
        code = button - 1 if 1 <= button <= 3 else 0
    # tmux reports a legacy release without the modifiers, as X10 mode has none.
    if mode != 9 and not legacy_release:
        code += 4 * shift + 8 * meta + 16 * ctrl
    if modes.mouse_sgr:
        final = "m" if action is MouseAction.RELEASE else "M"
        return f"{CSI}<{code};{x + 1};{y + 1}{final}".encode()
    if x + 1 + 32 > 255 or y + 1 + 32 > 255:
        return b""
    return bytes((0x1B, 0x5B, 0x4D, 32 + code, 32 + x + 1, 32 + y + 1))


# --- focus ------------------------------------------------------------------


def encode_focus(focused: bool, modes: TerminalModes) -> bytes:
    """``CSI I`` on focus in, ``CSI O`` on focus out, only when mode 1004 is set."""
    if not modes.focus_events:
        return b""
    return f"{CSI}{'I' if focused else 'O'}".encode()
