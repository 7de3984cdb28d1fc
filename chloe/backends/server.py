"""What :class:`~chloe.service.PaneService` needs from below it: two small protocols.

* :class:`TmuxServer`: chloe's tmux server, the methods of
  :class:`~chloe.backends.tmux.TmuxBackend` the service uses.
* :class:`DirectLauncher`: starting direct panes, and telling whether a direct
  pane runs in some chloe process.

The real implementations are :class:`~chloe.backends.tmux.TmuxBackend` and
:class:`~chloe.backends.live.DirectPanes`; :mod:`chloe.backends.memory` holds
in-memory ones, so tests above the service (the TUI's) run the service's real
rules without tmux or ptys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from chloe.backends.base import PaneProcess
from chloe.backends.locks import ClientCommand
from chloe.backends.placement import Placement
from chloe.backends.tmux import Snapshot
from chloe.backends.tmux_commands import SessionSpec


class TmuxServer(Protocol):
    """chloe's tmux server, as the service uses it (see :class:`.tmux.TmuxBackend`)."""

    placement: Placement | None
    """Where a server started by this object is placed (None: not decided yet)."""
    started_server: bool
    """Whether this object started the server (so a logout warning is news)."""

    @property
    def socket(self) -> str:
        """The ``tmux -L`` socket name (for hints such as ``tmux -L chloe attach``)."""
        ...

    @property
    def problem(self) -> str | None:
        """Why tmux panes are unavailable, or None."""
        ...

    def require(self) -> None:
        """Raise :class:`~chloe.errors.TmuxUnavailableError` if tmux cannot be used."""
        ...

    def snapshot(self) -> Snapshot:
        """Every session's state at one moment; never raises."""
        ...

    def has_session(self, session: str) -> bool:
        """Whether the session exists."""
        ...

    def create_session(self, spec: SessionSpec) -> None:
        """Create a detached, marked session running ``spec.command`` in ``spec.cwd``."""
        ...

    def respawn(
        self, session: str, *, cwd: str, command: Sequence[str], log_command: str | None = None
    ) -> None:
        """Restart the dead pane of a live session (piping its output to ``log_command``)."""
        ...

    def start_logging(self, session: str, log_command: str) -> None:
        """Pipe the pane's output into ``log_command`` unless it is piped already."""
        ...

    def set_name(self, session: str, name: str) -> None:
        """Store the display name in the session's marks."""
        ...

    def release(self, session: str) -> None:
        """Remove chloe's marks so the session is not adopted back."""
        ...

    def kill(self, session: str) -> bool:
        """Kill the session; False if it was already gone."""
        ...

    def send_text(self, session: str, text: str, *, enter: bool) -> None:
        """Type ``text`` literally, then Enter if asked."""
        ...

    def paste_bytes(self, session: str, data: bytes, *, bracketed: bool, enter: bool) -> None:
        """Put ``data`` (any size) into the pane as one paste, then Enter if asked."""
        ...

    def capture(self, session: str, *, lines: int | None, escapes: bool) -> str:
        """The pane's screen plus up to ``lines`` of history (None: all)."""
        ...

    def history(self, session: str, lines: int | None = None) -> tuple[bool, str]:
        """(the program took the screen or the mouse, its history with colours: the
        last ``lines`` of it, or all)."""
        ...

    def attach(self, session: str, columns: int, rows: int) -> PaneProcess:
        """A client of ``session`` on a new pty (PaneGoneError if there is no session)."""
        ...

    def attach_command(self, session: str, *, detach_others: bool = False) -> ClientCommand:
        """A full-screen client that marks itself as chloe's."""
        ...


class DirectLauncher(Protocol):
    """Starts direct panes and tells whether one runs in some chloe process."""

    def start(
        self,
        pane_id: str,
        argv: Sequence[str],
        *,
        cwd: str,
        env: Mapping[str, str],
        columns: int,
        rows: int,
    ) -> PaneProcess:
        """Start a direct pane's program on a new pty (PaneStartError if it cannot)."""
        ...

    def running(self, pane_id: str) -> bool:
        """Whether the pane's program runs in some chloe process (this one or another)."""
        ...

    def running_pid(self, pane_id: str) -> int | None:
        """The pid of the pane's program while it runs in some chloe process, if known."""
        ...
