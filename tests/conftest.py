"""Fixtures every test gets: private files, a private tmux, and a tmux guard.

* Every ``XDG_*`` directory and ``HOME`` point into ``tmp_path``, so no test
  reads or writes the real user's files (or their ``~/.tmux.conf``).
* ``TMUX``/``TMUX_PANE`` are removed and ``TMUX_TMPDIR`` is under ``tmp_path``,
  so no test can reach the user's tmux server.
* A ``tmux`` shim is first on ``PATH``: it refuses (and records) any call that
  names no socket with ``-L``/``-S``, or that inherits ``$TMUX``; the autouse
  fixture fails the test if anything was recorded.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# --import-mode=importlib does not put the rootdir on sys.path by itself, and the
# tests import their helpers as ``tests.support.*``.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.cli import Run  # noqa: E402
from tests.support.tmux import REAL_TMUX, kill_tmux_server  # noqa: E402

_SHIM = """#!/bin/sh
# Test guard: chloe must always name its tmux server and never inherit $TMUX.
if [ -n "$TMUX" ]; then
  printf 'inherited TMUX=%s for: tmux %s\\n' "$TMUX" "$*" >> "{log}"
  echo "tmux guard: \\$TMUX was inherited" >&2
  exit 99
fi
case "$1" in
  -V) exec "{real}" "$@" ;;
esac
for arg in "$@"; do
  case "$arg" in
    -L|-L?*|-S|-S?*) exec "{real}" "$@" ;;
  esac
done
printf 'no socket named for: tmux %s\\n' "$*" >> "{log}"
echo "tmux guard: refused a tmux call that names no socket (-L/-S)" >&2
exit 99
"""


@pytest.fixture(scope="session")
def tmux_shim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A directory holding the guarding ``tmux`` shim (None when tmux is missing)."""
    if REAL_TMUX is None:
        return None
    d = tmp_path_factory.mktemp("tmuxshim")
    log = d / "violations.log"
    shim = d / "tmux"
    shim.write_text(_SHIM.format(real=REAL_TMUX, log=log))
    shim.chmod(0o755)
    return d


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmux_shim_dir: Path | None
) -> Iterator[None]:
    """Point every per-user location into ``tmp_path`` and guard tmux."""
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "run"),
        ("HOME", "home"),
    ):
        p = tmp_path / sub
        p.mkdir(mode=0o700, exist_ok=True)
        monkeypatch.setenv(var, str(p))
    tmuxdir = tmp_path / "tx"
    tmuxdir.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("TMUX_TMPDIR", str(tmuxdir))
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("TMUX_PANE", raising=False)
    # Any code that falls back to the configured socket still gets a private one.
    monkeypatch.setenv("CHLOE_TMUX_SOCKET", f"ct-{secrets.token_hex(4)}")
    log: Path | None = None
    if tmux_shim_dir is not None:
        monkeypatch.setenv("PATH", f"{tmux_shim_dir}{os.pathsep}{os.environ['PATH']}")
        log = tmux_shim_dir / "violations.log"
        log.unlink(missing_ok=True)
    yield
    if log is not None and log.exists():
        text = log.read_text()
        log.unlink()
        pytest.fail(f"tmux guard: code under test misused tmux:\n{text}")


@pytest.fixture
def tmux_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private tmux socket name (also set as ``CHLOE_TMUX_SOCKET``).

    The server, if anything started one, is killed by its socket at teardown.
    Skips nothing: a missing tmux fails the test, since tmux is a test requirement.
    """
    if REAL_TMUX is None:
        pytest.fail("tmux is required for this test (install it: apt-get install tmux)")
    name = os.environ["CHLOE_TMUX_SOCKET"]
    try:
        yield name
    finally:
        kill_tmux_server(name)


@pytest.fixture
def tmux_run(tmux_socket: str) -> Callable[..., str]:
    """Run ``tmux -L <private socket> ARGS...`` and return its stdout."""

    def run(*args: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["tmux", "-L", tmux_socket, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    return run


@pytest.fixture
def chloe(tmux_socket: str, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``chloe ARGS...`` in-process; returns (exit status, stdout, stderr)."""
    from chloe.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
