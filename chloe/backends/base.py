"""The one interface both kinds of pane implement.

A :class:`PaneProcess` is a live process on a pty whose output chloe emulates:
a direct pane's child, or the ``tmux attach-session`` client that shows a tmux
pane. Reading never blocks: the owner watches :attr:`PaneProcess.fd` (for
example with ``loop.add_reader``) and calls :meth:`PaneProcess.read`, then
decides itself when to feed the emulator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from chloe.model import ExitStatus


class PaneProcess(ABC):
    """A running terminal program on a pty (direct child or embedded tmux client)."""

    @property
    @abstractmethod
    def fd(self) -> int:
        """The pty master (non-blocking); readable when output or EOF is available."""

    @property
    @abstractmethod
    def pid(self) -> int:
        """Process id of the child (for tmux: the client process)."""

    @abstractmethod
    def read(self, max_bytes: int = 65536) -> bytes | None:
        """Output available now: ``b""`` if none yet, ``None`` once the pty is closed."""

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send input bytes to the program; never blocks the caller indefinitely."""

    @abstractmethod
    def resize(self, columns: int, rows: int) -> None:
        """Set the pty size (``TIOCSWINSZ``); the program gets SIGWINCH."""

    @abstractmethod
    def poll(self) -> ExitStatus | None:
        """Reap the child if it ended; its exit status, or None while it runs."""

    @property
    def alive(self) -> bool:
        """True while the child runs."""
        return self.poll() is None

    @abstractmethod
    def close(self) -> None:
        """End this process and release the pty (idempotent).

        Direct pane: SIGHUP to its process group, SIGKILL after a short grace
        period. tmux client: the client detaches; the tmux session runs on.
        """
