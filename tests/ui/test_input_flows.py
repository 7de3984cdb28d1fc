"""Typing into chloe through a real terminal: vim's Esc, type-ahead, the leave key.

chloe runs in an outer tmux on a private socket (the user's terminal); keys are
typed with that tmux's ``send-keys``, so they arrive on chloe's stdin as a
terminal sends them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chloe.paths import store_path
from chloe.store import Store
from tests.support.waiting import wait_until
from tests.ui.outer import OuterTerminal, shell_prompt

pytestmark = pytest.mark.tmux


@pytest.fixture
def chloe_shell() -> str:
    """New panes run ``/bin/sh`` (a known prompt)."""
    return "/bin/sh"


def _type_slowly(outer: OuterTerminal, keys: list[str], gap: float) -> None:
    for key in keys:
        outer.send(key)
        time.sleep(gap)


@pytest.mark.parametrize("kind", ["c", "t"], ids=["direct", "tmux"])
def test_vim_saves_after_esc_typed_at_50ms_per_key(
    kind: str, chloe_outer: OuterTerminal, tmp_path: Path
) -> None:
    """``iHello<Esc>:wq<Enter>`` at 50 ms per key writes the file (Esc was not lost)."""
    target = tmp_path / f"vim-{kind}.txt"
    chloe_outer.send(kind)
    chloe_outer.wait_screen(shell_prompt, "a shell prompt in the new pane")
    chloe_outer.send("-l", f"vim --clean -n {target}")
    chloe_outer.send("Enter")
    chloe_outer.wait_screen(lambda s: "vim-" in s and "~" in s, "vim's empty buffer")
    _type_slowly(
        chloe_outer, ["i", "H", "e", "l", "l", "o", "Escape", ":", "w", "q", "Enter"], 0.05
    )
    wait_until(
        lambda: target.exists() and target.read_text() == "Hello\n",
        timeout=15,
        message=f"vim to save {target}",
        show=chloe_outer.screen,
    )


def _panes() -> int:
    return len(Store(store_path()).load())


def test_type_ahead_after_enter_c_t_reaches_the_pane(
    chloe_outer: OuterTerminal, tmp_path: Path
) -> None:
    """``c``/``t``/``enter`` and text in one write: the text runs in the pane it opened.

    The text holds navigation keys (``c`` and ``t`` make panes, ``r`` renames,
    ``d`` detaches): none of them may act. 7 rounds of the three keys: 21 runs.
    """
    out = tmp_path / "type-ahead.txt"
    out.write_text("")
    made = 0
    lines: list[str] = []
    for run in range(7):
        for key in ("c", "\r", "t"):
            name = {"c": "c", "\r": "enter", "t": "t"}[key]
            line = f"ta-{run}-{name}"
            # Everything in one write: the key, then a command for the pane it opens.
            data = f"{key}echo {line} >> {out}\r".encode()
            chloe_outer.send("-H", *(f"{b:02x}" for b in data))
            lines.append(line)
            made += key != "\r"
            wait_until(
                lambda: out.read_text().splitlines(),
                timeout=15,
                message=f"{line} in {out}",
                accept=list(lines).__eq__,
                show=lambda: f"screen:\n{chloe_outer.screen()}",
            )
            chloe_outer.wait_screen(
                lambda s: "back to the list" in s.splitlines()[0], "terminal mode on the pane"
            )
            chloe_outer.send("C-q")
            chloe_outer.wait_screen(lambda s: "type into it" in s, "navigation mode")
            assert _panes() == made, f"after {name} in round {run}: {_panes()} panes, not {made}"
