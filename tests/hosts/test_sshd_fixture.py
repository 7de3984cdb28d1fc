"""The sshd fixture itself: a real server on loopback, host keys checked, a private tmux."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from tests.hosts.sshd import SshServer

pytestmark = [pytest.mark.ssh, pytest.mark.tmux]


def test_a_command_runs_through_the_server_with_the_test_home(ssh_server: SshServer) -> None:
    proc = ssh_server.ssh(f"echo $HOME; tmux -S {shlex.quote(ssh_server.tmux_socket)} -V")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == str(ssh_server.home)
    assert lines[1].startswith("tmux ")


def test_a_host_key_that_does_not_match_is_refused(ssh_server: SshServer) -> None:
    other = ssh_server.root / "other_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    pub = (ssh_server.root / "other_key.pub").read_text().split()
    ssh_server.known_hosts.write_text(f"[127.0.0.1]:{ssh_server.port} {pub[0]} {pub[1]}\n")
    proc = ssh_server.ssh("echo reached")
    assert proc.returncode == 255
    assert "reached" not in proc.stdout
    assert "host key" in proc.stderr.lower()


def test_stop_ends_the_connections_and_start_listens_again(ssh_server: SshServer) -> None:
    assert ssh_server.ssh("true").returncode == 0
    ssh_server.stop()
    assert ssh_server.ssh("true", timeout=20).returncode == 255
    ssh_server.start()
    assert ssh_server.ssh("echo back").stdout.strip() == "back"
