"""A one-line text field that applies every key it is given in the order typed.

Textual's :class:`~textual.widgets.Input` inserts a printable key as soon as
it reads it, but its editing keys (Backspace, Ctrl+U, Home...) are bindings,
which run only after the key has gone back up to the app. When keys arrive
together (typed fast, or handed out at once after a hold, see
:mod:`chloe.ui.keyhold`), ``ab`` Backspace ``c`` became ``ab``: ``c`` was
inserted before the Backspace ran. :class:`Field` runs its own editing
bindings as it reads them. Enter still goes up to the app, which decides
what it means (keep a filter, close a prompt).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

PASSED_ON = frozenset({"enter"})
"""Keys the field leaves to the app and the screens above it."""


class Field(Input):
    """An :class:`~textual.widgets.Input` whose editing keys apply in the order typed."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and event.key not in PASSED_ON:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)
