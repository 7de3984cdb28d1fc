"""Throughput and scrollback memory of chloe's emulator against stock pyte.

Run ``.venv/bin/python benchmarks/bench_terminal.py`` (``--runs N`` for the
median of N runs, default 3; ``--quick`` for a smaller, rougher run). One run
feeds the same byte streams, in the same 64 KiB chunks a pty reader would
get, to ``chloe.terminal.Terminal(scrollback=10_000)`` and to stock
``pyte.HistoryScreen(history=10_000)`` through ``pyte.ByteStream``, and prints
MB/s side by side with the ratio. The issue's targets: at least 10x on the
``seq`` flood, 5x on the coloured log flood, at most 1/10 of the memory.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyte

from chloe.terminal import Terminal

CHUNK = 65536
SCROLLBACK = 10_000


def seq_flood(count: int = 200_000) -> bytes:
    """``seq 1 COUNT`` as a pty delivers it (ONLCR turns LF into CR LF)."""
    return "".join(f"{i}\r\n" for i in range(1, count + 1)).encode()


_LEVELS = (("32", "INFO "), ("33", "WARN "), ("31", "ERROR"), ("36", "DEBUG"))
_WORDS = (
    "request",
    "handled",
    "in",
    "ms",
    "user",
    "session",
    "cache",
    "miss",
    "retrying",
    "connection",
    "pool",
    "worker",
    "queue",
    "flushed",
    "bytes",
    "ok",
)


def log_flood(count: int = 20_000, seed: int = 7) -> bytes:
    """A coloured log: SGR on every line, 80-120 visible columns per line."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        colour, level = rng.choice(_LEVELS)
        width = rng.randint(80, 120)
        head = (
            f"2026-11-21 13:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} {level} worker-{i % 8}: "
        )
        body = []
        length = len(head)
        while length < width:
            word = rng.choice(_WORDS)
            body.append(word)
            length += len(word) + 1
        text = " ".join(body)[: width - len(head)]
        out.append(
            f"\x1b[2m{head[:23]}\x1b[0m \x1b[1;{colour}m{level}\x1b[0m "
            f"\x1b[35m{head[30:]}\x1b[0m{text}\r\n"
        )
    return "".join(out).encode()


def feed_chloe(data: bytes, columns: int, lines: int, chunk: int = CHUNK) -> object:
    """Feed ``data`` to a fresh Terminal; return it (for memory measurement)."""
    term = Terminal(columns, lines, scrollback=SCROLLBACK)
    for i in range(0, len(data), chunk):
        term.feed(data[i : i + chunk])
    return term


def feed_stock(data: bytes, columns: int, lines: int, chunk: int = CHUNK) -> object:
    """Feed ``data`` to a fresh stock pyte HistoryScreen; return it."""
    screen = pyte.HistoryScreen(columns, lines, history=SCROLLBACK)
    stream = pyte.ByteStream(screen)
    for i in range(0, len(data), chunk):
        stream.feed(data[i : i + chunk])
    return screen


def throughput(
    feed: Callable[..., object], data: bytes, size: tuple[int, int], runs: int, chunk: int = CHUNK
) -> float:
    """Median MB/s over ``runs`` runs."""
    rates = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        feed(data, *size, chunk)
        rates.append(len(data) / 1e6 / (time.perf_counter() - start))
    return statistics.median(rates)


def memory(feed: Callable[[bytes, int, int], object], data: bytes, size: tuple[int, int]) -> float:
    """MB still allocated by the screen after ``data`` (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    screen = feed(data, *size)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del screen
    return held / 1e6


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs")
    parser.add_argument("--quick", action="store_true", help="smaller streams, one stock run")
    args = parser.parse_args()
    seq = seq_flood(50_000 if args.quick else 200_000)
    log = log_flood(5_000 if args.quick else 20_000)
    stock_runs = 1 if args.quick else args.runs
    version = importlib.metadata.version("pyte")
    print(f"python {sys.version.split()[0]}, pyte {version}, {os.cpu_count()} cpus")
    print(f"{'stream':<28}{'MB':>6}{'chloe MB/s':>12}{'stock MB/s':>12}{'ratio':>8}")
    for name, data, size, chunk in (
        ("seq 1 200000 (80x24)", seq, (80, 24), CHUNK),
        ("coloured log (120x40)", log, (120, 40), CHUNK),
        # Two or three lines per feed: too few for the flood fast path, so
        # this is the per-line cost of the ordinary path.
        ("seq, 16-byte feeds", seq, (80, 24), 16),
    ):
        ours = throughput(feed_chloe, data, size, args.runs, chunk)
        stock = throughput(feed_stock, data, size, 1 if chunk != CHUNK else stock_runs, chunk)
        print(f"{name:<28}{len(data) / 1e6:>6.2f}{ours:>12.2f}{stock:>12.2f}{ours / stock:>7.1f}x")
    history = log_flood(SCROLLBACK + 40, seed=11)
    ours_mb = memory(feed_chloe, history, (120, 40))
    stock_mb = memory(feed_stock, history, (120, 40))
    print(
        f"{'memory, 10k lines 120x40':<28}{'':>6}{ours_mb:>10.1f}MB{stock_mb:>10.1f}MB"
        f"{stock_mb / ours_mb:>7.1f}x less"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
