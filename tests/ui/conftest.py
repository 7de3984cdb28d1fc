"""UI test setup: make ``tests.ui.helpers`` importable however pytest is started."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    # --import-mode=importlib does not put the rootdir on sys.path by itself.
    sys.path.insert(0, _ROOT)
