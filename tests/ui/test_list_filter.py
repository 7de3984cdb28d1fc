"""Filtering the pane list from the keyboard: `/`, type, Enter keeps, Esc clears."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual import events

from chloe.model import ExitStatus, UserState
from tests.ui.helpers import listed_names, memory_app, until
from tests.ui.outer import running_chloe

SIZE = (100, 40)


def filter_line(app: object) -> str:
    """The filter line above the footer as text (empty when hidden)."""
    bar = app.filter_bar  # type: ignore[attr-defined]
    if not bar.display or not bar.has_class("-active"):
        return ""
    count = str(bar.query_one("#filter-count").render())
    return f"/{bar.text} {count}"


def selected_name(app: object) -> str | None:
    slot = app.panes.get(app.pane_list.selected_id)  # type: ignore[attr-defined]
    return slot.record.name if slot is not None else None


async def test_slash_narrows_the_list_as_you_type_and_enter_keeps_it(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    names = [f"job{i:02d}" for i in range(37)] + ["build-api", "build-web", "deploy"]
    for name in names:
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 40, "the panes")
        await pilot.press("G")  # the selection is on a pane the filter will hide
        await pilot.press("slash", "b", "u")
        await until(pilot, lambda: listed_names(app) == ["build-api", "build-web"], "narrowed")
        assert filter_line(app) == "/bu 2 of 40 panes"
        assert selected_name(app) == "build-api"  # the first match, shown at once
        await pilot.press("i", "l", "d", "-", "w")
        await until(pilot, lambda: listed_names(app) == ["build-web"], "narrowed more")
        assert filter_line(app) == "/build-w 1 of 40 panes"
        await pilot.press("backspace", "backspace")
        await until(pilot, lambda: len(listed_names(app)) == 2, "widened again")
        await pilot.press("down", "enter")
        # Enter: the list has the keyboard again, the filter stays and says so.
        assert app.focused is app.pane_list
        assert listed_names(app) == ["build-api", "build-web"]
        assert selected_name(app) == "build-web"
        assert filter_line(app) == "/build 2 of 40 panes"
        # Navigation keys work on the narrowed list.
        await pilot.press("k")
        assert selected_name(app) == "build-api"
        # Esc in the list clears it; the selection stays on its pane.
        await pilot.press("escape")
        await until(pilot, lambda: len(listed_names(app)) == 40, "the whole list")
        assert filter_line(app) == ""
        assert selected_name(app) == "build-api"


async def test_text_typed_in_one_burst_with_the_key_all_goes_to_the_filter(
    tmp_path: Path,
) -> None:
    """`/build` then Enter arriving at once (fast typing, a slow machine): every key is
    filter text, none acts on the list (`l` would hide it, `d` detach, enter focus)."""
    app, panes = memory_app(tmp_path)
    for name in ("api-build", "web-build", "notes"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        for key, char in [("slash", "/"), *((c, c) for c in "build"), ("enter", None)]:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: listed_names(app) == ["api-build", "web-build"], "narrowed")
        await until(pilot, lambda: app.focused is app.pane_list, "the list has the keyboard")
        assert app.list_visible
        assert filter_line(app) == "/build 2 of 3 panes"


@pytest.mark.parametrize(("end", "listed"), [("enter", 2), ("escape", 3)])
async def test_keys_typed_right_after_enter_or_esc_are_the_lists(
    tmp_path: Path, end: str, listed: int
) -> None:
    """`/build`, Enter (or Esc) and `j` arriving at once: `j` moves in the list, it is
    not filter text (the list has the keyboard as soon as the filter is done)."""
    app, panes = memory_app(tmp_path)
    for name in ("api-build", "web-build", "notes"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        await until(pilot, lambda: selected_name(app) == "api-build", "the first pane")
        keys = [("slash", "/"), *((c, c) for c in "build"), (end, None), ("j", "j")]
        for key, char in keys:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: selected_name(app) == "web-build", "j moved the selection")
        await pilot.pause(0.2)  # every message of the burst handled
        assert len(listed_names(app)) == listed
        assert app.filter_bar.text == ("build" if end == "enter" else "")
        assert selected_name(app) == "web-build" and app.focused is app.pane_list


@pytest.mark.parametrize(("end", "listed"), [("enter", 2), ("escape", 3)])
async def test_keys_right_after_enter_in_an_open_filter_are_the_lists(
    tmp_path: Path, end: str, listed: int
) -> None:
    """The filter is open and has its text; Enter (or Esc) and `j` then arrive together
    (typed fast, or read in one go): `j` moves in the list, it is not filter text. The
    text field still had the keyboard when `j` arrived, since Enter travels through it
    first (seen in a real terminal: `/build`, Enter, `j` gave the filter `buildj`)."""
    app, panes = memory_app(tmp_path)
    for name in ("api-build", "web-build", "notes"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: selected_name(app) == "api-build", "the first pane")
        await pilot.press("slash", *"build")
        await until(pilot, lambda: listed_names(app) == ["api-build", "web-build"], "narrowed")
        for key, char in [(end, None), ("j", "j"), ("k", "k"), ("j", "j")]:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: selected_name(app) == "web-build", "j k j moved the selection")
        await pilot.pause(0.2)  # every message of the burst handled
        assert app.filter_bar.text == ("build" if end == "enter" else "")
        assert len(listed_names(app)) == listed
        assert selected_name(app) == "web-build" and app.focused is app.pane_list


async def test_esc_while_typing_clears_the_filter(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    for name in ("alpha", "beta", "gamma"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 3, "the panes")
        await pilot.press("slash", "m", "m")
        await until(pilot, lambda: listed_names(app) == ["gamma"], "narrowed")
        await pilot.press("escape")
        await until(pilot, lambda: listed_names(app) == ["alpha", "beta", "gamma"], "cleared")
        assert app.focused is app.pane_list
        assert filter_line(app) == ""
        # `/` again starts from an empty filter.
        await pilot.press("slash")
        assert app.filter_bar.text == ""


async def test_the_filter_matches_the_running_command_too(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    panes.add_tmux("agent", command="claude", user_state=UserState.DETACHED)
    panes.add_tmux("editor", command="vim", user_state=UserState.DETACHED)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 2, "the panes")
        await until(
            pilot,
            lambda: "claude" in str(app.pane_list.get_option_at_index(0).prompt),
            "the commands",
        )
        await pilot.press("slash", *"CLAU")
        await until(pilot, lambda: listed_names(app) == ["agent"], "the pane running claude")


async def test_keys_typed_into_the_filter_do_not_act_on_panes(tmp_path: Path) -> None:
    """`c`, `t`, `x`, `q` typed as filter text are text, not new panes or quitting."""
    app, panes = memory_app(tmp_path)
    panes.add_direct("ctx-quick", exit_status=ExitStatus(code=0))
    panes.add_direct("other", exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 2, "the panes")
        await pilot.press("slash", "c", "t", "x")
        await until(pilot, lambda: listed_names(app) == ["ctx-quick"], "narrowed")
        await pilot.press("escape", "slash", "q")
        await pilot.pause()
        assert app.is_running
        assert panes.spawned == []


async def test_no_match_says_so_and_a_new_pane_clears_the_filter(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    panes.add_direct("alpha", exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 1, "the pane")
        await pilot.press("slash", "z", "z", "enter")
        await until(pilot, lambda: listed_names(app) == [], "nothing listed")
        empty = str(app.query_one("#empty").render())
        assert "No pane matches the filter 'zz'" in empty
        assert filter_line(app) == "/zz 0 of 1 pane"
        await pilot.press("c")  # a new pane is selected, so the filter goes
        await until(pilot, lambda: len(listed_names(app)) == 2, "the new pane listed")
        assert filter_line(app) == ""


async def test_help_lists_the_filter_key(tmp_path: Path) -> None:
    app, _panes = memory_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = " ".join(str(s.render()) for s in app.screen.query(".keys"))
        assert "Filter the list by name or command" in text


def footer_words(app: object) -> list[str]:
    footer = app.query_one("ChloeFooter")  # type: ignore[attr-defined]
    return [str(key.render()).strip() for key in footer.query("FooterKey")]


async def test_the_footer_lists_the_filters_keys_while_it_has_the_keyboard(
    tmp_path: Path,
) -> None:
    """While typing a filter the footer says what Enter, Esc and the arrows do (the list's
    keys are off then); a click on one of them does it; after Enter the list's keys again."""
    app, panes = memory_app(tmp_path)
    for name in ("api-build", "web-build", "notes"):
        panes.add_direct(name, exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("direct" in w for w in footer_words(app)), "list keys")
        await pilot.press("slash", *"build")
        await until(pilot, lambda: len(footer_words(app)) == 4, "the filter's keys")
        words = footer_words(app)
        assert [w.split()[-1] for w in words] == ["keep", "clear", "next", "previous"]
        assert not any("direct" in w for w in words)
        keep = app.query_one("ChloeFooter").query("FooterKey").first()
        await pilot.click(keep)
        await until(pilot, lambda: app.focused is app.pane_list, "the list has the keyboard")
        assert app.filter_bar.text == "build" and len(listed_names(app)) == 2
        await until(pilot, lambda: any("direct" in w for w in footer_words(app)), "list keys")


def test_filter_through_a_real_terminal(tmp_path: Path, tmux_socket: str) -> None:
    """`/` typed in a real terminal narrows the list, Enter keeps it, Esc clears it."""
    names = ["api-build", "web-build", "notes"]
    for name in names:
        command = ["new", "--no-wait", "--name", name, "--", "sleep", "600"]
        subprocess.run(
            [sys.executable, "-m", "chloe", *command],
            check=True,
            capture_output=True,
            timeout=30,
            cwd=tmp_path,
        )
    with running_chloe(tmp_path, shell="/bin/sh", ready=None) as outer:
        outer.wait_screen(lambda s: all(n in s for n in names), "the three panes")
        outer.send("/")
        outer.send("-l", "build")
        # The count says "2 of 3" from the first letter on: wait for the whole text.
        screen = outer.wait_screen(
            lambda s: "/build" in s and "2 of 3 panes" in s, "the filter and its count"
        )
        sidebar = "\n".join(line[:32] for line in screen.splitlines())
        assert "api-build" in sidebar and "web-build" in sidebar and "notes" not in sidebar
        # Enter and j in one go, as typed fast: j is the list's (it moves in the
        # filtered list), not filter text, however soon after Enter it comes.
        outer.send("Enter", "j")
        outer.wait_screen(lambda s: "web-build" in s.splitlines()[0], "web-build selected")
        outer.send("Escape")
        outer.wait_screen(
            lambda s: (
                "notes" in "\n".join(line[:32] for line in s.splitlines()) and "of 3 panes" not in s
            ),
            "the whole list again",
        )


async def test_space_goes_to_a_failed_pane_the_filter_hides(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    panes.add_direct("build", exit_status=ExitStatus(code=2))
    panes.add_direct("notes", exit_status=ExitStatus(code=0))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(listed_names(app)) == 2, "the panes")
        await pilot.press("slash", "n", "o", "enter")
        await until(pilot, lambda: listed_names(app) == ["notes"], "narrowed")
        await pilot.press("space")
        await until(pilot, lambda: selected_name(app) == "build", "the failed pane")
        assert listed_names(app) == ["build", "notes"]
        assert filter_line(app) == ""
