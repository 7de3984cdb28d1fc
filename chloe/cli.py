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
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from chloe import __version__, cli_attention, cli_hosts
from chloe.errors import ChloeError

if TYPE_CHECKING:
    from chloe.attention import AttentionInfo
    from chloe.model import PaneRecord
    from chloe.service import PaneInfo, PaneService


NEW_WATCH = 1.0
"""Seconds ``chloe new`` watches a new pane: a command that ends within them
(a typo, a missing file) is reported with its exit status and last lines."""

NEW_WATCH_POLL = 0.05
"""Seconds between two looks at the new pane's status while watching it."""

NEW_LAST_LINES = 5
"""How many of its last lines ``chloe new`` shows of a command that ended at once."""


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
    p.add_argument("--host", metavar="NAME", help="only the panes on this host ('local': here)")

    p = sub.add_parser(
        "new",
        help="create a tmux pane and print its name",
        description="Create a tmux pane running CMD (default: your shell) and print its name.",
    )
    p.add_argument("--name", help="the pane's name (default: the command's name, made unique)")
    p.add_argument(
        "--cwd",
        help="working directory (default: the current one; on another host, its home)",
    )
    p.add_argument(
        "--host",
        metavar="NAME",
        help="run it on this host (a [[hosts]] entry of config.toml; default: here)",
    )
    p.add_argument(
        "--resume",
        metavar="CMD",
        help="what to run instead of CMD when the pane is restored after a reboot "
        "(one string, split like a shell would: 'claude --continue')",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help=f"return at once instead of watching the command's first {NEW_WATCH:g} s",
    )
    p.add_argument("argv", nargs="*", metavar="CMD", help="command and arguments, after --")

    p = sub.add_parser(
        "restore",
        help="start lost panes again (their tmux server went away while they ran)",
        description="Start lost panes again, each in its directory with its resume command "
        "(or its command), in the session it had. Default: every lost pane.",
    )
    p.add_argument("names", nargs="*", metavar="NAME")

    p = sub.add_parser("attach", help="attach this terminal to a tmux pane, full screen")
    p.add_argument("name", metavar="NAME")
    p.add_argument("-d", dest="detach_others", action="store_true", help="detach other clients")

    p = sub.add_parser("send", help="type TEXT into a tmux pane without attaching")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "text", metavar="TEXT", help="sent literally (no key names); - reads it from stdin"
    )
    p.add_argument("--enter", action="store_true", help="press Enter after the text")
    p.add_argument(
        "--paste",
        action="store_true",
        help="send it as one paste (bracketed when the program asked for it), "
        "so its newlines do not each press Enter",
    )

    p = sub.add_parser(
        "logs",
        help="print or save a pane's output: screen and scrollback, or its whole log",
        description="Print a pane's output as plain text: a tmux pane's screen and "
        "scrollback, or with --all its whole continuous log (a direct pane has only its log).",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--lines", type=_non_negative, metavar="N", help="at most N lines of history")
    p.add_argument(
        "-a", "--all", action="store_true", help="the whole continuous log, not just tmux's history"
    )
    p.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="then print new output as it comes, until the pane ends (or Ctrl+C)",
    )
    p.add_argument("--raw", action="store_true", help="the bytes as written, escapes and all")
    p.add_argument("-o", dest="output", metavar="FILE", help="write to FILE instead of stdout")

    p = sub.add_parser(
        "grep",
        help="search every pane's history and log for a text",
        description="Search the history and continuous logs of every pane (or of the NAMEs "
        "given) and print NAME:LINE:TEXT for each matching line. Exit status 0 if something "
        "matched, 1 if nothing did.",
    )
    p.add_argument("pattern", metavar="PATTERN", help="plain text (a regex with -E)")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("-E", dest="regex", action="store_true", help="PATTERN is a regex (Python re)")
    p.add_argument("-i", dest="ignore_case", action="store_true", help="ignore case")
    p.add_argument("--json", action="store_true", help="print a JSON list (see docs/cli.md)")

    p = sub.add_parser("rename", help="rename a pane")
    p.add_argument("name", metavar="NAME")
    p.add_argument("new_name", metavar="NEW")

    p = sub.add_parser("kill", help="kill a tmux pane's session (it shows as dead)")
    p.add_argument("name", metavar="NAME")

    p = sub.add_parser(
        "rm",
        help="forget a pane; a live tmux session keeps running",
        description="Forget a pane. A live tmux session keeps running (chloe prints how to "
        "reach it); a direct pane running in a chloe window is refused without --force.",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "-f", "--force", action="store_true", help="end the pane's program first, of either kind"
    )
    p.add_argument(
        "--keep-log",
        action="store_true",
        help="keep the pane's continuous log file (printed) instead of deleting it",
    )

    p = sub.add_parser("doctor", help="check tmux, files, terminal and what survives logout")
    p.add_argument("--json", action="store_true", help="print a JSON list of findings")
    cli_attention.add_parsers(sub)
    cli_hosts.add_parsers(sub)
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


def info_to_json(info: PaneInfo, state: AttentionInfo | None = None) -> dict[str, Any]:
    """One pane as the stable ``chloe ls --json`` object (see docs/cli.md)."""
    rec = info.record
    exit_status = info.exit_status
    attention: dict[str, Any] = {}
    if state is not None:
        attention = {
            "state": state.state.value,
            "state_since": state.since.isoformat() if state.since else None,
            "message": state.message or None,
            "started": rec.started.isoformat() if rec.started else None,
        }
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
        "host": rec.host,
        "current_command": info.current_command,
        **attention,
        "resume": list(rec.resume),
        "last_seen": info.last_seen.isoformat() if info.last_seen else None,
    }


COMMAND_MIN = 12
"""``chloe ls`` shortens the COMMAND column to this many cells before anything else."""

CWD_MIN = 12
"""Then the CWD column (keeping its end) to this many cells."""

NAME_MIN = 8
"""Names are shortened last, when every other column but STATUS and AGE is gone."""

STATE_MIN = 20
"""The STATE column is shortened to this many cells first."""

_NAME, _KIND, _STATUS, _COMMAND, _CWD, _AGE, _STATE, _HOST = range(8)

_FIT_STEPS: tuple[tuple[int, int | None], ...] = (
    (_STATE, STATE_MIN),
    (_COMMAND, COMMAND_MIN),
    (_CWD, CWD_MIN),
    (_KIND, None),
    (_HOST, None),
    (_COMMAND, 8),
    (_CWD, 8),
    (_CWD, None),
    (_COMMAND, None),
    (_NAME, NAME_MIN),
)
"""How a table too wide for the terminal is narrowed, in order: shorten a column
to a minimum width, or leave it out (None)."""


def cells(text: str) -> int:
    """The width of ``text`` on a terminal: CJK and most emoji take two cells."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # only for non-ASCII text: `chloe ls` starts fast

    return cell_len(text)


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so a row stays one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _fit(text: str, width: int, *, keep_end: bool = False) -> str:
    """``text`` shortened with ``…`` to at most ``width`` cells (from the left if
    ``keep_end``), then padded with spaces to exactly ``width`` cells."""
    size = cells(text)
    if size > width:
        chars = reversed(text) if keep_end else iter(text)
        kept: list[str] = []
        used = 0
        for ch in chars:
            w = cells(ch)
            if used + w > width - 1:
                break
            kept.append(ch)
            used += w
        body = "".join(reversed(kept)) if keep_end else "".join(kept)
        text = "…" + body if keep_end else body + "…"
        size = used + 1
    return text + " " * (width - size)


def format_table(
    infos: Sequence[PaneInfo],
    now: datetime,
    width: int | None = None,
    states: Sequence[AttentionInfo] | None = None,
    *,
    hosts: bool = False,
) -> str:
    """The ``chloe ls`` table, columns aligned by display width (age right-aligned).

    Args:
        infos: The panes to list.
        now: The time ages are counted to.
        states: Each pane's attention state (the STATE column, last).
        hosts: Show the HOST column (after NAME): other hosts are configured.
        width: The terminal's width: a wider table is narrowed (see
            :data:`_FIT_STEPS`) so rows do not wrap. None (output to a pipe or
            file) keeps every column whole.
    """
    rows: list[tuple[str, ...]] = [
        ("NAME", "KIND", "STATUS", "COMMAND", "CWD", "AGE", "STATE", "HOST")
    ]
    for n, info in enumerate(infos):
        rec = info.record
        state = _printable(states[n].words(now)) if states is not None else ""
        rows.append(
            (
                rec.name,
                rec.kind.value,
                _status_text(info, now),
                _printable(_command_text(info)),
                _printable(rec.cwd if rec.remote else _home_short(rec.cwd)),
                format_age(rec.created, now),
                state,
                rec.host,
            )
        )
    widths = [max(cells(r[i]) for r in rows) for i in range(len(rows[0]))]
    shown = [_NAME, _HOST, _KIND, _STATUS, _COMMAND, _CWD, _AGE, _STATE]
    if not hosts:
        shown.remove(_HOST)
    if states is None:
        shown.remove(_STATE)
    for column, minimum in _FIT_STEPS if width is not None else ():
        assert width is not None
        excess = sum(widths[i] for i in shown) + 2 * (len(shown) - 1) - width
        if excess <= 0:
            break
        if column not in shown:
            continue
        if minimum is None:
            shown.remove(column)
        elif widths[column] > minimum:
            widths[column] = max(minimum, widths[column] - excess)
    lines = []
    for r in rows:
        line = [
            " " * (widths[i] - cells(r[i])) + r[i]
            if i == _AGE
            else _fit(r[i], widths[i], keep_end=i == _CWD)
            for i in shown
        ]
        lines.append("  ".join(line).rstrip())
    return "\n".join(lines)


def _status_text(info: PaneInfo, now: datetime) -> str:
    """The STATUS cell: the label, and since when a host has not answered."""
    from chloe.model import Status

    if info.status is Status.UNREACHABLE and info.last_seen is not None:
        return f"{info.label} ({format_age(info.last_seen, now)})"
    return info.label


# -- commands -------------------------------------------------------------------------


def cmd_ls(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe ls``."""
    from chloe.model import Kind, utcnow

    if args.host is not None:
        service.server(args.host)  # an unknown host is an error, not an empty list
    infos = service.panes()
    if service.tmux_problem and any(
        i.record.kind is Kind.TMUX and not i.record.remote for i in infos
    ):
        print(f"chloe: note: {service.tmux_problem}", file=sys.stderr)
    for host, snap in service.host_snapshots.items():
        if not snap.reachable and any(i.record.host == host for i in infos):
            print(f"chloe: note: {snap.error}", file=sys.stderr)
    now = utcnow()
    states = service.attention(infos, now=now)
    if args.host is not None:
        keep = [n for n, i in enumerate(infos) if i.record.host == args.host]
        infos = [infos[n] for n in keep]
        states = [states[n] for n in keep]
    if args.json:
        listed = [info_to_json(i, s) for i, s in zip(infos, states, strict=True)]
        _out(json.dumps(listed, indent=2) + "\n")
    elif infos:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        hosts = bool(service.config.hosts) or any(i.record.remote for i in infos)
        _out(format_table(infos, now, width, states, hosts=hosts) + "\n")
    elif args.host is not None:
        print(
            f"no panes on {args.host}: create one with `chloe new --host {args.host}`",
            file=sys.stderr,
        )
    else:
        print("no panes yet: create one with `chloe new` (or run `chloe`)", file=sys.stderr)
    return 0


def _current_directory(args: argparse.Namespace) -> str:
    here: str | None = args.here
    if here is None:
        raise ChloeError(
            "the current directory no longer exists; cd to one that does, or give --cwd DIR"
        )
    return here


def _stored_text(text: str, what: str) -> str:
    """``text`` if it can be stored (UTF-8), else a ChloeError naming ``what``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = repr(os.fsencode(text))[1:]
        raise ChloeError(
            f"{what} {shown} is not valid UTF-8 (undecodable bytes); chloe stores "
            "directories, names and commands as UTF-8 text"
        ) from None
    return text


def cmd_new(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe new``."""
    size = shutil.get_terminal_size((80, 24))
    if args.name is not None:
        _stored_text(args.name, "the name")
    for arg in args.argv:
        _stored_text(arg, "the command argument")
    from chloe.model import LOCAL_HOST

    host = args.host or LOCAL_HOST
    if host != LOCAL_HOST:
        service.server(host)  # an unknown host: one line, before anything else
        cwd = "~" if args.cwd is None else _stored_text(args.cwd, "--cwd")
        if cwd != "~" and not cwd.startswith("/"):
            raise ChloeError(
                f"--cwd {cwd!r}: on another host, give an absolute directory (or ~ for its home)"
            )
    elif args.cwd is None:
        cwd = _current_directory(args)
    else:
        cwd = _stored_text(args.cwd, "--cwd")
        if not os.path.isabs(os.path.expanduser(cwd)):
            cwd = os.path.join(_current_directory(args), cwd)
    if args.argv and not args.argv[0].strip():
        raise ChloeError(
            "the command is empty: put a program after --, or give no command for your shell"
        )
    resume: list[str] = []
    if args.resume is not None:
        try:
            resume = shlex.split(_stored_text(args.resume, "--resume"))
        except ValueError as exc:
            raise ChloeError(
                f"--resume {args.resume!r} cannot be split into words: {exc}"
            ) from None
        if not resume:
            raise ChloeError("--resume is empty: give the command to run on restore")
    rec = service.create_tmux(
        name=args.name,
        cwd=cwd,
        command=args.argv,
        columns=size.columns,
        rows=size.lines,
        attached=False,
        resume=resume,
        host=host,
    )
    _out(rec.name + "\n")
    placed = service.tmux.placement
    if service.tmux.started_server and placed is not None and placed.problem:
        print(f"chloe: note: {placed.problem}", file=sys.stderr)
    if args.no_wait:
        return 0
    return _watch_start(service, rec)


def _watch_start(service: PaneService, rec: PaneRecord) -> int:
    """Watch a new tmux pane for :data:`NEW_WATCH` seconds; 1 if it ended badly meanwhile."""
    from chloe.errors import PaneGoneError, TmuxError

    session = rec.tmux_session or ""
    deadline = time.monotonic() + NEW_WATCH
    backend = service.server_for(rec)
    while True:
        snap = backend.snapshot()
        state = snap.sessions.get(session)
        gone = state is None and snap.reachable
        if gone or (state is not None and state.dead):
            break
        if time.monotonic() >= deadline:
            return 0
        time.sleep(NEW_WATCH_POLL)
    exit_status = state.exit_status if state is not None else None
    how = f" ({exit_status.describe()})" if exit_status is not None else ""
    failed = exit_status is None or exit_status.code != 0
    # tmux may mark the pane dead before it has read the last output from its pty.
    lines: list[str] = []
    settle = time.monotonic() + NEW_WATCH / 2
    while not lines and time.monotonic() < settle:
        try:
            screen = service.capture(rec, lines=NEW_LAST_LINES)
        except (TmuxError, PaneGoneError):
            break
        lines = [
            _printable(line.rstrip())
            for line in screen.splitlines()
            if line.strip() and not line.startswith("Pane is dead")
        ][-NEW_LAST_LINES:]
        if not lines:
            time.sleep(NEW_WATCH_POLL)
    what = shlex.join(rec.command) if rec.command else "the shell"
    name = shlex.quote(rec.name)
    note = "" if failed else "note: "
    print(f"chloe: {note}{rec.name!r} ended at once{how}: {what}", file=sys.stderr)
    if lines:
        print("its last lines:", *("  " + line for line in lines), sep="\n", file=sys.stderr)
    print(f"it stays in the list as dead: `chloe logs {name}`, `chloe rm {name}`", file=sys.stderr)
    return 1 if failed else 0


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
    text: str | bytes = args.text
    if args.text == "-":
        try:
            text = sys.stdin.buffer.read()
        except OSError as exc:
            raise ChloeError(f"cannot read the text from stdin: {exc.strerror or exc}") from None
    service.send_text(args.name, text, enter=args.enter, paste=args.paste)
    return 0


FOLLOW_POLL = 0.2
"""Seconds between two looks at a followed log."""

FOLLOW_ALIVE_EVERY = 1.0
"""Seconds between two checks that a followed pane still runs."""


def _logs_body(service: PaneService, rec: PaneRecord, args: argparse.Namespace) -> bytes:
    """What ``chloe logs`` prints before following: bytes (raw) or UTF-8 text."""
    from chloe import history
    from chloe.model import Kind

    use_log = args.all or rec.kind is Kind.DIRECT
    if use_log and rec.remote:
        print(
            f"chloe: note: {rec.name!r} runs on {rec.host}, whose tmux keeps its history; "
            "printing that (there is no continuous log of it here)",
            file=sys.stderr,
        )
        use_log = False
    if use_log and not history.has_log(rec.id):
        if rec.kind is Kind.DIRECT:
            raise ChloeError(
                f"{rec.name!r} has no log (logs are off, or it never ran with them on)"
            )
        print(
            f"chloe: warning: {rec.name!r} has no continuous log; printing tmux's history",
            file=sys.stderr,
        )
        use_log = False
    if use_log:
        data = history.read_log(rec.id)
        if args.raw:
            return data
        lines = history.render(data)
    else:
        text = service.capture(rec, lines=args.lines, escapes=args.raw)
        if args.raw:
            return text.encode("utf-8", "surrogateescape")
        lines = [line.rstrip() for line in text.splitlines()]
        # tmux pads the screen with empty rows; a log ends at its last line of text.
        while lines and not lines[-1]:
            lines.pop()
    if args.lines is not None and use_log:
        lines = lines[-args.lines :] if args.lines else []
    body = "\n".join(lines)
    return (body + "\n").encode("utf-8", "surrogateescape") if body else b""


def _follow(
    service: PaneService, rec: PaneRecord, raw: bool, write: Callable[[bytes], None]
) -> None:
    """Print what the pane's log gains until the pane ends."""
    from chloe import history

    follower = history.Follower(rec.id)
    cleaner = history.LineCleaner()
    next_check = 0.0
    try:
        while True:
            data = follower.read()
            if data:
                write(data if raw else cleaner.feed(data).encode("utf-8", "surrogateescape"))
                continue
            now = time.monotonic()
            if now >= next_check:
                next_check = now + FOLLOW_ALIVE_EVERY
                if not service.is_running(rec):
                    time.sleep(FOLLOW_POLL)  # what the writer still had in flight
                    while data := follower.read():
                        write(data if raw else cleaner.feed(data).encode())
                    if not raw:
                        write(cleaner.flush().encode("utf-8", "surrogateescape"))
                    return
            time.sleep(FOLLOW_POLL)
    finally:
        follower.close()


def _warn_if_log_stopped(service: PaneService, rec: PaneRecord) -> None:
    """A live tmux pane whose log writer stopped (a full disk): say so on stderr, since
    the log printed misses its latest output."""
    from chloe import history
    from chloe.model import Kind

    if rec.kind is not Kind.TMUX or rec.remote or service.config.log_max_bytes <= 0:
        return
    try:
        state = service.tmux.snapshot().sessions.get(rec.tmux_session or "")
    except ChloeError:
        return
    if state is not None and not state.dead and state.piped is False:
        print(f"chloe: warning: {history.stopped_message(rec.name, rec.id)}", file=sys.stderr)


def cmd_logs(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe logs``."""
    from chloe import history

    rec = service.find(args.name)
    if args.follow and rec.remote:
        raise ChloeError(
            f"{rec.name!r} runs on {rec.host}: its output is in that host's tmux history, "
            f"which `chloe logs {shlex.quote(rec.name)}` prints; there is no log here to follow"
        )
    if args.follow and not history.has_log(rec.id):
        raise ChloeError(f"{rec.name!r} has no continuous log to follow")
    body = _logs_body(service, rec, args)
    _warn_if_log_stopped(service, rec)
    if args.output:
        try:
            fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:

                def write(data: bytes) -> None:
                    fh.write(data)
                    fh.flush()

                write(body)
                if args.follow:
                    _follow(service, rec, args.raw, write)
        except OSError as exc:
            raise ChloeError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        return 0
    _out_bytes(body)
    if args.follow:
        _follow(service, rec, args.raw, _out_bytes)
    return 0


def cmd_grep(service: PaneService | None, args: argparse.Namespace) -> int:
    """``chloe grep``: 0 when a line matched, 1 when none did.

    Without ``service``, panes with a continuous log are searched without
    loading the tmux layer (its import is most of a start's time); it is made
    only for a pane whose history is tmux's alone.
    """
    import re

    from chloe import history
    from chloe.model import find_record
    from chloe.paths import store_path
    from chloe.store import Store

    try:
        pattern = history.compile_pattern(
            args.pattern, regex=args.regex, ignore_case=args.ignore_case
        )
    except re.error as exc:
        raise ChloeError(f"bad regex {args.pattern!r}: {exc}") from None
    store = service.store if service is not None else Store(store_path())
    stored = store.load()
    records = [find_record(stored, n) for n in args.names] if args.names else stored
    needle = None if args.regex else args.pattern
    directory = history.log_dir()

    def sources() -> Iterator[tuple[str, bytes | str]]:
        tmux = service
        for rec in records:
            try:
                data = history.read_log_in(directory, rec.id)
            except OSError:
                data = None
            if data is not None:
                yield rec.name, data
                continue
            if tmux is None:
                tmux = make_service()
            yield from tmux.history_sources([rec])

    matches = list(history.search_sources(sources(), pattern, needle, ignore_case=args.ignore_case))
    if args.json:
        rows = [{"pane": m.pane, "line": m.line_number, "text": m.line} for m in matches]
        _out(json.dumps(rows, indent=2) + "\n")
    else:
        _out("".join(f"{m.pane}:{m.line_number}:{m.line}\n" for m in matches))
    return 0 if matches else 1


def cmd_rename(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe rename``."""
    _stored_text(args.new_name, "the name")
    service.rename(args.name, args.new_name)
    return 0


def cmd_kill(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe kill``."""
    service.kill(args.name)
    return 0


def cmd_rm(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe rm``: prints how to reach a session that keeps running."""
    hint = service.remove(args.name, force=args.force, keep_log=args.keep_log)
    if hint:
        _out(hint + "\n")
    return 0


def cmd_restore(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe restore``: one line per pane; exit 1 if any asked-for pane was not restored."""
    size = shutil.get_terminal_size((80, 24))
    results = service.restore_lost(args.names, size.columns, size.lines)
    if not results:
        print("no lost panes: nothing to restore", file=sys.stderr)
        return 0
    for result in results:
        if result.done:
            _out(f"restored {result.name}\n")
        else:
            print(f"chloe: not restored: {result.name}: {result.reason}", file=sys.stderr)
    return 0 if all(r.done for r in results) else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    """``chloe doctor``: needs no working pane list, so it takes no service."""
    from chloe import doctor

    findings = doctor.diagnose()
    if args.json:
        _out(json.dumps(doctor.as_json(findings), indent=2) + "\n")
    else:
        _out(doctor.render(findings))
    return 1 if any(f.level is doctor.Level.PROBLEM for f in findings) else 0


COMMANDS = {
    "ls": cmd_ls,
    "new": cmd_new,
    "attach": cmd_attach,
    "restore": cmd_restore,
    "send": cmd_send,
    "logs": cmd_logs,
    "grep": cmd_grep,
    "rename": cmd_rename,
    "kill": cmd_kill,
    "rm": cmd_rm,
    **cli_attention.COMMANDS,
    **cli_hosts.COMMANDS,
}


class _OutputError(ChloeError):
    """stdout refused what a command printed (a full disk, ``/dev/full``)."""


def _out_bytes(data: bytes) -> None:
    """Write ``data`` to stdout at once (see :func:`_out`); even nothing is flushed,
    so a stdout that refuses writes (``/dev/full``) is reported."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _OutputError(f"cannot write the output: {exc.strerror or exc}") from None


def _out(text: str) -> None:
    """Write ``text`` to stdout; a failing stdout is one clear error, not a traceback."""
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _OutputError(f"cannot write the output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    # What is still buffered would fail again when Python flushes stdout at exit
    # ("Exception ignored ..."): from now on it goes nowhere.
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _flush_stdout(code: int) -> int:
    """Flush stdout before exiting; a failure becomes status 1 with one line."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as exc:
        _silence_stdout()
        if code == 0:
            print(f"chloe: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
            return 1
    return code


def _new_without_dashes(raw: Sequence[str], args: argparse.Namespace) -> str:
    """How ``chloe new`` should have been called when the command's options were
    taken for chloe's (``chloe new --name l ls -la``)."""
    tokens = list(raw[raw.index("new") + 1 :])
    options: list[str] = []
    while tokens and tokens[0] != args.argv[0]:
        token = tokens.pop(0)
        options.append(token)
        if token in ("--name", "--cwd") and tokens:
            options.append(tokens.pop(0))
    return shlex.join(["chloe", "new", *options, "--", *tokens])


def _warn_about_own_files() -> None:
    """Print each problem met with chloe's own files (see :func:`chloe.paths.problems`)."""
    from chloe.paths import forget_problems

    for problem in forget_problems():
        with contextlib.suppress(OSError):
            print(f"chloe: warning: {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 1 error, 2 usage)."""
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extras = parser.parse_known_args(raw)
        if extras and args.command == "new" and args.argv and "new" in raw:
            print(
                f"chloe: {extras[0]} looks like an option of the command, not of chloe: "
                f"put -- before the command, as in: {_new_without_dashes(raw, args)}",
                file=sys.stderr,
            )
            return 2
        if extras:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if "TMUX" in os.environ or "TMUX_PANE" in os.environ:
        # Inside the user's tmux: chloe's tmux commands (libtmux passes them this
        # process's environment) must not carry it.
        from chloe.backends.direct import OUTER_TMUX_VARIABLES, set_aside_environment

        set_aside_environment(OUTER_TMUX_VARIABLES)
    try:
        args.here = os.getcwd()
    except OSError:
        # Started from a deleted directory: nothing chloe runs (tmux, panes)
        # should start there; `chloe new` says so unless given --cwd.
        args.here = None
        with contextlib.suppress(OSError):
            os.chdir("/")
    try:
        if args.command is None:
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                raise ChloeError(
                    "chloe needs a terminal (stdin and stdout must be a tty); "
                    "without one, use the subcommands: chloe --help"
                )
            return run_tui()
        try:
            if args.command == "doctor":
                code = cmd_doctor(args)
            elif args.command == "grep":
                code = cmd_grep(None, args)  # the tmux layer only if a pane needs it
            else:
                code = COMMANDS[args.command](make_service(), args)
        finally:
            _warn_about_own_files()
    except _OutputError as exc:
        _silence_stdout()
        print(f"chloe: {exc}", file=sys.stderr)
        return 1
    except ChloeError as exc:
        print(f"chloe: {exc}", file=sys.stderr)
        return _flush_stdout(1)
    except BrokenPipeError:
        # `chloe ls | head`: the reader left; say nothing more.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    return _flush_stdout(code)
