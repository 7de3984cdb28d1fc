"""``chloe doctor``: what chloe sees, and what will survive what.

Each check gives one line: ``ok``, ``note`` (worth knowing, nothing is wrong)
or ``problem`` (something will fail or be lost; the line says what to do).
``chloe doctor`` exits 0 when there is no problem. No Textual here, and every
probe is bounded in time: a wedged tmux server or a slow ``systemctl`` makes a
line say so, never a hang.
"""

from __future__ import annotations

import enum
import os
import re
import select
import shutil
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from chloe import paths
from chloe.backends import placement
from chloe.backends.tmux import TmuxBackend, tmux_binary

LOW_DISK_BYTES = 100 * 1024 * 1024
"""Below this much free space where panes.toml lives, saving may fail soon."""

TERMINAL_QUERY_TIMEOUT = 0.5
"""Seconds to wait for the terminal to answer the keyboard-protocol query."""


class Level(enum.StrEnum):
    """How much a check's result matters."""

    OK = "ok"
    NOTE = "note"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report: what was checked, and what was found."""

    topic: str
    level: Level
    text: str


def _mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):04o}"


def check_directory(topic: str, path: Path) -> Finding:
    """A chloe directory: present, ours, writable, and not open to others."""
    if not path.exists():
        return Finding(topic, Level.NOTE, f"{path} does not exist yet (made on first use)")
    if not path.is_dir():
        return Finding(topic, Level.PROBLEM, f"{path} is not a directory: move it aside")
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.getuid():
        return Finding(topic, Level.PROBLEM, f"{path} belongs to uid {info.st_uid}, not to you")
    if not os.access(path, os.W_OK | os.X_OK):
        return Finding(topic, Level.PROBLEM, f"{path} is not writable ({mode:04o})")
    if mode & 0o022:
        return Finding(
            topic,
            Level.PROBLEM,
            f"{path} can be written by others ({mode:04o}): run `chmod 700 {path}`",
        )
    return Finding(topic, Level.OK, f"{path} ({mode:04o})")


def check_disk(path: Path) -> Finding:
    """Free space on the file system that holds ``path`` (or its nearest parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    text = f"{free / 1024**3:.1f} GiB free on the file system of {path}"
    if free < LOW_DISK_BYTES:
        return Finding("disk", Level.PROBLEM, f"only {text}: saving the pane list may fail")
    return Finding("disk", Level.OK, text)


def check_store() -> Finding:
    """The pane list: readable, and how many panes it holds."""
    from chloe.errors import ChloeError
    from chloe.store import Store

    path = paths.store_path()
    if not path.exists():
        return Finding("panes", Level.OK, f"{path}: no panes yet")
    try:
        records = Store(path).load()
    except ChloeError as exc:
        return Finding("panes", Level.PROBLEM, str(exc))
    return Finding("panes", Level.OK, f"{path}: {len(records)} pane(s)")


def _cgroup(pid: int) -> str | None:
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        # cgroup v2: "0::/user.slice/user-0.slice/session-3.scope"
        if line.startswith("0::"):
            return line[3:]
    return text.splitlines()[-1].split(":", 2)[-1] if text else None


def check_tmux(backend: TmuxBackend, *, logging: bool = True) -> list[Finding]:
    """tmux's version, chloe's server and its sessions (``logging``: and whether each
    live pane's continuous log still gets its output)."""
    problem = backend.problem
    if problem is not None:
        return [Finding("tmux", Level.PROBLEM, problem)]
    from libtmux.common import get_version_str

    binary = backend.binary
    found = [Finding("tmux", Level.OK, f"tmux {get_version_str(tmux_bin=binary)} at {binary}")]
    snap = backend.snapshot()
    tmpdir = os.environ.get("TMUX_TMPDIR") or "/tmp"
    where = f"socket {tmpdir}/tmux-{os.getuid()}/{backend.socket}"
    if not snap.reachable:
        found.append(
            Finding("server", Level.PROBLEM, f"{where}: tmux does not answer ({snap.error})")
        )
    elif snap.server_pid is None and not snap.sessions:
        found.append(Finding("server", Level.OK, f"{where}: not running (no tmux panes now)"))
    else:
        pid = f", pid {snap.server_pid}" if snap.server_pid else ""
        found.append(
            Finding("server", Level.OK, f"{where}: running{pid}, {len(snap.sessions)} session(s)")
        )
        group = _cgroup(snap.server_pid) if snap.server_pid else None
        if group:
            found.append(Finding("server", Level.OK, f"its control group: {group}"))
    if logging:
        from chloe import history

        for state in snap.sessions.values():
            if state.chloe_id and not state.dead and state.piped is False:
                name = state.chloe_name or state.session
                text = history.stopped_message(name, state.chloe_id)
                found.append(Finding("logs", Level.PROBLEM, text))
    return found


def check_placement(socket: str, facts: placement.SystemFacts | None = None) -> Finding:
    """What logging out will do to chloe's tmux server."""
    decided = placement.decide(placement.probe() if facts is None else facts, socket)
    if decided.survives_logout is False:
        return Finding("logout", Level.PROBLEM, decided.problem or decided.summary)
    if decided.survives_logout is None:
        fix = f" Run `{decided.fix}` to be sure." if decided.fix else ""
        return Finding("logout", Level.NOTE, decided.summary + fix)
    return Finding("logout", Level.OK, decided.summary)


def _query_terminal(fd: int) -> bytes:
    """Ask the terminal for its kitty keyboard flags and primary attributes."""
    import termios
    import tty

    old = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        os.write(fd, b"\x1b[?u\x1b[c")
        reply = b""
        deadline = time.monotonic() + TERMINAL_QUERY_TIMEOUT
        while not reply.endswith(b"c") or b"\x1b[?" not in reply:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 256)
            if not chunk:
                break
            reply += chunk
        return reply
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def check_terminal(
    env: dict[str, str] | None = None,
    query: Callable[[int], bytes] | None = None,
    fd: int | None = None,
) -> list[Finding]:
    """The terminal chloe would draw on: colours and keyboard protocol."""
    env = dict(os.environ) if env is None else env
    term = env.get("TERM", "")
    colorterm = env.get("COLORTERM", "")
    if colorterm.lower() in {"truecolor", "24bit"}:
        colours = Finding("colours", Level.OK, f"24-bit colour (COLORTERM={colorterm})")
    elif "256color" in term:
        colours = Finding(
            "colours",
            Level.NOTE,
            f"256 colours (TERM={term}); set COLORTERM=truecolor if your terminal has 24-bit "
            "colour (often lost over SSH), or 24-bit colours are approximated",
        )
    elif term:
        colours = Finding("colours", Level.NOTE, f"TERM={term}: few colours")
    else:
        colours = Finding("colours", Level.PROBLEM, "TERM is not set: chloe needs a terminal")
    found = [colours]
    fd = sys.stdin.fileno() if fd is None else fd
    if not os.isatty(fd):
        found.append(
            Finding("keyboard", Level.NOTE, "not run in a terminal: keyboard support not checked")
        )
        return found
    try:
        reply = (query or _query_terminal)(fd)
    except OSError as exc:
        found.append(Finding("keyboard", Level.NOTE, f"could not ask the terminal: {exc}"))
        return found
    if re.search(rb"\x1b\[\?\d+u", reply):
        found.append(Finding("keyboard", Level.OK, "the kitty keyboard protocol is supported"))
    elif reply:
        found.append(
            Finding("keyboard", Level.OK, "legacy keyboard encoding (no kitty keyboard protocol)")
        )
    else:
        found.append(Finding("keyboard", Level.NOTE, "the terminal did not answer a device query"))
    return found


def diagnose(socket: str | None = None) -> list[Finding]:
    """Every check, in the order the report prints them."""
    from chloe.config import load_config
    from chloe.errors import ChloeError

    found: list[Finding] = []
    logging = True
    try:
        config = load_config()
        logging = config.log_max_bytes > 0
        cfg = paths.config_path()
        found.append(
            Finding("config", Level.OK, f"{cfg}" if cfg.exists() else f"{cfg}: none, defaults")
        )
        socket = socket or config.tmux_socket
    except ChloeError as exc:
        found.append(Finding("config", Level.PROBLEM, str(exc)))
        socket = socket or os.environ.get("CHLOE_TMUX_SOCKET") or "chloe"
    found.append(check_store())
    found += check_tmux(TmuxBackend(socket, tmux_binary()), logging=logging)
    found.append(check_placement(socket))
    for topic, path in (
        ("data", paths.data_dir()),
        ("config dir", paths.config_dir()),
        ("state", paths.state_dir()),
    ):
        found.append(check_directory(topic, path))
    found.append(check_disk(paths.data_dir()))
    found += check_terminal()
    return found


def render(findings: list[Finding]) -> str:
    """The report as text, one finding a line, with a closing verdict."""
    width = max(len(f.topic) for f in findings)
    lines = [f"{f.level.value:<8} {f.topic:<{width}}  {f.text}" for f in findings]
    problems = sum(f.level is Level.PROBLEM for f in findings)
    lines.append(
        "all is well" if not problems else f"{problems} problem{'s' * (problems != 1)} found"
    )
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding]) -> list[dict[str, str]]:
    """The findings as JSON-ready dicts (``topic``, ``level``, ``text``)."""
    return [{k: str(v) for k, v in asdict(f).items()} for f in findings]
