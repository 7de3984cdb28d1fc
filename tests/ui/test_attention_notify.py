"""Notifications out from the real TUI: a flood of output with bells calls the command once."""

from __future__ import annotations

from pathlib import Path

from chloe.config import Config, NotifySettings
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from chloe.ui.app import ChloeApp
from chloe.ui.terminal_view import TerminalView
from tests.ui.helpers import SIZE, entry_text, listed_names, prompt, summary_text, until


async def test_a_flood_with_bells_calls_the_notify_command_a_bounded_number_of_times(
    tmux_socket: str, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    go = tmp_path / "go"
    finished = tmp_path / "finished"
    (tmp_path / "flood.sh").write_text(
        f"while [ ! -e {go} ]; do sleep 0.05; done\n"
        "for i in 1 2 3 4 5; do yes | head -c 2M; printf '\\a'; printf '\\a'; done\n"
        f"touch {finished}\n"
    )
    settings = NotifySettings(
        channels={"needs_you": ("bell", "command"), "failed": (), "done": ()},
        command=f'echo "$CHLOE_NOTIFY_PANE $CHLOE_NOTIFY_STATE" >> {calls}',
        rate_limit_seconds=300,
    )
    config = Config(tmux_socket=tmux_socket, shell="/bin/sh", notifications=settings)
    app = ChloeApp(PaneService(Store(store_path()), config), cwd=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await until(pilot, lambda: prompt(app), "the shell prompt")
        await pilot.press(*"sh flood.sh", "enter")
        await pilot.press("ctrl+q", "c")  # a second pane: the first is hidden now
        await until(pilot, lambda: len(listed_names(app)) == 2, "the second pane")
        flooding = listed_names(app)[0]
        go.touch()
        await until(pilot, finished.exists, "10 MB and ten bells", timeout=120)
        await until(pilot, lambda: "needs you" in entry_text(app, flooding), "needs you", 60)
        await until(pilot, calls.exists, "the notify command")
        await until(pilot, lambda: "1 needs you" in summary_text(app), "the summary")
        await pilot.pause(1.0)  # more status answers: still one pane, told once
        assert "1 needs you" in summary_text(app)
    assert calls.read_text().splitlines() == [f"{flooding} needs you"]
