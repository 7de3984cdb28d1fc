"""A scriptable :class:`PaneProcess` for UI tests: no child, no pty, a real fd.

The fd is the read end of an ``os.pipe()``, so ``loop.add_reader`` and
``select`` behave exactly as with a pty master: readable when :meth:`emit`
queued bytes, and at EOF after :meth:`finish`.

Example::

    proc = FakeProcess()
    proc.emit(b"hello\\r\\n")
    proc.read()            # b"hello\\r\\n"
    proc.write(b"ls\\r")    # recorded in proc.written
    proc.finish(ExitStatus(code=3))
    proc.read()            # None (EOF); proc.poll() == ExitStatus(code=3)
"""

from __future__ import annotations

import itertools
import os

from chloe.backends.base import PaneProcess
from chloe.model import ExitStatus

_fake_pids = itertools.count(900_000)


class FakeProcess(PaneProcess):
    """A pane process whose output, exit and size a test controls.

    Args:
        columns: Initial width, as if the pty had been opened with it.
        rows: Initial height.

    Attributes:
        written: Every byte the owner wrote, in order.
        sizes: Every ``(columns, rows)`` passed to :meth:`resize`, in order.
        closed: Whether :meth:`close` was called.
        close_calls: How many times :meth:`close` was called.
    """

    def __init__(self, columns: int = 80, rows: int = 24) -> None:
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        self._pid = next(_fake_pids)
        self._exit: ExitStatus | None = None
        self._eof = False
        self.written = bytearray()
        self.sizes: list[tuple[int, int]] = []
        self.size = (columns, rows)
        self.closed = False
        self.close_calls = 0

    @property
    def fd(self) -> int:
        """The pipe's read end (non-blocking)."""
        return self._r

    @property
    def pid(self) -> int:
        """A made-up pid that no real process of this test run uses."""
        return self._pid

    # -- test controls -------------------------------------------------------------

    def emit(self, data: bytes) -> None:
        """Make ``data`` readable on :attr:`fd`, as if the program printed it."""
        if self._w < 0:
            raise RuntimeError("emit() after finish() or close()")
        view = memoryview(data)
        while view:
            n = os.write(self._w, view)
            view = view[n:]

    def finish(self, status: ExitStatus | None = None) -> None:
        """End the fake program: its fd reads EOF and :meth:`poll` returns ``status``."""
        self._exit = status if status is not None else ExitStatus(code=0)
        if self._w >= 0:
            os.close(self._w)
            self._w = -1

    # -- PaneProcess -----------------------------------------------------------------

    def read(self, max_bytes: int = 65536) -> bytes | None:
        """Bytes emitted so far (``b""`` if none), ``None`` after finish/close."""
        if self._eof or self._r < 0:
            return None
        try:
            data = os.read(self._r, max_bytes)
        except BlockingIOError:
            return b""
        if not data:
            self._eof = True
            return None
        return data

    def write(self, data: bytes) -> None:
        """Record ``data`` in :attr:`written` (nothing reads it)."""
        if self.closed:
            return
        self.written += data

    def resize(self, columns: int, rows: int) -> None:
        """Record the new size."""
        self.size = (columns, rows)
        self.sizes.append((columns, rows))

    def poll(self) -> ExitStatus | None:
        """The status given to :meth:`finish`, else None."""
        return self._exit

    def close(self) -> None:
        """Release both pipe ends; a running fake ends as if hung up (SIGHUP)."""
        self.close_calls += 1
        if self.closed:
            return
        self.closed = True
        if self._exit is None:
            self._exit = ExitStatus(signal=1)
        if self._w >= 0:
            os.close(self._w)
            self._w = -1
        if self._r >= 0:
            os.close(self._r)
            self._r = -1
        self._eof = True
