"""Attention facts from a real tmux: how a run ended, when, and how long it ran."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.attention import Attention, Facts, MarkKind, derive
from chloe.backends.tmux import TmuxBackend
from chloe.events import Event, away_report, fold, read_all, take_unshown
from chloe.model import ExitStatus, Status, utcnow
from chloe.service import PaneInfo, PaneService
from tests.support.waiting import wait_until


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
        lambda: _info(service, "build"), timeout=15, accept=lambda i: i.exit_status is not None
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
    info = wait_until(lambda: _info(service, "ok"), accept=lambda i: i.exit_status is not None)
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
    info = wait_until(lambda: _info(service, "talk"), accept=lambda i: i.last_output is not None)
    assert derive(_facts(info), utcnow(), working_seconds=30).state is Attention.WORKING


def _events(service: PaneService) -> list[Event]:
    assert isinstance(service.tmux, TmuxBackend)
    return read_all(service.tmux.event_path)


def test_a_bell_and_an_end_in_a_detached_pane_are_recorded_with_no_chloe_running(
    service: PaneService, tmp_path: Path
) -> None:
    rec = service.create_tmux(
        name="agent",
        cwd=str(tmp_path),
        command=["sh", "-c", "sleep 0.5; printf '\\a'; sleep 1; exit 4"],
        attached=False,
    )
    events = _died(service)
    (died,) = events
    assert died.pane_id == rec.id and died.session == rec.tmux_session
    assert died.exit_status == ExitStatus(code=4)
    bells = [e for e in _events(service) if e.kind == "bell"]
    assert [b.pane_id for b in bells] == [rec.id]
    marks = fold(_events(service))[rec.id]
    assert marks.mark is not None and marks.mark.kind is MarkKind.NEEDS_YOU


def test_the_hooks_quote_an_awkward_state_directory(
    service: PaneService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = tmp_path / "st ate'$HOME\"#{pid};x"
    monkeypatch.setenv("XDG_STATE_HOME", str(odd))
    rec = service.create_tmux(
        name="odd", cwd=str(tmp_path), command=["sh", "-c", "printf '\\a'; exit 0"]
    )
    assert str(odd) in str(_event_file(service))
    events = wait_until(lambda: [e for e in _events(service) if e.kind == "died"], timeout=15)
    assert events[0].pane_id == rec.id and events[0].exit_status == ExitStatus(code=0)


def _died(service: PaneService) -> list[Event]:
    """The pane-died events tmux's hook wrote, with no chloe process running.

    tmux 3.3a sometimes misses the SIGCHLD of a pane's process: the pane's
    death (and its hook) waits until another child of the server exits, which
    may be never; a plain command does not help. The next ``chloe ls`` or
    status tick sees a dead pane with no status and nudges the server
    (:func:`chloe.backends.tmux_status.nudge`). So: one such status query after
    8 s, then the event must be there.
    """

    def died() -> list[Event]:
        return [e for e in _events(service) if e.kind == "died"]

    try:
        return wait_until(died, timeout=8)
    except pytest.fail.Exception:
        service.panes()  # what the next `chloe ls` does
        return wait_until(died, timeout=10, message="the pane-died event after a status query")


def _event_file(service: PaneService) -> Path:
    assert isinstance(service.tmux, TmuxBackend)
    return service.tmux.event_path


def test_every_pane_knows_its_id(service: PaneService, tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    rec = service.create_tmux(
        name="who", cwd=str(tmp_path), command=["sh", "-c", f'echo "$CHLOE_PANE" > {out}']
    )
    wait_until(lambda: out.exists() and out.read_text().strip(), timeout=15)
    assert out.read_text().strip() == rec.id
    # A respawn keeps it.
    out.unlink()
    wait_until(lambda: _info(service, "who").status is Status.DEAD)
    service.respawn(_info(service, "who").record)
    wait_until(lambda: out.exists() and out.read_text().strip(), timeout=15)
    assert out.read_text().strip() == rec.id


def test_a_bell_while_chloe_is_closed_is_reported_once(
    service: PaneService, tmp_path: Path
) -> None:
    path = _event_file(service)
    go = tmp_path / "go"
    script = f"while [ ! -e {go} ]; do sleep 0.05; done; printf '\\a'; sleep 600"
    rec = service.create_tmux(
        name="claude", cwd=str(tmp_path), command=["sh", "-c", script], attached=False
    )
    assert take_unshown(path) == []  # chloe starts: nothing new yet, then closes
    go.touch()  # the program rings the bell while no chloe runs
    wait_until(lambda: any(e.kind == "bell" for e in _events(service)), timeout=15)
    happened = take_unshown(path)  # the next start
    report = away_report(happened, {rec.id: "claude"}, utcnow())
    assert report.startswith("claude needs you since ")
    assert take_unshown(path) == []  # once
