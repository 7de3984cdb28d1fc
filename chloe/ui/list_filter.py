"""The pane list's filter line: type to narrow the list by name or command.

Opened from navigation mode (``/`` by default, as in less and vim), it sits
above the footer, as those programs' prompts do. Each key narrows the list at
once (:meth:`chloe.ui.pane_list.PaneList.set_filter`) and the line says how many
panes are left ("3 of 40 panes"). Enter keeps the filter and gives the list
back the keyboard with the first match selected; Esc clears it. A kept filter
stays shown on the line until it is cleared (Esc in the list, or an empty
filter).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from chloe.ui.fields import Field


def count_words(listed: int, total: int) -> str:
    """``3 of 40 panes``."""
    return f"{listed} of {total} pane{'s' if total != 1 else ''}"


class FilterBar(Horizontal):
    """A one-line filter prompt with the count of listed panes beside it."""

    DEFAULT_CSS = """
    FilterBar { height: 1; display: none; background: $panel; }
    FilterBar.-active { display: block; }
    FilterBar > Static#filter-prompt { width: 1; color: $accent; text-style: bold; }
    FilterBar > Input { border: none; height: 1; padding: 0 1 0 0; width: 1fr;
                        background: $panel; }
    FilterBar > Input:focus { border: none; background-tint: $foreground 0%; }
    FilterBar > Static#filter-count { width: auto; padding: 0 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear the filter", show=False, id="filter_clear"),
        Binding("down", "move(1)", "Next match", show=False, id="filter_down"),
        Binding("up", "move(-1)", "Previous match", show=False, id="filter_up"),
    ]

    class Changed(Message):
        """The filter text changed (as typed)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Done(Message):
        """The filter prompt closed: ``keep`` (Enter) or cleared (Esc)."""

        def __init__(self, keep: bool) -> None:
            super().__init__()
            self.keep = keep

    class Move(Message):
        """Up/Down while typing: move the list's highlight by ``step``."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def compose(self) -> ComposeResult:
        """``/``, the text, the count."""
        yield Static("/", id="filter-prompt")
        yield Field(
            placeholder="filter by name or command", id="filter-input", select_on_focus=False
        )
        yield Static("", id="filter-count")

    @property
    def input(self) -> Input:
        """The text field."""
        return self.query_one("#filter-input", Input)

    @property
    def text(self) -> str:
        """The filter as typed."""
        return self.input.value

    def open(self) -> None:
        """Show the prompt and take the keyboard (the text typed before stays)."""
        self.add_class("-active")
        # At once, not after the keys already queued: text typed right after the
        # key that opened the filter (or pasted with it) is filter text.
        self.screen.set_focus(self.input)
        self.input.cursor_position = len(self.input.value)

    def close(self, *, clear: bool) -> None:
        """Stop typing; hide the line when the filter is cleared or empty."""
        if clear:
            self.input.value = ""
        self.set_class(bool(self.input.value), "-active")

    def show_count(self, listed: int, total: int) -> None:
        """Say how many panes the filter leaves."""
        self.query_one("#filter-count", Static).update(count_words(listed, total))

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done(keep=True))

    def action_clear(self) -> None:
        """Esc: clear the filter, back to the whole list."""
        self.post_message(self.Done(keep=False))

    def action_move(self, step: int) -> None:
        """Up/Down: move the list's highlight while typing."""
        self.post_message(self.Move(step))
