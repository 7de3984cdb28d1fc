"""``chloe notify`` and ``chloe wait``: attention from the command line.

``chloe notify`` runs inside a pane (every pane has ``CHLOE_PANE`` in its
environment) and marks it: an agent's hooks can say truthfully that it waits
for the user. ``chloe wait`` blocks a script until a pane ends, needs the user
or goes quiet, and exits with the pane's exit status when it ended.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from chloe.errors import ChloeError

if TYPE_CHECKING:  # imported when a command runs: `chloe --help` stays quick
    from chloe.service import PaneInfo, PaneService

WAIT_INTERVAL = 0.5
"""Seconds between two looks of ``chloe wait`` (one tmux query and one ``stat`` each)."""

TIMED_OUT = 124
"""``chloe wait`` exit status on ``--timeout``, as timeout(1)."""

WAIT_FOR = ("end", "needs-you", "quiet", "done")


def add_parsers(sub: Any) -> None:
    """Add ``notify`` and ``wait`` to the subcommands."""
    p = sub.add_parser(
        "notify",
        help="mark this pane: it needs you (default), is done or works",
        description="Run inside a chloe pane (it reads $CHLOE_PANE): mark the pane as "
        "needing you, done or working, with an optional message.",
    )
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--needs-you", dest="kind", action="store_const", const="needs-you")
    kind.add_argument("--done", dest="kind", action="store_const", const="done")
    kind.add_argument("--working", dest="kind", action="store_const", const="working")
    p.add_argument("--pane", metavar="NAME", help="mark this pane instead of $CHLOE_PANE")
    p.add_argument(
        "message",
        nargs="*",
        metavar="MESSAGE",
        help="what to tell the user; - reads it from stdin (an agent hook's JSON: its 'message')",
    )
    p.set_defaults(kind="needs-you")

    p = sub.add_parser(
        "wait",
        help="block until a pane ends (exit with its status), needs you or goes quiet",
        description="Block until the pane ends (then exit with its exit status: its code, "
        "or 128+signal), or with --for until it needs you, goes quiet or is marked done "
        "(then exit 0). A pane that ends ends every wait.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--for", dest="until", choices=WAIT_FOR, default="end", help="what to wait for")
    p.add_argument(
        "--timeout", type=float, metavar="S", help=f"give up after S seconds (exit {TIMED_OUT})"
    )


def cmd_notify(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe notify``."""
    from chloe.model import validate_id

    if args.pane:
        pane_id = service.find(args.pane).id
    else:
        env = os.environ.get("CHLOE_PANE", "")
        if not env:
            raise ChloeError(
                "chloe notify marks the pane it runs in, and this is not a chloe pane "
                "($CHLOE_PANE is not set); name one with --pane NAME"
            )
        try:
            pane_id = validate_id(env)
        except ValueError:
            raise ChloeError(f"$CHLOE_PANE is not a pane id: {env!r}") from None
    message = " ".join(args.message)
    if args.message == ["-"]:
        message = message_from_stdin(sys.stdin.read(STDIN_MAX))
    try:
        service.notify(pane_id, args.kind, message)
    except OSError as exc:
        where = service.event_path
        raise ChloeError(f"cannot record the event in {where}: {exc.strerror}") from None
    return 0


STDIN_MAX = 65536
"""``chloe notify -`` reads at most this much of its stdin."""


def message_from_stdin(text: str) -> str:
    """The message in a hook's stdin: the ``message`` of a JSON object, else the text itself.

    Claude Code's hooks pass a JSON object (``{"message": "Claude needs your
    permission to use Bash", ...}``); a ``Stop`` hook's object has none, so a
    JSON object without one gives no message.
    """
    import json

    stripped = text.strip()
    try:
        data = json.loads(stripped)
    except ValueError:
        return " ".join(stripped.split())
    if isinstance(data, dict):
        found = data.get("message")
        return " ".join(found.split()) if isinstance(found, str) else ""
    return " ".join(stripped.split())


def exit_code(info: PaneInfo) -> int:
    """A shell's exit status for an ended pane: its code, 128+signal, or 1 if unknown."""
    status = info.exit_status
    if status is None:
        return 1
    if status.signal is not None:
        return 128 + status.signal
    return status.code or 0


def cmd_wait(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe wait``."""
    from chloe.events import Reader
    from chloe.model import Status, utcnow

    if args.timeout is not None and args.timeout < 0:
        raise ChloeError("--timeout must be zero or more seconds")
    pane_id = service.find(args.name).id
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    reader = Reader(service.event_path)
    while True:
        infos = service.panes()
        service.scan_logs([i.record for i in infos])
        reader.poll()
        info = next((i for i in infos if i.record.id == pane_id), None)
        if info is None:
            raise ChloeError(f"{args.name!r} was removed while waiting for it")
        if info.status is Status.DEAD:
            return exit_code(info)  # an end ends every wait
        if info.status is Status.LOST:  # an end too, with no exit status
            print(
                f"chloe: {args.name!r} was lost: its tmux server went away while it ran; "
                f"`chloe restore {args.name}` starts it again",
                file=sys.stderr,
            )
            return 1
        if info.status is not Status.UNREACHABLE:  # (tmux did not answer: keep waiting)
            (state,) = service.attention([info], reader.panes, utcnow())
            if _reached(args.until, state.state):
                return 0
        if deadline is not None and time.monotonic() >= deadline:
            print(
                f"chloe: {args.name!r}: no {args.until} within {args.timeout:g} s",
                file=sys.stderr,
            )
            return TIMED_OUT
        pause = WAIT_INTERVAL
        if deadline is not None:
            pause = max(0.0, min(pause, deadline - time.monotonic()))
        time.sleep(pause)


def _reached(until: str, state: object) -> bool:
    from chloe.attention import Attention

    if until == "needs-you":
        return state is Attention.NEEDS_YOU
    if until == "quiet":
        return state is Attention.QUIET
    if until == "done":
        return state is Attention.DONE  # marked done by `chloe notify --done`
    return False


COMMANDS = {"notify": cmd_notify, "wait": cmd_wait}
