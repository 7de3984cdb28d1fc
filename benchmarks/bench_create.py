"""Time from "create a pane" to its first output byte, direct and tmux.

Run ``.venv/bin/python benchmarks/bench_create.py`` (``--runs N``, default 20).
Uses a temporary data directory and a private tmux socket (killed at the end).

Each run starts ``sh -c 'echo chloe-ready; exec sleep 600'`` and measures, as
medians in milliseconds:

- **direct**: ``PaneService.create_direct`` (writes ``panes.toml``) +
  ``spawn_direct`` until the pty is readable (first byte), and until the
  marker has been read;
- **tmux (warm server)**: ``PaneService.create_tmux`` + ``attach`` until the
  embedded client's pty is readable (first byte of the client's screen), and
  until the marker is on the emulated screen;

against the baselines measured in the same run: ``subprocess.Popen`` of the
same command with a pipe, to its first byte; and one bare
``tmux new-session -d`` on the same warm server.
Aims (issue 4): direct <= 10 ms, tmux <= 60 ms on a warm server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMAND = ["sh", "-c", "echo chloe-ready; exec sleep 600"]
MARKER = b"chloe-ready"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    real_tmux = shutil.which("tmux")
    if real_tmux is None:
        sys.exit("tmux is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="chloe-bench-create-"))
    socket = f"chloe-bench-{secrets.token_hex(4)}"
    for key in ("TMUX", "TMUX_PANE"):
        os.environ.pop(key, None)
    os.environ.update(
        CHLOE_TMUX_SOCKET=socket,
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        TMUX_TMPDIR=str(tmp),
    )
    from chloe.config import load_config
    from chloe.paths import store_path
    from chloe.service import PaneService
    from chloe.store import Store
    from chloe.terminal import Terminal

    service = PaneService(Store(store_path()), load_config())
    assert service.tmux_problem is None, service.tmux_problem
    results: dict[str, list[float]] = {}

    def note(key: str, start: float) -> None:
        results.setdefault(key, []).append((time.perf_counter() - start) * 1000)

    try:
        # Warm the server (and the page cache) once; it is what "warm" means.
        service.create_tmux(cwd=str(tmp), command=["sleep", "3600"])
        for _ in range(args.runs):
            # Baseline: plain subprocess, first byte on a pipe.
            start = time.perf_counter()
            popen = subprocess.Popen(COMMAND, stdout=subprocess.PIPE)
            assert popen.stdout is not None
            os.read(popen.stdout.fileno(), 1)
            note("baseline: subprocess.Popen, first byte", start)
            popen.kill()
            popen.wait()
            popen.stdout.close()

            # Direct pane.
            start = time.perf_counter()
            rec = service.create_direct(cwd=str(tmp), command=COMMAND)
            proc = service.spawn_direct(rec, 80, 24)
            select.select([proc.fd], [], [], 5)
            note("direct: create + spawn, first byte", start)
            seen = b""
            while MARKER not in seen:
                select.select([proc.fd], [], [], 5)
                seen += proc.read() or b""
            note("direct: create + spawn, marker read", start)
            proc.close()
            service.remove(rec.id)

            # Baseline: one bare new-session on the warm server.
            start = time.perf_counter()
            subprocess.run([real_tmux, "-L", socket, "new-session", "-d", *COMMAND], check=True)
            note("baseline: bare `tmux new-session -d`", start)

            # tmux pane.
            start = time.perf_counter()
            rec = service.create_tmux(cwd=str(tmp), command=COMMAND)
            note("tmux: create_tmux alone", start)
            client = service.attach(rec, 80, 24)
            select.select([client.fd], [], [], 5)
            note("tmux: create + attach, first byte", start)
            term = Terminal(80, 24)
            while "chloe-ready" not in "\n".join(term.display):
                select.select([client.fd], [], [], 5)
                term.feed(client.read() or b"")
            note("tmux: create + attach, marker on screen", start)
            client.close()
            service.kill(rec.id)
            service.remove(rec.id)

        print(f"create to first output, median of {args.runs} runs (ms)")
        width = max(len(k) for k in results)
        for key, values in results.items():
            print(f"  {key:<{width}}  {statistics.median(values):7.1f}")
    finally:
        subprocess.run([real_tmux, "-L", socket, "kill-server"], capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
