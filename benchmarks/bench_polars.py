"""The polars baseline: JSON lines with a schema -> a DuckDB table of Basics' columns.

    python benchmarks/bench_polars.py ingest JSONL DB

Like the pandas script it does not validate, report rejects, record batches or build rollups.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

_IMPORT_START = time.perf_counter()

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
from bench_common import EVENTS_DDL, emit  # noqa: E402

IMPORT_S = time.perf_counter() - _IMPORT_START

SCHEMA = {
    "ts": pl.String,
    "service": pl.String,
    "operation": pl.String,
    "user": pl.String,
    "status": pl.Int32,
    "duration_ms": pl.Float64,
    "region": pl.String,
    "version": pl.String,
}


def ingest(jsonl: Path, db_path: Path) -> None:
    """Scan, parse the ISO 8601 times, collect, and insert through Arrow."""
    started = time.perf_counter()
    db_path.unlink(missing_ok=True)
    frame = (
        pl.scan_ndjson(jsonl, schema=SCHEMA)
        .with_columns(
            pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="us", strict=True)
        )
        .collect()
    )
    table = frame.to_arrow()
    del frame
    con = duckdb.connect(str(db_path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(EVENTS_DDL)
    con.register("arrow_events", table)
    con.execute(
        'INSERT INTO events SELECT ts, service, operation, "user", status, duration_ms, '
        "MAP {'region': region, 'version': version}, 1 FROM arrow_events"
    )
    con.unregister("arrow_events")
    rows = table.num_rows
    del table
    con.execute("CHECKPOINT")
    con.close()
    emit({"seconds": time.perf_counter() - started, "import_s": IMPORT_S, "rows": rows})


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "ingest":
        ingest(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
