"""The Textual app: pane list, live terminal, modals."""

from __future__ import annotations
