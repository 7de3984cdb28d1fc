"""How chloe calls ssh: destinations, options, the control socket's place, quoting."""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

import pytest

from chloe.backends.remote import RemoteRunner
from chloe.backends.ssh import SshTransport, control_dir, split_destination
from chloe.config import HostConfig


@pytest.mark.parametrize(
    ("ssh", "expected"),
    [
        ("gpu", ("gpu", None)),
        ("me@gpu", ("me@gpu", None)),
        ("me@gpu.example:2222", ("me@gpu.example", "2222")),
        ("10.0.0.7:22", ("10.0.0.7", "22")),
        ("me@[::1]:2200", ("me@::1", "2200")),
        ("::1", ("::1", None)),
    ],
)
def test_destinations_with_a_port_become_ssh_words(
    ssh: str, expected: tuple[str, str | None]
) -> None:
    assert split_destination(ssh) == expected


def test_the_command_line_shares_one_connection_and_never_weakens_checks() -> None:
    host = HostConfig("gpu", "me@gpu:2222", ssh_options=("-F", "/etc/x"))
    argv = SshTransport(host).argv(["tmux", "ls"])
    text = " ".join(argv)
    assert argv[1:3] == ["-F", "/etc/x"]  # the entry's own options come first and win
    assert "ControlMaster=auto" in text and "ControlPersist=" in text
    assert "BatchMode=yes" in text and "ConnectTimeout=" in text
    assert "StrictHostKeyChecking" not in text and "UserKnownHostsFile" not in text
    assert argv[-4:] == ["-T", "--", "me@gpu", "tmux ls"]
    assert argv[argv.index("-p") + 1] == "2222"


def test_hostile_words_reach_the_remote_shell_as_one_word_each() -> None:
    runner = RemoteRunner(HostConfig("gpu", "gpu", socket="/tmp/my sock"))
    hostile = "$(touch pwned); `id` 'q\" \\ \t\n"
    remote_command = runner.argv("new-session", "-s", hostile)[-1]
    # What the remote shell makes of it: exactly the words chloe meant.
    assert shlex.split(remote_command) == [
        "tmux", "-u", "-S", "/tmp/my sock", "new-session", "-s", hostile,
    ]  # fmt: skip


def test_the_control_sockets_are_private_and_short_enough(tmp_path: Path) -> None:
    directory = control_dir()
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    path = SshTransport(HostConfig("gpu", "gpu")).control_path()
    assert path.parent == directory
    assert len(str(path)) + 17 <= 107  # ssh binds a longer temporary name first


def test_a_deep_state_directory_falls_back_to_a_private_one_under_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 40)
    monkeypatch.setenv("XDG_STATE_HOME", str(deep))
    made: list[Path] = []
    try:
        made.append(control_dir())
        assert str(made[0]).startswith(f"/tmp/chloe-ssh-{os.getuid()}/")
        assert stat.S_IMODE(os.stat(made[0]).st_mode) == 0o700
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / ("f" * 100)))
        made.append(control_dir())
        assert made[1] != made[0]  # one per state directory
    finally:
        for directory in made:
            directory.rmdir()  # this test's own, empty
