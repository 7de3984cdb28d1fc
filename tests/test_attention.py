"""Attention states derived from facts: what the pane list and ``chloe ls`` say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chloe.attention import (
    Attention,
    AttentionInfo,
    Facts,
    Mark,
    MarkKind,
    derive,
    format_duration,
    next_to_visit,
    summary,
)
from chloe.model import ExitStatus

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_an_ended_run_says_its_exit_and_how_long_it_ran() -> None:
    facts = Facts(
        alive=False,
        exit_status=ExitStatus(code=0),
        started=ago(3 * 3600 + 12 * 60 + 600),
        ended=ago(600),
    )
    info = derive(facts, NOW)
    assert info.state is Attention.DONE
    assert info.describe(NOW) == "exit 0 after 3h 12m, 10m ago"


def test_a_non_zero_exit_or_a_signal_is_failed() -> None:
    failed = derive(
        Facts(alive=False, exit_status=ExitStatus(code=3), started=ago(2), ended=NOW), NOW
    )
    assert failed.state is Attention.FAILED
    assert failed.describe(NOW) == "exit 3 after 2s, 0s ago"
    killed = derive(Facts(alive=False, exit_status=ExitStatus(signal=9)), NOW)
    assert killed.state is Attention.FAILED
    assert killed.describe(NOW) == "SIGKILL"
    # Gone without any known status is not a success.
    assert derive(Facts(alive=False), NOW).state is Attention.FAILED


def test_a_pane_lost_with_its_server_says_so_not_status_unknown() -> None:
    facts = Facts(alive=False, started=ago(2 * 3600 + 300), ended=ago(300), lost=True)
    info = derive(facts, NOW)
    assert info.state is Attention.FAILED  # it needs you: counted and visited as failed
    assert info.words(NOW) == "failed (lost with its tmux server after 2h, 5m ago)"
    assert info.short(NOW) == "lost after 2h"
    assert derive(Facts(alive=False), NOW).words(NOW) == "failed (ended, status unknown)"


def test_a_bell_since_the_last_look_needs_you_and_looking_clears_it() -> None:
    bell = Mark(MarkKind.NEEDS_YOU, ago(600), "approve the edit?", "osc9")
    info = derive(Facts(alive=True, mark=bell, seen=ago(3600)), NOW)
    assert info.state is Attention.NEEDS_YOU
    assert info.describe(NOW) == "needs you since 10m: approve the edit?"
    looked = derive(Facts(alive=True, mark=bell, seen=ago(60)), NOW)
    assert looked.state is not Attention.NEEDS_YOU


def test_ended_beats_needs_you() -> None:
    bell = Mark(MarkKind.NEEDS_YOU, ago(60))
    info = derive(Facts(alive=False, exit_status=ExitStatus(code=0), mark=bell), NOW)
    assert info.state is Attention.DONE


def test_output_is_working_then_new_output_then_quiet() -> None:
    def state(silent: float, seen: datetime | None = None) -> Attention:
        facts = Facts(alive=True, last_output=ago(silent), seen=seen)
        return derive(facts, NOW, working_seconds=5, quiet_seconds=60).state

    assert state(1) is Attention.WORKING
    assert state(10) is Attention.NEW_OUTPUT
    assert state(10, seen=ago(2)) is Attention.IDLE
    assert state(61) is Attention.QUIET
    assert derive(Facts(alive=True), NOW).state is Attention.IDLE


def test_done_and_working_marks_hold_until_new_output() -> None:
    done = Mark(MarkKind.DONE, ago(30), "finished the refactor")
    info = derive(Facts(alive=True, mark=done, last_output=ago(40)), NOW)
    assert info.state is Attention.DONE
    assert info.describe(NOW) == "done 30s ago: finished the refactor"
    again = derive(Facts(alive=True, mark=done, last_output=ago(1)), NOW)
    assert again.state is Attention.WORKING
    working = Mark(MarkKind.WORKING, ago(100))
    assert derive(Facts(alive=True, mark=working), NOW).state is Attention.WORKING


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (3600, "1h"), (3 * 3600 + 12 * 60 + 5, "3h 12m"),
     (2 * 86400 + 4 * 3600, "2d 4h"), (86400, "1d")],
)  # fmt: skip
def test_durations_read_like_speech(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_summary_counts_states_most_urgent_first() -> None:
    states = [Attention.WORKING, Attention.NEEDS_YOU, Attention.FAILED, Attention.NEEDS_YOU,
              Attention.WORKING, Attention.IDLE, Attention.WORKING]  # fmt: skip
    assert summary(states) == "2 need you · 1 failed · 3 working"
    assert summary([Attention.NEEDS_YOU]) == "1 needs you"
    assert summary([Attention.IDLE]) == "nothing needs you"


def test_next_visits_needs_you_then_failed_then_done_wrapping() -> None:
    states = [Attention.DONE, Attention.NEEDS_YOU, Attention.FAILED, Attention.NEEDS_YOU]
    assert next_to_visit(states, None) == 1
    assert next_to_visit(states, 1) == 3
    assert next_to_visit(states, 3) == 1
    assert next_to_visit([Attention.DONE, Attention.FAILED], 0) == 1
    assert next_to_visit([Attention.IDLE, Attention.WORKING], 0) is None


def test_idle_says_nothing() -> None:
    assert AttentionInfo(Attention.IDLE).describe(NOW) == ""
