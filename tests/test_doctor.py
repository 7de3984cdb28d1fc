"""``chloe doctor`` and the server placement decision behind its logout line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chloe import doctor
from chloe.backends import placement
from chloe.backends.placement import SystemFacts
from tests.support.waiting import wait_until


def facts(**changes: object) -> SystemFacts:
    base: dict[str, object] = {
        "systemd": True,
        "systemd_run": "/usr/bin/systemd-run",
        "user_manager": True,
        "linger": True,
        "kill_user_processes": True,
        "user": "ada",
    }
    base.update(changes)
    return SystemFacts(**base)  # type: ignore[arg-type]


def test_with_a_user_manager_and_lingering_the_server_gets_a_scope_of_its_own() -> None:
    decided = placement.decide(facts(), "chloe")
    assert decided.prefix[:5] == (
        "/usr/bin/systemd-run",
        "--user",
        "--scope",
        "--quiet",
        "--collect",
    )
    assert decided.prefix[-1] == f"--unit={placement.unit_name('chloe')}"
    assert decided.survives_logout is True
    assert decided.problem is None


def test_logout_that_kills_user_processes_without_lingering_is_said_with_the_fix() -> None:
    for changes in ({"linger": False}, {"user_manager": False}, {"systemd_run": None}):
        decided = placement.decide(facts(**changes), "chloe")
        assert decided.survives_logout is False, changes
        assert decided.prefix == ()
        assert decided.problem is not None
        assert "loginctl enable-linger ada" in decided.problem
        assert "Logging out will end" in decided.problem


def test_when_logind_keeps_processes_no_scope_is_used_and_nothing_is_wrong() -> None:
    # A user scope without lingering would die with the user manager: worse.
    decided = placement.decide(facts(linger=False, kill_user_processes=False), "chloe")
    assert decided.prefix == ()
    assert decided.survives_logout is True


def test_unknown_logind_policy_is_a_note_not_a_guess() -> None:
    decided = placement.decide(facts(linger=False, kill_user_processes=None), "chloe")
    assert decided.survives_logout is None
    assert decided.problem is None
    assert decided.fix == "loginctl enable-linger ada"


def test_without_systemd_the_server_survives_on_its_own() -> None:
    decided = placement.decide(facts(systemd=False, user_manager=False), "chloe")
    assert decided.prefix == ()
    assert decided.survives_logout is True


def test_unit_names_are_valid_and_tell_sockets_apart() -> None:
    a, b = placement.unit_name("my sock/1"), placement.unit_name("my_sock_1")
    assert a != b
    for name in (a, b, placement.unit_name("chloe")):
        assert name.startswith("chloe-tmux-") and name.endswith(".scope")
        assert all(c.isalnum() or c in ":_.-" for c in name)


def test_probe_on_this_machine_answers_within_its_timeouts() -> None:
    found = placement.probe()
    assert isinstance(found.systemd, bool)
    assert found.user


def run_doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chloe", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


def lines_by_topic(out: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in out.splitlines()[:-1]:
        _level, topic_text = line.split(None, 1)
        topic = topic_text.split("  ", 1)[0].strip()
        found.setdefault(topic, []).append(line)
    return found


def test_doctor_reports_a_running_server_and_exits_0(tmux_socket: str) -> None:
    new = subprocess.run(
        [sys.executable, "-m", "chloe", "new", "--name", "job", "--", "sleep", "600"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert new.returncode == 0, new.stderr
    proc = run_doctor()
    assert proc.returncode in (0, 1), proc.stderr
    by_topic = lines_by_topic(proc.stdout)
    server = " ".join(by_topic["server"])
    assert f"/{tmux_socket}" in server
    assert "running, pid" in server and "1 session(s)" in server
    assert by_topic["tmux"][0].startswith("ok")
    assert "1 pane(s)" in by_topic["panes"][0]
    assert proc.stderr == ""
    if proc.returncode == 1:
        # Only a machine fact (logout, disk) may make it fail here, never chloe's own state.
        assert all(
            not line.startswith("problem") or topic in {"logout", "disk"}
            for topic, lines in by_topic.items()
            for line in lines
        ), proc.stdout


def test_doctor_json(tmux_socket: str) -> None:
    import json

    proc = run_doctor("--json")
    findings = json.loads(proc.stdout)
    assert {f["topic"] for f in findings} >= {"tmux", "server", "logout", "panes", "disk"}
    assert all(f["level"] in {"ok", "note", "problem"} for f in findings)


def test_doctor_names_loose_directories_and_a_broken_config(tmux_socket: str) -> None:
    data = Path(os.environ["XDG_DATA_HOME"]) / "chloe"
    data.mkdir()
    data.chmod(0o777)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "chloe"
    config.mkdir(mode=0o700)
    (config / "config.toml").write_text("leave_key = [\n")
    proc = run_doctor()
    assert proc.returncode == 1
    by_topic = lines_by_topic(proc.stdout)
    assert by_topic["data"][0].startswith("problem")
    assert f"chmod 700 {data}" in by_topic["data"][0]
    assert by_topic["config"][0].startswith("problem")
    assert "not valid TOML" in by_topic["config"][0]
    assert proc.stdout.rstrip().endswith("problems found")


def test_doctor_without_tmux_says_how_to_install(tmux_socket: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = str(tmp_path / "empty-bin")
    proc = run_doctor(env=env | {"PATH": f"{tmp_path / 'empty-bin'}:{Path(sys.executable).parent}"})
    assert proc.returncode == 1
    tmux_line = lines_by_topic(proc.stdout)["tmux"][0]
    assert tmux_line.startswith("problem") and "install" in tmux_line


def test_keyboard_line_reads_the_terminals_answer() -> None:
    def kitty(fd: int) -> bytes:
        return b"\x1b[?1u\x1b[?62;22c"

    def silent(fd: int) -> bytes:
        return b""

    env = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        # /dev/null is no tty: the query is not even tried.
        assert "not run in a terminal" in doctor.check_terminal(env, kitty, fd)[1].text
    finally:
        os.close(fd)
    colours = doctor.check_terminal({"TERM": "xterm-256color"}, silent, 0)[0]
    assert colours.level is doctor.Level.NOTE and "COLORTERM=truecolor" in colours.text
    assert doctor.check_terminal(env, silent, 0)[0].level is doctor.Level.OK


def test_doctor_in_a_real_terminal_asks_it_about_the_keyboard(
    tmux_socket: str, tmux_run: object, tmp_path: Path
) -> None:
    # chloe doctor run in a pane of a private tmux: tmux 3.x answers the device
    # query but not the kitty keyboard query.
    out = tmp_path / "out.txt"
    outer = f"{tmux_socket}-outer"
    env = " ".join(
        f"{k}={os.environ[k]}"
        for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME", "TMUX_TMPDIR")
    )
    cmd = f"env {env} CHLOE_TMUX_SOCKET={tmux_socket} {sys.executable} -m chloe doctor > {out} 2>&1"
    try:
        subprocess.run(
            ["tmux", "-L", outer, "new-session", "-d", "-x", "100", "-y", "30", cmd],
            check=True,
            timeout=20,
            cwd=Path(__file__).resolve().parent.parent,
        )
        wait_until(
            lambda: (
                (out.exists() and "found" in out.read_text())
                or (out.exists() and "all is well" in out.read_text())
            ),
            timeout=30,
        )
    finally:
        subprocess.run(["tmux", "-L", outer, "kill-server"], capture_output=True, timeout=10)
    keyboard = lines_by_topic(out.read_text())["keyboard"][0]
    assert "legacy keyboard encoding" in keyboard


def _server_env(socket: str, name: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, "show-environment", "-g", name],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.strip()


def _create(backend: object, session: str, tmp_path: Path) -> None:
    from chloe.backends.tmux import TmuxBackend
    from chloe.backends.tmux_commands import SessionSpec

    assert isinstance(backend, TmuxBackend)
    backend.create_session(
        SessionSpec(
            session,
            pane_id=session[-8:],
            name=session,
            cwd=str(tmp_path),
            command=["sleep", "600"],
            columns=80,
            rows=24,
            history_limit=1000,
            status_line=False,
        )
    )


def test_a_server_chloe_starts_is_started_through_the_placement_prefix(
    tmux_socket: str, tmp_path: Path
) -> None:
    from chloe.backends.tmux import TmuxBackend

    backend = TmuxBackend(tmux_socket)
    # The prefix systemd-run would be; `env` shows that the server came from it.
    backend.placement = placement.Placement(("env", "CHLOE_PLACED_BY=scope"), True, "test")
    _create(backend, "chloe-0000aaaa", tmp_path)
    assert backend.started_server
    assert _server_env(tmux_socket, "CHLOE_PLACED_BY") == "CHLOE_PLACED_BY=scope"
    # The server outlives its last session: one that is gone was stopped from outside.
    exit_empty = subprocess.run(
        ["tmux", "-L", tmux_socket, "show-options", "-s", "-v", "exit-empty"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.strip()
    assert exit_empty == "off"
    # A running server is used as it is: the prefix is not run again.
    second = TmuxBackend(tmux_socket)
    second.placement = placement.Placement(("false",), True, "test")
    _create(second, "chloe-0000bbbb", tmp_path)
    assert not second.started_server
    assert second.placement.summary == "test"


def test_a_failing_placement_still_starts_the_pane_and_says_why(
    tmux_socket: str, tmp_path: Path
) -> None:
    from chloe.backends.tmux import TmuxBackend

    backend = TmuxBackend(tmux_socket)
    backend.placement = placement.Placement(("false",), True, "test")
    _create(backend, "chloe-0000cccc", tmp_path)
    assert backend.has_session("chloe-0000cccc")
    assert backend.placement.prefix == ()
    assert "could not place chloe's tmux server" in backend.placement.summary


def test_chloe_new_warns_once_when_logout_would_end_the_server(
    tmux_socket: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chloe import cli

    doomed = placement.Placement(
        (), False, "Logging out will end it.", "loginctl enable-linger ada"
    )
    monkeypatch.setattr(placement, "decide", lambda facts, socket: doomed)
    assert cli.main(["new", "--name", "one", "--", "sleep", "600"]) == 0
    first = capsys.readouterr().err
    assert "Logging out will end it. Run `loginctl enable-linger ada` once" in first
    assert cli.main(["new", "--name", "two", "--", "sleep", "600"]) == 0
    assert capsys.readouterr().err == ""  # the server was already running: no news
