"""Continuous logs: tmux panes through pipe-pane, direct panes through LogWriter."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chloe import history, paths
from chloe.config import load_config
from chloe.history import LogWriter, log_path, read_log, rotated_path
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[1]


def service(**config: object) -> PaneService:
    cfg = load_config()
    if config:
        from dataclasses import replace

        cfg = replace(cfg, **config)  # type: ignore[arg-type]
    return PaneService(Store(store_path()), cfg)


def chloe_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``chloe ARGS`` in a process of its own, which has ended when this returns."""
    return subprocess.run(
        [sys.executable, "-m", "chloe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def test_a_tmux_pane_is_logged_by_tmux_while_no_chloe_runs(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    made = chloe_process("new", "--name", "job", "--cwd", str(tmp_path), "--", "sh")
    assert made.returncode == 0, made.stderr
    rec = service().find("job")
    # No chloe process runs now: only tmux can write the log.
    tmux_run("send-keys", "-t", f"={rec.tmux_session}:", "echo logged-$((6*7))", "Enter")
    wait_until(lambda: b"logged-42" in read_log(rec.id), message="the output in the log")
    mode = stat.S_IMODE(os.stat(log_path(rec.id)).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(history.log_dir()).st_mode) == 0o700


def test_the_log_rotates_at_its_cap_and_keeps_the_latest_output(
    tmux_socket: str, tmp_path: Path
) -> None:
    cap = 64 * 1024
    svc = service(log_max_bytes=cap)
    command = ["sh", "-c", "seq 1 60000; sleep 600"]  # about 340 KB
    rec = svc.create_tmux(name="flood", cwd=str(tmp_path), command=command)
    wait_until(
        lambda: b"\n60000" in read_log(rec.id), timeout=20, message="the last line in the log"
    )
    assert rotated_path(rec.id).stat().st_size == cap
    assert log_path(rec.id).stat().st_size <= cap
    assert b"\n1\r\n" not in read_log(rec.id)  # the oldest output went with the rotation


def test_rm_deletes_the_log_unless_asked_to_keep_it(tmux_socket: str, tmp_path: Path) -> None:
    from chloe.cli import main

    svc = service()
    one = svc.create_tmux(name="one", cwd=str(tmp_path), command=["sh", "-c", "echo one; exit"])
    two = svc.create_tmux(name="two", cwd=str(tmp_path), command=["sh", "-c", "echo two; exit"])
    wait_until(lambda: b"one" in read_log(one.id) and b"two" in read_log(two.id))
    assert main(["rm", "one"]) == 0
    assert not history.has_log(one.id)
    assert main(["rm", "--keep-log", "two"]) == 0
    assert b"two" in read_log(two.id)


def test_an_unwritable_log_directory_is_one_line_and_the_pane_runs(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    state = paths.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    (state / "logs").write_text("not a directory")  # fails even for root
    paths.forget_problems()
    svc = service()
    rec = svc.create_tmux(name="free", cwd=str(tmp_path), command=["sh"])
    svc.create_tmux(name="free2", cwd=str(tmp_path), command=["sh"])
    problems = paths.forget_problems()
    assert len(problems) == 1
    assert "logging of 'free" in problems[0] and "the pane runs on" in problems[0]
    assert str(state / "logs") in problems[0]
    panes = {info.record.name: info.label for info in svc.panes()}
    assert panes["free"] == "detached" or panes["free"] == "attached"
    assert tmux_run("display-message", "-p", "-t", f"={rec.tmux_session}:", "#{pane_pipe}") == "0\n"


def test_a_respawned_pane_logs_again(tmux_socket: str, tmp_path: Path) -> None:
    svc = service()
    rec = svc.create_tmux(name="again", cwd=str(tmp_path), command=["sh", "-c", "echo first-run"])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"), message="the pane to end")
    svc.respawn(rec)
    wait_until(lambda: read_log(rec.id).count(b"first-run") == 2, message="the second run logged")


def test_an_adopted_session_is_logged(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    svc = service()
    rec = svc.create_tmux(name="lost", cwd=str(tmp_path), command=["sh"])
    session = rec.tmux_session
    assert session is not None
    # Its pipe and its record are both lost (an older chloe, a lost panes.toml).
    tmux_run("pipe-pane", "-t", f"={session}:")
    store_path().unlink()
    history.remove_log(rec.id)
    [info] = svc.panes()
    assert info.record.id == rec.id
    tmux_run("send-keys", "-t", f"={session}:", "echo adopted-$((1+1))", "Enter")
    wait_until(lambda: b"adopted-2" in read_log(rec.id), message="the adopted pane's log")


def test_log_writer_rotates_and_stops_on_failure(tmp_path: Path) -> None:
    writer = LogWriter("d1", "direct", cap=100)
    writer.write(b"a" * 150)
    writer.write(b"b" * 10)
    assert rotated_path("d1").read_bytes() == b"a" * 100
    assert log_path("d1").read_bytes() == b"a" * 50 + b"b" * 10
    assert stat.S_IMODE(log_path("d1").stat().st_mode) == 0o600
    # The directory goes away under it: rotation fails, writing stops with one line.
    log_path("d1").unlink()
    rotated_path("d1").unlink()
    history.log_dir().rmdir()
    history.log_dir().write_text("")
    writer.write(b"c" * 100)
    assert writer.error is not None and "logging of 'direct' stopped" in writer.error
    assert not writer.open
    writer.write(b"d")  # ignored, no exception


def test_the_writer_command_survives_odd_paths(tmp_path: Path, tmux_socket: str) -> None:
    odd = tmp_path / "it's a #{pane_id} ; $(touch pwned) dir"
    odd.mkdir()
    target = odd / "x.log"
    subprocess.run(
        ["tmux", "-L", tmux_socket, "new-session", "-d", "-s", "odd", "sh"], check=True, timeout=20
    )
    subprocess.run(
        ["tmux", "-L", tmux_socket, "pipe-pane", "-t", "=odd:", history.writer_command(target, 99)],
        check=True,
        timeout=20,
    )
    subprocess.run(
        ["tmux", "-L", tmux_socket, "send-keys", "-t", "=odd:", "echo odd-$((2+2))", "Enter"],
        check=True,
        timeout=20,
    )
    wait_until(lambda: target.exists() and b"odd-4" in target.read_bytes())
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize("value", [-1, 1, 1024, 2**40 * 100])
def test_log_max_bytes_is_validated(tmp_path: Path, value: int) -> None:
    from chloe.errors import ConfigError

    cfg = tmp_path / "config.toml"
    cfg.write_text(f"log_max_bytes = {value}\n")
    with pytest.raises(ConfigError, match="log_max_bytes"):
        load_config(cfg)


def test_log_max_bytes_zero_turns_logs_off(tmux_socket: str, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("log_max_bytes = 0\n")
    svc = PaneService(Store(store_path()), load_config(cfg))
    rec = svc.create_tmux(name="quiet", cwd=str(tmp_path), command=["sh", "-c", "echo hi; exit"])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"))
    assert not history.has_log(rec.id)
