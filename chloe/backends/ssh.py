"""Reaching another machine: ``ssh`` with one shared connection per host.

chloe runs nothing of its own on a remote host: every tmux command is one
``ssh HOST -- 'tmux -L chloe ...'`` over OpenSSH connection sharing
(``ControlMaster=auto``, ``ControlPersist``), so after the first call each
command (a status tick, an attach) rides the existing connection: no new TCP
connection, no new authentication. The control sockets live in a directory of
chloe's own (mode 0700).

chloe never weakens ssh: the user's ``~/.ssh/config``, agent and known hosts
apply, host keys are checked as ssh checks them. ``BatchMode=yes`` makes a
command that would need a password or a host-key answer fail at once instead
of waiting for input nobody can give (the TUI owns the terminal). Every
argument reaches the remote shell quoted (:func:`shlex.quote`), so no pane
name, directory or command can run shell code there.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from chloe import paths
from chloe.config import HostConfig

CONNECT_TIMEOUT = 5
"""Seconds ssh waits for a host to accept the TCP connection."""

CONTROL_PERSIST = 600
"""Seconds an idle shared connection stays open after its last use."""

SERVER_ALIVE_INTERVAL = 5
SERVER_ALIVE_COUNT = 2
"""A connection whose host stops answering is given up after about 10 s."""

UNREACHABLE_EXIT = 255
"""ssh's own exit status when it could not connect (or lost the connection)."""

_SOCKET_PATH_MAX = 100
"""Longest control path used (Linux allows 107 bytes; ssh adds a suffix while it binds)."""
_BIND_SUFFIX = 17

_HOST_PORT = re.compile(r"^(?P<host>(?:[^@:\[\]]+@)?(?:[^:@\[\]]+|\[[^\]]+\])):(?P<port>\d{1,5})$")


def split_destination(ssh: str) -> tuple[str, str | None]:
    """``user@host:port`` as (``user@host``, ``port``); anything else as it is.

    An IPv6 address goes in brackets (``me@[::1]:2222``).
    """
    m = _HOST_PORT.match(ssh)
    if m is None:
        return ssh, None
    host = m.group("host")
    if "[" in host:
        host = host.replace("[", "").replace("]", "")
    return host, m.group("port")


def ssh_binary() -> str:
    """The ssh client (``ssh`` on ``$PATH``, or the name for a clear error later)."""
    return shutil.which("ssh") or "ssh"


def control_dir() -> Path:
    """Where the shared connections' sockets live: ``<state>/ssh``, private.

    A socket path is limited to about 100 bytes; when the state directory is
    deeper than that allows, a private directory under ``/tmp`` named after it
    is used instead.
    """
    preferred = paths.state_dir() / "ssh"
    if len(str(preferred)) + 1 + 12 + _BIND_SUFFIX <= _SOCKET_PATH_MAX:
        return paths.ensure_private_dir(preferred)
    tag = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    return paths.ensure_private_dir(Path("/tmp") / f"chloe-ssh-{os.getuid()}" / tag)


@dataclass(frozen=True, slots=True)
class SshTransport:
    """How chloe runs a command on one host.

    Attributes:
        host: The ``[[hosts]]`` entry.
    """

    host: HostConfig

    @property
    def label(self) -> str:
        """How the host is named in messages: ``host 'gpu' (ssh me@gpu)``."""
        return f"host {self.host.name!r} (ssh {self.host.ssh})"

    def control_path(self) -> Path:
        """The shared connection's socket for this host (one per name and destination)."""
        key = "\0".join((self.host.name, self.host.ssh, *self.host.ssh_options))
        return control_dir() / hashlib.sha256(key.encode()).hexdigest()[:12]

    def options(self) -> list[str]:
        """ssh's options: the entry's own first (ssh keeps the first value it gets)."""
        control = str(self.control_path()).replace("%", "%%")
        _dest, port = split_destination(self.host.ssh)
        return [
            *self.host.ssh_options,
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={control}",
            "-o", f"ControlPersist={CONTROL_PERSIST}",
            "-o", "BatchMode=yes",
            "-o", f"ConnectTimeout={CONNECT_TIMEOUT}",
            "-o", f"ServerAliveInterval={SERVER_ALIVE_INTERVAL}",
            "-o", f"ServerAliveCountMax={SERVER_ALIVE_COUNT}",
            *(["-p", port] if port else []),
        ]  # fmt: skip

    def argv(self, command: list[str], *, tty: bool = False) -> list[str]:
        """``ssh ... -- DEST 'QUOTED COMMAND'``: ``command`` runs on the host as these words.

        ``tty``: a terminal on the remote side (``-tt``), for a tmux client.
        """
        dest, _port = split_destination(self.host.ssh)
        return [
            ssh_binary(),
            *self.options(),
            "-tt" if tty else "-T",
            "--",
            dest,
            shlex.join(command),
        ]

    def stop_master(self) -> None:
        """Close the shared connection (``ssh -O exit``); nothing if there is none."""
        dest, _port = split_destination(self.host.ssh)
        try:
            subprocess.run(
                [ssh_binary(), *self.options(), "-O", "exit", "--", dest],
                capture_output=True,
                timeout=CONNECT_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            pass
