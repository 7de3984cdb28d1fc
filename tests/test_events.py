"""The event file: appended by many writers, read by many readers, each event reported once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chloe import events
from chloe.attention import MarkKind
from chloe.events import Event, Reader, append, fold, parse_line, read_all, take_unshown

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def ev(kind: str, pane: str = "p1", seconds: int = 0, detail: str = "") -> Event:
    return Event(T0 + timedelta(seconds=seconds), kind, pane, "chloe-p1", detail)


def test_a_line_round_trips_and_garbage_is_skipped() -> None:
    e = ev("needs-you", detail="approve\tthe\nedit?")
    back = parse_line(e.line())
    assert back is not None
    assert (back.kind, back.pane_id, back.detail) == ("needs-you", "p1", "approve the edit?")
    assert parse_line("not an event\n") is None
    assert parse_line("12\tbell\t../../etc\n") is None  # not a pane id


def test_fold_keeps_the_latest_mark_and_look_per_pane() -> None:
    panes = fold(
        [ev("bell", seconds=1), ev("seen", seconds=5), ev("done", seconds=3, detail="ok"),
         ev("osc9", "p2", 2, "hi"), ev("died", "p2", 9, "3 ")]
    )  # fmt: skip
    assert panes["p1"].mark is not None and panes["p1"].mark.kind is MarkKind.DONE
    assert panes["p1"].seen == T0 + timedelta(seconds=5)
    p2 = panes["p2"]
    assert p2.mark is not None and (p2.mark.message, p2.mark.source) == ("hi", "osc9")
    assert p2.died is not None and p2.died.exit_status is not None
    assert p2.died.exit_status.code == 3


def test_a_reader_sees_each_new_line_once_across_a_rotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "ROTATE_BYTES", 400)
    path = tmp_path / "ev.log"
    reader = Reader(path)
    assert reader.poll() == []
    seen: list[str] = []
    for i in range(40):
        append(path, ev("bell", f"p{i}", i))
        seen += [e.pane_id for e in reader.poll() if not e.restated]
    assert seen == [f"p{i}" for i in range(40)]
    assert path.stat().st_size < 2000  # rotated, not grown without end
    # Marks in force survive the rotation (restated in the new file).
    assert fold(read_all(path))["p39"].mark is not None


def test_what_happened_while_away_is_shown_once_even_to_two_processes(tmp_path: Path) -> None:
    path = tmp_path / "ev.log"
    append(path, ev("bell"))
    assert take_unshown(path) == []  # the first start: old history is not news
    append(path, ev("died", "p2", 5, "2 "))
    append(path, ev("needs-you", "p3", 6, "approve?"))
    script = (
        "import sys; from pathlib import Path; from chloe.events import take_unshown;"
        "print(len(take_unshown(Path(sys.argv[1]))))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    counts = sorted(int(p.communicate(timeout=30)[0]) for p in procs)
    assert counts == [0, 0, 0, 2]
    assert take_unshown(path) == []
    append(path, ev("done", "p4", 7))
    assert [e.pane_id for e in take_unshown(path)] == ["p4"]


def test_the_away_report_names_each_pane_once_most_recent_first() -> None:
    happened = [
        ev("bell", "p1", 0),
        ev("needs-you", "p1", 3000, "approve?"),
        ev("died", "p2", 60, "2 "),
        ev("died", "gone", 70, "0 "),
    ]
    now = T0 + timedelta(seconds=3600)
    text = events.away_report(happened, {"p1": "claude", "p2": "build"}, now)
    assert text == "claude needs you since 10m: approve?; build failed (exit 2) 59m ago"
