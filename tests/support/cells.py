"""Reading chloe's cells where the emulator's types say pyte's ``Char``."""

from __future__ import annotations

from pyte.screens import Char

from chloe.terminal import Cell


def as_cell(char: Char) -> Cell:
    """``char`` as chloe's :class:`Cell` (with ``dim``); fails if it is a plain pyte ``Char``.

    The screen's rows and scrollback styles are typed as pyte's ``Char`` (pyte-based
    code may put one there), but what chloe itself writes is always a ``Cell``.
    """
    assert isinstance(char, Cell), f"{char!r} is a pyte Char, not a chloe Cell"
    return char
