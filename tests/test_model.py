"""The pane model: naming rules, exit statuses, record validation."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chloe.errors import BadNameError, ChloeError
from chloe.model import (
    NAME_MAX,
    ExitStatus,
    Kind,
    PaneRecord,
    UserState,
    session_name_for,
    unique_name,
    utcnow,
    validate_name,
)

# -- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "cannot be empty"),
        ("x" * (NAME_MAX + 1), f"at most {NAME_MAX} characters"),
        ("é" * 100, f"at most {NAME_MAX} characters (this one has 100)"),
        ("build.log", "cannot contain '.'"),
        (".", "cannot contain '.'"),
        ("host:1", "cannot contain ':'"),
        ("a\tb", "control or invisible"),
        ("line\nbreak", "control or invisible"),
        ("esc\x1b[31m", "control or invisible"),
        ("del\x7f", "control or invisible"),
        ("nul\x00", "control or invisible"),
        ("zero\u200bwidth", "control or invisible"),  # zero-width space
        ("soft\u00adhyphen", "control or invisible"),  # soft hyphen
        ("no\u00a0break", "control or invisible"),  # no-break space
        ("rtl\u202eoverride", "control or invisible"),
        ("\ufeffbom", "control or invisible"),
        (" leading", "cannot start or end with a space"),
        ("trailing ", "cannot start or end with a space"),
        (" ", "cannot start or end with a space"),
    ],
)
def test_each_broken_name_rule_is_named(name: str, rule: str) -> None:
    with pytest.raises(BadNameError) as info:
        validate_name(name)
    assert rule in str(info.value)
    # Every error a user sees is a ChloeError and a ValueError.
    assert isinstance(info.value, ChloeError)
    assert isinstance(info.value, ValueError)


def test_a_name_that_is_not_text_is_refused() -> None:
    with pytest.raises(BadNameError, match="must be text"):
        validate_name(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "x" * NAME_MAX,
        "é" * NAME_MAX,
        "claude code",
        'it\'s "quoted"',
        "back\\slash",
        "#hash # not a comment",
        "日本語のペイン",
        "emoji 🚀",
        "[table] = 'toml-ish'",
        "$dollar @at %percent =eq ~tilde",
        "mid  double  space",
    ],
)
def test_valid_names_are_accepted_unchanged(name: str) -> None:
    assert validate_name(name) == name
    rec = PaneRecord.new(name, Kind.DIRECT, "/tmp")
    assert rec.name == name


def test_a_record_with_a_bad_name_cannot_exist() -> None:
    with pytest.raises(BadNameError, match="cannot contain ':'"):
        PaneRecord.new("a:b", Kind.DIRECT, "/tmp")
    rec = PaneRecord.new("ok", Kind.DIRECT, "/tmp")
    with pytest.raises(BadNameError, match="cannot be empty"):
        rec.replace(name="")


def test_unique_name_appends_a_counter_within_the_length_limit() -> None:
    assert unique_name("shell", set()) == "shell"
    assert unique_name("shell", {"shell"}) == "shell-2"
    assert unique_name("shell", {"shell", "shell-2"}) == "shell-3"
    long = "y" * NAME_MAX
    got = unique_name(long, {long})
    assert len(got) == NAME_MAX
    assert got.endswith("-2")
    validate_name(got)


# -- exit status ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (ExitStatus(code=0), "exit 0"),
        (ExitStatus(code=3), "exit 3"),
        (ExitStatus(code=255), "exit 255"),
        (ExitStatus(signal=signal.SIGKILL), "SIGKILL"),
        (ExitStatus(signal=int(signal.SIGTERM)), "SIGTERM"),
        (ExitStatus(signal=int(signal.SIGSEGV)), "SIGSEGV"),
        (ExitStatus(signal=200), "signal 200"),
    ],
)
def test_exit_status_describe(status: ExitStatus, words: str) -> None:
    assert status.describe() == words


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"code": 1, "signal": 9}, {"code": True}, {"signal": "9"}, {"code": 1.5}],
)
def test_exit_status_needs_exactly_one_whole_number(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ExitStatus(**kwargs)  # type: ignore[arg-type]


def test_exit_status_from_real_wait_statuses() -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    assert ExitStatus.from_wait_status(status) == ExitStatus(code=7)

    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    got = ExitStatus.from_wait_status(status)
    assert got == ExitStatus(signal=signal.SIGKILL)
    assert got.describe() == "SIGKILL"


# -- records ----------------------------------------------------------------------


def test_new_tmux_record_gets_a_session_name_from_its_id() -> None:
    rec = PaneRecord.new("agent", Kind.TMUX, "/srv/my project", ["claude", "--resume"])
    assert len(rec.id) == 32
    assert rec.tmux_session == session_name_for(rec.id) == f"chloe-{rec.id[:8]}"
    assert rec.command == ("claude", "--resume")
    assert rec.user_state is UserState.ATTACHED
    assert rec.exit_status is None
    assert rec.created.tzinfo is not None
    assert rec.created.microsecond == 0
    assert abs(rec.created - datetime.now(UTC)) < timedelta(seconds=5)


def test_new_direct_record_has_no_session_and_ids_differ() -> None:
    a = PaneRecord.new("a", Kind.DIRECT, "/tmp")
    b = PaneRecord.new("b", Kind.DIRECT, "/tmp")
    assert a.tmux_session is None
    assert a.id != b.id
    assert PaneRecord.new("c", Kind.DIRECT, "/", pane_id="fixed").id == "fixed"


def test_a_tmux_record_needs_a_session_name() -> None:
    with pytest.raises(ValueError, match="tmux session"):
        PaneRecord(id="abc", name="t", kind=Kind.TMUX, cwd="/")


def test_replace_keeps_the_id_and_validates() -> None:
    rec = PaneRecord.new("old", Kind.TMUX, "/tmp")
    new = rec.replace(name="new", exit_status=ExitStatus(code=1))
    assert (new.id, new.name, new.exit_status) == (rec.id, "new", ExitStatus(code=1))
    assert rec.name == "old"  # frozen: the original is unchanged
    with pytest.raises(ValueError):
        rec.replace(tmux_session=None)


def test_records_from_plain_values_are_normalised() -> None:
    rec = PaneRecord(
        id="abc",
        name="n",
        kind="tmux",  # type: ignore[arg-type]
        cwd="/",
        command=["ls", "-l"],  # type: ignore[arg-type]
        tmux_session="chloe-abc",
        user_state="detached",  # type: ignore[arg-type]
    )
    assert rec.kind is Kind.TMUX
    assert rec.user_state is UserState.DETACHED
    assert rec.command == ("ls", "-l")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"id": ""}, "id"),
        ({"kind": "ssh"}, "ssh"),
        ({"user_state": "gone"}, "gone"),
        ({"command": ("ls", 3)}, "list of strings"),
        ({"cwd": 5}, "working directory"),
        ({"cwd": "/tmp/\udcff"}, r"working directory '/tmp/\\xff' is not UTF-8 text"),
        ({"command": ("cat", "\udce9t\udce9")}, r"command argument '\\xe9t\\xe9' is not UTF-8"),
        ({"created": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"ended": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"exit_status": 3}, "ExitStatus"),
        ({"id": "../../../precious"}, "pane id"),
        ({"id": "a/b"}, "pane id"),
        ({"id": "x" * 65}, "pane id"),
        ({"id": "caf\u00e9"}, "pane id"),
        (
            {"created": datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))},
            "out of range",
        ),
        (
            {"ended": datetime(1, 1, 1, 0, 10, tzinfo=timezone(timedelta(hours=5)))},
            "out of range",
        ),
    ],
)
def test_records_that_could_not_be_stored_are_refused(
    changes: dict[str, object], words: str
) -> None:
    base: dict[str, object] = {"id": "abc", "name": "n", "kind": Kind.DIRECT, "cwd": "/"}
    base.update(changes)
    with pytest.raises(ValueError, match=words):
        PaneRecord(**base)  # type: ignore[arg-type]


def test_aware_times_in_any_zone_are_accepted() -> None:
    tz = timezone(timedelta(hours=5, minutes=30))
    rec = PaneRecord(
        id="abc",
        name="n",
        kind=Kind.DIRECT,
        cwd="/",
        created=datetime(2024, 2, 29, 12, 0, 1, tzinfo=tz),
        ended=utcnow(),
    )
    assert rec.created.utcoffset() == timedelta(hours=5, minutes=30)
