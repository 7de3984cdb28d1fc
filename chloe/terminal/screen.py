"""``Terminal``: a pyte ``Screen`` fed with raw pty bytes (first, minimal cut)."""

from __future__ import annotations

import codecs
from collections import deque

import pyte
from pyte.screens import Char


class Terminal(pyte.Screen):
    """A terminal screen fed with raw pty bytes.

    Args:
        columns: width in cells.
        lines: height in rows.
        scrollback: the most lines kept once they scroll off the top.
    """

    def __init__(self, columns: int, lines: int, scrollback: int = 10_000) -> None:
        self._history: deque[list[Char]] = deque(maxlen=max(0, scrollback))
        self._replies = bytearray()
        self.bell_count = 0
        self.generation = 0
        super().__init__(columns, lines)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._stream = pyte.Stream(self)

    def feed(self, data: bytes) -> None:
        """Feed raw pty bytes, in any chunking."""
        text = self._decoder.decode(data)
        if not text:
            return
        try:
            self._stream.feed(text)
        except Exception:  # the first cut: never let a bad sequence escape
            self._stream = pyte.Stream(self)
        self.generation += 1

    def index(self) -> None:
        """Move down one line, keeping the line scrolled off the top."""
        _top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == bottom and self.margins is None:
            row = self.buffer[0]
            self._history.append([row[x] for x in range(self.columns)])
        super().index()

    def bell(self, *args: object) -> None:
        """Count a BEL as an attention signal."""
        self.bell_count += 1

    def write_process_input(self, data: str) -> None:
        """Queue a reply for the owner to write to the pty."""
        self._replies += data.encode()

    def take_replies(self) -> bytes:
        """Drain the bytes the terminal must answer."""
        out = bytes(self._replies)
        self._replies.clear()
        return out

    def scrollback(self) -> list[str]:
        """Plain text of the lines scrolled off the top, oldest first."""
        return ["".join(c.data for c in row).rstrip() for row in self._history]

    @property
    def scrollback_len(self) -> int:
        """How many lines the scrollback holds."""
        return len(self._history)

    def scrollback_row(self, i: int) -> list[tuple[str, Char]]:
        """Styled runs of scrollback row ``i`` (0 is the oldest)."""
        return [(c.data, c) for c in self._history[i]]

    @property
    def app_cursor_keys(self) -> bool:
        """DECCKM: cursor keys send SS3 sequences."""
        return (1 << 5) in self.mode

    @property
    def bracketed_paste(self) -> bool:
        """Mode 2004: wrap pastes in ``ESC[200~``/``ESC[201~``."""
        return (2004 << 5) in self.mode

    @property
    def mouse_mode(self) -> int:
        """The mouse tracking mode: 0, 1000, 1002 or 1003."""
        for m in (1003, 1002, 1000):
            if (m << 5) in self.mode:
                return m
        return 0

    @property
    def mouse_sgr(self) -> bool:
        """Mode 1006: mouse reports in SGR form."""
        return (1006 << 5) in self.mode

    @property
    def focus_events(self) -> bool:
        """Mode 1004: the program wants focus in/out reports."""
        return (1004 << 5) in self.mode

    @property
    def cursor_visible(self) -> bool:
        """Mode 25: the cursor is shown."""
        return (25 << 5) in self.mode

    @property
    def alternate_screen(self) -> bool:
        """The alternate screen (1049/1047/47) is active."""
        return any((m << 5) in self.mode for m in (1049, 1047, 47))
