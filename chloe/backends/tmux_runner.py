"""Running tmux commands against chloe's server: libtmux, a timeout, and ``/proc`` kills.

chloe talks to its tmux server through libtmux: :attr:`TmuxRunner.server` is a
``libtmux.Server`` for chloe's socket, and every command is one
``Server.cmd`` call, i.e. one ``tmux -L<socket> ...`` process. Commands are
chained by passing ``;`` as an argument of its own, which tmux reads as a
command separator.

What libtmux's runner does not do, and how chloe makes up for it:

* **Timeout.** ``Server.cmd`` waits for tmux forever, and a wedged (say
  SIGSTOPped) server never answers. Each call therefore runs on a short-lived
  daemon thread that chloe waits on for at most :data:`CMD_TIMEOUT` seconds
  before raising :class:`~chloe.errors.TmuxError` ("did not answer"). libtmux
  hands back nothing of the tmux process until it returns, so chloe finds it
  in ``/proc`` (its own child with exactly those arguments) and kills it;
  without ``/proc`` (macOS) it stays until the server answers or dies. Either
  way libtmux's thread stays blocked until then, reading the output pipes
  whose write ends the tmux client passed to the server, so while it is,
  every further command to that server fails at once instead of piling up
  threads and processes.
* **stdin.** libtmux leaves tmux chloe's stdin (the TUI's terminal). A command
  client neither reads it nor changes its mode or flags (checked with tmux
  3.3a on a raw pty), and such a client is never listed by ``list-clients``.
* **Output.** libtmux decodes it as UTF-8 with ``backslashreplace`` and drops
  trailing empty lines (a capture loses its blank bottom rows).

libtmux is imported with this module, not on first use: it reads
``sys.stdout.encoding`` as it is imported, which fails once Textual has put its
own ``sys.stdout`` in place.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from libtmux import exc as tmux_exc
from libtmux.common import get_version_str, tmux_cmd
from libtmux.server import Server

from chloe.errors import TmuxError, TmuxUnavailableError

_T = TypeVar("_T")

MIN_VERSION = (3, 0)
"""Oldest tmux chloe supports (argv commands, ``-x``/``-y`` on new-session, arrays)."""

INSTALL_HINT = (
    "install it with `apt-get install tmux` (Debian/Ubuntu) or `brew install tmux` (macOS)"
)

CMD_TIMEOUT = 10.0
"""Seconds before a tmux command is given up on (a wedged server must not hang chloe)."""


class TmuxUnanswered(TmuxError):
    """tmux did not answer a command in time; the server may still carry it out."""


def tmux_binary() -> str | None:
    """The tmux on ``$PATH``, or None."""
    return shutil.which("tmux")


class Unanswered(Exception):
    """A tmux command did not return within :data:`CMD_TIMEOUT`.

    Attributes:
        worker: The thread still waiting for it (until the server answers or exits).
    """

    def __init__(self, worker: threading.Thread) -> None:
        super().__init__(worker.name)
        self.worker = worker


def kill_own_child(argv: Sequence[str]) -> bool:
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


def within_timeout(fn: Callable[[], _T], argv: Sequence[str]) -> _T:
    """``fn()`` (which runs ``argv``), given up on after :data:`CMD_TIMEOUT` seconds.

    libtmux has no timeout, so ``fn`` runs on a daemon thread (it never keeps
    chloe from exiting); if it has not returned in time, the process running
    ``argv`` is killed where it can be found (see :func:`kill_own_child`). The
    thread itself returns only once the server lets go of the output pipes
    (it holds the write ends the client passed it): when it answers or exits.

    Raises:
        Unanswered: ``fn`` did not return in time.
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
        kill_own_child(argv)
        raise Unanswered(worker)
    if error:
        raise error[0]
    return result[0]


def timeout_text() -> str:
    """:data:`CMD_TIMEOUT` as a user reads it (``10s``)."""
    return f"{CMD_TIMEOUT:g}s"


def output_text(lines: Sequence[str]) -> str:
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
        token = within_timeout(lambda: get_version_str(tmux_bin=binary), [binary, "-V"])
    except Unanswered:
        return (
            f"tmux panes need tmux, and {binary} -V did not answer within {timeout_text()}: "
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


class CmdOutput(Protocol):
    """What one tmux invocation gave back (libtmux's ``tmux_cmd`` has this shape)."""

    @property
    def cmd(self) -> list[str]: ...

    @property
    def returncode(self) -> int: ...

    @property
    def stdout(self) -> list[str]:
        """Output lines, trailing empty ones dropped."""
        ...

    @property
    def stderr(self) -> list[str]:
        """Error lines, empty ones dropped."""
        ...


class Runner(Protocol):
    """Runs tmux commands against one server: :class:`TmuxRunner` (here) or a remote one."""

    socket: str

    @property
    def binary(self) -> str: ...

    @property
    def problem(self) -> str | None: ...

    def require(self) -> None: ...

    def argv(self, *args: str) -> list[str]: ...

    def unanswered_text(self) -> str: ...

    def refuse_while_stuck(self) -> None: ...

    def cmd(self, *args: str) -> CmdOutput: ...


class TmuxRunner:
    """Runs tmux commands on one socket, each within :data:`CMD_TIMEOUT`.

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

    def unanswered_text(self) -> str:
        """What chloe says when the server did not answer in time."""
        return f"tmux server {self.socket!r} did not answer within {timeout_text()}"

    def refuse_while_stuck(self) -> None:
        """Raise TmuxError while an earlier command still waits for the server.

        Such a command holds the server's output pipes (see the module docstring);
        another one would only wait as long, and pile up.
        """
        stuck = self._stuck
        if stuck is not None:
            if stuck.is_alive():
                raise TmuxError(
                    f"{self.unanswered_text()} (an earlier command still waits for it); "
                    "nothing was sent"
                )
            self._stuck = None

    def call(self, fn: Callable[[Server], _T], *args: str) -> _T:
        """``fn(server)``, which runs the tmux command ``args``, within :data:`CMD_TIMEOUT`.

        Raises:
            TmuxUnanswered: tmux did not answer in time (the command was sent).
            TmuxError: an earlier command to this server still has not answered,
                so this one was not sent (see the module docstring).
            TmuxUnavailableError: tmux cannot be run.
        """
        server = self.server
        self.refuse_while_stuck()
        # What libtmux's Server.cmd runs, to find the process if it hangs.
        argv = [self.binary, f"-L{self.socket}", *args]
        try:
            return within_timeout(lambda: fn(server), argv)
        except Unanswered as exc:
            self._stuck = exc.worker
            raise TmuxUnanswered(self.unanswered_text()) from None
        except tmux_exc.TmuxCommandNotFound:
            raise TmuxUnavailableError(f"cannot run tmux: {self.binary} not found") from None
        except OSError as exc:
            raise TmuxUnavailableError(f"cannot run tmux: {exc.strerror or exc}") from None

    def cmd(self, *args: str) -> tmux_cmd:
        """One tmux invocation through libtmux (``;`` arguments chain commands)."""
        return self.call(lambda server: server.cmd(*args), *args)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one tmux invocation (``;`` arguments chain commands); never raises on rc."""
        return completed(self.cmd(*args))

    def check(self, *args: str, what: str) -> subprocess.CompletedProcess[str]:
        """Run and raise :class:`TmuxError` (``what`` failed: tmux's words) on failure."""
        return raise_for(self.run(*args), what)


def completed(out: CmdOutput) -> subprocess.CompletedProcess[str]:
    """libtmux's result as a ``CompletedProcess`` with text output."""
    return subprocess.CompletedProcess(
        out.cmd, out.returncode, output_text(out.stdout), output_text(out.stderr)
    )


def raise_for(
    proc: subprocess.CompletedProcess[str], what: str
) -> subprocess.CompletedProcess[str]:
    """``proc``, or :class:`TmuxError` (``what`` failed: tmux's first line) if it failed."""
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        reason = lines[0] if lines else f"tmux exited {proc.returncode}"
        raise TmuxError(f"{what} failed: {reason}")
    return proc
