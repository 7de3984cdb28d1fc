"""Lost panes (their tmux server went away while they ran) and ``chloe restore``.

A reboot is simulated as the issue asks: chloe's tmux server is killed with
``kill -9`` of its pid while panes run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


def chloe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chloe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def listed() -> dict[str, dict[str, object]]:
    proc = chloe("ls", "--json")
    assert proc.returncode == 0, proc.stderr
    return {p["name"]: p for p in json.loads(proc.stdout)}


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20
    ).stdout


def kill_server_hard(socket: str) -> None:
    """What a reboot does to chloe's tmux server: it is gone, with no word."""
    pid = int(tmux(socket, "display-message", "-p", "#{pid}").strip())
    os.kill(pid, signal.SIGKILL)

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_until(gone, timeout=10, message="the tmux server to die")


def new(*args: str) -> None:
    proc = chloe("new", "--no-wait", *args)
    assert proc.returncode == 0, proc.stderr


def test_a_killed_server_leaves_running_panes_lost_and_restore_brings_them_back(
    tmux_socket: str, tmp_path: Path
) -> None:
    work, doomed = tmp_path / "work", tmp_path / "doomed"
    work.mkdir()
    doomed.mkdir()
    new("--name", "agent", "--cwd", str(work),
        "--resume", "sh -c 'echo resumed in $PWD; exec sleep 600'",
        "--", "sh", "-c", "echo first run; exec sleep 600")  # fmt: skip
    new("--name", "build", "--cwd", str(work), "--", "sh", "-c", "exit 3")
    new("--name", "gone", "--cwd", str(doomed), "--", "sleep", "600")
    wait_until(lambda: listed()["build"]["status"] == "dead", message="build to end")
    assert listed()["agent"]["resume"] == ["sh", "-c", "echo resumed in $PWD; exec sleep 600"]

    kill_server_hard(tmux_socket)
    panes = listed()
    assert panes["agent"]["status"] == "lost"
    assert panes["gone"]["status"] == "lost"
    assert panes["agent"]["last_seen"] is not None
    # It had ended before the server went: still dead, with its exit code.
    assert (panes["build"]["status"], panes["build"]["exit_code"]) == ("dead", 3)
    table = chloe("ls").stdout
    assert " lost " in table and "dead (exit 3)" in table
    # Noticing the loss writes nothing: the panes stay lost, run after run.
    assert listed()["agent"]["ended"] is None

    doomed.rmdir()
    proc = chloe("restore")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "restored agent\n"
    assert f"not restored: gone: its directory {doomed} no longer exists" in proc.stderr
    panes = listed()
    assert sorted(panes) == ["agent", "build", "gone"]  # no duplicate records
    assert panes["agent"]["status"] == "detached"
    assert (panes["gone"]["status"], panes["build"]["status"]) == ("lost", "dead")
    session = str(panes["agent"]["session"])
    wait_until(
        lambda: f"resumed in {work}" in tmux(tmux_socket, "capture-pane", "-p", "-t", session),
        message="the resume command's output",
    )
    assert tmux(tmux_socket, "display-message", "-p", "-t", session, "#{pane_current_path}") == (
        f"{work}\n"
    )
    assert tmux(tmux_socket, "list-sessions", "-F", "#{session_name}").split() == [session]

    # Once: restoring again starts nothing.
    again = chloe("restore", "agent")
    assert again.returncode == 1
    assert "not restored: agent: it is detached, not lost" in again.stderr
    assert len(tmux(tmux_socket, "list-sessions", "-F", "#{session_name}").split()) == 1


def test_two_restores_at_once_start_each_pane_once(tmux_socket: str, tmp_path: Path) -> None:
    for name in ("one", "two", "three"):
        new("--name", name, "--cwd", str(tmp_path), "--", "sleep", "600")
    kill_server_hard(tmux_socket)
    assert {p["status"] for p in listed().values()} == {"lost"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chloe", "restore"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    restored = [line for out, _ in outputs for line in out.splitlines()]
    assert sorted(restored) == ["restored one", "restored three", "restored two"], outputs
    sessions = tmux(tmux_socket, "list-sessions", "-F", "#{session_name}").split()
    assert len(sessions) == 3
    assert {p["status"] for p in listed().values()} == {"detached"}


def test_a_pane_killed_on_purpose_is_dead_not_lost(tmux_socket: str, tmp_path: Path) -> None:
    new("--name", "job", "--cwd", str(tmp_path), "--", "sleep", "600")
    assert chloe("kill", "job").returncode == 0
    # The server ends with its last session; the pane ended because it was told to.
    assert listed()["job"]["status"] == "dead"
    assert chloe("restore").stderr == "no lost panes: nothing to restore\n"


def test_respawning_a_lost_pane_runs_its_resume_command(tmux_socket: str, tmp_path: Path) -> None:
    from chloe.cli import make_service

    new("--name", "agent", "--cwd", str(tmp_path), "--resume", "sh -c 'echo again; exec sleep 600'",
        "--", "sleep", "600")  # fmt: skip
    kill_server_hard(tmux_socket)
    service = make_service()
    info = next(i for i in service.panes() if i.record.name == "agent")
    assert info.status.value == "lost"
    service.respawn(info.record)
    session = str(info.record.tmux_session)
    wait_until(lambda: "again" in tmux(tmux_socket, "capture-pane", "-p", "-t", session))
    assert listed()["agent"]["status"] == "detached"


def test_a_lost_pane_needs_attention_in_chloe_ls(tmux_socket: str, tmp_path: Path) -> None:
    new("--name", "train", "--cwd", str(tmp_path), "--", "sleep", "600")
    kill_server_hard(tmux_socket)
    pane = listed()["train"]
    assert pane["status"] == "lost"
    # It stopped without an exit status: not working, not quiet, but failed.
    assert pane["state"] == "failed"


def test_a_restored_pane_shows_its_output_from_before_under_a_marker(
    tmux_socket: str, tmp_path: Path
) -> None:
    first = "for i in 1 2 3; do echo before the reboot $i; done; exec sleep 600"
    resume = "sh -c 'echo resumed now; exec sleep 600'"
    new("--name", "agent", "--cwd", str(tmp_path), "--resume", resume, "--", "sh", "-c", first)
    wait_until(lambda: "before the reboot 3" in chloe("logs", "agent").stdout)
    kill_server_hard(tmux_socket)
    assert listed()["agent"]["status"] == "lost"
    proc = chloe("restore")
    assert proc.returncode == 0, proc.stderr
    wait_until(lambda: "resumed now" in chloe("logs", "agent").stdout, timeout=15)

    # The pane's own history (what chloe's view and history browser show): the
    # output from before, a marker saying when the server was lost, the new run.
    lines = chloe("logs", "agent").stdout.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith("— restored after the server")]
    assert len(marks) == 1, lines
    (mark,) = marks
    assert lines[mark].endswith(" —") and "was lost at 20" in lines[mark]
    before, after = "\n".join(lines[:mark]), "\n".join(lines[mark + 1 :])
    assert [f"before the reboot {i}" in before for i in (1, 2, 3)] == [True] * 3
    assert "resumed now" in after and "before the reboot" not in after
    # The continuous log: the output before, the marker, the output after, each once.
    log = chloe("logs", "agent", "--all").stdout
    assert log.count("before the reboot 1") == 1 and log.count("— restored after") == 1
    assert log.index("before the reboot 3") < log.index("— restored") < log.index("resumed now")


def test_waiting_on_a_pane_that_is_lost_ends_the_wait(tmux_socket: str, tmp_path: Path) -> None:
    """`chloe wait` on a running pane whose server then dies: the wait ends (status 1,
    unknown), saying the pane was lost and how to start it again; it does not wait on."""
    new("--name", "train", "--cwd", str(tmp_path), "--", "sleep", "600")
    waiting = subprocess.Popen(
        [sys.executable, "-m", "chloe", "wait", "train", "--timeout", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: chloe("ls").returncode == 0 and "train" in chloe("ls").stdout)
        kill_server_hard(tmux_socket)
        _, err = waiting.communicate(timeout=20)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait(timeout=10)
    assert waiting.returncode == 1, err
    assert "'train' was lost" in err and "chloe restore train" in err


def test_the_attention_words_of_a_lost_pane_say_it_was_lost(
    tmux_socket: str, tmp_path: Path
) -> None:
    new("--name", "train", "--cwd", str(tmp_path), "--", "sleep", "600")
    kill_server_hard(tmux_socket)
    row = next(line for line in chloe("ls").stdout.splitlines() if "train" in line)
    assert "lost with its tmux server" in row and "status unknown" not in row
