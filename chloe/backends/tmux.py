"""tmux panes: sessions on chloe's own tmux server, shown through an embedded client.

:class:`TmuxBackend` is what the rest of chloe uses. It is made of small pieces,
each in its own module:

* :mod:`chloe.backends.tmux_runner`: running one tmux invocation through
  libtmux, with a timeout and ``/proc`` kills of a stuck tmux child, and the
  availability check (tmux present and new enough);
* :mod:`chloe.backends.tmux_status`: the status query's format, with named
  fields, and its parser (:class:`Snapshot`, :class:`SessionState`);
* :mod:`chloe.backends.tmux_commands`: the commands chloe sends, as argument
  lists (exact targets, escaping);
* :mod:`chloe.backends.tmux_errors`: what tmux's error messages mean.

This module chains them into the session commands (create, respawn, rename,
release, kill, send, capture) and starts the tmux clients.

* **Environment.** libtmux runs tmux with chloe's own environment. When chloe
  runs inside the user's tmux, that holds ``$TMUX``/``$TMUX_PANE``, so
  :func:`chloe.cli.main` takes them out of it at start
  (:func:`~chloe.backends.direct.set_aside_environment`; direct panes do not get
  them). Used as a library with them set, nothing is redirected either: every
  command names chloe's socket, every target is explicit (so ``$TMUX_PANE``
  never picks a "current" pane), tmux sets its own ``TMUX`` in everything it
  starts and ``TMUX_PANE`` in every pane, and the create chain unsets both in
  the global environment of a server it starts. tmux *clients* (which tmux
  refuses to nest) are not run by libtmux and get neither.

Not through libtmux: the tmux *clients* (the embedded attach on a pty, and the
full-screen ``chloe attach`` that ``exec``s tmux). libtmux runs commands and
collects their output; it cannot give a client a terminal. They run with
``TMUX``/``TMUX_PANE`` removed from their environment.

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
import dataclasses
import os
import select
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from chloe import events, paths
from chloe.backends import (
    locks,
    placement,
    tmux_commands,
    tmux_errors,
    tmux_runner,
    tmux_server,
)
from chloe.backends.direct import OUTER_TMUX_VARIABLES, PtyProcess, pane_environment, spawn
from chloe.backends.locks import ClientCommand
from chloe.backends.placement import Placement
from chloe.backends.tmux_commands import (
    ESCAPE_TIME_MS,
    SessionSpec,
    chain,
    escape_argument,
    pane_target,
    session_target,
)
from chloe.backends.tmux_runner import (
    CMD_TIMEOUT,
    INSTALL_HINT,
    MIN_VERSION,
    CmdOutput,
    Runner,
    TmuxRunner,
    TmuxUnanswered,
    check_tmux,
    completed,
    raise_for,
    tmux_binary,
)
from chloe.backends.tmux_server import ServerRecord, socket_present
from chloe.backends.tmux_status import (
    QUERY_ARGS,
    SessionState,
    Snapshot,
    nudge,
    parse_snapshot,
)
from chloe.errors import PaneGoneError, TmuxError, TmuxUnavailableError

__all__ = [
    "ATTACH_WAIT",
    "CLIENT_ENV_DROP",
    "CMD_TIMEOUT",
    "ESCAPE_TIME_MS",
    "INSTALL_HINT",
    "MIN_VERSION",
    "SessionState",
    "Snapshot",
    "TmuxBackend",
    "check_tmux",
    "escape_argument",
    "pane_target",
    "parse_snapshot",
    "session_target",
    "tmux_binary",
]


CLIENT_ENV_DROP = OUTER_TMUX_VARIABLES
"""chloe may itself run inside the user's tmux: these are removed from the environment
of a tmux client chloe starts, and from the global environment of chloe's server."""

ATTACH_WAIT = 2.0
"""Seconds :meth:`TmuxBackend.attach` waits for the client's first screen at most."""


class TmuxBackend:
    """chloe's tmux server: lifecycle commands, the status query, embedded clients.

    Args:
        socket: The ``tmux -L`` socket name.
        binary: The tmux executable (default: found on ``$PATH`` at first use).
    """

    def __init__(self, socket: str, binary: str | None = None) -> None:
        self.socket = socket
        self.runner: Runner = TmuxRunner(socket, binary)
        self._known: ServerRecord | None = None
        self._revive_failed: ServerRecord | None = None
        self.placement: Placement | None = None
        """Where a server this backend starts is placed (decided at the first start)."""
        self.started_server = False
        """This backend started the server (so a logout warning is news)."""

    @property
    def client_lock_dir(self) -> Path:
        """Where chloe's clients of this server hold their locks (see :mod:`.locks`)."""
        return paths.client_lock_dir(self.socket)

    @property
    def event_path(self) -> Path:
        """Where this server's hooks record bells and ends (see :mod:`chloe.events`)."""
        return events.event_path(self.socket)

    # -- availability --------------------------------------------------------------

    @property
    def binary(self) -> str:
        """The tmux executable; raises TmuxUnavailableError when there is none."""
        return self.runner.binary

    @property
    def problem(self) -> str | None:
        """Why tmux panes are unavailable, or None (checked once, on first use)."""
        return self.runner.problem

    def require(self) -> None:
        """Raise :class:`TmuxUnavailableError` if tmux cannot be used."""
        self.runner.require()

    # -- running commands -------------------------------------------------------------

    def argv(self, *args: str) -> list[str]:
        """``tmux -L <socket> ARGS...``: how a tmux client is started (not via libtmux)."""
        return self.runner.argv(*args)

    def client_argv(self, *args: str) -> list[str]:
        """The command line of a tmux client on a terminal (attach): :meth:`argv` here."""
        return self.argv(*args)

    def client_locks(self, session: str) -> Path:
        """Where chloe's clients of ``session`` hold their locks: the socket's directory."""
        return self.client_lock_dir

    def _cmd(self, *args: str) -> CmdOutput:
        """One tmux invocation, after making sure a live server's socket is there.

        tmux would start a second server where the socket file of a running one
        went missing, and report "no server" for every other command; see
        :mod:`chloe.backends.tmux_server`.
        """
        self._reach_lost_server()
        out = self.runner.cmd(*args)
        if out.returncode != 0 and tmux_errors.server_down("\n".join(out.stderr)):
            lost = self._lost_server()
            if lost is not None:
                self._revive(lost)
                out = self.runner.cmd(*args)
        return out

    @contextlib.contextmanager
    def _changing(self, what: str) -> Iterator[None]:
        """Say what is known when a command that changes something gets no answer.

        The tmux client is gone by then, but the server may already hold the
        command and carry it out when it runs again: a user who retries would
        do it twice.
        """
        try:
            yield
        except TmuxUnanswered as exc:
            raise TmuxUnanswered(
                f"{exc} while {what}; it may still happen once tmux answers "
                "(check with `chloe ls` or `chloe logs` before trying again)"
            ) from None

    # -- finding the server again --------------------------------------------------------

    def _remember(self, pid: int | None, socket_path: str | None) -> None:
        """Record the server that just answered (see :mod:`.tmux_server`)."""
        if not pid or not socket_path:
            return
        known = self._known
        if known is not None and (known.pid, known.socket_path) == (pid, socket_path):
            tmux_server.touch(self.socket)  # "last seen running", for lost panes
            return
        record = ServerRecord.seen(pid, socket_path)
        tmux_server.save(self.socket, record)
        self._known = record

    def _lost_server(self) -> ServerRecord | None:
        """The recorded server, if that process still runs."""
        if self._known is None or not self._known.running():
            self._known = tmux_server.load(self.socket)
        known = self._known
        return known if known is not None and known.running() else None

    def _reach_lost_server(self) -> None:
        """Bring back the socket of a running server whose socket file is gone."""
        lost = self._lost_server()
        if lost is not None and not socket_present(lost.socket_path):
            self._revive(lost)

    def _revive(self, lost: ServerRecord) -> None:
        """SIGUSR1 makes tmux create its socket anew; raise TmuxError if it does not.

        After one failed wait, later calls do not wait again for the same server
        (a stopped server handles the signal once it runs again).
        """
        wait = 0.0 if self._revive_failed == lost else tmux_server.REVIVE_WAIT
        if lost.revive(wait):
            self._revive_failed = None
            return
        self._revive_failed = lost
        raise TmuxError(
            f"chloe's tmux server (pid {lost.pid}) is running, but cannot be reached at "
            f"{lost.socket_path}; its panes are left alone and no second server was started"
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one tmux invocation (``;`` arguments chain commands); never raises on rc."""
        return completed(self._cmd(*args))

    def check(self, *args: str, what: str) -> subprocess.CompletedProcess[str]:
        """Run and raise :class:`TmuxError` (``what`` failed: tmux's words) on failure."""
        return raise_for(self.run(*args), what)

    # -- status -----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Every session's state in one tmux invocation.

        At most one more, and only when needed: a second look after nudging the
        server when a dead pane lacks its exit status (see
        :func:`~chloe.backends.tmux_status.nudge`). Which clients are chloe's is
        read from their lock files, not from tmux
        (:func:`~chloe.backends.locks.held_pids`, which also removes the files of
        clients that ended).

        Never raises: a stopped server is an empty snapshot, any other failure an
        unreachable one.
        """
        if self.problem is not None:
            return Snapshot(reachable=False, error=self.problem)
        snap = self._query()
        if snap.missing_statuses and snap.server_pid and self._nudge(snap.server_pid):
            snap = self._query()
        self._remember(snap.server_pid, snap.socket_path)
        if snap.server_gone:
            snap = dataclasses.replace(snap, last_seen=tmux_server.last_seen(self.socket))
        return snap

    def _nudge(self, server_pid: int) -> bool:
        """Make the server reap exited children (see :func:`.tmux_status.nudge`)."""
        return nudge(server_pid)

    def _query(self) -> Snapshot:
        try:
            out = self._cmd(*QUERY_ARGS)
        except (TmuxError, TmuxUnavailableError) as exc:
            return Snapshot(reachable=False, error=str(exc))
        if out.returncode != 0 and not any(line.strip() for line in out.stdout):
            stderr = "\n".join(out.stderr).strip()
            if tmux_errors.server_down(stderr):
                return Snapshot()
            if tmux_errors.no_current_target(stderr):
                return self._empty_server()
            return Snapshot(reachable=False, error=stderr or "tmux failed")
        return self._parse(out.stdout)

    def _parse(self, lines: list[str]) -> Snapshot:
        """The status answer as a :class:`Snapshot`, with chloe's clients counted."""
        # After tmux answered: a client listed there that has ended since has
        # released its lock, so it is not counted (and its file goes).
        return parse_snapshot(lines, locks.held_pids(self.client_lock_dir))

    def _empty_server(self) -> Snapshot:
        """A running server with no session (chloe's keeps running: exit-empty off)."""
        try:
            out = self._cmd(*tmux_commands.server_identity())
        except (TmuxError, TmuxUnavailableError) as exc:
            return Snapshot(reachable=False, error=str(exc))
        pid, _, path = "".join(out.stdout).strip().partition(" ")
        if out.returncode != 0 or not pid.isdigit():
            stderr = "\n".join(out.stderr).strip()
            if tmux_errors.server_down(stderr):
                return Snapshot()
            return Snapshot(reachable=False, error=stderr or "tmux failed")
        return Snapshot(server_pid=int(pid), socket_path=path or None)

    def has_session(self, session: str) -> bool:
        """Whether the session exists (exact name)."""
        if not session or "." in session or ":" in session:
            # tmux turns "." and ":" into "_" in session names: no such session exists.
            return False
        return self.run("has-session", "-t", session_target(session)).returncode == 0

    # -- lifecycle --------------------------------------------------------------------

    def server_setup_args(self) -> list[str]:
        """Server options chloe needs, as chained commands ending in ``;``.

        Idempotent (``terminal-overrides`` is set at a fixed index), so it is sent
        with every create at no extra subprocess. Not with an attach: every
        ``set-option`` makes tmux 3.3a redraw every client on the server, and the
        server that holds a session has had them from the chain that created it.
        """
        return [*chain(*tmux_commands.server_setup()), ";"]

    def create_session(self, spec: SessionSpec) -> None:
        """Create a detached session with chloe's options, in one tmux invocation.

        ``spec.log_command``: a shell command that gets the pane's output from its
        first byte (``pipe-pane``, see :mod:`chloe.history`).

        ``history-limit`` only applies to panes created after it is set, so it is
        set globally on chloe's own server just before ``new-session``; the
        per-window ``remain-on-exit`` is chained in the same invocation, which tmux
        runs before it handles the child's exit, so even an instant exit is kept.

        The pane gets this process's environment, not the server's global one,
        which is the environment of whatever started the server, kept for its
        whole life: a secret in the shell that happened to start it would reach
        every later pane (see :func:`.tmux_commands.with_pane_environment`).
        """
        session, cwd, pane_id = spec.session, spec.cwd, spec.pane_id
        self.require()
        self._check_directory(cwd)
        self._start_placed_server()
        new_session = self._with_environment(
            tmux_commands.new_session(
                session, cwd=cwd, command=spec.command, columns=spec.columns, rows=spec.rows
            )
        )
        args = chain(
            *tmux_commands.server_setup(),
            # This may start the server, which copies its global environment from
            # this command's: chloe's, possibly with the user's TMUX/TMUX_PANE.
            *tmux_commands.unset_global_environment(CLIENT_ENV_DROP),
            ["set-option", "-g", "history-limit", str(spec.history_limit)],
            *self._event_hooks(),
            # CHLOE_PANE tells `chloe notify` in the pane which pane it is: global for
            # the instant of new-session (tmux 3.0/3.1 lack new-session -e), then in
            # the session's own environment, which a respawn also gets.
            ["set-environment", "-g", "CHLOE_PANE", pane_id],
            *new_session,
            ["set-environment", "-g", "-u", "CHLOE_PANE"],
            ["set-environment", "-t", tmux_commands.session_target(session), "CHLOE_PANE", pane_id],
            *tmux_commands.session_options(
                session, pane_id=pane_id, name=spec.name, status_line=spec.status_line
            ),
            tmux_commands.pipe_to(session, spec.log_command) if spec.log_command else [],
            tmux_commands.server_identity(),
        )
        with self._changing(f"creating tmux session {session}"):
            proc = self.check(*args, what=f"creating tmux session {session}")
        # The chain may have started the server: remember it (see .tmux_server).
        last = proc.stdout.strip().rpartition("\n")[2].split(" ", 1)
        if len(last) == 2 and last[0].isdigit():
            self._remember(int(last[0]), last[1])

    def _check_directory(self, cwd: str) -> None:
        """Raise PaneStartError if a new pane's directory does not exist (here)."""
        if not os.path.isdir(cwd):
            from chloe.errors import PaneStartError

            raise PaneStartError(f"cannot start pane: directory {cwd} does not exist")

    def _event_hooks(self) -> list[list[str]]:
        """The hooks that record bells and ends in this server's event file."""
        with contextlib.suppress(OSError):
            events.prepare(self.event_path)
        return events.hook_commands(self.event_path)

    def _with_environment(self, new_session: list[str]) -> list[list[str]]:
        """``new-session`` with this process's environment for the pane (see create_session)."""
        commands = [new_session]
        known = self.run(*tmux_commands.ENVIRONMENT_QUERY)
        if known.returncode == 0:
            global_names, restore = tmux_commands.parse_environment_query(known.stdout.splitlines())
            mine = [name for name in os.environ if name not in (*CLIENT_ENV_DROP, "CHLOE_PANE")]
            commands = tmux_commands.with_pane_environment(
                [*mine, *(n for n in global_names if n not in (*CLIENT_ENV_DROP, "CHLOE_PANE"))],
                restore,
                *commands,
            )
        # Else no server runs: the chain starts one with this environment.
        return commands

    def _start_placed_server(self) -> bool:
        """Start the server through the placement's prefix, if it is not running.

        Returns whether it did. On a systemd machine with lingering the prefix is
        ``systemd-run --user --scope``, so the server lives outside the login's
        scope and survives logout (:mod:`chloe.backends.placement`). The server is
        started empty with ``exit-empty off`` so it waits for the session the
        caller creates next. If the prefix fails, the server is started as usual
        by ``new-session`` and :attr:`placement` says what happened.
        """
        if self.placement is None:
            self.placement = placement.decide(placement.probe(), self.socket)
        prefix = self.placement.prefix
        if not prefix and self.placement.problem is None:
            return False  # nothing to place, nothing to warn about: no extra tmux call
        probe = self.run("list-sessions", "-F", "#{session_name}")
        running = probe.returncode == 0 or not tmux_errors.server_down(probe.stderr)
        self.started_server = not running
        if not prefix or running:
            return False
        argv = [*prefix, *self.argv("start-server", ";", "set-option", "-s", "exit-empty", "off")]
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=CMD_TIMEOUT,
                stdin=subprocess.DEVNULL,
                env=pane_environment(drop=CLIENT_ENV_DROP),
                check=False,
            )
            failure = proc.stderr.strip().splitlines()[:1] if proc.returncode else None
        except (OSError, subprocess.TimeoutExpired) as exc:
            failure = [str(exc)]
        if failure is None:
            return True
        self.placement = Placement(
            (),
            None,
            f"{prefix[0]} could not place chloe's tmux server ({' '.join(failure) or 'failed'}); "
            "it was started as a child of this login instead.",
        )
        return False

    def respawn(
        self,
        session: str,
        *,
        cwd: str,
        command: Sequence[str],
        log_command: str | None = None,
    ) -> None:
        """Restart the dead pane of a live session with its command (and its log pipe)."""
        with self._changing(f"restarting {session}"):
            self.check(
                *chain(
                    tmux_commands.respawn_pane(session, cwd=cwd, command=command),
                    tmux_commands.pipe_to(session, log_command, replace=True)
                    if log_command
                    else [],
                ),
                what=f"restarting {session}",
            )

    def start_logging(self, session: str, log_command: str) -> None:
        """Pipe the pane's output into ``log_command`` unless it is piped already."""
        self._check_live(self.run(*tmux_commands.pipe_to(session, log_command)), session, "logging")

    def set_name(self, session: str, name: str) -> None:
        """Store the display name in ``@chloe-name``."""
        with self._changing(f"renaming {session}"):
            self.check(*tmux_commands.set_name(session, name), what=f"renaming {session}")

    def release(self, session: str) -> None:
        """Remove chloe's marks so the session is not adopted back."""
        with self._changing(f"releasing {session}"):
            self.check(*chain(*tmux_commands.release(session)), what=f"releasing {session}")

    def kill(self, session: str) -> bool:
        """Kill the session; False if it was already gone."""
        with self._changing(f"killing {session}"):
            proc = self.run(*tmux_commands.kill_session(session))
        if proc.returncode == 0:
            return True
        if tmux_errors.target_gone(proc.stderr):
            return False
        raise TmuxError(f"killing {session} failed: {proc.stderr.strip()}")

    def send_text(self, session: str, text: str, *, enter: bool) -> None:
        """Type ``text`` literally (``send-keys -l``), then Enter if asked."""
        args = chain(*tmux_commands.send_text(session, text, enter=enter))
        if args:
            with self._changing(f"sending text to {session}"):
                proc = self.run(*args)
            self._check_live(proc, session, "sending text to")

    def capture(self, session: str, *, lines: int | None, escapes: bool) -> str:
        """The pane's screen plus up to ``lines`` of history (None: all of it)."""
        args = tmux_commands.capture_pane(session, lines=lines, escapes=escapes)
        return self._check_live(self.run(*args), session, "capturing").stdout

    def history(self, session: str, lines: int | None = None) -> tuple[bool, str]:
        """Whether the pane's program took the screen or the mouse, and its history
        (the last ``lines``, or all of) and screen with colours, in one invocation."""
        target = pane_target(session)
        start = "-" if lines is None else str(-max(0, lines))
        args = chain(
            ["display-message", "-p", "-t", target, "#{alternate_on}#{mouse_any_flag}"],
            ["capture-pane", "-p", "-e", "-t", target, "-S", start],
        )
        out = self._check_live(self.run(*args), session, "capturing").stdout
        flags, _, text = out.partition("\n")
        return "1" in flags, text

    def _check_live(
        self, proc: subprocess.CompletedProcess[str], session: str, what: str
    ) -> subprocess.CompletedProcess[str]:
        if proc.returncode == 0:
            return proc
        err = proc.stderr.strip()
        if tmux_errors.target_gone(err):
            raise PaneGoneError(f"tmux session {session} is gone")
        raise TmuxError(f"{what} {session} failed: {err}")

    # -- clients ----------------------------------------------------------------------

    def attach_args(self, session: str, *, detach_others: bool = False) -> list[str]:
        """tmux arguments (after ``-L socket``) for a client attached to ``session``.

        Only the attach: the server options (:meth:`server_setup_args`) were set by
        the ``create_session`` chain that made the session on this server, and
        any ``set-option`` here would redraw every other client.
        """
        return tmux_commands.attach_session(session, detach_others=detach_others)

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
        lock = locks.take_temporary(self.client_locks(session))
        try:
            proc = spawn(
                self.client_argv(*self.attach_args(session)),
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
            tuple(self.client_argv(*self.attach_args(session, detach_others=detach_others))),
            self.client_locks(session),
            CLIENT_ENV_DROP,
        )

    def _run_with_input(self, args: list[str], data: bytes) -> subprocess.CompletedProcess[str]:
        """One tmux invocation that reads ``data`` on its stdin (its stderr as text)."""
        self.runner.refuse_while_stuck()
        self._reach_lost_server()
        try:
            proc = subprocess.run(
                self.argv(*args),
                input=data,
                capture_output=True,
                timeout=tmux_runner.CMD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TmuxUnanswered(self.runner.unanswered_text()) from None
        except OSError as exc:
            raise TmuxUnavailableError(f"cannot run tmux: {exc.strerror or exc}") from None
        return subprocess.CompletedProcess(
            proc.args, proc.returncode, "", proc.stderr.decode("utf-8", "replace")
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
            result = self._run_with_input(args, data)
        except TmuxUnanswered as exc:
            raise TmuxUnanswered(
                f"{exc} while sending text to {session}; "
                "the text may still arrive (check with `chloe logs` before trying again)"
            ) from None
        if result.returncode != 0:
            with contextlib.suppress(TmuxError, TmuxUnavailableError):
                self.run("delete-buffer", "-b", buffer)
        self._check_live(result, session, "sending text to")
