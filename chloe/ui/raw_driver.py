"""The Textual driver that lets chloe see the terminal's bytes before Textual's parser.

:class:`RawInputDriver` is Textual's Linux driver with its input thread
replaced: every read from the terminal goes to the app's
:class:`~chloe.terminal.rawinput.InputRouter` first. In terminal mode the
router sends the bytes to the pane as they came; whatever is meant for the UI
(navigation keys, mouse reports, the terminal's replies) comes back from
:meth:`InputRouter.take_for_ui` and is fed to Textual's own parser, as the stock
driver would.

The driver does not ask the terminal for the kitty keyboard protocol (Textual
does by default): tmux 3.3 does not either, so the terminal sends the same
legacy bytes a program in a tmux pane gets. Kitty key reports that arrive
anyway (a terminal left in that mode) are translated by the router.

The router's target, the pane that has the keyboard, is
:class:`chloe.ui.rawinput.PaneInput`.
"""

from __future__ import annotations

import os
import selectors
import time
from codecs import getincrementaldecoder
from typing import Any

from textual import constants
from textual.drivers.linux_driver import LinuxDriver

from chloe.terminal.rawinput import InputRouter

__all__ = ["RawInputDriver"]

_POLL = 0.1
"""Seconds between checks for the driver's exit (and Textual's own Esc timeout)."""


class RawInputDriver(LinuxDriver):
    """Textual's Linux driver, with the app's :class:`InputRouter` in front of its parser."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def start_application_mode(self) -> None:
        """As Textual's, without the kitty keyboard protocol (see the module docstring)."""
        constants.DISABLE_KITTY_KEY = True  # type: ignore[misc]  # read at start-up only
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"\0")
        except (BlockingIOError, OSError):
            pass  # already woken (the pipe is full) or closing

    def run_input_thread(self) -> None:
        """Read the terminal; route each read; feed the UI's share to Textual's parser."""
        from textual._xterm_parser import XTermParser

        router: InputRouter | None = getattr(self._app, "raw_input", None)
        if router is None:
            super().run_input_thread()
            return
        router.set_wake(self._wake)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)

        def to_textual(data: bytes) -> None:
            for event in parser.feed(decode(data)):
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                timeout = _POLL
                deadline = router.deadline()
                if deadline is not None:
                    timeout = max(0.0, min(timeout, deadline - time.monotonic()))
                for key, _ in selector.select(timeout):
                    if key.fd == self._wake_read:
                        try:
                            os.read(self._wake_read, 4096)
                        except BlockingIOError:
                            pass
                        continue
                    data = os.read(self.fileno, 4096)
                    if data:
                        router.feed(data)
                router.tick()
                pending = router.take_for_ui()
                if pending:
                    to_textual(pending)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            router.set_wake(lambda: None)
            selector.close()

    def close(self) -> None:
        """As Textual's, and close the wake-up pipe."""
        super().close()
        for fd in (self._wake_read, self._wake_write):
            try:
                os.close(fd)
            except OSError:
                pass
