"""One contract, both kinds of pane: what a user sees is the same for direct and tmux."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.backends.base import PaneProcess
from chloe.model import Kind, PaneRecord, Status
from chloe.service import PaneInfo, PaneService
from tests.support.screen import Screen
from tests.support.waiting import wait_until

KINDS = [Kind.DIRECT, Kind.TMUX]


def start(
    service: PaneService, kind: Kind, cwd: Path, columns: int = 80, rows: int = 24
) -> tuple[PaneRecord, PaneProcess]:
    """Create and show a pane running ``sh`` the way the TUI does for each kind."""
    if kind is Kind.DIRECT:
        rec = service.create_direct(cwd=str(cwd), command=["sh"])
        return rec, service.spawn_direct(rec, columns, rows)
    rec = service.create_tmux(cwd=str(cwd), command=["sh"], columns=columns, rows=rows)
    return rec, service.attach(rec, columns, rows)


def info_for(service: PaneService, rec: PaneRecord, proc: PaneProcess) -> PaneInfo:
    (info,) = [i for i in service.panes(live_direct={rec.id: proc}) if i.record.id == rec.id]
    return info


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_pane_lifecycle_seen_through_the_emulator(
    service: PaneService, kind: Kind, tmp_path: Path
) -> None:
    rec, proc = start(service, kind, tmp_path)
    screen = Screen(proc)
    try:
        assert info_for(service, rec, proc).status is Status.ATTACHED
        # The shell computes the marker, so seeing it proves the program ran
        # (the echo of what was typed shows the unexpanded $((...))).
        screen.type("echo MARK$((40+2)) $(pwd)\r")
        screen.wait_for(f"MARK42 {tmp_path}")

        screen.resize(100, 30)

        def size_agrees() -> bool:
            # tmux passes the new size on asynchronously (client -> server ->
            # pane), so ask again until the program sees it, within the deadline.
            screen.type("stty size\r")
            for _ in range(10):
                screen.pump()
            return "30 100" in screen.text()

        wait_until(size_agrees, message="stty size to report 30 100")

        screen.type("exit 3\r")
        info = wait_until(
            lambda: info_for(service, rec, proc),
            accept=lambda i: i.label == "dead (exit 3)",
            message="the pane to be reported dead (exit 3)",
        )
        # The record keeps it for the next run and for `chloe ls` in another process.
        assert service.find(rec.name).exit_status == info.exit_status
    finally:
        proc.close()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_pane_starts_at_the_requested_size(
    service: PaneService, kind: Kind, tmp_path: Path
) -> None:
    _rec, proc = start(service, kind, tmp_path, columns=90, rows=20)
    screen = Screen(proc, 90, 20)
    try:
        screen.type("stty size\r")
        screen.wait_for("20 90")
    finally:
        proc.close()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_terminal_queries_are_answered(service: PaneService, kind: Kind, tmp_path: Path) -> None:
    """A program asking for the cursor position (DSR 6) gets the emulator's reply."""
    _rec, proc = start(service, kind, tmp_path)
    screen = Screen(proc)
    try:
        # Read the reply raw; print what came back in a form the screen can show.
        screen.type(
            "stty raw -echo; printf '\\033[6n'; "
            "r=$(dd bs=1 count=6 2>/dev/null | od -An -c | tr -d ' \\\\'); "
            "stty sane; echo GOT$r\r"
        )
        screen.wait_for("GOT033[")
        assert "R" in screen.text().split("GOT033[", 1)[1].splitlines()[0]
    finally:
        proc.close()
