"""Data worker: write the JSON-lines file, build a store in SQL, export Parquet, check tables.

python benchmarks/bench_data.py jsonl N PATH
python benchmarks/bench_data.py store N CONFIG      (a fresh store, events only, no rollups)
python benchmarks/bench_data.py parquet STORE PATH
python benchmarks/bench_data.py check DB [DB ...]   (the events table of each)
python benchmarks/bench_data.py read-json JSONL DB [--as-map]  (DuckDB's own read_json)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

_IMPORT_START = time.perf_counter()

import duckdb  # noqa: E402
from bench_common import emit, events_sql  # noqa: E402

IMPORT_S = time.perf_counter() - _IMPORT_START

ISO_US = "%Y-%m-%dT%H:%M:%S.%fZ"


def write_jsonl(n: int, path: Path) -> None:
    """N events as JSON lines: ISO 8601 times with Z and microseconds, attrs as top-level keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"COPY (SELECT strftime(ts, '{ISO_US}') AS ts, service, operation, \"user\", status, "
        f"duration_ms, region, version FROM ({events_sql(n)})) TO '{tmp}' (FORMAT json)"
    )
    con.close()
    tmp.replace(path)
    emit({"seconds": time.perf_counter() - started, "bytes": path.stat().st_size})


def build_store(n: int, config_path: Path) -> None:
    """A fresh Basics store holding N generated events as batch 1, without rollups."""
    from basics.config.loader import load_config
    from basics.store.duckdb_store import Store

    config = load_config(config_path)
    for stale in (config.store_path, Path(f"{config.store_path}.wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    store = Store(config.store_path)
    with store.transaction() as db:
        batch_id = db.execute("SELECT nextval('batch_ids')").fetchall()[0][0]
        db.execute(
            "INSERT INTO events (ts, service, operation, user_id, status, duration_ms, attrs, "
            'batch_id) SELECT ts, service, operation, "user", status, duration_ms, '
            f"MAP {{'region': region, 'version': version}}, {batch_id} FROM ({events_sql(n)})"
        )
        db.execute(
            "INSERT INTO batches (id, source, path, content_sha256, status, accepted, rejected, "
            "local_time_rows, timezone, min_ts, max_ts, started_at, finished_at, kind) "
            "SELECT ?, 'events', ?, 'generated', 'applied', count(*), 0, 0, "
            "'UTC', min(ts), max(ts), now(), now(), 'events' FROM events",
            [batch_id, f"range({n})"],
        )
    store.db.execute("CHECKPOINT")
    store.close()
    emit({"seconds": time.perf_counter() - started, "bytes": config.store_path.stat().st_size})


def export_parquet(store_path: Path, path: Path) -> None:
    """The store's events table as one Parquet file (what the pandas baseline reads)."""
    started = time.perf_counter()
    con = duckdb.connect(str(store_path), read_only=True)
    con.execute(f"COPY events TO '{path}' (FORMAT parquet)")
    con.close()
    emit({"seconds": time.perf_counter() - started, "bytes": path.stat().st_size})


def check(paths: list[Path]) -> None:
    """Row count, sum(status), distinct users and more, per events table."""
    tables = {}
    for path in paths:
        con = duckdb.connect(str(path), read_only=True)
        con.execute("SET TimeZone = 'UTC'")
        row = con.execute(
            "SELECT count(*), sum(status), count(DISTINCT user_id), min(ts), max(ts), "
            "sum(epoch_us(ts)), sum(duration_ms), "
            "count(*) FILTER (WHERE attrs['region'] = 'eu-west-1'), "
            "count(*) FILTER (WHERE attrs['version'] = '2026.03.0') FROM events"
        ).fetchall()[0]
        con.close()
        names = (
            "rows",
            "sum_status",
            "distinct_users",
            "min_ts",
            "max_ts",
            "sum_ts_us",
            "sum_duration_ms",
            "region_eu_west_1",
            "version_2026_03_0",
        )
        tables[str(path)] = dict(
            zip(names, [None if v is None else str(v) for v in row], strict=True)
        )
    emit({"tables": tables})


JSON_COLUMNS = (
    "{'ts': 'TIMESTAMP', 'service': 'VARCHAR', 'operation': 'VARCHAR', 'user': 'VARCHAR', "
    "'status': 'INTEGER', 'duration_ms': 'DOUBLE', 'region': 'VARCHAR', 'version': 'VARCHAR'}"
)


def read_json(jsonl: Path, db_path: Path, as_map: bool = False) -> None:
    """DuckDB's own read_json into a table of typed columns, in a fresh DuckDB file: the
    physical reference for ingest (no validation, rejects, hashing, batch or rollups).

    `as_map`: the same rows in the shape Basics stores them, `region` and `version` in an
    attributes map (`attrs MAP(VARCHAR, VARCHAR)`), which costs DuckDB more to build and
    to write than two plain columns.
    """
    started = time.perf_counter()
    for stale in (db_path, Path(f"{db_path}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute("SET TimeZone = 'UTC'")
    columns = (
        'ts, service, operation, "user", status, duration_ms, '
        "MAP {'region': region, 'version': version} AS attrs"
        if as_map
        else "*"
    )
    con.execute(
        f"CREATE TABLE events AS SELECT {columns} FROM read_json(?, "
        f"format = 'newline_delimited', columns = {JSON_COLUMNS})",
        [str(jsonl)],
    )
    rows, sum_status = con.execute("SELECT count(*), sum(status) FROM events").fetchall()[0]
    con.close()  # checkpoints: the table is on disk, as Basics' events are
    emit(
        {
            "seconds": time.perf_counter() - started,
            "import_s": IMPORT_S,
            "rows": rows,
            "sum_status": str(sum_status),
        }
    )


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "jsonl":
        write_jsonl(int(args[0]), Path(args[1]))
    elif command == "store":
        build_store(int(args[0]), Path(args[1]))
    elif command == "parquet":
        export_parquet(Path(args[0]), Path(args[1]))
    elif command == "check":
        check([Path(a) for a in args])
    elif command == "read-json":
        read_json(Path(args[0]), Path(args[1]), "--as-map" in args[2:])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
