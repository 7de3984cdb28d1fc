"""The second oracle of the differential test: xterm.js headless.

``tools/xterm-oracle/`` holds a pinned ``@xterm/headless`` (``package.json``
and ``package-lock.json``) and ``screen.js``, which replays a byte stream and
prints the screen as JSON. CI installs it with ``npm ci --prefix
tools/xterm-oracle`` (see ``.ci/run``); so does a developer, once. Without
node or the package, :func:`xterm_screen` fails the test with that command:
the tests that need no live oracle read recorded screens instead
(``tests/recorded/``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyte import graphics

ORACLE = Path(__file__).resolve().parents[2] / "tools" / "xterm-oracle"
INSTALL = f"npm ci --prefix {ORACLE.relative_to(ORACLE.parents[1])}"

CellKey = tuple[str, str, str, bool, bool, bool, bool, bool, bool, bool]

_FG = {**graphics.FG_ANSI, **graphics.FG_AIXTERM}
_BG = {**graphics.BG_ANSI, **graphics.BG_AIXTERM}


def xterm_missing() -> str | None:
    """Why the xterm.js oracle cannot run here (and how to fix it), or ``None``."""
    if shutil.which("node") is None:
        return f"node is not installed (the xterm.js oracle needs node >= 18, then `{INSTALL}`)"
    if not (ORACLE / "node_modules" / "@xterm" / "headless").is_dir():
        return f"the xterm.js oracle is not installed: run `{INSTALL}`"
    return None


def _colour(value: int | str | None, table: dict[int, str], base: int) -> str:
    if value is None:
        return "default"
    if isinstance(value, str):
        return value
    if value < 16:
        return table[base + value if value < 8 else base + 52 + value]
    return f"color({value})"


def to_cells(rows: list[list[list[object]]]) -> list[list[CellKey]]:
    """xterm.js cells (``screen.js`` output) in the differential test's shape."""
    out = []
    for row in rows:
        cells: list[CellKey] = []
        for chars, width, fg, bg, flags in row:
            assert isinstance(chars, str) and isinstance(flags, str)
            text = "" if width == 0 else chars or " "
            text += "<sgr8>" if "h" in flags else ""
            text += "<sgr53>" if "o" in flags else ""
            cells.append(
                (
                    text,
                    _colour(fg, _FG, 30),  # type: ignore[arg-type]
                    _colour(bg, _BG, 40),  # type: ignore[arg-type]
                    "b" in flags,
                    "i" in flags,
                    "u" in flags,
                    "s" in flags,
                    "r" in flags,
                    "k" in flags,
                    "d" in flags,
                )
            )
        out.append(cells)
    return out


_HUGE_SCROLL = re.compile(rb"\x1b\[(\d{4,})([ST])")


def _bounded_scrolls(data: bytes, lines: int) -> bytes:
    """``CSI n S``/``CSI n T`` with n over the screen height scroll by the height.

    Scrolling a region by more than its height clears it either way, but
    xterm.js 5.5 scrolls one line at a time: ``CSI 999999999 S`` (in
    ``torture_regions``) would keep it busy for minutes.
    """
    return _HUGE_SCROLL.sub(lambda m: b"\x1b[%d%s" % (min(int(m[1]), lines), m[2]), data)


def xterm_screen(
    data: bytes, columns: int, lines: int, tmp_path: Path, chunk: int = 4096
) -> tuple[list[list[CellKey]], tuple[int, int]]:
    """Replay ``data`` in xterm.js headless; its cells and cursor (x, y)."""
    missing = xterm_missing()
    if missing:
        pytest.fail(missing)
    stream = tmp_path / "xterm-stream.bin"
    stream.write_bytes(_bounded_scrolls(data, lines))
    proc = subprocess.run(
        ["node", str(ORACLE / "screen.js"), str(stream), str(columns), str(lines), str(chunk)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"xterm.js oracle failed: {proc.stderr.strip()[-500:]}"
    screen = json.loads(proc.stdout)
    x, y = screen["cursor"]
    return to_cells(screen["rows"]), (int(x), int(y))
