"""Scrollback: lines that scrolled off the top, kept compact.

A screen row is a list of per-cell objects; once it scrolls off it becomes a
``(text, style runs)`` pair: its text with trailing default blanks dropped,
and the runs of one style covering it as ``(characters, style)``, where no
runs means all default. Styles are the shared objects of
:data:`~chloe.terminal.cells.STYLE_OF`, so ten thousand coloured lines cost
little more than their text.

A line of a coloured flood that scrolled off before anything read it is kept
lazier still, as a ``str``: its text with its SGR sequences, after one
setting the attributes it started with (see
:func:`chloe.terminal.fastpath.expand`); each row of such a line that wraps
is ``(line, row, columns)``. Its compact form is made when it is read. Such
a line holds no container the garbage collector must visit, so a long
scrollback costs it nothing.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Final, cast

from pyte.screens import Char

from chloe.terminal.cells import BLANK, DEFAULT_STYLE, STYLE_OF, Row, styles

__all__ = [
    "CompactRow",
    "Kept",
    "PendingRow",
    "Runs",
    "Scrollback",
    "WrappedRow",
    "compact_row",
    "remember",
]

Runs = tuple[tuple[int, Char], ...]
CompactRow = tuple[str, Runs]
WrappedRow = tuple[str, int, int]
"""Row ``k`` of a coloured line kept as text that wraps at ``columns``: (line, k, columns)."""
Kept = CompactRow | str | WrappedRow
"""A scrollback line: its compact form, or a coloured line (or one row of it) kept as text."""

NO_RUNS: Final[Runs] = ()
# The SGR sequences of a line kept as text (all it holds besides its text).
_SGR_SUB: Final = re.compile(r"\x1b\[[0-?]*m").sub
_first = itemgetter(0)


# Compact forms already known for rows built from them (by the coloured flood
# path), with a copy of each row's cells: the form is used only while the row
# still holds those cells, so a row changed since, or a reused id, is computed.
_KNOWN: Final[dict[int, tuple[list[Char], Kept]]] = {}
_KNOWN_LIMIT: Final = 4096


class PendingRow(Row):
    """A screen row whose cells are not built yet: ``[compact form, draft]`` or ``[line]``.

    The coloured flood path leaves the rows on the screen in this form, so
    rows that scroll off before anything looks at the screen are never
    built. Its items are not cells: the terminal builds the cells
    (``Terminal._row``, ``Terminal.buffer``) before anything reads or writes
    the row. The first item is what the scrollback keeps (a compact form or
    a line kept as text). Made from a tuple by ``list``'s own constructor, so
    that making one runs no Python code.
    """

    __slots__ = ()


def remember(row: list[Char], compact: Kept) -> None:
    """Note that ``compact`` is the compact form of ``row`` as it is now."""
    if len(_KNOWN) >= _KNOWN_LIMIT:
        _KNOWN.clear()  # rows dropped without scrolling off: start over
    _KNOWN[id(row)] = (row[:], compact)


def compact_row(row: list[Char]) -> Kept:
    """Squeeze a screen row into its scrollback form."""
    if type(row) is PendingRow:
        return row[0]  # type: ignore[return-value]  # see PendingRow
    if _KNOWN:
        known = _KNOWN.pop(id(row), None)
        if known is not None and known[0] == row:
            return known[1]
    # Fastest case (short lines of a flood): every default blank is trailing,
    # which two C-level counts prove without touching each cell in Python.
    blanks = row.count(BLANK)
    end = len(row) - blanks
    if blanks and row.index(BLANK) == end:
        full = "".join(map(_first, row[:end]))
        if full.isascii() and len(full) == end:
            return _compact_simple(row, end, full)
    full = "".join(map(_first, row))
    if full.isascii() and len(full) == len(row):
        # One ASCII character per cell (the common case): trailing spaces are
        # found on the string, then checked to be default blanks in one count.
        end = len(full.rstrip(" "))
        if row[end:].count(BLANK) != len(row) - end:
            end = len(row)
            while end and row[end - 1] == BLANK:
                end -= 1
        text = full[:end]
        simple = True
    else:
        end = len(row)
        while end and row[end - 1] == BLANK:
            end -= 1
        datas = [c[0] for c in row[:end]]
        text = "".join(datas)
        simple = len(text) == end and "" not in datas
    if not end:
        return "", NO_RUNS
    if simple:
        return _compact_simple(row, end, text)
    # Wide characters (an empty stub after them) or combining marks: count
    # characters of text per cell rather than cells.
    cells = [c for c in row[:end] if c[0]]
    runs = tuple(
        (sum(len(c[0]) for c in group), style)
        for style, group in groupby(cells, STYLE_OF.__getitem__)
    )
    if len(runs) == 1 and runs[0][1] is DEFAULT_STYLE:
        return text, NO_RUNS
    return text, runs


def _compact_simple(row: list[Char], end: int, text: str) -> CompactRow:
    """The compact form of ``row[:end]``, one character per cell, as ``text``."""
    if not end:
        return "", NO_RUNS
    # Cells map to shared style objects, so grouping compares identities.
    found = styles(row[:end])
    first = found[0]
    if found.count(first) == end:
        return (text, NO_RUNS) if first is DEFAULT_STYLE else (text, ((end, first),))
    runs = tuple([(len(list(group)), style) for style, group in groupby(found)])
    return text, runs


def _text(line: Kept) -> str:
    """The text of a scrollback line, trailing blanks included."""
    if type(line) is str:
        return _SGR_SUB("", line)
    if len(line) == 3:
        text, k, columns = cast(WrappedRow, line)
        return _SGR_SUB("", text)[k * columns : (k + 1) * columns]
    return cast(CompactRow, line)[0]


class Scrollback(deque[Kept]):
    """The lines scrolled off the top, oldest first, at most ``maxlen`` of them.

    A ``deque`` of :data:`Kept`, so the screen's hot path appends to it
    directly; the methods here are the readable views of it.
    """

    def push(self, rows: Sequence[list[Char]]) -> None:
        """Keep screen ``rows`` (oldest first) in their compact form."""
        if not self.maxlen:
            return
        if list(map(type, rows)).count(PendingRow) == len(rows):
            # Rows of a flood no one looked at: each is its scrollback form
            # already, taken in C.
            self.extend(map(_first, rows))
            return
        append = self.append
        for row in rows:
            append(row[0] if type(row) is PendingRow else compact_row(row))  # type: ignore[arg-type]

    def push_plain(self, lines: list[str], style: Char) -> None:
        """Keep plain text ``lines`` drawn in ``style`` (a shared style object)."""
        append = self.append
        if style == BLANK:
            for line in lines:
                append((line.rstrip(" "), NO_RUNS))
            return
        for line in lines:
            append((line, ((len(line), style),)) if line else ("", NO_RUNS))

    def texts(self) -> list[str]:
        """Plain text of every line, trailing blanks removed."""
        return [_text(line).rstrip(" ") for line in self]

    def compact(self, i: int) -> CompactRow:
        """The compact form of line ``i`` (0 is the oldest)."""
        line = self[i]
        if type(line) is str or len(line) == 3:
            from chloe.terminal.fastpath import expand  # here: fastpath imports this module

            return expand(line)[1]
        return line  # type: ignore[return-value]  # a CompactRow

    def styled(self, i: int) -> list[tuple[str, Char]]:
        """Styled runs of line ``i`` (0 is the oldest) as ``(text, style)`` pairs."""
        text, runs = self.compact(i)
        if not runs:
            return [(text, BLANK)] if text else []
        out = []
        at = 0
        for length, style in runs:
            out.append((text[at : at + length], style))
            at += length
        return out
