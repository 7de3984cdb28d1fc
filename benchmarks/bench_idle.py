"""Idle CPU of the chloe TUI with 100 panes (50 direct, 50 tmux), beside a bare tmux client.

Run: ``.venv/bin/python benchmarks/bench_idle.py [--direct N] [--tmux N] [--seconds S]
[--profile FILE] [--chloe CMD]``

``--chloe`` runs another build, e.g. ``--chloe "env PYTHONPATH=/tmp/old
.venv/bin/python -m chloe"`` for a checkout of an earlier commit in /tmp/old.

chloe runs inside a pane of an outer tmux server (see ``bench_ui.py``), on
private sockets, with its files in a temporary directory:

- N tmux panes (default 50) made as ``chloe new`` would, left attached, so the
  TUI embeds a tmux client for each on start; each runs ``sh``;
- N direct panes (default 50) made in the TUI with its new-direct-pane key,
  each running ``sh``.

Once every pane is up and has gone quiet (the summary line says ``100
quiet``: no output for ``quiet_seconds``), nothing happens for S seconds
(default 60), and the benchmark reads chloe's own CPU time (utime + stime of
its pid, from ``/proc``) before and after. In the same run and the same
seconds it reads the CPU of a baseline: a bare ``tmux attach`` client in a
second outer tmux window, attached to an idle ``sh`` session of chloe's tmux
server; and, for the record, of chloe's 50 embedded tmux clients and of
chloe's tmux server.

``--profile FILE`` runs ``py-spy record`` on chloe's pid for the idle seconds
(FILE: collapsed stacks of the busy samples, one ``stack count`` a line, as
``flamegraph.pl`` reads them) instead of the usual idle: py-spy's sampling
costs CPU of its own, so the figures of that run are not the benchmark's.

Both tmux servers are killed by socket at the end.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_ui import (  # noqa: E402
    CHLOE,
    TMUX,
    Outer,
    Sandbox,
    _children,
    _clean_env,
    _cpu_seconds,
    _server_pid,
)


def _comm(pid: int) -> str:
    """The process's name ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _cpu(pid: int) -> float:
    """Its CPU seconds so far (0 once it is gone)."""
    try:
        return _cpu_seconds(pid)
    except OSError:
        return 0.0


def _title(screen: str) -> str:
    """The title line of the terminal area (right of the list, on the first row)."""
    return screen.split("\n", maxsplit=1)[0].rpartition("▕")[2].strip()


def _add_direct_panes(outer: Outer, count: int) -> None:
    """Make ``count`` direct panes in the TUI: the new-direct key, then back to the list."""
    for i in range(count):
        before = _title(outer.screen())
        outer.send("c")
        # A new pane has the keyboard: its title (a new name) says how to leave.
        if not outer.wait_screen(
            lambda s, before=before: _title(s) != before and ": back to the list" in _title(s),
            60,
        ):
            raise SystemExit(f"direct pane {i} was not shown:\n{outer.screen()}")
        outer.send("C-q")
        if not outer.wait_screen(lambda s: ": type into it" in _title(s), 30):
            raise SystemExit(f"could not leave direct pane {i}:\n{outer.screen()}")


def _baseline_client(box: Sandbox) -> tuple[Outer, int]:
    """A bare tmux client, in an outer window of its own, on an idle session: its pid."""
    subprocess.run(
        [TMUX, "-L", box.socket, "new-session", "-d", "-s", "baseline", "/bin/sh"],
        check=True,
        env={**_clean_env(), **box.env},
    )
    outer = Outer(f"exec {TMUX} -L {box.socket} attach-session -t =baseline", box.env)
    if not outer.wait_screen(lambda s: "$" in s, 15):
        raise SystemExit(f"the baseline client did not attach:\n{outer.screen()}")
    return outer, outer.pane_pid()


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--direct", type=int, default=50)
    parser.add_argument("--tmux", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--profile", type=Path, help="py-spy record (collapsed stacks) into FILE")
    parser.add_argument("--chloe", default=CHLOE, help="the command that starts chloe")
    args = parser.parse_args()

    box = Sandbox()
    outers: list[Outer] = []
    try:
        box.add_tmux_panes(args.tmux)
        outer = Outer(f"exec {args.chloe}", box.env)
        outers.append(outer)
        if not outer.wait_screen(lambda s: "help" in s and "checking" not in s, 120):
            raise SystemExit(f"chloe did not start:\n{outer.screen()}")
        pid = outer.pane_pid()
        deadline = time.monotonic() + 120
        while len(_children(pid)) < args.tmux and time.monotonic() < deadline:
            time.sleep(0.2)
        _add_direct_panes(outer, args.direct)
        base_outer, base_pid = _baseline_client(box)
        outers.append(base_outer)
        # Idle means settled: every pane quiet (its last output quiet_seconds ago).
        total = args.direct + args.tmux
        if not outer.wait_screen(lambda s: f"{total} quiet" in s, 240):
            raise SystemExit(f"the panes did not all go quiet:\n{outer.screen()}")
        time.sleep(2.0)
        clients = [c for c in _children(pid) if _comm(c).startswith("tmux")]
        server = _server_pid(box.socket)
        listed = outer.screen()
        print(f"chloe pid {pid}; {len(_children(pid))} children ({len(clients)} tmux clients)")
        before = _cpu_seconds(pid)
        before_base = _cpu_seconds(base_pid)
        before_clients = sum(_cpu(c) for c in clients)
        before_server = _cpu_seconds(server) if server else 0.0
        started = time.monotonic()
        if args.profile is not None:
            spy = shutil.which("py-spy") or str(HERE.parent / ".venv" / "bin" / "py-spy")
            subprocess.run(
                [spy, "record", "--pid", str(pid), "--duration", str(int(args.seconds)),
                 "--output", str(args.profile), "--format", "raw", "--rate", "50",
                 "--threads", "--nonblocking"],
                check=False,
            )  # fmt: skip
        else:
            time.sleep(args.seconds)
        took = time.monotonic() - started
        used = _cpu_seconds(pid) - before
        used_base = _cpu_seconds(base_pid) - before_base
        used_clients = sum(_cpu(c) for c in clients) - before_clients
        used_server = (_cpu_seconds(server) if server else 0.0) - before_server
        with open("/proc/loadavg") as fh:
            load = fh.read().split()[:3]

        def pct(cpu: float) -> str:
            return f"{100 * cpu / took:.2f}% of a core"

        print(
            f"idle {took:.0f} s, {args.direct} direct + {args.tmux} tmux panes "
            f"(load average {' '.join(load)}):"
        )
        print(f"  chloe (pid {pid})                    {pct(used)}")
        print(f"  baseline: a bare tmux attach        {pct(used_base)}")
        print(f"  chloe's {len(clients)} embedded tmux clients  {pct(used_clients)}")
        print(f"  chloe's tmux server                 {pct(used_server)}")
        if "needs you" in listed or "checking" in listed:
            print("  (the list was not settled:)\n" + listed)
        outer.send("q")
    finally:
        for o in outers:
            o.close()
        box.close()


if __name__ == "__main__":
    main()
