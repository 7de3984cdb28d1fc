"""The emulator against recorded screens of tmux 3.3a and xterm.js (no oracle needed).

``tests/recorded/`` holds what both oracles drew for the vttest-like streams,
the unicode stream and the colour table (``tools/record_screens.py`` writes
them). Each stream is fed whole and in 1-byte, 7-byte and 4 KiB chunks; every
cell, and the cursor, must equal tmux's or xterm.js's. The last test replays
the streams into the live oracles and requires the recordings to be current;
it needs node and the pinned xterm.js (``npm ci --prefix tools/xterm-oracle``)
and fails, saying so, without them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chloe.terminal import Terminal
from tests.terminal import recordings as rec
from tests.terminal.oracles import xterm_screen
from tests.terminal.test_differential import COLUMNS, LINES, UNKNOWN_BG, client_screen, compare
from tests.terminal.test_differential import tmux_screen as live_tmux


@pytest.mark.parametrize("name", rec.NAMES)
def test_recording_is_of_the_stream_as_it_is(name: str) -> None:
    recorded = rec.load(name)
    data = (rec.CAPTURED / f"{name}.bin").read_bytes()
    assert recorded["sha256"] == rec.digest(data), (
        f"tests/captured/{name}.bin changed: run tools/record_screens.py {name}"
    )


@pytest.mark.parametrize("chunk", [0, 1, 7, 4096], ids=["whole", "1-byte", "7-byte", "4KiB"])
@pytest.mark.parametrize("name", rec.NAMES)
def test_screen_matches_a_recorded_oracle(name: str, chunk: int) -> None:
    recorded = rec.load(name)
    data = (rec.CAPTURED / f"{name}.bin").read_bytes()
    term = Terminal(recorded["columns"], recorded["lines"])
    step = chunk or len(data)
    for i in range(0, len(data), step):
        term.feed(data[i : i + step])
    tmux_cells, tmux_cursor = rec.decode(recorded["tmux"])
    problems = compare(term, tmux_cells, tmux_cursor, None, rec.decode(recorded["xterm"]))
    assert not problems, f"{name}: {len(problems)} differences\n" + "\n".join(problems[:20])


@pytest.mark.tmux
def test_recordings_are_what_the_oracles_draw(
    tmux_socket: str, tmux_run: Callable[..., str], tmp_path: Path
) -> None:
    stale = []
    for name in rec.NAMES:
        recorded = rec.load(name)
        data = (rec.CAPTURED / f"{name}.bin").read_bytes()
        xterm = xterm_screen(data, COLUMNS, LINES, tmp_path)
        if rec.encode(xterm) != recorded["xterm"]:
            stale.append(f"{name}: xterm.js draws it differently now")
        cells, cursor = live_tmux(tmux_run, tmp_path, data, COLUMNS, LINES)
        client = client_screen(tmux_socket, cells, COLUMNS, LINES)
        tmux_run("kill-session", "-t", "diff")
        resolved = [
            [
                (" ", "default", client.buffer[y][x].bg, *(False,) * 7)
                if cell[2] == UNKNOWN_BG
                else cell
                for x, cell in enumerate(row)
            ]
            for y, row in enumerate(cells)
        ]
        if rec.encode((resolved, cursor)) != recorded["tmux"]:
            stale.append(f"{name}: tmux draws it differently now")
    assert not stale, "\n".join(stale) + "\nre-record with tools/record_screens.py and review"
