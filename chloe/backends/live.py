"""Direct panes that other chloe processes can see: a pty child plus a liveness lock.

A direct pane lives inside the process that spawned it. While it runs, that
process holds an ``flock`` on ``$XDG_STATE_HOME/chloe/live/<pane id>.lock``,
so any other process (``chloe ls``) can tell it is alive, and the kernel drops
the lock if the owner dies (:mod:`chloe.backends.locks`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence

from chloe.backends import locks
from chloe.backends.base import PaneProcess
from chloe.backends.direct import PtyProcess, spawn
from chloe.model import ExitStatus
from chloe.paths import live_dir


class LiveLock:
    """The ``flock`` held while a direct pane runs (released on exit or close).

    Args:
        pane_id: The pane whose lock to take.
    """

    def __init__(self, pane_id: str) -> None:
        self.path = live_dir() / f"{pane_id}.lock"
        self.fd = locks.take(self.path)

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self.fd >= 0:
            locks.release(self.path, self.fd)
            self.fd = -1

    def note_pid(self, pid: int) -> None:
        """Write the pane's program's pid into the lock file, for :meth:`running_pid`."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.pwrite(self.fd, f"{pid}\n".encode(), 0)

    @staticmethod
    def held(pane_id: str) -> bool:
        """Whether some process holds the pane's lock (so the pane is running there)."""
        return locks.held(live_dir() / f"{pane_id}.lock")

    @staticmethod
    def running_pid(pane_id: str) -> int | None:
        """The pid of the pane's program while its lock is held (None if not known).

        The holder releases the lock only after reaping the program, so while the
        lock is held the pid cannot belong to another process.
        """
        path = live_dir() / f"{pane_id}.lock"
        try:
            text = path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() and locks.held(path) else None


class DirectPane(PaneProcess):
    """A direct pane's process: a :class:`PtyProcess` and the lock that says it runs.

    The lock goes once the child is reaped (:meth:`poll`) or closed.
    """

    def __init__(self, pty: PtyProcess, lock: LiveLock) -> None:
        self.pty = pty
        self.lock = lock

    @property
    def fd(self) -> int:
        """See :attr:`PaneProcess.fd`."""
        return self.pty.fd

    @property
    def pid(self) -> int:
        """See :attr:`PaneProcess.pid`."""
        return self.pty.pid

    def read(self, max_bytes: int = 65536) -> bytes | None:
        """See :meth:`PaneProcess.read`."""
        return self.pty.read(max_bytes)

    def write(self, data: bytes) -> None:
        """See :meth:`PaneProcess.write`."""
        self.pty.write(data)

    def resize(self, columns: int, rows: int) -> None:
        """See :meth:`PaneProcess.resize`."""
        self.pty.resize(columns, rows)

    def poll(self) -> ExitStatus | None:
        """See :meth:`PaneProcess.poll`; the liveness lock goes once the child is reaped."""
        status = self.pty.poll()
        if status is not None:
            self.lock.release()
        return status

    def close(self) -> None:
        """See :meth:`PaneProcess.close`; releases the liveness lock."""
        self.pty.close()
        self.lock.release()


class DirectPanes:
    """Starts direct panes on real ptys, each holding its liveness lock."""

    def start(
        self,
        pane_id: str,
        argv: Sequence[str],
        *,
        cwd: str,
        env: Mapping[str, str],
        columns: int,
        rows: int,
    ) -> PaneProcess:
        """Take the pane's lock, then start ``argv`` on a new pty (PaneStartError)."""
        lock = LiveLock(pane_id)
        try:
            pty = spawn(argv, cwd=cwd, env=env, columns=columns, rows=rows)
        except BaseException:
            lock.release()
            raise
        lock.note_pid(pty.pid)
        return DirectPane(pty, lock)

    def running(self, pane_id: str) -> bool:
        """Whether some chloe process holds the pane's liveness lock."""
        return LiveLock.held(pane_id)

    def running_pid(self, pane_id: str) -> int | None:
        """The pid of the pane's program while some chloe process runs it."""
        return LiveLock.running_pid(pane_id)
