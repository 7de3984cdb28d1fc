"""The chloe Textual app (being built; see issue 5)."""

from __future__ import annotations


def run() -> int:
    """Run the TUI and return the process exit status."""
    raise SystemExit("chloe: the TUI is not built yet")
