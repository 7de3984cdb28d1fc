"""A real OpenSSH server on loopback for the hosts tests, and an ssh client set up for it.

:class:`SshServer` generates, under a directory of the test's own, a host key,
a user key, an ``authorized_keys`` file, an ``sshd_config`` (127.0.0.1 only, a
free port, keys only, ``StrictModes no``) and an ``ssh_config`` for the client
(``-F``): the alias, the user key, ``UserKnownHostsFile`` seeded with the host
key, and ``StrictHostKeyChecking yes``, so the client checks the host key as a
user's would. The "remote" machine is this one: its sessions get ``HOME`` and
``TMUX_TMPDIR`` inside the test's directory (``SetEnv``), and chloe reaches its
tmux only through an explicit socket path (:attr:`SshServer.tmux_socket`).

:meth:`SshServer.stop` ends the listener and every process it forked (the
connections), which is what a host that drops off the network looks like to
the client: its master connection ends. :meth:`SshServer.start` again listens
on the same port with the same host key.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

from tests.support.waiting import wait_until

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
SSH = shutil.which("ssh")
SSH_KEYGEN = shutil.which("ssh-keygen")
REAL_TMUX = shutil.which("tmux")

PRIVSEP_DIR = Path("/run/sshd")
"""sshd refuses to start without its privilege separation directory."""

START_TIMEOUT = 10.0


def missing() -> str | None:
    """What is missing to run an sshd here, or None."""
    for name, path in (("sshd", SSHD), ("ssh", SSH), ("ssh-keygen", SSH_KEYGEN)):
        if path is None:
            return f"{name} is not installed (apt-get install openssh-server openssh-client)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...)."""
    tree = _children()
    out: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo += tree.get(p, [])
    return out


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    def listening() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_until(
        listening,
        START_TIMEOUT,
        0.02,
        f"sshd to listen on port {port}",
        show=lambda: log.read_text()[-2000:],
    )


class SshServer:
    """One sshd on 127.0.0.1 with its keys, configs and a tmux socket path, under ``root``.

    Args:
        root: A directory of the test's own (created).
        alias: The ``Host`` name the generated ``ssh_config`` gives it.
    """

    def __init__(self, root: Path, alias: str = "testhost") -> None:
        problem = missing()
        if problem is not None:
            raise RuntimeError(problem)
        assert SSHD is not None and SSH_KEYGEN is not None
        self.root = root
        self.alias = alias
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        self.home = root / "home"
        self.home.mkdir(exist_ok=True)
        self.host_key = root / "host_key"
        self.user_key = root / "user_key"
        for key in (self.host_key, self.user_key):
            subprocess.run(
                [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "chloe-test", "-f", str(key)],
                check=True,
                capture_output=True,
                timeout=30,
            )
        self.authorized_keys = root / "authorized_keys"
        self.authorized_keys.write_text((root / "user_key.pub").read_text())
        self.port = free_port()
        self.tmux_socket = str(root / "tmux.sock")
        """The remote tmux server's socket (``tmux -S``): never a default server."""
        self.sshd_config = root / "sshd_config"
        self.ssh_config = root / "ssh_config"
        self.known_hosts = root / "known_hosts"
        self.log = root / "sshd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._write_configs()

    def _write_configs(self) -> None:
        self.sshd_config.write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {self.host_key}\n"
            "PidFile none\n"
            f"AuthorizedKeysFile {self.authorized_keys}\n"
            "StrictModes no\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "PermitRootLogin prohibit-password\n"
            "MaxSessions 100\n"
            "MaxStartups 100\n"
            # The remote side's per-user files stay inside the test's directory.
            f"SetEnv HOME={self.home} TMUX_TMPDIR={self.root}\n"
        )
        host_pub = (self.root / "host_key.pub").read_text().split()
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        self.ssh_config.write_text(
            f"Host {self.alias}\n"
            "  HostName 127.0.0.1\n"
            f"  Port {self.port}\n"
            f"  User {getpass.getuser()}\n"
            f"  IdentityFile {self.user_key}\n"
            "  IdentitiesOnly yes\n"
            "  IdentityAgent none\n"
            f"  UserKnownHostsFile {self.known_hosts}\n"
            "  GlobalKnownHostsFile /dev/null\n"
            "  StrictHostKeyChecking yes\n"
            "  LogLevel ERROR\n"
        )

    @property
    def ssh_options(self) -> tuple[str, ...]:
        """What the client needs on its command line for this server (``-F <ssh_config>``)."""
        return ("-F", str(self.ssh_config))

    def ssh(self, command: str, *, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on the server through a plain ssh (no connection sharing)."""
        assert SSH is not None
        return subprocess.run(
            [SSH, *self.ssh_options, "-o", "BatchMode=yes", self.alias, "--", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start listening (on the same port as before, if started before)."""
        assert SSHD is not None
        if self.running:
            return
        if not PRIVSEP_DIR.is_dir():
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.sshd_config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        _wait_port(self.port, self.proc, self.log)

    def stop(self) -> None:
        """End the listener and every connection it serves (the host is gone)."""
        proc = self.proc
        if proc is None:
            return
        below = descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        for pid in below:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)
        self.proc = None

    def kill_tmux(self) -> None:
        """End the remote tmux server (only the one on this server's socket)."""
        if REAL_TMUX is None or not os.path.exists(self.tmux_socket):
            return
        subprocess.run(
            [REAL_TMUX, "-S", self.tmux_socket, "kill-server"],
            capture_output=True,
            timeout=10,
            check=False,
        )

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Ask the remote tmux directly (same machine), for checks behind chloe's back."""
        assert REAL_TMUX is not None
        return subprocess.run(
            [REAL_TMUX, "-S", self.tmux_socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    def close(self) -> None:
        self.stop()
        self.kill_tmux()
