"""Continuous logs: tmux panes through pipe-pane, direct panes through LogWriter."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chloe import history, paths
from chloe.config import load_config
from chloe.history import LogWriter, log_path, read_log, rotated_path
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def service(**config: object) -> PaneService:
    cfg = load_config()
    if config:
        from dataclasses import replace

        cfg = replace(cfg, **config)  # type: ignore[arg-type]
    return PaneService(Store(store_path()), cfg)


def chloe_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``chloe ARGS`` in a process of its own, which has ended when this returns."""
    return subprocess.run(
        [sys.executable, "-m", "chloe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def test_a_tmux_pane_is_logged_by_tmux_while_no_chloe_runs(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    made = chloe_process("new", "--name", "job", "--cwd", str(tmp_path), "--", "sh")
    assert made.returncode == 0, made.stderr
    rec = service().find("job")
    # No chloe process runs now: only tmux can write the log.
    tmux_run("send-keys", "-t", f"={rec.tmux_session}:", "echo logged-$((6*7))", "Enter")
    wait_until(lambda: b"logged-42" in read_log(rec.id), message="the output in the log")
    mode = stat.S_IMODE(os.stat(log_path(rec.id)).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(history.log_dir()).st_mode) == 0o700


def test_the_log_rotates_at_its_cap_and_keeps_the_latest_output(
    tmux_socket: str, tmp_path: Path
) -> None:
    cap = 64 * 1024
    svc = service(log_max_bytes=cap)
    command = ["sh", "-c", "seq 1 60000; sleep 600"]  # about 340 KB
    rec = svc.create_tmux(name="flood", cwd=str(tmp_path), command=command)
    wait_until(
        lambda: b"\n60000" in read_log(rec.id), timeout=20, message="the last line in the log"
    )
    assert rotated_path(rec.id).stat().st_size == cap
    assert log_path(rec.id).stat().st_size <= cap
    assert b"\n1\r\n" not in read_log(rec.id)  # the oldest output went with the rotation


def test_rm_deletes_the_log_unless_asked_to_keep_it(tmux_socket: str, tmp_path: Path) -> None:
    from chloe.cli import main

    svc = service()
    # tmux attaches the log pipe in the same command that starts the pane, but a
    # program can print before it is attached (a known gap of pipe-pane):
    # these wait a moment, since this test is about rm, not about the first instant.
    one = svc.create_tmux(
        name="one", cwd=str(tmp_path), command=["sh", "-c", "sleep 0.5; echo one; exit"]
    )
    two = svc.create_tmux(
        name="two", cwd=str(tmp_path), command=["sh", "-c", "sleep 0.5; echo two; exit"]
    )
    wait_until(lambda: b"one" in read_log(one.id) and b"two" in read_log(two.id))
    assert main(["rm", "one"]) == 0
    assert not history.has_log(one.id)
    assert main(["rm", "--keep-log", "two"]) == 0
    assert b"two" in read_log(two.id)


def test_an_unwritable_log_directory_is_one_line_and_the_pane_runs(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    state = paths.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    (state / "logs").write_text("not a directory")  # fails even for root
    paths.forget_problems()
    svc = service()
    rec = svc.create_tmux(name="free", cwd=str(tmp_path), command=["sh"])
    svc.create_tmux(name="free2", cwd=str(tmp_path), command=["sh"])
    problems = paths.forget_problems()
    assert len(problems) == 1
    assert "logging of 'free" in problems[0] and "the pane runs on" in problems[0]
    assert str(state / "logs") in problems[0]
    panes = {info.record.name: info.label for info in svc.panes()}
    assert panes["free"] == "detached" or panes["free"] == "attached"
    assert tmux_run("display-message", "-p", "-t", f"={rec.tmux_session}:", "#{pane_pipe}") == "0\n"


def test_a_respawned_pane_logs_again(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    svc = service()
    rec = svc.create_tmux(name="again", cwd=str(tmp_path), command=["sh", "-c", "echo first-run"])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"), message="the pane to end")
    wait_until(lambda: read_log(rec.id).count(b"first-run") == 1, message="the first run logged")
    svc.respawn(rec)

    def state() -> str:  # what to look at if the second run is not logged (seen once)
        pane = tmux_run(
            "display-message", "-p", "-t", f"={rec.tmux_session}:",
            "dead=#{pane_dead} pipe=#{pane_pipe} pid=#{pane_pid}",
        )  # fmt: skip
        return f"log {read_log(rec.id)!r}; pane {pane.strip()}; panes {svc.panes()}"

    wait_until(
        lambda: read_log(rec.id).count(b"first-run") == 2,
        message="the second run logged",
        show=state,
    )


def test_an_adopted_session_is_logged(
    tmux_socket: str, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    svc = service()
    rec = svc.create_tmux(name="lost", cwd=str(tmp_path), command=["sh"])
    session = rec.tmux_session
    assert session is not None
    # Its pipe and its record are both lost (an older chloe, a lost panes.toml).
    tmux_run("pipe-pane", "-t", f"={session}:")
    store_path().unlink()
    history.remove_log(rec.id)
    [info] = svc.panes()
    assert info.record.id == rec.id
    tmux_run("send-keys", "-t", f"={session}:", "echo adopted-$((1+1))", "Enter")
    wait_until(lambda: b"adopted-2" in read_log(rec.id), message="the adopted pane's log")


def test_log_writer_rotates_and_stops_on_failure(tmp_path: Path) -> None:
    writer = LogWriter("d1", "direct", cap=100)
    writer.write(b"a" * 150)
    writer.write(b"b" * 10)
    assert rotated_path("d1").read_bytes() == b"a" * 100
    assert log_path("d1").read_bytes() == b"a" * 50 + b"b" * 10
    assert stat.S_IMODE(log_path("d1").stat().st_mode) == 0o600
    # The directory goes away under it: rotation fails, writing stops with one line.
    log_path("d1").unlink()
    rotated_path("d1").unlink()
    history.log_dir().rmdir()
    history.log_dir().write_text("")
    writer.write(b"c" * 100)
    assert writer.error is not None and "logging of 'direct' stopped" in writer.error
    assert not writer.open
    writer.write(b"d")  # ignored, no exception


def test_the_writer_command_survives_odd_paths(tmp_path: Path, tmux_socket: str) -> None:
    odd = tmp_path / "it's a #{pane_id} ; $(touch pwned) dir"
    odd.mkdir()
    target = odd / "x.log"
    subprocess.run(
        ["tmux", "-L", tmux_socket, "new-session", "-d", "-s", "odd", "sh"], check=True, timeout=20
    )
    subprocess.run(
        ["tmux", "-L", tmux_socket, "pipe-pane", "-t", "=odd:", history.writer_command(target, 99)],
        check=True,
        timeout=20,
    )
    subprocess.run(
        ["tmux", "-L", tmux_socket, "send-keys", "-t", "=odd:", "echo odd-$((2+2))", "Enter"],
        check=True,
        timeout=20,
    )
    wait_until(lambda: target.exists() and b"odd-4" in target.read_bytes())
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize("value", [-1, 1, 1024, 2**40 * 100])
def test_log_max_bytes_is_validated(tmp_path: Path, value: int) -> None:
    from chloe.errors import ConfigError

    cfg = tmp_path / "config.toml"
    cfg.write_text(f"log_max_bytes = {value}\n")
    with pytest.raises(ConfigError, match="log_max_bytes"):
        load_config(cfg)


def test_log_max_bytes_zero_turns_logs_off(tmux_socket: str, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("log_max_bytes = 0\n")
    svc = PaneService(Store(store_path()), load_config(cfg))
    rec = svc.create_tmux(name="quiet", cwd=str(tmp_path), command=["sh", "-c", "echo hi; exit"])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"))
    assert not history.has_log(rec.id)


# -- chloe logs --all / --raw / -o / --follow, chloe grep ------------------------------


def run_cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes, str]:
    from chloe.cli import main

    capsysbinary.readouterr()
    code = main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_logs_all_reaches_what_scrolled_past_tmuxs_history(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    cfg = tmp_path / "config" / "chloe" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("scrollback_lines = 10000\n")
    svc = PaneService(Store(store_path()), load_config(cfg))
    rec = svc.create_tmux(
        name="long", cwd=str(tmp_path), command=["sh", "-c", "seq -f 'line %g' 1 50000"]
    )
    wait_until(lambda: svc.panes()[0].label.startswith("dead"), timeout=30)
    wait_until(lambda: b"line 50000" in read_log(rec.id))
    code, out, _ = run_cli(capsysbinary, "logs", "long")
    assert code == 0 and b"line 1\n" not in out and b"line 50000\n" in out  # tmux's 10,000
    code, out, _ = run_cli(capsysbinary, "logs", "--all", "long")
    lines = out.decode().splitlines()
    assert code == 0
    assert lines[0] == "line 1" and "line 50000" in lines and len(lines) >= 50000
    code, raw, _ = run_cli(capsysbinary, "logs", "--all", "--raw", "long")
    assert raw.startswith(b"line 1\r\nline 2\r\n")
    target = tmp_path / "saved.txt"
    code, out, _ = run_cli(capsysbinary, "logs", "--all", "--lines", "3", "-o", str(target), "long")
    assert (code, out) == (0, b"")
    assert target.read_text().splitlines()[:3] == ["line 49998", "line 49999", "line 50000"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_logs_all_shows_what_a_terminal_showed(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    script = (
        r"printf 'progress 10%%\rprogress 50%%\rprogress 100%%\n';"
        r"printf '\033[31mred\033[0m text\n'; printf 'abcdef\rXY\n'"
    )
    svc = service()
    svc.create_tmux(name="bars", cwd=str(tmp_path), command=["sh", "-c", script])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"))
    code, out, _ = run_cli(capsysbinary, "logs", "--all", "bars")
    assert code == 0
    assert out.decode().splitlines() == ["progress 100%", "red text", "XYcdef"]


def test_logs_follow_prints_new_output_and_ends_with_the_pane(
    tmux_socket: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    script = f"echo before; while [ ! -e {go} ]; do sleep 0.05; done; echo after-$((3*3))"
    svc = service()
    rec = svc.create_tmux(name="tail", cwd=str(tmp_path), command=["sh", "-c", script])
    wait_until(lambda: b"before" in read_log(rec.id))
    proc = subprocess.Popen(
        [sys.executable, "-m", "chloe", "logs", "--all", "--follow", "tail"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"before\n"
        go.touch()
        assert proc.stdout.readline() == b"after-9\n"
        assert proc.wait(timeout=15) == 0  # the pane ended, so did the follow
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_grep_across_three_panes(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    svc = service()
    for name, text in (("a", "apple\\nneedle one"), ("b", "banana"), ("c", "x\\ny\\nNEEDLE two")):
        svc.create_tmux(name=name, cwd=str(tmp_path), command=["sh", "-c", f"printf '{text}\\n'"])
    wait_until(lambda: all(i.label.startswith("dead") for i in svc.panes()))
    code, out, _ = run_cli(capsysbinary, "grep", "needle")
    assert (code, out.decode()) == (0, "a:2:needle one\n")
    code, out, _ = run_cli(capsysbinary, "grep", "-i", "needle", "c", "b")
    assert (code, out.decode()) == (0, "c:3:NEEDLE two\n")
    code, out, _ = run_cli(capsysbinary, "grep", "-E", "^(apple|banana)$", "--json")
    assert code == 0
    import json

    assert json.loads(out) == [
        {"pane": "a", "line": 1, "text": "apple"},
        {"pane": "b", "line": 1, "text": "banana"},
    ]
    code, out, _ = run_cli(capsysbinary, "grep", "nowhere")
    assert (code, out) == (1, b"")
    code, _, err = run_cli(capsysbinary, "grep", "-E", "(")
    assert code == 1 and err.startswith("chloe: bad regex")


def test_grep_finds_what_scrolled_past_tmuxs_history(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("scrollback_lines = 1000\n")
    svc = PaneService(Store(store_path()), load_config(cfg))
    svc.create_tmux(name="big", cwd=str(tmp_path), command=["sh", "-c", "seq -f 'row %g' 1 5000"])
    wait_until(lambda: svc.panes()[0].label.startswith("dead"), timeout=20)
    code, out, _ = run_cli(capsysbinary, "grep", "row 1")
    assert code == 0
    assert out.decode().splitlines()[0] == "big:1:row 1"


@pytest.mark.parametrize("ignore_case", [False, True])
def test_search_in_a_raw_log_sees_the_text_a_terminal_showed(ignore_case: bool) -> None:
    data = (
        b"plain line\r\n"
        b"\x1b[1mcolour\x1b[0m around a needle\r\n"
        b"a need\x1b[31mle\x1b[0m split by colour\r\n"
        b"\x1b]0;title with needle\x07no match in the title\r\n"
        b"progress nee\rprogress needle 100%\r\n"
        b"nee\x1b[0m dle is not it\r\n"
        b"NEEDLE in capitals\n"
    )
    pattern = history.compile_pattern("needle", regex=False, ignore_case=ignore_case)
    fast = list(history.search_log("p", data, pattern, "needle", ignore_case=ignore_case))
    slow = list(history.search_log("p", data, pattern))
    assert fast == slow
    expected = [
        (2, "colour around a needle"),
        (3, "a needle split by colour"),
        (5, "progress needle 100%"),
    ] + ([(7, "NEEDLE in capitals")] if ignore_case else [])
    assert [(m.line_number, m.line) for m in fast] == expected


def test_search_finds_text_cut_by_colour_in_a_log_coloured_word_by_word() -> None:
    """Past history.SPLIT_LIMIT escapes after the text's letters, the search switches
    to one regex that skips escapes: it still finds every cut needle, and only those."""
    filler = b"".join(b"\x1b[1mde\x1b[0m \x1b[2mle\x1b[0m words %d\r\n" % i for i in range(3000))
    data = (
        filler
        + b"n\x1b[31meedle cut after its first letter\r\n"
        + b"needl\x1b[1m\x1b[4me cut by two escapes\r\n"
        + b"nee\x1b[0m dle is not it\r\n"
    )
    assert data.count(b"\x1b") > history.SPLIT_LIMIT
    pattern = history.compile_pattern("needle", regex=False)
    fast = list(history.search_log("p", data, pattern, "needle"))
    assert fast == list(history.search_log("p", data, pattern))
    assert [(m.line_number, m.line) for m in fast] == [
        (3001, "needle cut after its first letter"),
        (3002, "needle cut by two escapes"),
    ]
