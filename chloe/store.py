"""The pane list on disk: ``panes.toml``, crash-safe and shared between processes.

Guarantees:

* Every save is atomic: a temp file in the same directory is written, fsynced
  and ``os.replace``d over the old one, so a crash at any moment leaves either
  the old or the new file, never a half-written one. The file is mode 0600 and
  its directory is created 0700.
* Read-modify-write happens under an advisory ``flock`` on a lock file beside
  the data file, so the TUI and any number of ``chloe`` CLI processes never
  lose each other's changes.
* A file that does not parse, or has the wrong shape, is never overwritten: it
  is moved aside to ``panes.toml.corrupt-<timestamp>`` and
  :class:`~chloe.errors.CorruptStoreError` names both paths. A file written by
  a newer chloe (higher ``schema``) is refused and left untouched. So is
  anything at ``panes.toml`` that is not a regular file (a FIFO is never
  opened in a way that could block).
* No wait is unbounded: a process that keeps the lock for
  :data:`LOCK_TIMEOUT` seconds while nobody else gets it (stopped with
  Ctrl+Z, hung) makes waiters give up with :class:`~chloe.errors.StoreBusyError`,
  which names its pid and whether it is stopped. A queue of busy processes is
  waited for: the holder's mark in the lock file shows the queue moving.
* The lock file is opened with ``O_NOFOLLOW``; a symlinked ``panes.toml`` is
  written through (it stays a link to the same file). On a read-only file
  system ``load`` still works.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import secrets
import stat
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from chloe.errors import (
    CorruptStoreError,
    DuplicateNameError,
    NewerSchemaError,
    StoreBusyError,
    StoreError,
    UnknownPaneError,
)
from chloe.model import (
    LOCAL_HOST,
    ExitStatus,
    Kind,
    PaneRecord,
    UserState,
    unique_name,
    validate_id,
    validate_name,
)
from chloe.paths import ensure_private_dir

SCHEMA = 3
"""The newest version of the file format this chloe reads and writes.

Version 2 added a pane's ``resume`` command and ``lost`` time; version 3 a
tmux pane's ``host`` (only written for panes on another machine: a chloe
that knows no hosts would take them for local panes and call them dead). A
file is written with the lowest version that holds its data, so a pane list
without resume commands stays readable by a chloe that only knows version 1
(which would refuse a version 2 file rather than drop what it does not know)."""

_SCHEMA_FIELDS = {"resume": 2, "lost": 2, "host": 3}
"""Fields newer than version 1, and the version that added each."""

_TMP_SUFFIX = ".tmp"


class ShapeError(ValueError):
    """The file parsed as TOML but is not a pane list (internal; becomes CorruptStoreError)."""


def record_to_dict(rec: PaneRecord) -> dict[str, Any]:
    """The TOML table for one pane (absent values are omitted: TOML has no null)."""
    out: dict[str, Any] = {
        "id": rec.id,
        "name": rec.name,
        "kind": rec.kind.value,
        "cwd": rec.cwd,
        "command": list(rec.command),
        "created": _utc(rec.created),
        "user_state": rec.user_state.value,
    }
    if rec.tmux_session is not None:
        out["tmux_session"] = rec.tmux_session
    if rec.exit_status is not None:
        if rec.exit_status.signal is not None:
            out["exit_signal"] = rec.exit_status.signal
        else:
            out["exit_code"] = rec.exit_status.code
    if rec.ended is not None:
        out["ended"] = _utc(rec.ended)
    if rec.started is not None:
        out["started"] = _utc(rec.started)
    if rec.resume:
        out["resume"] = list(rec.resume)
    if rec.lost is not None:
        out["lost"] = _utc(rec.lost)
    if rec.host != LOCAL_HOST:
        out["host"] = rec.host
    return out


def _utc(dt: datetime) -> datetime:
    # TOML offsets are whole minutes; zones such as Europe/Amsterdam before 1937
    # had offsets in seconds, which tomli_w would write as unparsable TOML (and
    # the next load would move the whole file aside). The same instant in UTC
    # compares equal and always writes valid TOML.
    return dt.astimezone(UTC)


def _expect(table: dict[str, Any], key: str, typ: type, where: str, *, required: bool) -> Any:
    if key not in table:
        if required:
            raise ShapeError(f"{where}: missing {key!r}")
        return None
    value = table[key]
    # bool is an int subclass; a TOML boolean is never a valid int field here.
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise ShapeError(f"{where}: {key!r} should be {typ.__name__}, not {type(value).__name__}")
    return value


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def record_from_dict(table: Any, where: str) -> PaneRecord:
    """Parse one ``[[panes]]`` table, raising :class:`ShapeError` on any problem."""
    if not isinstance(table, dict):
        raise ShapeError(f"{where}: expected a table")
    pane_id = _expect(table, "id", str, where, required=True)
    try:
        validate_id(pane_id)
    except ValueError as exc:
        raise ShapeError(f"{where}: bad id: {exc}") from None
    name = _expect(table, "name", str, where, required=True)
    try:
        validate_name(name)
    except ValueError as exc:
        raise ShapeError(f"{where}: bad name {name!r}: {exc}") from None
    kind_s = _expect(table, "kind", str, where, required=True)
    try:
        kind = Kind(kind_s)
    except ValueError:
        raise ShapeError(f"{where}: 'kind' must be 'direct' or 'tmux', not {kind_s!r}") from None
    cwd = _expect(table, "cwd", str, where, required=True)
    command = _expect(table, "command", list, where, required=False) or []
    if not all(isinstance(a, str) for a in command):
        raise ShapeError(f"{where}: 'command' must be a list of strings")
    created = _expect(table, "created", datetime, where, required=True)
    session = _expect(table, "tmux_session", str, where, required=False)
    if kind is Kind.TMUX and not session:
        raise ShapeError(f"{where}: a tmux pane needs 'tmux_session'")
    state_s = _expect(table, "user_state", str, where, required=False) or "attached"
    try:
        user_state = UserState(state_s)
    except ValueError:
        raise ShapeError(
            f"{where}: 'user_state' must be 'attached' or 'detached', not {state_s!r}"
        ) from None
    code = _expect(table, "exit_code", int, where, required=False)
    sig = _expect(table, "exit_signal", int, where, required=False)
    if code is not None and sig is not None:
        raise ShapeError(f"{where}: only one of 'exit_code' and 'exit_signal' may be set")
    exit_status = None
    if code is not None:
        exit_status = ExitStatus(code=code)
    elif sig is not None:
        exit_status = ExitStatus(signal=sig)
    ended = _expect(table, "ended", datetime, where, required=False)
    started = _expect(table, "started", datetime, where, required=False)
    resume = _expect(table, "resume", list, where, required=False) or []
    lost = _expect(table, "lost", datetime, where, required=False)
    host = _expect(table, "host", str, where, required=False) or LOCAL_HOST
    if not all(isinstance(a, str) for a in resume):
        raise ShapeError(f"{where}: 'resume' must be a list of strings")
    try:
        return PaneRecord(
            id=pane_id,
            name=name,
            kind=kind,
            cwd=cwd,
            command=tuple(command),
            created=_aware(created),
            tmux_session=session,
            user_state=user_state,
            exit_status=exit_status,
            ended=_aware(ended) if ended is not None else None,
            started=_aware(started) if started is not None else None,
            resume=tuple(resume),
            lost=_aware(lost) if lost is not None else None,
            host=host,
        )
    except ValueError as exc:  # e.g. a date TOML allows but UTC cannot hold
        raise ShapeError(f"{where}: {exc}") from None


def dumps(records: list[PaneRecord]) -> str:
    """The whole file's text for ``records``."""
    tables = [record_to_dict(r) for r in records]
    schema = max([1, *(_SCHEMA_FIELDS.get(k, 1) for t in tables for k in t)])
    return tomli_w.dumps({"schema": schema, "panes": tables})


def parse(text: str, path: Path) -> list[PaneRecord]:
    """Parse a whole file.

    Raises:
        NewerSchemaError: the file's schema is newer than :data:`SCHEMA`.
        ShapeError: the text is TOML but not a valid pane list.
        tomllib.TOMLDecodeError: the text is not TOML.
    """
    if not text.strip():
        raise ShapeError("the file is empty")
    doc = tomllib.loads(text)
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise ShapeError("missing or invalid 'schema' number")
    if schema > SCHEMA:
        raise NewerSchemaError(path, schema, SCHEMA)
    if schema < 1:
        raise ShapeError(f"unknown schema {schema}")
    panes = doc.get("panes", [])
    if not isinstance(panes, list):
        raise ShapeError("'panes' must be an array of tables")
    records = [record_from_dict(t, f"pane {i + 1}") for i, t in enumerate(panes)]
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for i, rec in enumerate(records):
        if rec.id in seen_ids:
            raise ShapeError(f"pane {i + 1}: id {rec.id!r} is used twice")
        if rec.name in seen_names:
            raise ShapeError(f"pane {i + 1}: name {rec.name!r} is used twice")
        seen_ids.add(rec.id)
        seen_names.add(rec.name)
    return records


LOCK_TIMEOUT = 5.0
"""Seconds a process may hold the lock, with no other process getting it, before waiters give up."""

_POLL_MIN = 0.002
_POLL_MAX = 0.05


class Store:
    """The pane list at ``path``, safe against crashes and concurrent writers.

    Args:
        path: The ``panes.toml`` to use (see :func:`chloe.paths.store_path`).
        lock_timeout: How long to wait for a lock holder that makes no progress
            (see :meth:`transaction`).
    """

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = lock_timeout
        self._cache: tuple[bytes, tuple[PaneRecord, ...]] | None = None
        """The last bytes parsed and their records (records are immutable)."""

    # -- locking -----------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[str | None]:
        """Hold the lock; yields None, or why it could not be had (then nothing may be written).

        The lock cannot be had only where the directory or the lock file
        cannot be created or opened at all (a read-only file system): reading
        is then safe without it, since nobody can write there either.
        """
        try:
            self._ensure_dir()
        except StoreError as exc:
            yield str(exc)
            return
        fd = self._open_lock()
        if fd < 0:
            yield f"the lock file {self.lock_path} cannot be created"
            return
        try:
            self._wait_for_lock(fd)
            self._mark_holder(fd)
            yield None
        finally:
            os.close(fd)  # closing releases the lock

    def _require_lock(self, unlocked: str | None) -> None:
        if unlocked is not None:
            raise StoreError(f"cannot write {self.path}: {unlocked}")

    def _open_lock(self) -> int:
        """The lock file's descriptor, read-write if possible; -1 if it cannot be opened."""
        flags = os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | flags, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(
                    f"{self.lock_path} is a symbolic link; chloe never follows links for its "
                    "lock files: remove it"
                ) from None
            if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise StoreError(
                    f"cannot open the lock file {self.lock_path}: {exc.strerror}"
                ) from None
            try:
                # flock works on a read-only descriptor too (a read-only file system).
                fd = os.open(self.lock_path, os.O_RDONLY | flags)
            except OSError:
                return -1
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            return -1
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise StoreError(
                f"{self.lock_path} is {_describe_mode(st.st_mode)}, not a regular file; "
                "chloe left it alone: remove it"
            )
        return fd

    def _wait_for_lock(self, fd: int) -> None:
        """Take the exclusive lock, waiting while other processes make progress.

        Every holder writes ``<pid> <token>`` into the lock file; the wait only
        gives up once the same holder has kept the lock for ``lock_timeout``
        seconds (a stopped or hung process), never because many processes
        queue up.
        """
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _read_holder(fd)
        deadline = time.monotonic() + self.lock_timeout
        delay = _POLL_MIN
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise StoreBusyError(self._busy_message(holder))
            time.sleep(min(delay, deadline - now))
            delay = min(delay * 2, _POLL_MAX)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            seen = _read_holder(fd)
            if seen != holder:  # another process got its turn: the queue moves
                holder = seen
                deadline = time.monotonic() + self.lock_timeout

    def _busy_message(self, holder: bytes) -> str:
        waited = f"{self.lock_timeout:g} s"
        pid = _holder_pid(holder)
        if pid is None:
            return (
                f"{self.path} is locked by another process that has not let go for {waited} "
                f"(lock file {self.lock_path}); gave up waiting"
            )
        state = _process_state(pid)
        if state == "stopped":
            return (
                f"{self.path} is locked by chloe process {pid}, which is stopped (Ctrl+Z?); "
                f"resume it (fg, or kill -CONT {pid}) or end it; gave up after {waited}"
            )
        if state == "gone":
            return (
                f"{self.path} is locked by a process that has not let go for {waited} "
                f"(last holder: pid {pid}, now gone); gave up waiting"
            )
        return (
            f"{self.path} is locked by chloe process {pid}, which has not let go for {waited}; "
            "gave up waiting (try again, or end that process)"
        )

    @staticmethod
    def _mark_holder(fd: int) -> None:
        # Tells waiters who holds the lock and that the holder changed.
        mark = f"{os.getpid()} {secrets.token_hex(4)}\n".encode()
        with contextlib.suppress(OSError):
            os.pwrite(fd, mark.ljust(32), 0)

    def _ensure_dir(self) -> None:
        try:
            ensure_private_dir(self.path.parent)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None

    # -- reading -----------------------------------------------------------------

    def _read_bytes(self) -> bytes | None:
        """The file's bytes, None if it does not exist; never blocks on a FIFO."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError:
            raise StoreError(
                f"cannot read {self.path}: permission denied "
                f"(chloe keeps it private to you: chmod 600 {self.path})"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise StoreError(
                    f"cannot read {self.path}: it is {_describe_mode(mode)}, "
                    "not a regular file; chloe left it alone: move it away"
                )
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        finally:
            os.close(fd)

    def _read_unlocked(self) -> list[PaneRecord]:
        raw = self._read_bytes()
        if raw is None:
            return []
        if raw.startswith(_BOM):
            # Some editors add one; TOML allows none, but nothing is lost by skipping it.
            raw = raw[len(_BOM) :]
        cache = self._cache
        if cache is not None and cache[0] == raw:
            # The same bytes as last time: the status poll reads the file every second,
            # and parsing 100 records costs far more than reading them.
            return list(cache[1])
        try:
            text = raw.decode("utf-8")
            records = parse(text, self.path)
            self._cache = (raw, tuple(records))  # one assignment: threads share the store
            return records
        except NewerSchemaError:
            raise
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ShapeError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, ShapeError) else f"not valid TOML: {exc}"
            if isinstance(exc, UnicodeDecodeError):
                reason = "not UTF-8 text"
            moved = self._move_aside()
            raise CorruptStoreError(self.path, moved, reason) from None
        except RecursionError:
            moved = self._move_aside()
            raise CorruptStoreError(self.path, moved, "nested too deeply to read") from None

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.rename(self.path, target)
        except OSError as exc:
            raise StoreError(
                f"{self.path} is corrupt and could not be moved aside ({exc.strerror}); "
                "it was left untouched: move it yourself"
            ) from None
        return target

    def load(self) -> list[PaneRecord]:
        """Every pane on disk, in order.

        Works on a read-only file system too (the lock is then taken through a
        read-only descriptor, or skipped when the lock file cannot exist).

        Raises:
            CorruptStoreError: the file was unreadable as a pane list and has been
                moved aside; loading again gives an empty list.
            NewerSchemaError: the file is from a newer chloe; it was left untouched.
            StoreBusyError: another process kept the lock too long.
            StoreError: the file cannot be read (e.g. permissions, not a regular file).
        """
        with self._locked():
            return self._read_unlocked()

    # -- writing -----------------------------------------------------------------

    def _target(self) -> Path:
        """Where saves go: through a symlinked ``panes.toml`` to the file it names."""
        if self.path.is_symlink():
            return Path(os.path.realpath(self.path))
        return self.path

    def _write_unlocked(self, records: list[PaneRecord]) -> None:
        try:
            data = dumps(records).encode("utf-8")
        except UnicodeEncodeError as exc:  # PaneRecord rejects these; kept as a safety net
            raise StoreError(
                f"cannot write {self.path}: a value is not UTF-8 text ({exc})"
            ) from None
        target = self._target()
        directory = target.parent
        # Temp files are named after the data file, so two stores sharing a
        # directory never clean up each other's in-flight saves.
        prefix = f".{target.name}-"
        _remove_stale_temps(directory, prefix)
        try:
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_TMP_SUFFIX, dir=directory)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        # Make the rename itself durable.
        with contextlib.suppress(OSError):
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[list[PaneRecord]]:
        """Read, let the caller change the list in place, then save it atomically.

        Everything happens under the lock. The file is written only when the
        list changed and no exception escaped the block.
        """
        with self._locked() as unlocked:
            records = self._read_unlocked()
            before = list(records)
            yield records
            if records != before:
                _check_unique(records)
                self._require_lock(unlocked)
                self._write_unlocked(records)

    def save(self, records: list[PaneRecord]) -> None:
        """Replace the whole list (under the lock).

        The file on disk is checked first and never replaced when it is from a
        newer chloe, unreadable or corrupt (the same errors as :meth:`load`;
        a corrupt file is moved aside, so saving again then succeeds).
        """
        _check_unique(records)
        with self._locked() as unlocked:
            self._read_unlocked()
            self._require_lock(unlocked)
            self._write_unlocked(list(records))

    def merge(self, before: Sequence[PaneRecord], after: Sequence[PaneRecord]) -> list[PaneRecord]:
        """Apply the changes that turned ``before`` into ``after`` to the file as it is now.

        For work that must not hold the lock while it waits on something slow
        (asking tmux, which may not answer for seconds): take a snapshot with
        :meth:`load`, work on a copy without any lock, then ``merge`` it back
        in one short transaction. Three-way, by pane id:

        * a record that differs between ``before`` and ``after`` replaces the
          file's record with that id only if the file still holds the
          ``before`` version; if another process changed it meanwhile, its
          change wins (the caller's is dropped, to be recomputed next time);
        * a record in ``after`` whose id is not in ``before`` is appended,
          unless the file has that id by now; a name taken meanwhile gets a
          free variant (``name-2``…);
        * a record in ``before`` but not in ``after`` is removed if the file
          still holds it unchanged.

        Returns:
            The list now on disk.
        """
        old = {r.id: r for r in before}
        new = {r.id: r for r in after}
        with self.transaction() as records:
            index = {r.id: i for i, r in enumerate(records)}
            for pane_id, rec in new.items():
                was = old.get(pane_id)
                if was is None or was == rec:
                    continue
                i = index.get(pane_id)
                if i is not None and records[i] == was:
                    if rec.name != was.name and any(
                        r.name == rec.name for r in records if r.id != pane_id
                    ):
                        continue  # the new name was taken meanwhile: keep theirs
                    records[i] = rec
            for added in after:
                if added.id in old or added.id in index:
                    continue
                taken = {r.name for r in records}
                free = unique_name(added.name, taken)
                records.append(added if free == added.name else added.replace(name=free))
                index[added.id] = len(records) - 1
            gone = {
                pane_id
                for pane_id, was in old.items()
                if pane_id not in new and pane_id in index and records[index[pane_id]] == was
            }
            if gone:
                records[:] = [r for r in records if r.id not in gone]
            return list(records)

    # -- conveniences ------------------------------------------------------------

    def add(self, record: PaneRecord) -> PaneRecord:
        """Append a pane; its name must be unused."""
        with self.transaction() as records:
            if any(r.name == record.name for r in records):
                raise DuplicateNameError(record.name)
            records.append(record)
        return record

    def update(self, pane_id: str, change: Callable[[PaneRecord], PaneRecord]) -> PaneRecord:
        """Replace the pane ``pane_id`` by ``change(old)``; returns the new record."""
        with self.transaction() as records:
            for i, rec in enumerate(records):
                if rec.id == pane_id:
                    new = change(rec)
                    if new.name != rec.name and any(
                        r.name == new.name for r in records if r.id != pane_id
                    ):
                        raise DuplicateNameError(new.name)
                    records[i] = new
                    return new
            raise UnknownPaneError(pane_id)

    def remove(self, pane_id: str) -> PaneRecord | None:
        """Remove the pane ``pane_id``; returns it, or None if it was not there."""
        with self.transaction() as records:
            for i, rec in enumerate(records):
                if rec.id == pane_id:
                    del records[i]
                    return rec
        return None


def _remove_stale_temps(directory: Path, prefix: str) -> None:
    # Only lock holders write temp files, so under the lock any that exist were
    # left by a writer that was killed mid-save.
    pattern = f"{glob.escape(prefix)}*{_TMP_SUFFIX}"
    for leftover in directory.glob(pattern):
        with contextlib.suppress(OSError):
            leftover.unlink()


_BOM = b"\xef\xbb\xbf"


def _describe_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _read_holder(fd: int) -> bytes:
    try:
        return os.pread(fd, 64, 0)
    except OSError:
        return b""


def _holder_pid(mark: bytes) -> int | None:
    first = mark.split(maxsplit=1)[0] if mark.strip() else b""
    return int(first) if first.isdigit() and int(first) > 0 else None


def _process_state(pid: int) -> str:
    """``stopped``, ``gone`` or ``running`` (from ``/proc``; ``running`` when unknown)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        return "gone"
    except (OSError, IndexError):
        return "running"
    if fields and fields[0] in (b"T", b"t"):
        return "stopped"
    if fields and fields[0] in (b"Z", b"X"):
        return "gone"
    return "running"


def _check_unique(records: list[PaneRecord]) -> None:
    names: set[str] = set()
    ids: set[str] = set()
    for rec in records:
        if rec.name in names:
            raise DuplicateNameError(rec.name)
        if rec.id in ids:
            raise StoreError(f"two panes share the id {rec.id}")
        names.add(rec.name)
        ids.add(rec.id)
