"""Search matches are highlighted in browsed history, the current one in its own colours
(as tmux's copy mode does), read from the rows the view draws."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult

from chloe.terminal import Terminal
from chloe.ui.terminal_view import TerminalView, match_spans


class ViewApp(App[None]):
    def __init__(self, terminal: Terminal) -> None:
        super().__init__()
        self.terminal = terminal

    def compose(self) -> ComposeResult:
        yield TerminalView(self.terminal)


def cell_styles(view: TerminalView, y: int) -> list[tuple[str, Style | None]]:
    """Each cell of drawn row ``y`` with its style."""
    cells: list[tuple[str, Style | None]] = []
    for segment in view.render_line(y):
        cells.extend((char, segment.style) for char in segment.text)
    return cells


ANSI = {"cyan": 6, "magenta": 5}


def highlighted(view: TerminalView, y: int, colour: str) -> str:
    """The characters of row ``y`` drawn on the ANSI background ``colour``."""
    return "".join(
        char
        for char, style in cell_styles(view, y)
        if style is not None and style.bgcolor is not None and style.bgcolor.number == ANSI[colour]
    )


def row_text(view: TerminalView, y: int) -> str:
    return "".join(char for char, _ in cell_styles(view, y))


async def test_matches_are_highlighted_and_the_current_one_differs() -> None:
    """A direct pane's scrollback: every match shown is cyan, the current one magenta."""
    terminal = Terminal(70, 10, scrollback=1000)
    terminal.feed(b"".join(b"row %d: x-ab-ab\r\n" % i for i in range(100)))
    async with ViewApp(terminal).run_test(size=(70, 10)) as pilot:
        view = pilot.app.query_one(TerminalView)
        view.scroll_back(95)
        await pilot.pause()
        assert view.search("ab") == 100
        await pilot.pause()
        top = row_text(view, 0)
        assert top.startswith("row ")
        # The top row holds the current match: its first "ab" stands out, its second is
        # an ordinary match; rows below have both of theirs as ordinary matches.
        assert highlighted(view, 0, "magenta") == "ab"
        assert highlighted(view, 0, "cyan") == "ab"
        start = top.index("ab")
        styles = cell_styles(view, 0)
        assert styles[start][1].bgcolor.number == ANSI["magenta"]  # type: ignore[union-attr]
        assert styles[start + 3][1].bgcolor.number == ANSI["cyan"]  # type: ignore[union-attr]
        assert highlighted(view, 1, "cyan") == "abab"
        assert highlighted(view, 1, "magenta") == ""
        # Text that is not a match keeps its own (default) colours.
        plain = styles[0][1]
        assert plain is None or plain.bgcolor is None or plain.bgcolor.is_default
        # n: the next line is current now.
        view.search_next(1)
        await pilot.pause()
        assert highlighted(view, 0, "magenta") == "ab"
        previous = row_text(view, 0)
        assert previous != top
        # Esc (the search ends): no highlight left anywhere.
        view.end_search()
        await pilot.pause()
        assert all(highlighted(view, y, c) == "" for y in range(10) for c in ("cyan", "magenta"))


async def test_a_line_without_the_text_has_no_highlight() -> None:
    terminal = Terminal(30, 5, scrollback=100)
    terminal.feed(b"alpha\r\nbeta\r\ngamma\r\ndelta\r\nepsilon\r\nzeta\r\neta\r\n")
    async with ViewApp(terminal).run_test(size=(30, 5)) as pilot:
        view = pilot.app.query_one(TerminalView)
        view.scroll_back(3)
        assert view.search("eta") == 3  # beta, zeta, eta
        await pilot.pause()
        rows = {row_text(view, y).split()[0]: y for y in range(5) if row_text(view, y).split()}
        for word, y in rows.items():
            marks = highlighted(view, y, "cyan") + highlighted(view, y, "magenta")
            assert marks == ("eta" if "eta" in word else ""), word


def test_match_spans_count_cells_of_wide_characters() -> None:
    assert match_spans("ab ab", "ab") == [(0, 2), (3, 5)]
    assert match_spans("日本 ab", "ab") == [(5, 7)]
    assert match_spans("aaaa", "aa") == [(0, 2), (2, 4)]
