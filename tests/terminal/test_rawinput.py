"""The input router: what goes to the pane, what to chloe's UI, and when."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chloe.terminal.keys import Modes, TerminalModes
from chloe.terminal.rawinput import (
    CLAIMED_WAIT,
    PARTIAL_WAIT,
    SWITCH_WAIT,
    InputRouter,
    key_bytes,
    split_keys,
)


class Pane:
    """A target that records what it was sent."""

    def __init__(self, modes: Modes | None = None) -> None:
        self.modes: TerminalModes = modes or Modes()
        self.got = bytearray()

    def write(self, data: bytes) -> None:
        self.got += data

    def keeps(self, key: bytes) -> bool:
        return key == b"\x1b[5;2~"


class Rig:
    """A router with a fake clock, running posted jobs at once."""

    def __init__(self) -> None:
        self.now = 100.0
        self.left = 0
        self.reentered = 0
        self.focus: list[bool] = []
        self.router = InputRouter(
            post=self._run,
            leave=self._leave,
            reenter=self._reenter,
            focus=self.focus.append,
            clock=lambda: self.now,
        )
        self.router.set_keys(leave=key_bytes("ctrl+q"), switch={b"\r", b"c"})
        self.ui = bytearray()

    def _run(self, job: Callable[[], None]) -> None:
        job()

    def _leave(self) -> None:
        self.left += 1

    def _reenter(self) -> None:
        self.reentered += 1

    def feed(self, data: bytes) -> None:
        self.router.feed(data)
        self.ui += self.router.take_for_ui()

    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.router.tick()
        self.ui += self.router.take_for_ui()


@pytest.mark.parametrize(
    ("data", "keys", "tail"),
    [
        (b"echo hi\r", [b"echo hi", b"\r"], b""),
        (b"\x1b\r\x1b.\x1b1", [b"\x1b\r", b"\x1b.", b"\x1b1"], b""),
        (b"\x1b[1;5A\x1bOP\x1b[15;2~", [b"\x1b[1;5A", b"\x1bOP", b"\x1b[15;2~"], b""),
        (b"\x1b\x11\x11", [b"\x1b\x11", b"\x11"], b""),  # ctrl+alt+q is not ctrl+q
        (b"\xc3\xa9\x1b\xc3\xa9", [b"\xc3\xa9", b"\x1b\xc3\xa9"], b""),
        (b"ab\x1b", [b"ab"], b"\x1b"),  # a lone Esc may start a sequence
        (b"\x1b[1;5", [], b"\x1b[1;5"),
        (b"\xe6\x97", [], b"\xe6\x97"),
        (b"\x1b[<0;5;5M\x1b[200~", [b"\x1b[<0;5;5M", b"\x1b[200~"], b""),
        (b"\x1b\x1b[A", [b"\x1b\x1b[A"], b""),
    ],
)
def test_split_keys(data: bytes, keys: list[bytes], tail: bytes) -> None:
    assert split_keys(data) == (keys, tail)


def test_key_bytes_of_names() -> None:
    assert key_bytes("ctrl+q") == {b"\x11", b"\x1b[113;5u"}
    assert key_bytes("up") == {b"\x1b[A", b"\x1bOA"}
    assert key_bytes("f12") == {b"\x1b[24~"}
    assert key_bytes("notakey") == frozenset()


TYPED = b"\x1b\r\x1b.\x1b1\x1bb\x1b\x7f\x1b\x01\x1b:\x1b[15;5~\xc3\xa9"


@pytest.mark.parametrize(
    ("reads", "modes", "to_pane", "to_ui", "left"),
    [
        pytest.param([TYPED], None, TYPED, b"", 0, id="bytes-go-to-the-pane-as-they-came"),
        pytest.param([b"ls\x11jk"], None, b"ls", b"jk", 1, id="leave-key-then-navigation"),
        pytest.param(
            [b"\x11", b"j", b"\x11"], None, b"", b"j\x11", 1, id="leave-key-again-after-a-key"
        ),
        pytest.param(  # mouse reports are the UI's to place
            [b"\x1b[<0;5", b";5M"], None, b"", b"\x1b[<0;5;5M", 0, id="a-sequence-split-in-reads"
        ),
        pytest.param(
            [b"\x1b[200~one \x11", b" two\x1b[20", b"1~\x11"],
            None,
            b"\x1b[200~one \x11 two\x1b[201~",
            b"",
            1,
            id="paste-goes-whole-leave-key-inside-is-text",
        ),
        pytest.param(
            [b"\x1b[A\x1b[1;5A\x1bOB"],
            Modes(app_cursor_keys=True),
            b"\x1bOA\x1b[1;5A\x1bOB",
            b"",
            0,
            id="cursor-keys-follow-the-programs-mode",
        ),
        pytest.param(
            [b"\x1b[5;2~\x1b[?2026;2$y\x1b[?1u"],
            None,
            b"",
            b"\x1b[5;2~\x1b[?2026;2$y\x1b[?1u",
            0,
            id="chloes-own-keys-and-replies-go-to-the-ui",
        ),
        pytest.param([b"x\x1b[113;5u"], None, b"x", b"", 1, id="kitty-leave-key-leaves"),
    ],
)
def test_terminal_mode_routes_each_key(
    reads: list[bytes], modes: Modes | None, to_pane: bytes, to_ui: bytes, left: int
) -> None:
    """Reads typed while a pane has the keyboard: what the pane gets, what chloe's UI
    gets, and whether the leave key left terminal mode."""
    rig, pane = Rig(), Pane(modes)
    rig.router.set_target(pane)
    for data in reads:
        rig.feed(data)
    assert bytes(pane.got) == to_pane
    assert rig.ui == to_ui
    assert rig.left == left
    assert rig.router.terminal_mode == (left == 0)
    assert rig.reentered == 0


def test_leave_key_twice_sends_it_once_and_goes_back() -> None:
    rig, pane = Rig(), Pane()
    rig.router.set_target(pane)
    rig.feed(b"\x11\x11x")
    assert bytes(pane.got) == b"\x11"
    assert rig.reentered == 1
    rig.router.set_target(pane)  # the app gave the pane the keyboard back
    assert bytes(pane.got) == b"\x11x"
    assert rig.ui == b""


def test_type_ahead_after_a_pane_opening_key_goes_to_that_pane() -> None:
    rig, pane = Rig(), Pane()
    rig.feed(b"jcecho burst")
    assert rig.ui == b"jc"  # the navigation keys, up to the one that opens a pane
    rig.router.claim()  # the app started making the pane
    rig.wait(SWITCH_WAIT + 0.1)
    rig.feed(b"-more\r")
    assert pane.got == b""
    rig.router.set_target(pane)
    assert bytes(pane.got) == b"echo burst-more\r"
    assert rig.ui == b"jc"


def test_type_ahead_nobody_claims_is_navigation_input() -> None:
    rig = Rig()
    rig.feed(b"\rab")
    assert rig.ui == b"\r"
    rig.wait(SWITCH_WAIT + 0.01)
    assert rig.ui == b"\rab"


def test_claimed_type_ahead_released_on_failure_is_navigation_input() -> None:
    rig = Rig()
    rig.feed(b"cxy")
    rig.router.claim()
    rig.wait(CLAIMED_WAIT / 2)
    assert rig.ui == b"c"
    rig.router.release()
    rig.ui += rig.router.take_for_ui()
    assert rig.ui == b"cxy"


def test_lone_esc_waits_briefly_then_goes_as_is() -> None:
    rig, pane = Rig(), Pane()
    rig.router.set_target(pane)
    rig.feed(b"\x1b")
    assert pane.got == b""
    rig.wait(PARTIAL_WAIT)
    assert pane.got == b"\x1b"
    rig.feed(b":")
    assert pane.got == b"\x1b:"


def test_focus_reports_are_chloes_and_passed_on_only_on_a_change() -> None:
    """The terminal's focus reports never reach a pane or Textual as keys: the UI is told
    of each change (it knows which program asked for them)."""
    rig = Rig()
    asked = Pane(Modes(focus_events=True))
    rig.feed(b"\x1b[O\x1b[O")  # navigation mode
    rig.router.set_target(asked)
    rig.feed(b"\x1b[O\x1b[I\x1b[I\x1b[O")
    assert rig.focus == [False, True, False]  # already out: only the changes
    assert asked.got == b""
    assert rig.ui == b""


def test_focus_report_does_not_disarm_the_doubled_leave_key() -> None:
    rig, pane = Rig(), Pane()
    rig.router.set_target(pane)
    rig.feed(b"\x11")
    rig.router.set_target(None)
    rig.feed(b"\x1b[O\x11")
    assert bytes(pane.got) == b"\x11"  # sent through: the focus report was not a key
    assert rig.reentered == 1


def test_cursor_keys_use_the_modes_when_written_not_when_read() -> None:
    """A program that switches DECCKM between the read and the write gets its new mode."""
    rig = Rig()
    queued: list[Callable[[], None]] = []
    rig.router = InputRouter(post=queued.append, clock=lambda: rig.now)
    pane = Pane()
    rig.router.set_target(pane)
    rig.feed(b"\x1b[A")
    pane.modes = Modes(app_cursor_keys=True)  # vim started before the UI loop wrote the key
    for job in queued:
        job()
    assert bytes(pane.got) == b"\x1bOA"


@pytest.mark.parametrize(
    ("kitty", "legacy"),
    [
        (b"\x1b[97u", b"a"),
        (b"\x1b[97;5u", b"\x01"),
        (b"\x1b[13;3u", b"\x1b\r"),
        (b"\x1b[9;2u", b"\x1b[Z"),
        (b"\x1b[97;1:3u", b""),  # a release
        (b"\x1b[57441;2u", b""),  # shift alone
    ],
)
def test_kitty_key_reports_become_legacy_keys(kitty: bytes, legacy: bytes) -> None:
    rig, pane = Rig(), Pane()
    rig.router.set_target(pane)
    rig.feed(kitty)
    assert bytes(pane.got) == legacy
