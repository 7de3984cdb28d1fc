"""Running the CLI in-process, as the ``chloe`` fixture of ``tests/conftest.py`` does."""

from __future__ import annotations

from collections.abc import Callable

Run = Callable[..., tuple[int, str, str]]
"""``chloe ARGS...`` run in-process: (exit status, stdout, stderr)."""
