"""The chloe TUI measured through a real terminal: start-up, key-to-echo, typing under a
flood, idle CPU.

Run: ``.venv/bin/python benchmarks/bench_ui.py [--keys N] [--starts N] [--only NAME]``

chloe runs inside a pane of an *outer* tmux server (a real terminal emulator
with a real pty), on private sockets, with its files in a temporary directory.
The benchmark watches the outer pane through a tmux control-mode client, which
reports every byte a pane writes (``%output``) the moment tmux reads it, and
types with ``send-keys`` through the same client. Both servers are killed by
socket at the end.

Cases:

- ``start``: time from launching chloe to its first frame (the pane list drawn)
  and to the labels being known (no ``checking…`` left), with 0 and with 100
  persisted tmux panes. The 100 panes are real sessions on chloe's tmux server
  left attached, so chloe also reattaches them all (after the first frame).
- ``echo``: key-to-echo latency: a key sent to the outer pane until the outer
  pane writes the echoed character, in a direct pane and in a tmux pane, and
  the same for a plain shell running directly in the outer pane (baseline).
- ``flood``: key-to-echo in one direct pane while another pane (direct, then
  tmux) ``cat``s a 10 MB coloured log (``bench_terminal.log_flood``: SGR on
  every line); and the time the flood takes to finish in each, with their
  ratio. Then the same floods watched (the flooding pane stays on screen, no
  typing). ``--runs N`` repeats both N times.
- ``idle``: CPU of the chloe process (and of its embedded tmux clients and of
  chloe's tmux server) over 10 s with 20 idle tmux panes attached.

``--profile DIR`` runs each flood's chloe under cProfile and writes, per
flood, ``DIR/<case>.prof`` (``python -m pstats``) and ``DIR/<case>.txt``: the
top functions, the garbage collector's time per generation (``gc.callbacks``)
and the event loop's turns (how many, how long: a key's echo waits for whole
turns), and a typed key's way through chloe (its echo fed to the typing pane,
to the frame showing it written: milliseconds and loop turns), over the flood
only. The profiler slows chloe about twice, so its
flood times are not the figures to quote.

``--kind direct|tmux`` floods only that kind, ``--hidden`` skips the watched
floods. A flood's time runs from sending the ``cat`` to the modification time
of the file it touches when done.
"""

from __future__ import annotations

import argparse
import itertools
import os
import queue
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHLOE = str(ROOT / ".venv" / "bin" / "chloe")
PROFILED = f"{ROOT / '.venv' / 'bin' / 'python'} {Path(__file__).resolve()} --as-chloe"
"""How to start chloe under the profiler (``--profile``): this script, as chloe."""
PROFILE_DIR: Path | None = None
"""Where ``--profile`` writes (None: chloe runs as it is)."""
TMUX = shutil.which("tmux") or "tmux"
COLUMNS, ROWS = 120, 35
MARK = "Z"  # a character chloe's own chrome never draws


def _unescape(data: str) -> str:
    """Undo control mode's octal escaping of %output data."""
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), data)


class Outer:
    """An outer tmux server with one window, watched by a control-mode client.

    Args:
        command: What the window runs.
        env: Environment for the command.
    """

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"chloe-bench-outer-{secrets.token_hex(3)}"
        self.env = env
        args = ["new-session", "-d", "-s", "bench", "-x", str(COLUMNS), "-y", str(ROWS)]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        self.tmux(*args, command)
        self.tmux("set-option", "-g", "window-size", "manual")
        self.tmux("set-option", "-g", "status", "off")
        self.pane = self.tmux("display-message", "-p", "-t", "bench", "#{pane_id}").strip()
        self._events: queue.Queue[tuple[float, str]] = queue.Queue()
        self._control = subprocess.Popen(
            [TMUX, "-L", self.socket, "-C", "attach-session", "-t", "bench"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            errors="replace",  # control mode escapes bytes, but never trust a terminal
            bufsize=1,
            env=_clean_env(),
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def tmux(self, *args: str) -> str:
        """Run a command on the outer server."""
        return subprocess.run(
            [TMUX, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=False,
            env=_clean_env(),
        ).stdout

    def _read(self) -> None:
        assert self._control.stdout is not None
        prefix = f"%output {self.pane} "
        for line in self._control.stdout:
            if line.startswith(prefix):
                self._events.put((time.perf_counter(), _unescape(line[len(prefix) :])))

    def drain(self) -> None:
        """Forget output seen so far."""
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def wait_output(self, check: Callable[[str], bool], timeout: float = 5.0) -> float | None:
        """Time at which the pane wrote output for which ``check`` is true (None: timeout)."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                stamp, data = self._events.get(timeout=left)
            except queue.Empty:
                return None
            if check(data):
                return stamp

    def send(self, *keys: str, literal: bool = False) -> float:
        """send-keys through the control client; returns the time it was written."""
        assert self._control.stdin is not None
        args = " ".join(_quote(k) for k in keys)
        line = f"send-keys -t {self.pane} {'-l ' if literal else ''}{args}\n"
        stamp = time.perf_counter()
        self._control.stdin.write(line)
        self._control.stdin.flush()
        return stamp

    def screen(self) -> str:
        """The outer pane's screen as text."""
        return self.tmux("capture-pane", "-p", "-t", self.pane)

    def wait_screen(self, check: Callable[[str], bool], timeout: float = 15.0) -> bool:
        """Poll the screen until ``check`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self.screen()):
                return True
            time.sleep(0.02)
        return False

    def pane_pid(self) -> int:
        """The pid of the process the window runs."""
        return int(self.tmux("display-message", "-p", "-t", self.pane, "#{pane_pid}").strip())

    def close(self) -> None:
        """Kill the outer server by its socket."""
        if self._control.stdin is not None:
            try:
                self._control.stdin.close()
            except OSError:
                pass
        self.tmux("kill-server")
        try:
            self._control.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._control.kill()


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'" if arg and arg.isprintable() else arg


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}


class Sandbox:
    """Private files and a private inner tmux socket for one chloe."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chloe-bench-"))
        self.socket = f"chloe-bench-inner-{secrets.token_hex(3)}"
        self.env = {
            "CHLOE_TMUX_SOCKET": self.socket,
            "XDG_DATA_HOME": str(self.dir / "data"),
            "XDG_CONFIG_HOME": str(self.dir / "config"),
            "XDG_STATE_HOME": str(self.dir / "state"),
            "SHELL": "/bin/sh",
            "PS1": "$ ",
            "TERM": "xterm-256color",
        }
        config = self.dir / "config" / "chloe" / "config.toml"
        config.parent.mkdir(parents=True)
        # tmux sets $SHELL for the programs it runs, so name the shell in the config.
        config.write_text('shell = "/bin/sh"\n')

    def service(self) -> object:
        """A PaneService on this sandbox's store and socket (as the CLI would build it)."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            from chloe.config import load_config
            from chloe.paths import store_path
            from chloe.service import PaneService
            from chloe.store import Store

            return PaneService(Store(store_path()), load_config())
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def add_tmux_panes(self, count: int) -> None:
        """Create ``count`` tmux panes (left attached) as the CLI would."""
        service = self.service()
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            for i in range(count):
                service.create_tmux(name=f"p{i:03d}", cwd=str(self.dir))  # type: ignore[attr-defined]
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def clients(self) -> int:
        """How many clients chloe's tmux server has."""
        out = subprocess.run(
            [TMUX, "-L", self.socket, "list-clients"],
            check=False,
            capture_output=True,
            text=True,
            env=_clean_env(),
        ).stdout
        return len(out.splitlines())

    def close(self) -> None:
        """Kill chloe's tmux server by socket; remove the files."""
        subprocess.run(
            [TMUX, "-L", self.socket, "kill-server"],
            check=False,
            capture_output=True,
            env=_clean_env(),
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def _stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  (n={len(ms)})"


# --- cases --------------------------------------------------------------------------


def bench_start(starts: int) -> None:
    """Start to first frame with 0 and with 100 persisted tmux panes."""
    for count in (0, 100):
        box = Sandbox()
        try:
            if count:
                box.add_tmux_panes(count)
            first: list[float] = []
            labelled: list[float] = []
            reattached: list[float] = []
            for _ in range(starts):
                outer = Outer("sleep 1000", box.env)
                try:
                    outer.drain()
                    marker = "p000" if count else "No panes yet"
                    t0 = time.perf_counter()
                    outer.tmux("respawn-pane", "-k", "-t", outer.pane, f"exec {CHLOE}")
                    if not outer.wait_screen(lambda s, m=marker: m in s, 20):
                        raise SystemExit(f"chloe did not draw its first frame: {outer.screen()}")
                    first.append(time.perf_counter() - t0)
                    outer.wait_screen(lambda s: "checking" not in s, 30)
                    labelled.append(time.perf_counter() - t0)
                    if count:
                        deadline = time.monotonic() + 60
                        while box.clients() < count and time.monotonic() < deadline:
                            time.sleep(0.02)
                        reattached.append(time.perf_counter() - t0)
                    outer.send("q")
                    outer.wait_screen(lambda s: "No panes yet" not in s and "p000" not in s, 10)
                    time.sleep(0.5)  # let the clients go away before the next start
                finally:
                    outer.close()
            print(f"start, {count:3d} tmux panes: first frame {_stats(first)}")
            print(f"start, {count:3d} tmux panes: labels     {_stats(labelled)}")
            if reattached:
                print(f"start, {count:3d} tmux panes: all clients {_stats(reattached)}")
            print("   (first frame is measured by polling capture-pane, ~15 ms resolution)")
        finally:
            box.close()


def _echo_latency(outer: Outer, keys: int, patience: float | None = None) -> list[float]:
    """Key-to-echo times; with ``patience``, an echo not seen in time counts as that long."""
    samples = []
    for _ in range(keys):
        outer.drain()
        sent = outer.send(MARK, literal=True)
        got = outer.wait_output(lambda d: MARK in d, patience or 5.0)
        if got is None:
            if patience is None:
                raise SystemExit(f"no echo seen; screen:\n{outer.screen()}")
            samples.append(patience)
        else:
            samples.append(got - sent)
        outer.drain()
        outer.send("BSpace")
        outer.wait_output(lambda d: True, 1.0)
        time.sleep(0.02)
        outer.drain()
    return samples


def _start_chloe(box: Sandbox, profile: Path | None = None) -> Outer:
    """chloe in a fresh outer terminal; with ``profile``, under cProfile writing there."""
    if profile is None:
        outer = Outer(f"exec {CHLOE}", box.env)
    else:
        outer = Outer(f"exec {PROFILED} {profile}", box.env)
    if not outer.wait_screen(lambda s: "help" in s and "checking" not in s, 30):
        raise SystemExit("chloe did not start")
    time.sleep(1.0)
    return outer


def _new_pane(outer: Outer, key: str, title: str = "") -> None:
    """Make a pane with ``key``; wait for its prompt, and for ``title`` in its header.

    ``title`` ("sh-2 · direct"): without it, the previous pane's header and
    screen can pass for the new one's while chloe is busy, and a key typed
    then goes to the pane list.
    """
    outer.send(key)
    if not outer.wait_screen(
        lambda s: title in s and "back to the list" in s and ("$" in s or "#" in s), 15
    ):
        raise SystemExit(f"no prompt in the new pane:\n{outer.screen()}")
    time.sleep(0.3)


def bench_echo(keys: int) -> None:
    """Key-to-echo in a direct and a tmux pane, against a plain shell."""
    box = Sandbox()
    try:
        plain = Outer("exec /bin/sh", box.env)
        try:
            plain.wait_screen(lambda s: "$" in s)
            time.sleep(0.3)
            print(f"echo, plain shell in the outer pane: {_stats(_echo_latency(plain, keys))}")
        finally:
            plain.close()
        outer = _start_chloe(box)
        try:
            _new_pane(outer, "c")
            print(f"echo, chloe direct pane:            {_stats(_echo_latency(outer, keys))}")
            outer.send("C-q")
            time.sleep(0.3)
            _new_pane(outer, "t")
            print(f"echo, chloe tmux pane:              {_stats(_echo_latency(outer, keys))}")
            outer.send("C-q")
            outer.send("q")
            outer.send("y")
        finally:
            outer.close()
    finally:
        box.close()


FLOOD_MB = 10


def _flood_once(log: bytes, kind: str, keys: int, visible: bool) -> tuple[float, list[float]]:
    """One flood in a new pane of a fresh chloe: seconds to finish, and typing samples.

    ``visible``: stay in the flooding pane (every frame shows the flood);
    else go back to the list and type in a second direct pane meanwhile.
    """
    box = Sandbox()
    try:
        big = box.dir / "big.txt"
        big.write_bytes(log * (FLOOD_MB * 1_000_000 // len(log) + 1))
        done = box.dir / "flood.done"
        profile = None
        if PROFILE_DIR is not None:
            view = "watched" if visible else "hidden"
            profile = PROFILE_DIR / f"{'direct' if kind == 'c' else 'tmux'}-{view}"
            for old in profile.parent.glob(profile.name + ".*"):
                old.unlink()
        outer = _start_chloe(box, profile)
        try:
            _new_pane(outer, kind)
            if profile is not None:
                profile.with_suffix(".go").touch()
            outer.send(f"cat {big}; touch {done}", literal=True)
            outer.send("Enter")
            started = time.perf_counter()
            # The flood's end is when the file was touched, not when this loop
            # looks: an echo waited for (up to 5 s) must not lengthen it.
            started_wall = time.time()
            samples: list[float] = []
            if not visible:
                outer.send("C-q")
                time.sleep(0.2)
                _new_pane(outer, "c", "sh-2 · direct")
                for _ in range(keys):
                    if done.exists():
                        break
                    # Under load the first echo can take seconds: count it, do not abort.
                    samples.extend(_echo_latency(outer, 1, patience=5.0))
            while not done.exists() and time.perf_counter() - started < 300:
                time.sleep(0.05)
            finished = done.stat().st_mtime - started_wall if done.exists() else 300.0
            if profile is not None:
                profile.with_suffix(".stop").touch()
            # Is chloe still responsive and did it ingest everything? Show the flood pane.
            outer.send("C-q")
            if not visible:
                outer.send("k")
            time.sleep(1.0)
            outer.send("q")
            if outer.wait_screen(lambda s: "Quit?" in s, 10):
                time.sleep(0.6)  # a yes typed as the question opens is ignored
                outer.send("y")
            if profile is not None:
                # chloe writes its profile as it exits: wait for it before closing.
                written = profile.with_suffix(".txt")
                deadline = time.monotonic() + 60
                while not written.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
                print(f"   profile: {written}")
            return finished, samples
        finally:
            outer.close()
    finally:
        box.close()


def bench_flood(
    keys: int, runs: int = 1, kinds: tuple[str, ...] = ("direct", "tmux"), watched: bool = True
) -> None:
    """Typing in one pane while another cats a 10 MB coloured log; then the flood watched.

    Each run floods a direct pane and then a tmux pane (a fresh chloe each),
    first hidden with typing in another pane, then visible; the ratios are
    per run (the two kinds measured back to back), their median is printed.
    """
    from bench_terminal import log_flood  # the same log as the emulator's

    # The pty turns LF into CR LF itself (ONLCR), so the file has bare LFs.
    log = log_flood(20_000).replace(b"\r\n", b"\n")
    for visible in (False, True) if watched else (False,):
        where = "visible" if visible else "hidden, typing in another pane"
        times: dict[str, list[float]] = {"direct": [], "tmux": []}
        typing: dict[str, list[float]] = {"direct": [], "tmux": []}
        ratios = []
        for _ in range(runs):
            load = os.getloadavg()[0]
            for kind, what in (("c", "direct"), ("t", "tmux")):
                if what not in kinds:
                    continue
                finished, samples = _flood_once(log, kind, keys, visible)
                times[what].append(finished)
                typing[what].extend(samples)
                print(
                    f"flood ({where}) in a {what} pane: {FLOOD_MB} MB cat finished after"
                    f" {finished:.2f} s (load average {load:.1f})"
                )
            if len(kinds) == 2:
                ratios.append(times["direct"][-1] / times["tmux"][-1])
        for what in kinds:
            if typing[what]:
                print(f"flood in a {what} pane, typing in a direct pane: {_stats(typing[what])}")
            print(
                f"flood ({where}) in a {what} pane: median {statistics.median(times[what]):.2f} s"
                f" over {runs} run(s)"
            )
        if not ratios:
            continue
        print(
            f"flood ({where}): direct / tmux = median {statistics.median(ratios):.2f}x"
            f" (per run: {', '.join(f'{r:.2f}' for r in ratios)})"
        )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Child processes of every thread of ``pid`` (workers spawn the tmux clients)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _server_pid(socket: str) -> int | None:
    out = subprocess.run(
        [TMUX, "-L", socket, "display-message", "-p", "#{pid}"],
        check=False,
        capture_output=True,
        text=True,
        env=_clean_env(),
    ).stdout.strip()
    return int(out) if out.isdigit() else None


def bench_idle(seconds: float = 10.0, panes: int = 20) -> None:
    """CPU of chloe over ``seconds`` with ``panes`` idle tmux panes attached."""
    box = Sandbox()
    try:
        box.add_tmux_panes(panes)
        outer = _start_chloe(box)
        try:
            pid = outer.pane_pid()
            deadline = time.monotonic() + 20
            while len(_children(pid)) < panes and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(3.0)  # let every client draw its first screen
            clients = _children(pid)
            server = _server_pid(box.socket)
            before = _cpu_seconds(pid)
            before_clients = sum(_cpu_seconds(c) for c in clients)
            before_server = _cpu_seconds(server) if server else 0.0
            time.sleep(seconds)
            used = _cpu_seconds(pid) - before
            used_clients = sum(_cpu_seconds(c) for c in clients) - before_clients
            used_server = (_cpu_seconds(server) if server else 0.0) - before_server
            print(
                f"idle, {panes} tmux panes attached, {seconds:.0f} s: chloe "
                f"{100 * used / seconds:.1f}% of a core; its {len(clients)} tmux clients "
                f"{100 * used_clients / seconds:.1f}%; chloe's tmux server "
                f"{100 * used_server / seconds:.1f}%"
            )
            outer.send("q")
        finally:
            outer.close()
    finally:
        box.close()


class _GcTimes:
    """CPU time the garbage collector spends, per generation (``gc.callbacks``)."""

    def __init__(self) -> None:
        import gc

        self.seconds = [0.0, 0.0, 0.0]
        self.counts = [0, 0, 0]
        self.longest = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        # CPU time of this thread: a collection the scheduler interrupted is
        # not charged the time it waited.
        if phase == "start":
            self._started = time.thread_time()
            return
        took = time.thread_time() - self._started
        generation = info["generation"]
        self.seconds[generation] += took
        self.counts[generation] += 1
        self.longest = max(self.longest, took)

    def summary(self) -> str:
        counts = ", ".join(f"gen{g} {self.counts[g]}x {self.seconds[g]:.3f} s" for g in range(3))
        return f"gc: {counts}; longest pause {self.longest * 1000:.1f} ms"


def _as_chloe(out: Path) -> int:
    """Run chloe's TUI, profiling the flood only: from ``out``.go to ``out``.stop.

    The benchmark creates those two files as the flood starts and ends; the
    profile (cProfile, the garbage collector's time, the event loop's turns)
    covers that span and goes to ``out``.prof and ``out``.txt as chloe exits.
    """
    import asyncio.base_events
    import cProfile
    import io
    import pstats
    import selectors
    import threading

    profiler = cProfile.Profile()
    state = {"phase": "before", "flag": "before"}
    gc_times: list[_GcTimes] = []
    turns: list[float] = []
    waits: list[float] = []
    spans: list[float] = []

    def watch() -> None:
        for name, flag in (("go", "go"), ("stop", "stop")):
            while not out.with_suffix("." + name).exists():
                time.sleep(0.02)
            state["flag"] = flag

    threading.Thread(target=watch, daemon=True).start()
    original = asyncio.base_events.BaseEventLoop._run_once  # type: ignore[attr-defined]

    def timed(loop: object) -> None:
        flag = state["flag"]
        if flag != state["phase"]:
            state["phase"] = flag
            if flag == "go":
                gc_times.append(_GcTimes())
                spans.append(time.perf_counter())
                profiler.enable()
            else:
                profiler.disable()
                spans.append(time.perf_counter())
                import gc

                gc.callbacks.clear()
        if state["phase"] != "go":
            original(loop)
            return
        started = time.perf_counter()
        original(loop)
        turns.append(time.perf_counter() - started)

    asyncio.base_events.BaseEventLoop._run_once = timed  # type: ignore[attr-defined]
    # Time spent waiting in select() is not work: measure it to subtract.
    original_select = selectors.EpollSelector.select

    def select(self: selectors.EpollSelector, timeout: float | None = None) -> list:  # type: ignore[type-arg]
        started = time.perf_counter()
        try:
            return original_select(self, timeout)
        finally:
            if state["phase"] == "go":
                waits.append(time.perf_counter() - started)

    selectors.EpollSelector.select = select  # type: ignore[method-assign,assignment]
    # A typed key's way through chloe: its echo fed to the typing pane's
    # emulator, then written to the terminal (both contain the MARK).
    echoes: list[tuple[str, float, int]] = []
    from textual.drivers.linux_driver import LinuxDriver

    from chloe.terminal import Terminal

    original_feed = Terminal.feed
    original_write = LinuxDriver.write

    def feed(self: Terminal, data: bytes) -> None:
        original_feed(self, data)
        if state["phase"] == "go" and MARK.encode() in data and len(data) < 100:
            echoes.append(("fed", time.perf_counter(), len(turns)))

    def write(self: LinuxDriver, data: str) -> None:
        if state["phase"] == "go" and MARK in data:
            echoes.append(("written", time.perf_counter(), len(turns)))
        original_write(self, data)

    Terminal.feed = feed  # type: ignore[method-assign]
    LinuxDriver.write = write  # type: ignore[method-assign]
    from chloe.ui.app import run

    try:
        return run()
    finally:
        profiler.disable()
        profiler.dump_stats(out.with_suffix(".prof"))
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        work = sorted(t - w for t, w in zip(turns, waits, strict=False))
        lines = []
        if len(spans) == 2:
            lines.append(f"flood: {spans[1] - spans[0]:.2f} s under the profiler")
        if work:
            p50 = work[len(work) // 2] * 1000
            p95 = work[min(len(work) - 1, round(0.95 * (len(work) - 1)))] * 1000
            lines.append(
                f"event loop: {len(work)} turns, {sum(work):.2f} s working (not waiting in"
                f" select); per turn median {p50:.2f} ms, p95 {p95:.2f} ms,"
                f" max {work[-1] * 1000:.1f} ms"
            )
        paths = []
        for (kind, at, turn), (next_kind, next_at, next_turn) in itertools.pairwise(echoes):
            if kind == "fed" and next_kind == "written":
                paths.append((next_at - at, next_turn - turn))
        if paths:
            paths.sort()
            middle = paths[len(paths) // 2]
            worst = paths[min(len(paths) - 1, round(0.95 * (len(paths) - 1)))]
            lines.append(
                f"echo, fed to written: median {middle[0] * 1000:.1f} ms ({middle[1]} turns),"
                f" p95 {worst[0] * 1000:.1f} ms ({worst[1]} turns), n={len(paths)}"
            )
        if gc_times:
            lines.append(gc_times[0].summary())
        out.with_suffix(".txt").write_text("\n".join(lines) + "\n\n" + text.getvalue())


def main() -> None:
    """Run the chosen cases and print their figures."""
    if len(sys.argv) == 3 and sys.argv[1] == "--as-chloe":
        sys.exit(_as_chloe(Path(sys.argv[2])))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=40, help="keystrokes per echo case")
    parser.add_argument("--starts", type=int, default=5, help="starts per start-up case")
    parser.add_argument("--only", choices=("start", "echo", "flood", "idle"), action="append")
    parser.add_argument("--runs", type=int, default=1, help="runs of the flood case")
    parser.add_argument(
        "--kind", choices=("direct", "tmux"), action="append", help="flood only this kind"
    )
    parser.add_argument("--hidden", action="store_true", help="flood hidden panes only")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="run each flood's chloe under cProfile"
    )
    args = parser.parse_args()
    if args.profile is not None:
        global PROFILE_DIR
        PROFILE_DIR = args.profile.resolve()
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    if not Path(CHLOE).exists():
        raise SystemExit(f"{CHLOE} not found: install chloe into .venv first")
    chosen = args.only or ["start", "echo", "flood", "idle"]
    version = subprocess.run([TMUX, "-V"], check=False, capture_output=True, text=True).stdout
    print(version.strip())
    if "start" in chosen:
        bench_start(args.starts)
    if "echo" in chosen:
        bench_echo(args.keys)
    if "flood" in chosen:
        bench_flood(args.keys, args.runs, tuple(args.kind or ("direct", "tmux")), not args.hidden)
    if "idle" in chosen:
        bench_idle()


if __name__ == "__main__":
    main()
