"""``Terminal``: a fast, tmux-faithful pyte ``Screen`` fed with raw pty bytes.

pyte is the base class so ``buffer``, ``cursor``, ``dirty``, ``mode`` and
``display`` keep their pyte meaning, but nearly every method is replaced:

* stock pyte's generator parser costs several microseconds per byte, so
  :meth:`Terminal.feed` tokenises the decoded text with one regular expression
  and calls the screen methods directly;
* rows are plain lists of exactly ``columns`` shared :class:`Cell` objects
  (stock pyte uses sparse dicts), so drawing a run of text is one slice
  assignment and scrolling is one list pop;
* a cell is pyte's ``Char`` plus a trailing ``dim`` field (SGR 2), which pyte
  has no room for and tmux shows;
* lines that scroll off the top are kept as compact ``(text, style runs)``
  pairs rather than rows of per-cell objects, and a flood of plain lines that
  would scroll off before ever being seen skips the screen entirely.

Where pyte and tmux disagree, tmux (and xterm behind it) wins: erase fills with
the current background colour only, scroll regions feed the scrollback only
when they span the whole screen, and the alternate screen never does.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any, Self, overload

import pyte
from pyte import graphics, modes
from pyte.screens import Char, Cursor, Margins
from wcwidth import wcwidth as _wcwidth

__all__ = ["Cell", "Terminal"]


class Cell(Char):
    """One screen cell: pyte's :class:`~pyte.screens.Char` plus ``dim`` (SGR 2).

    The nine pyte fields keep their names and positions, so code written for
    pyte's ``Char`` reads a ``Cell`` unchanged; ``dim`` is the tenth field.
    (Being a longer tuple, a ``Cell`` never equals a pyte ``Char``.)
    """

    __slots__ = ()
    _fields = (*Char._fields, "dim")  # type: ignore[assignment]  # one field more
    _field_defaults = {**Char._field_defaults, "dim": False}  # noqa: RUF012  # as namedtuple's

    def __new__(  # noqa: PLR0917  # pyte's Char takes every field by position
        cls,
        data: str,
        fg: str = "default",
        bg: str = "default",
        bold: bool = False,
        italics: bool = False,
        underscore: bool = False,
        strikethrough: bool = False,
        reverse: bool = False,
        blink: bool = False,
        dim: bool = False,
    ) -> Cell:
        """A cell; arguments as pyte's ``Char``, then ``dim``."""
        fields = (data, fg, bg, bold, italics, underscore, strikethrough, reverse, blink, dim)
        return tuple.__new__(cls, fields)

    @property
    def dim(self) -> bool:
        """Drawn at half intensity (SGR 2, cleared by SGR 22 or 0)."""
        return bool(tuple.__getitem__(self, 9))

    @classmethod
    def _make(cls, iterable: Iterable[Any]) -> Self:  # type: ignore[override]  # 10 fields
        cell = tuple.__new__(cls, iterable)
        if len(cell) != 10:
            raise TypeError(f"a Cell has 10 fields, got {len(cell)}")
        return cell

    def _replace(self, **changes: Any) -> Self:
        fields = zip(self._fields, self, strict=True)
        cell = self._make([changes.pop(name, value) for name, value in fields])
        if changes:
            raise ValueError(f"unknown Cell fields: {sorted(changes)}")
        return cell

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True)
        )
        return f"Cell({inner})"


_BLANK = Cell(" ")
_NO_RUNS: tuple[tuple[int, Char], ...] = ()

# Private modes are stored shifted, as pyte does (pyte.modes.DECAWM == 7 << 5).
_DECCKM = 1 << 5
_DECCOLM = 3 << 5
_DECOM = modes.DECOM
_DECAWM = modes.DECAWM
_DECTCEM = modes.DECTCEM
_IRM = modes.IRM
_LNM = modes.LNM
_FOCUS = 1004 << 5
_MOUSE_SGR = 1006 << 5
_PASTE = 2004 << 5
_MOUSE_MODES = (1000, 1002, 1003)
_PRIVATE_LEADS = frozenset("<=>?")
_ALT_MODES = (47, 1047, 1049)
# DEC private modes DECRQM reports on; others are "not recognised".
_KNOWN_PRIVATE_MODES = frozenset(
    {1, 3, 6, 7, 25, 47, 1000, 1002, 1003, 1004, 1006, 1047, 1049, 2004}
)

# Bounds that keep hostile input from costing unbounded time or memory.
_MAX_PARAM = 999_999_999
_MAX_PENDING = 256  # an unfinished CSI/ESC sequence longer than this is junk
_MAX_STRING = 65536  # OSC/DCS payloads beyond this are skipped, not buffered
_MAX_TITLE = 1024

_DA1_REPLY = b"\x1b[?1;2c"  # what tmux answers: a VT100 with advanced video
_DA2_REPLY = b"\x1b[>0;276;0c"  # an xterm-compatible terminal, patch level 276

_TOKEN = re.compile(
    r"([^\x00-\x1f\x7f-\x9f]+)"  # 1: printable text
    r"|\x1b\[([0-?]*)([ -/]*)([@-~])"  # 2-4: a complete, well-formed CSI
    r"|([\x00-\x1a\x1c-\x1f\x7f-\x9f])"  # 5: a single C0/C1 control (not ESC)
    r"|\x1b"  # anything else starting with ESC: the slow path
)
# Lines of plain printable ASCII, each ended by CR LF: the shape of a flood.
_PLAIN_LINES = re.compile(r"(?:[ -~]*\r\n){8,}")

_SGR_FG = {**graphics.FG_ANSI, **graphics.FG_AIXTERM}
_SGR_BG = {**graphics.BG_ANSI, **graphics.BG_AIXTERM}
_PALETTE: list[str] = list(graphics.FG_BG_256)

_StyleKey = tuple[str, str, bool, bool, bool, bool, bool, bool, bool]
_cell_key = itemgetter(1, 2, 3, 4, 5, 6, 7, 8, 9)


def _style_key(cell: Char) -> _StyleKey:
    """A cell's style fields; a plain pyte ``Char`` (no ``dim``) counts as not dim."""
    if len(cell) > 9:
        key: _StyleKey = _cell_key(cell)
        return key
    return (*cell[1:], False)


_first = itemgetter(0)

# A compact scrollback row: its text (trailing default blanks dropped) and the
# style runs covering it as (characters, style); no runs means all default.
Runs = tuple[tuple[int, Char], ...]
CompactRow = tuple[str, Runs]


@lru_cache(maxsize=8192)
def _width(char: str) -> int:
    return int(_wcwidth(char))


@lru_cache(maxsize=1024)
def _style(key: _StyleKey) -> Cell:
    """The one shared Cell (data " ") for a style, so scrollback runs share it."""
    return Cell(" ", *key)


_DEFAULT_STYLE = _style(_style_key(_BLANK))


class _Row(list[Char]):
    """One screen row: exactly ``columns`` cells.

    pyte's rows are dicts, so code written against pyte calls
    ``row.get(x, default)``; that keeps working.
    """

    __slots__ = ()

    @overload
    def get(self, x: int) -> Char | None: ...
    @overload
    def get(self, x: int, default: Char) -> Char: ...
    def get(self, x: int, default: Char | None = None) -> Char | None:
        """The cell at ``x``, or ``default`` outside the row."""
        return self[x] if 0 <= x < len(self) else default


class _CharTable(dict[str, Char]):
    """Chars of one style by their text, filled on first use."""

    __slots__ = ("attrs",)

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self.attrs = attrs

    def __missing__(self, data: str) -> Char:
        char = self[data] = self.attrs._replace(data=data)
        return char


def _number(text: str) -> int:
    """A CSI parameter; missing or odd ones are 0, huge ones are capped."""
    if not text.isdigit():
        return 0
    return int(text) if len(text) < 10 else _MAX_PARAM


def _params(text: str) -> list[int]:
    if not text:
        return []
    return [_number(p.split(":", 1)[0]) for p in text.split(";")]


class _StyleOf(dict[Char, Char]):
    """The shared style Char of each cell Char, filled on first use."""

    def __missing__(self, cell: Char) -> Char:
        if len(self) > 8192:  # bounded: start over rather than grow
            self.clear()
        style = self[cell] = _style(_style_key(cell))
        return style


_STYLE_OF = _StyleOf()

# The same mapping keyed by id(), which is cheaper to hash than a 9-field
# tuple; _KEEP holds each keyed Char so its id cannot be reused while cached.
_STYLE_BY_ID: dict[int, Char] = {}
_KEEP: dict[int, Char] = {}


def _styles(cells: list[Char]) -> list[Char]:
    """The shared style object of each cell."""
    try:
        return list(map(_STYLE_BY_ID.__getitem__, map(id, cells)))
    except KeyError:
        if len(_KEEP) > 8192:  # bounded: start over rather than grow
            _KEEP.clear()
            _STYLE_BY_ID.clear()
        for cell in cells:
            key = id(cell)
            if key not in _KEEP:
                _KEEP[key] = cell
                _STYLE_BY_ID[key] = _STYLE_OF[cell]
        return list(map(_STYLE_BY_ID.__getitem__, map(id, cells)))


def compact_row(row: list[Char]) -> CompactRow:
    """Squeeze a screen row into its scrollback form."""
    # Fastest case (short lines of a flood): every default blank is trailing,
    # which two C-level counts prove without touching each cell in Python.
    blanks = row.count(_BLANK)
    end = len(row) - blanks
    if blanks and row.index(_BLANK) == end:
        full = "".join(map(_first, row[:end]))
        if full.isascii() and len(full) == end:
            return _compact_simple(row, end, full)
    full = "".join(map(_first, row))
    if full.isascii() and len(full) == len(row):
        # One ASCII character per cell (the common case): trailing spaces are
        # found on the string, then checked to be default blanks in one count.
        end = len(full.rstrip(" "))
        if row[end:].count(_BLANK) != len(row) - end:
            end = len(row)
            while end and row[end - 1] == _BLANK:
                end -= 1
        text = full[:end]
        simple = True
    else:
        end = len(row)
        while end and row[end - 1] == _BLANK:
            end -= 1
        datas = [c[0] for c in row[:end]]
        text = "".join(datas)
        simple = len(text) == end and "" not in datas
    if not end:
        return "", _NO_RUNS
    if simple:
        return _compact_simple(row, end, text)
    # Wide characters (an empty stub after them) or combining marks: count
    # characters of text per cell rather than cells.
    cells = [c for c in row[:end] if c[0]]
    runs = tuple(
        (sum(len(c[0]) for c in group), style)
        for style, group in groupby(cells, _STYLE_OF.__getitem__)
    )
    if len(runs) == 1 and runs[0][1] is _DEFAULT_STYLE:
        return text, _NO_RUNS
    return text, runs


def _compact_simple(row: list[Char], end: int, text: str) -> CompactRow:
    """The compact form of ``row[:end]``, one character per cell, as ``text``."""
    if not end:
        return "", _NO_RUNS
    # Cells map to shared style objects, so grouping compares identities.
    styles = _styles(row[:end])
    first = styles[0]
    if styles.count(first) == end:
        return (text, _NO_RUNS) if first is _DEFAULT_STYLE else (text, ((end, first),))
    runs = tuple([(len(list(group)), style) for style, group in groupby(styles)])
    return text, runs


class Terminal(pyte.Screen):
    """A terminal screen fed with raw pty bytes, as faithful as tmux.

    Args:
        columns: width in cells.
        lines: height in rows.
        scrollback: the most lines kept once they scroll off the top.

    Attributes:
        title: the window title set by OSC 0 or OSC 2.
        bell_count: how many BELs arrived (an attention signal).
        generation: bumped by every :meth:`feed` that changed the screen.
    """

    def __init__(self, columns: int, lines: int, scrollback: int = 10_000) -> None:
        # Deliberately not calling pyte.Screen.__init__: it builds pyte's
        # sparse dict buffer, which every method here replaces.
        self.columns = max(1, columns)
        self.lines = max(1, lines)
        self.dirty: set[int] = set()
        self._history: deque[CompactRow] = deque(maxlen=max(0, scrollback))
        self._replies = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._in_string = ""  # the introducer of a control string being skipped
        self._scanned = 0
        self._tables: dict[Char, _CharTable] = {}
        self._table: _CharTable = self._table_for(_BLANK)
        self._blanks: dict[str, Char] = {"default": _BLANK}
        self._sgr_cache: dict[tuple[str, Char], Char] = {}
        self.bell_count = 0
        self.generation = 0
        self._csi_handlers: dict[str, Callable[[list[int]], None]] = {
            "@": lambda a: self.insert_characters(a[0] if a else 0),
            "A": lambda a: self.cursor_up(a[0] if a else 0),
            "B": lambda a: self.cursor_down(a[0] if a else 0),
            "C": lambda a: self.cursor_forward(a[0] if a else 0),
            "D": lambda a: self.cursor_back(a[0] if a else 0),
            "E": lambda a: self.cursor_down1(a[0] if a else 0),
            "F": lambda a: self.cursor_up1(a[0] if a else 0),
            "G": lambda a: self.cursor_to_column(a[0] if a else 0),
            "H": lambda a: self.cursor_position(*a[:2]),
            "I": lambda a: self._tab_n(a[0] if a else 0),
            "J": lambda a: self.erase_in_display(a[0] if a else 0),
            "K": lambda a: self.erase_in_line(a[0] if a else 0),
            "L": lambda a: self.insert_lines(a[0] if a else 0),
            "M": lambda a: self.delete_lines(a[0] if a else 0),
            "P": lambda a: self.delete_characters(a[0] if a else 0),
            "S": lambda a: self.scroll_up(a[0] if a else 0),
            "T": lambda a: self.scroll_down(a[0] if a else 0),
            "X": lambda a: self.erase_characters(a[0] if a else 0),
            "Z": lambda a: self._back_tab_n(a[0] if a else 0),
            "`": lambda a: self.cursor_to_column(a[0] if a else 0),
            "a": lambda a: self.cursor_forward(a[0] if a else 0),
            "c": lambda a: self.report_device_attributes(a[0] if a else 0),
            "d": lambda a: self.cursor_to_line(a[0] if a else 0),
            "e": lambda a: self.cursor_down(a[0] if a else 0),
            "f": lambda a: self.cursor_position(*a[:2]),
            "g": lambda a: self.clear_tab_stop(a[0] if a else 0),
            "h": lambda a: self.set_mode(*a),
            "l": lambda a: self.reset_mode(*a),
            "n": lambda a: self.report_device_status(a[0] if a else 0),
            "r": lambda a: self.set_margins(*a[:2]),
            "s": lambda a: self.save_cursor(),
            "t": self._window_op,
            "u": lambda a: self.restore_cursor(),
        }
        self.reset()

    # ------------------------------------------------------------------ feeding

    def feed(self, data: bytes) -> None:
        """Feed raw pty bytes, in any chunking.

        A UTF-8 character split across two calls comes out whole; invalid
        UTF-8 becomes U+FFFD. Never raises on any input.

        Args:
            data: bytes read from the pty.
        """
        text = self._decoder.decode(data)
        if self._pending:
            text = self._pending + text
            self._pending = ""
        if not text:
            return
        before = self.dirty
        self.dirty = set()
        cursor = self.cursor
        where = (cursor.x, cursor.y, cursor.hidden, self.title)
        try:
            self._parse(text)
        except Exception:  # pragma: no cover - a bug must not kill the pane
            # Losing one chunk's rendering beats taking the whole app down;
            # the robustness tests exist so that this never runs.
            self._pending = ""
            self.dirty.update(range(self.lines))
        cursor = self.cursor
        if self.dirty or where != (cursor.x, cursor.y, cursor.hidden, self.title):
            self.generation += 1
        before |= self.dirty
        self.dirty = before

    def _parse(self, text: str) -> None:
        if self._in_string:
            end = self._string_end(text, 0, bel=self._in_string != "P")
            if end is None:
                if text.endswith("\x1b"):
                    self._pending = "\x1b"  # maybe the first half of the ST
                return
            self._in_string = ""
            text = text[end:]
        match = _TOKEN.match
        plain = _PLAIN_LINES.match
        csi = self._csi
        control = self._control
        draw = self.draw
        sgr_cache = self._sgr_cache
        index = self.index
        pos = 0
        n = len(text)
        last = ""  # the last printed text, for REP; any other token clears it
        refused = 0  # the end of a run of plain lines _plain_lines turned down
        while pos < n:
            m = match(text, pos)
            if m is None:  # unreachable: every character starts some token
                pos += 1
                continue
            kind = m.lastindex
            if kind == 1:
                last = m.group(1)
                draw(last)
                pos = m.end()
            elif kind == 5:
                ch = m.group(5)
                if ch == "\r" and text.startswith("\r\n", pos):
                    self.cursor.x = 0  # CR; then LF, whose LNM carriage return is moot
                    index()
                    pos += 2
                    # A flood of plain lines at the bottom of the screen: take
                    # them all at once (unless this run was already refused).
                    if self.cursor.y == self.lines - 1 and pos >= refused:
                        pm = plain(text, pos)
                        if pm is not None:
                            done = self._plain_lines(text, pos, pm.end())
                            if done == pos:
                                refused = pm.end()
                            pos = done
                else:
                    control(ch)
                    pos = m.end()
                last = ""
            elif kind is None:  # ESC not starting a well-formed CSI
                end = self._escape(text, pos)
                if end is None:
                    # Unfinished: _escape has bounded how much may wait.
                    self._pending = text[pos:]
                    return
                pos = end
                last = ""
            else:
                params, inter, final = m.group(2, 3, 4)
                pos = m.end()
                if final == "m" and not inter:
                    # SGR, the most frequent sequence by far: cached inline.
                    cursor = self.cursor
                    attrs = sgr_cache.get((params, cursor.attrs))
                    if attrs is not None:
                        cursor.attrs = attrs
                        last = ""
                        continue
                if final == "b" and not inter and params[:1] not in _PRIVATE_LEADS:
                    if last and last[-1] < "\x80":  # tmux repeats ASCII only
                        self._repeat(last[-1], _number(params) or 1)
                    last = ""  # as tmux: a second REP in a row repeats nothing
                    continue
                csi(params, inter, final)
                last = ""

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
            or _IRM in self.mode
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
        row = self.buffer[-1]
        if row.count(blank) != columns:
            return start
        attrs = cursor.attrs
        count = len(lines)
        # All but the last line scroll off the bottom row one by one, so the
        # screen ends up showing the last `lines - 1` of them above a blank row
        # and the rest goes to the scrollback.
        keep = self.lines - 1
        old = self.buffer[:-1]
        on_screen = min(count, keep)
        # Rows pushed to the scrollback, oldest first: old screen rows, then
        # the new lines that never reach the final screen.
        pushed_old = old[: min(count, len(old))]
        pushed_new = lines[: max(0, count - keep)]
        if not self._alternate:
            history = self._history
            limit = history.maxlen or 0
            if len(pushed_new) < limit:
                for r in pushed_old[-(limit - len(pushed_new)) :] if limit else ():
                    history.append(compact_row(r))
            if limit:
                style = _style(_style_key(attrs))
                default = style == _BLANK
                for line in pushed_new[-limit:]:
                    if default:
                        history.append((line.rstrip(" "), _NO_RUNS))
                    elif line:
                        history.append((line, ((len(line), style),)))
                    else:
                        history.append(("", _NO_RUNS))
        table = self._table_for(attrs)
        new_rows = []
        for line in lines[count - on_screen :]:
            r = _Row([table[c] for c in line])
            r.extend([blank] * (columns - len(line)))
            new_rows.append(r)
        self.buffer[:] = [*old[min(count, len(old)) :], *new_rows, _Row([blank] * columns)]
        self.dirty.update(range(self.lines))
        return end

    # --------------------------------------------------------------- sequences

    def _control(self, ch: str) -> None:
        if ch in "\n\x0b\x0c":
            self.linefeed()
        elif ch == "\r":
            self.cursor.x = 0
        elif ch == "\x08":
            self.backspace()
        elif ch == "\t":
            self.tab()
        elif ch == "\x07":
            self.bell()
        elif ch == "\x0e":
            self.shift_out()
        elif ch == "\x0f":
            self.shift_in()
        # Everything else (NUL, DEL, C1 code points, ...) is ignored, as tmux does.

    def _string_end(self, text: str, start: int, bel: bool = True) -> int | None:
        """Index just past the ST (or BEL) ending a control string, if present."""
        st = text.find("\x1b\\", start)
        if bel:
            b = text.find("\x07", start, st if st >= 0 else len(text))
            if b >= 0:
                return b + 1
        return st + 2 if st >= 0 else None

    def _escape(self, text: str, pos: int) -> int | None:
        """Handle the escape sequence at ``pos``; None if it is unfinished."""
        n = len(text)
        if pos + 1 >= n:
            return None
        c = text[pos + 1]
        if c == "[":
            return self._odd_csi(text, pos)
        if c == "]" or c in "PX^_":
            # Resume the search where the previous feed stopped, so a string
            # arriving in many small pieces costs linear time.
            scan = max(pos + 2, self._scanned - 1) if pos == 0 else pos + 2
            self._scanned = 0
            end = self._string_end(text, scan, bel=c != "P")
            if end is None:
                if n - pos > _MAX_STRING:
                    self._in_string = c  # skip the rest up to its ST
                    # A final ESC may be the first half of that ST: keep it.
                    return n - 1 if text.endswith("\x1b") else n
                self._scanned = n - pos
                return None
            if c == "]":
                body = text[pos + 2 : end - (1 if text[end - 1] == "\x07" else 2)]
                self._osc(body)
            return end
        i = pos + 1
        while i < n and " " <= text[i] <= "/":
            i += 1
        if i >= n:
            return None if n - pos <= _MAX_PENDING else n
        final = text[i]
        if not "0" <= final <= "~":
            # ESC followed by a control or a non-ASCII character: drop the ESC
            # and let the character be handled on its own.
            return pos + 1
        self._esc(text[pos + 1 : i], final)
        return i + 1

    def _odd_csi(self, text: str, pos: int) -> int | None:
        """A CSI the fast pattern rejected: unfinished, or with stray bytes."""
        n = len(text)
        i = pos + 2
        controls: list[str] = []
        body: list[str] = []
        junk = False
        while i < n:
            ch = text[i]
            if "@" <= ch <= "~":
                for c in controls:
                    self._control(c)
                if not junk:
                    seq = "".join(body)
                    m = re.fullmatch(r"([0-?]*)([ -/]*)", seq)
                    if m is not None:
                        self._csi(m.group(1), m.group(2), ch)
                return i + 1
            if ch == "\x1b":
                return i  # a new sequence aborts this one
            if ch in "\x18\x1a":
                return i + 1  # CAN/SUB cancel it
            if ch < " ":
                controls.append(ch)  # C0 inside a CSI is executed, as xterm does
            elif " " <= ch <= "?":
                body.append(ch)
            else:
                junk = True  # tmux ignores the whole sequence up to its final
            i += 1
        if n - pos > _MAX_PENDING:
            return n
        return None

    def _esc(self, inter: str, final: str) -> None:
        if not inter:
            if final == "7":
                self.save_cursor()
            elif final == "8":
                self.restore_cursor()
            elif final == "D":
                self.index()
            elif final == "E":
                self.carriage_return()
                self.index()
            elif final == "M":
                self.reverse_index()
            elif final == "H":
                self.set_tab_stop()
            elif final == "c":
                self.reset()
            # ESC = / ESC > (keypad modes), ESC \ (a stray ST), others: ignored.
        elif inter == "#" and final == "8":
            self.alignment_display()
        elif inter in "()" and len(inter) == 1:
            self.define_charset(final, inter)

    def _csi(self, params: str, inter: str, final: str) -> None:
        lead = params[:1]
        if lead in ("?", ">", "<", "="):
            self._private_csi(lead, params[1:], inter, final)
            return
        if inter:
            if inter == "$" and final == "p":  # DECRQM for an ANSI mode
                mode = _number(params)
                self._reply_mode(mode, mode in self.mode, mode in (_IRM, _LNM), "")
            elif inter == "!" and final == "p":
                self.soft_reset()
            return  # DECSCUSR (" q") and the rest change nothing we show
        if final == "m":
            self.select_graphic_rendition_text(params)
            return
        handler = self._csi_handlers.get(final)
        if handler is not None:
            handler(_params(params))

    def _private_csi(self, lead: str, params: str, inter: str, final: str) -> None:
        if lead == "?":
            if inter == "$" and final == "p":  # DECRQM for a DEC private mode
                mode = _number(params)
                known = mode in _KNOWN_PRIVATE_MODES
                self._reply_mode(mode, self._private_mode_on(mode), known, "?")
            elif inter:
                return
            elif final == "h":
                self.set_mode(*_params(params), private=True)
            elif final == "l":
                self.reset_mode(*_params(params), private=True)
            elif final == "J":
                self.erase_in_display(_number(params))
            elif final == "K":
                self.erase_in_line(_number(params))
            elif final == "n" and _number(params) == 6:
                y = (
                    self.cursor.y
                    + 1
                    - (self.margins.top if _DECOM in self.mode and self.margins else 0)
                )
                x = min(self.cursor.x, self.columns - 1) + 1
                self._replies += f"\x1b[?{y};{x}R".encode()
        elif lead == ">" and final == "c" and not inter and _number(params) == 0:
            self._replies += _DA2_REPLY
        # Everything else (``CSI > 4;2 m`` modifyOtherKeys, kitty keyboard
        # ``CSI > 1 u`` / ``CSI ? u``, XTVERSION ``CSI > q``...) is ignored.

    def _osc(self, body: str) -> None:
        code, _, arg = body.partition(";")
        if code in ("0", "2"):
            self.set_title(arg[:_MAX_TITLE])
        if code in ("0", "1"):
            self.set_icon_name(arg[:_MAX_TITLE])

    def _window_op(self, args: list[int]) -> None:
        if args and args[0] == 18:  # report the text area size in characters
            self._replies += f"\x1b[8;{self.lines};{self.columns}t".encode()

    def _reply_mode(self, mode: int, on: bool, known: bool, private: str) -> None:
        state = (1 if on else 2) if known else 0  # 0: not recognised
        self._replies += f"\x1b[{private}{mode};{state}$y".encode()

    def _private_mode_on(self, mode: int) -> bool:
        if mode in _MOUSE_MODES:
            return self._mouse_mode == mode
        if mode in _ALT_MODES:
            return self._alternate
        return (mode << 5) in self.mode

    # -------------------------------------------------------------- lifecycle

    @property
    def default_char(self) -> Char:
        """A blank cell with the default style."""
        return _BLANK

    def reset(self) -> None:
        """Reset to the power-on state (RIS), keeping the scrollback."""
        # Rows are lists, not pyte's sparse dicts (see _Row).
        self.buffer: list[_Row] = [  # type: ignore[assignment]
            _Row([_BLANK] * self.columns) for _ in range(self.lines)
        ]
        self.dirty.update(range(self.lines))
        self.margins: Margins | None = None
        self.mode: set[int] = {_DECAWM, _DECTCEM}
        self.title = ""
        self.icon_name = ""
        self.charset = 0
        self.g0_charset = pyte.charsets.LAT1_MAP
        self.g1_charset = pyte.charsets.VT100_MAP
        self._charset_table: dict[int, str] | None = None
        self.tabstops = set(range(8, self.columns, 8))
        self.cursor = Cursor(0, 0, _BLANK)
        self.saved_columns: int | None = None
        self._saved: tuple[int, int, Char, int, str, str, bool, bool] | None = None
        self._alternate = False
        self._main: list[_Row] | None = None
        self._last_alternate: list[_Row] | None = None
        self._alt_saved_at: tuple[int, int] | None = None
        self._alt_saved_attrs: Char = _BLANK
        self._mouse_mode = 0

    def soft_reset(self) -> None:
        """DECSTR: reset modes, margins and attributes but keep the screen."""
        self.mode.difference_update({_IRM, _DECOM, _DECCKM})
        self.mode.update({_DECAWM, _DECTCEM})
        self.cursor.hidden = False
        self.margins = None
        self.cursor.attrs = _BLANK
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
        buf: list[_Row],
        lines: int,
        columns: int,
        to_history: bool,
        move_cursor: bool = True,
    ) -> list[_Row]:
        cursor = self.cursor
        if columns < self.columns:
            for row in buf:
                del row[columns:]
                if row and row[-1].data and _width(row[-1].data[0]) == 2:
                    row[-1] = _BLANK  # half a wide character is no character
        elif columns > self.columns:
            extra = columns - self.columns
            for row in buf:
                row.extend([_BLANK] * extra)
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
            buf.extend(_Row([_BLANK] * columns) for _ in range(-excess))
        return buf

    # ------------------------------------------------------------------ drawing

    def _table_for(self, attrs: Char) -> _CharTable:
        table = self._tables.get(attrs)
        if table is None:
            if len(self._tables) > 512:  # many styles seen: start over
                self._tables.clear()
            table = self._tables[attrs] = _CharTable(attrs)
        self._table = table
        return table

    def _blank(self) -> Char:
        """The cell an erase leaves: the current background, nothing else."""
        bg = self.cursor.attrs.bg
        blank = self._blanks.get(bg)
        if blank is None:
            blank = self._blanks[bg] = Cell(" ", bg=bg)
        return blank

    def draw(self, data: str) -> None:
        """Print text at the cursor, wrapping and scrolling as needed.

        Args:
            data: printable characters (no controls).
        """
        if self._charset_table is not None:
            data = data.translate(self._charset_table)
        if not data.isascii():
            self._draw_unicode(data)
            return
        cursor = self.cursor
        table = self._table
        if table.attrs is not cursor.attrs:
            table = self._table_for(cursor.attrs)
        columns = self.columns
        mode = self.mode
        x = cursor.x
        end = x + len(data)
        if end < columns and _IRM not in mode:
            # The common case: the text fits on the row with room to spare.
            row = self.buffer[cursor.y]
            if x and row[x][0] == "":
                row[x - 1] = self._blank_like(row[x - 1])  # overwrote half a wide char
            if row[end][0] == "":
                row[end] = self._blank_like(row[end])
            row[x:end] = map(table.__getitem__, data)
            cursor.x = end
            self.dirty.add(cursor.y)
            return
        autowrap = _DECAWM in mode
        insert = _IRM in mode
        buffer = self.buffer
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
            row = buffer[cursor.y]
            size = len(chunk)
            if row[x][0] == "" and x:
                row[x - 1] = self._blank_like(row[x - 1])  # overwrote half a wide char
            if insert:
                row[x:x] = [_BLANK] * size
                del row[columns:]
            end = x + size
            if end < columns and row[end][0] == "":
                row[end] = self._blank_like(row[end])
            row[x:end] = [table[c] for c in chunk] if size > 1 else [table[chunk]]
            # Without autowrap there is no pending wrap: the cursor stays on
            # the last column (so an erase there erases it, as in tmux).
            cursor.x = end if autowrap or end < columns else columns - 1
            self.dirty.add(cursor.y)

    @staticmethod
    def _blank_like(cell: Char) -> Char:
        return Cell(" ", bg=cell.bg)

    def _draw_unicode(self, data: str) -> None:
        cursor = self.cursor
        columns = self.columns
        for ch in data:
            w = _width(ch)
            if w == 1:
                self.draw_one(ch, 1)
            elif w == 2:
                if columns < 2:
                    continue  # cannot show a wide character at all
                self.draw_one(ch, 2)
            elif w == 0 and (ch == "\u200d" or unicodedata.combining(ch) or ch >= "\ufe00"):
                # Zero-width marks join the previous cell, as tmux does.
                x = min(cursor.x, columns) - 1
                row = self.buffer[cursor.y]
                if x >= 0:
                    if row[x][0] == "" and x > 0:
                        x -= 1
                    cell = row[x]
                    if cell[0]:
                        row[x] = cell._replace(data=cell[0] + ch)
                        self.dirty.add(cursor.y)
            # Width -1 (unprintable) and other zero-width characters: dropped.

    def draw_one(self, ch: str, width: int) -> None:
        """Print one character of the given cell width."""
        cursor = self.cursor
        columns = self.columns
        if cursor.x + width > columns:
            if _DECAWM in self.mode:
                if cursor.x < columns and width == 2:
                    self.buffer[cursor.y][cursor.x] = self._blank()
                cursor.x = 0
                self.linefeed_no_lnm()
            elif width > 1 and (width > columns or cursor.x != columns):
                return  # as tmux: a wide character that cannot fit is dropped
            else:
                cursor.x = columns - width
        if _IRM in self.mode:
            self.insert_characters(width)
        row = self.buffer[cursor.y]
        x = cursor.x
        table = self._table
        if table.attrs is not cursor.attrs:
            table = self._table_for(cursor.attrs)
        if row[x][0] == "" and x:
            row[x - 1] = self._blank_like(row[x - 1])
        end = x + width
        if end < columns and row[end][0] == "":
            row[end] = self._blank_like(row[end])
        row[x] = table[ch]
        if width == 2:
            row[x + 1] = table[""]
        cursor.x = end if end < columns or _DECAWM in self.mode else columns - 1
        self.dirty.add(cursor.y)

    def _orphan_stub(self, row: list[Char], x: int) -> None:
        """Blank the right half at ``x`` of a wide character just erased."""
        if x < len(row) and row[x][0] == "":
            row[x] = self._blank_like(row[x])

    def _repeat(self, ch: str, count: int) -> None:
        # tmux repeats at most up to the end of the row (xterm would wrap);
        # the cap also bounds the work a hostile count can cause.
        count = min(count, self.columns - self.cursor.x)
        if count > 0:
            self.draw(ch * count)

    def alignment_display(self) -> None:
        """DECALN: fill the screen with E."""
        e = Cell("E")
        self.buffer[:] = [_Row([e] * self.columns) for _ in range(self.lines)]
        self.dirty.update(range(self.lines))

    # ---------------------------------------------------------------- scrolling

    def _push_history(self, rows: Iterable[list[Char]]) -> None:
        if self._alternate or not self._history.maxlen:
            return
        append = self._history.append
        for row in rows:
            append(compact_row(row))

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
            _Row([blank] * self.columns) for _ in range(count)
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
        buf[top:top] = [_Row([blank] * self.columns) for _ in range(count)]
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
                # The hot path of every flood: one pop, one append.
                buf = self.buffer
                row = buf.pop(0)
                if not self._alternate and self._history.maxlen:
                    self._history.append(compact_row(row))
                if blank is None:
                    blank = _BLANK if cursor.attrs.bg == "default" else self._blank()
                buf.append(_Row([blank] * self.columns))
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
        if _LNM in self.mode:
            self.cursor.x = 0

    def linefeed_no_lnm(self) -> None:
        """The line feed of an automatic wrap: new rows get the default background."""
        self.index(_BLANK)

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
            buf[r] = _Row([blank] * self.columns)
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
            _Row([blank] * self.columns) for _ in range(count)
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
        """EL: erase to the end (0), the start (1) or all (2) of the row."""
        # At a pending wrap (x == columns) tmux erases nothing to the right,
        # though xterm would erase the last column: tmux is the oracle.
        x = self.cursor.x
        row = self.buffer[self.cursor.y]
        blank = self._blank()
        if how == 0:
            if x >= self.columns:
                return
            row[x:] = [blank] * (self.columns - x)
        elif how == 1:
            x = min(x, self.columns - 1)
            row[: x + 1] = [blank] * (x + 1)
            self._orphan_stub(row, x + 1)
        elif how == 2:
            row[:] = [blank] * self.columns
        else:
            return
        self.dirty.add(self.cursor.y)

    def erase_in_display(self, how: int = 0, *args: object, **kwargs: object) -> None:
        """ED: erase below (0), above (1) or all (2) of the screen; 3: the scrollback."""
        y = self.cursor.y
        blank = self._blank()
        columns = self.columns
        if how == 0:
            rows = range(y + 1, self.lines)
        elif how == 1:
            rows = range(y)
        elif how == 2:
            rows = range(self.lines)
            if self._alternate:
                self._keep_alternate(list(self.buffer))
        elif how == 3:
            self._history.clear()  # xterm: erase saved lines only
            return
        else:
            return
        for r in rows:
            self.buffer[r] = _Row([blank] * columns)
        self.dirty.update(rows)
        if how in (0, 1):
            self.erase_in_line(how)

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
        if _DECOM in self.mode and self.margins is not None:
            y = min(y + self.margins.top, self.margins.bottom)
        self.cursor.y = min(max(y, 0), self.lines - 1)

    def cursor_position(self, line: int | None = None, column: int | None = None) -> None:
        """CUP: to a 1-based row and column (row relative to the region in origin mode)."""
        y = (line or 1) - 1
        if _DECOM in self.mode and self.margins is not None:
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

    def _tab_n(self, count: int) -> None:
        for _ in range(min(max(count, 1), self.columns)):
            self.tab()

    def _back_tab_n(self, count: int) -> None:
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
            _DECOM in self.mode,
            _DECAWM in self.mode,
        )

    def restore_cursor(self) -> None:
        """DECRC: restore what DECSC saved, or go home with default attributes."""
        saved = self._saved
        if saved is None:
            self.mode.discard(_DECOM)
            self.cursor.attrs = _BLANK
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
            self.mode.add(_DECOM)
        else:
            self.mode.discard(_DECOM)

    # ---------------------------------------------------------------- charsets

    def define_charset(self, code: str, mode: str) -> None:
        """SCS: designate G0 (``(``) or G1 (``)``) as US ASCII or DEC graphics."""
        table = pyte.charsets.MAPS.get(code)
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
        if active == pyte.charsets.LAT1_MAP:
            self._charset_table = None
        else:
            self._charset_table = {c: active[c] for c in range(0x20, 0x7F) if active[c] != chr(c)}

    # ------------------------------------------------------------------- modes

    def set_mode(self, *modes_: int, **kwargs: object) -> None:
        """SM/DECSET: turn modes on (``private=True`` for DEC private modes)."""
        private = bool(kwargs.get("private"))
        for mode in modes_:
            if private:
                self._set_private(mode, True)
            elif mode in (_IRM, _LNM):
                self.mode.add(mode)

    def reset_mode(self, *modes_: int, **kwargs: object) -> None:
        """RM/DECRST: turn modes off (``private=True`` for DEC private modes)."""
        private = bool(kwargs.get("private"))
        for mode in modes_:
            if private:
                self._set_private(mode, False)
            else:
                self.mode.discard(mode)

    def _set_private(self, mode: int, on: bool) -> None:
        if mode in _MOUSE_MODES:
            # One tracking mode at a time; turning any off turns tracking off.
            for m in _MOUSE_MODES:
                self.mode.discard(m << 5)
            self._mouse_mode = mode if on else 0
            if on:
                self.mode.add(mode << 5)
            return
        if mode in _ALT_MODES:
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
        if flag == _DECTCEM:
            self.cursor.hidden = not on
        elif flag == _DECOM:
            self.cursor_position()
        elif flag == _DECCOLM:
            # tmux does not resize for DECCOLM but clears and homes, as a VT does.
            self.margins = None
            self.erase_in_display(2)
            self.cursor_position()

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
        self.buffer = [_Row([_BLANK] * self.columns) for _ in range(self.lines)]
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

    def _keep_alternate(self, rows: list[_Row]) -> None:
        # For show_last_alternate(): a tmux client quitting clears its alternate
        # screen (ED 2) and then leaves it, so the pane's last screen is the last
        # non-blank one seen at either moment. Kept, not copied: both callers
        # drop these rows from the buffer, so nothing writes to them again.
        blank = [_BLANK] * self.columns
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
        rows: list[_Row] = []
        for y in range(self.lines):
            cells = list(saved[y][: self.columns]) if y < len(saved) else []
            cells.extend([_BLANK] * (self.columns - len(cells)))
            rows.append(_Row(cells))
        if self._alternate:
            self._alternate = False
            self._main = None
        self.buffer = rows
        self.mode.discard(_DECTCEM)
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
        # tmux homes the cursor to the screen's top left even in origin mode.
        self.cursor.x = self.cursor.y = 0

    # ---------------------------------------------------------------- graphics

    def select_graphic_rendition(self, *attrs: int, **kwargs: object) -> None:
        """SGR from already-split parameters (pyte's signature)."""
        if kwargs.get("private"):
            return
        self.select_graphic_rendition_text(";".join(map(str, attrs)))

    def select_graphic_rendition_text(self, params: str) -> None:
        """SGR from the raw parameter text (``;`` and ``:`` forms)."""
        cursor = self.cursor
        key = (params, cursor.attrs)
        cached = self._sgr_cache.get(key)
        if cached is None:
            if len(self._sgr_cache) > 4096:
                self._sgr_cache.clear()
            cached = self._sgr_cache[key] = _apply_sgr(cursor.attrs, params)
        cursor.attrs = cached

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
            y = self.cursor.y + 1
            if _DECOM in self.mode and self.margins is not None:
                y -= self.margins.top
            x = min(self.cursor.x, self.columns - 1) + 1
            self._replies += f"\x1b[{y};{x}R".encode()

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

    def bell(self, *args: object) -> None:
        """BEL: count it as an attention signal."""
        self.bell_count += 1

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
        return [text.rstrip(" ") for text, _ in self._history]

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
        text, runs = self._history[i]
        if not runs:
            return [(text, _BLANK)] if text else []
        out = []
        at = 0
        for length, style in runs:
            out.append((text[at : at + length], style))
            at += length
        return out

    @property
    def app_cursor_keys(self) -> bool:
        """DECCKM (mode ?1): cursor keys send SS3 rather than CSI sequences."""
        return _DECCKM in self.mode

    @property
    def bracketed_paste(self) -> bool:
        """Mode ?2004: wrap pastes in ``ESC[200~`` … ``ESC[201~``."""
        return _PASTE in self.mode

    @property
    def mouse_mode(self) -> int:
        """The mouse tracking mode: 0 (off), 1000, 1002 or 1003."""
        return self._mouse_mode

    @property
    def mouse_sgr(self) -> bool:
        """Mode ?1006: mouse reports in SGR form."""
        return _MOUSE_SGR in self.mode

    @property
    def focus_events(self) -> bool:
        """Mode ?1004: the program wants focus in/out reports."""
        return _FOCUS in self.mode

    @property
    def cursor_visible(self) -> bool:
        """Mode ?25: the program shows the cursor."""
        return _DECTCEM in self.mode

    @property
    def alternate_screen(self) -> bool:
        """The alternate screen (?1049, ?1047 or ?47) is active."""
        return self._alternate


def _colour(parts: list[str], i: int) -> tuple[str | None, int]:
    """Parse an extended colour at ``parts[i]`` (after 38/48); returns (colour, next index)."""
    if i >= len(parts):
        return None, i
    kind = _number(parts[i])
    if kind == 5:
        if i + 1 < len(parts):
            n = _number(parts[i + 1])
            return (_PALETTE[n] if n < 256 else None), i + 2
        return None, i + 1
    if kind == 2:
        if i + 3 < len(parts):
            r, g, b = (_number(p) for p in parts[i + 1 : i + 4])
            if max(r, g, b) < 256:
                return f"{r:02x}{g:02x}{b:02x}", i + 4
            return None, i + 4
        return None, len(parts)
    return None, i + 1


def _apply_sgr(attrs: Char, params: str) -> Char:
    """The style after applying SGR ``params`` to ``attrs``."""
    if not params or params == "0":
        return _BLANK
    fields: dict[str, str | bool] = attrs._asdict()
    parts = params.split(";")
    i = 0
    while i < len(parts):
        part = parts[i]
        if ":" in part:
            # Sub-parameter forms: 38:2::r:g:b, 38:5:n, 4:3 (curly underline)...
            sub = part.split(":")
            head = _number(sub[0])
            if head in (38, 48):
                rest = sub[1:]
                if rest and _number(rest[0]) == 2 and len(rest) >= 5:
                    rest = [rest[0], *rest[-3:]]  # drop the colour-space id
                colour, _ = _colour(rest, 0)
                if colour is not None:
                    fields["fg" if head == 38 else "bg"] = colour
            elif head == 4:
                fields["underscore"] = _number(sub[1]) != 0 if len(sub) > 1 else True
            i += 1
            continue
        code = _number(part)
        if code in (38, 48):
            colour, i = _colour(parts, i + 1)
            if colour is not None:
                fields["fg" if code == 38 else "bg"] = colour
            continue
        if code == 58:
            _, i = _colour(parts, i + 1)  # underline colour: not shown
            continue
        if code == 0:
            fields = _BLANK._asdict()
        else:
            _apply_one(fields, code)
        i += 1
    return Cell(**fields)  # type: ignore[arg-type]  # each field gets its own type


def _apply_one(changes: dict[str, str | bool], code: int) -> None:
    if code in _SGR_FG:
        changes["fg"] = _SGR_FG[code]
    elif code in _SGR_BG:
        changes["bg"] = _SGR_BG[code]
    elif code == 1:
        changes["bold"] = True
    elif code == 2:
        changes["dim"] = True
    elif code == 3:
        changes["italics"] = True
    elif code in (4, 21):
        changes["underscore"] = True
    elif code in (5, 6):
        changes["blink"] = True
    elif code == 7:
        changes["reverse"] = True
    elif code == 9:
        changes["strikethrough"] = True
    elif code == 22:  # normal intensity: neither bold nor dim
        changes["bold"] = False
        changes["dim"] = False
    elif code == 23:
        changes["italics"] = False
    elif code == 24:
        changes["underscore"] = False
    elif code == 25:
        changes["blink"] = False
    elif code == 27:
        changes["reverse"] = False
    elif code == 29:
        changes["strikethrough"] = False
