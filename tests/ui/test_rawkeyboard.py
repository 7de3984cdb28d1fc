"""The keyboard's side of forwarded input: which pane's program gets bytes and focus reports.

The router runs on the input thread and hands writes to the UI loop; by the
time one runs, the screen may show another pane. These tests hold the UI loop's
jobs back to make that moment happen every time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from chloe.backends.fake import FakeProcess
from chloe.config import BINDINGS, Config
from chloe.model import Kind, PaneRecord
from chloe.terminal import Terminal
from chloe.ui.panes import PaneSlot
from chloe.ui.rawinput import RawKeyboard
from tests.ui.helpers import memory_app, until

FOCUS_IN, FOCUS_OUT = b"\x1b[I", b"\x1b[O"


class Loop:
    """The UI loop, holding posted jobs until :meth:`run`."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], None]] = []

    def call_soon_threadsafe(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def is_closed(self) -> bool:
        return False

    def run(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()


class View:
    def __init__(self) -> None:
        self.terminal = Terminal(80, 24)
        self.browsing_history = False
        self.scrollback_offset = 0
        self.searching = False

    def scroll_to_bottom(self) -> None:
        pass


class App:
    """What the keyboard reads of the app: the shown pane, the mode, the keys."""

    def __init__(self) -> None:
        self.config = Config(shell="/bin/sh")
        self.view = View()
        self.terminal_mode = False
        self.shown: PaneSlot | None = None
        self.hinted: list[PaneSlot] = []

    def navigation_ready(self) -> bool:
        return not self.terminal_mode

    def key_spec(self, binding_id: str) -> str:
        if binding_id == "leave_terminal":
            return self.config.leave_key
        return next(spec.key for spec in BINDINGS if spec.id == binding_id)

    def shown_slot(self) -> PaneSlot | None:
        return self.shown

    def hint_not_live(self, slot: PaneSlot) -> None:
        self.hinted.append(slot)

    def action_leave_terminal(self) -> None:
        self.terminal_mode = False


def pane(name: str, kind: Kind, program_output: bytes = b"") -> PaneSlot:
    """A live pane whose program printed ``program_output`` (its mode changes)."""
    slot = PaneSlot(PaneRecord.new(name, kind, "/tmp"))
    slot.terminal = Terminal(80, 24)
    slot.terminal.feed(program_output)
    slot.process = FakeProcess()
    return slot


def written(slot: PaneSlot) -> bytes:
    assert isinstance(slot.process, FakeProcess)
    return bytes(slot.process.written)


class Rig:
    def __init__(self) -> None:
        self.app = App()
        self.loop = Loop()
        self.keyboard = RawKeyboard(self.app)  # type: ignore[arg-type]
        self.keyboard.start(self.loop)  # type: ignore[arg-type]

    def show(self, slot: PaneSlot, *, terminal_mode: bool) -> None:
        """The screen shows ``slot`` (the app's ``_show`` and focus handlers)."""
        self.app.shown = slot
        assert slot.terminal is not None
        self.app.view.terminal = slot.terminal
        self.app.terminal_mode = terminal_mode
        self.keyboard.sync()


def test_a_focus_change_read_for_one_pane_never_reaches_the_next_one() -> None:
    """The CI failure: a tmux pane's client asked for focus reports, a shell did not.

    The user's terminal reports focus out and in while the tmux pane has the
    keyboard; the screen moves to the shell before the UI loop writes: the
    shell gets no report (it would type ``^[[I`` on its command line).
    """
    rig = Rig()
    tmux = pane("sh-12", Kind.TMUX, b"\x1b[?1004h")  # tmux's client turns on mode 1004
    shell = pane("sh-13", Kind.DIRECT)
    rig.show(tmux, terminal_mode=True)
    rig.keyboard.router.feed(FOCUS_OUT + FOCUS_IN)
    rig.show(shell, terminal_mode=True)
    rig.loop.run()
    assert FOCUS_IN not in written(shell) and FOCUS_OUT not in written(shell)
    assert written(tmux) == FOCUS_IN + FOCUS_OUT  # in while it had the keyboard, then out


def test_keys_read_while_a_pane_had_the_keyboard_go_to_that_pane() -> None:
    rig = Rig()
    first, second = pane("one", Kind.DIRECT), pane("two", Kind.DIRECT)
    rig.show(first, terminal_mode=True)
    rig.keyboard.router.feed(b"echo typed\r")
    rig.show(second, terminal_mode=True)  # the screen moved on before the write
    rig.keyboard.router.feed(b"ls\r")
    rig.loop.run()
    assert written(first) == b"echo typed\r"
    assert written(second) == b"ls\r"


def test_focus_reports_follow_the_keyboard_and_only_to_programs_that_asked() -> None:
    rig = Rig()
    vim = pane("vim", Kind.DIRECT, b"\x1b[?1004h")
    shell = pane("sh", Kind.DIRECT)
    rig.show(vim, terminal_mode=False)
    assert written(vim) == b""  # the list has the keyboard
    rig.show(vim, terminal_mode=True)
    assert written(vim) == FOCUS_IN
    rig.show(vim, terminal_mode=False)
    assert written(vim) == FOCUS_IN + FOCUS_OUT
    rig.show(shell, terminal_mode=True)
    rig.show(vim, terminal_mode=True)
    rig.show(shell, terminal_mode=True)
    rig.loop.run()
    assert written(shell) == b""
    assert written(vim) == (FOCUS_IN + FOCUS_OUT) * 2


def test_a_program_asking_for_focus_reports_is_told_at_once_if_it_has_the_keyboard() -> None:
    rig = Rig()
    shown, hidden = pane("shown", Kind.DIRECT), pane("hidden", Kind.DIRECT)
    rig.show(shown, terminal_mode=True)
    assert shown.terminal is not None and hidden.terminal is not None
    hidden.terminal.feed(b"\x1b[?1004h")
    rig.keyboard.after_output(hidden)
    shown.terminal.feed(b"\x1b[?1004h")
    rig.keyboard.after_output(shown)
    rig.keyboard.after_output(shown)
    assert written(shown) == FOCUS_IN
    assert written(hidden) == b""
    # The user's terminal loses focus, then gets it back: told both, once each.
    rig.keyboard.router.feed(FOCUS_OUT + FOCUS_OUT + FOCUS_IN)
    rig.loop.run()
    assert written(shown) == FOCUS_IN + FOCUS_OUT + FOCUS_IN


async def test_a_new_pane_is_shown_without_flipping_back_to_the_previous_one(
    tmp_path: Path,
) -> None:
    """Making a pane rebuilds the list and selects the new pane in one go: the screen
    (and the keyboard with it) goes to the new pane, never back to the old one."""
    app, panes = memory_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: app.terminal_mode and len(panes.spawned) == 1, "pane one")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.terminal_mode, "navigation mode")
        first = app.view.terminal
        shown: list[Any] = []
        set_terminal = app.view.set_terminal

        def record(terminal: Terminal) -> None:
            shown.append(terminal)
            set_terminal(terminal)

        app.view.set_terminal = record  # type: ignore[method-assign]
        await pilot.press("c")
        await until(pilot, lambda: app.terminal_mode and len(panes.spawned) == 2, "pane two")
        await pilot.pause(0.2)
        assert shown and first not in shown, "the screen flipped back to the first pane"
        panes.spawned[1].emit(b"$ ")
        await pilot.press("x")
        await until(pilot, lambda: bytes(panes.spawned[1].written).endswith(b"x"), "x typed")
        assert b"x" not in bytes(panes.spawned[0].written)
