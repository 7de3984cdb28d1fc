"""The ``chloe`` command line: every subcommand, ``--json``, exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chloe.cli import format_age
from chloe.config import load_config
from chloe.model import Kind, PaneRecord
from chloe.paths import client_lock_dir, store_path
from chloe.service import PaneInfo, PaneService
from chloe.store import Store
from tests.support.cli import Run
from tests.support.screen import Screen
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]


def svc() -> PaneService:
    return PaneService(Store(store_path()), load_config())


def rows(out: str) -> dict[str, list[str]]:
    """``chloe ls`` table rows by name (names in these tests have no spaces)."""
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "STATUS", "COMMAND", "CWD", "AGE", "STATE"]
    cut = lines[0].index("STATE")  # the STATE column (last) holds several words
    return {ln.split()[0]: ln[:cut].split() for ln in lines[1:]}


def states(out: str) -> dict[str, str]:
    """``chloe ls`` STATE column by name."""
    lines = out.splitlines()
    cut = lines[0].index("STATE")
    return {ln.split()[0]: ln[cut:].strip() for ln in lines[1:]}


def test_new_ls_and_json(chloe: Run, tmp_path: Path) -> None:
    code, out, err = chloe("ls")
    assert (code, out) == (0, "")
    assert "no panes" in err

    code, out, _ = chloe("new", "--name", "build", "--cwd", str(tmp_path), "--", "sleep", "600")
    assert (code, out) == (0, "build\n")
    code, out, _ = chloe("new", "--no-wait", "--cwd", str(tmp_path), "--", "sh", "-c", "exit 3")
    assert (code, out) == (0, "sh\n")
    wait_until(lambda: "dead (exit 3)" in chloe("ls")[1])

    code, out, _ = chloe("ls")
    assert code == 0
    table = rows(out)
    assert table["build"][:4] == ["build", "tmux", "detached", "sleep"]
    assert table["build"][-2] == str(tmp_path)
    age = table["build"][-1]
    assert age.endswith("s") and int(age[:-1]) < 30  # just created: seconds, not minutes
    assert " dead (exit 3) " in out and "sh -c 'exit 3'" in out
    assert states(out)["sh"].startswith("failed (exit 3 after ")

    code, out, _ = chloe("ls", "--json")
    assert code == 0
    panes = {p["name"]: p for p in json.loads(out)}
    build = panes["build"]
    assert set(build) == {
        "id", "name", "kind", "status", "exit_code", "exit_signal", "command", "cwd",
        "created", "ended", "session", "current_command", "state", "state_since", "message",
        "started", "resume", "last_seen", "host",
    }  # fmt: skip
    assert build["kind"] == "tmux" and build["status"] == "detached"
    assert build["command"] == ["sleep", "600"] and build["cwd"] == str(tmp_path)
    assert build["session"] == f"chloe-{build['id'][:8]}"
    assert build["exit_code"] is None and build["ended"] is None
    # Nobody looks at it yet: the TUI will not embed a client for it on start.
    assert svc().find("build").user_state.value == "detached"
    assert datetime.fromisoformat(build["created"]).tzinfo is not None
    assert panes["sh"]["status"] == "dead" and panes["sh"]["exit_code"] == 3


def test_new_reports_a_command_that_ends_at_once(chloe: Run, tmp_path: Path) -> None:
    """A typo or a failing command is said at once (exit 1), with its last lines;
    a command that keeps running returns 0 and says nothing."""
    code, out, err = chloe("new", "--cwd", str(tmp_path), "--", "claud-typo")
    assert (code, out) == (1, "claud-typo\n")
    lines = err.splitlines()
    assert lines[0] == "chloe: 'claud-typo' ended at once (exit 127): claud-typo"
    assert lines[1] == "its last lines:" and "claud-typo" in lines[2] and "not found" in lines[2]
    assert lines[-1] == (
        "it stays in the list as dead: `chloe logs claud-typo`, `chloe rm claud-typo`"
    )

    code, out, err = chloe(
        "new", "--cwd", str(tmp_path), "--", "sh", "-c", "echo LAST-WORDS; sleep 0.3; exit 3"
    )
    assert code == 1 and "ended at once (exit 3)" in err and "\n  LAST-WORDS\n" in err

    code, out, err = chloe("new", "--cwd", str(tmp_path), "--", "true")
    assert (code, out) == (0, "true\n")
    assert err.startswith("chloe: note: 'true' ended at once (exit 0)")

    assert chloe("new", "--cwd", str(tmp_path), "--", "sleep", "600") == (0, "sleep\n", "")
    assert rows(chloe("ls")[1])["sleep"][2] == "detached"


def test_new_refuses_an_empty_command(chloe: Run, tmp_path: Path) -> None:
    for empty in ("", "  "):
        code, out, err = chloe("new", "--cwd", str(tmp_path), "--", empty)
        assert (code, out) == (1, "")
        assert err == (
            "chloe: the command is empty: put a program after --, "
            "or give no command for your shell\n"
        )
    assert chloe("ls", "--json")[1] == "[]\n"


def test_new_errors(chloe: Run, tmp_path: Path) -> None:
    assert chloe("new", "--name", "x", "--cwd", str(tmp_path), "--", "sleep", "600")[0] == 0
    code, out, err = chloe("new", "--name", "x", "--cwd", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == "chloe: a pane named 'x' already exists; names must be unique\n"
    code, _, err = chloe("new", "--name", "a:b", "--cwd", str(tmp_path))
    assert code == 1 and err.startswith("chloe: a pane name cannot contain ':'")
    code, _, err = chloe("new", "--cwd", str(tmp_path / "missing"))
    assert code == 1
    assert err == f"chloe: cannot start pane: directory {tmp_path / 'missing'} does not exist\n"
    assert len(json.loads(chloe("ls", "--json")[1])) == 1


def test_send_and_logs(chloe: Run, tmp_path: Path) -> None:
    chloe("new", "--name", "sh1", "--cwd", str(tmp_path), "--", "sh")
    assert chloe("send", "sh1", "echo HELLO$((2+3)) 'a;b' -l;", "--enter") == (0, "", "")
    wait_until(lambda: "HELLO5 a;b -l" in chloe("logs", "sh1")[1])
    code, out, _ = chloe("logs", "sh1")
    assert code == 0 and out.endswith("\n") and not out.endswith("\n\n")

    chloe("send", "sh1", "seq 1 300", "--enter")
    wait_until(lambda: "\n300\n" in chloe("logs", "sh1")[1])
    code, out, _ = chloe("logs", "sh1", "--lines", "50")
    assert code == 0 and "\n300\n" in out and "\n200\n" not in out

    target = tmp_path / "saved.txt"
    assert chloe("logs", "sh1", "-o", str(target)) == (0, "", "")
    text = target.read_text()
    assert "HELLO5" in text and "\n1\n" in text  # the whole history

    code, _, err = chloe("logs", "sh1", "-o", str(tmp_path / "no" / "dir" / "f"))
    assert code == 1 and err.startswith("chloe: cannot write ")


def test_rename_kill_rm(chloe: Run, tmp_path: Path, tmux_run: Callable[..., str]) -> None:
    chloe("new", "--name", "a", "--cwd", str(tmp_path), "--", "sleep", "600")
    chloe("new", "--name", "b", "--cwd", str(tmp_path), "--", "sleep", "600")
    assert chloe("rename", "a", "renamed") == (0, "", "")
    assert set(rows(chloe("ls")[1])) == {"renamed", "b"}
    code, _, err = chloe("rename", "b", "renamed")
    assert code == 1 and "already exists" in err

    assert chloe("kill", "renamed") == (0, "", "")
    assert rows(chloe("ls")[1])["renamed"][2] == "dead"

    session = json.loads(chloe("ls", "--json")[1])[1]["session"]
    code, out, _ = chloe("rm", "b")
    assert code == 0
    assert (
        out == f"still running: tmux -L {os.environ['CHLOE_TMUX_SOCKET']} attach -t '={session}'\n"
    )
    assert session in tmux_run("list-sessions", "-F", "#{session_name}")
    assert chloe("rm", "renamed") == (0, "", "")
    assert chloe("ls")[1] == ""


def test_unknown_names_and_usage_errors(chloe: Run) -> None:
    for args in (
        ("attach", "nope"),
        ("send", "nope", "x"),
        ("logs", "nope"),
        ("rename", "nope", "x"),
        ("kill", "nope"),
        ("rm", "nope"),
    ):
        code, out, err = chloe(*args)
        assert (code, out, err) == (1, "", "chloe: no pane named 'nope' (see `chloe ls`)\n"), args
    for usage in (("bogus",), ("send", "x"), ("logs", "x", "--lines", "-3"), ("new", "ls", "-la")):
        assert chloe(*usage)[0] == 2, usage


def test_direct_panes_are_listed_but_refuse_tmux_commands(chloe: Run, tmp_path: Path) -> None:
    svc().create_direct(name="d", cwd=str(tmp_path), command=["sh"])
    assert rows(chloe("ls")[1])["d"][:3] == ["d", "direct", "dead"]
    for args in (("attach", "d"), ("send", "d", "x"), ("kill", "d")):
        code, out, err = chloe(*args)
        assert (code, out) == (1, ""), args
        assert err.startswith("chloe: 'd' is a direct pane") and "tmux panes only" in err
    # A direct pane's output is its log: none yet, then what it wrote.
    assert chloe("logs", "d")[::2] == (
        1,
        "chloe: 'd' has no log (logs are off, or it never ran with them on)\n",
    )
    from chloe.history import LogWriter

    rec = svc().find("d")
    LogWriter(rec.id, "d", cap=1 << 20).write(b"\x1b[1mhello\x1b[0m from d\r\n")
    assert chloe("logs", "d") == (0, "hello from d\n", "")
    assert chloe("rename", "d", "d2")[0] == 0
    assert chloe("rm", "d2") == (0, "", "")


def test_tmux_missing(chloe: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(store_path()).add(PaneRecord.new("old", Kind.TMUX, str(tmp_path)))
    monkeypatch.setenv("PATH", "/nonexistent")
    code, out, err = chloe("new", "--cwd", str(tmp_path))
    assert (code, out) == (1, "")
    assert "tmux is not installed" in err and "apt-get install tmux" in err
    assert len(err.strip().splitlines()) == 1
    code, out, err = chloe("ls")
    assert code == 0 and rows(out)["old"][2] == "dead"
    assert err.startswith("chloe: note: tmux panes need tmux")


def test_corrupt_store_is_reported_once_then_starts_empty(chloe: Run) -> None:
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("this is [not toml")
    code, _, err = chloe("ls")
    assert code == 1
    assert err.startswith(f"chloe: {path} could not be read") and "moved to" in err
    assert chloe("ls")[0] == 0


def test_attach_needs_a_terminal_and_a_live_session(
    chloe: Run, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    chloe("new", "--name", "a", "--cwd", str(tmp_path), "--", "sleep", "600")
    code, _, err = chloe("attach", "a")
    assert (code, err) == (
        1,
        "chloe: chloe attach needs a terminal (stdin and stdout must be a tty)\n",
    )
    session = json.loads(chloe("ls", "--json")[1])[0]["session"]
    tmux_run("kill-session", "-t", f"={session}")
    code, _, err = chloe("attach", "a")
    assert code == 1 and "is dead" in err
    assert session not in tmux_run("list-sessions", "-F", "#{session_name}", check=False)


def test_attach_in_a_terminal_is_a_chloe_client(chloe: Run, tmp_path: Path) -> None:
    """`chloe attach` in a real terminal shows the pane and counts as attached."""
    from chloe.backends.direct import pane_environment, spawn

    chloe("new", "--name", "job", "--cwd", str(tmp_path), "--", "sh")
    chloe("send", "job", "echo VISIBLE$((3*3))", "--enter")
    proc = spawn(
        [sys.executable, "-m", "chloe", "attach", "job"],
        cwd=str(ROOT),
        env=pane_environment(),
    )
    screen = Screen(proc)
    try:
        screen.wait_for("VISIBLE9")
        wait_until(lambda: rows(chloe("ls")[1])["job"][2] == "attached")
        # It locked a file named after its own pid, which exec kept for tmux.
        lock_dir = client_lock_dir(os.environ["CHLOE_TMUX_SOCKET"])
        assert [p.name for p in lock_dir.iterdir()] == [str(proc.pid)]
    finally:
        proc.close()
    wait_until(lambda: rows(chloe("ls")[1])["job"][2] == "detached")


def test_cli_runs_as_a_module(tmux_socket: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chloe", "logs", "ghost"], capture_output=True, text=True, cwd=ROOT
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == "chloe: no pane named 'ghost' (see `chloe ls`)\n"
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=42), "42s"),
        (timedelta(minutes=5, seconds=3), "5m"),
        (timedelta(hours=3, minutes=12), "3h12m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=2, hours=5), "2d"),
        (timedelta(seconds=-5), "0s"),
    ],
)
def test_age_is_human(delta: timedelta, text: str) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert format_age(now - delta, now) == text


def test_inside_the_users_tmux_commands_leave_tmux_alone(
    chloe: Run, tmp_path: Path, tmux_socket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a tmux pane, chloe's tmux commands (libtmux) do not carry $TMUX.

    The test guard fails the test if any tmux process inherited it.
    """
    outer = f"{tmp_path}/users-server,1,0"
    monkeypatch.setenv("TMUX", outer)
    monkeypatch.setenv("TMUX_PANE", "%0")
    code, out, err = chloe("new", "--name", "job", "--cwd", str(tmp_path), "--", "sleep", "600")
    assert (code, out, err) == (0, "job\n", "")
    assert "TMUX" not in os.environ and "TMUX_PANE" not in os.environ
    code, out, _ = chloe("ls")
    assert code == 0 and rows(out)["job"][2] == "detached"


def test_direct_panes_are_not_inside_the_users_tmux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A direct pane started by a chloe running inside tmux gets no $TMUX/$TMUX_PANE
    (a `tmux` in it would act on the user's session), and is told about 24-bit colour."""
    from chloe.backends.direct import pane_environment, spawn

    monkeypatch.setenv("TMUX", f"{tmp_path}/users-server,1,0")
    monkeypatch.setenv("TMUX_PANE", "%0")
    monkeypatch.setenv("COLORTERM", "")
    monkeypatch.setenv("KEEP_ME", "yes")
    proc = spawn(
        ["sh", "-c", 'echo "T=[${TMUX-unset}] P=[${TMUX_PANE-unset}] C=$COLORTERM K=$KEEP_ME"'],
        cwd=str(tmp_path),
        env=pane_environment(),
    )
    screen = Screen(proc)
    try:
        screen.wait_for("T=[unset] P=[unset] C=truecolor K=yes")
    finally:
        proc.close()


def _long_info(now: datetime) -> list[PaneInfo]:
    from chloe.model import Status

    long = ["sh", "-c", "echo " + "a very long command line " * 6]
    rec = PaneRecord.new("job", Kind.TMUX, "/srv/work", long).replace(created=now)
    short = PaneRecord.new("sh", Kind.TMUX, "/srv/work").replace(created=now)
    return [PaneInfo(rec, Status.DETACHED), PaneInfo(short, Status.ATTACHED)]


def test_ls_table_fits_the_terminal_by_shortening_commands() -> None:
    """On an 80-column terminal no row wraps: long commands end in '…'; the
    other columns stay whole."""
    from chloe.cli import format_table

    now = datetime(2026, 1, 1, tzinfo=UTC)
    text = format_table(_long_info(now), now, width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert "…" in lines[1] and "/srv/work" in lines[1] and "detached" in lines[1]
    assert "(shell)" in lines[2]


def test_ls_table_to_a_pipe_keeps_whole_commands() -> None:
    from chloe.cli import format_table

    now = datetime(2026, 1, 1, tzinfo=UTC)
    text = format_table(_long_info(now), now)
    assert "…" not in text
    assert ("a very long command line " * 6).strip() in text


def _wide_infos(now: datetime) -> list[PaneInfo]:
    from chloe.model import ExitStatus, Status

    cwd = os.path.join("/srv", "projects", "app", "backend")
    panes = [
        ("build", ["make", "-j8"], Status.DETACHED, None),
        ("日本語テスト", ["claude"], Status.ATTACHED, None),
        ("🚀 rocket", ["pytest", "-x", "tests/"], Status.DEAD, ExitStatus(code=3)),
        ("plain", ["sh", "-c", "echo a\nb"], Status.DEAD, ExitStatus(signal=9)),
    ]
    return [
        PaneInfo(PaneRecord.new(name, Kind.TMUX, cwd, cmd).replace(created=now), st, ex)
        for name, cmd, st, ex in panes
    ]


@pytest.mark.parametrize("width", [None, 100, 80, 60, 44])
def test_ls_table_aligns_wide_names_by_display_width(width: int | None) -> None:
    """CJK and emoji names take two cells each: columns still line up, and at
    60 columns (a phone) no row is wider than the terminal."""
    from wcwidth import wcswidth

    from chloe.cli import format_table

    now = datetime(2026, 1, 1, tzinfo=UTC)
    lines = format_table(_wide_infos(now), now, width=width).splitlines()
    assert len(lines) == 5  # one per pane, nothing wrapped onto a line of its own
    widths = {wcswidth(line) for line in lines}
    assert len(widths) == 1, lines  # every row as wide as the header
    if width is not None:
        assert widths.pop() <= width, lines
    # STATUS starts at the same cell in every row.
    starts = {wcswidth(line[: line.index(word)]) for line, word in zip(
        lines, ["STATUS", "detached", "attached", "dead (exit 3)", "dead (SIGKILL)"], strict=True
    )}  # fmt: skip
    assert len(starts) == 1, lines
    assert lines[-1].endswith("0s") and lines[0].endswith("AGE")


_READER = """
import os, sys, tty
out, until = sys.argv[1], sys.argv[2].encode()
if sys.argv[3] == "bracketed":
    os.write(1, b"\\x1b[?2004h")
tty.setraw(0)
os.write(1, b"READY")
data = b""
while until not in data:
    data += os.read(0, 65536)
with open(out + ".tmp", "wb") as fh:
    fh.write(data)
os.replace(out + ".tmp", out)
"""


def _reader(chloe: Run, tmp_path: Path, name: str, until: str, mode: str) -> Path:
    """A pane whose program records its raw input up to ``until`` in a file."""
    out = tmp_path / f"{name}.bin"
    cmd = [sys.executable, "-c", _READER, str(out), until, mode]
    assert chloe("new", "--no-wait", "--name", name, "--cwd", str(tmp_path), "--", *cmd)[0] == 0
    wait_until(lambda: "READY" in chloe("logs", name)[1])
    return out


def test_send_paste_is_one_bracketed_paste(chloe: Run, tmp_path: Path) -> None:
    """A multi-line prompt reaches an agent that asked for bracketed paste as one
    paste (its newlines do not submit it), then Enter."""
    out = _reader(chloe, tmp_path, "agent", "\x1b[201~\r", "bracketed")
    assert chloe("send", "agent", "first line\nsecond line\n", "--paste", "--enter") == (0, "", "")
    wait_until(out.exists)
    assert out.read_bytes() == b"\x1b[200~first line\rsecond line\r\x1b[201~\r"


def test_send_paste_to_a_program_that_did_not_ask_is_plain(chloe: Run, tmp_path: Path) -> None:
    out = _reader(chloe, tmp_path, "plain", "END", "plain")
    assert chloe("send", "plain", "a\nb END", "--paste") == (0, "", "")
    wait_until(out.exists)
    assert out.read_bytes() == b"a\rb END"


def test_send_a_megabyte(chloe: Run, tmp_path: Path) -> None:
    """1 MB of text is no "Argument list too long": it reaches tmux on its stdin."""
    text = ("x" * 99 + "\n") * 10_485 + "END"
    out = _reader(chloe, tmp_path, "big", "END", "plain")
    assert chloe("send", "big", text) == (0, "", "")
    wait_until(out.exists, timeout=30)
    assert out.read_bytes() == text.encode()


def test_send_reads_the_text_from_stdin(tmp_path: Path, tmux_socket: str, chloe: Run) -> None:
    out = _reader(chloe, tmp_path, "piped", "END", "bracketed")
    text = "línea uno\nline two END".encode() + b"\xff"
    proc = subprocess.run(
        [sys.executable, "-m", "chloe", "send", "piped", "--paste", "-"],
        input=text, capture_output=True, cwd=ROOT, timeout=20,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, b"")
    wait_until(out.exists)
    assert out.read_bytes().startswith(b"\x1b[200~l\xc3\xadnea uno\rline two END")


_OWNER = """
import sys, time
from chloe.config import load_config
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store

svc = PaneService(Store(store_path()), load_config())
rec = svc.create_direct(name="d", cwd=sys.argv[1], command=["sh", "-c", "sleep 600 & wait"])
proc = svc.spawn_direct(rec, 80, 24)
print("RUNNING", proc.pid, flush=True)
while (status := proc.poll()) is None:
    time.sleep(0.02)
svc.record_exit(rec.id, status)
print("ENDED", status.describe(), flush=True)
"""


def test_rm_refuses_a_direct_pane_running_elsewhere_unless_forced(
    chloe: Run, tmp_path: Path
) -> None:
    """`chloe rm` does not silently end a direct pane running in another chloe
    process; `--force` ends it (SIGHUP to its group, as closing it there would)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert owner.stdout is not None
        word, pid_text = owner.stdout.readline().split()
        assert word == "RUNNING"
        pid = int(pid_text)
        assert rows(chloe("ls")[1])["d"][2] == "attached"

        code, out, err = chloe("rm", "d")
        assert (code, out) == (1, "")
        assert err == (
            f"chloe: 'd' is running in another chloe window, and removing it would end its "
            f"program (pid {pid}): close it there, or `chloe rm --force` ends it\n"
        )
        os.kill(pid, 0)  # still running
        assert rows(chloe("ls")[1])["d"][2] == "attached"

        assert chloe("rm", "--force", "d") == (0, "", "")
        assert owner.stdout.readline().split() == ["ENDED", "SIGHUP"]
        assert chloe("ls")[1] == ""
    finally:
        owner.kill()
        owner.wait(timeout=10)


def test_rm_force_kills_a_running_tmux_pane(
    chloe: Run, tmp_path: Path, tmux_run: Callable[..., str]
) -> None:
    chloe("new", "--no-wait", "--name", "job", "--cwd", str(tmp_path), "--", "sleep", "600")
    session = json.loads(chloe("ls", "--json")[1])[0]["session"]
    chloe("new", "--no-wait", "--name", "other", "--cwd", str(tmp_path), "--", "sleep", "600")
    assert chloe("rm", "-f", "job") == (0, "", "")
    assert session not in tmux_run("list-sessions", "-F", "#{session_name}")
    assert set(rows(chloe("ls")[1])) == {"other"}


def test_a_name_that_is_another_panes_id_is_refused_not_guessed(chloe: Run, tmp_path: Path) -> None:
    code, _, _ = chloe("new", "--no-wait", "--name", "first", "--cwd", str(tmp_path), "--",
                       "sleep", "600")  # fmt: skip
    assert code == 0
    first = next(r for r in svc().store.load() if r.name == "first")
    code, _, _ = chloe("new", "--no-wait", "--name", first.id, "--cwd", str(tmp_path), "--",
                       "sleep", "600")  # fmt: skip
    assert code == 0
    code, _, err = chloe("rm", first.id)
    assert code == 1
    assert "is the name of one pane and the id of another ('first')" in err
    assert sorted(r.name for r in svc().store.load()) == sorted(["first", first.id])
