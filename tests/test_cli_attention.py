"""``chloe notify``, ``chloe wait`` and the STATE of ``chloe ls``, on a real private tmux."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
CHLOE = f"{shlex.quote(sys.executable)} -m chloe"


def pane(chloe: Run, name: str) -> dict[str, object]:
    code, out, _ = chloe("ls", "--json")
    assert code == 0
    return next(p for p in json.loads(out) if p["name"] == name)


def test_notify_inside_a_pane_marks_it_needs_you_with_the_message(
    chloe: Run, tmp_path: Path
) -> None:
    script = f"sleep 0.3; {CHLOE} notify --needs-you 'approve the edit?'; sleep 600"
    code, _, _ = chloe("new", "--no-wait", "--name", "agent", "--cwd", str(tmp_path), "--",
                       "sh", "-c", script)  # fmt: skip
    assert code == 0
    found = wait_until(lambda: pane(chloe, "agent"), accept=lambda p: p["state"] == "needs you")
    assert found["message"] == "approve the edit?"
    assert isinstance(found["state_since"], str)
    code, out, _ = chloe("ls")
    assert "needs you since" in out and "approve the edit?" in out
    # A later mark replaces it (here from outside the pane, by name).
    code, _, _ = chloe("notify", "--pane", "agent", "--done", "all green")
    assert code == 0
    done = pane(chloe, "agent")
    assert (done["state"], done["message"]) == ("done", "all green")


def test_notify_outside_a_pane_says_so(chloe: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHLOE_PANE", raising=False)
    code, _, err = chloe("notify", "hello")
    assert code == 1
    assert err.startswith("chloe: chloe notify marks the pane it runs in") and err.count("\n") == 1
    monkeypatch.setenv("CHLOE_PANE", "../x")
    code, _, err = chloe("notify")
    assert code == 1 and "not a pane id" in err


def test_wait_exits_with_the_panes_exit_status(chloe: Run, tmp_path: Path) -> None:
    code, _, _ = chloe("new", "--no-wait", "--name", "train", "--cwd", str(tmp_path), "--",
                       "sh", "-c", "sleep 1.5; exit 3")  # fmt: skip
    assert code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "chloe", "wait", "train", "--timeout", "30"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert pane(chloe, "train")["state"] == "failed"


def test_wait_for_needs_you_and_the_timeout(chloe: Run, tmp_path: Path) -> None:
    script = f"sleep 1; {CHLOE} notify 'your turn'; sleep 600"
    code, _, _ = chloe("new", "--no-wait", "--name", "ask", "--cwd", str(tmp_path), "--",
                       "sh", "-c", script)  # fmt: skip
    start = time.monotonic()
    code, _, err = chloe("wait", "ask", "--for", "quiet", "--timeout", "0.5")
    assert code == 124 and "no quiet within 0.5 s" in err
    code, _, _ = chloe("wait", "ask", "--for", "needs-you", "--timeout", "30")
    assert code == 0
    assert time.monotonic() - start < 20


def test_notify_reads_a_claude_code_hooks_json_from_stdin(
    chloe: Run, tmp_path: Path, tmux_socket: str
) -> None:
    code, _, _ = chloe("new", "--no-wait", "--name", "claude", "--cwd", str(tmp_path), "--",
                       "sleep", "600")  # fmt: skip
    assert code == 0
    pane_id = pane(chloe, "claude")["id"]
    hook_input = json.dumps(
        {"session_id": "abc", "hook_event_name": "Notification",
         "message": "Claude needs your permission to use Bash"}
    )  # fmt: skip
    env = {**os.environ, "CHLOE_PANE": str(pane_id)}
    for args, stdin in ((["--needs-you", "-"], hook_input), (["--done", "-"], '{"stop": 1}')):
        proc = subprocess.run(
            [sys.executable, "-m", "chloe", "notify", *args],
            input=stdin, env=env, cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        if args[0] == "--needs-you":
            found = pane(chloe, "claude")
            assert (found["state"], found["message"]) == (
                "needs you",
                "Claude needs your permission to use Bash",
            )
    done = pane(chloe, "claude")
    assert (done["state"], done["message"]) == ("done", None)


@pytest.mark.parametrize(
    ("sequence", "message"),
    [
        (r"\033]9;build done\007", "build done"),
        (r"\033]777;notify;claude;approve the edit?\033\\", "claude: approve the edit?"),
        (r"\033]99;i=1;ready for review\033\\", "ready for review"),
    ],
)
def test_a_desktop_notification_in_a_tmux_pane_needs_you_with_its_text(
    chloe: Run, tmp_path: Path, sequence: str, message: str
) -> None:
    # tmux drops these sequences; chloe finds them in the pane's continuous log.
    script = f"sleep 0.5; printf '{sequence}'; sleep 600"
    code, _, _ = chloe("new", "--no-wait", "--name", "agent", "--cwd", str(tmp_path), "--",
                       "sh", "-c", script)  # fmt: skip
    assert code == 0
    found = wait_until(lambda: pane(chloe, "agent"), accept=lambda p: p["state"] == "needs you")
    assert found["message"] == message
    code, out, _ = chloe("ls")
    assert "needs you since" in out and message in out


def test_a_notification_sent_while_nothing_scanned_is_found_once(
    chloe: Run, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    script = f"while [ ! -e {go} ]; do sleep 0.1; done; printf '\\033]9;tests pass\\007'; sleep 600"
    code, _, _ = chloe("new", "--no-wait", "--name", "ci", "--cwd", str(tmp_path), "--",
                       "sh", "-c", script)  # fmt: skip
    assert code == 0
    assert pane(chloe, "ci")["state"] != "needs you"  # scanned once: nothing yet
    go.touch()
    from chloe import events, history
    from chloe.config import load_config

    log = history.log_path(str(pane(chloe, "ci")["id"]))
    wait_until(lambda: b"tests pass" in log.read_bytes(), message="the log has it")
    # Nothing ran meanwhile; two chloe processes look at once: it is recorded once.
    found = pane(chloe, "ci")
    assert (found["state"], found["message"]) == ("needs you", "tests pass")
    assert pane(chloe, "ci")["state"] == "needs you"
    path = events.event_path(load_config().tmux_socket)
    assert [e.detail for e in events.read_all(path) if e.kind == "osc9"] == ["tests pass"]
    # Looking at it (a chloe window records that) clears it, and it does not come back.
    since = datetime.fromisoformat(str(found["state_since"]))
    events.append(path, events.Event(since + timedelta(seconds=1), "seen", str(found["id"])))
    assert pane(chloe, "ci")["state"] != "needs you"
    assert pane(chloe, "ci")["state"] != "needs you"
