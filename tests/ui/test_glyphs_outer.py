"""Every glyph reaches the user's terminal in the cells a plain tmux pane gives it.

A program prints lines of text in several scripts and emoji of every kind
(variation selectors, ZWJ sequences, flags, skin tones, combining marks of
class 0) in (a) a plain tmux pane and (b) a chloe pane of each kind, each
inside an *outer* tmux on a private socket. ``capture-pane`` of the outer pane
is what the user sees; between two markers, every line must hold the same
cells (same text in each, wide cells two columns wide), so no glyph is lost,
doubled, blanked or moved.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

from tests.conftest import kill_tmux_server
from tests.terminal.libc_width import cells_of
from tests.ui.outer import INNER_CONF, OuterTerminal, tmux_run

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
    # Cut at tmux's 21 bytes: the cell keeps a trailing joiner. Last, because
    # from a plain tmux pane that joiner makes the outer tmux join the next
    # non-ASCII character it is sent (a later line's) to this cell.
    f"four \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467{ZWJ}\U0001f466 x",
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
    inner = f"gop-{secrets.token_hex(3)}"
    conf = tmp_path / "inner.conf"
    conf.write_text(INNER_CONF)
    outer: OuterTerminal | None = None
    try:
        tmux_run(inner, "-f", str(conf), "new-session", "-d", "-s", "t", f"sh {script}; cat")
        outer = OuterTerminal(
            f"goo-{secrets.token_hex(3)}", f"env -u TMUX tmux -L {inner} attach -t t", tmp_path
        )
        return _lines(outer)
    finally:
        if outer is not None:
            outer.close()
        kill_tmux_server(inner)


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_glyphs_reach_the_terminal_as_from_plain_tmux(
    kind: str, tmp_path: Path, tmux_socket: str
) -> None:
    script = _script(tmp_path)
    want = _plain(tmp_path, script)
    assert len(want) == len(LINES)
    assert want[0][6:8] == ["\u2764\ufe0f", " "]  # the baseline: VS16 does not widen in tmux
    config = tmp_path / "config" / "chloe" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('shell = "/bin/sh"\n')
    outer = OuterTerminal(
        f"goc-{secrets.token_hex(3)}", f"cd {tmp_path} && exec {sys.executable} -m chloe", tmp_path
    )
    try:
        outer.wait_screen(lambda s: "No panes yet" in s, "chloe's first screen")
        outer.send(kind)
        outer.wait_screen(
            lambda s: (
                "back to the list" in s
                and any(line.rstrip().endswith(("▕$", "▕#")) for line in s.splitlines())
            ),
            "a shell prompt in chloe",
        )
        outer.send("-l", f"sh {script}")
        outer.send("Enter")
        got = _lines(outer)
    finally:
        outer.close()
    differences = [
        f"line {i}:\n  plain tmux {w}\n  chloe      {g}"
        for i, (w, g) in enumerate(zip(want, got, strict=False))
        if w != g
    ]
    assert len(got) == len(want), f"chloe showed {len(got)} of {len(want)} lines:\n{got}"
    assert not differences, "\n".join(differences)
