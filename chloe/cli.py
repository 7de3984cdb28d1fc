"""The ``chloe`` command: the TUI when run alone, subcommands for scripts and SSH."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chloe import __version__
from chloe.errors import ChloeError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``chloe`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="chloe",
        description="A terminal session manager: direct and tmux panes that outlive SSH drops.",
    )
    parser.add_argument("--version", action="version", version=f"chloe {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def run_tui() -> int:
    """Start the Textual app."""
    from chloe.ui.app import run

    return run()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return run_tui()
        parser.error(f"unknown command {args.command!r}")  # exits 2
    except ChloeError as exc:
        print(f"chloe: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
