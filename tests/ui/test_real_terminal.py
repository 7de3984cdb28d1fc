"""The real `chloe` program in a real terminal (an outer tmux on a private socket),
driven by keys as a user would: what must never end a running job."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chloe.paths import store_path
from tests.conftest import kill_tmux_server
from tests.ui.helpers import tmux

pytestmark = pytest.mark.tmux


class Outer:
    """chloe running in a window of an outer tmux server (a real terminal with a pty)."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def screen(self) -> str:
        return tmux(self.socket, "capture-pane", "-p", "-t", "chloe").stdout

    def wait(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {text!r} in chloe's terminal:\n{screen}")

    def keys(self, *keys: str) -> None:
        tmux(self.socket, "send-keys", "-t", "chloe", *keys)

    def type(self, text: str) -> None:
        tmux(self.socket, "send-keys", "-t", "chloe", "-l", text)


@contextlib.contextmanager
def running_chloe(tmux_socket: str, cwd: Path) -> Iterator[Outer]:
    """Start `chloe` in a 120x35 window of an outer tmux; kill that server after."""
    socket = f"{tmux_socket}-outer"
    # COLUMNS/LINES (which the test run's environment may carry) would pin chloe's size.
    command = f"cd {cwd} && exec env -u COLUMNS -u LINES {sys.executable} -m chloe"
    try:
        tmux(socket, "new-session", "-d", "-s", "chloe", "-x", "120", "-y", "35", command)
        yield Outer(socket)
    finally:
        kill_tmux_server(socket)


@pytest.fixture
def outer(tmux_socket: str, tmp_path: Path) -> Iterator[Outer]:
    with running_chloe(tmux_socket, tmp_path) as started:
        yield started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start_sleep(outer: Outer) -> int:
    """A direct pane whose shell runs ``sleep 3600`` in the background; its pid."""
    outer.wait("No panes yet")
    outer.keys("c")
    outer.wait("back to the list")
    outer.type("sleep 3600 & echo SLEEP''PID=$!")
    outer.keys("Enter")
    match = re.search(r"SLEEPPID=(\d+)", outer.wait("SLEEPPID="))
    assert match is not None
    return int(match.group(1))


def test_deleting_the_pane_file_keeps_the_direct_pane_running(outer: Outer) -> None:
    """Delete panes.toml while a direct pane runs `sleep 3600 &`: the sleep lives on,
    the record comes back, and chloe says so on screen."""
    pid = _start_sleep(outer)
    try:
        assert _alive(pid)
        store_path().unlink()
        outer.wait("vanished from", timeout=10)
        time.sleep(2.5)  # two more status ticks
        assert _alive(pid), "the direct pane's job was ended"
        assert store_path().exists()
        outer.type("echo still''-here")
        outer.keys("Enter")
        outer.wait("still-here")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_narrow_resize_then_typing_kills_nothing(outer: Outer, tmux_socket: str) -> None:
    """The issue's repro: a tmux pane running `sleep 3600` has the keys; the terminal
    shrinks to 40 columns and grows back; typing "Ky" then "xy" reaches the program
    and neither kills the session nor closes the pane."""
    outer.wait("No panes yet")
    outer.keys("t")
    outer.wait("back to the list")
    outer.type("sleep 3600")
    outer.keys("Enter")
    tmux(outer.socket, "set-option", "-w", "-t", "chloe", "window-size", "manual")
    tmux(outer.socket, "resize-window", "-t", "chloe", "-x", "40", "-y", "20")
    time.sleep(0.5)
    tmux(outer.socket, "resize-window", "-t", "chloe", "-x", "120", "-y", "40")
    outer.wait("back to the list")  # terminal mode again
    outer.type("Kyxy")
    outer.wait("Kyxy")  # echoed by the pane's tty: the keys went to the program
    time.sleep(1.0)
    panes = tmux(tmux_socket, "list-panes", "-a", "-F", "#{pane_dead} #{pane_current_command}")
    assert panes.stdout.split() == ["0", "sleep"], panes.stdout


def test_a_fifo_at_the_pane_file_leaves_chloe_quittable(tmux_socket: str, tmp_path: Path) -> None:
    """panes.toml is a FIFO: chloe draws its first frame and q quits at once."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    with running_chloe(tmux_socket, tmp_path) as outer:
        outer.wait("Reading the pane list")
        outer.keys("q")
        deadline = time.monotonic() + 5
        while tmux(outer.socket, "has-session", "-t", "chloe").returncode == 0:
            assert time.monotonic() < deadline, f"chloe did not quit:\n{outer.screen()}"
            time.sleep(0.05)
