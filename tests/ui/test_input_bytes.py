"""Keys reach a program in a chloe pane byte for byte as in a plain tmux pane.

A raw key logger (``tests/keylogger.py``) runs (a) in a plain tmux pane and
(b) in a chloe pane of each kind. Each is inside an *outer* tmux on a private
socket, which stands for the user's terminal: keys are typed into it with
``send-keys`` (tmux's own terminal encoding of named keys, or raw bytes), so
chloe's stdin gets what a terminal would send.

The baseline is a plain ``tmux attach`` client of a private tmux server, run in
the same outer terminal the same way chloe is: the truest "plain tmux pane" a
user has. Its server is configured as chloe's own tmux server is (10 ms Esc
wait, focus events on), so a difference is chloe's and not a tmux setting's.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ui.outer import (
    INNER_CONF,
    Key,
    KeyLog,
    Modes,
    OuterTerminal,
    Pause,
    Send,
    Step,
    plain_tmux,
    shell_prompt,
    type_corpus,
)

pytestmark = pytest.mark.tmux


def _alt(char: str) -> Key:
    return Key(f"M-{char}", Send(hex=b"\x1b" + char.encode()))


ALT_PRINTABLE = "abfzAZ019.,/:;'[]{}\\|`~!@#$%^&*()-_=+<>?\" "
"""Every class of printable: lower, upper, digits, and each punctuation character."""

MOUSE_EVENTS = [
    ("left press", 0, 5, 3, "M"),
    ("drag", 32, 7, 3, "M"),
    ("left release", 0, 7, 3, "m"),
    ("move", 35, 9, 4, "M"),
    ("wheel up", 64, 5, 3, "M"),
    ("right press", 2, 2, 1, "M"),
    ("right release", 2, 2, 1, "m"),
    ("ctrl left press", 16, 4, 2, "M"),
    ("ctrl left release", 16, 4, 2, "m"),
]
"""Mouse reports as the user's terminal sends them (SGR), at cells of the pane."""

MOUSE_MODES = [
    ("1000", b"\x1b[?1000h", b"\x1b[?1000l"),
    ("1000 sgr", b"\x1b[?1000h\x1b[?1006h", b"\x1b[?1006l\x1b[?1000l"),
    ("1002 sgr", b"\x1b[?1002h\x1b[?1006h", b"\x1b[?1006l\x1b[?1002l"),
    ("1003 sgr", b"\x1b[?1003h\x1b[?1006h", b"\x1b[?1006l\x1b[?1003l"),
]
"""Each mouse mode tmux 3.3 implements (it ignores X10 mode 9), in X10 and SGR encoding."""

DOUBLE_CLICK = 0.35
"""tmux takes a press within 300 ms of the previous one for a double click and does
not pass it on: presses are spaced further apart so that the baseline has them."""


def corpus() -> list[Step]:
    """The keys, in order, with the mode changes between them."""
    steps: list[Step] = [Key("a"), Key("Z"), Key("Enter"), Key("BSpace"), Key("Tab")]
    steps += [Key("BTab"), Key("Space"), Key("C-a"), Key("C-c"), Key("C-e"), Key("Escape")]
    steps += [Key("utf-8 é", Send("-l", "é")), Key("utf-8 wide", Send("-l", "日本"))]
    steps += [_alt(c) for c in ALT_PRINTABLE]
    steps += [Key(k) for k in ("M-Enter", "M-BSpace", "M-Tab", "M-Escape")]
    steps += [Key(k) for k in ("M-Up", "M-Down", "M-Left", "M-Right")]
    steps += [Key(f"C-M-{c}") for c in "aeqxz"]
    steps += [Key(f"F{n}") for n in range(1, 13)]
    steps += [Key(k) for k in ("S-F1", "C-F2", "M-F3", "C-S-F5", "M-F10", "C-F12", "S-F12")]
    steps += [Key(k) for k in ("Up", "Down", "Left", "Right", "C-Up", "S-Left", "C-M-Right")]
    for name in ("Home", "End", "PPage", "NPage", "IC", "DC"):
        steps += [Key(name), Key(f"C-{name}"), Key(f"M-{name}"), Key(f"S-{name}")]
    steps += [Key("C-S-End"), Key("C-M-DC")]
    # Esc and then a key after a pause, as a person types in vim.
    for ms in (0, 20, 50, 100, 300):
        steps.append(Key(f"Escape then : after {ms} ms", "Escape", ":", gap=ms / 1000))
        steps.append(Key(f"Escape then j after {ms} ms", "Escape", "j", gap=ms / 1000))
    # Cursor keys in application mode (vim, less, htop turn it on).
    steps.append(Modes(b"\x1b[?1h"))
    steps += [Key(f"app {k}", k) for k in ("Up", "Down", "Left", "Right", "Home", "End", "C-Up")]
    steps.append(Modes(b"\x1b[?1l"))
    # A paste from the user's terminal: unwrapped when the program did not ask.
    paste = b"\x1b[200~pasted\rtwo \x11 lines\x1b[201~"
    steps.append(Key("paste without 2004", Send(hex=paste)))
    steps.append(Modes(b"\x1b[?2004h"))
    steps.append(Key("paste with 2004", Send(hex=paste)))
    steps.append(Modes(b"\x1b[?2004l"))
    # Focus reports, when the program asked for them.
    steps.append(Modes(b"\x1b[?1004h"))
    steps += [Key("focus out", Send(hex=b"\x1b[O")), Key("focus in", Send(hex=b"\x1b[I"))]
    steps.append(Modes(b"\x1b[?1004l"))
    steps += [Key("focus out unasked", Send(hex=b"\x1b[O"))]
    steps += [Key("focus in unasked", Send(hex=b"\x1b[I"))]
    for mode, on, off in MOUSE_MODES:
        steps.append(Modes(on))
        for what, button, x, y, final in MOUSE_EVENTS:
            if final == "M" and button in (0, 2, 16, 64):
                steps.append(Pause(DOUBLE_CLICK))
            steps.append(Key(f"mouse {mode} {what}", Send(mouse=(button, x, y, final))))
        steps.append(Modes(off))
    return steps


CORPUS = corpus()
_baseline: dict[str, bytes] = {}


def _quiet(label: str) -> float:
    """How long to wait for a key's first byte before typing the next marker.

    Bytes reach the logger in the order they were typed, except that chloe
    hands mouse reports to its UI (they need the pane's position), so a marker
    could overtake one: for those, wait for what the plain pane got.
    """
    if not _baseline:
        return 0.05  # a plain pane: one tmux in between, order always kept
    if _baseline.get(label):
        return 3.0
    return 0.3 if label.startswith("mouse") else 0.05


def _run(outer: OuterTerminal, log: KeyLog, origin: tuple[int, int]) -> dict[str, bytes]:
    return type_corpus(outer, log, CORPUS, origin, _quiet)


def baseline(tmp_path: Path) -> dict[str, bytes]:
    """What the logger receives in a plain tmux pane (computed once per test run)."""
    if _baseline:
        return _baseline
    log = KeyLog(tmp_path, "plain")
    try:
        with plain_tmux(tmp_path, INNER_CONF, log.command) as outer:
            outer.wait_screen("KEYLOGGER-READY", "the logger in a plain pane")
            started = time.monotonic()
            result = _run(outer, log, outer.find("KEYLOGGER-READY"))
            print(f"baseline: {time.monotonic() - started:.1f} s")
    finally:
        log.close()
    assert result["M-Enter"] == b"\x1b\r", "the baseline is not a terminal that sends Alt"
    _baseline.update(result)
    return _baseline


@pytest.fixture
def chloe_shell() -> str:
    """New panes run ``/bin/sh`` (a known prompt)."""
    return "/bin/sh"


def chloe_pane_log(
    outer: OuterTerminal, tmp_path: Path, key: str
) -> tuple[KeyLog, tuple[int, int]]:
    """Open a pane with ``key`` (``c`` or ``t``), start the logger in it; its origin."""
    outer.send(key)
    outer.wait_screen(shell_prompt, "a shell prompt in chloe")
    log = KeyLog(tmp_path, f"chloe-{key}")
    outer.send("-l", log.command)
    outer.send("Enter")
    outer.wait_screen("KEYLOGGER-READY", "the logger in chloe's pane")
    return log, outer.find("KEYLOGGER-READY")


def _differences(want: dict[str, bytes], got: dict[str, bytes]) -> list[str]:
    return [
        f"{label}: plain tmux {want[label]!r}, chloe {got[label]!r}"
        for label in want
        if want[label] != got[label]
    ]


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_every_key_reaches_the_program_as_in_plain_tmux(
    kind: str, tmp_path: Path, chloe_outer: OuterTerminal
) -> None:
    """Over 150 keys, pastes, focus and mouse reports: chloe delivers plain tmux's bytes."""
    want = baseline(tmp_path)
    assert len(want) >= 80
    log, origin = chloe_pane_log(chloe_outer, tmp_path, kind)
    try:
        started = time.monotonic()
        got = _run(chloe_outer, log, origin)
        elapsed = time.monotonic() - started
    finally:
        log.close()
    differences = _differences(want, got)
    assert not differences, f"{len(differences)} keys differ ({elapsed:.1f} s):\n" + "\n".join(
        differences
    )
