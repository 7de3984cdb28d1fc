"""A restored pane shows what it showed before its server was lost.

When chloe's tmux server is lost (a reboot, the server killed) and a pane is
restored, its new session starts empty. But the pane's continuous log
(:mod:`chloe.history`) still holds what the pane wrote before. So the restored
session first prints the tail of that log, rendered as a terminal showed it
(plain text, :data:`REPLAY_LINES` lines at most), then a marker line
(:func:`marker`), and only then runs the pane's resume command (or command): the
pane's own history — in chloe's view, when browsing it, in ``chloe logs`` —
has the earlier output above the marker, as tmux-resurrect's restored pane
contents do.

The replay is not logged again: the session starts without its log, prints
the replay, says so (a ``ready`` file), and waits (at most
:data:`HANDSHAKE_SECONDS`) for chloe to write the marker into the log and start
logging (a ``go`` file); then it runs the command. So the log reads: the
output before, the marker, the output after. No Textual here.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chloe import history

REPLAY_LINES = 1000
"""Lines of the earlier output a restored pane shows at most."""

TAIL_BYTES = 1 << 20
"""Bytes at the end of the log rendered for them."""

HANDSHAKE_SECONDS = 5.0
"""How long the restored session waits for chloe to start its log before it runs on."""

_SCRIPT = (
    'f=$1; ready=$2; go=$3; shift 3; cat "$f" 2>/dev/null; rm -f "$f"; : > "$ready"; '
    f'i=0; while [ ! -e "$go" ] && [ $i -lt {int(HANDSHAKE_SECONDS * 10)} ]; '
    'do sleep 0.1; i=$((i+1)); done; rm -f "$ready" "$go"; '
    '[ $# -gt 0 ] && exec "$@"; exec "${SHELL:-/bin/sh}" -l'
)
"""The restored session's first program: print the replay, hand over, run the command."""


def marker(lost: datetime) -> str:
    """The line between the output before and after: when the server was lost (local time)."""
    when = lost.astimezone().strftime("%Y-%m-%d %H:%M")
    return f"— restored after the server was lost at {when} —"


def tail_bytes(pane_id: str, limit: int = TAIL_BYTES) -> bytes:
    """The last ``limit`` bytes of the pane's log (the rotated file's end first if needed)."""
    parts: list[bytes] = []
    left = limit
    for path in (history.log_path(pane_id), history.rotated_path(pane_id)):
        if left <= 0:
            break
        try:
            with open(path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - left))
                data = fh.read(left)
        except OSError:
            continue
        parts.insert(0, data)
        left -= len(data)
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class Replay:
    """The files of one restored pane's replay and hand-over."""

    text: Path
    ready: Path
    go: Path

    def wrap(self, command: Sequence[str]) -> list[str]:
        """The session's argv: the replay first, then ``command`` (empty: a login shell)."""
        files = [str(self.text), str(self.ready), str(self.go)]
        return ["sh", "-c", _SCRIPT, "chloe-restore", *files, *command]

    def wait_shown(self, timeout: float = HANDSHAKE_SECONDS) -> bool:
        """Wait until the session printed the replay (False: not within ``timeout``)."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while not self.ready.exists():
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return True

    def release(self) -> None:
        """Let the session run its command now."""
        with contextlib.suppress(OSError):
            fd = os.open(self.go, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            os.close(fd)

    def discard(self) -> None:
        """Remove the files (the session did not start)."""
        for path in (self.text, self.ready, self.go):
            with contextlib.suppress(OSError):
                path.unlink()


def prepare(pane_id: str, lost: datetime, columns: int) -> Replay | None:
    """Write the replay of a lost pane's earlier output, or None when it has no log.

    ``columns``: the restored pane's width (long lines wrap there, as they did).
    """
    data = tail_bytes(pane_id)
    if not data.strip():
        return None
    lines = history.render(data, columns=max(20, columns))[-REPLAY_LINES:]
    text = "".join(line + "\n" for line in lines) + f"\x1b[1m{marker(lost)}\x1b[0m\n"
    base = history.log_dir() / f"{pane_id}.restore"
    replay = Replay(base, base.with_name(base.name + "-ready"), base.with_name(base.name + "-go"))
    replay.discard()
    fd = os.open(replay.text, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)
    return replay


def mark_log(pane_id: str, lost: datetime) -> None:
    """Append the marker line to the pane's log (before its new output)."""
    line = f"\r\n{marker(lost)}\r\n".encode()
    with contextlib.suppress(OSError):
        fd = os.open(history.log_path(pane_id), os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
