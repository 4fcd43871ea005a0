"""A small file ingested by a `basics` process: the everyday habit, where start-up counts.

.venv/bin/python benchmarks/bench_small_ingest.py [--rows 1000] [--runs 7] [--before-src PATH]
.venv/bin/python benchmarks/bench_small_ingest.py --rows 300000 --runs 3   # a large file

Writes a CSV export and a JSON-lines file of `--rows` events each, then, in `--runs`
rounds, runs `basics ingest events FILE -q` into a fresh store for each format (and, with
`--before-src`, the same with another tree's `src/` first on PYTHONPATH, right after), beside
`python -c "import duckdb"` (the floor every ratio is against). Prints the median per
command. Checks each run stored every row. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASICS = str(Path(sys.executable).parent / "basics")
CONFIG = """\
store: basics.duckdb
sources:
  sheet: {format: csv, fields: {attrs.region: region}}
  logs: {format: jsonl, fields: {attrs.region: region}}
services:
  www:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500}
"""


def write_inputs(folder: Path, rows: int) -> dict[str, Path]:
    start = dt.datetime(2026, 3, 2)
    times = [(start + dt.timedelta(seconds=i)).isoformat() + "Z" for i in range(rows)]
    statuses = [503 if i % 97 == 0 else 200 for i in range(rows)]
    csv = folder / "events.csv"
    csv.write_text(
        "ts,service,status,region\n"
        + "".join(f"{t},www,{s},eu\n" for t, s in zip(times, statuses, strict=True)),
        encoding="utf-8",
    )
    jsonl = folder / "events.jsonl"
    jsonl.write_text(
        "".join(
            f'{{"ts":"{t}","service":"www","status":{s},"region":"eu"}}\n'
            for t, s in zip(times, statuses, strict=True)
        ),
        encoding="utf-8",
    )
    return {"sheet": csv, "logs": jsonl}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before-src", help="the src/ of another checkout, run alongside")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed Basics has its bytecode
    trees = {"now": env}
    if args.before_src:
        trees["before"] = {**env, "PYTHONPATH": args.before_src}
    seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-small-") as tmp:
        folder = Path(tmp)
        (folder / "basics.yaml").write_text(CONFIG, encoding="utf-8")
        inputs = write_inputs(folder, args.rows)
        floor = [sys.executable, "-c", "import duckdb"]
        for round_ in range(args.runs + 1):  # round 0 warms the caches, untimed
            took, _ = timed(floor, env, folder)
            seconds.setdefault("python -c 'import duckdb'", []).append(took)
            for source, path in inputs.items():
                for tree, tree_env in trees.items():
                    for stale in folder.glob("basics.duckdb*"):
                        stale.unlink()
                    command = [BASICS, "ingest", "events", path.name, "-s", source, "-q"]
                    took, out = timed(command, tree_env, folder)
                    if f"{args.rows:,} events stored" not in out:
                        raise SystemExit(f"{tree} {source}: not every row stored: {out}")
                    seconds.setdefault(f"ingest {path.suffix[1:]} ({tree})", []).append(took)
            if round_ == 0:
                seconds.clear()
    floor_s = statistics.median(seconds["python -c 'import duckdb'"])
    print(f"{args.rows:,} rows per file, median of {args.runs} rounds")
    print(f"{'process':<40} {'median':>8} {'÷ import duckdb':>16}")
    for name, runs in seconds.items():
        median = statistics.median(runs)
        print(f"{name:<40} {median * 1000:>6.0f} ms {median / floor_s:>15.2f}×")


if __name__ == "__main__":
    main()
