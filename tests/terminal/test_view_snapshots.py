"""Snapshot tests: TerminalView drawing byte streams recorded from real programs.

The streams come from ``tests/captured/`` (recorded on an 80x24 pty with
``tools/record_stream.py``), are fed to a ``Terminal`` before the app starts,
and the view fills an 80x24 screen, so nothing here depends on a live program.
Regenerate with ``--snapshot-update`` only after looking at the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from chloe.terminal import Terminal
from chloe.ui.terminal_view import TerminalView

CAPTURED = Path(__file__).resolve().parent.parent / "captured"
SIZE = (80, 24)


class StreamApp(App[None]):
    """One TerminalView showing a terminal that was fed ``data``."""

    AUTO_FOCUS = None  # focus is each test's explicit choice

    def __init__(self, data: bytes, *, focused: bool = True) -> None:
        super().__init__()
        self.terminal = Terminal(*SIZE)
        self.terminal.feed(data)
        self.focused_view = focused

    def compose(self) -> ComposeResult:
        yield TerminalView(self.terminal)

    def on_mount(self) -> None:
        if self.focused_view:
            self.query_one(TerminalView).focus()


def captured(name: str) -> bytes:
    return (CAPTURED / name).read_bytes()


def test_colourful_listing(snap_compare: object) -> None:
    """`ls --color` of several directories, then a rich table and progress bar.

    The image must show directory names in bold blue, symlinks in cyan, the
    rich table with its heavy box-drawing header and coloured status cells, a
    full progress bar, and the cursor as a reversed block on the last line.
    """
    data = captured("ls_color.bin") + b"\r\n" + captured("rich_table_progress.bin")
    assert snap_compare(StreamApp(data), terminal_size=SIZE)  # type: ignore[operator]


def test_git_log_graph(snap_compare: object) -> None:
    """`git log --graph --color`: yellow commit hashes and coloured graph lines.

    The image must show the `*`, `|` and `/` graph columns in distinct colours
    and the commit lines in yellow, aligned in their columns.
    """
    assert snap_compare(StreamApp(captured("git_log_graph.bin")), terminal_size=SIZE)  # type: ignore[operator]


def test_vim_editing(snap_compare: object) -> None:
    """vim with an edited Python file, just before `:wq` (the recording's end quits vim).

    The image must show the edited buffer (`# edited.` comment on the second
    line) with `def`/`return`/`if` in orange (256-colour 130), strings in red,
    `str`/`greet`/`print` in cyan, the blue `~` filler lines below the text,
    and the cursor block on the first line, after the line number.
    """
    data = captured("vim_edit.bin")
    quit_at = data.rfind(b"\x1b[?25l", 0, data.rfind(b":wq"))
    assert quit_at > 0, "the vim recording changed: find where it types :wq"
    assert snap_compare(StreamApp(data[:quit_at]), terminal_size=SIZE)  # type: ignore[operator]


def test_alternate_screen_program_after_exit(snap_compare: object) -> None:
    """A shell session that ran `less` full-screen and quit it.

    The image must show only the shell lines written before `less` started
    and the prompt after it quit: none of the paged text (`line number ...`)
    may remain, as in xterm and tmux, which restore the main screen on exit.
    """
    data = (
        b"$ echo before\r\nbefore\r\n$ less numbers.txt\r\n"
        + captured("less_paging.bin")
        + b"$ echo after\r\nafter\r\n$ "
    )
    assert snap_compare(StreamApp(data), terminal_size=SIZE)  # type: ignore[operator]


def test_unfocused_view_has_no_cursor(snap_compare: object) -> None:
    """A short coloured prompt in a view that does not have focus.

    The image must show `user@host:~$` in green and blue and no cursor block
    after the prompt, because the cursor is drawn only while the view is focused.
    """
    data = b"\x1b[32;1muser@host\x1b[0m:\x1b[34;1m~\x1b[0m$ "
    assert snap_compare(StreamApp(data, focused=False), terminal_size=SIZE)  # type: ignore[operator]


def test_scrollback_browsing_marker(snap_compare: object) -> None:
    """The `ls --color` listing browsed one page back with shift+PgUp.

    The image must show older lines of the listing (ones that had scrolled off
    the top), a `[scrollback -23]` marker in the top-right corner in the
    theme's warning colours, and no cursor block (the live screen is not shown).
    """
    assert snap_compare(  # type: ignore[operator]
        StreamApp(captured("ls_color.bin")), press=["shift+pageup"], terminal_size=SIZE
    )
