"""Key, paste, mouse and focus encoding: what a program on the pty receives.

Key names and characters are the ones Textual 8.2.8 really produces, both from
legacy terminals (character set) and from kitty-protocol terminals (character
``None`` whenever a modifier is held); ``test_names_match_textual_parser`` feeds
real xterm input sequences through Textual's own parser to keep the table honest.
"""

from __future__ import annotations

import pytest

from chloe.terminal.keys import (
    Modes,
    MouseAction,
    encode_focus,
    encode_key,
    encode_mouse,
    encode_paste,
)

NORMAL = Modes()
APP_CURSOR = Modes(app_cursor_keys=True)

# (key, character, modes, expected bytes)
KEY_CASES: list[tuple[str, str | None, Modes, bytes]] = [
    # printable text, including unicode
    ("a", "a", NORMAL, b"a"),
    ("A", "A", NORMAL, b"A"),
    ("1", "1", NORMAL, b"1"),
    ("semicolon", ";", NORMAL, b";"),
    ("left_square_bracket", "[", NORMAL, b"["),
    ("space", " ", NORMAL, b" "),
    ("é", "é", NORMAL, "é".encode()),
    ("日", "日", NORMAL, "日".encode()),
    ("shift+a", None, NORMAL, b"A"),  # kitty: shift+letter without text
    ("shift+space", None, NORMAL, b" "),
    # editing keys
    ("enter", "\r", NORMAL, b"\r"),
    ("enter", None, NORMAL, b"\r"),  # Pilot and kitty send no character
    ("shift+enter", None, NORMAL, b"\r"),
    ("ctrl+enter", None, NORMAL, b"\r"),
    ("alt+enter", None, NORMAL, b"\x1b\r"),
    ("tab", "\t", NORMAL, b"\t"),
    ("shift+tab", None, NORMAL, b"\x1b[Z"),
    ("ctrl+tab", None, NORMAL, b"\t"),
    ("backspace", "\x7f", NORMAL, b"\x7f"),
    ("backspace", None, NORMAL, b"\x7f"),
    ("backspace", "\x08", NORMAL, b"\x08"),  # legacy ctrl+h arrives as this
    ("ctrl+backspace", None, NORMAL, b"\x08"),
    ("alt+backspace", None, NORMAL, b"\x1b\x7f"),
    ("escape", "\x1b", NORMAL, b"\x1b"),
    ("escape", None, NORMAL, b"\x1b"),
    ("shift+escape", None, NORMAL, b"\x1b"),
    ("alt+escape", None, NORMAL, b"\x1b\x1b"),
    # ctrl + letters, legacy (character set) and kitty (character None)
    ("ctrl+a", "\x01", NORMAL, b"\x01"),
    ("ctrl+a", None, NORMAL, b"\x01"),
    ("ctrl+c", None, NORMAL, b"\x03"),
    ("ctrl+z", "\x1a", NORMAL, b"\x1a"),
    ("ctrl+j", "\n", NORMAL, b"\n"),
    ("ctrl+shift+a", None, NORMAL, b"\x01"),
    ("ctrl+q", None, NORMAL, b"\x11"),
    # ctrl + space and punctuation
    ("ctrl+@", "\x00", NORMAL, b"\x00"),
    ("ctrl+@", None, NORMAL, b"\x00"),
    ("ctrl+at", None, NORMAL, b"\x00"),
    ("ctrl+space", None, NORMAL, b"\x00"),
    ("ctrl+left_square_bracket", None, NORMAL, b"\x1b"),
    ("ctrl+backslash", "\x1c", NORMAL, b"\x1c"),
    ("ctrl+backslash", None, NORMAL, b"\x1c"),
    ("ctrl+right_square_bracket", None, NORMAL, b"\x1d"),
    ("ctrl+circumflex_accent", "\x1e", NORMAL, b"\x1e"),
    ("ctrl+circumflex_accent", None, NORMAL, b"\x1e"),
    ("ctrl+underscore", None, NORMAL, b"\x1f"),
    ("ctrl+slash", None, NORMAL, b"\x1f"),
    ("ctrl+minus", None, NORMAL, b"\x1f"),
    ("ctrl+2", None, NORMAL, b"\x00"),
    ("ctrl+6", None, NORMAL, b"\x1e"),
    # alt + key: ESC prefix
    ("alt+a", "a", NORMAL, b"\x1ba"),
    ("alt+a", None, NORMAL, b"\x1ba"),
    ("alt+shift+a", "A", NORMAL, b"\x1bA"),
    ("alt+shift+a", None, NORMAL, b"\x1bA"),
    ("alt+1", None, NORMAL, b"\x1b1"),
    ("alt+left_square_bracket", None, NORMAL, b"\x1b["),
    ("alt+space", None, NORMAL, b"\x1b "),
    ("alt+é", None, NORMAL, "\x1bé".encode()),
    ("alt+ctrl+a", None, NORMAL, b"\x1b\x01"),
    # arrows honour DECCKM; modified arrows use xterm's modifier parameter
    ("up", None, NORMAL, b"\x1b[A"),
    ("down", None, NORMAL, b"\x1b[B"),
    ("right", None, NORMAL, b"\x1b[C"),
    ("left", None, NORMAL, b"\x1b[D"),
    ("up", None, APP_CURSOR, b"\x1bOA"),
    ("left", None, APP_CURSOR, b"\x1bOD"),
    ("shift+up", None, NORMAL, b"\x1b[1;2A"),
    ("alt+up", None, NORMAL, b"\x1b[1;3A"),
    ("alt+shift+up", None, NORMAL, b"\x1b[1;4A"),
    ("ctrl+up", None, NORMAL, b"\x1b[1;5A"),
    ("ctrl+up", None, APP_CURSOR, b"\x1b[1;5A"),
    ("ctrl+shift+left", None, NORMAL, b"\x1b[1;6D"),
    ("alt+ctrl+right", None, NORMAL, b"\x1b[1;7C"),
    ("alt+ctrl+shift+down", None, NORMAL, b"\x1b[1;8B"),
    # home/end follow the cursor keys
    ("home", None, NORMAL, b"\x1b[H"),
    ("end", None, NORMAL, b"\x1b[F"),
    ("home", None, APP_CURSOR, b"\x1bOH"),
    ("end", None, APP_CURSOR, b"\x1bOF"),
    ("ctrl+home", None, NORMAL, b"\x1b[1;5H"),
    ("shift+end", None, NORMAL, b"\x1b[1;2F"),
    # the CSI ~ keys
    ("insert", None, NORMAL, b"\x1b[2~"),
    ("delete", None, NORMAL, b"\x1b[3~"),
    ("pageup", None, NORMAL, b"\x1b[5~"),
    ("pagedown", None, NORMAL, b"\x1b[6~"),
    ("ctrl+delete", None, NORMAL, b"\x1b[3;5~"),
    ("shift+pageup", None, NORMAL, b"\x1b[5;2~"),
    ("alt+pagedown", None, NORMAL, b"\x1b[6;3~"),
    # function keys
    ("f1", None, NORMAL, b"\x1bOP"),
    ("f2", None, NORMAL, b"\x1bOQ"),
    ("f3", None, NORMAL, b"\x1bOR"),
    ("f4", None, NORMAL, b"\x1bOS"),
    ("f5", None, NORMAL, b"\x1b[15~"),
    ("f6", None, NORMAL, b"\x1b[17~"),
    ("f7", None, NORMAL, b"\x1b[18~"),
    ("f8", None, NORMAL, b"\x1b[19~"),
    ("f9", None, NORMAL, b"\x1b[20~"),
    ("f10", None, NORMAL, b"\x1b[21~"),
    ("f11", None, NORMAL, b"\x1b[23~"),
    ("f12", None, NORMAL, b"\x1b[24~"),
    ("f1", None, APP_CURSOR, b"\x1bOP"),
    ("shift+f1", None, NORMAL, b"\x1b[1;2P"),
    ("ctrl+f4", None, NORMAL, b"\x1b[1;5S"),
    ("ctrl+f5", None, NORMAL, b"\x1b[15;5~"),
    ("alt+shift+f12", None, NORMAL, b"\x1b[24;4~"),
    ("f13", None, NORMAL, b"\x1b[1;2P"),  # xterm: F13 is shift+F1
    ("f24", None, NORMAL, b"\x1b[24;2~"),
    # keys a terminal sends nothing for
    ("super+a", None, NORMAL, b""),
    ("left_shift", None, NORMAL, b""),
    ("caps_lock", None, NORMAL, b""),
    ("media_play", None, NORMAL, b""),
]


@pytest.mark.parametrize(("key", "character", "modes", "expected"), KEY_CASES)
def test_encode_key(key: str, character: str | None, modes: Modes, expected: bytes) -> None:
    assert encode_key(key, character, modes) == expected


# Raw xterm/kitty input -> the bytes a program must receive after Textual parses it.
ROUND_TRIPS: list[tuple[str, bytes]] = [
    ("a", b"a"),
    ("\x01", b"\x01"),
    ("\x03", b"\x03"),
    ("\x00", b"\x00"),
    ("\x1c", b"\x1c"),
    ("\x1d", b"\x1d"),
    ("\x1e", b"\x1e"),
    ("\x1f", b"\x1f"),
    ("\r", b"\r"),
    ("\t", b"\t"),
    ("\x7f", b"\x7f"),
    ("\x08", b"\x08"),
    ("\x1ba", b"\x1ba"),
    ("\x1bA", b"\x1bA"),
    ("\x1b[Z", b"\x1b[Z"),
    ("\x1b[A", b"\x1b[A"),
    ("\x1bOA", b"\x1b[A"),  # the outer terminal's mode is not the program's
    ("\x1b[1;5A", b"\x1b[1;5A"),
    ("\x1b[1;8D", b"\x1b[1;8D"),
    ("\x1b[1;2H", b"\x1b[1;2H"),
    ("\x1b[3~", b"\x1b[3~"),
    ("\x1b[5;5~", b"\x1b[5;5~"),
    ("\x1bOP", b"\x1bOP"),
    ("\x1b[1;5P", b"\x1b[1;5P"),
    ("\x1b[15~", b"\x1b[15~"),
    ("\x1b[24;2~", b"\x1b[24;2~"),
    # kitty keyboard protocol
    ("\x1b[97;5u", b"\x01"),
    ("\x1b[97;6u", b"\x01"),
    ("\x1b[97;3u", b"\x1ba"),
    ("\x1b[97;7u", b"\x1b\x01"),
    ("\x1b[32;5u", b"\x00"),
    ("\x1b[27u", b"\x1b"),
    ("\x1b[13;3u", b"\x1b\r"),
    ("\x1b[127;3u", b"\x1b\x7f"),
    ("\x1b[9;2u", b"\x1b[Z"),
    ("\x1b[49;3u", b"\x1b1"),
    ("\x1b[93;5u", b"\x1d"),
]


@pytest.mark.parametrize(("sequence", "expected"), ROUND_TRIPS)
def test_names_match_textual_parser(sequence: str, expected: bytes) -> None:
    from textual import events
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    keys = [e for e in [*parser.feed(sequence), *parser.feed("")] if isinstance(e, events.Key)]
    assert len(keys) == 1, keys
    assert encode_key(keys[0].key, keys[0].character, NORMAL) == expected


# --- paste --------------------------------------------------------------------


def test_paste_plain_when_bracketed_paste_is_off() -> None:
    assert encode_paste("echo hi", NORMAL) == b"echo hi"


def test_paste_bracketed_when_program_set_2004() -> None:
    assert encode_paste("echo hi", Modes(bracketed_paste=True)) == b"\x1b[200~echo hi\x1b[201~"


def test_paste_newlines_become_carriage_returns() -> None:
    assert encode_paste("a\nb\r\nc", NORMAL) == b"a\rb\rc"


def test_paste_cannot_break_out_of_the_bracket() -> None:
    evil = "ls\x1b[201~rm -rf ~\n\x1b[20\x1b[201~1~x"
    data = encode_paste(evil, Modes(bracketed_paste=True))
    assert data.startswith(b"\x1b[200~")
    assert data.endswith(b"\x1b[201~")
    assert data.count(b"\x1b[201~") == 1
    assert b"rm -rf ~" in data


def test_empty_paste_sends_nothing() -> None:
    assert encode_paste("", Modes(bracketed_paste=True)) == b""


def test_paste_unicode() -> None:
    assert encode_paste("日本", NORMAL) == "日本".encode()


# --- mouse --------------------------------------------------------------------

SGR_1000 = Modes(mouse_mode=1000, mouse_sgr=True)
SGR_1002 = Modes(mouse_mode=1002, mouse_sgr=True)
SGR_1003 = Modes(mouse_mode=1003, mouse_sgr=True)

# (action, button, x, y, modes, modifiers, expected)
MOUSE_CASES: list[tuple[MouseAction, int, int, int, Modes, dict[str, bool], bytes]] = [
    # nothing unless the program asked
    (MouseAction.PRESS, 1, 0, 0, NORMAL, {}, b""),
    (MouseAction.WHEEL_UP, 0, 0, 0, NORMAL, {}, b""),
    # 1000: presses, releases, wheel; no motion
    (MouseAction.PRESS, 1, 0, 0, SGR_1000, {}, b"\x1b[<0;1;1M"),
    (MouseAction.PRESS, 2, 4, 2, SGR_1000, {}, b"\x1b[<1;5;3M"),
    (MouseAction.PRESS, 3, 9, 9, SGR_1000, {}, b"\x1b[<2;10;10M"),
    (MouseAction.RELEASE, 1, 0, 0, SGR_1000, {}, b"\x1b[<0;1;1m"),
    (MouseAction.WHEEL_UP, 0, 2, 3, SGR_1000, {}, b"\x1b[<64;3;4M"),
    (MouseAction.WHEEL_DOWN, 0, 2, 3, SGR_1000, {}, b"\x1b[<65;3;4M"),
    (MouseAction.MOTION, 1, 5, 5, SGR_1000, {}, b""),
    (MouseAction.MOTION, 0, 5, 5, SGR_1000, {}, b""),
    # 1002: motion only while a button is held
    (MouseAction.MOTION, 1, 5, 5, SGR_1002, {}, b"\x1b[<32;6;6M"),
    (MouseAction.MOTION, 0, 5, 5, SGR_1002, {}, b""),
    # 1003: all motion
    (MouseAction.MOTION, 0, 5, 5, SGR_1003, {}, b"\x1b[<35;6;6M"),
    (MouseAction.MOTION, 3, 5, 5, SGR_1003, {}, b"\x1b[<34;6;6M"),
    # modifiers
    (MouseAction.PRESS, 1, 0, 0, SGR_1000, {"shift": True}, b"\x1b[<4;1;1M"),
    (MouseAction.PRESS, 1, 0, 0, SGR_1000, {"meta": True}, b"\x1b[<8;1;1M"),
    (MouseAction.PRESS, 1, 0, 0, SGR_1000, {"ctrl": True}, b"\x1b[<16;1;1M"),
    # legacy encoding when 1006 is off
    (MouseAction.PRESS, 1, 0, 0, Modes(mouse_mode=1000), {}, b"\x1b[M !!"),
    (MouseAction.RELEASE, 1, 0, 0, Modes(mouse_mode=1000), {}, b"\x1b[M#!!"),
    # a legacy release says neither button nor modifiers (as tmux); SGR says both
    (MouseAction.RELEASE, 1, 0, 0, Modes(mouse_mode=1000), {"ctrl": True}, b"\x1b[M#!!"),
    (MouseAction.RELEASE, 1, 0, 0, SGR_1000, {"ctrl": True}, b"\x1b[<16;1;1m"),
    (MouseAction.WHEEL_UP, 0, 1, 1, Modes(mouse_mode=1000), {}, b'\x1b[M`""'),
    (MouseAction.PRESS, 1, 300, 0, Modes(mouse_mode=1000), {}, b""),  # past 223: unsayable
    (MouseAction.PRESS, 1, 300, 0, SGR_1000, {}, b"\x1b[<0;301;1M"),
]


@pytest.mark.parametrize("case", MOUSE_CASES)
def test_encode_mouse(
    case: tuple[MouseAction, int, int, int, Modes, dict[str, bool], bytes],
) -> None:
    action, button, x, y, modes, modifiers, expected = case
    assert encode_mouse(action, button, x, y, modes, **modifiers) == expected


# --- focus --------------------------------------------------------------------


def test_focus_reports_only_when_1004_set() -> None:
    assert encode_focus(True, NORMAL) == b""
    assert encode_focus(False, NORMAL) == b""
    assert encode_focus(True, Modes(focus_events=True)) == b"\x1b[I"
    assert encode_focus(False, Modes(focus_events=True)) == b"\x1b[O"


def test_every_character_key_name_maps_back_to_its_character() -> None:
    """Kitty terminals send alt/ctrl+<char> with no text: the name must give the char back."""
    from textual.keys import _character_to_key

    for code in [*range(33, 127), *range(0xA1, 0x180)]:
        char = chr(code)
        if not char.isprintable():
            continue  # the soft hyphen: a name that no key sends
        name = _character_to_key(char)
        assert encode_key(f"alt+{name}", None, NORMAL) == f"\x1b{char}".encode(), name


# --- properties -----------------------------------------------------------------

from hypothesis import given  # noqa: E402 - grouped with the property tests
from hypothesis import strategies as st  # noqa: E402


@given(st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")))
def test_any_typed_character_is_sent_as_utf8(char: str) -> None:
    assert encode_key(char, char, NORMAL) == char.encode()


@given(st.text(alphabet=st.sampled_from(["\x1b", "[", "2", "0", "1", "~", "a", "\n"]), max_size=60))
def test_no_paste_can_close_the_bracket_early(text: str) -> None:
    data = encode_paste(text, Modes(bracketed_paste=True))
    if data:
        body = data[len(b"\x1b[200~") : -len(b"\x1b[201~")]
        assert data.startswith(b"\x1b[200~") and data.endswith(b"\x1b[201~")
        assert b"\x1b[201~" not in body
        assert b"\x1b[200~" not in body
