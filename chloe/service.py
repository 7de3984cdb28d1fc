"""Pane operations shared by the CLI and the TUI: store + tmux + direct ptys.

No Textual here. The TUI owns the live :class:`~chloe.backends.PaneProcess`
objects it displays; this layer creates them, keeps ``panes.toml`` in step
with every change, and derives every status from tmux and the kernel.

Every method may block for a few milliseconds (tmux subprocesses, the store's
lock and fsync): the TUI calls them from worker threads.

Below it are two small protocols (:mod:`chloe.backends.server`): chloe's tmux
server and the direct-pane launcher. The real ones run tmux and ptys; the
in-memory ones (:mod:`chloe.backends.memory`) let the TUI's tests run these
rules without either.

Direct panes and other processes: a direct pane lives inside the process that
spawned it, which holds a liveness lock while it runs, so any other process
(``chloe ls``) can tell it is alive (:mod:`chloe.backends.live`). chloe's tmux
clients hold such locks too (named after the client's pid), which is how a
tmux pane is known to be *attached* (:mod:`chloe.backends.locks`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chloe import events, history, log_replay, log_scan, paths
from chloe.attention import AttentionInfo, Facts, derive
from chloe.backends.base import PaneProcess
from chloe.backends.direct import pane_environment, require_directory
from chloe.backends.live import DirectPanes
from chloe.backends.locks import ClientCommand
from chloe.backends.server import DirectLauncher, TmuxServer
from chloe.backends.tmux import SessionState, Snapshot, TmuxBackend
from chloe.backends.tmux_commands import SessionSpec
from chloe.config import Config, default_shell
from chloe.errors import (
    ChloeError,
    DuplicateNameError,
    PaneGoneError,
    PaneStateError,
    TmuxError,
    TmuxUnavailableError,
    UnknownHostError,
    UnknownPaneError,
)
from chloe.model import (
    LOCAL_HOST,
    ExitStatus,
    Kind,
    PaneRecord,
    Status,
    UserState,
    find_record,
    status_words,
    unique_name,
    utcnow,
    validate_name,
)
from chloe.store import Store

LOG_PROBLEM = "log:"
"""Key prefix of the problems (:func:`chloe.paths.note_problem`) about pane logs."""

DIRECT_END_GRACE = 2.0
"""Seconds ``remove(force=True)`` waits for a direct pane's program after each signal."""


def _wait(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``check`` until it is true (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


@dataclass(frozen=True, slots=True)
class PaneInfo:
    """A pane record with its run-time truth.

    Attributes:
        record: What is stored about the pane.
        status: attached / detached / dead, from tmux or the kernel; unreachable
            when tmux did not answer (the pane may well still run).
        exit_status: How it ended, when dead and known.
        current_command: tmux's ``pane_current_command`` for live tmux panes.
        last_output: When a tmux pane last wrote output (tmux's window activity).
        last_seen: For a lost pane, when chloe last saw its tmux server running.
        log_stopped: For a live tmux pane whose continuous log stopped (its log
            writer could not write: a full disk, an unwritable file): why, in one line.
    """

    record: PaneRecord
    status: Status
    exit_status: ExitStatus | None = None
    current_command: str | None = None
    last_output: datetime | None = None
    last_seen: datetime | None = None
    log_stopped: str | None = None

    @property
    def label(self) -> str:
        """``attached``, ``detached``, ``dead (exit 3)``, ``dead (SIGKILL)`` or ``dead``."""
        return status_words(self.status, self.exit_status)


@dataclass(frozen=True, slots=True)
class Restored:
    """What :meth:`PaneService.restore_lost` did with one pane.

    Attributes:
        name: The pane's name (or the name asked for, when there is no such pane).
        done: Its session runs again.
        reason: Why not, when not done.
    """

    name: str
    done: bool
    reason: str | None


_STATUS_TRIES = 3
"""How many times :meth:`PaneService.panes` asks tmux when records appear meanwhile."""


def _state_for(
    rec: PaneRecord, snap: Snapshot, by_id: dict[str, SessionState]
) -> SessionState | None:
    """The session of a tmux pane's record in ``snap`` (by ``@chloe-id``, else by name)."""
    state = by_id.get(rec.id)
    if state is None:
        candidate = snap.sessions.get(rec.tmux_session or "")
        if candidate is not None and candidate.chloe_id in (None, rec.id):
            state = candidate
    return state


class _Probe:
    """One status query of a host that did not answer, run on a daemon thread.

    Nobody waits for it: :meth:`PaneService.snapshots` looks whether it is done.
    """

    def __init__(self, ask: Callable[[], Snapshot]) -> None:
        self.answer: Snapshot | None = None
        self.done = threading.Event()

        def run() -> None:
            try:
                self.answer = ask()
            finally:
                self.done.set()

        threading.Thread(target=run, name="chloe-host-probe", daemon=True).start()


class PaneService:
    """Every pane operation, for one store and one tmux socket.

    Args:
        store: The pane list.
        config: Settings (socket name, shell, scrollback, status line).
        tmux: chloe's tmux server (default: the real one on ``config.tmux_socket``).
        direct: Starts direct panes (default: on real ptys, with liveness locks).
        hosts: The tmux servers of other hosts by name (default: reached over ssh,
            made from ``config.hosts`` on first use).
    """

    def __init__(
        self,
        store: Store,
        config: Config,
        tmux: TmuxServer | None = None,
        direct: DirectLauncher | None = None,
        hosts: Mapping[str, TmuxServer] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.tmux: TmuxServer = tmux if tmux is not None else TmuxBackend(config.tmux_socket)
        self.direct: DirectLauncher = direct if direct is not None else DirectPanes()
        self.tmux_unreachable: str | None = None
        """Why the last :meth:`panes` could not ask tmux, or None if it could."""
        self.log_scanner = log_scan.LogScanner(self.event_path)
        """Finds tmux panes' desktop notifications in their logs (:mod:`chloe.log_scan`)."""
        self._hosts: dict[str, TmuxServer] = dict(hosts or {})
        self.host_snapshots: dict[str, Snapshot] = {}
        """The last :meth:`panes` answer of each remote host (by name)."""
        self._down: dict[str, Snapshot] = {}
        self._probes: dict[str, _Probe] = {}

    # -- hosts ------------------------------------------------------------------------

    @property
    def host_names(self) -> list[str]:
        """``local`` and every configured host, in the config's order."""
        names = [LOCAL_HOST, *(h.name for h in self.config.hosts)]
        return names + [n for n in self._hosts if n not in names]

    def server(self, host: str) -> TmuxServer:
        """The tmux server of ``host`` (``local``: chloe's own). Raises UnknownHostError."""
        if host == LOCAL_HOST:
            return self.tmux
        backend = self._hosts.get(host)
        if backend is None:
            entry = self.config.host(host)
            if entry is None:
                known = ", ".join(self.host_names)
                raise UnknownHostError(
                    f"no host {host!r} in config.toml (hosts: {known}); "
                    "add a [[hosts]] entry for it (see docs/hosts.md)"
                )
            from chloe.backends.remote import RemoteTmuxBackend

            backend = self._hosts[host] = RemoteTmuxBackend(entry)
        return backend

    def server_for(self, record: PaneRecord) -> TmuxServer:
        """The tmux server that runs the pane's session."""
        return self.server(record.host)

    def snapshots(self, hosts: Iterable[str]) -> dict[str, Snapshot]:
        """One status answer per host, asked at the same time (each host has its own
        timeout, so a slow one delays the answer by its timeout at most).

        A remote host that did not answer last time is not waited for again: its
        last answer (unreachable) stands, and it is asked again in the
        background (:class:`_Probe`); once that answer comes back reachable, the
        host is asked as usual. So a host that dropped off the network slows
        one status refresh, not every one after it.
        """
        wanted = list(dict.fromkeys(hosts))
        out: dict[str, Snapshot] = {}
        asked: list[str] = []
        for host in wanted:
            if host == LOCAL_HOST:
                continue
            down = self._down.get(host)
            if down is None:
                asked.append(host)
                continue
            probe = self._probes.get(host)
            if probe is not None and probe.done.is_set():
                del self._probes[host]
                answer = probe.answer
                if answer is not None and answer.reachable:
                    del self._down[host]
                    asked.append(host)  # asked again: records may have changed since
                    continue
                if answer is not None:
                    down = self._down[host] = answer
            if host not in self._probes:
                self._probes[host] = _Probe(lambda host=host: self._ask_host(host))  # type: ignore[misc]
            out[host] = down
        if not asked:
            out[LOCAL_HOST] = self.tmux.snapshot()
        else:
            with ThreadPoolExecutor(
                max_workers=len(asked), thread_name_prefix="chloe-host"
            ) as pool:
                futures = {h: pool.submit(self._ask_host, h) for h in asked}
                out[LOCAL_HOST] = self.tmux.snapshot()
                for host, future in futures.items():
                    out[host] = answer = future.result()
                    if answer.reachable:
                        self._down.pop(host, None)
                    else:
                        self._down[host] = answer
        return {h: out[h] for h in [LOCAL_HOST, *wanted] if h in out}

    def _ask_host(self, host: str) -> Snapshot:
        try:
            return self.server(host).snapshot()
        except UnknownHostError as exc:
            return Snapshot(reachable=False, error=str(exc))

    @property
    def tmux_problem(self) -> str | None:
        """Why tmux panes are unavailable (missing or < 3.0, with how to install), else None."""
        return self.tmux.problem

    # -- status ---------------------------------------------------------------------

    def panes(self, live_direct: dict[str, PaneProcess] | None = None) -> list[PaneInfo]:
        """Every pane with its status, from one batched tmux query.

        Reconciles as it goes: live chloe sessions missing from the file are
        adopted back (by ``@chloe-id``/``@chloe-name``); newly seen exit statuses
        are recorded. Direct panes are alive if in ``live_direct`` (id -> process)
        and running, or running in another chloe process (its liveness lock).

        tmux trouble never raises here: a tmux pane that was alive when last seen
        is reported ``unreachable`` (and nothing about it is written), one that
        had ended stays dead. The reason is in :attr:`tmux_unreachable`.
        """
        live = live_direct or {}
        # tmux is never asked under the store's lock (a stopped server would hold
        # every other chloe for the whole timeout). So an answer only proves the
        # absence of sessions whose records were saved before it was asked: a
        # creator saves its record after its session exists (create_tmux). A
        # record saved since that tmux does not list is asked about once more.
        before = self.store.load()
        settled = {r.id for r in before}
        hosts = [h.name for h in self.config.hosts]
        hosts += [r.host for r in before if r.remote]
        for attempt in range(_STATUS_TRIES):
            snaps = self.snapshots([LOCAL_HOST, *hosts])
            snap = snaps[LOCAL_HOST]
            self.tmux_unreachable = None if snap.reachable else snap.error or "tmux failed"
            self.host_snapshots = {h: s for h, s in snaps.items() if h != LOCAL_HOST}
            by_id = {
                h: {s.chloe_id: s for s in hs.sessions.values() if s.chloe_id}
                for h, hs in snaps.items()
            }
            with self.store.transaction() as records:
                if attempt + 1 < _STATUS_TRIES and any(
                    r.kind is Kind.TMUX
                    and r.id not in settled
                    and r.host in snaps
                    and snaps[r.host].reachable
                    and _state_for(r, snaps[r.host], by_id[r.host]) is None
                    for r in records
                ):
                    settled = {r.id for r in records}
                    hosts += [r.host for r in records if r.remote]
                    continue  # nothing changed, nothing written: ask tmux again
                infos: list[PaneInfo] = []
                for i, rec in enumerate(records):
                    if rec.kind is Kind.DIRECT:
                        info = self._direct_info(rec, live.get(rec.id))
                    elif rec.host not in snaps or (
                        rec.id not in settled
                        and snaps[rec.host].reachable
                        and _state_for(rec, snaps[rec.host], by_id[rec.host]) is None
                    ):
                        # Saved by another process since tmux (or the host) was
                        # asked, and still creating as far as that answer goes:
                        # its absence proves nothing yet (never "dead").
                        info = PaneInfo(rec, Status.CHECKING)
                    else:
                        info = self._tmux_info(rec, snaps[rec.host], by_id[rec.host])
                    if info.record != rec:
                        records[i] = info.record
                    infos.append(info)
                adopted: list[PaneInfo] = []
                for host, host_snap in snaps.items():
                    adopted += self._adopt(records, host_snap, host)
                infos += adopted
            for info in adopted:
                if info.status is not Status.DEAD:
                    self.start_logging(info.record)
            return infos
        raise AssertionError("unreachable: the last attempt always returns")

    def _direct_info(self, rec: PaneRecord, proc: PaneProcess | None) -> PaneInfo:
        if proc is not None:
            status = proc.poll()
            if status is None:
                return PaneInfo(rec, Status.ATTACHED)
            if rec.exit_status != status:
                rec = rec.replace(exit_status=status, ended=utcnow())
            return PaneInfo(rec, Status.DEAD, status)
        if self.direct.running(rec.id):
            return PaneInfo(rec, Status.ATTACHED)
        return PaneInfo(rec, Status.DEAD, rec.exit_status)

    def _tmux_info(
        self,
        rec: PaneRecord,
        snap: Snapshot,
        by_id: dict[str, SessionState],
    ) -> PaneInfo:
        if not snap.reachable:
            # tmux is failing: absence proves nothing, so the record is left as it
            # was, and a pane alive when last seen is not called dead. Without a
            # usable tmux binary here (tmux_problem, noted by the callers) it is
            # dead; another host's may be back tomorrow.
            if rec.ended is not None or (not rec.remote and self.tmux.problem is not None):
                return PaneInfo(rec, Status.DEAD, rec.exit_status)
            return PaneInfo(rec, Status.UNREACHABLE, last_seen=snap.last_seen)
        state = _state_for(rec, snap, by_id)
        if state is None and rec.ended is None and (rec.lost or snap.server_gone):
            # It was running when last seen, and the whole server is gone (a
            # reboot, the server killed): lost, not ended. Remembered, so it stays
            # lost (even once a new server runs) until restored, respawned or removed.
            if rec.lost is None:
                rec = rec.replace(lost=snap.last_seen or utcnow())
            return PaneInfo(rec, Status.LOST, last_seen=rec.lost)
        if state is None:
            if rec.ended is None:
                rec = rec.replace(ended=utcnow())
            return PaneInfo(rec, Status.DEAD, rec.exit_status)
        if state.session != rec.tmux_session:
            rec = rec.replace(tmux_session=state.session)  # renamed with plain tmux
        if state.dead:
            exit_status = state.exit_status or rec.exit_status
            if exit_status != rec.exit_status or rec.ended is None or rec.lost is not None:
                ended = rec.ended or state.ended or utcnow()
                rec = rec.replace(exit_status=exit_status, ended=ended, lost=None)
            return PaneInfo(rec, Status.DEAD, exit_status, last_output=state.last_output)
        if rec.exit_status is not None or rec.ended is not None or rec.lost is not None:
            # Respawned outside chloe: its new run started about now.
            rec = rec.replace(exit_status=None, ended=None, lost=None, started=utcnow())
        status = Status.ATTACHED if state.attached else Status.DETACHED
        stopped = None
        if state.piped is False and self.config.log_max_bytes > 0 and not rec.remote:
            stopped = history.stopped_message(rec.name, rec.id)
        return PaneInfo(
            rec, status, None, state.current_command, state.last_output, log_stopped=stopped
        )

    def _adopt(
        self, records: list[PaneRecord], snap: Snapshot, host: str = LOCAL_HOST
    ) -> list[PaneInfo]:
        known_ids = {r.id for r in records}
        known_sessions = {r.tmux_session for r in records if r.tmux_session and r.host == host}
        taken = {r.name for r in records}
        adopted: list[PaneInfo] = []
        states = sorted(
            snap.sessions.values(), key=lambda s: (s.created is None, s.created, s.session)
        )
        for state in states:
            if not state.chloe_id or state.chloe_id in known_ids:
                continue
            if state.session in known_sessions:
                continue
            base = state.chloe_name or state.session
            try:
                validate_name(base)
            except ValueError:
                base = state.session
            try:
                rec = PaneRecord(
                    id=state.chloe_id,
                    name=unique_name(base, taken),
                    kind=Kind.TMUX,
                    cwd=state.cwd or "/",
                    command=state.command,
                    created=state.created or utcnow(),
                    tmux_session=state.session,
                    user_state=UserState.DETACHED,
                    exit_status=state.exit_status if state.dead else None,
                    ended=(state.ended or utcnow()) if state.dead else None,
                    started=state.created,
                    host=host,
                )
            except ValueError:
                continue  # marks that cannot make a valid record: leave the session alone
            records.append(rec)
            known_ids.add(rec.id)
            taken.add(rec.name)
            if state.dead:
                adopted.append(PaneInfo(rec, Status.DEAD, rec.exit_status))
            else:
                status = Status.ATTACHED if state.attached else Status.DETACHED
                adopted.append(
                    PaneInfo(rec, status, None, state.current_command, state.last_output)
                )
        return adopted

    def restore(self, lost: Sequence[PaneRecord]) -> list[PaneRecord]:
        """Write back records of panes that still run but vanished from the file.

        A pane already back (by id) is left alone; one whose name another pane
        took meanwhile gets a free name. Returns the records written.
        """
        written: list[PaneRecord] = []
        with self.store.transaction() as records:
            ids = {r.id for r in records}
            taken = {r.name for r in records}
            for old in lost:
                if old.id in ids:
                    continue
                rec = old.replace(name=unique_name(old.name, taken))
                records.append(rec)
                ids.add(rec.id)
                taken.add(rec.name)
                written.append(rec)
        return written

    # -- attention ------------------------------------------------------------------

    @property
    def event_path(self) -> Path:
        """This tmux socket's event file (see :mod:`chloe.events`)."""
        return events.event_path(self.config.tmux_socket)

    def notify(self, pane_id: str, kind: str, message: str = "") -> None:
        """Record that a pane needs the user, is done or works (``chloe notify``)."""
        events.append(self.event_path, events.now_event(kind, pane_id, message))

    def scan_logs(self, records: Sequence[PaneRecord]) -> list[events.Event]:
        """Record the desktop notifications tmux panes wrote to their logs since the last
        scan (tmux drops them; see :mod:`chloe.log_scan`). Returns the new events."""
        return self.log_scanner.scan(r.id for r in records if r.kind is Kind.TMUX and not r.remote)

    def mark_seen(self, pane_id: str, at: datetime | None = None) -> None:
        """Record that the user looked at the pane (clears needs you and new output)."""
        event = events.now_event("seen", pane_id)
        if at is not None:
            event = dataclasses.replace(event, at=at.replace(microsecond=0))
        events.append(self.event_path, event)

    def attention(
        self,
        infos: Sequence[PaneInfo],
        marks: dict[str, events.PaneEvents] | None = None,
        now: datetime | None = None,
    ) -> list[AttentionInfo]:
        """Each pane's attention state, from its status and the event file.

        Args:
            infos: From :meth:`panes`.
            marks: The folded event file (default: read it now).
            now: The time to judge at (default: now).
        """
        if marks is None:
            self.scan_logs([info.record for info in infos])
            marks = events.fold(events.read_all(self.event_path))
        when = now or utcnow()
        out: list[AttentionInfo] = []
        for info in infos:
            rec = info.record
            pane = marks.get(rec.id) or events.PaneEvents()
            facts = Facts(
                alive=info.status not in (Status.DEAD, Status.LOST),
                exit_status=info.exit_status,
                started=rec.started,
                ended=rec.ended or rec.lost,
                last_output=info.last_output,
                seen=pane.seen,
                mark=pane.mark,
                lost=info.status is Status.LOST,
            )
            out.append(
                derive(
                    facts,
                    when,
                    working_seconds=self.config.working_seconds,
                    quiet_seconds=self.config.quiet_seconds,
                )
            )
        return out

    def find(self, name_or_id: str) -> PaneRecord:
        """The pane with this name (or id). Raises UnknownPaneError."""
        return find_record(self.store.load(), name_or_id)

    # -- creating -------------------------------------------------------------------

    def _claim_name(
        self, name: str | None, command: Sequence[str], records: list[PaneRecord]
    ) -> str:
        """``name`` if free (DuplicateNameError if not), else a free default name."""
        taken = {r.name for r in records}
        if name is None:
            return self._default_name(command, taken)
        if name in taken:
            raise DuplicateNameError(name)
        return name

    def _default_name(self, command: Sequence[str], taken: set[str]) -> str:
        program = command[0] if command else self.config.shell
        base = os.path.basename(program.split()[0] if program.strip() else "") or "pane"
        try:
            validate_name(base)
        except ValueError:
            base = "pane"
        return unique_name(base, taken)

    def _tmux_command(self, command: Sequence[str]) -> list[str]:
        if command:
            return list(command)
        # No command: tmux's own default (a login shell, or the user's
        # default-command), unless chloe's config names a different shell.
        if self.config.shell != default_shell():
            return [self.config.shell]
        return []

    def _create_session(
        self,
        record: PaneRecord,
        columns: int,
        rows: int,
        *,
        command: Sequence[str] | None = None,
        log: bool = True,
    ) -> None:
        """Start the record's tmux session with its command (or ``command``: tmux's
        argv as it is), directory and chloe's options; logged from its first byte
        unless ``log`` is False."""
        assert record.tmux_session is not None
        self.server_for(record).create_session(
            SessionSpec(
                record.tmux_session,
                pane_id=record.id,
                name=record.name,
                cwd=record.cwd,
                command=self._tmux_command(record.command) if command is None else list(command),
                columns=columns,
                rows=rows,
                history_limit=self.config.scrollback_lines,
                status_line=self.config.tmux_status_line,
                log_command=self._log_command(record) if log else None,
            )
        )

    def _start_lost(self, record: PaneRecord, columns: int, rows: int) -> None:
        """Start a lost pane's session anew with its resume command (or command).

        With a continuous log, the new session first shows the tail of the
        output from before the server was lost, above a marker line, and the log
        gets the marker between the output before and after (:mod:`chloe.log_replay`).
        """
        resumed = record.replace(command=record.resume or record.command)
        replay = None
        if record.lost is not None and self.config.log_max_bytes > 0:
            try:
                replay = log_replay.prepare(record.id, record.lost, columns)
            except OSError:
                replay = None  # no replay is no reason not to restore
        if replay is None:
            self._create_session(resumed, columns, rows)
            return
        try:
            command = replay.wrap(self._tmux_command(resumed.command))
            self._create_session(resumed, columns, rows, command=command, log=False)
        except BaseException:
            replay.discard()
            raise
        replay.wait_shown()
        if record.lost is not None:
            log_replay.mark_log(record.id, record.lost)
        self.start_logging(resumed)
        replay.release()

    # -- continuous logs ------------------------------------------------------------------

    def _log_command(self, record: PaneRecord) -> str | None:
        """The ``pipe-pane`` command that logs a tmux pane, or None (logs off or unwritable).

        An unwritable log directory is one problem line (:func:`chloe.paths.problems`),
        never a failure of the pane.
        """
        cap = self.config.log_max_bytes
        if cap <= 0 or record.remote:
            # A remote pane's tmux would write the log on its own host: chloe reads
            # that host's tmux history instead (capture).
            return None
        try:
            path = history.prepare(record.id)
        except OSError as exc:
            paths.note_problem(
                LOG_PROBLEM + str(history.log_dir()), history.unwritable_message(record.name, exc)
            )
            return None
        return history.writer_command(path, cap)

    def start_logging(self, record: PaneRecord) -> bool:
        """Log a live tmux pane's output from now on (a no-op if it is logged already).

        Returns whether its output now goes to its log. Never raises.
        """
        if record.kind is not Kind.TMUX or record.tmux_session is None:
            return False
        command = self._log_command(record)
        if command is None:
            return False
        try:
            self.server_for(record).start_logging(record.tmux_session, command)
        except (TmuxError, PaneGoneError, TmuxUnavailableError):
            return False
        return True

    def direct_log(self, record: PaneRecord) -> history.LogWriter | None:
        """A writer for a direct pane's log (None when logs are off)."""
        if self.config.log_max_bytes <= 0:
            return None
        return history.LogWriter(record.id, record.name, self.config.log_max_bytes)

    def create_tmux(
        self,
        *,
        name: str | None = None,
        cwd: str,
        command: Sequence[str] = (),
        columns: int = 80,
        rows: int = 24,
        attached: bool = True,
        resume: Sequence[str] = (),
        host: str = LOCAL_HOST,
    ) -> PaneRecord:
        """Start a tmux session for a new pane and record it (name defaults to a free one).

        ``attached=False`` records that nobody is looking at it yet (``chloe
        new``), so the TUI does not embed a client for it on its next start.
        ``resume``: what to run instead of the command when the pane is restored
        after its server went away (:meth:`restore`). ``host``: where the
        session runs (a ``[[hosts]]`` name; ``cwd`` is then that host's
        directory, ``~`` its user's home, and is not checked from here).

        Raises:
            TmuxUnavailableError: tmux is missing or too old.
            BadNameError, DuplicateNameError: the name is invalid or taken.
            PaneStartError: the directory does not exist.
            TmuxError: tmux refused to create the session.
        """
        backend = self.server(host)
        backend.require()
        if name is not None:
            validate_name(name)
        path = require_directory(cwd) if host == LOCAL_HOST else cwd
        # tmux is not asked under the store's lock: the name is checked now for a
        # quick answer, and claimed for good once the session exists (_settle).
        final = self._claim_name(name, command, self.store.load())
        rec = PaneRecord.new(final, Kind.TMUX, path, tuple(command), host=host)
        if resume:
            rec = rec.replace(resume=tuple(resume))
        if not attached:
            rec = rec.replace(user_state=UserState.DETACHED)
        session = rec.tmux_session
        assert session is not None
        self._create_session(rec, columns, rows)
        try:
            with self.store.transaction() as records:
                rec = self._settle(rec, records, explicit=name is not None)
        except BaseException:
            # All or nothing: a pane that cannot be recorded does not keep running
            # (the user would retry and run it twice).
            with contextlib.suppress(ChloeError):
                backend.kill(session)
            with contextlib.suppress(ChloeError):
                self.store.remove(rec.id)  # in case a status query adopted it meanwhile
            raise
        if rec.name != final:
            with contextlib.suppress(TmuxError, PaneGoneError):
                backend.set_name(session, rec.name)
        return rec

    def _settle(self, rec: PaneRecord, records: list[PaneRecord], *, explicit: bool) -> PaneRecord:
        """Put a new pane's record into ``records``, its name claimed; returns it.

        A status query in another process may have adopted the session between
        its creation and now: that record (same id) is replaced. A default name
        taken meanwhile is replaced by the next free one; a chosen one is an error.
        """
        taken = {r.name for r in records if r.id != rec.id}
        if rec.name in taken:
            if explicit:
                raise DuplicateNameError(rec.name)
            rec = rec.replace(name=self._default_name(rec.command, taken))
        for i, existing in enumerate(records):
            if existing.id == rec.id:
                records[i] = rec
                break
        else:
            records.append(rec)
        return rec

    def create_direct(
        self, *, name: str | None = None, cwd: str, command: Sequence[str] = ()
    ) -> PaneRecord:
        """Record a new direct pane (start it with :meth:`spawn_direct`)."""
        if name is not None:
            validate_name(name)
        path = require_directory(cwd)
        with self.store.transaction() as records:
            final = self._claim_name(name, command, records)
            rec = PaneRecord.new(final, Kind.DIRECT, path, tuple(command))
            records.append(rec)
        return rec

    def spawn_direct(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        """Start a direct pane's command on a new pty.

        Raises:
            PaneStartError: the directory or the command does not exist.
        """
        if record.kind is not Kind.DIRECT:
            raise PaneStateError(f"{record.name!r} is a tmux pane; attach to it instead")
        argv = list(record.command) or [self.config.shell]
        env = pane_environment()
        env["CHLOE_PANE"] = record.id  # so `chloe notify` in the pane knows which it is
        return self.direct.start(
            record.id,
            argv,
            cwd=record.cwd,
            env=env,
            columns=columns,
            rows=rows,
        )

    # -- tmux clients -----------------------------------------------------------------

    def _tmux_record(self, record: PaneRecord, what: str) -> str:
        if record.kind is not Kind.TMUX or record.tmux_session is None:
            raise PaneStateError(
                f"{record.name!r} is a direct pane (it lives in the chloe window that "
                f"started it); {what} works on tmux panes only"
            )
        self.server_for(record).require()
        return record.tmux_session

    def attach(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        """Embed a tmux client for the pane's session; never creates a session (PaneGoneError)."""
        session = self._tmux_record(record, "attaching")
        proc = self.server_for(record).attach(session, columns, rows)
        if record.user_state is not UserState.ATTACHED:
            self._set_user_state(record.id, UserState.ATTACHED)
        return proc

    def detach(self, record: PaneRecord, client: PaneProcess | None) -> PaneRecord:
        """Detach chloe's client (the session runs on) and remember the user detached it."""
        if client is not None:
            client.close()
        return self._set_user_state(record.id, UserState.DETACHED) or record

    def _set_user_state(self, pane_id: str, state: UserState) -> PaneRecord | None:
        try:
            return self.store.update(pane_id, lambda r: r.replace(user_state=state))
        except UnknownPaneError:
            return None

    def attach_command(self, record: PaneRecord, *, detach_others: bool = False) -> ClientCommand:
        """A full-screen attach: ``.exec()`` it in this process, or run ``.wrapped()``.

        The process that becomes the tmux client holds a lock file named after
        its pid (so it counts as chloe's client, see :mod:`chloe.backends.locks`)
        and gets no ``$TMUX``. Raises PaneGoneError if the session is gone.
        """
        session = self._tmux_record(record, "attaching")
        backend = self.server_for(record)
        if not backend.has_session(session):
            raise PaneGoneError(f"{record.name!r} is dead: its tmux session {session} is gone")
        if record.user_state is not UserState.ATTACHED:
            self._set_user_state(record.id, UserState.ATTACHED)
        return backend.attach_command(session, detach_others=detach_others)

    def attach_argv(self, record: PaneRecord, *, detach_others: bool = False) -> list[str]:
        """The command line for a full-screen attach, to run as a subprocess.

        See :meth:`attach_command`; the command line is a small Python entry that
        takes the client's lock and ``exec``-s tmux.
        """
        return self.attach_command(record, detach_others=detach_others).wrapped()

    # -- changing -------------------------------------------------------------------

    def rename(self, name_or_id: str, new_name: str) -> PaneRecord:
        """Rename the record and the session's ``@chloe-name``."""
        validate_name(new_name)
        rec = self.find(name_or_id)
        new = self.store.update(rec.id, lambda r: r.replace(name=new_name))
        if new.kind is Kind.TMUX and new.tmux_session:
            # A dead or gone session has nothing to rename; the record is what counts.
            # (So is an unreachable host's: its session keeps its old mark.)
            with contextlib.suppress(TmuxError, PaneGoneError, TmuxUnavailableError):
                backend = self.server_for(new)
                if backend.problem is None:
                    backend.set_name(new.tmux_session, new_name)
        return new

    def kill(self, name_or_id: str) -> PaneRecord:
        """Kill the pane's tmux session; it is dead from now on."""
        rec = self.find(name_or_id)
        session = self._tmux_record(rec, "kill")
        self.server_for(rec).kill(session)
        return self.store.update(rec.id, lambda r: r.replace(ended=r.ended or utcnow()))

    def remove(self, name_or_id: str, *, force: bool = False, keep_log: bool = False) -> str:
        """Forget the pane. Returns how to reach a tmux session that keeps running.

        Its continuous log is deleted with it unless ``keep_log``.

        Without ``force``, nothing running is ended: a live tmux session is
        released, not killed, and a direct pane running in another chloe window
        is refused (PaneStateError), since forgetting it would end it. With
        ``force`` both are ended first.

        Returns:
            ``still running: tmux -L chloe attach -t '=chloe-1a2b3c4d'`` for a
            released live session, else an empty string. A session whose process
            already ended is killed with the record.
        """
        rec = self.find(name_or_id)
        hint = ""
        if rec.kind is Kind.DIRECT and self.direct.running(rec.id):
            pid = self.direct.running_pid(rec.id)
            if not force:
                program = f"its program (pid {pid})" if pid else "its program"
                raise PaneStateError(
                    f"{rec.name!r} is running in another chloe window, and removing it "
                    f"would end {program}: close it there, or `chloe rm --force` ends it"
                )
            self._end_direct(rec, pid)
        backend = self.server_for(rec) if rec.kind is Kind.TMUX else self.tmux
        if rec.kind is Kind.TMUX and rec.tmux_session and backend.problem is None:
            session = rec.tmux_session
            state = self._reachable_snapshot(rec).sessions.get(session)
            if state is not None and not state.dead and not force:
                backend.release(session)
                hint = "still running: " + self._attach_hint(rec, session)
            elif state is not None:
                backend.kill(session)
        self.store.remove(rec.id)
        if not keep_log:
            with contextlib.suppress(OSError):
                history.remove_log(rec.id)
        elif history.has_log(rec.id):
            kept = ", ".join(str(p) for p in history.log_files(rec.id))
            hint = "\n".join(filter(None, (hint, f"log kept: {kept}")))
        return hint

    def _attach_hint(self, rec: PaneRecord, session: str) -> str:
        """The shell command that attaches to ``session`` by hand."""
        # Always quoted: zsh expands a word that starts with '='. The session
        # may have been renamed with plain tmux to anything, quotes included.
        target = shlex.quote(f"={session}")
        if not target.startswith("'"):
            target = f"'{target}'"
        if not rec.remote:
            return f"tmux -L {shlex.quote(self.tmux.socket)} attach -t {target}"
        entry = self.config.host(rec.host)
        if entry is None:
            return f"tmux attach -t {target} (on host {rec.host})"
        flag = "-S" if entry.socket.startswith("/") else "-L"
        tmux = f"{shlex.quote(entry.tmux)} {flag} {shlex.quote(entry.socket)}"
        return f"ssh -t {shlex.quote(entry.ssh)} {tmux} attach -t {shlex.quote(target)}"

    def _end_direct(self, rec: PaneRecord, pid: int | None) -> None:
        """End a direct pane running in another process, as its own window would:
        SIGHUP to its process group, SIGKILL after a grace period."""
        if pid is None:
            # A lock without a pid: the owner ends the pane when its record goes.
            return
        for sig, grace in ((signal.SIGHUP, DIRECT_END_GRACE), (signal.SIGKILL, DIRECT_END_GRACE)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
                if sig == signal.SIGHUP:
                    os.killpg(pid, signal.SIGCONT)  # a stopped job would not see the SIGHUP
            if _wait(lambda: not self.direct.running(rec.id), grace):
                break
        else:
            raise PaneStateError(f"{rec.name!r} (pid {pid}) did not end; nothing was removed")
        # Let the owning window record how it ended before the record goes.
        _wait(lambda: self._ended(rec.id), DIRECT_END_GRACE / 2)

    def _ended(self, pane_id: str) -> bool:
        return any(r.id == pane_id and r.ended is not None for r in self.store.load())

    def respawn(self, record: PaneRecord, columns: int = 80, rows: int = 24) -> PaneRecord:
        """Start a dead pane again with its command and directory.

        A tmux pane restarts in its session (made anew if it is gone); a direct
        pane is only marked as running again: start it with :meth:`spawn_direct`.
        """
        if record.kind is Kind.TMUX:
            session = self._tmux_record(record, "respawn")
            state = self._reachable_snapshot(record).sessions.get(session)
            if state is None:
                # A new session: an agent continues its conversation (``resume``).
                if not record.remote:
                    require_directory(record.cwd)
                self._start_lost(record, columns, rows)
            elif state.dead:
                if not record.remote:
                    require_directory(record.cwd)
                self.server_for(record).respawn(
                    session,
                    cwd=record.cwd,
                    command=self._tmux_command(record.command),
                    log_command=self._log_command(record),
                )
            else:
                raise PaneStateError(f"{record.name!r} is still running; nothing to respawn")
        return self.store.update(
            record.id,
            lambda r: r.replace(exit_status=None, ended=None, lost=None, started=utcnow()),
        )

    def restore_lost(
        self, names: Sequence[str] = (), columns: int = 80, rows: int = 24
    ) -> list[Restored]:
        """Start lost panes again: each in its directory, with its resume command
        (or its command), in its own session name, exactly once.

        ``names``: only these panes (names or ids); by default every lost pane.
        A pane whose directory is gone is skipped and says so; the others go on.
        Two chloe processes restoring at once start each pane once: tmux refuses
        a second session of the same name, and that pane is reported as already
        running.
        """
        infos = self.panes()
        wanted = set(names)
        results: list[Restored] = []
        found: set[str] = set()
        for info in infos:
            rec = info.record
            if wanted and rec.name not in wanted and rec.id not in wanted:
                continue
            found |= {rec.name, rec.id}
            if info.status is not Status.LOST:
                if wanted:
                    results.append(Restored(rec.name, False, f"it is {info.label}, not lost"))
                continue
            results.append(self._restore_one(rec, columns, rows))
        for name in names:
            if name not in found:
                results.append(Restored(name, False, "no such pane"))
        return results

    def _restore_one(self, rec: PaneRecord, columns: int, rows: int) -> Restored:
        if not rec.remote and not os.path.isdir(rec.cwd):
            return Restored(rec.name, False, f"its directory {rec.cwd} no longer exists")
        try:
            self._start_lost(rec, columns, rows)
        except TmuxError as exc:
            assert rec.tmux_session is not None
            if self.server_for(rec).has_session(rec.tmux_session):
                return Restored(rec.name, False, "already running (restored elsewhere)")
            return Restored(rec.name, False, str(exc))
        except ChloeError as exc:
            return Restored(rec.name, False, str(exc))
        with contextlib.suppress(UnknownPaneError):
            self.store.update(rec.id, lambda r: r.replace(exit_status=None, ended=None, lost=None))
        return Restored(rec.name, True, None)

    def _reachable_snapshot(self, record: PaneRecord) -> Snapshot:
        """tmux's sessions; raises TmuxError when tmux cannot say whether the pane runs."""
        snap = self.server_for(record).snapshot()
        if not snap.reachable:
            raise TmuxError(
                f"cannot tell whether {record.name!r} still runs ({snap.error}); "
                "nothing was changed"
            )
        return snap

    def send_text(
        self, name_or_id: str, text: str | bytes, *, enter: bool = False, paste: bool = False
    ) -> None:
        """Type ``text`` literally into a tmux pane, optionally followed by Enter.

        ``paste``: as one bracketed paste, when the program asked for those.
        Any size: the text reaches tmux on its stdin (:meth:`TmuxBackend.paste_bytes`).
        """
        rec = self.find(name_or_id)
        session = self._tmux_record(rec, "send")
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        try:
            if data:
                self.server_for(rec).paste_bytes(session, data, bracketed=paste, enter=enter)
            elif enter:
                self.server_for(rec).send_text(session, "", enter=True)
        except PaneGoneError:
            raise PaneGoneError(f"{rec.name!r} is dead: its tmux session is gone") from None

    def history_screen(self, record: PaneRecord, lines: int | None = None) -> tuple[bool, str]:
        """A tmux pane's history with colours (its last ``lines``, or all), to browse it.

        Returns (whether its program took the screen or the mouse, so browse
        keys are its own; the text with escapes, oldest line first).
        """
        session = self._tmux_record(record, "browsing history")
        return self.server_for(record).history(session, lines)

    def is_running(self, record: PaneRecord) -> bool:
        """Whether the pane's program runs now (False too when tmux cannot tell)."""
        if record.kind is Kind.DIRECT:
            return self.direct.running(record.id)
        state = self.server_for(record).snapshot().sessions.get(record.tmux_session or "")
        return state is not None and not state.dead

    def history_sources(self, records: Sequence[PaneRecord]) -> Iterator[tuple[str, bytes | str]]:
        """Each pane's history, for search: (name, its raw log) or (name, plain text).

        A pane's continuous log when it has one (it holds everything tmux's
        history does, and what scrolled past it); else tmux's history and screen
        as text. A pane with neither (a direct pane without a log, a tmux
        session that is gone) is left out.
        """
        for rec in records:
            if history.has_log(rec.id):
                try:
                    yield rec.name, history.read_log(rec.id)
                except OSError:
                    pass
                else:
                    continue
            if rec.kind is Kind.TMUX:
                try:
                    if self.server_for(rec).problem is None:
                        yield rec.name, self.capture(rec)
                except (PaneGoneError, TmuxError, TmuxUnavailableError, UnknownHostError):
                    continue

    def capture(
        self, record: PaneRecord, *, lines: int | None = None, escapes: bool = False
    ) -> str:
        """A tmux pane's screen and up to ``lines`` of scrollback (None: all)."""
        session = self._tmux_record(record, "logs")
        try:
            return self.server_for(record).capture(session, lines=lines, escapes=escapes)
        except PaneGoneError:
            raise PaneGoneError(
                f"{record.name!r} is dead: its tmux session is gone, and its output with it"
            ) from None

    def record_exit(self, pane_id: str, status: ExitStatus) -> PaneRecord:
        """Remember how a pane's process ended."""
        return self.store.update(pane_id, lambda r: r.replace(exit_status=status, ended=utcnow()))
