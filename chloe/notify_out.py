"""Notifications out: telling the user a pane needs them, failed or is done.

No Textual. Three channels, chosen per event kind in ``[notifications]`` of
``config.toml`` (see docs/configuration.md):

* ``bell`` — BEL written to chloe's own terminal;
* ``osc9`` / ``osc777`` — a desktop notification sequence written to chloe's
  own terminal (iTerm2, kitty, WezTerm, Ghostty, foot, Windows Terminal show
  it, even over SSH);
* ``command`` — ``notify_command`` run through ``sh -c`` with the pane's name,
  state, exit status and message in its environment (``CHLOE_NOTIFY_*``).

Never a storm: at most one notification per pane per ``rate_limit_seconds``,
and a pane's command is not started again while the previous one still runs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable

from chloe.attention import Attention
from chloe.config import NotifySettings
from chloe.model import ExitStatus

KINDS = {
    "needs_you": Attention.NEEDS_YOU,
    "failed": Attention.FAILED,
    "done": Attention.DONE,
}
"""``[notifications]`` key -> the attention state that triggers it."""


def _clean(text: str, limit: int = 200) -> str:
    """Text safe inside an OSC string: no control characters, no ``;`` trouble."""
    return "".join(c if c.isprintable() else " " for c in text)[:limit]


def terminal_bytes(channels: tuple[str, ...], title: str, body: str) -> bytes:
    """What to write to chloe's terminal for these channels."""
    out = []
    if "bell" in channels:
        out.append("\a")
    if "osc9" in channels:
        out.append(f"\x1b]9;{_clean(title)}: {_clean(body)}\x1b\\")
    if "osc777" in channels:
        out.append(f"\x1b]777;notify;{_clean(title).replace(';', ',')};{_clean(body)}\x1b\\")
    return "".join(out).encode("utf-8", "replace")


class Notifier:
    """Sends notifications for attention changes, rate-limited per pane.

    Args:
        settings: The ``[notifications]`` settings.
        write: Writes bytes to chloe's own terminal.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        settings: NotifySettings,
        write: Callable[[bytes], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._write = write
        self._clock = clock
        self._last: dict[str, float] = {}
        self._running: dict[str, subprocess.Popen[bytes]] = {}
        self.sent = 0
        """Notifications sent (not counting those the rate limit held back)."""

    def notify(
        self,
        pane_id: str,
        name: str,
        state: Attention,
        *,
        exit_status: ExitStatus | None = None,
        message: str = "",
    ) -> bool:
        """Tell the user that pane ``name`` is now in ``state``; False if nothing went out."""
        kind = next((k for k, s in KINDS.items() if s is state), None)
        if kind is None:
            return False
        channels = self.settings.channels.get(kind, ())
        if not channels:
            return False
        now = self._clock()
        last = self._last.get(pane_id)
        if last is not None and now - last < self.settings.rate_limit_seconds:
            return False
        self._last[pane_id] = now
        words = state.value + (f" ({exit_status.describe()})" if exit_status else "")
        body = f"{words}: {message}" if message else words
        data = terminal_bytes(channels, f"chloe: {name}", body)
        if data:
            with contextlib.suppress(OSError):
                self._write(data)
        if "command" in channels and self.settings.command:
            self._run(pane_id, name, state, exit_status, message)
        self.sent += 1
        return True

    def _run(
        self,
        pane_id: str,
        name: str,
        state: Attention,
        exit_status: ExitStatus | None,
        message: str,
    ) -> None:
        previous = self._running.get(pane_id)
        if previous is not None and previous.poll() is None:
            return  # still busy with the last one: never pile them up
        env = dict(os.environ)
        env.update(
            CHLOE_NOTIFY_PANE=name,
            CHLOE_NOTIFY_PANE_ID=pane_id,
            CHLOE_NOTIFY_STATE=state.value,
            CHLOE_NOTIFY_EXIT=""
            if exit_status is None
            else str(exit_status.code if exit_status.code is not None else ""),
            CHLOE_NOTIFY_SIGNAL=""
            if exit_status is None or exit_status.signal is None
            else exit_status.describe(),
            CHLOE_NOTIFY_MESSAGE=message,
        )
        try:
            self._running[pane_id] = subprocess.Popen(
                ["/bin/sh", "-c", self.settings.command],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            pass

    def reap(self) -> None:
        """Collect finished commands (call now and then; never blocks)."""
        for pane_id, proc in list(self._running.items()):
            if proc.poll() is not None:
                del self._running[pane_id]
