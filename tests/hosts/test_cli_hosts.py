"""The command line with a remote host: ``--host``, the HOST column, ``chloe hosts``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from chloe.paths import config_path
from tests.hosts.sshd import SshServer
from tests.support.cli import Run
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.ssh, pytest.mark.tmux]


def host_block(server: SshServer, name: str | None = None) -> str:
    options = ", ".join(json.dumps(o) for o in server.ssh_options)
    return (
        f'[[hosts]]\nname = "{name or server.alias}"\nssh = "{server.alias}"\n'
        f"socket = {json.dumps(server.tmux_socket)}\nssh_options = [{options}]\n\n"
    )


def write_config(*servers: SshServer) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(host_block(s) for s in servers))


def rows(out: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in out.splitlines()[1:]}


def test_new_ls_send_logs_kill_on_a_host(chloe: Run, ssh_server: SshServer, tmp_path: Path) -> None:
    write_config(ssh_server)
    assert chloe("new", "--host", "h1", "--name", "job", "--no-wait", "--", "sh") == (
        0,
        "job\n",
        "",
    )
    assert chloe("new", "--name", "here", "--no-wait", "--", "sleep", "300")[0] == 0
    code, out, err = chloe("ls")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split()[:3] == ["NAME", "HOST", "KIND"]
    table = rows(out)
    assert table["job"][1:4] == ["h1", "tmux", "detached"]
    assert table["job"][4:6] == ["sh", "~"]  # the host's home: no directory was given
    assert table["here"][1:4] == ["local", "tmux", "detached"]
    code, out, _ = chloe("ls", "--host", "h1")
    assert list(rows(out)) == ["job"]
    code, out, _ = chloe("ls", "--json")
    assert {p["name"]: p["host"] for p in json.loads(out)} == {"job": "h1", "here": "local"}

    assert chloe("send", "job", "echo HI$((6*7)) 'a;b'", "--enter") == (0, "", "")
    wait_until(lambda: "HI42 a;b" in chloe("logs", "job")[1], message="the host's history")
    code, out, err = chloe("logs", "--all", "job")
    assert code == 0 and "HI42 a;b" in out
    assert "runs on h1, whose tmux keeps its history" in err
    code, out, err = chloe("logs", "-f", "job")
    assert code == 1 and "there is no log here to follow" in err

    assert chloe("kill", "job")[0] == 0
    assert rows(chloe("ls")[1])["job"][3] == "dead"


def test_a_command_that_fails_at_once_on_a_host_is_reported(
    chloe: Run, ssh_server: SshServer
) -> None:
    write_config(ssh_server)
    code, out, err = chloe(
        "new", "--host", "h1", "--name", "bad", "--", "sh", "-c", "echo oops; exit 5"
    )
    assert (code, out) == (1, "bad\n")
    assert "'bad' ended at once (exit 5)" in err and "oops" in err


def test_hosts_lists_reachability_and_tmux_and_fails_when_one_is_down(
    chloe: Run, ssh_servers: Callable[[str], SshServer]
) -> None:
    one, two = ssh_servers("h1"), ssh_servers("h2")
    write_config(one, two)
    assert chloe("new", "--host", "h2", "--name", "far", "--no-wait", "--", "sleep", "300")[0] == 0
    code, out, err = chloe("hosts")
    assert (code, err) == (0, "")
    table = rows(out)
    assert out.splitlines()[0].split() == ["HOST", "SSH", "STATUS", "TMUX", "PANES"]
    assert table["local"][2:4] == ["reachable", "tmux"]
    assert table["h1"][1:4] == ["h1", "reachable", "tmux"] and table["h1"][-1] == "0"
    assert table["h2"][-1] == "1"

    two.stop()
    code, out, err = chloe("hosts")
    assert code == 1
    assert rows(out)["h2"][2] == "unreachable"
    assert rows(out)["h1"][2] == "reachable"
    assert "chloe: h2: host 'h2' (ssh h2) cannot be reached: " in err
    code, out, err = chloe("ls")
    assert code == 0 and rows(out)["far"][3] == "unreachable"
    assert "cannot be reached" in err
    data = json.loads(chloe("hosts", "--json")[1])
    assert [(h["name"], h["reachable"]) for h in data] == [
        ("local", True),
        ("h1", True),
        ("h2", False),
    ]


def test_an_unknown_host_or_a_relative_directory_is_one_line(
    chloe: Run, ssh_server: SshServer
) -> None:
    write_config(ssh_server)
    code, out, err = chloe("new", "--host", "gpu", "--", "sh")
    assert (code, out) == (1, "")
    assert err == (
        "chloe: no host 'gpu' in config.toml (hosts: local, h1); "
        "add a [[hosts]] entry for it (see docs/hosts.md)\n"
    )
    code, out, err = chloe("new", "--host", "h1", "--cwd", "src", "--", "sh")
    assert code == 1 and "give an absolute directory (or ~ for its home)" in err
    assert chloe("ls", "--host", "gpu")[0] == 1
