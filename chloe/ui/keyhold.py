"""Keys typed right after Enter or Esc in a text field: held until the field is done.

Textual hands each key to the widget focused when the app reads it, and a
key reaches that widget a step later, through its own message queue. Enter
in a text field (the list's filter, the history search, the rename box) goes
to the field, comes back to the app, and only then does what it means: keep
the filter, search, close the prompt. A key read in between, typed after
Enter, went to the field too: ``/build`` Enter ``j`` gave the filter
``buildj``, and ``/line 42`` Enter ``n`` searched for ``line 42n``.

So from the moment Enter or Esc is handed to a text field, the app holds
the keys it reads (:meth:`KeyHold.take`) and hands them out, in order, once
the field is done: the keyboard has moved elsewhere (the list, the pane the
prompt was opened over), or, if it stays in the field (a name the rename box
refuses), shortly after Enter came back to the app. No key is dropped; a
hold never lasts longer than :data:`LONGEST`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.events import Key
from textual.widget import Widget

AFTER_RETURN = 0.5
"""Seconds the keys stay held once Enter came back with the field still focused
(the prompt may be closing: a dismissed screen is popped a few messages later)."""

LONGEST = 2.0
"""Seconds a hold lasts at most, whatever happens to the Enter or Esc behind it."""

TRIGGERS = ("enter", "escape")


@dataclass
class _Hold:
    trigger: Key
    widget: Widget
    started: float
    returned: float | None = None
    keys: list[Key] = field(default_factory=list)


class KeyHold:
    """The keys held behind one Enter or Esc on its way through a text field."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hold: _Hold | None = None

    def take(self, key: Key) -> bool:
        """Hold ``key`` if a hold is on (the app must not hand it out now)."""
        if self._hold is None:
            return False
        self._hold.keys.append(key)
        return True

    def start(self, key: Key, focused: Widget | None, *, is_field: bool) -> bool:
        """Start holding if ``key`` is Enter or Esc going to a text field."""
        if self._hold is not None or key.key not in TRIGGERS or not is_field:
            return False
        assert focused is not None
        self._hold = _Hold(key, focused, self._clock())
        return True

    def came_back(self, key: Key) -> bool:
        """``key`` reached the app after the field: the field has read every key before it."""
        hold = self._hold
        if hold is None or key is not hold.trigger:
            return False
        hold.returned = self._clock()
        return True

    def due(self, focused: Widget | None) -> bool:
        """Whether the held keys should be handed out now."""
        hold = self._hold
        if hold is None:
            return False
        now = self._clock()
        if now - hold.started >= LONGEST:
            return True
        if hold.returned is None:
            return False
        return focused is not hold.widget or now - hold.returned >= AFTER_RETURN

    def release(self) -> list[Key]:
        """End the hold; the keys it held, oldest first."""
        hold, self._hold = self._hold, None
        return hold.keys if hold is not None else []
