"""The terminal emulator core: a pyte-based screen fed with raw pty bytes.

This package never imports Textual (an import-linter contract); the widget
that draws a :class:`Terminal` lives in :mod:`chloe.ui.terminal_view`.
"""

from __future__ import annotations

from chloe.terminal.cells import Cell
from chloe.terminal.screen import Terminal

__all__ = ["Cell", "Terminal"]
