"""A watched flood's frame rate follows what its frames cost (TerminalView in a headless app)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from chloe.terminal import Terminal
from chloe.ui.terminal_view import MAX_FLOOD_FRAME_INTERVAL, TerminalView
from tests.support.repaints import record_flushes
from tests.support.waiting import wait_until_async

SIZE = (40, 10)


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TerminalView(Terminal(*SIZE), id="view")


def text_of(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


async def flood(pilot: Pilot[Any], view: TerminalView, seconds: float) -> tuple[list[float], int]:
    """Several screenfuls a loop turn for ``seconds``; the times of the view's flushes."""
    flushes = record_flushes(view)
    line = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for _ in range(3):  # three pty reads a loop turn, each a screenful or more
            view.terminal.feed(b"".join(b"\r\nflood %d" % (line + i) for i in range(30)))
            line += 30
            view.notify_output()
        await pilot.pause(0.001)
    await wait_until_async(lambda: not view._pending, 5.0, 0.01, pause=pilot.pause)
    await pilot.pause()
    return flushes, line


async def test_a_flood_whose_frames_are_slow_to_draw_is_painted_less_often() -> None:
    """Frames that take 60 ms to render come at most 4 a second, not 20; the last is whole.

    (A big window on a slow machine: the pane's output gets the time instead.)
    """
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        original_row = view._screen_row

        def slow_row(y: int) -> Strip:
            time.sleep(0.006)  # ten rows: 60 ms a frame
            return original_row(y)

        view._screen_row = slow_row  # type: ignore[method-assign]
        flushes, lines = await flood(pilot, view, 1.5)
        assert len(flushes) >= 3
        # The first two repaints do not know the flood or its cost yet; later
        # ones wait 60 ms / 0.2 (capped at 1/4 s) after the one before.
        gaps = [b - a for a, b in itertools.pairwise(flushes[2:])]
        assert min(gaps) >= MAX_FLOOD_FRAME_INTERVAL * 0.9
        assert text_of(view.render_line(SIZE[1] - 1)).startswith(f"flood {lines - 1}")


async def test_a_flood_whose_frames_are_cheap_keeps_20_frames_a_second() -> None:
    """Cheap frames are not held back beyond the flood's 20 a second."""
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        flushes, lines = await flood(pilot, view, 1.0)
        # On an idle machine about 20; under load fewer, but far more than the
        # 4 a second of the slow case.
        assert len(flushes) >= 8
        assert text_of(view.render_line(SIZE[1] - 1)).startswith(f"flood {lines - 1}")
