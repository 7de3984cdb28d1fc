"""What continuous logs cost, and how fast history is searched.

Run ``.venv/bin/python benchmarks/bench_history.py`` (``--runs N``, default 5;
``--only flood`` or ``--only grep``). Uses a temporary state directory and a
private tmux socket (killed at the end).

- **flood**: a tmux pane (made by ``PaneService.create_tmux``, as chloe does)
  runs ``cat`` of a 20 MB file of text lines; measured from the moment
  ``cat`` is let go until it has written everything (the program's
  throughput), and with logging on also until the log holds every byte.
  Logging off (``log_max_bytes = 0``) and on alternate in the same run (off
  first, then on first, so a drift of the machine's load hits both alike);
  medians in MB/s and the cost in percent. Aim: < 10 %. Also the CPU
  seconds of the tmux server, of ``cat`` and of the log writer, which a
  loaded machine disturbs less than the wall time. ``--client``: a tmux
  client is attached to the pane (in a 120x40 pty whose output is read and
  dropped), as while chloe shows the pane; without it nobody is attached, as
  while the pane is detached or chloe is closed.
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
import contextlib
import fcntl
import os
import pty
import secrets
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, replace
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


@dataclass
class _Flood:
    """One flood: seconds until the program ended and until the log held it all; CPU seconds."""

    done: float
    logged: float
    tmux_cpu: float
    writer_cpu: float
    program_cpu: float


def _proc_seconds(pid: int, *, children: bool = False) -> float:
    """CPU seconds a process used (with its reaped children when asked)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _run_seconds(pid: int) -> float:
    """CPU seconds a process used so far, to the nanosecond (``/proc/PID/schedstat``)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


def _descendants(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [d for k in kids for d in _descendants(k)]


def _attach_client(socket: str, session: str) -> tuple[int, int, threading.Thread]:
    """A tmux client on ``session`` in a 120x40 pty, its output read and dropped."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the client
        os.environ["TERM"] = "xterm-256color"
        os.execvp("tmux", ["tmux", "-L", socket, "attach-session", "-t", f"={session}"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

    def drain() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 65536):
                pass

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    return pid, fd, thread


def _flood_once(tmp: Path, source: Path, *, logging: bool, run: int, client: bool) -> _Flood:
    from chloe import history
    from chloe.config import load_config
    from chloe.service import PaneService
    from chloe.store import Store

    config = load_config()
    config = replace(config, log_max_bytes=config.log_max_bytes if logging else 0)
    service = PaneService(Store(tmp / "data" / f"panes-{run}-{logging}.toml"), config)
    go, done = tmp / f"go-{run}-{logging}", tmp / f"done-{run}-{logging}"
    script = f"until [ -e {go} ]; do sleep 0.01; done; cat {source}; touch {done}; exec sleep 600"
    rec = service.create_tmux(cwd=str(tmp), command=["sh", "-c", script], columns=120, rows=40)
    assert rec.tmux_session is not None
    socket = os.environ["CHLOE_TMUX_SOCKET"]
    server = int(_outer(socket, "display-message", "-p", "#{pid}"))
    pane = int(
        _outer(socket, "display-message", "-p", "-t", f"={rec.tmux_session}:", "#{pane_pid}")
    )
    attached = _attach_client(socket, rec.tmux_session) if client else None
    if attached is not None:
        deadline = time.monotonic() + 30
        while "1" not in _outer(
            socket, "display-message", "-p", "-t", f"={rec.tmux_session}:", "#{session_attached}"
        ):
            if time.monotonic() > deadline:
                sys.exit("the tmux client did not attach in 30 s")
            time.sleep(0.01)
    # The terminal turns each "\n" into "\r\n": the log holds one byte more a line.
    whole = source.stat().st_size + source.read_bytes().count(b"\n")
    tmux_before = _run_seconds(server)
    start = time.perf_counter()
    go.touch()
    deadline = time.monotonic() + 300
    while not done.exists():
        if time.monotonic() > deadline:
            sys.exit("the flood did not finish in 300 s")
        time.sleep(0.005)
    finished = time.perf_counter() - start
    if logging:
        path = history.log_path(rec.id)
        while path.stat().st_size < whole:
            if time.monotonic() > deadline:
                sys.exit("the log did not fill in 300 s")
            time.sleep(0.005)
    logged = time.perf_counter() - start
    tmux_cpu = _run_seconds(server) - tmux_before
    program_cpu = _proc_seconds(pane, children=True)
    client_pids = {attached[0]} if attached is not None else set()
    writer_cpu = sum(
        _proc_seconds(p, children=True)
        for p in _descendants(server)
        if p != pane and p not in _descendants(pane) and p not in client_pids
    )
    service.remove(rec.id, force=True)
    if attached is not None:
        os.waitpid(attached[0], 0)
        os.close(attached[1])
        attached[2].join(timeout=10)
    return _Flood(finished, logged, tmux_cpu, writer_cpu, program_cpu)


def bench_flood(tmp: Path, runs: int, *, client: bool) -> None:
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
    off: list[_Flood] = []
    on: list[_Flood] = []
    for run in range(runs):
        # Off first, then on, then on first: a drift of the machine's load hits both alike.
        for logging in (False, True) if run % 2 == 0 else (True, False):
            flood = _flood_once(tmp, source, logging=logging, run=run, client=client)
            (on if logging else off).append(flood)

    def median(floods: list[_Flood], field: str) -> float:
        return float(statistics.median(float(getattr(f, field)) for f in floods))

    mb = source.stat().st_size / 1e6
    t_off, t_on = median(off, "done"), median(on, "done")
    work_off = median(off, "tmux_cpu") + median(off, "program_cpu")
    work_on = median(on, "tmux_cpu") + median(on, "program_cpu") + median(on, "writer_cpu")
    who = "a tmux client attached" if client else "no tmux client attached"
    print(f"flood: cat of {mb:.0f} MB in a tmux pane, {who}, median of {runs}:")
    print(f"  logging off: {t_off:.2f} s  ({mb / t_off:.1f} MB/s)")
    print(
        f"  logging on:  {t_on:.2f} s  ({mb / t_on:.1f} MB/s); "
        f"the log complete after {median(on, 'logged'):.2f} s"
    )
    print(f"  cost: {100 * (t_on - t_off) / t_off:+.1f} % of the time (aim < 10 %)")
    # Each round's off and on ran one after the other: the cost within a round is
    # free of the machine's slower drifts; its median and quartiles say how sure
    # the figure above is.
    paired = sorted(100 * (b.done - a.done) / a.done for a, b in zip(off, on, strict=True))
    if len(paired) >= 4:
        low, mid, high = statistics.quantiles(paired, n=4)
        print(
            f"  cost within each round: median {mid:+.1f} %, "
            f"quartiles {low:+.1f} % to {high:+.1f} %"
        )
    print(
        f"  CPU s, off / on: tmux {median(off, 'tmux_cpu'):.2f} / {median(on, 'tmux_cpu'):.2f}, "
        f"cat {median(off, 'program_cpu'):.2f} / {median(on, 'program_cpu'):.2f}, "
        f"log writer - / {median(on, 'writer_cpu'):.2f}; "
        f"all {work_off:.2f} / {work_on:.2f} ({100 * (work_on - work_off) / work_off:+.1f} %)"
    )
    print(f"  runs off: {' '.join(f'{f.done:.2f}' for f in off)}")
    print(f"  runs on:  {' '.join(f'{f.done:.2f}' for f in on)}")
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
    parser.add_argument(
        "--client",
        action="store_true",
        help="flood: with a tmux client attached to the pane, as while chloe shows it",
    )
    args = parser.parse_args()
    real_tmux = shutil.which("tmux")
    if real_tmux is None:
        sys.exit("tmux is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="chloe-bench-history-"))
    socket = _setup(tmp)
    try:
        if args.only in (None, "flood"):
            bench_flood(tmp, args.runs, client=args.client)
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
