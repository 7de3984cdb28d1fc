"""The footer lists the keys that apply now, fits the screen, and keeps its order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from chloe.ui.app import ChloeApp
from tests.ui.helpers import memory_app, notices, screen_text, shows, until
from tests.ui.test_snapshots import scene, settled

Scene = Callable[[Path], ChloeApp]
Before = Callable[[Pilot[int]], Awaitable[None]]


def empty(tmp_path: Path) -> ChloeApp:
    return memory_app(tmp_path)[0]


def four(tmp_path: Path) -> ChloeApp:
    return scene(tmp_path)[0]


async def empty_list(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, ChloeApp)
    await until(pilot, lambda: "No panes yet" in str(app.query_one("#empty").render()), "load")
    await pilot.pause()


async def live_pane(pilot: Pilot[int]) -> None:
    await settled(pilot)


async def preview(pilot: Pilot[int]) -> None:
    await settled(pilot)
    await pilot.press("j")
    app = pilot.app
    assert isinstance(app, ChloeApp)
    await until(pilot, lambda: "Waiting for your answer" in screen_text(app), "the preview")
    await pilot.pause()


async def dead_pane(pilot: Pilot[int]) -> None:
    await settled(pilot)
    await pilot.press("j", "j")
    app = pilot.app
    assert isinstance(app, ChloeApp)
    await until(pilot, lambda: app.pane_list.highlighted == 2, "the dead pane selected")
    await pilot.pause()


CASES: dict[str, tuple[Scene, Before, list[str], list[str]]] = {
    # name: scene, setup, keys at 80 columns, keys at 60 columns
    "empty": (empty, empty_list, ["c", "t", "q", "?"], ["c", "t", "q", "?"]),
    "live": (
        four,
        live_pane,
        ["c", "t", "⏎", "d", "x", "q", "?"],
        ["⏎", "d", "x", "q", "?"],
    ),
    "dead": (four, dead_pane, ["c", "t", "x", "R", "q", "?"], ["x", "R", "q", "?"]),
    "preview": (four, preview, ["c", "t", "a", "x", "q", "?"], ["a", "x", "q", "?"]),
}


def footer_keys(app: ChloeApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("case", list(CASES))
async def test_footer_lists_what_applies_now_and_fits(
    tmp_path: Path, case: str, size: tuple[int, int]
) -> None:
    make, before, wide, narrow = CASES[case]
    app = make(tmp_path)
    async with app.run_test(size=size) as pilot:
        await before(pilot)
        await pilot.pause()
        keys = footer_keys(app)
        assert [k.key_display for k in keys] == (wide if size[0] == 80 else narrow)
        for key in keys:
            assert key.region.right <= size[0], f"{key.key_display} {key.description} is cut"
            assert key.region.width >= len(key.key_display) + len(key.description) + 2


async def test_a_remapped_key_keeps_its_place(tmp_path: Path) -> None:
    app, _panes = memory_app(tmp_path, keymap={"new_direct": "n"})
    async with app.run_test(size=(80, 24)) as pilot:
        await empty_list(pilot)
        assert [k.key_display for k in footer_keys(app)] == ["n", "t", "q", "?"]


async def test_keys_not_listed_still_say_why(tmp_path: Path) -> None:
    """R on a live pane is not in the footer, and pressing it still explains."""
    app = four(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        assert shows(app, "train-resnet", "attached")
        await pilot.press("R")
        await until(pilot, lambda: any("only dead" in t for _, t in notices(app)), "the hint")


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("case", list(CASES))
def test_footer_snapshot(
    snap_compare: object, tmp_path: Path, case: str, size: tuple[int, int]
) -> None:
    """The whole screen with the footer for each case (see the lists above)."""
    make, before, _wide, _narrow = CASES[case]
    assert snap_compare(make(tmp_path), terminal_size=size, run_before=before)  # type: ignore[operator]


async def test_footer_and_title_tell_the_same_mode_after_the_terminal_lost_focus(
    tmp_path: Path,
) -> None:
    """A focus-out report from the user's terminal reaches Textual (other drivers than
    chloe's): the title says navigation mode, and so does the footer."""
    app, panes = memory_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: app.terminal_mode and len(panes.spawned) == 1, "the pane")
        await until(
            pilot, lambda: [k.key_display for k in footer_keys(app)] == ["^q"], "terminal keys"
        )
        await pilot.pause(0.2)
        app.post_message(events.AppBlur())
        await until(pilot, lambda: not app.terminal_mode, "navigation mode")
        await until(
            pilot,
            lambda: "c" in [k.key_display for k in footer_keys(app)],
            "the footer to list the navigation keys",
        )
        assert "type into it" in str(app.query_one("#pane-title").render())
        assert not app.app_focus  # Textual still thinks the terminal is not focused
