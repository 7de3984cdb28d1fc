"""Modes: SM/RM and DECSET/DECRST, and what the screen's owner asks of them.

Modes live in ``Terminal.mode``, a set of ints as in pyte: ANSI modes by
number, DEC private modes shifted left by 5 (``pyte.modes.DECAWM == 7 << 5``).
Mouse tracking and the alternate screen are modes with side effects and keep
their own state.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from pyte import modes as _pyte
from pyte.screens import Margins

__all__ = ["Modes"]

# ANSI modes.
IRM: Final[int] = _pyte.IRM
LNM: Final[int] = _pyte.LNM
ANSI_MODES: Final = frozenset({IRM, LNM})

# DEC private modes, stored shifted as pyte stores them.
DECCKM: Final = 1 << 5
DECCOLM: Final = 3 << 5
DECOM: Final[int] = _pyte.DECOM
DECAWM: Final[int] = _pyte.DECAWM
DECTCEM: Final[int] = _pyte.DECTCEM
FOCUS: Final = 1004 << 5
MOUSE_SGR: Final = 1006 << 5
PASTE: Final = 2004 << 5

MOUSE_MODES: Final = (1000, 1002, 1003)
ALT_MODES: Final = (47, 1047, 1049)
KNOWN_PRIVATE_MODES: Final = frozenset(
    {1, 3, 6, 7, 25, 47, 1000, 1002, 1003, 1004, 1006, 1047, 1049, 2004}
)
"""DEC private modes DECRQM reports on; others are "not recognised"."""


class _Screen(Protocol):
    """What :class:`Modes` needs of the screen it is mixed into."""

    mode: set[int]
    cursor: Any  # pyte's Cursor
    margins: Margins | None
    _mouse_mode: int
    _alternate: bool

    def _set_private(self, mode: int, on: bool) -> None: ...
    def _enter_alternate(self, save_cursor: bool) -> None: ...
    def _leave_alternate(self, restore_cursor: bool) -> None: ...
    def cursor_position(self, line: int | None = None, column: int | None = None) -> None: ...
    def erase_in_display(self, how: int = 0, *args: object, **kwargs: object) -> None: ...


class Modes:
    """Setting and reading modes (a mixin of :class:`~chloe.terminal.screen.Terminal`)."""

    margins: Margins | None

    def set_mode(self: _Screen, *modes_: int, **kwargs: object) -> None:
        """SM/DECSET: turn modes on (``private=True`` for DEC private modes)."""
        private = bool(kwargs.get("private"))
        for mode in modes_:
            if private:
                self._set_private(mode, True)
            elif mode in ANSI_MODES:
                self.mode.add(mode)

    def reset_mode(self: _Screen, *modes_: int, **kwargs: object) -> None:
        """RM/DECRST: turn modes off (``private=True`` for DEC private modes)."""
        private = bool(kwargs.get("private"))
        for mode in modes_:
            if private:
                self._set_private(mode, False)
            else:
                self.mode.discard(mode)

    def _set_private(self: _Screen, mode: int, on: bool) -> None:
        if mode in MOUSE_MODES:
            # One tracking mode at a time; turning any off turns tracking off.
            for m in MOUSE_MODES:
                self.mode.discard(m << 5)
            self._mouse_mode = mode if on else 0
            if on:
                self.mode.add(mode << 5)
            return
        if mode in ALT_MODES:
            if on:
                self._enter_alternate(save_cursor=mode == 1049)
            else:
                self._leave_alternate(restore_cursor=mode == 1049)
            return
        if mode > 65535:
            return
        flag = mode << 5
        if on:
            self.mode.add(flag)
        else:
            self.mode.discard(flag)
        if flag == DECTCEM:
            self.cursor.hidden = not on
        elif flag == DECOM:
            self.cursor_position()
        elif flag == DECCOLM:
            # tmux does not resize for DECCOLM but clears and homes, as a VT does.
            self.margins = None
            self.erase_in_display(2)
            self.cursor_position()

    def _private_mode_on(self: _Screen, mode: int) -> bool:
        if mode in MOUSE_MODES:
            return self._mouse_mode == mode
        if mode in ALT_MODES:
            return self._alternate
        return (mode << 5) in self.mode

    @property
    def app_cursor_keys(self: _Screen) -> bool:
        """DECCKM (mode ?1): cursor keys send SS3 rather than CSI sequences."""
        return DECCKM in self.mode

    @property
    def bracketed_paste(self: _Screen) -> bool:
        """Mode ?2004: wrap pastes in ``ESC[200~`` … ``ESC[201~``."""
        return PASTE in self.mode

    @property
    def mouse_mode(self: _Screen) -> int:
        """The mouse tracking mode: 0 (off), 1000, 1002 or 1003."""
        return self._mouse_mode

    @property
    def mouse_sgr(self: _Screen) -> bool:
        """Mode ?1006: mouse reports in SGR form."""
        return MOUSE_SGR in self.mode

    @property
    def focus_events(self: _Screen) -> bool:
        """Mode ?1004: the program wants focus in/out reports."""
        return FOCUS in self.mode

    @property
    def cursor_visible(self: _Screen) -> bool:
        """Mode ?25: the program shows the cursor."""
        return DECTCEM in self.mode

    @property
    def alternate_screen(self: _Screen) -> bool:
        """The alternate screen (?1049, ?1047 or ?47) is active."""
        return self._alternate
