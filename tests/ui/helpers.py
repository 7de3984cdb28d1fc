"""Helpers for Pilot tests of the chloe app: build it, wait on conditions, read what it shows."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Static

from chloe.backends.fake import FakeProcess
from chloe.backends.memory import MemoryDirect, MemoryTmux
from chloe.config import Config
from chloe.model import ExitStatus, Kind, PaneRecord, UserState
from chloe.paths import store_path
from chloe.service import PaneService
from chloe.store import Store
from chloe.ui.app import ChloeApp
from chloe.ui.panes import PaneSlot
from tests.support.waiting import wait_until_async

SIZE = (100, 30)

FIXED_NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
"""The clock of the in-memory scenes (stable ages in snapshots)."""


@dataclass
class MemoryPanes:
    """The real PaneService on a real store, with in-memory tmux and direct panes below it.

    Every status and record rule is the service's own; screens, commands and
    exits are scripted through :attr:`tmux` and :attr:`direct`.
    """

    service: PaneService
    tmux: MemoryTmux
    direct: MemoryDirect

    @property
    def store(self) -> Store:
        """The pane list file."""
        return self.service.store

    @property
    def spawned(self) -> list[FakeProcess]:
        """Every direct pane's process started so far, in order."""
        return self.direct.spawned

    def add_tmux(
        self,
        name: str,
        *,
        created: datetime = FIXED_NOW,
        screen: bytes = b"",
        command: str = "bash",
        user_state: UserState = UserState.ATTACHED,
        exit_status: ExitStatus | None = None,
        alive: bool = True,
    ) -> PaneRecord:
        """A tmux pane an earlier chloe left: its record and (``alive``) its session."""
        rec = PaneRecord.new(name, Kind.TMUX, "/home/user").replace(
            created=created, user_state=user_state
        )
        self.store.add(rec)
        if alive:
            assert rec.tmux_session is not None
            self.tmux.add_session(
                rec.tmux_session,
                pane_id=rec.id,
                name=name,
                cwd=rec.cwd,
                screen=screen,
                current_command=command,
                exit_status=exit_status,
                created=created,
            )
        return rec

    def add_direct(
        self, name: str, *, created: datetime = FIXED_NOW, exit_status: ExitStatus | None = None
    ) -> PaneRecord:
        """A direct pane an earlier chloe ran (so it is dead now)."""
        rec = PaneRecord.new(name, Kind.DIRECT, "/home/user").replace(
            created=created, exit_status=exit_status
        )
        return self.store.add(rec)


def memory_panes(tmp_path: Path, **config: object) -> MemoryPanes:
    """A :class:`MemoryPanes` with its store in ``tmp_path`` and ``config`` settings."""
    tmux, direct = MemoryTmux(), MemoryDirect()
    settings = Config(shell="/bin/sh", **config)  # type: ignore[arg-type]
    service = PaneService(Store(tmp_path / "panes.toml"), settings, tmux=tmux, direct=direct)
    return MemoryPanes(service, tmux, direct)


def memory_app(tmp_path: Path, **config: object) -> tuple[ChloeApp, MemoryPanes]:
    """The app on :func:`memory_panes`, with the fixed clock, new panes in ``tmp_path``."""
    panes = memory_panes(tmp_path, **config)
    return ChloeApp(panes.service, clock=lambda: FIXED_NOW, cwd=str(tmp_path)), panes


def real_service(socket: str) -> PaneService:
    """The real service on the test's private tmux socket and isolated store."""
    return PaneService(Store(store_path()), Config(tmux_socket=socket, shell="/bin/sh"))


def make_app(socket: str, cwd: str) -> ChloeApp:
    """The app with real backends."""
    return ChloeApp(real_service(socket), cwd=cwd)


async def until(
    pilot: Pilot[int],
    check: Callable[[], object],
    what: str,
    timeout: float = 10.0,
) -> None:
    """Let the app run until ``check()`` is truthy; fail after ``timeout`` seconds.

    :func:`~tests.support.waiting.wait_until_async` bound to the Pilot; a timeout shows
    the terminal area.
    """
    app = pilot.app
    await wait_until_async(
        check,
        timeout,
        0.05,
        what,
        pause=pilot.pause,
        show=lambda: f"screen:\n{screen_text(app) if isinstance(app, ChloeApp) else ''}",
    )


def type_ahead(app: ChloeApp, keys: str) -> None:
    """Keys arriving together, as from one read of the terminal (Pilot's press waits
    for the app after each key, so it cannot type ahead)."""
    for key in keys:
        app.post_message(events.Key(key, key))


def slot(app: ChloeApp, name: str) -> PaneSlot | None:
    """The pane called ``name``, if listed."""
    return app.panes.by_name(name)


def summary_text(app: ChloeApp) -> str:
    """The always-visible attention summary line."""
    return str(app.query_one("#attention", Static).render())


def entry_text(app: ChloeApp, name: str) -> str:
    """The text the pane list shows for ``name`` ('' if it is not listed)."""
    s = slot(app, name)
    if s is None:
        return ""
    try:
        option = app.pane_list.get_option(s.record.id)
    except LookupError:
        return ""
    return str(option.prompt)


def listed_names(app: ChloeApp) -> list[str]:
    """Names in the pane list, top to bottom."""
    names = []
    for pane_id in app.pane_list.pane_ids:
        s = app.panes.get(pane_id)
        if s is not None:
            names.append(s.record.name)
    return names


def notices(app: ChloeApp) -> list[tuple[str, str]]:
    """The notifications on screen now, as (severity, text), oldest first.

    Textual shows them only when the test runs with ``run_test(notifications=True)``.
    """
    shown = []
    for toast in app.screen.query("Toast"):
        severity = next(
            (s for s in ("error", "warning", "information") if toast.has_class(f"-{s}")), ""
        )
        shown.append((severity, str(toast.render())))
    return shown


def shows(app: ChloeApp, name: str, word: str) -> bool:
    """The list entry of ``name`` shows the status ``word`` (e.g. 'detached', 'dead (exit 3)')."""
    text = entry_text(app, name)
    return f"· {word}" in text or text.endswith(f" {word}")


def screen_text(app: ChloeApp) -> str:
    """What the terminal area shows, as text."""
    return "\n".join(line.rstrip() for line in app.view.terminal.display)


def title_text(app: ChloeApp) -> str:
    """The line above the terminal (pane name, label, hint)."""
    return str(app.query_one("#pane-title").render())


def tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``tmux -L socket ARGS`` and return the completed process."""
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20)


def clients(socket: str) -> list[str]:
    """Every client attached to the private server (empty if none or no server)."""
    out = tmux(socket, "list-clients", "-F", "#{client_session}").stdout
    return [line for line in out.splitlines() if line]


def prompt(app: ChloeApp) -> bool:
    """The shell in the shown pane waits at its prompt (``$`` or ``#`` for root)."""
    return screen_text(app).rstrip().endswith(("$", "#"))
