"""Moving in the pane list, and the keys a newcomer tries in navigation mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.model import ExitStatus
from chloe.ui.terminal_view import TerminalView
from tests.ui.helpers import listed_names, memory_app, notices, until

SIZE = (100, 40)


def names_of(count: int) -> list[str]:
    return [f"p{i:02d}" for i in range(count)]


async def test_home_end_g_and_G_go_to_the_first_and_last_pane(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    names = names_of(40)
    for name in names:
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: listed_names(app) == names, "the panes")

        def selected() -> str:
            s = app.panes.get(app.pane_list.selected_id)
            assert s is not None
            return s.record.name

        await pilot.press("G")
        assert selected() == "p39"
        await pilot.press("g")
        assert selected() == "p00"
        await pilot.press("end")
        assert selected() == "p39"
        await pilot.press("home")
        assert selected() == "p00"


async def test_j_and_k_stop_at_the_ends(tmp_path: Path) -> None:
    """No wrapping: k on the first pane and j on the last stay where they are."""
    app, panes = memory_app(tmp_path)
    for name in names_of(3):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        await pilot.press("k")
        assert app.pane_list.highlighted == 0
        await pilot.press("j", "j", "j", "j")
        assert app.pane_list.highlighted == 2


@pytest.mark.parametrize("key", ["ctrl+c", "ctrl+z"])
async def test_ctrl_c_and_ctrl_z_in_the_list_say_how_to_quit(tmp_path: Path, key: str) -> None:
    app, _panes = memory_app(tmp_path, keymap={"quit": "Q"})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press(key)
        await until(pilot, lambda: any("Q quits chloe" in t for _, t in notices(app)), "the hint")
        assert app.is_running


async def test_ctrl_c_in_terminal_mode_goes_to_the_program(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("c")
        await until(pilot, lambda: len(panes.spawned) == 1, "a pane")
        await until(pilot, lambda: isinstance(app.focused, TerminalView), "terminal mode")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: b"\x03" in bytes(panes.spawned[0].written), "^C sent")
        assert not any("quits chloe" in t for _, t in notices(app))


async def test_help_lists_first_last_and_the_quit_hint(tmp_path: Path) -> None:
    from chloe.ui.modals import HelpScreen

    app, _panes = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        for words in ("Select the first pane", "Select the last pane", "q quits"):
            assert words in text, words
