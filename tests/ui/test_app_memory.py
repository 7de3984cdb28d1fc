"""App behaviour that needs exact control of a pane's output: keymap, leave key, attention,
start-up errors. The real PaneService over in-memory tmux and direct panes (the real-backend
flows are in test_app.py)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from chloe.model import ExitStatus, PaneRecord, UserState
from chloe.store import Store
from chloe.ui.app import STORE_PATIENCE, run
from chloe.ui.modals import CONFIRM_GUARD, ConfirmModal
from chloe.ui.pane_list import PaneList
from chloe.ui.terminal_view import TerminalView
from tests.ui.helpers import (
    FIXED_NOW,
    SIZE,
    entry_text,
    listed_names,
    memory_app,
    notices,
    screen_text,
    shows,
    summary_text,
    title_text,
    type_ahead,
    until,
)


async def test_keymap_and_leave_key_from_config(tmp_path: Path) -> None:
    """[keymap] remaps navigation keys; leave_key replaces ctrl+q, which then reaches programs."""
    app, service = memory_app(tmp_path, keymap={"new_direct": "n"}, leave_key="ctrl+g")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")  # no longer bound
        await pilot.pause(0.2)
        assert listed_names(app) == []
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal focus")
        proc = service.spawned[-1]
        await pilot.press("ctrl+q", "q")
        await until(pilot, lambda: bytes(proc.written).endswith(b"\x11q"), "ctrl+q and q typed")
        assert isinstance(app.focused, TerminalView)
        assert "ctrl+g: back to the list" in title_text(app)
        await pilot.press("ctrl+g")
        assert isinstance(app.focused, PaneList)


async def test_output_in_hidden_pane_is_flagged(tmp_path: Path) -> None:
    """Output in a pane that is not shown makes it working; a bell makes it need you
    until it is selected."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            before = len(service.spawned)
            await pilot.press("c")
            await until(pilot, lambda b=before: len(service.spawned) == b + 1, "a pane")  # type: ignore[misc]
            await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
            await pilot.press("ctrl+q")
        first, second = listed_names(app)
        assert app.pane_list.selected_id == app.pane_list.pane_ids[1]
        service.spawned[0].emit(b"build finished\r\n")
        await until(pilot, lambda: "working" in entry_text(app, first), "activity mark")
        service.spawned[0].emit(b"\x07")
        await until(pilot, lambda: "needs you" in entry_text(app, first), "bell mark")
        assert "1 needs you" in summary_text(app)
        assert "needs you" not in entry_text(app, second)
        await pilot.press("k")
        await until(pilot, lambda: "build finished" in screen_text(app), "its screen")
        assert "needs you" not in entry_text(app, first)
        await pilot.press("j")  # and it stays cleared once the user looked elsewhere
        await pilot.pause(0.1)
        assert "needs you" not in entry_text(app, first)
        assert "needs you" not in summary_text(app)


async def test_direct_exit_reported_within_a_second(tmp_path: Path) -> None:
    """A direct pane whose program ends turns dead with its status, and the store learns it."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        (name,) = listed_names(app)
        service.spawned[0].emit(b"last words\r\n")
        service.spawned[0].finish(ExitStatus(code=3))
        await until(pilot, lambda: shows(app, name, "dead (exit 3)"), "dead (exit 3)", 1.0)
        await until(
            pilot,
            lambda: service.store.load()[0].exit_status == ExitStatus(code=3),
            "the exit recorded",
        )
        assert "last words" in screen_text(app)


async def test_narrow_and_tiny_layouts_do_not_crash(tmp_path: Path) -> None:
    """Resizing down to 20x8 keeps everything working; l toggles list and terminal when tiny."""
    app, service = memory_app(tmp_path)
    service.add_direct("one", exit_status=ExitStatus(code=0))
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: listed_names(app) == ["one"], "the list")
        assert app.has_class("-narrow")
        await pilot.resize_terminal(20, 8)
        await until(pilot, lambda: app.has_class("-tiny"), "the tiny layout")
        await until(
            pilot,
            lambda: bool(app.pane_list.display) and app.pane_list.region.width > 0,
            "the list shown alone",
        )
        await pilot.press("l")
        await until(pilot, lambda: app.view.region.width > 0, "the terminal shown alone")
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.resize_terminal(100, 30)
        await until(pilot, lambda: not app.has_class("-narrow"), "the wide layout")


def test_run_reports_a_bad_config_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken config.toml: one clear line on stderr and exit status 1, no traceback."""
    from chloe.paths import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("leave_key = 3\n")
    assert run() == 1
    err = capsys.readouterr().err
    assert err.startswith("chloe: ") and "leave_key" in err and "Traceback" not in err
    assert err.count("\n") == 1


async def test_corrupt_pane_list_is_reported_not_raised(tmp_path: Path) -> None:
    """A panes.toml that does not parse: chloe starts empty and says where the file went."""
    (tmp_path / "panes.toml").write_text("this is [not toml")
    app, _service = memory_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: len(notices(app)) > 0, "a notification")
        ((severity, text),) = notices(app)
        assert "moved to" in text and severity == "error"
        assert listed_names(app) == []
        assert "No panes yet" in str(app.query_one("#empty").render())


async def test_clicking_a_preview_explains_instead_of_swallowing_keys(tmp_path: Path) -> None:
    """A detached pane's preview cannot take keys: a click keeps navigation mode and says why."""
    app, service = memory_app(tmp_path)
    service.add_tmux("away", screen=b"still working\r\n", user_state=UserState.DETACHED)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "still working" in screen_text(app), "the preview")
        # Laid out on screen (a click before that lands on whatever was there).
        await until(pilot, lambda: app.view.region.width > 0, "the preview on screen")
        await pilot.click("#terminal")
        await until(
            pilot,
            lambda: any("press a to attach" in text for _, text in notices(app)),
            "the explanation",
        )
        assert isinstance(app.focused, PaneList)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "attached and focused")


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
async def test_losing_the_pane_file_never_ends_a_running_direct_pane(
    tmp_path: Path, damage: str
) -> None:
    """panes.toml deleted or corrupted while a direct pane runs: the pane keeps running,
    its record is written back, and chloe says what happened."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
        (name,) = listed_names(app)
        proc = service.spawned[0]
        await until(pilot, lambda: shows(app, name, "attached"), "attached")
        path = tmp_path / "panes.toml"
        if damage == "delete":
            path.unlink()
        else:
            path.write_text("this is [not toml")
        await until(
            pilot,
            lambda: any("wrote it back" in text for _, text in notices(app)),
            "a notice about it",
        )
        assert [r.name for r in service.store.load()] == [name]
        if damage == "corrupt":
            assert any("moved to" in text for _, text in notices(app))
        await pilot.pause(1.5)  # more status ticks: still nothing ends it
        assert not proc.closed and proc.close_calls == 0
        assert listed_names(app) == [name] and shows(app, name, "attached")
        proc.emit(b"still here\r\n")
        await until(pilot, lambda: "still here" in screen_text(app), "its output, still shown")


async def test_terminal_mode_survives_a_tiny_resize(tmp_path: Path) -> None:
    """Typing in a pane, the terminal shrinks below the tiny width and grows back: keys
    still go to the program, so typing "Ky" cannot kill or close anything."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
        proc = service.spawned[0]
        await pilot.resize_terminal(40, 20)
        await pilot.pause(0.2)
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.2)
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus back")
        assert app.terminal_mode
        await pilot.press("K", "y", "x", "y")
        await until(pilot, lambda: bytes(proc.written).endswith(b"Kyxy"), "the keys typed")
        assert not isinstance(app.screen, ConfirmModal)
        assert not proc.closed and listed_names(app) != []
        assert app.pane_list.display  # the list is back beside the terminal


async def test_keys_typed_ahead_cannot_confirm(tmp_path: Path) -> None:
    """x then y at once (typed ahead) does not end a running direct pane; a y after a
    moment does."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
        proc = service.spawned[0]
        await pilot.press("ctrl+q")
        type_ahead(app, "xy")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmModal) and not proc.closed
        await pilot.pause(CONFIRM_GUARD)
        await pilot.press("y")
        await until(pilot, lambda: listed_names(app) == [], "the pane closed")
        assert proc.closed


async def test_a_yes_handled_late_by_the_list_does_not_confirm(tmp_path: Path) -> None:
    """On a busy machine a "y" typed ahead is handled by the list before the question
    opens and reaches the app's bindings after it did, well after the guard time: it
    is not an answer."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
        proc = service.spawned[0]
        await pilot.press("ctrl+q", "x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        await pilot.pause(CONFIRM_GUARD)
        # What the app's bindings do with such a key: the dialog's yes action, run
        # with no key seen by the dialog.
        await app.run_action("answer(True)", app.screen)
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmModal) and not proc.closed
        await pilot.press("y")  # typed now, at the question: the answer
        await until(pilot, lambda: listed_names(app) == [], "the pane closed")
        assert proc.closed


async def test_quit_typed_ahead_is_not_confirmed(tmp_path: Path) -> None:
    """q y typed at once with a direct pane running: chloe keeps running."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
        await pilot.press("ctrl+q")
        type_ahead(app, "qy")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
        await pilot.pause(0.2)  # the typed-ahead y handled by now
        assert app.is_running and isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmModal), "dialog gone")
        assert app.is_running and not service.spawned[0].closed


class _StuckStore(Store):
    """A store whose every read waits until released (a hung file system, a stuck lock)."""

    def __init__(self, path: Path, release: threading.Event) -> None:
        super().__init__(path)
        self.release = release

    def load(self) -> list[PaneRecord]:
        self.release.wait(30)
        return super().load()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[list[PaneRecord]]:
        self.release.wait(30)
        with super().transaction() as records:
            yield records


@pytest.mark.timeout(30)
async def test_a_pane_file_that_never_answers_does_not_freeze_chloe(tmp_path: Path) -> None:
    """The pane file does not answer: chloe draws, says what it waits for, and q quits."""
    release = threading.Event()
    app, panes = memory_app(tmp_path)
    panes.service.store = _StuckStore(tmp_path / "panes.toml", release)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(
                pilot,
                lambda: "Reading the pane list" in str(app.query_one("#empty").render()),
                "the first frame",
            )
            await until(
                pilot,
                lambda: any("has not answered" in text for _, text in notices(app)),
                "a word about the wait",
                timeout=STORE_PATIENCE + 5,
            )
            started = time.monotonic()
            await pilot.press("q")
            await until(pilot, lambda: not app.is_running, "chloe quit", timeout=5)
            assert time.monotonic() - started < 5
    finally:
        release.set()


async def test_problems_with_chloes_files_and_logout_are_told_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unwritable lock directories (labels may be wrong) and a logout that would end the
    tmux server are said in the UI, not only by the CLI."""
    from chloe import paths
    from chloe.backends import placement

    doomed = placement.Placement((), False, "Logging out will end it.", "loginctl enable-linger a")
    monkeypatch.setattr(placement, "decide", lambda facts, socket: doomed)
    paths.note_problem("test-dir", "cannot create lock files in /x: denied; labels may be wrong")
    try:
        app, _ = memory_app(tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(
                pilot,
                lambda: any("labels may be wrong" in text for _, text in notices(app)),
                "the file problem",
            )
            await until(
                pilot,
                lambda: any("loginctl enable-linger a" in text for _, text in notices(app)),
                "the logout warning",
            )
            await pilot.pause(2.5)  # more status answers: not said again
            told = [text for _, text in notices(app) if "labels may be wrong" in text]
            assert len(told) == 1
    finally:
        paths.note_problem("test-dir", None)


async def test_a_desktop_notification_in_a_hidden_direct_pane_needs_you(tmp_path: Path) -> None:
    """OSC 9 in a direct pane that is not shown: it needs you, and the event file says so
    with the message (so `chloe ls` in another terminal agrees)."""
    from chloe import events

    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            before = len(service.spawned)
            await pilot.press("c")
            await until(pilot, lambda b=before: len(service.spawned) == b + 1, "a pane")  # type: ignore[misc]
            await until(pilot, lambda: isinstance(app.focused, TerminalView), "focus")
            await pilot.press("ctrl+q")
        first, _second = listed_names(app)
        service.spawned[0].emit(b"\x1b]9;approve the edit?\x07")
        await until(pilot, lambda: "needs you" in entry_text(app, first), "needs-you mark")
        assert "1 needs you" in summary_text(app)
        path = app.service.event_path
        await until(
            pilot,
            lambda: any(e.kind == "osc9" for e in events.read_all(path)),
            "the event recorded",
        )
        (event,) = [e for e in events.read_all(path) if e.kind == "osc9"]
        assert event.detail == "approve the edit?"


async def test_an_event_written_by_another_process_shows_within_a_second(tmp_path: Path) -> None:
    """`chloe notify` in another process (here: a line appended to the event file)
    shows in the list and the summary line within a second."""
    import time as _time

    from chloe import events

    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        await pilot.press("ctrl+q")
        (name,) = listed_names(app)
        pane_id = app.pane_list.pane_ids[0]
        await pilot.press("c")  # another pane is shown, so the first is not looked at
        await until(pilot, lambda: len(listed_names(app)) == 2, "a second pane")
        await pilot.press("ctrl+q")
        start = _time.monotonic()
        events.append(
            app.service.event_path,
            events.Event(FIXED_NOW + timedelta(seconds=1), "needs-you", pane_id, "", "deploy?"),
        )
        await until(pilot, lambda: "1 needs you" in summary_text(app), "the summary", 5)
        assert _time.monotonic() - start < 1.0
        assert "needs you" in entry_text(app, name)


async def test_a_highlight_handled_as_chloe_quits_is_dropped(tmp_path: Path) -> None:
    """The list's last highlight can be handled after the widgets are gone (quitting):
    it is dropped, not a crash on the way out."""
    app, service = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(service.spawned) == 1, "a pane")
        pane_id = app.pane_list.selected_id
    app.on_pane_list_pane_highlighted(PaneList.PaneHighlighted(pane_id))
