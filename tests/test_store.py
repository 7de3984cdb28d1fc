"""panes.toml: exact round trips, crash safety, concurrent writers, damaged files.

Everything here uses real files (under ``tmp_path``) and real processes.
"""

from __future__ import annotations

import fcntl
import os
import random
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chloe import paths
from chloe.errors import (
    CorruptStoreError,
    DuplicateNameError,
    NewerSchemaError,
    StoreError,
    UnknownPaneError,
)
from chloe.model import NAME_MAX, ExitStatus, Kind, PaneRecord, UserState, validate_name
from chloe.store import SCHEMA, Store, dumps, parse
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]


def rec(name: str, kind: Kind = Kind.TMUX, **changes: object) -> PaneRecord:
    r = PaneRecord.new(name, kind, "/home/me/my project", ["claude", "--model", "x y"])
    return r.replace(**changes) if changes else r


@pytest.fixture
def sd(tmp_path: Path) -> Path:
    """An empty directory for a store (tmp_path also holds the XDG directories)."""
    d = tmp_path / "store"
    d.mkdir()
    return d


def other_files(directory: Path, path: Path) -> list[str]:
    """Names in ``directory`` other than the data file and its lock file."""
    return sorted(
        p.name for p in directory.iterdir() if p.name not in {path.name, "panes.toml.lock"}
    )


# -- round trip -------------------------------------------------------------------


def _valid_name(s: str) -> bool:
    try:
        validate_name(s)
    except ValueError:
        return False
    return True


_special = st.sampled_from(list(" \"'\\#[]={}$@%~`\t\n\x00\x7f\u00e9\u4e2d\U0001f680"))
_any_text = st.text(st.characters(codec="utf-8") | _special, max_size=40)
_names = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
        exclude_characters=".:",
    )
    | st.sampled_from(list(" \"'\\#[]=")),
    min_size=1,
    max_size=NAME_MAX,
).filter(_valid_name)
# Fixed offsets, including ones in seconds, which TOML cannot spell.
_zones = st.just(UTC) | st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
_times = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=_zones
).map(lambda d: d.replace(microsecond=0))
_exit = (
    st.none()
    | st.builds(ExitStatus, code=st.integers(-(2**31), 2**31))
    | st.builds(ExitStatus, signal=st.integers(1, 64))
)
_cwds = _any_text | st.sampled_from(["/home/me/my project", "/tmp/a b/c#d", "C:\\odd\\path", ""])


@st.composite
def records(draw: st.DrawFn) -> PaneRecord:
    kind = draw(st.sampled_from(Kind))
    session = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
    return PaneRecord(
        id=draw(
            st.uuids().map(lambda u: u.hex) | st.from_regex(r"[0-9A-Za-z_-]{1,64}", fullmatch=True)
        ),
        name=draw(_names),
        kind=kind,
        cwd=draw(_cwds),
        command=tuple(draw(st.lists(_any_text, max_size=5))),
        created=draw(_times),
        tmux_session=session if kind is Kind.TMUX else draw(st.none() | st.just(session)),
        user_state=draw(st.sampled_from(UserState)),
        exit_status=draw(_exit),
        ended=draw(st.none() | _times),
        resume=tuple(draw(st.lists(_any_text, max_size=3))),
        lost=draw(st.none() | _times),
    )


pane_lists = st.lists(records(), max_size=5, unique_by=(lambda r: r.name, lambda r: r.id))


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pane_lists)
@example(
    [
        PaneRecord(
            id="0" * 32,
            name='it\'s "quoted" \\ #not-a-comment é 🚀',
            kind=Kind.TMUX,
            cwd="/srv/dir with spaces/#1",
            command=("sh", "-c", "echo \"hi there\" 'single' \\n # end"),
            created=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            tmux_session="chloe-00000000",
            user_state=UserState.DETACHED,
            exit_status=ExitStatus(signal=9),
            ended=datetime(2024, 5, 6, 8, 0, 0, tzinfo=UTC),
        )
    ]
)
def test_save_then_load_gives_equal_records(tmp_path: Path, panes: list[PaneRecord]) -> None:
    path = tmp_path / "data" / "panes.toml"
    store = Store(path)
    store.save(panes)
    assert store.load() == panes
    assert Store(path).load() == panes  # a fresh Store (a new chloe) sees the same


def test_a_zone_with_an_offset_in_seconds_round_trips(sd: Path) -> None:
    # Amsterdam in 1900 was UTC+00:19:32; TOML offsets are whole minutes.
    created = datetime(1900, 6, 1, 12, 0, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert created.utcoffset() == timedelta(minutes=19, seconds=32)
    path = sd / "panes.toml"
    panes = [rec("old", created=created), rec("new")]
    Store(path).save(panes)
    assert Store(path).load() == panes
    assert not other_files(sd, path)  # nothing was judged corrupt


def test_the_file_is_readable_toml_with_schema_first(sd: Path) -> None:
    path = sd / "panes.toml"
    a = rec("a", exit_status=ExitStatus(code=3))
    Store(path).save([a])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("schema = 1\n")  # no field newer than version 1
    assert "[[panes]]" in text
    assert f'id = "{a.id}"' in text
    assert "exit_code = 3" in text
    assert text == dumps([a])


def test_store_conveniences(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    assert store.load() == []
    a = store.add(rec("a"))
    b = store.add(rec("b", Kind.DIRECT))
    with pytest.raises(DuplicateNameError, match="'a' already exists"):
        store.add(rec("a"))
    new_b = store.update(b.id, lambda r: r.replace(name="b2", exit_status=ExitStatus(code=0)))
    assert Store(store.path).load() == [a, new_b]
    with pytest.raises(DuplicateNameError):
        store.update(b.id, lambda r: r.replace(name="a"))
    with pytest.raises(UnknownPaneError):
        store.update("nope", lambda r: r)
    assert store.remove(a.id) == a
    assert store.remove(a.id) is None
    assert Store(store.path).load() == [new_b]
    with pytest.raises(DuplicateNameError):
        store.save([a, a.replace(id="other")])
    assert Store(store.path).load() == [new_b]  # a refused save changes nothing


def test_a_failed_transaction_writes_nothing(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    store.add(rec("keep"))
    before = store.path.read_bytes()
    with pytest.raises(RuntimeError), store.transaction() as panes:
        panes.append(rec("half-done"))
        raise RuntimeError("boom")
    assert store.path.read_bytes() == before


# -- crash safety -----------------------------------------------------------------

# Shared by the test and the child: the list saved by the i-th save.
_STATES = r"""
from datetime import UTC, datetime, timedelta
from chloe.model import ExitStatus, Kind, PaneRecord, UserState

def state(i):
    return [
        PaneRecord(
            id=f"{k:032x}",
            name=f"pane {k} \"q\" #{i % 7}",
            kind=Kind.TMUX if k % 2 else Kind.DIRECT,
            cwd=f"/srv/dir with spaces/{k}",
            command=("sh", "-c", f"echo save {i}; " + "x" * 1500),
            created=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
            tmux_session=f"chloe-{k:08x}" if k % 2 else None,
            user_state=UserState.DETACHED if i % 2 else UserState.ATTACHED,
            exit_status=ExitStatus(code=i) if k == 0 else None,
        )
        for k in range(6)
    ]
"""

_SAVER = (
    _STATES
    + r"""
import sys
from pathlib import Path
from chloe.store import Store

store = Store(Path(sys.argv[1]))
sys.stdout.write("ready\n")
sys.stdout.flush()
i = 0
while True:
    store.save(state(i))
    sys.stdout.write(f"{i}\n")
    sys.stdout.flush()
    i += 1
"""
)

_ns: dict[str, object] = {}
exec(_STATES, _ns)
state: Callable[[int], list[PaneRecord]] = _ns["state"]  # type: ignore[assignment]


class Lines:
    """Read a child's stdout line by line, each wait bounded by a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.buf = b""
        self.lines: list[str] = []
        self.eof = False

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.eof = True
            return
        self.buf += chunk
        *done, self.buf = self.buf.split(b"\n")
        self.lines.extend(line.decode() for line in done)

    def wait_for(self, count: int, timeout: float = 15.0) -> None:
        """Read until ``count`` lines came; fail if the child's output ends first."""

        def read() -> list[str]:
            if len(self.lines) < count and not self.eof:
                self._pump(0.05)
            return self.lines

        # _pump waits on select itself: no sleep between reads.
        wait_until(
            read,
            timeout,
            0,
            f"{count} lines from the child",
            accept=lambda lines: len(lines) >= count or self.eof,
        )
        assert len(self.lines) >= count, f"child gave {self.lines[-3:]} (wanted {count} lines)"

    def drain(self, timeout: float = 15.0) -> None:
        """Read until the child's output ends."""

        def ended() -> bool:
            if not self.eof:
                self._pump(0.05)
            return self.eof

        wait_until(ended, timeout, 0, "the child's output to end")


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_list(tmp_path: Path) -> None:
    path = tmp_path / "data" / "panes.toml"
    rng = random.Random(1234)
    kills = 50
    mid_save = 0  # kills that left a temp file: the save really was interrupted
    round_ = 0
    # At least 50 kills, and on until one landed inside a save (a fast disk makes the
    # window small), at most 600.
    while round_ < kills or (mid_save == 0 and round_ < 600):
        round_ += 1
        before = Store(path).load()
        proc = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
        )
        try:
            lines = Lines(proc)
            lines.wait_for(1 + rng.randrange(0, 4))  # "ready", then 0-3 finished saves
            time.sleep(rng.uniform(0, 0.004))  # jitter: land anywhere inside the next save
            proc.send_signal(signal.SIGKILL)
            lines.drain()
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=15)
        assert proc.returncode == -signal.SIGKILL, err.decode()
        done = [int(x) for x in lines.lines[1:]]
        assert done == list(range(len(done)))
        # The save that was interrupted is the one after the last reported.
        allowed = [state(done[-1]), state(done[-1] + 1)] if done else [before, state(0)]
        leftovers = other_files(path.parent, path)
        after = Store(path).load()  # parses, or raises and fails the test
        assert after in allowed, f"round {round_}: file holds neither the old nor the new list"
        assert len(leftovers) <= 1, leftovers
        assert all(n.startswith(".panes.toml-") and n.endswith(".tmp") for n in leftovers)
        mid_save += len(leftovers)
    # The next save cleans up what a killed writer left.
    Store(path).save(state(0))
    assert other_files(path.parent, path) == []
    assert mid_save > 0, "no kill landed inside a save; the test proved nothing"


# -- concurrency ------------------------------------------------------------------

_ADDER = r"""
import os, sys
from pathlib import Path
from chloe.model import Kind, PaneRecord
from chloe.store import Store

store = Store(Path(sys.argv[1]))
record = PaneRecord.new(f"worker {sys.argv[3]}", Kind.TMUX, "/tmp")
sys.stdout.write("ready\n")
sys.stdout.flush()
os.read(int(sys.argv[2]), 1)  # the barrier: returns when the parent closes its end
store.add(record)
"""


def test_twenty_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "panes.toml"
    first = Store(path).add(rec("already here"))
    gate_r, gate_w = os.pipe()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(20):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _ADDER, str(path), str(gate_r), str(i)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=(gate_r,),
                    cwd=REPO,
                )
            )
        for p in procs:
            Lines(p).wait_for(1, timeout=30)
    finally:
        os.close(gate_r)
        os.close(gate_w)  # release all 20 together
        try:
            results = [p.communicate(timeout=60) for p in procs]
        finally:
            for p in procs:
                p.kill()  # only matters if one hung: never leave children behind
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err.decode()
    panes = Store(path).load()
    assert panes[0] == first
    assert sorted(r.name for r in panes[1:]) == sorted(f"worker {i}" for i in range(20))
    assert len({r.id for r in panes}) == 21
    assert other_files(path.parent, path) == []


def test_a_save_waits_for_another_process_holding_the_lock(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    store.add(rec("first"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys\n"
            "f = open(sys.argv[1], 'a')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
            str(store.lock_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        Lines(holder).wait_for(1)
        adder = threading.Thread(target=store.add, args=(rec("second"),))
        adder.start()
        adder.join(timeout=0.5)
        assert adder.is_alive(), "the save did not wait for the lock"
        assert [r.name for r in parse(store.path.read_text(), store.path)] == ["first"]
        assert holder.stdin is not None
        holder.stdin.close()
        adder.join(timeout=15)
        assert not adder.is_alive()
    finally:
        holder.kill()
        holder.wait(timeout=15)
    assert [r.name for r in store.load()] == ["first", "second"]


# -- damaged files ----------------------------------------------------------------

_VALID = dumps(
    [
        PaneRecord(
            id=f"{k:032x}",
            name=f"pane {k}",
            kind=Kind.TMUX,
            cwd="/srv/with space",
            command=("claude", "--resume"),
            created=datetime(2024, 1, 1, tzinfo=UTC),
            tmux_session=f"chloe-{k:08x}",
        )
        for k in range(3)
    ]
).encode()

_PANE = (
    b'[[panes]]\nid = "a1"\nname = "one"\nkind = "direct"\ncwd = "/"\n'
    b"created = 2024-01-01T00:00:00Z\n"
)

CORRUPT = {
    "not toml": (b"schema = 1\n[[panes]\nname = \n", "not valid TOML"),
    "truncated": (_VALID[: len(_VALID) // 2], ""),
    "empty": (b"", "empty"),
    "blank": (b"\n  \n", "empty"),
    "binary garbage": (bytes(range(256)) * 4, "not UTF-8"),
    "latin-1 text": ("schema = 1 # caf\u00e9".encode("latin-1"), "not UTF-8"),
    "no schema": (_PANE, "schema"),
    "schema is text": (b'schema = "1"\n', "schema"),
    "schema zero": (b"schema = 0\n", "unknown schema 0"),
    "panes is a number": (b"schema = 1\npanes = 3\n", "'panes' must be an array of tables"),
    "pane not a table": (b"schema = 1\npanes = [1, 2]\n", "pane 1: expected a table"),
    "pane missing name": (b"schema = 1\n" + _PANE.replace(b'name = "one"\n', b""), "'name'"),
    "pane missing created": (
        b"schema = 1\n" + _PANE.replace(b"created = 2024-01-01T00:00:00Z\n", b""),
        "'created'",
    ),
    "bad kind": (b"schema = 1\n" + _PANE.replace(b'"direct"', b'"ssh"'), "'kind'"),
    "bad name": (b"schema = 1\n" + _PANE.replace(b'"one"', b'"a:b"'), "':'"),
    "tmux without session": (
        b"schema = 1\n" + _PANE.replace(b'"direct"', b'"tmux"'),
        "tmux_session",
    ),
    "command not strings": (b"schema = 1\n" + _PANE + b"command = [1]\n", "'command'"),
    "exit code is bool": (b"schema = 1\n" + _PANE + b"exit_code = true\n", "'exit_code'"),
    "code and signal": (
        b"schema = 1\n" + _PANE + b"exit_code = 1\nexit_signal = 9\n",
        "only one of",
    ),
    "duplicate names": (
        b"schema = 1\n" + _PANE + _PANE.replace(b'"a1"', b'"a2"'),
        "name 'one' is used twice",
    ),
    "duplicate ids": (
        b"schema = 1\n" + _PANE + _PANE.replace(b'"one"', b'"two"'),
        "id 'a1' is used twice",
    ),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_a_corrupt_file_is_moved_aside_and_chloe_starts_empty(tmp_path: Path, case: str) -> None:
    content, reason = CORRUPT[case]
    path = paths.store_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    store = Store(path)
    with pytest.raises(CorruptStoreError) as info:
        store.load()
    err = info.value
    msg = str(err)
    assert str(path) in msg
    assert str(err.moved_to) in msg
    assert reason in msg
    assert err.moved_to.parent == path.parent
    assert err.moved_to.name.startswith("panes.toml.corrupt-")
    assert err.moved_to.read_bytes() == content  # nothing lost, byte for byte
    assert not path.exists()
    # chloe carries on with an empty list, and can save again.
    assert Store(path).load() == []
    new = Store(path).add(rec("fresh"))
    assert Store(path).load() == [new]
    assert err.moved_to.read_bytes() == content


@pytest.mark.parametrize("action", ["add", "save", "update", "remove"])
def test_writes_never_overwrite_a_corrupt_file(sd: Path, action: str) -> None:
    path = sd / "panes.toml"
    content = _VALID[: len(_VALID) // 2]
    path.write_bytes(content)
    store = Store(path)
    r = rec("new")
    do: dict[str, Callable[[], object]] = {
        "add": lambda: store.add(r),
        "save": lambda: store.save([r]),
        "update": lambda: store.update(r.id, lambda x: x),
        "remove": lambda: store.remove(r.id),
    }
    with pytest.raises(CorruptStoreError) as info:
        do[action]()
    assert info.value.moved_to.read_bytes() == content
    assert not path.exists()
    store.add(r)  # the next try works, on an empty list
    assert Store(path).load() == [r]


def test_two_corrupt_files_in_the_same_second_both_survive(sd: Path) -> None:
    path = sd / "panes.toml"
    # Decoys for this second and the next few force the name collision that two
    # corrupt moves within one second would cause.
    now = datetime.now(UTC)
    decoys = {}
    for s in range(6):
        stamp = (now + timedelta(seconds=s)).strftime("%Y%m%dT%H%M%S")
        decoy = sd / f"panes.toml.corrupt-{stamp}"
        decoy.write_bytes(f"decoy {s}".encode())
        decoys[decoy] = decoy.read_bytes()
    moved = []
    for content in (b"first = garbage =", b"\x00second garbage"):
        path.write_bytes(content)
        with pytest.raises(CorruptStoreError) as info:
            Store(path).load()
        assert info.value.moved_to not in decoys
        assert info.value.moved_to.read_bytes() == content
        moved.append(info.value.moved_to)
    assert moved[0] != moved[1]
    assert moved[0].read_bytes() == b"first = garbage ="
    for decoy, content in decoys.items():
        assert decoy.read_bytes() == content


def test_a_newer_schema_is_refused_and_left_untouched(sd: Path) -> None:
    path = sd / "panes.toml"
    future = SCHEMA + 1
    content = (
        f'schema = {future}\n\n[[panes]]\nid = "x"\nname = "from the future"\nhologram = true\n'
    ).encode()
    path.write_bytes(content)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    store = Store(path)
    r = rec("new")
    attempts: list[Callable[[], object]] = [
        store.load,
        lambda: store.add(r),
        lambda: store.save([r]),
        lambda: store.remove("x"),
    ]
    for attempt in attempts:
        with pytest.raises(NewerSchemaError) as info:
            attempt()
        msg = str(info.value)
        assert str(path) in msg
        assert f"schema {future}" in msg
        assert f"schema {SCHEMA}" in msg
        assert "untouched" in msg
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert other_files(sd, path) == []  # not moved aside, no temp files


def _attempt_as(uid: int, gid: int, directory: Path, actions: list[str]) -> list[str]:
    """In a forked child running as ``uid``, try store actions; return what each raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(r)
            try:
                os.chdir(directory)
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            except OSError as exc:
                os.write(w, f"cannot drop privileges: {exc}".encode())
                os._exit(3)
            store = Store(Path("panes.toml"))
            out = []
            for action in actions:
                try:
                    if action == "load":
                        out.append(f"loaded {[r.name for r in store.load()]}")
                        continue
                    if action == "transaction":  # read-only use, as `chloe ls` makes
                        with store.transaction() as records:
                            out.append(f"loaded {[r.name for r in records]}")
                        continue
                    if action == "add":
                        store.add(rec("new"))
                    else:
                        store.save([rec("new")])
                    out.append("no error")
                except Exception as exc:
                    out.append(f"{type(exc).__name__}: {exc}")
            os.write(w, "\n".join(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    if os.waitstatus_to_exitcode(status) == 3:
        # e.g. a container without CAP_SETUID: root cannot become another user,
        # and root itself reads a mode-000 file, so this case cannot be made here.
        pytest.skip(f"running as root and {text}")
    assert os.waitstatus_to_exitcode(status) == 0
    return text.splitlines()


def test_an_unreadable_file_is_a_clear_error_and_left_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "unreadable"
    directory.mkdir()
    path = directory / "panes.toml"
    path.write_bytes(_VALID)
    path.chmod(0)
    actions = ["load", "add", "save"]
    if os.geteuid() == 0:
        # root reads any file whatever its mode, so run chloe as an ordinary user
        # (a forked child dropping to 'nobody') against a file that user owns.
        uid, gid = 65534, 65534
        os.chown(directory, uid, gid)
        os.chown(path, uid, gid)
        results = _attempt_as(uid, gid, directory, actions)
        shown_path = "panes.toml"
    else:
        results = []
        store = Store(path)
        for action in (store.load, lambda: store.add(rec("new")), lambda: store.save([])):
            try:
                action()
                results.append("no error")
            except Exception as exc:
                results.append(f"{type(exc).__name__}: {exc}")
        shown_path = str(path)
    try:
        assert len(results) == len(actions)
        for result in results:
            assert result.startswith("StoreError: "), result
            assert f"cannot read {shown_path}: permission denied" in result
            assert "chmod 600" in result
        assert stat.S_IMODE(path.stat().st_mode) == 0  # mode untouched
        path.chmod(0o600)
        assert path.read_bytes() == _VALID  # content untouched
        assert other_files(directory, path) == []  # not moved aside, no temp files
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize("lock_file", ["present", "absent"])
def test_a_read_only_directory_still_lists_and_refuses_writes_clearly(
    tmp_path: Path, lock_file: str
) -> None:
    # A read-only data directory (a read-only mount, or a directory the user
    # cannot write): the lock cannot be opened for writing or created, yet
    # listing works, and a change is one clear "cannot write" line.
    directory = tmp_path / "readonly"
    directory.mkdir()
    path = directory / "panes.toml"
    path.write_bytes(_VALID)
    path.chmod(0o644)
    if lock_file == "present":
        (directory / "panes.toml.lock").write_bytes(b"")
        (directory / "panes.toml.lock").chmod(0o644)
    actions = ["load", "add", "transaction"]
    if os.geteuid() == 0:
        # root writes anywhere, so run as 'nobody' in a directory root owns.
        directory.chmod(0o755)
        results = _attempt_as(65534, 65534, directory, actions)
    else:
        directory.chmod(0o555)
        try:
            store = Store(path)
            results = [f"loaded {[r.name for r in store.load()]}"]
            try:
                store.add(rec("new"))
                results.append("no error")
            except StoreError as exc:
                results.append(f"{type(exc).__name__}: {exc}")
            with store.transaction() as records:
                results.append(f"loaded {[r.name for r in records]}")
        finally:
            directory.chmod(0o755)
    assert results[0] == "loaded ['pane 0', 'pane 1', 'pane 2']"
    assert results[1].startswith("StoreError: cannot write ")
    assert results[2] == results[0]
    assert path.read_bytes() == _VALID


def test_a_directory_in_place_of_the_file_is_a_clear_error(sd: Path) -> None:
    path = sd / "panes.toml"
    path.mkdir()
    (path / "keep").write_text("mine")
    store = Store(path)
    for attempt in (store.load, lambda: store.add(rec("x")), lambda: store.save([])):
        with pytest.raises(StoreError, match="cannot read") as info:
            attempt()
        assert not isinstance(info.value, CorruptStoreError)
        assert str(path) in str(info.value)
    assert (path / "keep").read_text() == "mine"
    assert other_files(sd, path) == []


# -- atomic write details ---------------------------------------------------------


def test_file_is_private_and_its_directory_is_created_private(tmp_path: Path) -> None:
    path = paths.store_path()
    assert not path.parent.exists()
    old = os.umask(0)  # even with a permissive umask
    try:
        Store(path).add(rec("a"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_save_replaces_a_world_readable_file_with_a_private_one(sd: Path) -> None:
    path = sd / "panes.toml"
    Store(path).save([rec("a")])
    path.chmod(0o644)
    inode = path.stat().st_ino
    Store(path).add(rec("b"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode  # replaced, not rewritten in place


def test_a_save_with_an_existing_lock_file_works(sd: Path) -> None:
    path = sd / "panes.toml"
    lock = sd / "panes.toml.lock"
    lock.write_text("left by a chloe that was killed\n")
    # ...and a temp file left by a writer killed mid-save.
    stale = sd / ".panes.toml-killed.tmp"
    stale.write_text("half a save")
    a = Store(path).add(rec("a"))
    assert Store(path).load() == [a]
    assert lock.exists()
    assert not stale.exists()


def test_stores_sharing_a_directory_never_break_each_others_saves(sd: Path) -> None:
    # Each store cleans up temp files left by killed writers; it must only ever
    # take its own, never the in-flight temp file of a store beside it.
    errors: list[BaseException] = []

    def churn(name: str) -> None:
        store = Store(sd / f"{name}.toml")
        try:
            for i in range(60):
                store.save([rec(f"{name} {i}")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(n,)) for n in ("panes", "other")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    assert errors == []
    assert [r.name for r in Store(sd / "other.toml").load()] == ["other 59"]
    assert [r.name for r in Store(sd / "panes.toml").load()] == ["panes 59"]


def test_an_unwritable_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create") as info:
        Store(blocker / "chloe" / "panes.toml").add(rec("a"))
    assert str(blocker / "chloe") in str(info.value)


def test_the_lock_is_free_after_each_change(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    store.add(rec("a"))
    fd = os.open(store.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free after the add
    finally:
        os.close(fd)


# -- locations --------------------------------------------------------------------


def test_store_path_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    assert paths.store_path() == tmp_path / "elsewhere" / "chloe" / "panes.toml"
    Store(paths.store_path()).add(rec("a"))
    assert (tmp_path / "elsewhere" / "chloe" / "panes.toml").is_file()


def test_config_path_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert paths.config_path() == tmp_path / "cfg" / "chloe" / "config.toml"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "st"))
    assert paths.state_dir() == tmp_path / "st" / "chloe"


def test_no_test_touches_the_real_home() -> None:
    home = Path(os.environ["HOME"])
    assert paths.store_path().is_relative_to(home.parent)
    assert paths.config_path().is_relative_to(home.parent)


# -- snapshot, then merge ----------------------------------------------------------


def test_merge_applies_only_changes_nobody_else_made_meanwhile(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    for name in ("kept", "theirs", "mine", "gone", "both"):
        store.add(rec(name))
    before = store.load()
    by_name = {r.name: r for r in before}
    # Meanwhile (no lock held by us) another process changes things.
    other = Store(sd / "panes.toml")
    other.update(by_name["theirs"].id, lambda r: r.replace(name="renamed by them"))
    other.update(by_name["both"].id, lambda r: r.replace(user_state=UserState.DETACHED))
    other.add(rec("added by them"))
    other.add(rec("new"))  # takes the name our new record wants
    # Our own, slower work on the snapshot.
    ended = datetime(2025, 1, 1, tzinfo=UTC)
    after = [
        by_name["kept"],
        by_name["theirs"].replace(ended=ended),  # they renamed it: their change wins
        by_name["mine"].replace(exit_status=ExitStatus(code=3), ended=ended),
        by_name["both"].replace(ended=ended),  # they changed it too: theirs wins
        rec("new", kind=Kind.DIRECT),  # 'gone' left out: removed
    ]
    merged = store.merge(before, after)
    assert merged == store.load()
    names = [r.name for r in merged]
    assert names == ["kept", "renamed by them", "mine", "both", "added by them", "new", "new-2"]
    got = {r.name: r for r in merged}
    assert got["mine"].exit_status == ExitStatus(code=3)
    assert got["renamed by them"].ended is None
    assert got["both"].user_state is UserState.DETACHED and got["both"].ended is None
    assert got["new-2"].id == after[-1].id


def test_merge_keeps_a_record_another_process_changed_before_we_removed_it(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    a = store.add(rec("a"))
    before = store.load()
    Store(sd / "panes.toml").update(a.id, lambda r: r.replace(name="b"))
    assert [r.name for r in store.merge(before, [])] == ["b"]


def test_merge_with_no_changes_does_not_write(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    store.add(rec("a"))
    before = store.load()
    mtime = store.path.stat().st_mtime_ns
    os.utime(store.path, ns=(mtime - 10**9, mtime - 10**9))
    store.merge(before, list(before))
    assert store.path.stat().st_mtime_ns == mtime - 10**9


def test_the_start_of_each_run_round_trips_and_old_files_load_without_it(sd: Path) -> None:
    store = Store(sd / "panes.toml")
    started = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    store.save([rec("train", started=started)])
    assert store.load()[0].started == started
    assert "started = 2026-03-01 09:30:00+00:00" in (sd / "panes.toml").read_text()
    # A file written before chloe kept the start of each run.
    (sd / "panes.toml").write_text(
        'schema = 1\n[[panes]]\nid = "ab12"\nname = "old"\nkind = "direct"\n'
        'cwd = "/"\ncommand = []\ncreated = 2025-01-01T00:00:00Z\n'
    )
    (old,) = store.load()
    assert old.name == "old" and old.started is None


def test_unchanged_bytes_are_not_parsed_again_and_any_change_is_seen(
    sd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chloe import store as store_module

    path = sd / "panes.toml"
    store = Store(path)
    store.save([rec("a")])
    calls: list[int] = []
    real_parse = store_module.parse

    def counting_parse(text: str, p: Path) -> list[PaneRecord]:
        calls.append(1)
        return real_parse(text, p)

    monkeypatch.setattr(store_module, "parse", counting_parse)
    assert [r.name for r in store.load()] == ["a"]
    assert [r.name for r in store.load()] == ["a"]
    assert len(calls) <= 1
    # Another process replaces the file: the next load sees it.
    Store(path).save([rec("a"), rec("b")])
    assert [r.name for r in store.load()] == ["a", "b"]
    loaded = store.load()
    loaded.append(rec("c"))  # a caller changing its list changes nothing cached
    assert [r.name for r in store.load()] == ["a", "b"]


def test_a_resume_command_needs_schema_2_and_only_it_does(sd: Path) -> None:
    path = sd / "panes.toml"
    plain = rec("plain")
    Store(path).save([plain])
    assert path.read_text(encoding="utf-8").startswith("schema = 1\n")
    resumable = rec("agent", resume=("claude", "--continue"))
    Store(path).save([plain, resumable])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("schema = 2\n")
    assert 'resume = [\n    "claude",\n    "--continue",\n]' in text or (
        'resume = ["claude", "--continue"]' in text
    )
    assert Store(path).load() == [plain, resumable]
