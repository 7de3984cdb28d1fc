"""Differential test: tmux and xterm.js are the oracles for what a byte stream must look like.

Every recording under ``tests/captured/`` is replayed into a real tmux pane of
the same size (on the test's private socket) and into :class:`Terminal`; the
two screens must agree on every cell's text, colours and attributes (dim
included: ``capture-pane -e`` writes it as SGR 2), and on the cursor position.
xterm.js headless (``tests/terminal/oracles.py``) is the second oracle: a cell,
and the cursor, pass if they equal either tmux's or xterm.js's, so a tmux bug
the emulator does not copy (DECSTBM in origin mode) needs no exception here.

The pane runs ``stty -opost -echo; cat FILE`` so the recorded bytes reach tmux
unchanged (the pty would otherwise turn a bare LF into CR LF, and echo the
replies tmux writes to queries in the stream), then sets a unique title: tmux
handles a pane's output in order, so once the title shows, every byte of the
stream has been processed.

``capture-pane -e`` leaves out the background of erased cells at the end of a
row, so for those cells the test attaches a real tmux client on a pty and
compares with the background the client draws (see :func:`client_screen`).

Known tmux 3.3a vs xterm differences the emulator resolves for xterm (the
vttest-like streams exercise some, which pass on xterm.js's cells; unit tests
in ``test_screen.py`` cover them all):
``CSI I`` (CHT, tmux lacks it; not in the xterm-256color terminfo either),
``CSI 0;0r`` (xterm: full screen; tmux ignores it), printing over the
right half of a wide character (xterm blanks the left half; tmux leaves it,
which misaligns its own redraw), DECSTBM in origin mode (xterm and the DEC
manuals home the cursor to the region's top left, tmux to the screen's; the
fuzz streams follow each DECSTBM with ``CSI H`` for this reason), and
selective erase (``CSI ? J``, ``CSI ? K``: tmux ignores them, xterm erases
the cells DECSCA does not protect). Two more tmux 3.3a quirks are not imitated
either: in insert mode the first character after an automatic wrap overwrites
instead of inserting, and inserting or erasing with the cursor on the right
half of a wide character leaves tmux's grid inconsistent. A zero width joiner
joins only the character right after it (tmux 3.3a keeps it waiting through
ASCII text and controls until its next read of the pane's output; see
``test_glyphs.py``). Cell widths are the C library's ``wcwidth``, as tmux's.
``tools/fuzz_against_tmux.py`` finds such differences.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pyte import graphics
from pyte.charsets import VT100_MAP

from chloe.terminal import Cell, Terminal
from tests.support.cells import as_cell
from tests.support.waiting import wait_until
from tests.terminal.libc_width import char_width
from tests.terminal.oracles import CellKey, xterm_screen

CAPTURED = Path(__file__).resolve().parent.parent / "captured"
STREAMS = sorted(CAPTURED.glob("*.bin"))
COLUMNS, LINES = 80, 24

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
UNKNOWN_BG = "?"


def _tmux_sgr(style: dict[str, str | bool], params: str) -> None:
    """Apply one SGR sequence as tmux's ``capture-pane -e`` writes it.

    Written independently of the emulator's own SGR code on purpose, so a bug
    there cannot cancel itself out here.
    """
    parts = [int(p) if p else 0 for p in params.replace(":", ";").split(";")] if params else [0]
    i = 0
    flags = {
        1: "bold",
        2: "dim",
        3: "italics",
        4: "underscore",
        5: "blink",
        7: "reverse",
        9: "strikethrough",
    }
    while i < len(parts):
        code = parts[i]
        if code == 0:
            style.clear()
        elif code in flags:
            style[flags[code]] = True
        elif code == 22:
            style.pop("bold", None)
            style.pop("dim", None)
        elif code in (38, 48):
            key = "fg" if code == 38 else "bg"
            if parts[i + 1] == 5:
                # 38;5;N for N < 16 is ANSI colour N: stored by its SGR 30-37/90-97 name.
                n = parts[i + 2]
                if n < 16:
                    sgr = (30 if n < 8 else 82) + n + (10 if code == 48 else 0)
                    table = {**graphics.FG_ANSI, **graphics.FG_AIXTERM}
                    style[key] = {**table, **graphics.BG_ANSI, **graphics.BG_AIXTERM}[sgr]
                else:
                    style[key] = f"color({n})"
                i += 2
            else:
                r, g, b = parts[i + 2 : i + 5]
                style[key] = f"{r:02x}{g:02x}{b:02x}"
                i += 4
        elif code in graphics.FG_ANSI or code in graphics.FG_AIXTERM:
            style["fg"] = {**graphics.FG_ANSI, **graphics.FG_AIXTERM}[code]
        elif code in graphics.BG_ANSI or code in graphics.BG_AIXTERM:
            style["bg"] = {**graphics.BG_ANSI, **graphics.BG_AIXTERM}[code]
        else:
            # hidden (8), double underline (21), overline (53)...: attributes
            # a Cell cannot hold; keep them so they mismatch.
            style[f"sgr{code}"] = True
        i += 1


def _cell(data: str, style: dict[str, str | bool]) -> CellKey:
    extra = sorted(k for k in style if k.startswith("sgr"))
    return (
        data + "".join(f"<{k}>" for k in extra),
        str(style.get("fg", "default")),
        str(style.get("bg", "default")),
        bool(style.get("bold")),
        bool(style.get("italics")),
        bool(style.get("underscore")),
        bool(style.get("strikethrough")),
        bool(style.get("reverse")),
        bool(style.get("blink")),
        bool(style.get("dim")),
    )


def parse_capture(text: str, columns: int, lines: int) -> list[list[CellKey]]:
    """Turn ``capture-pane -p -e -N`` output into rows of cells."""
    rows: list[list[CellKey]] = []
    style: dict[str, str | bool] = {}
    # capture-pane leaves out erased cells at the end of a row, even when the
    # erase gave them a background colour (tmux draws that colour, as its
    # attached client's output shows): their bg is unknown here.
    unknown = _cell(" ", {"bg": UNKNOWN_BG})
    for line in text.split("\n")[:lines]:
        row: list[CellKey] = []
        pos = 0
        acs = False
        # After a zero width joiner the next non-ASCII character is in the same
        # cell (tmux joins ASCII text only in insert or no-wrap mode, which the
        # streams do not combine with joiners).
        joining = False
        while pos < len(line):
            m = _SGR.match(line, pos)
            if m:
                _tmux_sgr(style, m.group(1))
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            if ch in "\x0e\x0f":
                # capture-pane marks line-drawing (ACS) runs with SO ... SI.
                acs = ch == "\x0e"
                continue
            if acs:
                ch = VT100_MAP[ord(ch)] if ord(ch) < 256 else ch
            width = char_width(ch)
            if (width == 0 or (joining and not ch.isascii())) and row:
                joining = ch == "\u200d"
                last = row[-1] if row[-1][0] else row[-2]
                idx = len(row) - 1 if row[-1][0] else len(row) - 2
                row[idx] = (last[0] + ch, *last[1:])
                continue
            row.append(_cell(ch, style))
            if width == 2:
                row.append(_cell("", style))
        # The style carries over to the next captured line (tmux does not
        # repeat it), so it is not reset here.
        row = row[:columns] + [unknown] * (columns - len(row))
        rows.append(row)
    rows += [[unknown] * columns for _ in range(lines - len(rows))]
    return rows


def terminal_cells(term: Terminal) -> list[list[CellKey]]:
    """The emulator's screen in the same shape as :func:`parse_capture`."""

    def cell(c: Cell) -> CellKey:
        return (
            c.data,
            c.fg,
            c.bg,
            c.bold,
            c.italics,
            c.underscore,
            c.strikethrough,
            c.reverse,
            c.blink,
            c.dim,
        )

    return [
        [cell(as_cell(term.buffer[y][x])) for x in range(term.columns)] for y in range(term.lines)
    ]


def tmux_screen(
    tmux_run: Callable[..., str], tmp_path: Path, data: bytes, columns: int, lines: int
) -> tuple[list[list[CellKey]], tuple[int, int]]:
    """Replay ``data`` in a fresh tmux pane; return its cells and cursor (x, y)."""
    stream = tmp_path / "stream.bin"
    stream.write_bytes(data)
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g status off\nset -g history-limit 100\n")
    token = f"done-{secrets.token_hex(4)}"
    command = (
        f"stty -opost -echo; cat '{stream}'; printf '\\033]2;{token}\\033\\\\'; exec sleep 600"
    )
    tmux_run(
        "-f",
        str(conf),
        "new-session",
        "-d",
        "-s",
        "diff",
        "-x",
        str(columns),
        "-y",
        str(lines),
        command,
    )
    wait_until(
        lambda: tmux_run("display-message", "-p", "-t", "diff", "#{pane_title}").strip() == token,
        timeout=20,
        message="tmux to process the stream",
    )
    captured = tmux_run("capture-pane", "-p", "-e", "-N", "-t", "diff")
    x, y = tmux_run("display-message", "-p", "-t", "diff", "#{cursor_x} #{cursor_y}").split()
    return parse_capture(captured, columns, lines), (int(x), int(y))


def client_screen(socket: str, expected: list[list[CellKey]], columns: int, lines: int) -> Terminal:
    """What an attached tmux client draws for the pane, replayed into a Terminal.

    ``capture-pane`` omits the background of erased cells at the end of a row;
    tmux's own client draws it. The client's output is plain (CUP, EL, SGR,
    CR LF), and the ``tmux_attach`` stream proves the emulator reads such
    output as tmux does, so replaying it shows those backgrounds.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        ["tmux", "-L", socket, "attach", "-t", "diff"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    out = bytearray()
    term = Terminal(columns, lines)
    want = [[c[0] for c in row] for row in expected]

    def read(timeout: float) -> bool:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return False
        out.extend(chunk)
        term.feed(chunk)
        os.write(master, term.take_replies())
        return bool(chunk)

    def drawn() -> bool:
        read(0.05)
        return [[c.data for c in row] for row in term.buffer] == want

    try:
        wait_until(drawn, timeout=20, message="the tmux client to draw the pane")
        # tmux writes a redraw in one burst: once the text is there, the rest
        # (trailing erases) follows at once. Read until the output goes quiet.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            before = len(out)
            read(0.2)
            if len(out) == before:
                break
    finally:
        proc.kill()  # our own client; the server stays until the fixture kills it
        proc.wait(timeout=10)
        os.close(master)
    return term


# tmux's format for each mode the emulator exposes, and how to read it off a Terminal.
MODES: dict[str, Callable[[Terminal], object]] = {
    "cursor_flag": lambda t: int(t.cursor_visible),
    "alternate_on": lambda t: int(t.alternate_screen),
    "keypad_cursor_flag": lambda t: int(t.app_cursor_keys),
    "mouse_standard_flag": lambda t: int(t.mouse_mode == 1000),
    "mouse_button_flag": lambda t: int(t.mouse_mode == 1002),
    "mouse_all_flag": lambda t: int(t.mouse_mode == 1003),
    "mouse_sgr_flag": lambda t: int(t.mouse_sgr),
    "insert_flag": lambda t: int(4 in t.mode),
    "wrap_flag": lambda t: int((7 << 5) in t.mode),
    "origin_flag": lambda t: int((6 << 5) in t.mode),
    "scroll_region_upper": lambda t: t.margins.top if t.margins else 0,
    "scroll_region_lower": lambda t: t.margins.bottom if t.margins else t.lines - 1,
}


def compare_modes(term: Terminal, tmux_run: Callable[..., str]) -> list[str]:
    """Differences between the emulator's modes and the tmux pane's."""
    fmt = " ".join(f"#{{{name}}}" for name in MODES)
    values = tmux_run("display-message", "-p", "-t", "diff", fmt).split()
    return [
        f"mode {name}: tmux {value} ours {read(term)}"
        for (name, read), value in zip(MODES.items(), values, strict=True)
        if str(read(term)) != value
    ]


def describe_row(cells: list[CellKey]) -> str:
    return "".join(c[0] if len(c[0]) <= 1 else "?" for c in cells)


Screen = tuple[list[list[CellKey]], tuple[int, int]]


def compare(
    term: Terminal,
    expected: list[list[CellKey]],
    cursor: tuple[int, int],
    client: Terminal | None = None,
    xterm: Screen | None = None,
) -> list[str]:
    """Every difference between the emulator and both oracles, as readable lines.

    A cell passes if it equals tmux's or xterm.js's (``xterm``); so does the
    cursor. Erased cells whose background ``capture-pane`` leaves out are
    checked against what tmux's client drew (``client``) instead.
    """
    problems = []
    got = terminal_cells(term)
    for y, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        other = xterm[0][y] if xterm is not None else None
        if mine in (theirs, other):
            continue
        wrong = []
        for x, (a, tmux_cell) in enumerate(zip(mine, theirs, strict=True)):
            b = tmux_cell
            if b[2] == UNKNOWN_BG:
                shown = client.buffer[y][x].bg if client is not None else a[2]
                b = (" ", "default", shown, *(False,) * 7)
            if a != b and (other is None or a != other[x]):
                wrong.append((x, a, b, None if other is None else other[x]))
        if not wrong:
            continue
        x, a, b, c = wrong[0]
        if a[0] not in (b[0], c[0] if c else None):
            problems.append(
                f"row {y} text (from col {x}):\n  tmux:  {describe_row(theirs)!r}"
                + (f"\n  xterm: {describe_row(other)!r}" if other else "")
                + f"\n  ours:  {describe_row(mine)!r}"
            )
        else:
            problems.append(f"row {y} col {x} style: tmux {b} xterm {c} ours {a}")
    # A pending wrap shows as x == columns in pyte and, in some paths
    # (insert mode), in tmux too; either way the cursor sits on the last column.
    last = term.columns - 1
    ours = (min(term.cursor.x, last), term.cursor.y)
    theirs_cursors = [(min(cursor[0], last), cursor[1])]
    if xterm is not None:
        theirs_cursors.append((min(xterm[1][0], last), xterm[1][1]))
    if ours not in theirs_cursors:
        problems.append(f"cursor: tmux/xterm {theirs_cursors} ours {ours}")
    return problems


@pytest.mark.tmux
@pytest.mark.parametrize("stream", STREAMS, ids=[p.stem for p in STREAMS])
def test_stream_matches_tmux_or_xterm(
    stream: Path, tmux_socket: str, tmux_run: Callable[..., str], tmp_path: Path
) -> None:
    """Every cell of the final screen equals tmux's or xterm.js's, for every recorded stream.

    The modes are compared with tmux's.
    """
    data = stream.read_bytes()
    expected, cursor = tmux_screen(tmux_run, tmp_path, data, COLUMNS, LINES)
    client = client_screen(tmux_socket, expected, COLUMNS, LINES)
    xterm = xterm_screen(data, COLUMNS, LINES, tmp_path)
    term = Terminal(COLUMNS, LINES)
    # Odd chunk sizes split UTF-8 characters and escape sequences across feeds.
    for i in range(0, len(data), 97):
        term.feed(data[i : i + 97])
    problems = compare(term, expected, cursor, client, xterm) + compare_modes(term, tmux_run)
    assert not problems, f"{stream.name}: {len(problems)} differences\n" + "\n".join(problems[:20])


def test_captured_streams_exist() -> None:
    """The differential test has something to compare (and stays small)."""
    names = {p.stem for p in STREAMS}
    assert len(names) >= 10
    assert sum(p.stat().st_size for p in STREAMS) < 1_000_000
