"""Direct panes: a child process on a new pty owned by chloe.

The child runs in its own session with the pty as its controlling terminal, so
job control, ``Ctrl+C`` and ``SIGWINCH`` work as in any terminal. The same code
runs the embedded ``tmux attach-session`` client of a tmux pane.

Writes: a write goes straight to the non-blocking master. Whatever the kernel
does not take at once (a large paste into a program that is not reading) is
queued in order and flushed by a short-lived writer thread that waits for the
fd to become writable, so :meth:`PtyProcess.write` never blocks its caller and
keystrokes, the common case, cost one ``os.write`` with no thread hop.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import termios
import threading
from collections.abc import Mapping, Sequence

from chloe.backends.base import PaneProcess
from chloe.errors import PaneStartError
from chloe.model import ExitStatus

TERM = "xterm-256color"
"""What chloe's emulator implements; every child gets it as ``$TERM``."""

CLOSE_GRACE_INLINE = 0.1
"""Seconds :meth:`PtyProcess.close` waits inline for the child after SIGHUP."""

CLOSE_GRACE_TOTAL = 2.0
"""Seconds after SIGHUP before the group gets SIGKILL (from a reaper thread)."""

MAX_PENDING_WRITE = 64 * 1024 * 1024
"""Input queued for a program that does not read it is capped (then dropped)."""


OUTER_TMUX_VARIABLES = ("TMUX", "TMUX_PANE")
"""Set when chloe runs inside the user's tmux; neither chloe's tmux commands nor
its panes may see them (a direct pane is not in tmux)."""

COLORTERM = "truecolor"
"""chloe's emulator shows 24-bit colour; every child gets it as ``$COLORTERM``."""


def set_aside_environment(names: Sequence[str]) -> None:
    """Take ``names`` out of this process's environment, for good.

    chloe's tmux commands run through libtmux, which hands tmux this process's
    environment as it is; so ``$TMUX`` is taken out of it once, at start. Call
    it before any thread starts.
    """
    for name in names:
        os.environ.pop(name, None)


def pane_environment(
    base: Mapping[str, str] | None = None, *, drop: Sequence[str] = ()
) -> dict[str, str]:
    """The environment a pane's child gets: ``base`` (default: ours) with chloe's terminal.

    ``TERM`` and ``COLORTERM`` say what chloe's emulator implements; ``TMUX`` and
    ``TMUX_PANE`` are never passed on: a pane is not inside the user's tmux, so
    ``tmux`` commands in it must not act on the user's session and programs must
    not wrap their escape sequences for a tmux that is not there.

    Args:
        base: The environment to start from; defaults to ``os.environ``.
        drop: More variables to remove.
    """
    env = dict(os.environ if base is None else base)
    for key in (*OUTER_TMUX_VARIABLES, *drop):
        env.pop(key, None)
    env["TERM"] = TERM
    env["COLORTERM"] = COLORTERM
    return env


def _set_winsize(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(1, rows), max(1, columns), 0, 0))


def _become_tty_owner() -> None:  # pragma: no cover - runs in the child
    # Popen already called setsid() (start_new_session) and put the slave on
    # fds 0-2; claiming it as controlling terminal makes job control work.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess(PaneProcess):
    """A child process on its own pty (see the module docstring for the write path).

    Use :func:`spawn` to create one.
    """

    def __init__(self, proc: subprocess.Popen[bytes], master: int) -> None:
        self._proc = proc
        self._master = master
        self._exit: ExitStatus | None = None
        self._closed = False
        self._eof = False
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._writer: threading.Thread | None = None

    @property
    def fd(self) -> int:
        """The non-blocking pty master (-1 once closed)."""
        return self._master

    @property
    def pid(self) -> int:
        """The child's pid (also its process group and session id)."""
        return self._proc.pid

    def read(self, max_bytes: int = 65536) -> bytes | None:
        """Output available now: ``b""`` if none, ``None`` at EOF (the child side closed)."""
        if self._eof or self._master < 0:
            return None
        try:
            data = os.read(self._master, max_bytes)
        except BlockingIOError:
            return b""
        except OSError as exc:
            # Linux reports EIO on the master once every slave fd is closed.
            if exc.errno in (errno.EIO, errno.EBADF):
                self._eof = True
                return None
            raise
        if not data:
            self._eof = True
            return None
        return data

    def write(self, data: bytes) -> None:
        """Send input; what the pty cannot take now is queued in order (never blocks)."""
        if not data or self._closed:
            return
        with self._lock:
            if self._pending:
                self._queue(data)
                return
            try:
                n = os.write(self._master, data)
            except BlockingIOError:
                n = 0
            except OSError:
                return  # the child is gone; its input no longer matters
            if n < len(data):
                self._queue(data[n:])

    def _queue(self, rest: bytes) -> None:
        # Called with the lock held.
        if len(self._pending) + len(rest) > MAX_PENDING_WRITE:
            return  # the program stopped reading long ago; do not grow without bound
        self._pending += rest
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._flush_pending, name=f"chloe-pty-writer-{self.pid}", daemon=True
            )
            self._writer.start()

    def _flush_pending(self) -> None:
        while True:
            with self._lock:
                if not self._pending or self._closed:
                    self._pending.clear()
                    return
                fd = self._master
            try:
                _r, writable, _x = select.select([], [fd], [], 0.5)
            except (OSError, ValueError):
                return
            if not writable:
                continue
            with self._lock:
                if self._is_closed():
                    return
                try:
                    n = os.write(self._master, self._pending)
                except BlockingIOError:
                    continue
                except OSError:
                    self._pending.clear()
                    return
                del self._pending[:n]

    def _is_closed(self) -> bool:
        # A method, not the attribute: close() may run on another thread meanwhile.
        return self._closed

    def resize(self, columns: int, rows: int) -> None:
        """Set the pty size; the kernel sends SIGWINCH to the foreground job."""
        if self._master < 0:
            return
        with contextlib.suppress(OSError):
            _set_winsize(self._master, columns, rows)

    def poll(self) -> ExitStatus | None:
        """Reap the child if it ended (``waitpid(WNOHANG)``); None while it runs."""
        if self._exit is None:
            code = self._proc.poll()
            if code is not None:
                self._exit = ExitStatus(signal=-code) if code < 0 else ExitStatus(code=code)
        return self._exit

    def close(self) -> None:
        """SIGHUP the child's group, close the pty; SIGKILL stragglers later (idempotent).

        Waits at most :data:`CLOSE_GRACE_INLINE` seconds; if the child is still
        running then, a daemon thread sends SIGKILL to the group after
        :data:`CLOSE_GRACE_TOTAL` seconds and reaps it, so no zombie is left.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._pending.clear()
        self._signal_group(signal.SIGHUP)
        # A stopped job would never see the SIGHUP.
        self._signal_group(signal.SIGCONT)
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._master = -1
        self._eof = True
        try:
            self._proc.wait(timeout=CLOSE_GRACE_INLINE)
        except subprocess.TimeoutExpired:
            threading.Thread(
                target=self._reap_later, name=f"chloe-reaper-{self.pid}", daemon=True
            ).start()
            return
        # The leader is gone; background jobs it left in the group go too.
        self._signal_group(signal.SIGKILL)
        self.poll()

    def _reap_later(self) -> None:
        try:
            self._proc.wait(timeout=CLOSE_GRACE_TOTAL - CLOSE_GRACE_INLINE)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            self._proc.wait()
        self.poll()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def __del__(self) -> None:
        # A forgotten process must not leak a pty or leave a zombie.
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):
                self.close()


def require_directory(cwd: str) -> str:
    """``cwd`` as an absolute path (``~`` expanded), if it is a directory.

    Raises:
        PaneStartError: it does not exist or is not a directory (one line saying which).
    """
    path = os.path.abspath(os.path.expanduser(cwd))
    if not os.path.isdir(path):
        what = "is not a directory" if os.path.exists(path) else "does not exist"
        raise PaneStartError(f"cannot start pane: directory {path} {what}")
    return path


def spawn(
    argv: Sequence[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    columns: int = 80,
    rows: int = 24,
    pass_fds: Sequence[int] = (),
) -> PtyProcess:
    """Start ``argv`` in ``cwd`` on a new pty of the given size, in its own session.

    ``pass_fds`` are descriptors the child keeps (every other one is closed in it).

    Raises:
        PaneStartError: the directory or the command does not exist or cannot be run.
    """
    if not argv:
        raise PaneStartError("cannot start pane: no command given")
    require_directory(cwd)
    program = argv[0]
    if shutil.which(program, path=env.get("PATH", os.defpath)) is None:
        raise PaneStartError(
            f"cannot start pane: command {program!r} not found"
            + ("" if "/" in program else " on $PATH")
        )
    master, slave = os.openpty()
    try:
        _set_winsize(slave, columns, rows)
        proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_become_tty_owner,  # noqa: PLW1509 - ioctl only; no locks taken
            close_fds=True,
            pass_fds=tuple(pass_fds),
        )
    except OSError as exc:
        os.close(master)
        reason = exc.strerror or str(exc)
        raise PaneStartError(f"cannot start pane: {program}: {reason}") from None
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return PtyProcess(proc, master)
