"""At start, panes lost with chloe's tmux server are restored as ``restore`` says.

The real PaneService over in-memory tmux: :meth:`MemoryTmux.stop` is what a
reboot or ``kill -9`` of the server does.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from chloe.model import ExitStatus
from chloe.ui.app import ChloeApp
from chloe.ui.modals import ConfirmModal
from tests.ui.helpers import (
    FIXED_NOW,
    SIZE,
    MemoryPanes,
    entry_text,
    memory_panes,
    notices,
    shows,
    until,
)


def lost_setup(tmp_path: Path, policy: str) -> tuple[ChloeApp, MemoryPanes, list[str]]:
    """Two running tmux panes and one that ended, then the server stops under them."""
    panes = memory_panes(tmp_path, restore=policy)
    service = panes.service
    agent = service.create_tmux(name="agent", cwd=str(tmp_path), command=["claude"],
                                resume=["claude", "--continue"])  # fmt: skip
    train = service.create_tmux(name="train", cwd=str(tmp_path), command=["python", "t.py"])
    done = service.create_tmux(name="done", cwd=str(tmp_path), command=["make"])
    panes.tmux.end(str(done.tmux_session), ExitStatus(code=0))
    service.panes()  # chloe saw it end
    panes.tmux.stop()
    app = ChloeApp(service, clock=lambda: FIXED_NOW, cwd=str(tmp_path))
    return app, panes, [str(agent.tmux_session), str(train.tmux_session)]


async def test_ask_restores_once_the_user_says_yes(tmp_path: Path) -> None:
    app, panes, sessions = lost_setup(tmp_path, "ask")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the restore question")
        question = str(app.screen.query_one(".question", Label).render())
        assert "2 panes ('agent', 'train') were running" in question
        assert not panes.tmux.sessions  # nothing before the answer
        await pilot.pause(0.5)
        await pilot.press("y")
        await until(pilot, lambda: sorted(panes.tmux.sessions) == sorted(sessions), "restored")
        # The agent continues its conversation; the other runs its command again.
        commands = {s.name: s.command for s in panes.tmux.sessions.values()}
        assert commands == {"agent": ("claude", "--continue"), "train": ("python", "t.py")}
        await until(pilot, lambda: shows(app, "agent", "attached"), "agent reattached")
        await until(pilot, lambda: shows(app, "done", "dead (exit 0)"), "done stays dead")
        assert any("Restored agent, train" in text for _, text in notices(app))


async def test_ask_and_no_leaves_them_lost(tmp_path: Path) -> None:
    app, panes, _ = lost_setup(tmp_path, "ask")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the restore question")
        await pilot.pause(0.5)
        await pilot.press("n")
        await until(pilot, lambda: shows(app, "agent", "lost"), "agent still lost")
        assert not panes.tmux.sessions


async def test_auto_restores_without_asking(tmp_path: Path) -> None:
    app, panes, sessions = lost_setup(tmp_path, "auto")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: sorted(panes.tmux.sessions) == sorted(sessions), "restored")
        assert not isinstance(app.screen, ConfirmModal)
        await until(pilot, lambda: shows(app, "train", "attached"), "train reattached")


async def test_never_only_says_so_and_r_restores_one(tmp_path: Path) -> None:
    app, panes, sessions = lost_setup(tmp_path, "never")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: shows(app, "agent", "lost"), "agent lost")
        assert "last seen" in entry_text(app, "agent")
        # The notice comes from the start-up job, which may finish after the labels.
        await until(
            pilot,
            lambda: any(
                "were running when chloe's tmux server stopped" in t for _, t in notices(app)
            ),
            "the notice that says how to restore",
        )
        assert not isinstance(app.screen, ConfirmModal)
        assert not panes.tmux.sessions
        app.pane_list.select_id(next(s.pane_id for s in app.panes if s.record.name == "agent"))
        await pilot.press("R")
        await until(pilot, lambda: sessions[0] in panes.tmux.sessions, "agent respawned")
        assert panes.tmux.sessions[sessions[0]].command == ("claude", "--continue")
        assert sessions[1] not in panes.tmux.sessions
