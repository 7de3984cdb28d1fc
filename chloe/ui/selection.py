"""Text selected with the mouse in a pane: which cells, and the text they copy.

A selection runs, as in tmux and most terminals, from the cell the drag
started on to the cell it is on now, in reading order: the first line from the
start column to its end, whole lines in between, the last line up to the end
column. Lines are counted over the scrollback and the screen together (line
``scrollback_len`` is the screen's first row), so a selection stays on its text
while output scrolls it up.

The copied text takes a wide character (CJK, emoji) whole when either half is
selected, and drops the blanks at the end of each line, as tmux does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Selection", "selected_text", "widen"]

Cell = tuple[Any, ...]
"""A cell as the view draws it: its text first (``""`` for the right half of a wide one)."""


@dataclass(slots=True)
class Selection:
    """From ``anchor`` (where the drag started) to ``end`` (where it is), as (line, column)."""

    anchor: tuple[int, int]
    end: tuple[int, int]

    @property
    def empty(self) -> bool:
        """The drag has not left the cell it started on (a click, not a selection)."""
        return self.anchor == self.end

    def ordered(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The first and the last selected cell, in reading order."""
        return (self.anchor, self.end) if self.anchor <= self.end else (self.end, self.anchor)

    def lines(self) -> range:
        """The lines the selection touches."""
        first, last = self.ordered()
        return range(first[0], last[0] + 1)

    def columns(self, line: int, width: int) -> tuple[int, int] | None:
        """The first and last selected column of ``line`` (``None``: none of it)."""
        first, last = self.ordered()
        if not first[0] <= line <= last[0]:
            return None
        start = first[1] if line == first[0] else 0
        stop = last[1] if line == last[0] else width - 1
        return start, stop


def widen(cells: Sequence[Cell], start: int, stop: int) -> tuple[int, int]:
    """Columns ``start``..``stop`` grown to take wide characters whole.

    The right half of a wide character is a cell with no text of its own.
    """
    if 0 < start < len(cells) and not cells[start][0]:
        start -= 1  # the right half of a wide character: take the character
    if 0 <= stop < len(cells) - 1 and not cells[stop + 1][0]:
        stop += 1  # its left half: take its right half too
    return start, stop


def selected_text(selection: Selection, line_cells: Any, width: int) -> str:
    """The text of the selection, lines joined with ``\\n``, trailing blanks dropped.

    Args:
        selection: what is selected.
        line_cells: the cells of a line (a callable: line number to cells).
        width: the terminal's width in cells.
    """
    out: list[str] = []
    for line in selection.lines():
        cells: Sequence[Cell] = line_cells(line)
        span = selection.columns(line, width)
        if span is None:
            continue
        start, stop = widen(cells, *span)
        text = "".join(cell[0] for cell in cells[start : stop + 1])
        out.append(text.rstrip(" "))
    return "\n".join(out)
