"""A small file ingested by a `basics` process: the everyday habit, where start-up counts.

.venv/bin/python benchmarks/bench_small_ingest.py [--rows 1000] [--runs 7] [--before-src PATH]
.venv/bin/python benchmarks/bench_small_ingest.py --rows 300000 --runs 3   # a large file
.venv/bin/python benchmarks/bench_small_ingest.py --rows 300000 --runs 3 --loki

With `--loki`, the same records also wrapped as Grafana Loki's `logcli --output=jsonl` writes
them (each record as the string `line`, beside the stream's labels and Loki's timestamp),
read by a source with `decode_json: line`: what reading records held as text costs.

Writes a CSV export and a JSON-lines file of `--rows` events each, then, in `--runs`
rounds, runs `basics ingest events FILE -q` into a fresh store for each format (and, with
`--before-src`, the same with another tree's `src/` first on PYTHONPATH, right after), beside
`python -c "import duckdb"` (the floor every ratio is against). Prints the median per
command. Checks each run stored every row. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import basics_argv

CONFIG = """\
store: basics.duckdb
sources:
  sheet: {format: csv, fields: {attrs.region: region}}
  logs: {format: jsonl, fields: {attrs.region: region}}
{loki}services:
  www:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500}
"""


LOKI_SOURCE = "  loki: {format: jsonl, decode_json: line, fields: {attrs.region: region}}\n"


def write_inputs(folder: Path, rows: int, loki: bool) -> dict[str, Path]:
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
    inputs = {"sheet": csv, "logs": jsonl}
    if loki:  # as Go's encoding/json writes logcli's entries: keys sorted, no spaces
        inputs["loki"] = folder / "events-loki.jsonl"
        with jsonl.open(encoding="utf-8") as records, inputs["loki"].open("w") as out:
            for record, t in zip(records, times, strict=True):
                line = json.dumps(record.rstrip("\n"))
                stamp = t.replace("Z", ".000000001Z")
                out.write(f'{{"labels":{{"app":"www"}},"line":{line},"timestamp":"{stamp}"}}\n')
    return inputs


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
    parser.add_argument(
        "--loki", action="store_true", help="also the JSON lines wrapped as Loki's logcli writes"
    )
    args = parser.parse_args()
    if args.loki and args.before_src:
        parser.error("--loki reads decode_json:, which another tree may not know")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed Basics has its bytecode
    trees = {"now": env}
    if args.before_src:
        trees["before"] = {**env, "PYTHONPATH": args.before_src}
    seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-small-") as tmp:
        folder = Path(tmp)
        config = CONFIG.replace("{loki}", LOKI_SOURCE if args.loki else "")
        (folder / "basics.yaml").write_text(config, encoding="utf-8")
        inputs = write_inputs(folder, args.rows, args.loki)
        floor = [sys.executable, "-c", "import duckdb"]
        for round_ in range(args.runs + 1):  # round 0 warms the caches, untimed
            took, _ = timed(floor, env, folder)
            seconds.setdefault("python -c 'import duckdb'", []).append(took)
            for source, path in inputs.items():
                for tree, tree_env in trees.items():
                    for stale in folder.glob("basics.duckdb*"):
                        stale.unlink()
                    launch = basics_argv(tree == "before")
                    command = [*launch, "ingest", "events", path.name, "-s", source, "-q"]
                    took, out = timed(command, tree_env, folder)
                    if f"{args.rows:,} events stored" not in out:
                        raise SystemExit(f"{tree} {source}: not every row stored: {out}")
                    name = "jsonl, Loki's" if source == "loki" else path.suffix[1:]
                    seconds.setdefault(f"ingest {name} ({tree})", []).append(took)
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
