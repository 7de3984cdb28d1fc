"""TerminalView in a real (headless) Textual app: input, sizing, rendering, scrollback."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import pytest
from pyte.screens import Char
from rich.color import Color, ColorType
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Button

from chloe.terminal import Cell, Terminal
from chloe.ui.terminal_view import TerminalView, cell_style
from tests.support.repaints import record_flushes
from tests.support.waiting import wait_until_async
from tests.terminal.libc_width import cells_of

SIZE = (40, 10)


class ViewApp(App[None]):
    """A TerminalView filling the screen, plus a button to move focus to."""

    CSS = "Button { dock: bottom; height: 1; border: none; min-width: 1; }"
    BINDINGS = [  # noqa: RUF012 - Textual's declared type for BINDINGS is a list
        Binding("escape", "app_escape", "non-priority app binding", id="test.escape"),
        Binding("f2", "app_f2", "non-priority app binding", id="test.f2"),
        Binding("ctrl+q", "leave", "priority leave key", priority=True, id="test.leave"),
    ]

    def __init__(self, terminal: Terminal | None = None, *, button: bool = False) -> None:
        super().__init__()
        self.terminal = terminal or Terminal(80, 24)
        self.with_button = button
        self.inputs: list[bytes] = []
        self.resizes: list[tuple[int, int]] = []
        self.actions: list[str] = []

    def compose(self) -> ComposeResult:
        yield TerminalView(self.terminal, id="view")
        if self.with_button:
            yield Button("x", id="other")

    def on_mount(self) -> None:
        self.query_one(TerminalView).focus()

    def on_terminal_view_input(self, message: TerminalView.Input) -> None:
        self.inputs.append(message.data)

    def on_terminal_view_resized(self, message: TerminalView.Resized) -> None:
        self.resizes.append((message.columns, message.rows))

    def action_app_escape(self) -> None:
        self.actions.append("escape")

    def action_app_f2(self) -> None:
        self.actions.append("f2")

    def action_leave(self) -> None:
        self.actions.append("leave")


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Let the app run until ``condition()`` holds, failing after ``timeout`` seconds."""
    await wait_until_async(condition, timeout, 0.01, pause=pilot.pause)


async def feed(pilot: Pilot[Any], view: TerminalView, data: bytes) -> None:
    """Feed program output and wait until the view has flushed it."""
    view.terminal.feed(data)
    view.notify_output()
    await wait_for(pilot, lambda: not view.terminal.dirty and not view._pending)


def text_of(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def style_at(strip: Strip, x: int) -> Style:
    """The style of the cell at column ``x``."""
    position = 0
    for segment in strip:
        width = segment.cell_length
        if position <= x < position + width:
            assert segment.style is not None
            return segment.style
        position += width
    raise AssertionError(f"no cell at {x}")


# --- keyboard -----------------------------------------------------------------


async def test_typing_posts_input_bytes() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h", "i", "enter", "ctrl+c", "escape", "up", "tab", "f2")
        await wait_for(pilot, lambda: len(app.inputs) == 8)
        assert app.inputs == [b"h", b"i", b"\r", b"\x03", b"\x1b", b"\x1b[A", b"\t", b"\x1bOQ"]
        # Esc and F2 went to the program, not to the app's bindings.
        assert app.actions == []


async def test_tab_stays_in_the_terminal() -> None:
    app = ViewApp(button=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.inputs == [b"\t"])
        assert app.focused is view


async def test_priority_leave_key_never_reaches_the_program() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q", "x")
        await wait_for(pilot, lambda: app.inputs == [b"x"])
        assert app.actions == ["leave"]


async def test_cursor_keys_follow_decckm() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\x1b[?1h")
        await pilot.press("up", "ctrl+up")
        await feed(pilot, view, b"\x1b[?1l")
        await pilot.press("up")
        await wait_for(pilot, lambda: len(app.inputs) == 3)
        assert app.inputs == [b"\x1bOA", b"\x1b[1;5A", b"\x1b[A"]


async def test_paste_is_bracketed_only_when_asked() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        app.post_message(events.Paste("ls\n"))  # as the driver delivers it
        await wait_for(pilot, lambda: len(app.inputs) == 1)
        await feed(pilot, view, b"\x1b[?2004h")
        app.post_message(events.Paste("ls\n"))  # as the driver delivers it
        await wait_for(pilot, lambda: len(app.inputs) == 2)
        assert app.inputs == [b"ls\r", b"\x1b[200~ls\r\x1b[201~"]


async def test_focus_reports_when_program_asked() -> None:
    app = ViewApp(button=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        app.query_one(Button).focus()
        await pilot.pause()
        view.focus()
        await pilot.pause()
        assert app.inputs == []  # mode 1004 not set: nothing sent
        await feed(pilot, view, b"\x1b[?1004h")
        app.query_one(Button).focus()
        await wait_for(pilot, lambda: app.inputs == [b"\x1b[O"])
        view.focus()
        await wait_for(pilot, lambda: app.inputs == [b"\x1b[O", b"\x1b[I"])


# --- mouse --------------------------------------------------------------------


async def test_click_is_reported_only_when_program_took_the_mouse() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await pilot.click(TerminalView, offset=(3, 2))
        await pilot.pause()
        assert app.inputs == []
        await feed(pilot, view, b"\x1b[?1000h\x1b[?1006h")
        await pilot.click(TerminalView, offset=(3, 2))
        await wait_for(pilot, lambda: len(app.inputs) == 2)
        assert app.inputs == [b"\x1b[<0;4;3M", b"\x1b[<0;4;3m"]


async def test_wheel_goes_to_program_when_it_took_the_mouse() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\x1b[?1002h\x1b[?1006h")
        view.post_message(events.MouseScrollUp(view, 5, 1, 0, 0, 0, False, False, False))
        view.post_message(events.MouseScrollDown(view, 5, 1, 0, 0, 0, False, False, False))
        await wait_for(pilot, lambda: len(app.inputs) == 2)
        assert app.inputs == [b"\x1b[<64;6;2M", b"\x1b[<65;6;2M"]
        assert view.scrollback_offset == 0


# --- size ---------------------------------------------------------------------


async def test_terminal_follows_the_widget_size() -> None:
    app = ViewApp(Terminal(80, 24))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await wait_for(pilot, lambda: app.resizes == [SIZE])
        assert (view.terminal.columns, view.terminal.lines) == SIZE
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: app.resizes[-1] == (60, 20))
        assert (view.terminal.columns, view.terminal.lines) == (60, 20)
        assert view.render_line(0).cell_length == 60


async def test_set_terminal_resizes_and_redraws() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"first")
        other = Terminal(10, 3)
        other.feed(b"second")
        view.set_terminal(other)
        await wait_for(pilot, lambda: app.resizes[-1:] == [SIZE] and len(app.resizes) == 2)
        assert view.terminal is other
        assert (other.columns, other.lines) == SIZE
        assert text_of(view.render_line(0)).startswith("second")


# --- rendering ----------------------------------------------------------------


async def test_clean_rows_come_from_the_cache_and_dirty_rows_are_rebuilt() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        view.blur()  # no cursor overlay, so every row is the cached strip itself
        await feed(pilot, view, b"row0\r\nrow1\r\nrow2")
        before = [view.render_line(y) for y in range(SIZE[1])]
        assert [view.render_line(y) for y in range(SIZE[1])] == before
        again = [view.render_line(y) for y in range(SIZE[1])]
        assert all(a is b for a, b in zip(before, again, strict=True))
        await feed(pilot, view, b"\x1b[2;1Hchanged")
        after = [view.render_line(y) for y in range(SIZE[1])]
        assert text_of(after[1]).startswith("changed")
        assert after[1] is not before[1]
        assert all(after[y] is before[y] for y in range(SIZE[1]) if y != 1)


async def test_output_repaints_are_coalesced() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"warm up")
        flushes = record_flushes(view)
        # Output arrives far faster than 60 Hz, with the event loop running in between
        # (two reads a loop turn, so even a loaded machine has something to coalesce).
        notifications = 0
        start = time.monotonic()
        while time.monotonic() - start < 0.3:
            for _ in range(2):
                view.terminal.feed(f"\r\nline {notifications}".encode())
                view.notify_output()
                notifications += 1
            await pilot.pause(0.001)
        elapsed = time.monotonic() - start
        await wait_for(pilot, lambda: not view._pending)
        # Fewer repaints than outputs (how many fewer depends on the machine's load),
        # and never more than 60 a second.
        assert len(flushes) < notifications
        assert len(flushes) <= elapsed * 60 + 2
        gaps = [b - a for a, b in itertools.pairwise(flushes)]
        assert min(gaps) >= 1 / 60 * 0.9
        assert text_of(view.render_line(SIZE[1] - 1)).startswith(f"line {notifications - 1}")


async def test_a_flood_is_repainted_at_most_20_times_a_second_and_its_end_always() -> None:
    """While several reads a frame scroll the whole screen, frames come at most 20/s."""
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"warm up")
        flushes = record_flushes(view)
        line = 0
        start = time.monotonic()
        while time.monotonic() - start < 0.6:
            for _ in range(3):  # three pty reads a loop turn, each a screenful or more
                view.terminal.feed(b"".join(b"\r\nflood %d" % (line + i) for i in range(30)))
                line += 30
                view.notify_output()
            await pilot.pause(0.001)
        await wait_for(pilot, lambda: not view._pending)
        assert len(flushes) >= 4
        # The first repaint does not know of the flood yet; every later one does.
        gaps = [b - a for a, b in itertools.pairwise(flushes[1:])]
        assert min(gaps) >= 1 / 20 * 0.9
        assert text_of(view.render_line(SIZE[1] - 1)).startswith(f"flood {line - 1}")


async def test_nothing_is_repainted_when_nothing_changed() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"hello")
        refreshed: list[object] = []
        original = view.refresh

        def spy(*args: Any, **kwargs: Any) -> TerminalView:
            refreshed.append(args)
            return original(*args, **kwargs)

        view.refresh = spy  # type: ignore[method-assign]
        view.notify_output()
        await wait_for(pilot, lambda: not view._pending)
        assert refreshed == []
        view.terminal.feed(b"\x1b[5;1Hx")
        view.notify_output()
        await wait_for(pilot, lambda: not view._pending)
        # Row 4 changed and the cursor moved from row 0 to row 4: two rows repainted.
        rows = sorted(region.y for args in refreshed for region in args)  # type: ignore[attr-defined]
        assert rows == [0, 4]


@pytest.mark.parametrize("n", range(16))
def test_each_of_the_16_sgr_colours_reaches_rich_as_that_ansi_colour(n: int) -> None:
    """SGR 30-37/90-97 and 40-47/100-107 (105 included) become ANSI colour ``n``."""
    fg = 30 + n if n < 8 else 90 + n - 8
    term = Terminal(4, 1)
    term.feed(b"\x1b[%d;%dmx" % (fg, fg + 10))
    style = cell_style(term.buffer[0][0][1:])
    assert style.color is not None and style.bgcolor is not None
    assert (style.color.number, style.bgcolor.number) == (n, n)


def _sent_colour(colour: Color | None) -> tuple[str, object]:
    """What the outer terminal is sent for a colour: its kind and index or RGB."""
    if colour is None or colour.type == ColorType.DEFAULT:
        return ("default", None)
    if colour.type == ColorType.STANDARD:
        return ("ansi", colour.number)
    if colour.type == ColorType.EIGHT_BIT:
        return ("256", colour.number)
    return ("rgb", tuple(colour.get_truecolor()))


async def test_ansi_palette_and_default_colours_reach_the_outer_terminal_as_such() -> None:
    """As in a plain tmux: the user's palette draws ANSI colours, their defaults the rest.

    Checked on what Textual writes (the view's lines after the app's filters),
    for the cells of a colour table.
    """
    app = ViewApp()
    table = [
        (b"31", ("ansi", 1), ("default", None)),
        (b"35", ("ansi", 5), ("default", None)),
        (b"95", ("ansi", 13), ("default", None)),
        (b"38;5;5", ("ansi", 5), ("default", None)),
        (b"38;5;13", ("ansi", 13), ("default", None)),
        (b"41", ("default", None), ("ansi", 1)),
        (b"45", ("default", None), ("ansi", 5)),
        (b"105", ("default", None), ("ansi", 13)),
        (b"48;5;1", ("default", None), ("ansi", 1)),
        (b"38;5;253;48;5;233", ("256", 253), ("256", 233)),
        (b"38;5;102", ("256", 102), ("default", None)),
        (b"38;2;135;135;135;48;2;1;2;3", ("rgb", (135, 135, 135)), ("rgb", (1, 2, 3))),
        (b"38;2;128;0;0", ("rgb", (128, 0, 0)), ("default", None)),
        (b"0", ("default", None), ("default", None)),
    ]
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"".join(b"\x1b[0;%smx" % sgr for sgr, _, _ in table))
        view.blur()
        await pilot.pause()
        row = view.render_lines(Region(0, 0, SIZE[0], 1))[0]
        sent = [
            (_sent_colour(style_at(row, x).color), _sent_colour(style_at(row, x).bgcolor))
            for x in range(len(table))
        ]
        assert sent == [(fg, bg) for _, fg, bg in table]
        # Past the program's output too: the terminal's default background.
        assert _sent_colour(style_at(row, SIZE[0] - 1).bgcolor) == ("default", None)


async def test_colours_and_attributes_map_to_rich_styles() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(
            pilot,
            view,
            b"\x1b[31;44mA\x1b[0m"  # 16 colours
            b"\x1b[91;103mB\x1b[0m"  # bright 16 colours
            b"\x1b[38;5;196;48;5;21mC\x1b[0m"  # 256 colours
            b"\x1b[38;2;1;2;3;48;2;250;251;252mD\x1b[0m"  # truecolour
            b"\x1b[1mE\x1b[0m\x1b[3mF\x1b[0m\x1b[4mG\x1b[0m\x1b[7mH\x1b[0m\x1b[9mI\x1b[0m"
            b"J",
        )
        view.blur()
        await pilot.pause()
        row = view.render_line(0)
        assert text_of(row).startswith("ABCDEFGHIJ")
        base = view.rich_style
        a = style_at(row, 0)
        assert (a.color, a.bgcolor) == (Color.from_ansi(1), Color.from_ansi(4))
        b = style_at(row, 1)
        assert (b.color, b.bgcolor) == (Color.from_ansi(9), Color.from_ansi(11))
        c = style_at(row, 2)
        assert c.color is not None and c.bgcolor is not None
        assert c.color.get_truecolor() == (255, 0, 0)
        assert c.bgcolor.get_truecolor() == (0, 0, 255)
        d = style_at(row, 3)
        assert d.color is not None and d.bgcolor is not None
        assert d.color.get_truecolor() == (1, 2, 3)
        assert d.bgcolor.get_truecolor() == (250, 251, 252)
        assert style_at(row, 4).bold
        assert style_at(row, 5).italic
        assert style_at(row, 6).underline
        assert style_at(row, 7).reverse
        assert style_at(row, 8).strike
        plain = style_at(row, 9)
        # Default colours are the widget's own (the terminal's defaults), with no attributes.
        assert (plain.color, plain.bgcolor) == (base.color, base.bgcolor)
        assert not (plain.bold or plain.italic or plain.underline or plain.reverse)


async def test_dim_maps_to_a_dim_style_and_sgr_22_clears_it() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(
            pilot,
            view,
            b"\x1b[2mA\x1b[22mB"  # dim, then normal intensity
            b"\x1b[1;2mC\x1b[22mD"  # bold and dim; 22 clears both
            b"\x1b[2;31mE\x1b[0mF"  # dim with a colour; 0 clears it
            + "\x1b[2m日\x1b[mG".encode(),  # a wide character, dim
        )
        view.blur()
        await pilot.pause()
        row = view.render_line(0)
        assert text_of(row).startswith("ABCDEF日G")
        a, b, c, d, e, f = (style_at(row, x) for x in range(6))
        assert a.dim and not a.bold
        assert not b.dim and not b.bold  # same attributes as A but dim: its own style
        assert c.dim and c.bold
        assert not d.dim and not d.bold
        assert e.dim and e.color == Color.from_ansi(1)
        assert not f.dim
        assert style_at(row, 6).dim and not style_at(row, 8).dim
        # A row that needs mending (a stray right half at column 9) keeps its styles.
        cells = list(view.terminal.buffer[0])
        cells[9] = Cell("")
        slow = view._cells_to_strip(cells, SIZE[0])
        assert text_of(slow).startswith("ABCDEF日G ")
        dims = [True, False, True, False, True, False, True, True, False]
        assert [bool(style_at(row, x).dim) for x in range(9)] == dims
        assert [bool(style_at(slow, x).dim) for x in range(9)] == dims
        assert cell_style(Cell("x", dim=True)[1:]).dim
        assert not cell_style(Cell("x")[1:]).dim
        assert not cell_style(Char("x", fg="red")[1:]).dim  # pyte's Char: no dim field


async def test_dim_survives_the_scrollback() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\x1b[2mdim\x1b[22m plain\r\n" + b"\r\n" * SIZE[1])
        assert view.terminal.scrollback()[0] == "dim plain"
        view.scroll_back(view.terminal.scrollback_len)
        await pilot.pause()
        row = view.render_line(0)
        assert text_of(row).startswith("dim plain")
        assert style_at(row, 0).dim and style_at(row, 2).dim
        assert not style_at(row, 4).dim


async def test_wide_characters_take_two_cells() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, "日本x".encode())
        row = view.render_line(0)
        assert text_of(row).startswith("日本x ")
        assert row.cell_length == SIZE[0]
        assert style_at(row, 4) == style_at(row, 0)  # "x" sits in the fifth cell


async def test_cursor_drawn_only_when_focused_and_visible() -> None:
    app = ViewApp(button=True)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"ab")
        assert style_at(view.render_line(0), 2).reverse
        assert not style_at(view.render_line(0), 1).reverse
        app.query_one(Button).focus()
        await pilot.pause()
        assert not style_at(view.render_line(0), 2).reverse
        view.focus()
        await pilot.pause()
        assert style_at(view.render_line(0), 2).reverse
        await feed(pilot, view, b"\x1b[?25l")
        assert not style_at(view.render_line(0), 2).reverse


# --- scrollback ---------------------------------------------------------------


async def test_scrollback_browse_marker_and_return_on_keypress() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\r\n".join(f"line {i}".encode() for i in range(40)))
        assert "[scrollback" not in text_of(view.render_line(0))
        await pilot.press("shift+pageup")
        assert view.scrollback_offset == SIZE[1] - 1
        top = text_of(view.render_line(0))
        assert top.rstrip().endswith(f"[scrollback -{SIZE[1] - 1}]")
        assert top.startswith("line 21")  # the screen shows 30-39; 9 lines up
        assert text_of(view.render_line(1)).startswith("line 22")
        assert app.inputs == []  # browsing sends nothing to the program
        await pilot.press("shift+pagedown")
        assert view.scrollback_offset == 0
        await pilot.press("shift+pageup", "a")
        await wait_for(pilot, lambda: app.inputs == [b"a"])
        assert view.scrollback_offset == 0
        assert "[scrollback" not in text_of(view.render_line(0))
        assert text_of(view.render_line(0)).startswith("line 30")


async def test_wheel_browses_scrollback_when_program_has_no_mouse() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\r\n".join(f"line {i}".encode() for i in range(40)))
        view.post_message(events.MouseScrollUp(view, 1, 1, 0, 0, 0, False, False, False))
        await wait_for(pilot, lambda: view.scrollback_offset == 3)
        assert "[scrollback -3]" in text_of(view.render_line(0))
        view.post_message(events.MouseScrollDown(view, 1, 1, 0, 0, 0, False, False, False))
        await wait_for(pilot, lambda: view.scrollback_offset == 0)
        assert app.inputs == []


async def test_wheel_in_alternate_screen_sends_arrows() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\x1b[?1049h\x1b[?1h")
        view.post_message(events.MouseScrollDown(view, 1, 1, 0, 0, 0, False, False, False))
        await wait_for(pilot, lambda: len(app.inputs) == 1)
        assert app.inputs == [b"\x1bOB" * 3]
        assert view.scrollback_offset == 0


async def test_columns_stay_aligned_around_a_stray_wide_char_placeholder() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, "a日bc".encode())
        # Break the pair by hand, as a half-overwritten wide character can:
        # cell 1 keeps "日" but its right half (cell 2) becomes a narrow "x",
        # and cell 5 becomes a placeholder with no wide character before it.
        row = view.terminal.buffer[0]
        row[2] = row[0]._replace(data="x")
        row[5] = row[0]._replace(data="")
        view.terminal.dirty.add(0)
        view.notify_output()
        await wait_for(pilot, lambda: not view._pending)
        view.blur()
        await pilot.pause()
        strip = view.render_line(0)
        assert strip.cell_length == SIZE[0]
        text = text_of(strip)
        # "c" was at column 4 and must still be there; the stray cell is blank.
        assert strip.crop(4, 5).text == "c"
        assert strip.crop(5, 6).text == " "
        assert text.startswith("a")


async def test_browsed_lines_stay_put_while_output_arrives() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\r\n".join(f"line {i}".encode() for i in range(40)))
        await pilot.press("shift+pageup")
        top = text_of(view.render_line(0))[:8]
        await feed(pilot, view, b"".join(f"\r\nmore {i}".encode() for i in range(5)))
        assert text_of(view.render_line(0))[:8] == top
        assert view.scrollback_offset == SIZE[1] - 1 + 5
        await pilot.press("shift+end")
        assert view.scrollback_offset == 0
        assert text_of(view.render_line(SIZE[1] - 1)).startswith("more 4")


async def test_rows_that_only_scrolled_are_not_rebuilt() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        view.blur()
        await feed(pilot, view, b"\r\n".join(f"\x1b[3{i % 8}mline {i}".encode() for i in range(10)))
        before = [view.render_line(y) for y in range(SIZE[1])]
        await feed(pilot, view, b"\r\nnew line")
        after = [view.render_line(y) for y in range(SIZE[1])]
        assert text_of(after[0]).startswith("line 1")
        assert text_of(after[-1]).startswith("new line")
        # Every row moved up by one: the strips move with them, none is rebuilt.
        assert all(after[y] is before[y + 1] for y in range(SIZE[1] - 1))


async def test_random_output_and_resizes_always_render_full_width_rows() -> None:
    import random

    rng = random.Random(3)
    pieces = [
        b"x",
        b"\r\n",
        "日本".encode(),
        "é́".encode(),
        "\u2500".encode(),
        b"\x1b[31;1m",
        b"\x1b[38;5;200m",
        b"\x1b[48;2;1;2;3m",
        b"\x1b[7m",
        b"\x1b[0m",
        b"\x1b[H",
        b"\x1b[5;70H",
        b"\x1b[2J",
        b"\x1b[K",
        b"\x1b[3@",
        b"\x1b[2P",
        b"\x1b[?1049h",
        b"\x1b[?1049l",
        b"\x1b[?25l",
        b"\x1b[?25h",
        "日".encode()[:2],  # half a character; the rest comes later or never
    ]
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        for step in range(120):
            if step % 30 == 29:
                await pilot.resize_terminal(rng.randint(5, 50), rng.randint(2, 15))
            data = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
            await feed(pilot, view, data)
            if step % 10 == 0:
                await pilot.press("shift+pageup")
            width = view.size.width
            for y in range(view.size.height):
                assert view.render_line(y).cell_length == width


async def test_motion_reports_follow_the_tracking_mode() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)

        def move(x: int, y: int, button: int) -> None:
            view.post_message(events.MouseMove(view, x, y, 0, 0, button, False, False, False))

        await feed(pilot, view, b"\x1b[?1002h\x1b[?1006h")
        move(2, 1, 0)  # hover: not reported in 1002
        move(3, 1, 1)  # drag with the left button: reported
        await wait_for(pilot, lambda: len(app.inputs) == 1)
        assert app.inputs == [b"\x1b[<32;4;2M"]
        await feed(pilot, view, b"\x1b[?1002l\x1b[?1003h")
        move(7, 4, 0)  # 1003: every motion
        await wait_for(pilot, lambda: len(app.inputs) == 2)
        assert app.inputs[-1] == b"\x1b[<35;8;5M"


async def test_browsing_again_after_a_full_scrollback_moved_on_shows_the_new_lines() -> None:
    """Browse, go back to the bottom, let output push the (full) scrollback on,
    browse again: the rows shown are the current ones, not those seen before."""
    app = ViewApp(Terminal(80, 24, scrollback=20))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, b"\r\n".join(f"old {i}".encode() for i in range(60)))
        await pilot.press("shift+pageup")
        assert text_of(view.render_line(1)).startswith("old 42")
        await pilot.press("shift+pagedown")
        assert view.scrollback_offset == 0
        await feed(pilot, view, b"\r\n" + b"\r\n".join(f"new {i}".encode() for i in range(60)))
        await pilot.press("shift+pageup")
        assert text_of(view.render_line(1)).startswith("new 42")


def test_protected_cells_look_like_unprotected_ones() -> None:
    """DECSCA protection changes what selective erase does, not how a cell looks."""
    term = Terminal(4, 1)
    term.feed(b'\x1b[1;31m\x1b[1"qA\x1b[0"qB')
    protected, plain = term.buffer[0][0], term.buffer[0][1]
    assert protected != plain._replace(data="A")
    assert cell_style(protected[1:]) == cell_style(plain[1:])


# --- glyphs: every cell where the emulator (and tmux) has it ---------------------

GLYPH_LINES = [
    "\u2764\ufe0f \u26a0\ufe0f x",  # VS16: one cell each, as in tmux (rich says two)
    "\U0001f44d\U0001f3fd \U0001f3fd|",  # skin tones: wide cells of their own (rich: 2 and 0)
    "\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea|",  # regional indicators: one cell each
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 สวัสดี नमस्ते|",
    "\x1b[31mก\u0e31\x1b[42m\u2764\ufe0f\x1b[m a\u20dd 1\ufe0f\u20e3|",
]


def cells_with_styles(strip: Strip) -> list[tuple[str, Style | None]]:
    """The cells the outer terminal (tmux's widths) fills from ``strip``, with their styles."""
    out: list[tuple[str, Style | None]] = []
    for segment in strip:
        out.extend((cell, segment.style) for cell in cells_of(segment.text))
    return out


async def test_every_glyph_is_drawn_in_its_own_cells() -> None:
    """No glyph blanked, lost, doubled or moved: the row's text fills the emulator's cells."""
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, "\r\n".join(GLYPH_LINES).encode())
        view.blur()
        await pilot.pause()
        for y in range(len(GLYPH_LINES)):
            strip = view.render_line(y)
            assert strip.cell_length == SIZE[0]
            drawn = [cell for cell, _ in cells_with_styles(strip)]
            assert drawn == [c.data for c in view.terminal.buffer[y]], y
        styles = cells_with_styles(view.render_line(4))
        assert styles[0][0] == "ก\u0e31"
        assert styles[0][1] is not None and styles[0][1].color == Color.from_ansi(1)
        assert styles[1][1] is not None and styles[1][1].bgcolor == Color.from_ansi(2)


async def test_the_cursor_covers_its_cell_on_a_glyph_row() -> None:
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        # Cells: ❤️ (1), 👍 (2), 🏽 (2), x; the cursor goes back onto 🏽.
        await feed(pilot, view, "\u2764\ufe0f\U0001f44d\U0001f3fdx\x1b[4G".encode())
        await pilot.pause()
        assert view.terminal.cursor.x == 3
        cells = cells_with_styles(view.render_line(0))
        assert [c for c, _ in cells[:6]] == [
            "\u2764\ufe0f",
            "\U0001f44d",
            "",
            "\U0001f3fd",
            "",
            "x",
        ]
        reversed_cells = [i for i, (_, style) in enumerate(cells) if style and style.reverse]
        assert reversed_cells == [3, 4]
        assert len(cells) == SIZE[0]


async def test_a_cut_joiner_sequence_is_drawn_without_its_trailing_joiner() -> None:
    """tmux keeps ``👨‍👩‍👧‍`` (21 bytes); a trailing joiner would glue the next cell to it."""
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        z = "\u200d"
        await feed(pilot, view, f"\U0001f468{z}\U0001f469{z}\U0001f467{z}\U0001f466 x".encode())
        view.blur()
        await pilot.pause()
        assert view.terminal.buffer[0][0].data.endswith(z)
        drawn = [cell for cell, _ in cells_with_styles(view.render_line(0))]
        assert drawn[:4] == [f"\U0001f468{z}\U0001f469{z}\U0001f467", "", " ", "x"]


async def test_scrollback_rows_are_drawn_cell_for_cell() -> None:
    """Browsed lines (coloured, with glyphs) fill exactly the columns they filled on screen."""
    app = ViewApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        await feed(pilot, view, "\r\n".join(GLYPH_LINES).encode() + b"\r\n")
        on_screen = [[c.data for c in view.terminal.buffer[y]] for y in range(len(GLYPH_LINES))]
        await feed(pilot, view, b"\x1b[31mred\x1b[m plain\r\n" + b"\r\n" * SIZE[1])
        view.scroll_back(len(GLYPH_LINES) + 1 + SIZE[1])
        view.blur()
        await pilot.pause()
        top = view.terminal.scrollback_len - view.scrollback_offset
        for i, want in enumerate([*on_screen, ["r", "e", "d", " ", "p", "l", "a", "i", "n"]]):
            strip = view._scrollback_row(top + i)
            assert strip.cell_length == SIZE[0]
            drawn = [cell for cell, _ in cells_with_styles(strip)]
            assert len(drawn) == SIZE[0], (i, drawn)
            assert drawn[: len(want)] == want
            assert all(cell == " " for cell in drawn[len(want) :])


# --- selection ------------------------------------------------------------------


def reversed_text(strip: Strip) -> str:
    """The characters of ``strip`` drawn in reverse video."""
    return "".join(s.text for s in strip if s.style is not None and s.style.reverse)


async def test_drag_highlights_the_selection_and_copies_it_on_release() -> None:
    """Highlighted while dragging (reverse video), copied on release, then unhighlighted;
    a plain click copies nothing."""
    app = ViewApp()
    copies: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        view.copy_request = copies.append
        await feed(pilot, view, "one 世界 two   \r\nthree four".encode())
        await pilot.mouse_down(view, offset=(4, 0))
        await pilot.hover(view, offset=(2, 1))
        await pilot.pause()
        assert reversed_text(view.render_line(0)).rstrip() == "世界 two"
        assert reversed_text(view.render_line(1)) == "thr"
        assert copies == []  # not before the button is released
        await pilot.mouse_up(view, offset=(2, 1))
        await wait_for(pilot, lambda: copies == ["世界 two\nthr"])
        assert reversed_text(view.render_line(0)) == ""
        await pilot.click(view, offset=(6, 1))
        await pilot.pause()
        assert copies == ["世界 two\nthr"]


async def test_a_program_that_took_the_mouse_gets_the_drag_unless_shift_is_held() -> None:
    app = ViewApp()
    copies: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TerminalView)
        view.copy_request = copies.append
        await feed(pilot, view, b"\x1b[?1002h\x1b[?1006hselect me")
        await pilot.mouse_down(view, offset=(0, 0))
        await pilot.hover(view, offset=(5, 0))
        await pilot.mouse_up(view, offset=(5, 0))
        await wait_for(pilot, lambda: b"\x1b[<0;6;1m" in app.inputs)  # the release
        assert b"\x1b[<0;1;1M" in app.inputs and copies == []  # the press went too
        await pilot.mouse_down(view, offset=(0, 0), shift=True)
        await pilot.hover(view, offset=(5, 0))
        await pilot.mouse_up(view, offset=(5, 0), shift=True)
        await wait_for(pilot, lambda: copies == ["select"])
