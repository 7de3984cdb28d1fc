"""Record the raw output bytes of a program run on a pseudo-terminal.

The recordings under ``tests/captured/`` feed the emulator's differential and
snapshot tests. Anyone can add one::

    .venv/bin/python tools/record_stream.py tests/captured/vim.bin \\
        --step 'expect:~' --step 'send:ihello\\x1b' --step 'send::q!\\r' -- vim -u NONE

Steps run in order once the program has started:

* ``expect:TEXT`` waits (deadline ``--timeout``) until TEXT has appeared in
  the output since the previous ``expect``;
* ``send:TEXT`` writes TEXT (Python escapes such as ``\\r``, ``\\x1b`` allowed);
* ``wait:SECONDS`` keeps reading output for that long (for refresh-driven
  programs such as ``top`` where there is nothing stable to expect).

Queries the program sends (cursor position, device attributes) are answered
by chloe's own emulator, as chloe would answer them, so programs that wait for
a reply behave as they do under chloe.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chloe.terminal import Terminal


def _set_size(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


class Recorder:
    """Runs one program on a pty and accumulates everything it writes."""

    def __init__(self, argv: list[str], columns: int, lines: int, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        _set_size(slave, columns, lines)
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.mark = 0
        self.term = Terminal(columns, lines)

    def pump(self, seconds: float) -> bool:
        """Read output for up to ``seconds``; False once the program has closed the pty."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the slave side is closed
                return False
            if not chunk:
                return False
            self.output += chunk
            self.term.feed(chunk)
            replies = self.term.take_replies()
            if replies:
                os.write(self.master, replies)

    def expect(self, text: bytes, timeout: float) -> None:
        """Read until ``text`` appears after the last expectation."""
        deadline = time.monotonic() + timeout
        while True:
            at = self.output.find(text, self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return
            if time.monotonic() > deadline or not self.pump(0.05):
                if self.output.find(text, self.mark) >= 0:
                    continue  # it arrived with the program's last words
                raise SystemExit(f"timed out waiting for {text!r}")

    def send(self, data: bytes) -> None:
        """Type ``data`` into the program."""
        os.write(self.master, data)

    def finish(self, timeout: float) -> None:
        """Drain output until the program exits (killing it after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.pump(0.05):
            if self.proc.poll() is not None:
                self.pump(0.2)  # whatever it wrote just before exiting
                break
            if time.monotonic() > deadline:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own child's group
                break
        self.proc.wait(timeout=10)
        os.close(self.master)


def _unescape(text: str) -> bytes:
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="file to write the raw bytes to")
    parser.add_argument("--size", default="80x24", help="COLUMNSxLINES (default 80x24)")
    parser.add_argument("--step", action="append", default=[], help="expect:/send:/wait:")
    parser.add_argument("--timeout", type=float, default=15.0, help="deadline per step")
    parser.add_argument("--cwd", type=Path, default=None)
    parser.add_argument("command", nargs="+", help="the program and its arguments")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    columns, lines = (int(v) for v in args.size.split("x"))
    env = dict(os.environ)
    env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines), LANG="C.UTF-8")
    env.pop("TMUX", None)
    env.pop("TMUX_PANE", None)
    if args.cwd is not None:
        os.chdir(args.cwd)
    rec = Recorder(args.command, columns, lines, env)
    for step in args.step:
        kind, _, value = step.partition(":")
        if kind == "expect":
            rec.expect(_unescape(value), args.timeout)
        elif kind == "send":
            rec.send(_unescape(value))
        elif kind == "wait":
            rec.pump(float(value))
        else:
            parser.error(f"unknown step {step!r}")
    rec.finish(args.timeout)
    output.write_bytes(bytes(rec.output))
    print(f"{output}: {len(rec.output)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
