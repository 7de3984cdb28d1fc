"""``chloe hosts``: every host chloe knows, whether it answers, and its tmux.

One status query per host, all at once (a host that does not answer delays
the others by nothing); the version comes from the same connection.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chloe.model import LOCAL_HOST

if TYPE_CHECKING:
    from chloe.service import PaneService


def add_parsers(sub: Any) -> None:
    """Add ``hosts`` to the subcommands."""
    p = sub.add_parser(
        "hosts",
        help="list the hosts of config.toml: reachable or not, their tmux, their panes",
        description="List this machine and every [[hosts]] entry of config.toml: whether "
        "it answers over ssh, the tmux it runs, and how many of chloe's panes it holds.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list (see docs/cli.md)")


def host_rows(service: PaneService) -> list[dict[str, Any]]:
    """One dict per host: name, ssh, reachable, tmux version, error, panes, since."""
    from chloe.backends.remote import RemoteTmuxBackend

    names = service.host_names
    snaps = service.snapshots(names)
    records = service.store.load()
    rows: list[dict[str, Any]] = []
    for name in names:
        snap = snaps[name]
        entry = service.config.host(name)
        version: str | None = None
        backend = service.server(name) if snap.reachable or name == LOCAL_HOST else None
        if isinstance(backend, RemoteTmuxBackend):
            version = backend.version()
        elif name == LOCAL_HOST and service.tmux.problem is None:
            version = _local_version()
        rows.append(
            {
                "name": name,
                "ssh": entry.ssh if entry is not None else None,
                "reachable": snap.reachable,
                "tmux": version,
                "error": None if snap.reachable else snap.error,
                "last_seen": snap.last_seen.isoformat() if snap.last_seen else None,
                "panes": sum(1 for r in records if r.host == name and r.kind.value == "tmux"),
            }
        )
    return rows


def _local_version() -> str | None:
    import subprocess

    from chloe.backends.tmux_runner import tmux_binary

    binary = tmux_binary()
    if binary is None:
        return None
    try:
        out = subprocess.run(
            [binary, "-V"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out or None


def cmd_hosts(service: PaneService, args: argparse.Namespace) -> int:
    """``chloe hosts``: 0 when every host answers, 1 when one does not."""
    from chloe.cli import _out, format_age
    from chloe.model import utcnow

    rows = host_rows(service)
    if args.json:
        _out(json.dumps(rows, indent=2) + "\n")
    else:
        now = utcnow()
        table = [("HOST", "SSH", "STATUS", "TMUX", "PANES")]
        for row in rows:
            if row["reachable"]:
                status = "reachable"
            else:
                status = "unreachable"
                if row["last_seen"]:
                    seen = datetime.fromisoformat(row["last_seen"])
                    status += f" (last answered {format_age(seen, now)} ago)"
            table.append(
                (row["name"], row["ssh"] or "-", status, row["tmux"] or "-", str(row["panes"]))
            )
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table
        ]
        _out("\n".join(lines) + "\n")
        for row in rows:
            if row["error"]:
                print(f"chloe: {row['name']}: {row['error']}", file=sys.stderr)
    return 0 if all(r["reachable"] for r in rows) else 1


COMMANDS = {"hosts": cmd_hosts}
