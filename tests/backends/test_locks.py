"""Lock files that prove a process is alive (direct panes, chloe's tmux clients)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chloe.backends import locks
from chloe.backends.locks import ClientCommand

ROOT = Path(__file__).resolve().parents[2]


def test_a_held_lock_is_seen_and_a_free_one_is_removed(tmp_path: Path) -> None:
    lock_dir = tmp_path / "clients"
    mine = locks.take_temporary(lock_dir)
    assert mine is not None
    mine.name_after(4242)
    (lock_dir / "77").touch()  # its holder is gone
    # Not yet renamed: an instant from being locked, so never touched.
    (lock_dir / ".tmp-1-abc").touch()
    assert locks.held_pids(lock_dir) == {4242}
    assert sorted(p.name for p in lock_dir.iterdir()) == [".tmp-1-abc", "4242"]
    mine.close()  # the last descriptor: the lock is gone
    assert locks.held_pids(lock_dir) == frozenset()
    assert [p.name for p in lock_dir.iterdir()] == [".tmp-1-abc"]
    assert locks.held_pids(tmp_path / "missing") == frozenset()


def test_a_replaced_file_is_not_removed_as_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new holder renamed its file over a stale one while it was being checked."""
    path = tmp_path / "5"
    path.touch()
    newcomer = tmp_path / ".tmp-new"
    newcomer.touch()
    real_stat = os.stat
    pending = [newcomer]

    def stat_after_replace(p: str | os.PathLike[str], **kw: bool) -> os.stat_result:
        if pending and Path(p) == path:
            os.replace(pending.pop(), path)  # between the stale file's flock and its unlink
        return real_stat(p, **kw)

    with monkeypatch.context() as m:
        m.setattr(os, "stat", stat_after_replace)
        assert locks.held(path, remove_stale=True) is False
    assert path.exists() and not newcomer.exists()


def test_the_command_line_entry_locks_its_pid_and_drops_variables(tmp_path: Path) -> None:
    lock_dir = tmp_path / "clients"
    script = (
        "import fcntl, os, sys\n"
        f"d = {str(lock_dir)!r}\n"
        "names = os.listdir(d)\n"
        "fd = os.open(os.path.join(d, str(os.getpid())), os.O_RDONLY)\n"
        "try:\n"
        "    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)\n"
        "    held = False\n"
        "except BlockingIOError:\n"
        "    held = True\n"
        "print(names == [str(os.getpid())], held, os.environ.get('TMUX'))\n"
    )
    command = ClientCommand((sys.executable, "-c", script), lock_dir, ("TMUX",))
    env = {**os.environ, "TMUX": "/elsewhere,1,0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(command.wrapped(), capture_output=True, text=True, env=env, timeout=30)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "True True None\n", "")
    assert locks.held_pids(lock_dir) == frozenset()


def test_the_command_line_entry_reports_a_missing_program(tmp_path: Path) -> None:
    command = ClientCommand(("/nonexistent/tmux", "-V"), tmp_path / "clients")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(command.wrapped(), capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 127
    assert proc.stderr.startswith("chloe: cannot run /nonexistent/tmux:")
    assert list((tmp_path / "clients").iterdir()) == []
