"""The pane table's rules, without running the App."""

from __future__ import annotations

import time

from chloe.backends.fake import FakeProcess
from chloe.model import ExitStatus, Kind, PaneRecord, Status
from chloe.service import PaneInfo
from chloe.terminal import Terminal
from chloe.ui.panes import BELL, NEW_OUTPUT, PaneSlot, PaneTable


def tmux_record(name: str) -> PaneRecord:
    return PaneRecord.new(name, Kind.TMUX, "/")


def direct_record(name: str) -> PaneRecord:
    return PaneRecord.new(name, Kind.DIRECT, "/")


def test_stored_panes_are_checking_until_an_answer() -> None:
    """Panes loaded from the file are listed, in order, with nothing known yet."""
    table = PaneTable()
    table.load([tmux_record("a"), direct_record("b")])
    assert table.names() == ["a", "b"]
    assert [s.status for s in table] == [Status.CHECKING, Status.CHECKING]
    assert [s.label for s in table] == ["checking…", "checking…"]


def test_answer_sets_status_and_drops_unlisted_panes() -> None:
    """An answer labels the panes it lists and drops those it does not (nothing runs here)."""
    table = PaneTable()
    a, gone = tmux_record("a"), tmux_record("gone")
    table.load([a, gone])
    started = time.monotonic()
    result = table.reconcile([PaneInfo(a, Status.DETACHED)], started)
    assert table.names() == ["a"]
    assert [s.record.name for s in result.dropped] == ["gone"]
    assert table.by_name("a").label == "detached"  # type: ignore[union-attr]


def test_answer_asked_before_a_create_keeps_the_new_pane() -> None:
    """A pane created here after the query started is kept though the answer lacks it."""
    table = PaneTable()
    started = time.monotonic()
    time.sleep(0.001)
    table.add(direct_record("new"))
    result = table.reconcile([], started)
    assert table.names() == ["new"] and result.dropped == []


def test_answer_asked_before_a_close_does_not_bring_it_back() -> None:
    """A pane closed here after the query started stays closed."""
    table = PaneTable()
    rec = tmux_record("a")
    table.load([rec])
    started = time.monotonic()
    time.sleep(0.001)
    assert table.remove(rec.id) is not None
    table.reconcile([PaneInfo(rec, Status.DETACHED)], started)
    assert table.names() == []
    # A later answer that still lists it (another process re-adopted it) shows it again.
    table.reconcile([PaneInfo(rec, Status.DETACHED)], time.monotonic())
    assert table.names() == ["a"]


def test_direct_pane_words() -> None:
    """A direct pane is attached while its process runs here, dead with its status after."""
    slot = PaneSlot(direct_record("d"))
    assert slot.label == "checking…"
    slot.process = FakeProcess()
    assert slot.label == "attached" and slot.runs_here
    slot.process = None
    slot.exit_status = ExitStatus(code=3)
    assert slot.label == "dead (exit 3)" and slot.dead
    other = PaneSlot(direct_record("e"))
    other.info = PaneInfo(other.record, Status.ATTACHED)
    assert other.label == "attached" and not other.runs_here  # running in another chloe


def test_live_direct_and_running_direct() -> None:
    """Only direct panes with a process here count as live (tmux clients do not)."""
    table = PaneTable()
    d = table.add(direct_record("d"))
    t = table.add(tmux_record("t"))
    d.process, t.process = FakeProcess(), FakeProcess()
    assert list(table.live_direct()) == [d.pane_id]
    assert table.running_direct() == [d]


def test_bell_marks_at_once_output_only_when_the_screen_changed() -> None:
    """A hidden pane's bell marks it now; output marks it only if its screen changed."""
    table = PaneTable()
    slot = table.add(direct_record("d"))
    slot.terminal = Terminal(20, 3, scrollback=0)
    table.hidden(slot)
    slot.terminal.feed(b"\x07")
    assert table.note_hidden_output(slot) and slot.activity == BELL

    quiet = table.add(direct_record("q"))
    quiet.terminal = Terminal(20, 3, scrollback=0)
    quiet.terminal.feed(b"same")
    table.hidden(quiet)
    assert not table.note_hidden_output(quiet)  # a redraw of the same screen
    assert not table.check_activity(None, time.monotonic()) and quiet.activity is None
    quiet.terminal.feed(b" news")
    table.note_hidden_output(quiet)
    assert table.check_activity(None, time.monotonic()) and quiet.activity == NEW_OUTPUT


def test_first_draw_after_attach_is_not_news() -> None:
    """Output within the quiet time after attaching only sets the screen to compare with."""
    table = PaneTable()
    slot = table.add(tmux_record("t"))
    slot.terminal = Terminal(20, 3, scrollback=0)
    slot.quiet_until = time.monotonic() + 60
    slot.terminal.feed(b"first draw")
    table.note_hidden_output(slot)
    assert not table.check_activity(None, time.monotonic()) and slot.activity is None
    assert slot.seen_screen is not None


def test_shown_pane_is_never_marked() -> None:
    """The pane on screen gets no activity mark."""
    table = PaneTable()
    slot = table.add(direct_record("d"))
    slot.terminal = Terminal(20, 3, scrollback=0)
    table.hidden(slot)
    slot.terminal.feed(b"x")
    table.note_hidden_output(slot)
    assert not table.check_activity(slot.pane_id, time.monotonic())


def test_running_direct_pane_survives_an_answer_that_lacks_it() -> None:
    """A direct pane running here is kept (to be written back), never dropped or closed."""
    table = PaneTable()
    slot = table.add(direct_record("job"))
    proc = FakeProcess()
    slot.process = proc
    slot.born = 0.0  # made long before the query
    result = table.reconcile([], time.monotonic())
    assert result.kept == [slot] and result.dropped == []
    assert table.names() == ["job"] and slot.process is proc and not proc.closed
    # Once it ended, a missing record means it is gone.
    slot.process = None
    slot.exit_status = ExitStatus(code=0)
    result = table.reconcile([], time.monotonic())
    assert result.dropped == [slot] and table.names() == []
