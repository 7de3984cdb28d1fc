"""tmux panes on another machine: chloe's tmux backend with ssh in front.

:class:`RemoteTmuxBackend` is :class:`~chloe.backends.tmux.TmuxBackend` with a
different runner: every tmux command and client runs through
:class:`~chloe.backends.ssh.SshTransport` (one shared connection per host)
instead of locally. The commands, the status query and its parser are the
same code; what differs is what only makes sense on this machine:

* **No local checks.** The pane's directory is the host's (tmux starts a pane
  whose directory does not exist there in the remote user's home); the
  server's pid is the host's, so it is not signalled from here (the nudge
  that makes tmux record a missed exit status is a remote ``kill -s CHLD``);
  no systemd placement; no record of the server's socket file.
* **No environment copy.** A remote pane gets the environment of the host's
  tmux server (the ssh login's), not chloe's.
* **No hooks, no continuous log** written by tmux: their files would be on the
  host. ``chloe logs`` of a remote pane reads tmux's history instead.
* **Which clients are chloe's**: a local ``ssh -tt HOST tmux attach`` holds a
  lock file (as a local client does) in a directory per host and session, so a
  session is *attached* when one of those is held.
* **Unreachable is not dead.** ssh's own failure (exit status 255: refused,
  timed out, host key, authentication) makes the snapshot unreachable, with
  the time the host last answered, so its panes are labelled ``unreachable``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chloe import paths
from chloe.backends import locks, tmux_runner
from chloe.backends.placement import Placement
from chloe.backends.ssh import UNREACHABLE_EXIT, SshTransport
from chloe.backends.tmux import TmuxBackend
from chloe.backends.tmux_runner import MIN_VERSION, TmuxUnanswered
from chloe.backends.tmux_status import Snapshot, parse_snapshot
from chloe.config import HostConfig
from chloe.errors import TmuxError, TmuxUnavailableError

CLIENT_SHELL = "/bin/sh"
"""Holds a remote client's lock while its ssh runs (see :meth:`RemoteTmuxBackend.client_argv`)."""

MISSING_EXIT = 127
"""The remote shell's exit status for a program it cannot find."""


class HostUnreachable(TmuxError):
    """ssh could not reach the host (or lost it): its panes may well still run."""


@dataclass(slots=True)
class Output:
    """One remote tmux invocation's result, shaped as libtmux's (see ``CmdOutput``)."""

    cmd: list[str]
    returncode: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def _lines(text: str) -> list[str]:
    out = text.split("\n")
    while out and out[-1] == "":
        out.pop()
    return out


def remote_socket_args(socket: str) -> list[str]:
    """``-S PATH`` for an absolute path, else ``-L NAME``."""
    return ["-S", socket] if socket.startswith("/") else ["-L", socket]


def host_state_path(name: str) -> Path:
    """A file whose mtime says when the host last answered (``<state>/hosts/<name>``)."""
    return paths.state_dir() / "hosts" / name


def _touch(name: str) -> None:
    path = host_state_path(name)
    with contextlib.suppress(OSError):
        paths.ensure_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        os.close(fd)
        os.utime(path)


def last_answered(name: str) -> datetime | None:
    """When the host last answered chloe (None: never, or unknown)."""
    try:
        return datetime.fromtimestamp(os.stat(host_state_path(name)).st_mtime, UTC)
    except OSError:
        return None


class RemoteRunner:
    """Runs tmux commands on one host's tmux through ssh, each within the tmux timeout.

    Satisfies :class:`~chloe.backends.tmux_runner.Runner`.
    """

    def __init__(self, host: HostConfig) -> None:
        self.host = host
        self.socket = host.socket
        self.transport = SshTransport(host)
        self._problem: str | None = None
        self.version: str | None = None
        """The host's ``tmux -V`` once checked (``tmux 3.3a``)."""
        self._lock = threading.Lock()

    @property
    def binary(self) -> str:
        return self.host.tmux

    @property
    def problem(self) -> str | None:
        """Why tmux cannot be used on the host (missing, too old), once found; else None.

        Never asks the host itself: the first command does (:meth:`check_version`).
        """
        return self._problem

    def require(self) -> None:
        if self._problem is not None:
            raise TmuxUnavailableError(self._problem)

    def tmux_words(self, *args: str) -> list[str]:
        """``tmux -u -S PATH ARGS`` (or ``-L NAME``) as the host runs it.

        ``-u``: the output is UTF-8 whatever the ssh login's locale (without a
        UTF-8 ``LANG``, tmux replaces the status answer's tabs and every
        non-ASCII character with ``_``, and a client draws no line characters).
        """
        return [self.host.tmux, "-u", *remote_socket_args(self.host.socket), *args]

    def argv(self, *args: str) -> list[str]:
        """The local command line that runs ``tmux ARGS`` on the host (no terminal)."""
        return self.transport.argv(self.tmux_words(*args))

    def client_argv(self, *args: str) -> list[str]:
        """The local command line of a tmux client on the host, on a remote terminal."""
        return self.transport.argv(self.tmux_words(*args), tty=True)

    def unanswered_text(self) -> str:
        return f"{self.transport.label} did not answer within {tmux_runner.timeout_text()}"

    def refuse_while_stuck(self) -> None:
        """Nothing to refuse: a timed-out ssh is killed, and holds nothing of the host."""

    def shell(self, words: list[str], *, input_bytes: bytes | None = None) -> Output:
        """Run ``words`` on the host (quoted), within the tmux timeout.

        Raises:
            HostUnreachable: ssh could not reach the host.
            TmuxUnanswered: no answer in time (the command may still run there).
        """
        argv = self.transport.argv(words)
        try:
            proc = subprocess.run(
                argv,
                input=input_bytes,
                stdin=None if input_bytes is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=tmux_runner.CMD_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TmuxUnanswered(self.unanswered_text()) from None
        except OSError as exc:
            raise TmuxUnavailableError(
                f"cannot run ssh for {self.transport.label}: {exc.strerror or exc}"
            ) from None
        stdout = proc.stdout.decode("utf-8", "backslashreplace")
        stderr = proc.stderr.decode("utf-8", "backslashreplace")
        if proc.returncode == UNREACHABLE_EXIT:
            reason = next((line for line in stderr.splitlines() if line.strip()), "ssh failed")
            raise HostUnreachable(f"{self.transport.label} cannot be reached: {reason.strip()}")
        return Output(argv, proc.returncode, _lines(stdout), [e for e in _lines(stderr) if e])

    def check_version(self) -> str | None:
        """Ask the host for ``tmux -V`` (once per runner); the problem, or None.

        Raises HostUnreachable when the host cannot be asked (nothing is cached).
        """
        with self._lock:
            if self.version is not None or self._problem is not None:
                return self._problem
            out = self.shell([self.host.tmux, "-V"])
            text = " ".join(out.stdout).strip()
            where = f"on {self.transport.label}"
            if out.returncode == MISSING_EXIT or (out.returncode != 0 and not text):
                detail = out.stderr[0] if out.stderr else f"exit status {out.returncode}"
                self._problem = (
                    f"tmux panes {where} need tmux {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer "
                    f"there, and {self.host.tmux} cannot be run ({detail}): install tmux on "
                    "that host, or set its `tmux` path in config.toml"
                )
                return self._problem
            m = re.search(r"(\d+)\.(\d+)", text)
            if m is not None and (int(m.group(1)), int(m.group(2))) < MIN_VERSION:
                self._problem = (
                    f"tmux panes {where} need tmux {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer, "
                    f"and that host has {text}: install a newer tmux there, or set its "
                    "`tmux` path in config.toml"
                )
                return self._problem
            self.version = text or "tmux (unknown version)"
            return None

    def cmd(self, *args: str) -> Output:
        """One tmux invocation on the host (``;`` arguments chain commands)."""
        problem = self.check_version()
        if problem is not None:
            raise TmuxUnavailableError(problem)
        out = self.shell(self.tmux_words(*args))
        _touch(self.host.name)
        return out


class RemoteTmuxBackend(TmuxBackend):
    """chloe's tmux server on one remote host (see the module docstring).

    Args:
        host: The ``[[hosts]]`` entry.
    """

    def __init__(self, host: HostConfig) -> None:
        super().__init__(host.socket, host.tmux)
        self.host = host
        self.remote = RemoteRunner(host)
        self.runner = self.remote
        self.placement = Placement((), None, f"tmux runs on {host.name}")

    @property
    def transport(self) -> SshTransport:
        return self.remote.transport

    @property
    def client_lock_dir(self) -> Path:
        """Where chloe's local clients of this host hold their locks (one dir per session)."""
        return paths.client_lock_dir(f"@{self.host.name}")

    def client_locks(self, session: str) -> Path:
        return self.client_lock_dir / session.replace("/", "%")

    def client_argv(self, *args: str) -> list[str]:
        """``sh -c '"$@"; exit $?' sh ssh -tt ... tmux attach ...``.

        ssh closes every descriptor it did not open as it starts, so it cannot
        keep the client's lock file (:mod:`chloe.backends.locks`) itself: a
        shell that waits for it does (the command is not its last, so the shell
        does not ``exec`` it). Both are in the pty's process group: hangups
        and window sizes reach ssh as they would directly.
        """
        return [CLIENT_SHELL, "-c", '"$@"; exit $?', "sh", *self.remote.client_argv(*args)]

    # -- what only makes sense on this machine ---------------------------------------

    def _remember(self, pid: int | None, socket_path: str | None) -> None:
        return None

    def _reach_lost_server(self) -> None:
        return None

    def _lost_server(self) -> None:
        return None

    def _check_directory(self, cwd: str) -> None:
        return None

    def _event_hooks(self) -> list[list[str]]:
        return []

    def _with_environment(self, new_session: list[str]) -> list[list[str]]:
        return [new_session]

    def _nudge(self, server_pid: int) -> bool:
        try:
            return self.remote.shell(["kill", "-s", "CHLD", str(server_pid)]).returncode == 0
        except TmuxError:
            return False

    def _run_with_input(self, args: list[str], data: bytes) -> subprocess.CompletedProcess[str]:
        self.require()
        out = self.remote.shell(self.remote.tmux_words(*args), input_bytes=data)
        return subprocess.CompletedProcess(out.cmd, out.returncode, "", "\n".join(out.stderr))

    # -- status -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Every session on the host's server in one ssh invocation; never raises.

        An unreachable host gives an unreachable snapshot whose ``last_seen`` is
        when the host last answered.
        """
        try:
            problem = self.remote.check_version()
        except (TmuxError, TmuxUnavailableError) as exc:
            return Snapshot(
                reachable=False, error=str(exc), last_seen=last_answered(self.host.name)
            )
        if problem is not None:
            return Snapshot(reachable=False, error=problem)
        snap = self._query()
        if snap.missing_statuses and snap.server_pid and self._nudge(snap.server_pid):
            snap = self._query()
        if not snap.reachable:
            return dataclasses.replace(snap, last_seen=last_answered(self.host.name))
        return snap

    def _parse(self, lines: list[str]) -> Snapshot:
        snap = parse_snapshot(lines)
        sessions = {
            name: dataclasses.replace(
                state, attached=bool(locks.held_pids(self.client_locks(name)))
            )
            for name, state in snap.sessions.items()
        }
        return dataclasses.replace(snap, sessions=sessions)

    def version(self) -> str | None:
        """The host's tmux version (asks it once); None while unknown."""
        with contextlib.suppress(TmuxError, TmuxUnavailableError):
            self.remote.check_version()
        return self.remote.version
