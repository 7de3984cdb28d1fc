"""The bulk path for coloured floods changes nothing a user could see.

A coloured log (text, SGR changes, CR LF) arriving in large reads takes
:func:`chloe.terminal.fastpath.coloured_lines`; the same bytes fed one at a
time never do (a line feed is never followed by whole lines in the same
feed). Screen, cursor, modes and the scrollback's text and styles must come
out identical, for hypothesis-generated logs with everything a real one
holds: wide characters, tabs, resets, 256 and 24-bit colours, attributes,
lines that wrap, background colour erase, a last partial line.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chloe.terminal import Terminal, fastpath
from tests.support.cells import as_cell

SGRS = [
    "",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "7",
    "9",
    "22",
    "23",
    "24",
    "27",
    "1;31",
    "32",
    "39",
    "41",
    "49",
    "90",
    "107",
    "38;5;208",
    "48;5;17",
    "38;2;255;128;0",
    "48;2;1;2;3",
    "38:2::10:20:30",
    "0;1;4;35;46",
    ">4;2",
]
# Mostly what the bulk path takes, some of what makes it stand aside.
PLAIN = "abcxyz    0123:-.[]"
OTHER = [
    "日",
    "本",
    "é",
    "\t",
    "\x1b[K",
    "\x1b[2C",
    "\x08",
    "😀",
    # What a whole-block check could let through: an ESC Z (the mark the
    # block's CR LFs become), a lone CR or LF, an unfinished sequence.
    "\x1bZ",
    "\r",
    "\n",
    "\x1b[1",
    "\x1b",
]

texts = st.text(alphabet=PLAIN, max_size=30)
pieces = st.one_of(
    texts,
    texts,
    texts,
    st.sampled_from(SGRS).map(lambda p: f"\x1b[{p}m"),
    st.sampled_from(SGRS).map(lambda p: f"\x1b[{p}m"),
    st.sampled_from(OTHER),
)
lines = st.lists(pieces, max_size=8).map("".join)
logs = st.tuples(
    st.lists(lines, min_size=1, max_size=80), st.sampled_from(["\r\n", "\r\n", "\n", ""])
).map(lambda t: "\r\n".join(t[0]) + t[1])


def _state(term: Terminal) -> tuple[object, ...]:
    c = term.cursor
    return (
        [list(row) for row in term.buffer],
        (c.x, c.y, c.hidden, c.attrs),
        sorted(term.mode),
        [term.scrollback_row(i) for i in range(term.scrollback_len)],
        [term._history.compact(i) for i in range(term.scrollback_len)],
        term.scrollback(),
    )


def _one_by_one(data: bytes, columns: int, lines_: int, scrollback: int) -> Terminal:
    term = Terminal(columns, lines_, scrollback=scrollback)
    for i in range(len(data)):
        term.feed(data[i : i + 1])
    return term


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A full row of default spaces over a row the line feed filled with a
# background colour: the spaces are trailing blanks, the colour is gone.
@example(
    log="a\r\n" + "\x1b[41mb\r\n\x1b[0m    \r\n" * 4,
    columns=4,
    lines_=2,
    scrollback=200,
    chunk=4096,
)
@given(
    log=logs,
    columns=st.integers(2, 30),
    lines_=st.integers(1, 8),
    scrollback=st.sampled_from([0, 5, 200]),
    chunk=st.sampled_from([64, 4096, 1 << 20]),
)
def test_coloured_flood_in_chunks_equals_byte_by_byte(
    log: str, columns: int, lines_: int, scrollback: int, chunk: int
) -> None:
    data = log.encode()
    bulk = Terminal(columns, lines_, scrollback=scrollback)
    for i in range(0, len(data), chunk):
        bulk.feed(data[i : i + chunk])
    assert _state(bulk) == _state(_one_by_one(data, columns, lines_, scrollback))


# Logs the bulk path keeps as text (fastpath._lazy_lines): lines that fit,
# with attributes carried from line to line, a background set and cleared
# within a line, and now and then what makes a whole block go line by line.
FG_SGRS = [
    "",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "7",
    "9",
    "21",
    "22",
    "23",
    "24",
    "25",
    "27",
    "29",
    "1;31",
    "32",
    "33",
    "39",
    "90",
    "97",
    "38;5;3",
    "38;5;208",
    "38;2;255;128;0",
    "38:2::10:20:30",
    "0;1;4;35",
    ">4;2",
    "?1",
    "49",
]
clean = st.lists(
    st.one_of(
        st.text(alphabet=PLAIN, max_size=6),
        st.text(alphabet=PLAIN, max_size=6),
        st.sampled_from(FG_SGRS).map(lambda p: f"\x1b[{p}m"),
        st.sampled_from(FG_SGRS).map(lambda p: f"\x1b[{p}m"),
        st.sampled_from(["41", "48;5;17", "48;2;1;2;3", "107"]).map(
            lambda p: f"\x1b[{p}m on \x1b[49m"
        ),
    ),
    max_size=6,
).map("".join)
messy = st.tuples(clean, st.sampled_from([*OTHER, "\x1b[41m", "\x1b[3b"]), clean).map("".join)


def _insert(lines_: list[str], extra: list[tuple[int, str]]) -> list[str]:
    out = list(lines_)
    for at, line in extra:
        out.insert(at, line)
    return out


fitting_logs = st.tuples(
    st.lists(clean, min_size=1, max_size=120),
    st.lists(st.tuples(st.integers(0, 120), messy), max_size=2),
    st.sampled_from(["\r\n", "\r\n", ""]),
).map(lambda t: "\r\n".join(_insert(t[0], t[1])) + t[2])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A line feed, then 64 bytes or more with no whole line: nothing to take.
@example(
    log="\r\n00000000000日00\x1b[38;2;255;128;0m\x1b[41m on \x1b[49m\x1b[48;5;17m on \x1b[49m",
    columns=20,
    lines_=1,
    scrollback=0,
    chunk=500,
    read=False,
)
@given(
    log=fitting_logs,
    columns=st.integers(8, 45),
    lines_=st.integers(1, 8),
    scrollback=st.sampled_from([0, 5, 200]),
    chunk=st.sampled_from([64, 500, 4096, 1 << 20]),
    read=st.booleans(),
)
def test_lines_kept_as_text_equal_byte_by_byte(
    log: str, columns: int, lines_: int, scrollback: int, *, chunk: int, read: bool
) -> None:
    """Screen, cursor, scrollback text and styles as fed one byte at a time.

    ``read`` looks at the screen after every feed, as a repaint does (so
    rows kept as text are built, then scroll off as cells).
    """
    data = log.encode()
    bulk = Terminal(columns, lines_, scrollback=scrollback)
    for i in range(0, len(data), chunk):
        bulk.feed(data[i : i + chunk])
        if read:
            assert len(bulk.display) == lines_
    assert _state(bulk) == _state(_one_by_one(data, columns, lines_, scrollback))


def _kept_as_text(monkeypatch: object) -> list[int]:
    """Count the lines the bulk path keeps as text."""
    kept: list[int] = []
    real = fastpath._lazy_lines

    def counted(block: str, attrs: object, columns: int) -> object:
        found = real(block, attrs, columns)  # type: ignore[arg-type]
        kept.append(0 if found is None else len(found[0]))
        return found

    monkeypatch.setattr(fastpath, "_lazy_lines", counted)  # type: ignore[attr-defined]
    return kept


def test_a_coloured_log_is_kept_as_text_with_its_styles(monkeypatch: object) -> None:
    """Attributes that run on from line to line survive lines kept as text."""
    kept = _kept_as_text(monkeypatch)
    starts = ["1;31", "2", "4;38;5;208", "7;38;2;1;2;3", "3;9;95", "5;21", "0"]
    log = "".join(
        f"\x1b[{starts[i % len(starts)]}mrun {i} \x1b[32mgreen\x1b[39m plain\x1b[41m bg\x1b[49m\r\n"
        for i in range(300)
    ).encode()
    for chunk in (1 << 16, 4096, 700):
        bulk = Terminal(50, 10, scrollback=1000)
        for i in range(0, len(log), chunk):
            bulk.feed(log[i : i + chunk])
        slow = _one_by_one(log, 50, 10, 1000)
        assert _state(bulk) == _state(slow)
    assert sum(kept) > 700
    # Line 1 is still bold from line 0 (its red was reset by 39), and dim.
    text, style = bulk.scrollback_row(1)[0]
    assert (text, style.fg, style.bold, as_cell(style).dim) == ("run 1 ", "default", True, True)
    text, style = bulk.scrollback_row(3)[0]
    assert (text, style.fg, style.bold, style.reverse) == ("run 3 ", "010203", True, True)
    assert [t for t, _ in bulk.scrollback_row(5)] == ["run 5 ", "green", " plain", " bg"]
    assert bulk.scrollback_row(5)[3][1].bg == "red"
    assert bulk.scrollback()[5] == "run 5 green plain bg"


def test_lines_that_wrap_are_kept_as_text_row_by_row(monkeypatch: object) -> None:
    """A flood wider than the pane (most lines wrap) keeps each row's text and styles."""
    kept = _kept_as_text(monkeypatch)
    log = "".join(
        f"\x1b[2m12:00:{i % 60:02d}\x1b[0m \x1b[1;3{i % 8}mlevel\x1b[0m "
        + "word " * (i % 17)
        + f"\x1b[4mend {i}\x1b[24m\r\n"
        for i in range(400)
    ).encode()
    for chunk in (1 << 16, 4096, 333):
        bulk = Terminal(30, 8, scrollback=2000)
        for i in range(0, len(log), chunk):
            bulk.feed(log[i : i + chunk])
        slow = _one_by_one(log, 30, 8, 2000)
        assert _state(bulk) == _state(slow)
    assert sum(kept) > 900
    # Line 16 (101 characters) wraps onto four rows of 30.
    at = slow.scrollback().index("12:00:16 level word word word")
    assert bulk.scrollback()[at + 1 : at + 4] == [
        "word word word word word word",
        "word word word word word word",
        "word end 16",
    ]
    assert [t for t, _ in bulk.scrollback_row(at + 3)] == ["word ", "end 16"]
    assert bulk.scrollback_row(at + 3)[1][1].underscore


def test_a_line_cut_by_a_feed_is_kept_whole_and_exact(monkeypatch: object) -> None:
    """The unfinished last line of a feed is taken back by the next feed.

    Cut anywhere, even inside an SGR sequence, and followed by REP (which
    repeats the last character printed), what shows is what one feed gives;
    a look at the screen between the feeds shows the line so far.
    """
    resumed: list[str] = []
    real = fastpath.resume

    def counted(term: Terminal) -> str:
        resumed.append(real(term))
        return resumed[-1]

    monkeypatch.setattr("chloe.terminal.parser.resume", counted)  # type: ignore[attr-defined]
    head = "".join(f"\x1b[3{i % 8}mline {i}\x1b[0m and more\r\n" for i in range(40)).encode()
    last = b"\x1b[1mbold\x1b[22m then \x1b[4munder\x1b[24mx\x1b[3b end\r\n"
    whole = Terminal(30, 5, scrollback=100)
    whole.feed(head + last + b"next\r\n")
    for cut in range(1, len(last)):
        for look in (False, True):
            term = Terminal(30, 5, scrollback=100)
            term.feed(head + last[:cut])
            if look:
                shown = last[:cut].decode()
                assert (
                    term.display[-1].rstrip()
                    == _one_by_one(head + last[:cut], 30, 5, 100).display[-1].rstrip()
                ), shown
            term.feed(last[cut:] + b"next\r\n")
            assert _state(term) == _state(whole), (cut, look)
    assert whole.display[-3].rstrip() == "bold then underxxxx end"
    assert sum(map(len, resumed)) > len(last)  # the line was kept and taken back


def test_a_new_colour_on_every_line_keeps_what_the_bulk_path_remembers_bounded() -> None:
    """Hostile colours (a new one per line, long runs of SGR) cost refills, not memory."""
    log = "".join(
        f"\x1b[38;2;{i % 256};{i // 256 % 256};7m{i}"
        + "".join(f"\x1b[{30 + k % 8}m{k}" for k in range(i % 40))
        + "\r\n"
        for i in range(6000)
    ).encode()
    term = Terminal(120, 10, scrollback=100)
    for i in range(0, len(log), 1 << 16):
        term.feed(log[i : i + (1 << 16)])
    states = fastpath._STATES
    assert len(states) <= fastpath._STATES_LIMIT
    assert all(len(state) <= fastpath._STATE_EDGES_LIMIT for state in states.values())
    assert all(len(key) <= fastpath._STATE_KEY_LIMIT for state in states.values() for key in state)
    tail = log[log.rfind(b"\r\n", 0, len(log) - 2) - 3000 :]
    fresh = Terminal(120, 10, scrollback=100)
    fresh.feed(tail)
    assert _state(fresh) == _state(_one_by_one(tail, 120, 10, 100))


def _counting(monkeypatch: object) -> list[int]:
    """Count the lines the bulk path handles (so the tests above cannot pass vacuously)."""
    handled: list[int] = []
    real = fastpath.coloured_lines

    def counted(term: Terminal, text: str, start: int, end: int) -> int:
        done = real(term, text, start, end)
        handled.append(text.count("\r\n", start, done))
        return done

    monkeypatch.setattr("chloe.terminal.parser.coloured_lines", counted)  # type: ignore[attr-defined]
    return handled


def test_a_coloured_log_takes_the_bulk_path_and_keeps_styles(monkeypatch: object) -> None:
    handled = _counting(monkeypatch)
    log = "".join(
        f"\x1b[2m12:00:{i:02d}\x1b[0m \x1b[1;3{i % 8}mlevel\x1b[0m "
        f"\x1b[48;5;{i}mbody {i}\x1b[49m\r\n"
        for i in range(60)
    ).encode()
    bulk = Terminal(40, 10, scrollback=100)
    bulk.feed(log)
    slow = _one_by_one(log, 40, 10, 100)
    assert sum(handled) >= 50
    assert _state(bulk) == _state(slow)
    text, dim = bulk.scrollback_row(0)[0]
    assert (text, as_cell(dim).dim) == ("12:00:00", True)
    assert [t for t, _ in bulk.scrollback_row(5)] == ["12:00:05", " ", "level", " ", "body 5"]
    assert bulk.scrollback_row(5)[4][1].bg == slow.scrollback_row(5)[4][1].bg != "default"


def test_rows_left_on_screen_scroll_off_with_their_styles(monkeypatch: object) -> None:
    """A row the bulk path built (and remembered) is kept as drawn, even if changed since."""
    handled = _counting(monkeypatch)
    term = Terminal(20, 4, scrollback=100)
    term.feed(b"".join(b"\x1b[3%dmline %d\x1b[0m\r\n" % (i % 8, i) for i in range(12)))
    assert sum(handled) >= 4
    term.feed(b"\x1b[3;1H\x1b[44mX\x1b[0m\x1b[4;1H")  # overwrite a row the bulk path built
    term.feed(b"\r\n" * 4)
    slow = _one_by_one(
        b"".join(b"\x1b[3%dmline %d\x1b[0m\r\n" % (i % 8, i) for i in range(12))
        + b"\x1b[3;1H\x1b[44mX\x1b[0m\x1b[4;1H"
        + b"\r\n" * 4,
        20,
        4,
        100,
    )
    assert _state(term) == _state(slow)
    assert [t for t, _ in term.scrollback_row(11)] == ["X", "ine 11"]


# What a program may do to rows the bulk path left on the screen unbuilt:
# move up into them and write, erase, scroll a region, insert or delete
# lines, switch screens, resize.
AFTER = [
    "\x1b[3A",
    "\x1b[2;3H",
    "\x1bM",
    "\x1b[1K",
    "\x1b[2J",
    "\x1b[2;4r",
    "\x1b[L",
    "\x1b[M",
    "\x1b[P",
    "\x1b[@",
    "\x1b[?1049h",
    "\x1b[?1049l",
    "\x1b[S",
    "\x1b[T",
    "\x1b#8",
    "RESIZE",
    "READ",
]
actions = st.lists(st.one_of(texts, st.sampled_from(AFTER), lines), max_size=12)


def _apply(term: Terminal, chunks: list[bytes | str], one_by_one: bool) -> list[object]:
    """Feed ``chunks``; "RESIZE" resizes, "READ" looks at the screen (as a repaint does)."""
    seen: list[object] = []
    for chunk in chunks:
        if chunk == "RESIZE":
            term.resize(term.lines + 1, term.columns - 1)
        elif chunk == "READ":
            seen.append(_state(term))
        else:
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            if one_by_one:
                for i in range(len(data)):
                    term.feed(data[i : i + 1])
            else:
                term.feed(data)
    return seen


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(
    log="".join(f"\x1b[3{i % 8}mline {i}\x1b[0m end\r\n" for i in range(12)),
    after=["\x1b[3A", "abc", "\x1b[4;1H\x1b[K", "\x1b[2;4r\x1b[4H\r\n"],
    columns=20,
    lines_=6,
    chunk=4096,
)
@given(
    log=logs,
    after=actions,
    columns=st.integers(2, 30),
    lines_=st.integers(2, 8),
    chunk=st.sampled_from([64, 4096]),
)
def test_rows_left_unbuilt_behave_as_drawn_ones(
    log: str, after: list[str], columns: int, lines_: int, chunk: int
) -> None:
    """Rows the bulk path leaves unbuilt are built, exactly, whatever touches them next."""
    data = log.encode()
    chunks: list[bytes | str] = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for piece in after:
        chunks += [piece, "READ"] if piece in ("RESIZE",) else [piece]
    chunks.append("READ")
    bulk = Terminal(columns, lines_, scrollback=50)
    slow = Terminal(columns, lines_, scrollback=50)
    assert _apply(bulk, chunks, False) == _apply(slow, chunks, True)


def test_rows_scrolled_off_between_looks_are_never_built(monkeypatch: object) -> None:
    """A flood in small reads builds only the rows still on screen when the screen is read."""
    built: list[int] = []
    real = fastpath.materialise

    def counted(row: object, columns: int) -> object:
        built.append(1)
        return real(row, columns)  # type: ignore[arg-type]

    monkeypatch.setattr("chloe.terminal.screen.materialise", counted)  # type: ignore[attr-defined]
    handled = _counting(monkeypatch)
    log = "".join(
        f"\x1b[2m12:00:{i % 60:02d}\x1b[0m \x1b[1;3{i % 8}mlevel\x1b[0m line {i}\r\n"
        for i in range(2000)
    ).encode()
    term = Terminal(60, 20, scrollback=5000)
    for i in range(0, len(log), 4096):
        term.feed(log[i : i + 4096])
    assert sum(handled) > 1500
    assert built == []  # nothing looked: nothing built, though each read left rows on screen
    slow = _one_by_one(log, 60, 20, 5000)
    assert term.display == slow.display
    assert len(built) == 19  # the screen's rows above the cursor's, once
    assert _state(term) == _state(slow)
    assert len(built) == 19
