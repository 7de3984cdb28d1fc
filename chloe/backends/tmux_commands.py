"""The tmux commands chloe sends, as argument lists (no I/O here).

Each function returns what follows ``tmux -L <socket>``; several commands are
chained in one invocation with ``;`` arguments. Every target is exact
(``=chloe-ab:``): tmux otherwise falls back to prefix matching, and
``chloe-ab`` would hit ``chloe-abc``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from chloe.backends.direct import COLORTERM


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """What a new tmux session is made with (``TmuxServer.create_session``)."""

    session: str
    """The tmux session name."""
    pane_id: str
    """The chloe pane id, marked on the session."""
    name: str
    """The pane's name, marked on the session."""
    cwd: str
    """The directory the command starts in."""
    command: Sequence[str]
    """The command (empty: the server's default shell)."""
    columns: int
    rows: int
    history_limit: int
    """Lines of scrollback tmux keeps."""
    status_line: bool
    """Whether tmux draws its own status line in the pane."""
    log_command: str | None = None
    """A shell command that gets the pane's output from its first byte (its log), or None."""


ESCAPE_TIME_MS = 10
"""tmux's default 500 ms Esc wait makes Esc sluggish in vim and Claude Code."""


def session_target(session: str) -> str:
    """Exact target for a session (``=name``), for session commands."""
    return escape_argument(f"={session}")


def pane_target(session: str) -> str:
    """Exact target for the session's active pane (``=name:``), for pane/option commands."""
    return f"={session}:"


def escape_argument(arg: str) -> str:
    """Keep tmux from reading a trailing ``;`` in an argument as a command separator."""
    if arg.endswith(";"):
        return arg[:-1] + "\\;"
    return arg


def start_directory(path: str) -> str:
    """A directory as the value of ``-c``, which tmux expands as a format.

    Unescaped, ``#{pid}`` in a directory name would be replaced and ``#(cmd)``
    would run ``cmd`` through the shell; ``##`` is tmux's literal ``#``.
    """
    return escape_argument(path.replace("#", "##"))


def directory_option(cwd: str) -> list[str]:
    """``-c DIR`` for a new pane; none for ``""`` (tmux starts it in its client's directory,
    which for a command run over ssh is the remote user's home)."""
    return ["-c", start_directory(cwd)] if cwd else []


def chain(*commands: Sequence[str]) -> list[str]:
    """One invocation running ``commands`` in order (empty ones are left out)."""
    args: list[str] = []
    for command in commands:
        if not command:
            continue
        if args:
            args.append(";")
        args += command
    return args


def pane_command(command: Sequence[str]) -> list[str]:
    """A pane's argv as tmux arguments.

    tmux runs a single argument through ``sh -c``; quoting keeps it one word.
    """
    cmd = list(command)
    if len(cmd) == 1:
        cmd = [shlex.quote(cmd[0])]
    return [escape_argument(a) for a in cmd]


def server_setup() -> list[list[str]]:
    """Server options chloe needs (see :meth:`TmuxBackend.server_setup_args`)."""
    return [
        ["set-option", "-s", "escape-time", str(ESCAPE_TIME_MS)],
        # 24-bit colour for the embedded client, whose TERM is xterm-256color.
        ["set-option", "-s", "terminal-overrides[90]", "xterm-256color:Tc"],
        # Programs that ask for focus reports (vim's autoread, editors redrawing on
        # return) get them, as the terminal chloe runs in sends them.
        ["set-option", "-s", "focus-events", "on"],
        # A server that exits once no client is attached would end every pane.
        ["set-option", "-s", "exit-unattached", "off"],
        # The server stays when its last session ends, so a server that is gone was
        # stopped from outside (a reboot, a kill): its running panes are *lost*,
        # not ended, and chloe can say so truthfully.
        ["set-option", "-s", "exit-empty", "off"],
    ]


def unset_global_environment(names: Iterable[str]) -> list[list[str]]:
    """Remove ``names`` from the server's global environment (inherited by new panes)."""
    return [["set-environment", "-g", "-u", name] for name in names]


PANE_ENVIRONMENT: Final = ("-e", f"COLORTERM={COLORTERM}")
"""``new-session``/``respawn-pane`` options: chloe's emulator shows 24-bit colour, as
for direct panes (tmux passes it on, its server having ``Tc``)."""


def new_session(
    session: str, *, cwd: str, command: Sequence[str], columns: int, rows: int
) -> list[str]:
    """A detached session running ``command`` (tmux's default command if empty).

    Its environment says chloe shows 24-bit colour (:data:`PANE_ENVIRONMENT`).
    """
    cmd = pane_command(command)
    return [
        "new-session", "-d", "-s", session, "-x", str(columns), "-y", str(rows),
        *directory_option(cwd), *PANE_ENVIRONMENT, *(["--", *cmd] if cmd else []),
    ]  # fmt: skip


def session_options(session: str, *, pane_id: str, name: str, status_line: bool) -> list[list[str]]:
    """chloe's per-session options and marks, right after ``new-session``."""
    target = pane_target(session)
    return [
        ["set-option", "-w", "-t", target, "remain-on-exit", "on"],
        ["set-option", "-t", target, "status", "on" if status_line else "off"],
        # Sessions nobody is attached to are chloe's normal case: never destroy them,
        # never lock them behind the user's lock-command.
        ["set-option", "-t", target, "destroy-unattached", "off"],
        ["set-option", "-t", target, "lock-after-time", "0"],
        # A client of a killed session must end, not switch to another pane's session.
        ["set-option", "-t", target, "detach-on-destroy", "on"],
        ["set-option", "-t", target, "@chloe-id", pane_id],
        ["set-option", "-t", target, "@chloe-name", escape_argument(name)],
    ]


ENVIRONMENT_QUERY: tuple[str, ...] = (
    "show-environment", "-g", ";", "show-options", "-g", "update-environment",
)  # fmt: skip
"""The server's global environment and its ``update-environment`` list, in one answer."""


def parse_environment_query(lines: Iterable[str]) -> tuple[set[str], list[str]]:
    """Names in the global environment, and the ``update-environment`` entries.

    ``show-environment`` prints ``NAME=value`` (``-NAME`` for a removed one);
    ``show-options`` prints ``update-environment[i] ENTRY``.
    """
    names: set[str] = set()
    update: list[str] = []
    for line in lines:
        if line.startswith("update-environment[") and "] " in line:
            update.append(line.split("] ", 1)[1].strip().strip('"'))
            continue
        name = line.split("=", 1)[0].removeprefix("-")
        if name and not any(c.isspace() for c in name):
            names.add(name)
    return names, update


def with_pane_environment(
    names: Iterable[str], restore: Sequence[str], *commands: list[str]
) -> list[list[str]]:
    """``commands`` with the session environment copied from this tmux client.

    tmux copies the variables listed in the global ``update-environment`` from
    the client that runs ``new-session`` into the new session's environment,
    and marks the listed ones the client lacks as removed. Listing every name
    of the client's environment and of the server's global environment makes a
    new pane's environment exactly the client's. The user's list is put back
    in the same invocation, which tmux runs without interleaving other clients.
    """
    listed = " ".join(sorted(set(names)))
    return [
        ["set-option", "-g", "update-environment", listed],
        *commands,
        ["set-option", "-g", "update-environment", " ".join(restore)],
    ]


def pipe_to(session: str, command: str, *, replace: bool = False) -> list[str]:
    """Pipe the pane's output into ``command`` (a shell command).

    Unless ``replace``, a pane piped already is left as it is. A respawn needs
    ``replace``: tmux still counts the dead process's pipe as open then.
    """
    only_new = [] if replace else ["-o"]
    return ["pipe-pane", *only_new, "-t", pane_target(session), escape_argument(command)]


def server_identity() -> list[str]:
    """Print the server's pid and socket path (``PID PATH``)."""
    return ["display-message", "-p", "#{pid} #{socket_path}"]


def respawn_pane(session: str, *, cwd: str, command: Sequence[str]) -> list[str]:
    """Restart the session's dead pane with ``command`` in ``cwd``."""
    return [
        "respawn-pane", "-k", "-t", pane_target(session), *directory_option(cwd),
        *PANE_ENVIRONMENT, *pane_command(command),
    ]  # fmt: skip


def set_name(session: str, name: str) -> list[str]:
    """Store the display name in ``@chloe-name``."""
    return ["set-option", "-t", pane_target(session), "@chloe-name", escape_argument(name)]


def release(session: str) -> list[list[str]]:
    """Remove chloe's marks so the session is not adopted back."""
    return [
        ["set-option", "-u", "-t", pane_target(session), opt]
        for opt in ("@chloe-id", "@chloe-name")
    ]


def kill_session(session: str) -> list[str]:
    """End the session and its processes."""
    return ["kill-session", "-t", session_target(session)]


def send_text(session: str, text: str, *, enter: bool) -> list[list[str]]:
    """Type ``text`` literally (``send-keys -l``), then Enter if asked."""
    target = pane_target(session)
    commands = [["send-keys", "-t", target, "-l", "--", escape_argument(text)]] if text else []
    if enter:
        commands.append(["send-keys", "-t", target, "Enter"])
    return commands


def capture_pane(session: str, *, lines: int | None, escapes: bool) -> list[str]:
    """The pane's screen plus up to ``lines`` of history (None: all of it)."""
    start = "-" if lines is None else str(-max(0, lines))
    args = ["capture-pane", "-p", "-t", pane_target(session), "-S", start]
    if escapes:
        args.append("-e")
    return args


def attach_session(session: str, *, detach_others: bool = False) -> list[str]:
    """A client attached to ``session``."""
    return ["attach-session", *(["-d"] if detach_others else []), "-t", session_target(session)]
