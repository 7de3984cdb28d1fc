"""The tests' one waiting helper: what it returns, and what a timeout says."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.support.waiting import wait_until, wait_until_async


def test_returns_the_first_accepted_value() -> None:
    counter = itertools.count()
    assert wait_until(lambda: next(counter), 5, 0.001, accept=lambda n: n >= 3) == 3


def test_a_timeout_names_what_was_awaited_the_last_value_and_more() -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        wait_until(lambda: "line 1\nline 2", 0.05, 0.01, "the prompt", accept=lambda s: "$" in s,
                   show=lambda: "outer screen: empty")  # fmt: skip
    text = str(failure.value)
    assert "timed out after 0.05s waiting for the prompt" in text
    assert "last value seen: line 1\nline 2" in text
    assert text.endswith("outer screen: empty")


def test_with_no_message_a_lambda_is_named_by_its_source() -> None:
    ready: list[int] = []
    with pytest.raises(
        pytest.fail.Exception, match=r"waiting for .*lambda: ready.*last value seen: \[\]"
    ):
        wait_until(lambda: ready, 0.02, 0.01)


async def test_the_async_wait_lets_the_loop_run_between_polls() -> None:
    done: list[str] = []
    asyncio.get_running_loop().call_later(0.05, done.append, "ran")
    assert await wait_until_async(lambda: done, 5, 0.01, pause=asyncio.sleep) == ["ran"]
    with pytest.raises(pytest.fail.Exception, match="waiting for nothing; last value seen: 0"):
        await wait_until_async(lambda: 0, 0.02, 0.01, "nothing", pause=asyncio.sleep)
