"""Fixtures for backend tests: a service on private files and the private tmux server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chloe.config import load_config
from chloe.service import PaneService
from chloe.store import Store


@pytest.fixture
def service(tmp_path: Path, tmux_socket: str) -> Iterator[PaneService]:
    """A PaneService on ``tmp_path`` and the test's private tmux server."""
    svc = PaneService(Store(tmp_path / "data" / "panes.toml"), load_config())
    assert svc.tmux.socket == tmux_socket
    yield svc
