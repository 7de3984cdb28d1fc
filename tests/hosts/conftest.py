"""Fixtures for the hosts tests: real sshd servers on loopback (see :mod:`sshd`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    # --import-mode=importlib does not put the rootdir on sys.path by itself.
    sys.path.insert(0, _ROOT)

from tests.hosts.sshd import SshServer, missing  # noqa: E402


@pytest.fixture
def ssh_servers(tmp_path: Path) -> Iterator[Callable[[str], SshServer]]:
    """Start sshd servers on loopback: ``make("h1")`` returns a running one.

    Each has its own keys, configs, port and remote tmux socket under
    ``tmp_path/<alias>``; all are stopped (with their connections and their
    tmux servers) at teardown.
    """
    problem = missing()
    if problem is not None:
        pytest.fail(f"the hosts tests need OpenSSH: {problem}")
    made: list[SshServer] = []

    def make(alias: str = "h1") -> SshServer:
        server = SshServer(tmp_path / alias, alias)
        made.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in made:
            server.close()


@pytest.fixture
def ssh_server(ssh_servers: Callable[[str], SshServer]) -> SshServer:
    """One running sshd on loopback."""
    return ssh_servers("h1")
