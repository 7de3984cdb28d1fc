"""The fake pane process behaves like a pty for an event loop."""

from __future__ import annotations

import asyncio

from chloe.backends.fake import FakeProcess
from chloe.model import ExitStatus


async def test_fake_output_reaches_an_event_loop_reader_then_eof() -> None:
    proc = FakeProcess()
    loop = asyncio.get_running_loop()
    got = bytearray()
    done = loop.create_future()

    def on_readable() -> None:
        data = proc.read()
        if data is None:
            loop.remove_reader(proc.fd)
            done.set_result(None)
        else:
            got.extend(data)

    loop.add_reader(proc.fd, on_readable)
    proc.emit(b"hello ")
    proc.emit(b"world")
    assert proc.alive
    proc.finish(ExitStatus(code=3))
    await asyncio.wait_for(done, 5)
    assert bytes(got) == b"hello world"
    assert proc.poll() == ExitStatus(code=3)
    assert not proc.alive
    proc.close()


def test_fake_records_writes_resizes_and_close() -> None:
    proc = FakeProcess(100, 30)
    assert proc.read() == b""
    proc.write(b"ls\r")
    proc.write(b"\x1b[A")
    proc.resize(120, 40)
    assert bytes(proc.written) == b"ls\r\x1b[A"
    assert proc.sizes == [(120, 40)]
    assert proc.size == (120, 40)
    proc.close()
    proc.close()
    assert proc.closed and proc.close_calls == 2
    assert proc.read() is None
    assert proc.poll() is not None
