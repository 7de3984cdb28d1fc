"""The event file: what happened to chloe's panes, even while no chloe ran.

One file per tmux socket, ``<state>/events/<socket>.log``, of tab-separated
lines appended by several writers at once:

* tmux itself, through hooks on chloe's server (``alert-bell``,
  ``pane-died``; see :func:`hook_commands`) that ``run-shell`` a ``printf``
  appending one line — so a bell rung while chloe is closed is not lost;
* ``chloe notify`` run inside a pane (``needs-you``, ``done``, ``working``);
* the TUI: a desktop notification (OSC 9, OSC 777, OSC 99) seen in a direct
  pane, and ``seen`` when the user looks at a pane;
* any chloe process that scans tmux panes' logs for those notifications
  (:mod:`chloe.log_scan`; tmux itself drops them).

A line is ``TIME KIND PANE SESSION DETAIL`` (``TIME`` in Unix seconds, ``PANE``
a chloe id, ``DETAIL`` the message, or ``status signal`` for ``died``). Every
write is one ``O_APPEND`` write of one short line, so writers never interleave.

Nobody consumes lines: readers fold the whole file into each pane's latest
mark (:func:`fold`), so any number of processes may read at once and none
takes an event away from another. The "while you were away" report keeps a
byte cursor of its own (``<socket>.shown``), moved under a lock, so it shows
each event once even when two chloe windows start together.

The file is capped: above :data:`ROTATE_BYTES` it is renamed to ``.1`` (the
previous ``.1`` goes) and the marks still in force are restated at the top of
the new file (kind ``=bell`` etc.; restated lines are never reported as new).
The hook stops appending above :data:`HARD_CAP_BYTES`, so a pane ringing its
bell in a loop while chloe is closed cannot fill the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chloe.attention import Mark, MarkKind
from chloe.model import ExitStatus, validate_id
from chloe.paths import ensure_private_dir, state_dir

ROTATE_BYTES = 256 * 1024
"""Above this size chloe rotates the file (when it next writes or reads it)."""

HARD_CAP_BYTES = 4 * ROTATE_BYTES
"""The tmux hooks append nothing to a file this big (nobody has read it for long)."""

MESSAGE_MAX = 300
"""Longest message kept, in characters."""

NEEDS_YOU_KINDS = frozenset({"bell", "needs-you", "osc9", "osc777", "osc99"})
"""Event kinds that mean the program waits for the user."""

MARK_KINDS: dict[str, MarkKind] = {
    **{k: MarkKind.NEEDS_YOU for k in NEEDS_YOU_KINDS},
    "done": MarkKind.DONE,
    "working": MarkKind.WORKING,
}

RESTATED = "="
"""Prefix of a restated line's kind (carried over by a rotation)."""


def events_dir() -> Path:
    """``<state>/events``."""
    return state_dir() / "events"


def event_path(socket: str) -> Path:
    """The event file for chloe's tmux server on ``socket``."""
    return events_dir() / ((socket.replace("/", "%") or "%") + ".log")


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the event file."""

    at: datetime
    kind: str
    pane_id: str
    session: str = ""
    detail: str = ""
    restated: bool = False

    @property
    def exit_status(self) -> ExitStatus | None:
        """For ``died``: how the pane's process ended."""
        if self.kind != "died":
            return None
        parts = self.detail.split()
        with contextlib.suppress(ValueError, IndexError):
            if len(parts) > 1 and parts[1] not in ("", "0"):
                return ExitStatus(signal=int(parts[1]))
            return ExitStatus(code=int(parts[0]))
        return None

    def line(self) -> str:
        """The event as a line of the file."""
        kind = (RESTATED if self.restated else "") + self.kind
        fields = (str(int(self.at.timestamp())), kind, self.pane_id, self.session, self.detail)
        return "\t".join(clean(f) for f in fields) + "\n"


def clean(text: str) -> str:
    """``text`` on one line: tabs, line ends and other control characters made spaces."""
    return "".join(" " if (c in "\t\n\r" or not c.isprintable()) else c for c in text)


def parse_line(line: str) -> Event | None:
    """The event on one line, or None for a line that is not one (skipped)."""
    parts = line.rstrip("\n").split("\t", 4)
    if len(parts) < 3:
        return None
    try:
        stamp = int(parts[0])
        at = datetime.fromtimestamp(stamp, UTC)
        pane_id = validate_id(parts[2])
    except (ValueError, OverflowError, OSError):
        return None
    kind = parts[1]
    restated = kind.startswith(RESTATED)
    return Event(
        at=at,
        kind=kind.removeprefix(RESTATED),
        pane_id=pane_id,
        session=parts[3] if len(parts) > 3 else "",
        detail=parts[4] if len(parts) > 4 else "",
        restated=restated,
    )


@dataclass(slots=True)
class PaneEvents:
    """What the event file says about one pane.

    Attributes:
        mark: The latest needs-you, done or working event.
        seen: When the user last looked at it.
        died: The latest ``died`` event.
    """

    mark: Mark | None = None
    seen: datetime | None = None
    died: Event | None = None


def _mark(event: Event) -> Mark | None:
    kind = MARK_KINDS.get(event.kind)
    if kind is None:
        return None
    source = "notify" if event.kind in ("needs-you", "done", "working") else event.kind
    return Mark(kind, event.at, event.detail, source)


def fold(events: list[Event], into: dict[str, PaneEvents] | None = None) -> dict[str, PaneEvents]:
    """Each pane's latest mark, last look and end, by pane id (later times win)."""
    panes = into if into is not None else {}
    for event in events:
        pane = panes.setdefault(event.pane_id, PaneEvents())
        if event.kind == "seen":
            if pane.seen is None or event.at >= pane.seen:
                pane.seen = event.at
        elif event.kind == "died":
            if pane.died is None or event.at >= pane.died.at:
                pane.died = event
        else:
            mark = _mark(event)
            if mark is not None and (pane.mark is None or mark.at >= pane.mark.at):
                pane.mark = mark
    return panes


# -- the file -----------------------------------------------------------------------


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the event file's lock (rotation, the report's cursor, log scans)."""
    ensure_private_dir(path.parent)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append(path: Path, event: Event) -> None:
    """Add one event (one ``O_APPEND`` write); rotates a file grown past the cap first."""
    ensure_private_dir(path.parent)
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > ROTATE_BYTES:
            rotate(path)
    data = event.line().encode("utf-8", "replace")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _read_lines(path: Path, offset: int = 0) -> tuple[list[str], int, int | None]:
    """Complete lines from ``offset`` on, the offset after them, and the file's inode."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return [], offset, None
    try:
        inode = os.fstat(fd).st_ino
        size = os.fstat(fd).st_size
        if offset > size:
            offset = 0  # not the file the cursor was for
        os.lseek(fd, offset, os.SEEK_SET)
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
    text = data[:end].decode("utf-8", "replace")
    return text.splitlines(), offset + end, inode


def read_all(path: Path) -> list[Event]:
    """Every event in the rotated file and the current one, oldest file first."""
    events: list[Event] = []
    for part in (_rotated(path), path):
        lines, _end, _inode = _read_lines(part)
        events += [e for e in map(parse_line, lines) if e is not None]
    return events


def _rotated(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def rotate(path: Path) -> None:
    """Move the file to ``.1`` and restate the marks still in force in a new one."""
    with locked(path):
        try:
            if path.stat().st_size <= ROTATE_BYTES:
                return  # another process rotated it meanwhile
        except FileNotFoundError:
            return
        lines, _end, _inode = _read_lines(path)
        os.replace(path, _rotated(path))
        restate: list[Event] = []
        for pane_id, pane in fold([e for e in map(parse_line, lines) if e is not None]).items():
            if pane.seen is not None:
                restate.append(Event(pane.seen, "seen", pane_id, restated=True))
            if pane.mark is not None:
                kind = pane.mark.source if pane.mark.source != "notify" else pane.mark.kind.value
                restate.append(Event(pane.mark.at, kind, pane_id, "", pane.mark.message, True))
            if pane.died is not None:
                died = pane.died
                restate.append(Event(died.at, "died", pane_id, died.session, died.detail, True))
        data = "".join(e.line() for e in restate).encode("utf-8", "replace")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)


@dataclass(slots=True)
class Reader:
    """Follows the event file for one process: new lines only, across rotations.

    :meth:`poll` costs one ``stat`` when nothing changed. Each reader has its
    own cursor, so readers in several processes never take events from each other.
    """

    path: Path
    panes: dict[str, PaneEvents] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _inode: int | None = None
    _offset: int = 0
    _size: int = -1

    def poll(self) -> list[Event]:
        """Events appended since the last call (all of them on the first); thread-safe."""
        with self._lock:
            return self._poll()

    def _poll(self) -> list[Event]:
        try:
            st = self.path.stat()
        except OSError:
            return []
        if st.st_ino == self._inode and st.st_size == self._size:
            return []
        new: list[Event] = []
        if self._inode is not None and st.st_ino != self._inode:
            # Rotated: finish the old file (now .1) if it is the one we were reading.
            old = _rotated(self.path)
            with contextlib.suppress(OSError):
                if old.stat().st_ino == self._inode:
                    lines, _end, _inode = _read_lines(old, self._offset)
                    new += [e for e in map(parse_line, lines) if e is not None]
            self._offset = 0
        elif self._inode is None:
            lines, _end, _inode = _read_lines(_rotated(self.path))
            new += [e for e in map(parse_line, lines) if e is not None]
        lines, self._offset, self._inode = _read_lines(self.path, self._offset)
        self._size = st.st_size
        new += [e for e in map(parse_line, lines) if e is not None]
        fold(new, self.panes)
        if st.st_size > ROTATE_BYTES:
            with contextlib.suppress(OSError):
                rotate(self.path)
        return new


def take_unshown(path: Path) -> list[Event]:
    """Events nobody has reported yet ("while you were away"), each returned once.

    The cursor (``<socket>.shown``: inode and offset) moves under the file's
    lock, so of two processes asking at once exactly one gets each event.
    Restated lines are never returned. The first call ever returns nothing and
    starts the cursor at the end (old history is not news).
    """
    shown = path.with_suffix(".shown")
    with locked(path):
        try:
            inode_s, offset_s = shown.read_text().split()
            cursor: tuple[int, int] | None = (int(inode_s), int(offset_s))
        except (OSError, ValueError):
            cursor = None
        events: list[Event] = []
        current_inode: int | None = None
        with contextlib.suppress(OSError):
            current_inode = path.stat().st_ino
        if cursor is not None:
            inode, offset = cursor
            if current_inode != inode:
                with contextlib.suppress(OSError):
                    old = _rotated(path)
                    if old.stat().st_ino == inode:
                        lines, _e, _i = _read_lines(old, offset)
                        events += [e for e in map(parse_line, lines) if e is not None]
                offset = 0
            lines, end, inode_now = _read_lines(path, offset)
            events += [e for e in map(parse_line, lines) if e is not None]
        else:
            _lines, end, inode_now = _read_lines(path, 0)
        if inode_now is not None:
            tmp = shown.with_suffix(".shown.tmp")
            tmp.write_text(f"{inode_now} {end}\n")
            os.replace(tmp, shown)
    return [e for e in events if not e.restated and e.kind != "seen"]


def prepare(path: Path) -> None:
    """Create the file (the hooks append only to an existing file smaller than the cap)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    os.close(fd)


# -- tmux hooks ------------------------------------------------------------------------

HOOK_INDEX = 77
"""chloe's hooks sit at this index of each hook array, beside the user's own."""


def _tmux_double_quote(text: str) -> str:
    """``text`` as one double-quoted word of tmux's command language."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def hook_shell(path: Path, kind: str, time_format: str, detail_format: str = "") -> str:
    """The shell command a hook runs: append one line to ``path`` if it is below the cap.

    Formats (``#{...}``) are expanded by tmux's ``run-shell`` before the shell
    sees the text, so every expanded value is shell-quoted with ``#{q:...}``
    and a ``#`` in the path is doubled.
    """
    quoted = shlex.quote(str(path)).replace("#", "##")
    fmt = "%s\\t" * 4 + "%s\\n"
    detail = detail_format or "''"
    return (
        f"p=#{{q:@chloe-id}}; f={quoted}; "
        f'[ -n "$p" ] && [ -f "$f" ] && [ "$(wc -c < "$f")" -lt {HARD_CAP_BYTES} ] && '
        f"printf '{fmt}' {time_format} {shlex.quote(kind)} \"$p\" #{{q:session_name}} "
        f'{detail} >> "$f"'
    )


def hook_commands(path: Path) -> list[list[str]]:
    """``set-hook`` commands that make chloe's tmux server record bells and ends in ``path``.

    tmux 3.3a sees the bell and a pane's death, but not desktop notifications
    (OSC 9, OSC 777, OSC 99): it drops those sequences, so for a tmux pane chloe
    reads them from its continuous log instead (:mod:`chloe.log_scan`).
    """
    bell = hook_shell(path, "bell", "#{window_activity}")
    died = hook_shell(
        path, "died", "#{pane_dead_time}", '"#{pane_dead_status} #{pane_dead_signal}"'
    )
    return [
        ["set-hook", "-g", f"alert-bell[{HOOK_INDEX}]", f"run-shell -b {_tmux_double_quote(bell)}"],
        ["set-hook", "-g", f"pane-died[{HOOK_INDEX}]", f"run-shell -b {_tmux_double_quote(died)}"],
    ]


def now_event(kind: str, pane_id: str, detail: str = "", session: str = "") -> Event:
    """An event of ``kind`` for ``pane_id`` happening now (message cut to :data:`MESSAGE_MAX`)."""
    at = datetime.fromtimestamp(int(time.time()), UTC)
    return Event(at, kind, pane_id, session, detail[:MESSAGE_MAX])


def away_report(happened: list[Event], names: dict[str, str], now: datetime) -> str:
    """One line about what happened while no chloe ran, most recent per pane.

    ``build failed (exit 2) 2h ago; claude needs you since 10m: approve?``.
    Events of panes no longer listed are left out.
    """
    from chloe.attention import format_duration

    latest: dict[str, Event] = {}
    for event in happened:
        if event.pane_id not in names or event.kind == "seen":
            continue
        if event.pane_id not in latest or event.at >= latest[event.pane_id].at:
            latest[event.pane_id] = event
    parts: list[str] = []
    for pane_id, event in sorted(latest.items(), key=lambda kv: kv[1].at, reverse=True):
        name = names[pane_id]
        ago = format_duration(max(0.0, (now - event.at).total_seconds()))
        message = f": {event.detail}" if event.detail and event.kind != "died" else ""
        if event.kind == "died":
            status = event.exit_status
            failed = status is None or status.signal is not None or status.code != 0
            words = status.describe() if status is not None else "status unknown"
            parts.append(f"{name} {'failed' if failed else 'finished'} ({words}) {ago} ago")
        elif event.kind == "done":
            parts.append(f"{name} is done since {ago}{message}")
        elif event.kind == "working":
            continue
        else:
            parts.append(f"{name} needs you since {ago}{message}")
    return "; ".join(parts)
