"""The C library's ``wcwidth``: the widths tmux 3.3a uses, as an oracle independent of chloe."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
from collections.abc import Callable
from functools import cache


@cache
def libc_wcwidth() -> Callable[[int], int]:
    """``wcwidth(code point)`` of the C library under a C.UTF-8 locale.

    Raises:
        AssertionError: no C library or no C.UTF-8 locale to ask (the test
            machines have both).
    """
    if locale.setlocale(locale.LC_CTYPE) != "C.UTF-8":
        try:
            locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        except locale.Error as e:
            raise AssertionError(f"no C.UTF-8 locale to compare widths in: {e}") from e
    name = ctypes.util.find_library("c")
    assert name is not None, "no C library to compare widths with"
    wcwidth = ctypes.CDLL(name).wcwidth
    wcwidth.argtypes = [ctypes.c_uint32]
    wcwidth.restype = ctypes.c_int
    return wcwidth


def char_width(ch: str) -> int:
    """Cell width of ``ch`` as tmux computes it."""
    return libc_wcwidth()(ord(ch))


def cells_of(text: str) -> list[str]:
    """The cells tmux fills with ``text`` (``""`` after a wide one), from ``capture-pane``.

    A zero-width character joins the cell before it, and so does a non-ASCII
    character after a zero width joiner; unprintable characters are dropped.
    """
    cells: list[str] = []
    joined = False
    for ch in text:
        width = char_width(ch)
        if cells and (width == 0 or (joined and not ch.isascii())):
            cells[-2 if cells[-1] == "" else -1] += ch
        elif width > 0:
            cells.append(ch)
            if width == 2:
                cells.append("")
        joined = ch == "\u200d"
    return cells
