"""The pty pump on a plain asyncio loop with scripted processes (no App)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from chloe.backends.fake import FakeProcess
from chloe.model import ExitStatus, Kind, PaneRecord
from chloe.terminal import Terminal
from chloe.ui.panes import PaneSlot, PaneTable
from chloe.ui.pump import READ_CHUNK, PtyPump
from tests.support.waiting import wait_until_async


class Events:
    def __init__(self) -> None:
        self.output: list[str] = []
        self.gone: list[str] = []
        self.exits: list[tuple[str, ExitStatus | None]] = []

    def pump(self, loop: asyncio.AbstractEventLoop, table: PaneTable) -> PtyPump:
        return PtyPump(
            loop,
            table,
            on_output=lambda s: self.output.append(s.record.name),
            on_client_gone=lambda s: self.gone.append(s.record.name),
            on_exit=lambda s, st: self.exits.append((s.record.name, st)),
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
    """A flood is read in chunks, one per loop callback."""
    table, events = PaneTable(), Events()
    pump = events.pump(asyncio.get_running_loop(), table)
    slot, proc = live(table, Kind.DIRECT)
    proc.emit(b"x" * (READ_CHUNK * 3))
    pump.start(slot, proc)
    await until(lambda: len(events.output) >= 3)
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
    pump = PtyPump(
        asyncio.get_running_loop(),
        table,
        on_output=lambda s: events.output.append(s.record.name),
        on_client_gone=lambda s: None,
        on_exit=lambda s, st: None,
        on_log_stopped=lambda s, text: stopped.append(text),
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
