"""Each listed pane's attention state, from its slot and the event file (no Textual).

The facts: the slot's status (tmux or the kernel), its record's run times,
tmux's window activity (tmux panes) or the pty's last output (direct panes,
read by this chloe), the latest mark in the event file or seen here (a bell,
a desktop notification, ``chloe notify``), and when the user last looked.
The pane being shown is being looked at, so it never needs you; a mark this
chloe saw itself (in a hidden direct pane) holds until the pane is looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from chloe.attention import Attention, AttentionInfo, Facts, derive
from chloe.events import PaneEvents
from chloe.model import Status
from chloe.ui.panes import PaneSlot

GLYPHS: dict[Attention, tuple[str, str]] = {
    Attention.NEEDS_YOU: ("!", "$warning"),
    Attention.FAILED: ("✗", "$error"),
    Attention.DONE: ("✓", "$success"),
    Attention.WORKING: ("⋯", "$accent"),
    Attention.NEW_OUTPUT: ("•", "$accent"),
    Attention.QUIET: ("…", "$text-muted"),
    Attention.IDLE: ("", ""),
}
"""Attention state -> (glyph, theme colour); one entry for every state."""


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def slot_attention(
    slot: PaneSlot,
    marks: Mapping[str, PaneEvents],
    now: datetime,
    *,
    shown: bool,
    working_seconds: float,
    quiet_seconds: float,
) -> AttentionInfo:
    """The slot's attention state at ``now`` (``shown``: the user is looking at it)."""
    status, exit_status = slot.state
    if status is Status.CHECKING:
        return AttentionInfo(Attention.IDLE)
    pane = marks.get(slot.pane_id) or PaneEvents()
    record = slot.record
    output = slot.last_output()
    ended = record.ended or record.lost  # a lost pane stopped when its server went
    gone = status in (Status.DEAD, Status.LOST)
    local = slot.mark
    if local is not None and not shown and not gone:
        # Seen by this chloe while the pane was hidden, and not looked at since.
        return AttentionInfo(Attention.NEEDS_YOU, since=local.at, message=local.message)
    facts = Facts(
        alive=not gone,
        exit_status=exit_status,
        started=record.started,
        ended=ended,
        last_output=output,
        seen=now if shown else _later(slot.seen_at, pane.seen),
        mark=pane.mark,
        lost=status is Status.LOST,
    )
    return derive(facts, now, working_seconds=working_seconds, quiet_seconds=quiet_seconds)
