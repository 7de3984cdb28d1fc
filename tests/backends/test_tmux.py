"""tmux panes on a private server: survival, truthful status, reconciliation, targets."""

from __future__ import annotations

import os
import resource
import shlex
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from chloe.backends import tmux_runner as tmux_module
from chloe.backends.direct import pane_environment, spawn
from chloe.backends.tmux import TmuxBackend, check_tmux, parse_snapshot
from chloe.backends.tmux_commands import SessionSpec
from chloe.config import load_config
from chloe.errors import (
    PaneGoneError,
    PaneStateError,
    StoreError,
    TmuxError,
    TmuxUnavailableError,
)
from chloe.model import Kind, PaneRecord, Status
from chloe.service import PaneInfo, PaneService
from chloe.store import Store
from chloe.terminal.keys import encode_focus
from tests.support.screen import Screen
from tests.support.tmux import REAL_TMUX
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

Tmux = Callable[..., str]


def by_name(service: PaneService) -> dict[str, PaneInfo]:
    return {i.record.name: i for i in service.panes()}


def sessions(tmux_run: Tmux) -> set[str]:
    return set(tmux_run("list-sessions", "-F", "#{session_name}", check=False).split())


def test_detach_then_reattach_shows_earlier_output(service: PaneService, tmp_path: Path) -> None:
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sh"])
    proc = service.attach(rec, 80, 24)
    screen = Screen(proc)
    screen.type("echo EARLIER$((6*7))\r")
    screen.wait_for("EARLIER42")
    wait_until(lambda: by_name(service)["job"].status is Status.ATTACHED)

    service.detach(rec, proc)
    info = wait_until(
        lambda: by_name(service)["job"],
        accept=lambda i: i.status is Status.DETACHED,
        message="detached once chloe's client is gone",
    )
    assert info.record.user_state.value == "detached"

    again = service.attach(info.record, 80, 24)
    try:
        Screen(again).wait_for("EARLIER42")
        assert by_name(service)["job"].status is Status.ATTACHED
    finally:
        again.close()


def test_a_foreign_tmux_client_does_not_count_as_attached(
    service: PaneService, tmp_path: Path, tmux_socket: str
) -> None:
    """Only chloe's own clients make a pane "attached"."""
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sh"])
    assert rec.tmux_session is not None
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    foreign = spawn(
        ["tmux", "-L", tmux_socket, "attach-session", "-t", f"={rec.tmux_session}"],
        cwd="/",
        env=env,
    )
    try:
        Screen(foreign).wait(
            lambda: real_tmux(service).run("list-clients").stdout.strip() != "", 10, "a client"
        )
        assert by_name(service)["job"].status is Status.DETACHED
        # A lock file named after its pid that nobody holds (say, left by a chloe
        # client that had that pid before) proves nothing, and is cleaned up.
        stale = real_tmux(service).client_lock_dir / str(foreign.pid)
        stale.parent.mkdir(parents=True, exist_ok=True)
        stale.touch()
        assert by_name(service)["job"].status is Status.DETACHED
        assert not stale.exists()
    finally:
        foreign.close()


def real_tmux(service: PaneService) -> TmuxBackend:
    """The service's tmux server: the real one, in these tests."""
    assert isinstance(service.tmux, TmuxBackend)
    return service.tmux


def _lines_of(path: Path) -> list[str]:
    """The lines of ``path``; none while it does not exist."""
    return path.read_text().splitlines() if path.exists() else []


def _settle(screen: Screen, quiet: float = 0.3, limit: float = 10.0) -> bytes:
    """Read the client's pty until nothing arrives for ``quiet`` seconds; what arrived."""
    start = len(screen.raw)
    last = time.monotonic()

    def quiet_for() -> float:
        nonlocal last
        before = len(screen.raw)
        screen.pump(0.05)
        if len(screen.raw) != before:
            last = time.monotonic()
        return time.monotonic() - last

    wait_until(quiet_for, limit, 0.005, f"{quiet}s without output", accept=lambda q: q >= quiet)
    return bytes(screen.raw[start:])


def test_attaching_a_client_does_not_redraw_the_other_clients(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    """Marking chloe's clients writes nothing to tmux (any set-option redraws every client)."""
    a = service.create_tmux(name="a", cwd=str(tmp_path), command=["sh"])
    b = service.create_tmux(name="b", cwd=str(tmp_path), command=["sh"])
    first = Screen(service.attach(a, 80, 24))
    try:
        first.type("echo READY$((2*3))\r")
        first.wait_for("READY6")
        _settle(first)
        second = service.attach(b, 80, 24)
        try:
            wait_until(lambda: by_name(service)["b"].status is Status.ATTACHED)
            assert by_name(service)["a"].status is Status.ATTACHED
            # At most a cursor update (tmux 3.3a: 18 bytes), not the screen again.
            quiet = _settle(first)
            assert len(quiet) < 64 and b"READY6" not in quiet, quiet
            # The same measurement sees a redraw: one set-option on another session.
            tmux_run("set-option", "-t", f"={b.tmux_session}:", "@probe", "x")
            assert b"READY6" in _settle(first)
        finally:
            second.close()
    finally:
        first.proc.close()


def test_a_status_refresh_removes_the_lock_files_of_ended_clients(
    service: PaneService, tmp_path: Path
) -> None:
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sleep", "600"])
    lock_dir = real_tmux(service).client_lock_dir
    proc = service.attach(rec, 80, 24)
    try:
        assert [p.name for p in lock_dir.iterdir()] == [str(proc.pid)]
        wait_until(lambda: by_name(service)["job"].status is Status.ATTACHED)
    finally:
        proc.close()
    wait_until(lambda: proc.poll() is not None, message="the client to exit")
    # Nothing removes the file when the client ends; the kernel only drops its lock.
    assert (lock_dir / str(proc.pid)).exists()
    assert by_name(service)["job"].status is Status.DETACHED
    assert list(lock_dir.iterdir()) == []


def test_the_full_screen_command_line_is_a_chloe_client(
    service: PaneService, tmp_path: Path
) -> None:
    """What the TUI runs for its full-screen attach: locks its pid, drops $TMUX, execs tmux."""
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sh"])
    service.send_text("job", "echo SHOWN$((4*4))", enter=True)
    env = pane_environment()
    env["TMUX"] = f"{tmp_path}/users-server,1,0"  # the test guard fails any tmux that gets it
    env["TMUX_PANE"] = "%0"
    proc = spawn(service.attach_argv(rec), cwd=str(ROOT), env=env)
    try:
        Screen(proc).wait_for("SHOWN16")
        wait_until(lambda: by_name(service)["job"].status is Status.ATTACHED)
        # exec kept the pid: the lock is the client's own.
        assert [p.name for p in real_tmux(service).client_lock_dir.iterdir()] == [str(proc.pid)]
    finally:
        proc.close()
    wait_until(lambda: by_name(service)["job"].status is Status.DETACHED)


def test_session_survives_its_creator_being_sigkilled(service: PaneService, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from chloe.config import load_config
        from chloe.service import PaneService
        from chloe.store import Store
        svc = PaneService(Store(__import__("pathlib").Path({str(service.store.path)!r})),
                          load_config())
        rec = svc.create_tmux(name="survivor", cwd={str(tmp_path)!r}, command=["sleep", "600"])
        proc = svc.attach(rec, 80, 24)
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        assert by_name(service)["survivor"].status is Status.ATTACHED
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    info = wait_until(
        lambda: by_name(service)["survivor"],
        accept=lambda i: i.status is Status.DETACHED,
        message="the session to outlive its creator (and its client)",
    )
    assert info.current_command == "sleep"


def test_killing_the_session_from_outside_turns_the_pane_dead(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    rec = service.create_tmux(name="victim", cwd=str(tmp_path), command=["sleep", "600"])
    service.create_tmux(name="bystander", cwd=str(tmp_path), command=["sleep", "600"])
    tmux_run("kill-session", "-t", f"={rec.tmux_session}")
    infos = by_name(service)
    assert infos["victim"].label == "dead"
    assert infos["victim"].record.ended is not None
    assert infos["bystander"].status is Status.DETACHED
    with pytest.raises(PaneGoneError):
        service.attach(infos["victim"].record, 80, 24)


def test_killing_the_server_turns_every_running_pane_lost_and_the_next_create_works(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    rec = service.create_tmux(name="a", cwd=str(tmp_path), command=["sleep", "600"])
    service.create_tmux(name="b", cwd=str(tmp_path), command=["sleep", "600"])
    client = service.attach(rec, 80, 24)
    try:
        tmux_run("kill-server")
        infos = wait_until(
            lambda: by_name(service), accept=lambda i: i and i["a"].status is Status.LOST
        )
        # They did not end: their server was stopped under them (see docs/usage.md).
        assert {n: i.status for n, i in infos.items()} == {"a": Status.LOST, "b": Status.LOST}
        wait_until(lambda: client.poll() is not None, message="the client to exit")
    finally:
        client.close()
    service.create_tmux(name="c", cwd=str(tmp_path), command=["sleep", "600"])
    infos = by_name(service)
    assert infos["c"].status is Status.DETACHED
    assert infos["a"].status is Status.LOST  # still lost on the new server, until restored


def test_lost_pane_list_is_rebuilt_from_tmux_by_name(
    service: PaneService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from chloe.cli import main
    from chloe.paths import store_path

    cli_service_path = store_path()
    svc = PaneService(Store(cli_service_path), load_config())
    svc.create_tmux(name="build", cwd=str(tmp_path), command=["sleep", "600"])
    svc.create_tmux(name="agent claude", cwd=str(tmp_path), command=["sleep", "600"])
    done = svc.create_tmux(name="finished", cwd=str(tmp_path), command=["sh", "-c", "exit 4"])
    wait_until(lambda: by_name(svc)["finished"].status is Status.DEAD)
    cli_service_path.unlink()

    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    assert "build" in out and "agent claude" in out
    infos = by_name(svc)
    assert infos["build"].status is Status.DETACHED
    assert infos["finished"].label == "dead (exit 4)"
    assert infos["finished"].record.id == done.id
    assert infos["build"].record.command == ("sleep", "600")
    assert infos["build"].record.cwd == str(tmp_path)


def test_adoption_keeps_names_unique(service: PaneService, tmp_path: Path) -> None:
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sleep", "600"])
    service.store.remove(rec.id)
    service.create_tmux(name="job", cwd=str(tmp_path), command=["sleep", "600"])
    names = sorted(by_name(service))
    assert names == ["job", "job-2"]


def test_concurrent_cli_creates_get_distinct_names(service: PaneService, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chloe", "new", "--cwd", str(tmp_path), "--", "sleep", "600"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(20)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 20, [e for _o, e in outputs]
    names = [o.strip() for o, _e in outputs]
    assert len(set(names)) == 20
    from chloe.paths import store_path

    infos = PaneService(Store(store_path()), load_config()).panes()
    assert sorted(i.record.name for i in infos) == sorted(names)
    assert all(i.status is Status.DETACHED for i in infos)


def test_attach_to_a_gone_session_never_recreates_it(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    rec = service.create_tmux(name="gone", cwd=str(tmp_path), command=["sleep", "600"])
    service.create_tmux(name="keeps-server-up", cwd=str(tmp_path), command=["sleep", "600"])
    tmux_run("kill-session", "-t", f"={rec.tmux_session}")
    with pytest.raises(PaneGoneError, match="gone"):
        service.attach(rec, 80, 24)
    with pytest.raises(PaneGoneError):
        service.attach_argv(rec)
    assert rec.tmux_session not in sessions(tmux_run)
    assert by_name(service)["gone"].status is Status.DEAD


def test_targets_are_exact(service: PaneService, tmp_path: Path, tmux_run: Tmux) -> None:
    """A pane whose session is chloe-ab never acts on a session named chloe-abc."""
    tmux_run("new-session", "-d", "-s", "chloe-abc", "-c", str(tmp_path), "sleep 600")
    rec = service.store.add(PaneRecord.new("short", Kind.TMUX, str(tmp_path), pane_id="ab"))
    assert rec.tmux_session == "chloe-ab"

    assert by_name(service)["short"].status is Status.DEAD
    with pytest.raises(PaneGoneError):
        service.attach(rec, 80, 24)
    with pytest.raises(PaneGoneError):
        service.send_text("short", "echo WRONG", enter=True)
    with pytest.raises(PaneGoneError):
        service.capture(rec)
    service.rename("short", "still-short")
    service.kill("still-short")
    assert "chloe-abc" in sessions(tmux_run)
    assert "WRONG" not in tmux_run("capture-pane", "-p", "-t", "=chloe-abc:")
    # The impostor carries no @chloe-id, so it is not adopted either.
    assert set(by_name(service)) == {"still-short"}


def test_has_session_is_exact(service: PaneService, tmux_run: Tmux) -> None:
    """libtmux's exact check; names tmux cannot hold ("." or ":") are simply absent."""
    tmux_run("new-session", "-d", "-s", "a.b", "sleep 600")  # tmux names it a_b
    assert service.tmux.has_session("a_b")
    assert not service.tmux.has_session("a.b")
    assert not service.tmux.has_session("a")
    assert not service.tmux.has_session("")


def test_an_instant_exit_keeps_its_status(service: PaneService, tmp_path: Path) -> None:
    service.create_tmux(name="quick", cwd=str(tmp_path), command=["sh", "-c", "exit 7"])
    service.create_tmux(name="sig", cwd=str(tmp_path), command=["sh", "-c", "kill -TERM $$"])
    infos = wait_until(
        lambda: by_name(service),
        accept=lambda i: i and all(x.status is Status.DEAD for x in i.values()),
    )
    assert infos["quick"].label == "dead (exit 7)"
    assert infos["sig"].label == "dead (SIGTERM)"


def test_status_refresh_spawns_a_fixed_number_of_tmux_processes(
    tmp_path: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = tmp_path / "count"
    wrapper_dir = tmp_path / "wrap"
    wrapper_dir.mkdir()
    wrapper = wrapper_dir / "tmux"
    # Counts every tmux process, then hands over to the next tmux on PATH (the guard).
    wrapper.write_text(
        f'#!/bin/sh\necho x >> "{counter}"\nPATH="${{PATH#{wrapper_dir}:}}" exec tmux "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper_dir}:{os.environ['PATH']}")
    svc = PaneService(Store(tmp_path / "panes.toml"), load_config())

    def refresh_cost() -> int:
        counter.unlink(missing_ok=True)
        infos = svc.panes()
        assert all(i.status is Status.DETACHED for i in infos)
        return len(counter.read_text().splitlines()) if counter.exists() else 0

    svc.create_tmux(cwd=str(tmp_path), command=["sleep", "600"])
    one = refresh_cost()
    for _ in range(29):
        svc.create_tmux(cwd=str(tmp_path), command=["sleep", "600"])
    thirty = refresh_cost()
    assert len(svc.panes()) == 30
    assert one == thirty == 1


def test_rename_and_remove_keep_tmux_in_step(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    rec = service.create_tmux(name="old", cwd=str(tmp_path), command=["sleep", "600"])
    target = f"={rec.tmux_session}:"
    service.rename("old", "new")
    assert tmux_run("show-options", "-v", "-t", target, "@chloe-name").strip() == "new"

    hint = service.remove("new")
    assert hint == f"still running: tmux -L {service.tmux.socket} attach -t '={rec.tmux_session}'"
    assert rec.tmux_session in sessions(tmux_run)
    assert tmux_run("show-options", "-t", target).count("@chloe") == 0
    assert service.panes() == []  # released: not adopted back


def test_removing_a_dead_pane_cleans_up_its_session(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    rec = service.create_tmux(name="done", cwd=str(tmp_path), command=["sh", "-c", "exit 0"])
    wait_until(lambda: by_name(service)["done"].status is Status.DEAD)
    assert service.remove("done") == ""
    assert rec.tmux_session not in sessions(tmux_run)


def test_respawn_restarts_a_dead_pane(service: PaneService, tmp_path: Path, tmux_run: Tmux) -> None:
    rec = service.create_tmux(name="r", cwd=str(tmp_path), command=["sh", "-c", "read x; exit 5"])
    service.send_text("r", "go", enter=True)
    wait_until(lambda: by_name(service)["r"].label == "dead (exit 5)")
    # Session gone: made anew under the same name, alive again.
    tmux_run("kill-session", "-t", f"={rec.tmux_session}")
    new = service.respawn(by_name(service)["r"].record)
    assert new.exit_status is None and new.ended is None
    assert by_name(service)["r"].status is Status.DETACHED
    service.send_text("r", "go", enter=True)
    wait_until(lambda: by_name(service)["r"].label == "dead (exit 5)")
    # Session kept by remain-on-exit: the pane restarts in place.
    again = service.respawn(by_name(service)["r"].record)
    assert again.exit_status is None and again.ended is None
    assert by_name(service)["r"].status is Status.DETACHED
    with pytest.raises(PaneStateError, match="still running"):
        service.respawn(again)
    service.send_text("r", "go", enter=True)
    wait_until(lambda: by_name(service)["r"].label == "dead (exit 5)")


TRICKY_TEXTS = [
    "a;",
    ";",
    "ends with backslash-semicolon \\;",
    "-l --",
    "C-c Enter Escape",
    "{ } #{pane_id} #[fg=red]",
    "$HOME ~ `x` 'q' \"dq\"",
    "héllo wörld ✓ 日本",
]


def test_send_text_arrives_exactly_as_given(service: PaneService, tmp_path: Path) -> None:
    """No key names, no tmux command separators, no format expansion: the bytes as typed."""
    rec = service.create_tmux(name="cat", cwd=str(tmp_path), command=["cat"])
    for text in TRICKY_TEXTS:
        service.send_text("cat", text, enter=True)
    expected = "\n".join(TRICKY_TEXTS)
    # cat echoes each line back; the terminal shows the typed line and cat's copy.
    wait_until(
        lambda: all(service.capture(rec).count(t) >= 2 for t in TRICKY_TEXTS),
        message=f"every text twice on screen:\n{expected}",
    )


def test_send_text_is_literal(service: PaneService, tmp_path: Path) -> None:
    rec = service.create_tmux(name="s", cwd=str(tmp_path), command=["sh"])
    service.send_text("s", "echo 'C-c Enter ; -l'\\;", enter=True)
    wait_until(lambda: "C-c Enter ; -l;" in service.capture(rec))


def test_capture_honours_the_scrollback_setting(tmp_path: Path, tmux_socket: str) -> None:
    (tmp_path / "cfg").mkdir()
    cfg = tmp_path / "cfg" / "config.toml"
    cfg.write_text("scrollback_lines = 50\n")
    svc = PaneService(Store(tmp_path / "panes.toml"), load_config(cfg))
    rec = svc.create_tmux(cwd=str(tmp_path), command=["sh", "-c", "seq 1 500; exec sleep 600"])
    text = wait_until(lambda: svc.capture(rec), accept=lambda t: "500" in t)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert 24 <= len(lines) <= 50 + 24
    assert "1" not in lines  # the start scrolled out of the 50-line history


def test_tmux_missing_leaves_direct_panes_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    svc = PaneService(Store(tmp_path / "panes.toml"), load_config())
    problem = svc.tmux_problem
    assert problem is not None
    assert "not installed" in problem and "apt-get install tmux" in problem
    with pytest.raises(TmuxUnavailableError, match="brew install tmux"):
        svc.create_tmux(cwd=str(tmp_path))
    rec = svc.create_direct(cwd=str(tmp_path), command=["/bin/sh"])
    proc = svc.spawn_direct(rec, 80, 24)
    try:
        assert [i.status for i in svc.panes({rec.id: proc})] == [Status.ATTACHED]
    finally:
        proc.close()


def test_old_tmux_is_refused_with_one_clear_sentence(tmp_path: Path) -> None:
    fake = tmp_path / "tmux"
    fake.write_text("#!/bin/sh\necho 'tmux 2.9a'\n")
    fake.chmod(0o755)
    problem = check_tmux(str(fake))
    assert problem is not None
    assert "3.0 or newer" in problem and "tmux 2.9a" in problem and "apt-get" in problem
    backend = TmuxBackend("x", binary=str(fake))
    with pytest.raises(TmuxUnavailableError):
        backend.require()
    assert not backend.snapshot().reachable


@pytest.mark.parametrize(
    ("says", "problem"),
    [
        ("tmux 3.0", None),
        ("tmux 3.3a", None),
        ("tmux master", None),
        ("tmux next-3.5", None),
        ("tmux 2.9a", "3.0 or newer, and this is tmux 2.9a"),
        ("", "gave no version"),
        ("broken' >&2; echo '", "-V failed (broken)"),
        ("tmux: unknown option -- V' >&2; echo 'usage", "older than 1.7"),
    ],
)
def test_the_version_check_reads_what_tmux_says(
    tmp_path: Path, says: str, problem: str | None
) -> None:
    fake = tmp_path / "tmux"
    fake.write_text(f"#!/bin/sh\necho '{says}'\n" if says else "#!/bin/sh\n")
    fake.chmod(0o755)
    found = check_tmux(str(fake))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found and "apt-get install tmux" in found


def test_a_tmux_that_cannot_run_is_one_clear_sentence(tmp_path: Path) -> None:
    missing = check_tmux(str(tmp_path / "nowhere" / "tmux"))
    assert missing is not None and "could not be run" in missing and "brew install" in missing
    unrunnable = tmp_path / "tmux"
    unrunnable.write_text("not a program")
    unrunnable.chmod(0o644)
    found = check_tmux(str(unrunnable))
    assert found is not None and "could not be run" in found and "apt-get" in found


def test_snapshot_parsing_tolerates_junk_lines() -> None:
    snap = parse_snapshot(["", "garbage", "C\tnot-a-pid\tx", "P\tshort"])
    assert snap.sessions == {}


def test_chloe_settings_win_over_the_users_tmux_conf(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    """~/.tmux.conf still loads (prefix, own options), but chloe's session settings win."""
    home = Path(os.environ["HOME"])
    (home / ".tmux.conf").write_text(
        "set -g prefix C-a\nset -g status on\nset -g remain-on-exit off\n"
        "set -s escape-time 500\nset -g @user-mark mine\n"
    )
    rec = service.create_tmux(name="x", cwd=str(tmp_path), command=["sleep", "600"])
    target = f"={rec.tmux_session}:"
    assert tmux_run("show-options", "-gv", "prefix").strip() == "C-a"
    assert tmux_run("show-options", "-gv", "@user-mark").strip() == "mine"
    assert tmux_run("show-options", "-v", "-t", target, "status").strip() == "off"
    assert tmux_run("show-options", "-wv", "-t", target, "remain-on-exit").strip() == "on"
    assert tmux_run("show-options", "-sv", "escape-time").strip() == "10"
    assert "xterm-256color:Tc" in tmux_run("show-options", "-s", "terminal-overrides")


def _live_tmux_children() -> list[int]:
    """Pids of this test process's children that are running tmux (zombies excluded)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        comm, rest = stat.split(b"(", 1)[1].rsplit(b")", 1)
        state, ppid = rest.split()[:2]
        if int(ppid) == me and comm.startswith(b"tmux") and state != b"Z":
            found.append(int(entry))
    return found


def _command_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chloe-tmux-command"]


@dataclass
class Stopped:
    backend: TmuxBackend
    server_pid: int

    def resume(self) -> None:
        os.kill(self.server_pid, signal.SIGCONT)


@pytest.fixture
def stopped(tmux_socket: str, tmux_run: Tmux) -> Iterator[Stopped]:
    """A backend on the test's private server, whose process is SIGSTOPped (resumed after)."""
    tmux_run("new-session", "-d", "-s", "w", "sleep 600")
    server_pid = int(tmux_run("display-message", "-p", "#{pid}").strip())
    backend = TmuxBackend(tmux_socket)
    assert backend.problem is None
    os.kill(server_pid, signal.SIGSTOP)
    stopped = Stopped(backend, server_pid)
    try:
        yield stopped
    finally:
        stopped.resume()


@pytest.mark.parametrize("findable", [True, False], ids=["proc", "no-proc"])
def test_a_wedged_server_never_hangs_chloe(
    stopped: Stopped, tmux_socket: str, monkeypatch: pytest.MonkeyPatch, findable: bool
) -> None:
    """A stopped server: a clear error in time, no pile-up, and recovery once it answers."""
    monkeypatch.setattr(tmux_module, "CMD_TIMEOUT", 0.5)
    if not findable:  # as on macOS, where there is no /proc to find the stuck tmux in
        monkeypatch.setattr(tmux_module, "kill_own_child", lambda argv: False)
    start = time.monotonic()
    snap = stopped.backend.snapshot()
    assert time.monotonic() - start < 2.0
    assert not snap.reachable
    assert snap.error == f"tmux server {tmux_socket!r} did not answer within 0.5s"
    # The tmux process libtmux started is killed where it can be found.
    if findable:
        wait_until(lambda: _live_tmux_children() == [], timeout=2, message="tmux killed")
    else:
        assert len(_live_tmux_children()) == 1
    # Its thread waits until the server lets go of the client's output pipes;
    # meanwhile every command fails at once rather than starting another tmux.
    start = time.monotonic()
    for _ in range(5):
        with pytest.raises(TmuxError, match=r"did not answer within 0\.5s"):
            stopped.backend.send_text("w", "x", enter=False)
        assert stopped.backend.snapshot().reachable is False
    assert time.monotonic() - start < 0.5
    assert len(_command_threads()) == 1
    stopped.resume()
    wait_until(lambda: not _command_threads(), timeout=5, message="the stuck command to end")
    assert _live_tmux_children() == []
    assert "w" in stopped.backend.snapshot().sessions


def test_inside_the_users_tmux_chloe_still_drives_its_own_server(
    tmp_path: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libtmux hands tmux chloe's $TMUX; it must not leak into chloe's server or clients.

    Uses the real tmux: the test guard refuses any call that inherits $TMUX.
    """
    assert REAL_TMUX is not None
    monkeypatch.setenv("TMUX", f"{tmp_path}/users-server,1,0")
    monkeypatch.setenv("TMUX_PANE", "%0")
    backend = TmuxBackend(tmux_socket, binary=REAL_TMUX)
    backend.create_session(
        SessionSpec(
            "chloe-in",
            pane_id="in",
            name="in",
            cwd=str(tmp_path),
            command=["sh", "-c", 'echo "T=$TMUX P=$TMUX_PANE"; exec cat'],
            columns=250,
            rows=24,
            history_limit=100,
            status_line=False,
        )
    )
    global_env = backend.run("show-environment", "-g").stdout
    assert "TMUX=" not in global_env and "TMUX_PANE=" not in global_env
    # The pane sees chloe's server, not the user's.
    text = wait_until(
        lambda: backend.capture("chloe-in", lines=0, escapes=False),
        accept=lambda t: "T=" in t,
    )
    assert "users-server" not in text and tmux_socket in text
    assert backend.snapshot().sessions["chloe-in"].chloe_id == "in"
    client = backend.attach("chloe-in", 80, 24)
    try:
        Screen(client).wait_for("P=%0")
        wait_until(lambda: backend.snapshot().sessions["chloe-in"].attached)
    finally:
        client.close()
    assert backend.kill("chloe-in")


_ENDING_TMUX_CONF = """\
set -g exit-unattached on
set -g destroy-unattached on
set -g lock-after-time 1
set -g remain-on-exit off
"""


@pytest.mark.parametrize("options", ["exit-unattached", "destroy-unattached", "all"])
def test_a_tmux_conf_that_ends_unattached_sessions_does_not_end_chloes(
    service: PaneService, tmp_path: Path, tmux_run: Tmux, options: str
) -> None:
    """Options in ~/.tmux.conf that end (or lock) sessions nobody is attached to are overridden."""
    home = Path(os.environ["HOME"])
    lines = _ENDING_TMUX_CONF.splitlines()
    chosen = lines if options == "all" else [line for line in lines if options in line]
    (home / ".tmux.conf").write_text("\n".join(chosen) + "\n")
    first = service.create_tmux(name="a", cwd=str(tmp_path), command=["sleep", "600"])
    second = service.create_tmux(name="b", cwd=str(tmp_path), command=["sleep", "600"])
    client = service.attach(first, 80, 24)
    Screen(client).wait(
        lambda: by_name(service)["a"].status is Status.ATTACHED, 10, "chloe's client attached"
    )
    client.close()
    # The server has handled the client's departure once it no longer lists it.
    wait_until(
        lambda: (
            tmux_run("list-clients", check=False).strip() == ""
            and by_name(service)["a"].status is not Status.ATTACHED
        ),
        message="the client gone",
    )
    infos = by_name(service)
    assert infos["a"].status is Status.DETACHED
    assert infos["b"].status is Status.DETACHED
    assert sessions(tmux_run) == {first.tmux_session, second.tmux_session}
    if options == "all":
        target = f"={first.tmux_session}:"
        assert tmux_run("show-options", "-v", "-t", target, "lock-after-time").strip() == "0"


def test_a_client_of_a_killed_session_ends_even_with_detach_on_destroy_off(
    service: PaneService, tmp_path: Path
) -> None:
    """With ``detach-on-destroy off`` tmux would switch the client to another pane's session."""
    (Path(os.environ["HOME"]) / ".tmux.conf").write_text("set -g detach-on-destroy off\n")
    service.create_tmux(name="other", cwd=str(tmp_path), command=["sh", "-c", "echo OTHER; cat"])
    rec = service.create_tmux(
        name="mine", cwd=str(tmp_path), command=["sh", "-c", "echo MINE; cat"]
    )
    screen = Screen(service.attach(rec, 80, 24))
    try:
        screen.wait_for("MINE")
        service.kill("mine")
        screen.wait(lambda: screen.eof, 10, "the client to end with its session")
        assert "OTHER" not in screen.text()
    finally:
        screen.proc.close()


_KEY_LOGGER = """\
import os, sys, tty
tty.setraw(0)
os.write(1, sys.argv[2].encode() + b"READY\\r\\n")
with open(sys.argv[1], "ab", buffering=0) as log:
    while data := os.read(0, 1024):
        log.write(data.hex().encode() + b"\\n")
"""


def _received(log: Path) -> bytes:
    """Every byte the key logger read, in order (it writes one hex line per read)."""
    return b"".join(bytes.fromhex(line) for line in log.read_text().split())


def test_a_program_asking_for_focus_reports_gets_them_through_chloes_client(
    service: PaneService, tmp_path: Path
) -> None:
    """chloe's server has ``focus-events on``: focus in/out reach a program that enables 1004."""
    log = tmp_path / "keys.log"
    log.touch()
    command = [sys.executable, "-c", _KEY_LOGGER, str(log), "\x1b[?1004h"]
    rec = service.create_tmux(name="focus", cwd=str(tmp_path), command=command)
    screen = Screen(service.attach(rec, 80, 24))
    try:
        screen.wait_for("READY")
        # tmux's client asks its terminal (chloe's emulator) for focus reports...
        screen.wait(lambda: screen.term.focus_events, 10, "the client to enable mode 1004")
        # ...reports focus in to the program as the client attaches (one read may
        # hold two reports: the "out" tmux sends when the mode is set before the
        # client is there, then the attach's "in")...
        wait_until(lambda: b"\x1b[I" in _received(log), message="CSI I in the pane")
        # ...and passes on the focus out chloe sends when the user leaves the pane.
        screen.proc.write(encode_focus(False, screen.term))
        wait_until(lambda: b"\x1b[O" in _received(log), message="CSI O in the pane")
    finally:
        screen.proc.close()


def _socket_file(tmux_socket: str) -> Path:
    return Path(os.environ["TMUX_TMPDIR"]) / f"tmux-{os.getuid()}" / tmux_socket


def _server_pid(tmux_run: Tmux) -> int:
    return int(tmux_run("display-message", "-p", "#{pid}").strip())


@pytest.fixture
def two_panes(service: PaneService, tmp_path: Path, tmux_run: Tmux) -> Iterator[int]:
    """Two live tmux panes ("a", "b") and one that has ended ("done"); yields the server pid."""
    service.create_tmux(name="a", cwd=str(tmp_path), command=["sleep", "600"])
    service.create_tmux(name="b", cwd=str(tmp_path), command=["sleep", "600"])
    service.create_tmux(name="done", cwd=str(tmp_path), command=["true"])
    wait_until(lambda: by_name(service)["done"].status is Status.DEAD)
    pid = _server_pid(tmux_run)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_stopped_server_makes_panes_unreachable_not_dead(
    service: PaneService, two_panes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tmux_module, "CMD_TIMEOUT", 0.5)
    before = service.store.path.read_bytes()
    os.kill(two_panes, signal.SIGSTOP)
    start = time.monotonic()
    infos = by_name(service)
    assert time.monotonic() - start < 3.0
    assert {n: i.label for n, i in infos.items()} == {
        "a": "unreachable",
        "b": "unreachable",
        "done": "dead (exit 0)",
    }
    assert "did not answer" in (service.tmux_unreachable or "")
    assert service.store.path.read_bytes() == before
    # R on an unreachable pane does not start a second copy.
    with pytest.raises(TmuxError, match="cannot tell whether 'a' still runs"):
        service.respawn(infos["a"].record)
    os.kill(two_panes, signal.SIGCONT)
    wait_until(lambda: by_name(service)["a"].status is Status.DETACHED, message="back")
    assert service.tmux_unreachable is None


def test_a_deleted_socket_file_is_made_again_and_no_second_server_starts(
    service: PaneService, two_panes: int, tmux_socket: str, tmux_run: Tmux, tmp_path: Path
) -> None:
    """A tmp cleaner removed the socket: chloe finds the server again by its pid."""
    socket = _socket_file(tmux_socket)
    socket.unlink()
    infos = by_name(service)
    assert {n: i.status for n, i in infos.items()} == {
        "a": Status.DETACHED,
        "b": Status.DETACHED,
        "done": Status.DEAD,
    }
    assert socket.exists()
    # Again, now with `chloe new`: it reaches the same server instead of starting one.
    socket.unlink()
    service.create_tmux(name="c", cwd=str(tmp_path), command=["sleep", "600"])
    assert _server_pid(tmux_run) == two_panes
    assert set(by_name(service)) == {"a", "b", "done", "c"}
    assert by_name(service)["a"].status is Status.DETACHED


def test_a_deleted_socket_of_a_stopped_server_is_unreachable_and_new_refuses(
    service: PaneService, two_panes: int, tmux_run: Tmux, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tmux_module, "CMD_TIMEOUT", 0.5)
    before = service.store.path.read_bytes()
    socket = _socket_file(service.tmux.socket)
    os.kill(two_panes, signal.SIGSTOP)
    socket.unlink()
    start = time.monotonic()
    infos = by_name(service)
    assert time.monotonic() - start < 5.0
    assert infos["a"].status is Status.UNREACHABLE and infos["b"].status is Status.UNREACHABLE
    assert f"pid {two_panes}" in (service.tmux_unreachable or "")
    with pytest.raises(TmuxError, match="no second server was started"):
        service.create_tmux(name="c", cwd="/", command=["sleep", "600"])
    assert not socket.exists()
    assert service.store.path.read_bytes() == before
    os.kill(two_panes, signal.SIGCONT)
    wait_until(lambda: by_name(service)["a"].status is Status.DETACHED, message="back")
    assert _server_pid(tmux_run) == two_panes


def test_a_command_tmux_did_not_answer_says_it_may_still_happen(
    service: PaneService, two_panes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tmux client is killed, but the server may hold the command: say so, truthfully."""
    # Long enough for a tmux client to hand the server its pipes on a loaded machine.
    monkeypatch.setattr(tmux_module, "CMD_TIMEOUT", 2.0)
    session = service.find("a").tmux_session
    assert session is not None
    os.kill(two_panes, signal.SIGSTOP)
    with pytest.raises(TmuxError, match=r"did not answer within 2s .*may still arrive"):
        service.send_text("a", "first", enter=False)  # `chloe send`: through a tmux buffer
    with pytest.raises(TmuxError, match=r"did not answer within 2s .*may still happen"):
        service.tmux.send_text(session, "second", enter=False)  # send-keys
    # While that command waits, others are refused before they are sent.
    start = time.monotonic()
    with pytest.raises(TmuxError, match="nothing was sent"):
        service.send_text("a", "never", enter=False)
    with pytest.raises(TmuxError, match="nothing was sent"):
        service.tmux.send_text(session, "never", enter=False)
    assert time.monotonic() - start < 1.0
    os.kill(two_panes, signal.SIGCONT)
    wait_until(lambda: not _command_threads(), message="the waiting command to end")
    # send-keys had reached the server: it types the text now, as the error said.
    wait_until(lambda: "second" in service.capture(service.find("a"), lines=0), message="text")
    assert "never" not in service.capture(service.find("a"), lines=0)


def test_a_new_pane_that_cannot_be_saved_does_not_keep_running(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    """All or nothing: the file cannot grow (a full disk), so the new session goes too."""
    service.create_tmux(name="first", cwd=str(tmp_path), command=["sleep", "600"])
    before = sessions(tmux_run)
    size = service.store.path.stat().st_size
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 16, hard))
    try:
        with pytest.raises(StoreError, match="cannot write"):
            service.create_tmux(name="second", cwd=str(tmp_path), command=["sleep", "600"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert sessions(tmux_run) == before
    assert set(by_name(service)) == {"first"}


def test_status_queries_against_a_stopped_server_do_not_queue_on_the_store_lock(
    service: PaneService, two_panes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmux is not asked under the store's lock: N waits overlap instead of adding up."""
    monkeypatch.setattr(tmux_module, "CMD_TIMEOUT", 1.0)
    config = load_config()
    services = [PaneService(Store(service.store.path), config) for _ in range(5)]
    labels: list[set[str]] = []
    os.kill(two_panes, signal.SIGSTOP)
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda s=s: labels.append({i.label for i in s.panes()}))
        for s in services
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    elapsed = time.monotonic() - start
    assert labels == [{"unreachable", "dead (exit 0)"}] * 5
    assert elapsed < 4.5, f"5 status queries took {elapsed:.1f}s against a 1s timeout"


def test_creates_racing_status_queries_never_show_a_new_pane_dead(
    tmux_socket: str, tmp_path: Path
) -> None:
    """A status query between a session's creation and its record's save gets it right."""
    from chloe.paths import store_path

    stop = threading.Event()
    seen: list[tuple[str, str]] = []
    why: list[str] = []

    def watch() -> None:
        watcher = PaneService(Store(store_path()), load_config())
        while not stop.is_set():
            seen.extend((i.record.id, i.label) for i in watcher.panes())
            if watcher.tmux_unreachable:  # a 10 s timeout on a loaded machine is honest
                why.append(watcher.tmux_unreachable)

    watchers = [threading.Thread(target=watch) for _ in range(2)]
    for t in watchers:
        t.start()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chloe", "new", "--cwd", str(tmp_path), "--", "sleep", "600"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(10)
    ]
    try:
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        stop.set()
        for t in watchers:
            t.join(30)
    assert [p.returncode for p in procs] == [0] * 10, [e for _o, e in outputs]
    # "checking…": saved after tmux was asked, not known yet; never "dead".
    assert {label for _id, label in seen} <= {"detached", "unreachable", "checking…"}, why
    infos = PaneService(Store(store_path()), load_config()).panes()
    assert sorted(i.record.name for i in infos) == sorted(o.strip() for o, _e in outputs)
    assert len({i.record.id for i in infos}) == 10
    assert all(i.status is Status.DETACHED for i in infos)


@pytest.mark.parametrize(
    "dirname", ["ends-with;", "hash#{pid}", "run#(touch PWNED)", "both#;"], ids=str
)
def test_a_directory_tmux_would_read_specially_reaches_the_pane_as_is(
    service: PaneService, tmp_path: Path, dirname: str
) -> None:
    """``;`` ends a tmux command and ``-c`` is a tmux format: neither may touch the path."""
    cwd = tmp_path / dirname
    cwd.mkdir()
    log = tmp_path / "pwd.log"
    script = f'printf "%s\\n" "$PWD" >> {shlex.quote(str(log))}; read line'
    service.create_tmux(name="d", cwd=str(cwd), command=["sh", "-c", script])
    wait_until(lambda: log.exists() and log.read_text().splitlines() == [str(cwd)])
    info = by_name(service)["d"]
    assert info.status is Status.DETACHED and info.record.cwd == str(cwd)
    # Ended, then respawned in its live session (respawn-pane): the same directory.
    service.send_text("d", "", enter=True)
    wait_until(lambda: by_name(service)["d"].status is Status.DEAD, message="the pane ended")
    service.respawn(service.find("d"))
    wait_until(lambda: log.read_text().splitlines() == [str(cwd)] * 2, message="respawned")
    assert not list(tmp_path.rglob("PWNED"))
    assert not (Path.cwd() / "PWNED").exists()


def test_the_rm_hint_is_safe_to_paste_for_any_session_name(
    service: PaneService, tmp_path: Path, tmux_run: Tmux
) -> None:
    """A session renamed with plain tmux to a name with quotes still gives a paste-safe hint."""
    rec = service.create_tmux(name="job", cwd=str(tmp_path), command=["sleep", "600"])
    odd = "it's; touch PWNED;"
    tmux_run("rename-session", "-t", f"={rec.tmux_session}", odd[:-1] + "\\;")
    assert by_name(service)["job"].record.tmux_session == odd
    hint = service.remove("job")
    command = hint.removeprefix("still running: ")
    assert shlex.split(command) == ["tmux", "-L", service.tmux.socket, "attach", "-t", f"={odd}"]
    assert command.split(" -t ")[1].startswith("'")  # zsh would expand a bare leading '='
    assert odd in sessions_by_line(tmux_run)
    assert service.panes() == []  # released (its marks removed), so not adopted back


def sessions_by_line(tmux_run: Tmux) -> set[str]:
    return set(tmux_run("list-sessions", "-F", "#{session_name}", check=False).splitlines())


def test_a_new_pane_gets_the_creating_environment_not_the_servers(
    service: PaneService, tmp_path: Path, tmux_run: Tmux, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server keeps the environment it started with; a later pane must not see it."""
    (Path(os.environ["HOME"]) / ".tmux.conf").write_text(
        "set -g update-environment 'DISPLAY SSH_AUTH_SOCK'\n"
    )
    monkeypatch.setenv("CHLOE_TEST_SECRET", "from-the-first-shell")
    service.create_tmux(name="first", cwd=str(tmp_path), command=["sleep", "600"])
    assert "CHLOE_TEST_SECRET=from-the-first-shell" in tmux_run("show-environment", "-g")

    monkeypatch.delenv("CHLOE_TEST_SECRET")
    monkeypatch.setenv("CHLOE_TEST_MINE", "from-the-second-shell")
    dump = tmp_path / "env.txt"
    script = f"env > {shlex.quote(str(dump))}.tmp; mv {shlex.quote(str(dump))}.tmp {dump}; cat"
    service.create_tmux(name="second", cwd=str(tmp_path), command=["sh", "-c", script])
    env = wait_until(partial(_lines_of, dump))
    assert "CHLOE_TEST_MINE=from-the-second-shell" in env
    assert not [line for line in env if line.startswith("CHLOE_TEST_SECRET=")]
    assert any(line.startswith("TMUX=") for line in env)  # tmux's own, for the pane
    # The user's update-environment is as their tmux.conf set it.
    shown = tmux_run("show-options", "-g", "update-environment").split()
    assert shown == ["update-environment[0]", "DISPLAY", "update-environment[1]", "SSH_AUTH_SOCK"]


def test_tmux_panes_are_told_chloe_shows_24_bit_colour(
    service: PaneService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As direct panes: ``COLORTERM=truecolor``, whatever chloe's own terminal said."""
    monkeypatch.delenv("COLORTERM", raising=False)
    dumps = []
    for name in ("fresh", "restarted"):
        dump = tmp_path / f"{name}.txt"
        dumps.append(dump)
        script = f"env > {shlex.quote(str(dump))}.tmp; mv {shlex.quote(str(dump))}.tmp {dump}"
        if name == "fresh":
            service.create_tmux(name=name, cwd=str(tmp_path), command=["sh", "-c", script])
            rec = by_name(service)[name].record
        else:
            wait_until(dumps[0].exists)
            assert rec.tmux_session is not None
            service.tmux.respawn(rec.tmux_session, cwd=str(tmp_path), command=["sh", "-c", script])
    for dump in dumps:
        env = wait_until(partial(_lines_of, dump))
        assert "COLORTERM=truecolor" in env
