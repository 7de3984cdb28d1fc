"""What continuous logs cost, and how fast history is searched.

Run ``.venv/bin/python benchmarks/bench_history.py`` (``--runs N``, default 5;
``--only flood`` or ``--only grep``). Uses a temporary state directory and a
private tmux socket (killed at the end).

- **flood**: a tmux pane (made by ``PaneService.create_tmux``, as chloe does)
  runs ``cat`` of a 20 MB file of text lines; measured from the pane's start
  until ``cat`` has written everything and, with logging on, until the log
  holds every byte. Logging off (``log_max_bytes = 0``) and on alternate in
  the same run; medians in MB/s and the cost in percent. Aim: < 10 %.
- **browse**: the real ``chloe`` in an outer tmux (120x35) with a tmux pane
  that printed 50,000 lines (``scrollback_lines = 50000``): time from
  Shift+PgUp (``send-keys``) until the outer terminal shows the position
  marker (the first page of history), polled every 5 ms; then until the
  whole history is browsable (Shift+Home shows line 1). Aim: first screen
  < 200 ms.
- **idle**: 20 tmux panes with logging on, running ``sleep``: CPU time used
  by their log writers (every process under the tmux server that is not a
  pane's program) over 10 s. Aim: < 2 % of a core.
- **grep**: 100 panes' logs of 10,000 lines each (about 60 bytes a line, with
  colours), searched for a plain string that matches 1 line in 1,000, as
  ``chloe grep`` does (read, strip escapes, search). Aim: < 1 s.
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
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOOD_BYTES = 20 * 1000 * 1000


def _setup(tmp: Path) -> str:
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
    return socket


def _flood_once(tmp: Path, source: Path, *, logging: bool, run: int) -> float:
    from chloe import history
    from chloe.config import load_config
    from chloe.service import PaneService
    from chloe.store import Store

    config = load_config()
    config = replace(config, log_max_bytes=config.log_max_bytes if logging else 0)
    service = PaneService(Store(tmp / "data" / f"panes-{run}-{logging}.toml"), config)
    done = tmp / f"done-{run}-{logging}"
    script = f"cat {source}; touch {done}; exec sleep 600"
    start = time.perf_counter()
    rec = service.create_tmux(cwd=str(tmp), command=["sh", "-c", script], columns=120, rows=40)
    deadline = time.monotonic() + 300
    while not done.exists():
        if time.monotonic() > deadline:
            sys.exit("the flood did not finish in 300 s")
        time.sleep(0.005)
    if logging:
        path = history.log_path(rec.id)
        while path.stat().st_size < FLOOD_BYTES:
            if time.monotonic() > deadline:
                sys.exit("the log did not fill in 300 s")
            time.sleep(0.005)
    elapsed = time.perf_counter() - start
    service.remove(rec.id, force=True)
    return elapsed


def bench_flood(tmp: Path, runs: int) -> None:
    line = b"%07d the quick brown fox jumps over the lazy dog 0123456789\n"
    source = tmp / "flood.txt"
    with source.open("wb") as fh:
        written = 0
        i = 0
        while written < FLOOD_BYTES:
            chunk = line % i
            fh.write(chunk)
            written += len(chunk)
            i += 1
    off: list[float] = []
    on: list[float] = []
    for run in range(runs):
        off.append(_flood_once(tmp, source, logging=False, run=run))
        on.append(_flood_once(tmp, source, logging=True, run=run))
    mb = source.stat().st_size / 1e6
    t_off, t_on = statistics.median(off), statistics.median(on)
    print(f"flood {mb:.0f} MB in a tmux pane, median of {runs}:")
    print(f"  logging off: {t_off:.2f} s  ({mb / t_off:.1f} MB/s)")
    print(f"  logging on:  {t_on:.2f} s  ({mb / t_on:.1f} MB/s)")
    print(f"  cost: {100 * (t_on - t_off) / t_off:+.1f} % of the time (aim < 10 %)")
    print(f"  runs off: {' '.join(f'{t:.2f}' for t in off)}")
    print(f"  runs on:  {' '.join(f'{t:.2f}' for t in on)}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f}")


def _outer(socket: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20, check=False
    ).stdout


def _wait_screen(socket: str, text: str, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    while text not in (screen := _outer(socket, "capture-pane", "-p", "-t", "chloe")):
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {text!r}; the screen:\n{screen}")
        time.sleep(0.005)
    return time.perf_counter()


def bench_browse(tmp: Path, runs: int) -> None:
    config = tmp / "config" / "chloe" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("scrollback_lines = 50000\n")
    outer = f"{os.environ['CHLOE_TMUX_SOCKET']}-outer"
    command = f"cd {tmp} && exec {sys.executable} -m chloe"
    _outer(outer, "new-session", "-d", "-s", "chloe", "-x", "120", "-y", "35", command)
    try:
        _wait_screen(outer, "No panes yet")
        _outer(outer, "send-keys", "-t", "chloe", "t")
        _wait_screen(outer, "back to the list")
        _outer(outer, "send-keys", "-t", "chloe", "-l", "seq -f 'line %g' 1 50000")
        _outer(outer, "send-keys", "-t", "chloe", "Enter")
        _wait_screen(outer, "line 50000\n")
        first: list[float] = []
        whole: list[float] = []
        for _ in range(runs):
            start = time.perf_counter()
            _outer(outer, "send-keys", "-t", "chloe", "S-PPage")
            first.append(_wait_screen(outer, "[scrollback -") - start)
            start = time.perf_counter()
            _outer(outer, "send-keys", "-t", "chloe", "S-Home")
            whole.append(_wait_screen(outer, "\u2595line 1\n") - start)
            _outer(outer, "send-keys", "-t", "chloe", "S-End")
            deadline = time.monotonic() + 30
            while "[scrollback -" in _outer(outer, "capture-pane", "-p", "-t", "chloe"):
                if time.monotonic() > deadline:
                    sys.exit("Shift+End did not return to the live screen")
                time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "-L", outer, "kill-server"], capture_output=True, check=False)
    print(f"browse a tmux pane's 50,000 lines, median of {runs}:")
    print(f"  first screen: {statistics.median(first) * 1000:.0f} ms (aim < 200 ms)")
    print(f"  then line 1 (Shift+Home): {statistics.median(whole) * 1000:.0f} ms")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f}")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def bench_idle(tmp: Path) -> None:
    from chloe.config import load_config
    from chloe.service import PaneService
    from chloe.store import Store

    service = PaneService(Store(tmp / "data" / "idle.toml"), load_config())
    records = [
        service.create_tmux(cwd=str(tmp), command=["sleep", "600"], attached=False)
        for _ in range(20)
    ]
    time.sleep(1)
    server = int(_outer(os.environ["CHLOE_TMUX_SOCKET"], "display-message", "-p", "#{pid}"))
    programs = {
        int(p)
        for p in _outer(
            os.environ["CHLOE_TMUX_SOCKET"], "list-panes", "-a", "-F", "#{pane_pid}"
        ).split()
    }
    children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
    writers = [int(p) for p in children if int(p) not in programs]
    for pid in list(writers):  # the sh loop and its head
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        writers += [int(k) for k in kids]
    before = sum(_cpu_ticks(p) for p in writers) + _cpu_ticks(server)
    time.sleep(10)
    after = sum(_cpu_ticks(p) for p in writers) + _cpu_ticks(server)
    hz = os.sysconf("SC_CLK_TCK")
    print(f"idle: 20 logging tmux panes, {len(writers)} writer processes, over 10 s:")
    print(
        f"  writers + tmux server: {100 * (after - before) / hz / 10:.2f} % of a core (aim < 2 %)"
    )
    for rec in records:
        service.remove(rec.id, force=True)


def bench_grep(tmp: Path, runs: int) -> None:
    from chloe import history

    history.log_dir().mkdir(parents=True, exist_ok=True)
    ids = [f"bench{i:03d}" for i in range(100)]
    for pane_id in ids:
        lines = (
            f"\x1b[32m{pane_id}\x1b[0m line {n:05d} "
            + ("needle here" if n % 1000 == 7 else "nothing to see, just words")
            + " abcdefghij\r\n"
            for n in range(10_000)
        )
        history.log_path(pane_id).write_text("".join(lines))
    pattern = history.compile_pattern("needle here", regex=False)
    times: list[float] = []
    cpu: list[float] = []
    found = 0
    for _ in range(runs):
        start = time.perf_counter()
        start_cpu = time.process_time()
        found = sum(
            1
            for p in ids
            for _ in history.search_log(p, history.read_log(p), pattern, "needle here")
        )
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    size = sum(history.log_path(p).stat().st_size for p in ids) / 1e6
    print(f"grep 100 panes x 10,000 lines ({size:.0f} MB of logs), median of {runs}:")
    print(
        f"  {statistics.median(times) * 1000:.0f} ms wall, "
        f"{statistics.median(cpu) * 1000:.0f} ms CPU, {found} matches (aim < 1000 ms)"
    )
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("flood", "browse", "idle", "grep"))
    args = parser.parse_args()
    real_tmux = shutil.which("tmux")
    if real_tmux is None:
        sys.exit("tmux is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="chloe-bench-history-"))
    socket = _setup(tmp)
    try:
        if args.only in (None, "flood"):
            bench_flood(tmp, args.runs)
        if args.only in (None, "browse"):
            bench_browse(tmp, args.runs)
        if args.only in (None, "idle"):
            bench_idle(tmp)
        if args.only in (None, "grep"):
            bench_grep(tmp, args.runs)
    finally:
        subprocess.run([real_tmux, "-L", socket, "kill-server"], capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
