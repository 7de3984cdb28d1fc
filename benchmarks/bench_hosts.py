"""Remote hosts: a status tick with 3 hosts x 30 panes, attach to first byte, key to echo.

Run ``.venv/bin/python benchmarks/bench_hosts.py`` (``--runs N``, default 20;
``--panes N`` per host, default 30). It starts three OpenSSH servers on
127.0.0.1 (keys, configs and remote tmux sockets in a temporary directory, as
the tests do: ``tests/hosts/sshd.py``), configures them as three hosts, creates
the panes through :class:`PaneService`, and measures, with the shared master
connections up (the first call opened them):

- ``tick``: :meth:`PaneService.snapshots` of the 3 hosts (the status part of a
  refresh: one ``ssh HOST tmux ...`` per host, in parallel), and how many ssh
  processes one tick starts (a wrapper first on ``PATH`` counts them);
- ``panes()``: the whole refresh, store included, 90 remote panes + 0 local;
- baseline: the local tick (one tmux process) with the same number of panes;
- ``attach``: :meth:`TmuxBackend.attach` of a remote session until the
  client's first byte, against a local one;
- ``key to echo``: a key written to the embedded client of a pane running
  ``cat`` until its echo arrives on the client's pty, remote against local;
- baseline: one bare ``ssh h1 true`` over the master (what any remote call costs);
- ``logins``: new ssh logins during the measurements (sshd's log): 0 means
  every call rode the existing connection.

``CHLOE_BENCH_NOECHO=1`` checks the echo measurement instead: a pane with
``stty -echo`` must never echo (5000 ms, the wait's limit).

Aims (issue 15): tick under 150 ms, attach under 100 ms, key to echo within
2 ms of local.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import secrets
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chloe.backends.remote import RemoteTmuxBackend

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def first_byte_ms(start_client: Callable[[], object]) -> float:
    start = time.perf_counter()
    proc = start_client()
    fd = proc.fd  # type: ignore[attr-defined]
    while True:
        ready, _, _ = select.select([fd], [], [], 5)
        if ready and proc.read():  # type: ignore[attr-defined]
            break
    elapsed = (time.perf_counter() - start) * 1000
    proc.close()  # type: ignore[attr-defined]
    return elapsed


def drain(proc: object, quiet: float = 0.3) -> None:
    fd = proc.fd  # type: ignore[attr-defined]
    while select.select([fd], [], [], quiet)[0]:
        if proc.read() is None:  # type: ignore[attr-defined]
            return


def key_to_echo_ms(proc: object, runs: int) -> float:
    fd = proc.fd  # type: ignore[attr-defined]
    drain(proc)
    times = []
    for i in range(runs):
        key = b"abcdefghij"[i % 10 : i % 10 + 1]
        start = time.perf_counter()
        proc.write(key)  # type: ignore[attr-defined]
        got = b""
        while key not in got:
            if not select.select([fd], [], [], 5)[0]:
                break  # nothing in 5 s: counted as 5000 ms
            got += proc.read() or b""  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        drain(proc, 0.05)
    return statistics.median(times)


def remote_backend(service: object, name: str) -> RemoteTmuxBackend:
    from chloe.backends.remote import RemoteTmuxBackend

    backend = service.server(name)  # type: ignore[attr-defined]
    assert isinstance(backend, RemoteTmuxBackend)
    return backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--panes", type=int, default=30)
    args = parser.parse_args()
    real_ssh = shutil.which("ssh")
    if real_ssh is None or shutil.which("tmux") is None:
        sys.exit("ssh and tmux are needed")

    tmp = Path(tempfile.mkdtemp(prefix="chb-"))
    counter = tmp / "ssh-count"
    wrap = tmp / "bin"
    wrap.mkdir()
    (wrap / "ssh").write_text(f'#!/bin/sh\necho x >> "{counter}"\nexec "{real_ssh}" "$@"\n')
    (wrap / "ssh").chmod(0o755)
    socket = f"chb-{secrets.token_hex(3)}"
    os.environ.update(
        CHLOE_TMUX_SOCKET=socket,
        XDG_DATA_HOME=str(tmp / "d"),
        XDG_STATE_HOME=str(tmp / "s"),
        XDG_CONFIG_HOME=str(tmp / "c"),
        TMUX_TMPDIR=str(tmp),
        PATH=f"{wrap}{os.pathsep}{os.environ['PATH']}",
    )
    for name in ("TMUX", "TMUX_PANE"):
        os.environ.pop(name, None)

    from chloe.config import HostConfig, load_config
    from chloe.paths import store_path
    from chloe.service import PaneService
    from chloe.store import Store
    from tests.hosts.sshd import SshServer

    servers = [SshServer(tmp / f"h{i}", f"h{i}") for i in (1, 2, 3)]
    try:
        for server in servers:
            server.start()
        hosts = tuple(
            HostConfig(s.alias, s.alias, socket=s.tmux_socket, ssh_options=s.ssh_options)
            for s in servers
        )
        config = dataclasses.replace(load_config(), hosts=hosts)
        service = PaneService(Store(store_path()), config)
        names = [h.name for h in hosts]
        print(f"creating {args.panes} panes on each of {len(hosts)} hosts…", flush=True)
        for host in names:
            for n in range(args.panes):
                service.create_tmux(
                    name=f"{host}-{n}", cwd="/", command=["sleep", "3600"], host=host,
                    attached=False,
                )  # fmt: skip
        for n in range(args.panes):
            service.create_tmux(
                name=f"local-{n}", cwd="/", command=["sleep", "3600"], attached=False
            )
        service.snapshots(names)  # masters up, versions known
        logins_before = sum(s.log.read_text().count("Accepted publickey") for s in servers)

        counter.write_text("")
        service.snapshots(names)
        ssh_per_tick = len(counter.read_text().split())
        tick = median_ms(lambda: service.snapshots(names), args.runs)
        local_tick = median_ms(service.tmux.snapshot, args.runs)
        bare = remote_backend(service, "h1").transport.argv(["true"])
        bare_ssh = median_ms(
            lambda: subprocess.run(bare, capture_output=True, timeout=10, check=False), args.runs
        )
        assert all(len(s.sessions) == args.panes for h, s in service.snapshots(names).items()), (
            "a host did not list its panes"
        )
        panes = median_ms(service.panes, max(5, args.runs // 2))

        remote = remote_backend(service, "h1")
        rec = service.find("h1-0")
        local_rec = service.find("local-0")
        assert rec.tmux_session and local_rec.tmux_session
        attach_remote = statistics.median(
            first_byte_ms(lambda: remote.attach(rec.tmux_session or "", 80, 24, check_exists=False))
            for _ in range(max(5, args.runs // 2))
        )
        attach_local = statistics.median(
            first_byte_ms(
                lambda: service.tmux.attach(
                    local_rec.tmux_session or "", 80, 24, check_exists=False
                )
            )
            for _ in range(max(5, args.runs // 2))
        )
        if os.environ.get("CHLOE_BENCH_NOECHO"):  # check: no echo must ever arrive
            quiet = ["sh", "-c", "stty -echo; exec sleep 3600"]
            cat_remote = service.create_tmux(name="cat-r", cwd="/", command=quiet, host="h1")
            proc = service.attach(cat_remote, 80, 24)
            print(f"no-echo pane: {key_to_echo_ms(proc, 3):.1f} ms (5000 = nothing came)")
            return
        cat_remote = service.create_tmux(name="cat-r", cwd="/", command=["cat"], host="h1")
        cat_local = service.create_tmux(name="cat-l", cwd="/", command=["cat"])
        proc_r = service.attach(cat_remote, 80, 24)
        proc_l = service.attach(cat_local, 80, 24)
        echo_remote = key_to_echo_ms(proc_r, args.runs * 2)
        echo_local = key_to_echo_ms(proc_l, args.runs * 2)
        proc_r.close()
        proc_l.close()
        logins = sum(s.log.read_text().count("Accepted publickey") for s in servers) - logins_before

        load = os.getloadavg()[0]
        print(f"load average (1 min): {load:.1f}")
        print(f"tick, 3 hosts x {args.panes} panes      {tick:8.1f} ms   (aim < 150)")
        print(f"ssh processes per tick               {ssh_per_tick:8d}      (aim 3)")
        print(f"panes(), {3 * args.panes} remote + {args.panes} local    {panes:8.1f} ms")
        print(f"baseline: local tick, {args.panes} panes       {local_tick:8.1f} ms")
        print(f"baseline: bare `ssh h1 true` (master up) {bare_ssh:6.1f} ms")
        print(f"attach, remote, to first byte        {attach_remote:8.1f} ms   (aim < 100)")
        print(f"attach, local, to first byte         {attach_local:8.1f} ms")
        print(f"key to echo, remote                  {echo_remote:8.2f} ms")
        print(
            f"key to echo, local                   {echo_local:8.2f} ms   (aim: remote - local < 2)"
        )
        print(f"new ssh logins while measuring       {logins:8d}      (aim 0)")
    finally:
        for name in ("h1", "h2", "h3"):
            with contextlib.suppress(Exception):
                remote_backend(service, name).transport.stop_master()
        for server in servers:
            server.stop()
            server.kill_tmux()
        subprocess.run(
            ["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10, check=False
        )
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
