"""The real `chloe` program in a real terminal (an outer tmux on a private socket),
driven by keys as a user would: what must never end a running job."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest

from chloe.paths import store_path
from tests.support.waiting import wait_until
from tests.ui.helpers import tmux
from tests.ui.outer import OuterTerminal, running_chloe

pytestmark = pytest.mark.tmux


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _start_sleep(outer: OuterTerminal) -> int:
    """A direct pane whose shell runs ``sleep 3600`` in the background; its pid."""
    outer.send("c")
    outer.wait_screen("back to the list")
    outer.type("sleep 3600 & echo SLEEP''PID=$!")
    outer.send("Enter")
    match = re.search(r"SLEEPPID=(\d+)", outer.wait_screen("SLEEPPID="))
    assert match is not None
    return int(match.group(1))


def test_deleting_the_pane_file_keeps_the_direct_pane_running(chloe_outer: OuterTerminal) -> None:
    """Delete panes.toml while a direct pane runs `sleep 3600 &`: the sleep lives on,
    the record comes back, and chloe says so on screen."""
    pid = _start_sleep(chloe_outer)
    try:
        assert _alive(pid)
        store_path().unlink()
        chloe_outer.wait_screen("vanished from", timeout=10)
        time.sleep(2.5)  # two more status ticks
        assert _alive(pid), "the direct pane's job was ended"
        assert store_path().exists()
        chloe_outer.type("echo still''-here")
        chloe_outer.send("Enter")
        chloe_outer.wait_screen("still-here")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_narrow_resize_then_typing_kills_nothing(
    chloe_outer: OuterTerminal, tmux_socket: str
) -> None:
    """The issue's repro: a tmux pane running `sleep 3600` has the keys; the terminal
    shrinks to 40 columns and grows back; typing "Ky" then "xy" reaches the program
    and neither kills the session nor closes the pane."""
    chloe_outer.send("t")
    chloe_outer.wait_screen("back to the list")
    chloe_outer.type("sleep 3600")
    chloe_outer.send("Enter")
    chloe_outer.run("set-option", "-w", "-t", chloe_outer.session, "window-size", "manual")
    chloe_outer.run("resize-window", "-t", chloe_outer.session, "-x", "40", "-y", "20")
    time.sleep(0.5)
    chloe_outer.run("resize-window", "-t", chloe_outer.session, "-x", "120", "-y", "40")
    chloe_outer.wait_screen("back to the list")  # terminal mode again
    chloe_outer.type("Kyxy")
    chloe_outer.wait_screen("Kyxy")  # echoed by the pane's tty: the keys went to the program
    time.sleep(1.0)
    panes = tmux(tmux_socket, "list-panes", "-a", "-F", "#{pane_dead} #{pane_current_command}")
    assert panes.stdout.split() == ["0", "sleep"], panes.stdout


def test_a_fifo_at_the_pane_file_leaves_chloe_quittable(tmux_socket: str, tmp_path: Path) -> None:
    """panes.toml is a FIFO: chloe draws its first frame and q quits at once."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    with running_chloe(tmp_path, ready="Reading the pane list") as outer:
        outer.send("q")
        wait_until(lambda: not outer.running(), 5, 0.05, "chloe to quit", show=outer.screen)
