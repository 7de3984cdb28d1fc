"""Throughput and scrollback memory of chloe's emulator against stock pyte.

Run ``.venv/bin/python benchmarks/bench_terminal.py`` (``--runs N`` for the
median of N runs, default 3; ``--quick`` for a smaller, rougher run). One run
feeds the same byte streams, in the same 64 KiB chunks a pty reader would
get, to ``chloe.terminal.Terminal(scrollback=10_000)`` and to stock
``pyte.HistoryScreen(history=10_000)`` through ``pyte.ByteStream``, and prints
MB/s side by side with the ratio. The issue's targets: at least 10x on the
``seq`` flood, 5x on the coloured log flood, at most 1/10 of the memory, and
15 MB/s on the coloured log in 64 KiB and in 4 KiB feeds.

Two native emulators are reference columns, measured in the same run:

- tmux: the stream is ``cat`` in a pane of a private tmux server (``-L``,
  its own socket, killed at the end) of the same size; the time is from the
  command to ``tmux wait-for`` being signalled after ``cat`` exits, minus the
  same for an empty file. tmux reads the pty as it likes, so one figure per
  stream, whatever the feed size.
- xterm.js headless (``@xterm/headless``, the version pinned in
  ``tools/xterm-oracle``, installed by ``npm ci --prefix tools/xterm-oracle``
  as ``.ci/run`` does), if ``node`` is on ``PATH``: fed the same bytes in the
  same chunks, timed to the last ``write`` callback. Without node or the
  package the column is skipped with a note saying how to install it.

``--stock-runs N`` bounds the runs of stock pyte (slow: a minute or more per
run on a loaded machine); the ratio is then to the median of those.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def tmux_throughput(data: bytes, size: tuple[int, int], runs: int) -> float | None:
    """Median MB/s of a tmux 3.x pane ``cat``-ing ``data``, or None without tmux."""
    if shutil.which("tmux") is None:
        return None
    socket = f"chloe-bench-{secrets.token_hex(4)}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    env = {k: v for k, v in os.environ.items() if k != "TMUX"}
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "stream"
        stream.write_bytes(data)
        empty = Path(tmp) / "empty"
        empty.write_bytes(b"")
        columns, lines = size
        subprocess.run(
            [*tmux, "new-session", "-d", "-x", str(columns), "-y", str(lines), "/bin/sh"],
            check=True,
            env=env,
        )
        try:
            subprocess.run(
                [*tmux, "set-option", "-g", "history-limit", str(SCROLLBACK)], check=True, env=env
            )

            def once(path: Path) -> float:
                channel = secrets.token_hex(4)
                command = f"clear; cat {path}; tmux -L {socket} wait-for -S {channel}"
                start = time.perf_counter()
                subprocess.run([*tmux, "send-keys", command, "Enter"], check=True, env=env)
                subprocess.run([*tmux, "wait-for", channel], check=True, env=env, timeout=120)
                return time.perf_counter() - start

            rates = []
            for _ in range(runs):
                base = statistics.median(once(empty) for _ in range(3))
                rates.append(len(data) / 1e6 / max(once(stream) - base, 1e-6))
            return statistics.median(rates)
        finally:
            subprocess.run([*tmux, "kill-server"], env=env, check=False, capture_output=True)


_XTERM_SCRIPT = r"""
const { Terminal } = require("@xterm/headless");
const fs = require("fs");
const [file, columns, lines, chunk, runs] = process.argv.slice(2).map((a, i) => i ? +a : a);
const data = fs.readFileSync(file);
async function once() {
  const options = { cols: columns, rows: lines, scrollback: 10000, allowProposedApi: true };
  const term = new Terminal(options);
  const start = process.hrtime.bigint();
  await new Promise((done) => {
    for (let i = 0; i < data.length; i += chunk) {
      const last = i + chunk >= data.length;
      term.write(data.subarray(i, i + chunk), last ? done : undefined);
    }
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  term.dispose();
  return data.length / 1e6 / seconds;
}
(async () => {
  const rates = [];
  for (let r = 0; r < runs; r++) rates.push(await once());
  rates.sort((a, b) => a - b);
  console.log(JSON.stringify({ rate: rates[Math.floor(rates.length / 2)] }));
})();
"""


XTERM_HOME = Path(__file__).resolve().parent.parent / "tools" / "xterm-oracle"


def xterm_home() -> Path | None:
    """``tools/xterm-oracle`` if node and its ``@xterm/headless`` are installed, else None."""
    if shutil.which("node") is None:
        return None
    if not (XTERM_HOME / "node_modules" / "@xterm" / "headless").is_dir():
        return None
    return XTERM_HOME


def xterm_throughput(
    home: Path, data: bytes, size: tuple[int, int], runs: int, chunk: int
) -> float:
    """Median MB/s of xterm.js headless fed ``data`` in ``chunk``-byte writes."""
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "stream"
        stream.write_bytes(data)
        script = Path(tmp) / "bench_xterm.js"
        script.write_text(_XTERM_SCRIPT)
        out = subprocess.run(
            ["node", str(script), str(stream), str(size[0]), str(size[1]), str(chunk), str(runs)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
            env={**os.environ, "NODE_PATH": str(home / "node_modules")},
        )
        return float(json.loads(out.stdout)["rate"])


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="median of this many runs")
    parser.add_argument("--quick", action="store_true", help="smaller streams, one stock run")
    parser.add_argument("--stock-runs", type=int, help="runs of stock pyte (default: --runs)")
    args = parser.parse_args()
    seq = seq_flood(50_000 if args.quick else 200_000)
    log = log_flood(5_000 if args.quick else 20_000)
    stock_runs = 1 if args.quick else (args.stock_runs or args.runs)
    version = importlib.metadata.version("pyte")
    print(f"python {sys.version.split()[0]}, pyte {version}, {os.cpu_count()} cpus")
    home = xterm_home()
    if home is None:
        print(
            "xterm.js column skipped: needs node and `npm ci --prefix tools/xterm-oracle`"
            " (what .ci/run does)"
        )
    uptime = os.getloadavg()
    print(f"load average {uptime[0]:.1f} {uptime[1]:.1f} {uptime[2]:.1f} at the start")
    print(
        f"{'stream':<28}{'MB':>6}{'chloe MB/s':>12}{'stock MB/s':>12}{'ratio':>8}"
        f"{'tmux MB/s':>11}{'xterm.js':>10}"
    )
    tmux_rates: dict[int, float | None] = {}
    for name, data, size, chunk in (
        ("seq 1 200000 (80x24)", seq, (80, 24), CHUNK),
        ("coloured log (120x40)", log, (120, 40), CHUNK),
        ("coloured log, 4 KiB feeds", log, (120, 40), 4096),
        # Two or three lines per feed: too few for the flood fast path, so
        # this is the per-line cost of the ordinary path.
        ("seq, 16-byte feeds", seq, (80, 24), 16),
    ):
        ours = throughput(feed_chloe, data, size, args.runs, chunk)
        stock = throughput(feed_stock, data, size, 1 if chunk != CHUNK else stock_runs, chunk)
        if id(data) not in tmux_rates:
            tmux_rates[id(data)] = tmux_throughput(data, size, args.runs)
        native = tmux_rates[id(data)]
        xterm = xterm_throughput(home, data, size, args.runs, chunk) if home else None
        print(
            f"{name:<28}{len(data) / 1e6:>6.2f}{ours:>12.2f}{stock:>12.2f}{ours / stock:>7.1f}x"
            f"{'-' if native is None else f'{native:.2f}':>11}"
            f"{'-' if xterm is None else f'{xterm:.2f}':>10}"
        )
    history = log_flood(SCROLLBACK + 40, seed=11)
    ours_mb = memory(feed_chloe, history, (120, 40))
    stock_mb = memory(feed_stock, history, (120, 40))
    print(
        f"{'memory, 10k lines 120x40':<28}{'':>6}{ours_mb:>10.1f}MB{stock_mb:>10.1f}MB"
        f"{stock_mb / ours_mb:>7.1f}x less"
    )
    uptime = os.getloadavg()
    print(f"load average {uptime[0]:.1f} {uptime[1]:.1f} {uptime[2]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
