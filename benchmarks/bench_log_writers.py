"""What a flood costs with different ``pipe-pane`` readers, on a bare tmux.

Run ``.venv/bin/python benchmarks/bench_log_writers.py`` (``--runs N``,
default 15; name variants to run only those). Each round starts a private
tmux server (``-f /dev/null``, ``history-limit`` 10000, no status line) whose
only pane ``cat``s 20 MB of text lines once a go-file appears; the variants
run in turn (reversed every other round). Printed per variant: the median
time until ``cat`` ended against the run without a pipe (``off``) measured
in the same rounds (as a ratio of medians, and the median of each round's
own ratio), the tmux server's CPU seconds and the reader's (its whole
process tree), and how often the tmux server was preempted (taken off a
CPU while it could have run on: the flood waits then). Every reader that
writes a log must hold every byte before the round counts.

This is the measurement behind ``docs/performance.md``, "Logging cost of a
flood": the benchmark of chloe's own panes is ``bench_history.py --only
flood``; this one asks whether another reader would be cheaper.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chloe.history import writer_command  # noqa: E402

FLOOD_BYTES = 20 * 1000 * 1000
CAP = 64 << 20

_PERL_BATCH = (
    "open(F, '>>', $ARGV[0]) or exit 1; "
    "while (($n = sysread(STDIN, $b, 1048576))) "
    "{ syswrite(F, $b) == $n or exit 1; select(undef, undef, undef, 0.01) if $n < 65536 }"
)

VARIANTS: dict[str, Callable[[Path], str] | None] = {
    "off": None,
    "chloe": lambda log: writer_command(log, CAP),
    "cat-file": lambda log: f"exec cat >> {shlex.quote(str(log))}",
    "cat-null": lambda log: "exec cat > /dev/null",
    "no-read": lambda log: "exec sleep 100000",
    "perl-batch": lambda log: shlex.join(["exec", "perl", "-e", _PERL_BATCH, str(log)]),
    "nice10": lambda log: writer_command(log, CAP).replace("exec sh", "exec nice -n 10 sh", 1),
    "idle": lambda log: writer_command(log, CAP).replace("exec sh", "exec chrt --idle 0 sh", 1),
}
LOGGING = ("chloe", "cat-file", "perl-batch", "nice10", "idle")


def _cpu(pid: int) -> float:
    """CPU seconds of a process and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _preempted(pid: int) -> int:
    """How many times the process was taken off a CPU while it could have run on."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("nonvoluntary_ctxt_switches:"):
            return int(line.split()[1])
    return 0


def _tree(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [d for k in kids for d in _tree(k)]


def _round(tmp: Path, source: Path, name: str, tag: str) -> tuple[float, float, float, int]:
    socket = f"chloe-writers-{secrets.token_hex(4)}"

    def tmux(*args: str) -> str:
        argv = ["tmux", "-L", socket, "-f", "/dev/null", *args]
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()

    go, done, log = tmp / f"go-{tag}", tmp / f"done-{tag}", tmp / f"log-{tag}"
    script = f"until [ -e {go} ]; do sleep 0.02; done; cat {source}; touch {done}; exec sleep 600"
    try:
        tmux(
            "start-server", ";", "set-option", "-g", "history-limit", "10000", ";",
            "set-option", "-g", "status", "off", ";",
            "new-session", "-d", "-x", "120", "-y", "40", "-s", "flood", script,
        )  # fmt: skip
        server = int(tmux("display-message", "-p", "#{pid}"))
        pane = int(tmux("display-message", "-p", "#{pane_pid}"))
        make = VARIANTS[name]
        if make is not None:
            tmux("pipe-pane", "-o", "-t", "flood", make(log).replace("#", "##"))
        deadline = time.monotonic() + 10
        while make is not None and len(_tree(server)) < 2:  # the reader runs
            if time.monotonic() > deadline:
                sys.exit(f"{name}: the pipe-pane reader did not start")
            time.sleep(0.01)
        readers = [p for p in _tree(server) if p != pane]
        tmux_before = _cpu(server)
        preempted_before = _preempted(server)
        start = time.monotonic()
        go.touch()
        while not done.exists():
            if time.monotonic() - start > 300:
                sys.exit(f"{name}: the flood did not end in 300 s")
            time.sleep(0.005)
        wall = time.monotonic() - start
        tmux_cpu = _cpu(server) - tmux_before
        preempted = _preempted(server) - preempted_before
        if name in LOGGING:
            whole = FLOOD_BYTES + source.read_bytes().count(b"\n")  # the terminal adds \r
            while not log.exists() or log.stat().st_size < whole:
                if time.monotonic() - start > 300:
                    sys.exit(f"{name}: the log did not fill in 300 s")
                time.sleep(0.005)
        reader_cpu = sum(_cpu(p) for p in readers + [d for r in readers for d in _tree(r)])
        return wall, tmux_cpu, reader_cpu, preempted
    finally:
        subprocess.run(
            ["tmux", "-L", socket, "kill-server"], check=False, capture_output=True, timeout=30
        )
        for path in (go, done, log):
            path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("variants", nargs="*", help=f"some of: {', '.join(VARIANTS)}")
    args = parser.parse_args()
    unknown = [n for n in args.variants if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; the variants are {', '.join(VARIANTS)}")
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    names = ["off", *(n for n in (args.variants or VARIANTS) if n != "off")]
    for key in ("TMUX", "TMUX_PANE"):
        os.environ.pop(key, None)
    with tempfile.TemporaryDirectory(prefix="chloe-writers-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["TMUX_TMPDIR"] = str(tmp)
        source = tmp / "flood.txt"
        with source.open("wb") as fh:
            i = 0
            while fh.tell() < FLOOD_BYTES:
                fh.write(b"%07d the quick brown fox jumps over the lazy dog 0123456789\n" % i)
                i += 1
            fh.truncate(FLOOD_BYTES)
        results: dict[str, list[tuple[float, float, float, int]]] = {n: [] for n in names}
        for run in range(args.runs):
            for name in names if run % 2 == 0 else reversed(names):
                results[name].append(_round(tmp, source, name, f"{run}-{name}"))
    base = statistics.median(r[0] for r in results["off"])
    print(f"a 20 MB flood in a bare tmux pane, median of {args.runs} rounds:")
    print("  variant    time           within rounds  CPU")
    for name in names:
        walls = [r[0] for r in results[name]]
        wall = statistics.median(walls)
        # Against the run without a pipe of the same round (minutes apart at most).
        paired = statistics.median(
            100 * (mine[0] - off[0]) / off[0]
            for mine, off in zip(results[name], results["off"], strict=True)
        )
        print(
            f"  {name:10s} {wall:.2f} s ({100 * (wall - base) / base:+5.1f} %)  {paired:+5.1f} %  "
            f"tmux {statistics.median(r[1] for r in results[name]):.2f} s  "
            f"reader {statistics.median(r[2] for r in results[name]):.2f} s  "
            f"tmux preempted {statistics.median(r[3] for r in results[name]):.0f} times"
        )
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
