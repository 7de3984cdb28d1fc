"""Glyph widths: cells and cursor where tmux 3.3a puts them.

A program in a tmux pane positions its output by the widths tmux computes
(the C library's ``wcwidth``, glibc 2.36 on the reference machine), so the
emulator must give every character the same cells. The expectations below
were measured on tmux 3.3a (``printf`` into a pane, ``capture-pane -p`` and
``#{cursor_x}``); :func:`test_expectations_are_what_tmux_draws` measures them
again on the tmux installed here, so they cannot drift from the oracle.

What tmux 3.3a does, in short: variation selector 16 does not widen
(``❤️`` is one cell, as ``❤``); a zero width joiner joins the next
non-ASCII character to the previous cell whatever its width (a family emoji
is one cell as wide as its first person; ``🏳️‍🌈`` is one narrow cell);
regional indicators are one cell each (a flag is two cells); skin-tone
modifiers are wide cells of their own; every zero-width character (Thai and
Devanagari vowel signs, U+20DD, U+200B) joins the previous cell; a cell holds
at most 21 bytes of UTF-8, and what would not fit is dropped.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from chloe.terminal import Terminal
from chloe.terminal.cells import char_width
from chloe.terminal.widths import STARTS
from tests.support.waiting import wait_until
from tests.terminal.libc_width import libc_wcwidth

ZWJ = "\u200d"
COLUMNS, LINES = 40, 5

# name: (text fed, cells of row 0 from column 0, row 1 text, cursor (x, y)).
# "" is the right half of a wide character.
GLYPHS: dict[str, tuple[str, list[str], str, tuple[int, int]]] = {
    "vs16-heart": ("[\u2764\ufe0f]", ["[", "\u2764\ufe0f", "]"], "", (3, 0)),
    "vs16-warning": ("[\u26a0\ufe0f]", ["[", "\u26a0\ufe0f", "]"], "", (3, 0)),
    "vs16-after-wide": ("[\U0001f600\ufe0f]", ["[", "\U0001f600\ufe0f", "", "]"], "", (4, 0)),
    "keycap": ("[1\ufe0f\u20e3]", ["[", "1\ufe0f\u20e3", "]"], "", (3, 0)),
    "zwj-family": (
        f"[\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467]",
        ["[", f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467", "", "]"],
        "",
        (4, 0),
    ),
    "zwj-family-of-four-is-cut-at-21-bytes": (
        f"[\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467{ZWJ}\U0001f466]",
        ["[", f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467{ZWJ}", "", "]"],
        "",
        (4, 0),
    ),
    "zwj-rainbow-flag-is-narrow": (
        f"[\U0001f3f3\ufe0f{ZWJ}\U0001f308]",
        ["[", f"\U0001f3f3\ufe0f{ZWJ}\U0001f308", "]"],
        "",
        (3, 0),
    ),
    "zwj-before-ascii-waits": (
        f"[a{ZWJ}b]\u00e9]",
        ["[", "a", "b", f"]{ZWJ}\u00e9", "]"],
        "",
        (5, 0),
    ),
    "zwj-then-new-line": (f"[\U0001f468{ZWJ}\r\n\u00e9x", ["[", "\U0001f468", ""], "x", (1, 1)),
    "zwj-takes-ascii-in-insert-mode": (
        f"\x1b[4h[\U0001f468{ZWJ}b]",
        ["[", f"\U0001f468{ZWJ}b", "", "]"],
        "",
        (4, 0),
    ),
    "zwj-takes-ascii-without-wrap": (
        f"\x1b[?7l[\U0001f468{ZWJ}b]",
        ["[", f"\U0001f468{ZWJ}b", "", "]"],
        "",
        (4, 0),
    ),
    "flags-are-two-cells": (
        "[\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea]",
        ["[", "\U0001f1eb", "\U0001f1f7", "\U0001f1e9", "\U0001f1ea", "]"],
        "",
        (6, 0),
    ),
    "skin-tone-is-a-wide-cell": (
        "[\U0001f44d\U0001f3fd]",
        ["[", "\U0001f44d", "", "\U0001f3fd", "", "]"],
        "",
        (6, 0),
    ),
    "thai": ("[สวัสดี]", ["[", "ส", "วั", "ส", "ดี", "]"], "", (6, 0)),
    "devanagari": ("[नमस्ते]", ["[", "न", "म", "स्", "ते", "]"], "", (6, 0)),
    "devanagari-spacing-mark-is-a-cell": (
        "[हिन्दी]",
        ["[", "ह", "ि", "न्", "द", "ी", "]"],
        "",
        (7, 0),
    ),
    "enclosing-circle": ("[a\u20dd]", ["[", "a\u20dd", "]"], "", (3, 0)),
    "zero-width-space": ("[a\u200bb]", ["[", "a\u200b", "b", "]"], "", (4, 0)),
    "soft-hyphen-is-a-cell": ("[a\u00adb]", ["[", "a", "\u00ad", "b", "]"], "", (5, 0)),
    "hangul-jamo": ("[\u1100\u1161]", ["[", "\u1100\u1161", "", "]"], "", (4, 0)),
    "mark-after-wide": ("[\u6f22\u0301]", ["[", "\u6f22\u0301", "", "]"], "", (4, 0)),
    "mark-at-column-0-is-dropped": ("\u0301ab", ["a", "b"], "", (2, 0)),
    "marks-beyond-21-bytes-are-dropped": (
        "[e" + "\u0301" * 12 + "]",
        ["[", "e" + "\u0301" * 10, "]"],
        "",
        (3, 0),
    ),
    "unassigned-is-dropped": ("[\u0378]", ["[", "]"], "", (2, 0)),
}


# Where the emulator deliberately differs from the tmux rows above: tmux keeps a
# joiner waiting through ASCII text and controls (until its next read of the
# pane's output, so the result depends on how the program's writes were
# split) and stores it only when a non-ASCII character comes to join. Here the
# joiner is stored at once and joins only the character printed right after
# it, which is what lets an attached tmux client's redraw of a cell ending in
# a joiner (a sequence cut at 21 bytes) come out as tmux's grid holds it.
DELIBERATE: dict[str, tuple[list[str], str, tuple[int, int]]] = {
    "zwj-before-ascii-waits": (["[", f"a{ZWJ}", "b", "]", "\u00e9", "]"], "", (6, 0)),
    "zwj-then-new-line": (["[", f"\U0001f468{ZWJ}", ""], "\u00e9x", (2, 1)),
}


def fed(text: str, chunk: int = 0) -> Terminal:
    term = Terminal(COLUMNS, LINES)
    data = text.encode()
    step = chunk or len(data)
    for i in range(0, len(data), step):
        term.feed(data[i : i + step])
    return term


@pytest.mark.parametrize("name", GLYPHS)
@pytest.mark.parametrize("chunk", [0, 1, 7], ids=["whole", "1-byte", "7-byte"])
def test_glyph_cells_and_cursor_as_tmux(name: str, chunk: int) -> None:
    text, cells, row1, cursor = GLYPHS[name]
    cells, row1, cursor = DELIBERATE.get(name, (cells, row1, cursor))
    term = fed(text, chunk)
    assert [c.data for c in term.buffer[0][: len(cells)]] == cells
    assert all(c.data == " " for c in term.buffer[0][len(cells) :])
    assert term.display[1].rstrip() == row1
    assert (term.cursor.x, term.cursor.y) == cursor


def test_a_mark_keeps_the_style_of_its_cell() -> None:
    term = fed("\x1b[31mก\x1b[32m\u0e31x")
    first, second = term.buffer[0][0], term.buffer[0][1]
    assert (first.data, first.fg) == ("ก\u0e31", "red")
    assert (second.data, second.fg) == ("x", "green")


def test_a_cell_ending_in_a_joiner_is_redrawn_as_it_was() -> None:
    """A tmux client redraws such a cell and then what follows; nothing later joins it."""
    cell = f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467{ZWJ}"
    term = fed(f"{cell} x\r\n\U0001f1eb\U0001f1f7")
    assert [c.data for c in term.buffer[0][:4]] == [cell, "", " ", "x"]
    assert [c.data for c in term.buffer[1][:2]] == ["\U0001f1eb", "\U0001f1f7"]


def test_a_joiner_waits_across_feeds() -> None:
    term = Terminal(COLUMNS, LINES)
    term.feed("\U0001f468\u200d".encode())
    term.feed("\U0001f469".encode())
    assert term.buffer[0][0].data == "\U0001f468\u200d\U0001f469"
    assert term.cursor.x == 2


def test_reset_forgets_a_waiting_joiner() -> None:
    term = fed("\U0001f468\u200d\x1bcx\u00e9")
    assert [c.data for c in term.buffer[0][:2]] == ["x", "\u00e9"]


@pytest.mark.tmux
def test_expectations_are_what_tmux_draws(tmux_run: Callable[..., str], tmp_path: object) -> None:
    """Every row above, printed into a real tmux 3.3a pane: same text and cursor."""
    tmux_run("-f", "/dev/null", "new-session", "-d", "-s", "glyphs", "-x", "40", "-y", "5")
    tmux_run("set", "-g", "status", "off")
    problems = []
    for name, (text, cells, row1, cursor) in GLYPHS.items():
        token = f"done-{secrets.token_hex(4)}"
        path = f"{tmp_path}/{name}.txt"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        command = (
            f"stty -opost -echo; cat '{path}'; printf '\\033]2;{token}\\033\\\\'; exec sleep 600"
        )
        tmux_run("respawn-pane", "-k", "-t", "glyphs", command)
        wait_until(
            lambda: tmux_run("display", "-p", "-t", "glyphs", "#{pane_title}").strip(),
            accept=token.__eq__,
            timeout=20,
            message=f"tmux to print {name}",
        )
        x, y = tmux_run("display", "-p", "-t", "glyphs", "#{cursor_x} #{cursor_y}").split()
        rows = tmux_run("capture-pane", "-p", "-t", "glyphs").split("\n")
        want = ("".join(cells).rstrip(), row1)
        if (rows[0].rstrip(), rows[1].rstrip()) != want or (int(x), int(y)) != cursor:
            problems.append(f"{name}: tmux {rows[:2]!r} at {(x, y)}; expected {want!r} at {cursor}")
    assert not problems, "\n".join(problems)


def test_width_table_is_the_c_library_of_this_machine() -> None:
    """The committed table equals this machine's ``wcwidth`` (the CI and reference machines: glibc).

    On another C library, ``tools/make_width_table.py --check`` says whether
    tmux there would draw differently.
    """
    wcwidth = libc_wcwidth()
    # Every run's first and last code point, and a sample inside.
    points = sorted({*STARTS, *(s - 1 for s in STARTS if s), *range(0, 0x110000, 97)})
    wrong = [hex(cp) for cp in points if char_width(chr(cp)) != wcwidth(cp)]
    assert not wrong, f"{len(wrong)} widths differ from the C library, first {wrong[:10]}"


def test_a_mark_on_a_protected_cell_keeps_it_protected() -> None:
    from chloe.terminal.cells import protected

    term = fed('\x1b[1"qe\u0301\x1b[0"qx\x1b[?2K')
    assert term.buffer[0][0].data == "e\u0301"
    assert protected(term.buffer[0][0])
    assert term.buffer[0][1].data == " "  # unprotected: erased by DECSEL
