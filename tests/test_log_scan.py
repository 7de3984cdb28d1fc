"""Desktop notifications found in pane logs: split sequences, rotation, bounded reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe import events, history, log_scan
from chloe.log_scan import LogScanner

PANE = "a" * 32


@pytest.fixture
def event_path() -> Path:
    path = events.event_path("scan-test")
    events.prepare(path)
    return path


def write(data: bytes, pane: str = PANE) -> None:
    history.prepare(pane)
    with history.log_path(pane).open("ab") as fh:
        fh.write(data)


def texts(event_path: Path) -> list[tuple[str, str]]:
    return [(e.kind, e.detail) for e in events.read_all(event_path)]


def test_a_sequence_split_across_two_writes_is_found_once(event_path: Path) -> None:
    scanner = LogScanner(event_path)
    write(b"compiling...\r\n\x1b]9;build ")
    assert scanner.scan([PANE]) == []
    write(b"done\x07more output\r\n")
    assert [(e.kind, e.detail) for e in scanner.scan([PANE])] == [("osc9", "build done")]
    write(b"still more\r\n")
    assert scanner.scan([PANE]) == []
    assert texts(event_path) == [("osc9", "build done")]


def test_progress_reports_and_other_oscs_are_not_notifications(event_path: Path) -> None:
    write(b"\x1b]9;4;1;50\x07\x1b]0;a title\x07\x1b]777;other;x\x07\x1b]8;;http://x\x1b\\")
    assert LogScanner(event_path).scan([PANE]) == []


def test_a_rotated_log_is_finished_before_the_new_one(event_path: Path) -> None:
    scanner = LogScanner(event_path)
    write(b"start\r\n")
    scanner.scan([PANE])
    write(b"\x1b]9;first\x07")
    history.log_path(PANE).rename(history.rotated_path(PANE))  # as the writer does when full
    write(b"\x1b]777;notify;second;now\x07")
    assert [e.detail for e in scanner.scan([PANE])] == ["first", "second: now"]


def test_a_big_burst_is_read_over_several_scans(
    event_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_scan, "PANE_BUDGET", 1000)
    write(b"x" * 2500 + b"\x1b]9;after the flood\x07")
    scanner = LogScanner(event_path)
    found: list[str] = []
    for _ in range(4):
        found += [e.detail for e in scanner.scan([PANE])]
    assert found == ["after the flood"]
    assert log_scan.read_cursors(log_scan.scan_path(event_path))[PANE].offset == 2500 + 20


def test_two_scanners_record_each_notification_once(event_path: Path) -> None:
    write(b"\x1b]9;one\x07")
    first, second = LogScanner(event_path), LogScanner(event_path)
    assert len(first.scan([PANE])) == 1
    assert second.scan([PANE]) == []
    assert texts(event_path) == [("osc9", "one")]
