"""The pane record and the words chloe uses for a pane's state.

Plain data only: no Textual, no I/O. A record is what chloe remembers about a
pane between runs; the *status* (attached, detached, dead) is never read from
disk but derived at run time from what tmux and the kernel report.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import signal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

NAME_MAX = 64
"""Longest pane name, in characters."""

FORBIDDEN_NAME_CHARS = frozenset(".:")
"""tmux reads these as target separators (``session:window.pane``)."""


class Kind(enum.StrEnum):
    """How a pane's process is run."""

    DIRECT = "direct"
    """A child on a pty owned by chloe; it ends when chloe quits."""
    TMUX = "tmux"
    """A session on chloe's tmux server; it outlives chloe."""


class Status(enum.StrEnum):
    """The label every pane carries, always derived from tmux or the kernel."""

    ATTACHED = "attached"
    """chloe has a live view of the process (its pty, or a tmux client)."""
    DETACHED = "detached"
    """The tmux session runs with no chloe client attached."""
    DEAD = "dead"
    """The process has exited or the tmux session is gone."""
    UNREACHABLE = "unreachable"
    """tmux did not answer (stopped, socket gone, not installed): the pane may still run."""
    CHECKING = "checking"
    """Not known yet: chloe has asked and no answer has come (the TUI, at start)."""
    LOST = "lost"
    """The pane was running when chloe's tmux server went away (a reboot, the server
    killed): its job did not end by itself, and it can be restored."""


class UserState(enum.StrEnum):
    """How the user left a pane: restored that way on the next start."""

    ATTACHED = "attached"
    DETACHED = "detached"


@dataclass(frozen=True, slots=True)
class ExitStatus:
    """How a process ended: an exit code, or the signal that killed it."""

    code: int | None = None
    signal: int | None = None

    def __post_init__(self) -> None:
        if (self.code is None) == (self.signal is None):
            raise ValueError("an exit status has exactly one of code and signal")
        value = self.code if self.code is not None else self.signal
        # bool is an int subclass, but True is no exit code (and would not load back).
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"an exit code or signal is a whole number, not {value!r}")

    @classmethod
    def from_wait_status(cls, status: int) -> ExitStatus:
        """Decode a raw ``waitpid`` status."""
        import os

        if os.WIFSIGNALED(status):
            return cls(signal=os.WTERMSIG(status))
        return cls(code=os.waitstatus_to_exitcode(status))

    def describe(self) -> str:
        """Short words for a label: ``exit 3`` or ``SIGKILL``."""
        if self.signal is not None:
            try:
                return signal.Signals(self.signal).name
            except ValueError:
                return f"signal {self.signal}"
        return f"exit {self.code}"


def status_words(status: Status, exit_status: ExitStatus | None = None) -> str:
    """The words a user reads for a pane's state.

    ``attached``, ``detached``, ``dead (exit 3)``, ``dead (SIGKILL)``, ``dead``,
    ``unreachable`` or ``checking…``. The exit status only shows on a dead pane.
    """
    if status is Status.DEAD:
        return f"dead ({exit_status.describe()})" if exit_status is not None else "dead"
    if status is Status.CHECKING:
        return "checking…"
    return status.value


def validate_name(name: str) -> str:
    """Return ``name`` if it is a valid pane name, else raise :class:`BadNameError`.

    The message says which rule was broken, so it can be shown as is.
    """
    from chloe.errors import BadNameError

    if not isinstance(name, str):
        raise BadNameError("a pane name must be text")
    if not name:
        raise BadNameError("a pane name cannot be empty")
    if len(name) > NAME_MAX:
        raise BadNameError(
            f"a pane name is at most {NAME_MAX} characters (this one has {len(name)})"
        )
    for ch in name:
        if ch in FORBIDDEN_NAME_CHARS:
            raise BadNameError(
                f"a pane name cannot contain {ch!r} (tmux uses '.' and ':' in its targets)"
            )
        if not ch.isprintable():
            raise BadNameError(
                f"a pane name cannot contain control or invisible characters (found {ch!r})"
            )
    if name != name.strip():
        raise BadNameError("a pane name cannot start or end with a space")
    return name


LOCAL_HOST = "local"
"""The machine chloe runs on: the implicit host of every pane without another."""

HOST_NAME_MAX = 32
_HOST_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{HOST_NAME_MAX - 1}}}")


def validate_host_name(name: object) -> str:
    """Return ``name`` if it can name a host, else raise :class:`BadRecordError`.

    1 to :data:`HOST_NAME_MAX` ASCII letters, digits, ``-`` and ``_``, starting
    with a letter or digit: a host's name appears in file names (its ssh
    control socket) and on the command line (``--host NAME``).
    """
    from chloe.errors import BadRecordError

    if not isinstance(name, str) or not _HOST_PATTERN.fullmatch(name):
        raise BadRecordError(
            f"a host name is 1 to {HOST_NAME_MAX} ASCII letters, digits, '-' or '_' "
            f"(starting with a letter or digit), not {name!r}"
        )
    return name


ID_MAX = 64
"""Longest pane id, in characters (chloe's own ids are 32)."""

_ID_PATTERN = re.compile(rf"[0-9A-Za-z_-]{{1,{ID_MAX}}}")


def validate_id(pane_id: object) -> str:
    """Return ``pane_id`` if it has the shape of a pane id, else raise :class:`BadRecordError`.

    chloe writes 32 hex digits (:func:`new_id`); any 1 to :data:`ID_MAX` ASCII
    letters, digits, ``-`` and ``_`` are accepted. An id names files (the
    liveness lock ``live/<id>.lock``), so it can never hold a ``/``, a ``.``
    or anything else that would make a path leave chloe's directories.
    """
    from chloe.errors import BadRecordError

    if not isinstance(pane_id, str) or not _ID_PATTERN.fullmatch(pane_id):
        raise BadRecordError(
            f"a pane id is 1 to {ID_MAX} ASCII letters, digits, '-' or '_' "
            f"(chloe writes 32 hex digits), not {pane_id!r}"
        )
    return pane_id


def _check_utf8(text: str, what: str) -> None:
    from chloe.errors import BadRecordError

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise BadRecordError(
            f"the {what} '{shown}' is not UTF-8 text (it holds bytes that are not "
            "characters), so chloe cannot store it"
        ) from None


def _check_time(label: str, when: object) -> None:
    from chloe.errors import BadRecordError

    if not isinstance(when, datetime) or when.utcoffset() is None:
        raise BadRecordError(
            f"a pane's {label!r} time must be a timezone-aware datetime "
            f"(use chloe.model.utcnow()), not {when!r}"
        )
    try:
        when.astimezone(UTC)
    except OverflowError:
        raise BadRecordError(
            f"a pane's {label!r} time {when.isoformat()} is out of range "
            "(in UTC it falls before year 1 or after year 9999)"
        ) from None


def new_id() -> str:
    """A fresh stable pane id (a uuid4, as a 32-character hex string)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time, timezone-aware, to the second (what the store keeps)."""
    return datetime.now(UTC).replace(microsecond=0)


def session_name_for(pane_id: str) -> str:
    """The tmux session name for a pane: ``chloe-`` and 8 hex digits of its id."""
    return f"chloe-{pane_id[:8]}"


@dataclass(frozen=True, slots=True)
class PaneRecord:
    """What chloe remembers about one pane between runs.

    Attributes:
        id: Stable identifier; never changes, even on rename.
        name: Display name, unique among panes (see :func:`validate_name`).
        kind: Direct pty or tmux session.
        cwd: Working directory the command starts in.
        command: argv to run; empty means the user's shell.
        created: When the pane was created (UTC).
        tmux_session: The tmux session name, for tmux panes.
        user_state: Whether the user left it attached or detached.
        exit_status: The last known way its process ended, if it did.
        ended: When the process was last seen ending, if known.
        started: When the current run started (a respawn starts a new run);
            None in records written before chloe kept it.
        resume: What to run instead of ``command`` when a lost pane is restored
            (e.g. ``claude --continue``); empty: run ``command`` again.
        lost: Set when the pane's tmux server was found gone while the pane ran
            (a reboot, the server killed): when the server was last seen running.
            Cleared when the pane runs again.
        host: The machine its tmux session runs on: :data:`LOCAL_HOST`, or the
            name of a ``[[hosts]]`` entry of the config (tmux panes only).
    """

    id: str
    name: str
    kind: Kind
    cwd: str
    command: tuple[str, ...] = ()
    created: datetime = field(default_factory=utcnow)
    tmux_session: str | None = None
    user_state: UserState = UserState.ATTACHED
    exit_status: ExitStatus | None = None
    ended: datetime | None = None
    started: datetime | None = None
    resume: tuple[str, ...] = ()
    lost: datetime | None = None
    host: str = LOCAL_HOST

    def __post_init__(self) -> None:
        # Everything accepted here must be storable and load back equal: a record
        # the store could write but not read would make the whole file "corrupt".
        validate_id(self.id)
        validate_name(self.name)
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "user_state", UserState(self.user_state))
        object.__setattr__(self, "command", tuple(self.command))
        if not isinstance(self.cwd, str):
            raise ValueError(f"a pane's working directory is text, not {self.cwd!r}")
        if not all(isinstance(arg, str) for arg in self.command):
            raise ValueError(f"a pane's command is a list of strings, not {self.command!r}")
        if self.tmux_session is not None and not isinstance(self.tmux_session, str):
            raise ValueError(f"a tmux session name is text, not {self.tmux_session!r}")
        _check_utf8(self.cwd, "working directory")
        for arg in self.command:
            _check_utf8(arg, "command argument")
        object.__setattr__(self, "resume", tuple(self.resume))
        if not all(isinstance(arg, str) for arg in self.resume):
            raise ValueError(f"a pane's resume command is a list of strings, not {self.resume!r}")
        for arg in self.resume:
            _check_utf8(arg, "resume command argument")
        _check_utf8(self.tmux_session or "", "tmux session name")
        _check_time("created", self.created)
        if self.ended is not None:
            _check_time("ended", self.ended)
        if self.started is not None:
            _check_time("started", self.started)
        if self.lost is not None:
            _check_time("lost", self.lost)
        if self.exit_status is not None and not isinstance(self.exit_status, ExitStatus):
            raise ValueError(f"exit_status must be an ExitStatus, not {self.exit_status!r}")
        if self.kind is Kind.TMUX and not self.tmux_session:
            raise ValueError("a tmux pane needs a tmux session name")
        validate_host_name(self.host)
        if self.kind is Kind.DIRECT and self.host != LOCAL_HOST:
            raise ValueError("a direct pane runs on this machine; only tmux panes have a host")

    @property
    def remote(self) -> bool:
        """The pane's session runs on another machine (reached over ssh)."""
        return self.host != LOCAL_HOST

    @classmethod
    def new(
        cls,
        name: str,
        kind: Kind,
        cwd: str,
        command: tuple[str, ...] | list[str] = (),
        *,
        pane_id: str | None = None,
        host: str = LOCAL_HOST,
    ) -> PaneRecord:
        """Create a record for a pane about to be started."""
        pid = pane_id or new_id()
        now = utcnow()
        return cls(
            id=pid,
            name=name,
            kind=kind,
            cwd=cwd,
            command=tuple(command),
            created=now,
            tmux_session=session_name_for(pid) if kind is Kind.TMUX else None,
            started=now,
            host=host,
        )

    def replace(self, **changes: object) -> PaneRecord:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def unique_name(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base`` if free, else ``base-2``, ``base-3``… (kept within the length limit)."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: NAME_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def find_record(records: Sequence[PaneRecord], name_or_id: str) -> PaneRecord:
    """The record with this name (or id). Raises UnknownPaneError (PaneStateError when
    the text is one pane's name and another's id)."""
    from chloe.errors import PaneStateError, UnknownPaneError

    named = next((r for r in records if r.name == name_or_id), None)
    with_id = next((r for r in records if r.id == name_or_id), None)
    if named is not None and with_id is not None and named.id != with_id.id:
        raise PaneStateError(
            f"{name_or_id!r} is the name of one pane and the id of another "
            f"({with_id.name!r}); rename the first to tell them apart"
        )
    found = named or with_id
    if found is None:
        raise UnknownPaneError(name_or_id)
    return found
