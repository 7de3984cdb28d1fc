"""Record what tmux 3.3a and xterm.js draw for the streams of ``tests/recorded/``.

    .venv/bin/python tools/record_screens.py            # every recorded stream
    .venv/bin/python tools/record_screens.py vt_screen  # just these

Each stream ``tests/captured/<name>.bin`` (made by ``tools/make_torture.py``)
is replayed into a tmux pane on a private server (its erased cells' background
read from an attached client, as the differential test does) and into
xterm.js headless (``npm ci --prefix tools/xterm-oracle`` first), and both
final screens go to ``tests/recorded/<name>.json``. Check the diff before
committing: a recording is an expectation.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.terminal import recordings as rec
from tests.terminal import test_differential as diff
from tests.terminal.oracles import CellKey, xterm_screen


def tmux_screen(data: bytes, tmp: Path) -> rec.Screen:
    """tmux's screen for ``data``, every erased cell's background filled in."""
    socket = f"record-{secrets.token_hex(4)}"

    def run(*args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20, check=False
        )
        if check and proc.returncode:
            raise SystemExit(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    try:
        cells, cursor = diff.tmux_screen(run, tmp, data, diff.COLUMNS, diff.LINES)
        client = diff.client_screen(socket, cells, diff.COLUMNS, diff.LINES)
    finally:
        run("kill-server", check=False)
    rows: list[list[CellKey]] = []
    for y, row in enumerate(cells):
        rows.append(
            [
                (" ", "default", client.buffer[y][x].bg, *(False,) * 7)
                if cell[2] == diff.UNKNOWN_BG
                else cell
                for x, cell in enumerate(row)
            ]
        )
    return rows, cursor


def _readable(recorded: dict[str, object]) -> str:
    """JSON with one screen row (or style) per line, so a diff shows what changed."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{"]
    for key, value in recorded.items():
        if isinstance(value, dict):
            lines.append(f"  {dump(key)}: {{")
            lines.append(f'    "cursor": {dump(value["cursor"])},')
            for part in ("styles", "rows"):
                items = ",\n      ".join(dump(item) for item in value[part])
                end = "," if part == "styles" else ""
                lines.append(f'    "{part}": [\n      {items}\n    ]{end}')
            lines.append("  }" + ("" if key == "xterm" else ","))
        else:
            lines.append(f"  {dump(key)}: {dump(value)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"streams (default: {', '.join(rec.NAMES)})")
    args = parser.parse_args()
    rec.RECORDED.mkdir(exist_ok=True)
    for name in args.names or rec.NAMES:
        data = (rec.CAPTURED / f"{name}.bin").read_bytes()
        with tempfile.TemporaryDirectory() as tmp:
            tmux = tmux_screen(data, Path(tmp))
            xterm = xterm_screen(data, diff.COLUMNS, diff.LINES, Path(tmp))
        recorded = {
            "stream": f"tests/captured/{name}.bin",
            "sha256": rec.digest(data),
            "columns": diff.COLUMNS,
            "lines": diff.LINES,
            "tmux": rec.encode(tmux),
            "xterm": rec.encode(xterm),
        }
        path = rec.RECORDED / f"{name}.json"
        path.write_text(_readable(recorded), encoding="utf-8")
        print(f"{path}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
