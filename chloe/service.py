"""Pane operations shared by the CLI and the TUI: store + tmux + direct ptys.

No Textual here. The TUI owns the live :class:`~chloe.backends.PaneProcess`
objects it displays; this layer creates them, keeps ``panes.toml`` in step
with every change, and derives every status from tmux and the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chloe.backends.base import PaneProcess
from chloe.config import Config
from chloe.model import ExitStatus, PaneRecord, Status
from chloe.store import Store


@dataclass(frozen=True, slots=True)
class PaneInfo:
    """A pane record with its run-time truth.

    Attributes:
        record: What is stored about the pane.
        status: attached / detached / dead, from tmux or the kernel.
        exit_status: How it ended, when dead and known.
        current_command: tmux's ``pane_current_command`` for live tmux panes.
    """

    record: PaneRecord
    status: Status
    exit_status: ExitStatus | None = None
    current_command: str | None = None

    @property
    def label(self) -> str:
        """``attached``, ``detached``, ``dead (exit 3)``, ``dead (SIGKILL)`` or ``dead``."""
        if self.status is Status.DEAD and self.exit_status is not None:
            return f"dead ({self.exit_status.describe()})"
        return self.status.value


class PaneService:
    """Every pane operation, for one store and one tmux socket.

    Args:
        store: The pane list.
        config: Settings (socket name, shell, scrollback, status line).
    """

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        raise NotImplementedError

    @property
    def tmux_problem(self) -> str | None:
        """Why tmux panes are unavailable (missing or < 3.0, with how to install), else None."""
        raise NotImplementedError

    def panes(self, live_direct: dict[str, PaneProcess] | None = None) -> list[PaneInfo]:
        """Every pane with its status, from one batched tmux query.

        Reconciles as it goes: live chloe sessions missing from the file are
        adopted back (by ``@chloe-id``/``@chloe-name``); newly seen exit statuses
        are recorded. Direct panes are alive only if in ``live_direct`` (id -> process).
        """
        raise NotImplementedError

    def find(self, name_or_id: str) -> PaneRecord:
        """The pane with this name (or id). Raises UnknownPaneError."""
        raise NotImplementedError

    def create_tmux(
        self,
        *,
        name: str | None = None,
        cwd: str,
        command: Sequence[str] = (),
        columns: int = 80,
        rows: int = 24,
    ) -> PaneRecord:
        """Start a tmux session for a new pane and record it (name defaults to a free one)."""
        raise NotImplementedError

    def create_direct(
        self, *, name: str | None = None, cwd: str, command: Sequence[str] = ()
    ) -> PaneRecord:
        """Record a new direct pane (start it with :meth:`spawn_direct`)."""
        raise NotImplementedError

    def spawn_direct(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        """Start a direct pane's command on a new pty."""
        raise NotImplementedError

    def attach(self, record: PaneRecord, columns: int, rows: int) -> PaneProcess:
        """Embed a tmux client for the pane's session; never creates a session (PaneGoneError)."""
        raise NotImplementedError

    def detach(self, record: PaneRecord, client: PaneProcess | None) -> PaneRecord:
        """Detach chloe's client (the session runs on) and remember the user detached it."""
        raise NotImplementedError

    def rename(self, name_or_id: str, new_name: str) -> PaneRecord:
        """Rename the record and the session's ``@chloe-name``."""
        raise NotImplementedError

    def kill(self, name_or_id: str) -> PaneRecord:
        """Kill the pane's tmux session; it is dead from now on."""
        raise NotImplementedError

    def remove(self, name_or_id: str) -> str:
        """Forget the pane; a live session is released, not killed. Returns how to reach it."""
        raise NotImplementedError

    def respawn(self, record: PaneRecord, columns: int = 80, rows: int = 24) -> PaneRecord:
        """Start a dead pane again with its command and directory."""
        raise NotImplementedError

    def send_text(self, name_or_id: str, text: str, *, enter: bool = False) -> None:
        """Type ``text`` literally into a tmux pane, optionally followed by Enter."""
        raise NotImplementedError

    def capture(
        self, record: PaneRecord, *, lines: int | None = None, escapes: bool = False
    ) -> str:
        """A tmux pane's screen and up to ``lines`` of scrollback (None: all)."""
        raise NotImplementedError

    def record_exit(self, pane_id: str, status: ExitStatus) -> PaneRecord:
        """Remember how a pane's process ended."""
        raise NotImplementedError

    def attach_argv(self, record: PaneRecord, *, detach_others: bool = False) -> list[str]:
        """The ``tmux attach-session`` command line for a full-screen attach."""
        raise NotImplementedError
