"""Lock files that prove a process is alive: running direct panes and chloe's tmux clients.

A process holds an exclusive ``flock`` on its file for as long as it lives;
the kernel drops the lock when the last descriptor goes, even on SIGKILL. Any
other process tells a live holder from a stale file by trying a shared lock
without waiting (:func:`held`): ``EWOULDBLOCK`` means alive.

**chloe's tmux clients** (see :mod:`chloe.backends.tmux`) each hold
``$XDG_STATE_HOME/chloe/clients/<socket>/<client pid>``
(:func:`chloe.paths.client_lock_dir`). The file is created and locked under a
temporary name, then renamed to the pid: a rename keeps the inode and so the
lock, and a reader never sees a pid file that is not locked yet.

* The embedded client: chloe takes the lock (:func:`take_temporary`), passes the
  descriptor to the ``tmux attach-session`` child it spawns, renames the file
  to the child's pid and closes its own copy, so only the client holds it.
* The full-screen attach (``chloe attach`` and the TUI's ``f``): the process
  that is about to become tmux locks a file named after its own pid, makes the
  descriptor inheritable and ``exec``-s tmux, which keeps both
  (:meth:`ClientCommand.exec`; ``python -m chloe.backends.locks DIR ARGV...``
  does the same for a caller that runs a command line).

A held lock proves that a live chloe-started client has that pid, so a pid
reused by some other process can never be taken for chloe's client. Files
whose lock is free are removed by the next status refresh
(:func:`held_pids`); files still named ``.tmp-…`` are left alone (they are
locked an instant after they are created, and renamed right after).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

_TEMP_PREFIX = ".tmp-"


def take(path: Path) -> int:
    """Create ``path`` (and its directory) and lock it exclusively without waiting.

    Returns:
        The locked descriptor (close-on-exec), or -1 if the file cannot be
        created or another process holds it.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return -1
    return fd


def release(path: Path, fd: int) -> None:
    """Remove ``path`` and close ``fd`` (which drops the lock); errors are ignored."""
    with contextlib.suppress(OSError):
        path.unlink()
    with contextlib.suppress(OSError):
        os.close(fd)


def held(path: Path, *, remove_stale: bool = False) -> bool:
    """Whether some process holds the lock on ``path`` right now.

    Args:
        path: The lock file.
        remove_stale: Delete the file when nobody holds it, unless it was
            replaced meanwhile (the same name on another inode is somebody's new
            lock).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        if remove_stale:
            with contextlib.suppress(OSError):
                mine, now = os.fstat(fd), os.stat(path)
                if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
                    path.unlink()
    finally:
        os.close(fd)
    return False


def held_pids(directory: Path) -> frozenset[int]:
    """The pids whose lock files in ``directory`` are held; stale ones are removed.

    One ``listdir`` plus one open and ``flock`` per file; the directory only holds
    the files of live clients and of those that ended since the last call.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return frozenset()
    return frozenset(
        int(name) for name in names if name.isdigit() and held(directory / name, remove_stale=True)
    )


@dataclass(slots=True)
class TemporaryLock:
    """A locked file under a temporary name in a client lock directory.

    Attributes:
        path: Where the file is now.
        fd: The locked descriptor (close-on-exec; -1 once closed).
    """

    path: Path
    fd: int

    def name_after(self, pid: int) -> None:
        """Rename the file to ``pid`` (the lock stays: same inode)."""
        target = self.path.with_name(str(pid))
        os.replace(self.path, target)
        self.path = target

    def close(self) -> None:
        """Close this process's descriptor; the lock lives on in any process sharing it."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def discard(self) -> None:
        """Remove the file and close the descriptor (the client never started)."""
        release(self.path, self.fd)
        self.fd = -1


def take_temporary(directory: Path) -> TemporaryLock | None:
    """A new locked file with a temporary name in ``directory``; None if it cannot be made."""
    path = directory / f"{_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
    fd = take(path)
    if fd < 0:
        return None
    return TemporaryLock(path, fd)


@dataclass(frozen=True, slots=True)
class ClientCommand:
    """A full-screen tmux client that marks itself as chloe's while it runs.

    Attributes:
        argv: The tmux command line (``tmux -L <socket> attach-session ...``).
        lock_dir: The socket's client lock directory.
        drop: Environment variables the client must not get (``TMUX``, ``TMUX_PANE``).
    """

    argv: tuple[str, ...]
    lock_dir: Path
    drop: tuple[str, ...] = ()

    def wrapped(self) -> list[str]:
        """A command line that does :meth:`exec` in a new process (to run as a subprocess)."""
        drops = [a for name in self.drop for a in ("--drop", name)]
        return [
            sys.executable, "-m", "chloe.backends.locks", *drops,
            str(self.lock_dir), "--", *self.argv,
        ]  # fmt: skip

    def exec(self) -> NoReturn:
        """Lock ``<own pid>``, then ``exec`` tmux, which keeps the pid and the lock.

        The lock is skipped (the client just does not count as chloe's) if the
        file cannot be made. Raises OSError if tmux cannot be run.
        """
        lock = take_temporary(self.lock_dir)
        if lock is not None:
            try:
                lock.name_after(os.getpid())
                os.set_inheritable(lock.fd, True)
            except OSError:
                lock.discard()
                lock = None
        env = {k: v for k, v in os.environ.items() if k not in self.drop}
        try:
            os.execvpe(self.argv[0], list(self.argv), env)
        except OSError:
            if lock is not None:
                lock.discard()
            raise


def _main(args: Sequence[str]) -> int:
    """``python -m chloe.backends.locks [--drop VAR]... DIR -- ARGV...``."""
    args = list(args)
    drop: list[str] = []
    while len(args) >= 2 and args[0] == "--drop":
        drop.append(args[1])
        del args[:2]
    if len(args) < 3 or args[1] != "--":
        print(
            "usage: python -m chloe.backends.locks [--drop VAR]... DIR -- ARGV...", file=sys.stderr
        )
        return 2
    command = ClientCommand(tuple(args[2:]), Path(args[0]), tuple(drop))
    try:
        command.exec()
    except OSError as exc:
        print(f"chloe: cannot run {command.argv[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
