"""The sidebar: one entry per pane with its name, kind, status word and indicator."""

from __future__ import annotations

from collections.abc import Sequence
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


HEADER_PREFIX = "host:"
"""Option ids of host headers (pane ids never hold a ``:``)."""


@dataclass(frozen=True, slots=True)
class Group:
    """A host's header line, above its panes (when other hosts are configured).

    Attributes:
        host: The host's name (``local`` for this machine).
        words: Its state in a few words (``reachable``, ``unreachable (5m)``).
        down: It does not answer (drawn as a problem).
        collapsed: Its panes are hidden (Enter on the header toggles it).
        hidden: How many panes it hides, when collapsed.
    """

    host: str
    words: str
    down: bool = False
    collapsed: bool = False
    hidden: int = 0


def render_header(group: Group) -> Content:
    """A group's header: open or closed, the host's name and its state."""
    colour = "$warning" if group.down else "$text-muted"
    arrow = "▸" if group.collapsed else "▾"
    hidden = f" [dim]· {group.hidden} hidden[/]" if group.collapsed else ""
    return Content.from_markup(
        f"{arrow} [b]{escape(group.host)}[/] [{colour}]· {escape(group.words)}[/]{hidden}"
    )


def grouped(entries: Sequence[Entry], groups: Sequence[Group]) -> list[Entry | Group]:
    """Each group's header followed by its entries (in their order); hosts not in
    ``groups`` get no header and come last."""
    from chloe.model import LOCAL_HOST

    layout: list[Entry | Group] = []
    known = {g.host for g in groups}
    for group in groups:
        layout.append(group)
        if not group.collapsed:
            layout += [e for e in entries if (e.host or LOCAL_HOST) == group.host]
    layout += [e for e in entries if (e.host or LOCAL_HOST) not in known]
    return layout


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
        self._groups: dict[str, Group] = {}
        self._group_list: list[Group] | None = None
        self.collapsed: set[str] = set()
        """Hosts whose panes are hidden under their header."""
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
        for group in self._groups.values():
            self.replace_option_prompt(_option_id(group), render_header(group))

    def _item_prompt(self, item: Entry | Group) -> Content:
        return self._prompt(item) if isinstance(item, Entry) else render_header(item)

    @property
    def pane_ids(self) -> list[str]:
        """Ids of the listed panes, top to bottom."""
        return [o.id for o in self.options if o.id is not None and not _is_header(o.id)]

    @property
    def listed(self) -> int:
        """How many panes are listed now (hidden by the filter and headers not counted)."""
        return len(self._entries)

    @property
    def selected_id(self) -> str | None:
        """The highlighted pane's id (None on a host's header)."""
        option = self.highlighted_option
        if option is None or option.id is None or _is_header(option.id):
            return None
        return option.id

    @property
    def selected_host(self) -> str | None:
        """The host of the highlighted header or pane (None: a pane on this machine,
        or nothing highlighted)."""
        option = self.highlighted_option
        if option is None or option.id is None:
            return None
        if _is_header(option.id):
            return option.id[len(HEADER_PREFIX) :]
        entry = self._entries.get(option.id)
        return entry.host if entry is not None else None

    def toggle_group(self, host: str) -> None:
        """Hide or show the panes under a host's header."""
        self.collapsed ^= {host}
        self.set_entries(self._all, groups=self._group_list)

    def select_id(self, pane_id: str) -> None:
        """Highlight the pane with this id, if listed (opening its host's group)."""
        from chloe.model import LOCAL_HOST

        entry = next((e for e in self._all if e.pane_id == pane_id), None)
        if entry is not None and (entry.host or LOCAL_HOST) in self.collapsed:
            self.collapsed.discard(entry.host or LOCAL_HOST)
            self.set_entries(self._all, groups=self._group_list)
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
        self.set_entries(self._all, first=True, groups=self._group_list)

    def set_entries(
        self,
        entries: list[Entry],
        *,
        first: bool = False,
        groups: Sequence[Group] | None = None,
    ) -> None:
        """Show exactly these entries (those the filter keeps), in this order, keeping
        the highlight on its pane (``first``: else on the first one).

        ``groups``: under a header per host (see :func:`grouped`); a header can be
        highlighted too (``t`` there creates a pane on that host).

        Only changed prompts are redrawn; the list is rebuilt only when panes
        were added, removed or reordered.
        """
        self._all = list(entries)
        self._group_list = list(groups) if groups is not None else None
        if self.filter_text:
            entries = [e for e in entries if entry_matches(e, self.filter_text)]
        if groups is not None and self.collapsed:
            groups = [_closed(g, entries) if g.host in self.collapsed else g for g in groups]
        layout: list[Entry | Group] = (
            grouped(entries, groups) if groups is not None else list(entries)
        )
        ids = [_option_id(item) for item in layout]
        if self._width is None:
            self._width = self._inner_width()
        if ids != [o.id for o in self.options]:
            option = self.highlighted_option
            previous = option.id if option is not None else None
            if previous is not None and _is_header(previous) and not self._entries:
                previous = None  # the first pane listed gets the highlight
            index = self.highlighted
            self.set_options(Option(self._item_prompt(i), id=_option_id(i)) for i in layout)
            if previous in ids:
                self.highlighted = ids.index(previous)
            elif ids:
                # Where the highlight was (the top if ``first``), moved down past a header.
                at = 0 if first else min(index or 0, len(ids) - 1)
                panes = [n for n in range(at, len(ids)) if not _is_header(ids[n])]
                self.highlighted = panes[0] if panes else at
            self._entries = {e.pane_id: e for e in entries}
            self._groups = {g.host: g for g in groups or ()}
            self.post_message(self.PaneHighlighted(self.selected_id))
            return
        for item in layout:
            old = (
                self._entries.get(item.pane_id)
                if isinstance(item, Entry)
                else self._groups.get(item.host)
            )
            if old != item:
                self.replace_option_prompt(_option_id(item), self._item_prompt(item))
        self._entries = {e.pane_id: e for e in entries}
        self._groups = {g.host: g for g in groups or ()}

    def watch_one_line(self, one_line: bool) -> None:
        """Redraw every entry in the new layout."""
        self._redraw()

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        option_id = event.option.id
        header = option_id is None or _is_header(option_id)
        self.post_message(self.PaneHighlighted(None if header else option_id))


def _closed(group: Group, entries: Sequence[Entry]) -> Group:
    from dataclasses import replace

    from chloe.model import LOCAL_HOST

    hidden = sum(1 for e in entries if (e.host or LOCAL_HOST) == group.host)
    return replace(group, collapsed=True, hidden=hidden)


def _is_header(option_id: str) -> bool:
    return option_id.startswith(HEADER_PREFIX)


def _option_id(item: Entry | Group) -> str:
    return item.pane_id if isinstance(item, Entry) else HEADER_PREFIX + item.host
