"""An idle list is drawn again once a minute, not whenever one of its ages passes a minute,
and not computed again for a status answer that changed nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from chloe.model import ExitStatus, UserState
from chloe.service import PaneInfo
from chloe.ui.app import ChloeApp
from chloe.ui.pane_list import Entry
from chloe.ui.panes import PaneSlot
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
            app.refresh_list()
            texts = [entry_text(app, n) for n in names]
            if seen and texts != seen[-1]:
                changed_at.append(now[0])
            seen.append(texts)
        # Every age moved on, all at once, on the minute.
        assert changed_at == [FIXED_NOW + timedelta(seconds=60, milliseconds=500)]
        assert [t[0].rsplit(" ", 1)[1] for t in (seen[0], seen[-1])] == ["5m", "6m"]


async def test_a_status_answer_that_changes_nothing_computes_no_entry(tmp_path: Path) -> None:
    panes = memory_panes(tmp_path)
    names = [f"p{i:02d}" for i in range(30)]
    for name in names:
        panes.add_tmux(name, user_state=UserState.DETACHED)
    app = ChloeApp(panes.service, clock=lambda: FIXED_NOW, cwd=str(tmp_path))
    computed: list[str] = []
    entry = app.entry_for

    def counted(slot: PaneSlot, now: datetime) -> Entry:
        computed.append(slot.record.name)
        return entry(slot, now)

    app.entry_for = counted  # type: ignore[method-assign]
    asked = [0]
    query = panes.service.panes

    def counted_query(*args: Any, **kwargs: Any) -> list[PaneInfo]:
        asked[0] += 1
        return query(*args, **kwargs)

    panes.service.panes = counted_query  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: all("detached" in entry_text(app, n) for n in names), "labels")
        start = asked[0]
        await until(pilot, lambda: asked[0] >= start + 2, "two more status answers")
        computed.clear()
        await until(pilot, lambda: asked[0] >= start + 5, "three more status answers")
        assert computed == []  # the same answer, the same time: nothing to compute
        # A pane that ends is told at the next answer.
        session = next(r.tmux_session for r in panes.store.load() if r.name == "p07")
        assert session is not None
        panes.tmux.end(session, ExitStatus(code=2))
        await until(pilot, lambda: "failed" in entry_text(app, "p07"), "p07 failed")
