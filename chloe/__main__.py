"""`python -m chloe` runs the same entry point as the `chloe` command."""

from __future__ import annotations

import sys

from chloe.cli import main

if __name__ == "__main__":
    sys.exit(main())
