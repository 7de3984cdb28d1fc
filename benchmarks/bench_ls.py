"""``chloe ls`` with 1, 10 and 100 tmux panes: wall time and tmux subprocesses.

Run ``.venv/bin/python benchmarks/bench_ls.py`` (``--runs N`` timings per
size, default 15). Everything happens on a private tmux socket and in a
temporary data directory; the server is killed by its socket at the end.

For each size it prints, side by side:

- ``panes()``: the median time of :meth:`PaneService.panes` in-process (what
  the TUI pays once a second);
- ``chloe ls``: the median wall time of ``python -m chloe ls`` as a user runs it;
- ``tmux procs``: how many tmux processes one ``chloe ls`` starts, counted by a
  wrapper first on ``PATH``;

and, as the baselines measured in the same run, one bare ``tmux list-sessions``
and ``python -c "import chloe.cli"`` (interpreter start-up and imports only).
Aims (issue 4): the same handful of tmux processes at 100 panes as at 1, and
the time at 100 within 1.5x of the time at 1.

The ``python`` subprocesses cache their bytecode in the temporary directory
(``PYTHONPYCACHEPREFIX``), as an installed chloe would, even where
``PYTHONDONTWRITEBYTECODE`` is set.
"""

from __future__ import annotations

import argparse
import os
import secrets
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

SIZES = (1, 10, 100)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    real_tmux = shutil.which("tmux")
    if real_tmux is None:
        sys.exit("tmux is not installed")

    tmp = Path(tempfile.mkdtemp(prefix="chloe-bench-ls-"))
    socket = f"chloe-bench-{secrets.token_hex(4)}"
    counter = tmp / "tmux-count"
    wrap = tmp / "bin"
    wrap.mkdir()
    (wrap / "tmux").write_text(f'#!/bin/sh\necho x >> "{counter}"\nexec "{real_tmux}" "$@"\n')
    (wrap / "tmux").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env.update(
        CHLOE_TMUX_SOCKET=socket,
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        TMUX_TMPDIR=str(tmp),
        PATH=f"{wrap}{os.pathsep}{os.environ['PATH']}",
        # Like an installed chloe: bytecode cached (outside the source tree), so
        # each `chloe ls` does not recompile every module.
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.clear()
    os.environ.update(env)

    from chloe.config import load_config
    from chloe.paths import store_path
    from chloe.service import PaneService
    from chloe.store import Store

    service = PaneService(Store(store_path()), load_config())
    ls = [sys.executable, "-m", "chloe", "ls"]

    def run_ls() -> None:
        subprocess.run(ls, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)

    def count_ls() -> int:
        counter.unlink(missing_ok=True)
        run_ls()
        return len(counter.read_text().splitlines()) if counter.exists() else 0

    try:
        subprocess.run(ls, cwd=ROOT, env=env, capture_output=True, check=False)  # warm the cache
        print(f"chloe ls, median of {args.runs} runs (tmux {real_tmux}, socket {socket})")
        print(f"{'panes':>6} {'panes() ms':>11} {'chloe ls ms':>12} {'tmux procs':>11}")
        results: dict[int, float] = {}
        made = 0
        for size in SIZES:
            while made < size:
                service.create_tmux(cwd=str(tmp), command=["sleep", "3600"])
                made += 1
            service.panes()  # settle: adoption/pruning writes happen once
            in_process = median_ms(service.panes, args.runs)
            wall = median_ms(run_ls, args.runs)
            procs = count_ls()
            results[size] = wall
            print(f"{size:>6} {in_process:>11.1f} {wall:>12.1f} {procs:>11}")
        bare = median_ms(
            lambda: subprocess.run(
                [real_tmux, "-L", socket, "list-sessions"],
                env=env,
                stdout=subprocess.DEVNULL,
                check=True,
            ),
            args.runs,
        )
        startup = median_ms(
            lambda: subprocess.run(
                [sys.executable, "-c", "import chloe.cli"], cwd=ROOT, env=env, check=True
            ),
            args.runs,
        )
        print("baselines, same run:")
        print(f"  one bare `tmux list-sessions` ({made} sessions): {bare:.1f} ms")
        print(f"  `python -c 'import chloe.cli'` (start-up only):  {startup:.1f} ms")
        print(f"ratio chloe ls 100 panes / 1 pane: {results[100] / results[1]:.2f}x (aim <= 1.5x)")
    finally:
        subprocess.run(
            [real_tmux, "-L", socket, "kill-server"], env=env, capture_output=True, check=False
        )
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
