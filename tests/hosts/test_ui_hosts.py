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


def header(app: ChloeApp, host: str) -> str:
    return str(app.pane_list.get_option(f"host:{host}").prompt)


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
        # Grouped by host: a header per host with its state, the pane under its host.
        assert [o.id for o in app.pane_list.options][:2] == ["host:local", "host:h1"]
        await until(pilot, lambda: "h1 · reachable" in header(app, "h1"), "h1's header")
        assert app.pane_list.selected_id == app.panes.by_name("far").record.id  # type: ignore[union-attr]
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
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the new pane open")
        await pilot.press("ctrl+q")

        ssh_server.stop()
        await until(pilot, lambda: shows(app, "far", "unreachable"), "unreachable", 30)
        await until(pilot, lambda: shows(app, new, "unreachable"), "unreachable", 30)
        await until(pilot, lambda: "h1 · unreachable" in header(app, "h1"), "h1 is down")
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


async def test_t_on_a_hosts_header_creates_the_first_pane_there(
    ssh_server: SshServer, tmux_socket: str, tmp_path: Path
) -> None:
    host = HostConfig(
        "h1", ssh_server.alias, socket=ssh_server.tmux_socket, ssh_options=ssh_server.ssh_options
    )
    config = dataclasses.replace(Config(tmux_socket=tmux_socket, shell="/bin/sh"), hosts=(host,))
    app = ChloeApp(PaneService(Store(store_path()), config), cwd=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "h1 · reachable" in header(app, "h1"), "h1's header", 20)
        assert [o.id for o in app.pane_list.options] == ["host:local", "host:h1"]
        await pilot.press("j")  # from this machine's header to h1's
        assert app.pane_list.selected_host == "h1"
        await pilot.press("t")
        await until(pilot, lambda: len(listed_names(app)) == 1, "a pane", 20)
        name = listed_names(app)[0]
        await until(pilot, lambda: shows(app, name, "attached"), "attached", 20)
        assert app.panes.by_name(name).record.host == "h1"  # type: ignore[union-attr]
        assert [o.id for o in app.pane_list.options][1] == "host:h1"
        assert len(ssh_server.tmux("list-sessions").stdout.splitlines()) == 1
        # The pane opens once its client runs (tmux may say "attached" a moment before).
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "the new pane open")

        await pilot.press("ctrl+q")
        await pilot.press("k")  # up to h1's header
        assert app.pane_list.selected_host == "h1"
        await pilot.press("enter")  # collapse: its pane is hidden, and keeps running
        assert listed_names(app) == [] and "1 hidden" in header(app, "h1")
        await pilot.press("enter")
        assert listed_names(app) == [name]


async def test_groups_keep_their_headers_through_the_filter_and_collapse() -> None:
    from textual.app import App, ComposeResult

    from chloe.model import Kind, Status
    from chloe.ui.pane_list import Entry, Group

    class ListApp(App[None]):
        def compose(self) -> ComposeResult:
            yield PaneList(id="list")

    entries = [
        Entry("a1", "build", Kind.TMUX, Status.DETACHED, "detached"),
        Entry("b1", "train", Kind.TMUX, Status.UNREACHABLE, "unreachable", host="gpu"),
        Entry("b2", "eval", Kind.TMUX, Status.DETACHED, "detached", host="gpu"),
    ]
    groups = [Group("local", "here"), Group("gpu", "unreachable (5m)", down=True)]
    app = ListApp()
    async with app.run_test() as pilot:
        panes = app.query_one(PaneList)
        panes.set_entries(entries, groups=groups)
        await pilot.pause()
        ids = [o.id for o in panes.options]
        assert ids == ["host:local", "a1", "host:gpu", "b1", "b2"]
        assert panes.selected_id == "a1"  # a pane, not the header, gets the highlight
        assert panes.pane_ids == ["a1", "b1", "b2"] and panes.listed == 3
        panes.highlighted = 2
        assert panes.selected_id is None and panes.selected_host == "gpu"
        panes.set_filter("eval")
        await pilot.pause()
        assert [o.id for o in panes.options] == ["host:local", "host:gpu", "b2"]
        assert panes.listed == 1 and panes.total == 3
        assert panes.selected_host == "gpu"  # the highlighted header is still listed
        panes.set_filter("")
        await pilot.pause()

        panes.toggle_group("gpu")  # Enter on the header
        await pilot.pause()
        assert [o.id for o in panes.options] == ["host:local", "a1", "host:gpu"]
        header = str(panes.get_option("host:gpu").prompt)
        assert header.startswith("▸ gpu") and "2 hidden" in header
        assert panes.pane_ids == ["a1"] and panes.total == 3
        panes.select_id("b2")  # e.g. the next pane needing you: its group opens
        await pilot.pause()
        assert [o.id for o in panes.options] == ["host:local", "a1", "host:gpu", "b1", "b2"]
        assert panes.selected_id == "b2"
        assert str(panes.get_option("host:gpu").prompt).startswith("▾ gpu")

        panes.set_entries(entries)  # no hosts any more: no headers
        await pilot.pause()
        assert [o.id for o in panes.options] == ["a1", "b1", "b2"]
