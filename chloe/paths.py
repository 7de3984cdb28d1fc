"""Where chloe keeps its files: one platformdirs function per location.

All of them honour the ``XDG_*`` variables on Linux, so tests (and users)
can move every file by setting them.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import platformdirs

APP_NAME = "chloe"

_problems: dict[str, str] = {}
_problems_lock = threading.Lock()


def note_problem(key: str, message: str | None) -> None:
    """Record (or, with ``None``, forget) a problem with chloe's own files.

    ``key`` identifies the thing that is wrong (usually a directory), so the
    same problem found again replaces its message instead of repeating it.
    """
    with _problems_lock:
        if message is None:
            _problems.pop(key, None)
        else:
            _problems[key] = message


def problems() -> tuple[str, ...]:
    """Problems with chloe's own directories and files that this process has met.

    Each is one line meant for the user, e.g. ``cannot create lock files in
    DIR: permission denied; labels may be wrong``. The CLI prints them to
    stderr once a command is done; the TUI can show them. A problem that went
    away (the directory became writable again) is forgotten.
    """
    with _problems_lock:
        return tuple(_problems.values())


def forget_problems(prefix: str = "") -> tuple[str, ...]:
    """Return :func:`problems` and forget them (once shown, a problem is not repeated).

    ``prefix``: only those whose key starts with it.
    """
    with _problems_lock:
        keys = [key for key in _problems if key.startswith(prefix)]
        return tuple(_problems.pop(key) for key in keys)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` and every missing parent with mode 0700, whatever the umask.

    ``mkdir(mode=0o700, parents=True)`` gives the mode to the last level only
    (and both honour the umask), so each level chloe creates is ``chmod``-ed.
    Levels that already exist keep their mode, except chloe's own directories
    (``path`` and its parents up to the one named ``chloe``): one that other
    users can write to is made private, with a problem noted
    (:func:`problems`), since whoever can write there can plant a pane list or
    fake lock files.

    Raises:
        OSError: a level cannot be created.
    """
    path = Path(path)
    missing: list[Path] = []
    level = path
    while not level.is_dir():
        missing.append(level)
        if level.parent == level:
            break
        level = level.parent
    for new in reversed(missing):
        try:
            os.mkdir(new, 0o700)
        except FileExistsError:
            if not new.is_dir():
                raise NotADirectoryError(
                    errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(new)
                ) from None
            continue
        os.chmod(new, 0o700)
    for own in _own_levels(path):
        if own not in missing:
            _tighten(own)
    return path


def _own_levels(path: Path) -> list[Path]:
    """``path`` and its parents up to the one named :data:`APP_NAME` (just ``path`` if none)."""
    levels = [path]
    if path.name == APP_NAME:
        return levels
    for parent in path.parents:
        levels.append(parent)
        if parent.name == APP_NAME:
            return levels
    return [path]


def _tighten(directory: Path) -> None:
    try:
        st = os.stat(directory, follow_symlinks=False)
    except OSError:
        return
    mode = stat.S_IMODE(st.st_mode)
    if not stat.S_ISDIR(st.st_mode) or not mode & 0o022:
        return
    if st.st_uid == os.geteuid():
        try:
            os.chmod(directory, 0o700, follow_symlinks=False)
        except OSError as exc:
            note_problem(
                f"loose:{directory}",
                f"{directory} is writable by other users (mode {mode:04o}) and could not be "
                f"made private ({exc.strerror}): chmod 700 {directory}",
            )
            return
        note_problem(
            f"loose:{directory}",
            f"{directory} was writable by other users (mode {mode:04o}); "
            "chloe made it private (0700)",
        )
    else:
        note_problem(
            f"loose:{directory}",
            f"{directory} is writable by other users (mode {mode:04o}) and belongs to "
            f"uid {st.st_uid}; they can change chloe's files: chmod 700 {directory}",
        )


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
