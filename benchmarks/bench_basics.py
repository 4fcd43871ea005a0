"""Basics worker: ingest, rollup build, and warm library timings of status and breakdown.

python benchmarks/bench_basics.py ingest CONFIG JSONL [--row-reader]
python benchmarks/bench_basics.py rollups CONFIG
python benchmarks/bench_basics.py status CONFIG RUNS
python benchmarks/bench_basics.py breakdown CONFIG SLO RUNS
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

_IMPORT_START = time.perf_counter()

from bench_common import AT, emit  # noqa: E402

from basics.app import App  # noqa: E402
from basics.config.loader import load_config  # noqa: E402
from basics.store.duckdb_store import Store  # noqa: E402
from basics.store.rollups import sync_definitions  # noqa: E402

IMPORT_S = time.perf_counter() - _IMPORT_START


def ingest(config_path: Path, jsonl: Path, row_reader: bool = False) -> None:
    """Parse, validate, store and roll up one JSON-lines file into a fresh store.

    `row_reader`: without the JSON-lines fast path, every line read and checked by the row
    reader (what a file the fast path cannot take costs).
    """
    from basics.ingest import jsonl_fast, pipeline

    # The parse's own module (`staging`), or, in an older tree (before `staging` existed) run
    # with PYTHONPATH for a comparison, the pipeline's functions of the time.
    try:
        from basics.ingest import staging

        parse: Any = staging
        fast_path, load_rows, stage = "fast_path", "load_rows", staging.Stage
    except ImportError:
        parse, fast_path, load_rows = pipeline, "_fast_path", "_load"
        stage = pipeline._Stage  # type: ignore[attr-defined]
    if row_reader:
        setattr(parse, fast_path, lambda *args: None)
    phases = _timed_phases(
        (pipeline, "_plan", "read plan (hash, if taken first)"),
        (jsonl_fast.FastJsonl, "load", "fast path (with the read-ahead thread)"),
        (parse, load_rows, "row reader (with the read-ahead thread)"),
        (pipeline, "rebuild_touched", "rollups of the batch"),
        (stage, "copy_into", "copy of the staged batch into the store"),
    )
    started = time.perf_counter()
    config = load_config(config_path)
    for stale in (config.store_path, Path(f"{config.store_path}.wal")):
        stale.unlink(missing_ok=True)
    app = App(config)
    cpu = time.process_time()
    result = app.ingest_events("events", str(jsonl))
    app.close()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    others = {
        "wall_s": seconds - sum(p["wall_s"] for p in phases.values()),
        "cpu_s": cpu - sum(p["cpu_s"] for p in phases.values()),
    }
    emit(
        {
            "seconds": seconds,
            "import_s": IMPORT_S,
            "accepted": result.accepted,
            "rejected": result.rejected,
            "status": result.status,
            "phases": {**phases, "the rest (commit, batch record, waits)": others},
        }
    )


def _timed_phases(*targets: tuple[Any, str, str]) -> dict[str, dict[str, float]]:
    """Wrap each (owner, attribute, label) so its calls add their wall and process CPU
    seconds (every thread's) to the returned dict, filled as the ingest runs."""
    phases = {label: {"wall_s": 0.0, "cpu_s": 0.0, "calls": 0} for _, _, label in targets}
    for owner, name, label in targets:
        original = getattr(owner, name)

        def timed(*args: Any, _original: Any = original, _label: str = label) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*args)
            finally:
                phase = phases[_label]
                phase["wall_s"] += time.perf_counter() - wall
                phase["cpu_s"] += time.process_time() - cpu
                phase["calls"] += 1

        setattr(owner, name, timed)
    return phases


def rollups(config_path: Path) -> None:
    """Build the per-minute rollups of every SLO over a store that has none yet."""
    config = load_config(config_path)
    store = Store(config.store_path)
    started = time.perf_counter()
    rebuilt = sync_definitions(store, config)
    seconds = time.perf_counter() - started
    slo_rows = store.scalar("SELECT count(*) FROM slo_minute")
    latency_rows = store.scalar("SELECT count(*) FROM latency_minute")
    store.close()
    emit(
        {
            "seconds": seconds,
            "rebuilt": rebuilt,
            "slo_minute_rows": slo_rows,
            "latency_minute_rows": latency_rows,
        }
    )


def _timed(call: Any, runs: int) -> tuple[Any, float, list[float]]:
    """The first (cold) call's seconds, then `runs` warm calls; returns the last result."""
    started = time.perf_counter()
    value = call()
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - started)
    return value, first, times


def status(config_path: Path, runs: int) -> None:
    """`app.slo.status(at)` for every SLO: one cold call, then `runs` warm ones."""
    app = App(load_config(config_path))
    app.slo.ensure_rollups()
    results, first, times = _timed(lambda: app.slo.status(AT), runs)
    app.close()
    numbers = {
        r.slo: {
            "total": r.counts.total,
            "good": r.counts.good,
            "bad": r.counts.bad,
            "sli": r.sli,
            "budget_consumed": r.budget.consumed,
            "burn_rates": r.burn_rates,
            "status": r.status,
        }
        for r in results
    }
    emit(
        {
            "median_s": statistics.median(times),
            "times_s": times,
            "first_s": first,
            "numbers": numbers,
        }
    )


def breakdown(config_path: Path, slo: str, runs: int) -> None:
    """A 30-day `--by user` breakdown of one SLO, top 10: one cold call, then `runs` warm."""
    app = App(load_config(config_path))
    app.slo.ensure_rollups()
    result, first, times = _timed(lambda: app.slo.breakdown(slo, "user", None, AT, 10), runs)
    app.close()
    emit(
        {
            "median_s": statistics.median(times),
            "times_s": times,
            "first_s": first,
            "numbers": {
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "bad": result.bad,
                "total": result.total,
                "distinct_values": result.distinct_values,
                "top": [
                    {"user": c.value, "bad": c.bad, "total": c.total, "share": c.share_of_bad}
                    for c in result.contributors
                ],
            },
        }
    )


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "ingest":
        ingest(Path(args[0]), Path(args[1]), "--row-reader" in args[2:])
    elif command == "rollups":
        rollups(Path(args[0]))
    elif command == "status":
        status(Path(args[0]), int(args[1]))
    elif command == "breakdown":
        breakdown(Path(args[0]), args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
