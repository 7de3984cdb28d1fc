"""Searching every pane's history from the TUI (``F`` in navigation mode).

The same engine as ``chloe grep`` (:func:`chloe.history.search_sources` over
:meth:`chloe.service.PaneService.history_sources`): each pane's continuous log,
else its tmux history. The search runs in a daemon thread (a hung tmux or file
never blocks the UI, nor quitting) and stops after :data:`MAX_HITS` lines; the
hits are listed as ``pane:line  text``, and Enter opens the pane on that line,
its matches highlighted (:meth:`chloe.ui.app.ChloeApp.open_hit`).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from chloe.history import Match
from chloe.ui.fields import Field

MAX_HITS = 1000
"""Lines listed at most (a search for ``e`` stops there, and says so)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One listed line: where it is, and how to find it again in the pane's history.

    Attributes:
        pane: The pane's name.
        line: Its 1-based line number in the pane's log (or tmux history).
        text: The line.
        pattern: What was searched for (plain text).
        from_end: How many of the pane's matching lines come after this one
            (the log and tmux's history end at the same line, not start).
    """

    pane: str
    line: int
    text: str
    pattern: str
    from_end: int


def hits_of(matches: Iterable[Match], pattern: str) -> list[Hit]:
    """The matches as hits, each knowing its place counted from its pane's last match."""
    found = list(matches)
    per_pane = Counter(m.pane for m in found)
    seen: Counter[str] = Counter()
    hits = []
    for m in found:
        seen[m.pane] += 1
        hits.append(Hit(m.pane, m.line_number, m.line, pattern, per_pane[m.pane] - seen[m.pane]))
    return hits


def summary_words(hits: list[Hit], complete: bool) -> str:
    """``12 lines in 3 panes`` (``first 1000 lines…`` when cut)."""
    panes = len({h.pane for h in hits})
    if not hits:
        return "no pane's history holds it"
    lines = f"{len(hits)} line{'s' if len(hits) != 1 else ''}"
    where = f"in {panes} pane{'s' if panes != 1 else ''}"
    if not complete:
        return f"the first {lines} {where} (more not listed: search for more words)"
    return f"{lines} {where}"


class PaneSearchScreen(ModalScreen["Hit | None"]):
    """Ask for a text, search every pane's history for it, list the lines.

    Args:
        search: Runs in a worker thread: the matches for a plain text, in order
            (consumed up to :data:`MAX_HITS` + 1).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="pane_search_cancel"),
    ]

    class Found(Message):
        """A search finished (``generation`` tells a stale one from the latest)."""

        def __init__(self, generation: int, hits: list[Hit], complete: bool, error: str) -> None:
            super().__init__()
            self.generation = generation
            self.hits = hits
            self.complete = complete
            self.error = error

    def __init__(self, search: Callable[[str], Iterable[Match]]) -> None:
        super().__init__()
        self._search = search
        self._generation = 0
        self.hits: list[Hit] = []
        """The hits listed now."""

    def compose(self) -> ComposeResult:
        """A title, the text, what was found, the lines."""
        with Vertical(classes="dialog pane-search"):
            yield Label("Search every pane's history (plain text, case-sensitive)")
            yield Field(placeholder="text, then enter", id="pane-search-text")
            yield Label("", id="pane-search-status", classes="hint")
            yield OptionList(id="pane-search-hits")
            yield Label("enter: open the pane on that line · esc: close", classes="hint")

    @property
    def status(self) -> str:
        """The line that says what the search found (or that it runs)."""
        return str(self.query_one("#pane-search-status", Label).render())

    @on(Input.Submitted, "#pane-search-text")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text:
            return
        self._generation += 1
        generation = self._generation
        self.query_one("#pane-search-status", Label).update("searching…")
        search = self._search

        def run() -> None:
            try:
                found = list(itertools.islice(search(text), MAX_HITS + 1))
                error = ""
            except Exception as exc:  # one line for the user, never a traceback
                found, error = [], f"the search failed: {exc}"
            complete = len(found) <= MAX_HITS
            hits = hits_of(found[:MAX_HITS], text)
            self.post_message(self.Found(generation, hits, complete, error))

        threading.Thread(target=run, name="chloe-pane-search", daemon=True).start()

    @on(Found)
    def _found(self, event: Found) -> None:
        if event.generation != self._generation:
            return
        self.hits = event.hits
        status = event.error or summary_words(event.hits, event.complete)
        self.query_one("#pane-search-status", Label).update(status)
        hits = self.query_one("#pane-search-hits", OptionList)
        hits.set_options(
            Option(
                Content.from_markup(
                    f"[b $accent]{escape(h.pane)}[/]:[dim]{h.line}[/]  {escape(h.text.strip())}"
                ),
                id=str(k),
            )
            for k, h in enumerate(event.hits)
        )
        if event.hits:
            hits.highlighted = 0
            hits.focus()

    @on(OptionList.OptionSelected, "#pane-search-hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.hits[event.option_index])

    def action_cancel(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)
