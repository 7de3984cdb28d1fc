"""When to ask for every pane's status: one question at a time, none lost.

No Textual and no threads here: the App asks :meth:`StatusPoller.request` on
every tick (and after anything that changes a pane), runs the query in a
worker when told to, and reports the answer (or failure) back on the event
loop. Everything here is touched from the event loop only.
"""

from __future__ import annotations

STATUS_INTERVAL = 1.0
"""Seconds between status queries (and preview refreshes)."""


class StatusPoller:
    """The status query's state: idle, running, or running with another one wanted."""

    def __init__(self) -> None:
        self._running = False
        self._again = False
        self._enabled = False
        self._error_shown = False

    @property
    def running(self) -> bool:
        """A query is out."""
        return self._running

    def enable(self) -> None:
        """Start polling (after the start-up query)."""
        self._enabled = True

    def disable(self) -> None:
        """Stop polling for good (quitting)."""
        self._enabled = False

    def request(self) -> bool:
        """Whether to start a query now; if one is out, another is asked once it is in."""
        if not self._enabled:
            return False
        if self._running:
            self._again = True
            return False
        self._running = True
        return True

    def started(self) -> None:
        """A query was started outside :meth:`request` (the start-up one)."""
        self._running = True

    def answered(self) -> bool:
        """The query is in; True if another was requested meanwhile (start it now).

        A later failure is worth telling again.
        """
        self._running = False
        self._error_shown = False
        again, self._again = self._again, False
        return again and self._enabled

    def failed(self) -> bool:
        """The query failed; True if the last query succeeded (tell the user once per run)."""
        self._running = False
        self._again = False
        first = not self._error_shown
        self._error_shown = True
        return first
