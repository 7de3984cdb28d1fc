"""The TUI process's garbage collector during a coloured flood: collections are rare.

Each collection of the youngest generation costs about the same whatever its
size (a couple of milliseconds of a flood's event loop, measured with
``benchmarks/bench_ui.py --profile``): how many run is what a flood pays. Counted,
not timed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from chloe.terminal import Terminal
from chloe.ui.app import tune_garbage_collector

PYTHON_DEFAULT = (700, 10, 10)


@pytest.fixture
def collector() -> Iterator[None]:
    """Python's default thresholds, and the test process's collector put back after."""
    saved = gc.get_threshold()
    gc.set_threshold(*PYTHON_DEFAULT)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)


def coloured_log(lines: int) -> bytes:
    """Lines like a build's or a test runner's: a dim time, a coloured level, SGR resets."""
    levels = (b"\x1b[1;31mERROR\x1b[0m", b"\x1b[1;32mINFO \x1b[0m", b"\x1b[33mWARN \x1b[0m")
    return b"".join(
        b"\x1b[2m12:00:%02d.%03d\x1b[0m %s \x1b[35mworker-%d: \x1b[0mhandled request %d in %d ms"
        b" from the queue with cache miss and retry\r\n"
        % (i % 60, i % 1000, levels[i % 3], i % 8, i, i % 97)
        for i in range(lines)
    )


def young_collections_during(data: bytes) -> int:
    """How many times the youngest generation is collected while a pane is fed ``data``."""
    terminal = Terminal(88, 33, scrollback=10_000)
    count = 0

    def callback(phase: str, info: dict[str, int]) -> None:
        nonlocal count
        if phase == "start":
            count += 1

    gc.collect()
    gc.callbacks.append(callback)
    try:
        for start in range(0, len(data), 16384):
            terminal.feed(data[start : start + 16384])
    finally:
        gc.callbacks.remove(callback)
    assert "handled request" in "".join(terminal.display)
    return count


def test_a_coloured_flood_collects_garbage_a_tenth_as_often_once_tuned(collector: None) -> None:
    data = coloured_log(20_000)  # 2.3 MB
    untuned = young_collections_during(data)
    tune_garbage_collector()
    tuned = young_collections_during(data)
    assert untuned >= 10  # Python's default thresholds: the collector runs all the time
    assert tuned <= untuned / 8
