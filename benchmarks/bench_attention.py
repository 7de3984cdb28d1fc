"""What tracking attention costs: idle CPU with 100 panes, and how soon an event shows.

Run: ``.venv/bin/python benchmarks/bench_attention.py [--panes N] [--seconds S] [--events N]``

chloe runs inside a pane of an outer tmux server (see ``bench_ui.py``), on
private sockets, with its files in a temporary directory, over N tmux panes
(default 100) left detached, each running ``sh``. Then:

- ``idle``: CPU of the chloe process over S seconds (default 10), and of
  chloe's tmux server; the attention work (one state per pane per status
  answer, one ``stat`` of the event file four times a second) is included.
- ``notify``: from the moment ``chloe notify --pane NAME`` (run from a script)
  has written its event and exited until the summary line on chloe's screen
  says ``1 needs you``; and how long the command itself takes.
- ``bell``: a bell rung in a detached tmux pane (tmux's hook writes the event
  file) until the summary line says ``1 needs you``.

Between two events the pane is marked seen again (``seen`` event), so each
measurement starts from "nothing needs you". Both tmux servers are killed by
socket at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_ui import (  # noqa: E402
    TMUX,
    Outer,
    Sandbox,
    _clean_env,
    _cpu_seconds,
    _server_pid,
    _stats,
)

CHLOE = str(HERE.parent / ".venv" / "bin" / "chloe")
TUI = os.environ.get("BENCH_TUI", CHLOE)


def _in_sandbox(box: Sandbox) -> dict[str, str]:
    return {**_clean_env(), **box.env}


def _make_panes(box: Sandbox, count: int) -> list[tuple[str, str]]:
    """``count`` detached tmux panes running ``sh``: (name, session)."""
    saved = {k: os.environ.get(k) for k in box.env}
    os.environ.update(box.env)
    try:
        service = box.service()
        made = []
        for i in range(count):
            rec = service.create_tmux(  # type: ignore[attr-defined]
                name=f"p{i:03d}", cwd=str(box.dir), command=["/bin/sh"], attached=False
            )
            made.append((rec.name, rec.tmux_session))
        return made
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _summary(outer: Outer) -> str:
    lines = outer.screen().rstrip("\n").splitlines()
    return lines[-2] if len(lines) >= 2 else ""


def _wait_summary(outer: Outer, needle: str, present: bool, timeout: float = 10.0) -> float:
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        if (needle in _summary(outer)) == present:
            return time.monotonic() - start
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for {needle!r} ({present}); screen:\n{outer.screen()}")


def _clear(box: Sandbox, outer: Outer, name: str) -> None:
    """Mark the pane seen (as looking at it would) and wait until nothing needs you."""
    subprocess.run(
        [CHLOE, "notify", "--pane", name, "--working"],
        check=True, env=_in_sandbox(box), capture_output=True,
    )  # fmt: skip
    _wait_summary(outer, "need", present=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--panes", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=10)
    args = parser.parse_args()

    box = Sandbox()
    try:
        panes = _make_panes(box, args.panes)
        outer = Outer(f"exec {TUI}", box.env)
        try:
            if not outer.wait_screen(lambda s: "help" in s and "checking" not in s, 60):
                raise SystemExit(f"chloe did not start:\n{outer.screen()}")
            time.sleep(3.0)
            pid = outer.pane_pid()
            server = _server_pid(box.socket)
            before, before_server = _cpu_seconds(pid), _cpu_seconds(server) if server else 0.0
            time.sleep(args.seconds)
            used = _cpu_seconds(pid) - before
            used_server = (_cpu_seconds(server) if server else 0.0) - before_server
            print(
                f"idle, {args.panes} detached tmux panes, {args.seconds:.0f} s: chloe "
                f"{100 * used / args.seconds:.2f}% of a core; chloe's tmux server "
                f"{100 * used_server / args.seconds:.2f}%"
            )

            notify: list[float] = []
            cli: list[float] = []
            bell: list[float] = []
            env = _in_sandbox(box)
            for i in range(args.events):
                name, session = panes[1 + (i * 7) % (len(panes) - 1)]  # not the shown one
                start = time.monotonic()
                subprocess.run(
                    [CHLOE, "notify", "--pane", name, "bench"],
                    check=True, env=env, capture_output=True,
                )  # fmt: skip
                cli.append(time.monotonic() - start)
                # It writes the event as it exits: from here to the screen is chloe's part.
                notify.append(_wait_summary(outer, "1 needs you", True))
                _clear(box, outer, name)

                start = time.monotonic()
                subprocess.run(
                    [TMUX, "-L", box.socket, "send-keys", "-t", f"={session}:",
                     "printf '\\a'", "Enter"],
                    check=True, env=env, capture_output=True,
                )  # fmt: skip
                bell.append(time.monotonic() - start + _wait_summary(outer, "1 needs you", True))
                _clear(box, outer, name)
            print(f"chloe notify, the whole command: {_stats(cli)}")
            print(f"event written by chloe notify -> summary line: {_stats(notify)}")
            print(f"bell in a detached tmux pane -> summary line: {_stats(bell)}")
            outer.send("q")
        finally:
            outer.close()
    finally:
        box.close()


if __name__ == "__main__":
    main()
