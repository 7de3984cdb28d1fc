"""An idle list is drawn again once a minute, not whenever one of its ages passes a minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from chloe.model import UserState
from chloe.ui.app import ChloeApp
from tests.ui.helpers import FIXED_NOW, entry_text, memory_panes, until


async def test_the_ages_of_many_panes_change_together_once_a_minute(tmp_path: Path) -> None:
    panes = memory_panes(tmp_path)
    names = [f"p{i:02d}" for i in range(30)]
    for i, name in enumerate(names):
        # Made at 30 different seconds, as panes are.
        created = FIXED_NOW - timedelta(minutes=5, seconds=2 * i + 1)
        panes.add_tmux(name, created=created, user_state=UserState.DETACHED)
    now = [FIXED_NOW]
    app = ChloeApp(panes.service, clock=lambda: now[0], cwd=str(tmp_path))
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: all("detached" in entry_text(app, n) for n in names), "labels")
        seen: list[list[str]] = []
        changed_at: list[datetime] = []
        for second in range(120):
            now[0] = FIXED_NOW + timedelta(seconds=second, milliseconds=500)
            app._refresh_list()
            texts = [entry_text(app, n) for n in names]
            if seen and texts != seen[-1]:
                changed_at.append(now[0])
            seen.append(texts)
        # Every age moved on, all at once, on the minute.
        assert changed_at == [FIXED_NOW + timedelta(seconds=60, milliseconds=500)]
        assert [t[0].rsplit(" ", 1)[1] for t in (seen[0], seen[-1])] == ["5m", "6m"]
