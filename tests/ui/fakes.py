"""An in-memory PaneService for deterministic UI tests (snapshots): no tmux, no ptys.

Real-backend behaviour is tested with the real service on a private tmux socket;
this double only exists so screenshots can show fixed names, times and screens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chloe.backends.base import PaneProcess
from chloe.backends.fake import FakeProcess
from chloe.config import Config
from chloe.errors import PaneGoneError, UnknownPaneError
from chloe.model import ExitStatus, Kind, PaneRecord, Status, UserState, unique_name
from chloe.service import PaneInfo, PaneService
from chloe.store import Store

FIXED_NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeSession:
    """A pretend tmux session: its screen, command and clients."""

    screen: bytes = b""
    command: str = "bash"
    exit_status: ExitStatus | None = None
    clients: list[FakeProcess] = field(default_factory=list)

    @property
    def attached(self) -> bool:
        return any(not c.closed for c in self.clients)


class FakeService(PaneService):
    """PaneService semantics over a real Store, with FakeProcess panes."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.sessions: dict[str, FakeSession] = {}
        self.spawned: list[FakeProcess] = []
        self.on_spawn: Callable[[PaneRecord, FakeProcess], None] | None = None

    @property
    def tmux_problem(self) -> str | None:
        return None

    def panes(self, live_direct: dict[str, PaneProcess] | None = None) -> list[PaneInfo]:
        live = live_direct or {}
        out = []
        for rec in self.store.load():
            if rec.kind is Kind.DIRECT:
                proc = live.get(rec.id)
                if proc is not None and proc.poll() is None:
                    out.append(PaneInfo(rec, Status.ATTACHED))
                else:
                    out.append(PaneInfo(rec, Status.DEAD, rec.exit_status))
                continue
            s = self.sessions.get(rec.tmux_session or "")
            if s is None:
                out.append(PaneInfo(rec, Status.DEAD, rec.exit_status))
            elif s.exit_status is not None:
                out.append(PaneInfo(rec, Status.DEAD, s.exit_status))
            else:
                st = Status.ATTACHED if s.attached else Status.DETACHED
                out.append(PaneInfo(rec, st, None, s.command))
        return out

    def find(self, name_or_id: str) -> PaneRecord:
        for rec in self.store.load():
            if name_or_id in (rec.id, rec.name):
                return rec
        raise UnknownPaneError(name_or_id)

    def _name(self, base: str) -> str:
        return unique_name(base, {r.name for r in self.store.load()})

    def add_tmux(
        self,
        name: str,
        *,
        created: datetime = FIXED_NOW,
        screen: bytes = b"",
        command: str = "bash",
        user_state: UserState = UserState.ATTACHED,
        exit_status: ExitStatus | None = None,
        alive: bool = True,
    ) -> PaneRecord:
        rec = PaneRecord.new(name, Kind.TMUX, "/home/user").replace(
            created=created, user_state=user_state
        )
        self.store.add(rec)
        if alive:
            self.sessions[rec.tmux_session or ""] = FakeSession(screen, command, exit_status)
        return rec

    def add_direct(
        self,
        name: str,
        *,
        created: datetime = FIXED_NOW,
        exit_status: ExitStatus | None = None,
    ) -> PaneRecord:
        rec = PaneRecord.new(name, Kind.DIRECT, "/home/user").replace(
            created=created, exit_status=exit_status
        )
        return self.store.add(rec)

    def create_tmux(
        self,
        *,
        name: str | None = None,
        cwd: str,
        command: Sequence[str] = (),
        columns: int = 80,
        rows: int = 24,
    ) -> PaneRecord:
        rec = PaneRecord.new(name or self._name("tmux"), Kind.TMUX, cwd, tuple(command))
        self.store.add(rec)
        self.sessions[rec.tmux_session or ""] = FakeSession(b"$ ", "bash")
        return rec

    def create_direct(
        self, *, name: str | None = None, cwd: str, command: Sequence[str] = ()
    ) -> PaneRecord:
        rec = PaneRecord.new(name or self._name("shell"), Kind.DIRECT, cwd, tuple(command))
        return self.store.add(rec)

    def spawn_direct(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        proc = FakeProcess(columns, rows)
        self.spawned.append(proc)
        if self.on_spawn is not None:
            self.on_spawn(record, proc)
        return proc

    def attach(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        s = self.sessions.get(record.tmux_session or "")
        if s is None:
            raise PaneGoneError(f"the tmux session of {record.name!r} is gone")
        proc = FakeProcess(columns, rows)
        proc.emit(s.screen)
        s.clients.append(proc)
        self.store.update(record.id, lambda r: r.replace(user_state=UserState.ATTACHED))
        return proc

    def detach(self, record: PaneRecord, client: PaneProcess | None) -> PaneRecord:
        if client is not None:
            client.close()
        return self.store.update(record.id, lambda r: r.replace(user_state=UserState.DETACHED))

    def rename(self, name_or_id: str, new_name: str) -> PaneRecord:
        rec = self.find(name_or_id)
        return self.store.update(rec.id, lambda r: r.replace(name=new_name))

    def kill(self, name_or_id: str) -> PaneRecord:
        rec = self.find(name_or_id)
        s = self.sessions.pop(rec.tmux_session or "", None)
        if s is not None:
            for c in s.clients:
                if not c.closed:
                    c.finish(ExitStatus(code=0))
        return rec

    def remove(self, name_or_id: str) -> str:
        rec = self.find(name_or_id)
        self.store.remove(rec.id)
        if rec.tmux_session in self.sessions:
            return f"tmux session {rec.tmux_session} keeps running"
        return ""

    def respawn(self, record: PaneRecord, columns: int = 80, rows: int = 24) -> PaneRecord:
        if record.kind is Kind.TMUX:
            self.sessions[record.tmux_session or ""] = FakeSession(b"$ ", "bash")
        return self.store.update(record.id, lambda r: r.replace(exit_status=None))

    def capture(
        self, record: PaneRecord, *, lines: int | None = None, escapes: bool = False
    ) -> str:
        s = self.sessions.get(record.tmux_session or "")
        if s is None:
            raise PaneGoneError("gone")
        return s.screen.decode()

    def record_exit(self, pane_id: str, status: ExitStatus) -> PaneRecord:
        return self.store.update(pane_id, lambda r: r.replace(exit_status=status))

    def attach_argv(self, record: PaneRecord, *, detach_others: bool = False) -> list[str]:
        return ["true"]
