"""The one way tests wait: poll a condition until a deadline, then fail saying what was awaited.

``wait_until`` polls from plain code; ``wait_until_async`` does the same inside an
event loop (a Textual Pilot test passes ``pause=pilot.pause`` so the app runs between
polls). Both return the value that satisfied the wait, and on a timeout fail the
test with what was awaited, the last value seen and, when given, ``show()`` (a
screen, a log) to tell why.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import pytest

T = TypeVar("T")


def _describe(probe: Callable[[], object]) -> str:
    """What a wait with no message awaits: the probe's name, or a lambda's source line."""
    name = getattr(probe, "__qualname__", repr(probe))
    if name.endswith("<lambda>"):
        try:
            return inspect.getsource(probe).strip()
        except (OSError, TypeError):
            pass
    return name


class _Deadline:
    """The clock and the failure message shared by both waits."""

    def __init__(
        self,
        probe: Callable[[], object],
        timeout: float,
        message: str,
        show: Callable[[], object] | None,
    ) -> None:
        self.end = time.monotonic() + timeout
        self.timeout = timeout
        self.what = message or _describe(probe)
        self.show = show

    def passed(self) -> bool:
        return time.monotonic() > self.end

    def fail(self, last: object) -> NoReturn:
        seen = last if isinstance(last, str) and "\n" in last else repr(last)
        text = f"timed out after {self.timeout}s waiting for {self.what}; last value seen: {seen}"
        if self.show is not None:
            text += f"\n{self.show()}"
        pytest.fail(text)


def wait_until(
    probe: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "",
    *,
    accept: Callable[[T], object] = bool,
    show: Callable[[], object] | None = None,
) -> T:
    """Call ``probe`` until ``accept(value)`` holds (by default: the value is truthy).

    Args:
        probe: what to look at; called at once, then every ``interval`` seconds.
        timeout: seconds before the test fails.
        interval: seconds between calls (0 when ``probe`` blocks by itself, e.g. on select).
        message: what is awaited, for the failure message.
        accept: when the value is the one awaited.
        show: more to print on a timeout (a screen, a log).

    Returns:
        The first value accepted.
    """
    deadline = _Deadline(probe, timeout, message, show)
    last = probe()
    while not accept(last):
        if deadline.passed():
            deadline.fail(last)
        if interval:
            time.sleep(interval)
        last = probe()
    return last


async def wait_until_async(
    probe: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "",
    *,
    pause: Callable[[float], Awaitable[object]],
    accept: Callable[[T], object] = bool,
    show: Callable[[], object] | None = None,
) -> T:
    """:func:`wait_until` for a test on an event loop: ``await pause(interval)`` between calls.

    ``pause`` is ``pilot.pause`` in a Pilot test (the app handles its messages
    meanwhile) or ``asyncio.sleep``.
    """
    deadline = _Deadline(probe, timeout, message, show)
    last = probe()
    while not accept(last):
        if deadline.passed():
            deadline.fail(last)
        await pause(interval)
        last = probe()
    return last
