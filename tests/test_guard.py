"""The test guard itself: tmux calls without a private socket are refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def test_xdg_and_home_point_into_tmp_path(tmp_path: object) -> None:
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME", "TMUX_TMPDIR"):
        assert os.environ[var].startswith(str(tmp_path)), var
    assert "TMUX" not in os.environ


def test_tmux_call_without_socket_is_refused(tmux_shim_dir: object) -> None:
    proc = subprocess.run(["tmux", "list-sessions"], capture_output=True, text=True)
    assert proc.returncode == 99
    assert "names no socket" in proc.stderr
    # The violation was recorded; clear it so this deliberate misuse does not fail the test.
    log = os.path.join(str(tmux_shim_dir), "violations.log")
    assert os.path.exists(log)
    os.unlink(log)


def test_private_socket_call_goes_through(tmux_run: object) -> None:
    assert callable(tmux_run)
    tmux_run("new-session", "-d", "-s", "probe", "sleep 30")
    assert "probe" in tmux_run("list-sessions", "-F", "#{session_name}")


def test_inherited_tmux_is_refused(tmux_shim_dir: object, monkeypatch: pytest.MonkeyPatch) -> None:
    env = dict(os.environ, TMUX="/tmp/x,1,0")
    proc = subprocess.run(["tmux", "-L", "nothing", "ls"], capture_output=True, text=True, env=env)
    assert proc.returncode == 99
    os.unlink(os.path.join(str(tmux_shim_dir), "violations.log"))


def test_libtmux_spelling_of_the_socket_is_accepted(tmux_run: object, tmux_socket: str) -> None:
    """libtmux passes the socket as one argument (``-Lname``); that names a socket too."""
    proc = subprocess.run(
        ["tmux", f"-L{tmux_socket}", "new-session", "-d", "-s", "joined", "sleep 30"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert callable(tmux_run)
    assert "joined" in tmux_run("list-sessions", "-F", "#{session_name}")


def test_an_argument_that_merely_contains_L_is_refused(tmux_shim_dir: object) -> None:
    proc = subprocess.run(
        ["tmux", "display-message", "-p", "x -L y"], capture_output=True, text=True
    )
    assert proc.returncode == 99
    (Path(str(tmux_shim_dir)) / "violations.log").unlink()
