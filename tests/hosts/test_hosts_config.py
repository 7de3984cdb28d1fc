"""``[[hosts]]`` in config.toml, and a pane's host in panes.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.config import HostConfig, load_config
from chloe.errors import ConfigError
from chloe.model import LOCAL_HOST, Kind, PaneRecord
from chloe.store import Store


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_hosts_are_read_with_their_defaults(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path / "c.toml",
            '[[hosts]]\nname = "gpu"\nssh = "me@gpu.example:2222"\n\n'
            '[[hosts]]\nname = "dev-vm"\nssh = "devvm"\ntmux = "/opt/bin/tmux"\n'
            'socket = "/tmp/chloe.sock"\nssh_options = ["-F", "/etc/chloe_ssh"]\n',
        ),
        env={},
    )
    assert cfg.hosts == (
        HostConfig("gpu", "me@gpu.example:2222"),
        HostConfig("dev-vm", "devvm", "/opt/bin/tmux", "/tmp/chloe.sock", ("-F", "/etc/chloe_ssh")),
    )
    assert cfg.host("gpu") is cfg.hosts[0]
    assert cfg.host(LOCAL_HOST) is None


def test_no_hosts_by_default(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml", env={}).hosts == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('hosts = "gpu"', "'hosts' should be an array of tables"),
        ('[[hosts]]\nssh = "gpu"', "hosts entry 1: missing 'name'"),
        ('[[hosts]]\nname = "gpu"', "hosts 'gpu': missing 'ssh'"),
        ('[[hosts]]\nname = "local"\nssh = "x"', "'local' is this machine"),
        ('[[hosts]]\nname = "a b"\nssh = "x"', "a host name is 1 to 32 ASCII letters"),
        ('[[hosts]]\nname = "../x"\nssh = "x"', "a host name is"),
        ('[[hosts]]\nname = "a"\nssh = "x"\n[[hosts]]\nname = "a"\nssh = "y"', "used by two"),
        (
            '[[hosts]]\nname = "a"\nssh = "-oProxyCommand=evil"',
            "'ssh' should be an ssh destination",
        ),
        ('[[hosts]]\nname = "a"\nssh = "me@host; rm -rf ~"', "'ssh' should be"),
        ('[[hosts]]\nname = "a"\nssh = ""', "'ssh' should be"),
        ('[[hosts]]\nname = "a"\nssh = "x"\ntmux = ""', "'tmux' should be"),
        ('[[hosts]]\nname = "a"\nssh = "x"\nsocket = "a/b"', "'socket' should be"),
        ('[[hosts]]\nname = "a"\nssh = "x"\nssh_options = "-F x"', "'ssh_options' should be"),
        ('[[hosts]]\nname = "a"\nssh = "x"\nport = 22', "unknown key 'port'"),
    ],
)
def test_bad_host_entries_are_one_clear_line(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path / "c.toml", text + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert words in message
    assert str(path) in message and "\n" not in message


def test_a_pane_list_without_remote_panes_keeps_its_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "panes.toml"
    local = PaneRecord.new("here", Kind.TMUX, "/tmp")
    Store(path).save([local])
    assert path.read_text().startswith("schema = 1\n")
    assert "host" not in path.read_text()
    assert Store(path).load()[0].host == LOCAL_HOST


def test_a_remote_pane_is_stored_with_its_host_in_schema_3(tmp_path: Path) -> None:
    path = tmp_path / "panes.toml"
    local = PaneRecord.new("here", Kind.TMUX, "/tmp")
    remote = PaneRecord.new("train", Kind.TMUX, "/srv", ["python", "train.py"], host="gpu")
    Store(path).save([local, remote])
    text = path.read_text()
    assert text.startswith("schema = 3\n")
    assert 'host = "gpu"' in text
    assert Store(path).load() == [local, remote]
    assert Store(path).load()[1].remote


def test_a_bad_host_in_the_pane_list_is_refused_like_any_bad_record(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="host name"):
        PaneRecord.new("x", Kind.TMUX, "/tmp", host="../etc")
    with pytest.raises(ValueError, match="direct pane runs on this machine"):
        PaneRecord.new("x", Kind.DIRECT, "/tmp", host="gpu")


def test_the_docs_example_is_a_valid_config(tmp_path: Path) -> None:
    import re

    doc = Path(__file__).resolve().parents[2] / "docs" / "hosts.md"
    blocks = re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    cfg = load_config(write(tmp_path / "c.toml", blocks[0]), env={})
    assert [h.name for h in cfg.hosts] == ["gpu", "sandbox"]
    assert cfg.hosts[1].ssh_options == ("-o", "ProxyJump=bastion")


@pytest.mark.tmux
def test_a_pane_on_a_host_no_longer_configured_is_unreachable_and_kept(
    tmp_path: Path, tmux_socket: str
) -> None:
    from chloe.errors import UnknownHostError
    from chloe.model import Status
    from chloe.service import PaneService

    store = Store(tmp_path / "panes.toml")
    store.add(PaneRecord.new("far", Kind.TMUX, "/srv", ["sleep", "1"], host="gone"))
    before = (tmp_path / "panes.toml").read_bytes()
    service = PaneService(store, load_config(tmp_path / "none.toml"))
    [info] = service.panes()
    assert info.status is Status.UNREACHABLE
    assert "no host 'gone' in config.toml" in (service.host_snapshots["gone"].error or "")
    assert (tmp_path / "panes.toml").read_bytes() == before
    with pytest.raises(UnknownHostError, match="add a \\[\\[hosts\\]\\] entry"):
        service.kill("far")
