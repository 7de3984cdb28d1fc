"""The real `chloe` program in a real terminal, killed with SIGKILL: its tmux panes survive."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import kill_tmux_server
from tests.ui.helpers import (
    SIZE,
    clients,
    listed_names,
    make_app,
    screen_text,
    shows,
    tmux,
    until,
)

pytestmark = pytest.mark.tmux


def _wait_screen(outer: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(outer, "capture-pane", "-p", "-t", "crash").stdout
        if text in screen:
            return screen
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {text!r} in chloe's terminal:\n{screen}")


async def test_kill_9_keeps_tmux_panes_and_the_next_start_reattaches(
    tmux_socket: str, tmp_path: Path
) -> None:
    """chloe in a tmux window makes a tmux pane, prints, dies by SIGKILL; a new chloe shows it."""
    outer = f"{tmux_socket}-outer"
    try:
        command = f"cd {tmp_path} && exec {sys.executable} -m chloe"
        tmux(outer, "new-session", "-d", "-s", "crash", "-x", "100", "-y", "30", command)
        _wait_screen(outer, "No panes yet")
        tmux(outer, "send-keys", "-t", "crash", "t")
        _wait_screen(outer, "back to the list")
        tmux(outer, "send-keys", "-t", "crash", "-l", "echo before-''crash")
        tmux(outer, "send-keys", "-t", "crash", "Enter")
        _wait_screen(outer, "before-crash\n")
        pid = int(tmux(outer, "display-message", "-p", "-t", "crash", "#{pane_pid}").stdout)
        os.kill(pid, signal.SIGKILL)
    finally:
        kill_tmux_server(outer)

    assert len(tmux(tmux_socket, "list-sessions").stdout.splitlines()) == 1
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.pane_list.pane_ids != [], "the pane listed")
        (name,) = listed_names(app)
        await until(pilot, lambda: shows(app, name, "attached"), "reattached")
        await until(pilot, lambda: "before-crash" in screen_text(app), "its earlier output")
        await until(pilot, lambda: len(clients(tmux_socket)) == 1, "exactly one client")
