"""config.toml: defaults, every key, the socket override, clear errors."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from chloe.config import (
    BINDING_IDS,
    BINDINGS,
    DEFAULT_SCROLLBACK,
    MAX_SCROLLBACK,
    SOCKET_ENV,
    Config,
    load_config,
)
from chloe.errors import ConfigError
from chloe.paths import config_path
from chloe.store import parse


@pytest.fixture
def cfg_file() -> Path:
    """The real config location (inside tmp_path, via XDG_CONFIG_HOME)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_every_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    monkeypatch.delenv(SOCKET_ENV)
    assert not config_path().exists()
    cfg = load_config()
    assert cfg == Config(
        leave_key="ctrl+q",
        shell="/usr/bin/fish",
        tmux_socket="chloe",
        scrollback_lines=10_000,
        tmux_status_line=False,
        keymap={},
    )
    assert DEFAULT_SCROLLBACK == 10_000


@pytest.mark.parametrize("shell", [None, ""])
def test_shell_falls_back_to_bin_sh(monkeypatch: pytest.MonkeyPatch, shell: str | None) -> None:
    if shell is None:
        monkeypatch.delenv("SHELL", raising=False)
    else:
        monkeypatch.setenv("SHELL", shell)
    assert load_config().shell == "/bin/sh"


def test_empty_file_gives_defaults(cfg_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SOCKET_ENV)
    monkeypatch.setenv("SHELL", "/bin/zsh")
    write(cfg_file, "# nothing set\n")
    cfg = load_config()
    assert (cfg.leave_key, cfg.shell, cfg.tmux_socket) == ("ctrl+q", "/bin/zsh", "chloe")


def test_every_key_is_read(cfg_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SOCKET_ENV)
    monkeypatch.setenv("SHELL", "/bin/zsh")
    write(
        cfg_file,
        """
leave_key = "ctrl+b"
shell = "/usr/local/bin/bash"
tmux_socket = "work"
scrollback_lines = 50000
tmux_status_line = true

[keymap]
new_direct = "n"
cursor_down = "j,down,ctrl+n"
quit = "ctrl+c"
""",
    )
    cfg = load_config()
    assert cfg.leave_key == "ctrl+b"
    assert cfg.shell == "/usr/local/bin/bash"
    assert cfg.tmux_socket == "work"
    assert cfg.scrollback_lines == 50000
    assert cfg.tmux_status_line is True
    assert dict(cfg.keymap) == {"new_direct": "n", "cursor_down": "j,down,ctrl+n", "quit": "ctrl+c"}


def test_explicit_path_and_env_arguments(tmp_path: Path) -> None:
    path = write(tmp_path / "other.toml", 'tmux_socket = "from-file"\n')
    cfg = load_config(path, env={"SHELL": "/bin/ksh"})
    assert (cfg.tmux_socket, cfg.shell) == ("from-file", "/bin/ksh")


@pytest.mark.parametrize("lines", [0, 1, MAX_SCROLLBACK])
def test_scrollback_bounds_are_inclusive(cfg_file: Path, lines: int) -> None:
    write(cfg_file, f"scrollback_lines = {lines}\n")
    assert load_config().scrollback_lines == lines


def test_socket_env_overrides_the_file(cfg_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(cfg_file, 'tmux_socket = "from-file"\n')
    monkeypatch.setenv(SOCKET_ENV, "from-env")
    assert load_config().tmux_socket == "from-env"
    monkeypatch.delenv(SOCKET_ENV)
    assert load_config().tmux_socket == "from-file"
    monkeypatch.setenv(SOCKET_ENV, "")  # set but empty: as if unset
    assert load_config().tmux_socket == "from-file"


def test_socket_env_overrides_the_default_without_a_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SOCKET_ENV, "elsewhere")
    assert load_config().tmux_socket == "elsewhere"


def test_a_bad_socket_env_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SOCKET_ENV, "a/b")
    with pytest.raises(ConfigError, match=rf"\${SOCKET_ENV}.*'a/b'.*without '/'"):
        load_config()


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            'colour = "red"\n',
            "'colour'",
            "known keys: hosts, keymap, leave_key, log_max_bytes, notifications, quiet_seconds, "
            "restore",
        ),
        ("[extra]\nx = 1\n", "'extra'", "known keys"),
        ("leave_key = 3\n", "'leave_key'", "a key name such as 'ctrl+q', not int 3"),
        ('leave_key = ""\n', "'leave_key'", "a key that types no text, such as 'ctrl+q'"),
        ('leave_key = "ctrl+q "\n', "'leave_key'", "a key that types no text, such as 'ctrl+q'"),
        ('leave_key = "notakey"\n', "'leave_key'", "such as 'ctrl+q' or 'f12'"),
        ('leave_key = "x"\n', "'leave_key'", "a key that types no text"),
        ('leave_key = "ctrl+notakey"\n', "'leave_key'", "not 'ctrl+notakey'"),
        ('[keymap]\nnew_direct = "notakey"\n', "keymap.new_direct", "'notakey' is not a key"),
        ('[keymap]\nquit = "q,hyperx+q"\n', "keymap.quit", "'hyperx+q' is not a key"),
        ("shell = ['bash']\n", "'shell'", "a path to a shell"),
        ('shell = "  "\n', "'shell'", "a path to a shell"),
        ("tmux_socket = 1\n", "'tmux_socket'", "a socket name"),
        ('tmux_socket = "a/b"\n', "'tmux_socket'", "without '/'"),
        ('tmux_socket = ""\n', "'tmux_socket'", "non-empty"),
        ('tmux_socket = " x"\n', "'tmux_socket'", "surrounding spaces"),
        ('tmux_socket = "a\\tb"\n', "'tmux_socket'", "printable"),
        ('scrollback_lines = "1000"\n', "'scrollback_lines'", "a whole number from 0 to"),
        ("scrollback_lines = 10.5\n", "'scrollback_lines'", "a whole number from 0 to"),
        ("scrollback_lines = true\n", "'scrollback_lines'", "not bool True"),
        ("scrollback_lines = -1\n", "'scrollback_lines'", f"from 0 to {MAX_SCROLLBACK}, not -1"),
        (f"scrollback_lines = {MAX_SCROLLBACK + 1}\n", "'scrollback_lines'", "from 0 to"),
        ("tmux_status_line = 1\n", "'tmux_status_line'", "true or false, not int 1"),
        ('tmux_status_line = "yes"\n', "'tmux_status_line'", "true or false"),
        ('keymap = "n"\n', "'keymap'", "a table of binding ids to keys"),
        ('[keymap]\nlaunch_rockets = "l"\n', "'launch_rockets'", "known ids: attach, close"),
        ("[keymap]\nnew_direct = 1\n", "keymap.new_direct", "a key name such as 'n'"),
        ('[keymap]\nnew_direct = ""\n', "keymap.new_direct", "separated by commas"),
        ('[keymap]\nnew_direct = "a,,b"\n', "keymap.new_direct", "separated by commas"),
        ("[keymap.new_direct]\nkey = 'n'\n", "keymap.new_direct", "a key name"),
    ],
)
def test_bad_values_name_the_file_the_key_and_the_expectation(
    cfg_file: Path, text: str, key: str, expected: str
) -> None:
    write(cfg_file, text)
    with pytest.raises(ConfigError) as info:
        load_config()
    msg = str(info.value)
    assert str(cfg_file) in msg
    assert key in msg
    assert expected in msg


@pytest.mark.parametrize(
    ("keymap", "key", "both"),
    [
        ('new_direct = "q"', "keymap.new_direct", "'q' is bound to both 'new_direct' and 'quit'"),
        ('quit = "c"', "keymap.quit", "'c' is bound to both 'new_direct' and 'quit'"),
        ('cursor_down = "j,k"', "keymap.cursor_down", "'k' is bound to both 'cursor_down'"),
        ('rename = "x"\nclose = "x"', "keymap.close, keymap.rename", "'x' is bound to both"),
    ],
)
def test_two_actions_on_one_key_is_an_error(
    cfg_file: Path, keymap: str, key: str, both: str
) -> None:
    write(cfg_file, f"[keymap]\n{keymap}\n")
    with pytest.raises(ConfigError) as info:
        load_config()
    msg = str(info.value)
    assert str(cfg_file) in msg
    assert key in msg
    assert both in msg


def test_swapping_two_keys_is_fine(cfg_file: Path) -> None:
    write(cfg_file, '[keymap]\nnew_direct = "t"\nnew_tmux = "c"\n')
    assert dict(load_config().keymap) == {"new_direct": "t", "new_tmux": "c"}


@pytest.mark.parametrize(
    "content",
    [
        b"leave_key = ctrl+q\n",  # unquoted string
        b"[keymap\nquit = 'q'\n",
        b"scrollback_lines = 1\nscrollback_lines = 2\n",  # duplicate key
        b"\xff\xfe\x00binary\x80",
    ],
)
def test_a_file_that_is_not_toml_is_a_clear_error(cfg_file: Path, content: bytes) -> None:
    cfg_file.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(cfg_file) in str(info.value)
    assert "not valid TOML" in str(info.value)
    assert cfg_file.read_bytes() == content  # the user's file is never touched


def test_an_unreadable_config_is_a_clear_error(cfg_file: Path) -> None:
    cfg_file.mkdir()  # a directory where the file should be: unreadable as a file
    with pytest.raises(ConfigError, match="cannot read it") as info:
        load_config()
    assert str(cfg_file) in str(info.value)


def test_every_binding_has_an_id_a_default_key_and_a_description() -> None:
    ids = [b.id for b in BINDINGS]
    assert len(ids) == len(set(ids)) == len(BINDING_IDS)
    for b in BINDINGS:
        assert b.key and b.description


# -- docs/configuration.md stays true ---------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_the_docs_list_every_key_and_binding_with_its_default() -> None:
    text = DOC.read_text(encoding="utf-8")
    for f in dataclasses.fields(Config):
        assert f"`{f.name}`" in text or f"`[{f.name}]`" in text, f.name
    for b in BINDINGS:
        assert f"| `{b.id}`" in text and f"| `{b.key}`" in text, b.id
        assert b.description in text, b.id
    assert SOCKET_ENV in text


def test_the_docs_examples_are_valid(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 3
    notifications = load_config(write(tmp_path / "n.toml", blocks[0]), env={}).notifications
    assert notifications.channels["done"] == ("osc9",) and notifications.command
    cfg = load_config(write(tmp_path / "example.toml", blocks[1]), env={})
    assert cfg.leave_key == "f12"  # not ctrl+b: tmux panes need their prefix
    assert set(cfg.keymap) <= BINDING_IDS
    panes = parse(blocks[2], tmp_path / "panes.toml")
    assert [p.name for p in panes] == ["claude (api)", "build"]


def test_attention_timings_are_checked(cfg_file: Path) -> None:
    write(cfg_file, "working_seconds = 10\nquiet_seconds = 300\n")
    cfg = load_config()
    assert (cfg.working_seconds, cfg.quiet_seconds) == (10, 300)
    write(cfg_file, "working_seconds = 0\n")
    with pytest.raises(ConfigError, match="'working_seconds' should be a whole number"):
        load_config()
    write(cfg_file, "working_seconds = 90\n")
    with pytest.raises(ConfigError, match="'quiet_seconds' should be more than"):
        load_config()


def test_restore_policy_is_one_of_three_words(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "a.toml", ""), env={}).restore == "ask"
    for word in ("ask", "auto", "never"):
        cfg = load_config(write(tmp_path / "b.toml", f'restore = "{word}"\n'), env={})
        assert cfg.restore == word
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path / "c.toml", 'restore = "always"\n'), env={})
    assert "'restore' should be one of 'ask', 'auto' or 'never', not 'always'" in str(info.value)
    assert "c.toml" in str(info.value)
