"""tmux panes on other hosts, through a real sshd on loopback and a private remote tmux."""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from chloe.backends.remote import RemoteTmuxBackend
from chloe.config import Config, HostConfig, load_config
from chloe.errors import PaneGoneError, TmuxError, TmuxUnavailableError, UnknownHostError
from chloe.model import LOCAL_HOST, Kind, PaneRecord, Status
from chloe.service import PaneInfo, PaneService
from chloe.store import Store
from tests.hosts.sshd import SshServer
from tests.support.screen import Screen
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.ssh, pytest.mark.tmux]


def host_entry(server: SshServer, name: str | None = None, tmux: str | None = None) -> HostConfig:
    entry = HostConfig(
        name or server.alias,
        server.alias,
        socket=server.tmux_socket,
        ssh_options=server.ssh_options,
    )
    return dataclasses.replace(entry, tmux=tmux) if tmux else entry


def make_service(tmp_path: Path, *hosts: HostConfig) -> PaneService:
    config: Config = dataclasses.replace(load_config(), hosts=hosts)
    return PaneService(Store(tmp_path / "data" / "panes.toml"), config)


@pytest.fixture
def remote(tmp_path: Path, ssh_server: SshServer, tmux_socket: str) -> PaneService:
    """A service whose config has one host, ``h1``, reached through the test's sshd."""
    return make_service(tmp_path, host_entry(ssh_server))


def by_name(service: PaneService) -> dict[str, PaneInfo]:
    return {i.record.name: i for i in service.panes()}


def remote_sessions(server: SshServer) -> set[str]:
    return set(server.tmux("list-sessions", "-F", "#{session_name}").stdout.split())


def test_a_remote_pane_runs_on_the_hosts_tmux_and_shows_its_output(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    rec = remote.create_tmux(name="job", cwd=str(tmp_path), command=["sh"], host="h1")
    assert rec.host == "h1"
    assert rec.tmux_session in remote_sessions(ssh_server)  # on the host's socket
    assert by_name(remote)["job"].status is Status.DETACHED  # no client of chloe's yet
    remote.send_text("job", "echo REMOTE$((6*7))", enter=True)
    wait_until(lambda: "REMOTE42" in remote.capture(rec), message="the pane's output")

    proc = remote.attach(rec, 80, 24)
    screen = Screen(proc)
    screen.wait_for("REMOTE42")  # reattached: the earlier output is there
    screen.type("echo TYPED$((7*6))\r")
    screen.wait_for("TYPED42")
    wait_until(lambda: by_name(remote)["job"].status is Status.ATTACHED)

    remote.detach(rec, proc)
    info = wait_until(
        lambda: by_name(remote)["job"],
        accept=lambda i: i.status is Status.DETACHED,
        message="detached once chloe's client is gone",
    )
    assert info.record.user_state.value == "detached"
    assert rec.tmux_session in remote_sessions(ssh_server)  # it runs on

    again = remote.attach(info.record, 80, 24)
    try:
        Screen(again).wait_for("TYPED42")
        assert by_name(remote)["job"].status is Status.ATTACHED
    finally:
        again.close()


def test_an_ended_remote_pane_is_dead_with_its_exit_status_and_respawns(
    remote: PaneService, tmp_path: Path
) -> None:
    remote.create_tmux(name="fails", cwd=str(tmp_path), command=["sh", "-c", "exit 3"], host="h1")
    info = wait_until(
        lambda: by_name(remote)["fails"],
        accept=lambda i: i.status is Status.DEAD and i.exit_status is not None,
        message="dead with its exit status",
    )
    assert info.label == "dead (exit 3)"
    back = remote.respawn(info.record)
    assert back.exit_status is None
    wait_until(
        lambda: by_name(remote)["fails"].label == "dead (exit 3)", message="ran and failed again"
    )


def test_kill_rename_and_remove_reach_the_host(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    rec = remote.create_tmux(name="a", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
    remote.rename("a", "b")
    assert (
        ssh_server.tmux(
            "show-options", "-v", "-t", f"={rec.tmux_session}:", "@chloe-name"
        ).stdout.strip()
        == "b"
    )
    remote.kill("b")
    assert rec.tmux_session not in remote_sessions(ssh_server)
    assert by_name(remote)["b"].status is Status.DEAD
    with pytest.raises(PaneGoneError):
        remote.send_text("b", "x")
    remote.remove("b")
    assert "b" not in by_name(remote)


def test_removing_a_running_remote_pane_releases_it_with_an_ssh_hint(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    rec = remote.create_tmux(name="keep", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
    hint = remote.remove("keep")
    assert hint.startswith("still running: ssh -t h1 tmux -S ")
    assert rec.tmux_session in remote_sessions(ssh_server)
    assert "keep" not in by_name(remote)  # released: not adopted back


def test_an_unreachable_host_makes_its_panes_unreachable_never_dead(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    remote.create_tmux(name="job", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
    remote.create_tmux(name="done", cwd=str(tmp_path), command=["sh", "-c", "exit 4"], host="h1")
    remote.create_tmux(name="here", cwd=str(tmp_path), command=["sleep", "300"])
    wait_until(lambda: by_name(remote)["done"].label == "dead (exit 4)")
    assert by_name(remote)["job"].status is Status.DETACHED
    store_file = tmp_path / "data" / "panes.toml"
    before = store_file.read_bytes()

    ssh_server.stop()  # the host drops off the network (its connections end too)
    infos = wait_until(
        lambda: by_name(remote),
        accept=lambda i: i["job"].status is Status.UNREACHABLE,
        timeout=30,
        message="unreachable once the host is gone",
    )
    assert infos["job"].label == "unreachable"
    assert infos["job"].last_seen is not None  # since when
    assert infos["done"].label == "dead (exit 4)"  # already ended: stays dead
    assert infos["here"].status is Status.DETACHED  # the local pane is not affected
    assert "cannot be reached" in (remote.host_snapshots["h1"].error or "")
    assert store_file.read_bytes() == before  # nothing written because of an absence
    with pytest.raises(TmuxError, match="cannot be reached"):
        remote.send_text("job", "x")
    with pytest.raises(TmuxError, match="nothing was changed"):
        remote.remove("job")

    ssh_server.start()
    infos = wait_until(
        lambda: by_name(remote),
        accept=lambda i: i["job"].status is Status.DETACHED,
        timeout=30,
        message="back once the host answers",
    )
    assert infos["done"].label == "dead (exit 4)"


def test_two_hosts_and_this_machine_in_one_list(
    ssh_servers: Callable[[str], SshServer], tmp_path: Path, tmux_socket: str
) -> None:
    one, two = ssh_servers("h1"), ssh_servers("h2")
    service = make_service(tmp_path, host_entry(one), host_entry(two))
    service.create_tmux(name="on-one", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
    service.create_tmux(name="on-two", cwd=str(tmp_path), command=["sleep", "300"], host="h2")
    service.create_tmux(name="here", cwd=str(tmp_path), command=["sleep", "300"])
    infos = by_name(service)
    assert {n: (i.record.host, i.status) for n, i in infos.items()} == {
        "on-one": ("h1", Status.DETACHED),
        "on-two": ("h2", Status.DETACHED),
        "here": (LOCAL_HOST, Status.DETACHED),
    }
    assert remote_sessions(one) == {infos["on-one"].record.tmux_session}
    assert remote_sessions(two) == {infos["on-two"].record.tmux_session}

    two.stop()
    infos = wait_until(
        lambda: by_name(service),
        accept=lambda i: i["on-two"].status is Status.UNREACHABLE,
        timeout=30,
    )
    assert infos["on-one"].status is Status.DETACHED
    assert infos["here"].status is Status.DETACHED


def test_a_pane_list_lost_is_rebuilt_from_each_hosts_tmux(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    rec = remote.create_tmux(name="agent", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
    (tmp_path / "data" / "panes.toml").unlink()
    info = by_name(remote)["agent"]
    assert (info.record.id, info.record.host, info.status) == (rec.id, "h1", Status.DETACHED)


HOSTILE = "$(touch pwned); touch pwned2 `touch pwned3` 'q\" \\"


def test_hostile_names_directories_and_commands_run_nothing_on_the_host(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    work = tmp_path / HOSTILE.replace("/", "_")
    work.mkdir()
    rec = remote.create_tmux(name=HOSTILE, cwd=str(work), command=["sleep", "300"], host="h1")
    remote.rename(HOSTILE, HOSTILE + " again;")
    remote.send_text(rec.id, HOSTILE)
    wait_until(
        lambda: HOSTILE in remote.capture(rec), timeout=20, message="the text typed as it is"
    )
    info = by_name(remote)[HOSTILE + " again;"]
    assert info.status is Status.DETACHED
    assert info.record.cwd == str(work)
    remote.create_tmux(name="cmd", cwd=str(work), command=["echo", HOSTILE], host="h1")
    wait_until(
        lambda: "$(touch pwned)" in remote.capture(remote.find("cmd")),
        timeout=20,
        message="the command's words printed as they are",
    )
    remote.kill(rec.id)
    for where in (ssh_server.home, tmp_path, work, Path("/root"), Path.cwd()):
        assert not any((where / n).exists() for n in ("pwned", "pwned2", "pwned3")), (
            f"a hostile word ran in {where}"
        )


def test_a_host_without_tmux_is_one_clear_sentence(
    ssh_server: SshServer, tmp_path: Path, tmux_socket: str
) -> None:
    service = make_service(tmp_path, host_entry(ssh_server, tmux="/nonexistent/tmux"))
    with pytest.raises(TmuxUnavailableError) as info:
        service.create_tmux(name="x", cwd=str(tmp_path), host="h1")
    message = str(info.value)
    assert "host 'h1'" in message and "/nonexistent/tmux" in message
    assert "install tmux on that host" in message and "\n" not in message


def test_a_host_with_an_old_tmux_is_refused(
    ssh_server: SshServer, tmp_path: Path, tmux_socket: str
) -> None:
    old = ssh_server.root / "old-tmux"
    old.write_text("#!/bin/sh\necho 'tmux 2.9'\n")
    old.chmod(0o755)
    service = make_service(tmp_path, host_entry(ssh_server, tmux=str(old)))
    snap = service.server("h1").snapshot()
    assert not snap.reachable
    assert "and that host has tmux 2.9" in (snap.error or "")


def test_an_unknown_host_is_named_with_the_known_ones(remote: PaneService, tmp_path: Path) -> None:
    with pytest.raises(
        UnknownHostError, match=r"no host 'gpu' in config.toml \(hosts: local, h1\)"
    ):
        remote.create_tmux(name="x", cwd=str(tmp_path), host="gpu")


def test_status_ticks_and_attaches_share_one_connection(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    rec = remote.create_tmux(name="job", cwd=str(tmp_path), command=["sh"], host="h1")
    for _ in range(5):
        remote.panes()
    proc = remote.attach(rec, 80, 24)
    try:
        Screen(proc).type("echo SHARED\r")
        Screen(proc).wait_for("SHARED")
    finally:
        proc.close()
    logins = ssh_server.log.read_text().count("Accepted publickey")
    assert logins == 1, ssh_server.log.read_text()
    backend = remote.server("h1")
    assert isinstance(backend, RemoteTmuxBackend)
    control = backend.transport.control_path()
    assert control.is_socket()
    assert os.stat(control.parent).st_mode & 0o777 == 0o700


def test_a_host_that_never_answers_slows_one_refresh_not_every_one(
    ssh_server: SshServer, tmp_path: Path, tmux_socket: str
) -> None:
    """A host that accepts the connection and then says nothing (a wedged machine)."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        wedged = HostConfig(
            "wedged",
            f"127.0.0.1:{port}",
            ssh_options=(*ssh_server.ssh_options, "-o", "ConnectTimeout=2"),
        )
        service = make_service(tmp_path, host_entry(ssh_server), wedged)
        service.store.add(PaneRecord.new("stuck", Kind.TMUX, "/srv", host="wedged"))
        service.create_tmux(name="fine", cwd=str(tmp_path), command=["sleep", "300"], host="h1")
        started = time.monotonic()
        infos = by_name(service)
        first = time.monotonic() - started
        assert infos["stuck"].status is Status.UNREACHABLE
        assert infos["fine"].status is Status.DETACHED
        assert first >= 2  # waited for ssh's ConnectTimeout once
        for _ in range(3):
            started = time.monotonic()
            infos = by_name(service)
            assert time.monotonic() - started < 1.5, "waited for the wedged host again"
            assert infos["stuck"].status is Status.UNREACHABLE
            assert infos["fine"].status is Status.DETACHED
    finally:
        silent.close()


def test_the_full_screen_attach_of_a_remote_pane_counts_as_chloes_client(
    remote: PaneService, ssh_server: SshServer, tmp_path: Path
) -> None:
    from chloe.backends.direct import pane_environment, spawn

    rec = remote.create_tmux(name="job", cwd=str(tmp_path), command=["sh"], host="h1")
    argv = remote.attach_argv(rec)
    assert "-tt" in argv and "attach-session" in argv[-1]
    proc = spawn(argv, cwd="/", env=pane_environment(), columns=80, rows=24)
    try:
        screen = Screen(proc)
        screen.type("echo FULL$((6*7))\r")
        screen.wait_for("FULL42")
        wait_until(lambda: by_name(remote)["job"].status is Status.ATTACHED)
    finally:
        proc.close()
    wait_until(lambda: by_name(remote)["job"].status is Status.DETACHED, message="its end seen")
