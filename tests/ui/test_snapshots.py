"""Snapshots of the chloe app from deterministic content (no live prompt, a fixed clock).

The panes come from the real PaneService over in-memory tmux and direct panes
(:func:`tests.ui.helpers.memory_panes`): fixed names, creation times and recorded
screen bytes, so the images only change when the UI does.
The main, help and narrow images are copied to ``screenshots/`` for the README.
Regenerate with ``--snapshot-update`` only after looking at the new SVGs.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot

from chloe import events
from chloe.model import ExitStatus, UserState
from chloe.ui.app import ChloeApp
from tests.ui.helpers import (
    FIXED_NOW,
    MemoryPanes,
    listed_names,
    memory_panes,
    screen_text,
    shows,
    summary_text,
    until,
)

TRAIN_SCREEN = (
    b"\x1b[1mepoch 41/60\x1b[0m  step 2050/3000\r\n"
    b"  loss \x1b[32m0.3127\x1b[0m  val_loss \x1b[33m0.3480\x1b[0m  lr 3.0e-04\r\n"
    b"\x1b[1mepoch 42/60\x1b[0m  step 2100/3000\r\n"
    b"  loss \x1b[32m0.3091\x1b[0m  val_loss \x1b[33m0.3466\x1b[0m  lr 3.0e-04\r\n"
    b"saved checkpoint \x1b[36mruns/resnet50/ckpt-42.pt\x1b[0m\r\n"
    b"\x1b[1mepoch 43/60\x1b[0m  step 2150/3000  \x1b[7m 71% \x1b[0m\r\n"
)
AGENT_SCREEN = (
    b"\x1b[1;35m> \x1b[0mrefactor the store so saves are atomic\r\n"
    b"\r\n"
    b"\x1b[2m  Reading chloe/store.py ...\x1b[0m\r\n"
    b"\x1b[32m  Edited chloe/store.py (+41 -12)\x1b[0m\r\n"
    b"  Waiting for your answer: run the tests? [y/n]\r\n"
)


def scene(tmp_path: Path) -> tuple[ChloeApp, MemoryPanes]:
    """Four panes: a running training job, a detached agent, a failed build, a killed shell."""
    panes = memory_panes(tmp_path)
    panes.add_tmux(
        "train-resnet",
        created=FIXED_NOW - timedelta(hours=3, minutes=12),
        screen=TRAIN_SCREEN,
        command="python",
    )
    panes.add_tmux(
        "claude-store",
        created=FIXED_NOW - timedelta(minutes=47),
        screen=AGENT_SCREEN,
        command="claude",
        user_state=UserState.DETACHED,
    )
    panes.add_direct("build", exit_status=ExitStatus(code=2))
    panes.add_direct("scratch", exit_status=ExitStatus(signal=9))
    return ChloeApp(panes.service, clock=lambda: FIXED_NOW, cwd=str(tmp_path)), panes


async def settled(pilot: Pilot[int]) -> None:
    """Wait until every pane has its label and the attached pane's screen arrived."""
    app = pilot.app
    assert isinstance(app, ChloeApp)
    await until(pilot, lambda: shows(app, "train-resnet", "attached"), "attached pane")
    await until(pilot, lambda: shows(app, "claude-store", "detached"), "detached pane")
    await until(pilot, lambda: "checkpoint" in screen_text(app), "the training screen")
    assert listed_names(app) == ["train-resnet", "claude-store", "build", "scratch"]
    await pilot.pause()


def test_main_screen(snap_compare: object, tmp_path: Path) -> None:
    """The main screen at 100x30.

    The list shows train-resnet (tmux, green ● attached, python, 3h 12m),
    claude-store (tmux, yellow ○ detached, claude, 47m), build (direct, red ✗
    dead (exit 2)) and scratch (direct, red ✗ dead (SIGKILL)); the first is
    highlighted and its coloured training log fills the terminal area under a
    title line 'train-resnet · tmux · attached — enter: type into it'. The
    footer lists the navigation keys.
    """
    assert snap_compare(scene(tmp_path)[0], terminal_size=(100, 30), run_before=settled)  # type: ignore[operator]


def test_detached_preview(snap_compare: object, tmp_path: Path) -> None:
    """The detached claude-store pane selected: its captured screen under a
    warning-coloured title 'claude-store · tmux · detached — preview — press a
    to attach'.
    """

    async def select_agent(pilot: Pilot[int]) -> None:
        await settled(pilot)
        await pilot.press("j")
        app = pilot.app
        assert isinstance(app, ChloeApp)
        await until(pilot, lambda: "Waiting for your answer" in screen_text(app), "preview")
        await pilot.pause()

    assert snap_compare(scene(tmp_path)[0], terminal_size=(100, 30), run_before=select_agent)  # type: ignore[operator]


def test_help_overlay(snap_compare: object, tmp_path: Path) -> None:
    """The help overlay over the main screen: every navigation key with its
    meaning, terminal mode and its leave key ctrl+q, the three labels with their
    indicators, and what survives chloe quitting.
    """

    async def open_help(pilot: Pilot[int]) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(scene(tmp_path)[0], terminal_size=(100, 34), run_before=open_help)  # type: ignore[operator]


def test_narrow_layout(snap_compare: object, tmp_path: Path) -> None:
    """60x20 (a phone over SSH): a slimmer list with two lines per pane (name,
    then the status word), the training log beside it, nothing overlapping.
    """
    assert snap_compare(scene(tmp_path)[0], terminal_size=(60, 20), run_before=settled)  # type: ignore[operator]


def test_tiny_layout(snap_compare: object, tmp_path: Path) -> None:
    """30x10: only the list is shown (the terminal takes its place after `l` or
    enter); entries stay readable and nothing crashes.
    """
    assert snap_compare(scene(tmp_path)[0], terminal_size=(30, 10), run_before=settled)  # type: ignore[operator]


def test_help_on_a_narrow_terminal(snap_compare: object, tmp_path: Path) -> None:
    """Help at 60x20: the two columns are stacked (navigation keys first), the
    text wraps inside the dialog instead of being cut at the right edge, the box
    scrolls, and "esc or ? to close" stays visible at the bottom.
    """

    async def open_help(pilot: Pilot[int]) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(scene(tmp_path)[0], terminal_size=(60, 20), run_before=open_help)  # type: ignore[operator]


async def test_narrow_help_stacks_and_scrolls_to_the_end(tmp_path: Path) -> None:
    """Every part of the help is reachable at 60x20: nothing is clipped sideways,
    and scrolling to the end shows the last section."""
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    from chloe.ui.modals import HelpScreen

    app = scene(tmp_path)[0]
    async with app.run_test(size=(60, 20)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()
        help_screen = app.screen
        keys = help_screen.query_one(".keys", Static)
        about = help_screen.query_one(".about", Static)
        assert about.region.x == keys.region.x, "columns should be stacked"
        assert about.region.right <= 60 and keys.region.right <= 60
        scroller = help_screen.query_one(VerticalScroll)
        assert scroller.max_scroll_y > 0, "the stacked help is taller than 20 rows"
        await pilot.press("end")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y
        hint = help_screen.query_one(".hint")
        assert hint.region.bottom <= 20 and hint.region.height == 1, "the close hint stays visible"


def test_first_frame_shows_checking(snap_compare: object, tmp_path: Path) -> None:
    """The first frame, before tmux has answered: every stored pane is listed
    with a grey ◌ and 'checking…' (no red ✗: nothing is known to be dead yet),
    and the terminal area shows the first pane's title with no screen yet.
    """
    app, panes = scene(tmp_path)
    panes.tmux.gate = threading.Event()

    async def first_frame(pilot: Pilot[int]) -> None:
        await until(pilot, lambda: len(listed_names(app)) == 4, "the stored panes")
        assert all(shows(app, name, "checking…") for name in listed_names(app))

    try:
        assert snap_compare(app, terminal_size=(100, 30), run_before=first_frame)  # type: ignore[operator]
    finally:
        panes.tmux.gate.set()


def attention_scene(tmp_path: Path) -> ChloeApp:
    """The main scene, with claude-store asking for the user 10 minutes ago."""
    app, panes = scene(tmp_path)
    agent = next(r for r in panes.service.store.load() if r.name == "claude-store")
    asked = FIXED_NOW - timedelta(minutes=10)
    events.append(
        panes.service.event_path, events.Event(asked, "needs-you", agent.id, "", "run the tests?")
    )
    return app


async def attention_settled(pilot: Pilot[int]) -> None:
    await settled(pilot)
    app = pilot.app
    assert isinstance(app, ChloeApp)
    await until(pilot, lambda: "needs you" in summary_text(app), "the needs-you mark")
    await pilot.pause()


def test_attention_states(snap_compare: object, tmp_path: Path) -> None:
    """claude-store needs you: a yellow '! needs you 10m' beside its name; build
    and scratch show a red '✗ failed'; the line above the footer reads
    '1 needs you · 2 failed   space: go to the next' on a warning background.
    """
    app = attention_scene(tmp_path)
    assert snap_compare(app, terminal_size=(100, 30), run_before=attention_settled)  # type: ignore[operator]


async def test_the_next_key_visits_needs_you_then_failed_and_looking_clears(
    tmp_path: Path,
) -> None:
    app = attention_scene(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await attention_settled(pilot)
        agent = app.pane_list.pane_ids[1]
        await pilot.press("space")
        await until(pilot, lambda: app.pane_list.selected_id == agent, "agent")
        # Looked at: no longer needs you, in the list and in the summary.
        await until(pilot, lambda: "needs you" not in summary_text(app), "cleared")
        await pilot.press("space")
        await until(pilot, lambda: app.pane_list.selected_id == app.pane_list.pane_ids[2], "build")
        await pilot.press("space")
        await until(
            pilot, lambda: app.pane_list.selected_id == app.pane_list.pane_ids[3], "scratch"
        )
        await pilot.press("space")
        await until(pilot, lambda: app.pane_list.selected_id == app.pane_list.pane_ids[2], "wraps")
    # The look is recorded, so `chloe ls` and the next start agree.
    marks = events.fold(events.read_all(app.service.event_path))
    seen = marks[agent].seen
    assert seen is not None and seen >= FIXED_NOW
