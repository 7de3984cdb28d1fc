"""The pty pump: read every live pane on the event loop, feed its emulator, answer it.

No Textual here: the pump needs an asyncio loop and a :class:`~chloe.ui.panes.PaneTable`,
and tells its owner what happened through three callbacks, so it is tested
with a plain loop and :class:`~chloe.backends.fake.FakeProcess` panes.

* A bounded batch per readable callback, so one busy pane cannot hold the
  loop. A pty hands out at most about 4 KiB per read, so the pump reads again
  while more is there, up to the bound, and feeds the batch at once: the
  emulator takes a flood's lines in bulk (most of them go straight to the
  scrollback) and the owner hears of it once, not four times.
* The bound is a time, :data:`FEED_BUDGET` of feeding per callback: every
  loop turn waits for it, and a keystroke's echo in another pane takes
  several turns (at a fixed 64 KiB a turn under a flood made typing visibly
  lag). Each pane's batch follows how fast its emulator took the last full
  ones (:data:`MIN_CHUNK` to :data:`MAX_CHUNK`, :data:`READ_CHUNK` at first):
  a fast emulator gets bigger batches and fewer turns, output that is slow to
  emulate (a full-screen redraw, wide text) smaller ones.
* The emulator's replies (cursor-position reports, device attributes) are
  written back to the program at once.
* End of file: a tmux client is gone (``on_client_gone``); a direct pane's
  child is polled for its exit status for up to :data:`EXIT_WAIT` seconds, then
  ``on_exit`` gets it (None if it never came).
* A direct pane's output is also appended to its continuous log (a
  :class:`~chloe.history.LogWriter` given to :meth:`PtyPump.start`); a failing
  log is closed and ``on_log_stopped`` gets its one line, the pane runs on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from chloe.backends.base import PaneProcess
from chloe.history import LogWriter
from chloe.model import ExitStatus
from chloe.ui.panes import PaneSlot, PaneTable

READ_CHUNK = 16 * 1024
"""Bytes read from one pty per loop callback until its emulator's speed is known."""

FEED_BUDGET = 0.004
"""Seconds of feeding one pane's emulator per loop callback: what a flood adds to each
turn of the loop (and a keystroke's echo elsewhere waits for a few turns)."""

MIN_CHUNK = 4 * 1024
"""The smallest batch per callback, however slow the emulator (one pty read)."""

MAX_CHUNK = 64 * 1024
"""The largest batch per callback, however fast the emulator."""

EXIT_WAIT = 2.0
"""Seconds to wait for a direct pane's exit status after its pty closed."""

EXIT_POLL = 0.05
"""Seconds between looks for that exit status."""


class PtyPump:
    """Feeds each live pane's emulator from its pty.

    Args:
        loop: The event loop the App runs on (readers are added to it).
        table: The panes; a read for a pane no longer in it (or with another
            process) stops reading that process.
        on_output: New output was fed to this pane's emulator.
        on_client_gone: A tmux client's pty closed (the process is already closed).
        on_exit: A direct pane's program ended with this status (None: unknown);
            the process is closed and no longer the slot's.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        table: PaneTable,
        *,
        on_output: Callable[[PaneSlot], None],
        on_client_gone: Callable[[PaneSlot], None],
        on_exit: Callable[[PaneSlot, ExitStatus | None], None],
        on_log_stopped: Callable[[PaneSlot, str], None] | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._loop = loop
        self._table = table
        self._on_output = on_output
        self._on_client_gone = on_client_gone
        self._on_exit = on_exit
        self._on_log_stopped = on_log_stopped
        self._logs: dict[int, LogWriter] = {}
        self._chunks: dict[int, int] = {}
        """Per process (by id): bytes to read per callback (see :data:`FEED_BUDGET`)."""
        self._clock = clock

    def start(self, slot: PaneSlot, proc: PaneProcess, log: LogWriter | None = None) -> None:
        """Read ``proc`` (now ``slot.process``) into ``slot.terminal`` from now on.

        ``log``: where its output is appended too (closed when reading stops).
        """
        if log is not None:
            self._logs[id(proc)] = log
        self._loop.add_reader(proc.fd, self._readable, slot.pane_id, proc)

    def stop(self, proc: PaneProcess) -> None:
        """Stop reading ``proc`` (it stays open)."""
        self._chunks.pop(id(proc), None)
        log = self._logs.pop(id(proc), None)
        if log is not None:
            log.close()
        try:
            self._loop.remove_reader(proc.fd)
        except (OSError, ValueError):
            pass

    def release(self, slot: PaneSlot) -> PaneProcess | None:
        """Stop reading the slot's process and take it out of the slot; returns it."""
        proc = slot.process
        if proc is not None:
            self.stop(proc)
            slot.process = None
        return proc

    def _readable(self, pane_id: str, proc: PaneProcess) -> None:
        """One bounded read: feed the emulator, answer its queries, tell the owner."""
        slot = self._table.get(pane_id)
        if slot is None or slot.process is not proc or slot.terminal is None:
            self.stop(proc)
            return
        chunk = self._chunks.get(id(proc), READ_CHUNK)
        try:
            data = proc.read(chunk)
        except OSError:
            data = None
        if data is None:
            self._eof(slot, proc)
            return
        if not data:
            return
        if len(data) < chunk:
            # More may be there already (a pty read stops at about 4 KiB);
            # what is not, or the end of file, waits for the next callback.
            parts = [data]
            size = len(data)
            while size < chunk:
                try:
                    more = proc.read(chunk - size)
                except OSError:
                    more = None
                if not more:
                    break
                parts.append(more)
                size += len(more)
            data = b"".join(parts)
        log = self._logs.get(id(proc))
        if log is not None:
            log.write(data)
            if log.error is not None:
                del self._logs[id(proc)]
                if self._on_log_stopped is not None:
                    self._on_log_stopped(slot, log.error)
        terminal = slot.terminal
        started = self._clock()
        terminal.feed(data)
        if len(data) == chunk:
            # A full batch (a flood): size the next one to the budget, moving
            # halfway there so one slow feed (the machine was busy) does not
            # swing it.
            took = max(self._clock() - started, 1e-6)
            target = len(data) * FEED_BUDGET / took
            self._chunks[id(proc)] = int(max(MIN_CHUNK, min(MAX_CHUNK, (chunk + target) / 2)))
        replies = terminal.take_replies()
        if replies:
            try:
                proc.write(replies)
            except OSError:
                pass
        self._on_output(slot)

    def _eof(self, slot: PaneSlot, proc: PaneProcess) -> None:
        self.stop(proc)
        if slot.is_tmux:
            # The client ended: detached elsewhere, session killed or server gone.
            slot.process = None
            proc.close()
            self._on_client_gone(slot)
            return
        self._await_exit(slot, proc, time.monotonic() + EXIT_WAIT)

    def _await_exit(self, slot: PaneSlot, proc: PaneProcess, deadline: float) -> None:
        status = proc.poll()
        if status is None and time.monotonic() < deadline:
            self._loop.call_later(EXIT_POLL, self._await_exit, slot, proc, deadline)
            return
        proc.close()
        if status is None:
            status = proc.poll()
        if slot.process is proc:
            slot.process = None
            slot.exit_status = status
            self._on_exit(slot, status)
