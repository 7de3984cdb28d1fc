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
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from pyte.screens import Char

from chloe.terminal.cells import BLANK, BLANKS, CHAR_TABLES, DEFAULT_STYLE, STYLE_OF, Row
from chloe.terminal.modes import DECAWM, IRM
from chloe.terminal.scrollback import NO_RUNS, CompactRow, remember
from chloe.terminal.sgr import SGR

if TYPE_CHECKING:
    from chloe.terminal.screen import Terminal

__all__ = ["COLOURED_LINES", "coloured_lines"]

COLOURED_LINES: Final = re.compile(r"(?:[ -~]*(?:\x1b\[[0-?]*m[ -~]*)*\r\n){4,}")
"""Four or more lines of printable ASCII and SGR sequences, each ended by CR LF."""

# An SGR sequence, its parameters captured: the same sequences the parser's
# CSI pattern reads as SGR (no intermediates, final ``m``).
_SGR_SPLIT: Final = re.compile(r"\x1b\[([0-?]*)m").split

# A row in the making: its text, its style runs as parallel lists of lengths
# and styles (covering the text, no two neighbours of one style) and the cell
# filling the rest of the row.
_Draft = tuple[str, list[int], list[Char], Char]


def coloured_lines(term: Terminal, text: str, start: int, end: int) -> int:
    """Handle the coloured lines ``text[start:end]``; returns where handling stopped.

    ``start`` is where the cursor's row begins, just after a line feed at the
    bottom of the screen; ``text[start:end]`` is a :data:`COLOURED_LINES`
    match. Returns ``start`` when the screen is not in the simple state this
    path models, else ``end``.
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
    bottom = term.buffer[-1]
    fill = bottom[0]
    if fill[0] != " " or fill is not BLANKS[fill[2]] or bottom.count(fill) != columns:
        return start
    drafts, attrs = _drafts(text[start:end], attrs, fill, columns)
    cursor.attrs = attrs
    last_fill = BLANK if attrs[2] == "default" else BLANKS[attrs[2]]
    count = len(drafts)
    keep = term.lines - 1
    old = term.buffer[:-1]
    pushed = min(count, len(old))
    if not term._alternate:
        history = term._history
        limit = history.maxlen or 0
        fresh = max(0, count - keep)  # new rows that never reach the screen
        if limit:
            if fresh < limit:
                history.push(old[:pushed][-(limit - fresh) :])
            history.extend([_compact(d, columns) for d in drafts[max(0, fresh - limit) : fresh]])
    on_screen = [_materialise(d, columns) for d in drafts[count - min(count, keep) :]]
    term.buffer[:] = [*old[pushed:], *on_screen, Row([last_fill] * columns)]
    term.dirty.update(range(term.lines))
    return end


def _drafts(block: str, attrs: Char, fill: Char, columns: int) -> tuple[list[_Draft], Char]:
    """The rows ``block`` (whole CR LF-ended lines) draws, and the attributes after it."""
    lines = block.split("\r\n")
    lines.pop()  # the empty tail after the last CR LF
    drafts: list[_Draft] = []
    add = drafts.append
    sgr = SGR
    # (SGR parameters, id(attributes before)) -> (attributes after, their
    # style). The attributes objects are held by this dict's values (or by
    # the cursor), so an id here cannot be reused while it lives.
    after: dict[tuple[str, int], tuple[Char, Char]] = {}
    style = STYLE_OF[attrs]
    for line in lines:
        lens: list[int]
        styles: list[Char]
        if "\x1b" not in line:
            text = line
            lens, styles = ([len(line)], [style]) if line else ([], [])
        else:
            parts = _SGR_SPLIT(line)
            text = "".join(parts[::2])
            first = parts[0]
            lens, styles = ([len(first)], [style]) if first else ([], [])
            it = iter(parts)
            next(it)
            for params, piece in zip(it, it, strict=True):
                key = (params, id(attrs))
                found = after.get(key)
                if found is None:
                    new = sgr[(params, attrs)]
                    found = after[key] = (new, STYLE_OF[new])
                attrs, style = found
                if piece:
                    if styles and styles[-1] is style:
                        lens[-1] += len(piece)
                    else:
                        lens.append(len(piece))
                        styles.append(style)
        if len(text) <= columns:
            add((text, lens, styles, fill))
        else:
            _wrap((text, lens, styles, fill), columns, add)
        # The line feed's new row is blank in the background of the moment.
        fill = BLANK if attrs[2] == "default" else BLANKS[attrs[2]]
    return drafts, attrs


def _wrap(line: _Draft, columns: int, add: Callable[[_Draft], None]) -> None:
    """Add the rows a line longer than the screen wraps onto (autowrap on)."""
    text, lens, styles, fill = line
    i = 0
    left = lens[0]
    for at in range(0, len(text), columns):
        piece = text[at : at + columns]
        row_lens: list[int] = []
        row_styles: list[Char] = []
        need = len(piece)
        while need:
            take = min(need, left)
            row_lens.append(take)
            row_styles.append(styles[i])
            need -= take
            left -= take
            if not left and i + 1 < len(lens):
                i += 1
                left = lens[i]
        add((piece, row_lens, row_styles, fill))
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
    return text, tuple(zip(lens, styles, strict=True))


def _materialise(draft: _Draft, columns: int) -> Row:
    """The screen row of a drafted row, remembered with its compact form."""
    text, lens, styles, fill = draft
    cells: list[Char] = []
    at = 0
    for n, style in zip(lens, styles, strict=True):
        end = at + n
        cells += map(CHAR_TABLES[style].__getitem__, text[at:end])
        at = end
    cells += [fill] * (columns - len(text))
    row = Row(cells)
    remember(row, _compact(draft, columns))
    return row
