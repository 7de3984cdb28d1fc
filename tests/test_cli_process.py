"""``chloe`` run as a user runs it: a real process, no terminal or a broken one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHLOE = [sys.executable, "-m", "chloe"]


def run(
    *args: str, cwd: Path | str = ROOT, timeout: float = 20, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*CHLOE, *args], cwd=cwd, env=env, stderr=subprocess.PIPE, timeout=timeout, **kwargs
    )


def no_clients(tmux_run: Callable[..., str]) -> bool:
    return tmux_run("list-clients", "-F", "#{client_pid}", check=False).strip() == ""


def test_the_interface_without_a_terminal_says_so_at_once(
    tmux_socket: str, tmux_run: Callable[..., str]
) -> None:
    """`chloe </dev/null >out` (cron, `ssh host chloe`) ends at once with one line."""
    start = time.monotonic()
    proc = run(stdin=subprocess.DEVNULL, timeout=8)
    assert time.monotonic() - start < 8
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.decode() == (
        "chloe: chloe needs a terminal (stdin and stdout must be a tty); "
        "without one, use the subcommands: chloe --help\n"
    )
    assert no_clients(tmux_run)


def test_the_interface_piped_into_head_says_so_at_once(
    tmux_socket: str, tmux_run: Callable[..., str]
) -> None:
    """`chloe | head` from a real terminal: stdin is a tty, stdout is not."""
    master, slave = os.openpty()
    try:
        proc = run(stdin=slave, timeout=8)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout + proc.stderr
    assert proc.stderr.decode().startswith("chloe: chloe needs a terminal")
    assert len(proc.stderr.splitlines()) == 1
    assert no_clients(tmux_run)


def test_new_from_a_deleted_directory(tmp_path: Path, tmux_socket: str) -> None:
    gone = tmp_path / "gone"
    script = f'mkdir "{gone}" && cd "{gone}" && rmdir "{gone}" && exec "$@"'
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        ["sh", "-c", script, "sh", *CHLOE, "new", "--name", "g"],
        env=env, capture_output=True, timeout=20,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.decode() == (
        "chloe: the current directory no longer exists; cd to one that does, or give --cwd DIR\n"
    )
    # A relative --cwd needs the current directory too; an absolute one does not.
    proc = subprocess.run(
        ["sh", "-c", script, "sh", *CHLOE, "new", "--cwd", "sub"],
        env=env, capture_output=True, timeout=20,
    )  # fmt: skip
    assert proc.returncode == 1 and b"no longer exists" in proc.stderr
    proc = subprocess.run(
        ["sh", "-c", script, "sh", *CHLOE, "new", "--name", "g", "--cwd", str(tmp_path)],
        env=env, capture_output=True, timeout=20,
    )  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"g\n", b""), proc.stderr


def test_bytes_that_are_not_utf8_are_one_clear_line(tmp_path: Path, tmux_socket: str) -> None:
    odd = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(odd)
    for args, what in (
        ([b"new", b"--cwd", odd], b"--cwd "),
        ([b"new", b"--cwd", os.fsencode(tmp_path), b"--", b"echo", b"\xff"], b"the command"),
        ([b"new", b"--name", b"n\xff", b"--cwd", os.fsencode(tmp_path)], b"the name"),
    ):
        proc = subprocess.run(
            [os.fsencode(a) for a in CHLOE] + args,
            cwd=ROOT, capture_output=True, timeout=20,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith(b"chloe: " + what), proc.stderr
        assert b"not valid UTF-8" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert run("ls", "--json").stdout == b"[]\n"


def test_ls_into_a_full_disk(tmp_path: Path, tmux_socket: str) -> None:
    assert run("new", "--name", "w", "--cwd", str(tmp_path), "--", "sleep", "600").returncode == 0
    for args in (("ls",), ("ls", "--json"), ("logs", "w")):
        with open("/dev/full", "wb") as full:
            proc = run(*args, stdout=full)
        assert proc.returncode == 1, args
        assert proc.stderr == b"chloe: cannot write the output: No space left on device\n", args


def test_forgotten_double_dash_says_where_it_goes(tmux_socket: str) -> None:
    proc = run("new", "--name", "l", "ls", "-la")
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        "chloe: -la looks like an option of the command, not of chloe: "
        "put -- before the command, as in: chloe new --name l -- ls -la\n"
    )
    assert run("ls", "--json").stdout == b"[]\n"


def test_ls_on_a_narrow_terminal_does_not_wrap(tmp_path: Path, tmux_socket: str) -> None:
    """`chloe ls` on a real 60-column terminal: one screen row per pane, even
    with CJK names and long commands and directories."""
    from chloe.backends.direct import pane_environment, spawn
    from tests.support.screen import Screen

    deep = tmp_path / "a-rather-long-project-directory" / "backend"
    deep.mkdir(parents=True)
    for name in ("日本語テスト", "build"):
        cmd = ["sh", "-c", "sleep 600 # and a comment that makes it long"]
        assert run("new", "--name", name, "--cwd", str(deep), "--", *cmd).returncode == 0
    env = {**pane_environment(), "PYTHONPATH": str(ROOT)}
    proc = spawn([*CHLOE, "ls"], cwd=str(ROOT), env=env, columns=60, rows=10)
    screen = Screen(proc, 60, 10)
    try:
        screen.wait(lambda: screen.eof, 20, "chloe ls to end")
    finally:
        proc.close()
    rows = [row.rstrip() for row in screen.term.display if row.strip()]
    assert len(rows) == 3, screen.text()
    assert rows[0].startswith("NAME") and rows[0].endswith("AGE  STATE")
    assert rows[1].startswith("日本語テスト") and rows[2].startswith("build")
    # Each row keeps its age (seconds: just created) before the STATE column.
    assert all(re.search(r"\s\d+s(\s|$)", row) for row in rows[1:]), screen.text()
