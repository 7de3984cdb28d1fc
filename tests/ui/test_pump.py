"""The pty pump on a plain asyncio loop with scripted processes (no App)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from chloe.backends.fake import FakeProcess
from chloe.model import ExitStatus, Kind, PaneRecord
from chloe.terminal import Terminal
from chloe.ui.panes import PaneSlot, PaneTable
from chloe.ui.pump import FEED_BUDGET, MAX_CHUNK, MIN_CHUNK, READ_CHUNK, PtyPump
from tests.support.waiting import wait_until_async


class Events:
    def __init__(self) -> None:
        self.output: list[str] = []
        self.gone: list[str] = []
        self.exits: list[tuple[str, ExitStatus | None]] = []

    def pump(self, loop: asyncio.AbstractEventLoop, table: PaneTable, **options: Any) -> PtyPump:
        """A pump that records what it reports here (``options``: its clock, log hook)."""
        return PtyPump(
            loop,
            table,
            on_output=lambda s: self.output.append(s.record.name),
            on_client_gone=lambda s: self.gone.append(s.record.name),
            on_exit=lambda s, st: self.exits.append((s.record.name, st)),
            **options,
        )


async def until(check: Callable[[], object], timeout: float = 5.0) -> None:
    await wait_until_async(check, timeout, 0.01, pause=asyncio.sleep)


def live(table: PaneTable, kind: Kind) -> tuple[PaneSlot, FakeProcess]:
    slot = table.add(PaneRecord.new(f"p{len(table)}", kind, "/"))
    slot.terminal = Terminal(40, 5, scrollback=100)
    proc = FakeProcess(40, 5)
    slot.process = proc
    return slot, proc


async def test_output_is_fed_and_queries_answered() -> None:
    """Bytes reach the emulator; a cursor-position query is answered to the program."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot, proc = live(table, Kind.DIRECT)
    pump.start(slot, proc)
    proc.emit(b"hello\x1b[6n")
    await until(lambda: events.output)
    assert slot.terminal is not None and "hello" in slot.terminal.display[0]
    assert bytes(proc.written) == b"\x1b[1;6R"
    pump.stop(proc)


async def test_reads_are_bounded() -> None:
    """A flood is read in bounded chunks, one per loop callback: READ_CHUNK at first, then
    sized to the emulator's speed, never past MAX_CHUNK."""
    clock = Clock()  # never advances: an emulator that takes no time at all
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table, clock=clock)
    slot, proc, terminal = flooding(table, clock, 0.0, READ_CHUNK + MAX_CHUNK + 100)
    pump.start(slot, proc)
    await until(lambda: sum(terminal.sizes) == READ_CHUNK + MAX_CHUNK + 100)
    assert terminal.sizes == [READ_CHUNK, MAX_CHUNK, 100]
    assert len(events.output) == 3
    pump.stop(proc)


class PtyLike(FakeProcess):
    """Reads stop at 4095 bytes, as a Linux pty's do."""

    def read(self, max_bytes: int = 65536) -> bytes | None:
        return super().read(min(max_bytes, 4095))


async def test_a_burst_is_fed_at_once_not_one_small_read_at_a_time() -> None:
    """Output waiting in four pty-sized reads reaches the emulator in one feed."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot = table.add(PaneRecord.new("p", Kind.DIRECT, "/"))
    slot.terminal = Terminal(40, 5, scrollback=1000)
    proc = PtyLike(40, 5)
    slot.process = proc
    lines = b"".join(b"\x1b[32mline %04d\x1b[0m\r\n" % i for i in range(2000))[: 4 * 4000]
    assert len(lines) < READ_CHUNK
    proc.emit(lines)
    pump.start(slot, proc)
    await until(lambda: events.output)
    await asyncio.sleep(0.05)  # a second callback, if any, would have run by now
    assert events.output == ["p"]
    whole = lines.count(b"\r\n")
    assert slot.terminal.scrollback()[-1] == f"line {whole - 5:04d}"
    pump.stop(proc)


async def test_direct_pane_exit_status_comes_after_eof() -> None:
    """End of output then the child's status: the slot is dead with it, the process closed."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot, proc = live(table, Kind.DIRECT)
    pump.start(slot, proc)
    proc.emit(b"bye\r\n")
    proc.finish(ExitStatus(code=3))
    await until(lambda: events.exits)
    assert events.exits == [(slot.record.name, ExitStatus(code=3))]
    assert slot.process is None and slot.label == "dead (exit 3)" and proc.closed


async def test_tmux_client_eof_is_client_gone() -> None:
    """A tmux client's pty closing is 'client gone', not an exit status."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot, proc = live(table, Kind.TMUX)
    pump.start(slot, proc)
    proc.finish()
    await until(lambda: events.gone)
    assert events.exits == [] and slot.process is None and proc.closed


async def test_a_replaced_process_is_no_longer_read() -> None:
    """Output of a process that is no longer the slot's is not fed."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot, proc = live(table, Kind.DIRECT)
    pump.start(slot, proc)
    slot.process = FakeProcess()
    proc.emit(b"stale")
    await asyncio.sleep(0.1)
    assert events.output == []
    assert slot.terminal is not None and "stale" not in slot.terminal.display[0]


async def test_a_direct_panes_output_goes_to_its_log_until_the_log_fails() -> None:
    """Output is appended to the log; a failing log is one line, and the pane runs on."""
    from chloe import history

    table, events = PaneTable(), Events()
    stopped: list[str] = []
    pump = events.pump(
        asyncio.get_running_loop(), table, on_log_stopped=lambda s, text: stopped.append(text)
    )
    slot, proc = live(table, Kind.DIRECT)
    writer = history.LogWriter(slot.pane_id, slot.record.name, cap=11)
    pump.start(slot, proc, writer)
    proc.emit(b"first line\n")
    await until(lambda: history.read_log(slot.pane_id) == b"first line\n")
    history.remove_log(slot.pane_id)
    history.log_dir().rmdir()
    history.log_dir().write_text("")  # the next rotation cannot happen
    proc.emit(b"second\n")
    await until(lambda: stopped)
    proc.emit(b"third\n")
    await until(lambda: slot.terminal is not None and "third" in slot.terminal.display[2])
    assert len(stopped) == 1 and "logging of 'p0' stopped" in stopped[0]
    pump.stop(proc)


class Clock:
    """Emulated time: advanced only by :class:`TimedTerminal` feeds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TimedTerminal(Terminal):
    """An emulator that takes ``seconds_per_kib`` of emulated time per KiB fed."""

    def __init__(self, clock: Clock, seconds_per_kib: float) -> None:
        super().__init__(80, 24, scrollback=1000)
        self.clock = clock
        self.seconds_per_kib = seconds_per_kib
        self.sizes: list[int] = []
        self.after_feed: Callable[[], None] = lambda: None

    def feed(self, data: bytes) -> None:
        super().feed(data)
        self.clock.now += len(data) / 1024 * self.seconds_per_kib
        self.sizes.append(len(data))
        self.after_feed()


class Flood(PtyLike):
    """A program with ``data`` to print, read 4095 bytes at a time (a pipe cannot hold it)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(80, 24)
        self.backlog = bytearray(data)
        os.write(self._w, b"\0")  # readable while the backlog lasts

    def read(self, max_bytes: int = 65536) -> bytes | None:
        if self.backlog:
            out = bytes(self.backlog[: min(max_bytes, 4095)])
            del self.backlog[: len(out)]
            if not self.backlog:
                os.read(self._r, 1)
            return out
        return super().read(max_bytes)


def coloured(size: int) -> bytes:
    line = b"\x1b[2m12:00:01\x1b[0m \x1b[1;32mINFO\x1b[0m \x1b[35mworker:\x1b[0m handled %d\r\n"
    data = b"".join(line % i for i in range(size // 40 + 1))
    return data[:size]


def flooding(
    table: PaneTable, clock: Clock, seconds_per_kib: float, size: int
) -> tuple[PaneSlot, Flood, TimedTerminal]:
    slot = table.add(PaneRecord.new("flood", Kind.DIRECT, "/"))
    terminal = TimedTerminal(clock, seconds_per_kib)
    slot.terminal = terminal
    proc = Flood(coloured(size))
    slot.process = proc
    return slot, proc, terminal


async def test_an_echo_in_another_pane_waits_for_at_most_one_budget_of_a_slow_flood() -> None:
    """A keystroke echoed in one pane while another floods an emulator taking 1 ms a KiB:
    the echo is fed after at most about :data:`FEED_BUDGET` of the flood's feeding, not
    after a fixed 16 KiB (16 ms) batch."""
    clock = Clock()
    table = PaneTable()
    typed: list[float] = []
    pump = PtyPump(
        asyncio.get_running_loop(),
        table,
        on_output=lambda s: typed.append(clock.now) if s.record.name == "typing" else None,
        on_client_gone=lambda s: None,
        on_exit=lambda s, st: None,
        clock=clock,
    )
    slot, flood, terminal = flooding(table, clock, 0.001, 400_000)
    typing_slot = table.add(PaneRecord.new("typing", Kind.DIRECT, "/"))
    typing_slot.terminal = Terminal(40, 5)
    typing = FakeProcess(40, 5)
    typing_slot.process = typing
    sent: list[float] = []

    def key_after_ten_feeds() -> None:
        if len(terminal.sizes) == 10:
            typing.emit(b"Z")  # the echo of a key typed just now
            sent.append(clock.now)

    terminal.after_feed = key_after_ten_feeds
    pump.start(slot, flood)
    pump.start(typing_slot, typing)
    await until(lambda: typed)
    assert "Z" in typing_slot.terminal.display[0]
    assert typed[0] - sent[0] <= FEED_BUDGET * 1.5
    # The flood's batches shrank to the budget (the first is READ_CHUNK, then
    # halfway there each time) and never below one pty read.
    assert terminal.sizes[0] == READ_CHUNK
    assert all(size >= MIN_CHUNK or not flood.backlog for size in terminal.sizes)
    assert terminal.sizes[9] * 0.001 / 1024 <= FEED_BUDGET * 1.25
    pump.stop(flood)
    pump.stop(typing)


async def test_a_fast_emulator_takes_a_flood_in_bigger_batches() -> None:
    """An emulator at 50 MB/s is fed up to MAX_CHUNK a callback: a 1 MB flood takes about
    16 loop turns, not the 64 of 16 KiB batches."""
    clock = Clock()
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table, clock=clock)
    slot, flood, terminal = flooding(table, clock, 0.00002, 1_000_000)
    pump.start(slot, flood)
    await until(lambda: not flood.backlog and sum(terminal.sizes) == 1_000_000)
    assert max(terminal.sizes) == MAX_CHUNK
    assert len(terminal.sizes) <= 1_000_000 // MAX_CHUNK + 6
    # Nothing lost on the way: the last whole lines are on the screen, those
    # before them in the scrollback, in order.
    whole = coloured(1_000_000).split(b"\r\n")[:-1]
    last = int(whole[-1].rsplit(b" ", 1)[1])
    assert f"handled {last}" in terminal.display[-2]
    assert [line.rsplit(" ", 1)[1] for line in terminal.scrollback()[-3:]] == [
        str(last - 25),
        str(last - 24),
        str(last - 23),
    ]
    pump.stop(flood)
