"""Where chloe's tmux server lives, so that logging out does not end it.

On a systemd machine a process started from an SSH login belongs to that
login's ``session-N.scope``. With logind's ``KillUserProcesses=yes`` (the
default on several distributions) ending the login ends the scope and every
process in it, the tmux server included. A server started in a scope of its
own under the user's systemd manager (``systemd-run --user --scope``) is out
of the login's reach, and it outlives the last login when the user manager
does, that is when *lingering* is enabled (``loginctl enable-linger``).

This module decides, from facts a :class:`SystemFacts` gathers, whether to
start the server through ``systemd-run`` and what will happen to it on
logout. The decision is a pure function (:func:`decide`) so it can be tested
on machines without systemd; :func:`probe` reads the real facts, each with a
short timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROBE_TIMEOUT = 2.0
"""Seconds any one probe command may take (systemctl, loginctl, busctl)."""


@dataclass(frozen=True, slots=True)
class SystemFacts:
    """What the machine says about sessions and logout.

    Attributes:
        systemd: The machine was booted with systemd (``/run/systemd/system`` exists).
        systemd_run: Path of ``systemd-run``, or None.
        user_manager: The user's systemd manager answers (``systemctl --user``).
        linger: Lingering is enabled for the user (None: unknown).
        kill_user_processes: logind's ``KillUserProcesses`` (None: unknown).
        user: The user's login name.
    """

    systemd: bool
    systemd_run: str | None
    user_manager: bool
    linger: bool | None
    kill_user_processes: bool | None
    user: str


@dataclass(frozen=True, slots=True)
class Placement:
    """How to start chloe's tmux server, and what happens to it on logout.

    Attributes:
        prefix: argv to put before the tmux command that starts the server
            (empty: start it as a plain child).
        survives_logout: True, False, or None when it cannot be known.
        summary: One sentence on where the server lives and what logout does.
        fix: The one command that makes the server survive logout, when it
            does not (None when nothing needs fixing).
    """

    prefix: tuple[str, ...]
    survives_logout: bool | None
    summary: str
    fix: str | None = None

    @property
    def problem(self) -> str | None:
        """What to tell the user once, or None when the server survives logout."""
        if self.survives_logout is not False:
            return None
        return f"{self.summary} Run `{self.fix}` once to keep them." if self.fix else self.summary


def unit_name(socket: str) -> str:
    """The transient scope's name for a tmux socket: ``chloe-tmux-<socket>.scope``.

    Characters systemd does not allow in a unit name are replaced by ``_``, and a
    short hash of the socket name keeps two sockets that differ only in such
    characters apart.
    """
    import hashlib

    safe = re.sub(r"[^A-Za-z0-9:_.\-]", "_", socket)[:80] or "_"
    digest = hashlib.sha256(socket.encode("utf-8", "surrogateescape")).hexdigest()[:6]
    return f"chloe-tmux-{safe}-{digest}.scope"


def decide(facts: SystemFacts, socket: str) -> Placement:
    """Where to start the server for ``socket``, given the machine's facts."""
    linger_fix = f"loginctl enable-linger {facts.user}"
    if not facts.systemd:
        return Placement(
            (),
            True,
            "No systemd: chloe's tmux server detaches from the login and survives logout.",
        )
    scope = (
        facts.systemd_run,
        "--user",
        "--scope",
        "--quiet",
        "--collect",
        f"--unit={unit_name(socket)}",
    )
    if facts.systemd_run is not None and facts.user_manager and facts.linger:
        return Placement(
            tuple(s for s in scope if s is not None),
            True,
            "chloe's tmux server runs in a systemd user scope of its own, and lingering "
            "is on: it survives logout.",
        )
    if facts.kill_user_processes is False:
        # The login's scope is abandoned, not killed, on logout: the server stays.
        # A user scope without lingering would be worse (stopped with the manager).
        return Placement(
            (),
            True,
            "logind keeps processes after logout (KillUserProcesses=no): chloe's tmux "
            "server survives logout.",
        )
    if facts.kill_user_processes is None:
        return Placement(
            (),
            None,
            "Whether logout ends chloe's tmux server is unknown (logind's KillUserProcesses "
            "could not be read); with lingering on, chloe would place it out of reach.",
            linger_fix,
        )
    # KillUserProcesses=yes, and no user manager that outlives the login.
    return Placement(
        (),
        False,
        "Logging out will end chloe's tmux server and every tmux pane (logind's "
        "KillUserProcesses=yes, and lingering is off).",
        linger_fix,
    )


def _run(argv: list[str]) -> str | None:
    """stdout of a probe command, or None if it failed or took too long."""
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    word = text.strip().split("=")[-1].strip().lower()
    if word in {"yes", "true", "b true"}:
        return True
    if word in {"no", "false", "b false"}:
        return False
    return None


def _user() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER") or str(os.getuid())


def probe() -> SystemFacts:
    """Read the real facts (a few short-lived commands, each bounded by PROBE_TIMEOUT)."""
    user = _user()
    systemd = Path("/run/systemd/system").is_dir()
    if not systemd:
        return SystemFacts(False, shutil.which("systemd-run"), False, None, None, user)
    manager = _run(["systemctl", "--user", "is-system-running"])
    # "running" or "degraded" both mean the manager answers; failure prints "offline".
    user_manager = manager is not None or (
        _run(["systemctl", "--user", "show-environment"]) is not None
    )
    linger = _yes_no(_run(["loginctl", "show-user", user, "--property=Linger"]))
    if linger is None:
        linger = Path("/var/lib/systemd/linger", user).exists()
    kill = _yes_no(
        _run(
            [
                "busctl",
                "get-property",
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "KillUserProcesses",
            ]
        )
    )
    return SystemFacts(True, shutil.which("systemd-run"), user_manager, linger, kill, user)
