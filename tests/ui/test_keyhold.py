"""Keys typed right after Enter or Esc in a text field go where the keyboard went next,
in order, none lost (see chloe.ui.keyhold)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from chloe.model import ExitStatus
from chloe.ui.app import ChloeApp
from chloe.ui.modals import RenameModal
from tests.ui.helpers import MemoryPanes, listed_names, memory_app, until

SIZE = (100, 30)


def selected_name(app: object) -> str | None:
    slot = app.panes.get(app.pane_list.selected_id)  # type: ignore[attr-defined]
    return slot.record.name if slot is not None else None


def burst(app: object, *keys: tuple[str, str | None]) -> None:
    """Keys read in one go (typed fast, or a slow machine): all queued before any is handled."""
    for key, char in keys:
        app.post_message(events.Key(key, char))  # type: ignore[attr-defined]


def two_panes(tmp_path: Path) -> tuple[ChloeApp, MemoryPanes]:
    """The app over two ended direct panes, `first` and `second`."""
    app, panes = memory_app(tmp_path)
    for name in ("first", "second"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    return app, panes


async def rename_box_opened(app: ChloeApp, pilot: Pilot[int]) -> None:
    """`r` on the first pane; the rename box is up."""
    await until(pilot, lambda: selected_name(app) == "first", "the first pane")
    await pilot.press("r")
    await until(pilot, lambda: isinstance(app.screen, RenameModal), "the rename box")


@pytest.mark.parametrize("end", ["enter", "escape"])
async def test_keys_right_after_enter_in_the_rename_box_are_the_lists(
    tmp_path: Path, end: str
) -> None:
    """`r`, a new name, then Enter (or Esc) and `j` together: the box closes (renamed, or
    not), and `j` moves in the list instead of ending up in the closing box."""
    app, _panes = two_panes(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await rename_box_opened(app, pilot)
        await pilot.press("ctrl+u", *"renamed")
        burst(app, (end, None), ("j", "j"))
        await until(pilot, lambda: not isinstance(app.screen, RenameModal), "the box closed")
        await until(pilot, lambda: selected_name(app) == "second", "j moved in the list")
        expected = ["renamed", "second"] if end == "enter" else ["first", "second"]
        assert listed_names(app) == expected


async def test_keys_after_a_refused_name_stay_in_the_box(tmp_path: Path) -> None:
    """Enter on a name the box refuses keeps it open: what is typed right after is not
    lost and not acted on in the list; it goes on into the name, in order."""
    app, _panes = two_panes(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await rename_box_opened(app, pilot)
        await pilot.press("ctrl+u", *"bad.name")
        burst(app, ("enter", None), ("backspace", None), ("j", "j"), ("x", "x"))
        field = app.screen.query_one(Input)
        await until(pilot, lambda: field.value == "bad.namjx", "the keys typed on")
        assert isinstance(app.screen, RenameModal)
        assert "cannot contain '.'" in str(app.screen.query_one("#problem").render())
        assert selected_name(app) == "first"


async def test_editing_keys_typed_fast_apply_in_order(tmp_path: Path) -> None:
    """`/`, then `ab`, Backspace, `c`, Home, `x`, Ctrl+E, `d` read in one go: the filter
    is `xacd` (a Backspace or Home read with letters used to run after all of them)."""
    app, panes = memory_app(tmp_path)
    panes.add_direct("first", exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: selected_name(app) == "first", "the pane")
        await pilot.press("slash")
        await until(pilot, lambda: app.focused is app.filter_bar.input, "the filter")
        keys = [("a", "a"), ("b", "b"), ("backspace", None), ("c", "c"), ("home", None)]
        burst(app, *keys, ("x", "x"), ("ctrl+e", None), ("d", "d"))
        await until(pilot, lambda: app.filter_bar.text == "xacd", "the text as typed")
