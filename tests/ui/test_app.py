"""The chloe TUI with real backends: a private tmux server, real ptys, isolated files."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.ui.modals import CONFIRM_GUARD, ConfirmModal, RenameModal
from chloe.ui.pane_list import PaneList
from chloe.ui.terminal_view import TerminalView
from tests.ui.helpers import (
    SIZE,
    clients,
    entry_text,
    listed_names,
    make_app,
    prompt,
    real_service,
    screen_text,
    shows,
    slot,
    title_text,
    tmux,
    until,
)

pytestmark = pytest.mark.tmux


async def type_line(pilot: object, text: str) -> None:
    """Type ``text`` and Enter into the focused terminal."""
    await pilot.press(*text, "enter")  # type: ignore[attr-defined]


async def test_tmux_pane_type_leave_detach_attach(tmux_socket: str, tmp_path: Path) -> None:
    """t, type, see the output; leave key; d detaches (no client left); a shows it again."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await until(pilot, lambda: prompt(app), "the shell prompt")
        name = listed_names(app)[0]
        await until(pilot, lambda: shows(app, name, "attached"), "attached label")
        await type_line(pilot, "echo hel''lo")
        await until(pilot, lambda: "\nhello" in screen_text(app), "echo output")

        await pilot.press("ctrl+q")
        assert isinstance(app.focused, PaneList)
        assert "ctrl+q" not in title_text(app)
        # In navigation mode a letter acts on the list; it is not typed.
        await pilot.press("j")
        assert "j" not in screen_text(app).split("\n")[-1]

        await pilot.press("d")
        await until(pilot, lambda: shows(app, name, "detached"), "detached label")
        await until(pilot, lambda: clients(tmux_socket) == [], "no tmux client left")
        assert "preview" in title_text(app)
        shown = slot(app, name)
        assert shown is not None and shown.record.tmux_session is not None
        session = shown.record.tmux_session
        assert tmux(tmux_socket, "has-session", "-t", f"={session}").returncode == 0
        await until(pilot, lambda: "hello" in screen_text(app), "preview shows the output")

        await pilot.press("a")
        await until(pilot, lambda: shows(app, name, "attached"), "attached label")
        await until(pilot, lambda: len(clients(tmux_socket)) == 1, "one tmux client")
        await until(pilot, lambda: "hello" in screen_text(app), "earlier output after attach")
        assert isinstance(app.focused, TerminalView)
        assert "preview" not in title_text(app)

        # The program ending keeps the session (remain-on-exit) and its exit code.
        await type_line(pilot, "exit 5")
        await until(pilot, lambda: shows(app, name, "dead (exit 5)"), "dead (exit 5)")
        assert "hello" in screen_text(app)  # the last screen stays


async def test_direct_pane_exit_code_and_keys(tmux_socket: str, tmp_path: Path) -> None:
    """Esc and Ctrl+C reach the program; a direct pane that exits 3 shows dead (exit 3); R."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await until(pilot, lambda: prompt(app), "the shell prompt")
        name = listed_names(app)[0]
        assert "direct" in entry_text(app, name) and shows(app, name, "attached")

        await type_line(pilot, "cat -v")
        await pilot.press("escape", "x", "enter")
        await until(pilot, lambda: "^[x" in screen_text(app), "Esc reaching cat -v")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: "^C" in screen_text(app), "Ctrl+C reaching the pty")
        assert app.is_running
        await type_line(pilot, "echo still-here")
        await until(pilot, lambda: "\nstill-here" in screen_text(app), "the shell after ^C")

        await type_line(pilot, "exit 3")
        await until(pilot, lambda: shows(app, name, "dead (exit 3)"), "dead (exit 3)", 5)
        assert "still-here" in screen_text(app)  # the last screen is kept
        assert "R: respawn" in title_text(app)

        await pilot.press("ctrl+q", "R")
        await until(pilot, lambda: shows(app, name, "attached"), "respawned")
        await until(pilot, lambda: prompt(app), "a new prompt")


async def test_rename_kill_respawn_close(tmux_socket: str, tmp_path: Path) -> None:
    """r explains a bad name and renames; K kills (dead); R respawns; x releases the session."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await pilot.press("ctrl+q")

        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RenameModal), "rename dialog")
        await pilot.press(*"bad.name", "enter")
        problem = str(app.screen.query_one("#problem").render())
        assert "cannot contain '.'" in problem
        assert isinstance(app.screen, RenameModal)  # still open
        await pilot.press("ctrl+u", *"train", "enter")
        await until(pilot, lambda: listed_names(app) == ["train"], "the new name")
        record = slot(app, "train").record  # type: ignore[union-attr]
        session = record.tmux_session
        assert session is not None
        await until(
            pilot,
            lambda: (
                f"{session} train"
                in tmux(tmux_socket, "list-sessions", "-F", "#{session_name} #{@chloe-name}").stdout
            ),
            "tmux knows the new name",
        )

        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "kill confirmation")
        await pilot.pause(CONFIRM_GUARD)  # a deliberate answer, not typed ahead
        await pilot.press("y")
        await until(pilot, lambda: shows(app, "train", "dead"), "dead after kill")
        assert tmux(tmux_socket, "has-session", "-t", "=" + session).returncode != 0

        await pilot.press("R")
        await until(pilot, lambda: shows(app, "train", "attached"), "respawned session")
        assert tmux(tmux_socket, "has-session", "-t", "=" + session).returncode == 0
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the pane open again")
        await pilot.press("ctrl+q")

        await pilot.press("x")
        await until(pilot, lambda: listed_names(app) == [], "removed from the list")
        assert tmux(tmux_socket, "has-session", "-t", "=" + session).returncode == 0
        assert [r.name for r in real_service(tmux_socket).store.load()] == []
        await until(pilot, lambda: clients(tmux_socket) == [], "our client detached")


async def test_close_direct_asks_first(tmux_socket: str, tmp_path: Path) -> None:
    """x on a running direct pane asks; n keeps it, y ends it and removes it."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await pilot.press("ctrl+q", "x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "close confirmation")
        await pilot.press("n")
        assert len(listed_names(app)) == 1
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "close confirmation")
        await pilot.pause(CONFIRM_GUARD)  # a deliberate answer, not typed ahead
        await pilot.press("y")
        await until(pilot, lambda: listed_names(app) == [], "removed")
        assert "No panes yet" in str(app.query_one("#empty").render())


async def test_restart_restores_every_pane(tmux_socket: str, tmp_path: Path) -> None:
    """Quit keeps tmux running; a second app restores attached, detached and dead panes."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        for key in ("t", "t", "c"):
            before = len(listed_names(app))
            await pilot.press(key)
            await until(pilot, lambda b=before: len(listed_names(app)) == b + 1, "a new pane")  # type: ignore[misc]
            await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
            await pilot.press("ctrl+q")
        keep, away, direct = listed_names(app)
        app.pane_list.select_id(slot(app, away).record.id)  # type: ignore[union-attr]
        await pilot.press("ctrl+q", "d")
        await until(pilot, lambda: shows(app, away, "detached"), "detached")
        await until(pilot, lambda: len(clients(tmux_socket)) == 1, "one client left")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "quit confirmation")
        await pilot.pause(CONFIRM_GUARD)  # a deliberate answer, not typed ahead
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "quit")
    assert clients(tmux_socket) == []
    assert len(tmux(tmux_socket, "list-sessions").stdout.splitlines()) == 2

    app2 = make_app(tmux_socket, str(tmp_path))
    async with app2.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shows(app2, keep, "attached"), "reattached pane")
        await until(pilot, lambda: len(clients(tmux_socket)) == 1, "one client again")
        assert shows(app2, away, "detached")
        assert shows(app2, direct, "dead")
        assert listed_names(app2) == [keep, away, direct]

        # A session killed from outside turns dead.
        session = slot(app2, away).record.tmux_session  # type: ignore[union-attr]
        assert session is not None
        tmux(tmux_socket, "kill-session", "-t", "=" + session)
        await until(pilot, lambda: shows(app2, away, "dead"), "dead after outside kill", 4)

        # A pane created by the CLI shows up without a restart; removing it drops it.
        other = real_service(tmux_socket)
        other.create_tmux(name="from-cli", cwd=str(tmp_path))
        await until(pilot, lambda: "from-cli" in listed_names(app2), "CLI-created pane", 3)
        assert shows(app2, "from-cli", "detached")
        other.remove("from-cli")
        await until(pilot, lambda: "from-cli" not in listed_names(app2), "CLI-removed pane", 3)


async def test_killed_session_keeps_its_last_screen(tmux_socket: str, tmp_path: Path) -> None:
    """A tmux session killed while shown turns dead and keeps the job's last screen,
    not the "[exited]" line its tmux client prints as it quits."""
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await until(pilot, lambda: prompt(app), "the shell prompt")
        name = listed_names(app)[0]
        await type_line(pilot, "echo last''words")
        await until(pilot, lambda: "\nlastwords" in screen_text(app), "echo output")
        await pilot.press("ctrl+q")
        session = slot(app, name).record.tmux_session  # type: ignore[union-attr]
        assert session is not None
        tmux(tmux_socket, "kill-session", "-t", "=" + session)
        await until(pilot, lambda: shows(app, name, "dead"), "dead after outside kill", 4)
        await pilot.pause()
        text = screen_text(app)
        assert "lastwords" in text
        assert "[exited]" not in text
