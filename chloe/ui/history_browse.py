"""Browsing a tmux pane's whole history in the terminal area.

A tmux pane is shown through an embedded tmux client, whose screen has no
scrollback of its own: tmux keeps the pane's history. The browse keys
(Shift+PgUp, Shift+Home, the wheel) on such a pane ask tmux, in a worker, for
the whole history with its colours (``capture-pane -e -S -``) and whether the
pane's program took the screen or the mouse (then the key is the program's,
as before). The history is replayed into a throwaway
:class:`~chloe.terminal.Terminal` the size of the view, which the view then
browses exactly as it browses a direct pane's scrollback
(:meth:`~chloe.ui.terminal_view.TerminalView.show_history`): the same keys, the
same position marker, and any key meant for the program returns to the live
screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input

from chloe.errors import ChloeError
from chloe.terminal import Terminal
from chloe.terminal.keys import encode_key
from chloe.ui import messages as msg
from chloe.ui.fields import Field
from chloe.ui.terminal_view import WHEEL_LINES

if TYPE_CHECKING:
    from chloe.ui.app import ChloeApp

KEY_BYTES = {"shift+pageup": b"\x1b[5;2~", "shift+home": b"\x1b[1;2H"}
"""What a browse key sends to a program that keeps it (an xterm's bytes)."""


TAIL_PAGES = 4
"""Pages of the newest history shown first, while the rest is replayed."""


def history_lines(text: str) -> list[str]:
    """``capture-pane`` output as lines, without the blank rows under the last one."""
    lines = text.rstrip("\n").split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return lines


def history_terminal(text: str | list[str], columns: int, rows: int) -> Terminal:
    """A terminal of ``columns`` x ``rows`` holding ``text`` (lines with escapes):
    its last lines on the screen, every earlier one in its scrollback."""
    lines = history_lines(text) if isinstance(text, str) else text
    terminal = Terminal(columns, rows, scrollback=len(lines) + rows)
    terminal.feed("\r\n".join(lines).encode("utf-8", "surrogateescape"))
    terminal.take_replies()
    return terminal


class HistoryBrowser:
    """The app's side: start a history load, show it when it arrives.

    Args:
        app: the chloe app.
    """

    def __init__(self, app: ChloeApp) -> None:
        self._app = app
        self._busy = False
        self._partial: Terminal | None = None
        self._then: tuple[str, int] | None = None
        """A search to run once the history shows: (text, which match counted from the end)."""

    def browsable(self) -> bool:
        """Whether the shown pane's history comes from tmux (a tmux pane, live or preview)."""
        slot = self._app.shown_slot()
        return slot is not None and slot.is_tmux and slot.record.tmux_session is not None

    def request(self, key: str, then: tuple[str, int] | None = None) -> bool:
        """A browse key reached a screen without scrollback: load the history.

        With ``then`` (text, n), the history opens on the n-th last line holding
        the text, highlighted (the search of every pane opening a hit).

        Returns True when the key is taken (a load is on its way or running).
        """
        app = self._app
        slot = app.shown_slot()
        if not self.browsable() or slot is None:
            return False
        if self._busy:
            return True
        self._busy = True
        self._then = then
        record = slot.record
        columns, rows = app.view.terminal.columns, app.view.terminal.lines
        service = app.service

        def job() -> msg.HistoryLoaded:
            tail = TAIL_PAGES * rows
            try:
                if key != "shift+home":
                    # The newest pages first (a small capture), so the first screen
                    # shows at once; then the whole history.
                    program_keeps, text = service.history_screen(record, tail)
                    if program_keeps:
                        return msg.HistoryLoaded(record.id, key, None)
                    quick = history_terminal(text, columns, rows)
                    if quick.scrollback_len < tail - rows:
                        return msg.HistoryLoaded(record.id, key, quick)  # that is all of it
                    app.post_message(msg.HistoryLoaded(record.id, key, quick, partial=True))
                program_keeps, text = service.history_screen(record)
            except ChloeError as exc:
                app.post_message(msg.Problem("History", str(exc)))
                return msg.HistoryLoaded(record.id, "", None)
            if program_keeps:
                return msg.HistoryLoaded(record.id, key if key == "shift+home" else "", None)
            full = history_terminal(text, columns, rows)
            return msg.HistoryLoaded(record.id, key if key == "shift+home" else "", full)

        app.run_background("History", job)
        return True

    def loaded(self, event: msg.HistoryLoaded) -> None:
        """Show the history (or give the key to the program that keeps it)."""
        self._busy = event.partial
        app = self._app
        slot = app.shown_slot()
        if slot is None or slot.pane_id != event.pane_id:
            return
        if app.view.browsing_history:
            if not event.key and event.history is not None and self._partial is not None:
                # The whole history after its newest pages: same place, more above.
                app.view.replace_history(self._partial, event.history)
            self._partial = None
            return
        if not event.key:
            self._partial = None  # a failure, or the rest of a history no longer browsed
            return
        self._partial = event.history if event.partial else None
        then, self._then = self._then, None
        if event.history is None and then is not None:
            app.notify(
                "its program has the whole screen: its history shows once it ends",
                title="Search",
            )
            return
        if event.history is None:
            if slot.process is not None and slot.terminal is app.view.terminal:
                if event.key == "wheel":
                    data = encode_key("up", None, slot.terminal) * WHEEL_LINES
                else:
                    data = KEY_BYTES[event.key]
                try:
                    slot.process.write(data)
                except OSError:
                    pass
            return
        history = event.history
        if event.key == "shift+home":
            lines = history.scrollback_len
        elif event.key == "wheel":
            lines = WHEEL_LINES
        else:
            lines = max(1, history.lines - 1)
        app.view.show_history(history, lines, app.history_ended)
        if then is not None:
            app.view.search(then[0], from_end=then[1])


class SearchPrompt(ModalScreen[str | None]):
    """Asks what to search for in the browsed history (plain text)."""

    DEFAULT_CSS = """
    SearchPrompt { align: center bottom; background: $background 0%; }
    SearchPrompt > Input { width: 60; margin-bottom: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="search_cancel"),
    ]

    def __init__(self, backwards: bool) -> None:
        super().__init__()
        self._backwards = backwards

    def compose(self) -> ComposeResult:
        """One input line."""
        yield Field(placeholder=("search up: " if self._backwards else "search: ") + "text")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value or None)

    def action_cancel(self) -> None:
        """Back to browsing without searching."""
        self.dismiss(None)


def prompt_search(app: ChloeApp, backwards: bool) -> None:
    """Ask for the text, then search the view's browsed lines for it."""
    view = app.view

    def done(text: str | None) -> None:
        app.resume_terminal()
        if text and view.scrollback_offset > 0 and view.search(text, backwards=backwards) == 0:
            app.notify(f"{text!r} is not in this history", title="Search")

    # The prompt has the keyboard now: nothing typed there may reach the program.
    app.terminal_mode = False
    app.keyboard.sync()
    app.push_screen(SearchPrompt(backwards), done)
