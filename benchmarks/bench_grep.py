"""`chloe grep` over 100 panes x 10,000 log lines, beside GNU grep on the same files.

Builds a private state (XDG dirs in a temporary directory): 100 panes in the
pane list, each with a continuous log of 10,000 coloured lines (the pane id in
green, then words; 1 line in 1,000 holds the text searched for). Then, in one
run, alternating so load hits both alike:

* ``chloe grep 'needle here'`` as the user runs it (a new Python process: start-up,
  the pane list, every log), wall time and CPU time (user + system of the child);
* the search alone, in this process (:func:`chloe.history.search_sources` over
  :meth:`chloe.service.PaneService.history_sources`);
* ``grep -c`` and ``grep -n`` over the same 100 files (no escape handling, so a
  floor, not a like-for-like).

    .venv/bin/python benchmarks/bench_grep.py            # median of 5
    .venv/bin/python benchmarks/bench_grep.py --runs 9
    # and an older chloe beside it, in the same run:
    mkdir /tmp/old && git archive OLD | tar -x -C /tmp/old
    .venv/bin/python benchmarks/bench_grep.py --also /tmp/old
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PANES = 100
LINES = 10_000
TEXT = "needle here"


def _env(tmp: Path) -> dict[str, str]:
    # As installed: Python caches bytecode (a test run's PYTHONDONTWRITEBYTECODE would
    # make every start compile chloe and its libraries again).
    drop = ("TMUX", "TMUX_PANE", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_RUNTIME_DIR=str(tmp / "run"),
        TMUX_TMPDIR=str(tmp),
        CHLOE_TMUX_SOCKET=f"chloe-bench-grep-{os.getpid()}",
    )
    return env


def _setup(tmp: Path) -> list[Path]:
    """The pane list and the logs; returns the log files."""
    from chloe import history
    from chloe.model import ExitStatus, Kind, PaneRecord
    from chloe.paths import store_path
    from chloe.store import Store

    (tmp / "run").mkdir(mode=0o700)
    store = Store(store_path())
    files = []
    history.log_dir().mkdir(parents=True, exist_ok=True)
    for i in range(PANES):
        rec = PaneRecord.new(f"pane{i:03d}", Kind.DIRECT, str(tmp)).replace(
            exit_status=ExitStatus(code=0)
        )
        store.add(rec)
        lines = (
            f"\x1b[32m{rec.id}\x1b[0m line {n:05d} "
            + (TEXT if n % 1000 == 7 else "nothing to see, just words")
            + " abcdefghij\r\n"
            for n in range(LINES)
        )
        path = history.log_path(rec.id)
        path.write_text("".join(lines))
        files.append(path)
    return files


def _child(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``command``: wall seconds, CPU seconds (user + system), its stdout.

    In the scratch directory: ``python -m`` puts the working directory first on the
    import path, so a checkout as working directory would shadow ``--also``.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        command, env=env, cwd=env["TMUX_TMPDIR"], capture_output=True, text=True, check=False
    ).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def _in_process() -> tuple[float, float, int]:
    from chloe import history
    from chloe.config import Config
    from chloe.paths import store_path
    from chloe.service import PaneService
    from chloe.store import Store

    start, start_cpu = time.perf_counter(), time.process_time()
    service = PaneService(Store(store_path()), Config())
    pattern = history.compile_pattern(TEXT, regex=False)
    sources = service.history_sources(service.store.load())
    found = sum(1 for _ in history.search_sources(sources, pattern, TEXT))
    return time.perf_counter() - start, time.process_time() - start_cpu, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--also", type=Path, help="a chloe source tree (e.g. an older commit) to time too"
    )
    args = parser.parse_args()
    grep = shutil.which("grep")
    tmp = Path(tempfile.mkdtemp(prefix="chloe-bench-grep-"))
    env = _env(tmp)
    os.environ.update(env)
    try:
        files = _setup(tmp)
        size = sum(f.stat().st_size for f in files) / 1e6
        chloe = [sys.executable, "-m", "chloe", "grep", TEXT]
        cases: dict[str, Callable[[], tuple[float, float, int]]] = {}

        def run_chloe() -> tuple[float, float, int]:
            wall, cpu, out = _child(chloe, env)
            return wall, cpu, len(out.splitlines())

        cases["chloe grep (whole command)"] = run_chloe
        if args.also is not None:
            other_env = {**env, "PYTHONPATH": str(args.also.resolve())}

            def run_other() -> tuple[float, float, int]:
                wall, cpu, out = _child(chloe, other_env)
                return wall, cpu, len(out.splitlines())

            cases[f"chloe grep ({args.also.name})"] = run_other
        cases["search alone, in process"] = _in_process
        if grep is not None:
            for flag in ("-c", "-n"):

                def run_grep(flag: str = flag) -> tuple[float, float, int]:
                    wall, cpu, out = _child([grep, flag, TEXT, *map(str, files)], env)
                    if flag == "-c":
                        return wall, cpu, sum(int(line.rsplit(":", 1)[1]) for line in out.split())
                    return wall, cpu, len(out.splitlines())

                cases[f"grep {flag} (baseline)"] = run_grep
        run_chloe()  # warm: bytecode cached, files in the page cache, as for a user
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, case in cases.items():
                results[name].append(case())
        print(
            f"{PANES} panes x {LINES:,} lines ({size:.0f} MB of logs), "
            f"median of {args.runs}, load average {os.getloadavg()[0]:.1f}:"
        )
        for name, rows in results.items():
            wall = statistics.median(r[0] for r in rows) * 1000
            cpu = statistics.median(r[1] for r in rows) * 1000
            print(f"  {name:28} {wall:6.0f} ms wall {cpu:6.0f} ms CPU  {rows[-1][2]} lines")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
