"""A desktop notification from a program in a tmux pane reaches the TUI (tmux drops it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import SIZE, entry_text, make_app, real_service, summary_text, until

pytestmark = pytest.mark.tmux


async def test_an_osc_9_in_a_hidden_tmux_pane_says_needs_you_with_its_text(
    tmux_socket: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    service = real_service(tmux_socket)
    service.create_tmux(name="editor", cwd=str(tmp_path), command=["sleep", "600"])
    wait = f"while [ ! -e {go} ]; do sleep 0.1; done"
    service.create_tmux(
        name="agent",
        cwd=str(tmp_path),
        command=["sh", "-c", f"{wait}; printf '\\033]9;build done\\007'; sleep 600"],
        attached=False,
    )
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "detached" in entry_text(app, "agent"), "the agent listed")
        assert app.pane_list.selected_id != app.panes.by_name("agent").pane_id  # type: ignore[union-attr]
        go.touch()
        await until(pilot, lambda: "needs you" in entry_text(app, "agent"), "needs you", 15)
        assert "build done" in entry_text(app, "agent")
        assert "1 needs you" in summary_text(app)
