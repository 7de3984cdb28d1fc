"""Recorded screens: what tmux 3.3a and xterm.js drew for some of ``tests/captured/``.

``tests/recorded/<name>.json`` holds, for the stream ``tests/captured/<name>.bin``
(and its SHA-256, so a changed stream is noticed), the final screen of each
oracle: the cursor, a table of styles and, per row, the cell texts and style
runs. ``tools/record_screens.py`` writes them; ``test_recorded.py`` checks the
emulator against them without running either oracle.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.terminal.oracles import CellKey

RECORDED = Path(__file__).resolve().parent.parent / "recorded"
CAPTURED = Path(__file__).resolve().parent.parent / "captured"
NAMES = (
    "vt_cursor",
    "vt_screen",
    "vt_edit",
    "vt_charsets",
    "vt220",
    "ecma48",
    "colour_table",
    "torture_unicode",
)
"""The streams whose screens are recorded (vttest-like, unicode, the colour table)."""

Screen = tuple[list[list[CellKey]], tuple[int, int]]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(screen: Screen) -> dict[str, Any]:
    """A screen in the recorded form."""
    rows, (x, y) = screen
    styles: dict[tuple[Any, ...], int] = {}
    out_rows = []
    for row in rows:
        runs: list[list[int]] = []
        for cell in row:
            index = styles.setdefault(cell[1:], len(styles))
            if runs and runs[-1][1] == index:
                runs[-1][0] += 1
            else:
                runs.append([1, index])
        out_rows.append({"cells": [cell[0] for cell in row], "runs": runs})
    return {"cursor": [x, y], "styles": [list(key) for key in styles], "rows": out_rows}


def decode(recorded: dict[str, Any]) -> Screen:
    """A recorded screen back in the differential test's shape."""
    styles = [tuple(style) for style in recorded["styles"]]
    rows: list[list[CellKey]] = []
    for row in recorded["rows"]:
        keys = [styles[index] for count, index in row["runs"] for _ in range(count)]
        rows.append([(text, *key) for text, key in zip(row["cells"], keys, strict=True)])
    x, y = recorded["cursor"]
    return rows, (x, y)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    return data
