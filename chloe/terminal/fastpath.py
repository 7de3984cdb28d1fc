"""The bulk path for floods of coloured lines: text + SGR + CR LF, no cells.

A build log or a test runner prints lines of printable text with a few SGR
changes each, every line ended by CR LF, at the bottom of a full screen. Most
of those lines scroll off before anyone could see them, so building them as
cells only to squeeze them back into their compact scrollback form (text +
style runs) is wasted work. :func:`coloured_lines` takes a run of such lines
at once: it splits each line at its SGR sequences into text and style runs,
keeps the lines that scroll off in their compact form directly, and builds
cells only for the rows that stay on the screen. Those rows are remembered
with their compact form (:func:`~chloe.terminal.scrollback.remember`), so when
they scroll off later the form is not computed a second time.

Anything else (a tab, a wide or non-ASCII character, any other control or
sequence, a scroll region, insert mode, a charset, protected attributes) is
left to the exact path: the run handled here ends before it, and the result
is the same as feeding the bytes one at a time, which the tests check.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import accumulate
from operator import add, attrgetter, getitem, sub
from typing import TYPE_CHECKING, Final, cast

from pyte.screens import Char

from chloe.terminal.cells import (
    BLANK,
    BLANKS,
    CHAR_TABLES,
    DEFAULT_STYLE,
    STYLE_OF,
    Row,
    StartOver,
)
from chloe.terminal.modes import DECAWM, IRM
from chloe.terminal.scrollback import (
    NO_RUNS,
    CompactRow,
    Kept,
    PendingRow,
    WrappedRow,
    remember,
)
from chloe.terminal.sgr import ANSI_INDEX, PALETTE_INDEX, SGR

if TYPE_CHECKING:
    from chloe.terminal.screen import Terminal

__all__ = ["coloured_lines", "expand", "materialise", "resume"]

# An SGR sequence, its parameters captured: the same sequences the parser's
# CSI pattern reads as SGR (no intermediates, final ``m``).
_SGR_SPLIT: Final = re.compile(r"\x1b\[([0-?]*)m").split

# A row in the making: its text, its style runs as parallel sequences of
# lengths and styles (covering the text, no two neighbours of one style) and
# the cell filling the rest of the row.
_Draft = tuple[str, Sequence[int], Sequence[Char], Char]

# What a line's SGR sequences do to its text pieces (the text before the
# first sequence and after each), given which pieces are empty and the
# attributes the line starts with: the attributes after the line, the style
# of each run, which pieces make each run when two or more do (else None),
# the fill of the next line's row, whether the line is one run of the
# default style, and the starting attributes (kept alive: see _PLANS).
_Plan = tuple[Char, tuple[Char, ...], tuple[tuple[int, ...], ...] | None, Char, bool, Char]
# (SGR parameters, which pieces are not empty, id(attributes before)) -> plan.
# Each plan holds the attributes its key's id is of, so that id cannot be
# reused while the entry lives.
_PLANS: Final[dict[tuple[tuple[str, ...], tuple[bool, ...], int], _Plan]] = {}
_PLANS_LIMIT: Final = 4096
_FIRST_BATCH: Final = 2048

# Lines kept lazily (see _lazy_lines). A block of them is checked, and each
# line's SGR sequences gathered, by a few C-level calls over the whole block:
# the characters allowed at all (printable ASCII, ESC, CR, LF), and each
# line's SGR sequences, its CR LF made an ESC-led mark so that one pattern
# with a literal start finds both.
_PRINTABLE: Final = bytes(range(0x20, 0x7F))
_MARK: Final = "\x1bZ"
_SGR_OR_MARK: Final = re.compile(r"\x1b(?:\[[0-?]*m|Z)").findall
_SGR_PARAMS: Final = re.compile(r"\x1b\[([0-?]*)m").findall
_SGR_FOUND: Final = re.compile(r"\x1b\[[0-?]*m").findall
_PRINTABLE_OR_ESC: Final = bytes(range(0x20, 0x7F)) + b"\x1b"
# The start of an SGR sequence at the end of a feed.
_UNFINISHED: Final = re.compile(r"\x1b(?:\[[0-?]*)?\Z").search
# Bounds on what the states remember (hostile input, a new colour on every
# line, costs a refill, never unbounded memory): edges per state, the length
# of a key worth remembering, states.
_STATE_EDGES_LIMIT: Final = 128
_STATE_KEY_LIMIT: Final = 200
_STATES_LIMIT: Final = 256
# Wider than any row: a lazy line never wraps (it was checked to fit).
_NO_WRAP: Final = 1 << 30
_FLAG_CODES: Final = (
    ("bold", "1"),
    ("dim", "2"),
    ("italics", "3"),
    ("underscore", "4"),
    ("blink", "5"),
    ("reverse", "7"),
    ("strikethrough", "9"),
)


def _colour_params(colour: str, base: int, extended: str) -> str | None:
    """SGR parameters setting ``colour`` (as :mod:`~chloe.terminal.sgr` names it)."""
    if colour == "default":
        return ""
    n = ANSI_INDEX.get(colour)
    if n is not None:
        return str(base + n if n < 8 else base + 60 + n - 8)
    n = PALETTE_INDEX.get(colour)
    if n is not None:
        return f"{extended};5;{n}"
    if len(colour) == 6:
        try:
            r, g, b = bytes.fromhex(colour)
        except ValueError:
            return None
        return f"{extended};2;{r};{g};{b}"
    return None


def _prefix(attrs: Char) -> str | None:
    """An SGR sequence that sets ``attrs`` from the default style, or None if none does.

    The sequence is checked: applied to the default style it must give
    ``attrs`` (equal fields), else None.
    """
    if attrs == BLANK:
        return ""
    codes = ["0"]
    codes += [code for name, code in _FLAG_CODES if getattr(attrs, name, False)]
    for colour, base, extended in ((attrs[1], 30, "38"), (attrs[2], 40, "48")):
        params = _colour_params(colour, base, extended)
        if params is None:
            return None
        if params:
            codes.append(params)
    text = ";".join(codes)
    if SGR[(text, BLANK)] != attrs:
        return None
    return f"\x1b[{text}m"


class _State(dict[str, "_State"]):
    """The attributes a line starts with, and where each line's SGR sequences lead from them.

    Keyed by the SGR sequences of a line, joined (``"\\x1b[1m\\x1b[0m"``):
    the state the next line starts with. So the states of all the lines of a
    block are one C-level ``accumulate`` of ``getitem`` over their keys.
    """

    __slots__ = ("attrs", "lazy", "prefix")

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self.attrs = attrs
        prefix = _prefix(attrs)
        # A line starting in this state can be kept as text: its row is
        # filled with default blanks and the state is expressible as SGR.
        self.lazy = prefix is not None and attrs[2] == "default" and len(attrs) <= 10
        self.prefix = prefix or ""

    def __missing__(self, key: str) -> _State:
        attrs = self.attrs
        for params in _SGR_PARAMS(key):
            attrs = SGR[(params, attrs)]
        state = _STATES[attrs]
        if len(key) <= _STATE_KEY_LIMIT:
            if len(self) >= _STATE_EDGES_LIMIT:
                self.clear()  # start over rather than grow
            self[key] = state
        return state


_STATES: Final[StartOver[Char, _State]] = StartOver(_State, _STATES_LIMIT)
_IS_LAZY: Final = attrgetter("lazy")
_PREFIX: Final = attrgetter("prefix")


def _lazy_lines(block: str, attrs: Char, columns: int) -> tuple[list[Kept], Char] | None:
    """The lines of ``block`` kept as text, and the attributes after them; None if they cannot be.

    ``block`` is whole lines, each ended by CR LF. Each line is kept as its
    own text (SGR sequences included) after a prefix setting the attributes
    it starts with (:func:`expand` builds its row from that). That needs
    every line to be printable ASCII and SGR sequences only, to fit the row,
    and to start in a state with the default background (else its row's
    fill shows). The whole block is checked at once: if any line fails,
    None (the line-by-line path takes it).
    """
    if not block.isascii():
        return None  # a non-ASCII character
    # What is not printable: ESCs, then a CR LF, for each line, or more.
    controls = block.encode().translate(None, _PRINTABLE)
    lines = block.split("\r\n")
    lines.pop()  # the empty tail after the last CR LF
    count = len(lines)
    escapes = controls.count(b"\x1b")
    if not count or len(controls) != escapes + 2 * count:
        return None  # another control, a CR or LF on its own
    found = _SGR_OR_MARK(block.replace("\r\n", _MARK))
    if escapes != len(found) - count:
        return None  # an ESC that does not start an SGR sequence
    keys = "".join(found).split(_MARK)
    keys.pop()
    if len(keys) != count:
        return None  # an ESC Z of the block's own
    states = list(accumulate(keys, getitem, initial=_STATES[attrs]))
    last = states.pop()
    if not all(map(_IS_LAZY, states)):
        return None
    kept: list[str] = list(map(add, map(_PREFIX, states), lines))
    # What each line shows is its length less its SGR sequences'.
    widths = list(map(sub, map(len, lines), map(len, keys)))
    if max(widths) <= columns:
        return cast(list[Kept], kept), last.attrs
    # Some lines wrap (autowrap is on): each of their rows is kept as the
    # line, which row of it, and the width it was cut at.
    rows: list[Kept] = []
    add_row = rows.append
    for line, width in zip(kept, widths, strict=True):
        if width <= columns:
            add_row(line)
        else:
            rows += [(line, k, columns) for k in range((width + columns - 1) // columns)]
    return rows, last.attrs


def expand(line: Kept) -> tuple[_Draft, CompactRow]:
    """The row draft and compact form of a row :func:`_lazy_lines` kept as text."""
    if type(line) is str:
        drafts, compacts, _, _ = _drafts(
            line + "\r\n", 0, len(line) + 2, BLANK, fill=BLANK, columns=_NO_WRAP
        )
        return drafts[0], compacts[0]
    text, k, columns = cast(WrappedRow, line)
    drafts, compacts, _, _ = _drafts(
        text + "\r\n", 0, len(text) + 2, BLANK, fill=BLANK, columns=columns
    )
    return drafts[k], compacts[k]


def coloured_lines(term: Terminal, text: str, start: int, end: int) -> int:
    """Handle the coloured lines that begin ``text[start:end]``; returns where handling stopped.

    ``start`` is where the cursor's row begins, just after a line feed at the
    bottom of the screen; ``end`` is just after a CR LF. The lines handled
    are those up to the first that is not printable ASCII and SGR sequences
    (whatever follows it is left to the exact path). Returns ``start`` when
    the screen is not in the simple state this path models, or the first
    line is not such a line.
    """
    cursor = term.cursor
    columns = term.columns
    mode = term.mode
    attrs = cursor.attrs
    if (
        term.margins is not None
        or cursor.x != 0
        or cursor.y != term.lines - 1
        or IRM in mode
        or DECAWM not in mode
        or term._charset_table is not None
        or len(attrs) > 10  # DECSCA-protected attributes
    ):
        return start
    # The cursor's row must be a fresh, uniformly blank row (what a line
    # feed at the bottom leaves): the first line is drawn onto it.
    bottom = term._buffer[-1]  # never pending: the last line feed made it
    fill = bottom[0]
    if fill[0] != " " or fill is not BLANKS[fill[2]] or bottom.count(fill) != columns:
        return start
    lazy = _lazy_lines(text[start:end], attrs, columns) if fill is BLANK else None
    compacts: Sequence[Kept]
    tail = None
    if lazy is not None:
        # The rows are kept as text, built only when read.
        compacts, attrs = lazy
        count = len(compacts)
        done = end
        tail = _tail(text, end, attrs, columns)
    else:
        drafts, compacts, attrs, done = _drafts(text, start, end, attrs, fill=fill, columns=columns)
        if done == start:
            return start
        count = len(drafts)
    cursor.attrs = attrs
    last_fill = _fill_of(attrs)
    keep = term.lines - 1
    old = term._buffer[:-1]
    pushed = min(count, len(old))
    if not term._alternate:
        history = term._history
        limit = history.maxlen or 0
        fresh = max(0, count - keep)  # new rows that never reach the screen
        if limit:
            if fresh < limit:
                history.push(old[:pushed][-(limit - fresh) :])
            history.extend(compacts[max(0, fresh - limit) : fresh])
    # The rows left on the screen are built only when something reads the
    # screen (or draws on them): in a flood, most scroll off before that.
    first = count - min(count, keep)
    if lazy is not None:
        # One-item rows: the line's text (zip makes the 1-tuples in C).
        on_screen = list(map(PendingRow, zip(compacts[first:])))  # type: ignore[arg-type]
    else:
        pairs = zip(compacts[first:], drafts[first:], strict=True)
        on_screen = list(map(PendingRow, pairs))  # type: ignore[arg-type]  # see PendingRow
    bottom = Row([last_fill] * columns)
    if lazy is not None and tail is not None:
        # The unfinished last line, kept as text on the bottom row.
        line, x, attrs, last, taken = tail
        bottom = PendingRow((line,))  # type: ignore[arg-type]  # see PendingRow
        cursor.x = x
        cursor.attrs = attrs
        term._tail = (bottom, x, attrs, last)
        done = end + taken
    term._buffer[:] = [*old[pushed:], *on_screen, bottom]
    if on_screen or type(bottom) is PendingRow:
        term._lazy = True
    term.dirty.update(range(term.lines))
    return done


def _tail(
    text: str, start: int, attrs: Char, columns: int
) -> tuple[str, int, Char, str, int] | None:
    """The unfinished line ``text[start:]`` kept as text, if it can be; None if not.

    It can if it is printable ASCII and SGR sequences (the start of one may
    end it: that is left to the parser), leaves the cursor short of the last
    column, and starts on the default background. Returns the line (as
    :func:`_lazy_lines` keeps one), where the cursor ends, the attributes
    then, the text after its last SGR sequence (what REP repeats from) and
    how much of ``text`` it took.
    """
    tail = text[start:]
    unfinished = _UNFINISHED(tail)
    if unfinished is not None:
        # The feed ended inside an SGR sequence: the parser keeps that part
        # until the rest arrives.
        tail = tail[: unfinished.start()]
    state = _STATES[attrs]
    if (
        not tail
        or not state.lazy
        or not tail.isascii()
        or tail.encode().translate(None, _PRINTABLE_OR_ESC)
    ):
        return None
    found = _SGR_FOUND(tail)
    if tail.count("\x1b") != len(found):
        return None  # another sequence, or one not finished
    key = "".join(found)
    x = len(tail) - len(key)
    if x >= columns:
        return None  # the cursor would reach the last column: wrapping is left to the exact path
    last = tail[tail.rfind(found[-1]) + len(found[-1]) :] if found else tail
    return state.prefix + tail, x, state[key].attrs, last, len(tail)


def resume(term: Terminal) -> str:
    """The unfinished line :func:`coloured_lines` kept on the bottom row, taken back.

    If nothing touched the row or the cursor since, the row is blank again,
    the cursor at its start in the default style, and the line's text is
    returned, to be fed again before what follows it: the same bytes from
    the same state. Else "" (and the row stays as it is).
    """
    tail = term._tail
    term._tail = None
    if tail is None:
        return ""
    row, x, attrs, _ = tail
    cursor = term.cursor
    mode = term.mode
    if (
        term._buffer[-1] is not row
        or cursor.x != x
        or cursor.y != term.lines - 1
        or cursor.attrs is not attrs
        or term.margins is not None
        or IRM in mode
        or DECAWM not in mode
        or term._charset_table is not None
    ):
        return ""
    term._buffer[-1] = Row([BLANK] * term.columns)
    cursor.x = 0
    cursor.attrs = BLANK
    return row[0]  # type: ignore[return-value]  # a line kept as text


def _plan(params: tuple[str, ...], nonempty: tuple[bool, ...], attrs: Char) -> _Plan:
    """The :data:`_Plan` of a line's SGR ``params`` from ``attrs``."""
    before = attrs
    sgr = SGR
    piece_styles = [STYLE_OF[attrs]]
    for p in params:
        attrs = sgr[(p, attrs)]
        piece_styles.append(STYLE_OF[attrs])
    styles: list[Char] = []
    groups: list[list[int]] = []
    for i, (style, has_text) in enumerate(zip(piece_styles, nonempty, strict=True)):
        if not has_text:
            continue
        if styles and styles[-1] is style:
            groups[-1].append(i)
        else:
            styles.append(style)
            groups.append([i])
    merges = None if all(len(g) == 1 for g in groups) else tuple(map(tuple, groups))
    plain = len(styles) == 1 and styles[0] is DEFAULT_STYLE
    return attrs, tuple(styles), merges, _fill_of(attrs), plain, before


def _fill_of(attrs: Char) -> Char:
    """The cell a line feed's new row is filled with under ``attrs``."""
    return BLANK if attrs[2] == "default" else BLANKS[attrs[2]]


def _drafts(
    text: str, start: int, end: int, attrs: Char, *, fill: Char, columns: int
) -> tuple[list[_Draft], list[CompactRow], Char, int]:
    """The rows the coloured lines at the start of ``text[start:end]`` draw.

    ``end`` is just after a CR LF. Lines are taken up to the first that holds
    anything but printable ASCII and SGR sequences. Returns the rows, their
    compact forms, the attributes after the last line taken and where that
    line ends.
    """
    drafts: list[_Draft] = []
    compacts: list[CompactRow] = []
    add = drafts.append
    keep = compacts.append
    plans = _PLANS
    if len(plans) > _PLANS_LIMIT:
        plans.clear()
    pos = start
    # A short first batch: if the run ends at once (the exact path then
    # takes a line and this is tried again), little was split for nothing.
    stop = text.rfind("\r\n", pos, pos + _FIRST_BATCH) + 2 if end - pos > _FIRST_BATCH else end
    if stop < pos + 2:  # a first line longer than the batch
        stop = text.find("\r\n", pos, end) + 2
    while pos < end:
        lines = text[pos:stop].split("\r\n")
        lines.pop()  # the empty tail after the last CR LF
        # Each line: one C-level split at its SGR sequences, its pieces and
        # parameters by slicing, and what they mean from a cached plan; the
        # Python work per line is a handful of C calls, whatever its length.
        for number, parts in enumerate(map(_SGR_SPLIT, lines)):
            pieces = parts[::2]
            line = "".join(pieces)
            if not (line.isascii() and line.isprintable()):
                # A tab, a wide or non-ASCII character, another control or
                # sequence: the exact path takes it from this line on.
                return drafts, compacts, attrs, pos + sum(map(len, lines[:number])) + 2 * number
            key = (tuple(parts[1::2]), tuple(map(bool, pieces)), id(attrs))
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = _plan(key[0], key[1], attrs)
            attrs, styles, merges, next_fill, plain, _ = plan
            if merges is None:
                lens = list(map(len, filter(None, pieces)))
            else:
                lens = [sum([len(pieces[i]) for i in group]) for group in merges]
            draft = (line, lens, styles, fill)
            if len(line) > columns:
                _wrap(draft, columns, add, keep)
            else:
                add(draft)
                # The compact form (as _compact gives it) without a call, in
                # the common case: no fill showing, no trailing blank to drop.
                if fill is not BLANK:
                    keep(_compact(draft, columns))
                elif plain:
                    keep((line.rstrip(" "), NO_RUNS))
                elif line[-1:] not in ("", " "):
                    keep((line, tuple(zip(lens, styles, strict=False))))
                else:
                    keep(_compact(draft, columns))
            # The line feed's new row is blank in the background of the moment.
            fill = next_fill
        pos, stop = stop, end
    return drafts, compacts, attrs, end


def _wrap(
    line: _Draft,
    columns: int,
    add: Callable[[_Draft], None],
    keep: Callable[[CompactRow], None],
) -> None:
    """Add the rows a line longer than the screen wraps onto (autowrap on), and their
    compact forms."""
    text, lens, styles, fill = line
    size = len(text)
    ends = list(accumulate(lens))  # where each run ends in the text
    first = 0  # the run the next row starts in
    used = 0  # characters of that run already on earlier rows
    for at in range(0, size, columns):
        stop = min(at + columns, size)
        last = bisect_left(ends, stop)  # the run the row ends in
        row_lens = list(lens[first : last + 1])
        row_styles = list(styles[first : last + 1])
        row_lens[0] -= used
        row_lens[-1] -= ends[last] - stop
        piece = text[at:stop]
        draft = (piece, row_lens, row_styles, fill)
        add(draft)
        # Full rows (and the last, on a default fill) keep every character
        # but trailing default blanks: the compact form, as _compact gives it.
        if len(row_styles) == 1 and row_styles[0] is DEFAULT_STYLE:
            keep((piece.rstrip(" "), NO_RUNS))
        elif piece[-1] != " ":
            keep((piece, tuple(zip(row_lens, row_styles, strict=False))))
        else:
            keep(_compact(draft, columns))
        if ends[last] == stop:
            first, used = last + 1, 0
        else:
            first, used = last, stop - (ends[last] - lens[last])
        fill = BLANK  # an automatic wrap's new row is default blanks, as tmux


def _compact(draft: _Draft, columns: int) -> CompactRow:
    """The scrollback form of a drafted row, as ``compact_row`` gives for its cells."""
    text, lens, styles, fill = draft
    if fill is BLANK or len(text) == columns:
        # Trailing default blanks are dropped: the fill (if any shows), then
        # default spaces.
        if styles and styles[-1] is DEFAULT_STYLE and text[-1:] == " ":
            cut = min(len(text) - len(text.rstrip(" ")), lens[-1])
            text = text[: len(text) - cut]
            if cut == lens[-1]:
                lens, styles = lens[:-1], styles[:-1]
            else:
                lens = [*lens[:-1], lens[-1] - cut]
    else:
        pad = columns - len(text)
        text += " " * pad
        style = STYLE_OF[fill]
        if styles and styles[-1] is style:
            lens = [*lens[:-1], lens[-1] + pad]
        else:
            lens, styles = [*lens, pad], [*styles, style]
    if not text or (len(styles) == 1 and styles[0] is DEFAULT_STYLE):
        return text, NO_RUNS
    return text, tuple(zip(lens, styles, strict=False))


def materialise(pending: PendingRow, columns: int) -> Row:
    """The screen row of a pending row, remembered with its compact form."""
    compact: Kept
    draft: _Draft
    if len(pending) == 1:
        compact = pending[0]  # type: ignore[assignment]  # a row kept as text
        draft = expand(compact)[0]
    else:
        compact, draft = pending  # type: ignore[assignment]  # see PendingRow
    text, lens, styles, fill = draft
    cells: list[Char] = []
    at = 0
    for n, style in zip(lens, styles, strict=True):
        end = at + n
        cells += map(CHAR_TABLES[style].__getitem__, text[at:end])
        at = end
    cells += [fill] * (columns - len(text))
    row = Row(cells)
    remember(row, compact)
    return row
