"""Re-ingesting a file: recognised unchanged, grown, or repeating stored records.

.venv/bin/python benchmarks/bench_reingest.py [--events 1500000]

One JSON-lines file of generated events (about 270 MB for 1.5M events) is ingested once
into a fresh store. Then, each as a `basics` process, side by side with `sha256sum` over
the same file (the floor: reading and hashing every byte):

a. the same file again: "nothing changed" (no batch);
b. the file with 1 % more lines appended: only those are read, as a new batch;
c. a copy of its first 10 % under another name: refused as an overlap (exit 1).

And, in process, the pass that hashes a file before it is parsed (`plan_read` with no
earlier batch to match): the work a first ingest does to recognise content up front, as a
share of that first ingest.

It checks the store's event count after each step (N, then N + 1 %, unchanged by c) and
prints seconds and ratios to sha256sum. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from bench_common import write_config
from bench_data import write_jsonl

BASICS = Path(sys.executable).parent / "basics"


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_500_000)
    args = parser.parse_args()
    n = args.events
    with tempfile.TemporaryDirectory(prefix="bench-reingest-") as tmp:
        folder = Path(tmp)
        config = write_config(folder)
        log = folder / "events.jsonl"
        write_jsonl(n, log)
        ingest = [str(BASICS), "--config", str(config), "ingest", "events", "-s", "events", "-q"]
        first_s, done = timed([*ingest, str(log)])
        assert done.returncode == 0, done.stderr
        assert stored(folder / "basics.duckdb") == n
        plan_s = min(hash_pass(log) for _ in range(3))

        sha_s = min(timed(["sha256sum", str(log)])[0] for _ in range(3))
        same_s, done = timed([*ingest, str(log)])
        assert "nothing changed" in done.stdout, done.stdout + done.stderr
        assert stored(folder / "basics.duckdb") == n

        lines = log.read_bytes().splitlines(keepends=True)
        extra = n // 100
        grown_copy = folder / "grown.jsonl"
        write_jsonl(n + extra, grown_copy)  # the same generator: its first n lines are log's
        tail = grown_copy.read_bytes().splitlines(keepends=True)[n:]
        with log.open("ab") as handle:
            handle.writelines(tail)
        grown_sha_s = min(timed(["sha256sum", str(log)])[0] for _ in range(3))
        grown_s, done = timed([*ingest, str(log)])
        assert done.returncode == 0 and "appended since batch 1" in done.stdout, done.stdout
        assert stored(folder / "basics.duckdb") == n + extra

        part = folder / "part.jsonl"
        part.write_bytes(b"".join(lines[: n // 10]))
        part_sha_s = min(timed(["sha256sum", str(part)])[0] for _ in range(3))
        part_s, done = timed([*ingest, str(part)])
        assert done.returncode == 1 and "identical to events already stored" in done.stderr
        assert stored(folder / "basics.duckdb") == n + extra
        size_mb = log.stat().st_size / 1e6
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{n:,} events, {size_mb:.0f} MB; first ingest {first_s:.2f} s")
    print(
        f"the hash pass before parsing: {plan_s:.2f} s in process "
        f"({plan_s / first_s:.1%} of the first ingest)"
    )
    print(f"{'step':<44} {'basics':>8} {'sha256sum':>10} {'ratio':>6}")
    for label, mine, floor in [
        ("a. same file again: nothing changed", same_s, sha_s),
        (f"b. {extra:,} lines appended: read only those", grown_s, grown_sha_s),
        (f"c. first {n // 10:,} lines as a new file: refused", part_s, part_sha_s),
    ]:
        print(f"{label:<44} {mine:>7.2f}s {floor:>9.2f}s {mine / floor:>5.1f}x")


if __name__ == "__main__":
    main()
