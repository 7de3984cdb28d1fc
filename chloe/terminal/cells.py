"""Cells, rows and the style table: what the grid is made of.

A cell is pyte's ``Char`` plus a trailing ``dim`` field (SGR 2). Cells are
immutable and shared: every cell of one text and style is the same object,
handed out by a :class:`CharTable`, so drawing a run of text is one slice
assignment and grouping cells by style compares identities.

Every cache here follows one policy, :class:`StartOver`: a dict filled on first
use that empties itself when it reaches its limit, so hostile input (a new
RGB colour per cell) costs a refill, never unbounded memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from operator import itemgetter
from typing import Any, Final, Generic, Self, TypeVar, overload

from pyte.screens import Char

from chloe.terminal.widths import STARTS, WIDTHS

__all__ = [
    "BLANK",
    "BLANKS",
    "CHAR_TABLES",
    "DEFAULT_STYLE",
    "STYLE_OF",
    "WIDTH",
    "ZWJ",
    "Cell",
    "CharTable",
    "Row",
    "StartOver",
    "blank_like",
    "char_width",
    "split_cells",
    "style",
    "style_key",
    "styles",
]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class StartOver(dict[K, V], Generic[K, V]):
    """A cache filled on first use by ``fill(key)``; it empties itself when full.

    Lookups are plain ``dict`` subscripts (C speed on a hit), which is why the
    hot loops use ``cache[key]`` rather than a function call.
    """

    __slots__ = ("fill", "limit")

    def __init__(self, fill: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self.fill = fill
        self.limit = limit

    def __missing__(self, key: K) -> V:
        if len(self) >= self.limit:
            self.clear()  # start over rather than grow
        value = self[key] = self.fill(key)
        return value


class Cell(Char):
    """One screen cell: pyte's :class:`~pyte.screens.Char` plus ``dim`` (SGR 2).

    The nine pyte fields keep their names and positions, so code written for
    pyte's ``Char`` reads a ``Cell`` unchanged; ``dim`` is the tenth field.
    (Being a longer tuple, a ``Cell`` never equals a pyte ``Char``.) A cell
    written under DECSCA protection carries an eleventh, unnamed element
    (see :func:`protected`), so it is a different style to every cache.
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
        if len(cell) not in (10, 11):
            raise TypeError(f"a Cell has 10 fields, got {len(cell)}")
        return cell

    def _replace(self, **changes: Any) -> Self:
        fields = zip(self._fields, self[:10], strict=True)
        values = [changes.pop(name, value) for name, value in fields]
        if changes:
            raise ValueError(f"unknown Cell fields: {sorted(changes)}")
        return self._make((*values, *self[10:]))  # protection is kept

    def __repr__(self) -> str:
        fields = zip(self._fields, self[:10], strict=True)
        inner = ", ".join(f"{name}={value!r}" for name, value in fields)
        return f"Cell({inner}{', protected' if len(self) > 10 else ''})"


BLANK: Final = Cell(" ")
"""The default blank cell: a space in the default style."""


def protected(cell: Char) -> bool:
    """Whether ``cell`` was written under DECSCA protection (selective erase keeps it)."""
    return len(cell) > 10


def with_protection(attrs: Char, on: bool) -> Cell:
    """``attrs`` (a cursor style) with DECSCA protection on or off."""
    if on:
        return Cell._make((*attrs[:10], True)) if len(attrs) == 10 else Cell._make(attrs)
    return Cell._make(attrs[:10])


class Row(list[Char]):
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


# --------------------------------------------------------------- widths


def char_width(ch: str) -> int:
    """Cell width of one character as tmux 3.3a computes it (the C library's ``wcwidth``).

    0 joins the previous cell (combining marks, variation selectors), 2 is a
    wide character, -1 is not printable (tmux drops it). Regional indicators
    are 1 each and skin-tone modifiers 2, as glibc has them; see
    :mod:`chloe.terminal.widths`.
    """
    return WIDTHS[bisect_right(STARTS, ord(ch)) - 1]


WIDTH: Final[StartOver[str, int]] = StartOver(char_width, 8192)
"""Cell width of one character (``WIDTH[ch]``): 0, 1, 2 or -1 (unprintable)."""

ZWJ: Final = "\u200d"
"""The zero width joiner: tmux 3.3a joins the character after it to the previous cell."""


def split_cells(text: str) -> list[str]:
    """The cells ``text`` fills, as the emulator made them: ``""`` after a wide cell.

    The inverse of joining a row's cell texts (scrollback keeps rows that
    way): a zero-width character, and a non-ASCII character after a zero
    width joiner, belong to the cell before; a character tmux would not print
    (width -1) is dropped.
    """
    cells: list[str] = []
    append = cells.append
    joined = False
    for ch in text:
        width = WIDTH[ch]
        if cells and (width == 0 or (joined and not ch.isascii())):
            at = -2 if cells[-1] == "" else -1
            cells[at] += ch
        elif width > 0:
            append(ch)
            if width == 2:
                append("")
        joined = ch == ZWJ
    return cells


CELL_BYTES: Final = 21
"""The most UTF-8 bytes tmux 3.3a keeps in one cell; a mark that would not fit is dropped."""


# --------------------------------------------------------------- styles

StyleKey = tuple[str, str, bool, bool, bool, bool, bool, bool, bool]
_cell_key = itemgetter(1, 2, 3, 4, 5, 6, 7, 8, 9)


def style_key(cell: Char) -> StyleKey:
    """A cell's style fields; a plain pyte ``Char`` (no ``dim``) counts as not dim."""
    if len(cell) > 9:
        key: StyleKey = _cell_key(cell)
        return key
    return (*cell[1:], False)


DEFAULT_STYLE: Final = BLANK
"""The shared style object of the default style (the same object after any refill)."""
_DEFAULT_KEY: Final = style_key(BLANK)
_STYLES: Final[StartOver[StyleKey, Cell]] = StartOver(
    lambda key: DEFAULT_STYLE if key == _DEFAULT_KEY else Cell(" ", *key), 1024
)


def style(key: StyleKey) -> Cell:
    """The one shared Cell (data " ") for a style, so scrollback runs share it."""
    return _STYLES[key]


STYLE_OF: Final[StartOver[Char, Char]] = StartOver(lambda cell: style(style_key(cell)), 8192)
"""The shared style Char of each cell Char (``STYLE_OF[cell]``)."""

# The same mapping keyed by id(), which is cheaper to hash than a 9-field
# tuple; _KEEP holds each keyed Char so its id cannot be reused while cached.
# Both start over together, at STYLE_OF's limit.
_STYLE_BY_ID: dict[int, Char] = {}
_KEEP: dict[int, Char] = {}


def styles(cells: list[Char]) -> list[Char]:
    """The shared style object of each cell."""
    try:
        return list(map(_STYLE_BY_ID.__getitem__, map(id, cells)))
    except KeyError:
        if len(_KEEP) >= STYLE_OF.limit:
            _KEEP.clear()
            _STYLE_BY_ID.clear()
        for cell in cells:
            key = id(cell)
            if key not in _KEEP:
                _KEEP[key] = cell
                _STYLE_BY_ID[key] = STYLE_OF[cell]
        return list(map(_STYLE_BY_ID.__getitem__, map(id, cells)))


# ---------------------------------------------------------------- tables


class CharTable(dict[str, Char]):
    """Chars of one style by their text, filled on first use."""

    __slots__ = ("attrs",)

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self.attrs = attrs

    def __missing__(self, data: str) -> Char:
        char = self[data] = self.attrs._replace(data=data)
        return char


CHAR_TABLES: Final[StartOver[Char, CharTable]] = StartOver(CharTable, 512)
"""``CHAR_TABLES[attrs]``: the table of cells drawn in style ``attrs``."""

BLANKS: Final[StartOver[str, Char]] = StartOver(
    lambda bg: BLANK if bg == "default" else Cell(" ", bg=bg), 512
)
"""``BLANKS[bg]``: the cell an erase leaves on background ``bg`` (nothing else of the style)."""


def blank_like(cell: Char) -> Char:
    """A blank keeping only ``cell``'s background (half a wide character erased)."""
    return BLANKS[cell.bg]
