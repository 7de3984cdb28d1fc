"""Fixtures for the UI tests: the real ``chloe`` in an outer terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.outer import OuterTerminal, running_chloe


@pytest.fixture
def chloe_shell() -> str | None:
    """The shell new panes run in :func:`chloe_outer` (None: the user's).

    A module overrides this fixture to pin it (e.g. ``/bin/sh`` for a known prompt).
    """
    return None


@pytest.fixture
def chloe_outer(
    tmp_path: Path, tmux_socket: str, chloe_shell: str | None
) -> Iterator[OuterTerminal]:
    """``chloe`` started in ``tmp_path`` in an outer terminal, showing its empty list.

    Its tmux panes are on the test's private socket (killed after the test).
    """
    with running_chloe(tmp_path, shell=chloe_shell) as outer:
        yield outer
