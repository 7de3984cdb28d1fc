"""Drag-select text in a pane with the mouse: chloe copies it with OSC 52.

chloe runs in an outer tmux (the user's terminal) with ``set-clipboard on``:
that tmux keeps what an OSC 52 sequence copies as a paste buffer, which the
test reads with ``show-buffer``. The mouse is the bytes a terminal sends for it
(SGR reports, as Textual asks for), written with ``send-keys -H``.
"""

from __future__ import annotations

import pytest

from tests.support.waiting import wait_until
from tests.ui.outer import OuterTerminal, shell_prompt

pytestmark = pytest.mark.tmux

SHIFT = 4
MOTION = 32


@pytest.fixture
def chloe_shell() -> str:
    """New panes run ``/bin/sh`` (a known prompt)."""
    return "/bin/sh"


def _mouse(outer: OuterTerminal, button: int, x: int, y: int, final: str) -> None:
    report = f"\x1b[<{button};{x + 1};{y + 1}{final}".encode()
    outer.send("-H", *(f"{b:02x}" for b in report))


def drag(
    outer: OuterTerminal, start: tuple[int, int], end: tuple[int, int], *, shift: bool = False
) -> None:
    """Press the left button at ``start``, move to ``end`` through the cells between, release."""
    mods = SHIFT if shift else 0
    _mouse(outer, mods, *start, "M")
    middle = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
    for x, y in (middle, end):
        _mouse(outer, MOTION | mods, x, y, "M")
    _mouse(outer, mods, *end, "m")


def buffers(outer: OuterTerminal) -> list[str]:
    """The outer tmux's paste buffers, newest first."""
    return outer.run("list-buffers", "-F", "#{buffer_name}", check=False).split()


def copied(outer: OuterTerminal, count: int) -> str:
    """The text of the newest buffer, once there are ``count`` of them."""
    wait_until(lambda: len(buffers(outer)) >= count, 15, message="the copy to arrive")
    return outer.run("show-buffer")


def _pane_with_text(outer: OuterTerminal, kind: str) -> None:
    outer.run("set-option", "-s", "set-clipboard", "on")
    outer.send(kind)
    outer.wait_screen(shell_prompt, "a shell prompt in the new pane")
    # Split words, so the command line does not show the text the test looks for.
    outer.type("printf '%s\\n' 'al''pha 世界 beta   ' 'gam''ma delta'")
    outer.send("Enter")
    outer.wait_screen(lambda s: "gamma delta" in s, "the printed lines")


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_drag_copies_the_selection_with_osc52(kind: str, chloe_outer: OuterTerminal) -> None:
    """Lines joined with a newline, trailing blanks dropped; a wide character whole even
    from its right half; a drag into the pane list stops at the pane's edge."""
    _pane_with_text(chloe_outer, kind)
    ax, ay = chloe_outer.find("alpha")
    gx, gy = chloe_outer.find("gamma")
    drag(chloe_outer, (ax, ay), (gx + 2, gy))
    assert copied(chloe_outer, 1) == "alpha 世界 beta\ngam"
    # 世 is in columns ax+6 and ax+7, 界 in ax+8 and ax+9: right half to left half.
    drag(chloe_outer, (ax + 7, ay), (ax + 8, ay))
    assert copied(chloe_outer, 2) == "世界"
    # From the end of "gamma delta" to the screen's left edge, over the pane list.
    drag(chloe_outer, (gx + 10, gy), (0, gy))
    assert copied(chloe_outer, 3) == "gamma delta"
    assert "back to the list" in chloe_outer.screen()  # still typing into the pane


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_a_program_that_took_the_mouse_gets_it_and_shift_drag_still_copies(
    kind: str, chloe_outer: OuterTerminal
) -> None:
    _pane_with_text(chloe_outer, kind)
    gx, gy = chloe_outer.find("gamma")
    # The shell does not read mouse reports: turning the mode on in the terminal is
    # enough (the reports then land on its command line).
    chloe_outer.type("printf '\\033[?1000h'")
    chloe_outer.send("Enter")
    chloe_outer.wait_screen(lambda s: s.count("▕#") >= 3, "the next prompt")
    drag(chloe_outer, (gx, gy), (gx + 4, gy))
    chloe_outer.wait_screen(lambda s: "^[[M" in s, "the mouse report on the shell's line")
    assert buffers(chloe_outer) == []  # nothing was selected or copied
    drag(chloe_outer, (gx, gy), (gx + 4, gy), shift=True)
    assert copied(chloe_outer, 1) == "gamma"
