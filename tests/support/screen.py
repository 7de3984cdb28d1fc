"""A pane process's output fed into chloe's emulator, as the TUI does, for tests to read."""

from __future__ import annotations

import select
from collections.abc import Callable

from chloe.backends.base import PaneProcess
from chloe.terminal import Terminal
from tests.support.waiting import wait_until


class Screen:
    """Feeds a pane process's output into chloe's emulator, as the TUI does.

    Replies the emulator produces (DSR, DA) are written back to the process.
    """

    def __init__(self, proc: PaneProcess, columns: int = 80, rows: int = 24) -> None:
        self.proc = proc
        self.term = Terminal(columns, rows)
        self.raw = bytearray()
        self.eof = False

    def pump(self, timeout: float = 0.05) -> None:
        """Read whatever output arrives within ``timeout`` seconds."""
        if self.eof:
            return
        ready, _w, _x = select.select([self.proc.fd], [], [], timeout)
        if not ready:
            return
        data = self.proc.read()
        if data is None:
            self.eof = True
            return
        self.raw += data
        self.term.feed(data)
        replies = self.term.take_replies()
        if replies:
            self.proc.write(replies)

    def text(self) -> str:
        """The visible screen, rows joined by newlines."""
        return "\n".join(self.term.display)

    def wait_for(self, needle: str, timeout: float = 10.0) -> str:
        """Pump until ``needle`` is on screen; fail with the screen after ``timeout``."""
        return self.wait(lambda: needle in self.text(), timeout, f"{needle!r} on screen")

    def wait(self, check: Callable[[], bool], timeout: float, what: str) -> str:
        """Pump until ``check()``; fail after ``timeout`` seconds showing the screen."""

        def pumped() -> bool:
            if check():
                return True
            self.pump()
            return False

        # pump() waits on select for output itself; the short interval only paces an ended pane.
        wait_until(
            pumped, timeout, interval=0.005, message=what, show=lambda: f"screen:\n{self.text()}"
        )
        return self.text()

    def type(self, text: str) -> None:
        """Type ``text`` (``\\r`` is Enter)."""
        self.proc.write(text.encode())

    def resize(self, columns: int, rows: int) -> None:
        """Resize both the pty and the emulator."""
        self.term.resize(rows, columns)
        self.proc.resize(columns, rows)
