"""The status query: its tmux format, with named fields, and the parser of its answer.

A status refresh is one tmux invocation, ``list-panes -a -F <PANE_FORMAT> ;
list-clients -F <CLIENT_FORMAT>``: one line per pane (tagged ``P``) and one per
client (tagged ``C``), fields separated by tabs. Each field is named once, in
:data:`PANE_FIELDS`; :class:`PaneRow` holds one parsed line. libtmux's object
listings (``server.sessions``, ``Session.panes``) are not used: they ask tmux
once per object.
"""

from __future__ import annotations

import os
import shlex
import signal
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chloe.model import ExitStatus

SEP = "\t"

PANE_FIELDS: tuple[tuple[str, str], ...] = (
    ("session", "#{session_name}"),
    ("chloe_id", "#{@chloe-id}"),
    ("chloe_name", "#{@chloe-name}"),
    ("dead", "#{pane_dead}"),
    ("dead_status", "#{pane_dead_status}"),
    ("dead_signal", "#{pane_dead_signal}"),
    ("current_command", "#{pane_current_command}"),
    ("start_path", "#{pane_start_path}"),
    ("session_created", "#{session_created}"),
    ("server_pid", "#{pid}"),
    ("socket_path", "#{socket_path}"),
    ("dead_time", "#{pane_dead_time}"),
    ("activity", "#{window_activity}"),
    ("pipe", "#{pane_pipe}"),
    # Last, so that a tab in it cannot shift any other field.
    ("start_command", "#{pane_start_command}"),
)
"""(field name, tmux format) of each column of a pane line, in order."""

PANE_FORMAT = SEP.join(("P", *(fmt for _name, fmt in PANE_FIELDS)))
CLIENT_FORMAT = SEP.join(("C", "#{client_pid}", "#{session_name}"))

QUERY_ARGS: tuple[str, ...] = (
    "list-panes", "-a", "-F", PANE_FORMAT, ";", "list-clients", "-F", CLIENT_FORMAT,
)  # fmt: skip
"""The one tmux invocation that answers a status refresh."""


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PaneRow:
    """One pane line of the status answer, field by field (see :data:`PANE_FIELDS`)."""

    session: str
    chloe_id: str
    chloe_name: str
    dead: bool
    dead_status: int | None
    dead_signal: int | None
    current_command: str
    start_path: str
    session_created: int | None
    server_pid: int | None
    socket_path: str
    dead_time: int | None
    activity: int | None
    pipe: bool
    start_command: str

    @classmethod
    def parse(cls, line: str) -> PaneRow | None:
        """The row for a ``P`` line, or None for any other line."""
        parts = line.split(SEP, len(PANE_FIELDS))
        if parts[0] != "P" or len(parts) != len(PANE_FIELDS) + 1:
            return None
        raw = dict(zip((name for name, _fmt in PANE_FIELDS), parts[1:], strict=True))
        return cls(
            session=raw["session"],
            chloe_id=raw["chloe_id"],
            chloe_name=raw["chloe_name"],
            dead=raw["dead"] == "1",
            dead_status=_int(raw["dead_status"]),
            dead_signal=_int(raw["dead_signal"]),
            current_command=raw["current_command"],
            start_path=raw["start_path"],
            session_created=_int(raw["session_created"]),
            server_pid=_int(raw["server_pid"]),
            socket_path=raw["socket_path"],
            dead_time=_int(raw["dead_time"]),
            activity=_int(raw["activity"]),
            pipe=raw["pipe"] == "1",
            start_command=raw["start_command"],
        )

    @property
    def exit_status(self) -> ExitStatus | None:
        """How the pane's process ended, if tmux has recorded it."""
        if self.dead_signal:
            return ExitStatus(signal=self.dead_signal)
        if self.dead_status is not None:
            return ExitStatus(code=self.dead_status)
        return None


@dataclass(frozen=True, slots=True)
class SessionState:
    """One session on chloe's server, as the batched query saw it.

    Attributes:
        session: Session name.
        chloe_id: ``@chloe-id`` (None for sessions chloe did not mark).
        chloe_name: ``@chloe-name``.
        dead: Every pane of the session has exited (kept by ``remain-on-exit``).
        exit_status: How the first pane's process ended, when dead.
        current_command: The first live pane's foreground command.
        attached: A chloe client is attached to it right now.
        cwd: The first pane's start directory.
        command: The first pane's start command, split as argv.
        created: When tmux created the session.
        ended: When the first pane's process ended (``pane_dead_time``), when dead.
        last_output: When a pane of the session last wrote output (``window_activity``).
        piped: The first pane's output goes to a ``pipe-pane`` command (its log
            writer); None when not known.
    """

    session: str
    chloe_id: str | None
    chloe_name: str | None
    dead: bool
    exit_status: ExitStatus | None
    current_command: str | None
    attached: bool
    cwd: str
    command: tuple[str, ...]
    created: datetime | None
    ended: datetime | None = None
    last_output: datetime | None = None
    piped: bool | None = None


def _time(stamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every session on chloe's server at one moment.

    Attributes:
        sessions: Session name -> state.
        reachable: False when the query failed for a reason other than "no server
            running" (then absence from ``sessions`` proves nothing).
        error: The failure, when not reachable.
        server_pid: The tmux server's pid, when it answered with a session.
        socket_path: The server's socket file, when it answered with a session.
        last_seen: When no server answers: when chloe last saw one running on
            this socket (None if it never did, or does not know).
    """

    sessions: dict[str, SessionState] = field(default_factory=dict)
    reachable: bool = True
    error: str | None = None
    server_pid: int | None = None
    socket_path: str | None = None
    last_seen: datetime | None = None

    @property
    def server_gone(self) -> bool:
        """No tmux server runs on the socket (so no session can be running there)."""
        return self.reachable and self.server_pid is None and not self.sessions

    @property
    def missing_statuses(self) -> bool:
        """Some pane is dead but tmux has not recorded how it ended (yet)."""
        return any(s.dead and s.exit_status is None for s in self.sessions.values())


def nudge(server_pid: int) -> bool:
    """Make the tmux server reap exited children now (see :meth:`TmuxBackend.snapshot`).

    tmux 3.3a sometimes misses the SIGCHLD of a pane's process: the pane shows
    dead (its pty closed) but without ``pane_dead_status`` until some other
    child exits, which may be never. Sending the server a SIGCHLD makes it run
    its ``waitpid`` loop, which records the status. Harmless when nothing waits.
    """
    try:
        os.kill(server_pid, signal.SIGCHLD)
    except OSError:
        return False
    return True


def split_command(text: str) -> tuple[str, ...]:
    """tmux's ``pane_start_command`` back as argv (the whole text if it does not split)."""
    try:
        return tuple(shlex.split(text))
    except ValueError:
        return (text,) if text else ()


def parse_snapshot(lines: Iterable[str], chloe_clients: Collection[int] = ()) -> Snapshot:
    """Build a :class:`Snapshot` from the ``list-panes`` + ``list-clients`` output.

    Args:
        lines: tmux's answer.
        chloe_clients: Pids of chloe's own tmux clients (held lock files); a
            session is attached when one of them is among its clients.
    """
    ours = frozenset(chloe_clients)
    panes: dict[str, list[PaneRow]] = {}
    clients: dict[str, set[int]] = {}
    for line in lines:
        row = PaneRow.parse(line)
        if row is not None:
            panes.setdefault(row.session, []).append(row)
            continue
        parts = line.split(SEP)
        if parts[0] == "C" and len(parts) >= 3:
            pid = _int(parts[1])
            if pid is not None:
                clients.setdefault(parts[2], set()).add(pid)
    sessions: dict[str, SessionState] = {}
    server_pid: int | None = None
    socket_path: str | None = None
    for name, rows in panes.items():
        first = rows[0]
        server_pid = first.server_pid
        socket_path = first.socket_path or None
        live = [r for r in rows if not r.dead]
        created = first.session_created
        sessions[name] = SessionState(
            session=name,
            chloe_id=first.chloe_id or None,
            chloe_name=first.chloe_name or None,
            dead=not live,
            exit_status=None if live else first.exit_status,
            current_command=(live[0].current_command or None) if live else None,
            attached=not ours.isdisjoint(clients.get(name, ())),
            cwd=first.start_path,
            command=split_command(first.start_command),
            created=_time(created),
            ended=None if live else _time(first.dead_time),
            last_output=max(
                (t for t in (_time(r.activity) for r in rows) if t is not None), default=None
            ),
            piped=first.pipe,
        )
    return Snapshot(sessions=sessions, server_pid=server_pid, socket_path=socket_path)
