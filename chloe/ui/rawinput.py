"""The app's side of forwarded input: which pane gets the bytes, and chloe's own keys.

:class:`RawKeyboard` owns the app's :class:`~chloe.terminal.rawinput.InputRouter`
and keeps it in step with the UI: terminal mode on the shown pane or not, the
leave key, the keys that open a pane in navigation mode. It writes the bytes
the router forwards to the shown pane's program, and on a pane that is not
live (dead, or a preview) turns the respawn and attach keys into those actions,
as the hint above the pane says.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from chloe.terminal.keys import Modes, TerminalModes
from chloe.terminal.rawinput import InputRouter, key_bytes
from chloe.ui.raw_driver import PaneInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from chloe.backends.base import PaneProcess
    from chloe.terminal import Terminal
    from chloe.ui.app import ChloeApp
    from chloe.ui.panes import PaneSlot

__all__ = ["SWITCH_ACTIONS", "RawKeyboard"]

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
        )
        self._target = PaneInput(self._modes, self._write, self._keeps)
        self._focus_asked: dict[int, bool] = {}

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
        """Tell the router the mode, the shown pane and the keys now (after focus changes)."""
        app = self._app
        leave = keys_of(app.config.leave_key)
        switch: frozenset[bytes] = frozenset()
        if app.navigation_ready():
            switch = frozenset().union(*(keys_of(app.key_spec(a)) for a in SWITCH_ACTIONS))
        self.router.set_keys(leave=leave, switch=switch)
        self.router.set_target(self._target if app.terminal_mode else None)

    def claim(self) -> None:
        """A pane is being made or attached for the keyboard: keep type-ahead for it."""
        self.router.claim()

    def release(self) -> None:
        """No pane took the keyboard after all: held type-ahead is navigation input."""
        self.router.release()

    def after_output(self, terminal: Terminal, process: PaneProcess) -> None:
        """The shown pane's program wrote: if it just asked for focus reports, say it has focus.

        tmux reports the focus at once when a program turns the reports on.
        """
        asked = terminal.focus_events
        if asked == self._focus_asked.get(id(terminal), False):
            return
        self._focus_asked = {id(terminal): asked}
        if asked and self._app.terminal_mode and self.router.focused:
            try:
                process.write(b"\x1b[I")
            except OSError:
                pass

    # --- the router's callbacks (on the UI loop) ------------------------------

    def _leave(self) -> None:
        self._app.action_leave_terminal()

    def _reenter(self) -> None:
        slot = self._app.shown_slot()
        if slot is not None and (slot.process is not None or slot.terminal is not None):
            self._app.enter_terminal()
        else:
            self.release()

    def _modes(self) -> TerminalModes:
        slot = self._app.shown_slot()
        if slot is None or slot.terminal is None or slot.process is None:
            return _NO_MODES
        return slot.terminal

    def _keeps(self, key: bytes) -> bool:
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

    def _write(self, data: bytes) -> None:
        app = self._app
        slot = app.shown_slot()
        if slot is None:
            return
        if app.view.browsing_history:
            app.view.end_history()  # a key for the program: back to its live screen
        if slot.process is None or slot.terminal is not app.view.terminal:
            self._not_live(slot, data)
            return
        app.view.scroll_to_bottom()
        try:
            slot.process.write(data)
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
