"""Attention facts from a real tmux: how a run ended, when, and how long it ran."""

from __future__ import annotations

from pathlib import Path

from chloe.attention import Attention, Facts, derive
from chloe.model import Status, utcnow
from chloe.service import PaneInfo, PaneService
from tests.conftest import wait_until


def _info(service: PaneService, name: str) -> PaneInfo:
    return next(i for i in service.panes() if i.record.name == name)


def _facts(info: PaneInfo) -> Facts:
    rec = info.record
    return Facts(
        alive=info.status is not Status.DEAD,
        exit_status=info.exit_status,
        started=rec.started,
        ended=rec.ended,
        last_output=info.last_output,
    )


def test_a_failing_run_is_failed_with_its_exit_and_duration(
    service: PaneService, tmp_path: Path
) -> None:
    service.create_tmux(name="build", cwd=str(tmp_path), command=["sh", "-c", "sleep 2; exit 3"])
    info = wait_until(
        lambda: (i := _info(service, "build")).exit_status is not None and i, timeout=15
    )
    state = derive(_facts(info), utcnow())
    assert state.state is Attention.FAILED
    assert state.ran_for is not None and 1 <= state.ran_for <= 4
    assert state.describe(utcnow()).startswith("exit 3 after ")


def test_exit_zero_is_done_and_a_respawn_starts_a_new_run(
    service: PaneService, tmp_path: Path
) -> None:
    rec = service.create_tmux(name="ok", cwd=str(tmp_path), command=["sh", "-c", "exit 0"])
    first_start = rec.started
    info = wait_until(lambda: (i := _info(service, "ok")).exit_status is not None and i)
    assert derive(_facts(info), utcnow()).state is Attention.DONE
    again = service.respawn(info.record)
    assert again.started is not None and first_start is not None
    assert again.started >= first_start and again.ended is None


def test_output_makes_a_detached_pane_working_from_the_status_query(
    service: PaneService, tmp_path: Path
) -> None:
    service.create_tmux(
        name="talk", cwd=str(tmp_path), command=["sh", "-c", "sleep 1; echo hello; sleep 600"]
    )
    info = wait_until(lambda: (i := _info(service, "talk")).last_output is not None and i)
    assert derive(_facts(info), utcnow(), working_seconds=30).state is Attention.WORKING
