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
  a newer chloe (higher ``schema``) is refused and left untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from chloe.errors import (
    CorruptStoreError,
    DuplicateNameError,
    NewerSchemaError,
    StoreError,
    UnknownPaneError,
)
from chloe.model import ExitStatus, Kind, PaneRecord, UserState, validate_name

SCHEMA = 1
"""The version of the file format this chloe reads and writes."""

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
    if not pane_id:
        raise ShapeError(f"{where}: 'id' is empty")
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
    )


def dumps(records: list[PaneRecord]) -> str:
    """The whole file's text for ``records``."""
    return tomli_w.dumps({"schema": SCHEMA, "panes": [record_to_dict(r) for r in records]})


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


class Store:
    """The pane list at ``path``, safe against crashes and concurrent writers.

    Args:
        path: The ``panes.toml`` to use (see :func:`chloe.paths.store_path`).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        # Temp files are named after the data file, so two stores sharing a
        # directory never clean up each other's in-flight saves.
        self._tmp_prefix = f".{self.path.name}-"

    # -- locking -----------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure_dir()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot open the lock file {self.lock_path}: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _ensure_dir(self) -> None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {self.path.parent}: {exc.strerror}") from None

    # -- reading -----------------------------------------------------------------

    def _read_unlocked(self) -> list[PaneRecord]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except PermissionError:
            raise StoreError(
                f"cannot read {self.path}: permission denied "
                f"(chloe keeps it private to you: chmod 600 {self.path})"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8")
            return parse(text, self.path)
        except NewerSchemaError:
            raise
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ShapeError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, ShapeError) else f"not valid TOML: {exc}"
            if isinstance(exc, UnicodeDecodeError):
                reason = "not UTF-8 text"
            moved = self._move_aside()
            raise CorruptStoreError(self.path, moved, reason) from None

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

        Raises:
            CorruptStoreError: the file was unreadable as a pane list and has been
                moved aside; loading again gives an empty list.
            NewerSchemaError: the file is from a newer chloe; it was left untouched.
            StoreError: the file cannot be read (e.g. permissions).
        """
        with self._locked():
            return self._read_unlocked()

    # -- writing -----------------------------------------------------------------

    def _write_unlocked(self, records: list[PaneRecord]) -> None:
        try:
            data = dumps(records).encode("utf-8")
        except UnicodeEncodeError as exc:  # PaneRecord rejects these; kept as a safety net
            raise StoreError(
                f"cannot write {self.path}: a value is not UTF-8 text ({exc})"
            ) from None
        directory = self.path.parent
        self._remove_stale_temps()
        try:
            fd, tmp = tempfile.mkstemp(prefix=self._tmp_prefix, suffix=_TMP_SUFFIX, dir=directory)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o600)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
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

    def _remove_stale_temps(self) -> None:
        # Only lock holders write temp files, so under the lock any that exist were
        # left by a writer that was killed mid-save.
        pattern = f"{glob.escape(self._tmp_prefix)}*{_TMP_SUFFIX}"
        for leftover in self.path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                leftover.unlink()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[list[PaneRecord]]:
        """Read, let the caller change the list in place, then save it atomically.

        Everything happens under the lock. The file is written only when the
        list changed and no exception escaped the block.
        """
        with self._locked():
            records = self._read_unlocked()
            before = list(records)
            yield records
            if records != before:
                _check_unique(records)
                self._write_unlocked(records)

    def save(self, records: list[PaneRecord]) -> None:
        """Replace the whole list (under the lock).

        The file on disk is checked first and never replaced when it is from a
        newer chloe, unreadable or corrupt (the same errors as :meth:`load`;
        a corrupt file is moved aside, so saving again then succeeds).
        """
        _check_unique(records)
        with self._locked():
            self._read_unlocked()
            self._write_unlocked(list(records))

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
