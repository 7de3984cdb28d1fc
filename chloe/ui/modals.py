"""Small dialogs: confirm an action, rename a pane, and the help overlay."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key, Mount, Resize
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from chloe.errors import BadNameError
from chloe.model import validate_name
from chloe.ui.fields import Field

CONFIRM_GUARD = 0.3
"""Seconds after a confirmation opens during which a yes is not taken.

Keys already on their way when it opened (typing "Kyoto" into what the user
thought was a terminal) must not answer a question about ending a job.
"""


class ConfirmModal(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True only on a deliberate yes.

    A yes (key or button) within ``guard`` seconds of the dialog opening is
    ignored: it was typed before the question could be read. No and Escape
    always work.

    Args:
        question: What will happen, in a sentence.
        yes: The label of the confirming button (the action's verb).
        guard: See :data:`CONFIRM_GUARD`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    SAFE_KEYS: ClassVar[frozenset[str]] = frozenset({"n", "escape"})
    """Keys that answer no: taken at once."""

    def __init__(self, question: str, yes: str = "Yes", *, guard: float = CONFIRM_GUARD) -> None:
        super().__init__()
        self._question = question
        self._yes = yes
        self._guard = guard
        self._opened = time.monotonic()
        self._opened_event_time = float("inf")
        self._yes_typed = False

    def compose(self) -> ComposeResult:
        """A question and two buttons."""
        with Vertical(classes="dialog"):
            yield Label(self._question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self, event: Mount) -> None:
        """Start on the safe answer; the guard time counts from now."""
        self._opened = time.monotonic()
        self._opened_event_time = event.time
        self.query_one("#no", Button).focus()

    def on_key(self, event: Key) -> None:
        """Drop a yes that was typed before, or just as, the question appeared.

        Judged by when the key arrived, not when it is handled: on a busy
        machine a key typed ahead can be handled well after the dialog opened.
        """
        if event.key in self.SAFE_KEYS:
            return
        if event.time - self._opened_event_time < self._guard:
            event.stop()
            event.prevent_default()
        elif event.key == "y":
            self._yes_typed = True  # a deliberate yes: the binding may answer it

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        yes = event.button.id == "yes"
        if yes and time.monotonic() - self._opened < self._guard:
            return  # a click (or enter on the button) in the instant it appeared
        self.dismiss(yes)

    def action_answer(self, answer: bool) -> None:
        """Close with ``answer``; a yes only when the dialog saw it typed (see on_key).

        A key typed ahead can be handled by the list before the dialog opened and
        bubble up to the app's bindings after it did, never passing the dialog's
        own check of when it arrived: such a yes is not an answer.
        """
        if answer and not self._yes_typed:
            return
        self.dismiss(answer)


class RenameModal(ModalScreen[str | None]):
    """Ask for a new pane name, explaining a bad one before it is accepted.

    Dismisses with the valid new name, or None when cancelled or unchanged.

    Args:
        current: The pane's current name (pre-filled).
        taken: Names other panes already use.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename_cancel"),
    ]

    def __init__(self, current: str, taken: Iterable[str]) -> None:
        super().__init__()
        self._current = current
        self._taken = frozenset(taken) - {current}

    def compose(self) -> ComposeResult:
        """A title, the name field and where problems are explained."""
        with Vertical(classes="dialog"):
            yield Label(f"Rename {self._current!r}", classes="question")
            yield Field(self._current, id="name", select_on_focus=True)
            yield Label("", id="problem", classes="problem")
            yield Label("enter: rename · esc: cancel", classes="hint")

    def _problem(self, name: str) -> str | None:
        try:
            validate_name(name)
        except BadNameError as exc:
            return str(exc)
        if name in self._taken:
            return f"a pane named {name!r} already exists; names must be unique"
        return None

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#problem", Label).update(self._problem(event.value) or "")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self._problem(event.value)
        if problem:
            self.query_one("#problem", Label).update(problem)
            return
        self.dismiss(None if event.value == self._current else event.value)

    def action_cancel(self) -> None:
        """Close without renaming."""
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys of both modes, the three labels and what survives what.

    Args:
        keys: (key, description) pairs for navigation mode, in display order.
        leave_key: The key that leaves terminal mode.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help", id="help_close"),
    ]

    def __init__(self, keys: list[tuple[str, str]], leave_key: str) -> None:
        super().__init__()
        self._keys = keys
        self._leave_key = leave_key

    def compose(self) -> ComposeResult:
        """Keys on the left, modes and labels on the right, in a scrollable box."""
        width = max((len(k) for k, _ in self._keys), default=1)
        rows = "\n".join(
            f"[b $accent]{escape(k.ljust(width))}[/]  {escape(d)}" for k, d in self._keys
        )
        leave = escape(self._leave_key)
        keys = f"[b]Navigation mode[/] (the list has focus)\n\n{rows}"
        about = (
            "[b]Terminal mode[/] (a pane has focus)\n"
            "Every key goes to the program (Esc, Ctrl+C, Ctrl+B, q…) "
            f"except [b $accent]{leave}[/], which returns to the list; "
            f"press it twice to send it to the program. "
            "Shift+PgUp/PgDn (Shift+Home/End, the wheel) browse the pane's whole history, "
            "tmux panes too (outside full-screen programs); there / and ? search "
            "(matches highlighted), n/N step, Esc returns; "
            "any other key returns and goes to the program. "
            "Everything else reaches the program byte for byte as in a plain tmux pane.\n\n"
            "[b]Labels[/]\n"
            "[$success]●[/] attached  shown live by chloe\n"
            "[$warning]○[/] detached  running, no chloe client\n"
            "[$error]✗[/] dead      ended (exit code or signal)\n"
            "[$text-muted]◌[/] checking  asked tmux, no answer yet\n\n"
            "[b]What survives[/]\n"
            "tmux panes survive chloe quitting, SSH dropping and crashes; "
            "chloe reattaches the ones you left attached. "
            "Direct panes end with chloe and come back dead, ready to respawn."
        )
        with Vertical(classes="dialog help"):
            with VerticalScroll(), Horizontal(classes="columns"):
                yield Static(Content.from_markup(keys), classes="keys")
                yield Static(Content.from_markup(about), classes="about")
            yield Label("esc or ? to close", classes="hint")

    STACK_BELOW = 92
    """Below this many columns the two columns are stacked (and scroll) instead of clipped."""

    def on_mount(self) -> None:
        """Focus the scroller so arrows and PgUp/PgDn scroll a help taller than the screen."""
        self.query_one(VerticalScroll).focus()

    def on_resize(self, event: Resize) -> None:
        """Stack the columns on narrow terminals (a phone over SSH)."""
        self.set_class(event.size.width < self.STACK_BELOW, "-stacked")

    def action_close(self) -> None:
        """Close the overlay."""
        self.dismiss(None)
