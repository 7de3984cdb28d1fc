"""How long TerminalView takes to draw a full 200x50 screen of coloured text.

Run: ``.venv/bin/python benchmarks/bench_view.py [--runs N]``

Measures, in one run on the same machine, the median time of all 50
``render_line`` calls:

- cold: the row cache and the style cache both empty (first frame, theme change);
- warm styles: row caches empty, style cache filled (a full-screen redraw with
  new content, e.g. a program clearing and repainting the screen);
- cached: nothing changed (every row comes from the row cache);
- scroll: one new line scrolled in at the bottom, the frame of an output
  flood (the emulator marks every row dirty; rows that only moved are reused);
- baseline: the naive approach peers use, one rich ``Segment`` and one
  ``Style`` per cell, no caches.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COLUMNS, LINES = 200, 50


def coloured_screen() -> bytes:
    """A deterministic screen full of words in varied colours and attributes."""
    words = ["build", "ok", "error:", "warning", "src/main.py:42", "passed", "日本", "→", "done"]
    sgr = [
        "31",
        "32;1",
        "33",
        "34;4",
        "35",
        "36;3",
        "91",
        "38;5;208",
        "38;2;120;200;80",
        "7",
        "0",
        "44;97",
    ]
    out: list[str] = ["\x1b[H\x1b[2J"]
    for y in range(LINES):
        line: list[str] = []
        width = 0
        i = y
        while True:
            word = words[i % len(words)]
            cells = len(word) + sum(1 for c in word if ord(c) > 0x2E80)
            if width + cells + 1 > COLUMNS:
                break
            line.append(f"\x1b[{sgr[i % len(sgr)]}m{word}\x1b[0m ")
            width += cells + 1
            i += 1
        out.append(f"\x1b[{y + 1};1H" + "".join(line))
    return "".join(out).encode()


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def naive_render(terminal: object) -> list[object]:
    """The peer approach: a Segment and a freshly built Style for every cell."""
    from rich.segment import Segment
    from rich.style import Style
    from textual.strip import Strip

    def colour(name: str) -> str | None:
        if name == "default":
            return None
        if len(name) == 6 and all(c in "0123456789abcdef" for c in name):
            return f"#{name}"
        return name.replace("bright", "bright_").replace("brown", "yellow")

    strips = []
    for y in range(terminal.lines):  # type: ignore[attr-defined]
        row = terminal.buffer[y]  # type: ignore[attr-defined]
        segments = []
        for x in range(terminal.columns):  # type: ignore[attr-defined]
            char = row[x]
            if not char.data:
                continue
            style = Style(
                color=colour(char.fg),
                bgcolor=colour(char.bg),
                bold=char.bold,
                italic=char.italics,
                underline=char.underscore,
                strike=char.strikethrough,
                reverse=char.reverse,
            )
            segments.append(Segment(char.data, style))
        strips.append(Strip(segments))
    return strips


async def bench(runs: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from chloe.terminal import Terminal
    from chloe.ui.terminal_view import TerminalView

    terminal = Terminal(COLUMNS, LINES)
    terminal.feed(coloured_screen())

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TerminalView(terminal)

    app = BenchApp()
    results: dict[str, float] = {}
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        await pilot.pause()
        view = app.query_one(TerminalView)
        view.blur()
        await pilot.pause()
        assert (terminal.columns, terminal.lines) == (COLUMNS, LINES)

        def render_all() -> None:
            for y in range(LINES):
                view.render_line(y)

        def cold() -> None:
            view._invalidate()
            render_all()

        def warm_styles() -> None:
            view._line_cache.clear()
            view._moved_rows.clear()
            render_all()

        render_all()
        distinct_styles = len(view._styles)
        results["cold (row + style caches empty)"] = median_ms(cold, runs)
        results["warm styles (row cache empty)"] = median_ms(warm_styles, runs)
        render_all()
        results["cached (nothing dirty)"] = median_ms(render_all, runs)

        # Output flood: each frame one more line scrolls in at the bottom.
        scroll_times = []
        lines = coloured_screen().split(b"\x1b[")
        for i in range(runs):
            terminal.feed(b"\x1b[" + lines[(i % (len(lines) - 2)) + 1] + b"\r\n")
            start = time.perf_counter()
            for y in terminal.take_dirty():
                view._line_cache.pop(y, None)
            render_all()
            scroll_times.append(time.perf_counter() - start)
        results["scroll one line (output flood frame)"] = statistics.median(scroll_times) * 1000
        results["baseline: Style + Segment per cell"] = median_ms(
            lambda: naive_render(terminal), runs
        )
        print(f"screen {COLUMNS}x{LINES}, {distinct_styles} distinct cell styles, {runs} runs")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    results = asyncio.run(bench(args.runs))
    baseline = results["baseline: Style + Segment per cell"]
    for name, ms in results.items():
        print(f"{name:40} {ms:8.2f} ms   {baseline / ms:6.1f}x baseline")
    warm = results["warm styles (row cache empty)"]
    print(f"aim: full redraw under 8 ms -> {'met' if warm < 8 else 'NOT met'} ({warm:.2f} ms)")


if __name__ == "__main__":
    main()
