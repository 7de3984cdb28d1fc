"""The footer: the keys that apply now, in the order of :data:`chloe.config.BINDINGS`.

Textual's footer lists every shown binding, and puts a key remapped in
``[keymap]`` at its end. This one lists, in the table's order whatever the
keymap, only the bindings the app says apply to what is selected now
(:meth:`ChloeApp.footer_shows`); the actions stay bound, so a key pressed
where it does not apply still says why. While a prompt has the keyboard (the
list's filter), it lists that prompt's keys instead (:meth:`ChloeApp.footer_prompt`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from chloe.config import BINDINGS

ORDER = {"leave_terminal": -1, **{spec.id: i for i, spec in enumerate(BINDINGS)}}
"""Footer position of each action."""


class ChloeFooter(Footer):
    """The footer of the chloe app (see the module docstring)."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Redraw for the keys that apply now, also while the app is not focused.

        Textual's footer skips the redraw while the terminal reports that it
        lost focus; the title above the pane does not, so the two could tell
        different modes until the next key.
        """
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        """One key per action that applies now, in table order."""
        if not self._bindings_ready:
            return
        app = self.app
        prompt = getattr(app, "footer_prompt", None)
        keys = prompt() if prompt is not None else []
        if keys:
            # A prompt has the keyboard (the list's filter): its keys, not the list's.
            self.styles.grid_size_columns = len(keys)
            for binding in keys:
                yield FooterKey(
                    binding.key, app.get_key_display(binding), binding.description, binding.action
                ).data_bind(compact=Footer.compact)
            return
        shows = getattr(app, "footer_shows", None)
        chosen: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            action = binding.action
            if not binding.show or action in chosen or action not in ORDER:
                continue
            if shows is not None and not shows(action):
                continue
            chosen[action] = (binding, enabled, tooltip)
        items = sorted(chosen.items(), key=lambda item: ORDER[item[0]])
        self.styles.grid_size_columns = len(items)
        for _action, (binding, enabled, tooltip) in items:
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
