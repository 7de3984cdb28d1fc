"""Counting a TerminalView's repaints."""

from __future__ import annotations

import time

from chloe.ui.terminal_view import TerminalView


def record_flushes(view: TerminalView) -> list[float]:
    """The times of ``view``'s repaints from now on (the list fills as they happen)."""
    flushes: list[float] = []
    original = view._flush

    def counting_flush() -> None:
        flushes.append(time.monotonic())
        original()

    view._flush = counting_flush  # type: ignore[method-assign]
    return flushes
