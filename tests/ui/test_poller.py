"""The status poller's rules, without threads or the App."""

from __future__ import annotations

from chloe.ui.poller import StatusPoller


def test_nothing_is_asked_before_start_up() -> None:
    """Until enabled (the start-up answer is in), ticks start no query."""
    poller = StatusPoller()
    assert not poller.request()
    poller.enable()
    assert poller.request()


def test_one_query_at_a_time_and_none_lost() -> None:
    """A request while a query is out starts no second one, but asks again once it is in."""
    poller = StatusPoller()
    poller.enable()
    assert poller.request() and poller.running
    assert not poller.request()
    assert not poller.request()
    assert poller.answered()  # asked for meanwhile: start one now (only one)
    assert poller.request()
    assert not poller.answered()  # nothing asked meanwhile
    assert not poller.running


def test_failure_is_told_once() -> None:
    """A failing query frees the poller; only the first failure is worth a message."""
    poller = StatusPoller()
    poller.enable()
    poller.request()
    poller.request()
    assert poller.failed()
    assert poller.request()
    assert not poller.failed()


def test_disabled_stops_polling() -> None:
    """After quitting starts, nothing more is asked, even if requested meanwhile."""
    poller = StatusPoller()
    poller.enable()
    poller.request()
    poller.request()
    poller.disable()
    assert not poller.answered()
    assert not poller.request()


def test_failure_after_recovery_is_told_again() -> None:
    """A status failure after a good answer is news again (e.g. the file got corrupted)."""
    poller = StatusPoller()
    poller.enable()
    poller.request()
    assert poller.failed()
    poller.request()
    poller.answered()
    poller.request()
    assert poller.failed()
