"""The tmux backend's pieces that need no server: the status parser and tmux's messages."""

from __future__ import annotations

from chloe.backends import tmux_errors
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
