"""Direct panes: a child on chloe's own pty, cleaned up completely."""

from __future__ import annotations

import os
import signal
import termios
import time
from pathlib import Path

import pytest

from chloe.backends.direct import CLOSE_GRACE_TOTAL, spawn
from chloe.config import load_config
from chloe.errors import PaneStartError, PaneStateError
from chloe.model import ExitStatus, Status
from chloe.service import PaneService
from chloe.store import Store
from tests.support.screen import Screen
from tests.support.waiting import wait_until


@pytest.fixture
def svc(tmp_path: Path) -> PaneService:
    return PaneService(Store(tmp_path / "panes.toml"), load_config())


def state(pid: int) -> str:
    """The process state letter (``R``, ``S``, ``Z``...), or ``""`` once it is reaped."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return ""


def gone(pid: int) -> bool:
    """True once ``pid`` is neither running nor a zombie (it was reaped)."""
    return state(pid) in ("", "X")


def test_close_leaves_no_process_and_no_zombie(svc: PaneService, tmp_path: Path) -> None:
    rec = svc.create_direct(cwd=str(tmp_path), command=["sh", "-c", "sleep 600 & echo BG=$!; wait"])
    proc = svc.spawn_direct(rec, 80, 24)
    screen = Screen(proc)
    text = screen.wait(lambda: "BG=" in screen.text() and "\n" in screen.text(), 10, "bg pid")
    bg = int(text.split("BG=")[1].split()[0])
    leader = proc.pid
    started = time.monotonic()
    proc.close()
    assert time.monotonic() - started < 0.5  # never blocks the caller for long
    wait_until(lambda: gone(leader), message="the shell to be reaped")
    # Not our child: init reaps it, so a zombie here already means "ended".
    wait_until(lambda: state(bg) in ("", "X", "Z"), message="the background job to end")
    assert proc.poll() is not None
    proc.close()  # idempotent


def test_a_child_ignoring_sighup_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    proc = spawn(
        ["sh", "-c", "trap '' HUP; echo READY; while :; do sleep 1; done"],
        cwd=str(tmp_path),
        env=dict(os.environ),
    )
    Screen(proc).wait_for("READY")
    started = time.monotonic()
    proc.close()
    assert time.monotonic() - started < 0.5
    # Reaped (no zombie), and the status recorded: the reaper thread's wait() holds
    # Popen's lock for a moment after the reap, when poll() still says "running".
    wait_until(lambda: gone(proc.pid) and proc.poll() is not None, timeout=CLOSE_GRACE_TOTAL + 5)
    assert proc.poll() == ExitStatus(signal=signal.SIGKILL)


def test_exit_by_signal_is_reported(svc: PaneService, tmp_path: Path) -> None:
    rec = svc.create_direct(cwd=str(tmp_path), command=["sh", "-c", "kill -TERM $$"])
    proc = svc.spawn_direct(rec, 80, 24)
    try:
        wait_until(lambda: proc.poll() is not None)
        (info,) = svc.panes({rec.id: proc})
        assert info.label == "dead (SIGTERM)"
        assert svc.find(rec.name).exit_status == ExitStatus(signal=signal.SIGTERM)
    finally:
        proc.close()


def test_missing_directory_is_a_clear_error(svc: PaneService, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(
        PaneStartError, match=f"^cannot start pane: directory {missing} does not exist$"
    ):
        svc.create_direct(cwd=str(missing))
    rec = svc.create_direct(cwd=str(tmp_path))
    (tmp_path / "gone").mkdir()
    rec = svc.create_direct(cwd=str(tmp_path / "gone"), command=["sh"])
    (tmp_path / "gone").rmdir()
    with pytest.raises(PaneStartError, match="does not exist"):
        svc.spawn_direct(rec, 80, 24)


def test_missing_command_is_a_clear_error(svc: PaneService, tmp_path: Path) -> None:
    rec = svc.create_direct(cwd=str(tmp_path), command=["no-such-program-xyz", "-v"])
    with pytest.raises(PaneStartError, match="command 'no-such-program-xyz' not found"):
        svc.spawn_direct(rec, 80, 24)


def test_child_gets_xterm_term_and_the_users_environment(
    svc: PaneService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("CHLOE_USER_VAR", "kept-42")
    rec = svc.create_direct(cwd=str(tmp_path), command=["sh"])
    proc = svc.spawn_direct(rec, 80, 24)
    screen = Screen(proc)
    try:
        screen.type('echo "T=$TERM V=$CHLOE_USER_VAR" ; tty\r')
        screen.wait_for("T=xterm-256color V=kept-42")
        screen.wait_for("/dev/pts/")
    finally:
        proc.close()


def test_ctrl_c_reaches_the_foreground_job(svc: PaneService, tmp_path: Path) -> None:
    """The pty is the child's controlling terminal, so ^C interrupts what runs."""
    rec = svc.create_direct(cwd=str(tmp_path), command=["sh"])
    proc = svc.spawn_direct(rec, 80, 24)
    screen = Screen(proc)
    try:
        screen.type("sleep 600\r")
        screen.wait(lambda: "sleep" in _children_of(proc.pid), 10, "sleep to run")
        screen.type("\x03")
        screen.wait(lambda: "sleep" not in _children_of(proc.pid), 10, "^C to end sleep")
        screen.type("echo AFTER$((1+1))\r")
        screen.wait_for("AFTER2")
        assert proc.poll() is None  # the shell itself survived
    finally:
        proc.close()


def _children_of(pid: int) -> str:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return ""
    names = []
    for kid in kids:
        try:
            names.append(Path(f"/proc/{kid}/comm").read_text().strip())
        except OSError:
            pass  # it ended between the two reads
    return " ".join(names)


def test_large_input_never_blocks_and_arrives_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    size = 300_000
    proc = spawn(
        ["sh", "-c", f"stty raw -echo; head -c {size} > {out}; echo DONE"],
        cwd=str(tmp_path),
        env=dict(os.environ),
    )
    screen = Screen(proc)
    try:
        wait_until(lambda: not termios.tcgetattr(proc.fd)[3] & termios.ECHO)
        payload = bytes(ord("a") + i % 26 for i in range(size))
        started = time.monotonic()
        proc.write(payload[: size // 2])
        proc.write(payload[size // 2 :])
        assert time.monotonic() - started < 0.2  # far more than a pty buffer, yet instant
        screen.wait_for("DONE", timeout=20)
        assert out.read_bytes() == payload
    finally:
        proc.close()


def test_direct_pane_is_seen_alive_from_another_process(svc: PaneService, tmp_path: Path) -> None:
    """The CLI (another PaneService, no live processes) sees a TUI's running direct pane."""
    rec = svc.create_direct(cwd=str(tmp_path), command=["sh"])
    proc = svc.spawn_direct(rec, 80, 24)
    other = PaneService(Store(svc.store.path), load_config())
    try:
        assert [i.status for i in other.panes()] == [Status.ATTACHED]
    finally:
        proc.close()
    (info,) = other.panes()
    assert info.status is Status.DEAD


def test_direct_panes_refuse_tmux_only_actions(svc: PaneService, tmp_path: Path) -> None:
    rec = svc.create_direct(name="d", cwd=str(tmp_path), command=["sh"])
    for action in (
        lambda: svc.attach(rec, 80, 24),
        lambda: svc.kill("d"),
        lambda: svc.send_text("d", "x"),
        lambda: svc.capture(rec),
        lambda: svc.attach_argv(rec),
    ):
        with pytest.raises(PaneStateError, match="tmux panes only"):
            action()
