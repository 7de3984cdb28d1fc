"""Every recorded stream gives the same terminal however the pty splits it.

A pty read returns whatever is there: one byte of a UTF-8 character, half an
escape sequence, the text before a ``CSI b`` (REP) and the REP in the next
read. Each stream under ``tests/captured/`` is fed whole and in 1-byte,
7-byte and 4 KiB chunks; screen, cursor, modes, scrollback and replies must
come out identical.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.terminal import Terminal

CAPTURED = Path(__file__).resolve().parent.parent / "captured"
STREAMS = sorted(CAPTURED.glob("*.bin"))


def _fed(data: bytes, chunk: int) -> tuple[object, ...]:
    term = Terminal(80, 24, scrollback=500)
    replies = bytearray()
    for i in range(0, len(data), chunk):
        term.feed(data[i : i + chunk])
        replies += term.take_replies()
    c = term.cursor
    history = [term.scrollback_row(i) for i in range(term.scrollback_len)]
    return (
        [list(row) for row in term.buffer],
        (c.x, c.y, c.hidden, c.attrs),
        sorted(term.mode),
        term.margins,
        term.title,
        history,
        bytes(replies),
    )


@pytest.mark.parametrize("chunk", [1, 7, 4096])
@pytest.mark.parametrize("stream", STREAMS, ids=lambda p: p.stem)
def test_chunking_gives_the_same_terminal(stream: Path, chunk: int) -> None:
    data = stream.read_bytes()
    assert _fed(data, chunk) == _fed(data, len(data) or 1)
