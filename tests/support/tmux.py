"""The real tmux binary, and killing a private server the test started (by its socket)."""

from __future__ import annotations

import shutil
import subprocess

REAL_TMUX = shutil.which("tmux")
"""The tmux binary found before the tests' guarding shim goes on ``PATH``."""


def kill_tmux_server(socket_name: str) -> None:
    """Kill the private tmux server ``socket_name`` (never any other)."""
    assert socket_name, "refusing to kill a tmux server without a socket name"
    if REAL_TMUX is None:
        return
    subprocess.run(
        [REAL_TMUX, "-L", socket_name, "kill-server"],
        capture_output=True,
        check=False,
        timeout=10,
    )
