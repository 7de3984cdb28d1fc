"""The real `chloe` program in a real terminal, killed with SIGKILL: its tmux panes survive."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

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
from tests.ui.outer import running_chloe

pytestmark = pytest.mark.tmux


async def test_kill_9_keeps_tmux_panes_and_the_next_start_reattaches(
    tmux_socket: str, tmp_path: Path
) -> None:
    """chloe in a tmux window makes a tmux pane, prints, dies by SIGKILL; a new chloe shows it."""
    with running_chloe(tmp_path, columns=100, rows=30) as outer:
        outer.send("t")
        outer.wait_screen("back to the list")
        outer.type("echo before-''crash")
        outer.send("Enter")
        outer.wait_screen("before-crash\n")
        pid = int(outer.run("display-message", "-p", "-t", outer.target, "#{pane_pid}"))
        os.kill(pid, signal.SIGKILL)

    assert len(tmux(tmux_socket, "list-sessions").stdout.splitlines()) == 1
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.pane_list.pane_ids != [], "the pane listed")
        (name,) = listed_names(app)
        await until(pilot, lambda: shows(app, name, "attached"), "reattached")
        await until(pilot, lambda: "before-crash" in screen_text(app), "its earlier output")
        await until(pilot, lambda: len(clients(tmux_socket)) == 1, "exactly one client")
