"""Searching every pane's history from navigation mode (`F`): the hits as a list,
Enter opens the pane browsing on that line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import OptionList

from chloe import history
from chloe.model import ExitStatus
from chloe.ui.app import ChloeApp
from chloe.ui.pane_search import PaneSearchScreen, hits_of
from tests.ui.helpers import listed_names, memory_app, notices, until
from tests.ui.outer import running_chloe

SIZE = (120, 40)


def write_log(pane_id: str, data: bytes) -> None:
    path = history.prepare(pane_id)
    path.write_bytes(data)


def search_screen(app: ChloeApp) -> PaneSearchScreen:
    screen = app.screen
    assert isinstance(screen, PaneSearchScreen)
    return screen


def hit_lines(app: ChloeApp) -> list[str]:
    hits = search_screen(app).query_one("#pane-search-hits", OptionList)
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


def selected_name(app: ChloeApp) -> str:
    slot = app.panes.get(app.pane_list.selected_id)
    assert slot is not None
    return slot.record.name


async def test_F_lists_every_panes_matching_lines(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    build = panes.add_direct("build", exit_status=ExitStatus(code=2))
    notes = panes.add_direct("notes", exit_status=ExitStatus(code=0))
    panes.add_direct("quiet", exit_status=ExitStatus(code=0))
    write_log(build.id, b"compiling\r\n\x1b[31merror\x1b[0m: linker failed\r\nerror: again\r\n")
    write_log(notes.id, b"no error here\r\nfine\r\n")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, PaneSearchScreen), "the search")
        await pilot.press(*"error", "enter")
        await until(pilot, lambda: "3 lines in 2 panes" in search_screen(app).status, "the hits")
        assert hit_lines(app) == [
            "build:2  error: linker failed",
            "build:3  error: again",
            "notes:1  no error here",
        ]
        # The list has the keyboard: down, enter opens the pane (a dead direct pane
        # from an earlier chloe has no screen left: the line is in its log).
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: not isinstance(app.screen, PaneSearchScreen), "closed")
        assert selected_name(app) == "notes"
        await until(
            pilot,
            lambda: any("line 1 of 'notes' is in its log only" in t for _, t in notices(app)),
            "where the line is",
        )


async def test_a_hit_in_a_filtered_out_pane_clears_the_filter(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    build = panes.add_direct("build", exit_status=ExitStatus(code=2))
    panes.add_direct("notes", exit_status=ExitStatus(code=0))
    write_log(build.id, b"warning: unused\r\n")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 2, "the panes")
        await pilot.press("slash", *"notes", "enter")
        await until(pilot, lambda: listed_names(app) == ["notes"], "filtered")
        await pilot.press("F", *"unused", "enter")
        await until(pilot, lambda: "1 line in 1 pane" in search_screen(app).status, "the hit")
        await pilot.press("enter")
        await until(pilot, lambda: listed_names(app) == ["build", "notes"], "the whole list")
        assert selected_name(app) == "build"


async def test_no_hit_says_so_and_esc_closes(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    rec = panes.add_direct("build", exit_status=ExitStatus(code=0))
    write_log(rec.id, b"all good\r\n")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 1, "the pane")
        await pilot.press("F", *"nothing", "enter")
        await until(
            pilot, lambda: "no pane's history holds it" in search_screen(app).status, "no hit"
        )
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PaneSearchScreen), "closed")
        assert app.focused is app.pane_list


def test_hits_know_their_place_from_the_end_of_their_pane() -> None:
    matches = [
        history.Match("a", 1, "x"),
        history.Match("a", 5, "x"),
        history.Match("b", 2, "x"),
        history.Match("a", 9, "x"),
    ]
    assert [h.from_end for h in hits_of(matches, "x")] == [2, 1, 0, 0]


@pytest.mark.tmux
def test_enter_on_a_hit_browses_the_tmux_pane_on_that_line(
    tmp_path: Path, tmux_socket: str
) -> None:
    """In a real terminal: two tmux panes, `F`, a text, Enter on the second hit of the
    first pane: its history opens with that line on top, the match highlighted."""
    script = "seq -f 'row %g' 1 3000; echo needle-A; seq 1 500; echo needle-B; seq 1 200"
    for name, command in (("alpha", script), ("beta", "echo beta-ready")):
        subprocess.run(
            [sys.executable, "-m", "chloe", "new", "--no-wait", "--name", name, "--",
             "sh", "-c", f"{command}; exec sleep 600"],
            check=True, capture_output=True, timeout=30, cwd=tmp_path,
        )  # fmt: skip
    with running_chloe(tmp_path, shell="/bin/sh", ready="beta") as outer:
        outer.send("F")
        outer.wait_screen("Search every pane's history", "the search")
        outer.type("needle-")
        outer.send("Enter")
        outer.wait_screen("2 lines in 1 pane", "the hits")
        outer.send("Down")
        outer.send("Enter")
        screen = outer.wait_screen("[needle-: 2/2]", "alpha browsed on the second hit")
        top = next(line for line in screen.splitlines() if "[needle-: 2/2]" in line)
        assert "needle-B" in top
        outer.send("n")  # the pane has the keyboard: n steps to the other match
        screen = outer.wait_screen("[needle-: 1/2]", "the first hit")
        top = next(line for line in screen.splitlines() if "[needle-: 1/2]" in line)
        assert "needle-A" in top
