"""The app's side of forwarded input: which pane gets the bytes, and chloe's own keys.

:class:`RawKeyboard` owns the app's :class:`~chloe.terminal.rawinput.InputRouter`
and keeps it in step with the UI: terminal mode on the shown pane or not, the
leave key, the keys that open a pane in navigation mode. The router's target is
a :class:`PaneInput` bound to *one* pane, the one shown when terminal mode
started: bytes read while that pane had the keyboard go to it even if the
screen moves on before they are written. On a pane that is not live (dead, or
a preview) the respawn and attach keys do those actions, as the hint above the
pane says.

Focus reports (``CSI I`` / ``CSI O``, mode 1004) have one source,
:meth:`RawKeyboard.update_focus`: a pane's program is told it has focus when
its pane has the keyboard and the user's terminal has focus, and told it lost
it when that ends, each only if *that* program asked for the reports and only
on a change, as tmux with ``focus-events on`` does.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chloe.terminal.keys import Modes, TerminalModes
from chloe.terminal.rawinput import InputRouter, key_bytes

if TYPE_CHECKING:
    from collections.abc import Callable

    from chloe.backends.base import PaneProcess
    from chloe.terminal import Terminal
    from chloe.ui.app import ChloeApp
    from chloe.ui.panes import PaneSlot

__all__ = ["SWITCH_ACTIONS", "PaneInput", "RawKeyboard"]

SWITCH_ACTIONS = ("focus_terminal", "new_direct", "new_tmux", "attach", "respawn")
"""Navigation bindings that give a pane the keyboard: type-ahead after them is the pane's."""

_NO_MODES = Modes()
_BROWSE_KEYS = {b"\x1b[5;2~", b"\x1b[6;2~"}  # shift+pageup, shift+pagedown
_BROWSE_ENDS = {b"\x1b[1;2H", b"\x1b[1;2F"}  # shift+home, shift+end (while browsing)
_SEARCH_KEYS = {b"/", b"?"}  # while browsing: search
_STEP_KEYS = {b"n", b"N", b"\x1b"}  # while searching: next, previous, leave
_HISTORY_KEYS = {b"\x1b[5;2~", b"\x1b[1;2H"}  # shift+pageup, shift+home: open a tmux history


def keys_of(spec: str) -> frozenset[bytes]:
    """The bytes of every key in a comma-separated list of key names."""
    found: set[bytes] = set()
    for raw in spec.split(","):
        name = raw.strip()
        found |= key_bytes({"question_mark": "?"}.get(name, name))
    return frozenset(found)


class PaneInput:
    """One pane, as the router's target: its program's modes and its pty.

    Bound to the pane, not to "whatever is shown": the router posts writes to
    the UI loop, and by the time one runs the screen may show another pane.

    Args:
        keyboard: the app's keyboard (chloe's own keys, not-live panes).
        slot: the pane.
    """

    def __init__(self, keyboard: RawKeyboard, slot: PaneSlot) -> None:
        self._keyboard = keyboard
        self.slot = slot

    @property
    def modes(self) -> TerminalModes:
        """The program's modes now (read on the UI loop)."""
        slot = self.slot
        if slot.terminal is None or slot.process is None:
            return _NO_MODES
        return slot.terminal

    def write(self, data: bytes) -> None:
        """Send bytes to the pane's program (on the UI loop)."""
        self._keyboard.write_to(self.slot, data)

    def keeps(self, key: bytes) -> bool:
        """chloe's own keys in terminal mode."""
        return self._keyboard.keeps(key)


class RawKeyboard:
    """Connects the app to the router its driver feeds.

    Args:
        app: the chloe app.
    """

    def __init__(self, app: ChloeApp) -> None:
        self._app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self.router = InputRouter(
            post=self._post,
            leave=self._leave,
            reenter=self._reenter,
            focus=self._terminal_focus,
        )
        self._target: PaneInput | None = None
        # The program told it has focus: its terminal and pty, and whether it asked
        # for focus reports when last looked at (a report went out then).
        self._focus_holder: tuple[Terminal, PaneProcess] | None = None
        self._holder_asked = False
        self._terminal_focused = True  # the user's terminal, as its focus reports say

    # --- set-up -------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """The UI loop runs: bytes for panes can be handed to it."""
        self._loop = loop
        self.sync()

    def _post(self, job: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(job)

    def sync(self) -> None:
        """Tell the router the mode, the shown pane and the keys now.

        Called after focus changes and when the shown pane changes.
        """
        app = self._app
        leave = keys_of(app.config.leave_key)
        switch: frozenset[bytes] = frozenset()
        if app.navigation_ready():
            switch = frozenset().union(*(keys_of(app.key_spec(a)) for a in SWITCH_ACTIONS))
        self.router.set_keys(leave=leave, switch=switch)
        target: PaneInput | None = None
        slot = app.shown_slot()
        if app.terminal_mode and slot is not None:
            target = self._target
            if target is None or target.slot is not slot:
                target = self._target = PaneInput(self, slot)
        self.router.set_target(target)
        self.update_focus()

    def claim(self) -> None:
        """A pane is being made or attached for the keyboard: keep type-ahead for it."""
        self.router.claim()

    def release(self) -> None:
        """No pane took the keyboard after all: held type-ahead is navigation input."""
        self.router.release()

    # --- focus reports --------------------------------------------------------

    def _terminal_focus(self, focused: bool) -> None:
        self._terminal_focused = focused
        self.update_focus()

    def update_focus(self) -> None:
        """Tell programs about focus changes: the one source of ``CSI I`` / ``CSI O``.

        The pane that has the keyboard has focus while the user's terminal has
        it. A program is told only if it asked (mode 1004), on a change, and at
        once when it turns the reports on while it has focus (as tmux does).
        Call on the UI loop after anything that may change the answer: the
        mode, the shown pane, the terminal's focus, a program's output.
        """
        app = self._app
        slot = app.shown_slot()
        holder: tuple[Terminal, PaneProcess] | None = None
        if (
            app.terminal_mode
            and self._terminal_focused
            and slot is not None
            and slot.terminal is not None
            and slot.process is not None
            and slot.terminal is app.view.terminal
        ):
            holder = (slot.terminal, slot.process)
        old = self._focus_holder
        if old is not None and (holder is None or old[0] is not holder[0]):
            self._focus_holder = None
            if self._holder_asked and old[0].focus_events:
                self._report(old[1], b"\x1b[O")
            self._holder_asked = False
        if holder is None:
            return
        self._focus_holder = holder
        asked = holder[0].focus_events
        if asked and not self._holder_asked:
            self._report(holder[1], b"\x1b[I")
        self._holder_asked = asked

    @staticmethod
    def _report(process: PaneProcess, data: bytes) -> None:
        try:
            process.write(data)
        except OSError:
            pass  # the program is gone

    def after_output(self, slot: PaneSlot) -> None:
        """The shown pane's program wrote: it may have just asked for focus reports."""
        holder = self._focus_holder
        if holder is not None and holder[0] is slot.terminal:
            if holder[0].focus_events != self._holder_asked:
                self.update_focus()
        elif holder is None and slot.terminal is not None and slot.terminal.focus_events:
            self.update_focus()

    # --- the router's callbacks (on the UI loop) ------------------------------

    def _leave(self) -> None:
        self._app.action_leave_terminal()

    def _reenter(self) -> None:
        slot = self._app.shown_slot()
        if slot is not None and (slot.process is not None or slot.terminal is not None):
            self._app.enter_terminal()
        else:
            self.release()

    def keeps(self, key: bytes) -> bool:
        """Scrollback keys on the main screen are chloe's, as in most terminals."""
        view = self._app.view
        if key in _SEARCH_KEYS and view.scrollback_offset > 0:
            return True  # search while browsing
        if key in _STEP_KEYS and view.searching and view.scrollback_offset > 0:
            return True
        if key not in _BROWSE_KEYS and key not in _BROWSE_ENDS:
            return False
        if view.terminal.alternate_screen or view.terminal.scrollback_len == 0:
            # A tmux client's screen: Shift+PgUp and Shift+Home open the pane's history.
            if key in _HISTORY_KEYS and self._app.history_browser.browsable():
                return True
            if view.terminal.alternate_screen:
                return False
        return key in _BROWSE_KEYS or view.scrollback_offset > 0

    def write_to(self, slot: PaneSlot, data: bytes) -> None:
        """Bytes the user typed while ``slot`` had the keyboard: its program's."""
        app = self._app
        shown = app.shown_slot() is slot
        if shown and app.view.browsing_history:
            app.view.end_history()  # a key for the program: back to its live screen
        process = slot.process
        live = process is not None and slot.terminal is not None
        if shown and slot.terminal is not app.view.terminal:
            live = False  # the view shows its preview or last screen
        if process is None or not live:
            if shown:
                self._not_live(slot, data)
            return
        if shown:
            app.view.scroll_to_bottom()
        try:
            process.write(data)
        except OSError:
            pass

    def _not_live(self, slot: PaneSlot, data: bytes) -> None:
        """A dead pane or a preview: the keys its hint names do what it says."""
        app = self._app
        if slot.dead and data in keys_of(app.key_spec("respawn")):
            app.action_respawn()
        elif not slot.dead and data in keys_of(app.key_spec("attach")):
            app.action_attach()
        else:
            app.hint_not_live(slot)
