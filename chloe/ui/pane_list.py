"""The sidebar: one entry per pane with its name, kind, status word and indicator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual.binding import BindingType
from textual.content import Content
from textual.events import Resize
from textual.markup import escape
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from chloe.attention import Attention
from chloe.model import Kind, Status
from chloe.ui.attention import GLYPHS as ATTENTION_GLYPHS

INDICATORS: dict[Status, tuple[str, str]] = {
    Status.ATTACHED: ("●", "$success"),
    Status.DETACHED: ("○", "$warning"),
    Status.DEAD: ("✗", "$error"),
    Status.UNREACHABLE: ("?", "$warning"),
    Status.CHECKING: ("◌", "$text-muted"),
    Status.LOST: ("!", "$error"),
}
"""Status -> (indicator glyph, theme colour); one entry for every status."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the list shows for one pane (plain values, so redraws are cheap to skip).

    Attributes:
        pane_id: The pane's stable id (the option id).
        name: Display name.
        kind: direct or tmux.
        status: What the glyph and colour show.
        label: The status as words (:func:`chloe.model.status_words`).
        command: The running command (tmux's ``pane_current_command``), if known.
        age: How long the pane has existed, in short words (``3h 12m``), if shown.
        activity: New output or a bell while the pane was not shown.
        attention: The pane's attention state (its own glyph and colour).
        attention_text: The state in words, with how long ago.
        host: The host a remote tmux pane runs on (None: this machine).
    """

    pane_id: str
    name: str
    kind: Kind
    status: Status
    label: str
    command: str | None = None
    age: str | None = None
    activity: str | None = None
    attention: Attention = Attention.IDLE
    attention_text: str = ""
    host: str | None = None

    def state_words(self, *, compact: bool) -> str:
        """The attention words shown under the name (the state alone when compact)."""
        if compact or not self.attention_text:
            return self.attention.value
        return self.attention_text


def format_age(created: datetime, now: datetime) -> str:
    """Short words for how long ago ``created`` was: ``<1m``, ``12m``, ``3h 12m``, ``2d 4h``.

    Minutes at most, so an idle list does not change (and redraw) every second.
    """
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return "<1m"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def fit(text: str, width: int | None) -> str:
    """``text`` cut to ``width`` display cells, ending in ``…`` when cut (None: whole)."""
    if width is None or cell_len(text) <= width:
        return text
    if width < 1:
        return ""
    out = ""
    for char in text:
        if cell_len(out + char) + 1 > width:
            break
        out += char
    return out + "…"


def render_entry(entry: Entry, *, compact: bool, width: int | None = None) -> Content:
    """The option prompt for an entry: three lines (four with an attention state),
    or two when ``compact``.

    With ``width`` (the list's inner width in cells) no line wraps: the name and
    the details are cut with ``…`` by display width (the title shows the full name).
    """
    glyph, colour = INDICATORS[entry.status]
    activity_text = f" {entry.activity}" if entry.activity else ""
    attention = ""
    inner = None if width is None else max(1, width - 2)
    if entry.attention is not Attention.IDLE:
        mark, tint = ATTENTION_GLYPHS[entry.attention]
        activity_text = f" {mark}"
        words = fit(entry.state_words(compact=compact), None if inner is None else inner - 2)
        attention = f"[{tint}]{mark} {escape(words)}[/]"
        activity = f" [{tint}]{mark}[/]"
    else:
        activity = f" [$accent]{escape(entry.activity)}[/]" if entry.activity else ""
    room = None if width is None else max(1, width - 2 - cell_len(activity_text))
    name = escape(fit(entry.name, room))
    label = f"{entry.label} @{entry.host}" if compact and entry.host else entry.label
    if compact:
        second = attention or f"[{colour}]{escape(fit(label, inner))}[/]"
        return Content.from_markup(f"[{colour}]{glyph}[/] [b]{name}[/]{activity}\n  {second}")
    detail = [p for p in (entry.command, entry.age) if p]
    kind = f"{entry.kind.value}@{entry.host}" if entry.host else entry.kind.value
    label_room = None if inner is None else max(1, inner - cell_len(kind) - 3)
    lines = [
        f"[{colour}]{glyph}[/] [b]{name}[/]{activity}",
        f"  [dim]{escape(kind)}[/] · [{colour}]{escape(fit(entry.label, label_room))}[/]",
    ]
    if attention:
        lines.append(f"  {attention}")
    if detail:
        lines.append(f"  [dim]{escape(fit(' · '.join(detail), inner))}[/]")
    return Content.from_markup("\n".join(lines))


def entry_matches(entry: Entry, text: str) -> bool:
    """Whether the list filter ``text`` keeps ``entry``: every word of it is in the
    pane's name or running command, ignoring case (an empty filter keeps all)."""
    hay = f"{entry.name}\n{entry.command or ''}".casefold()
    return all(word in hay for word in text.casefold().split())


class PaneList(OptionList, inherit_bindings=False):
    """The list of panes; keys are bound on the screen (so the keymap can remap them).

    Moving the highlight posts :class:`PaneList.PaneHighlighted`.
    """

    BINDINGS: ClassVar[list[BindingType]] = []

    one_line: reactive[bool] = reactive(False)
    """Show the short form of each entry (narrow terminals): name and status only."""

    class PaneHighlighted(Message):
        """The highlight moved to another pane (or off the end of an emptied list).

        Args:
            pane_id: The highlighted pane's id, or None when the list is empty.
        """

        def __init__(self, pane_id: str | None) -> None:
            super().__init__()
            self.pane_id = pane_id
            """The highlighted pane's id, or None."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: dict[str, Entry] = {}
        self._all: list[Entry] = []
        self._width: int | None = None
        self.filter_text = ""
        """Only the entries this keeps are listed (:func:`entry_matches`, :meth:`set_filter`)."""

    def _inner_width(self) -> int | None:
        """Cells an entry may take on one line (None before the list is laid out)."""
        width = self.scrollable_content_region.width - 2  # the options' padding
        return width if width > 0 else None

    def _prompt(self, entry: Entry) -> Content:
        return render_entry(entry, compact=self.one_line, width=self._width)

    def on_resize(self, event: Resize) -> None:
        """Cut the entries again for the new width."""
        width = self._inner_width()
        if width != self._width:
            self._width = width
            self._redraw()

    def _redraw(self) -> None:
        for entry in self._entries.values():
            self.replace_option_prompt(entry.pane_id, self._prompt(entry))

    @property
    def pane_ids(self) -> list[str]:
        """Ids of the listed panes, top to bottom."""
        return [o.id for o in self.options if o.id is not None]

    @property
    def selected_id(self) -> str | None:
        """The highlighted pane's id."""
        option = self.highlighted_option
        return option.id if option is not None else None

    def select_id(self, pane_id: str) -> None:
        """Highlight the pane with this id, if listed."""
        try:
            self.highlighted = self.get_option_index(pane_id)
        except LookupError:
            pass

    @property
    def total(self) -> int:
        """How many panes there are, listed or filtered out."""
        return len(self._all)

    @property
    def all_ids(self) -> list[str]:
        """Ids of every pane in list order, the ones the filter hides too."""
        return [e.pane_id for e in self._all]

    def is_listed(self, pane_id: str) -> bool:
        """Whether the pane is in the list now (not filtered out)."""
        return pane_id in self._entries

    def set_filter(self, text: str) -> None:
        """List only the entries ``text`` keeps; the highlight stays on its pane if
        still listed, else goes to the first one."""
        if text == self.filter_text:
            return
        self.filter_text = text
        self.set_entries(self._all, first=True)

    def set_entries(self, entries: list[Entry], *, first: bool = False) -> None:
        """Show exactly these entries (those the filter keeps), in this order, keeping
        the highlight on its pane (``first``: else on the first one).

        Only changed prompts are redrawn; the list is rebuilt only when panes
        were added, removed or reordered.
        """
        self._all = list(entries)
        if self.filter_text:
            entries = [e for e in entries if entry_matches(e, self.filter_text)]
        if self._width is None:
            self._width = self._inner_width()
        if [e.pane_id for e in entries] != self.pane_ids:
            previous = self.selected_id
            index = self.highlighted
            self.set_options(Option(self._prompt(e), id=e.pane_id) for e in entries)
            ids = [e.pane_id for e in entries]
            if previous in ids:
                self.highlighted = ids.index(previous)
            elif ids:
                self.highlighted = 0 if first else min(index or 0, len(ids) - 1)
            self._entries = {e.pane_id: e for e in entries}
            self.post_message(self.PaneHighlighted(self.selected_id))
            return
        for entry in entries:
            if self._entries.get(entry.pane_id) != entry:
                self.replace_option_prompt(entry.pane_id, self._prompt(entry))
        self._entries = {e.pane_id: e for e in entries}

    def watch_one_line(self, one_line: bool) -> None:
        """Redraw every entry in the new layout."""
        self._redraw()

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.PaneHighlighted(event.option.id))
