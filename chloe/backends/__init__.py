"""Pane processes: direct ptys and tmux (a real tmux client on a pty). No Textual here."""

from __future__ import annotations

from chloe.backends.base import PaneProcess

__all__ = ["PaneProcess"]
