"""Browsing a tmux pane's whole history in the real `chloe`, driven by keys in an
outer tmux (a real terminal) as a user would."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from chloe.ui.history_browse import history_terminal
from tests.support.waiting import wait_until
from tests.ui.outer import OuterTerminal

pytestmark = pytest.mark.tmux


def top_row(screen: str) -> str:
    """The terminal area's first row (the one with the position marker)."""
    return next(line for line in screen.splitlines() if "[scrollback -" in line)


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def backgrounds(outer: OuterTerminal, marker: str) -> dict[int, str]:
    """On the outer screen's row holding ``marker``: ANSI background colour -> the text
    drawn on it, as the outer terminal received it (``capture-pane -e``)."""
    screen = outer.run("capture-pane", "-p", "-e", "-t", outer.target)
    row = next(line for line in screen.splitlines() if marker in _SGR.sub("", line))
    found: dict[int, str] = {}
    bg: int | None = None
    pos = 0
    for match in [*_SGR.finditer(row), None]:
        end = match.start() if match is not None else len(row)
        if bg is not None and end > pos:
            found[bg] = found.get(bg, "") + row[pos:end]
        if match is None:
            break
        params = [int(p or 0) for p in match.group(1).split(";")]
        i = 0
        while i < len(params):
            code = params[i]
            if code in (38, 48):
                if code == 48:
                    bg = None
                i += 3 if params[i + 1] == 5 else 5
                continue
            if code in (0, 49):
                bg = None
            elif 40 <= code <= 47:
                bg = code - 40
            i += 1
        pos = match.end()
    return found


def _tmux_pane_ran(outer: OuterTerminal, command: str, last: str) -> None:
    """Open a tmux pane, run ``command`` in it; wait until ``last`` shows."""
    outer.send("t")
    outer.wait_screen("back to the list", "terminal mode")
    outer.type(command)
    outer.send("Enter")
    outer.wait_screen(last, "the output")


def _search_prompt_typed(outer: OuterTerminal, text: str) -> None:
    """5,000 lines in a tmux pane, browsed from line 1, ``/`` and ``text`` typed (no Enter)."""
    _tmux_pane_ran(outer, "seq -f 'line %g' 1 5000", "line 5000")
    outer.send("S-PPage")
    outer.wait_screen("[scrollback -", "the position marker")
    outer.send("S-Home")
    outer.wait_screen(lambda s: "\u2595line 1\n" in s, "line 1")
    outer.type("/")
    outer.wait_screen("search: text", "the search prompt")
    outer.type(text)


def test_shift_pageup_browses_a_tmux_panes_whole_history(chloe_outer: OuterTerminal) -> None:
    _tmux_pane_ran(chloe_outer, "seq -f 'line %g' 1 5000", "line 5000")
    chloe_outer.send("S-PPage")
    screen = chloe_outer.wait_screen("[scrollback -", "the position marker")
    assert "2~" not in screen  # the key did not reach the shell
    chloe_outer.send("S-Home")
    screen = chloe_outer.wait_screen(lambda s: "line 1\n" in s + "\n" and "line 2\n" in s, "line 1")
    chloe_outer.send("S-PPage")  # at the top already: stays
    chloe_outer.send("S-PgDn")
    screen = chloe_outer.wait_screen(lambda s: "line 1\n" not in s, "a page down")
    assert "[scrollback -" in screen
    chloe_outer.type("echo back-$((20+1))")
    chloe_outer.send("Enter")
    screen = chloe_outer.wait_screen("back-21", "the live screen again")
    assert "[scrollback -" not in screen


def test_search_while_browsing_finds_and_steps(chloe_outer: OuterTerminal) -> None:
    _search_prompt_typed(chloe_outer, "line 42")
    chloe_outer.send("Enter")
    screen = chloe_outer.wait_screen("[line 42: 1/111]", "the first match and the count")
    assert "\u2595line 42 " in top_row(screen)  # the match is on the top row
    # Highlighted as tmux's copy mode does: the current match magenta, the others cyan.
    assert backgrounds(chloe_outer, "[line 42: 1/111]").get(5) == "line 42"
    assert backgrounds(chloe_outer, "\u2595line 43") == {}
    chloe_outer.type("n")
    screen = chloe_outer.wait_screen("[line 42: 2/111]", "the next match")
    assert "\u2595line 420 " in top_row(screen)
    assert backgrounds(chloe_outer, "[line 42: 2/111]").get(5) == "line 42"
    assert backgrounds(chloe_outer, "\u2595line 421").get(6) == "line 42"
    chloe_outer.type("N")
    chloe_outer.wait_screen("[line 42: 1/111]", "the previous match")
    chloe_outer.type("?")
    chloe_outer.wait_screen("search up: text", "the backwards prompt")
    chloe_outer.type("line 4999")
    chloe_outer.send("Enter")
    chloe_outer.wait_screen("[line 4999: 1/1]", "a match below, found by wrapping around")
    chloe_outer.send("Escape")
    screen = chloe_outer.wait_screen(lambda s: "[scrollback -" not in s, "the live screen")
    chloe_outer.type("echo live-$((5*5))")
    chloe_outer.send("Enter")
    chloe_outer.wait_screen("live-25", "the shell")
    # Terminal mode, and the screen says so: the leave key goes back to the list,
    # where `c` makes a pane (it must not be typed into the shell).
    chloe_outer.wait_screen(lambda s: "back to the list" in s.splitlines()[0], "terminal mode")
    chloe_outer.send("C-q")
    chloe_outer.wait_screen(lambda s: "type into it" in s.splitlines()[0], "navigation mode")
    chloe_outer.type("c")
    chloe_outer.wait_screen(lambda s: "direct · attached" in s.splitlines()[0], "a new direct pane")


def test_n_typed_with_the_searchs_enter_steps_to_the_next_match(
    chloe_outer: OuterTerminal,
) -> None:
    """`/line 42`, then Enter and `n` in one go (typed fast): the search is for `line 42`
    and `n` steps to its second match; `n` is not part of the text searched for (it
    was: "line 42n: not found")."""
    _search_prompt_typed(chloe_outer, "line 42")
    chloe_outer.send("Enter", "n")
    screen = chloe_outer.wait_screen("[line 42: 2/111]", "the second match")
    assert "\u2595line 420 " in top_row(screen)


def test_a_full_screen_program_keeps_shift_pageup(
    chloe_outer: OuterTerminal, tmp_path: Path
) -> None:
    chloe_outer.send("t")
    chloe_outer.wait_screen("back to the list", "terminal mode")
    log = tmp_path / "keys"
    # A program on the alternate screen that records the bytes it reads.
    chloe_outer.type(
        f"printf '\\033[?1049hFULL'; stty raw -echo; head -c 6 > {log}; stty sane; "
        "printf '\\033[?1049l'"
    )
    chloe_outer.send("Enter")
    chloe_outer.wait_screen("FULL", "the full-screen program")
    chloe_outer.send("S-PPage")
    wait_until(
        lambda: log.exists() and log.stat().st_size == 6, 20, 0.05, "the program to get the key"
    )
    assert log.read_bytes() == b"\x1b[5;2~"
    assert "[scrollback -" not in chloe_outer.screen()


def test_history_terminal_holds_every_line_with_its_colours() -> None:
    text = "\n".join(f"\x1b[31mline {n}\x1b[39m" for n in range(1, 50_001)) + "\n\n\n"
    start = time.perf_counter()
    term = history_terminal(text, 80, 24)
    elapsed = time.perf_counter() - start
    assert term.scrollback_len == 50_000 - 24
    assert term.scrollback_row(0)[0][0].startswith("line 1")
    assert term.scrollback_row(0)[0][1].fg == "red"
    assert term.display[-1].rstrip() == "line 50000"
    print(f"50,000 lines replayed in {elapsed * 1000:.0f} ms")


def test_the_wheel_browses_a_tmux_pane_and_never_reaches_the_shell(
    chloe_outer: OuterTerminal,
) -> None:
    _tmux_pane_ran(chloe_outer, "seq -f 'wheel %g' 1 3000", "wheel 3000")
    # A wheel-up report as the outer terminal sends it (SGR mouse, over the pane).
    chloe_outer.type("\x1b[<64;60;10M")
    chloe_outer.wait_screen("[scrollback -", "the history")
    for _ in range(3):
        chloe_outer.type("\x1b[<65;60;10M")  # wheel down, back to the bottom
    screen = chloe_outer.wait_screen(lambda s: "[scrollback -" not in s, "the live screen")
    # The command scrolled away long ago: on the prompt it would mean the wheel
    # reached bash as arrow keys and recalled its history.
    assert "seq -f" not in screen
