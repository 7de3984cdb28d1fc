"""Browsing a tmux pane's whole history in the real `chloe`, driven by keys in an
outer tmux (a real terminal) as a user would."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chloe.ui.history_browse import history_terminal
from tests.conftest import kill_tmux_server
from tests.ui.helpers import tmux

pytestmark = pytest.mark.tmux


class Outer:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def screen(self) -> str:
        return tmux(self.socket, "capture-pane", "-p", "-t", "chloe").stdout

    def wait(self, check: object, what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if (check(screen) if callable(check) else check in screen):
                return screen
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what} in chloe's terminal:\n{screen}")

    def keys(self, *keys: str) -> None:
        tmux(self.socket, "send-keys", "-t", "chloe", *keys)

    def type(self, text: str) -> None:
        tmux(self.socket, "send-keys", "-t", "chloe", "-l", text)


def top_row(screen: str) -> str:
    """The terminal area's first row (the one with the position marker)."""
    return next(line for line in screen.splitlines() if "[scrollback -" in line)


@pytest.fixture
def outer(tmux_socket: str, tmp_path: Path) -> Iterator[Outer]:
    socket = f"{tmux_socket}-outer"
    command = f"cd {tmp_path} && exec {sys.executable} -m chloe"
    try:
        tmux(socket, "new-session", "-d", "-s", "chloe", "-x", "120", "-y", "35", command)
        yield Outer(socket)
    finally:
        kill_tmux_server(socket)


def test_shift_pageup_browses_a_tmux_panes_whole_history(outer: Outer) -> None:
    outer.wait("No panes yet", "the empty list")
    outer.keys("t")
    outer.wait("back to the list", "terminal mode")
    outer.type("seq -f 'line %g' 1 5000")
    outer.keys("Enter")
    outer.wait("line 5000", "the output")
    outer.keys("S-PPage")
    screen = outer.wait("[scrollback -", "the position marker")
    assert "2~" not in screen  # the key did not reach the shell
    outer.keys("S-Home")
    screen = outer.wait(lambda s: "line 1\n" in s + "\n" and "line 2\n" in s, "line 1")
    outer.keys("S-PPage")  # at the top already: stays
    outer.keys("S-PgDn")
    screen = outer.wait(lambda s: "line 1\n" not in s, "a page down")
    assert "[scrollback -" in screen
    outer.type("echo back-$((20+1))")
    outer.keys("Enter")
    screen = outer.wait("back-21", "the live screen again")
    assert "[scrollback -" not in screen


def test_search_while_browsing_finds_and_steps(outer: Outer) -> None:
    outer.wait("No panes yet", "the empty list")
    outer.keys("t")
    outer.wait("back to the list", "terminal mode")
    outer.type("seq -f 'line %g' 1 5000")
    outer.keys("Enter")
    outer.wait("line 5000", "the output")
    outer.keys("S-PPage")
    outer.wait("[scrollback -", "the position marker")
    outer.keys("S-Home")
    outer.wait(lambda s: "\u2595line 1\n" in s, "line 1")
    outer.type("/")
    outer.wait("search: text", "the search prompt")
    outer.type("line 42")
    outer.keys("Enter")
    screen = outer.wait("[line 42: 1/111]", "the first match and the count")
    assert "\u2595line 42 " in top_row(screen)  # the match is on the top row
    outer.type("n")
    screen = outer.wait("[line 42: 2/111]", "the next match")
    assert "\u2595line 420 " in top_row(screen)
    outer.type("N")
    outer.wait("[line 42: 1/111]", "the previous match")
    outer.type("?")
    outer.wait("search up: text", "the backwards prompt")
    outer.type("line 4999")
    outer.keys("Enter")
    outer.wait("[line 4999: 1/1]", "a match below, found by wrapping around")
    outer.keys("Escape")
    screen = outer.wait(lambda s: "[scrollback -" not in s, "the live screen")
    outer.type("echo live-$((5*5))")
    outer.keys("Enter")
    outer.wait("live-25", "the shell")


def test_a_full_screen_program_keeps_shift_pageup(outer: Outer, tmp_path: Path) -> None:
    outer.wait("No panes yet", "the empty list")
    outer.keys("t")
    outer.wait("back to the list", "terminal mode")
    log = tmp_path / "keys"
    # A program on the alternate screen that records the bytes it reads.
    outer.type(
        f"printf '\\033[?1049hFULL'; stty raw -echo; head -c 6 > {log}; stty sane; "
        "printf '\\033[?1049l'"
    )
    outer.keys("Enter")
    outer.wait("FULL", "the full-screen program")
    outer.keys("S-PPage")
    deadline = time.monotonic() + 20
    while not (log.exists() and log.stat().st_size == 6):
        assert time.monotonic() < deadline, "the program never got the key"
        time.sleep(0.05)
    assert log.read_bytes() == b"\x1b[5;2~"
    assert "[scrollback -" not in outer.screen()


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


def test_the_wheel_browses_a_tmux_pane_and_never_reaches_the_shell(outer: Outer) -> None:
    outer.wait("No panes yet", "the empty list")
    outer.keys("t")
    outer.wait("back to the list", "terminal mode")
    outer.type("seq -f 'wheel %g' 1 3000")
    outer.keys("Enter")
    outer.wait("wheel 3000", "the output")
    # A wheel-up report as the outer terminal sends it (SGR mouse, over the pane).
    outer.type("\x1b[<64;60;10M")
    outer.wait("[scrollback -", "the history")
    for _ in range(3):
        outer.type("\x1b[<65;60;10M")  # wheel down, back to the bottom
    screen = outer.wait(lambda s: "[scrollback -" not in s, "the live screen")
    # The command scrolled away long ago: on the prompt it would mean the wheel
    # reached bash as arrow keys and recalled its history.
    assert "seq -f" not in screen
