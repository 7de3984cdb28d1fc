"""Where chloe keeps its files: one platformdirs function per location.

All of them honour the ``XDG_*`` variables on Linux, so tests (and users)
can move every file by setting them.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "chloe"


def data_dir() -> Path:
    """Directory holding the pane list (``$XDG_DATA_HOME/chloe``)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """Directory holding ``config.toml`` (``$XDG_CONFIG_HOME/chloe``)."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """Directory for logs and other run-time state (``$XDG_STATE_HOME/chloe``)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def live_dir() -> Path:
    """Where running direct panes hold their liveness locks (``<state>/live``)."""
    return state_dir() / "live"


def client_lock_dir(socket: str) -> Path:
    """Where chloe's tmux clients on ``socket`` hold their locks (``<state>/clients/<socket>``).

    One directory per tmux socket, so two chloe servers never see each other's
    clients. (A socket name with ``/`` in it is flattened to keep one level.)
    """
    return state_dir() / "clients" / (socket.replace("/", "%") or "%")


def store_path() -> Path:
    """The pane list: ``panes.toml`` in the data directory."""
    return data_dir() / "panes.toml"


def config_path() -> Path:
    """The config file: ``config.toml`` in the config directory."""
    return config_dir() / "config.toml"
