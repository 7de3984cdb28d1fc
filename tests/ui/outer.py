"""An outer terminal for end-to-end input tests: a tmux server on a private socket.

What a user's terminal does (turn key presses into bytes on chloe's stdin) is
done here by an *outer* tmux: ``send-keys`` writes exactly the bytes tmux's own
terminal encoder produces for a named key (``M-Enter``, ``C-F5``), or raw bytes
with ``-H``. The tests read what a program in a pane received with
``tests/keylogger.py`` and compare it with what the same logger receives in a
plain tmux pane driven the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.tmux import REAL_TMUX, kill_tmux_server
from tests.support.waiting import wait_until

KEYLOGGER = str(Path(__file__).resolve().parents[1] / "keylogger.py")
COLUMNS, ROWS = 120, 35

# What a user's tmux.conf is likely to hold, and what chloe's own tmux server sets:
# the same Esc wait as chloe's server and focus reports passed to programs.
INNER_CONF = "set -s escape-time 10\nset -g focus-events on\nset -g status off\n"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}


def tmux_run(socket: str, *args: str, check: bool = True) -> str:
    """``tmux -L socket ARGS``; its stdout."""
    assert REAL_TMUX is not None
    proc = subprocess.run(
        [REAL_TMUX, "-L", socket, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
        env=_env(),
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"tmux -L {socket} {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


class OuterTerminal:
    """A tmux window of ``COLUMNS`` x ``ROWS`` running ``command``: the user's terminal.

    Args:
        socket: a private socket name for the outer server.
        command: the shell command the window runs.
        tmp: a directory for its config.
    """

    session = "outer"

    def __init__(
        self, socket: str, command: str, tmp: Path, *, columns: int = COLUMNS, rows: int = ROWS
    ) -> None:
        self.socket = socket
        conf = tmp / f"{socket}.conf"
        # escape-time only matters for keys typed into this server's own clients,
        # but keep it out of the way; TERM as most users' terminals have it.
        conf.write_text(
            "set -s escape-time 0\nset -g status off\nset -g default-terminal xterm-256color\n"
        )
        tmux_run(
            socket, "-f", str(conf), "new-session", "-d", "-s", "outer",
            "-x", str(columns), "-y", str(rows), command,
        )  # fmt: skip
        self.target = "outer:0.0"

    def send(self, *keys: str) -> None:
        """``send-keys`` to the window: named keys, or ``-H`` hex, or ``-l`` text."""
        tmux_run(self.socket, "send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type ``text`` as it is (``send-keys -l``)."""
        self.send("-l", text)

    def run(self, *args: str, check: bool = True) -> str:
        """Any tmux command on the outer server (e.g. to resize its window); its stdout."""
        return tmux_run(self.socket, *args, check=check)

    def running(self) -> bool:
        """The window's program has not exited (the outer session still exists)."""
        return (
            subprocess.run(
                [REAL_TMUX or "tmux", "-L", self.socket, "has-session", "-t", self.session],
                capture_output=True,
                check=False,
                timeout=20,
                env=_env(),
            ).returncode
            == 0
        )

    def screen(self) -> str:
        """The window's screen as text."""
        return tmux_run(self.socket, "capture-pane", "-p", "-t", self.target, check=False)

    def wait_screen(
        self, check: str | Callable[[str], object], what: str = "", timeout: float = 20
    ) -> str:
        """Poll the screen until ``check(screen)`` holds (or the text ``check`` shows on it).

        Fails with the last screen after ``timeout`` seconds; returns the screen.
        """
        if isinstance(check, str):
            text = check

            def check_text(screen: str) -> bool:
                return text in screen

            what = what or repr(text)
            check = check_text
        return wait_until(self.screen, timeout, 0.03, f"{what} on the outer screen", accept=check)

    def find(self, text: str) -> tuple[int, int]:
        """Column and row (0-based) where ``text`` shows on the screen."""
        for y, line in enumerate(self.screen().splitlines()):
            x = line.find(text)
            if x >= 0:
                return x, y
        pytest.fail(f"{text!r} is not on the outer screen:\n{self.screen()}")

    def close(self) -> None:
        """Kill the outer server (by its socket)."""
        kill_tmux_server(self.socket)


def shell_prompt(screen: str) -> bool:
    """chloe shows a pane in terminal mode whose shell waits at its prompt."""
    return "back to the list" in screen and any(
        line.rstrip().endswith(("▕$", "▕#")) for line in screen.splitlines()
    )


@contextlib.contextmanager
def running_chloe(
    cwd: Path,
    *,
    shell: str | None = None,
    env: str = "",
    ready: str | None = "No panes yet",
    columns: int = COLUMNS,
    rows: int = ROWS,
) -> Iterator[OuterTerminal]:
    """The real ``chloe`` program in an outer terminal, started in ``cwd``.

    Args:
        cwd: chloe's working directory (new panes start there); the outer's config goes there.
        shell: the shell new panes run (written to chloe's config), else the user's.
        env: ``NAME=value`` words to put in chloe's environment.
        ready: text to wait for before handing the terminal over (None: do not wait).
        columns: the terminal's width.
        rows: the terminal's height.
    """
    if shell is not None:
        config = Path(os.environ["XDG_CONFIG_HOME"]) / "chloe" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"shell = {shell!r}\n")
    # COLUMNS/LINES (which the test run's environment may carry) would pin chloe's size.
    command = f"cd {cwd} && exec env -u COLUMNS -u LINES {env} {sys.executable} -m chloe"
    outer = OuterTerminal(
        f"chloe-outer-{secrets.token_hex(3)}", command, cwd, columns=columns, rows=rows
    )
    try:
        if ready is not None:
            outer.wait_screen(ready, "chloe's first screen")
        yield outer
    finally:
        outer.close()


@contextlib.contextmanager
def plain_tmux(tmp: Path, conf: str, command: str) -> Iterator[OuterTerminal]:
    """``command`` in a plain tmux pane (its server configured by ``conf``), that tmux
    attached in an outer terminal: the baseline chloe is compared with."""
    inner = f"plain-{secrets.token_hex(3)}"
    conf_file = tmp / f"{inner}.conf"
    conf_file.write_text(conf)
    outer: OuterTerminal | None = None
    try:
        tmux_run(inner, "-f", str(conf_file), "new-session", "-d", "-s", "plain", command)
        attach = f"env -u TMUX tmux -L {inner} attach -t plain"
        outer = OuterTerminal(f"plain-outer-{secrets.token_hex(3)}", attach, tmp)
        yield outer
    finally:
        if outer is not None:
            outer.close()
        kill_tmux_server(inner)


class KeyLog:
    """The key logger's files: what it received, and its control FIFO."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.path = tmp / f"{name}.log"
        self.path.write_bytes(b"")
        self.control = tmp / f"{name}.ctl"
        os.mkfifo(self.control)
        self._ctl_fd: int | None = None
        self.tags = 0

    @property
    def command(self) -> str:
        """The shell command that runs the logger."""
        return f"exec {sys.executable} {KEYLOGGER} {self.path} {self.control}"

    def data(self) -> bytes:
        """Everything received so far."""
        return self.path.read_bytes()

    def size(self) -> int:
        """Bytes received so far."""
        return self.path.stat().st_size

    def set_modes(self, outer: OuterTerminal, modes: bytes) -> None:
        """Have the logger write ``modes`` to its terminal; wait until they are on show."""
        if self._ctl_fd is None:
            self._ctl_fd = os.open(self.control, os.O_WRONLY)
        self.tags += 1
        tag = f"MODES-{self.tags:03d}-SET"
        os.write(self._ctl_fd, f"{modes.hex() or '00'} {tag}\n".encode())
        outer.wait_screen(lambda s: tag in s, f"the logger's tag {tag}")

    def wait_growth(self, size: int, timeout: float) -> bool:
        """Wait until more than ``size`` bytes are logged; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.size() <= size:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def close(self) -> None:
        """Close the control FIFO."""
        if self._ctl_fd is not None:
            os.close(self._ctl_fd)
            self._ctl_fd = None


MARK = re.compile(rb"\|(\d{4})\|")


def type_corpus(
    outer: OuterTerminal,
    log: KeyLog,
    corpus: Sequence[Step],
    origin: tuple[int, int],
    quiet: Callable[[str], float],
) -> dict[str, bytes]:
    """Send every step of ``corpus``; return the bytes the logger got for each (by label).

    After each key the driver waits for the logger to receive something
    (``quiet(label)`` seconds at most: keys that send nothing wait that long),
    then types a marker ``|NNNN|`` and waits for it, so the bytes of one key
    are exactly those between two markers.

    Args:
        outer: the terminal to type into.
        log: the logger that runs in the pane under test.
        corpus: steps: keys, delays and mode changes.
        origin: where the pane's top-left cell is on the outer screen (mouse reports).
        quiet: how long to wait for a key's first byte.
    """
    start = log.size()
    count = 0
    for step in corpus:
        if isinstance(step, Modes):
            log.set_modes(outer, step.data)
            continue
        if isinstance(step, Pause):
            time.sleep(step.seconds)
            continue
        before = log.size()
        for i, part in enumerate(step.sends):
            if i:
                time.sleep(step.gap)
            outer.send(*part.args(origin))
        log.wait_growth(before, quiet(step.label))
        marker = f"|{count:04d}|"
        outer.send("-l", marker)
        end = marker.encode()
        wait_until(
            log.data,
            10,
            0.002,
            f"marker {marker} after {step.label!r}",
            accept=lambda data: data.endswith(end),  # noqa: B023 (called before the loop moves)
        )
        count += 1
    data = log.data()[start:]
    pieces = MARK.split(data)
    # [bytes0, "0000", bytes1, "0001", ..., trailing]
    labels = [s.label for s in corpus if isinstance(s, Key)]
    result: dict[str, bytes] = {}
    for index, label in enumerate(labels):
        result[label] = pieces[2 * index]
        assert pieces[2 * index + 1] == f"{index:04d}".encode()
    return result


class Send:
    """One ``send-keys``: named keys, hex bytes, or a mouse report at pane cells."""

    def __init__(
        self, *keys: str, hex: bytes | None = None, mouse: tuple[int, int, int, str] | None = None
    ) -> None:
        self.keys = keys
        self.hex = hex
        self.mouse = mouse

    def args(self, origin: tuple[int, int]) -> list[str]:
        """send-keys arguments, with mouse cells moved to ``origin``."""
        if self.mouse is not None:
            button, x, y, final = self.mouse
            report = f"\x1b[<{button};{x + origin[0] + 1};{y + origin[1] + 1}{final}"
            return ["-H", *(f"{b:02x}" for b in report.encode())]
        if self.hex is not None:
            return ["-H", *(f"{b:02x}" for b in self.hex)]
        return list(self.keys)


class Key:
    """A labelled step: one or more sends, ``gap`` seconds apart."""

    def __init__(self, label: str, *sends: Send | str, gap: float = 0.0) -> None:
        self.label = label
        self.sends = [s if isinstance(s, Send) else Send(s) for s in sends] or [Send(label)]
        self.gap = gap


class Modes:
    """A step that has the logger switch terminal modes."""

    def __init__(self, data: bytes) -> None:
        self.data = data


class Pause:
    """A step that waits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Step = Key | Modes | Pause
