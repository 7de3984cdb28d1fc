"""``Terminal``: a fast, tmux-faithful pyte ``Screen`` fed with raw pty bytes.

pyte is the base class so ``buffer``, ``cursor``, ``dirty``, ``mode`` and
``display`` keep their pyte meaning, but nearly every method is replaced. The
parts live beside this module, as in other emulator cores:

* :mod:`~chloe.terminal.parser`: the tokenizer, the dispatch of sequences to
  the methods here, and the replies to queries;
* :mod:`~chloe.terminal.sgr`: SGR parameters and colours;
* :mod:`~chloe.terminal.cells`: cells, rows and the shared style table;
* :mod:`~chloe.terminal.scrollback`: lines kept once they scroll off the top;
* :mod:`~chloe.terminal.modes`: SM/RM, DECSET/DECRST and what they switch;
* this module: the grid, the cursor, editing, scrolling and the alternate
  screen.

Rows are plain lists of exactly ``columns`` shared cells (stock pyte uses
sparse dicts), so drawing a run of text is one slice assignment and scrolling
is one list pop; a flood of plain lines that would scroll off before ever
being seen skips the screen entirely.

Where pyte and tmux disagree, tmux (and xterm behind it) wins: erase fills with
the current background colour only, scroll regions feed the scrollback only
when they span the whole screen, and the alternate screen never does.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyte
from pyte import charsets
from pyte.screens import Char, Cursor, Margins

from chloe.terminal.cells import (
    BLANK,
    BLANKS,
    CELL_BYTES,
    CHAR_TABLES,
    STYLE_OF,
    WIDTH,
    ZWJ,
    Cell,
    CharTable,
    Row,
    blank_like,
    protected,
    style,
    style_key,
    with_protection,
)
from chloe.terminal.fastpath import materialise
from chloe.terminal.modes import DECAWM, DECCKM, DECOM, DECTCEM, IRM, LNM, Modes
from chloe.terminal.parser import Parser
from chloe.terminal.scrollback import PendingRow, Scrollback, compact_row
from chloe.terminal.sgr import SGR

__all__ = ["Cell", "Terminal"]

# pyte's DEC special graphics, but with xterm's and tmux's NL symbol for "h".
_DEC_GRAPHICS = charsets.VT100_MAP[:0x68] + "\u2424" + charsets.VT100_MAP[0x69:]
_CHARSETS = {**charsets.MAPS, "0": _DEC_GRAPHICS}

_DA1_REPLY = b"\x1b[?1;2c"  # what tmux answers: a VT100 with advanced video
_DA2_REPLY = b"\x1b[>0;276;0c"  # an xterm-compatible terminal, patch level 276


def _erase_unprotected(row: list[Char], start: int, end: int, blank: Char) -> None:
    """Selective erase: blank the cells of ``row[start:end]`` DECSCA does not protect."""
    for x in range(start, end):
        if not protected(row[x]):
            row[x] = blank


NOTIFICATIONS_KEPT = 16
"""Desktop notifications a :class:`Terminal` keeps until they are taken."""


class Terminal(Modes, pyte.Screen):
    """A terminal screen fed with raw pty bytes, as faithful as tmux.

    Args:
        columns: width in cells.
        lines: height in rows.
        scrollback: the most lines kept once they scroll off the top.

    Attributes:
        title: the window title set by OSC 0 or OSC 2.
        bell_count: how many BELs arrived (an attention signal).
        notifications: desktop notifications (OSC 9, OSC 777 notify, OSC 99) not
            taken yet, as (source, text); see :meth:`take_notifications`.
        generation: bumped by every :meth:`feed` that changed the screen.
    """

    def __init__(self, columns: int, lines: int, scrollback: int = 10_000) -> None:
        # Deliberately not calling pyte.Screen.__init__: it builds pyte's
        # sparse dict buffer, which every method here replaces.
        self.columns = max(1, columns)
        self.lines = max(1, lines)
        self.dirty: set[int] = set()
        self._buffer: list[Row] = []
        self._lazy = False  # some rows of _buffer are PendingRows
        # The unfinished line the coloured flood path left on the bottom row,
        # kept as text: (that row, the cursor's x and attributes after it,
        # what REP repeats); fed again with the next feed (fastpath.resume).
        self._tail: tuple[PendingRow, int, Char, str] | None = None
        self._history = Scrollback(maxlen=max(0, scrollback))
        self._replies = bytearray()
        self._table: CharTable = self._table_for(BLANK)
        self.bell_count = 0
        self.notifications: list[tuple[str, str]] = []
        self.generation = 0
        self.reset()
        self._parser = Parser(self)

    # ------------------------------------------------------------------ feeding

    def feed(self, data: bytes) -> None:
        """Feed raw pty bytes, in any chunking.

        A UTF-8 character split across two calls comes out whole; invalid
        UTF-8 becomes U+FFFD. Never raises on any input.

        Args:
            data: bytes read from the pty.
        """
        self._parser.feed(data)

    @property  # type: ignore[override]  # pyte's is a plain attribute
    def buffer(self) -> list[Row]:
        """The screen's rows, top first, each a list of exactly ``columns`` cells."""
        if self._lazy:
            self._realise()
        return self._buffer

    @buffer.setter
    def buffer(self, rows: list[Row]) -> None:
        if self._lazy:
            self._realise()
        self._buffer = rows

    def _realise(self) -> None:
        """Build the cells of the rows the coloured flood path left pending."""
        self._lazy = False
        buf = self._buffer
        columns = self.columns
        for y, row in enumerate(buf):
            if type(row) is PendingRow:
                buf[y] = materialise(row, columns)

    def _row(self, y: int) -> Row:
        """Row ``y`` of the screen, built if it was pending (the others stay so)."""
        row = self._buffer[y]
        if type(row) is PendingRow:
            row = self._buffer[y] = materialise(row, self.columns)
        return row

    @property
    def _pending(self) -> str:
        """The start of a sequence held back until the rest arrives (bounded)."""
        return self._parser.pending

    def take_dirty(self) -> set[int]:
        """Drain the rows changed since the last call; the owner repaints them.

        Returns:
            Row indices (0 is the top row) whose cells changed.
        """
        dirty = self.dirty
        self.dirty = set()
        return dirty

    def _plain_lines(self, text: str, start: int, end: int) -> int:
        """Handle a run of plain CR LF-ended lines; returns where the run stopped.

        Lines drawn at the bottom of a full-screen scroll region and scrolled
        away again are built directly in their compact scrollback form.
        """
        cursor = self.cursor
        columns = self.columns
        if (
            self.margins is not None
            or cursor.x != 0
            or IRM in self.mode
            or self._charset_table is not None
            or cursor.y != self.lines - 1
        ):
            return start  # not the simple case: the ordinary path handles it
        lines = text[start:end].split("\r\n")
        lines.pop()  # the empty tail after the last CR LF
        if max(map(len, lines)) > columns:
            # Stop before the first line that would wrap.
            fit = next(i for i, line in enumerate(lines) if len(line) > columns)
            if fit < 2:
                return start
            lines = lines[:fit]
            end = start + sum(map(len, lines)) + 2 * fit
        # The cursor sits at the start of a freshly scrolled-in bottom row only
        # if the previous line feed scrolled; check the row is blank.
        blank = self._blank()
        row = self._buffer[-1]  # never pending: the last line feed made it
        if row.count(blank) != columns:
            return start
        attrs = cursor.attrs
        count = len(lines)
        # All but the last line scroll off the bottom row one by one, so the
        # screen ends up showing the last `lines - 1` of them above a blank row
        # and the rest goes to the scrollback.
        keep = self.lines - 1
        old = self._buffer[:-1]  # pending rows stay so, or go to the scrollback as they are
        on_screen = min(count, keep)
        # Rows pushed to the scrollback, oldest first: old screen rows, then
        # the new lines that never reach the final screen.
        pushed_old = old[: min(count, len(old))]
        pushed_new = lines[: max(0, count - keep)]
        if not self._alternate:
            history = self._history
            limit = history.maxlen or 0
            if len(pushed_new) < limit:
                history.push(pushed_old[-(limit - len(pushed_new)) :] if limit else ())
            if limit:
                history.push_plain(pushed_new[-limit:], style(style_key(attrs)))
        table = self._table_for(attrs)
        new_rows = []
        for line in lines[count - on_screen :]:
            r = Row([table[c] for c in line])
            r.extend([blank] * (columns - len(line)))
            new_rows.append(r)
        self._buffer[:] = [*old[min(count, len(old)) :], *new_rows, Row([blank] * columns)]
        self.dirty.update(range(self.lines))
        return end

    # -------------------------------------------------------------- lifecycle

    @property
    def default_char(self) -> Char:
        """A blank cell with the default style."""
        return BLANK

    def reset(self) -> None:
        """Reset to the power-on state (RIS), keeping the scrollback."""
        # Rows are lists, not pyte's sparse dicts (see Row).
        self.buffer = [Row([BLANK] * self.columns) for _ in range(self.lines)]
        self.dirty.update(range(self.lines))
        self.margins: Margins | None = None
        self.mode: set[int] = {DECAWM, DECTCEM}
        self.title = ""
        self.icon_name = ""
        self.charset = 0
        self.g0_charset = charsets.LAT1_MAP
        self.g1_charset = charsets.LAT1_MAP  # as tmux and xterm: SO alone changes nothing
        self._charset_table: dict[int, str] | None = None
        # Where a zero width joiner arrived: the next character printed there joins its cell.
        self._zwj: tuple[int, int] | None = None
        self.tabstops = set(range(8, self.columns, 8))
        self.cursor = Cursor(0, 0, BLANK)
        self.saved_columns: int | None = None
        self._saved: tuple[int, int, Char, int, str, str, bool, bool] | None = None
        self._alternate = False
        self._main: list[Row] | None = None
        self._last_alternate: list[Row] | None = None
        self._alt_saved_at: tuple[int, int] | None = None
        self._alt_saved_attrs: Char = BLANK
        self._mouse_mode = 0

    def soft_reset(self) -> None:
        """DECSTR: reset modes, margins and attributes but keep the screen."""
        self.mode.difference_update({IRM, DECOM, DECCKM})
        self.mode.update({DECAWM, DECTCEM})
        self.cursor.hidden = False
        self.margins = None
        self.cursor.attrs = BLANK
        self._saved = None

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Resize the screen (down to 1x1), keeping what fits.

        Shrinking drops rows below the cursor first, then rows from the top,
        which go to the scrollback on the main screen (as xterm does).

        Args:
            lines: the new height (unchanged if None).
            columns: the new width (unchanged if None).
        """
        lines = max(1, lines or self.lines)
        columns = max(1, columns or self.columns)
        if lines == self.lines and columns == self.columns:
            return
        cursor = self.cursor
        cursor.x = min(cursor.x, self.columns - 1)
        self.buffer = self._resized(self.buffer, lines, columns, not self._alternate)
        if self._main is not None:
            self._main = self._resized(self._main, lines, columns, True, move_cursor=False)
        self.lines, self.columns = lines, columns
        cursor.x = min(cursor.x, columns - 1)
        cursor.y = min(max(cursor.y, 0), lines - 1)
        self.margins = None
        self.tabstops = {t for t in self.tabstops if t < columns} | set(range(8, columns, 8))
        self.dirty.clear()
        self.dirty.update(range(lines))

    def _resized(
        self,
        buf: list[Row],
        lines: int,
        columns: int,
        to_history: bool,
        move_cursor: bool = True,
    ) -> list[Row]:
        cursor = self.cursor
        if columns < self.columns:
            for row in buf:
                del row[columns:]
                if row and row[-1].data and WIDTH[row[-1].data[0]] == 2:
                    row[-1] = BLANK  # half a wide character is no character
        elif columns > self.columns:
            extra = columns - self.columns
            for row in buf:
                row.extend([BLANK] * extra)
        excess = len(buf) - lines
        if excess > 0:
            below = max(0, min(excess, len(buf) - 1 - cursor.y)) if move_cursor else excess
            if below:
                del buf[len(buf) - below :]
                excess -= below
            if excess > 0:
                if to_history:
                    self._push_history(buf[:excess])
                del buf[:excess]
                if move_cursor:
                    cursor.y -= excess
        elif excess < 0:
            buf.extend(Row([BLANK] * columns) for _ in range(-excess))
        return buf

    # ------------------------------------------------------------------ drawing

    def _table_for(self, attrs: Char) -> CharTable:
        table = self._table = CHAR_TABLES[attrs]
        return table

    def _blank(self) -> Char:
        """The cell an erase leaves: the current background, nothing else."""
        return BLANKS[self.cursor.attrs.bg]

    def draw(self, data: str) -> None:
        """Print text at the cursor, wrapping and scrolling as needed.

        Args:
            data: printable characters (no controls).
        """
        if self._charset_table is not None:
            data = data.translate(self._charset_table)
        if not data.isascii() or (self._zwj and (IRM in self.mode or DECAWM not in self.mode)):
            self._draw_unicode(data)  # (a pending joiner takes ASCII only there, as in tmux)
            return
        cursor = self.cursor
        table = self._table
        if table.attrs is not cursor.attrs:
            table = self._table_for(cursor.attrs)
        columns = self.columns
        mode = self.mode
        x = cursor.x
        end = x + len(data)
        if end < columns and IRM not in mode:
            # The common case: the text fits on the row with room to spare.
            row = self._row(cursor.y)
            if x and row[x][0] == "":
                row[x - 1] = blank_like(row[x - 1])  # overwrote half a wide char
            if row[end][0] == "":
                row[end] = blank_like(row[end])
            row[x:end] = map(table.__getitem__, data)
            cursor.x = end
            self.dirty.add(cursor.y)
            return
        autowrap = DECAWM in mode
        insert = IRM in mode
        while data:
            x = cursor.x
            if x >= columns:
                if autowrap:
                    cursor.x = 0
                    self.linefeed_no_lnm()
                    x = 0
                else:
                    x = cursor.x = columns - 1
                    data = data[-1:]
            room = columns - x
            chunk = data[:room] if len(data) > room else data
            data = data[len(chunk) :]
            if not autowrap and data:
                chunk = chunk[:-1] + data[-1]
                data = ""
            row = self._row(cursor.y)
            size = len(chunk)
            if row[x][0] == "" and x:
                row[x - 1] = blank_like(row[x - 1])  # overwrote half a wide char
            if insert:
                row[x:x] = [BLANK] * size
                del row[columns:]
            end = x + size
            if end < columns and row[end][0] == "":
                row[end] = blank_like(row[end])
            row[x:end] = [table[c] for c in chunk] if size > 1 else [table[chunk]]
            # Without autowrap there is no pending wrap: the cursor stays on
            # the last column (so an erase there erases it, as in tmux).
            cursor.x = end if autowrap or end < columns else columns - 1
            self.dirty.add(cursor.y)

    def _draw_unicode(self, data: str) -> None:
        """Print text with non-ASCII characters one by one, with tmux 3.3a's widths.

        Widths are the C library's (:data:`WIDTH`), and a zero-width
        character joins the cell left of the cursor, as in tmux. A zero width
        joiner joins that cell too, and so does the character right after it
        whatever its width, so an emoji ZWJ sequence is one cell as wide as
        its first emoji. As in tmux, plain ASCII text in wrap mode is not
        joined (it goes tmux's fast way, which ignores the joiner).

        One deliberate difference: tmux keeps a joiner waiting through ASCII
        text, controls and sequences (until its next read of the pane's
        output) and then joins whatever non-ASCII character comes next, and
        it stores the joiner only when that character comes. Here the joiner
        is stored at once and joins only a character printed where the
        cursor was, so a cell that tmux's grid holds with a trailing joiner
        (a sequence cut at tmux's 21 bytes) is redrawn by an attached tmux
        client into the same cells instead of swallowing a later character.
        """
        columns = self.columns
        mode = self.mode
        cursor = self.cursor
        draw_one = self.draw_one
        joiner = self._zwj  # kept in a local: only this loop changes it
        for ch in data:
            w = WIDTH[ch]
            if joiner is None:
                if w == 1:
                    draw_one(ch, 1)
                    continue
            elif w >= 0:
                at, joiner = joiner, None
                if (
                    ch != ZWJ
                    and at == (cursor.x, cursor.y)
                    and (ch >= "\x7f" or IRM in mode or DECAWM not in mode)
                ):
                    self._join(ch)
                    continue
            if w == 1:
                draw_one(ch, 1)
            elif w == 2:
                if columns >= 2:  # else a wide character cannot show at all
                    draw_one(ch, 2)
            elif w == 0:
                self._join(ch)
                if ch == ZWJ:
                    joiner = (cursor.x, cursor.y)
            # w == -1: not printable, tmux drops it (a waiting joiner still waits)
        self._zwj = joiner

    def _join(self, part: str) -> None:
        """Append ``part`` to the cell left of the cursor, as tmux combines marks.

        Nothing happens at the start of a row, or if the cell would hold more
        than tmux's 21 bytes of UTF-8.
        """
        cursor = self.cursor
        row = self.buffer[cursor.y]
        x = min(cursor.x, self.columns) - 1
        while x >= 0 and row[x][0] == "":
            x -= 1  # the right half of a wide character: join the character
        if x < 0:
            return
        cell = row[x]
        data = cell[0] + part
        if len(data.encode()) <= CELL_BYTES:
            # The shared cell of that text and style (a protected cell keeps its mark).
            row[x] = (
                CHAR_TABLES[STYLE_OF[cell]][data] if len(cell) == 10 else cell._replace(data=data)
            )
            self.dirty.add(cursor.y)

    def draw_one(self, ch: str, width: int) -> None:
        """Print one character of the given cell width."""
        cursor = self.cursor
        columns = self.columns
        if cursor.x + width > columns:
            if DECAWM in self.mode:
                if cursor.x < columns and width == 2:
                    self.buffer[cursor.y][cursor.x] = self._blank()
                cursor.x = 0
                self.linefeed_no_lnm()
            elif width > 1 and (width > columns or cursor.x != columns):
                return  # as tmux: a wide character that cannot fit is dropped
            else:
                cursor.x = columns - width
        if IRM in self.mode:
            self.insert_characters(width)
        row = self.buffer[cursor.y]
        x = cursor.x
        table = self._table
        if table.attrs is not cursor.attrs:
            table = self._table_for(cursor.attrs)
        if row[x][0] == "" and x:
            row[x - 1] = blank_like(row[x - 1])
        end = x + width
        if end < columns and row[end][0] == "":
            row[end] = blank_like(row[end])
        row[x] = table[ch]
        if width == 2:
            row[x + 1] = table[""]
        cursor.x = end if end < columns or DECAWM in self.mode else columns - 1
        self.dirty.add(cursor.y)

    def _orphan_stub(self, row: list[Char], x: int) -> None:
        """Blank the right half at ``x`` of a wide character just erased."""
        if x < len(row) and row[x][0] == "":
            row[x] = blank_like(row[x])

    def _repeat(self, ch: str, count: int) -> None:
        # tmux repeats at most up to the end of the row (xterm would wrap);
        # the cap also bounds the work a hostile count can cause.
        count = min(count, self.columns - self.cursor.x)
        if count > 0:
            self.draw(ch * count)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E, reset the margins and home the cursor."""
        e = Cell("E")
        self.buffer[:] = [Row([e] * self.columns) for _ in range(self.lines)]
        self.margins = None
        self.cursor.x = self.cursor.y = 0
        self.dirty.update(range(self.lines))

    # ---------------------------------------------------------------- scrolling

    def _push_history(self, rows: Sequence[list[Char]]) -> None:
        if not self._alternate:
            self._history.push(rows)

    def scroll_up(
        self,
        count: int = 0,
        top: int | None = None,
        bottom: int | None = None,
        blank: Char | None = None,
    ) -> None:
        """Scroll the region up ``count`` rows (CSI S), filling with blanks.

        Args:
            count: rows to scroll (0 means 1).
            top: first row of the region (default: the top margin).
            bottom: last row of the region (default: the bottom margin).
            blank: the new rows' cells (default: blanks in the current background).
        """
        if top is None or bottom is None:
            top, bottom = self.margins or (0, self.lines - 1)
        height = bottom - top + 1
        count = min(max(count, 1), height)
        buf = self.buffer
        if blank is None:
            blank = self._blank()
        if top == 0 and bottom == self.lines - 1:
            self._push_history(buf[:count])
        del buf[top : top + count]
        buf[bottom - count + 1 : bottom - count + 1] = [
            Row([blank] * self.columns) for _ in range(count)
        ]
        dirty = self.dirty
        if len(dirty) < self.lines:
            dirty.update(range(top, bottom + 1))

    def scroll_down(
        self, count: int = 0, top: int | None = None, bottom: int | None = None
    ) -> None:
        """Scroll the region down ``count`` rows (CSI T), filling with blanks.

        Args:
            count: rows to scroll (0 means 1).
            top: first row of the region (default: the top margin).
            bottom: last row of the region (default: the bottom margin).
        """
        if top is None or bottom is None:
            top, bottom = self.margins or (0, self.lines - 1)
        height = bottom - top + 1
        count = min(max(count, 1), height)
        buf = self.buffer
        blank = self._blank()
        del buf[bottom - count + 1 : bottom + 1]
        buf[top:top] = [Row([blank] * self.columns) for _ in range(count)]
        self.dirty.update(range(top, bottom + 1))

    def index(self, blank: Char | None = None) -> None:
        """Move down a row, scrolling the region up at its bottom margin.

        Args:
            blank: the new row's cells (default: blanks in the current
                background; an automatic wrap passes default blanks, as tmux).
        """
        cursor = self.cursor
        margins = self.margins
        bottom = margins.bottom if margins else self.lines - 1
        if cursor.y == bottom:
            if margins is None:
                # The hot path of every flood: one pop, one append (a pending
                # row goes to the scrollback as it is, never built).
                buf = self._buffer
                row = buf.pop(0)
                if not self._alternate and self._history.maxlen:
                    self._history.append(compact_row(row))
                if blank is None:
                    blank = BLANK if cursor.attrs.bg == "default" else self._blank()
                buf.append(Row([blank] * self.columns))
                if len(self.dirty) < self.lines:
                    self.dirty.update(range(self.lines))
            else:
                self.scroll_up(1, margins.top, bottom, blank)
        elif cursor.y < self.lines - 1:
            cursor.y += 1

    def reverse_index(self) -> None:
        """Move up a row, scrolling the region down at its top margin."""
        cursor = self.cursor
        top, bottom = self.margins or (0, self.lines - 1)
        if cursor.y == top:
            self.scroll_down(1, top, bottom)
        elif cursor.y > 0:
            cursor.y -= 1

    def linefeed(self) -> None:
        """LF/VT/FF: index, plus a carriage return in LNM mode."""
        self.cursor.x = min(self.cursor.x, self.columns - 1)
        self.index()
        if LNM in self.mode:
            self.cursor.x = 0

    def linefeed_no_lnm(self) -> None:
        """The line feed of an automatic wrap: new rows get the default background."""
        self.index(BLANK)

    def carriage_return(self) -> None:
        """Move to the first column."""
        self.cursor.x = 0

    def insert_lines(self, count: int | None = None) -> None:
        """IL: insert blank rows at the cursor, inside the scroll region.

        The cursor stays where it is, as in tmux (pyte and VTs move it to
        the first column).
        """
        top, bottom = self.margins or (0, self.lines - 1)
        y = self.cursor.y
        if not top <= y <= bottom:
            self._insert_lines_outside_region(y, count or 1)
            return
        self.scroll_down(count or 1, y, bottom)

    def _insert_lines_outside_region(self, y: int, count: int) -> None:
        """IL with the cursor outside the scroll region, exactly as tmux 3.3a.

        xterm ignores it; tmux moves the rows below the cursor down over the
        whole screen, blanking the rows they left. When more rows are inserted
        than can move, some rows keep their old text and an insert at the
        last row does nothing: odd, but it is what a tmux pane shows.
        """
        lines = self.lines
        count = min(count, lines - y)
        moved = lines - y - count
        if moved <= 0:
            return
        buf = self.buffer
        buf[y + count : y + count + moved] = buf[y : y + moved]
        blank = self._blank()
        for r in range(y, min(y + moved, y + count)):
            buf[r] = Row([blank] * self.columns)
        self.dirty.update(range(y, lines))

    def delete_lines(self, count: int | None = None) -> None:
        """DL: delete rows at the cursor, inside the scroll region (cursor stays, as in tmux)."""
        top, bottom = self.margins or (0, self.lines - 1)
        y = self.cursor.y
        if not top <= y <= bottom:
            bottom = self.lines - 1  # as tmux: outside the region, the whole screen
        height = bottom - y + 1
        count = min(max(count or 1, 1), height)
        buf = self.buffer
        del buf[y : y + count]
        blank = self._blank()
        buf[bottom - count + 1 : bottom - count + 1] = [
            Row([blank] * self.columns) for _ in range(count)
        ]
        self.dirty.update(range(y, bottom + 1))

    def insert_characters(self, count: int | None = None) -> None:
        """ICH: insert blanks at the cursor, shifting the rest right."""
        x = self.cursor.x
        if x >= self.columns:
            return  # at a pending wrap, as tmux: nothing to shift
        count = min(max(count or 1, 1), self.columns - x)
        row = self.buffer[self.cursor.y]
        row[x:x] = [self._blank()] * count
        del row[self.columns :]
        self.dirty.add(self.cursor.y)

    def delete_characters(self, count: int | None = None) -> None:
        """DCH: delete cells at the cursor, shifting the rest left."""
        x = self.cursor.x
        if x >= self.columns:
            return  # at a pending wrap, as tmux: nothing under the cursor
        count = min(max(count or 1, 1), self.columns - x)
        row = self.buffer[self.cursor.y]
        del row[x : x + count]
        row.extend([self._blank()] * count)
        self.dirty.add(self.cursor.y)

    def erase_characters(self, count: int | None = None) -> None:
        """ECH: blank cells from the cursor on, without moving anything."""
        x = self.cursor.x
        if x >= self.columns:
            return  # at a pending wrap, as tmux: nothing under the cursor
        count = min(max(count or 1, 1), self.columns - x)
        row = self.buffer[self.cursor.y]
        row[x : x + count] = [self._blank()] * count
        self._orphan_stub(row, x + count)
        self.dirty.add(self.cursor.y)

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        """EL: erase to the end (0), the start (1) or all (2) of the row.

        ``private`` (DECSEL, ``CSI ? K``) erases only cells not protected by DECSCA.
        """
        # At a pending wrap (x == columns) tmux erases nothing to the right,
        # though xterm would erase the last column: tmux is the oracle.
        x = self.cursor.x
        row = self.buffer[self.cursor.y]
        blank = self._blank()
        if how == 0:
            if x >= self.columns:
                return
            start, end = x, self.columns
        elif how == 1:
            start, end = 0, min(x, self.columns - 1) + 1
        elif how == 2:
            start, end = 0, self.columns
        else:
            return
        if private:
            _erase_unprotected(row, start, end, blank)
        else:
            row[start:end] = [blank] * (end - start)
        if how == 1 and not protected(row[end - 1]):
            self._orphan_stub(row, end)
        self.dirty.add(self.cursor.y)

    def erase_in_display(self, how: int = 0, *args: object, **kwargs: object) -> None:
        """ED: erase below (0), above (1) or all (2) of the screen; 3: the scrollback.

        ``private=True`` (DECSED, ``CSI ? J``) erases only cells not protected
        by DECSCA, and never the scrollback.
        """
        private = bool(kwargs.get("private"))
        y = self.cursor.y
        blank = self._blank()
        columns = self.columns
        if how == 0:
            rows = range(y + 1, self.lines)
        elif how == 1:
            rows = range(y)
        elif how == 2:
            rows = range(self.lines)
            if self._alternate and not private:
                self._keep_alternate(list(self.buffer))
        elif how == 3 and not private:
            self._history.clear()  # xterm: erase saved lines only
            return
        else:
            return
        for r in rows:
            if private:
                _erase_unprotected(self.buffer[r], 0, columns, blank)
            else:
                self.buffer[r] = Row([blank] * columns)
        self.dirty.update(rows)
        if how in (0, 1):
            self.erase_in_line(how, private)

    def select_protection(self, how: int = 0) -> None:
        """DECSCA: protect what is written next from selective erase (1) or not (0, 2)."""
        self.cursor.attrs = with_protection(self.cursor.attrs, how == 1)

    # ------------------------------------------------------------------ cursor

    def _region(self) -> tuple[int, int]:
        return self.margins or (0, self.lines - 1)

    def cursor_up(self, count: int | None = None) -> None:
        """CUU: up, stopping at the top margin when inside the region."""
        cursor = self.cursor
        top, _ = self._region()
        stop = top if cursor.y >= top else 0
        cursor.y = max(cursor.y - (count or 1), stop)
        cursor.x = min(cursor.x, self.columns - 1)

    def cursor_down(self, count: int | None = None) -> None:
        """CUD: down, stopping at the bottom margin when inside the region."""
        cursor = self.cursor
        _, bottom = self._region()
        stop = bottom if cursor.y <= bottom else self.lines - 1
        cursor.y = min(cursor.y + (count or 1), stop)
        cursor.x = min(cursor.x, self.columns - 1)

    def cursor_up1(self, count: int | None = None) -> None:
        """CPL: up, then to the first column."""
        self.cursor_up(count)
        self.cursor.x = 0

    def cursor_down1(self, count: int | None = None) -> None:
        """CNL: down, then to the first column."""
        self.cursor_down(count)
        self.cursor.x = 0

    def cursor_forward(self, count: int | None = None) -> None:
        """CUF: right, stopping at the last column."""
        cursor = self.cursor
        cursor.x = min(min(cursor.x, self.columns - 1) + (count or 1), self.columns - 1)

    def cursor_back(self, count: int | None = None) -> None:
        """CUB: left, stopping at the first column."""
        cursor = self.cursor
        cursor.x = max(min(cursor.x, self.columns - 1) - (count or 1), 0)

    def backspace(self) -> None:
        """BS: one column left."""
        self.cursor_back(1)

    def cursor_to_column(self, column: int | None = None) -> None:
        """CHA/HPA: to a 1-based column."""
        self.cursor.x = min(max((column or 1) - 1, 0), self.columns - 1)

    def cursor_to_line(self, line: int | None = None) -> None:
        """VPA: to a 1-based row (relative to the region in origin mode).

        A pending wrap survives, as in tmux: the next character wraps.
        """
        y = (line or 1) - 1
        if DECOM in self.mode and self.margins is not None:
            y = min(y + self.margins.top, self.margins.bottom)
        self.cursor.y = min(max(y, 0), self.lines - 1)

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        """CUP: to a 1-based row and column (row relative to the region in origin mode)."""
        y = (line or 1) - 1
        if DECOM in self.mode and self.margins is not None:
            y = min(y + self.margins.top, self.margins.bottom)
        self.cursor.y = min(max(y, 0), self.lines - 1)
        self.cursor.x = min(max((column or 1) - 1, 0), self.columns - 1)

    def tab(self) -> None:
        """HT: to the next tab stop, or the last column."""
        x = self.cursor.x
        if x >= self.columns - 1:
            return  # as tmux: a pending wrap stays pending
        stops = [t for t in self.tabstops if t > x]
        self.cursor.x = min(stops) if stops else self.columns - 1
        self.cursor.x = min(self.cursor.x, self.columns - 1)

    def tab_forward(self, count: int = 0) -> None:
        """CHT: forward ``count`` tab stops (0 means 1)."""
        for _ in range(min(max(count, 1), self.columns)):
            self.tab()

    def tab_back(self, count: int = 0) -> None:
        """CBT: back ``count`` tab stops (0 means 1)."""
        for _ in range(min(max(count, 1), self.columns)):
            x = min(self.cursor.x, self.columns - 1)
            stops = [t for t in self.tabstops if t < x]
            self.cursor.x = max(stops) if stops else 0

    def clear_tab_stop(self, how: int = 0) -> None:
        """TBC: clear the stop at the cursor (0) or all of them (3)."""
        if how == 0:
            self.tabstops.discard(self.cursor.x)
        elif how == 3:
            self.tabstops = set()

    def save_cursor(self) -> None:
        """DECSC: remember position, attributes, charsets and origin mode.

        Autowrap is not saved: tmux restores only origin mode.
        """
        c = self.cursor
        self._saved = (
            c.x,
            c.y,
            c.attrs,
            self.charset,
            self.g0_charset,
            self.g1_charset,
            DECOM in self.mode,
            DECAWM in self.mode,
        )

    def restore_cursor(self) -> None:
        """DECRC: restore what DECSC saved, or go home with default attributes."""
        saved = self._saved
        if saved is None:
            self.mode.discard(DECOM)
            self.cursor.attrs = BLANK
            self.cursor_position()
            return
        x, y, attrs, charset, g0, g1, origin, wrap = saved
        self.cursor.x = min(x, self.columns - 1)
        self.cursor.y = min(y, self.lines - 1)
        self.cursor.attrs = attrs
        self.charset, self.g0_charset, self.g1_charset = charset, g0, g1
        self._update_charset()
        del wrap  # saved for pyte's Savepoint shape, but tmux leaves DECAWM alone
        if origin:
            self.mode.add(DECOM)
        else:
            self.mode.discard(DECOM)

    # ---------------------------------------------------------------- charsets

    def define_charset(self, code: str, mode: str) -> None:
        """SCS: designate G0 (``(``) or G1 (``)``) as US ASCII or DEC graphics."""
        table = _CHARSETS.get(code)
        if table is None:
            return
        if mode == "(":
            self.g0_charset = table
        elif mode == ")":
            self.g1_charset = table
        self._update_charset()

    def shift_in(self) -> None:
        """SI: use G0."""
        self.charset = 0
        self._update_charset()

    def shift_out(self) -> None:
        """SO: use G1."""
        self.charset = 1
        self._update_charset()

    def _update_charset(self) -> None:
        active = self.g1_charset if self.charset else self.g0_charset
        if active == charsets.LAT1_MAP:
            self._charset_table = None
        else:
            self._charset_table = {c: active[c] for c in range(0x20, 0x7F) if active[c] != chr(c)}

    def _enter_alternate(self, save_cursor: bool) -> None:
        # As tmux: the style is saved on every switch, the position only for
        # 1049, and the alternate screen starts blank in the default colours.
        if self._alternate:
            return
        c = self.cursor
        if save_cursor:
            self._alt_saved_at = (c.x, c.y)
        self._alt_saved_attrs = c.attrs
        self._main = self.buffer
        self.buffer = [Row([BLANK] * self.columns) for _ in range(self.lines)]
        self._alternate = True
        self.dirty.update(range(self.lines))

    def _leave_alternate(self, restore_cursor: bool) -> None:
        # tmux restores the 1049 cursor even when not on the alternate screen,
        # and keeps it for the next 1049l.
        if restore_cursor and self._alt_saved_at is not None:
            x, y = self._alt_saved_at
            self.cursor.x = min(x, self.columns)
            self.cursor.y = min(y, self.lines - 1)
            self.cursor.attrs = self._alt_saved_attrs
        if not self._alternate:
            return
        assert self._main is not None
        self._keep_alternate(self.buffer)
        self.buffer = self._main
        self._main = None
        self._alternate = False
        self.dirty.update(range(self.lines))

    def _keep_alternate(self, rows: list[Row]) -> None:
        # For show_last_alternate(): a tmux client quitting clears its alternate
        # screen (ED 2) and then leaves it, so the pane's last screen is the last
        # non-blank one seen at either moment. Kept, not copied: both callers
        # drop these rows from the buffer, so nothing writes to them again.
        blank = [BLANK] * self.columns
        if any(row != blank for row in rows):
            self._last_alternate = rows

    def show_last_alternate(self) -> bool:
        """Show again the last non-blank alternate screen, with the cursor hidden.

        Used when a program that drew everything on the alternate screen has
        ended (an embedded tmux client whose session was killed): what it last
        showed there is more useful than the main screen it returned to. Rows
        are cut or padded to the current size. Returns False (and changes
        nothing) if the program never left an alternate screen.
        """
        saved = self._last_alternate
        if saved is None:
            return False
        rows: list[Row] = []
        for y in range(self.lines):
            cells = list(saved[y][: self.columns]) if y < len(saved) else []
            cells.extend([BLANK] * (self.columns - len(cells)))
            rows.append(Row(cells))
        if self._alternate:
            self._alternate = False
            self._main = None
        self.buffer = rows
        self.mode.discard(DECTCEM)
        self.cursor.hidden = True
        self.dirty.update(range(self.lines))
        return True

    def set_margins(self, top: int | None = None, bottom: int | None = None) -> None:
        """DECSTBM: set the scroll region (1-based, inclusive) and home the cursor."""
        t = (top or 1) - 1
        b = (bottom or self.lines) - 1
        b = min(b, self.lines - 1)
        if t >= b:
            return  # as xterm and tmux: a region needs two rows
        self.margins = None if (t == 0 and b == self.lines - 1) else Margins(t, b)
        # Home is the region's top left in origin mode, as in xterm and the DEC
        # manuals (tmux 3.3a homes to the screen's: a deliberate difference).
        self.cursor.x = 0
        self.cursor.y = t if DECOM in self.mode else 0

    # ---------------------------------------------------------------- graphics

    def select_graphic_rendition(self, *attrs: int, **kwargs: object) -> None:
        """SGR from already-split parameters (pyte's signature)."""
        if kwargs.get("private"):
            return
        self.select_graphic_rendition_text(";".join(map(str, attrs)))

    def select_graphic_rendition_text(self, params: str) -> None:
        """SGR from the raw parameter text (``;`` and ``:`` forms)."""
        cursor = self.cursor
        cursor.attrs = SGR[(params, cursor.attrs)]

    # ----------------------------------------------------------------- replies

    def report_device_attributes(self, mode: int = 0, **kwargs: object) -> None:
        """DA1: answer ``CSI c``."""
        if mode == 0 and not kwargs.get("private"):
            self._replies += _DA1_REPLY

    def report_device_status(self, mode: int) -> None:
        """DSR: status (5) and cursor position (6)."""
        if mode == 5:
            self._replies += b"\x1b[0n"
        elif mode == 6:
            self.report_cursor("")

    def report_terminal_version(self) -> None:
        """DA2: answer ``CSI > c``."""
        self._replies += _DA2_REPLY

    def report_cursor(self, private: str) -> None:
        """CPR (``CSI 6 n``) and DECXCPR (``CSI ? 6 n``): row relative to the origin."""
        y = self.cursor.y + 1
        if DECOM in self.mode and self.margins is not None:
            y -= self.margins.top
        x = min(self.cursor.x, self.columns - 1) + 1
        self._replies += f"\x1b[{private}{y};{x}R".encode()

    def report_window(self, args: list[int]) -> None:
        """XTWINOPS: answer a query about the window (18: its size in cells)."""
        if args and args[0] == 18:  # report the text area size in characters
            self._replies += f"\x1b[8;{self.lines};{self.columns}t".encode()

    def report_mode(self, mode: int, on: bool, known: bool, private: str) -> None:
        """DECRQM: whether ``mode`` is on, off or not recognised (``private`` is ``?`` or empty)."""
        state = (1 if on else 2) if known else 0  # 0: not recognised
        self._replies += f"\x1b[{private}{mode};{state}$y".encode()

    def write_process_input(self, data: str) -> None:
        """Queue bytes to send back to the program (pyte's hook)."""
        self._replies += data.encode()

    def take_replies(self) -> bytes:
        """Drain the bytes the terminal must answer; the owner writes them to the pty.

        Returns:
            Replies to DSR, DA1, DA2 and DECRQM queries, in order.
        """
        out = bytes(self._replies)
        self._replies.clear()
        return out

    # ------------------------------------------------------------------ signals

    def bell(self, *args: object) -> None:
        """BEL: count it as an attention signal."""
        self.bell_count += 1

    def desktop_notification(self, source: str, text: str) -> None:
        """OSC 9 / OSC 777 ``notify`` / OSC 99: the program asks for the user.

        Kept for the owner to take (the last :data:`NOTIFICATIONS_KEPT` of them).
        """
        self.notifications.append((source, text))
        del self.notifications[:-NOTIFICATIONS_KEPT]

    def take_notifications(self) -> list[tuple[str, str]]:
        """The desktop notifications since the last call, oldest first."""
        taken, self.notifications = self.notifications, []
        return taken

    def set_title(self, param: str) -> None:
        """OSC 0/2: the window title."""
        self.title = param

    def set_icon_name(self, param: str) -> None:
        """OSC 0/1: the icon name."""
        self.icon_name = param

    # -------------------------------------------------------------- inspection

    @property
    def display(self) -> list[str]:
        """The screen as text, one string per row (wide characters once)."""
        return ["".join([c[0] for c in row]) for row in self.buffer]

    def scrollback(self) -> list[str]:
        """Plain text of the lines scrolled off the top, oldest first.

        Returns:
            One string per line, trailing blanks removed.
        """
        return self._history.texts()

    @property
    def scrollback_len(self) -> int:
        """How many lines the scrollback holds."""
        return len(self._history)

    def scrollback_row(self, i: int) -> list[tuple[str, Char]]:
        """Styled runs of scrollback row ``i`` (0 is the oldest).

        Args:
            i: the row index, 0 for the oldest.

        Returns:
            ``(text, style)`` pairs; each style is a :class:`Cell` (dim
            included) whose ``data`` is meaningless.
        """
        return self._history.styled(i)
