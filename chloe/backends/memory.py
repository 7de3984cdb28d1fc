"""In-memory implementations of the service's protocols (:mod:`chloe.backends.server`).

For tests above the service: the TUI's tests build a real
:class:`~chloe.service.PaneService` on a real store with these below it, so
every status, adoption and record rule is the service's own, while the panes'
screens, commands and exits are scripted. Processes are
:class:`~chloe.backends.fake.FakeProcess` objects (a real fd, no child).

Example::

    tmux, direct = MemoryTmux(), MemoryDirect()
    service = PaneService(store, config, tmux=tmux, direct=direct)
    tmux.add_session("chloe-1a2b3c4d", pane_id=..., name="job", screen=b"$ ")
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from chloe.backends.base import PaneProcess
from chloe.backends.direct import require_directory
from chloe.backends.fake import FakeProcess
from chloe.backends.locks import ClientCommand
from chloe.backends.placement import Placement
from chloe.backends.tmux import SessionState, Snapshot
from chloe.backends.tmux_commands import SessionSpec
from chloe.errors import PaneGoneError, TmuxUnavailableError
from chloe.model import ExitStatus, utcnow

GATE_TIMEOUT = 30.0
"""Longest a held status query waits for its gate (a forgotten gate cannot hang a test run)."""


@dataclass
class MemorySession:
    """A pretend tmux session with one pane.

    Attributes:
        session: Its name.
        pane_id: ``@chloe-id`` (None once released).
        name: ``@chloe-name``.
        cwd: Start directory.
        command: Start command.
        screen: What a client (or a capture) shows.
        current_command: The foreground command, while it runs.
        exit_status: How the pane's program ended (then the session is dead).
        created: When it was made.
        clients: Every client attached so far.
        sent: Text typed with :meth:`MemoryTmux.send_text`.
    """

    session: str
    pane_id: str | None
    name: str | None
    cwd: str = "/"
    command: tuple[str, ...] = ()
    screen: bytes = b""
    current_command: str | None = "bash"
    exit_status: ExitStatus | None = None
    created: datetime | None = None
    clients: list[FakeProcess] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    @property
    def dead(self) -> bool:
        """The pane's program ended (the session is kept, as with ``remain-on-exit``)."""
        return self.exit_status is not None

    @property
    def attached(self) -> bool:
        """A client is attached."""
        return any(not c.closed and c.poll() is None for c in self.clients)

    def state(self) -> SessionState:
        """What the batched status query reports for it."""
        return SessionState(
            session=self.session,
            chloe_id=self.pane_id,
            chloe_name=self.name,
            dead=self.dead,
            exit_status=self.exit_status,
            current_command=None if self.dead else self.current_command,
            attached=self.attached,
            cwd=self.cwd,
            command=self.command,
            created=self.created,
        )


MEMORY_SERVER_PID = 4_000_000
"""The pid an in-memory server answers with (no real process has one this high)."""


class MemoryTmux:
    """chloe's tmux server, in memory (satisfies :class:`.server.TmuxServer`).

    Attributes:
        sessions: Session name -> session.
        problem: Set it to make tmux "unavailable" with this reason.
        gate: When set, status queries wait until it is set (at most
            :data:`GATE_TIMEOUT`): a test can look at the screen before any answer.
    """

    def __init__(self, socket: str = "memory") -> None:
        self.socket = socket
        self.placement: Placement | None = None
        self.started_server = False
        self.server_running = False
        """A session was created and the server was not stopped since (see :meth:`stop`)."""
        self.problem: str | None = None
        self.gate: threading.Event | None = None
        self.sessions: dict[str, MemorySession] = {}
        self.logging: dict[str, str] = {}
        """Session -> the command its output is piped to (its log)."""
        self._lock = threading.RLock()
        self._lock_dir = Path(tempfile.gettempdir()) / "chloe-memory-clients"

    # -- scripting ----------------------------------------------------------------------

    def add_session(
        self,
        session: str,
        *,
        pane_id: str | None,
        name: str | None,
        cwd: str = "/",
        command: Sequence[str] = (),
        screen: bytes = b"",
        current_command: str | None = "bash",
        exit_status: ExitStatus | None = None,
        created: datetime | None = None,
    ) -> MemorySession:
        """Make a session as if tmux had it already (started by an earlier chloe)."""
        with self._lock:
            made = MemorySession(
                session,
                pane_id,
                name,
                cwd,
                tuple(command),
                screen,
                current_command,
                exit_status,
                created or utcnow(),
            )
            self.sessions[session] = made
            self.server_running = True
            return made

    def end(self, session: str, status: ExitStatus) -> None:
        """The session's program ends with ``status`` (its clients stay, as tmux's do)."""
        with self._lock:
            self.sessions[session].exit_status = status

    # -- TmuxServer ---------------------------------------------------------------------

    def require(self) -> None:
        """Raise TmuxUnavailableError if :attr:`problem` is set."""
        if self.problem is not None:
            raise TmuxUnavailableError(self.problem)

    def stop(self) -> None:
        """What a reboot or ``kill -9`` of the server does: every session is gone."""
        with self._lock:
            self.sessions.clear()
            self.server_running = False

    def snapshot(self) -> Snapshot:
        """Every session's state (after the :attr:`gate`, if one is set)."""
        gate = self.gate
        if gate is not None:
            gate.wait(GATE_TIMEOUT)
        if self.problem is not None:
            return Snapshot(reachable=False, error=self.problem)
        with self._lock:
            # chloe's server outlives its last session (exit-empty off) until stopped.
            pid = MEMORY_SERVER_PID if (self.sessions or self.server_running) else None
            return Snapshot(
                sessions={n: s.state() for n, s in self.sessions.items()}, server_pid=pid
            )

    def has_session(self, session: str) -> bool:
        """Whether the session exists."""
        return session in self.sessions

    def create_session(self, spec: SessionSpec) -> None:
        """A new session with a shell prompt on its screen."""
        self.require()
        require_directory(spec.cwd)
        if spec.log_command:
            self.logging[spec.session] = spec.log_command
        self.add_session(
            spec.session,
            pane_id=spec.pane_id,
            name=spec.name,
            cwd=spec.cwd,
            command=spec.command,
            screen=b"$ ",
            current_command=(spec.command[0] if spec.command else "bash"),
        )

    def respawn(
        self, session: str, *, cwd: str, command: Sequence[str], log_command: str | None = None
    ) -> None:
        """The dead pane runs again, at a fresh prompt."""
        with self._lock:
            target = self._get(session)
            target.exit_status = None
            target.screen = b"$ "
            if log_command:
                self.logging.setdefault(session, log_command)

    def start_logging(self, session: str, log_command: str) -> None:
        """Record the log command (nothing runs it)."""
        with self._lock:
            self._get(session)
            self.logging.setdefault(session, log_command)

    def set_name(self, session: str, name: str) -> None:
        """Change ``@chloe-name``."""
        with self._lock:
            self._get(session).name = name

    def release(self, session: str) -> None:
        """Drop chloe's marks."""
        with self._lock:
            target = self._get(session)
            target.pane_id = None
            target.name = None

    def kill(self, session: str) -> bool:
        """End the session; its clients read end of file."""
        with self._lock:
            target = self.sessions.pop(session, None)
        if target is None:
            return False
        for client in target.clients:
            if not client.closed:
                client.finish(ExitStatus(code=0))
        return True

    def send_text(self, session: str, text: str, *, enter: bool) -> None:
        """Record the text (nothing runs it)."""
        with self._lock:
            self._get(session).sent.append(text + ("\n" if enter else ""))

    def paste_bytes(self, session: str, data: bytes, *, bracketed: bool, enter: bool) -> None:
        """Record the pasted text (nothing runs it)."""
        self.send_text(session, data.decode("utf-8", "surrogateescape"), enter=enter)

    def capture(self, session: str, *, lines: int | None, escapes: bool) -> str:
        """The session's screen, as text."""
        with self._lock:
            return self._get(session).screen.decode("utf-8", "replace")

    def history(self, session: str, lines: int | None = None) -> tuple[bool, str]:
        """The session's screen as its history (no program takes the screen here)."""
        return False, self.capture(session, lines=None, escapes=True)

    def attach(self, session: str, columns: int, rows: int) -> PaneProcess:
        """A client that draws the session's screen at once."""
        self.require()
        with self._lock:
            target = self._get(session)
            client = FakeProcess(columns, rows)
            client.emit(target.screen)
            target.clients.append(client)
        return client

    def attach_command(self, session: str, *, detach_others: bool = False) -> ClientCommand:
        """A full-screen "client" that does nothing (``true``)."""
        self._get(session)
        return ClientCommand(("true",), self._lock_dir)

    def _get(self, session: str) -> MemorySession:
        try:
            return self.sessions[session]
        except KeyError:
            raise PaneGoneError(f"tmux session {session} is gone") from None


class MemoryDirect:
    """Direct panes as :class:`FakeProcess` objects (satisfies :class:`.server.DirectLauncher`).

    Attributes:
        spawned: Every process started, in order.
        elsewhere: Pane ids to report as running in another chloe process.
        elsewhere_pids: The program pid :meth:`running_pid` reports for such panes.
        on_start: Called with (pane id, process) as each starts (to script output).
    """

    def __init__(self) -> None:
        self.spawned: list[FakeProcess] = []
        self.elsewhere: set[str] = set()
        self.elsewhere_pids: dict[str, int] = {}
        self.on_start: Callable[[str, FakeProcess], None] | None = None
        self._by_pane: dict[str, FakeProcess] = {}

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
        """A scripted process (PaneStartError if ``cwd`` is not a directory)."""
        require_directory(cwd)
        proc = FakeProcess(columns, rows)
        self.spawned.append(proc)
        self._by_pane[pane_id] = proc
        if self.on_start is not None:
            self.on_start(pane_id, proc)
        return proc

    def running(self, pane_id: str) -> bool:
        """Running here (started and not ended) or marked as running elsewhere."""
        if pane_id in self.elsewhere:
            return True
        proc = self._by_pane.get(pane_id)
        return proc is not None and not proc.closed and proc.poll() is None

    def running_pid(self, pane_id: str) -> int | None:
        """The scripted process's pid while it runs here; None for one elsewhere."""
        if pane_id in self.elsewhere:
            return self.elsewhere_pids.get(pane_id)
        proc = self._by_pane.get(pane_id)
        return proc.pid if proc is not None and self.running(pane_id) else None


if TYPE_CHECKING:  # mypy checks both against the protocols the service depends on
    from chloe.backends.server import DirectLauncher, TmuxServer

    _conforms: tuple[TmuxServer, DirectLauncher] = (MemoryTmux(), MemoryDirect())
