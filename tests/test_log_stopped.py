"""A tmux pane's log writer that cannot write (a full disk) is reported, never silent:
`chloe logs` warns, `chloe doctor` names it, the UI shows a warning; the pane runs on."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chloe import history
from chloe.config import load_config
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from tests.support.waiting import wait_until

pytestmark = pytest.mark.tmux


def service() -> PaneService:
    return PaneService(Store(store_path()), load_config())


def run_cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, str, str]:
    from chloe.cli import main

    capsysbinary.readouterr()
    code = main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out.decode(errors="replace"), err.decode()


def writer_pids(log: Path) -> list[int]:
    """The log writer's processes: the ``sh`` whose command names the log, and its
    children (``head``, which holds the pipe)."""
    parents: dict[int, int] = {}
    named = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rpartition(")")[2].split()[1])
        if str(log).encode() in argv:
            named.append(pid)
    assert named, f"no writer of {log}"
    return named + [pid for pid, parent in parents.items() if parent in named]


def piped(svc: PaneService, session: str | None) -> bool | None:
    state = svc.tmux.snapshot().sessions.get(session or "")
    return None if state is None else state.piped


def test_a_log_writer_that_cannot_write_is_reported(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The log writer ends: every place the user looks says logging stopped; the pane
    keeps running."""
    svc = service()
    rec = svc.create_tmux(
        name="job", cwd=str(tmp_path), command=["sh", "-c", "read x; echo after; sleep 60"]
    )
    assert rec.tmux_session is not None
    wait_until(lambda: piped(svc, rec.tmux_session) is True, 10, message="the log pipe")
    code, _out, err = run_cli(capsysbinary, "logs", "job")
    assert code == 0 and "warning" not in err
    # The writer ends as on a failed write (here: killed, by pid; a full disk is
    # the next test); tmux notices when the pane next prints.
    for pid in writer_pids(history.log_path(rec.id)):
        os.kill(pid, signal.SIGKILL)
    svc.send_text("job", "go", enter=True)
    wait_until(lambda: piped(svc, rec.tmux_session) is False, 10, message="the writer to stop")
    code, _out, err = run_cli(capsysbinary, "logs", "job")
    assert code == 0
    assert "chloe: warning: logging of 'job' stopped" in err
    assert "the pane runs on" in err
    doctor = subprocess.run(
        [sys.executable, "-m", "chloe", "doctor"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = next(x for x in doctor.stdout.splitlines() if "logging of 'job' stopped" in x)
    assert line.startswith("problem") and " logs " in line
    infos = {i.record.name: i for i in svc.panes()}
    assert infos["job"].log_stopped is not None
    assert infos["job"].status.value in ("attached", "detached")  # it runs on


@contextlib.contextmanager
def tiny_disk(where: Path, size: str) -> Iterator[None]:
    """A tmpfs of ``size`` mounted on ``where`` (root only; skips otherwise)."""
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    mount = shutil.which("mount")
    proc = subprocess.run(
        [mount or "mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {proc.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def test_a_full_disk_is_named(
    tmux_socket: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The log directory on a 256 KiB file system, a pane printing 1 MB: ENOSPC stops
    the writer, and `chloe logs` says the disk is full."""
    with tiny_disk(history.log_dir(), "256k"):
        svc = service()
        rec = svc.create_tmux(
            name="flood",
            cwd=str(tmp_path),
            command=["sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; echo; sleep 60"],
        )
        assert rec.tmux_session is not None
        wait_until(lambda: piped(svc, rec.tmux_session) is False, 20, message="the writer to stop")
        code, _out, err = run_cli(capsysbinary, "logs", "--all", "flood")
        assert code == 0
        assert "is full" in err and "logging of 'flood' stopped" in err
        infos = {i.record.name: i for i in svc.panes()}
        assert "is full" in (infos["flood"].log_stopped or "")
        svc.kill("flood")


async def test_the_ui_warns_once_that_a_panes_logging_stopped(
    tmux_socket: str, tmp_path: Path
) -> None:
    from tests.ui.helpers import make_app, notices, until

    svc = service()
    rec = svc.create_tmux(
        name="job", cwd=str(tmp_path), command=["sh", "-c", "read x; echo after; sleep 60"]
    )
    assert rec.tmux_session is not None
    wait_until(lambda: piped(svc, rec.tmux_session) is True, 10, message="the log pipe")
    for pid in writer_pids(history.log_path(rec.id)):
        os.kill(pid, signal.SIGKILL)
    svc.send_text("job", "go", enter=True)
    wait_until(lambda: piped(svc, rec.tmux_session) is False, 10, message="the writer to stop")
    app = make_app(tmux_socket, str(tmp_path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(
            pilot,
            lambda: any(
                sev == "warning" and "logging of 'job' stopped" in text
                for sev, text in notices(app)
            ),
            "the warning",
        )
        await pilot.pause(2.5)  # two more status rounds: told once, not again
        told = [t for _, t in notices(app) if "logging of 'job' stopped" in t]
        assert len(told) == 1
