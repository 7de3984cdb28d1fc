"""``TerminalView``: the Textual widget that draws a :class:`~chloe.terminal.Terminal`.

It uses the Line API: :meth:`TerminalView.render_line` returns a cached
:class:`~textual.strip.Strip` per terminal row, and only rows the emulator
marked dirty are rebuilt. Cell styles map to rich ``Style`` objects through a
cache keyed on the cell's attribute tuple, so a screen of coloured text costs
one dictionary lookup per run of equally styled cells.

The widget owns the keyboard while focused: every key, paste, mouse report and
focus change is encoded by :mod:`chloe.terminal.keys` and posted as
:class:`TerminalView.Input` for the owner to write to the pty. It never talks to
a backend itself.
"""

from __future__ import annotations

import asyncio
import time
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Final

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from chloe.terminal.cells import WIDTH, ZWJ, split_cells
from chloe.terminal.keys import (
    MouseAction,
    encode_focus,
    encode_key,
    encode_mouse,
    encode_paste,
)
from chloe.terminal.sgr import ANSI_INDEX, PALETTE_INDEX, rgb_to_256
from chloe.ui.selection import Selection, selected_text, widen

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from textual.filter import LineFilter

    from chloe.terminal.screen import Terminal

__all__ = ["TerminalView"]

FRAME_INTERVAL: Final = 1 / 60
"""The shortest time between two repaints caused by program output."""
FLOOD_FRAME_INTERVAL: Final = 1 / 20
"""The same while output floods: several reads since the last repaint scrolled every row.

Each frame of a flood rebuilds every row, and the event loop that paints it
also reads the pty and handles keys: painting less often lets the flood end
sooner and typing elsewhere stay quick. The last frame is always painted.
A frame that takes long to render waits longer (:data:`FLOOD_PAINT_SHARE`)."""
FLOOD_PAINT_SHARE: Final = 0.2
"""During a flood, the most of the time that painting frames may take.

The next flood frame comes no sooner than the last one's cost divided by
this (a big window, a slow machine): at 20 ms a frame, 10 frames a second
rather than 20, so the pane's own output gets the other 80%."""
MAX_FLOOD_FRAME_INTERVAL: Final = 1 / 4
"""The longest wait between two frames of a flood, however slow they are."""
WHEEL_LINES: Final = 3
"""Lines scrolled per wheel step when browsing scrollback."""


# A cell's style key: Cell fields after ``data``:
# (fg, bg, bold, italics, underscore, strikethrough, reverse, blink, dim).
_StyleKey = tuple[Any, ...]
_style_key = itemgetter(slice(1, None))
_cell_text = itemgetter(0)


@lru_cache(maxsize=1024)
def _color(name: str, rgb_as_256: bool = False) -> Color | None:
    """Map an emulator colour to the rich colour the outer terminal is sent.

    The 16 ANSI colours stay ANSI colours (SGR 30-37/90-97, 40-47/100-107) and
    palette entries stay palette indexes (``38;5;N``), so the user's own
    terminal palette applies, as in a plain tmux; 24-bit colour stays RGB,
    or with ``rgb_as_256`` (a terminal without 24-bit colour) becomes the
    palette index tmux would send (:func:`~chloe.terminal.sgr.rgb_to_256`;
    rich's own rounding picks other entries, ``#878787`` as ``#808080``).
    ``None`` (the terminal's default colour) for ``"default"``.
    """
    if name == "default" or not name:
        return None
    index = ANSI_INDEX.get(name)
    if index is None:
        index = PALETTE_INDEX.get(name)
    if index is not None:
        return Color.from_ansi(index)
    try:
        rgb = Color.parse(f"#{name}").get_truecolor()
    except Exception:  # an unknown name must not break rendering; draw it default
        return None
    if rgb_as_256:
        return Color.from_ansi(rgb_to_256(*rgb))
    return Color.from_triplet(rgb)


def cell_style(key: _StyleKey, *, rgb_as_256: bool = False) -> Style:
    """The rich style for one cell's attributes (without the widget's base colours).

    Args:
        key: ``cell[1:]`` of a :class:`~chloe.terminal.Cell` (or a pyte
            ``Char``): fg, bg, bold, italics, underscore, strikethrough,
            reverse, then blink and dim when present.

        rgb_as_256: send 24-bit colours as tmux does to a 256-colour terminal.

    Returns:
        A rich ``Style``; default colours stay ``None`` so the widget's
        colours (the outer terminal's defaults) show through.
    """
    fg, bg, bold, italics, underscore, strikethrough, reverse, *rest = key
    blink = bool(rest[0]) if rest else False
    dim = len(rest) > 1 and bool(rest[1])
    return Style(
        color=_color(fg, rgb_as_256),
        bgcolor=_color(bg, rgb_as_256),
        bold=bold or None,
        italic=italics or None,
        underline=underscore or None,
        strike=strikethrough or None,
        reverse=reverse or None,
        blink=blink or None,
        dim=dim or None,
    )


def _wide(text: str) -> bool:
    """Whether a cell holding ``text`` is a wide character (two columns, as tmux has it)."""
    return bool(text) and not text.isascii() and WIDTH[text[0]] == 2


def _aligned(cells: Sequence[tuple[Any, ...]]) -> bool:
    """Whether every wide character in ``cells`` is followed by its ``""`` half, and only those.

    A cell ending in a zero width joiner (tmux keeps one when a ZWJ sequence
    is cut at 21 bytes) needs mending too.
    """
    want_half = False
    for cell in cells:
        text = cell[0]
        if text.endswith(ZWJ):
            return False
        if want_half:
            if text:
                return False
            want_half = False
        elif not text:
            return False
        elif _wide(text):
            want_half = True
    return not want_half


def _mended(cells: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``cells`` with a wide character missing its right half, or a stray half, as a blank.

    (xterm erases a wide character whose half was overwritten; drawing it
    would push the rest of the row right.) A trailing zero width joiner is
    left out: the outer terminal would join the next cell's text to this one
    (tmux does, and chloe's output runs without autowrap, where tmux joins
    even ASCII).
    """
    out = list(cells)
    count = len(out)
    x = 0
    while x < count:
        text = out[x][0]
        if text.endswith(ZWJ):
            text = text.rstrip(ZWJ) or " "
            out[x] = (text, *out[x][1:])
        if _wide(text) and x + 1 < count and out[x + 1][0] == "":
            x += 2
            continue
        if not text or _wide(text):
            out[x] = (" ", *out[x][1:])
        x += 1
    return out


def match_spans(line: str, text: str) -> list[tuple[int, int]]:
    """The cell columns (start, end) of each occurrence of ``text`` in ``line``,
    left to right, not overlapping (wide characters take two cells)."""
    spans: list[tuple[int, int]] = []
    width = len(split_cells(text))
    pos = line.find(text)
    while pos >= 0 and text:
        start = len(split_cells(line[:pos]))
        spans.append((start, start + width))
        pos = line.find(text, pos + len(text))
    return spans


class TerminalView(Widget, can_focus=True):
    """Draws a :class:`~chloe.terminal.Terminal` and turns input into pty bytes.

    The owner feeds program output to ``view.terminal`` and then calls
    :meth:`notify_output`; it handles :class:`TerminalView.Input` by writing the
    bytes to the pty and :class:`TerminalView.Resized` by resizing the pty.

    Args:
        terminal: the emulator to draw; it is resized to follow the widget.
        name: the widget's name.
        id: the widget's id.
        classes: space-separated CSS classes.
    """

    DEFAULT_CSS = """
    TerminalView {
        width: 1fr;
        height: 1fr;
        background: ansi_default;
        color: ansi_default;
    }
    TerminalView > .terminal-view--marker {
        background: $warning-muted;
        color: $text-warning;
        text-style: bold;
    }
    TerminalView > .terminal-view--match {
        background: ansi_cyan;
        color: ansi_black;
    }
    TerminalView > .terminal-view--current-match {
        background: ansi_magenta;
        color: ansi_black;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "terminal-view--marker",
        "terminal-view--match",
        "terminal-view--current-match",
    }
    """``terminal-view--marker``: the ``[scrollback -N]`` marker while browsing;
    ``terminal-view--match`` and ``terminal-view--current-match``: the search's matches
    in the browsed lines, and the one the top row shows (tmux copy mode's colours)."""

    # The widget draws terminal cells; Textual's own text selection does not
    # know them and would fight the program's mouse reports.
    ALLOW_SELECT = False

    class Input(Message):
        """Bytes the user typed, pasted, clicked or focused: write them to the pty.

        Args:
            data: the encoded bytes.
            view: the view that posted the message.
            terminal: the emulator whose modes encoded them (the pane they are for).
        """

        def __init__(
            self, data: bytes, view: TerminalView | None = None, terminal: Terminal | None = None
        ) -> None:
            super().__init__()
            self.data = data
            """The bytes for the pty."""
            self.view = view
            """The view that posted the message."""
            self.terminal = terminal
            """The emulator shown when they were encoded: they are for its program only."""

        @property
        def control(self) -> TerminalView | None:
            """The view that posted the message."""
            return self.view

    class Resized(Message):
        """The view (and its terminal) changed size: resize the pty to match.

        Args:
            columns: the new width in cells.
            rows: the new height in rows.
            view: the view that posted the message.
        """

        def __init__(self, columns: int, rows: int, view: TerminalView | None = None) -> None:
            super().__init__()
            self.columns = columns
            """New width in cells."""
            self.rows = rows
            """New height in rows."""
            self.view = view
            """The view that posted the message."""

        @property
        def control(self) -> TerminalView | None:
            """The view that posted the message."""
            return self.view

        def can_replace(self, message: Message) -> bool:
            """Only the latest size matters, so a newer resize replaces a queued one."""
            return isinstance(message, TerminalView.Resized) and message.view is self.view

    def __init__(
        self,
        terminal: Terminal,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._terminal = terminal
        self._line_cache: dict[int, Strip] = {}
        """Screen row -> strip without the cursor, valid until the row is dirty."""
        self._moved_rows: dict[int, tuple[tuple[Any, ...], Strip]] = {}
        """id(row object) -> (its cells when drawn, strip), to reuse rows that only moved."""
        self._scrollback_cache: dict[int, Strip] = {}
        """Scrollback row -> strip; cleared whenever output arrives while browsing."""
        self._styles: dict[_StyleKey, Style] = {}
        """Cell attributes -> rich style with the widget's colours underneath."""
        self._base_style: Style | None = None
        self._scroll_offset = 0
        self._seen_scrollback_len = terminal.scrollback_len
        self._cursor_drawn: tuple[int, int] | None = None
        self._last_flush = 0.0
        self._pending = False
        self._flooding = False
        self._flood_interval = FLOOD_FRAME_INTERVAL
        self._render_seconds = 0.0
        """Time frames took since the last flush (see :meth:`render_lines`)."""
        self._timing_frame = False
        self._flushed_generation = terminal.generation
        self._mouse_captured = False
        self._selection: Selection | None = None
        """While the mouse drags over the pane: what it selected (copied on release)."""
        self.copy_request: Callable[[str], None] | None = None
        """Called with the text a drag selected (the app copies it to the clipboard)."""
        self._history_of: tuple[Terminal, Callable[[], None]] | None = None
        """While a pane's history is shown: the live terminal, and what to call at the end."""
        self._found: tuple[str, list[int], int] | None = None
        """While searching: the text, the lines that hold it (oldest first), the current one."""
        self._spans: dict[int, list[tuple[int, int]]] = {}
        """While searching: line index -> the cell columns (start, end) of each match on it."""
        self.search_request: Callable[[bool], None] | None = None
        """Asked to prompt for a search (True: backwards, ``?``) while browsing."""
        self._history_top = False
        """Shift+Home was the last move: a fuller history (:meth:`replace_history`) opens
        at its top too."""
        self.history_request: Callable[[str], bool] | None = None
        """Asked, with the key (``shift+pageup``, ``shift+home`` or ``wheel``), when a
        browse key reaches a terminal without scrollback of its own (a tmux client's
        screen); True if it will show the pane's history (:meth:`show_history`)."""
        self.reports_focus = True
        """Send focus reports (mode 1004) to the program on focus and blur. An app that
        reports focus itself (chloe's, which knows which pane a report is for) turns
        this off."""

    # --- public API -------------------------------------------------------

    @property
    def terminal(self) -> Terminal:
        """The emulator being drawn (replace it with :meth:`set_terminal`)."""
        return self._terminal

    @property
    def scrollback_offset(self) -> int:
        """How many lines the view is scrolled back from the bottom (0: live)."""
        return self._scroll_offset

    def set_terminal(self, terminal: Terminal) -> None:
        """Draw another terminal instead, resized to this view, with a full redraw.

        Posts :class:`Resized` if the new terminal had to change size.

        Args:
            terminal: the emulator to draw from now on.
        """
        self._history_of = None
        self._found = None
        self._spans = {}
        self._terminal = terminal
        self._scroll_offset = 0
        self._seen_scrollback_len = terminal.scrollback_len
        self._flushed_generation = terminal.generation
        self._flooding = False
        self._cursor_drawn = None
        self._invalidate()
        if self.is_mounted:
            self._sync_size()
        self.refresh()

    @property
    def browsing_history(self) -> bool:
        """Whether a pane's history (:meth:`show_history`) is shown instead of its screen."""
        return self._history_of is not None

    def show_history(self, history: Terminal, lines: int, on_end: Callable[[], None]) -> None:
        """Browse ``history`` (a terminal holding a pane's whole history) ``lines`` up.

        The live terminal comes back, and ``on_end`` is called, when the browse
        reaches the bottom or :meth:`end_history` is called.
        """
        live = self._history_of[0] if self._history_of is not None else self._terminal
        self.set_terminal(history)
        self._history_of = (live, on_end)
        self.scroll_back(max(1, lines))

    def replace_history(self, shown: Terminal, history: Terminal) -> None:
        """Swap the browsed ``shown`` history for ``history``, which ends with the same
        lines and holds more above them: the view stays where it is."""
        if self._history_of is None or self._terminal is not shown:
            return
        kept, offset = self._history_of, self._scroll_offset
        at_top = self._history_top and offset >= shown.scrollback_len  # Shift+Home
        self.set_terminal(history)
        self._history_of = kept
        self._scroll_offset = history.scrollback_len if at_top else offset
        self._seen_scrollback_len = history.scrollback_len
        self.refresh()

    @property
    def searching(self) -> bool:
        """Whether a search's matches are being stepped through (``n``/``N``, Esc)."""
        return self._found is not None

    def search(self, text: str, *, backwards: bool = False, from_end: int | None = None) -> int:
        """Find ``text`` (plain, case-sensitive) in the browsed lines; go to the nearest
        match after (``backwards``: before) the top line, or (``from_end``) to the
        line that many matches before the last one. Returns how many lines hold it."""
        terminal = self._terminal
        lines = [*terminal.scrollback(), *terminal.display]
        found = [i for i, line in enumerate(lines) if text in line]
        self._spans = {i: match_spans(lines[i], text) for i in found}
        top = terminal.scrollback_len - self._scroll_offset
        if not found:
            self._found = (text, [], 0)
            self.refresh()
            return 0
        if from_end is not None:
            current = max(0, len(found) - 1 - from_end)
        elif backwards:
            before = [k for k, i in enumerate(found) if i < top]
            current = before[-1] if before else len(found) - 1
        else:
            after = [k for k, i in enumerate(found) if i > top]
            current = after[0] if after else 0
        self._found = (text, found, current)
        self._go_to_match()
        return len(found)

    def search_next(self, step: int) -> None:
        """The next (1) or previous (-1) match, wrapping around."""
        if self._found is None or not self._found[1]:
            return
        text, found, current = self._found
        self._found = (text, found, (current + step) % len(found))
        self._go_to_match()

    def end_search(self) -> None:
        """Forget the search (the view stays where it is)."""
        if self._found is not None:
            self._found = None
            self._spans = {}
            self.refresh()

    def _go_to_match(self) -> None:
        assert self._found is not None
        _text, found, current = self._found
        terminal = self._terminal
        # The match on the top row (at least one line up: the bottom is the live screen).
        offset = max(1, min(terminal.scrollback_len, terminal.scrollback_len - found[current]))
        if offset != self._scroll_offset:
            self._scroll_offset = offset
            self._seen_scrollback_len = terminal.scrollback_len
        self._scrollback_cache.clear()
        self.refresh()

    def end_history(self) -> None:
        """Back to the live terminal after :meth:`show_history` (nothing if not browsing)."""
        if self._history_of is None:
            return
        live, on_end = self._history_of
        self.set_terminal(live)
        on_end()

    def notify_output(self) -> None:
        """Tell the view its terminal was fed; repaint the dirty rows soon.

        Cheap to call after every read: repaints are coalesced to at most one
        per :data:`FRAME_INTERVAL` (during a flood :data:`FLOOD_FRAME_INTERVAL`,
        or longer if frames are slow to render: :data:`FLOOD_PAINT_SHARE`), and
        nothing is repainted if nothing changed.
        """
        if self._pending:
            return
        self._pending = True
        interval = self._flood_interval if self._flooding else FRAME_INTERVAL
        delay = self._last_flush + interval - time.monotonic()
        if delay <= 0:
            # Idle for a frame already: paint on the next turn of the loop, so
            # the echo of a keypress shows without a frame of latency.
            self.call_later(self._flush)
        else:
            self.set_timer(delay, self._flush, name="terminal-flush")

    def scroll_back(self, lines: int) -> None:
        """Browse the scrollback: positive ``lines`` go back in time, negative forward.

        Args:
            lines: how many lines to move.
        """
        self._history_top = False
        limit = self._terminal.scrollback_len
        offset = max(0, min(limit, self._scroll_offset + lines))
        if offset == 0:
            self.scroll_to_bottom()
        elif offset != self._scroll_offset:
            self._scroll_offset = offset
            self._seen_scrollback_len = limit
            self.refresh()

    def scroll_to_bottom(self) -> None:
        """Leave scrollback browsing and show the live screen."""
        self._found = None
        self._spans = {}
        if self._history_of is not None:
            self.end_history()
            return
        if self._scroll_offset:
            self._scroll_offset = 0
            # Scrollback strips are cached by row index, and indices shift once
            # the scrollback is full: a later browse must not see these.
            self._scrollback_cache.clear()
            self.refresh()

    # --- rendering --------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The app's line filters except the one that turns ANSI colours into theme RGB.

        Pane cells keep their ANSI colours (and default colours) so the outer
        terminal's own palette draws them, as it does in a plain tmux; the
        rest of chloe keeps the app's theme, filter and all.
        """
        return [f for f in super().get_line_filters() if not isinstance(f, ANSIToTruecolor)]

    def notify_style_update(self) -> None:
        """Theme or CSS changed: every cached style and strip is stale."""
        super().notify_style_update()
        self._invalidate()

    def _invalidate(self) -> None:
        self._base_style = None
        self._styles.clear()
        self._line_cache.clear()
        self._moved_rows.clear()
        self._scrollback_cache.clear()

    @property
    def _base(self) -> Style:
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        return base

    @property
    def _rgb_as_256(self) -> bool:
        """Whether the outer terminal gets 256 colours, not 24-bit (no ``COLORTERM``)."""
        try:
            return self.app.console.color_system == "256"
        except RuntimeError:  # no running app (NoActiveAppError): keep 24-bit colour
            return False

    def _style(self, key: _StyleKey) -> Style:
        style = self._styles.get(key)
        if style is None:
            rgb_as_256 = self._rgb_as_256
            style = self._styles[key] = self._base + cell_style(key, rgb_as_256=rgb_as_256)
        return style

    def _cells_to_strip(self, cells: Sequence[tuple[Any, ...]], columns: int) -> Strip:
        """Join cells into segments, one per run of equally styled cells.

        The strip's width is counted in the emulator's cells (tmux's widths),
        never measured by rich: rich's idea of a glyph's width (``❤️``, a
        skin-tone modifier, a flag) can differ from the width tmux and the
        program gave it, and the outer terminal, which places the text,
        agrees with tmux. Each row is one run of text for the compositor
        (moved to once, at its left edge), so every cell lands where the
        emulator has it.

        Args:
            cells: ``Cell``s (or tuples shaped like them): ``data`` first,
                then the style fields that form the style cache key.
            columns: the strip's width in cells (cut or padded with blanks).
        """
        # The common case runs in C (groupby/join): a wide character's ""
        # half joins to nothing, so each run's text covers exactly its cells.
        count = len(cells)
        if count > columns:
            cells = cells[:columns]
            count = columns
        texts = list(map(_cell_text, cells))
        if ("" in texts or not "".join(texts).isascii()) and not _aligned(cells):
            cells = _mended(cells)
        segments: list[Segment] = []
        append = segments.append
        styles = self._styles
        for key, group in groupby(cells, _style_key):
            append(Segment("".join(map(_cell_text, group)), styles.get(key) or self._style(key)))
        if count < columns:
            append(Segment(" " * (columns - count), self._base))
        return Strip(segments, columns)

    def _screen_row(self, y: int) -> Strip:
        """The strip for screen row ``y`` (cached until the row is dirty)."""
        strip = self._line_cache.get(y)
        if strip is None:
            terminal = self._terminal
            columns = terminal.columns
            row: Any = terminal.buffer[y]
            if isinstance(row, list) and len(row) == columns:
                # chloe's rows are dense lists of immutable cells, moved (not
                # copied) when the screen scrolls, which marks every row dirty.
                # A row whose cells are still the ones it was drawn with only
                # moved: reuse its strip (a C-level tuple compare, mostly
                # identity checks) instead of rebuilding it.
                cells = tuple(row)
                known = self._moved_rows.get(id(row))
                if known is not None and known[0] == cells:
                    strip = known[1]
                else:
                    strip = self._cells_to_strip(cells, columns)
                    self._moved_rows[id(row)] = (cells, strip)
            else:  # pyte's sparse dict rows
                get = row.get
                default = terminal.default_char
                strip = self._cells_to_strip([get(x, default) for x in range(columns)], columns)
            self._line_cache[y] = strip
        return strip

    def _scrollback_cells(self, index: int) -> list[tuple[Any, ...]]:
        """The cells of scrollback row ``index``, rebuilt from its compact text."""
        cells: list[tuple[Any, ...]] = []
        for text, char in self._terminal.scrollback_row(index):
            key = tuple(char[1:])
            parts = text if text.isascii() else split_cells(text)
            cells.extend([(part, *key) for part in parts])
        return cells

    def _scrollback_row(self, index: int) -> Strip:
        strip = self._scrollback_cache.get(index)
        if strip is None:
            strip = self._scrollback_cache[index] = self._cells_to_strip(
                self._scrollback_cells(index), self._terminal.columns
            )
        return strip

    def _screen_cells(self, y: int) -> list[tuple[Any, ...]]:
        terminal = self._terminal
        row: Any = terminal.buffer[y]
        if isinstance(row, list):
            return list(row)
        default = terminal.default_char  # pyte's sparse dict rows
        return [row.get(x, default) for x in range(terminal.columns)]

    def _cursor_position(self) -> tuple[int, int] | None:
        """Where the cursor is drawn now, or ``None`` when it is not drawn."""
        terminal = self._terminal
        if not (self.has_focus and terminal.cursor_visible and self._scroll_offset == 0):
            return None
        cursor = terminal.cursor
        if getattr(cursor, "hidden", False):
            return None
        x = min(max(cursor.x, 0), terminal.columns - 1)
        y = cursor.y
        if not 0 <= y < terminal.lines:
            return None
        return x, y

    def _draw_cursor(self, strip: Strip, x: int, y: int) -> Strip:
        """Screen row ``y`` with the cell at ``x`` (both halves of a wide one) in reverse."""
        cells = self._screen_cells(y)
        if not 0 <= x < len(cells):
            return strip
        if not cells[x][0] and x and _wide(cells[x - 1][0]):
            x -= 1  # on the right half of a wide character: the character
        end = x + 2 if _wide(cells[x][0]) and x + 1 < len(cells) and not cells[x + 1][0] else x + 1
        for at in range(x, end):
            cell = cells[at]
            cells[at] = (*cell[:7], not cell[7], *cell[8:])  # the reverse field toggled
        return self._cells_to_strip(cells, strip.cell_length)

    def _highlight(self, strip: Strip, line: int, room: int) -> Strip:
        """``strip`` (browsed line ``line``) with the search's matches on it highlighted:
        the current match (the first on the current line) in its own colours. Only
        the first ``room`` cells are the line's (the position marker takes the rest)."""
        spans = [span for span in self._spans.get(line, ()) if span[0] < room]
        if not spans or self._found is None:
            return strip
        _text, found, current = self._found
        width = strip.cell_length
        match = self.get_component_rich_style("terminal-view--match", partial=True)
        styles = [match] * len(spans)
        if found and found[current] == line:
            styles[0] = self.get_component_rich_style("terminal-view--current-match", partial=True)
        cuts: list[int] = []
        for start, end in spans:
            cuts += [min(start, room), min(end, room)]
        parts = strip.divide([*cuts, width])
        out = [parts[0]]
        for k, style in enumerate(styles):
            hit, after = parts[2 * k + 1], parts[2 * k + 2]
            out.append(Strip([Segment(t, (st or Style()) + style, c) for t, st, c in hit]))
            out.append(after)
        return Strip.join(out)

    def _marker(self, cells: list[tuple[Any, ...]], width: int) -> tuple[Strip, int]:
        """The top row while browsing: the row's cells, then the position marker at the
        right; also how many cells are left for the row."""
        label = f"[scrollback -{self._scroll_offset}]"
        found = self._found
        if found is not None:
            text, lines, current = found
            where = f"{current + 1}/{len(lines)}" if lines else "not found"
            label = f"[{text}: {where}] {label}"
        if len(label) > width:
            label = label[-width:]
        style = self.get_component_rich_style("terminal-view--marker")
        room = width - len(label)
        strip = Strip.join(
            [self._cells_to_strip(cells[:room], room), Strip([Segment(label, style)], len(label))]
        )
        return strip, room

    def render_lines(self, crop: Region) -> list[Strip]:
        """As Textual's, timed: a flood's frame rate follows what frames cost.

        A frame's cost runs from its first ``render_lines`` to the next turn of
        the event loop: the view's rows, then the rest of the compositor's
        work (the other widgets, cutting and writing the frame), which takes
        about as long again during a flood.
        """
        if not self._timing_frame:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # rendered outside the app's loop (a test's direct call)
                return super().render_lines(crop)
            self._timing_frame = True
            started = time.perf_counter()

            def frame_done() -> None:
                self._timing_frame = False
                self._render_seconds += time.perf_counter() - started

            loop.call_soon(frame_done)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """The strip for view row ``y``: a cached terminal row, plus cursor and marker.

        Args:
            y: row within the widget's content.

        Returns:
            A strip exactly as wide as the widget.
        """
        terminal = self._terminal
        width = self.size.width
        offset = self._scroll_offset
        if offset:
            virtual = terminal.scrollback_len - offset + y
            if virtual < 0:
                strip = Strip.blank(width, self._base)
            elif virtual < terminal.scrollback_len:
                strip = self._scrollback_row(virtual)
            elif virtual - terminal.scrollback_len < terminal.lines:
                strip = self._screen_row(virtual - terminal.scrollback_len)
            else:
                strip = Strip.blank(width, self._base)
        elif y < terminal.lines:
            strip = self._screen_row(y)
            cursor = self._cursor_position()
            if cursor is not None and cursor[1] == y:
                strip = self._draw_cursor(strip, *cursor)
        else:
            strip = Strip.blank(width, self._base)
        selection = self._selection
        if selection is not None and not selection.empty:
            strip = self._highlight_selection(selection, y, strip)
        if strip.cell_length != width:
            strip = strip.crop_extend(0, width, self._base)
        room = width
        if offset and y == 0 and width > 0:
            virtual = terminal.scrollback_len - offset
            if virtual < 0:
                cells: list[tuple[Any, ...]] = []
            elif virtual < terminal.scrollback_len:
                cells = self._scrollback_cells(virtual)
            else:
                cells = self._screen_cells(virtual - terminal.scrollback_len)
            strip, room = self._marker(cells, width)
        if offset and self._spans:
            strip = self._highlight(strip, terminal.scrollback_len - offset + y, room)
        return strip

    # --- selection ----------------------------------------------------------

    def _line_cells(self, line: int) -> list[tuple[Any, ...]]:
        """The cells of ``line``, counted over the scrollback and then the screen."""
        terminal = self._terminal
        if line < 0:
            return []
        if line < terminal.scrollback_len:
            return self._scrollback_cells(line)
        if line - terminal.scrollback_len < terminal.lines:
            return self._screen_cells(line - terminal.scrollback_len)
        return []

    def _line_at(self, y: int) -> int:
        """The line (over scrollback and screen) that view row ``y`` shows."""
        return self._terminal.scrollback_len - self._scroll_offset + y

    def _highlight_selection(self, selection: Selection, y: int, strip: Strip) -> Strip:
        """View row ``y`` with its selected cells in reverse."""
        line = self._line_at(y)
        span = selection.columns(line, self._terminal.columns)
        if span is None:
            return strip
        cells = self._line_cells(line)
        start, stop = widen(cells, *span)
        for at in range(start, min(stop + 1, len(cells))):
            cell = cells[at]
            cells[at] = (*cell[:7], not cell[7], *cell[8:])  # the reverse field toggled
        return self._cells_to_strip(cells, strip.cell_length)

    def _selection_point(self, event: events.MouseEvent) -> tuple[int, int]:
        """The (line, column) under the mouse, kept inside the pane (never the list)."""
        offset = event.get_content_offset_capture(self)
        terminal = self._terminal
        x = min(max(offset.x, 0), min(self.size.width, terminal.columns) - 1)
        y = min(max(offset.y, 0), min(self.size.height, terminal.lines) - 1)
        return self._line_at(y), max(x, 0)

    def _refresh_selection(self, before: Selection | None, after: Selection | None) -> None:
        lines: set[int] = set()
        for selection in (before, after):
            if selection is not None:
                lines.update(selection.lines())
        top = self._line_at(0)
        for line in lines:
            if 0 <= line - top < self.size.height:
                self._refresh_row(line - top)

    @property
    def selecting(self) -> bool:
        """A drag is selecting text."""
        return self._selection is not None

    def _selects(self, event: events.MouseEvent) -> bool:
        """A left-button drag selects text: always with Shift, else when the program
        did not take the mouse."""
        return event.button == 1 and (self._terminal.mouse_mode == 0 or event.shift)

    def _refresh_row(self, y: int) -> None:
        self.refresh(Region(0, y, self.size.width, 1))

    def _flush(self) -> None:
        """Repaint what changed since the last flush (runs at most 60 times a second)."""
        self._pending = False
        self._last_flush = time.monotonic()
        terminal = self._terminal
        dirty = terminal.take_dirty()
        # A flood: more than one read since the last repaint, and every row
        # changed (a whole screen of output scrolled by).
        generation = terminal.generation
        self._flooding = len(dirty) >= terminal.lines and generation - self._flushed_generation > 1
        self._flushed_generation = generation
        # What the frame painted since the last flush cost decides how soon the
        # next flood frame may come.
        cost, self._render_seconds = self._render_seconds, 0.0
        self._flood_interval = min(
            MAX_FLOOD_FRAME_INTERVAL, max(FLOOD_FRAME_INTERVAL, cost / FLOOD_PAINT_SHARE)
        )
        if self._scroll_offset:
            # Keep the browsed lines still while new ones scroll in underneath.
            grown = terminal.scrollback_len - self._seen_scrollback_len
            self._seen_scrollback_len = terminal.scrollback_len
            if dirty or grown:
                self._scroll_offset = min(
                    self._scroll_offset + max(0, grown), terminal.scrollback_len
                )
                for row in dirty:
                    self._line_cache.pop(row, None)
                self._scrollback_cache.clear()
                self.refresh()
            return
        self._seen_scrollback_len = terminal.scrollback_len
        if len(self._moved_rows) > 2 * terminal.lines:
            # Rows that scrolled away: forget them (ids can be reused, which is
            # harmless as hits are checked against the cells, but memory is not).
            live = {id(row) for row in terminal.buffer}
            self._moved_rows = {k: v for k, v in self._moved_rows.items() if k in live}
        rows: set[int] = set()
        if dirty:
            line_cache = self._line_cache
            for row in dirty:
                line_cache.pop(row, None)
            rows.update(dirty)
        cursor = self._cursor_position()
        if cursor != self._cursor_drawn:
            if self._cursor_drawn is not None:
                rows.add(self._cursor_drawn[1])
            if cursor is not None:
                rows.add(cursor[1])
            self._cursor_drawn = cursor
        if len(rows) >= self.size.height:
            self.refresh()
        else:
            for row in rows:
                self._refresh_row(row)

    def _refresh_cursor(self) -> None:
        """Repaint the rows where the cursor was and is (focus or mode changed)."""
        cursor = self._cursor_position()
        for position in (self._cursor_drawn, cursor):
            if position is not None:
                self._refresh_row(position[1])
        self._cursor_drawn = cursor

    # --- size -------------------------------------------------------------

    def _sync_size(self) -> None:
        """Make the terminal as big as the widget's content; post Resized on change."""
        size: Size = self.content_size
        columns, rows = size.width, size.height
        if columns < 1 or rows < 1:
            return
        terminal = self._terminal
        if (terminal.columns, terminal.lines) == (columns, rows):
            return
        terminal.resize(lines=rows, columns=columns)
        terminal.take_dirty()  # every row is redrawn below
        self._line_cache.clear()
        self._moved_rows.clear()
        self._scrollback_cache.clear()
        self._cursor_drawn = None
        self._scroll_offset = min(self._scroll_offset, terminal.scrollback_len)
        self.post_message(self.Resized(columns, rows, self))
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        self._sync_size()

    def _on_mount(self, event: events.Mount) -> None:
        self._sync_size()

    # --- input ------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        if data:
            live = self._history_of[0] if self._history_of is not None else self._terminal
            self.post_message(self.Input(data, self, live))

    def _browse_key(self, key: str) -> bool:
        """Handle scrollback browsing keys; ``True`` if the key was one of them."""
        terminal = self._terminal
        if (
            key in ("shift+pageup", "shift+home")
            and self.history_request is not None
            and self._history_of is None
            and (terminal.alternate_screen or terminal.scrollback_len == 0)
            and self.history_request(key)
        ):
            return True  # a tmux client's screen, or a preview: the pane's history
        if terminal.alternate_screen:
            return False  # full-screen programs have no scrollback: give them the key
        page = max(1, terminal.lines - 1)
        if self._scroll_offset and self._browse_search_key(key):
            return True
        if key == "shift+pageup":
            self.scroll_back(page)
        elif key == "shift+pagedown":
            self.scroll_back(-page)
        elif key == "shift+home" and self._scroll_offset:
            self.scroll_back(terminal.scrollback_len)
            self._history_top = True
        elif key == "shift+end" and self._scroll_offset:
            self.scroll_to_bottom()
        else:
            return False
        return True

    def _browse_search_key(self, key: str) -> bool:
        """``/`` and ``?`` search while browsing; ``n``/``N`` step, Esc leaves."""
        if key in ("slash", "question_mark") and self.search_request is not None:
            self.search_request(key == "question_mark")
            return True
        if self._found is None:
            return False
        if key in ("n", "N"):
            self.search_next(1 if key == "n" else -1)
        elif key == "escape":
            self.scroll_to_bottom()
        else:
            return False
        return True

    async def _on_key(self, event: events.Key) -> None:
        # The view owns the keyboard: nothing here bubbles to app bindings
        # (the leave key is a priority binding and never reaches us).
        if self._browse_key(event.key):
            event.stop()
            event.prevent_default()
            return
        if self._history_of is not None and encode_key(event.key, event.character, self._terminal):
            self.end_history()  # a key for the program: back to its live screen first
        data = encode_key(event.key, event.character, self._terminal)
        if not data:
            # Keys a terminal cannot send (super+..., media keys) stay with the app.
            return
        event.stop()
        event.prevent_default()
        self.scroll_to_bottom()
        self._send(data)

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        data = encode_paste(event.text, self._terminal)
        if data:
            self.scroll_to_bottom()
            self._send(data)

    def _on_focus(self, event: events.Focus) -> None:
        if self.reports_focus:
            self._send(encode_focus(True, self._terminal))
        self._refresh_cursor()

    def _on_blur(self, event: events.Blur) -> None:
        if self.reports_focus:
            self._send(encode_focus(False, self._terminal))
        self._refresh_cursor()

    def _mouse_report(self, event: events.MouseEvent, action: MouseAction) -> bytes:
        offset = event.get_content_offset_capture(self)
        terminal = self._terminal
        x = min(max(offset.x, 0), terminal.columns - 1)
        y = min(max(offset.y, 0), terminal.lines - 1)
        return encode_mouse(
            action,
            event.button,
            x,
            y,
            terminal,
            shift=event.shift,
            meta=event.meta,
            ctrl=event.ctrl,
        )

    async def _on_mouse_down(self, event: events.MouseDown) -> None:
        if self._selects(event):
            before, point = self._selection, self._selection_point(event)
            self._selection = Selection(point, point)
            self._refresh_selection(before, None)
            self.capture_mouse()
            if self._terminal.mouse_mode == 0:
                return  # let Textual focus the view
            self.focus()
            event.stop()
            event.prevent_default()
            return
        if self._terminal.mouse_mode == 0:
            return  # let Textual focus the view
        self.focus()
        event.stop()
        event.prevent_default()
        self.capture_mouse()
        self._mouse_captured = True
        self._send(self._mouse_report(event, MouseAction.PRESS))

    async def _on_mouse_up(self, event: events.MouseUp) -> None:
        selection = self._selection
        if selection is not None:
            self._selection = None
            self.capture_mouse(False)
            event.stop()
            event.prevent_default()
            self._refresh_selection(selection, None)
            if not selection.empty and self.copy_request is not None:
                text = selected_text(selection, self._line_cells, self._terminal.columns)
                if text:
                    self.copy_request(text)
            return
        if self._mouse_captured:
            self._mouse_captured = False
            self.capture_mouse(False)
        if self._terminal.mouse_mode == 0:
            return
        event.stop()
        event.prevent_default()
        self._send(self._mouse_report(event, MouseAction.RELEASE))

    async def _on_mouse_move(self, event: events.MouseMove) -> None:
        selection = self._selection
        if selection is not None:
            event.stop()
            point = self._selection_point(event)
            if point != selection.end:
                before = Selection(selection.anchor, selection.end)
                selection.end = point
                self._refresh_selection(before, selection)
            return
        if self._terminal.mouse_mode == 0:
            return
        event.stop()
        self._send(self._mouse_report(event, MouseAction.MOTION))

    def _wheel(self, event: events.MouseEvent, action: MouseAction, lines: int) -> None:
        event.stop()
        event.prevent_default()
        terminal = self._terminal
        if terminal.mouse_mode:
            self._send(self._mouse_report(event, action))
        elif (
            terminal.alternate_screen
            and lines > 0
            and self.history_request is not None
            and self.history_request("wheel")
        ):
            pass  # a tmux client's screen: the pane's history is on its way
        elif terminal.alternate_screen:
            # As gnome-terminal, kitty and iTerm do: full-screen programs that
            # did not take the mouse (less, man) scroll with arrow keys.
            key = "up" if lines > 0 else "down"
            self._send(encode_key(key, None, terminal) * WHEEL_LINES)
        else:
            self.scroll_back(lines)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._wheel(event, MouseAction.WHEEL_UP, WHEEL_LINES)

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._wheel(event, MouseAction.WHEEL_DOWN, -WHEEL_LINES)
