"""The ``chloe`` command: the TUI when run alone, subcommands for scripts and SSH.

Every subcommand works while the TUI runs: they share ``panes.toml`` through
the store's lock and tmux through chloe's own server. Exit status: 0 on
success, 1 with one ``chloe: ...`` line on stderr for an error, 2 for a usage
error. ``docs/cli.md`` documents each command and the ``--json`` format.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from chloe import __version__
from chloe.errors import ChloeError

if TYPE_CHECKING:
    from chloe.service import PaneInfo, PaneService


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``chloe`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="chloe",
        description="A terminal session manager: direct and tmux panes that outlive SSH drops.",
        epilog="Run `chloe` alone to start the full-screen interface.",
    )
    parser.add_argument("--version", action="version", version=f"chloe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ls", help="list every pane with its status")
    p.add_argument("--json", action="store_true", help="print a JSON list (see docs/cli.md)")

    p = sub.add_parser(
        "new",
        help="create a tmux pane and print its name",
        description="Create a tmux pane running CMD (default: your shell) and print its name.",
    )
    p.add_argument("--name", help="the pane's name (default: the command's name, made unique)")
    p.add_argument("--cwd", help="working directory (default: the current one)")
    p.add_argument("argv", nargs="*", metavar="CMD", help="command and arguments, after --")

    p = sub.add_parser("attach", help="attach this terminal to a tmux pane, full screen")
    p.add_argument("name", metavar="NAME")
    p.add_argument("-d", dest="detach_others", action="store_true", help="detach other clients")

    p = sub.add_parser("send", help="type TEXT into a tmux pane without attaching")
    p.add_argument("name", metavar="NAME")
    p.add_argument("text", metavar="TEXT", help="sent literally (no key names)")
    p.add_argument("--enter", action="store_true", help="press Enter after the text")

    p = sub.add_parser("logs", help="print or save a tmux pane's screen and scrollback")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--lines", type=_non_negative, metavar="N", help="at most N lines of history")
    p.add_argument("-o", dest="output", metavar="FILE", help="write to FILE instead of stdout")

    p = sub.add_parser("rename", help="rename a pane")
    p.add_argument("name", metavar="NAME")
    p.add_argument("new_name", metavar="NEW")

    p = sub.add_parser("kill", help="kill a tmux pane's session (it shows as dead)")
    p.add_argument("name", metavar="NAME")

    p = sub.add_parser("rm", help="forget a pane; a live tmux session keeps running")
    p.add_argument("name", metavar="NAME")

    p = sub.add_parser("doctor", help="check tmux, files, terminal and what survives logout")
    p.add_argument("--json", action="store_true", help="print a JSON list of findings")
    return parser


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, not {value}")
    return value


def run_tui() -> int:
    """Start the Textual app."""
    from chloe.ui.app import run

    return run()


def make_service() -> PaneService:
    """The service for the user's store and config."""
    from chloe.config import load_config
    from chloe.paths import store_path
    from chloe.service import PaneService
    from chloe.store import Store

    return PaneService(Store(store_path()), load_config())


# -- formatting -----------------------------------------------------------------------


def format_age(created: datetime, now: datetime) -> str:
    """Human age: ``42s``, ``5m``, ``3h12m``, ``2d``."""
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{hours // 24}d"


def _home_short(path: str) -> str:
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home) :]
    return path


def _command_text(info: PaneInfo) -> str:
    command = info.record.command
    return shlex.join(command) if command else "(shell)"


def info_to_json(info: PaneInfo) -> dict[str, Any]:
    """One pane as the stable ``chloe ls --json`` object (see docs/cli.md)."""
    rec = info.record
    exit_status = info.exit_status
    return {
        "id": rec.id,
        "name": rec.name,
        "kind": rec.kind.value,
        "status": info.status.value,
        "exit_code": exit_status.code if exit_status else None,
        "exit_signal": exit_status.signal if exit_status else None,
        "command": list(rec.command),
        "cwd": rec.cwd,
        "created": rec.created.isoformat(),
        "ended": rec.ended.isoformat() if rec.ended else None,
        "session": rec.tmux_session,
        "current_command": info.current_command,
    }


COMMAND_MIN = 12
"""``chloe ls`` never shortens the COMMAND column below this many characters."""


def format_table(infos: Sequence[PaneInfo], now: datetime, width: int | None = None) -> str:
    """The ``chloe ls`` table, columns aligned (the last one, age, right-aligned).

    Args:
        infos: The panes to list.
        now: The time ages are counted to.
        width: The terminal's width: when the table would be wider, long
            commands are shortened with ``…`` (down to ``COMMAND_MIN``) so rows
            do not wrap. None (output to a pipe or file) keeps every command whole.
    """
    rows: list[tuple[str, ...]] = [("NAME", "KIND", "STATUS", "COMMAND", "CWD", "AGE")]
    for info in infos:
        rec = info.record
        rows.append(
            (
                rec.name,
                rec.kind.value,
                info.label,
                _command_text(info),
                _home_short(rec.cwd),
                format_age(rec.created, now),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    command = 3
    excess = sum(widths) + 2 * (len(widths) - 1) - width if width is not None else 0
    if excess > 0 and widths[command] > COMMAND_MIN:
        widths[command] = max(COMMAND_MIN, widths[command] - excess)
        rows = [
            (*r[:command], _shorten(r[command], widths[command]), *r[command + 1 :]) for r in rows
        ]
    lines = []
    for r in rows:
        cells = [r[i].ljust(widths[i]) for i in range(len(r) - 1)]
        cells.append(r[-1].rjust(widths[-1]))
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- commands -------------------------------------------------------------------------


def cmd_ls(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe ls``."""
    from chloe.model import Kind, utcnow

    infos = service.panes()
    if service.tmux_problem and any(i.record.kind is Kind.TMUX for i in infos):
        print(f"chloe: note: {service.tmux_problem}", file=sys.stderr)
    if args.json:
        print(json.dumps([info_to_json(i) for i in infos], indent=2))
    elif infos:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        print(format_table(infos, utcnow(), width))
    else:
        print("no panes yet: create one with `chloe new` (or run `chloe`)", file=sys.stderr)
    return 0


def cmd_new(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe new``."""
    size = shutil.get_terminal_size((80, 24))
    cwd = args.cwd if args.cwd is not None else os.getcwd()
    rec = service.create_tmux(
        name=args.name,
        cwd=cwd,
        command=args.argv,
        columns=size.columns,
        rows=size.lines,
        attached=False,
    )
    print(rec.name)
    placed = service.tmux.placement
    if service.tmux.started_server and placed is not None and placed.problem:
        print(f"chloe: note: {placed.problem}", file=sys.stderr)
    return 0


def cmd_attach(service: PaneService, args: argparse.Namespace) -> NoReturn:
    """``chloe attach``: becomes the tmux client.

    Before the ``exec`` this process locks a file named after its pid, and the
    client keeps both, so it counts as chloe's client (see
    :mod:`chloe.backends.locks`).
    """
    rec = service.find(args.name)
    command = service.attach_command(rec, detach_others=args.detach_others)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ChloeError("chloe attach needs a terminal (stdin and stdout must be a tty)")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        command.exec()
    except OSError as exc:
        raise ChloeError(f"cannot run {command.argv[0]}: {exc.strerror or exc}") from None


def cmd_send(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe send``."""
    service.send_text(args.name, args.text, enter=args.enter)
    return 0


def cmd_logs(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe logs``."""
    rec = service.find(args.name)
    text = service.capture(rec, lines=args.lines)
    # tmux pads the screen with empty rows; a log ends at its last line of text.
    body = "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")
    body = body + "\n" if body else ""
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(body)
        except OSError as exc:
            raise ChloeError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(body)
    return 0


def cmd_rename(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe rename``."""
    service.rename(args.name, args.new_name)
    return 0


def cmd_kill(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe kill``."""
    service.kill(args.name)
    return 0


def cmd_rm(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe rm``: prints how to reach a session that keeps running."""
    hint = service.remove(args.name)
    if hint:
        print(hint)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """``chloe doctor``: needs no working pane list, so it takes no service."""
    from chloe import doctor

    findings = doctor.diagnose()
    if args.json:
        print(json.dumps(doctor.as_json(findings), indent=2))
    else:
        sys.stdout.write(doctor.render(findings))
    return 1 if any(f.level is doctor.Level.PROBLEM for f in findings) else 0


COMMANDS = {
    "ls": cmd_ls,
    "new": cmd_new,
    "attach": cmd_attach,
    "send": cmd_send,
    "logs": cmd_logs,
    "rename": cmd_rename,
    "kill": cmd_kill,
    "rm": cmd_rm,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if "TMUX" in os.environ or "TMUX_PANE" in os.environ:
        # Inside the user's tmux: chloe's tmux commands (libtmux passes them this
        # process's environment) must not carry it; direct panes still get it.
        from chloe.backends.direct import OUTER_TMUX_VARIABLES, set_aside_environment

        set_aside_environment(OUTER_TMUX_VARIABLES)
    try:
        if args.command is None:
            return run_tui()
        if args.command == "doctor":
            return cmd_doctor(args)
        return COMMANDS[args.command](make_service(), args)
    except ChloeError as exc:
        print(f"chloe: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `chloe ls | head`: the reader left; say nothing more.
        with contextlib.suppress(OSError):
            # Python would complain when flushing stdout at exit otherwise.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
