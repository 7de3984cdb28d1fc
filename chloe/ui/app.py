"""The chloe Textual app: the pane list, the selected pane's live terminal, modals.

The App keeps the layout, the focus and modes, what the terminal area shows,
and the actions. The rest lives beside it, each tested without the App:

* :mod:`chloe.ui.panes`: the pane table and its reconcile rules (no Textual);
* :mod:`chloe.ui.pump`: reading ptys into emulators on the event loop;
* :mod:`chloe.ui.poller`: when to ask for every pane's status;
* :mod:`chloe.ui.messages`: what background threads report back.

Threading model: the event loop only does cheap things (reads ptys with
``loop.add_reader``, one bounded read per callback; feeds emulators; repaints).
Everything that may block (store, tmux, spawning) runs in a daemon thread,
which never touches the App: it posts a typed message, handled on the loop.
Daemon threads, so a hung file or tmux never keeps chloe from quitting.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.events import Event, Key, Resize
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from chloe import events, history, paths
from chloe.attention import Attention, AttentionInfo, Mark, MarkKind, next_to_visit, summary
from chloe.backends import placement
from chloe.backends.base import PaneProcess
from chloe.config import BINDINGS as BINDING_SPECS
from chloe.config import Config
from chloe.errors import ChloeError
from chloe.model import LOCAL_HOST, ExitStatus, Kind, PaneRecord, Status, UserState, utcnow
from chloe.notify_out import Notifier
from chloe.service import LOG_PROBLEM, PaneInfo, PaneService
from chloe.terminal import Terminal
from chloe.ui import messages as msg
from chloe.ui.attention import slot_attention
from chloe.ui.footer import ChloeFooter
from chloe.ui.history_browse import HistoryBrowser, prompt_search
from chloe.ui.keyhold import KeyHold
from chloe.ui.list_filter import FilterBar
from chloe.ui.modals import ConfirmModal, HelpScreen, RenameModal
from chloe.ui.pane_list import Entry, Group, PaneList, format_age
from chloe.ui.pane_search import Hit, PaneSearchScreen
from chloe.ui.panes import PaneSlot, PaneTable
from chloe.ui.poller import STATUS_INTERVAL, StatusPoller
from chloe.ui.pump import PtyPump
from chloe.ui.rawinput import RawKeyboard
from chloe.ui.terminal_view import TerminalView

log = logging.getLogger(__name__)

ATTACH_THREADS = 4
"""tmux clients started at once when reattaching panes on start."""

QUIET_AFTER_ATTACH = 2.0
"""Seconds after a pane is attached during which its output is not 'new output' (first draw)."""

REDRAW_GRACE = 3.0
"""Seconds after chloe attaches or resizes a tmux pane's client during which the pane's
output is its program redrawing (SIGWINCH), not news (tmux counts activity in whole seconds)."""

NARROW_WIDTH = 70
"""Below this many columns the list shows one line per pane."""

TINY_WIDTH = 44
"""Below this many columns the list and the terminal take turns (``l`` toggles)."""

GC_YOUNG_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700).

A flood in a direct pane allocates steadily (style runs, scrollback lines,
frames); at 700 the collector ran about 15 times a second of flood, about
2 ms of CPU each, whatever the threshold: fewer, larger collections cost the
same per run and far less in all."""

EVENTS_INTERVAL = 0.25
"""Seconds between two looks at the event file: an event shows within this (plus a frame)."""

_IDLE = AttentionInfo(Attention.IDLE)
_CLEARED_BY_LOOKING = (Attention.NEEDS_YOU, Attention.NEW_OUTPUT)
"""States that end when the user looks at the pane."""

STORE_PATIENCE = 5.0
"""Seconds at start before chloe says the pane list file has not answered yet."""

NAV_ACTIONS = frozenset(spec.id for spec in BINDING_SPECS)
"""Navigation actions (each binding's id is its action): off while in terminal mode."""


def _nav_bindings() -> list[BindingType]:
    """Every navigation Binding, from the one table in :data:`chloe.config.BINDINGS`."""
    return [
        Binding(
            spec.key,
            spec.id,
            spec.footer or spec.description,
            id=spec.id,
            show=spec.footer is not None,
            tooltip=spec.description,
        )
        for spec in BINDING_SPECS
    ]


def _next_minute(now: datetime) -> datetime:
    """``now`` rounded up to a whole minute (itself if it is one)."""
    floor = now.replace(second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(minutes=1)


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
        Binding("ctrl+c,ctrl+z", "quit_hint", "how to quit", show=False),
        Binding("escape", "clear_filter", "clear the filter", show=False, id="clear_filter"),
        Binding("n", "search_step(1)", "next match", show=False, id="search_next"),
        Binding("N", "search_step(-1)", "previous match", show=False, id="search_previous"),
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
        self.panes = PaneTable()
        self.history_browser = HistoryBrowser(self)
        """Every listed pane (read-only for anything but the App)."""
        self._clock = clock
        self._cwd = cwd
        self._shown: str | None = None
        self._blank = Terminal(80, 24, scrollback=0)
        self._poller = StatusPoller()
        self._pump: PtyPump | None = None
        self._quitting = False
        self._status_timer: Timer | None = None
        self._title_shown: tuple[str, str] = ("", "")
        self._footer_shown: tuple[bool, ...] = ()
        self._elsewhere_pids: dict[str, int | None] = {}
        self._list_refresh_pending = False
        self._hinted: set[str] = set()
        self._preview_busy = False
        self._preview_wanted: str | None = None
        self._restoring = False
        self._restore_error_told = False
        self._events = events.Reader(service.event_path)
        self._attention: dict[str, AttentionInfo] = {}
        self._answered: list[PaneInfo] | None = None
        """The last status answer, to tell an answer that changed nothing."""
        self._list_due: datetime | None = None
        """When time alone may next change the list's words or states (see refresh_list)."""
        self._list_stale = True
        """Something the list shows changed since it was last computed (output, a look)."""
        self._notified_states: dict[str, Attention] = {}
        self.notifier = Notifier(self.config.notifications, self._write_terminal)
        """Sends bells, desktop notifications and ``notify_command`` (``[notifications]``)."""
        self._told_problems: set[str] = set()
        self._logs_stopped: set[str] = set()
        """Panes whose tmux log writer stopped, as last told."""
        self._list_hidden_for_tiny = False
        self._key_hold = KeyHold()
        """Keys read while Enter or Esc travels through a text field (see on_event)."""
        self._hold_timer: Timer | None = None
        self._loaded = False
        self.keyboard = RawKeyboard(self)
        """Forwards the terminal's bytes to the shown pane in terminal mode."""

    @property
    def raw_input(self) -> Any:
        """The router :class:`~chloe.ui.raw_driver.RawInputDriver` feeds every read to."""
        return self.keyboard.router

    def get_driver_class(self) -> Any:
        """Textual's driver, with chloe's input router in front of its parser on Linux/macOS."""
        driver = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver is LinuxDriver:
            from chloe.ui.raw_driver import RawInputDriver

            return RawInputDriver
        return driver

    # --- layout -----------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Sidebar, title line + terminal, footer."""
        yield PaneList(id="sidebar")
        with Vertical(id="main"):
            yield Static("", id="pane-title")
            yield Static(self._empty_text(), id="empty")
            yield TerminalView(self._blank, id="terminal")
        with Vertical(id="bottom"):
            yield FilterBar(id="filter")
            yield Static("", id="attention")
            yield ChloeFooter()

    @property
    def pane_list(self) -> PaneList:
        """The sidebar."""
        return self.query_one("#sidebar", PaneList)

    @property
    def view(self) -> TerminalView:
        """The terminal widget showing the selected pane."""
        return self.query_one("#terminal", TerminalView)

    @property
    def shown(self) -> PaneSlot | None:
        """The pane the terminal area shows."""
        return self.panes.get(self._shown)

    def key_spec(self, binding_id: str) -> str:
        """The key(s) bound to ``binding_id``, comma-separated, as in the config."""
        if binding_id == "leave_terminal":
            return self.config.leave_key
        default = next(s.key for s in BINDING_SPECS if s.id == binding_id)
        return self.config.keymap.get(binding_id, default)

    def key_for(self, binding_id: str) -> str:
        """The key (as the user should type it) currently bound to ``binding_id``."""
        first = self.key_spec(binding_id).split(",")[0].strip()
        return {"question_mark": "?", "slash": "/", "enter": "enter"}.get(first, first)

    def _empty_text(self) -> str:
        if not self._loaded:
            return "Reading the pane list…"
        if self.pane_list.filter_text and self.pane_list.total:
            return (
                f"No pane matches the filter {self.pane_list.filter_text!r}.\n\n"
                f"  {self.key_for('filter_list')}  change it\n"
                "  esc  clear it"
            )
        return (
            "No panes yet.\n\n"
            f"  {self.key_for('new_direct')}  new direct pane (ends with chloe)\n"
            f"  {self.key_for('new_tmux')}  new tmux pane (outlives chloe)\n"
            f"  {self.key_for('help')}  help"
        )

    # --- lifecycle --------------------------------------------------------

    def on_mount(self) -> None:
        """Draw at once; read the stored panes, reconcile and reattach in the background.

        Nothing that can block runs here: a pane file that never answers (a FIFO,
        a stuck filesystem, a lock another chloe holds) leaves chloe drawn and
        quittable, saying what it waits for.
        """
        loop = asyncio.get_running_loop()
        self.view.history_request = self.history_browser.request
        self.view.search_request = lambda backwards: prompt_search(self, backwards)
        self.view.reports_focus = False  # the keyboard reports focus (RawKeyboard.update_focus)
        self.view.copy_request = self.copy_to_clipboard  # OSC 52 to the user's terminal
        self._pump = PtyPump(
            loop,
            self.panes,
            on_output=self._pane_output,
            on_client_gone=self._client_gone,
            on_exit=self._direct_exited,
            on_log_stopped=self._log_stopped,
        )
        self.keyboard.start(loop)
        self.set_keymap({**self.config.keymap, "leave_terminal": self.config.leave_key})
        self._update_layout(self.size.width)
        self.refresh_list()
        self.pane_list.focus()
        self._show(None)
        self.call_after_refresh(self._begin)

    def _begin(self) -> None:
        size = self._term_size()
        self._poller.started()
        self._background("Start", lambda: self._startup_job(size))
        self._status_timer = self.set_interval(STATUS_INTERVAL, self._tick, name="status")
        self.set_interval(EVENTS_INTERVAL, self._poll_events, name="events")
        self.set_timer(STORE_PATIENCE, self._store_slow)

    def _poll_events(self) -> None:
        """Read new lines of the event file (one ``stat`` when there are none)."""
        if self._quitting:
            return
        try:
            new = self._events.poll()
        except OSError:
            return
        if new:
            self.refresh_list()

    def _store_slow(self) -> None:
        if self._loaded or not self._ui_ready():
            return
        self.notify(
            f"The pane list ({self.service.store.path}) has not answered in "
            f"{STORE_PATIENCE:.0f} s; chloe keeps waiting. {self.key_for('quit')} quits.",
            title="Pane list",
            severity="warning",
            timeout=30,
        )

    @on(msg.StoreLoaded)
    def _store_loaded(self, event: msg.StoreLoaded) -> None:
        self._loaded = True
        if event.error:
            self.notify(event.error, title="Pane list", severity="error", timeout=15)
        if not self._ui_ready():
            return
        self.query_one("#empty", Static).update(self._empty_text())
        self.panes.load(event.records)
        self.refresh_list()
        self._show(self.pane_list.selected_id)

    def on_unmount(self) -> None:
        """Detach every embedded tmux client and end direct panes (sessions run on)."""
        self._release_panes()

    def _release_panes(self) -> None:
        shown = self.shown
        if shown is not None and not self._quitting:
            with contextlib.suppress(OSError):
                self.service.mark_seen(shown.pane_id)
        self._quitting = True
        self._poller.disable()
        if self._status_timer is not None:
            self._status_timer.stop()
        for slot, _proc in self.panes.processes():
            proc = self._release(slot)
            if proc is not None:
                try:
                    proc.close()
                except OSError:
                    pass

    def _release(self, slot: PaneSlot) -> PaneProcess | None:
        """Stop reading the slot's process and take it out of the slot."""
        if self._pump is not None:
            return self._pump.release(slot)
        proc, slot.process = slot.process, None
        return proc

    def _ui_ready(self) -> bool:
        """The widgets exist and chloe is not quitting (late results are dropped)."""
        if self._quitting or not self.screen_stack:
            return False
        try:
            return self.pane_list.is_mounted
        except NoMatches:
            return False  # the app is being torn down around a late message

    # --- sizes and layout ---------------------------------------------------

    def _term_size(self) -> tuple[int, int]:
        """The terminal area's size in cells (80x24 before it is laid out)."""
        try:
            size = self.view.content_size
            if size.width < 2 or size.height < 2:
                # Hidden while nothing is shown: the placeholder has its place.
                size = self.query_one("#empty", Static).outer_size
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
        was_tiny = self.has_class("-tiny")
        self.set_class(narrow, "-narrow")
        self.set_class(tiny, "-tiny")
        if tiny and not was_tiny and self.terminal_mode:
            # The list and the terminal take turns: the one in use stays, so the
            # keys being typed keep going to the program.
            self._list_hidden_for_tiny = True
            self.list_visible = False
        elif was_tiny and not tiny and self._list_hidden_for_tiny:
            self._list_hidden_for_tiny = False
            self.list_visible = True
        try:
            self.pane_list.one_line = narrow
        except Exception:  # before compose
            pass
        self._update_footer()

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
        self.keyboard.sync()
        self._update_title()
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        """Terminal mode is exactly 'the terminal widget has focus'.

        A preview cannot take keys: a click on it returns to the list and says how to attach.
        """
        if not self._ui_ready():
            return
        if isinstance(self.focused, TerminalView):
            slot = self.shown
            if slot is not None and slot.process is None and not slot.dead:
                self.pane_list.focus()
                self.notify(self._not_live_hint(slot), title="Preview")
                return
        self.terminal_mode = isinstance(self.focused, TerminalView)
        self.keyboard.sync()

    def resume_terminal(self) -> None:
        """Back from a prompt opened in terminal mode: the terminal has the keyboard again.

        The view stayed the main screen's focused widget under the prompt, so
        Textual sends it no focus event when the prompt closes: terminal mode is
        set here, or the UI would say "navigation" while keys reach the program.
        """
        self.view.focus()
        self.terminal_mode = isinstance(self.focused, TerminalView)
        self.keyboard.sync()

    def on_descendant_blur(self) -> None:
        """Leaving the terminal (to a modal, or the list) ends terminal mode."""
        if not self._ui_ready():
            return
        self.terminal_mode = isinstance(self.focused, TerminalView)
        self.keyboard.sync()

    def navigation_ready(self) -> bool:
        """The pane list has the keyboard on the main screen (no modal, no terminal)."""
        return len(self.screen_stack) == 1 and isinstance(self.focused, PaneList)

    def shown_slot(self) -> PaneSlot | None:
        """The pane the terminal area shows."""
        return self.shown

    def hint_not_live(self, slot: PaneSlot) -> None:
        """Say (once per pane) that keys cannot go to a dead pane or a preview."""
        if slot.pane_id not in self._hinted:
            self._hinted.add(slot.pane_id)
            self.notify(self._not_live_hint(slot), title="Not live")

    # --- the list -----------------------------------------------------------

    def _slot_attention(self, slot: PaneSlot, now: datetime) -> AttentionInfo:
        return slot_attention(
            slot,
            self._events.panes,
            now,
            shown=slot.pane_id == self._shown,
            working_seconds=self.config.working_seconds,
            quiet_seconds=self.config.quiet_seconds,
        )

    def entry_for(self, slot: PaneSlot, now: datetime) -> Entry:
        """The list entry for ``slot`` at ``now`` (its attention state noted on the way)."""
        attention = self._slot_attention(slot, now)
        self._attention[slot.pane_id] = attention
        info = slot.info
        command = age = None
        # Ages in minutes are all told as of the last whole minute (quiet times as of
        # the next: quiet is a minute at least), so an idle list of a hundred panes
        # changes (and is drawn again) once a minute, not whenever one of their ages
        # happens to pass a minute.
        minute = now.replace(second=0, microsecond=0)
        if slot.is_tmux and info is not None and info.status is Status.LOST:
            seen = info.last_seen or slot.record.lost
            age = f"last seen {format_age(seen, minute)} ago" if seen else None
        elif slot.is_tmux and info is not None and info.status is Status.UNREACHABLE:
            seen = info.last_seen
            age = f"host last answered {format_age(seen, minute)} ago" if seen else None
        elif slot.is_tmux and info is not None and info.status is not Status.DEAD:
            command = info.current_command
            age = format_age(slot.record.created, minute)
        elif slot.dead and slot.record.ended is not None:
            age = f"ended {format_age(slot.record.ended, minute)} ago"
        quiet = attention.state is Attention.QUIET  # quiet is told in minutes
        return Entry(
            pane_id=slot.pane_id,
            name=slot.record.name,
            kind=slot.record.kind,
            status=slot.status,
            label=slot.label,
            command=command,
            age=age,
            activity=slot.activity,
            attention=attention.state,
            attention_text=attention.short(_next_minute(now) if quiet else now),
            host=slot.record.host if slot.record.remote else None,
        )

    def refresh_list(self) -> None:
        """Recompute every entry now and redraw the list, the summary and the title."""
        if not self._ui_ready():
            return
        now = self._clock()
        self._attention = {}
        entries = [self.entry_for(s, now) for s in self.panes]
        grouped = self.service.config.hosts or any(s.record.remote for s in self.panes)
        self.pane_list.set_entries(entries, groups=self._host_groups(now) if grouped else None)
        if self.pane_list.filter_text:
            self._filter_count()
        self._list_stale = False
        self._list_due = self._next_change(now)
        self._notify_changes()
        self._update_summary()
        self._update_title()

    def _next_change(self, now: datetime) -> datetime:
        """When time alone may next change an entry: the next whole minute (ages), a
        pane's output becoming old enough to end *working* or start *quiet*, or in a
        second for a state told in seconds (needs you)."""
        due = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        working = timedelta(seconds=self.config.working_seconds)
        quiet = timedelta(seconds=self.config.quiet_seconds)
        for slot in self.panes:
            state = self._attention.get(slot.pane_id, _IDLE).state
            if state is Attention.NEEDS_YOU:
                return now + timedelta(seconds=1)
            output = slot.last_output()
            if output is None:
                continue
            for edge in (output + working, output + quiet):
                if now < edge < due:
                    due = edge
        return due

    def _refresh_list_if_changed(self) -> None:
        """After a status answer: the list again, unless nothing it shows can have changed."""
        due = self._list_due
        if self._list_stale or due is None or self._clock() >= due:
            self.refresh_list()

    def _notify_changes(self) -> None:
        """Notify the user of panes that just started to need them, failed or finished.

        A pane's first known state (at start, or when it appears) is not news;
        the pane being looked at needs no notification.
        """
        known: dict[str, Attention] = {}
        for slot in self.panes:
            if slot.status is Status.CHECKING:
                continue
            info = self._attention.get(slot.pane_id, _IDLE)
            known[slot.pane_id] = info.state
            before = self._notified_states.get(slot.pane_id)
            if before is None or before is info.state or slot.pane_id == self._shown:
                continue
            self.notifier.notify(
                slot.pane_id,
                slot.record.name,
                info.state,
                exit_status=info.exit_status,
                message=info.message,
            )
        self._notified_states = known

    def _write_terminal(self, data: bytes) -> None:
        """Write to chloe's own terminal (a bell, a desktop notification)."""
        driver = self._driver
        if driver is not None:
            driver.write(data.decode("utf-8", "replace"))
            driver.flush()

    def _update_summary(self) -> None:
        """The always-visible line: ``2 need you · 1 failed · 3 working``."""
        try:
            line = self.query_one("#attention", Static)
        except Exception:  # before compose
            return
        states = [a.state for a in self._attention.values()]
        text = summary(states)
        if any(s in (Attention.NEEDS_YOU, Attention.FAILED, Attention.DONE) for s in states):
            text += f"   {self.key_for('next_attention')}: go to the next"
        if str(line.render()) != text:
            line.update(text)
        line.set_class(Attention.NEEDS_YOU in states, "-needs-you")

    def _host_groups(self, now: datetime) -> list[Group]:
        """A header per host: this machine, then each configured host (and any other
        host a pane names), with whether it answered the last status query."""
        service = self.service
        names = service.host_names
        names += [s.record.host for s in self.panes if s.record.host not in names]
        groups: list[Group] = []
        for name in dict.fromkeys(names):
            if name == LOCAL_HOST:
                down = service.tmux_unreachable is not None
                groups.append(Group(name, "tmux does not answer" if down else "here", down))
                continue
            snap = service.host_snapshots.get(name)
            if snap is None:
                groups.append(Group(name, "checking…"))
            elif snap.reachable:
                groups.append(Group(name, "reachable"))
            else:
                seen = f" ({format_age(snap.last_seen, now)})" if snap.last_seen else ""
                groups.append(Group(name, f"unreachable{seen}", down=True))
        return groups

    def _refresh_list_soon(self) -> None:
        """Refresh the list once, after the current burst of events."""
        if not self._list_refresh_pending:
            self._list_refresh_pending = True
            self.call_later(self._refresh_list_deferred)

    def _refresh_list_deferred(self) -> None:
        self._list_refresh_pending = False
        self.refresh_list()

    def on_pane_list_pane_highlighted(self, event: PaneList.PaneHighlighted) -> None:
        """Show the selected pane.

        The pane selected *now*, not the one the message names: a list rebuilt
        and a new selection in the same tick post both highlights, and showing
        the older one would flip the screen (and the keyboard) to it for a moment.
        A highlight handled while chloe quits (the widgets are going) is dropped.
        """
        if not self._ui_ready():
            return
        self._show(self.pane_list.selected_id)

    def _selected(self) -> PaneSlot | None:
        return self.panes.get(self.pane_list.selected_id)

    # --- attention ------------------------------------------------------------

    def _looked_at(self, slot: PaneSlot) -> None:
        """The user looked at the pane: its needs you and new output are cleared.

        Recorded in the event file too, so ``chloe ls`` and the next start agree.
        """
        slot.seen_at = at = self._clock()
        slot.mark = None
        self._list_stale = True
        pane_id = slot.pane_id
        service = self.service

        def job() -> None:
            service.mark_seen(pane_id, at)

        self._background("Attention", job)

    def _note_output(self, slot: PaneSlot) -> None:
        """A direct pane wrote output: when, and any bell or desktop notification."""
        if slot.is_tmux:
            return  # tmux reports its panes' activity, and its hooks record their bells
        now = self._clock()
        slot.output_at = now
        self._list_stale = True  # its state (working, new output) is judged at the next tick
        terminal = slot.terminal
        if terminal is None:
            return
        found: list[tuple[str, str]] = terminal.take_notifications()
        if self._shown == slot.pane_id:
            slot.bells = terminal.bell_count  # rung while looked at: nothing to tell later
            return
        if terminal.bell_count > slot.bells:
            found.append(("bell", ""))
        if not found:
            return
        source, text = found[-1]
        slot.mark = Mark(MarkKind.NEEDS_YOU, now, text, source)
        pane_id = slot.pane_id
        service = self.service
        path = service.event_path
        self._refresh_list_soon()

        def job() -> None:
            for kind, message in found[-3:]:
                events.append(path, events.Event(now, kind, pane_id, "", message[:300]))

        self._background("Attention", job)

    def action_next_attention(self) -> None:
        """Select the next pane that needs you, then one that failed, then one that is done."""
        ids = self.pane_list.all_ids  # a pane the filter hides too (it is revealed)
        states = [self._attention.get(i, _IDLE).state for i in ids]
        current = self.pane_list.selected_id
        index = next_to_visit(states, ids.index(current) if current in ids else None)
        if index is None:
            self.notify("No pane needs you, failed or is done.", timeout=3)
            return
        self.reveal(ids[index])

    # --- what the terminal area shows -------------------------------------

    def _show(self, pane_id: str | None, *, preview: bool = True) -> None:
        """Show a pane: its live (or last) screen, else a preview of its tmux session.

        Cheap when nothing changed, so it runs after every status refresh.
        """
        if not self._ui_ready():
            return
        slot = self.panes.get(pane_id)
        previous = self.shown
        if previous is not None and previous is not slot:
            self.panes.hidden(previous)
            self._looked_at(previous)
        self._shown = pane_id if slot else None
        if slot is not previous:
            self.keyboard.sync()  # the keyboard follows the shown pane
            self._list_stale = True  # the pane looked at never needs you
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
        if slot.activity or self._attention.get(slot.pane_id, _IDLE).state in _CLEARED_BY_LOOKING:
            slot.activity = None
            self._looked_at(slot)
            self.refresh_list()
        live = slot.terminal is not None and (slot.process is not None or slot.dead)
        target = slot.terminal if live and slot.terminal else slot.preview or self._blank
        browsing = view.browsing_history and previous is slot  # its history stays shown
        if view.terminal is not target and not browsing:
            view.set_terminal(target)
            self.keyboard.update_focus()
        if live:
            self._sync_pty(slot)
        elif preview and slot.is_tmux and slot.process is None:
            self._request_preview(slot)
        elif slot.elsewhere:
            self._ask_elsewhere_pid(slot)
        self._update_title()

    def _update_title(self) -> None:
        if not self._ui_ready():
            return
        try:
            title = self.query_one("#pane-title", Static)
        except Exception:  # before compose
            return
        self._update_footer()
        slot = self.shown
        style = ""
        if slot is None:
            text = "chloe"
        else:
            where = f" on {slot.record.host}" if slot.record.remote else ""
            head = f"{slot.record.name} · {slot.record.kind.value}{where} · {slot.label}"
            if slot.process is not None and not slot.dead:
                if self.terminal_mode:
                    hint = f"{self.key_for('leave_terminal')}: back to the list"
                else:
                    hint = f"{self.key_for('focus_terminal')}: type into it"
            elif slot.dead:
                style = "-dead"
                kept = "last screen" if slot.terminal or slot.preview else "no screen kept"
                hint = f"{kept} · {self.key_for('respawn')}: respawn"
            elif slot.status is Status.CHECKING:
                hint = "asking tmux and the store…"
            elif slot.status is Status.UNREACHABLE:
                style = "-preview"
                hint = (
                    f"{slot.record.host} does not answer; the pane may still be running "
                    "(it is reattached when the host is back)"
                    if slot.record.remote
                    else "tmux does not answer; the pane may still be running"
                )
            elif slot.elsewhere:
                style = "-preview"
                hint = self._elsewhere_words(slot) + "; use it there"
            elif slot.info is not None and slot.info.status is Status.ATTACHED:
                style = "-preview"
                hint = f"attached elsewhere — preview · {self.key_for('attach')}: attach here"
            else:
                style = "-preview"
                hint = f"preview — press {self.key_for('attach')} to attach"
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
            if slot.is_tmux:
                slot.expect_redraw(self._clock(), REDRAW_GRACE)
            try:
                proc.resize(*size)
            except OSError:
                pass

    def on_terminal_view_resized(self, event: TerminalView.Resized) -> None:
        """The view resized the shown terminal: resize that pane's pty to match."""
        if not self._ui_ready():
            return  # a late resize while the app is torn down
        slot = self.shown
        if slot is not None and slot.terminal is self.view.terminal:
            self._sync_pty(slot)

    def on_terminal_view_input(self, event: TerminalView.Input) -> None:
        """Keys, pastes and mouse reports go to the shown pane's program."""
        slot = self.shown
        if slot is None or slot.process is None or slot.terminal is not self.view.terminal:
            if slot is not None:
                self.hint_not_live(slot)
            return
        if event.terminal is not None and event.terminal is not slot.terminal:
            return  # encoded for another pane's modes (the screen moved on since)
        try:
            slot.process.write(event.data)
        except OSError:
            pass

    def _elsewhere_words(self, slot: PaneSlot) -> str:
        pid = self._elsewhere_pids.get(slot.pane_id)
        return "running in another chloe" + (f" (pid {pid})" if pid else "")

    def _ask_elsewhere_pid(self, slot: PaneSlot) -> None:
        """Find, once, the pid of a direct pane's program that another chloe runs."""
        if slot.pane_id in self._elsewhere_pids:
            return
        self._elsewhere_pids[slot.pane_id] = None
        pane_id, direct = slot.pane_id, self.service.direct
        self._background(
            "Pane status", lambda: msg.ElsewherePid(pane_id, direct.running_pid(pane_id))
        )

    @on(msg.ElsewherePid)
    def _elsewhere_pid(self, event: msg.ElsewherePid) -> None:
        self._elsewhere_pids[event.pane_id] = event.pid
        self._update_title()

    def _not_live_hint(self, slot: PaneSlot) -> str:
        if slot.elsewhere:
            return f"{slot.record.name} is {self._elsewhere_words(slot)}; use it there"
        if slot.dead:
            key = self.key_for("respawn")
            return f"{slot.record.name} is {slot.label}; press {key} to respawn it"
        return f"{slot.record.name} is a preview; press {self.key_for('attach')} to attach it"

    # --- live panes (the pump calls these) ------------------------------------

    def _adopt(self, record: PaneRecord, proc: PaneProcess, *, focus: bool) -> None:
        """Start showing and reading a newly started or attached process."""
        if self._quitting or self._pump is None:
            proc.close()
            return
        slot = self.panes.add(record)
        if slot.process is not None and slot.process is not proc:
            old = self._release(slot)
            if old is not None:
                old.close()
        columns, rows = self._term_size()
        slot.terminal = Terminal(columns, rows, scrollback=self.config.scrollback_lines)
        slot.process = proc
        slot.exit_status = None
        slot.pty_size = None
        slot.preview = None
        self._pump.start(slot, proc, None if slot.is_tmux else self.service.direct_log(record))
        if slot.is_tmux:
            slot.quiet_until = time.monotonic() + QUIET_AFTER_ATTACH
            slot.expect_redraw(self._clock(), REDRAW_GRACE)
        slot.seen_screen = None
        if focus:
            self.refresh_list()
            if slot.is_tmux:
                self._tick()  # tmux's word on the new client, without waiting a second
        else:
            self._refresh_list_soon()  # start-up reattaches arrive in bursts
        if focus:
            # The user asked for this pane; a start-up reattach leaves the selection alone.
            self.reveal(record.id)
        if self.pane_list.selected_id == record.id:
            self._show(record.id)
            if focus:
                self._enter_terminal()

    def _pane_output(self, slot: PaneSlot) -> None:
        self._note_output(slot)
        if self._shown == slot.pane_id:
            self.keyboard.after_output(slot)
            self.view.notify_output()
        elif self.panes.note_hidden_output(slot):
            self._refresh_list_soon()

    def _client_gone(self, slot: PaneSlot) -> None:
        # As it quits, tmux's client leaves the alternate screen it drew the pane
        # on and prints "[exited]"; put the pane's last screen back so a dead
        # pane shows how its job ended.
        restored = slot.terminal is not None and slot.terminal.show_last_alternate()
        if restored and self._shown == slot.pane_id:
            self.view.notify_output()
        self.refresh_list()
        self._show(self._shown)
        self._tick()

    def _direct_exited(self, slot: PaneSlot, status: ExitStatus | None) -> None:
        self.refresh_list()
        if self._shown == slot.pane_id:
            self._show(slot.pane_id)
        if status is not None:
            pane_id = slot.pane_id
            service = self.service
            self._background(
                "Record exit",
                lambda: msg.RecordChanged(service.record_exit(pane_id, status)),
            )

    # --- status -------------------------------------------------------------

    def _tick(self) -> None:
        """Once a second: ask for every pane's status; refresh the preview; mark activity."""
        if self._quitting:
            return
        self.notifier.reap()
        if self.panes.check_activity(self._shown, time.monotonic()):
            self.refresh_list()
        if not self._poller.request():
            return
        live = self.panes.live_direct()
        started = time.monotonic()
        service = self.service

        def query() -> Message:
            try:
                infos = service.panes(live_direct=live)
            except Exception as exc:
                return msg.StatusFailed(str(exc), startup=False)
            service.scan_logs([info.record for info in infos])  # tmux drops notifications
            return msg.StatusAnswered(infos, started, startup=False)

        self._background("Status", query)

    @on(msg.StatusFailed)
    def _status_failed(self, event: msg.StatusFailed) -> None:
        if event.startup:
            self.notify(event.error, severity="error", timeout=15)
            self._poller.answered()
            self._poller.enable()
            return
        if self._poller.failed():
            self.notify(f"Could not read pane status: {event.error}", severity="error")

    def _tell_logs_stopped(self, infos: list[PaneInfo]) -> None:
        """Say once, as a warning, that a tmux pane's log writer stopped (a full disk);
        again if it stops again after it was logged once more."""
        stopped = {info.record.id: info.log_stopped for info in infos if info.log_stopped}
        for pane_id, text in stopped.items():
            if pane_id not in self._logs_stopped:
                self.notify(text, title="Log", severity="warning", timeout=30)
        self._logs_stopped = set(stopped)

    @on(msg.StatusAnswered)
    def _status_answered(self, event: msg.StatusAnswered) -> None:
        """Make the list match the service's truth (one query's worth)."""
        again = self._poller.answered()
        if not self._ui_ready():
            return
        self._tell_file_problems()
        self._tell_logs_stopped(event.infos)
        returning = self._hosts_back(event.infos)
        result = self.panes.reconcile(event.infos, event.started)
        for slot in result.dropped:
            proc = self._release(slot)
            if proc is not None:
                proc.close()
        if result.kept:
            self._restore([slot.record for slot in result.kept])
        # A hundred idle panes give the same answer every second: nothing to do then.
        if event.infos != self._answered or result.dropped or result.kept:
            self._list_stale = True
        self._answered = event.infos
        self._refresh_list_if_changed()
        self._show(self.pane_list.selected_id)
        if event.startup:
            self._poller.enable()
            self._reattach(event)
            self._offer_restore(event.infos)
        else:
            if returning:
                self._attach_all(returning)
            if again:
                self._tick()

    def _hosts_back(self, infos: list[PaneInfo]) -> list[PaneRecord]:
        """Panes on another host that the user had attached, unreachable until this
        answer and running again: to reattach (their client ended with the connection)."""
        back: list[PaneRecord] = []
        for info in infos:
            slot = self.panes.get(info.record.id)
            if (
                info.record.remote
                and slot is not None
                and slot.process is None
                and slot.status is Status.UNREACHABLE
                and info.status in (Status.ATTACHED, Status.DETACHED)
                and info.record.user_state is UserState.ATTACHED
            ):
                back.append(info.record)
        return back

    def _tell_file_problems(self) -> None:
        """Problems with chloe's own files (labels may be wrong): each said once."""
        for problem in paths.problems():
            if problem not in self._told_problems:
                self._told_problems.add(problem)
                self.notify(problem, title="chloe's files", severity="warning", timeout=20)

    def _restore(self, lost: list[PaneRecord]) -> None:
        """Write back the records of running direct panes that vanished from the file."""
        if self._restoring:
            return  # the next answer shows whether the one under way worked
        self._restoring = True
        service = self.service

        def job() -> Message:
            try:
                return msg.RecordsRestored(service.restore(lost))
            except ChloeError as exc:
                return msg.RecordsRestored([], error=str(exc))

        self._background("Pane list", job)

    @on(msg.RecordsRestored)
    def _records_restored(self, event: msg.RecordsRestored) -> None:
        self._restoring = False
        for record in event.records:
            self.panes.update_record(record)
        if event.records:
            names = ", ".join(repr(r.name) for r in event.records)
            self.notify(
                f"{names} vanished from the pane list file while running; chloe wrote it back. "
                "A running direct pane is never ended because the file changed.",
                title="Pane list",
                severity="warning",
                timeout=15,
            )
        elif event.error and not self._restore_error_told:
            self._restore_error_told = True
            self.notify(
                f"Running direct panes are missing from the pane list file and could not be "
                f"written back: {event.error}. They keep running here.",
                title="Pane list",
                severity="error",
                timeout=15,
            )
        if event.records or event.error:
            self.refresh_list()

    def _startup_job(self, size: tuple[int, int]) -> Message | None:
        """Read the stored panes, then reconcile with tmux in one query (in a thread)."""
        try:
            records = self.service.store.load()
        except ChloeError as exc:
            self._post(msg.StoreLoaded([], str(exc)))
        else:
            self._post(msg.StoreLoaded(records))
        started = time.monotonic()
        problem = self.service.tmux_problem
        if problem:
            self._post(msg.Problem("tmux", problem, severity="warning", timeout=15))
        else:
            logout = placement.decide(placement.probe(), self.config.tmux_socket).problem
            if logout:
                self._post(msg.Problem("Logout", logout, severity="warning", timeout=30))
        with contextlib.suppress(OSError):
            self._events.poll()
        try:
            infos = self.service.panes(live_direct={})
        except Exception as exc:
            return msg.StatusFailed(str(exc), startup=True)
        # Notifications tmux panes sent while no chloe ran, then the report of them.
        self.service.scan_logs([info.record for info in infos])
        self._report_while_away(infos)
        return msg.StatusAnswered(infos, started, startup=True)

    def _report_while_away(self, infos: list[PaneInfo]) -> None:
        """Say once what happened while no chloe ran (in the start-up worker)."""
        try:
            happened = events.take_unshown(self.service.event_path)
        except OSError:
            return
        text = events.away_report(happened, {i.record.id: i.record.name for i in infos}, utcnow())
        if text:
            self._post(msg.Problem("While you were away", text, severity="information", timeout=20))

    def _offer_restore(self, infos: list[PaneInfo]) -> None:
        """Panes lost with chloe's tmux server: restore them as ``restore`` says."""
        lost = [info.record for info in infos if info.status is Status.LOST]
        if not lost:
            return
        names = ", ".join(repr(r.name) for r in lost[:3]) + (" …" if len(lost) > 3 else "")
        one = len(lost) == 1
        count = "1 pane" if one else f"{len(lost)} panes"
        were, them = ("was", "it") if one else ("were", "them")
        if self.config.restore == "auto":
            self._restore_lost(lost)
        elif self.config.restore == "never":
            self.notify(
                f"{count} ({names}) {were} running when chloe's tmux server stopped. "
                f"{self.key_for('respawn')} restores one, `chloe restore` all.",
                title="Lost panes",
                timeout=15,
            )
        else:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._restore_lost(lost)

            self.push_screen(
                ConfirmModal(
                    f"{count} ({names}) {were} running when chloe's tmux server stopped "
                    f"(a reboot, or the server was killed). Restore {them}, each in its "
                    "directory with its resume command?",
                    yes="Restore",
                ),
                answered,
            )

    def _restore_lost(self, lost: list[PaneRecord]) -> None:
        columns, rows = self._term_size()
        service = self.service
        ids = [r.id for r in lost]
        attached = {r.id for r in lost if r.user_state is UserState.ATTACHED}

        def job() -> Message:
            results = service.restore_lost(ids, columns, rows)
            done = {r.name for r in results if r.done}
            again = [r for r in lost if r.name in done and r.id in attached]
            return msg.LostRestored(results, again)

        self._background("Restore", job)

    @on(msg.LostRestored)
    def _lost_restored(self, event: msg.LostRestored) -> None:
        done = [r.name for r in event.results if r.done]
        failed = [f"{r.name}: {r.reason}" for r in event.results if not r.done]
        if done:
            self.notify(f"Restored {', '.join(done)}.", title="Lost panes")
        if failed:
            self.notify("Not restored: " + "; ".join(failed), title="Lost panes",
                        severity="warning", timeout=15)  # fmt: skip
        columns, rows = self._term_size()
        service = self.service
        for record in event.attach:
            self._background(
                "Reattach",
                lambda record=record: msg.PaneStarted(  # type: ignore[misc]
                    record, service.attach(record, columns, rows), focus=False
                ),
            )
        self._tick()

    def _reattach(self, event: msg.StatusAnswered) -> None:
        """Reattach, a few at a time, the tmux panes the user left attached."""
        wanted = [
            info.record
            for info in event.infos
            if info.record.kind is Kind.TMUX
            and info.status in (Status.ATTACHED, Status.DETACHED)
            and info.record.user_state is UserState.ATTACHED
        ]
        if wanted:
            self._attach_all(wanted)

    def _attach_all(self, wanted: list[PaneRecord]) -> None:
        """Attach chloe's clients to these tmux panes in the background, a few at a time."""
        columns, rows = self._term_size()
        service = self.service

        def attach(record: PaneRecord) -> None:
            try:
                proc = service.attach(record, columns, rows)
            except Exception as exc:
                self._post(msg.Problem("Reattach", f"Could not reattach {record.name}: {exc}"))
                return
            self._post(msg.PaneStarted(record, proc, focus=False))

        def job() -> Message:
            # Each attach is a few tmux round trips; a few at a time keeps 100 panes quick.
            with ThreadPoolExecutor(max_workers=ATTACH_THREADS) as pool:
                list(pool.map(attach, wanted))
            return msg.StatusWanted()

        self._background("Reattach", job)

    @on(msg.StatusWanted)
    def _status_wanted(self) -> None:
        self._tick()

    # --- previews -----------------------------------------------------------

    def _request_preview(self, slot: PaneSlot) -> None:
        if slot.info is None or slot.info.status is Status.LOST:
            return  # no session to capture
        if slot.info.status is Status.DEAD and slot.preview is not None:
            return
        self._preview_wanted = slot.pane_id
        if self._preview_busy:
            return  # asked again when the capture under way is in
        self._preview_busy = True
        columns, rows = self._term_size()
        record = slot.record
        service = self.service

        def capture() -> Message:
            try:
                text = service.capture(record, lines=0, escapes=True)
            except Exception:
                text = None  # the session went away; the status refresh will say so
            return msg.PreviewCaptured(record.id, text, columns, rows)

        self._background("Preview", capture)

    @on(msg.PreviewCaptured)
    def _preview_captured(self, event: msg.PreviewCaptured) -> None:
        self._preview_busy = False
        if not self._ui_ready():
            return
        slot = self.panes.get(event.pane_id)
        if event.text is not None and slot is not None and slot.process is None:
            terminal = Terminal(event.columns, event.rows, scrollback=0)
            body = event.text.rstrip("\n").replace("\r\n", "\n").replace("\n", "\r\n")
            terminal.feed(b"\x1b[H\x1b[2J" + body.encode("utf-8", "replace"))
            slot.preview = terminal
            if self._shown == event.pane_id and not self.view.browsing_history:
                self.view.set_terminal(terminal)
                self._update_title()
        wanted = self.panes.get(self._preview_wanted)
        if (
            wanted is not None
            and wanted.pane_id != event.pane_id
            and wanted.pane_id == self._shown
            and wanted.process is None
        ):
            self._request_preview(wanted)

    # --- background work ------------------------------------------------------

    def _post(self, message: Message) -> None:
        """Post from any thread; dropped once chloe is shutting down."""
        try:
            self.post_message(message)
        except RuntimeError:  # the loop is closed
            pass

    def _background(self, what: str, job: Callable[[], Message | None]) -> None:
        """Run ``job`` in a daemon thread and post the message it returns.

        Errors come back as one :class:`~chloe.ui.messages.Problem` line. The
        thread never touches the App; a job that never returns (a hung file or
        tmux) keeps nothing from quitting.
        """

        def run() -> None:
            try:
                result = job()
                for problem in paths.forget_problems(LOG_PROBLEM):
                    self._post(msg.Problem("Log", problem, severity="warning", timeout=15))
            except ChloeError as exc:
                result = msg.Problem(what, str(exc))
            except Exception as exc:
                log.exception("%s failed", what)
                result = msg.Problem(f"{what} failed", f"{type(exc).__name__}: {exc}")
            if result is not None:
                self._post(result)

        threading.Thread(target=run, name=f"chloe-{what}", daemon=True).start()

    @on(msg.Problem)
    def _problem(self, event: msg.Problem) -> None:
        # A pane that was to take the keyboard did not come: held keys are the list's.
        self.keyboard.release()
        if self._ui_ready():
            self.notify(
                event.text, title=event.title, severity=event.severity, timeout=event.timeout
            )

    def _log_stopped(self, slot: PaneSlot, text: str) -> None:
        self.notify(text, title="Log", severity="warning", timeout=15)

    @on(msg.HistoryLoaded)
    def _history_loaded(self, event: msg.HistoryLoaded) -> None:
        self.history_browser.loaded(event)

    def history_ended(self) -> None:
        """The view went back from a tmux pane's history to its live screen."""
        self.keyboard.sync()

    def run_background(self, what: str, job: Callable[[], Message | None]) -> None:
        """Run ``job`` in a worker thread and handle the message it returns."""
        self._background(what, job)

    @on(msg.PaneStarted)
    def _pane_started(self, event: msg.PaneStarted) -> None:
        self._adopt(event.record, event.process, focus=event.focus)

    @on(msg.RecordChanged)
    def _record_changed(self, event: msg.RecordChanged) -> None:
        if self.panes.update_record(event.record):
            self.refresh_list()
        if event.poll:
            self._tick()
        if event.focus:
            self._enter_terminal()

    @on(msg.PaneClosed)
    def _pane_closed(self, event: msg.PaneClosed) -> None:
        if event.hint:
            self.notify(event.hint, title="Closed", timeout=10)

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
        if action == "quit_hint":
            return not self.terminal_mode
        if action == "clear_filter":
            return not self.terminal_mode and bool(self.pane_list.filter_text)
        if action == "search_step":
            # A preview opened on a search hit: n/N step from the list too.
            return (
                not self.terminal_mode and self.view.searching and bool(self.view.scrollback_offset)
            )
        if self._filter_typing() and action in NAV_ACTIONS:
            return False  # keys typed ahead of the filter's focus are filter text
        return not (self.terminal_mode and action in NAV_ACTIONS)

    def footer_shows(self, action: str) -> bool:
        """Whether the footer lists ``action`` now: only keys that apply to what is selected.

        The footer fits 80 columns (60 in the narrow layout, where the keys that
        make panes are listed on an empty list only); every key stays bound.
        """
        if self.terminal_mode:
            return action == "leave_terminal"
        if action in ("quit", "help"):
            return True
        slot = self._selected()
        if action in ("new_direct", "new_tmux"):
            return slot is None or not self.has_class("-narrow")
        if slot is None or slot.elsewhere:
            return False  # a pane another chloe runs: use it there
        live = slot.process is not None and not slot.dead
        if action == "focus_terminal":
            return live
        if action == "detach":
            return live and slot.is_tmux
        if action == "attach":
            return (
                slot.is_tmux
                and slot.process is None
                and slot.status in (Status.ATTACHED, Status.DETACHED)
            )
        if action == "respawn":
            return slot.dead
        return action == "close"

    FILTER_KEYS: ClassVar[tuple[Binding, ...]] = (
        Binding("enter", "filter_keep", "keep"),
        Binding("escape", "clear_filter", "clear"),
        Binding("down", "filter_next", "next"),
        Binding("up", "filter_previous", "previous"),
    )
    """What the footer lists while the filter has the keyboard (a click sends the key)."""

    def footer_prompt(self) -> tuple[Binding, ...]:
        """The keys of the prompt that has the keyboard, for the footer (none: the list's)."""
        return self.FILTER_KEYS if self._filter_typing() else ()

    def _update_footer(self) -> None:
        """Refresh the footer when the keys it lists changed."""
        shown = tuple(self.footer_shows(spec.id) for spec in BINDING_SPECS)
        if shown != self._footer_shown:
            self._footer_shown = shown
            self.refresh_bindings()

    def action_quit_hint(self) -> None:
        """Ctrl+C / Ctrl+Z in navigation mode: say how to quit (they do nothing else here)."""
        self.notify(f"{self.key_for('quit')} quits chloe (tmux panes keep running)", title="Quit")

    def action_leave_terminal(self) -> None:
        """Back to the pane list (navigation mode)."""
        if self.has_class("-tiny"):
            self._list_hidden_for_tiny = False
            self.list_visible = True
        self.pane_list.focus()

    def enter_terminal(self) -> None:
        """Give the shown pane the keyboard (terminal mode)."""
        self._enter_terminal()

    def _enter_terminal(self) -> None:
        if self.has_class("-tiny"):
            self._list_hidden_for_tiny = True
            self.list_visible = False
        self.view.focus()

    def action_focus_terminal(self) -> None:
        """Type into the selected pane (a detached tmux pane is reattached first); on a
        host's header, hide or show its panes."""
        slot = self._selected()
        if slot is None:
            self.keyboard.release()
            host = self.pane_list.selected_host
            if host is not None:
                self.pane_list.toggle_group(host)
            return
        self.keyboard.claim()
        if slot.process is not None:
            self._enter_terminal()
        elif slot.is_tmux and not slot.dead:
            self.action_attach()
        elif slot.terminal is not None:
            self._enter_terminal()
        else:
            self.keyboard.release()
            self.notify(self._not_live_hint(slot))

    def action_cursor_down(self) -> None:
        """Select the next pane; the last stays selected (no wrapping, as tmux's choose-tree)."""
        self._select_index((self.pane_list.highlighted or 0) + 1)

    def action_cursor_up(self) -> None:
        """Select the previous pane; the first stays selected."""
        self._select_index((self.pane_list.highlighted or 0) - 1)

    def action_cursor_first(self) -> None:
        """Select the first pane."""
        self._select_index(0)

    def action_cursor_last(self) -> None:
        """Select the last pane."""
        self._select_index(self.pane_list.option_count - 1)

    def _select_index(self, index: int) -> None:
        count = self.pane_list.option_count
        if count:
            self.pane_list.highlighted = max(0, min(index, count - 1))

    def action_toggle_list(self) -> None:
        """Show or hide the pane list."""
        self._list_hidden_for_tiny = False
        self.list_visible = not self.list_visible

    # --- the list filter ----------------------------------------------------

    @property
    def filter_bar(self) -> FilterBar:
        """The filter line above the footer."""
        return self.query_one("#filter", FilterBar)

    def action_filter_list(self) -> None:
        """Type to narrow the list by name or command (Enter keeps it, Esc clears it)."""
        if not self.list_visible:
            self._list_hidden_for_tiny = False
            self.list_visible = True
        self._filter_count()
        self.filter_bar.open()

    def action_clear_filter(self) -> None:
        """Esc in the list: the whole list again."""
        self._set_filter("", keep=False)

    def _filter_typing(self) -> bool:
        try:
            return self.focused is self.filter_bar.input
        except NoMatches:
            return False

    async def on_event(self, event: Event) -> None:
        """Keys read while Enter or Esc is on its way through a text field are held until
        the field is done, then handed out in order (see :mod:`chloe.ui.keyhold`)."""
        if isinstance(event, Key) and not event.is_forwarded:
            if self._key_hold.take(event):
                return
            focused = self.focused
            if self._key_hold.start(event, focused, is_field=isinstance(focused, Input)):
                self._hold_timer = self.set_interval(0.01, self._release_held_keys_if_due)
        await super().on_event(event)

    async def _release_held_keys_if_due(self) -> None:
        if self._key_hold.due(self.focused):
            await self._release_held_keys()

    async def _release_held_keys(self) -> None:
        """The field is done: hand out the keys read meanwhile, as if read now."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in self._key_hold.release():
            await self.on_event(key)  # an Enter among them may start a new hold

    async def on_key(self, event: Key) -> None:
        """Text typed right after the filter key, before the filter had the keyboard
        (Textual hands a key to the widget focused when it arrived): it is the
        filter's."""
        self._key_hold.came_back(event)
        if not self._filter_typing():
            return
        if event.key in ("enter", "escape"):
            # Done here, not through the field's Submitted message: the keys typed
            # right after (queued already, or held by on_event) are the list's, so the
            # list takes the keyboard before they are handed out.
            event.stop()
            event.prevent_default()
            self._filter_done(FilterBar.Done(keep=event.key == "enter"))
            if self._key_hold.due(self.focused):
                await self._release_held_keys()
            return
        # The text field stops the printable keys it had; other keys (Backspace)
        # go on to the bindings of the focused field either way.
        if event.is_printable and event.character is not None:
            self.filter_bar.input.insert_text_at_cursor(event.character)
            event.stop()

    def reveal(self, pane_id: str) -> None:
        """Select the pane, clearing the filter first if it hides the pane."""
        if self.pane_list.filter_text and not self.pane_list.is_listed(pane_id):
            self._set_filter("", keep=False)
        self.pane_list.select_id(pane_id)

    def _set_filter(self, text: str, *, keep: bool) -> None:
        self.pane_list.set_filter(text)
        self._filter_count()
        if not keep:
            self.filter_bar.close(clear=not text)
        self.query_one("#empty", Static).update(self._empty_text())
        if not self.pane_list.listed:
            self._show(None)

    def _filter_count(self) -> None:
        self.filter_bar.show_count(self.pane_list.listed, self.pane_list.total)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        # A change that arrives after Enter or Esc was already taken into account
        # there (Enter keeps the text as typed; Esc cleared it).
        if self._ui_ready() and self._filter_typing():
            self._set_filter(self.filter_bar.text, keep=True)

    @on(FilterBar.Done)
    def _filter_done(self, event: FilterBar.Done) -> None:
        if not self._ui_ready():
            return
        if event.keep:
            self._set_filter(self.filter_bar.text, keep=True)
            self.filter_bar.close(clear=False)
        else:
            self._set_filter("", keep=False)
        self.screen.set_focus(self.pane_list)  # at once: the next key is the list's

    @on(FilterBar.Move)
    def _filter_move(self, event: FilterBar.Move) -> None:
        self._select_index((self.pane_list.highlighted or 0) + event.step)

    # --- searching every pane ------------------------------------------------

    def action_search_panes(self) -> None:
        """Search every pane's history (as ``chloe grep``); Enter opens a hit."""
        service = self.service
        records = [slot.record for slot in self.panes]

        def search(text: str) -> Iterator[history.Match]:
            pattern = history.compile_pattern(text, regex=False)
            return history.search_sources(service.history_sources(records), pattern, text)

        def chosen(hit: Hit | None) -> None:
            if hit is not None:
                self.open_hit(hit)

        self.push_screen(PaneSearchScreen(search), chosen)

    def action_search_step(self, step: int) -> None:
        """The next (1) or previous (-1) match of the browsed history's search."""
        self.view.search_next(step)

    def open_hit(self, hit: Hit) -> None:
        """Show the pane of a search hit, browsing its history on that line."""
        slot = next((s for s in self.panes if s.record.name == hit.pane), None)
        if slot is None:
            self.notify(f"{hit.pane!r} is no longer listed", title="Search")
            return
        self.reveal(slot.pane_id)
        self._show(slot.pane_id)
        view = self.view
        then = (hit.pattern, hit.from_end)
        if slot.is_tmux and self.history_browser.browsable():
            self.history_browser.request("shift+home", then)
        elif view.terminal.scrollback_len and not view.terminal.alternate_screen:
            view.search(hit.pattern, from_end=hit.from_end)
        else:
            self.notify(
                f"line {hit.line} of {hit.pane!r} is in its log only: "
                f"chloe logs --all {hit.pane!r}",
                title="Search",
            )
            return
        if slot.process is not None and not slot.dead:
            self._enter_terminal()  # n/N step through the matches, Esc returns

    def action_help(self) -> None:
        """The help overlay."""
        keys = [(self.key_for(spec.id), spec.description) for spec in BINDING_SPECS]
        keys.append(("ctrl+c", f"Only says that {self.key_for('quit')} quits"))
        self.push_screen(HelpScreen(keys, self.key_for("leave_terminal")))

    # --- actions: panes -----------------------------------------------------

    def action_new_direct(self) -> None:
        """A new direct pane in the current directory, focused."""
        columns, rows = self._term_size()
        cwd = self._new_pane_cwd()
        service = self.service
        self.keyboard.claim()

        def job() -> Message:
            record = service.create_direct(cwd=cwd)
            proc = service.spawn_direct(record, columns, rows)
            return msg.PaneStarted(record, proc, focus=True)

        self._background("New direct pane", job)

    def action_new_tmux(self) -> None:
        """A new tmux pane, attached and focused: on the selected pane's host (in its
        home there), else here in the current directory."""
        columns, rows = self._term_size()
        host = self.pane_list.selected_host or LOCAL_HOST
        cwd = "~" if host != LOCAL_HOST else self._new_pane_cwd()
        service = self.service
        self.keyboard.claim()

        def job() -> Message:
            record = service.create_tmux(cwd=cwd, columns=columns, rows=rows, host=host)
            proc = service.attach(record, columns, rows)
            return msg.PaneStarted(record, proc, focus=True)

        self._background("New tmux pane", job)

    def action_detach(self) -> None:
        """Detach the selected tmux pane; it keeps running."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            self.notify(
                "Direct panes cannot be detached: they live on chloe's own pty and end "
                f"with chloe. Use a tmux pane ({self.key_for('new_tmux')}) for work that "
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
        proc = self._release(slot)
        if proc is not None:
            slot.preview = slot.terminal
        record = slot.record
        service = self.service
        self.refresh_list()
        self._show(self._shown)
        self._background(
            "Detach", lambda: msg.RecordChanged(service.detach(record, proc), poll=True)
        )

    def action_attach(self) -> None:
        """Reattach the selected detached tmux pane and focus it."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            if slot.dead or slot.elsewhere:
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
        self.keyboard.claim()
        self._background(
            "Attach",
            lambda: msg.PaneStarted(record, service.attach(record, columns, rows), focus=True),
        )

    def action_close(self) -> None:
        """Close the pane: end a direct pane (after asking); release a tmux session."""
        slot = self._selected()
        if slot is None:
            return
        name = slot.record.name
        if slot.elsewhere:
            self.notify(self._not_live_hint(slot) + " (closing it here would end it)")
            return
        if slot.runs_here:

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
        pane_id = slot.pane_id
        proc = self._release(slot)
        self.panes.remove(pane_id)
        self.refresh_list()
        if self.view.has_focus:
            self.pane_list.focus()
        self._show(self.pane_list.selected_id)
        service = self.service

        def job() -> Message:
            if proc is not None:
                proc.close()
            return msg.PaneClosed(service.remove(pane_id))

        self._background("Close", job)

    def action_kill(self) -> None:
        """Kill the selected tmux session (after asking)."""
        slot = self._selected()
        if slot is None:
            return
        if not slot.is_tmux:
            self.notify(
                f"{self.key_for('kill')} kills tmux sessions; "
                f"{self.key_for('close')} closes a direct pane",
                title="Not a tmux pane",
            )
            return
        if slot.info is not None and slot.info.status is Status.DEAD and slot.process is None:
            self.notify(f"{slot.record.name} is already {slot.label}")
            return
        pane_id = slot.pane_id
        service = self.service

        def answered(yes: bool | None) -> None:
            if yes:
                self._background(
                    "Kill", lambda: msg.RecordChanged(service.kill(pane_id), poll=True)
                )

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
        pane_id = slot.pane_id
        service = self.service

        def answered(name: str | None) -> None:
            if name:
                self._background("Rename", lambda: msg.RecordChanged(service.rename(pane_id, name)))

        self.push_screen(RenameModal(slot.record.name, self.panes.names()), answered)

    def action_respawn(self) -> None:
        """Start a dead pane again with its command and directory."""
        slot = self._selected()
        if slot is None:
            return
        if slot.elsewhere:
            self.notify(self._not_live_hint(slot))
            return
        if not slot.dead:
            self.notify(f"{slot.record.name} is {slot.label}; only dead panes can be respawned")
            return
        columns, rows = self._term_size()
        record = slot.record
        client = slot.process
        service = self.service
        self.keyboard.claim()

        def job() -> Message:
            new = service.respawn(record, columns, rows)
            if new.kind is Kind.DIRECT:
                return msg.PaneStarted(new, service.spawn_direct(new, columns, rows), focus=True)
            if client is not None:
                # Our client stays attached and shows the new process.
                return msg.RecordChanged(new, poll=True, focus=True)
            return msg.PaneStarted(new, service.attach(new, columns, rows), focus=True)

        self._background("Respawn", job)

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

    async def action_quit(self) -> None:
        """Quit; tmux panes keep running (ask first if direct panes would end)."""
        running = [s.record.name for s in self.panes.running_direct()]
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


def tune_garbage_collector() -> None:
    """Set the collector up for a long-running TUI that floods: call once, before the app runs.

    What is loaded by then (modules, classes, the config) lives as long as the
    process: frozen, full collections no longer walk it. The youngest
    generation is collected every :data:`GC_YOUNG_THRESHOLD` allocations.
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)


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
    tune_garbage_collector()
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
