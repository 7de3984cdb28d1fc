"""The pane list's entries: glyph and colour come from the pane's status, never its words."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from chloe.model import ExitStatus, Kind, Status, status_words
from chloe.ui.app import ChloeApp
from chloe.ui.pane_list import INDICATORS, Entry, render_entry
from tests.ui.helpers import memory_app, title_text, until


def test_every_status_has_its_own_glyph() -> None:
    """Each status a pane can have is drawn with a glyph of its own."""
    assert set(INDICATORS) == set(Status)
    assert len({glyph for glyph, _ in INDICATORS.values()}) == len(Status)


def test_checking_is_neutral_not_dead() -> None:
    """A pane nobody has answered for yet is neither red nor drawn with the dead glyph."""
    glyph, colour = INDICATORS[Status.CHECKING]
    assert glyph != INDICATORS[Status.DEAD][0] and colour != "$error"
    entry = Entry("p1", "job", Kind.TMUX, Status.CHECKING, status_words(Status.CHECKING))
    text = str(render_entry(entry, compact=False))
    assert glyph in text and "checking…" in text and INDICATORS[Status.DEAD][0] not in text


def test_unreachable_is_not_dead() -> None:
    """tmux not answering is a warning, not an ending."""
    _glyph, colour = INDICATORS[Status.UNREACHABLE]
    assert colour != "$error" and status_words(Status.UNREACHABLE) == "unreachable"


def test_words_for_each_state() -> None:
    """One function gives the words a user reads for (status, exit status)."""
    assert status_words(Status.ATTACHED) == "attached"
    assert status_words(Status.DETACHED) == "detached"
    assert status_words(Status.DEAD) == "dead"
    assert status_words(Status.DEAD, ExitStatus(code=3)) == "dead (exit 3)"
    assert status_words(Status.DEAD, ExitStatus(signal=9)) == "dead (SIGKILL)"
    assert status_words(Status.CHECKING) == "checking…"


def test_glyph_follows_the_status_whatever_the_label_says() -> None:
    """The label text is not parsed: a dead pane is drawn dead even with odd words."""
    entry = Entry("p1", "job", Kind.DIRECT, Status.DEAD, "checking… (not really)")
    assert str(render_entry(entry, compact=True)).startswith(INDICATORS[Status.DEAD][0])


LONG = "train-" + "x" * 52 + "-final"  # 64 characters


@pytest.mark.parametrize("size", [(100, 30), (60, 20)])
@pytest.mark.parametrize("name", [LONG, "🚀🚀 rocket 🚀 launch 🚀 party 🚀🚀"])
async def test_long_and_emoji_names_are_cut_not_wrapped(
    tmp_path: Path, name: str, size: tuple[int, int]
) -> None:
    """Every line of an entry fits the list's width (cut with … by display width);
    the title line shows the whole name."""
    app, panes = memory_app(tmp_path)
    panes.add_tmux(name)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: "attached" in entry_text_of(app), "the entry")
        await until(pilot, lambda: name in title_text(app), "the title")
        room = app.pane_list.scrollable_content_region.width - 2
        text = entry_text_of(app)
        lines = text.split("\n")
        assert lines[0].endswith("…")
        assert all(cell_len(line) <= room for line in lines), lines
        assert len(lines) == (2 if size[0] < 70 else 3)


def entry_text_of(app: ChloeApp) -> str:
    ids = app.pane_list.pane_ids
    return str(app.pane_list.get_option(ids[0]).prompt) if ids else ""
