"""Desktop notifications of tmux panes, found in their continuous logs.

tmux 3.3a drops the desktop-notification sequences programs send (OSC 9,
OSC 777 ``notify``, OSC 99): they never reach any client, and no hook sees
them. The pane's continuous log (:mod:`chloe.history`) holds the raw bytes
the program wrote, those sequences included, so chloe reads them there: each
scan reads what was appended to each tmux pane's log since the last scan and
records every notification it finds as an event (:mod:`chloe.events`, kinds
``osc9``, ``osc777``, ``osc99`` with the notification's text), which makes the
pane *needs you* with that text.

Whichever chloe process scans first (the TUI's status worker, ``chloe ls``,
``chloe wait``) records a notification, exactly once: the offsets scanned so far
(``<state>/events/<socket>.scan``, a line ``PANE INODE OFFSET`` per pane) are
read and moved under the event file's lock. What a pane wrote while no chloe
ran is found by the next scan, since the offsets persist.

The work per scan is bounded (:data:`PANE_BUDGET` bytes per pane,
:data:`SCAN_BUDGET` in all; a big burst is read over several scans), and a scan
in which no log changed costs one ``stat`` per pane and takes no lock.
No Textual here.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chloe import events, history

PANE_BUDGET = 1 << 20
"""Bytes of one pane's log read by one scan at most."""

SCAN_BUDGET = 4 << 20
"""Bytes read by one scan at most, over every pane."""

MAX_OSC = 4096
"""A notification's body longer than this is not one (it is skipped)."""

_OSC = re.compile(rb"\x1b\](9|777|99);([^\x07\x1b]{0,%d})(?:\x07|\x1b\\)" % MAX_OSC)


def scan_path(event_path: Path) -> Path:
    """The offsets file beside the event file ``event_path``."""
    return event_path.with_suffix(".scan")


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far a pane's log was scanned: the file (by inode) and the offset in it."""

    inode: int
    offset: int


def read_cursors(path: Path) -> dict[str, Cursor]:
    """The offsets file (empty when there is none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    cursors: dict[str, Cursor] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        with contextlib.suppress(ValueError):
            cursors[parts[0]] = Cursor(int(parts[1]), int(parts[2]))
    return cursors


def write_cursors(path: Path, cursors: dict[str, Cursor]) -> None:
    """Replace the offsets file (atomically)."""
    tmp = path.with_name(path.name + ".tmp")
    text = "".join(f"{pane} {c.inode} {c.offset}\n" for pane, c in sorted(cursors.items()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def notifications(data: bytes) -> tuple[list[tuple[str, str]], int]:
    """The desktop notifications in ``data`` as (kind, text), and how much of it was read.

    A sequence that starts near the end and is not finished yet is left for the
    next read: the second value is then where it starts.
    """
    from chloe.terminal.parser import desktop_notification

    found: list[tuple[str, str]] = []
    for match in _OSC.finditer(data):
        code = match.group(1).decode()
        arg = match.group(2).decode("utf-8", "replace")
        notification = desktop_notification(code, arg)
        if notification is not None:
            kind, text = notification
            found.append((kind, events.clean(text).strip()))
    used = len(data)
    tail = data.rfind(b"\x1b]", max(0, len(data) - MAX_OSC - 8))
    if tail >= 0 and _OSC.match(data, tail) is None:
        rest = data[tail:]
        if b"\x07" not in rest and b"\x1b\\" not in rest and b"\x1b" not in rest[2:]:
            used = tail  # unfinished: read again with what follows
    return found, used


def _read(path: Path, offset: int, limit: int) -> tuple[bytes, int, int | None]:
    """Up to ``limit`` bytes of ``path`` from ``offset``: (the bytes, the offset they
    start at, the file's inode; None when there is no file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b"", offset, None
    try:
        st = os.fstat(fd)
        if offset > st.st_size:
            offset = 0  # not the file the offset was for (it was truncated)
        return os.pread(fd, max(0, limit), offset), offset, st.st_ino
    finally:
        os.close(fd)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


class LogScanner:
    """Scans tmux panes' logs for desktop notifications (see the module's docstring).

    Thread-safe; one per chloe process and tmux socket.

    Args:
        event_path: The event file notifications are recorded in.
    """

    def __init__(self, event_path: Path) -> None:
        self.event_path = event_path
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, int]] = {}
        """Per pane: its log's (inode, size) when this process last scanned it."""

    def _changed(self, pane_ids: Iterable[str]) -> tuple[dict[str, tuple[int, int]], bool]:
        now: dict[str, tuple[int, int]] = {}
        changed = False
        logs = history.log_dir()  # once: finding the state directory is not free
        for pane_id in pane_ids:
            try:
                st = os.stat(logs / f"{pane_id}.log")
            except OSError:
                changed = changed or pane_id in self._known
                continue
            now[pane_id] = (st.st_ino, st.st_size)
            changed = changed or self._known.get(pane_id) != now[pane_id]
        return now, changed

    def scan(self, pane_ids: Iterable[str]) -> list[events.Event]:
        """Record the notifications appended to these panes' logs since the last scan.

        Returns the events recorded by this call. Never raises ``OSError``
        (a log or the event file that cannot be read or written is skipped).
        """
        with self._lock:
            ids = list(dict.fromkeys(pane_ids))
            sizes, changed = self._changed(ids)
            if not changed and len(sizes) == len(self._known):
                return []
            try:
                found, behind = self._scan_locked(ids)
            except OSError:
                return []
            # A log not read to its end yet (the budget ran out) is read on by the next scan.
            self._known = {k: v for k, v in sizes.items() if k not in behind}
            return found

    def _scan_locked(self, ids: list[str]) -> tuple[list[events.Event], set[str]]:
        path = scan_path(self.event_path)
        with events.locked(self.event_path):
            cursors = read_cursors(path) or {}
            budget = SCAN_BUDGET
            found: list[events.Event] = []
            behind = set(ids)
            for pane_id in ids:
                if budget <= 0:
                    break
                log = history.log_path(pane_id)
                inode = _inode(log)
                if inode is None:
                    behind.discard(pane_id)
                    continue
                # A log never scanned is read from its start (a pane's log starts with it).
                cursor = cursors.get(pane_id) or Cursor(inode, 0)
                allowed = min(budget, PANE_BUDGET)
                new, cursor, used = self._scan_pane(pane_id, cursor, allowed)
                budget -= used
                cursors[pane_id] = cursor
                found += new
                if used < allowed:
                    behind.discard(pane_id)
            for pane_id in list(cursors):
                if not history.has_log(pane_id):
                    del cursors[pane_id]  # the pane and its log were removed
            for event in found:
                events.append(self.event_path, event)
            write_cursors(path, cursors)
        return found, behind

    def _scan_pane(
        self, pane_id: str, cursor: Cursor, budget: int
    ) -> tuple[list[events.Event], Cursor, int]:
        """Scan one pane from ``cursor``: (events, the new cursor, bytes read)."""
        log = history.log_path(pane_id)
        found: list[tuple[str, str]] = []
        used = 0
        inode = _inode(log)
        if inode is not None and inode != cursor.inode:
            # Rotated since: finish the old file first, if it is still there as .1.
            old = history.rotated_path(pane_id)
            if _inode(old) == cursor.inode:
                data, start, _ino = _read(old, cursor.offset, budget)
                more, taken = notifications(data)
                found += more
                used += len(data)
                if len(data) >= budget:
                    after = Cursor(cursor.inode, start + taken)
                    return self._events(pane_id, found), after, used
            cursor = Cursor(inode, 0)
        data, start, ino = _read(log, cursor.offset, budget - used)
        if ino is not None and ino != cursor.inode:
            cursor = Cursor(ino, 0)  # replaced between the stat and the open: next scan
            return self._events(pane_id, found), cursor, used
        more, taken = notifications(data)
        found += more
        used += len(data)
        return self._events(pane_id, found), Cursor(cursor.inode, start + taken), used

    def _events(self, pane_id: str, found: list[tuple[str, str]]) -> list[events.Event]:
        if not found:
            return []
        try:
            mtime = history.log_path(pane_id).stat().st_mtime
        except OSError:
            mtime = datetime.now(UTC).timestamp()
        # When it was written is not in the log; no later than the log's last change.
        at = datetime.fromtimestamp(int(min(mtime, datetime.now(UTC).timestamp())), UTC)
        return [
            events.Event(at, kind, pane_id, "", text[: events.MESSAGE_MAX])
            for kind, text in found[-3:]
        ]
