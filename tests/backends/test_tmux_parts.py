"""The tmux backend's pieces that need no server: the status parser and tmux's messages."""

from __future__ import annotations

import subprocess

from chloe.backends import tmux_errors, tmux_server
from chloe.backends.tmux import TmuxBackend
from chloe.backends.tmux_server import ServerRecord
from chloe.backends.tmux_status import PANE_FIELDS, SEP, PaneRow, parse_snapshot
from chloe.model import ExitStatus


def _line(**values: str) -> str:
    return SEP.join(("P", *(values.get(name, "") for name, _fmt in PANE_FIELDS)))


def test_a_pane_line_is_read_by_field_name() -> None:
    line = _line(
        session="chloe-1",
        chloe_id="abc",
        chloe_name="job",
        dead="1",
        dead_status="3",
        session_created="1700000000",
        server_pid="4242",
        start_path="/tmp",
        start_command="sh -c 'echo a\tb'",
    )
    row = PaneRow.parse(line)
    assert row is not None
    assert (row.session, row.chloe_id, row.server_pid) == ("chloe-1", "abc", 4242)
    assert row.exit_status == ExitStatus(code=3)
    # A tab in the start command (last field) cannot shift any other field.
    assert row.start_command == "sh -c 'echo a\tb'"
    snap = parse_snapshot([line, f"C{SEP}77{SEP}chloe-1"], chloe_clients=[77])
    state = snap.sessions["chloe-1"]
    assert state.dead and state.attached and state.exit_status == ExitStatus(code=3)
    assert state.command == ("sh", "-c", "echo a\tb")
    assert snap.server_pid == 4242


def test_tmux_messages_are_named() -> None:
    assert tmux_errors.server_down("no server running on /tmp/tmux-1/x")
    assert tmux_errors.server_down("error connecting to /tmp/tmux-1/x (No such file or directory)")
    assert not tmux_errors.server_down("can't find session: =x")
    assert tmux_errors.no_such_target("can't find session: =x")
    assert tmux_errors.no_such_target("can't find pane: =x:")
    assert tmux_errors.target_gone("no server running on /tmp/x")
    assert not tmux_errors.target_gone("unknown command: --")


def test_a_recorded_server_pid_reused_by_another_process_is_not_signalled(
    tmux_socket: str,
) -> None:
    """SIGUSR1 ends most programs: only the very process recorded as the server gets it."""
    other = subprocess.Popen(["sleep", "60"])
    try:
        real = ServerRecord.seen(other.pid, "/nonexistent/socket")
        assert real.running()  # same pid, same start time
        reused = ServerRecord(other.pid, "1", "/nonexistent/socket")
        assert not reused.running()
        unknown = ServerRecord(other.pid, "", "/nonexistent/socket")
        assert not unknown.running()
        for record in (reused, unknown):
            tmux_server.save(tmux_socket, record)
            # No server answers on the socket: with a live recorded server chloe
            # would SIGUSR1 it to bring its socket back; this one is not it.
            snap = TmuxBackend(tmux_socket).snapshot()
            assert snap.reachable and snap.sessions == {}
            assert other.poll() is None  # never signalled
    finally:
        other.kill()
        other.wait()
