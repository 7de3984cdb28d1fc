"""tmux panes: sessions on chloe's own tmux server, shown through an embedded client.

chloe talks to its tmux server through libtmux: :attr:`TmuxBackend.server` is a
``libtmux.Server`` for chloe's socket, and every command is one
``Server.cmd`` call, i.e. one ``tmux -L<socket> ...`` process. Commands are
chained by passing ``;`` as an argument of its own, which tmux reads as a
command separator, so creating a session is one tmux process and a status
refresh is one (``list-panes -a -F … ; list-clients -F …``). libtmux's object
listings (``server.sessions``, ``Session.panes``) are not used for status: they
ask tmux once per object. Where a libtmux method is the same single call, it
is used: ``Server.has_session(exact=True)``, and ``get_version_str`` for the
version check.
Every target is exact (``=chloe-ab:``): tmux otherwise falls back to prefix
matching, and ``chloe-ab`` would hit ``chloe-abc``.

What libtmux's runner does not do, and how chloe makes up for it:

* **Timeout.** ``Server.cmd`` waits for tmux forever, and a wedged (say
  SIGSTOPped) server never answers. Each call therefore runs on a short-lived
  daemon thread that chloe waits on for at most :data:`CMD_TIMEOUT` seconds
  before raising :class:`TmuxError` ("did not answer"). libtmux hands back
  nothing of the tmux process until it returns, so chloe finds it in ``/proc``
  (its own child with exactly those arguments) and kills it; without ``/proc``
  (macOS) it stays until the server answers or dies. Either way libtmux's
  thread stays blocked until then, reading the output pipes whose write ends
  the tmux client passed to the server, so while it is, every further command
  to that server fails at once instead of piling up threads and processes.
* **Environment.** libtmux runs tmux with chloe's own environment. When chloe
  runs inside the user's tmux, that holds ``$TMUX``/``$TMUX_PANE``, so
  :func:`chloe.cli.main` takes them out of it at start
  (:func:`~chloe.backends.direct.set_aside_environment`; direct panes still get
  them). Used as a library with them set, nothing is redirected either: every
  command names chloe's socket, every target is explicit (so ``$TMUX_PANE``
  never picks a "current" pane), tmux sets its own ``TMUX`` in everything it
  starts and ``TMUX_PANE`` in every pane, and the create chain unsets both in
  the global environment of a server it starts. tmux *clients* (which tmux
  refuses to nest) are not run by libtmux and get neither.
* **stdin.** libtmux leaves tmux chloe's stdin (the TUI's terminal). A command
  client neither reads it nor changes its mode or flags (checked with tmux
  3.3a on a raw pty), and such a client is never listed by ``list-clients``.
* **Output.** libtmux decodes it as UTF-8 with ``backslashreplace`` and drops
  trailing empty lines (a capture loses its blank bottom rows).

Not through libtmux: the tmux *clients* (the embedded attach on a pty, and the
full-screen ``chloe attach`` that ``exec``s tmux). libtmux runs commands and
collects their output; it cannot give a client a terminal. They run with
``TMUX``/``TMUX_PANE`` removed from their environment.

libtmux is imported with this module, not on first use: it reads
``sys.stdout.encoding`` as it is imported, which fails once Textual has put its
own ``sys.stdout`` in place. (Importing it builds its whole object layer, tens
of milliseconds that a ``chloe ls`` pays.)

Which tmux clients are chloe's: every client chloe starts (embedded, ``chloe
attach``, the TUI's full-screen attach) holds an ``flock`` on
``$XDG_STATE_HOME/chloe/clients/<socket>/<its pid>`` for as long as it runs
(:mod:`chloe.backends.locks`). A pane is *attached* when one of the pids
``list-clients`` gives for its session has a held lock file. Nothing is written
to tmux for this: on tmux 3.3a every ``set-option`` invocation, even of a
session's user option, redraws every client on the server, so marking clients
with an option made each attach (and each cleanup) repaint all the others.
Lock files of clients that ended are removed by the next status refresh.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from libtmux import exc as tmux_exc
from libtmux.common import get_version_str, tmux_cmd
from libtmux.server import Server

from chloe import paths
from chloe.backends import locks
from chloe.backends.direct import OUTER_TMUX_VARIABLES, PtyProcess, pane_environment, spawn
from chloe.backends.locks import ClientCommand
from chloe.errors import PaneGoneError, TmuxError, TmuxUnavailableError
from chloe.model import ExitStatus

_T = TypeVar("_T")

MIN_VERSION = (3, 0)
"""Oldest tmux chloe supports (argv commands, ``-x``/``-y`` on new-session, arrays)."""

INSTALL_HINT = (
    "install it with `apt-get install tmux` (Debian/Ubuntu) or `brew install tmux` (macOS)"
)

ESCAPE_TIME_MS = 10
"""tmux's default 500 ms Esc wait makes Esc sluggish in vim and Claude Code."""

CLIENT_ENV_DROP = OUTER_TMUX_VARIABLES
"""chloe may itself run inside the user's tmux: these are removed from the environment
of a tmux client chloe starts, and from the global environment of chloe's server."""

CMD_TIMEOUT = 10.0
"""Seconds before a tmux command is given up on (a wedged server must not hang chloe)."""

ATTACH_WAIT = 2.0
"""Seconds :meth:`TmuxBackend.attach` waits for the client's first screen at most."""

_SEP = "\t"
_PANE_FORMAT = _SEP.join(
    (
        "P",
        "#{session_name}",
        "#{@chloe-id}",
        "#{@chloe-name}",
        "#{pane_dead}",
        "#{pane_dead_status}",
        "#{pane_dead_signal}",
        "#{pane_current_command}",
        "#{pane_start_path}",
        "#{session_created}",
        "#{pane_start_command}",
        "#{pid}",
    )
)
_CLIENT_FORMAT = _SEP.join(("C", "#{client_pid}", "#{session_name}"))

_NO_SERVER = ("no server running", "error connecting to", "server exited unexpectedly")


def session_target(session: str) -> str:
    """Exact target for a session (``=name``), for session commands."""
    return f"={session}"


def pane_target(session: str) -> str:
    """Exact target for the session's active pane (``=name:``), for pane/option commands."""
    return f"={session}:"


def escape_argument(arg: str) -> str:
    """Keep tmux from reading a trailing ``;`` in an argument as a command separator."""
    if arg.endswith(";"):
        return arg[:-1] + "\\;"
    return arg


def tmux_binary() -> str | None:
    """The tmux on ``$PATH``, or None."""
    return shutil.which("tmux")


class _Unanswered(Exception):
    """A tmux command did not return within :data:`CMD_TIMEOUT`.

    Attributes:
        worker: The thread still waiting for it (until the server answers or exits).
    """

    def __init__(self, worker: threading.Thread) -> None:
        super().__init__(worker.name)
        self.worker = worker


def _kill_own_child(argv: Sequence[str]) -> bool:
    """SIGKILL this process's child that runs ``argv`` (Linux ``/proc``); False if none.

    This is how a tmux process that libtmux started and that hangs is ended:
    libtmux keeps its ``Popen`` to itself until the process exits. The
    arguments after ``argv[0]`` must match exactly; the program may differ, since
    a wrapper script for tmux ``exec``s the real one under its own path.
    """
    tail = b"".join(b"\0" + os.fsencode(a) for a in argv[1:]) + b"\0"
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return False
    killed = False
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            if ppid != me:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if not fh.read().endswith(tail):
                    continue
            os.kill(int(entry), signal.SIGKILL)
            killed = True
        except (OSError, ValueError, IndexError):
            continue
    return killed


def _within_timeout(fn: Callable[[], _T], argv: Sequence[str]) -> _T:
    """``fn()`` (which runs ``argv``), given up on after :data:`CMD_TIMEOUT` seconds.

    libtmux has no timeout, so ``fn`` runs on a daemon thread (it never keeps
    chloe from exiting); if it has not returned in time, the process running
    ``argv`` is killed where it can be found (see :func:`_kill_own_child`). The
    thread itself returns only once the server lets go of the output pipes
    (it holds the write ends the client passed it): when it answers or exits.

    Raises:
        _Unanswered: ``fn`` did not return in time.
    """
    result: list[_T] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    worker = threading.Thread(target=work, name="chloe-tmux-command", daemon=True)
    worker.start()
    worker.join(CMD_TIMEOUT)
    if worker.is_alive():
        _kill_own_child(argv)
        raise _Unanswered(worker)
    if error:
        raise error[0]
    return result[0]


def _timeout_text() -> str:
    return f"{CMD_TIMEOUT:g}s"


def _text(lines: Sequence[str]) -> str:
    """libtmux's output lines back as text, one newline after each."""
    return "".join(f"{line}\n" for line in lines)


def check_tmux(binary: str | None) -> str | None:
    """Why tmux cannot be used (one sentence with how to install), or None if it can.

    Asks libtmux for ``tmux -V`` (cached per binary by libtmux).
    """
    if binary is None:
        return (
            f"tmux panes need tmux {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer, "
            f"and tmux is not installed: {INSTALL_HINT}"
        )
    try:
        token = _within_timeout(lambda: get_version_str(tmux_bin=binary), [binary, "-V"])
    except _Unanswered:
        return (
            f"tmux panes need tmux, and {binary} -V did not answer within {_timeout_text()}: "
            f"{INSTALL_HINT}"
        )
    except tmux_exc.TmuxCommandNotFound:
        return f"tmux panes need tmux, and {binary} could not be run (not found): {INSTALL_HINT}"
    except tmux_exc.VersionTooLow as exc:
        # tmux wrote to stderr instead of printing its version (libtmux passes the lines).
        lines = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
        return f"tmux panes need tmux, and {binary} -V failed ({lines[0]}): {INSTALL_HINT}"
    except tmux_exc.LibTmuxException:
        # libtmux's word for a tmux older than the -V flag (tmux < 1.7).
        return (
            f"tmux panes need tmux {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer, "
            f"and {binary} is older than 1.7: {INSTALL_HINT}"
        )
    except OSError as exc:
        return f"tmux panes need tmux, and {binary} could not be run ({exc}): {INSTALL_HINT}"
    except IndexError:
        # libtmux reads the word after "tmux " on the first line; there was none.
        return f"tmux panes need tmux, and {binary} -V gave no version: {INSTALL_HINT}"
    m = re.search(r"(\d+)\.(\d+)", token)
    if m is None:
        # Development builds say "tmux master" or "tmux next-3.5": new enough.
        return (
            None
            if token.strip()
            else f"tmux panes need tmux, and {binary} -V gave no version: {INSTALL_HINT}"
        )
    version = (int(m.group(1)), int(m.group(2)))
    if version < MIN_VERSION:
        return (
            f"tmux panes need tmux {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer, "
            f"and this is tmux {token}: {INSTALL_HINT}"
        )
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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every session on chloe's server at one moment.

    Attributes:
        sessions: Session name -> state.
        reachable: False when the query failed for a reason other than "no server
            running" (then absence from ``sessions`` proves nothing).
        error: The failure, when not reachable.
    """

    sessions: dict[str, SessionState] = field(default_factory=dict)
    reachable: bool = True
    error: str | None = None
    server_pid: int | None = None

    @property
    def missing_statuses(self) -> bool:
        """Some pane is dead but tmux has not recorded how it ended (yet)."""
        return any(s.dead and s.exit_status is None for s in self.sessions.values())


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _nudge(server_pid: int) -> bool:
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


def _split_command(text: str) -> tuple[str, ...]:
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
    panes: dict[str, list[list[str]]] = {}
    clients: dict[str, set[int]] = {}
    for line in lines:
        parts = line.split(_SEP)
        if parts[0] == "P" and len(parts) >= 12:
            panes.setdefault(parts[1], []).append(parts)
        elif parts[0] == "C" and len(parts) >= 3:
            pid = _int(parts[1])
            if pid is not None:
                clients.setdefault(parts[2], set()).add(pid)
    sessions: dict[str, SessionState] = {}
    server_pid: int | None = None
    for name, rows in panes.items():
        server_pid = _int(rows[0][11])
        first = rows[0]
        live = [r for r in rows if r[4] != "1"]
        exit_status: ExitStatus | None = None
        if not live:
            code, sig = _int(first[5]), _int(first[6])
            if sig:
                exit_status = ExitStatus(signal=sig)
            elif code is not None:
                exit_status = ExitStatus(code=code)
        created_ts = _int(first[9])
        sessions[name] = SessionState(
            session=name,
            chloe_id=first[2] or None,
            chloe_name=first[3] or None,
            dead=not live,
            exit_status=exit_status,
            current_command=(live[0][7] or None) if live else None,
            attached=not ours.isdisjoint(clients.get(name, ())),
            cwd=first[8],
            command=_split_command(first[10]),
            created=datetime.fromtimestamp(created_ts, UTC) if created_ts else None,
        )
    return Snapshot(sessions=sessions, server_pid=server_pid)


class TmuxBackend:
    """chloe's tmux server: lifecycle commands, the status query, embedded clients.

    Args:
        socket: The ``tmux -L`` socket name.
        binary: The tmux executable (default: found on ``$PATH`` at first use).
    """

    def __init__(self, socket: str, binary: str | None = None) -> None:
        self.socket = socket
        self._binary = binary
        self._problem: str | None = None
        self._checked = False
        self._server: Server | None = None
        self._stuck: threading.Thread | None = None

    @property
    def client_lock_dir(self) -> Path:
        """Where chloe's clients of this server hold their locks (see :mod:`.locks`)."""
        return paths.client_lock_dir(self.socket)

    # -- availability --------------------------------------------------------------

    @property
    def binary(self) -> str:
        """The tmux executable; raises TmuxUnavailableError when there is none."""
        self.require()
        assert self._binary is not None
        return self._binary

    @property
    def problem(self) -> str | None:
        """Why tmux panes are unavailable, or None (checked once, on first use)."""
        if not self._checked:
            if self._binary is None:
                self._binary = tmux_binary()
            self._problem = check_tmux(self._binary)
            self._checked = True
        return self._problem

    def require(self) -> None:
        """Raise :class:`TmuxUnavailableError` if tmux cannot be used."""
        problem = self.problem
        if problem is not None:
            raise TmuxUnavailableError(problem)

    @property
    def server(self) -> Server:
        """chloe's tmux server as a ``libtmux.Server`` (raises TmuxUnavailableError)."""
        if self._server is None:
            self._server = Server(socket_name=self.socket, tmux_bin=self.binary)
        return self._server

    # -- running commands -------------------------------------------------------------

    def argv(self, *args: str) -> list[str]:
        """``tmux -L <socket> ARGS...``: how a tmux client is started (not via libtmux)."""
        return [self.binary, "-L", self.socket, *args]

    def _call(self, fn: Callable[[Server], _T], *args: str) -> _T:
        """``fn(server)``, which runs the tmux command ``args``, within :data:`CMD_TIMEOUT`.

        Raises:
            TmuxError: tmux did not answer in time (or an earlier command to this
                server still has not: see the module docstring).
            TmuxUnavailableError: tmux cannot be run.
        """
        server = self.server
        unanswered = f"tmux server {self.socket!r} did not answer within {_timeout_text()}"
        stuck = self._stuck
        if stuck is not None:
            if stuck.is_alive():
                raise TmuxError(unanswered)
            self._stuck = None
        # What libtmux's Server.cmd runs, to find the process if it hangs.
        argv = [self.binary, f"-L{self.socket}", *args]
        try:
            return _within_timeout(lambda: fn(server), argv)
        except _Unanswered as exc:
            self._stuck = exc.worker
            raise TmuxError(unanswered) from None
        except tmux_exc.TmuxCommandNotFound:
            raise TmuxUnavailableError(f"cannot run tmux: {self.binary} not found") from None
        except OSError as exc:
            raise TmuxUnavailableError(f"cannot run tmux: {exc.strerror or exc}") from None

    def _cmd(self, *args: str) -> tmux_cmd:
        """One tmux invocation through libtmux (``;`` arguments chain commands)."""
        return self._call(lambda server: server.cmd(*args), *args)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one tmux invocation (``;`` arguments chain commands); never raises on rc."""
        out = self._cmd(*args)
        return subprocess.CompletedProcess(
            out.cmd, out.returncode, _text(out.stdout), _text(out.stderr)
        )

    def check(self, *args: str, what: str) -> subprocess.CompletedProcess[str]:
        """Run and raise :class:`TmuxError` (``what`` failed: tmux's words) on failure."""
        proc = self.run(*args)
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines()
            reason = lines[0] if lines else f"tmux exited {proc.returncode}"
            raise TmuxError(f"{what} failed: {reason}")
        return proc

    @staticmethod
    def _server_down(stderr: str) -> bool:
        return any(s in stderr for s in _NO_SERVER)

    # -- status -----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Every session's state in one tmux invocation.

        At most one more, and only when needed: a second look after nudging the
        server when a dead pane lacks its exit status (see :func:`_nudge`).
        Which clients are chloe's is read from their lock files, not from tmux
        (:func:`~chloe.backends.locks.held_pids`, which also removes the files of
        clients that ended).

        Never raises: a stopped server is an empty snapshot, any other failure an
        unreachable one.
        """
        if self.problem is not None:
            return Snapshot(reachable=False, error=self.problem)
        snap = self._query()
        if snap.missing_statuses and snap.server_pid and _nudge(snap.server_pid):
            snap = self._query()
        return snap

    def _query(self) -> Snapshot:
        try:
            out = self._cmd(
                "list-panes", "-a", "-F", _PANE_FORMAT, ";", "list-clients", "-F", _CLIENT_FORMAT
            )
        except (TmuxError, TmuxUnavailableError) as exc:
            return Snapshot(reachable=False, error=str(exc))
        if out.returncode != 0 and not any(line.strip() for line in out.stdout):
            stderr = "\n".join(out.stderr).strip()
            if self._server_down(stderr):
                return Snapshot()
            return Snapshot(reachable=False, error=stderr or "tmux failed")
        # After tmux answered: a client listed there that has ended since has
        # released its lock, so it is not counted (and its file goes).
        return parse_snapshot(out.stdout, locks.held_pids(self.client_lock_dir))

    def has_session(self, session: str) -> bool:
        """Whether the session exists (exact name)."""
        try:
            # libtmux's own check, with exact=True: `has-session -t =name`.
            return self._call(
                lambda server: server.has_session(session, exact=True),
                "has-session", "-t", session_target(session),
            )  # fmt: skip
        except tmux_exc.BadSessionName:
            # Empty, or holding "." or ":", which tmux turns into "_" in a session name.
            return False

    # -- lifecycle --------------------------------------------------------------------

    def server_setup_args(self) -> list[str]:
        """Server options chloe needs, as chained commands ending in ``;``.

        Idempotent (``terminal-overrides`` is set at a fixed index), so it is sent
        with every create at no extra subprocess. Not with an attach: every
        ``set-option`` makes tmux 3.3a redraw every client on the server, and the
        server that holds a session has had them from the chain that created it.
        """
        return [
            "set-option", "-s", "escape-time", str(ESCAPE_TIME_MS), ";",
            # 24-bit colour for the embedded client, whose TERM is xterm-256color.
            "set-option", "-s", "terminal-overrides[90]", "xterm-256color:Tc", ";",
        ]  # fmt: skip

    def create_session(
        self,
        session: str,
        *,
        pane_id: str,
        name: str,
        cwd: str,
        command: Sequence[str],
        columns: int,
        rows: int,
        history_limit: int,
        status_line: bool,
    ) -> None:
        """Create a detached session with chloe's options, in one tmux invocation.

        ``history-limit`` only applies to panes created after it is set, so it is
        set globally on chloe's own server just before ``new-session``; the
        per-window ``remain-on-exit`` is chained in the same invocation, which tmux
        runs before it handles the child's exit, so even an instant exit is kept.
        """
        self.require()
        if not os.path.isdir(cwd):
            from chloe.errors import PaneStartError

            raise PaneStartError(f"cannot start pane: directory {cwd} does not exist")
        cmd = list(command)
        if len(cmd) == 1:
            # One argument is run through `sh -c`; quoting keeps it a single word.
            cmd = [shlex.quote(cmd[0])]
        cmd = [escape_argument(a) for a in cmd]
        target = pane_target(session)
        args = [
            *self.server_setup_args(),
            # This may start the server, which copies its global environment from
            # this command's: chloe's, possibly with the user's TMUX/TMUX_PANE.
            *[a for var in CLIENT_ENV_DROP for a in ("set-environment", "-g", "-u", var, ";")],
            "set-option", "-g", "history-limit", str(history_limit), ";",
            "new-session", "-d", "-s", session, "-x", str(columns), "-y", str(rows),
            "-c", cwd, *(["--", *cmd] if cmd else []), ";",
            "set-option", "-w", "-t", target, "remain-on-exit", "on", ";",
            "set-option", "-t", target, "status", "on" if status_line else "off", ";",
            "set-option", "-t", target, "@chloe-id", pane_id, ";",
            "set-option", "-t", target, "@chloe-name", escape_argument(name),
        ]  # fmt: skip
        self.check(*args, what=f"creating tmux session {session}")

    def respawn(self, session: str, *, cwd: str, command: Sequence[str]) -> None:
        """Restart the dead pane of a live session with its command."""
        cmd = list(command)
        if len(cmd) == 1:
            cmd = [shlex.quote(cmd[0])]
        self.check(
            "respawn-pane", "-k", "-t", pane_target(session), "-c", cwd,
            *[escape_argument(a) for a in cmd],
            what=f"restarting {session}",
        )  # fmt: skip

    def set_name(self, session: str, name: str) -> None:
        """Store the display name in ``@chloe-name``."""
        self.check(
            "set-option", "-t", pane_target(session), "@chloe-name", escape_argument(name),
            what=f"renaming {session}",
        )  # fmt: skip

    def release(self, session: str) -> None:
        """Remove chloe's marks so the session is not adopted back."""
        args: list[str] = []
        for opt in ("@chloe-id", "@chloe-name"):
            args += ["set-option", "-u", "-t", pane_target(session), opt, ";"]
        self.check(*args[:-1], what=f"releasing {session}")

    def kill(self, session: str) -> bool:
        """Kill the session; False if it was already gone."""
        proc = self.run("kill-session", "-t", session_target(session))
        if proc.returncode == 0:
            return True
        if (
            self._server_down(proc.stderr)
            or "can't find session" in proc.stderr
            or ("no such session" in proc.stderr)
        ):
            return False
        raise TmuxError(f"killing {session} failed: {proc.stderr.strip()}")

    def send_text(self, session: str, text: str, *, enter: bool) -> None:
        """Type ``text`` literally (``send-keys -l``), then Enter if asked."""
        target = pane_target(session)
        args = ["send-keys", "-t", target, "-l", "--", escape_argument(text)] if text else []
        if enter:
            args += [";"] if args else []
            args += ["send-keys", "-t", target, "Enter"]
        if args:
            self._check_live(self.run(*args), session, "sending text to")

    def capture(self, session: str, *, lines: int | None, escapes: bool) -> str:
        """The pane's screen plus up to ``lines`` of history (None: all of it)."""
        start = "-" if lines is None else str(-max(0, lines))
        args = ["capture-pane", "-p", "-t", pane_target(session), "-S", start]
        if escapes:
            args.append("-e")
        return self._check_live(self.run(*args), session, "capturing").stdout

    def _check_live(
        self, proc: subprocess.CompletedProcess[str], session: str, what: str
    ) -> subprocess.CompletedProcess[str]:
        if proc.returncode == 0:
            return proc
        err = proc.stderr.strip()
        if self._server_down(err) or "can't find" in err or "no such session" in err:
            raise PaneGoneError(f"tmux session {session} is gone")
        raise TmuxError(f"{what} {session} failed: {err}")

    # -- clients ----------------------------------------------------------------------

    def attach_args(self, session: str, *, detach_others: bool = False) -> list[str]:
        """tmux arguments (after ``-L socket``) for a client attached to ``session``.

        Only the attach: the server options (:meth:`server_setup_args`) were set by
        the ``create_session`` chain that made the session on this server, and
        any ``set-option`` here would redraw every other client.
        """
        return [
            "attach-session", *(["-d"] if detach_others else []), "-t", session_target(session),
        ]  # fmt: skip

    def attach(
        self, session: str, columns: int, rows: int, *, check_exists: bool = True
    ) -> PtyProcess:
        """Start a tmux client for ``session`` on a new pty (never creates a session).

        Raises:
            PaneGoneError: the session does not exist.
        """
        self.require()
        if check_exists and not self.has_session(session):
            raise PaneGoneError(f"tmux session {session} is gone; nothing to attach to")
        env = pane_environment(drop=CLIENT_ENV_DROP)
        # Locked before the client starts, which shares the descriptor; named
        # after its pid once known; then only the client holds it.
        lock = locks.take_temporary(self.client_lock_dir)
        try:
            proc = spawn(
                self.argv(*self.attach_args(session)),
                cwd="/",
                env=env,
                columns=columns,
                rows=rows,
                pass_fds=() if lock is None else (lock.fd,),
            )
        except BaseException:
            if lock is not None:
                lock.discard()
            raise
        if lock is not None:
            try:
                lock.name_after(proc.pid)
            except OSError:
                lock.discard()  # the client runs, it just does not count as chloe's
            lock.close()
        # The server draws the session only once the client is attached, so the
        # first byte on the pty means "attached" is now true; the caller reads it.
        with contextlib.suppress(OSError, ValueError):
            select.select([proc.fd], [], [], ATTACH_WAIT)
        return proc

    def attach_command(self, session: str, *, detach_others: bool = False) -> ClientCommand:
        """A full-screen client that marks itself as chloe's (see :class:`.locks.ClientCommand`).

        Run it in this process with ``.exec()`` (``chloe attach``), or as a
        command line with ``.wrapped()`` (the TUI's full-screen attach). Either way
        the process that becomes tmux (``exec`` keeps its pid) locks a file named
        after its own pid, which the client keeps, and ``TMUX``/``TMUX_PANE`` are
        removed from its environment.
        """
        return ClientCommand(
            tuple(self.argv(*self.attach_args(session, detach_others=detach_others))),
            self.client_lock_dir,
            CLIENT_ENV_DROP,
        )

    def paste_bytes(self, session: str, data: bytes, *, bracketed: bool, enter: bool) -> None:
        """Put ``data`` (any size) into the pane through a tmux buffer, then Enter if asked.

        The bytes reach tmux on its stdin (``load-buffer -``), never on its
        command line, so a megabyte is no "Argument list too long", and no file
        holds them. ``bracketed``: ``paste-buffer -p``, a bracketed paste when
        the program asked for one (tmux turns newlines into carriage returns, as
        a terminal's paste does); otherwise the bytes go as they are (``-r``), as
        if typed. The buffer is deleted after the paste, or on failure.

        Raises:
            PaneGoneError: the session is gone.
            TmuxError: tmux failed, or did not answer in time (the text may then
                still arrive).
        """
        target = pane_target(session)
        buffer = f"chloe-send-{os.getpid()}-{os.urandom(4).hex()}"
        args = ["load-buffer", "-b", buffer, "-", ";"]
        args += ["paste-buffer", "-d", "-b", buffer, "-t", target, "-p" if bracketed else "-r"]
        if enter:
            args += [";", "send-keys", "-t", target, "Enter"]
        try:
            proc = subprocess.run(
                self.argv(*args), input=data, capture_output=True, timeout=CMD_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise TmuxError(
                f"tmux server {self.socket!r} did not answer within {_timeout_text()}; "
                "the text may still arrive"
            ) from None
        except OSError as exc:
            raise TmuxUnavailableError(f"cannot run tmux: {exc.strerror or exc}") from None
        result = subprocess.CompletedProcess(
            proc.args, proc.returncode, "", proc.stderr.decode("utf-8", "replace")
        )
        if proc.returncode != 0:
            with contextlib.suppress(TmuxError, TmuxUnavailableError):
                self.run("delete-buffer", "-b", buffer)
        self._check_live(result, session, "sending text to")
