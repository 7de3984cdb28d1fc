"""What background work tells the App: typed messages, handled on the event loop.

Blocking work (store, tmux, spawning) runs in threads; a thread never touches
the App's state. It posts one of these, and the App's ``@on(...)`` handler
applies it on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message
from textual.notifications import SeverityLevel

from chloe.backends.base import PaneProcess
from chloe.model import PaneRecord
from chloe.service import PaneInfo, Restored
from chloe.terminal import Terminal


class StoreLoaded(Message):
    """The stored pane list, read at start (``error`` says why it could not be)."""

    def __init__(self, records: Sequence[PaneRecord], error: str | None = None) -> None:
        super().__init__()
        self.records = list(records)
        self.error = error


class StatusAnswered(Message):
    """Every pane's status, from a query asked at ``started`` (monotonic).

    ``startup`` marks the first answer, after which panes left attached are reattached.
    """

    def __init__(self, infos: Sequence[PaneInfo], started: float, *, startup: bool) -> None:
        super().__init__()
        self.infos = list(infos)
        self.started = started
        self.startup = startup


class StatusFailed(Message):
    """The status query failed (``startup``: the first one)."""

    def __init__(self, error: str, *, startup: bool) -> None:
        super().__init__()
        self.error = error
        self.startup = startup


class PaneStarted(Message):
    """A process to show and read: a new direct pane, or a tmux client.

    ``focus``: the user asked for it (select it and type into it).
    """

    def __init__(self, record: PaneRecord, process: PaneProcess, *, focus: bool) -> None:
        super().__init__()
        self.record = record
        self.process = process
        self.focus = focus


class RecordChanged(Message):
    """The store holds a newer record of a pane (``poll``: ask for status now;
    ``focus``: give the shown pane the keyboard, as after a respawn)."""

    def __init__(self, record: PaneRecord, *, poll: bool = False, focus: bool = False) -> None:
        super().__init__()
        self.record = record
        self.poll = poll
        self.focus = focus


class RecordsRestored(Message):
    """Records of running panes that had vanished from the file, written back.

    ``error`` says why they could not be (then ``records`` is empty).
    """

    def __init__(self, records: Sequence[PaneRecord], error: str | None = None) -> None:
        super().__init__()
        self.records = list(records)
        self.error = error


class PaneClosed(Message):
    """A pane was forgotten; ``hint`` says how to reach a session still running."""

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.hint = hint


class LostRestored(Message):
    """What restoring lost panes did (:meth:`PaneService.restore_lost`), and the
    restored records the user had left attached (to attach again)."""

    def __init__(self, results: Sequence[Restored], attach: Sequence[PaneRecord]) -> None:
        super().__init__()
        self.results = list(results)
        self.attach = list(attach)


class StatusWanted(Message):
    """Something changed: ask for every pane's status now."""


class PreviewCaptured(Message):
    """A detached tmux pane's screen, captured at ``columns`` x ``rows`` (None: gone)."""

    def __init__(self, pane_id: str, text: str | None, columns: int, rows: int) -> None:
        super().__init__()
        self.pane_id = pane_id
        self.text = text
        self.columns = columns
        self.rows = rows


class Problem(Message):
    """Something went wrong in the background: one line for the user."""

    def __init__(
        self,
        title: str,
        text: str,
        *,
        severity: SeverityLevel = "error",
        timeout: float | None = None,
    ) -> None:
        super().__init__()
        self.title = title
        self.text = text
        self.severity = severity
        self.timeout = timeout


class HistoryLoaded(Message):
    """A tmux pane's history, ready to browse (None: its program keeps the browse key).

    ``partial``: only its newest pages; the whole history follows (with no key).
    """

    def __init__(
        self, pane_id: str, key: str, history: Terminal | None, *, partial: bool = False
    ) -> None:
        super().__init__()
        self.pane_id = pane_id
        self.key = key
        self.history = history
        self.partial = partial
