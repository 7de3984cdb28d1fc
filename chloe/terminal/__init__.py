"""The terminal emulator core: a pyte-based screen fed with raw pty bytes.

This package must not import Textual: the widget lives in ``chloe.terminal.view``
and is imported from there explicitly.
"""

from __future__ import annotations

from chloe.terminal.screen import Cell, Terminal

__all__ = ["Cell", "Terminal"]
