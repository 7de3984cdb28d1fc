"""On start, only output that arrived after you last looked counts as new.

The panes' output below was all there (and looked at) before chloe started;
reattaching their tmux clients makes them redraw (a new client, a new size:
SIGWINCH), which is output too, but nothing new to the user.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chloe.config import Config
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from chloe.ui.app import ChloeApp
from tests.support.waiting import wait_until
from tests.ui.helpers import SIZE, entry_text, listed_names, tmux, until

pytestmark = pytest.mark.tmux

# A full-screen program's manners: draw, and redraw on every resize.
PROGRAM = (
    'draw() { printf \'\\033[H\\033[2Jstatus of %s at %s\\n\' "$1" "$(date +%s%N)"; }; '
    "trap 'draw again' WINCH; draw first; touch {ready}; "
    "while [ ! -e {go} ]; do sleep 0.1; done; echo 'real news'; "
    "while :; do sleep 0.1; done"
)


async def test_a_reattach_redraw_is_not_new_output_but_real_output_is(
    tmux_socket: str, tmp_path: Path
) -> None:
    config = Config(tmux_socket=tmux_socket, shell="/bin/sh", working_seconds=1)
    service = PaneService(Store(store_path()), config)
    names = ["one", "two", "three"]
    for name in names:
        program = PROGRAM.replace("{ready}", str(tmp_path / f"{name}.ready"))
        program = program.replace("{go}", str(tmp_path / f"{name}.go"))
        service.create_tmux(
            name=name, cwd=str(tmp_path), command=["bash", "-c", program], columns=60, rows=15
        )
    wait_until(lambda: all((tmp_path / f"{n}.ready").exists() for n in names))
    time.sleep(1.1)  # the looks below come after the output, in whole seconds
    for rec in service.store.load():
        service.mark_seen(rec.id)  # the user looked at each pane in an earlier chloe

    app = ChloeApp(PaneService(Store(store_path()), config), cwd=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        sessions = [r.tmux_session for r in service.store.load()]
        await until(
            pilot,
            lambda: tmux(tmux_socket, "list-clients").stdout.count("\n") == 3,
            "three clients reattached",
        )
        # The redraws came (a new client at a new size), and ticks went by.
        assert all(sessions)
        await pilot.pause(4.0)
        for name in ("two", "three"):  # "one" is shown: looked at
            text = entry_text(app, name)
            assert "new output" not in text and "working" not in text and "•" not in text, text
        (tmp_path / "three.go").touch()
        three = app.panes.by_name("three")
        assert three is not None
        terminal = three.terminal
        assert terminal is not None
        await until(pilot, lambda: "real news" in "\n".join(terminal.display), "the news")
        await until(
            pilot, lambda: "new output" in entry_text(app, "three"), "three has new output", 15
        )
        assert "new output" not in entry_text(app, "two")
