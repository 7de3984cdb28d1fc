"""A raw key logger: what a program in a terminal receives, byte for byte.

Usage: ``python keylogger.py LOG CONTROL``

* The terminal is put in raw mode (``tty.setraw``) and every byte read from it
  is appended to ``LOG`` as it arrives, unchanged.
* ``CONTROL`` is a FIFO: each line on it is ``<hex bytes> <tag>``; the logger
  writes the bytes to the terminal (to set modes: mouse, focus, bracketed
  paste, cursor keys) and then draws ``<tag>`` at the top-left corner, so the
  driver can wait until the modes have reached the terminal it types into.

The logger starts on the alternate screen (as full-screen programs do) and
draws ``KEYLOGGER-READY`` once it is reading.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import tty


def main() -> None:
    """Log stdin to the file until the terminal closes."""
    log_path, control_path = sys.argv[1], sys.argv[2]
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    control = os.open(control_path, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(control_path, os.O_WRONLY)  # no EOF when a writer goes away
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    os.write(1, b"\x1b[?1049h\x1b[H\x1b[2JKEYLOGGER-READY")
    pending = b""
    try:
        while True:
            ready, _, _ = select.select([0, control], [], [])
            if 0 in ready:
                data = os.read(0, 65536)
                if not data:
                    return
                os.write(log, data)
            if control in ready:
                pending += os.read(control, 65536)
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    hexes, _, tag = line.decode().partition(" ")
                    os.write(1, bytes.fromhex(hexes) + b"\x1b[H\x1b[2K" + tag.encode())
    finally:
        termios.tcsetattr(0, termios.TCSANOW, saved)
        os.close(keep_open)


if __name__ == "__main__":
    main()
