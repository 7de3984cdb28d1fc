"""Faults and hostile files around chloe's own files: every case ends in one clear line.

Real processes and real files: ``python -m chloe`` subprocesses with a
deadline, a lock holder stopped with SIGSTOP, FIFOs, symlinks, a read-only
directory seen by an ordinary user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chloe import paths
from chloe.backends import locks
from chloe.errors import CorruptStoreError, StoreBusyError, StoreError
from chloe.model import Kind, PaneRecord
from chloe.store import LOCK_TIMEOUT, Store, dumps

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = LOCK_TIMEOUT + 15  # generous: the machine may be busy


def chloe(*args: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
    """Run ``python -m chloe ARGS``; a hang fails the test once ``timeout`` passes."""
    return subprocess.run(
        [sys.executable, "-m", "chloe", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_clear_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single ``chloe: ...`` line a failing command printed (no traceback)."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("chloe: "), proc.stderr
    return lines[0]


def valid_file(*names: str) -> bytes:
    return dumps(
        [
            PaneRecord(
                id=f"{k:032x}",
                name=name,
                kind=Kind.TMUX,
                cwd="/srv",
                created=datetime(2024, 1, 1, tzinfo=UTC),
                tmux_session=f"chloe-{k:08x}",
            )
            for k, name in enumerate(names)
        ]
    ).encode()


@pytest.fixture(autouse=True)
def no_problems_left_behind() -> Iterator[None]:
    """Problems noted here stay in this test (the registry lives as long as the process)."""
    paths.forget_problems()
    yield
    paths.forget_problems()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = paths.store_path()
    path.parent.mkdir(parents=True, mode=0o700)
    return path


# -- things at panes.toml that are not files ---------------------------------------


def test_a_fifo_at_panes_toml_is_refused_without_blocking(
    store_path: Path, tmux_socket: str
) -> None:
    os.mkfifo(store_path, 0o600)
    start = time.monotonic()
    line = one_clear_line(chloe("ls"))
    assert time.monotonic() - start < DEADLINE
    assert str(store_path) in line
    assert "FIFO" in line and "not a regular file" in line
    assert stat.S_ISFIFO(os.stat(store_path).st_mode)  # left alone
    # and the lock is free again: the next command is not stuck behind it
    store_path.unlink()
    assert chloe("ls").returncode == 0


def test_a_fifo_at_the_lock_file_is_refused_without_blocking(store_path: Path) -> None:
    lock = store_path.with_name("panes.toml.lock")
    os.mkfifo(lock, 0o600)
    with pytest.raises(StoreError, match="FIFO"):
        Store(store_path).load()
    assert stat.S_ISFIFO(os.stat(lock).st_mode)


# -- a lock holder that stops -------------------------------------------------------

_HOLDER = """
import sys, time
from pathlib import Path
from chloe.store import Store

store = Store(Path(sys.argv[1]))
for _ in range({turns}):
    with store.transaction():
        print("locked", flush=True)
        {hold}
"""


@contextlib.contextmanager
def lock_holder(store_path: Path, hold: str, turns: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """Another chloe process that takes the store lock ``turns`` times, each time running
    the statement ``hold`` before letting go; handed over once it holds the lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER.format(turns=turns, hold=hold), str(store_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        yield holder
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGCONT)  # if a test stopped it
            holder.kill()
        holder.wait(timeout=15)


@pytest.fixture
def stopped_holder(store_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A chloe process stopped (SIGSTOP, as Ctrl+Z would) while it holds the store lock."""
    store_path.write_bytes(valid_file("kept"))
    with lock_holder(store_path, "sys.stdin.read()") as holder:
        os.kill(holder.pid, signal.SIGSTOP)
        yield holder


def test_a_stopped_lock_holder_does_not_block_other_chloes_forever(
    store_path: Path, stopped_holder: subprocess.Popen[bytes], tmux_socket: str
) -> None:
    start = time.monotonic()
    line = one_clear_line(chloe("ls"))
    waited = time.monotonic() - start
    assert waited < DEADLINE
    assert f"chloe process {stopped_holder.pid}" in line
    assert "stopped" in line and f"kill -CONT {stopped_holder.pid}" in line
    # Nothing was lost: once the holder is gone the list is intact.
    os.kill(stopped_holder.pid, signal.SIGCONT)
    stopped_holder.kill()
    stopped_holder.wait(timeout=15)
    assert [r.name for r in Store(store_path).load()] == ["kept"]


def test_a_lock_wait_gives_up_after_the_timeout(
    store_path: Path, stopped_holder: subprocess.Popen[bytes]
) -> None:
    store = Store(store_path, lock_timeout=0.5)
    for attempt in (store.load, lambda: store.save([])):
        start = time.monotonic()
        with pytest.raises(StoreBusyError, match=str(stopped_holder.pid)):
            attempt()
        assert 0.4 < time.monotonic() - start < 5


def test_a_queue_of_holders_is_waited_for_past_the_timeout(store_path: Path) -> None:
    # Holders that each keep the lock a short while, one after the other, for
    # longer than the timeout in all: a waiter sees progress and keeps waiting.
    with lock_holder(store_path, "time.sleep(0.3)", turns=4):
        store = Store(store_path, lock_timeout=0.5)
        assert store.load() == []  # waited through the holder's turns, no StoreBusyError


# -- values TOML allows that chloe cannot use ----------------------------------------

_PANE = '[[panes]]\nid = "{id}"\nname = "one"\nkind = "direct"\ncwd = "/"\ncreated = {created}\n'


@pytest.mark.parametrize(
    ("pane_id", "created", "words"),
    [
        ("a1", "9999-12-31T23:30:00-05:00", "out of range"),
        ("a1", "0001-01-01T00:10:00+05:00", "out of range"),
        ("../../../precious", "2024-01-01T00:00:00Z", "bad id"),
        ("a b", "2024-01-01T00:00:00Z", "bad id"),
    ],
)
def test_a_record_chloe_cannot_use_makes_the_file_corrupt_not_a_crash(
    store_path: Path, tmux_socket: str, pane_id: str, created: str, words: str
) -> None:
    content = ("schema = 1\n" + _PANE.format(id=pane_id, created=created)).encode()
    store_path.write_bytes(content)
    line = one_clear_line(chloe("ls"))
    assert words in line and "moved to" in line
    moved = sorted(store_path.parent.glob("panes.toml.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == content  # nothing lost
    # The next command starts from an empty list and writes normally.
    assert chloe("ls").returncode == 0
    assert not Path(os.path.normpath(paths.live_dir() / "../../../precious.lock")).exists()


def test_a_deeply_nested_array_is_moved_aside(store_path: Path, tmux_socket: str) -> None:
    content = b"schema = 1\nx = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    store_path.write_bytes(content)
    line = one_clear_line(chloe("ls"))
    assert "nested too deeply" in line
    store_path.write_bytes(content)
    with pytest.raises(CorruptStoreError, match="nested too deeply"):
        Store(store_path).load()
    moved = sorted(store_path.parent.glob("panes.toml.corrupt-*"))
    assert len(moved) == 2 and all(m.read_bytes() == content for m in moved)


def test_a_non_utf8_working_directory_is_one_clear_line(tmp_path: Path, tmux_socket: str) -> None:
    odd = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(odd)
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"chloe", b"new", b"--cwd", odd, b"--", b"true"],
        capture_output=True,
        cwd=ROOT,
        timeout=DEADLINE,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "caf\\xe9" in err and "UTF-8" in err
    assert not paths.store_path().exists() or Store(paths.store_path()).load() == []


# -- files chloe writes through, or accepts ------------------------------------------


def test_a_symlinked_panes_toml_is_written_through(store_path: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "panes.toml"
    real.write_bytes(valid_file("one"))
    store_path.symlink_to(real)
    store = Store(store_path)
    store.add(PaneRecord.new("two", Kind.DIRECT, "/"))
    assert store_path.is_symlink() and os.readlink(store_path) == str(real)
    assert [r.name for r in store.load()] == ["one", "two"]
    assert b'name = "two"' in real.read_bytes()
    assert sorted(p.name for p in dotfiles.iterdir()) == ["panes.toml"]  # no temp left


def test_a_byte_order_mark_is_accepted_and_dropped_on_the_next_save(store_path: Path) -> None:
    store_path.write_bytes(b"\xef\xbb\xbf" + valid_file("one"))
    store = Store(store_path)
    assert [r.name for r in store.load()] == ["one"]
    store.add(PaneRecord.new("two", Kind.DIRECT, "/"))
    assert not store_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [r.name for r in store.load()] == ["one", "two"]


def test_a_symlink_at_the_store_lock_is_never_followed(store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.lock"
    store_path.with_name("panes.toml.lock").symlink_to(target)
    with pytest.raises(StoreError, match="symbolic link"):
        Store(store_path).add(PaneRecord.new("x", Kind.DIRECT, "/"))
    assert not target.exists()


# -- directory modes -----------------------------------------------------------------


def test_every_directory_level_is_created_private_under_umask_000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh" / "share"))
    old = os.umask(0)
    try:
        Store(paths.store_path()).add(PaneRecord.new("a", Kind.DIRECT, "/"))
    finally:
        os.umask(old)
    for level in (tmp_path / "fresh", tmp_path / "fresh" / "share", paths.data_dir()):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700, level
    assert stat.S_IMODE(paths.store_path().stat().st_mode) == 0o600


def test_a_loose_chloe_directory_is_made_private_and_reported(store_path: Path) -> None:
    store_path.parent.chmod(0o777)
    Store(store_path).load()
    assert stat.S_IMODE(store_path.parent.stat().st_mode) == 0o700
    assert any(
        str(store_path.parent) in p and "writable by other users (mode 0777)" in p
        for p in paths.problems()
    )


# -- lock files ----------------------------------------------------------------------


def test_a_dangling_symlink_at_a_lock_file_never_creates_its_target(tmp_path: Path) -> None:
    live = paths.live_dir()
    live.mkdir(parents=True)
    target = tmp_path / "precious"
    link = live / f"{'a' * 32}.lock"
    link.symlink_to(target)
    assert locks.take(link) == -1
    assert not locks.held(link)
    assert not target.exists() and link.is_symlink()
    assert any(str(live) in p and "symbolic link" in p for p in paths.problems())


def _direct_pane_file(*names: str) -> bytes:
    return dumps(
        [
            PaneRecord(
                id=f"{k:032x}",
                name=name,
                kind=Kind.DIRECT,
                cwd="/",
                created=datetime(2024, 1, 1, tzinfo=UTC),
            )
            for k, name in enumerate(names)
        ]
    ).encode()


def test_ls_says_when_lock_files_cannot_be_created(store_path: Path, tmux_socket: str) -> None:
    # Nothing can be created at <state>/chloe/live (a file is in the way), so a
    # running direct pane could not hold its lock there: its label may be wrong.
    store_path.write_bytes(_direct_pane_file("job"))
    paths.state_dir().mkdir(parents=True)
    paths.live_dir().write_text("in the way")
    proc = chloe("ls")
    assert proc.returncode == 0, proc.stderr
    assert "job" in proc.stdout
    assert proc.stderr.splitlines() == [
        f"chloe: warning: cannot create lock files in {paths.live_dir()}: "
        "Not a directory; labels may be wrong"
    ]


def test_lock_files_in_an_unwritable_directory_are_a_noted_problem(tmp_path: Path) -> None:
    directory = tmp_path / "locks"
    directory.mkdir(mode=0o755)
    if os.geteuid() != 0:
        directory.chmod(0o555)
        fd = locks.take(directory / "x.lock")
        noted = paths.problems()
        directory.chmod(0o755)
    else:
        # root writes anywhere: try as 'nobody' in a directory root owns.
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.close(r)
                os.chdir(directory)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                result = locks.take(Path("x.lock"))
                os.write(w, f"{result}\n{chr(10).join(paths.problems())}".encode())
            finally:
                os._exit(0)
        os.close(w)
        chunks = []
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
        os.close(r)
        os.waitpid(pid, 0)
        first, *noted_list = b"".join(chunks).decode().splitlines()
        fd, noted = int(first), tuple(noted_list)
    assert fd == -1
    assert any("cannot create lock files in" in p and "labels may be wrong" in p for p in noted)
    assert not (directory / "x.lock").exists()


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_lock_files_are_swept_and_held_ones_kept(tmp_path: Path) -> None:
    live = paths.live_dir()
    live.mkdir(parents=True)
    stale, fresh, busy = (live / f"{c * 32}.lock" for c in "abc")
    for f in (stale, fresh, busy):
        f.write_bytes(b"")
    holder = os.open(busy, os.O_RDONLY)  # another open file: its lock is another process's
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        _age(stale, 3600)
        _age(busy, 3600)
        fd = locks.take(live / f"{'d' * 32}.lock")
        assert fd >= 0
        os.close(fd)
        assert not stale.exists()
        assert fresh.exists() and busy.exists()
    finally:
        os.close(holder)


def test_stale_temporary_client_files_are_removed(tmp_path: Path) -> None:
    clients = paths.client_lock_dir("s")
    clients.mkdir(parents=True)
    stale, fresh = clients / ".tmp-1-aa", clients / ".tmp-2-bb"
    stale.write_bytes(b"")
    fresh.write_bytes(b"")
    _age(stale, 3600)
    taken = locks.take_temporary(clients)
    assert taken is not None
    try:
        _age(taken.path, 3600)  # old, but locked: a client starting up
        assert locks.held_pids(clients) == frozenset()
        assert not stale.exists()
        assert fresh.exists() and taken.path.exists()
    finally:
        taken.discard()


def test_a_busy_running_holder_is_named_too(store_path: Path) -> None:
    with lock_holder(store_path, "time.sleep(60)") as holder:
        with pytest.raises(StoreBusyError) as info:
            Store(store_path, lock_timeout=0.3).add(PaneRecord.new("x", Kind.DIRECT, "/"))
        assert f"chloe process {holder.pid}, which has not let go for 0.3 s" in str(info.value)
        assert "stopped" not in str(info.value)
    assert Store(store_path).load() == []  # nothing half-written
