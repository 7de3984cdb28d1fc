"""Continuous pane logs: where they live, how they are written, read, rendered and searched.

Every pane's output is appended, as it happens, to ``<state>/logs/<pane id>.log``
(mode 0600, in a 0700 directory):

* a **tmux** pane through tmux itself: ``pipe-pane -o`` runs
  :func:`writer_command`, a small ``sh`` loop that copies the pane's output
  with ``head -c`` into the log, so it keeps logging while no chloe runs;
* a **direct** pane by chloe, from the pty pump, through :class:`LogWriter`.

Both cap a log at :attr:`chloe.config.Config.log_max_bytes`: when the file is
full it becomes ``<id>.log.1`` (replacing the one before) and a new file
starts, so a pane keeps between one and two caps of its latest output. A
write that fails (a full disk, an unwritable directory) stops that pane's
logging, never the pane.

Why ``pipe-pane`` and this writer (measured, see ``docs/performance.md``,
"Logging cost of a flood"): a flood costs tmux one more write to the pipe (a
socket) for each read of the pane (about 4 KiB) and a wake-up of the writer;
the writer then reads and appends about as often. For 20 MB that is 0.1 to
0.2 s more CPU for tmux, which spends 1.0 s on the flood and is its
bottleneck, and 0.1 s for the writer: about 10 to 25 % of the flood's
time (the aim of < 10 % is not met). That is the whole cost, and no
writer takes tmux's part away: ``cat > /dev/null`` costs tmux as much as
this one, and this one costs about what ``cat >> FILE`` costs (without a
cap). ``stdbuf -o0`` changes when bytes reach the file, not what they cost;
a niced writer reads bigger pieces when the cores are busy but the flood is
not faster. Reading tmux's own history instead (``capture-pane`` from time
to time) is not cheaper: tmux spends more CPU writing out its history than
copying the bytes into the pipe, a flood turns a 10,000-line history over
in well under a second (lines are lost unless something reads very often),
and nothing reads while chloe is closed.

Reading: :func:`read_log` joins the rotated and the current file;
:func:`render` turns the bytes into what a terminal would have shown (through
:class:`chloe.terminal.Terminal`), :func:`plain_text` does a faster
approximation for search (escapes removed, carriage-return progress bars
collapsed to their last state). No Textual here.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from chloe import paths

RENDER_COLUMNS = 200
"""Width of the terminal a log is rendered on: long lines wrap there."""


def log_dir() -> Path:
    """Where pane logs live (``<state>/logs``)."""
    return paths.state_dir() / "logs"


def log_path(pane_id: str) -> Path:
    """The current log file of a pane."""
    return log_dir() / f"{pane_id}.log"


def rotated_path(pane_id: str) -> Path:
    """The previous (full) log file of a pane."""
    return log_dir() / f"{pane_id}.log.1"


def prepare(pane_id: str) -> Path:
    """Make the log directory (0700) and the pane's log file (0600); return its path.

    Raises:
        OSError: the directory or the file cannot be made or written.
    """
    paths.ensure_private_dir(log_dir())
    path = log_path(pane_id)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def unwritable_message(name: str, exc: OSError) -> str:
    """The one line the user sees when a pane cannot be logged."""
    where = exc.filename or log_dir()
    return (
        f"logging of {name!r} stopped: cannot write {where}: {exc.strerror or exc}; "
        "the pane runs on"
    )


FULL_DISK_BYTES = 64 * 1024
"""Free space under which a log's file system counts as full (a write of a pane's next
output would fail)."""


def stopped_message(name: str, pane_id: str) -> str:
    """Why a live tmux pane's log writer stopped, in one line for the user.

    The writer (:func:`writer_command`) ends when a write fails; the reason is
    read from the log's file system now: full, or the file not writable.
    """
    directory = log_dir()
    path = log_path(pane_id)
    why = "its log writer stopped"
    try:
        fs = os.statvfs(directory)
        if fs.f_bavail * fs.f_frsize < FULL_DISK_BYTES or fs.f_favail == 0:
            why = f"the disk holding {directory} is full"
        elif path.exists() and not os.access(path, os.W_OK):
            why = f"cannot write {path}"
        elif not os.access(directory, os.W_OK):
            why = f"cannot write {directory}"
    except OSError as exc:
        why = f"cannot reach {directory}: {exc.strerror or exc}"
    return (
        f"logging of {name!r} stopped: {why}; the pane runs on, "
        "and its log misses what it prints from then on"
    )


# The writer run by tmux's pipe-pane, as ``sh -c SCRIPT chloe-log FILE CAP``.
# ``head -c N`` copies at most N bytes (it never reads ahead on a pipe); under
# ``stdbuf -o0`` it writes each read at once instead of holding small output in
# its stdio buffer (without stdbuf, output arrives in 4 KiB steps). Each round
# fills the file exactly to CAP; a file still short of CAP afterwards
# means the pane's output ended (or the write failed): the loop stops. umask
# keeps a new file 0600.
_WRITER_SCRIPT = (
    "umask 077; f=$1; cap=$2; nb=; "
    "command -v stdbuf >/dev/null 2>&1 && nb='stdbuf -o0'; "
    "while :; do "
    'size=$(wc -c < "$f" 2>/dev/null) || size=0; '
    'if [ "$size" -ge "$cap" ]; then mv -f "$f" "$f.1" || exit 1; size=0; fi; '
    '$nb head -c $((cap - size)) >> "$f" || exit 1; '
    'size=$(wc -c < "$f" 2>/dev/null) || exit 1; '
    '[ "$size" -ge "$cap" ] || exit 0; '
    "done"
)


def writer_command(path: Path, cap: int) -> str:
    """The shell command ``pipe-pane`` runs to append a pane's output to ``path``.

    Safe for any path: each argument is shell-quoted, and ``#`` is doubled
    because tmux expands formats in the command.
    """
    command = shlex.join(["sh", "-c", _WRITER_SCRIPT, "chloe-log", str(path), str(int(cap))])
    return "exec " + command.replace("#", "##")


class LogWriter:
    """Appends a direct pane's output to its log, with the same cap and rotation.

    A failing write closes the file and sets :attr:`error` (one line for the
    user); every later write is ignored.
    """

    def __init__(self, pane_id: str, name: str, cap: int) -> None:
        self.pane_id = pane_id
        self.name = name
        self.cap = max(1, cap)
        self.error: str | None = None
        self._fd: int | None = None
        self._size = 0
        try:
            path = prepare(pane_id)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            self._size = os.fstat(self._fd).st_size
        except OSError as exc:
            self._fail(exc)

    @property
    def open(self) -> bool:
        """Whether output is still being logged."""
        return self._fd is not None

    def write(self, data: bytes) -> None:
        """Append ``data`` (rotating when the cap is reached)."""
        if self._fd is None or not data:
            return
        try:
            view = memoryview(data)
            while view:
                if self._size >= self.cap:
                    self._rotate()
                room = self.cap - self._size
                chunk = view[:room]
                written = os.write(self._fd, chunk)
                self._size += written
                view = view[written:]
        except OSError as exc:
            self._fail(exc)

    def _rotate(self) -> None:
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        os.replace(log_path(self.pane_id), rotated_path(self.pane_id))
        self._fd = os.open(
            log_path(self.pane_id), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600
        )
        self._size = 0

    def _fail(self, exc: OSError) -> None:
        self.close()
        if exc.errno == errno.ENOSPC and not exc.filename:
            exc.filename = str(log_path(self.pane_id))
        self.error = unwritable_message(self.name, exc)

    def close(self) -> None:
        """Stop logging (the file stays)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def has_log(pane_id: str) -> bool:
    """Whether a log of the pane exists."""
    return log_path(pane_id).exists() or rotated_path(pane_id).exists()


def read_log(pane_id: str) -> bytes:
    """The pane's whole continuous log (rotated part first); empty if there is none."""
    parts: list[bytes] = []
    for path in (rotated_path(pane_id), log_path(pane_id)):
        try:
            parts.append(path.read_bytes())
        except FileNotFoundError:
            continue
    return b"".join(parts)


def read_log_in(directory: Path, pane_id: str) -> bytes | None:
    """The pane's whole log in ``directory`` (as :func:`read_log`), None if it has none.

    One open per file, no ``stat``: what a search of many logs wants.
    """
    parts: list[bytes] = []
    for path in (directory / f"{pane_id}.log.1", directory / f"{pane_id}.log"):
        try:
            with open(path, "rb") as fh:
                parts.append(fh.read())
        except FileNotFoundError:
            continue
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def remove_log(pane_id: str) -> None:
    """Delete the pane's log files (a missing one is fine)."""
    for path in (log_path(pane_id), rotated_path(pane_id)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def log_files(pane_id: str) -> list[Path]:
    """The pane's existing log files, oldest first."""
    return [p for p in (rotated_path(pane_id), log_path(pane_id)) if p.exists()]


# -- turning bytes into text ------------------------------------------------------------


def render(data: bytes, columns: int = RENDER_COLUMNS, rows: int = 50) -> list[str]:
    """What a terminal would have shown for ``data``: every line, oldest first.

    Fed through :class:`chloe.terminal.Terminal` with unbounded scrollback, so
    cursor movement, erasing and carriage returns (progress bars) end as on a
    screen. Trailing blank rows of the last screen are dropped.
    """
    from chloe.terminal.screen import Terminal

    term = Terminal(columns, rows, scrollback=max(1, data.count(b"\n") + rows + 1))
    step = 1 << 20
    for start in range(0, len(data), step):
        term.feed(data[start : start + step])
        term.take_replies()
    lines = [*term.scrollback(), *(line.rstrip(" ") for line in term.display)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


_ESCAPES = re.compile(
    rb"\x1b(?:"  # one literal first byte lets the regex engine skip plain text fast
    rb"\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC (titles, hyperlinks)
    rb"|[P_^X][^\x1b\n]*(?:\x1b\\)?"  # DCS, APC, PM, SOS (a line's end ends them here)
    rb"|\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|[ -/]*[0-~]"  # two-character escapes
    rb")"
)
_CONTROLS = bytes(c for c in range(32) if c not in b"\t\n\r") + b"\x7f"
"""Control characters a log's text loses (tab, newline and carriage return stay)."""
_CR_LINE = re.compile(rb"[^\n]*\r(?!\n)[^\n]*")


def _last_state(match: re.Match[bytes]) -> bytes:
    """A line rewritten with carriage returns, as a terminal leaves it."""
    parts = match.group(0).split(b"\r")
    line = bytearray()
    for part in parts:
        line[: len(part)] = part
    return bytes(line)


def plain_text(data: bytes) -> str:
    """A fast approximation of :func:`render` for search: escapes dropped, progress
    bars (carriage returns) collapsed to their last state, CRLF made LF."""
    text = _ESCAPES.sub(b"", data).translate(None, _CONTROLS).replace(b"\r\n", b"\n")
    if b"\r" in text:
        text = _CR_LINE.sub(_last_state, text)
    return text.decode("utf-8", "replace")


# -- search -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """One matching line: the pane's name, its 1-based line number, the line."""

    pane: str
    line_number: int
    line: str


def compile_pattern(pattern: str, *, regex: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """The pattern as a compiled regex (plain text is escaped).

    Raises:
        re.error: an invalid regex.
    """
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    return re.compile(pattern if regex else re.escape(pattern), flags)


def search_text(name: str, text: str, pattern: re.Pattern[str]) -> Iterator[Match]:
    """Every line of ``text`` that ``pattern`` matches, with its line number.

    The whole text is searched at once (the regex engine skips non-matching
    stretches in C); line numbers are counted only between matches.
    """
    line_number = 1
    counted = 0
    pos = 0
    length = len(text)
    while pos <= length:
        found = pattern.search(text, pos)
        if found is None:
            return
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.start())
        if end < 0:
            end = length
        line_number += text.count("\n", counted, start)
        counted = start
        yield Match(name, line_number, text[start:end])
        pos = end + 1


def search_many(sources: Iterable[tuple[str, str]], pattern: re.Pattern[str]) -> Iterator[Match]:
    """:func:`search_text` over (name, text) pairs, in order."""
    for name, text in sources:
        yield from search_text(name, text, pattern)


_LONE_CR = re.compile(rb"\r[^\n]")
"""A carriage return that rewrites its line (not the one of a CRLF, not at the end)."""

SPLIT_LIMIT = 4096
"""Escapes right after a character of the text, in one log, checked one by one; past
this many (a log coloured word by word) one regex that skips escapes finds the text."""

_ESCAPE_GAP = (
    rb"(?:\x1b(?:\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[P_^X][^\x1b\n]*(?:\x1b\\)?"
    rb"|\[[0-?]*[ -/]*[@-~]|[ -/]*[0-~]))*"
)
"""Any escapes (as :data:`_ESCAPES` drops them) between two characters of the text."""


def _line_start(data: bytes, pos: int) -> int:
    return data.rfind(b"\n", 0, pos) + 1


@functools.lru_cache(maxsize=32)
def _split_probes(needle: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """For ``needle``: a regex finding each escape that follows one of its characters
    (where colour may cut it), and one finding it with escapes anywhere inside."""
    chars = re.escape(bytes(sorted(set(needle[:-1]))))
    after = re.compile(b"\x1b(?<=[" + chars + b"]\x1b)")
    gap = re.compile(_ESCAPE_GAP.join(re.escape(needle[i : i + 1]) for i in range(len(needle))))
    return after, gap


@functools.lru_cache(maxsize=32)
def _prefixes_by_last(needle: bytes) -> dict[int, list[bytes]]:
    """The proper prefixes of ``needle`` by their last byte."""
    ending: dict[int, list[bytes]] = {}
    for k in range(1, len(needle)):
        ending.setdefault(needle[k - 1], []).append(needle[:k])
    return ending


def _candidates(data: bytes, needle: bytes, ignore_case: bool) -> set[int]:
    """Starts of the lines of ``data`` whose plain text may contain ``needle``.

    The lines holding ``needle`` as it is (``bytes.find``, far faster than any
    regex or cleaning), or cut by escapes (colour inside a word, as ``grep
    --color`` writes: an escape right after one of its first characters, each
    checked; or, in a log coloured word by word, one regex that skips escapes),
    or with a carriage return that rewrites the line.
    """
    hay = data.lower() if ignore_case else data
    if ignore_case:
        needle = needle.lower()
    starts: set[int] = set()
    pos = hay.find(needle)
    while pos >= 0:
        starts.add(_line_start(hay, pos))
        end = hay.find(b"\n", pos)
        if end < 0:
            break
        pos = hay.find(needle, end)
    if len(needle) > 1 and b"\x1b" in hay:
        after, gap = _split_probes(needle)
        cuts = [m.start() for m in itertools.islice(after.finditer(hay), SPLIT_LIMIT + 1)]
        if len(cuts) > SPLIT_LIMIT:
            starts.update(_line_start(hay, m.start()) for m in gap.finditer(hay))
        else:
            ending = _prefixes_by_last(needle)
            for cut in cuts:
                if any(hay.endswith(p, 0, cut) for p in ending[hay[cut - 1]]):
                    starts.add(_line_start(hay, cut))
    if b"\r" in data:
        starts.update(_line_start(data, m.start()) for m in _LONE_CR.finditer(data))
    return starts


def search_log(
    name: str,
    data: bytes,
    pattern: re.Pattern[str],
    needle: str | None = None,
    *,
    ignore_case: bool = False,
) -> Iterator[Match]:
    """Every line of a raw log whose plain text (:func:`plain_text`) ``pattern`` matches.

    Line numbers count the log's lines. Given the plain ``needle`` that
    ``pattern`` searches for, only the lines that may hold it are cleaned
    (:func:`_candidates`), which is what makes searching a hundred long logs
    fast; otherwise (a regex) the whole log is cleaned first.
    """
    raw_needle = needle.encode() if needle else b""
    if not raw_needle or (ignore_case and not raw_needle.isascii()):
        yield from search_text(name, plain_text(data), pattern)
        return
    line_number = 1
    counted = 0
    for start in sorted(_candidates(data, raw_needle, ignore_case)):
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        line = plain_text(data[start:end]).removesuffix("\r")
        if pattern.search(line):
            line_number += data.count(b"\n", counted, start)
            counted = start
            yield Match(name, line_number, line)


def search_sources(
    sources: Iterable[tuple[str, bytes | str]],
    pattern: re.Pattern[str],
    needle: str | None = None,
    *,
    ignore_case: bool = False,
) -> Iterator[Match]:
    """Every matching line of each (pane name, raw log bytes or plain text) source, in
    order: what ``chloe grep`` prints and the UI's search of every pane lists."""
    for name, source in sources:
        if isinstance(source, bytes):
            yield from search_log(name, source, pattern, needle, ignore_case=ignore_case)
        else:
            yield from search_text(name, source, pattern)


# -- following --------------------------------------------------------------------------


class Follower:
    """Reads what is appended to a pane's log, across rotations (``tail -F``).

    Starts at the current end of the log; :meth:`read` returns the bytes added
    since the last call (b"" when none). A rotation (the file replaced by a new
    one) is noticed by its inode: the rest of the old file is read, then the new
    one from its start.
    """

    def __init__(self, pane_id: str) -> None:
        self.pane_id = pane_id
        self._fh: BinaryIO | None = None
        self._inode: int | None = None
        self._open(at_end=True)

    def _open(self, *, at_end: bool) -> None:
        try:
            fh = open(log_path(self.pane_id), "rb")  # noqa: SIM115  # kept open between reads
        except OSError:
            return
        if at_end:
            fh.seek(0, os.SEEK_END)
        self._fh = fh
        self._inode = os.fstat(fh.fileno()).st_ino

    def read(self, limit: int = 1 << 20) -> bytes:
        """New bytes, at most ``limit``."""
        if self._fh is None:
            self._open(at_end=False)
            if self._fh is None:
                return b""
        data = self._fh.read(limit)
        if data:
            return data
        try:
            inode = os.stat(log_path(self.pane_id)).st_ino
        except OSError:
            return b""
        if inode != self._inode:
            self._fh.close()
            self._fh = None
            self._open(at_end=False)
            return self._fh.read(limit) if self._fh is not None else b""
        return b""

    def close(self) -> None:
        """Close the file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class LineCleaner:
    """Turns a stream of log bytes into plain text lines as they complete.

    Each complete line goes through :func:`plain_text` (escapes dropped,
    carriage-return rewrites collapsed); an unfinished line waits for its end
    (or :meth:`flush`).
    """

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> str:
        """The plain text of the lines ``data`` completes."""
        data = self._rest + data
        cut = data.rfind(b"\n") + 1
        self._rest = data[cut:]
        return plain_text(data[:cut]) if cut else ""

    def flush(self) -> str:
        """The unfinished line, if any, as plain text."""
        rest, self._rest = self._rest, b""
        return plain_text(rest)
