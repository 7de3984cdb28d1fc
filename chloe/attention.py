"""Which pane needs you: a pane's attention state, derived from facts only.

No I/O and no Textual. The facts are what tmux, the kernel and the event file
(:mod:`chloe.events`) report: whether the process ended and how, when its run
started and ended, when it last wrote output, the latest mark an event left
(a bell, a desktop notification, ``chloe notify``) and when the user last
looked at the pane. Nothing here guesses from screen text.

States, most urgent first (:data:`ORDER`):

* **failed** / **done** — the process ended, with a non-zero exit or a signal /
  with exit 0 (a live pane can also be marked done, by ``chloe notify --done``);
* **needs you** — a bell, a desktop notification or ``chloe notify
  --needs-you`` since the user last looked;
* **working** — output within the last ``working_seconds`` (or ``chloe notify
  --working``);
* **new output** — output since the user last looked, not recent enough to be
  working, not old enough to be quiet;
* **quiet** — it wrote output once and nothing for ``quiet_seconds``;
* **idle** — nothing to say.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from chloe.model import ExitStatus

DEFAULT_WORKING_SECONDS = 5.0
"""Output this recent makes a pane *working*."""

DEFAULT_QUIET_SECONDS = 60.0
"""A pane silent this long after writing output is *quiet*."""


class Attention(enum.StrEnum):
    """A pane's attention state (beside its status: attached, detached, dead)."""

    NEEDS_YOU = "needs you"
    FAILED = "failed"
    DONE = "done"
    WORKING = "working"
    NEW_OUTPUT = "new output"
    QUIET = "quiet"
    IDLE = "idle"


ORDER: tuple[Attention, ...] = (
    Attention.NEEDS_YOU,
    Attention.FAILED,
    Attention.DONE,
    Attention.WORKING,
    Attention.NEW_OUTPUT,
    Attention.QUIET,
    Attention.IDLE,
)
"""States from most to least urgent: the summary line and "jump to next" use it."""

JUMP_ORDER: tuple[Attention, ...] = (Attention.NEEDS_YOU, Attention.FAILED, Attention.DONE)
"""The states the "next pane that needs you" key visits, in this order."""


class MarkKind(enum.StrEnum):
    """What an event said about a pane."""

    NEEDS_YOU = "needs-you"
    DONE = "done"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class Mark:
    """The latest thing an event said about a pane.

    Attributes:
        kind: needs you, done or working.
        at: When it happened.
        message: What the program said (a notification's text), if anything.
        source: ``bell``, ``osc9``, ``osc777``, ``osc99`` or ``notify``.
    """

    kind: MarkKind
    at: datetime
    message: str = ""
    source: str = "notify"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one pane right now.

    Attributes:
        alive: The process runs (False: it ended, or the pane is gone).
        exit_status: How it ended, when it did and that is known.
        started: When the current run started.
        ended: When it ended.
        last_output: When it last wrote output, if known.
        seen: When the user last looked at it (None: not since chloe knows it).
        mark: The latest mark from an event (see :class:`Mark`).
        lost: It was running when its tmux server went away (a reboot, the server
            killed): it ended with no exit status.
    """

    alive: bool
    exit_status: ExitStatus | None = None
    started: datetime | None = None
    ended: datetime | None = None
    last_output: datetime | None = None
    seen: datetime | None = None
    mark: Mark | None = None
    lost: bool = False


@dataclass(frozen=True, slots=True)
class AttentionInfo:
    """A pane's attention state with its time and words.

    Attributes:
        state: The state.
        since: When it became so (the event, the end, the last output), if known.
        message: The program's own words (needs you, done), if any.
        exit_status: How it ended (failed, done).
        ran_for: How long the run lasted, for ended panes, when known.
        lost: It ended because its tmux server went away (failed, no exit status).
    """

    state: Attention
    since: datetime | None = None
    message: str = ""
    exit_status: ExitStatus | None = None
    ran_for: float | None = None
    lost: bool = False

    def describe(self, now: datetime) -> str:
        """Short words: ``needs you since 10m: approve?``, ``exit 2 after 3h 12m``…"""
        ago = f" {format_duration(_seconds(self.since, now))} ago" if self.since else ""
        if self.lost:
            text = "lost with its tmux server"
            if self.ran_for is not None:
                text += f" after {format_duration(self.ran_for)}"
            return text + ("," + ago if ago else "")
        if self.state in (Attention.FAILED, Attention.DONE) and self.exit_status is not None:
            text = self.exit_status.describe()
            if self.ran_for is not None:
                text += f" after {format_duration(self.ran_for)}"
            return text + ("," + ago if ago else "")
        if self.state is Attention.NEEDS_YOU:
            since = f" since {format_duration(_seconds(self.since, now))}" if self.since else ""
            return f"needs you{since}" + (f": {self.message}" if self.message else "")
        if self.state is Attention.QUIET:
            return (
                f"quiet for {format_duration(_seconds(self.since, now))}" if self.since else "quiet"
            )
        if self.state is Attention.IDLE:
            return ""
        text = self.state.value + ago
        return text + (f": {self.message}" if self.message else "")

    def short(self, now: datetime) -> str:
        """A few words for a narrow list: ``needs you 3m: approve?``, ``failed after 2h 5m``,
        ``quiet 5m`` (a needs-you's message last, where a narrow list cuts it)."""
        if self.state is Attention.IDLE:
            return ""
        if self.state is Attention.NEEDS_YOU and self.message:
            return f"{replace(self, message='').short(now)}: {self.message}"
        if self.state in (Attention.FAILED, Attention.DONE):
            word = "lost" if self.lost else self.state.value
            if self.ran_for is not None:
                return f"{word} after {format_duration(self.ran_for)}"
            return word
        if self.state in (Attention.NEEDS_YOU, Attention.QUIET) and self.since is not None:
            return f"{self.state.value} {format_duration(_seconds(self.since, now))}"
        return self.state.value

    def words(self, now: datetime) -> str:
        """The state named, with its details: ``failed (exit 3 after 2s, 5m ago)``."""
        text = self.describe(now)
        if self.lost or (
            self.state in (Attention.FAILED, Attention.DONE) and self.exit_status is not None
        ):
            return f"{self.state.value} ({text})"
        if self.state is Attention.FAILED:
            return "failed (ended, status unknown)"
        return text


def _seconds(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def format_duration(seconds: float) -> str:
    """``12s``, ``5m``, ``3h 12m``, ``2d 4h``: two units at most."""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def derive(
    facts: Facts,
    now: datetime,
    *,
    working_seconds: float = DEFAULT_WORKING_SECONDS,
    quiet_seconds: float = DEFAULT_QUIET_SECONDS,
) -> AttentionInfo:
    """The attention state the facts show at ``now`` (see the module's docstring)."""
    seen = facts.seen
    mark = facts.mark
    if not facts.alive:
        status = facts.exit_status
        ran_for = None
        if facts.started is not None and facts.ended is not None:
            ran_for = max(0.0, (facts.ended - facts.started).total_seconds())
        failed = status is not None and (status.signal is not None or status.code != 0)
        if status is None:
            # Gone without a known status (session killed, or tmux lost it): that is
            # not a success; say it ended, as failed, with no exit words.
            failed = True
        return AttentionInfo(
            Attention.FAILED if failed else Attention.DONE,
            since=facts.ended,
            exit_status=status,
            ran_for=ran_for,
            lost=facts.lost and status is None,
        )
    output = facts.last_output
    if mark is not None:
        if mark.kind is MarkKind.NEEDS_YOU and (seen is None or mark.at > seen):
            return AttentionInfo(Attention.NEEDS_YOU, since=mark.at, message=mark.message)
        # A done or working mark holds until the pane writes output after it.
        quiet_after = output is None or output <= mark.at
        if mark.kind is MarkKind.DONE and quiet_after:
            return AttentionInfo(Attention.DONE, since=mark.at, message=mark.message)
        if mark.kind is MarkKind.WORKING and quiet_after:
            return AttentionInfo(Attention.WORKING, since=mark.at, message=mark.message)
    if output is None:
        return AttentionInfo(Attention.IDLE)
    silent = _seconds(output, now)
    if silent < working_seconds:
        return AttentionInfo(Attention.WORKING, since=output)
    if silent >= quiet_seconds:
        return AttentionInfo(Attention.QUIET, since=output)
    if seen is None or output > seen:
        return AttentionInfo(Attention.NEW_OUTPUT, since=output)
    return AttentionInfo(Attention.IDLE, since=output)


def summary(states: list[Attention]) -> str:
    """``2 need you · 1 failed · 3 working`` (the states worth counting, most urgent first)."""
    counted = (
        Attention.NEEDS_YOU,
        Attention.FAILED,
        Attention.DONE,
        Attention.WORKING,
        Attention.NEW_OUTPUT,
        Attention.QUIET,
    )
    parts: list[str] = []
    for state in counted:
        n = states.count(state)
        if not n:
            continue
        if state is Attention.NEEDS_YOU:
            parts.append(f"{n} need{'s' if n == 1 else ''} you")
        else:
            parts.append(f"{n} {state.value}")
    return " · ".join(parts) if parts else "nothing needs you"


def next_to_visit(states: list[Attention], current: int | None) -> int | None:
    """The index of the next pane to look at, after ``current``: needs you, then failed, then done.

    Wraps around the list; None if no pane is in one of :data:`JUMP_ORDER`.
    """
    n = len(states)
    start = -1 if current is None else current
    for wanted in JUMP_ORDER:
        for step in range(1, n + 1):
            i = (start + step) % n
            if states[i] is wanted:
                return i
    return None
