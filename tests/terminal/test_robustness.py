"""Hostile input: :class:`Terminal` never raises, never hangs, never overgrows.

Hypothesis mixes arbitrary bytes with fragments chosen to hurt (huge counts,
unfinished sequences, invalid UTF-8, wide characters) and resizes down to 1x1.
Every example has a deadline, so a feed whose work grows with a parameter's
value rather than the input's length fails here.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyte.screens import Char

from chloe.terminal import Cell, Terminal
from chloe.terminal.scrollback import compact_row

SCROLLBACK = 20

FRAGMENTS = [
    b"\x1b[999999999S",
    b"\x1b[999999999T",
    b"\x1b[0;0r",
    b"\x1b[99999999b",
    b"\x1b[99999999999999999999999999999999999999@",
    b"\x1b[999999999L",
    b"\x1b[999999999M",
    b"\x1b[999999999P",
    b"\x1b[999999999X",
    b"\x1b[999999999;999999999H",
    b"\x1b[999999999I",
    b"\x1b[999999999Z",
    b"\x1b[2;1r",
    b"\x1b[5;3r",
    b"\x1b[?6h",
    b"\x1b[?7l",
    b"\x1b[4h",
    b"\x1b[?1049h",
    b"\x1b[?1049l",
    b"\x1b[?47h",
    b"\x1b[?1047l",
    b"\x1b[?1000h",
    b"\x1b[?1003l",
    b"\x1b[?25l",
    b"\x1b[38;5;999m",
    b"\x1b[38;2;999;1m",
    b"\x1b[38:2::1:2:3:4:5m",
    b"\x1b[48;5m",
    b"\x1b[>4;2m",
    b"\x1b[=5u",
    b"\x1b[?u",
    b"\x1b[6n",
    b"\x1b[c",
    b"\x1b[>c",
    b"\x1b[?2004$p",
    b"\x1b[18t",
    b"\x1b]0;title\x07",
    b"\x1b]2;unterminated",
    b"\x1bP+q",
    b"\x1b\\",
    b"\x1b#8",
    b"\x1b(0",
    b"\x1b(B",
    b"\x0e",
    b"\x0f",
    b"\x1b7",
    b"\x1b8",
    b"\x1bM",
    b"\x1bD",
    b"\x1bE",
    b"\x1bc",
    b"\x1b[3J",
    b"\x1b[",
    b"\x1b",
    b"\x1b[1;",
    b"\x1b[1\n;2H",
    b"\x1b[\x80m",
    b"\xe6\x97\xa5",
    b"\xe6\x97",
    b"\xa5",
    b"\xff\xfe",
    b"e\xcc\x81",
    b"\xe2\x80\x8d",
    b"\xef\xb8\x8f",
    b"\xf0\x9f\x98\x80",
    b"\r\n",
    b"\n",
    b"\t",
    b"\x08",
    b"\x07",
    b"line of text\r\n" * 12,
]

chunks = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map(b"".join),
)
sizes = st.tuples(st.integers(1, 30), st.integers(1, 30))
operations = st.lists(st.one_of(chunks, sizes), min_size=1, max_size=30)


def check_invariants(term: Terminal) -> None:
    assert len(term.buffer) == term.lines
    assert all(len(row) == term.columns for row in term.buffer)
    assert 0 <= term.cursor.x <= term.columns
    assert 0 <= term.cursor.y < term.lines
    assert term.scrollback_len <= SCROLLBACK
    assert len(term.display) == term.lines
    text = term.scrollback()
    assert len(text) == term.scrollback_len
    for i in range(term.scrollback_len):
        runs = term.scrollback_row(i)
        assert "".join(t for t, _ in runs) == term._history.compact(i)[0]
    if term.margins is not None:
        assert 0 <= term.margins.top < term.margins.bottom < term.lines
    assert isinstance(term.take_replies(), bytes)


@settings(
    max_examples=1000,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(start=sizes, ops=operations)
def test_arbitrary_input_and_resizes_never_break_the_terminal(
    start: tuple[int, int], ops: list[bytes | tuple[int, int]]
) -> None:
    term = Terminal(start[1], start[0], scrollback=SCROLLBACK)
    for op in ops:
        if isinstance(op, bytes):
            term.feed(op)
        else:
            term.resize(*op)
        check_invariants(term)


@settings(max_examples=400, deadline=2000)
@given(data=st.binary(max_size=300), cut=st.integers(0, 300))
def test_chunking_does_not_change_the_result(data: bytes, cut: int) -> None:
    """Any split of the same bytes gives the same screen (the pending-sequence logic)."""
    whole = Terminal(12, 5, scrollback=SCROLLBACK)
    whole.feed(data)
    split = Terminal(12, 5, scrollback=SCROLLBACK)
    split.feed(data[:cut])
    split.feed(data[cut:])
    assert split.buffer == whole.buffer
    assert (split.cursor.x, split.cursor.y) == (whole.cursor.x, whole.cursor.y)
    assert split.scrollback() == whole.scrollback()


def test_huge_counts_cost_time_by_screen_size_not_parameter() -> None:
    term = Terminal(80, 24, scrollback=SCROLLBACK)
    hostile = b"x" + b"".join(
        b"\x1b[999999999" + final
        for final in (b"b", b"S", b"T", b"L", b"M", b"@", b"P", b"X", b"I", b"Z")
    )
    start = time.perf_counter()
    for _ in range(50):
        term.feed(hostile)
    assert time.perf_counter() - start < 5  # in practice ~10 ms
    check_invariants(term)


def test_endless_unterminated_string_is_not_buffered_forever() -> None:
    term = Terminal(10, 3, scrollback=SCROLLBACK)
    term.feed(b"\x1b]2;")
    for _ in range(200):
        term.feed(b"y" * 4096)
    assert len(term._pending) <= 70_000
    term.feed(b"\x07after")
    assert term.display[0].rstrip() == "after"


def test_endless_unfinished_csi_is_dropped() -> None:
    term = Terminal(10, 3, scrollback=SCROLLBACK)
    term.feed(b"\x1b[")
    for _ in range(100):
        term.feed(b"1;" * 1000)
    assert len(term._pending) <= 256 + 2000
    term.feed(b"mok")
    check_invariants(term)


def test_skipped_string_ends_at_st_split_across_feeds() -> None:
    term = Terminal(10, 3, scrollback=SCROLLBACK)
    term.feed(b"\x1bP" + b"q" * 70_000 + b"\x07still dcs\x1b")
    term.feed(b"\\after")
    assert term.display[0].rstrip() == "after"


styles = st.sampled_from(
    [
        Cell(" "),
        Cell(" ", fg="red"),
        Cell(" ", bg="blue"),
        Cell(" ", bold=True, reverse=True),
        Cell(" ", fg="ff8800", bg="001122", underscore=True),
        Cell(" ", dim=True),
        Cell(" ", fg="green", bold=True, dim=True),
    ]
)
texts = st.sampled_from([" ", "a", "Z", "-", "é", "日", "e\u0301"])


@settings(max_examples=300, deadline=2000)
@given(cells=st.lists(st.tuples(texts, styles), max_size=30))
def test_compact_rows_expand_back_to_the_same_cells(cells: list[tuple[str, Cell]]) -> None:
    """Every fast path of the scrollback compaction keeps text and styles exactly."""
    row: list[Char] = []
    for text, style in cells:
        row.append(style._replace(data=text))
        if text == "日":
            row.append(style._replace(data=""))  # the stub after a wide character
    compact = compact_row(row)
    assert not isinstance(compact, str)  # cells are compacted, never kept as text
    assert len(compact) == 2
    text, runs = compact
    expected = list(row)
    while expected and expected[-1] == Cell(" "):
        expected.pop()
    # Expand: one (character, style) per non-stub cell, in order.
    got: list[tuple[str, tuple[object, ...]]] = []
    at = 0
    for length, run_style in runs or ((len(text), Cell(" ")),) if text else ():
        for piece in _split_cells(text[at : at + length]):
            got.append((piece, tuple(run_style[1:])))
        at += length
    want = [(c.data, tuple(c[1:])) for c in expected if c.data]
    assert at == len(text) or not runs
    assert got == want


def _split_cells(text: str) -> list[str]:
    """Split text into cells' data: a combining mark stays with its base."""
    out: list[str] = []
    for ch in text:
        if ch == "\u0301" and out:
            out[-1] += ch
        else:
            out.append(ch)
    return out
