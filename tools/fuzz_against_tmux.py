"""Fuzz the emulator against tmux: random escape-sequence soup, same screen?

Run ``.venv/bin/python tools/fuzz_against_tmux.py SEED COUNT [--wide] [--alt]``.
Each seed builds a random stream from a grammar of cursor, erase, edit,
scroll-region, SGR, REP and mode sequences (``--wide`` adds wide and combining
characters, ``--alt`` the alternate screens), replays it into tmux (a private
``-L`` server, killed at the end) and into ``Terminal``, and prints every seed
whose screens differ; failing streams are written to ``fuzz-failures/``.
The ``tests/captured/fuzz_*.bin`` streams came from here (``fuzz_SEED``;
seeds 1000-1999 with ``--alt``, 2000-2999 with ``--wide``, the rest with
neither): each once showed
a difference, since fixed.
"""

from __future__ import annotations

import argparse
import random
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chloe.terminal import Terminal
from tests.terminal import test_differential as diff

CSI = "\x1b["
WORDS = ["hello", "x", "abc def", "0123456789", "-----", "WORLD"]
WIDE_WORDS = ["日本", "語", "✓", "e\u0301"]
SGR = ["0", "1", "4", "7", "31", "42", "38;5;100", "48;5;33", "38;2;1;2;3", "22;24;27", ""]
SGR += ["39;49", "93", "104", "3", "9", "5"]


def op(r: random.Random, wide: bool, alt: bool) -> str:
    """One random piece of a stream."""
    if r.randrange(40) < 8:
        return r.choice(WORDS + (WIDE_WORDS if wide else []))

    def n(hi: int = 12) -> str:
        return str(r.randint(0, hi)) if r.random() < 0.8 else ""

    choices = [
        "\r", "\n", "\r\n", "\x08", "\t",
        f"{CSI}{r.randint(1, 26)};{r.randint(1, 82)}H",
        CSI + n() + "A", CSI + n() + "B", CSI + n() + "C", CSI + n() + "D",
        CSI + r.choice(["", "0", "1", "2"]) + "K", CSI + r.choice(["", "0", "1", "2"]) + "J",
        CSI + n() + "X", CSI + n() + "@", CSI + n() + "P", CSI + n() + "L", CSI + n() + "M",
        CSI + n() + "S", CSI + n() + "T",
        # DECSTBM, then CUP home: in origin mode tmux 3.3a homes to the
        # screen's top left and xterm (and chloe) to the region's.
        f"{CSI}{r.randint(1, 24)};{r.randint(1, 24)}r{CSI}H", f"{CSI}r{CSI}H",
        "\x1bM", "\x1bD", "\x1bE", "\x1b7", "\x1b8",
        CSI + r.choice(SGR) + "m",
        CSI + "4h", CSI + "4l", CSI + "?7l", CSI + "?7h", CSI + "?6h", CSI + "?6l",
        CSI + n(20) + "b", "\x1bH", CSI + r.choice(["0", "3"]) + "g",
        CSI + n(30) + "G", CSI + n(30) + "d", CSI + n(30) + "`", CSI + n() + "E",
        CSI + n() + "F", CSI + n() + "Z", CSI + "s", CSI + "u",
    ]  # fmt: skip
    if alt:
        choices += [CSI + f"?{m}{hl}" for m in (1049, 47, 1047) for hl in "hl"]
    return r.choice(choices)


def stream(seed: int, wide: bool, alt: bool) -> bytes:
    """The stream for ``seed``."""
    r = random.Random(seed)
    return "".join(op(r, wide, alt) for _ in range(r.randint(5, 120))).encode()


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--wide", action="store_true")
    parser.add_argument("--alt", action="store_true")
    args = parser.parse_args()
    socket = f"chloe-fuzz-{secrets.token_hex(4)}"
    out = Path("fuzz-failures")
    work = Path(tempfile.mkdtemp(prefix="chloe-fuzz-"))
    conf = work / "keep.conf"
    conf.write_text("set -g status off\nset -g history-limit 100\n")

    def tmux(*argv: str, check: bool = True) -> str:
        proc = subprocess.run(
            ["tmux", "-L", socket, *argv], capture_output=True, text=True, check=False
        )
        if check and proc.returncode:
            raise RuntimeError(proc.stderr)
        return proc.stdout

    # A session that outlives each test session keeps the server up between seeds.
    tmux("-f", str(conf), "new-session", "-d", "-s", "keep", "-x", "80", "-y", "24", "sleep 86400")
    failures = 0
    try:
        for seed in range(args.seed, args.seed + args.count):
            data = stream(seed, args.wide, args.alt)
            tmux("kill-session", "-t", "diff", check=False)
            expected, cursor = diff.tmux_screen(tmux, work, data, 80, 24)
            client = diff.client_screen(socket, expected, 80, 24)
            term = Terminal(80, 24)
            term.feed(data)
            problems = diff.compare(term, expected, cursor, client)
            if problems:
                failures += 1
                out.mkdir(exist_ok=True)
                (out / f"fuzz_{seed}.bin").write_bytes(data)
                print(f"seed {seed}: {len(problems)} differences; first: {problems[0]}")
    finally:
        tmux("kill-server", check=False)
    print(f"{failures} of {args.count} seeds differ")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
