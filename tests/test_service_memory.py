"""PaneService over the in-memory tmux and direct panes: the rules the TUI's tests rely on.

The same rules run against real tmux in tests/backends; these check that the
in-memory doubles give the service what real tmux would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chloe.backends.memory import MemoryDirect, MemoryTmux
from chloe.config import Config
from chloe.errors import PaneStartError
from chloe.model import ExitStatus, Status
from chloe.service import PaneService
from chloe.store import Store


@pytest.fixture
def world(tmp_path: Path) -> tuple[PaneService, MemoryTmux, MemoryDirect]:
    tmux, direct = MemoryTmux(), MemoryDirect()
    service = PaneService(Store(tmp_path / "panes.toml"), Config(), tmux=tmux, direct=direct)
    return service, tmux, direct


def by_name(service: PaneService) -> dict[str, tuple[Status, str]]:
    return {i.record.name: (i.status, i.label) for i in service.panes()}


def test_tmux_pane_lifecycle(world: tuple[PaneService, MemoryTmux, MemoryDirect]) -> None:
    """Created detached, attached while a client runs, dead with its status, respawned."""
    service, tmux, _ = world
    rec = service.create_tmux(name="job", cwd="/", attached=False)
    assert by_name(service)["job"] == (Status.DETACHED, "detached")
    client = service.attach(rec, 80, 24)
    assert by_name(service)["job"] == (Status.ATTACHED, "attached")
    assert rec.tmux_session is not None
    tmux.end(rec.tmux_session, ExitStatus(code=4))
    assert by_name(service)["job"] == (Status.DEAD, "dead (exit 4)")
    dead = service.find("job")
    assert dead.exit_status == ExitStatus(code=4) and dead.ended is not None
    back = service.respawn(dead)
    assert back.exit_status is None and back.ended is None
    assert by_name(service)["job"] == (Status.ATTACHED, "attached")
    client.close()
    assert by_name(service)["job"][0] is Status.DETACHED


def test_marked_session_missing_from_the_file_is_adopted(
    world: tuple[PaneService, MemoryTmux, MemoryDirect],
) -> None:
    """A live chloe session whose record is gone comes back, with its id."""
    service, tmux, _ = world
    tmux.add_session("chloe-0badcafe", pane_id="0badcafe" * 4, name="lost", cwd="/")
    infos = service.panes()
    assert [(i.record.name, i.record.id, i.status) for i in infos] == [
        ("lost", "0badcafe" * 4, Status.DETACHED)
    ]
    assert [r.name for r in service.store.load()] == ["lost"]


def test_unreachable_tmux_never_marks_panes_ended(
    world: tuple[PaneService, MemoryTmux, MemoryDirect],
) -> None:
    """When tmux cannot be asked, the record is left as it was."""
    service, tmux, _ = world
    service.create_tmux(name="job", cwd="/")
    tmux.problem = "tmux is not installed"
    service.panes()
    assert service.find("job").ended is None


def test_direct_pane_runs_then_records_its_exit(
    world: tuple[PaneService, MemoryTmux, MemoryDirect],
) -> None:
    """A direct pane is attached while its process runs, then dead with the status recorded."""
    service, _, direct = world
    rec = service.create_direct(name="sh", cwd="/")
    proc = service.spawn_direct(rec, 80, 24)
    assert direct.spawned == [proc]
    live = {rec.id: proc}
    assert [i.status for i in service.panes(live)] == [Status.ATTACHED]
    direct.spawned[0].finish(ExitStatus(signal=9))
    assert [i.label for i in service.panes(live)] == ["dead (SIGKILL)"]
    assert service.find("sh").exit_status == ExitStatus(signal=9)


def test_direct_pane_running_in_another_chloe(
    world: tuple[PaneService, MemoryTmux, MemoryDirect],
) -> None:
    """A direct pane another chloe runs is attached, not dead."""
    service, _, direct = world
    rec = service.create_direct(name="elsewhere", cwd="/")
    direct.elsewhere.add(rec.id)
    assert [i.status for i in service.panes()] == [Status.ATTACHED]


def test_one_directory_check(
    world: tuple[PaneService, MemoryTmux, MemoryDirect], tmp_path: Path
) -> None:
    """Both kinds refuse a missing directory with the same one-line message."""
    service, _, _ = world
    missing = str(tmp_path / "nowhere")
    messages = []
    for create in (service.create_direct, service.create_tmux):
        with pytest.raises(PaneStartError) as info:
            create(cwd=missing)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == f"cannot start pane: directory {missing} does not exist"
    assert [r.kind for r in service.store.load()] == []


def test_restore_writes_back_lost_records_once(
    world: tuple[PaneService, MemoryTmux, MemoryDirect],
) -> None:
    """Records of running panes that vanished go back; twice is once; a taken name moves."""
    service, _, _ = world
    rec = service.create_direct(name="job", cwd="/")
    service.store.save([])
    assert service.restore([rec]) == [rec]
    assert service.restore([rec]) == []
    service.store.save([])
    other = service.create_direct(name="job", cwd="/")
    (back,) = service.restore([rec])
    assert back.id == rec.id and back.name == "job-2"
    assert [r.id for r in service.store.load()] == [other.id, rec.id]


def test_a_pane_created_after_every_status_query_is_checking_never_dead(
    world: tuple[PaneService, MemoryTmux, MemoryDirect], tmp_path: Path
) -> None:
    """Creators keep saving panes right after each tmux query (a busy machine, many
    `chloe new` at once): a record tmux was not asked about is not known yet, so it
    is "checking", never "dead", and nothing is written into its record."""
    service, tmux, direct = world
    other = PaneService(Store(tmp_path / "panes.toml"), Config(), tmux=tmux, direct=direct)
    asked = service.snapshots
    made: list[str] = []

    def snapshots_then_a_create(hosts: list[str]) -> object:
        answer = asked(hosts)
        # Between tmux's answer and the store: another process creates a pane.
        # Its session exists now, after tmux was asked.
        made.append(other.create_tmux(name=f"new{len(made)}", cwd="/", attached=False).id)
        return answer

    service.snapshots = snapshots_then_a_create  # type: ignore[method-assign,assignment]
    infos = {i.record.id: i for i in service.panes()}
    assert made and all(infos[m].status is not Status.DEAD for m in made if m in infos)
    assert infos[made[-1]].status is Status.CHECKING
    service.snapshots = asked  # type: ignore[method-assign]
    again = {i.record.id: i for i in service.panes()}
    assert {again[m].status for m in made} == {Status.DETACHED}
    assert all(again[m].record.ended is None for m in made)
