"""Fault cases around chloe's files: each must end in one clear line, in time, losing nothing.

Run ``.venv/bin/python benchmarks/bench_faults.py``. Each case gets a fresh
temporary home (every ``XDG_*`` directory, ``HOME`` and ``TMUX_TMPDIR`` inside
it) and a private tmux socket name, damages something, then runs chloe the way
a user does (``python -m chloe ...``, with a 60 s limit) and checks:

- **survived**: the command returned in time with the expected exit status,
  no traceback, and the words it should say;
- **data lost**: the pane list that was there before is no longer anywhere
  (neither at ``panes.toml``, its symlink target, nor a ``.corrupt-*`` copy),
  or a file outside chloe's directories was created or changed;
- **wait**: the command's wall time (the first row, with nothing wrong, is
  the baseline: interpreter start-up and imports on this machine).

It prints one row per case and the totals (cases tried, survived, data lost,
worst wait), the figures quoted in ``docs/reliability.md``. Nothing outside the
temporary directory is touched; a tmux server, if a case started one, is
killed by its socket at the end; a stopped lock holder is resumed and killed
by its pid.
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chloe.model import Kind, PaneRecord  # noqa: E402
from chloe.store import LOCK_TIMEOUT, dumps  # noqa: E402

LIMIT = 60.0


@dataclass
class Outcome:
    survived: bool
    lost: bool
    wait: float
    said: str


@dataclass
class Home:
    """A private set of chloe directories and the environment pointing at them."""

    root: Path
    env: dict[str, str]

    @property
    def data(self) -> Path:
        return self.root / "data" / "chloe"

    @property
    def store(self) -> Path:
        return self.data / "panes.toml"

    @property
    def state(self) -> Path:
        return self.root / "state" / "chloe"

    def run(
        self, *args: str | bytes, umask: int | None = None
    ) -> tuple[subprocess.CompletedProcess[bytes], float]:
        def before() -> None:  # pragma: no cover - runs in the child
            if umask is not None:
                os.umask(umask)

        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "chloe", *args],
            capture_output=True,
            check=False,
            cwd=ROOT,
            env=self.env,
            timeout=LIMIT,
            stdin=subprocess.DEVNULL,
            preexec_fn=before,
        )
        return proc, time.monotonic() - start

    def run_as(self, uid: int, *args: str) -> tuple[subprocess.CompletedProcess[bytes], float]:
        """``chloe ARGS`` in a forked child running as ``uid`` (the interpreter is
        already loaded, so its files need not be readable by that user)."""
        for module in ("chloe.cli", "chloe.config", "chloe.service", "chloe.backends.tmux"):
            importlib.import_module(module)  # loaded before dropping privileges

        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            rc = 70
            try:
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.environ.clear()
                os.environ.update(self.env)
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                from chloe.cli import main as cli_main

                rc = cli_main(list(args))
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(rc)
        os.close(out_w)
        os.close(err_w)
        out = _read_all(out_r)
        err = _read_all(err_r)
        _, status = os.waitpid(pid, 0)
        wait = time.monotonic() - start
        return (
            subprocess.CompletedProcess(list(args), os.waitstatus_to_exitcode(status), out, err),
            wait,
        )


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def make_home(base: Path) -> Home:
    root = Path(tempfile.mkdtemp(dir=base))
    env = dict(os.environ)
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "run"),
        ("HOME", "home"),
        ("TMUX_TMPDIR", "tx"),
    ):
        (root / sub).mkdir(mode=0o700)
        env[var] = str(root / sub)
    env.pop("TMUX", None)
    env.pop("TMUX_PANE", None)
    env["CHLOE_TMUX_SOCKET"] = f"bf-{secrets.token_hex(4)}"
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    return Home(root, env)


def pane_list(*names: str, kind: Kind = Kind.DIRECT) -> bytes:
    return dumps(
        [
            PaneRecord(
                id=f"{k:032x}",
                name=name,
                kind=kind,
                cwd="/",
                created=datetime(2024, 1, 1, tzinfo=UTC),
                tmux_session=f"chloe-{k:08x}" if kind is Kind.TMUX else None,
            )
            for k, name in enumerate(names)
        ]
    ).encode()


def kept(home: Home, content: bytes) -> bool:
    """Whether ``content`` is still at panes.toml (or its target) or in a moved-aside copy."""
    candidates = [home.store, *home.data.glob("panes.toml.corrupt-*")]
    for path in candidates:
        try:
            if path.read_bytes() == content:
                return True
        except OSError:
            continue
    return False


def one_line(proc: subprocess.CompletedProcess[bytes], rc: int, *words: str) -> tuple[bool, str]:
    """Whether chloe exited ``rc`` with no traceback and said ``words``; what it said.

    A failure must be one line; a success may add its warnings (and ``ls`` its
    "no panes yet" hint) on stderr.
    """
    err = proc.stderr.decode(errors="replace")
    lines = err.splitlines()
    wanted = [line for line in lines if all(w in line for w in words)] if words else lines
    said = wanted[0] if wanted else (lines[0] if lines else "")
    ok = (
        proc.returncode == rc
        and "Traceback" not in err
        and (rc == 0 or len(lines) == 1)
        and all(w in err for w in words)
    )
    return ok, said


# -- the cases ------------------------------------------------------------------------


def case_baseline(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = pane_list("job")
    home.store.write_bytes(content)
    proc, wait = home.run("ls")
    ok, _ = one_line(proc, 0)
    return Outcome(ok and b"job" in proc.stdout, not kept(home, content), wait, "(listed)")


def case_fifo(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    os.mkfifo(home.store, 0o600)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, "FIFO", "not a regular file")
    return Outcome(ok and stat.S_ISFIFO(os.stat(home.store).st_mode), False, wait, said)


def case_fifo_lock(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    os.mkfifo(home.store.with_name("panes.toml.lock"), 0o600)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, "FIFO")
    return Outcome(ok, False, wait, said)


def case_directory(home: Home) -> Outcome:
    home.store.mkdir(parents=True)
    (home.store / "keep").write_text("mine")
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, "a directory")
    return Outcome(ok, (home.store / "keep").read_text() != "mine", wait, said)


def case_stopped_holder(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = pane_list("job")
    home.store.write_bytes(content)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom pathlib import Path\nfrom chloe.store import Store\n"
            "with Store(Path(sys.argv[1])).transaction():\n"
            "    print('locked', flush=True)\n    sys.stdin.read()\n",
            str(home.store),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=home.env,
    )
    try:
        assert holder.stdout is not None
        holder.stdout.readline()
        os.kill(holder.pid, signal.SIGSTOP)
        proc, wait = home.run("ls")
        ok, said = one_line(proc, 1, str(holder.pid), "stopped")
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGCONT)
            holder.kill()
        holder.wait(timeout=15)
    return Outcome(ok, not kept(home, content), wait, said)


def _bad_record(home: Home, pane_id: str, created: str, words: str) -> Outcome:
    home.data.mkdir(parents=True)
    content = (
        "schema = 1\n[[panes]]\n"
        f'id = "{pane_id}"\nname = "one"\nkind = "direct"\ncwd = "/"\ncreated = {created}\n'
    ).encode()
    home.store.write_bytes(content)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, words, "moved to")
    outside = home.root / "precious.lock"
    return Outcome(ok, not kept(home, content) or outside.exists(), wait, said)


def case_date_late(home: Home) -> Outcome:
    return _bad_record(home, "a1", "9999-12-31T23:30:00-05:00", "out of range")


def case_date_early(home: Home) -> Outcome:
    return _bad_record(home, "a1", "0001-01-01T00:10:00+05:00", "out of range")


def case_id_traversal(home: Home) -> Outcome:
    return _bad_record(home, "../../../precious", "2024-01-01T00:00:00Z", "bad id")


def case_deep_nesting(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = b"schema = 1\nx = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"
    home.store.write_bytes(content)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, "nested too deeply")
    return Outcome(ok, not kept(home, content), wait, said)


def case_bom(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = pane_list("job")
    home.store.write_bytes(b"\xef\xbb\xbf" + content)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 0)
    return Outcome(ok and b"job" in proc.stdout, False, wait, said or "(listed)")


def case_symlinked_store(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    target = home.root / "dotfiles" / "panes.toml"
    target.parent.mkdir()
    target.write_bytes(pane_list("job"))
    home.store.symlink_to(target)
    proc, wait = home.run("rename", "job", "work")
    ok, said = one_line(proc, 0)
    still = home.store.is_symlink() and b'"work"' in target.read_bytes()
    return Outcome(ok and still, not target.exists(), wait, said or "(written through)")


def case_lock_symlink(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = pane_list("job")
    home.store.write_bytes(content)
    target = home.root / "precious"
    home.store.with_name("panes.toml.lock").symlink_to(target)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 1, "symbolic link")
    return Outcome(ok, target.exists() or not kept(home, content), wait, said)


def case_live_lock_symlink(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    home.store.write_bytes(pane_list("job"))
    live = home.state / "live"
    live.mkdir(parents=True)
    target = home.root / "precious"
    (live / f"{0:032x}.lock").symlink_to(target)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 0)
    return Outcome(ok, target.exists(), wait, said or "(listed)")


def case_unwritable_state(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    home.store.write_bytes(pane_list("job"))
    home.state.mkdir(parents=True)
    (home.state / "live").write_text("in the way")
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 0, "cannot create lock files", "labels may be wrong")
    return Outcome(ok, False, wait, said)


def case_loose_directory(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    home.data.chmod(0o777)
    proc, wait = home.run("ls")
    ok, said = one_line(proc, 0, "writable by other users")
    return Outcome(ok and stat.S_IMODE(home.data.stat().st_mode) == 0o700, False, wait, said)


def case_umask_000(home: Home) -> Outcome:
    home.env["XDG_DATA_HOME"] = str(home.root / "fresh" / "share")
    proc, wait = home.run("ls", umask=0)
    ok, said = one_line(proc, 0)
    levels = [home.root / "fresh", home.root / "fresh" / "share", home.root / "fresh/share/chloe"]
    private = all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in levels)
    return Outcome(ok and private, False, wait, said or "(every level 0700)")


def case_read_only(home: Home) -> Outcome:
    home.data.mkdir(parents=True)
    content = pane_list("job")
    home.store.write_bytes(content)
    home.store.chmod(0o644)
    try:
        if os.geteuid() == 0:
            # root writes anywhere: run chloe as 'nobody' in directories root owns.
            for p in (home.root.parent, home.root, *home.root.rglob("*")):
                if p.is_dir():
                    p.chmod(0o755)
            proc, wait = home.run_as(65534, "ls")
        else:
            home.data.chmod(0o555)
            proc, wait = home.run("ls")
    finally:
        home.data.chmod(0o700)
    ok, said = one_line(proc, 0)
    return Outcome(ok and b"job" in proc.stdout, not kept(home, content), wait, said or "(listed)")


def case_non_utf8_cwd(home: Home) -> Outcome:
    odd = os.fsencode(home.root) + b"/caf\xe9"
    os.mkdir(odd)
    proc, wait = home.run("new", "--cwd", odd, "--", "true")
    ok, said = one_line(proc, 1, "UTF-8")
    return Outcome(ok, False, wait, said)


CASES: dict[str, Callable[[Home], Outcome]] = {
    "baseline: nothing wrong": case_baseline,
    "FIFO at panes.toml": case_fifo,
    "FIFO at panes.toml.lock": case_fifo_lock,
    "directory at panes.toml": case_directory,
    "lock holder stopped (SIGSTOP)": case_stopped_holder,
    "created 9999-12-31T23:30-05:00": case_date_late,
    "created 0001-01-01T00:10+05:00": case_date_early,
    "id ../../../precious": case_id_traversal,
    "100,000-deep nested array": case_deep_nesting,
    "UTF-8 byte-order mark": case_bom,
    "symlinked panes.toml (write)": case_symlinked_store,
    "dangling symlink at store lock": case_lock_symlink,
    "dangling symlink at live/<id>.lock": case_live_lock_symlink,
    "lock files cannot be created": case_unwritable_state,
    "data directory mode 0777": case_loose_directory,
    "umask 000, fresh directories": case_umask_000,
    "read-only data directory": case_read_only,
    "non-UTF-8 --cwd": case_non_utf8_cwd,
}


_WRITER = (
    "import sys\nfrom pathlib import Path\nfrom chloe.store import Store\n"
    "from chloe.model import PaneRecord, Kind\n"
    "Store(Path(sys.argv[1])).add(PaneRecord.new(sys.argv[2], Kind.DIRECT, '/'))\n"
)


def concurrent_writers(base: Path, n: int) -> str:
    """``n`` processes each adding a pane at once: none may fail or give up on the lock."""
    home = make_home(base)
    home.data.mkdir(parents=True)
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(home.store), f"p{i}"],
            env=home.env,
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        for i in range(n)
    ]
    failed = 0
    for proc in procs:
        _, err = proc.communicate(timeout=LIMIT * 4)
        failed += proc.returncode != 0 or b"Traceback" in err
    wall = time.monotonic() - start
    from chloe.store import Store

    stored = len(Store(home.store).load())
    return (
        f"{n} processes adding a pane at once: {stored} stored, {failed} failed, "
        f"all done in {wall:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument(
        "--writers", type=int, default=50, help="concurrent writers in the last check (0: skip)"
    )
    args = parser.parse_args()
    real_tmux = shutil.which("tmux")
    base = Path(tempfile.mkdtemp(prefix="chloe-faults-"))
    results: list[tuple[str, Outcome]] = []
    try:
        for name, case in CASES.items():
            if args.only and args.only not in name:
                continue
            home = make_home(base)
            try:
                outcome = case(home)
            except subprocess.TimeoutExpired:
                outcome = Outcome(False, False, LIMIT, f"no answer in {LIMIT:g} s")
            finally:
                if real_tmux is not None:
                    subprocess.run(
                        [real_tmux, "-L", home.env["CHLOE_TMUX_SOCKET"], "kill-server"],
                        capture_output=True,
                        timeout=10,
                        check=False,
                    )
            results.append((name, outcome))
        writers = concurrent_writers(base, args.writers) if args.writers > 0 else ""
    finally:
        shutil.rmtree(base, ignore_errors=True)
    width = max(len(n) for n, _ in results)
    print(f"{'case':<{width}}  survived  lost  wait (s)  what chloe said")
    for name, o in results:
        said = o.said if len(o.said) <= 90 else o.said[:87] + "..."
        print(
            f"{name:<{width}}  {'yes' if o.survived else 'NO':<8}  "
            f"{'YES' if o.lost else 'no':<4}  {o.wait:8.2f}  {said}"
        )
    print()
    print(
        f"cases tried {len(results)}, survived {sum(o.survived for _, o in results)}, "
        f"data lost {sum(o.lost for _, o in results)}, "
        f"worst wait {max(o.wait for _, o in results):.2f} s "
        f"(lock timeout {LOCK_TIMEOUT:g} s)"
    )
    if writers:
        print(writers)


if __name__ == "__main__":
    main()
