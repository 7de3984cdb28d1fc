"""Every glyph reaches the user's terminal in the cells a plain tmux pane gives it.

A program prints lines of text in several scripts and emoji of every kind
(variation selectors, ZWJ sequences, flags, skin tones, combining marks of
class 0) in (a) a plain tmux pane and (b) a chloe pane of each kind, each
inside an *outer* tmux on a private socket. ``capture-pane`` of the outer pane
is what the user sees; between two markers, every line must hold the same
cells (same text in each, wide cells two columns wide), so no glyph is lost,
doubled, blanked or moved.

Not here: a ZWJ sequence cut at tmux's 21 bytes (its cell keeps a trailing
joiner). From a plain tmux the outer tmux joins the next non-ASCII character
it is sent, on any later redraw, to that cell, so the baseline itself is
garbled; ``test_view.py`` checks that chloe draws such a cell without the
joiner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terminal.libc_width import cells_of
from tests.ui.outer import INNER_CONF, OuterTerminal, plain_tmux, running_chloe, shell_prompt

ZWJ = "\u200d"
LINES = [
    "heart \u2764\ufe0f warning \u26a0\ufe0f umbrella \u2614\ufe0f text heart \u2764\ufe0e",
    f"family \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467 coder \U0001f469{ZWJ}\U0001f4bb "
    f"rainbow \U0001f3f3\ufe0f{ZWJ}\U0001f308",
    "flags \U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea\U0001f1ef\U0001f1f5 after",
    "skin \U0001f44d\U0001f3fd \U0001f44b\U0001f3fb alone \U0001f3fd end",
    "thai สวัสดีครับ น้ำ devanagari नमस्ते हिन्दी",
    "marks e\u0301 a\u20dd zw a\u200bb keycap 1\ufe0f\u20e3 jamo \u1100\u1161",
    "\x1b[31mred สวัสดี \x1b[42m\u2764\ufe0f\U0001f44d\U0001f3fd\x1b[0m wide 漢字 ｆｕｌｌ",
]


def _script(tmp_path: Path) -> Path:
    script = tmp_path / "glyphs.sh"
    body = "".join(f"printf 'G|%s|E\\n' '{line}'\n" for line in LINES)
    script.write_text(f"{body}printf 'GLYPHS''-DONE\\n'\n", encoding="utf-8")
    return script


def _lines(outer: OuterTerminal) -> list[list[str]]:
    """The cells between ``G|`` and ``|E`` on each marked line of the outer screen."""
    screen = outer.wait_screen(lambda s: "GLYPHS-DONE" in s, "the glyph lines")
    found = []
    for line in screen.splitlines():
        cells = cells_of(line)
        text = "".join(cells)
        if "G|" in text and "|E" in text:
            start = next(i for i in range(len(cells) - 1) if cells[i : i + 2] == ["G", "|"])
            end = max(i for i in range(len(cells) - 1) if cells[i : i + 2] == ["|", "E"])
            found.append(cells[start + 2 : end])
    return found


def _plain(tmp_path: Path, script: Path) -> list[list[str]]:
    with plain_tmux(tmp_path, INNER_CONF, f"sh {script}; cat") as outer:
        return _lines(outer)


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_glyphs_reach_the_terminal_as_from_plain_tmux(
    kind: str, tmp_path: Path, tmux_socket: str
) -> None:
    script = _script(tmp_path)
    want = _plain(tmp_path, script)
    assert len(want) == len(LINES)
    assert want[0][6:8] == ["\u2764\ufe0f", " "]  # the baseline: VS16 does not widen in tmux
    with running_chloe(tmp_path, shell="/bin/sh") as outer:
        outer.send(kind)
        outer.wait_screen(shell_prompt, "a shell prompt in chloe")
        outer.send("-l", f"sh {script}")
        outer.send("Enter")
        got = _lines(outer)
    differences = [
        f"line {i}:\n  plain tmux {w}\n  chloe      {g}"
        for i, (w, g) in enumerate(zip(want, got, strict=False))
        if w != g
    ]
    assert len(got) == len(want), f"chloe showed {len(got)} of {len(want)} lines:\n{got}"
    assert not differences, "\n".join(differences)
