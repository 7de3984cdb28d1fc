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
(:func:`held_pids`); files still named ``.tmp-…`` are removed only once they
are unlocked and :data:`STALE_AGE` old (they are locked an instant after they
are created, and renamed right after). Taking a lock sweeps its directory the
same way (:func:`sweep`), so ``live/<id>.lock`` files of killed processes go too.

Lock files are never opened through a symbolic link (``O_NOFOLLOW``) nor
allowed to block (``O_NONBLOCK``). When they cannot be created, a one-line
problem is noted in :func:`chloe.paths.problems` for the CLI and the TUI to
show: without its lock, a live process looks dead to every other chloe.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from chloe import paths

_TEMP_PREFIX = ".tmp-"


STALE_AGE = 10.0
"""Seconds an unlocked file must have existed before a sweep removes it."""

_TAKE_PATIENCE = 0.5
"""Seconds :func:`take` retries while another process only peeks at the lock."""

_OPEN_FLAGS = os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK

_CHECK_EVERY = 5.0
_checked: dict[Path, float] = {}
_checked_lock = threading.Lock()


def _problem_key(directory: Path) -> str:
    return f"locks:{directory}"


def _report(directory: Path, reason: str | None) -> None:
    """Note (or, with None, forget) that lock files cannot be made in ``directory``."""
    paths.note_problem(
        _problem_key(directory),
        None
        if reason is None
        else f"cannot create lock files in {directory}: {reason}; labels may be wrong",
    )


def take(path: Path) -> int:
    """Create ``path`` (and its directory) and lock it exclusively without waiting.

    The file is never reached through a symbolic link, and unlocked files left
    in the directory by processes that died are swept away first
    (:func:`sweep`). A file that cannot be created (not a mere lock held by
    someone else) is a problem noted in :func:`chloe.paths.problems`: without
    its lock a live process looks dead to every other chloe.

    Returns:
        The locked descriptor (close-on-exec), or -1 if the file cannot be
        created or another process holds it.
    """
    directory = path.parent
    try:
        paths.ensure_private_dir(directory)
    except OSError as exc:
        _report(directory, exc.strerror or str(exc))
        return -1
    sweep(directory, keep=path.name)
    deadline = time.monotonic() + _TAKE_PATIENCE
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | _OPEN_FLAGS, 0o600)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ELOOP:
                reason = f"{path.name} is a symbolic link (chloe never follows one): remove it"
            _report(directory, reason)
            return -1
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                _report(directory, f"{path.name} is not a regular file: remove it")
                return -1
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            # Either the owner is alive, or a reader (held(), a sweep) has a shared
            # lock for an instant: look again briefly before giving up.
            if time.monotonic() >= deadline:
                return -1
            time.sleep(0.01)
            continue
        except OSError:
            os.close(fd)
            return -1
        if _same_file(fd, path):
            _report(directory, None)
            return fd
        # A sweep removed the file between our open and our lock: start again.
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine = os.fstat(fd)
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def release(path: Path, fd: int) -> None:
    """Remove ``path`` and close ``fd`` (which drops the lock); errors are ignored."""
    with contextlib.suppress(OSError):
        path.unlink()
    with contextlib.suppress(OSError):
        os.close(fd)


def held(path: Path, *, remove_stale: bool = False) -> bool:
    """Whether some process holds the lock on ``path`` right now.

    When there is no file, and its directory is one where lock files cannot be
    created, that is a problem noted in :func:`chloe.paths.problems` (a live
    process may be there without its lock). A symbolic link is never followed
    and never counts as held.

    Args:
        path: The lock file.
        remove_stale: Delete the file when nobody holds it, unless it was
            replaced meanwhile (the same name on another inode is somebody's new
            lock).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        _check_directory(path.parent)
        return False
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        if remove_stale and _same_file(fd, path):
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(fd)
    return False


def _check_directory(directory: Path) -> None:
    """Note whether lock files could be created in ``directory`` (at most every few seconds)."""
    now = time.monotonic()
    with _checked_lock:
        last = _checked.get(directory)
        if last is not None and now - last < _CHECK_EVERY:
            return
        _checked[directory] = now
    probe = directory / f"{_TEMP_PREFIX}probe-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        paths.ensure_private_dir(directory)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600)
    except OSError as exc:
        _report(directory, exc.strerror or str(exc))
        return
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    _report(directory, None)


def sweep(directory: Path, *, keep: str | None = None, min_age: float = STALE_AGE) -> int:
    """Remove the files in ``directory`` that no process holds and that are ``min_age`` old.

    Files left by processes that died (``kill -9``, a crash) would otherwise
    stay for ever. A file is only removed while this process itself holds a
    shared lock on it and it is still the same file, so a lock being taken at
    that moment is never lost (:func:`take` checks it locked the file that is
    still there). ``keep`` names a file to leave alone.

    Returns:
        How many files were removed.
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    cutoff = time.time() - min_age
    removed = 0
    for entry in entries:
        if entry.name == keep:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_mtime > cutoff:
            continue
        path = Path(entry.path)
        if not held(path, remove_stale=True) and not path.exists():
            removed += 1
    return removed


def held_pids(directory: Path) -> frozenset[int]:
    """The pids whose lock files in ``directory`` are held; stale files are removed.

    One ``listdir`` plus one open and ``flock`` per file; the directory only holds
    the files of live clients and of those that ended since the last call.
    Temporary files (``.tmp-…``) are only removed once unlocked and
    :data:`STALE_AGE` old: a fresh one is locked an instant after it is made.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return frozenset()
    if any(name.startswith(_TEMP_PREFIX) for name in names):
        for name in names:
            if name.startswith(_TEMP_PREFIX):
                _remove_if_stale(directory / name)
    return frozenset(
        int(name) for name in names if name.isdigit() and held(directory / name, remove_stale=True)
    )


def _remove_if_stale(path: Path) -> None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_mtime <= time.time() - STALE_AGE:
        held(path, remove_stale=True)


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
