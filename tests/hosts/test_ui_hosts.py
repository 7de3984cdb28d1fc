"""The TUI with a remote host: embedded ssh clients, `t` on the selected host, the host
dropping off and coming back (reattached by itself)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from chloe.config import Config, HostConfig
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from chloe.ui.app import ChloeApp
from chloe.ui.pane_list import PaneList
from chloe.ui.terminal_view import TerminalView
from tests.hosts.sshd import SshServer
from tests.ui.helpers import SIZE, entry_text, listed_names, screen_text, shows, title_text, until

pytestmark = [pytest.mark.ssh, pytest.mark.tmux]


def remote_clients(server: SshServer) -> list[str]:
    out = server.tmux("list-clients", "-F", "#{client_session}").stdout
    return [line for line in out.splitlines() if line]


async def test_a_remote_pane_in_the_tui_survives_its_host_dropping_off(
    ssh_server: SshServer, tmux_socket: str, tmp_path: Path
) -> None:
    host = HostConfig(
        "h1", ssh_server.alias, socket=ssh_server.tmux_socket, ssh_options=ssh_server.ssh_options
    )
    config = dataclasses.replace(Config(tmux_socket=tmux_socket, shell="/bin/sh"), hosts=(host,))
    service = PaneService(Store(store_path()), config)
    service.create_tmux(name="far", cwd=str(tmp_path), command=["sh"], host="h1")
    app = ChloeApp(service, cwd=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        # Left attached: reattached at start, through ssh, on a local pty.
        await until(pilot, lambda: shows(app, "far", "attached"), "attached at start", 20)
        assert "tmux@h1" in entry_text(app, "far")
        assert len(remote_clients(ssh_server)) == 1
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        await pilot.press(*"echo far$((6*7))", "enter")
        await until(pilot, lambda: "far42" in screen_text(app), "the remote shell's output")
        await pilot.press("ctrl+q")
        assert isinstance(app.focused, PaneList)

        # `t` with a remote pane selected: the new pane runs on that host.
        await pilot.press("t")
        await until(pilot, lambda: len(listed_names(app)) == 2, "a second pane", 20)
        new = next(n for n in listed_names(app) if n != "far")
        await until(pilot, lambda: shows(app, new, "attached"), "the new pane attached", 20)
        assert "tmux@h1" in entry_text(app, new)
        assert len(ssh_server.tmux("list-sessions").stdout.splitlines()) == 2
        await pilot.press("ctrl+q")

        ssh_server.stop()
        await until(pilot, lambda: shows(app, "far", "unreachable"), "unreachable", 30)
        await until(pilot, lambda: shows(app, new, "unreachable"), "unreachable", 30)
        app.pane_list.select_id(app.panes.by_name("far").record.id)  # type: ignore[union-attr]
        await until(pilot, lambda: "h1 does not answer" in title_text(app), "the title says why")

        ssh_server.start()
        await until(pilot, lambda: shows(app, "far", "attached"), "reattached by itself", 30)
        await until(pilot, lambda: shows(app, new, "attached"), "reattached by itself", 30)
        await until(pilot, lambda: len(remote_clients(ssh_server)) == 2, "two clients again", 20)


def test_an_entry_names_its_host_in_both_layouts() -> None:
    from chloe.model import Kind, Status
    from chloe.ui.pane_list import Entry, render_entry

    entry = Entry("p1", "train", Kind.TMUX, Status.UNREACHABLE, "unreachable", host="gpu")
    assert "tmux@gpu · unreachable" in str(render_entry(entry, compact=False))
    assert "unreachable @gpu" in str(render_entry(entry, compact=True))
    here = dataclasses.replace(entry, host=None)
    assert "@" not in str(render_entry(here, compact=False))
