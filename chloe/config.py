"""``config.toml``: every key optional, every default documented.

See ``docs/configuration.md`` for the user-facing description of each key.
An unknown key or a value of the wrong type is a :class:`~chloe.errors.ConfigError`
naming the file, the key and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chloe.errors import ConfigError

SOCKET_ENV = "CHLOE_TMUX_SOCKET"
"""Environment variable that overrides the tmux socket name."""

DEFAULT_SOCKET = "chloe"
DEFAULT_LEAVE_KEY = "ctrl+q"
DEFAULT_SCROLLBACK = 10_000
MAX_SCROLLBACK = 1_000_000
DEFAULT_LOG_MAX_BYTES = 64 * 1024 * 1024
MIN_LOG_MAX_BYTES = 64 * 1024
MAX_LOG_MAX_BYTES = 64 * 1024**3


@dataclass(frozen=True, slots=True)
class BindingSpec:
    """A navigation-mode action that the keymap can rebind.

    Attributes:
        id: The name used in ``[keymap]``; also the TUI's action name.
        key: The default key(s), comma-separated.
        description: What it does (help and tooltips).
        footer: Its short label in the footer; None: shown in help only.
    """

    id: str
    key: str
    description: str
    footer: str | None = None


BINDINGS: tuple[BindingSpec, ...] = (
    BindingSpec("new_direct", "c", "New direct pane", "direct"),
    BindingSpec("new_tmux", "t", "New tmux pane", "tmux"),
    BindingSpec("focus_terminal", "enter", "Focus the pane's terminal", "type"),
    BindingSpec("detach", "d", "Detach the tmux pane", "detach"),
    BindingSpec("attach", "a", "Reattach the tmux pane", "attach"),
    BindingSpec("close", "x", "Close the pane", "close"),
    BindingSpec("kill", "K", "Kill the tmux session"),
    BindingSpec("rename", "r", "Rename the pane"),
    BindingSpec("respawn", "R", "Respawn a dead pane", "respawn"),
    BindingSpec("fullscreen", "f", "Full-screen attach (tmux)"),
    BindingSpec("next_attention", "space", "Next pane needing you (then failed, done)", "next"),
    BindingSpec("cursor_down", "j,down", "Select the next pane (stops at the last)"),
    BindingSpec("cursor_up", "k,up", "Select the previous pane (stops at the first)"),
    BindingSpec("cursor_first", "g,home", "Select the first pane"),
    BindingSpec("cursor_last", "G,end", "Select the last pane"),
    BindingSpec("toggle_list", "l", "Show or hide the pane list"),
    BindingSpec("filter_list", "slash", "Filter the list by name or command (esc clears)"),
    BindingSpec("search_panes", "F", "Search every pane's history"),
    BindingSpec("quit", "q", "Quit (tmux panes keep running)", "quit"),
    BindingSpec("help", "question_mark", "Help", "help"),
)
"""Every rebindable action: its id (used in ``[keymap]``), default key(s), meaning, footer."""

BINDING_IDS = frozenset(b.id for b in BINDINGS)


def default_shell(env: Mapping[str, str] | None = None) -> str:
    """The user's ``$SHELL``, else ``/bin/sh``."""
    env = os.environ if env is None else env
    return env.get("SHELL") or "/bin/sh"


NOTIFY_CHANNELS = ("bell", "osc9", "osc777", "command")
"""Every channel a notification can go out on (see :mod:`chloe.notify_out`)."""

NOTIFY_KINDS = ("needs_you", "failed", "done")
"""The events a notification can be sent for."""

DEFAULT_NOTIFY_CHANNELS: dict[str, tuple[str, ...]] = {
    "needs_you": ("bell",),
    "failed": ("bell",),
    "done": (),
}
"""On by default: a bell when a pane needs you or failed (every terminal has one, it
works over SSH and it draws nothing); a finished run is quiet news."""

DEFAULT_RATE_LIMIT = 30
"""Seconds between two notifications about the same pane."""


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """The ``[notifications]`` table.

    Attributes:
        channels: Event kind (``needs_you``, ``failed``, ``done``) -> channels.
        command: ``notify_command``: a shell command, or empty.
        rate_limit_seconds: At most one notification per pane this often.
    """

    channels: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_NOTIFY_CHANNELS)
    )
    command: str = ""
    rate_limit_seconds: int = DEFAULT_RATE_LIMIT


def _parse_notifications(table: Mapping[str, Any], path: Path) -> NotifySettings:
    channels = dict(DEFAULT_NOTIFY_CHANNELS)
    command = ""
    rate = DEFAULT_RATE_LIMIT
    known = ", ".join([*NOTIFY_KINDS, "notify_command", "rate_limit_seconds"])
    for key, value in table.items():
        where = f"{path}: notifications.{key}"
        if key in NOTIFY_KINDS:
            if not isinstance(value, list) or not all(v in NOTIFY_CHANNELS for v in value):
                raise ConfigError(
                    f"{where} should be a list of channels from "
                    f"{', '.join(repr(c) for c in NOTIFY_CHANNELS)}, not {value!r}"
                )
            channels[key] = tuple(value)
        elif key == "notify_command":
            if not isinstance(value, str):
                raise ConfigError(f"{where} should be a shell command (a string), not {value!r}")
            command = value
        elif key == "rate_limit_seconds":
            if not _type_ok(value, int) or not 0 <= value <= MAX_ATTENTION_SECONDS:
                raise ConfigError(
                    f"{where} should be a whole number of seconds from 0 to "
                    f"{MAX_ATTENTION_SECONDS}, not {value!r}"
                )
            rate = value
        else:
            raise ConfigError(f"{path}: notifications: unknown key {key!r} (known keys: {known})")
    if any("command" in c for c in channels.values()) and not command.strip():
        raise ConfigError(
            f"{path}: notifications: a 'command' channel is on but 'notify_command' is not set"
        )
    return NotifySettings(channels, command, rate)


MAX_ATTENTION_SECONDS = 86400
"""Longest ``working_seconds``/``quiet_seconds`` (a day)."""

DEFAULT_REMOTE_SOCKET = "chloe"
"""The tmux socket chloe uses on a remote host unless its ``socket`` says otherwise."""


@dataclass(frozen=True, slots=True)
class HostConfig:
    """One ``[[hosts]]`` entry: a machine whose tmux chloe reaches over ssh.

    Attributes:
        name: What chloe calls it (``--host NAME``, the pane list's groups).
        ssh: The ssh destination: an alias of ``~/.ssh/config``, ``host``,
            ``user@host`` or ``user@host:port``.
        tmux: The tmux program on that host (a name looked up on its ``PATH``,
            or a path).
        socket: chloe's tmux socket there: a name (``tmux -L``) or an absolute
            path (``tmux -S``).
        ssh_options: Extra ssh command-line options (such as ``["-F", "FILE"]``).
    """

    name: str
    ssh: str
    tmux: str = "tmux"
    socket: str = DEFAULT_REMOTE_SOCKET
    ssh_options: tuple[str, ...] = ()


_HOST_KEYS = ("name", "ssh", "tmux", "socket", "ssh_options")


def _host_text_ok(value: str) -> bool:
    return bool(value) and value.isprintable() and not any(c.isspace() for c in value)


def _parse_hosts(value: Any, path: Path) -> tuple[HostConfig, ...]:
    """The ``[[hosts]]`` array of tables, each entry checked."""
    from chloe.model import LOCAL_HOST, validate_host_name

    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError(
            f"{path}: 'hosts' should be an array of tables ([[hosts]] with name and ssh), "
            f"not {value!r}"
        )
    hosts: list[HostConfig] = []
    for i, table in enumerate(value, 1):
        label = table.get("name") if isinstance(table.get("name"), str) else f"#{i}"
        where = f"{path}: hosts {label!r}" if label != f"#{i}" else f"{path}: hosts entry {i}"
        for key in table:
            if key not in _HOST_KEYS:
                raise ConfigError(
                    f"{where}: unknown key {key!r} (known keys: {', '.join(_HOST_KEYS)})"
                )
        for key in ("name", "ssh"):
            if key not in table:
                raise ConfigError(f"{where}: missing {key!r}")
        name = table["name"]
        try:
            validate_host_name(name)
        except ValueError as exc:
            raise ConfigError(f"{where}: 'name': {exc}") from None
        if name == LOCAL_HOST:
            raise ConfigError(
                f"{where}: 'name': {LOCAL_HOST!r} is this machine (always there); "
                "give the remote host another name"
            )
        if any(h.name == name for h in hosts):
            raise ConfigError(f"{where}: the name {name!r} is used by two hosts")
        ssh = table["ssh"]
        if not isinstance(ssh, str) or not _host_text_ok(ssh) or ssh.startswith("-"):
            raise ConfigError(
                f"{where}: 'ssh' should be an ssh destination such as 'gpu' (an alias of "
                f"~/.ssh/config), 'user@host' or 'user@host:2222', not {ssh!r}"
            )
        tmux = table.get("tmux", "tmux")
        if not isinstance(tmux, str) or not _host_text_ok(tmux):
            raise ConfigError(
                f"{where}: 'tmux' should be the tmux program on that host, such as 'tmux' "
                f"or '/usr/local/bin/tmux', not {tmux!r}"
            )
        socket = table.get("socket", DEFAULT_REMOTE_SOCKET)
        if not isinstance(socket, str) or not (
            _host_text_ok(socket) if socket.startswith("/") else _socket_name_ok(socket)
        ):
            raise ConfigError(
                f"{where}: 'socket' should be a tmux socket name such as 'chloe' or an "
                f"absolute path, not {socket!r}"
            )
        options = table.get("ssh_options", [])
        if not isinstance(options, list) or not all(
            isinstance(o, str) and o.isprintable() for o in options
        ):
            raise ConfigError(
                f"{where}: 'ssh_options' should be a list of ssh options such as "
                f"['-F', '/path/ssh_config'], not {options!r}"
            )
        hosts.append(HostConfig(name, ssh, tmux, socket, tuple(options)))
    return tuple(hosts)


def _socket_name_ok(name: str) -> bool:
    try:
        validate_socket_name(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Config:
    """chloe's settings (all optional in the file).

    Attributes:
        leave_key: The key that leaves terminal mode (every other key goes to the program).
        shell: The command run by a pane created without a command.
        tmux_socket: Name of chloe's own tmux server socket (``tmux -L NAME``).
        scrollback_lines: Lines of history kept per pane by chloe's emulator.
        tmux_status_line: Whether chloe's tmux sessions show tmux's status line.
        keymap: Binding id -> key(s) (comma-separated), overriding the defaults.
        working_seconds: Output this recent makes a pane *working*.
        quiet_seconds: A pane silent this long after output is *quiet*.
        notifications: Which events go out how (``[notifications]``).
        restore: What the TUI does at start with panes lost when chloe's tmux server
            went away: ``ask`` once, ``auto`` (restore them), or ``never``.
        log_max_bytes: Cap of one pane's continuous log file (0: no logs).
        hosts: Other machines whose tmux chloe reaches over ssh (``[[hosts]]``).
    """

    leave_key: str = DEFAULT_LEAVE_KEY
    shell: str = field(default_factory=default_shell)
    tmux_socket: str = DEFAULT_SOCKET
    scrollback_lines: int = DEFAULT_SCROLLBACK
    tmux_status_line: bool = False
    keymap: Mapping[str, str] = field(default_factory=dict)
    working_seconds: int = 5
    quiet_seconds: int = 60
    notifications: NotifySettings = field(default_factory=NotifySettings)
    restore: str = "ask"
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES
    hosts: tuple[HostConfig, ...] = ()

    def host(self, name: str) -> HostConfig | None:
        """The ``[[hosts]]`` entry called ``name``, or None."""
        return next((h for h in self.hosts if h.name == name), None)


_TYPES: dict[str, tuple[type, str]] = {
    "leave_key": (str, "a key name such as 'ctrl+q'"),
    "shell": (str, "a path to a shell such as '/bin/bash'"),
    "tmux_socket": (str, "a socket name such as 'chloe'"),
    "scrollback_lines": (int, f"a whole number from 0 to {MAX_SCROLLBACK}"),
    "tmux_status_line": (bool, "true or false"),
    "keymap": (dict, "a table of binding ids to keys"),
    "working_seconds": (int, f"a whole number of seconds from 1 to {MAX_ATTENTION_SECONDS}"),
    "quiet_seconds": (int, f"a whole number of seconds from 1 to {MAX_ATTENTION_SECONDS}"),
    "notifications": (dict, "a table (see the documentation)"),
    "restore": (str, "one of 'ask', 'auto' or 'never'"),
    "log_max_bytes": (
        int,
        f"0 (no logs) or a number of bytes from {MIN_LOG_MAX_BYTES} to {MAX_LOG_MAX_BYTES}",
    ),
    "hosts": (list, "an array of tables ([[hosts]] with name and ssh)"),
}

RESTORE_POLICIES = ("ask", "auto", "never")
"""The values of ``restore``."""


def _type_ok(value: Any, typ: type) -> bool:
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def validate_socket_name(name: str) -> str:
    """A tmux ``-L`` socket name: non-empty, printable, no ``/``."""
    if not name or "/" in name or not name.isprintable() or name != name.strip():
        raise ValueError(
            f"{name!r} is not a usable tmux socket name "
            "(it must be non-empty, printable, without '/' or surrounding spaces)"
        )
    return name


_MODIFIERS = frozenset({"ctrl", "alt", "shift", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(
    {
        "enter", "tab", "escape", "space", "backspace", "delete", "insert", "home", "end",
        "pageup", "pagedown", "up", "down", "left", "right",
    }
)  # fmt: skip


def _key_base_ok(base: str) -> bool:
    """A key Textual can name: one character, a named key, F1-F24, or a character's name."""
    import unicodedata

    if len(base) == 1:
        return base.isprintable()
    if base in _NAMED_KEYS:
        return True
    if base[0] == "f" and base[1:].isdigit():
        return 1 <= int(base[1:]) <= 24
    try:
        unicodedata.lookup(base.replace("_", " "))
    except KeyError:
        return False
    return True


def _validate_key(key: str) -> bool:
    """``key`` names a key: ``[modifier+]...base`` (``"ctrl+q"``, ``"f5"``, ``"question_mark"``)."""
    if not key or key != key.strip() or not key.isprintable():
        return False
    if len(key) == 1:
        return True
    *mods, base = key.split("+")
    if not base and mods and not mods[-1]:  # "ctrl++": the plus key
        mods, base = mods[:-1], "+"
    return all(m in _MODIFIERS for m in mods) and _key_base_ok(base)


def _types_text(key: str) -> bool:
    """``key`` types a character (so it cannot be the leave key): no modifier but shift."""
    *mods, base = key.split("+") if len(key) > 1 else ("", key)
    return not (set(mods) - {"", "shift"}) and (len(base) == 1 or base == "space")


def _check_conflicts(keymap: Mapping[str, str], path: Path) -> None:
    """Two actions on one key would silently shadow each other: refuse that."""
    owner: dict[str, str] = {}
    for spec in BINDINGS:
        for key in keymap.get(spec.id, spec.key).split(","):
            if key in owner:
                first = owner[key]
                changed = ", ".join(f"keymap.{b}" for b in (first, spec.id) if b in keymap)
                raise ConfigError(
                    f"{path}: {changed}: the key {key!r} is bound to both {first!r} and "
                    f"{spec.id!r}; every navigation key should do one thing "
                    "(give one of them another key in [keymap])"
                )
            owner[key] = spec.id


def parse_config(doc: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> Config:
    """Build a :class:`Config` from a parsed TOML document, validating every key."""
    values: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in _TYPES:
            known = ", ".join(sorted(_TYPES))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        typ, expected = _TYPES[key]
        if not _type_ok(value, typ):
            raise ConfigError(
                f"{path}: {key!r} should be {expected}, not {type(value).__name__} {value!r}"
            )
        values[key] = value
    if "scrollback_lines" in values and not 0 <= values["scrollback_lines"] <= MAX_SCROLLBACK:
        raise ConfigError(
            f"{path}: 'scrollback_lines' should be {_TYPES['scrollback_lines'][1]}, "
            f"not {values['scrollback_lines']}"
        )
    cap = values.get("log_max_bytes")
    if cap is not None and cap != 0 and not MIN_LOG_MAX_BYTES <= cap <= MAX_LOG_MAX_BYTES:
        raise ConfigError(
            f"{path}: 'log_max_bytes' should be {_TYPES['log_max_bytes'][1]}, not {cap}"
        )
    for key in ("working_seconds", "quiet_seconds"):
        if key in values and not 1 <= values[key] <= MAX_ATTENTION_SECONDS:
            raise ConfigError(f"{path}: {key!r} should be {_TYPES[key][1]}, not {values[key]}")
    if values.get("quiet_seconds", 60) <= values.get("working_seconds", 5):
        raise ConfigError(
            f"{path}: 'quiet_seconds' should be more than 'working_seconds' "
            "(a pane is quiet only after it stopped working)"
        )
    leave = values.get("leave_key")
    if leave is not None and (not _validate_key(leave) or _types_text(leave)):
        raise ConfigError(
            f"{path}: 'leave_key' should be a key that types no text, such as 'ctrl+q' "
            f"or 'f12' (a modifier and a key, or a function key), not {leave!r}"
        )
    if "restore" in values and values["restore"] not in RESTORE_POLICIES:
        raise ConfigError(
            f"{path}: 'restore' should be {_TYPES['restore'][1]}, not {values['restore']!r}"
        )
    if "shell" in values and not values["shell"].strip():
        raise ConfigError(f"{path}: 'shell' should be {_TYPES['shell'][1]}, not empty")
    if "tmux_socket" in values:
        try:
            validate_socket_name(values["tmux_socket"])
        except ValueError as exc:
            raise ConfigError(f"{path}: 'tmux_socket': {exc}") from None
    if "notifications" in values:
        values["notifications"] = _parse_notifications(values["notifications"], path)
    if "hosts" in values:
        values["hosts"] = _parse_hosts(values["hosts"], path)
    keymap = values.get("keymap", {})
    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            known = ", ".join(sorted(BINDING_IDS))
            raise ConfigError(
                f"{path}: keymap: unknown binding id {binding_id!r} (known ids: {known})"
            )
        bad = (
            [k for k in keys.split(",") if not _validate_key(k)]
            if isinstance(keys, str)
            else [keys]
        )
        if bad:
            raise ConfigError(
                f"{path}: keymap.{binding_id}: {bad[0]!r} is not a key; expected a key name "
                "such as 'n', 'ctrl+n' or 'f5' (several keys separated by commas)"
            )
    _check_conflicts(keymap, path)
    values["keymap"] = dict(keymap)
    env_socket = env.get(SOCKET_ENV)
    if env_socket:
        try:
            values["tmux_socket"] = validate_socket_name(env_socket)
        except ValueError as exc:
            raise ConfigError(f"${SOCKET_ENV}: {exc}") from None
    if "shell" not in values:
        values["shell"] = default_shell(env)
    return Config(**values)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read ``config.toml`` (a missing file means every default).

    Args:
        path: The file; defaults to :func:`chloe.paths.config_path`.
        env: Environment to consult for overrides; defaults to ``os.environ``.

    Raises:
        ConfigError: the file is unreadable, not TOML, or has a bad key or value.
    """
    from chloe.paths import config_path

    path = config_path() if path is None else path
    env = os.environ if env is None else env
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return parse_config({}, path, env)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(doc, path, env)
