"""Re-ingesting a file: recognised unchanged, grown, or repeating stored records.

.venv/bin/python benchmarks/bench_reingest.py [--events 1500000] [--before-src PATH]

One JSON-lines file of generated events (about 270 MB for 1.5M events) is ingested once
into a fresh store. Then, each as a `basics` process, side by side with `sha256sum` over
the same file (the floor: reading and hashing every byte):

a. the same file again: "nothing changed" (no batch);
b. the file with 1 % more lines appended: only those are read, as a new batch;
d. 1,000 lines appended, three times (the median): the habit of re-ingesting a growing
   log every few minutes, where the process's own start-up is most of the time;
c. a copy of its first 10 % under another name: refused as an overlap (exit 1).

And, in process, the pass that hashes a file before it is parsed (`plan_read` with no
earlier batch to match): the work a first ingest does to recognise content up front, as a
share of that first ingest.

With `--before-src PATH` (the `src/` of another checkout, e.g. a `git worktree` of an
older commit) the same steps also run with that tree first on PYTHONPATH, on a store and
file of their own, each step right after this tree's, so a change is measured against the
code before it in one run.

It checks the store's event count after each step (N, then N + 1 %, then 3,000 more,
unchanged by c) and prints seconds and ratios to sha256sum. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
from bench_common import basics_argv, write_config
from bench_data import write_jsonl


def timed(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    return time.perf_counter() - started, done


def hash_pass(path: Path) -> float:
    """Seconds for the hash pass a first ingest makes before parsing."""
    from basics.ingest.files import plan_read

    started = time.perf_counter()
    with path.open("rb") as handle:
        plan_read(handle, path.stat().st_size, [])
    return time.perf_counter() - started


def stored(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as db:
        return int(db.execute("SELECT count(*) FROM events").fetchall()[0][0])


SMALL = 1_000
"""Lines of each small append (step d)."""


class Tree:
    """One source tree's store, file and timings: this checkout's or `--before-src`'s."""

    def __init__(self, folder: Path, log: Path, src: str | None) -> None:
        self.folder = folder
        self.config = write_config(folder)
        self.log = folder / "events.jsonl"
        shutil.copyfile(log, self.log)
        self.env = dict(os.environ)
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed Basics has its bytecode
        self.other = src is not None
        if src is not None:
            self.env["PYTHONPATH"] = src + os.pathsep + self.env.get("PYTHONPATH", "")
        self.seconds: dict[str, float] = {}

    def ingest(self, path: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
        launch = basics_argv(self.other)
        command = [*launch, "--config", str(self.config), "ingest", "events"]
        return timed([*command, "-s", "events", "-q", str(path)], self.env)

    def stored(self) -> int:
        return stored(self.folder / "basics.duckdb")

    def append(self, lines: list[bytes]) -> None:
        with self.log.open("ab") as handle:
            handle.writelines(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_500_000)
    parser.add_argument("--before-src", help="the src/ of another checkout, run alongside")
    args = parser.parse_args()
    n = args.events
    extra = n // 100
    with tempfile.TemporaryDirectory(prefix="bench-reingest-") as tmp:
        folder = Path(tmp)
        source = folder / "source.jsonl"
        write_jsonl(n + extra + 3 * SMALL, source)  # one generator: each file a prefix
        every = source.read_bytes().splitlines(keepends=True)
        log = folder / "log.jsonl"
        log.write_bytes(b"".join(every[:n]))
        trees = {"now": Tree(folder / "now", log, None)}
        if args.before_src:
            trees["before"] = Tree(folder / "before", log, args.before_src)
        for tree in trees.values():
            tree.seconds["first"], done = tree.ingest(tree.log)
            assert done.returncode == 0, done.stderr
            assert tree.stored() == n
        plan_s = min(hash_pass(log) for _ in range(3))
        sha_s = min(timed(["sha256sum", str(log)])[0] for _ in range(3))

        for tree in trees.values():
            tree.seconds["a"], done = tree.ingest(tree.log)
            assert "nothing changed" in done.stdout, done.stdout + done.stderr
            assert tree.stored() == n

        for tree in trees.values():
            tree.append(every[n : n + extra])
        grown_sha_s = min(timed(["sha256sum", str(trees["now"].log)])[0] for _ in range(3))
        for tree in trees.values():
            tree.seconds["b"], done = tree.ingest(tree.log)
            assert done.returncode == 0 and "appended since batch" in done.stdout, done.stdout
            assert tree.stored() == n + extra

        small: dict[str, list[float]] = {name: [] for name in trees}
        for round_ in range(3):
            start = n + extra + round_ * SMALL
            for name, tree in trees.items():
                tree.append(every[start : start + SMALL])
                seconds, done = tree.ingest(tree.log)
                assert done.returncode == 0 and "appended since batch" in done.stdout, done.stdout
                assert tree.stored() == start + SMALL
                small[name].append(seconds)
        for name, tree in trees.items():
            tree.seconds["d"] = statistics.median(small[name])
        small_sha_s = min(timed(["sha256sum", str(trees["now"].log)])[0] for _ in range(3))

        part = folder / "part.jsonl"
        part.write_bytes(b"".join(every[: n // 10]))
        part_sha_s = min(timed(["sha256sum", str(part)])[0] for _ in range(3))
        for tree in trees.values():
            tree.seconds["c"], done = tree.ingest(part)
            assert done.returncode == 1 and "identical to events already stored" in done.stderr
            assert tree.stored() == n + extra + 3 * SMALL
        size_mb = log.stat().st_size / 1e6
        shutil.rmtree(folder, ignore_errors=True)

    now = trees["now"].seconds
    print(f"{n:,} events, {size_mb:.0f} MB; first ingest {now['first']:.2f} s")
    print(
        f"the hash pass before parsing: {plan_s:.2f} s in process "
        f"({plan_s / now['first']:.1%} of the first ingest)"
    )
    before = trees.get("before")
    header = f"{'step':<44} {'basics':>8} {'sha256sum':>10} {'ratio':>6}"
    print(header + (f" {'before':>8} {'before/now':>10}" if before else ""))
    for key, label, floor in [
        ("first", "first ingest of the file", None),
        ("a", "a. same file again: nothing changed", sha_s),
        ("b", f"b. {extra:,} lines appended: read only those", grown_sha_s),
        ("d", f"d. {SMALL:,} lines appended (median of 3)", small_sha_s),
        ("c", f"c. first {n // 10:,} lines as a new file: refused", part_sha_s),
    ]:
        mine = now[key]
        row = f"{label:<44} {mine:>7.2f}s " + (
            f"{floor:>9.2f}s {mine / floor:>5.1f}x" if floor else f"{'':>10} {'':>6}"
        )
        if before:
            row += f" {before.seconds[key]:>7.2f}s {before.seconds[key] / mine:>9.2f}x"
        print(row)


if __name__ == "__main__":
    main()
