"""Pane colours reach the user's terminal as a plain tmux pane sends them.

A program prints a colour table (16 foreground, 16 background, some 256-colour
and 24-bit colours, default) in (a) a plain tmux pane and (b) a chloe pane of
each kind, each inside an *outer* tmux on a private socket. ``capture-pane -e``
of the outer pane shows the SGR codes that reached the outer terminal; each
table cell's colours must be the same: ANSI colour N as ANSI colour N (so the
user's palette applies), palette index as index, RGB as RGB, default as default.
Without ``COLORTERM`` (as over SSH) chloe sends 256 colours: 16-255 as they
are, and a 24-bit colour as the palette index tmux picks for a terminal without
24-bit colour (``#878787`` is index 102, in the cube, not the grey 244).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.outer import (
    INNER_CONF,
    OuterTerminal,
    plain_tmux,
    running_chloe,
    shell_prompt,
    tmux_run,
)

TABLE = [
    *(str(n) for n in (*range(30, 38), *range(90, 98))),
    *(str(n) for n in (*range(40, 48), *range(100, 108))),
    "38;5;1", "38;5;13", "48;5;5", "38;5;102", "38;5;253;48;5;233", "48;5;196",
    "38;2;135;135;135", "48;2;10;20;30", "38;2;128;0;0", "0",
]  # fmt: skip
# Both tmux servers (chloe's and the plain one) tell tmux the terminal has 24-bit colour;
# or, for a terminal without it, the plain tmux is told it has none (tmux would
# otherwise find 24-bit colour in the outer tmux's answer to its queries).
TC = "set -as terminal-overrides ',*:Tc'\n"
NO_TC = "set -as terminal-overrides ',*:Tc@:RGB@:setrgbf@:setrgbb@'\n"

Colour = tuple[str, object]
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def _colours(line: str) -> list[tuple[Colour, Colour]]:
    """(fg, bg) of each ``X`` between ``CT|`` and ``|END`` on a ``capture-pane -e`` line."""
    fg: Colour = ("default", None)
    bg: Colour = ("default", None)
    cells: list[tuple[Colour, Colour]] = []
    inside = False
    pos = 0
    while pos < len(line):
        match = _SGR.match(line, pos)
        if match:
            parts = [int(p or 0) for p in re.split("[;:]", match.group(1))]
            i = 0
            while i < len(parts):
                code = parts[i]
                if code == 0:
                    fg = bg = ("default", None)
                elif 30 <= code <= 37 or 90 <= code <= 97:
                    fg = ("ansi", code % 10 + (8 if code >= 90 else 0))
                elif 40 <= code <= 47 or 100 <= code <= 107:
                    bg = ("ansi", code % 10 + (8 if code >= 100 else 0))
                elif code in (39, 49):
                    fg, bg = (("default", None), bg) if code == 39 else (fg, ("default", None))
                elif code in (38, 48):
                    if parts[i + 1] == 5:
                        n = parts[i + 2]
                        colour: Colour = ("ansi", n) if n < 16 else ("256", n)
                        i += 2
                    else:
                        colour = ("rgb", tuple(parts[i + 2 : i + 5]))
                        i += 4
                    if code == 38:
                        fg = colour
                    else:
                        bg = colour
                i += 1
            pos = match.end()
            continue
        if line.startswith("CT|", pos):
            inside = True
            pos += 3
            continue
        if line.startswith("|END", pos):
            break
        if inside and line[pos] == "X":
            cells.append((fg, bg))
        pos += 1
    return cells


def _table_script(tmp_path: Path) -> Path:
    script = tmp_path / "table.sh"
    cells = "".join(f"printf '\\033[0;{sgr}mX\\033[0m'\n" for sgr in TABLE)
    script.write_text(f"printf 'C''T|'\n{cells}printf '|E''ND\\n'\n")
    return script


def _captured(outer: OuterTerminal) -> list[tuple[Colour, Colour]]:
    outer.wait_screen(lambda s: "|END" in s, "the colour table")
    text = tmux_run(outer.socket, "capture-pane", "-e", "-p", "-t", outer.target)
    line = next(line for line in text.splitlines() if "CT|" in line and "|END" in line)
    return _colours(line)


def _plain(tmp_path: Path, script: Path, truecolor: bool) -> list[tuple[Colour, Colour]]:
    with plain_tmux(
        tmp_path, INNER_CONF + (TC if truecolor else NO_TC), f"sh {script}; cat"
    ) as outer:
        return _captured(outer)


@pytest.mark.parametrize("truecolor", [True, False], ids=["truecolor", "256"])
@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_colour_table_reaches_the_terminal_as_from_plain_tmux(
    kind: str, truecolor: bool, tmp_path: Path, tmux_socket: str
) -> None:
    script = _table_script(tmp_path)
    want = _plain(tmp_path, script, truecolor)
    assert len(want) == len(TABLE)
    assert want[1] == (("ansi", 1), ("default", None))  # the baseline keeps ANSI as ANSI
    grey = want[TABLE.index("38;2;135;135;135")][0]
    assert grey == (("rgb", (135, 135, 135)) if truecolor else ("256", 102))
    env = "COLORTERM=truecolor" if truecolor else "-u COLORTERM"
    with running_chloe(tmp_path, shell="/bin/sh", env=env) as outer:
        outer.send(kind)
        outer.wait_screen(shell_prompt, "a shell prompt in chloe")
        outer.send("-l", f"sh {script}")
        outer.send("Enter")
        got = _captured(outer)
    differences = [
        f"SGR {sgr}: plain tmux {w}, chloe {g}"
        for sgr, w, g in zip(TABLE, want, got, strict=True)
        if w != g
    ]
    assert not differences, "\n".join(differences)
