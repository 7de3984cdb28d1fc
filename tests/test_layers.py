"""The core layers never import Textual (an equivalent of the import-linter contract)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CORE = [
    "chloe",
    "chloe.errors",
    "chloe.model",
    "chloe.paths",
    "chloe.store",
    "chloe.config",
    "chloe.backends",
    "chloe.service",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_pull_in_textual(module: str) -> None:
    # A fresh interpreter: nothing imported by other tests can hide an import.
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"{module} imports {proc.stdout.strip()}"


def test_all_core_modules_together_do_not_pull_in_textual() -> None:
    code = (
        "import sys\n"
        f"import {', '.join(CORE)}\n"
        "assert 'textual' not in sys.modules, sorted(sys.modules)\n"
        "assert 'chloe.ui' not in sys.modules\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def _lint_imports() -> str | None:
    here = Path(sys.executable).parent / "lint-imports"
    return str(here) if here.exists() else shutil.which("lint-imports")


@pytest.mark.skipif(
    _lint_imports() is None, reason="import-linter is not installed (the 'dev' extra)"
)
def test_import_linter_contracts_are_kept() -> None:
    exe = _lint_imports()
    assert exe is not None
    proc = subprocess.run(
        [exe, "--no-cache"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
