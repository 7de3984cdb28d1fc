"""Every error chloe shows a user derives from :class:`ChloeError`.

The UI shows them with ``notify``; the CLI prints ``str(error)`` on one line to
stderr and exits 1. The message is the whole explanation: it names the file,
the pane or the rule involved, so no traceback is ever needed.
"""

from __future__ import annotations

from pathlib import Path


class ChloeError(Exception):
    """Base class for every error meant for a user's eyes."""


class BadNameError(ChloeError, ValueError):
    """A pane name broke one of the naming rules; the message says which."""


class DuplicateNameError(BadNameError):
    """Another pane already has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a pane named {name!r} already exists; names must be unique")
        self.name = name


class UnknownPaneError(ChloeError, LookupError):
    """No pane has the given name or id."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no pane named {name!r} (see `chloe ls`)")
        self.name = name


class StoreError(ChloeError):
    """The pane list on disk could not be read or written."""


class CorruptStoreError(StoreError):
    """The pane list did not parse; it was moved aside, never overwritten."""

    def __init__(self, path: Path, moved_to: Path, reason: str) -> None:
        super().__init__(
            f"{path} could not be read ({reason}); it was moved to {moved_to} "
            "and chloe started with an empty pane list"
        )
        self.path = path
        self.moved_to = moved_to
        self.reason = reason


class StoreBusyError(StoreError):
    """Another process has held the pane list's lock too long; chloe gave up waiting."""


class NewerSchemaError(StoreError):
    """The pane list was written by a newer chloe; it is left untouched."""

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"{path} has schema {found}, but this chloe understands schema {supported} "
            "at most; upgrade chloe (the file was left untouched)"
        )
        self.path = path
        self.found = found
        self.supported = supported


class BadRecordError(ChloeError, ValueError):
    """A value cannot be stored in a pane record (e.g. a path that is not UTF-8 text)."""


class ConfigError(ChloeError):
    """The config file is invalid; the message names the file, key and expectation."""


class TmuxUnavailableError(ChloeError):
    """tmux is missing or too old, so tmux panes cannot be used."""


class TmuxError(ChloeError):
    """A tmux command failed in a way the user should hear about."""


class PaneGoneError(ChloeError):
    """The pane's process or tmux session no longer exists."""


class PaneStateError(ChloeError):
    """The action does not apply to the pane in its current kind or state."""


class PaneStartError(ChloeError):
    """A pane's command could not be started (missing directory or command)."""


class UnknownHostError(ChloeError, LookupError):
    """A host name that no ``[[hosts]]`` entry of config.toml has."""
