"""The chloe Textual app: the pane list, the selected pane's live terminal, modals.

Threading model:

* The event loop only does cheap things: it reads ptys with ``loop.add_reader``
  (one bounded read per callback), feeds the emulators and repaints.
* Everything that may block (tmux queries, libtmux calls, captures, spawning,
  store writes) runs in thread workers; results come back with
  ``call_from_thread``.
* Once a second one worker asks :meth:`PaneService.panes` for the truth about
  every pane (one batched tmux query), which also picks up panes the ``chloe``
  CLI created or removed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Static

from chloe.backends.base import PaneProcess
from chloe.config import BINDINGS as BINDING_SPECS
from chloe.config import Config
from chloe.errors import ChloeError
from chloe.model import ExitStatus, Kind, PaneRecord, Status, UserState, utcnow
from chloe.service import PaneInfo, PaneService
from chloe.terminal import Terminal
from chloe.ui.modals import ConfirmModal, HelpScreen, RenameModal
from chloe.ui.pane_list import Entry, PaneList, format_age
from chloe.ui.terminal_view import TerminalView

log = logging.getLogger(__name__)

READ_CHUNK = 16 * 1024
"""Bytes read from one pty per loop callback: bounds the time one busy pane holds the loop."""

STATUS_INTERVAL = 1.0
"""Seconds between status queries (and preview refreshes)."""

EXIT_WAIT = 2.0
"""Seconds to wait for a direct pane's exit status after its pty closed."""

ATTACH_THREADS = 4
"""tmux clients started at once when reattaching panes on start."""

QUIET_AFTER_ATTACH = 2.0
"""Seconds after a pane is attached during which its output is not 'new output' (first draw)."""

NARROW_WIDTH = 70
"""Below this many columns the list shows one line per pane."""

TINY_WIDTH = 44
"""Below this many columns the list and the terminal take turns (``l`` toggles)."""

_ACTIONS = {"quit": "request_quit", "help": "show_help"}
"""Binding id -> action name, where the id would clash with one of App's own actions."""

_FOOTER = {
    "new_direct": "direct",
    "new_tmux": "tmux",
    "focus_terminal": "type",
    "detach": "detach",
    "attach": "attach",
    "close": "close",
    "respawn": "respawn",
    "quit": "quit",
    "help": "help",
}
"""Navigation bindings shown in the footer, with their short labels (help lists them all)."""


def _nav_bindings() -> list[BindingType]:
    """Every navigation Binding, with the config ids so ``[keymap]`` remaps them."""
    return [
        Binding(
            spec.key,
            _ACTIONS.get(spec.id, spec.id),
            _FOOTER.get(spec.id, spec.description),
            id=spec.id,
            show=spec.id in _FOOTER,
            tooltip=spec.description,
        )
        for spec in BINDING_SPECS
    ]


@dataclass(slots=True)
class PaneSlot:
    """Run-time state of one listed pane (the record is the store's, the rest is chloe's).

    Attributes:
        record: What the store knows about the pane.
        info: The latest status from :meth:`PaneService.panes` (None before the first query).
        terminal: The pane's emulator, fed even while it is not shown; kept after it dies.
        process: The live pty process (direct child or embedded tmux client).
        preview: A detached pane's last captured screen.
        exit_status: How a direct pane ended during this run.
        pty_size: The size the pty was last set to.
        activity: ``new output`` or ``bell`` while the pane is not shown.
        bells: Bells already seen.
        maybe_active: Output arrived while hidden; the next tick compares screens.
        seen_screen: A hash of the screen when the pane was last shown.
        quiet_until: Until then, output is the first draw after attaching, not news.
        born: When this slot was created (monotonic), to ignore older status queries.
    """

    record: PaneRecord
    info: PaneInfo | None = None
    terminal: Terminal | None = None
    process: PaneProcess | None = None
    preview: Terminal | None = None
    exit_status: ExitStatus | None = None
    pty_size: tuple[int, int] | None = None
    activity: str | None = None
    bells: int = 0
    maybe_active: bool = False
    seen_screen: int | None = None
    quiet_until: float = 0.0
    born: float = field(default_factory=time.monotonic)

    @property
    def is_tmux(self) -> bool:
        """A tmux pane."""
        return self.record.kind is Kind.TMUX

    @property
    def label(self) -> str:
        """The status in words: ``attached``, ``detached``, ``dead (exit 3)``, ``checking…``."""
        if not self.is_tmux:
            if self.process is not None:
                return Status.ATTACHED.value
            if self.exit_status is not None:
                return f"dead ({self.exit_status.describe()})"
            if self.info is not None and self.info.status is Status.ATTACHED:
                return Status.ATTACHED.value  # running in another chloe
            status = self.exit_status or self.record.exit_status
            return f"dead ({status.describe()})" if status else Status.DEAD.value
        if self.info is None:
            return "checking…"
        return self.info.label

    @property
    def dead(self) -> bool:
        """The pane's process has ended (or its session is gone)."""
        return self.label.startswith("dead")


class ChloeApp(App[int], inherit_bindings=False):
    """The chloe TUI.

    Args:
        service: Every pane operation (store + tmux + ptys).
        clock: The current time (tests pass a fixed one for stable ages).
        cwd: Directory new panes start in (default: chloe's current directory).
    """

    CSS_PATH = "app.tcss"
    TITLE = "chloe"
    ENABLE_COMMAND_PALETTE = False
    # App's own bindings (ctrl+q quits, ctrl+c hints) would steal keys from programs.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "leave_terminal", "back to the list", id="leave_terminal", priority=True),
        *_nav_bindings(),
    ]

    terminal_mode: reactive[bool] = reactive(False)
    """A pane's terminal has focus: every key but the leave key goes to the program."""

    list_visible: reactive[bool] = reactive(True)
    """The pane list is shown (``l`` toggles it)."""

    def __init__(
        self,
        service: PaneService,
        *,
        clock: Callable[[], datetime] = utcnow,
        cwd: str | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.config: Config = service.config
        self._clock = clock
        self._cwd = cwd
        self._slots: dict[str, PaneSlot] = {}
        self._removed: dict[str, float] = {}
        self._shown: str | None = None
        self._blank = Terminal(80, 24, scrollback=0)
        self._status_busy = False
        self._status_again = False
        self._started = False
        self._quitting = False
        self._status_timer: Timer | None = None
        self._title_shown: tuple[str, str] = ("", "")
        self._list_refresh_pending = False
        self._hinted: set[str] = set()
        self._io_loop: asyncio.AbstractEventLoop | None = None

    # --- layout -----------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Sidebar, title line + terminal, footer."""
        yield PaneList(id="sidebar")
        with Vertical(id="main"):
            yield Static("", id="pane-title")
            yield Static(self._empty_text(), id="empty")
            yield TerminalView(self._blank, id="terminal")
        yield Footer()

    @property
    def pane_list(self) -> PaneList:
        """The sidebar."""
        return self.query_one("#sidebar", PaneList)

    @property
    def view(self) -> TerminalView:
        """The terminal widget showing the selected pane."""
        return self.query_one("#terminal", TerminalView)

    def _key_for(self, binding_id: str) -> str:
        """The key (as the user should type it) currently bound to ``binding_id``."""
        if binding_id == "leave_terminal":
            key = self.config.leave_key
        else:
            default = next(s.key for s in BINDING_SPECS if s.id == binding_id)
            key = self.config.keymap.get(binding_id, default)
        first = key.split(",")[0].strip()
        return {"question_mark": "?", "enter": "enter"}.get(first, first)

    def _empty_text(self) -> str:
        return (
            "No panes yet.\n\n"
            f"  {self._key_for('new_direct')}  new direct pane (ends with chloe)\n"
            f"  {self._key_for('new_tmux')}  new tmux pane (outlives chloe)\n"
            f"  {self._key_for('help')}  help"
        )

    # --- lifecycle --------------------------------------------------------

    def on_mount(self) -> None:
        """Show the stored panes at once; reconcile and reattach in a worker."""
        self._io_loop = asyncio.get_running_loop()
        self.set_keymap({**self.config.keymap, "leave_terminal": self.config.leave_key})
        try:
            records = self.service.store.load()
        except ChloeError as exc:
            self.notify(str(exc), title="Pane list", severity="error", timeout=15)
            records = []
        for record in records:
            self._slots[record.id] = PaneSlot(record)
        self._update_layout(self.size.width)
        self._refresh_list()
        self.pane_list.focus()
        self._show(self.pane_list.selected_id)
        self.call_after_refresh(self._begin)

    def _begin(self) -> None:
        self._startup(self._term_size())
        self._status_timer = self.set_interval(STATUS_INTERVAL, self._tick, name="status")

    def on_unmount(self) -> None:
        """Detach every embedded tmux client and end direct panes (sessions run on)."""
        self._release_panes()

    def _release_panes(self) -> None:
        self._quitting = True
        if self._status_timer is not None:
            self._status_timer.stop()
        for slot in self._slots.values():
            proc = slot.process
            if proc is None:
                continue
            self._stop_reading(proc)
            slot.process = None
            try:
                proc.close()
            except OSError:
                pass

    def _ui_ready(self) -> bool:
        """The widgets exist and chloe is not quitting (late worker results are dropped)."""
        return not self._quitting and bool(self.screen_stack)

    # --- sizes and layout ---------------------------------------------------

    def _term_size(self) -> tuple[int, int]:
        """The terminal area's size in cells (80x24 before it is laid out)."""
        try:
            size = self.view.content_size
        except Exception:  # not mounted yet
            return 80, 24
        if size.width < 2 or size.height < 2:
            return (self.view.terminal.columns, self.view.terminal.lines)
        return size.width, size.height

    def on_resize(self, event: Resize) -> None:
        """Switch between the wide, narrow and tiny layouts."""
        self._update_layout(event.size.width)

    def _update_layout(self, width: int) -> None:
        if not self._ui_ready():
            return
        narrow = width < NARROW_WIDTH
        tiny = width < TINY_WIDTH
        self.set_class(narrow, "-narrow")
        self.set_class(tiny, "-tiny")
        try:
            self.pane_list.one_line = narrow
        except Exception:  # before compose
            pass

    def watch_list_visible(self, visible: bool) -> None:
        """Show or hide the list (in the tiny layout the terminal takes its place)."""
        if not self._ui_ready():
            return
        self.set_class(not visible, "-no-list")

    def watch_terminal_mode(self, terminal_mode: bool) -> None:
        """Retitle and refresh the footer for the new mode."""
        if not self._ui_ready():
            return
        self.set_class(terminal_mode, "-terminal-mode")
        self._update_title()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        """Terminal mode is exactly 'the terminal widget has focus'.

        A preview cannot take keys: a click on it returns to the list and says how to attach.
        """
        if not self._ui_ready():
            return
        if isinstance(self.focused, TerminalView):
            slot = self._slots.get(self._shown) if self._shown else None
            if slot is not None and slot.process is None and not slot.dead:
                self.pane_list.focus()
                self.notify(self._not_live_hint(slot), title="Preview")
                return
        self.terminal_mode = isinstance(self.focused, TerminalView)

    def on_descendant_blur(self) -> None:
        """Leaving the terminal (to a modal, or the list) ends terminal mode."""
        if not self._ui_ready():
            return
        self.terminal_mode = isinstance(self.focused, TerminalView)

    # --- the list -----------------------------------------------------------

    def _entry(self, slot: PaneSlot, now: datetime) -> Entry:
        info = slot.info
        command = age = None
        if slot.is_tmux and info is not None and info.status is not Status.DEAD:
            command = info.current_command
            age = format_age(slot.record.created, now)
        elif slot.dead and slot.record.ended is not None:
            age = f"ended {format_age(slot.record.ended, now)} ago"
        return Entry(
            pane_id=slot.record.id,
            name=slot.record.name,
            kind=slot.record.kind,
            label=slot.label,
            command=command,
            age=age,
            activity=slot.activity,
        )

    def _refresh_list(self) -> None:
        if not self._ui_ready():
            return
        now = self._clock()
        self.pane_list.set_entries([self._entry(s, now) for s in self._slots.values()])
        self._update_title()

    def on_pane_list_pane_highlighted(self, event: PaneList.PaneHighlighted) -> None:
        """Show the newly selected pane."""
        self._show(event.pane_id)

    def _selected(self) -> PaneSlot | None:
        pane_id = self.pane_list.selected_id
        return self._slots.get(pane_id) if pane_id else None

    # --- what the terminal area shows -------------------------------------

    def _show(self, pane_id: str | None, *, preview: bool = True) -> None:
        """Show a pane: its live (or last) screen, else a preview of its tmux session.

        Cheap when nothing changed, so it runs after every status refresh.
        """
        if not self._ui_ready():
            return
        slot = self._slots.get(pane_id) if pane_id else None
        previous = self._slots.get(self._shown) if self._shown else None
        if previous is not None and previous is not slot and previous.terminal is not None:
            previous.seen_screen = hash(tuple(previous.terminal.display))
            previous.maybe_active = False
        self._shown = pane_id if slot else None
        empty = self.query_one("#empty", Static)
        view = self.view
        empty.display = slot is None
        view.display = slot is not None
        if slot is None:
            if view.has_focus:
                self.pane_list.focus()
            if view.terminal is not self._blank:
                view.set_terminal(self._blank)
            self._update_title()
            return
        if slot.activity:
            slot.activity = None
            self._refresh_list()
        live = slot.terminal is not None and (slot.process is not None or slot.dead)
        target = slot.terminal if live and slot.terminal else slot.preview or self._blank
        if view.terminal is not target:
            view.set_terminal(target)
        if live:
            self._sync_pty(slot)
        elif preview and slot.is_tmux and slot.process is None:
            self._request_preview(slot)
        self._update_title()

    def _update_title(self) -> None:
        if not self._ui_ready():
            return
        try:
            title = self.query_one("#pane-title", Static)
        except Exception:  # before compose
            return
        slot = self._slots.get(self._shown) if self._shown else None
        style = ""
        if slot is None:
            text = "chloe"
        else:
            head = f"{slot.record.name} · {slot.record.kind.value} · {slot.label}"
            if slot.process is not None and not slot.dead:
                if self.terminal_mode:
                    hint = f"{self._key_for('leave_terminal')}: back to the list"
                else:
                    hint = f"{self._key_for('focus_terminal')}: type into it"
            elif slot.dead:
                style = "-dead"
                kept = "last screen" if slot.terminal or slot.preview else "no screen kept"
                hint = f"{kept} · {self._key_for('respawn')}: respawn"
            elif slot.info is not None and slot.info.status is Status.ATTACHED:
                style = "-preview"
                hint = f"attached elsewhere — preview · {self._key_for('attach')}: attach here"
            else:
                style = "-preview"
                hint = f"preview — press {self._key_for('attach')} to attach"
            text = f"{head}  —  {hint}"
        # Called after every status refresh: touch the widget only when something changed.
        if (text, style) == self._title_shown:
            return
        self._title_shown = (text, style)
        for name in ("-preview", "-dead"):
            if title.has_class(name) != (name == style):
                title.set_class(name == style, name)
        title.update(text)

    def _sync_pty(self, slot: PaneSlot) -> None:
        """Give the pty the size of the pane's terminal (the program gets SIGWINCH)."""
        terminal, proc = slot.terminal, slot.process
        if terminal is None or proc is None:
            return
        size = (terminal.columns, terminal.lines)
        if slot.pty_size != size:
            slot.pty_size = size
            try:
                proc.resize(*size)
            except OSError:
                pass

    def on_terminal_view_resized(self, event: TerminalView.Resized) -> None:
        """The view resized the shown terminal: resize that pane's pty to match."""
        slot = self._slots.get(self._shown) if self._shown else None
        if slot is not None and slot.terminal is self.view.terminal:
            self._sync_pty(slot)

    def on_terminal_view_input(self, event: TerminalView.Input) -> None:
        """Keys, pastes and mouse reports go to the shown pane's program."""
        slot = self._slots.get(self._shown) if self._shown else None
        if slot is None or slot.process is None or slot.terminal is not self.view.terminal:
            if slot is not None and slot.record.id not in self._hinted:
                self._hinted.add(slot.record.id)
                self.notify(self._not_live_hint(slot), title="Not live")
            return
        try:
            slot.process.write(event.data)
        except OSError:
            pass

    def _not_live_hint(self, slot: PaneSlot) -> str:
        if slot.dead:
            key = self._key_for("respawn")
            return f"{slot.record.name} is {slot.label}; press {key} to respawn it"
        return f"{slot.record.name} is a preview; press {self._key_for('attach')} to attach it"

    # --- reading ptys -------------------------------------------------------

    def _adopt(self, record: PaneRecord, proc: PaneProcess, *, focus: bool) -> None:
        """Start showing and reading a newly started or attached process."""
        if self._quitting:
            proc.close()
            return
        slot = self._slots.get(record.id)
        if slot is None:
            slot = self._slots[record.id] = PaneSlot(record)
        slot.record = record
        if slot.process is not None and slot.process is not proc:
            self._stop_reading(slot.process)
            slot.process.close()
        columns, rows = self._term_size()
        slot.terminal = Terminal(columns, rows, scrollback=self.config.scrollback_lines)
        slot.process = proc
        slot.exit_status = None
        slot.pty_size = None
        slot.preview = None
        self._removed.pop(record.id, None)
        assert self._io_loop is not None
        self._io_loop.add_reader(proc.fd, self._on_readable, record.id, proc)
        if slot.is_tmux:
            slot.quiet_until = time.monotonic() + QUIET_AFTER_ATTACH
        slot.seen_screen = None
        if focus:
            self._refresh_list()
            if slot.is_tmux:
                self._tick()  # tmux's word on the new client, without waiting a second
        else:
            self._refresh_list_soon()  # start-up reattaches arrive in bursts
        if focus:
            # The user asked for this pane; a start-up reattach leaves the selection alone.
            self.pane_list.select_id(record.id)
        if self.pane_list.selected_id == record.id:
            self._show(record.id)
            if focus:
                self._enter_terminal()

    def _stop_reading(self, proc: PaneProcess) -> None:
        if self._io_loop is None:
            return
        try:
            self._io_loop.remove_reader(proc.fd)
        except (OSError, ValueError):
            pass

    def _on_readable(self, pane_id: str, proc: PaneProcess) -> None:
        """One bounded read: feed the emulator, answer its queries, repaint if shown."""
        slot = self._slots.get(pane_id)
        if slot is None or slot.process is not proc or slot.terminal is None:
            self._stop_reading(proc)
            return
        try:
            data = proc.read(READ_CHUNK)
        except OSError:
            data = None
        if data is None:
            self._on_eof(slot, proc)
            return
        if not data:
            return
        terminal = slot.terminal
        terminal.feed(data)
        replies = terminal.take_replies()
        if replies:
            try:
                proc.write(replies)
            except OSError:
                pass
        if self._shown == pane_id:
            self.view.notify_output()
            return
        if terminal.bell_count > slot.bells:
            slot.bells = terminal.bell_count
            if slot.activity != "bell":
                slot.activity = "bell"
                self._refresh_list_soon()
        elif slot.activity is None:
            # Checked on the next tick against the screen last seen: tmux redraws
            # every client now and then, which is output but nothing new.
            slot.maybe_active = True

    def _on_eof(self, slot: PaneSlot, proc: PaneProcess) -> None:
        self._stop_reading(proc)
        if slot.is_tmux:
            # The client ended: detached elsewhere, session killed or server gone.
            # As it quits, tmux's client leaves the alternate screen it drew the
            # pane on and prints "[exited]"; put the pane's last screen back so a
            # dead pane shows how its job ended.
            restored = slot.terminal is not None and slot.terminal.show_last_alternate()
            if restored and self._shown == slot.record.id:
                self.view.notify_output()
            slot.process = None
            proc.close()
            self._refresh_list()
            self._show(self._shown)
            self._tick()
            return
        self._await_exit(slot, proc, time.monotonic() + EXIT_WAIT)

    def _await_exit(self, slot: PaneSlot, proc: PaneProcess, deadline: float) -> None:
        status = proc.poll()
        if status is None and time.monotonic() < deadline:
            self.set_timer(0.05, lambda: self._await_exit(slot, proc, deadline))
            return
        proc.close()
        if status is None:
            status = proc.poll()
        if slot.process is proc:
            slot.process = None
            slot.exit_status = status
            self._refresh_list()
            if self._shown == slot.record.id:
                self._show(slot.record.id)
            if status is not None:
                pane_id = slot.record.id
                self._blocking(
                    "Record exit",
                    lambda: self.service.record_exit(pane_id, status),
                    self._record_updated,
                )

    def _record_updated(self, record: object) -> None:
        if isinstance(record, PaneRecord) and record.id in self._slots:
            self._slots[record.id].record = record
            self._refresh_list()

    # --- status -------------------------------------------------------------

    def _tick(self) -> None:
        """Once a second: ask for every pane's status; refresh the preview; mark activity."""
        if self._quitting or not self._started:
            return
        self._check_activity()
        if self._status_busy:
            self._status_again = True  # something changed: ask again once this one is in
            return
        self._status_busy = True
        live = {
            pid: s.process
            for pid, s in self._slots.items()
            if not s.is_tmux and s.process is not None
        }
        self._query_status(live)

    def _check_activity(self) -> None:
        """Mark hidden panes whose screen changed since it was last seen."""
        now = time.monotonic()
        changed = False
        for pane_id, slot in self._slots.items():
            if not slot.maybe_active or pane_id == self._shown or slot.terminal is None:
                continue
            slot.maybe_active = False
            screen = hash(tuple(slot.terminal.display))
            if slot.seen_screen is None or now < slot.quiet_until:
                slot.seen_screen = screen  # its first draw after attaching
            elif screen != slot.seen_screen:
                slot.activity = "new output"
                changed = True
        if changed:
            self._refresh_list()

    def _refresh_list_soon(self) -> None:
        """Refresh the list once, after the current burst of events."""
        if not self._list_refresh_pending:
            self._list_refresh_pending = True
            self.call_later(self._refresh_list_deferred)

    def _refresh_list_deferred(self) -> None:
        self._list_refresh_pending = False
        self._refresh_list()

    @work(thread=True, exclusive=True, group="status")
    def _query_status(self, live: dict[str, PaneProcess]) -> None:
        started = time.monotonic()
        try:
            infos = self.service.panes(live_direct=live)
        except Exception as exc:
            self.call_from_thread(self._status_failed, exc)
            return
        self.call_from_thread(self._apply_infos, infos, started)

    def _status_failed(self, exc: Exception) -> None:
        self._status_busy = False
        self._status_again = False
        if not getattr(self, "_status_error_shown", False):
            self._status_error_shown = True
            self.notify(f"Could not read pane status: {exc}", severity="error")

    def _apply_infos(self, infos: list[PaneInfo], started: float) -> None:
        """Make the list match the service's truth (one query's worth)."""
        self._status_busy = False
        if self._quitting:
            return
        seen: dict[str, PaneSlot] = {}
        for info in infos:
            pane_id = info.record.id
            if self._removed.get(pane_id, 0.0) > started:
                continue  # removed here after the query started
            slot = self._slots.get(pane_id) or PaneSlot(info.record)
            slot.info = info
            slot.record = info.record
            seen[pane_id] = slot
        # Keep panes created here after the query started; drop the rest it did not list.
        for pane_id, slot in self._slots.items():
            if pane_id in seen:
                continue
            if slot.born > started:
                seen[pane_id] = slot
                continue
            if slot.process is not None:
                self._stop_reading(slot.process)
                slot.process.close()
                slot.process = None
        self._slots = seen
        self._refresh_list()
        self._show(self.pane_list.selected_id)
        if self._status_again:
            self._status_again = False
            self._tick()

    @work(thread=True, exclusive=True, group="startup")
    def _startup(self, size: tuple[int, int]) -> None:
        """Reconcile with tmux in one query, then reattach what the user left attached."""
        started = time.monotonic()
        try:
            problem = self.service.tmux_problem
            if problem:
                self.call_from_thread(
                    self.notify, problem, title="tmux", severity="warning", timeout=15
                )
            infos = self.service.panes(live_direct={})
        except Exception as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", timeout=15)
            self.call_from_thread(self._set_started)
            return
        self._status_busy = True
        self.call_from_thread(self._apply_infos, infos, started)
        self.call_from_thread(self._set_started)
        columns, rows = size
        wanted = [
            info.record
            for info in infos
            if info.record.kind is Kind.TMUX
            and info.status is not Status.DEAD
            and info.record.user_state is UserState.ATTACHED
        ]

        def attach(record: PaneRecord) -> None:
            try:
                proc = self.service.attach(record, columns, rows)
            except Exception as exc:
                self.call_from_thread(
                    self.notify, f"Could not reattach {record.name}: {exc}", severity="error"
                )
                return
            self.call_from_thread(self._adopt, record, proc, focus=False)

        # Each attach is a few tmux round trips; a few at a time keeps 100 panes quick.
        with ThreadPoolExecutor(max_workers=ATTACH_THREADS) as pool:
            list(pool.map(attach, wanted))
        if wanted:
            self.call_from_thread(self._tick)

    def _set_started(self) -> None:
        self._started = True

    # --- previews -----------------------------------------------------------

    def _request_preview(self, slot: PaneSlot) -> None:
        if slot.info is None or (slot.info.status is Status.DEAD and slot.preview is not None):
            return
        columns, rows = self._term_size()
        self._capture_preview(slot.record, columns, rows)

    @work(thread=True, exclusive=True, group="preview")
    def _capture_preview(self, record: PaneRecord, columns: int, rows: int) -> None:
        try:
            text = self.service.capture(record, lines=0, escapes=True)
        except Exception:
            return  # the session went away; the status refresh will say so
        self.call_from_thread(self._apply_preview, record.id, text, columns, rows)

    def _apply_preview(self, pane_id: str, text: str, columns: int, rows: int) -> None:
        if not self._ui_ready():
            return
        slot = self._slots.get(pane_id)
        if slot is None or slot.process is not None:
            return
        terminal = Terminal(columns, rows, scrollback=0)
        body = text.rstrip("\n").replace("\r\n", "\n").replace("\n", "\r\n")
        terminal.feed(b"\x1b[H\x1b[2J" + body.encode("utf-8", "replace"))
        slot.preview = terminal
        if self._shown == pane_id:
            self.view.set_terminal(terminal)
            self._update_title()

    # --- running blocking work ----------------------------------------------

    def _blocking(
        self,
        what: str,
        job: Callable[[], Any],
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``job`` in a thread; ``then(result)`` on the loop; errors as notifications."""
        self._run_blocking(what, job, then)

    @work(thread=True, group="actions")
    def _run_blocking(
        self, what: str, job: Callable[[], Any], then: Callable[[Any], None] | None
    ) -> None:
        try:
            result = job()
        except ChloeError as exc:
            self.call_from_thread(self.notify, str(exc), title=what, severity="error")
            return
        except Exception as exc:
            log.exception("%s failed", what)
            self.call_from_thread(
                self.notify,
                f"{type(exc).__name__}: {exc}",
                title=f"{what} failed",
                severity="error",
            )
            return
        if then is not None:
            self.call_from_thread(then, result)

    def _new_pane_cwd(self) -> str:
        if self._cwd is not None:
            return self._cwd
        try:
            return os.getcwd()
        except FileNotFoundError:
            self.notify("chloe's directory no longer exists; new panes start in your home")
            return str(Path.home())

    # --- actions: modes -----------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Terminal mode offers only the leave key; navigation mode everything else."""
        if action == "leave_terminal":
            return self.terminal_mode
        return not (self.terminal_mode and action in _NAV_ACTIONS)

    def action_leave_terminal(self) -> None:
        """Back to the pane list (navigation mode)."""
        if self.has_class("-tiny"):
            self.list_visible = True
        self.pane_list.focus()

    def _enter_terminal(self) -> None:
        if self.has_class("-tiny"):
            self.list_visible = False
        self.view.focus()

    def action_focus_terminal(self) -> None:
        """Type into the selected pane (a detached tmux pane is reattached first)."""
        slot = self._selected()
        if slot is None:
            return
        if slot.process is not None:
            self._enter_terminal()
        elif slot.is_tmux and not slot.dead:
            self.action_attach()
        elif slot.terminal is not None:
            self._enter_terminal()
        else:
            self.notify(self._not_live_hint(slot))

    def action_cursor_down(self) -> None:
        """Select the next pane."""
        self.pane_list.action_cursor_down()

    def action_cursor_up(self) -> None:
        """Select the previous pane."""
        self.pane_list.action_cursor_up()

    def action_toggle_list(self) -> None:
        """Show or hide the pane list."""
        self.list_visible = not self.list_visible

    def action_show_help(self) -> None:
        """The help overlay."""
        keys = [
            (self._key_for(spec.id).replace("question_mark", "?"), spec.description)
            for spec in BINDING_SPECS
        ]
        self.push_screen(HelpScreen(keys, self._key_for("leave_terminal")))

    # --- actions: panes -----------------------------------------------------

    def action_new_direct(self) -> None:
        """A new direct pane in the current directory, focused."""
        columns, rows = self._term_size()
        cwd = self._new_pane_cwd()
        service = self.service

        def job() -> tuple[PaneRecord, PaneProcess]:
            record = service.create_direct(cwd=cwd)
            return record, service.spawn_direct(record, columns, rows)

        self._blocking("New direct pane", job, lambda r: self._adopt(*r, focus=True))

    def action_new_tmux(self) -> None:
        """A new tmux pane in the current directory, attached and focused."""
        columns, rows = self._term_size()
        cwd = self._new_pane_cwd()
        service = self.service

        def job() -> tuple[PaneRecord, PaneProcess]:
            record = service.create_tmux(cwd=cwd, columns=columns, rows=rows)
            return record, service.attach(record, columns, rows)

        self._blocking("New tmux pane", job, lambda r: self._adopt(*r, focus=True))

    def action_detach(self) -> None:
        """Detach the selected tmux pane; it keeps running."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            self.notify(
                "Direct panes cannot be detached: they live on chloe's own pty and end "
                f"with chloe. Use a tmux pane ({self._key_for('new_tmux')}) for work that "
                "must outlive chloe.",
                title="Not a tmux pane",
            )
            return
        if slot.dead:
            self.notify(f"{slot.record.name} is {slot.label}; nothing to detach")
            return
        if slot.process is None and slot.record.user_state is UserState.DETACHED:
            self.notify(f"{slot.record.name} is already detached")
            return
        proc = slot.process
        if proc is not None:
            self._stop_reading(proc)
            slot.process = None
            slot.preview = slot.terminal
        record = slot.record
        service = self.service
        self._refresh_list()
        self._show(self._shown)
        self._blocking("Detach", lambda: service.detach(record, proc), self._after_state_change)

    def _after_state_change(self, record: object) -> None:
        self._record_updated(record)
        self._tick()

    def action_attach(self) -> None:
        """Reattach the selected detached tmux pane and focus it."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            if slot.dead:
                self.notify(self._not_live_hint(slot))
            else:
                self._enter_terminal()
            return
        if slot.process is not None:
            self._enter_terminal()
            return
        if slot.dead:
            self.notify(self._not_live_hint(slot))
            return
        columns, rows = self._term_size()
        record = slot.record
        service = self.service
        self._blocking(
            "Attach",
            lambda: (record, service.attach(record, columns, rows)),
            lambda r: self._adopt(*r, focus=True),
        )

    def action_close(self) -> None:
        """Close the pane: end a direct pane (after asking); release a tmux session."""
        slot = self._selected()
        if slot is None:
            return
        name = slot.record.name
        if not slot.is_tmux and slot.process is not None:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._close(slot)

            self.push_screen(
                ConfirmModal(f"End {name!r}? Its program is stopped.", yes="End it"),
                answered,
            )
            return
        self._close(slot)

    def _close(self, slot: PaneSlot) -> None:
        pane_id = slot.record.id
        proc = slot.process
        if proc is not None:
            self._stop_reading(proc)
            slot.process = None
        self._removed[pane_id] = time.monotonic()
        self._slots.pop(pane_id, None)
        self._refresh_list()
        if self.view.has_focus:
            self.pane_list.focus()
        self._show(self.pane_list.selected_id)
        service = self.service

        def job() -> str:
            if proc is not None:
                proc.close()
            return service.remove(pane_id)

        def done(hint: object) -> None:
            if hint:
                self.notify(str(hint), title="Closed", timeout=10)

        self._blocking("Close", job, done)

    def action_kill(self) -> None:
        """Kill the selected tmux session (after asking)."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            self.notify(
                f"{self._key_for('kill')} kills tmux sessions; "
                f"{self._key_for('close')} closes a direct pane",
                title="Not a tmux pane",
            )
            return
        if slot.info is not None and slot.info.status is Status.DEAD and slot.process is None:
            self.notify(f"{slot.record.name} is already {slot.label}")
            return
        pane_id = slot.record.id
        service = self.service

        def answered(yes: bool | None) -> None:
            if yes:
                self._blocking("Kill", lambda: service.kill(pane_id), self._after_state_change)

        self.push_screen(
            ConfirmModal(
                f"Kill the tmux session of {slot.record.name!r}? Every program in it ends.",
                yes="Kill",
            ),
            answered,
        )

    def action_rename(self) -> None:
        """Rename the selected pane (a small modal explains bad names)."""
        slot = self._selected()
        if slot is None:
            return
        pane_id = slot.record.id
        taken = [s.record.name for s in self._slots.values()]
        service = self.service

        def answered(name: str | None) -> None:
            if name:
                self._blocking(
                    "Rename", lambda: service.rename(pane_id, name), self._record_updated
                )

        self.push_screen(RenameModal(slot.record.name, taken), answered)

    def action_respawn(self) -> None:
        """Start a dead pane again with its command and directory."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.dead:
            self.notify(f"{slot.record.name} is {slot.label}; only dead panes can be respawned")
            return
        columns, rows = self._term_size()
        record = slot.record
        client = slot.process
        service = self.service

        def job() -> tuple[PaneRecord, PaneProcess | None]:
            new = service.respawn(record, columns, rows)
            if new.kind is Kind.DIRECT:
                return new, service.spawn_direct(new, columns, rows)
            if client is not None:
                return new, None  # our client stays attached and shows the new process
            return new, service.attach(new, columns, rows)

        def done(result: tuple[PaneRecord, PaneProcess | None]) -> None:
            new, proc = result
            if proc is not None:
                self._adopt(new, proc, focus=True)
            else:
                self._after_state_change(new)

        self._blocking("Respawn", job, done)

    def action_fullscreen(self) -> None:
        """Attach the selected tmux pane full-screen; back to chloe when you detach."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux or slot.dead:
            self.notify("Full-screen attach is for live tmux panes")
            return
        try:
            argv = self.service.attach_argv(slot.record)
        except ChloeError as exc:
            self.notify(str(exc), severity="error")
            return
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        try:
            with self.suspend():
                subprocess.run(argv, env=env, check=False)
        except SuspendNotSupported:
            self.notify("This terminal cannot suspend chloe; run: " + " ".join(argv))
        except OSError as exc:
            self.notify(f"Could not run tmux: {exc}", severity="error")
        self._tick()

    def action_request_quit(self) -> None:
        """Quit; tmux panes keep running (ask first if direct panes would end)."""
        running = [s.record.name for s in self._slots.values() if not s.is_tmux and s.process]
        if not running:
            self._quit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._quit()

        names = ", ".join(running[:3]) + (" …" if len(running) > 3 else "")
        self.push_screen(
            ConfirmModal(
                f"Quit? {len(running)} direct pane(s) will end ({names}). tmux panes keep running.",
                yes="Quit",
            ),
            answered,
        )

    def _quit(self) -> None:
        self._release_panes()
        self.exit(0)


_NAV_ACTIONS = frozenset(_ACTIONS.get(spec.id, spec.id) for spec in BINDING_SPECS)


def run() -> int:
    """Run the TUI; print one clear line and return 1 on a setup error."""
    from chloe.config import load_config
    from chloe.paths import store_path
    from chloe.store import Store

    try:
        config = load_config()
        service = PaneService(Store(store_path()), config)
    except ChloeError as exc:
        print(f"chloe: {exc}", file=sys.stderr)
        return 1
    app = ChloeApp(service)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
