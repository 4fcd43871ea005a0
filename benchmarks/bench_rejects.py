"""Exports whose every row is rejected (a wrong export or mapping), as processes.

.venv/bin/python benchmarks/bench_rejects.py [--rows 10000] [--runs 3] [--before-src PATH]

Writes three files of `--rows` rows each, every row with a time that cannot be read ("soon"):
a PagerDuty incidents CSV (`ingest pages --format pagerduty-csv`), a shifts CSV (`ingest
shifts --format csv`) and a worklog CSV (`ingest toil`), then times each import as a process
into a fresh store, `--runs` times. Each ends with exit code 3 (nothing usable) and its
rejects kept for `ingest rejects`: the run checks the code and that the store holds exactly
`--rows` rejects of the one batch. With `--before-src PATH` (the `src/` of another
checkout, e.g. a `git worktree` of an older commit) the same imports also run with that tree
first on PYTHONPATH, alternating with this tree's run by run, so a change is measured
against the code before it in one run. Prints the medians. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import duckdb
from bench_common import machine, timed_basics

CONFIG = """store: basics.duckdb
timezone: UTC
people:
  ana: {timezone: UTC}
"""


def files(folder: Path, rows: int) -> dict[str, tuple[Path, list[str]]]:
    """Each import's file and arguments, every row of it rejected for its time."""
    pages = ["id,incident_number,title,created_on,resolved_on,service_name,urgency,assigned_to"]
    shifts = ["person,rotation,start,end"]
    toil = ["Person,Date,Minutes,Category,Description"]
    for n in range(rows):
        pages.append(f"P{n:07d},{n},disk full on db-{n % 40},soon,,db,high,ana")
        shifts.append(f"ana,primary,soon,2026-03-0{1 + n % 9}T09:00:00Z")
        toil.append(f"ana,soon,{15 + n % 60},interrupt,restarted worker {n}")
    made = {}
    for name, lines, arguments in (
        ("pages", pages, ["--format", "pagerduty-csv"]),
        ("shifts", shifts, ["--format", "csv"]),
        ("toil", toil, []),
    ):
        path = folder / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        made[name] = (path, arguments)
    return made


def run(folder: Path, kind: str, path: Path, arguments: list[str], src: str | None) -> float:
    """Seconds for one import into a fresh store in `folder`."""
    for stale in folder.glob("basics.duckdb*"):
        stale.unlink()
    args = ["ingest", kind, str(path), *arguments]
    seconds, done = timed_basics(folder / "basics.yaml", args, src)
    assert done.returncode == 3, (kind, done.returncode, done.stderr[-2000:])
    return seconds


def stored_rejects(folder: Path) -> list[tuple[int, int]]:
    with duckdb.connect(str(folder / "basics.duckdb"), read_only=True) as db:
        return [
            (int(batches), int(count))
            for batches, count in db.execute(
                "SELECT count(DISTINCT batch_id), count(*) FROM rejects"
            ).fetchall()
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before-src", help="the src/ of another checkout, run alongside")
    args = parser.parse_args()
    trees = {"now": None} | ({"before": args.before_src} if args.before_src else {})
    seconds: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-rejects-") as tmp:
        folder = Path(tmp)
        (folder / "basics.yaml").write_text(CONFIG)
        made = files(folder, args.rows)
        for _ in range(args.runs):
            for kind, (path, arguments) in made.items():
                for name, src in trees.items():
                    took = run(folder, kind, path, arguments, src)
                    seconds.setdefault((kind, name), []).append(took)
                    assert stored_rejects(folder) == [(1, args.rows)], kind
    info = machine(("duckdb",))
    print(f"machine: {info.get('cpu')}, {info.get('cores')} cores, Python {info.get('python')}")
    print(f"{args.rows:,} rows, every one rejected, each import as a process (exit code 3):")
    for kind in made:
        for name in trees:
            runs = seconds[(kind, name)]
            shown = ", ".join(f"{s:.2f}" for s in runs)
            median = statistics.median(runs)
            print(f"  {kind:<7} {name:<7} median {median:7.2f} s  (runs: {shown} s)")
        if "before" in trees:
            ratio = statistics.median(seconds[(kind, "before")]) / statistics.median(
                seconds[(kind, "now")]
            )
            print(f"  {kind:<7} before / now: {ratio:.1f}x")


if __name__ == "__main__":
    main()
