"""The TUI's pane table: one slot per listed pane, and the rules that keep it true.

No Textual here (an import-linter contract): the table is plain data and rules,
tested without running the App.

* A **slot** is chloe's run-time state of one pane: its record, the latest
  status answer, the live process and emulator, the preview, activity marks.
* A status answer (:meth:`PaneTable.reconcile`) is one worker's view of the
  world when it *started*: panes created here after it started are kept, panes
  removed here after it started stay removed, and a direct pane this chloe runs
  is never dropped because the answer did not list it (the file may have been
  deleted or corrupted); the App writes such records back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chloe.attention import Mark
from chloe.backends.base import PaneProcess
from chloe.model import ExitStatus, Kind, PaneRecord, Status, status_words
from chloe.service import PaneInfo
from chloe.terminal import Terminal

NEW_OUTPUT = "new output"
"""The activity mark of a hidden pane whose screen changed."""

BELL = "bell"
"""The activity mark of a hidden pane that rang the bell."""


@dataclass(slots=True)
class PaneSlot:
    """Run-time state of one listed pane (the record is the store's, the rest is chloe's).

    Attributes:
        record: What the store knows about the pane.
        info: The latest status from :meth:`PaneService.panes` (None before the first answer).
        terminal: The pane's emulator, fed even while it is not shown; kept after it dies.
        process: The live pty process (direct child or embedded tmux client).
        preview: A detached pane's last captured screen.
        exit_status: How a direct pane ended during this run.
        pty_size: The size the pty was last set to.
        activity: :data:`NEW_OUTPUT` or :data:`BELL` while the pane is not shown.
        bells: Bells already seen.
        maybe_active: Output arrived while hidden; the next tick compares screens.
        seen_screen: A hash of the screen when the pane was last shown.
        quiet_until: Until then, output is the first draw after attaching, not news.
        born: When this slot was created (monotonic), to ignore older status answers.
        output_at: When a direct pane last wrote output (tmux panes: tmux says).
        mark: The latest bell or desktop notification this chloe saw in a direct pane.
        seen_at: When the user last looked at the pane in this chloe.
        redraw_until: Until then, a tmux pane's output is its program redrawing for the
            client chloe just attached or resized (SIGWINCH), not news.
        output_before: A tmux pane's last output before that redraw.
    """

    record: PaneRecord
    info: PaneInfo | None = None
    terminal: Terminal | None = None
    process: PaneProcess | None = None
    preview: Terminal | None = None
    exit_status: ExitStatus | None = None
    pty_size: tuple[int, int] | None = None
    activity: str | None = None
    bells: int = 0
    maybe_active: bool = False
    seen_screen: int | None = None
    quiet_until: float = 0.0
    born: float = field(default_factory=time.monotonic)
    output_at: datetime | None = None
    mark: Mark | None = None
    seen_at: datetime | None = None
    redraw_until: datetime | None = None
    output_before: datetime | None = None

    @property
    def pane_id(self) -> str:
        """The pane's stable id."""
        return self.record.id

    @property
    def is_tmux(self) -> bool:
        """A tmux pane."""
        return self.record.kind is Kind.TMUX

    @property
    def state(self) -> tuple[Status, ExitStatus | None]:
        """The pane's status and, when dead, how it ended (``CHECKING`` before any answer)."""
        if not self.is_tmux:
            if self.process is not None:
                return Status.ATTACHED, None
            if self.exit_status is not None:
                return Status.DEAD, self.exit_status
            if self.info is None:
                return Status.CHECKING, None
            if self.info.status is Status.ATTACHED:
                return Status.ATTACHED, None  # running in another chloe
            return Status.DEAD, self.record.exit_status
        if self.info is None:
            return Status.CHECKING, None
        return self.info.status, self.info.exit_status

    @property
    def status(self) -> Status:
        """See :attr:`state`."""
        return self.state[0]

    @property
    def label(self) -> str:
        """The status in words: ``attached``, ``detached``, ``dead (exit 3)``, ``checking…``."""
        return status_words(*self.state)

    @property
    def dead(self) -> bool:
        """The pane's process has ended, or its session is gone (lost with its server):
        nothing runs, and respawning starts it again."""
        return self.status in (Status.DEAD, Status.LOST)

    @property
    def elsewhere(self) -> bool:
        """A direct pane that another chloe process runs (its screen is there, not here)."""
        return (
            not self.is_tmux
            and self.process is None
            and self.exit_status is None
            and self.info is not None
            and self.info.status is Status.ATTACHED
        )

    @property
    def runs_here(self) -> bool:
        """A direct pane whose program this chloe runs right now."""
        return not self.is_tmux and self.process is not None

    def expect_redraw(self, now: datetime, grace: float) -> None:
        """chloe attached or resized this tmux pane's client: its program redraws
        (a new size is a SIGWINCH), which is output but nothing new to the user."""
        if self.redraw_until is None or now > self.redraw_until:
            self.output_before = self.info.last_output if self.info is not None else None
        self.redraw_until = now + timedelta(seconds=grace)

    def last_output(self) -> datetime | None:
        """When the pane last wrote output that may be news (tmux: tmux says; direct: the pty).

        A tmux pane's redraw for chloe's own client (:meth:`expect_redraw`) is not counted.
        """
        if not self.is_tmux:
            return self.output_at
        output = self.info.last_output if self.info is not None else None
        until, before = self.redraw_until, self.output_before
        redrawn = output is not None and until is not None and output <= until
        if redrawn and (before is None or (output is not None and output > before)):
            return before
        return output

    def screen_hash(self) -> int | None:
        """A hash of what the pane's emulator shows (None without one)."""
        return None if self.terminal is None else hash(tuple(self.terminal.display))


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What one status answer changed in the table.

    Attributes:
        dropped: Slots the answer did not list, now gone from the table; any live
            process in them is the caller's to stop (tmux clients of sessions
            released elsewhere).
        kept: Direct panes running here that the answer did not list (their
            record vanished from the file): still listed, records to write back.
    """

    dropped: list[PaneSlot] = field(default_factory=list)
    kept: list[PaneSlot] = field(default_factory=list)


class PaneTable:
    """Every listed pane, in list order, with the rules for changing the list."""

    def __init__(self) -> None:
        self._slots: dict[str, PaneSlot] = {}
        self._removed: dict[str, float] = {}

    # -- reading ----------------------------------------------------------------------

    def __iter__(self) -> Iterator[PaneSlot]:
        return iter(list(self._slots.values()))

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, pane_id: object) -> bool:
        return pane_id in self._slots

    def get(self, pane_id: str | None) -> PaneSlot | None:
        """The slot of this pane id, if listed."""
        return self._slots.get(pane_id) if pane_id is not None else None

    def by_name(self, name: str) -> PaneSlot | None:
        """The slot of the pane called ``name``, if listed."""
        return next((s for s in self._slots.values() if s.record.name == name), None)

    def names(self) -> list[str]:
        """Every listed pane's name, in list order."""
        return [s.record.name for s in self._slots.values()]

    def live_direct(self) -> dict[str, PaneProcess]:
        """Direct panes this chloe runs: pane id -> process (for the status query)."""
        return {s.pane_id: s.process for s in self._slots.values() if s.runs_here and s.process}

    def running_direct(self) -> list[PaneSlot]:
        """Direct panes whose program ends if this chloe quits."""
        return [s for s in self._slots.values() if s.runs_here]

    def processes(self) -> list[tuple[PaneSlot, PaneProcess]]:
        """Every slot with a live process."""
        return [(s, s.process) for s in self._slots.values() if s.process is not None]

    # -- changing ---------------------------------------------------------------------

    def load(self, records: Iterable[PaneRecord]) -> None:
        """List stored records not listed yet (their status is not known: checking)."""
        for record in records:
            if record.id not in self._slots and record.id not in self._removed:
                self._slots[record.id] = PaneSlot(record)

    def add(self, record: PaneRecord) -> PaneSlot:
        """The slot for ``record`` (made if new); a pane started or attached here."""
        self._removed.pop(record.id, None)
        slot = self._slots.get(record.id)
        if slot is None:
            slot = self._slots[record.id] = PaneSlot(record)
        slot.record = record
        return slot

    def remove(self, pane_id: str) -> PaneSlot | None:
        """Drop the pane; status answers that started before now will not bring it back."""
        self._removed[pane_id] = time.monotonic()
        return self._slots.pop(pane_id, None)

    def update_record(self, record: PaneRecord) -> bool:
        """Take a newer record of a listed pane; False if it is not listed."""
        slot = self._slots.get(record.id)
        if slot is None:
            return False
        slot.record = record
        return True

    def reconcile(self, infos: Iterable[PaneInfo], started: float) -> Reconciled:
        """Make the table match one status answer, asked at ``started`` (monotonic).

        Panes removed here after the answer was asked for stay removed; panes
        created here after it are kept; a direct pane running here is kept
        whatever the answer says (see :class:`Reconciled`): a file that changed
        never ends a program. Everything else the answer did not list is dropped.
        """
        seen: dict[str, PaneSlot] = {}
        for info in infos:
            pane_id = info.record.id
            if self._removed.get(pane_id, 0.0) > started:
                continue
            slot = self._slots.get(pane_id) or PaneSlot(info.record)
            slot.info = info
            slot.record = info.record
            seen[pane_id] = slot
        result = Reconciled()
        for pane_id, slot in self._slots.items():
            if pane_id in seen:
                continue
            if slot.born > started:
                seen[pane_id] = slot
            elif slot.runs_here:
                seen[pane_id] = slot
                result.kept.append(slot)
            else:
                result.dropped.append(slot)
        self._slots = seen
        return result

    # -- activity ---------------------------------------------------------------------

    def note_hidden_output(self, slot: PaneSlot) -> bool:
        """Output arrived in a pane that is not shown; True if its mark changed now.

        A new bell marks it at once; other output is only a candidate, checked by
        :meth:`check_activity` against the screen last seen (tmux redraws every
        client now and then, which is output but nothing new).
        """
        terminal = slot.terminal
        if terminal is not None and terminal.bell_count > slot.bells:
            slot.bells = terminal.bell_count
            if slot.activity != BELL:
                slot.activity = BELL
                return True
        elif slot.activity is None:
            slot.maybe_active = True
        return False

    def check_activity(self, shown: str | None, now: float) -> bool:
        """Mark hidden panes whose screen changed since last seen; True if any mark changed."""
        changed = False
        for slot in self._slots.values():
            if not slot.maybe_active or slot.pane_id == shown or slot.terminal is None:
                continue
            slot.maybe_active = False
            screen = slot.screen_hash()
            if slot.seen_screen is None or now < slot.quiet_until:
                slot.seen_screen = screen  # its first draw after attaching
            elif screen != slot.seen_screen:
                slot.activity = NEW_OUTPUT
                changed = True
        return changed

    def hidden(self, slot: PaneSlot) -> None:
        """The pane stops being shown: remember its screen, to spot news later."""
        if slot.terminal is not None:
            slot.seen_screen = slot.screen_hash()
            slot.maybe_active = False
