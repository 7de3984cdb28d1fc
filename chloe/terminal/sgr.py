"""SGR (``CSI … m``) and colours: from parameter text to a cell style.

Colours are stored as pyte names them, so pyte-based code reads them
unchanged: one of the 16 ANSI names (``"red"``, ``"brightblue"``, pyte's
``"brown"`` for yellow and its ``"bfightmagenta"`` for SGR 105), six hex
digits for 24-bit colour, or ``"default"``. ``38;5;N`` is stored as ANSI
colour N for N < 16 (as tmux does), and as ``"color(N)"`` (rich's name for
it) for 16-255, so a view can tell a palette index (which the user's terminal
may redefine) from a 24-bit colour. :data:`ANSI_INDEX` gives the ANSI number
of each of the 16 names, :data:`PALETTE_INDEX` the index of each palette name.
"""

from __future__ import annotations

from typing import Final

from pyte import graphics
from pyte.screens import Char

from chloe.terminal.cells import BLANK, Cell, StartOver, protected, with_protection
from chloe.terminal.params import PRIVATE_LEADS, number

__all__ = ["ANSI_INDEX", "PALETTE", "PALETTE_INDEX", "SGR", "apply_sgr", "rgb_to_256"]

_SGR_FG: Final = {**graphics.FG_ANSI, **graphics.FG_AIXTERM}
_SGR_BG: Final = {**graphics.BG_ANSI, **graphics.BG_AIXTERM}
PALETTE: Final[list[str]] = list(graphics.FG_BG_256)
"""The xterm 256-colour palette as hex, ``PALETTE[n]`` for ``38;5;n``."""

ANSI_INDEX: Final[dict[str, int]] = {
    name: code % 10 + (8 if code >= 90 else 0)
    for table in (_SGR_FG, _SGR_BG)
    for code, name in table.items()
    if code % 10 < 8
}
"""The ANSI colour number (0-15) of each colour name SGR 30-37/40-47/90-97/100-107 stores."""
_ANSI_FG: Final = tuple(_SGR_FG[code] for code in (*range(30, 38), *range(90, 98)))
_ANSI_BG: Final = tuple(_SGR_BG[code] for code in (*range(40, 48), *range(100, 108)))
_INDEXED: Final = tuple(f"color({n})" for n in range(256))
PALETTE_INDEX: Final[dict[str, int]] = {_INDEXED[n]: n for n in range(16, 256)}
"""The palette index (16-255) of each ``"color(N)"`` name ``38;5;N``/``48;5;N`` stores."""

_CUBE: Final = (0x00, 0x5F, 0x87, 0xAF, 0xD7, 0xFF)


def _to_cube(v: int) -> int:
    return 0 if v < 48 else 1 if v < 114 else (v - 35) // 40


def rgb_to_256(r: int, g: int, b: int) -> int:
    """The palette index (16-255) tmux 3.3a sends for a 24-bit colour to a 256-colour terminal.

    tmux's ``colour_find_rgb``: the nearest of the 6x6x6 cube and the grey
    ramp, and a colour that is in the cube (``#878787``) is that entry.
    """
    qr, qg, qb = _to_cube(r), _to_cube(g), _to_cube(b)
    cr, cg, cb = _CUBE[qr], _CUBE[qg], _CUBE[qb]
    cube = 16 + 36 * qr + 6 * qg + qb
    if (cr, cg, cb) == (r, g, b):
        return cube
    average = (r + g + b) // 3
    grey_index = 23 if average > 238 else max(0, average - 3) // 10
    grey = 8 + 10 * grey_index
    to_cube = (cr - r) ** 2 + (cg - g) ** 2 + (cb - b) ** 2
    to_grey = (grey - r) ** 2 + (grey - g) ** 2 + (grey - b) ** 2
    return 232 + grey_index if to_grey < to_cube else cube


_FLAGS_ON: Final = {
    1: ("bold",),
    2: ("dim",),
    3: ("italics",),
    4: ("underscore",),
    21: ("underscore",),
    5: ("blink",),
    6: ("blink",),
    7: ("reverse",),
    9: ("strikethrough",),
}
_FLAGS_OFF: Final = {
    22: ("bold", "dim"),  # normal intensity: neither bold nor dim
    23: ("italics",),
    24: ("underscore",),
    25: ("blink",),
    27: ("reverse",),
    29: ("strikethrough",),
}


def _colour(parts: list[str], i: int, ansi: tuple[str, ...]) -> tuple[str | None, int]:
    """Parse an extended colour at ``parts[i]`` (after 38/48); returns (colour, next index).

    ``ansi`` names the 16 ANSI colours (foreground or background names).
    """
    if i >= len(parts):
        return None, i
    kind = number(parts[i])
    if kind == 5:
        if i + 1 < len(parts):
            n = number(parts[i + 1])
            if n < 16:
                return ansi[n], i + 2
            return (_INDEXED[n] if n < 256 else None), i + 2
        return None, i + 1
    if kind == 2:
        if i + 3 < len(parts):
            r, g, b = (number(p) for p in parts[i + 1 : i + 4])
            if max(r, g, b) < 256:
                return f"{r:02x}{g:02x}{b:02x}", i + 4
            return None, i + 4
        return None, len(parts)
    return None, i + 1


def apply_sgr(attrs: Char, params: str) -> Char:
    """The style after applying SGR ``params`` (the raw parameter text) to ``attrs``.

    Private forms (``CSI > 4;2 m``, modifyOtherKeys) change nothing, and DECSCA
    protection is not a graphic rendition: SGR keeps it.
    """
    style = _apply_sgr(attrs, params)
    if protected(attrs) and not protected(style):
        return with_protection(style, True)
    return style


def _apply_sgr(attrs: Char, params: str) -> Char:
    if not params or params == "0":
        return BLANK
    if params[:1] in PRIVATE_LEADS:
        return attrs
    fields: dict[str, str | bool] = attrs._asdict()
    parts = params.split(";")
    i = 0
    while i < len(parts):
        part = parts[i]
        if ":" in part:
            # Sub-parameter forms: 38:2::r:g:b, 38:5:n, 4:3 (curly underline)...
            sub = part.split(":")
            head = number(sub[0])
            if head in (38, 48):
                rest = sub[1:]
                if rest and number(rest[0]) == 2 and len(rest) >= 5:
                    rest = [rest[0], *rest[-3:]]  # drop the colour-space id
                colour, _ = _colour(rest, 0, _ANSI_FG if head == 38 else _ANSI_BG)
                if colour is not None:
                    fields["fg" if head == 38 else "bg"] = colour
            elif head == 4:
                fields["underscore"] = number(sub[1]) != 0 if len(sub) > 1 else True
            i += 1
            continue
        code = number(part)
        if code in (38, 48):
            colour, i = _colour(parts, i + 1, _ANSI_FG if code == 38 else _ANSI_BG)
            if colour is not None:
                fields["fg" if code == 38 else "bg"] = colour
            continue
        if code == 58:
            _, i = _colour(parts, i + 1, _ANSI_FG)  # underline colour: not shown
            continue
        if code == 0:
            fields = BLANK._asdict()
        elif code in _SGR_FG:
            fields["fg"] = _SGR_FG[code]
        elif code in _SGR_BG:
            fields["bg"] = _SGR_BG[code]
        elif code in _FLAGS_ON:
            for name in _FLAGS_ON[code]:
                fields[name] = True
        elif code in _FLAGS_OFF:
            for name in _FLAGS_OFF[code]:
                fields[name] = False
        i += 1
    return Cell(**fields)  # type: ignore[arg-type]  # each field gets its own type


SGR: Final[StartOver[tuple[str, Char], Char]] = StartOver(
    lambda key: apply_sgr(key[1], key[0]), 4096
)
"""``SGR[(params, attrs)]``: the style after an SGR sequence, cached."""
