"""Notifications out: the terminal sequences, the command's environment, the rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.attention import Attention
from chloe.config import NotifySettings, load_config
from chloe.errors import ConfigError
from chloe.model import ExitStatus
from chloe.notify_out import Notifier
from chloe.paths import config_path
from tests.support.waiting import wait_until


def test_channels_write_bell_and_desktop_notifications_to_chloes_terminal() -> None:
    written: list[bytes] = []
    settings = NotifySettings(channels={"needs_you": ("bell", "osc9", "osc777")})
    notifier = Notifier(settings, written.append)
    assert notifier.notify("p1", "claude", Attention.NEEDS_YOU, message="run the tests?")
    assert written == [
        b"\a"
        b"\x1b]9;chloe: claude: needs you: run the tests?\x1b\\"
        b"\x1b]777;notify;chloe: claude;needs you: run the tests?\x1b\\"
    ]
    # Working and quiet are not worth a notification; done is off by default.
    assert not notifier.notify("p1", "claude", Attention.WORKING)
    assert not Notifier(NotifySettings(), written.append).notify("p2", "x", Attention.DONE)


def test_the_command_gets_the_pane_in_its_environment_and_is_rate_limited(
    tmp_path: Path,
) -> None:
    out = tmp_path / "calls"
    command = (
        f'printf "%s|%s|%s|%s|%s\\n" "$CHLOE_NOTIFY_PANE" "$CHLOE_NOTIFY_STATE" '
        f'"$CHLOE_NOTIFY_EXIT" "$CHLOE_NOTIFY_SIGNAL" "$CHLOE_NOTIFY_MESSAGE" >> {out}'
    )
    now = [0.0]
    settings = NotifySettings(
        channels={"failed": ("command",), "needs_you": ("command",)},
        command=command,
        rate_limit_seconds=30,
    )
    notifier = Notifier(settings, lambda data: None, clock=lambda: now[0])
    assert notifier.notify("p1", "build", Attention.FAILED, exit_status=ExitStatus(code=2))
    for _ in range(1000):  # a storm of bells from the same pane
        notifier.notify("p1", "build", Attention.NEEDS_YOU, message="again")
    notifier.notify("p2", "train", Attention.FAILED, exit_status=ExitStatus(signal=9))
    wait_until(lambda: out.exists() and len(out.read_text().splitlines()) == 2)
    assert sorted(out.read_text().splitlines()) == [
        "build|failed|2||",
        "train|failed||SIGKILL|",
    ]
    now[0] = 31.0  # the limit is per pane and per period
    assert notifier.notify("p1", "build", Attention.NEEDS_YOU, message="approve?")
    wait_until(lambda: len(out.read_text().splitlines()) == 3)
    assert out.read_text().splitlines()[-1] == "build|needs you|||approve?"


def test_the_notifications_table_is_validated() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[notifications]\nneeds_you = ["bell", "command"]\ndone = ["osc9"]\n'
        'notify_command = "notify-send chloe \\"$CHLOE_NOTIFY_PANE\\""\nrate_limit_seconds = 5\n'
    )
    settings = load_config().notifications
    assert settings.channels["needs_you"] == ("bell", "command")
    assert settings.channels["done"] == ("osc9",)
    assert settings.channels["failed"] == ("bell",)  # the default stays
    assert settings.rate_limit_seconds == 5
    path.write_text('[notifications]\nneeds_you = ["beep"]\n')
    with pytest.raises(ConfigError, match=r"notifications\.needs_you should be a list of channels"):
        load_config()
    path.write_text('[notifications]\nfailed = ["command"]\n')
    with pytest.raises(ConfigError, match="'notify_command' is not set"):
        load_config()
    path.write_text("[notifications]\nloud = true\n")
    with pytest.raises(ConfigError, match="unknown key 'loud'"):
        load_config()
