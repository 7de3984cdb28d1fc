"""A direct pane that another chloe runs: this chloe says so and offers no key that cannot work."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._footer import FooterKey

from tests.ui.helpers import memory_app, notices, title_text, until

SIZE = (100, 30)


async def test_a_direct_pane_running_in_another_chloe(tmp_path: Path) -> None:
    app, panes = memory_app(tmp_path)
    rec = panes.add_direct("agent")
    panes.direct.elsewhere.add(rec.id)
    panes.direct.elsewhere_pids[rec.id] = 4242
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(
            pilot, lambda: "running in another chloe (pid 4242)" in title_text(app), "the title"
        )
        title = title_text(app)
        assert "attach here" not in title and "respawn" not in title and "a:" not in title

        def keys() -> list[str]:
            return [k.key_display for k in app.screen.query(FooterKey)]

        await until(pilot, lambda: keys() == ["c", "t", "q", "?"], "only keys that work")
        for key in ("a", "enter", "R", "x"):
            await pilot.press(key)
        await until(pilot, lambda: len(notices(app)) >= 4, "an answer to every key")
        texts = [t for _, t in notices(app)]
        assert all("running in another chloe (pid 4242)" in t for t in texts), texts
        assert app.focused is app.pane_list
        assert not panes.spawned and [r.id for r in panes.store.load()] == [rec.id]
