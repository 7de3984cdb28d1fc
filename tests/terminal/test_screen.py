"""Unit tests for each sequence and mode :class:`Terminal` adds to stock pyte."""

from __future__ import annotations

import pytest
from pyte.screens import Char

from chloe.terminal import Cell, Terminal
from tests.support.cells import as_cell

ESC = b"\x1b"
CSI = b"\x1b["


def make(columns: int = 10, lines: int = 4, scrollback: int = 100) -> Terminal:
    return Terminal(columns, lines, scrollback=scrollback)


def fed(data: bytes, columns: int = 10, lines: int = 4, scrollback: int = 100) -> Terminal:
    term = make(columns, lines, scrollback)
    term.feed(data)
    return term


# ---------------------------------------------------------------- input bytes


def test_utf8_character_split_across_feeds_comes_out_whole() -> None:
    term = make()
    euro = "€".encode()
    term.feed(b"a" + euro[:1])
    term.feed(euro[1:2])
    term.feed(euro[2:] + b"b")
    assert term.display[0].rstrip() == "a€b"


def test_invalid_utf8_becomes_replacement_character() -> None:
    term = fed(b"a\xffb\xc3(")
    assert term.display[0].rstrip() == "a\ufffdb\ufffd("


def test_escape_sequence_split_across_feeds() -> None:
    term = make()
    for byte in CSI + b"31mred" + CSI + b"0m":
        term.feed(bytes([byte]))
    assert term.buffer[0][0] == Cell("r", fg="red")
    assert term.buffer[0][3] == Cell(" ")


def test_row_get_keeps_pyte_dict_interface() -> None:
    term = fed(b"ab")
    assert term.buffer[0].get(1, term.default_char).data == "b"
    assert term.buffer[0].get(99, term.default_char) == term.default_char


# ------------------------------------------------------------------ scrolling


def test_csi_s_scrolls_up_into_scrollback_on_full_screen() -> None:
    term = fed(b"one\r\ntwo\r\nthree" + CSI + b"2S")
    assert term.display[0].rstrip() == "three"
    assert term.scrollback() == ["one", "two"]
    assert term.cursor.y == 2  # SU does not move the cursor


def test_csi_t_scrolls_down_inserting_blank_rows() -> None:
    term = fed(b"one\r\ntwo" + CSI + b"T")
    assert [r.rstrip() for r in term.display] == ["", "one", "two", ""]
    assert term.scrollback() == []


def test_scroll_region_does_not_feed_scrollback() -> None:
    term = fed(b"top" + CSI + b"2;4r" + CSI + b"4;1Hx\n\n\n" + CSI + b"3S")
    assert term.scrollback() == []
    assert term.display[0].rstrip() == "top"


def test_linefeed_at_bottom_of_full_screen_feeds_scrollback() -> None:
    term = fed(b"1\r\n2\r\n3\r\n4\r\n5\r\n6")
    assert term.scrollback() == ["1", "2"]
    assert [r.rstrip() for r in term.display] == ["3", "4", "5", "6"]


def test_scrollback_never_exceeds_its_limit_and_keeps_newest() -> None:
    term = fed(b"".join(b"%d\r\n" % i for i in range(50)), scrollback=5)
    assert term.scrollback_len == 5
    assert term.scrollback() == ["42", "43", "44", "45", "46"]


@pytest.mark.parametrize(
    "data",
    [
        CSI + b"32m" + b"".join(b"line %d\r\n" % i for i in range(300)) + b"tail",
        b"".join(b"x" * (i % 30) + b"\r\n" for i in range(300)),  # some lines wrap
        CSI + b"44m" + b"\r\n" * 40 + CSI + b"0m" + b"".join(b"%d\r\n" % i for i in range(99)),
    ],
    ids=["coloured", "wrapping", "after-bce"],
)
def test_flood_in_one_chunk_equals_byte_by_byte(data: bytes) -> None:
    """The bulk path for floods of plain lines changes nothing observable."""
    bulk = fed(data, 12, 5, scrollback=50)
    slow = make(12, 5, scrollback=50)
    for byte in data:
        slow.feed(bytes([byte]))
    assert bulk.display == slow.display
    assert bulk.buffer == slow.buffer
    assert bulk.scrollback() == slow.scrollback()
    assert [bulk.scrollback_row(i) for i in range(50)] == [
        slow.scrollback_row(i) for i in range(50)
    ]
    assert (bulk.cursor.x, bulk.cursor.y) == (slow.cursor.x, slow.cursor.y)


def test_scrollback_row_keeps_styles() -> None:
    term = fed(b"ab" + CSI + b"1;31mcd" + CSI + b"0m\r\n" + b"\r\n" * 4)
    runs = term.scrollback_row(0)
    assert [text for text, _ in runs] == ["ab", "cd"]
    assert runs[0][1].fg == "default"
    assert (runs[1][1].fg, runs[1][1].bold) == ("red", True)


def test_scrollback_row_with_wide_characters() -> None:
    term = fed("日本".encode() + CSI + b"32mx\r\n" + b"\r\n" * 3)
    assert term.scrollback() == ["日本x"]
    assert [(t, s.fg) for t, s in term.scrollback_row(0)] == [("日本", "default"), ("x", "green")]


def test_erase_scrollback_with_ed_3() -> None:
    term = fed(b"1\r\n2\r\n3\r\n4\r\n5" + CSI + b"3J")
    assert term.scrollback() == []
    assert term.display[3].rstrip() == "5"  # the screen itself stays


# ------------------------------------------------------------------------ REP


def test_rep_repeats_the_last_printed_character() -> None:
    term = fed(b"ab" + CSI + b"3b")
    assert term.display[0].rstrip() == "abbbb"


def test_rep_stops_at_the_end_of_the_row_like_tmux() -> None:
    term = fed(b"x" + CSI + b"99999999b")
    assert term.display[0] == "x" * 10
    assert term.display[1].strip() == ""


def test_rep_without_a_printed_character_does_nothing() -> None:
    term = fed(b"a" + CSI + b"1m" + CSI + b"3b")
    assert term.display[0].rstrip() == "a"


@pytest.mark.parametrize(
    "pieces",
    [[b"x", CSI + b"4b"], [b"x" + CSI, b"4b"], [b"x" + CSI + b"4", b"b"]],
    ids=["before-csi", "inside-csi", "before-final"],
)
def test_rep_repeats_text_printed_by_an_earlier_feed(pieces: list[bytes]) -> None:
    """ncurses emits REP; where the pty splits the output must not matter."""
    term = make()
    for piece in pieces:
        term.feed(piece)
    assert term.display[0].rstrip() == "xxxxx"


def test_rep_after_a_control_in_an_earlier_feed_does_nothing() -> None:
    term = make()
    term.feed(b"x\r")
    term.feed(CSI + b"4b")
    assert term.display[0].rstrip() == "x"


# ---------------------------------------------------------- alternate screen


@pytest.mark.parametrize("mode", [b"1049", b"1047", b"47"])
def test_alternate_screen_keeps_main_screen(mode: bytes) -> None:
    term = fed(b"main" + CSI + b"?" + mode + b"h")
    assert term.alternate_screen
    assert term.display[0].strip() == ""
    term.feed(b"alt text" + CSI + b"?" + mode + b"l")
    assert not term.alternate_screen
    assert term.display[0].rstrip() == "main"


def test_1049_restores_cursor_47_does_not() -> None:
    term = fed(b"ab" + CSI + b"?1049h" + CSI + b"3;5H" + CSI + b"?1049l")
    assert (term.cursor.x, term.cursor.y) == (2, 0)
    term = fed(b"ab" + CSI + b"?47h" + CSI + b"3;5H" + CSI + b"?47l")
    assert (term.cursor.x, term.cursor.y) == (4, 2)


def test_no_scrollback_on_alternate_screen() -> None:
    term = fed(CSI + b"?1049h" + b"".join(b"%d\r\n" % i for i in range(40)))
    assert term.scrollback_len == 0


# ---------------------------------------------------------------------- SGR


def test_private_sgr_is_ignored_without_raising() -> None:
    term = fed(CSI + b">4;2m" + b"a" + CSI + b">4m" + b"b")
    assert term.buffer[0][0] == Cell("a")
    assert term.buffer[0][1] == Cell("b")


def test_sgr_truecolour_is_hex_and_palette_colours_keep_their_index() -> None:
    term = fed(CSI + b"38;5;196m" + b"a" + CSI + b"48;2;1;2;3m" + b"b" + CSI + b"38:2::10:20:30mc")
    assert term.buffer[0][0].fg == "color(196)"
    assert term.buffer[0][1].bg == "010203"
    assert term.buffer[0][2].fg == "0a141e"
    # The same colour as 24-bit stays distinct from the palette entry.
    term = fed(CSI + b"38;5;102ma" + CSI + b"38;2;135;135;135mb")
    assert (term.buffer[0][0].fg, term.buffer[0][1].fg) == ("color(102)", "878787")


def test_sgr_256_below_16_is_that_ansi_colour() -> None:
    """As tmux stores it: 38;5;N / 48;5;N for N < 16 is SGR 30-37/90-97 / 40-47/100-107."""
    term = fed(CSI + b"38;5;1;48;5;4ma" + CSI + b"38;5;13;48;5;13mb")
    assert term.buffer[0][0][:3] == ("a", "red", "blue")
    assert term.buffer[0][1][:3] == ("b", "brightmagenta", "bfightmagenta")


def test_sgr_attributes_on_and_off() -> None:
    term = fed(CSI + b"1;3;4;5;7;9mA" + CSI + b"22;23;24;25;27;29mB" + CSI + b"91;102mC")
    a, b, c = term.buffer[0][:3]
    assert (a.bold, a.italics, a.underscore, a.blink, a.reverse, a.strikethrough) == (True,) * 6
    assert (b.bold, b.italics, b.underscore, b.blink, b.reverse, b.strikethrough) == (False,) * 6
    assert (c.fg, c.bg) == ("brightred", "brightgreen")


def test_sgr_2_is_dim_and_sgr_22_clears_bold_and_dim() -> None:
    term = fed(
        CSI
        + b"2mA"
        + CSI
        + b"22mB"
        + CSI
        + b"1;2mC"
        + CSI
        + b"22mD"
        + CSI
        + b"2;1;31mE"
        + CSI
        + b"0mF"
    )
    a, b, c, d, e, f = map(as_cell, term.buffer[0][:6])
    assert (a.dim, a.bold) == (True, False)
    assert (b.dim, b.bold) == (False, False)
    assert (c.dim, c.bold) == (True, True)
    assert (d.dim, d.bold) == (False, False)
    assert (e.dim, e.bold, e.fg) == (True, True, "red")
    assert f == Cell("F")
    assert a == Cell("A", dim=True)
    assert a != Cell("A")  # dim is part of a cell's identity


def test_cells_keep_pyte_char_fields_by_name_and_position() -> None:
    term = fed(CSI + b"2;4;32mx")
    cell = as_cell(term.buffer[0][0])
    assert isinstance(cell, Char)
    assert cell._fields == (*Char._fields, "dim")
    assert cell[:9] == Char("x", fg="green", underscore=True)
    assert (cell.data, cell.fg, cell.underscore, cell.dim) == ("x", "green", True, True)
    assert cell._replace(data="y") == Cell("y", fg="green", underscore=True, dim=True)
    assert cell._asdict()["dim"] is True
    assert "dim=True" in repr(cell)


def test_dim_is_saved_and_restored_with_the_cursor() -> None:
    term = fed(CSI + b"2;3H" + CSI + b"2m" + ESC + b"7" + CSI + b"0m" + CSI + b"H" + ESC + b"8x")
    assert term.buffer[1][2] == Cell("x", dim=True)
    term = fed(CSI + b"1;2m" + CSI + b"s" + CSI + b"22m" + CSI + b"u" + b"y")
    assert term.buffer[0][0] == Cell("y", bold=True, dim=True)


def test_rep_repeats_with_dim() -> None:
    term = fed(CSI + b"2m" + b"=" + CSI + b"3b")
    assert term.buffer[0][:4] == [Cell("=", dim=True)] * 4


def test_dim_lines_keep_dim_in_the_scrollback() -> None:
    # One line by the ordinary path, a flood of plain lines by the fast path.
    flood = b"".join(b"f%d\r\n" % i for i in range(10))
    term = fed(CSI + b"2mdim" + CSI + b"22m!\r\n" + CSI + b"2m" + flood, lines=4)
    runs = term.scrollback_row(0)
    assert [text for text, _ in runs] == ["dim", "!"]
    assert (as_cell(runs[0][1]).dim, as_cell(runs[1][1]).dim) == (True, False)
    assert all(as_cell(style).dim for i in range(1, 8) for _, style in term.scrollback_row(i))
    assert term.scrollback()[1:8] == [f"f{i}" for i in range(7)]
    assert term.buffer[0][0] == Cell("f", dim=True)


def test_a_plain_pyte_char_put_in_the_buffer_scrolls_off_as_not_dim() -> None:
    term = make(lines=2)
    term.buffer[0][0] = Char("p", fg="red")
    term.feed(b"\r\n\r\n")
    [(text, style)] = term.scrollback_row(0)
    assert (text, style.fg, as_cell(style).dim) == ("p", "red", False)


@pytest.mark.parametrize(
    ("erase", "x"),
    [
        (CSI + b"K", 2),
        (CSI + b"2K", 2),
        (CSI + b"J", 2),
        (CSI + b"2J", 2),
        (CSI + b"3X", 2),
        (CSI + b"2P", 9),  # the cells shifted in at the end
        (CSI + b"2@", 1),
        (CSI + b"L", 2),  # the row inserted
        (CSI + b"S", 2),  # the row scrolled in
    ],
)
def test_erase_uses_background_colour_only(erase: bytes, x: int) -> None:
    """Erased cells take the background colour, not reverse, dim or other attributes."""
    term = fed(b"abc" + CSI + b"4;1H" + CSI + b"1;2;7;31;44m" + erase)
    assert term.buffer[3][x] == Cell(" ", bg="blue")


# ---------------------------------------------------------------------- modes


@pytest.mark.parametrize(
    ("mode", "prop"),
    [
        (b"1", "app_cursor_keys"),
        (b"2004", "bracketed_paste"),
        (b"1006", "mouse_sgr"),
        (b"1004", "focus_events"),
    ],
)
def test_input_modes_follow_set_and_reset(mode: bytes, prop: str) -> None:
    term = make()
    assert getattr(term, prop) is False
    term.feed(CSI + b"?" + mode + b"h")
    assert getattr(term, prop) is True
    term.feed(CSI + b"?" + mode + b"l")
    assert getattr(term, prop) is False


def test_mouse_mode_last_set_wins_and_reset_turns_off() -> None:
    term = make()
    assert term.mouse_mode == 0
    term.feed(CSI + b"?1000h")
    assert term.mouse_mode == 1000
    term.feed(CSI + b"?1003h" + CSI + b"?1002h")
    assert term.mouse_mode == 1002
    term.feed(CSI + b"?1003l")
    assert term.mouse_mode == 0


def test_cursor_visibility() -> None:
    term = make()
    assert term.cursor_visible and not term.cursor.hidden
    term.feed(CSI + b"?25l")
    assert not term.cursor_visible and term.cursor.hidden
    term.feed(CSI + b"?25h")
    assert term.cursor_visible and not term.cursor.hidden


def test_several_modes_in_one_sequence() -> None:
    term = fed(CSI + b"?1;2004;1006h")
    assert term.app_cursor_keys and term.bracketed_paste and term.mouse_sgr


# -------------------------------------------------------- titles, bell, count


def test_osc_titles_with_bel_and_st_even_when_split() -> None:
    term = fed(ESC + b"]0;first\x07")
    assert term.title == "first"
    term.feed(ESC + b"]2;sec")
    term.feed(b"ond" + ESC)
    term.feed(b"\\x")
    assert term.title == "second"
    assert term.display[0].rstrip() == "x"


def test_bell_is_counted() -> None:
    term = fed(b"a\x07b\x07")
    assert term.bell_count == 2
    assert term.display[0].rstrip() == "ab"


def test_generation_counts_feeds_that_change_the_screen() -> None:
    term = make()
    start = term.generation
    term.feed(b"a")
    assert term.generation == start + 1
    term.feed(b"")
    term.feed(CSI + b"1m")  # a style change alone shows nothing
    assert term.generation == start + 1
    term.feed(CSI + b"3;3H")
    assert term.generation == start + 2


def test_dirty_marks_changed_rows_and_survives_feeds() -> None:
    term = make()
    term.dirty.clear()
    dirty = term.dirty
    term.feed(CSI + b"3;1Hx")
    assert term.dirty is dirty
    assert term.dirty == {2}


def test_take_dirty_drains_the_changed_rows() -> None:
    term = make()
    term.take_dirty()
    term.feed(b"a" + CSI + b"3;1Hb")
    assert term.take_dirty() == {0, 2}
    assert term.take_dirty() == set()
    term.feed(CSI + b"2;1Hc")
    assert term.take_dirty() == {1}


def test_cursor_reports_in_origin_mode_are_relative_to_the_region() -> None:
    term = fed(CSI + b"2;4r" + CSI + b"?6h" + CSI + b"2;3H" + CSI + b"6n" + CSI + b"?6n")
    assert term.take_replies() == CSI + b"2;3R" + CSI + b"?2;3R"


# --------------------------------------------------------------------- replies


@pytest.mark.parametrize(
    ("query", "reply"),
    [
        (CSI + b"5n", CSI + b"0n"),
        (CSI + b"3;7H" + CSI + b"6n", CSI + b"3;7R"),
        (CSI + b"c", CSI + b"?1;2c"),
        (CSI + b"0c", CSI + b"?1;2c"),
        (CSI + b">c", CSI + b">0;276;0c"),
        (CSI + b"?2004h" + CSI + b"?2004$p", CSI + b"?2004;1$y"),
        (CSI + b"?2004$p", CSI + b"?2004;2$y"),
        (CSI + b"?1000h" + CSI + b"?1000$p", CSI + b"?1000;1$y"),
        (CSI + b"?1049h" + CSI + b"?1049$p", CSI + b"?1049;1$y"),
        (CSI + b"?31337$p", CSI + b"?31337;0$y"),  # not recognised
        (CSI + b"?7$p", CSI + b"?7;1$y"),  # autowrap is on by default
        (CSI + b"4$p", CSI + b"4;2$y"),
        (CSI + b"18t", CSI + b"8;4;10t"),
    ],
)
def test_replies(query: bytes, reply: bytes) -> None:
    term = fed(query)
    assert term.take_replies() == reply
    assert term.take_replies() == b""


def test_cursor_report_at_pending_wrap_names_last_column() -> None:
    term = fed(b"x" * 10 + CSI + b"6n")
    assert term.take_replies() == CSI + b"1;10R"


# ---------------------------------------------------------- characters, edits


def test_wide_character_takes_two_cells() -> None:
    term = fed("a日b".encode())
    assert [c.data for c in term.buffer[0][:4]] == ["a", "日", "", "b"]
    assert term.cursor.x == 4


def test_wide_character_at_last_column_wraps() -> None:
    term = fed(("x" * 9 + "日").encode())
    assert term.buffer[0][9].data == " "
    assert term.buffer[1][0].data == "日"


def test_overwriting_right_half_of_wide_character_blanks_left_half() -> None:
    """xterm's behaviour; tmux 3.3a leaves the left half (see test_differential)."""
    term = fed("日本".encode() + CSI + b"1;2HX")
    assert [c.data for c in term.buffer[0][:4]] == [" ", "X", "本", ""]


def test_combining_mark_joins_previous_cell() -> None:
    term = fed("e\u0301x".encode())
    assert term.buffer[0][0].data == "e\u0301"
    assert term.buffer[0][1].data == "x"


def test_insert_and_delete_characters_and_lines() -> None:
    term = fed(b"abcdef\r" + CSI + b"2C" + CSI + b"2@")
    assert term.display[0].rstrip() == "ab  cdef"
    term.feed(CSI + b"3P")
    assert term.display[0].rstrip() == "abdef"
    term.feed(b"\r\nline2\r\nline3" + CSI + b"2;1H" + CSI + b"L")
    assert [r.rstrip() for r in term.display[:4]] == ["abdef", "", "line2", "line3"]
    assert term.cursor.x == 0  # CUP put it there; IL itself does not move it
    term.feed(CSI + b"2M")
    assert [r.rstrip() for r in term.display[:4]] == ["abdef", "line3", "", ""]


def test_insert_mode() -> None:
    term = fed(b"abc\r" + CSI + b"4hXY" + CSI + b"4lZ")
    assert term.display[0].rstrip() == "XYZbc"


def test_autowrap_off_overwrites_last_column() -> None:
    term = fed(CSI + b"?7l" + b"0123456789abc")
    assert term.display[0] == "012345678c"
    assert term.display[1].strip() == ""


def test_dec_line_drawing_charset() -> None:
    term = fed(ESC + b"(0lqk" + ESC + b"(Blqk")
    assert term.display[0].rstrip() == "┌─┐lqk"


def test_zero_margins_mean_full_screen_as_in_xterm() -> None:
    """xterm reads ``CSI 0;0r`` as defaults (tmux 3.3a ignores it)."""
    term = fed(CSI + b"2;3r" + CSI + b"4;5H" + CSI + b"0;0r")
    assert term.margins is None
    assert (term.cursor.x, term.cursor.y) == (0, 0)


def test_cursor_forward_tab_as_in_xterm() -> None:
    """``CSI I`` (CHT) moves to the next tab stop (tmux 3.3a lacks it)."""
    term = fed(CSI + b"2I" + b"x", columns=20)
    assert term.buffer[0][16].data == "x"


def test_save_and_restore_cursor_with_attributes() -> None:
    term = fed(CSI + b"2;3H" + CSI + b"31m" + ESC + b"7" + CSI + b"0m" + CSI + b"H" + ESC + b"8x")
    assert term.buffer[1][2] == Cell("x", fg="red")


def test_origin_mode_is_relative_to_margins() -> None:
    term = fed(CSI + b"2;3r" + CSI + b"?6h" + CSI + b"1;1Hx" + CSI + b"9;1Hy")
    assert term.display[1].rstrip() == "x"
    assert term.display[2].rstrip() == "y"


def test_unknown_sequences_are_ignored() -> None:
    junk = (
        CSI + b"?9999h" + ESC + b"]52;c;aGk=\x07" + ESC + b"P+q544e" + ESC + b"\\"
        + ESC + b"_apc" + ESC + b"\\" + CSI + b">1u" + CSI + b"?u" + CSI + b"5 q"
        + ESC + b"%G" + CSI + b"=5u" + b"\x9b" + CSI + b"1;2;3$z"
    )  # fmt: skip
    term = fed(b"a" + junk + b"b")
    assert term.display[0].rstrip() == "a\ufffdb"


# --------------------------------------------------------------------- resize


def test_resize_to_one_by_one_and_back() -> None:
    term = fed(b"hello\r\nworld\r\nagain")
    term.resize(1, 1)
    assert (term.lines, term.columns) == (1, 1)
    assert (term.cursor.x, term.cursor.y) == (0, 0)
    term.feed("日x\r\ny".encode())
    term.resize(4, 10)
    assert len(term.display) == 4
    assert all(len(row) == 10 for row in term.buffer)


def test_resize_shrinking_moves_top_rows_to_scrollback() -> None:
    term = fed(b"1\r\n2\r\n3\r\n4")
    term.resize(lines=2)
    assert term.display == ["3" + " " * 9, "4" + " " * 9]
    assert term.scrollback() == ["1", "2"]
    assert term.cursor.y == 1


def test_resize_while_on_alternate_screen_keeps_main() -> None:
    term = fed(b"main" + CSI + b"?1049h" + b"alt")
    term.resize(3, 6)
    term.feed(CSI + b"?1049l")
    assert term.display[0] == "main  "


# ------------------------------------------- tmux behaviours found by fuzzing


def test_insert_and_delete_lines_outside_region_act_on_whole_screen() -> None:
    """tmux (unlike xterm) does not ignore IL/DL above the scroll region."""
    term = fed(b"a\r\nb\r\nc\r\nd" + CSI + b"3;4r" + CSI + b"1;1H" + CSI + b"L")
    assert [r.rstrip() for r in term.display] == ["", "a", "b", "c"]
    term.feed(CSI + b"2M")
    assert [r.rstrip() for r in term.display] == ["b", "c", "", ""]


def test_alternate_screen_starts_blank_in_default_colours() -> None:
    term = fed(CSI + b"42m" + CSI + b"?1049h")
    assert term.buffer[0][0] == Cell(" ")


def test_1049_reset_restores_saved_cursor_even_off_the_alternate_screen() -> None:
    term = fed(CSI + b"2;3H" + CSI + b"?1049h" + CSI + b"?1049l" + CSI + b"4;5H" + CSI + b"?1049l")
    assert (term.cursor.x, term.cursor.y) == (2, 1)


def test_restore_cursor_leaves_autowrap_alone() -> None:
    term = fed(CSI + b"?7l" + ESC + b"7" + CSI + b"?7h" + ESC + b"8")
    assert term.mode >= {7 << 5}


def test_vertical_position_keeps_pending_wrap() -> None:
    term = fed(CSI + b"3;1H" + b"x" * 10 + CSI + b"1dY")
    assert term.display[0].rstrip() == ""
    assert term.display[1].rstrip() == "Y"


def test_rep_repeats_ascii_only() -> None:
    term = fed("語".encode() + CSI + b"3b" + b"e\xcc\x81" + CSI + b"2b")
    assert [c.data for c in term.buffer[0][:4]] == ["語", "", "e\u0301", " "]


def test_without_autowrap_cursor_stays_on_last_column() -> None:
    term = fed(CSI + b"?7l" + CSI + b"1;10H" + "✓".encode() + CSI + b"K")
    assert term.cursor.x == 9
    assert term.buffer[0][9] == Cell(" ")


def test_without_autowrap_a_wide_character_that_cannot_fit_is_dropped() -> None:
    term = fed(CSI + b"?7l" + CSI + b"1;10H" + "日".encode())
    assert term.display[0] == " " * 10


def test_erasing_left_half_of_wide_character_clears_right_half() -> None:
    term = fed("日本".encode() + b"\r" + CSI + b"X")
    assert [c.data for c in term.buffer[0][:4]] == [" ", " ", "本", ""]


def test_tab_at_pending_wrap_keeps_it_pending() -> None:
    term = fed(b"x" * 10 + b"\tab")
    assert term.display[0] == "x" * 10
    assert term.display[1].rstrip() == "ab"


def test_insert_and_delete_characters_at_pending_wrap_do_nothing() -> None:
    term = fed(b"0123456789" + CSI + b"2@" + CSI + b"2P")
    assert term.display[0] == "0123456789"


def test_scroll_caused_by_autowrap_fills_with_default_background() -> None:
    """tmux: an explicit LF scrolls in the current background, a wrap does not."""
    term = fed(CSI + b"4;1H" + CSI + b"44m" + b"x" * 11)
    assert term.buffer[3][5] == Cell(" ")
    term.feed(b"\r\n")
    assert term.buffer[3][5] == Cell(" ", bg="blue")


def test_insert_line_on_last_row_below_region_does_nothing_like_tmux() -> None:
    term = fed(CSI + b"1;2r" + CSI + b"4;1Hlast" + CSI + b"L")
    assert term.display[3].rstrip() == "last"


def test_insert_more_lines_than_can_move_outside_region_like_tmux() -> None:
    """tmux moves what fits and blanks only the rows it moved from."""
    term = fed(b"r0\r\nr1\r\nr2\r\nr3" + CSI + b"1;2r" + CSI + b"3;1H" + CSI + b"2L", lines=5)
    assert [r.rstrip() for r in term.display] == ["r0", "r1", "", "r3", "r2"]


def test_last_alternate_screen_can_be_shown_again_after_the_program_left_it() -> None:
    """A tmux client quits by leaving the alternate screen and printing
    "[exited]"; the owner can put the client's last screen back."""
    t = Terminal(20, 4)
    t.feed(b"shell prompt\r\n")
    t.feed(b"\x1b[?1049h\x1b[H\x1b[31mjob output\x1b[0m\x1b[2;1Hstep 42")
    # What tmux's client sends as it quits: clear, leave, say so.
    t.feed(b"\x1b[H\x1b[2J\x1b[?1049l[exited]\r\n")
    assert "[exited]" in "".join(t.display)
    t.dirty.clear()
    assert t.show_last_alternate()
    assert t.display[0].rstrip() == "job output"
    assert t.display[1].rstrip() == "step 42"
    assert t.buffer[0][0].fg == "red"
    assert not t.cursor_visible
    assert t.dirty == set(range(4))


def test_last_alternate_screen_fits_a_resized_terminal() -> None:
    t = Terminal(10, 3)
    t.feed(b"\x1b[?1049h0123456789\x1b[3;1Hbottom\x1b[?1049l")
    t.resize(2, 6)
    assert t.show_last_alternate()
    assert t.display == ["012345", "      "]


def test_nothing_to_show_when_the_alternate_screen_was_never_left() -> None:
    t = Terminal(10, 3)
    t.feed(b"plain")
    assert not t.show_last_alternate()
    assert t.display[0].rstrip() == "plain"


def test_a_blank_alternate_screen_does_not_replace_the_last_real_one() -> None:
    t = Terminal(10, 3)
    t.feed(b"\x1b[?1049hfirst\x1b[2J\x1b[?1049l")
    t.feed(b"\x1b[?1049h\x1b[?1049l")  # entered and left without drawing
    assert t.show_last_alternate()
    assert t.display[0].rstrip() == "first"


# ------------------------------------------- gaps where tmux and xterm agree


def test_leading_zeros_do_not_make_a_parameter_huge() -> None:
    term = fed(CSI + b"00000000003;000000005H")
    assert (term.cursor.x, term.cursor.y) == (4, 2)


def test_escape_interrupted_by_escape_is_dropped() -> None:
    """``ESC #`` then ``ESC``: the ``#`` is part of a dropped sequence, not text."""
    term = fed(b"a" + ESC + b"#" + ESC + b"[1mb")
    assert term.display[0].rstrip() == "ab"
    assert term.buffer[0][1] == Cell("b", bold=True)


def test_control_inside_an_escape_sequence_acts_and_the_sequence_goes_on() -> None:
    # ESC LF L: the line feed moves the cursor; ESC L is then an (ignored)
    # escape sequence, so no L is printed.
    term = fed(b"ab" + ESC + b"\nL")
    assert [row.rstrip() for row in term.display[:2]] == ["ab", ""]
    assert (term.cursor.x, term.cursor.y) == (2, 1)


@pytest.mark.parametrize(
    ("abort", "row"),
    [(ESC + b"[m", "cd"), (b"\x18", "cd"), (b"\x1a", "cd")],
    ids=["esc", "can", "sub"],
)
def test_control_inside_an_aborted_csi_is_executed(abort: bytes, row: str) -> None:
    term = fed(b"ab" + CSI + b"2\r" + abort + b"cd")
    assert term.display[0].rstrip() == row


def test_decaln_homes_the_cursor_and_resets_the_margins() -> None:
    term = fed(CSI + b"2;3r" + CSI + b"3;5H" + ESC + b"#8")
    assert term.display == ["E" * 10] * 4
    assert (term.cursor.x, term.cursor.y) == (0, 0)
    term.feed(CSI + b"4;1H\n")  # LF at the bottom row scrolls the whole screen
    assert term.scrollback() == ["E" * 10]


def test_shift_out_without_g1_designated_stays_ascii() -> None:
    term = fed(b"\x0eqx\x0fqx")
    assert term.display[0].rstrip() == "qxqx"


def test_shift_out_with_g1_line_drawing() -> None:
    term = fed(ESC + b")0\x0eqx\x0fqx")
    assert term.display[0].rstrip() == "─│qx"


def test_dec_special_graphics_h_is_the_newline_symbol() -> None:
    term = fed(ESC + b"(0hij" + ESC + b"(Bh")
    assert term.display[0].rstrip() == "␤␋┘h"


PROTECT, UNPROTECT = CSI + b'1"q', CSI + b'0"q'


@pytest.mark.parametrize(
    ("erase", "left"),
    [
        (CSI + b"?2J", "  CD      "),
        (CSI + b"H" + CSI + b"?2K", "  CD      "),
        (CSI + b"1;4H" + CSI + b"?0J", "abCD      "),
        (CSI + b"1;9H" + CSI + b"?1K", "  CD      "),
    ],
    ids=["decsed-all", "decsel-all", "decsed-below", "decsel-left"],
)
def test_selective_erase_keeps_decsca_protected_cells(erase: bytes, left: str) -> None:
    term = fed(b"ab" + PROTECT + b"CD" + UNPROTECT + b"ef\r\nline 2" + erase)
    assert term.display[0] == left
    assert term.display[1].rstrip() == ("" if erase.endswith(b"J") else "line 2")


def test_protection_survives_sgr_and_is_saved_with_the_cursor() -> None:
    term = fed(PROTECT + CSI + b"0;1mX" + ESC + b"7" + UNPROTECT + b"y" + ESC + b"8" + b"\rX")
    term.feed(CSI + b"?2K")
    assert term.display[0].rstrip() == "X"
    assert term.buffer[0][0].bold


def test_ordinary_erase_and_soft_reset_ignore_protection() -> None:
    term = fed(PROTECT + b"AB" + CSI + b"2J")
    assert term.display[0].strip() == ""
    term.feed(CSI + b"H" + PROTECT + CSI + b"!pcd" + CSI + b"?2J")
    assert term.display[0].strip() == ""


def test_desktop_notifications_are_kept_for_the_owner() -> None:
    from chloe.terminal import Terminal

    term = Terminal(20, 3)
    term.feed(
        b"\x1b]9;build done\x07"  # iTerm2
        b"\x1b]9;4;1;50\x07"  # ConEmu progress: not a notification
        b"\x1b]777;notify;Claude;needs your permission\x1b\\"  # rxvt / foot / Ghostty
        b"\x1b]99;i=1:d=0;tests pass\x1b\\"  # kitty
        b"\x1b]777;other;x\x07ok"
    )
    assert term.take_notifications() == [
        ("osc9", "build done"),
        ("osc777", "Claude: needs your permission"),
        ("osc99", "tests pass"),
    ]
    assert term.take_notifications() == []
    assert term.display[0].startswith("ok")


def test_decstbm_in_origin_mode_homes_to_the_region() -> None:
    """xterm and DEC: the region's top-left (tmux 3.3a: the screen's; see test_differential)."""
    term = fed(CSI + b"?6h" + CSI + b"2;3r")
    assert (term.cursor.x, term.cursor.y) == (0, 1)
    term.feed(b"x")
    assert term.display[1].rstrip() == "x"
    plain = fed(CSI + b"5G" + CSI + b"2;3r")
    assert (plain.cursor.x, plain.cursor.y) == (0, 0)


# ------------------------------------------- 24-bit colour for a 256-colour terminal


def test_rgb_to_256_keeps_palette_colours_and_picks_as_tmux() -> None:
    """Every palette colour 16-255 comes back as itself; others as tmux's colour_find_rgb."""
    from chloe.terminal.sgr import PALETTE, rgb_to_256

    for n in range(16, 256):
        rgb = PALETTE[n]
        assert rgb_to_256(int(rgb[:2], 16), int(rgb[2:4], 16), int(rgb[4:], 16)) == n, n
    assert rgb_to_256(135, 135, 135) == 102  # in the cube, not the grey 244 (#808080)
    assert rgb_to_256(10, 20, 30) == 233  # nearer the grey ramp than the cube's black
    assert rgb_to_256(128, 0, 0) == 88
    assert rgb_to_256(1, 1, 1) == 16  # black is in the cube
    assert rgb_to_256(250, 250, 250) == 231  # white too (grey ramp ends at 238)
