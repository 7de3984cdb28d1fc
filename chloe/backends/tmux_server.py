"""Which process is chloe's tmux server, and how to reach it again when its socket is gone.

tmux finds a server only through its socket file (``$TMUX_TMPDIR/tmux-UID/NAME``).
Temporary-file cleaners delete such files; the server keeps running, with the
user's jobs, but no client can connect, and the next ``tmux new-session`` on
that path would start a second, empty server while the first one still runs.

So chloe remembers its server: every status answer carries tmux's ``#{pid}``
and ``#{socket_path}``, and when they change they are written, with the
process's start time (so a reused pid is not taken for the server), to
``$XDG_STATE_HOME/chloe/servers/<socket name>``. Before a command, and when
tmux says there is no server, chloe checks that record: if that process still
runs and its socket file is missing (or refuses connections), chloe sends it
``SIGUSR1``, on which tmux creates its socket anew, and waits a bounded time
for the file. If it does not come back, the command fails with a sentence
saying so instead of starting a second server or calling live panes dead.

The record is a hint: when it cannot be written or read, chloe behaves as
before (no record, no recovery).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chloe import paths

REVIVE_WAIT = 2.0
"""Seconds chloe waits for a live server to re-create its socket after SIGUSR1."""

_POLL = 0.02


def record_path(socket: str) -> Path:
    """Where the server on ``socket`` is remembered."""
    return paths.state_dir() / "servers" / (socket.replace("/", "%") or "%")


def touch(socket: str) -> None:
    """Note that the server on ``socket`` answered just now (the record's mtime)."""
    with contextlib.suppress(OSError):
        os.utime(record_path(socket))


def last_seen(socket: str) -> datetime | None:
    """When chloe last saw a server running on ``socket`` (None: never, or unknown)."""
    try:
        mtime = os.stat(record_path(socket)).st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(mtime, UTC)


def start_time(pid: int) -> str:
    """The process's start time in clock ticks (``/proc``), or "" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def socket_present(path: str) -> bool:
    """Whether ``path`` is a socket file."""
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """chloe's tmux server as last seen.

    Attributes:
        pid: The server's process id (tmux's ``#{pid}``).
        started: Its start time from ``/proc`` ("" where unknown).
        socket_path: Its socket file (tmux's ``#{socket_path}``).
    """

    pid: int
    started: str
    socket_path: str

    @classmethod
    def seen(cls, pid: int, socket_path: str) -> ServerRecord:
        """The record for a server that just answered as ``pid``."""
        return cls(pid, start_time(pid), socket_path)

    def running(self) -> bool:
        """That very process still runs (a reused pid does not count).

        Without a start time to compare (no ``/proc``), never: SIGUSR1 ends a
        process that does not handle it, and the pid may have been reused.
        """
        if self.pid <= 1 or not self.started or not _running(self.pid):
            return False
        return start_time(self.pid) == self.started

    def revive(self, wait: float = REVIVE_WAIT) -> bool:
        """Ask the server to re-create its socket (SIGUSR1); True once the file is back."""
        try:
            os.kill(self.pid, signal.SIGUSR1)
        except OSError:
            return False
        deadline = time.monotonic() + wait
        while not socket_present(self.socket_path):
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)
        return True

    def text(self) -> str:
        return f"{self.pid} {self.started or '-'} {self.socket_path}\n"

    @classmethod
    def parse(cls, text: str) -> ServerRecord | None:
        parts = text.strip().split(" ", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2]:
            return None
        return cls(int(parts[0]), "" if parts[1] == "-" else parts[1], parts[2])


def load(socket: str) -> ServerRecord | None:
    """The remembered server for ``socket``, if any."""
    try:
        with open(record_path(socket), encoding="utf-8", errors="replace") as fh:
            return ServerRecord.parse(fh.read(4096))
    except OSError:
        return None


def save(socket: str, record: ServerRecord) -> None:
    """Remember ``record`` (atomically; silently skipped when the file cannot be written)."""
    path = record_path(socket)
    tmp = path.with_name(f".tmp-{path.name}-{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(record.text())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
