"""Importing on-call shifts: a schedule export of two years, as a process.

.venv/bin/python benchmarks/bench_shifts.py [--rotations 10] [--days 730] [--runs 3]
    [--before-src PATH]

Writes a CSV of shifts (`person,rotation,start,end`: `--rotations` rotations of 12-hour
shifts over `--days` days, 14,600 shifts by default: a company's schedules for two years),
then times `basics ingest shifts FILE --format csv` as a process into a fresh store, `--runs`
times. With `--before-src PATH` (the `src/` of another checkout, e.g. a `git worktree` of an
older commit) the same import also runs with that tree first on PYTHONPATH, alternating with
this tree's run by run, so a change is measured against the code before it in one run.
It checks the stored shifts after every run and prints the medians. No timings are asserted
anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
from pathlib import Path

import duckdb
from bench_common import machine, timed_basics


def schedule(rotations: int, days: int) -> str:
    """Two 12-hour shifts a day per rotation, seven people taking turns in each."""
    rows = ["person,rotation,start,end"]
    first = dt.datetime(2025, 1, 1)
    for rotation in range(rotations):
        for half_day in range(2 * days):
            start = first + dt.timedelta(hours=12 * half_day)
            end = start + dt.timedelta(hours=12)
            person = f"p{(half_day + rotation) % 7}-r{rotation}"
            rows.append(f"{person},rot{rotation},{start.isoformat()}Z,{end.isoformat()}Z")
    return "\n".join(rows) + "\n"


def run(folder: Path, shifts: Path, src: str | None) -> float:
    """Seconds for one import into a fresh store in `folder`."""
    for stale in folder.glob("basics.duckdb*"):
        stale.unlink()
    args = ["ingest", "shifts", str(shifts), "--format", "csv"]
    seconds, done = timed_basics(folder / "basics.yaml", args, src)
    assert done.returncode == 0, done.stderr
    return seconds


def stored(folder: Path) -> int:
    with duckdb.connect(str(folder / "basics.duckdb"), read_only=True) as db:
        return int(db.execute("SELECT count(*) FROM shifts").fetchall()[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rotations", type=int, default=10)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before-src", help="the src/ of another checkout, run alongside")
    args = parser.parse_args()
    n = args.rotations * args.days * 2
    trees = {"now": None} | ({"before": args.before_src} if args.before_src else {})
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="bench-shifts-") as tmp:
        folder = Path(tmp)
        (folder / "basics.yaml").write_text("store: basics.duckdb\ntimezone: UTC\n")
        shifts = folder / "shifts.csv"
        shifts.write_text(schedule(args.rotations, args.days))
        for _ in range(args.runs):
            for name, src in trees.items():
                seconds[name].append(run(folder, shifts, src))
                assert stored(folder) == n
        size_kb = shifts.stat().st_size / 1e3
    info = machine(("duckdb",))
    print(f"machine: {info.get('cpu')}, {info.get('cores')} cores, Python {info.get('python')}")
    print(f"{n:,} shifts ({size_kb:.0f} KB of CSV), `basics ingest shifts` as a process:")
    for name, runs in seconds.items():
        shown = ", ".join(f"{s:.2f}" for s in runs)
        print(f"  {name:<7} median {statistics.median(runs):7.2f} s  (runs: {shown} s)")
    if "before" in seconds:
        ratio = statistics.median(seconds["before"]) / statistics.median(seconds["now"])
        print(f"before / now: {ratio:.1f}x")


if __name__ == "__main__":
    main()
