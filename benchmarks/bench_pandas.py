"""The pandas baseline: what a competent engineer would script instead of Basics.

    python benchmarks/bench_pandas.py ingest JSONL DB CHUNK_ROWS
    python benchmarks/bench_pandas.py status PARQUET
    python benchmarks/bench_pandas.py breakdown PARQUET SERVICE

It does less than Basics: no validation or reject reporting, no batches, no rollups, and the
SLO definitions are hard-coded (status < 500 at 99.9 %, duration_ms <= 300 at 99 %).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

_IMPORT_START = time.perf_counter()

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
from bench_common import (  # noqa: E402
    AT,
    AVAILABILITY,
    BURN_WINDOWS_S,
    DAYS,
    EVENTS_DDL,
    LATENCY,
    SERVICES,
    emit,
)

IMPORT_S = time.perf_counter() - _IMPORT_START

JSON_DTYPES = {
    "ts": "str",
    "service": "str",
    "operation": "str",
    "user": "str",
    "status": "int32",
    "duration_ms": "float64",
    "region": "str",
    "version": "str",
}


def ingest(jsonl: Path, db_path: Path, chunk_rows: int) -> None:
    """JSON lines -> typed DataFrame chunks -> a DuckDB table of the same columns as Basics."""
    started = time.perf_counter()
    db_path.unlink(missing_ok=True)
    con = duckdb.connect(str(db_path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(EVENTS_DDL)
    rows = 0
    reader = pd.read_json(
        jsonl,
        lines=True,
        chunksize=chunk_rows,
        dtype=JSON_DTYPES,
        convert_dates=False,
        precise_float=True,
    )
    with reader:
        for chunk in reader:
            # ISO 8601 with Z -> UTC -> naive UTC, like Basics' TIMESTAMP column.
            chunk["ts"] = pd.to_datetime(chunk["ts"], utc=True, format="ISO8601").dt.tz_localize(
                None
            )
            chunk["status"] = chunk["status"].astype("int32")
            chunk["duration_ms"] = chunk["duration_ms"].astype("float64")
            con.register("chunk_df", chunk)
            con.execute(
                'INSERT INTO events SELECT ts, service, operation, "user", status, duration_ms, '
                "MAP {'region': region, 'version': version}, 1 FROM chunk_df"
            )
            con.unregister("chunk_df")
            rows += len(chunk)
    con.execute("CHECKPOINT")
    con.close()
    emit({"seconds": time.perf_counter() - started, "import_s": IMPORT_S, "rows": rows})


def status(parquet: Path) -> None:
    """Per SLO: total/good/bad, SLI, budget consumed and burn rates over six windows at AT."""
    started = time.perf_counter()
    df = pd.read_parquet(parquet, columns=["ts", "service", "status", "duration_ms"])
    read_s = time.perf_counter() - started
    end = pd.Timestamp(AT)
    starts = {"window": end - pd.Timedelta(days=DAYS)} | {
        name: end - pd.Timedelta(seconds=s) for name, s in BURN_WINDOWS_S.items()
    }
    frame = df[(df["ts"] >= starts["window"]) & (df["ts"] < end)]
    frame = pd.DataFrame(
        {
            "ts": frame["ts"],
            "service": frame["service"],
            "availability": (frame["status"] < 500).astype("int64"),
            "latency": (frame["duration_ms"] <= 300).astype("int64"),
        }
    )
    counts: dict[str, Any] = {}
    for window, start in starts.items():
        part = frame if window == "window" else frame[frame["ts"] >= start]
        sums = part.groupby("service")[["availability", "latency"]].agg(["sum", "count"])
        counts[window] = sums
    numbers = {}
    for service in SERVICES:
        for name, slo in (("availability", AVAILABILITY), ("latency", LATENCY)):
            allowed_share = 1 - float(slo["objective"]) / 100

            def total_good(
                window: str, service: str = service, name: str = name
            ) -> tuple[int, int]:
                sums = counts[window]
                if service not in sums.index:
                    return 0, 0
                return int(sums.loc[service, (name, "count")]), int(
                    sums.loc[service, (name, "sum")]
                )

            total, good = total_good("window")
            bad = total - good
            burn = {}
            for window in BURN_WINDOWS_S:
                w_total, w_good = total_good(window)
                burn[window] = (
                    None if w_total == 0 else ((w_total - w_good) / w_total) / allowed_share
                )
            numbers[f"{service}/{name}"] = {
                "total": total,
                "good": good,
                "bad": bad,
                "sli": good / total if total else None,
                "budget_consumed": bad / (allowed_share * total) if total else None,
                "burn_rates": burn,
            }
    seconds = time.perf_counter() - started
    emit(
        {
            "seconds": seconds,
            "read_s": read_s,
            "compute_s": seconds - read_s,
            "import_s": IMPORT_S,
            "numbers": numbers,
        }
    )


def breakdown(parquet: Path, service: str, top: int = 10) -> None:
    """Bad events of `service/availability` per user over the 30 days before AT, top 10."""
    started = time.perf_counter()
    df = pd.read_parquet(
        parquet, columns=["ts", "user_id", "status"], filters=[("service", "==", service)]
    )
    read_s = time.perf_counter() - started
    end = pd.Timestamp(AT)
    start = end - pd.Timedelta(days=DAYS)
    frame = df[(df["ts"] >= start) & (df["ts"] < end)]
    bad = ~(frame["status"] < 500)
    per_user = (
        pd.DataFrame({"user_id": frame["user_id"], "bad": bad.astype("int64")})
        .groupby("user_id", dropna=False)["bad"]
        .agg(["sum", "count"])
        .rename(columns={"sum": "bad", "count": "total"})
        .reset_index()
    )
    bad_all = int(per_user["bad"].sum())
    ranked = per_user.sort_values(
        ["bad", "total", "user_id"], ascending=[False, False, True], kind="stable"
    ).head(top)
    seconds = time.perf_counter() - started
    emit(
        {
            "seconds": seconds,
            "read_s": read_s,
            "compute_s": seconds - read_s,
            "import_s": IMPORT_S,
            "numbers": {
                "bad": bad_all,
                "total": int(per_user["total"].sum()),
                "distinct_values": len(per_user),
                "top": [
                    {
                        "user": row.user_id,
                        "bad": int(row.bad),
                        "total": int(row.total),
                        "share": row.bad / bad_all if bad_all else None,
                    }
                    for row in ranked.itertuples()
                ],
            },
        }
    )


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "ingest":
        ingest(Path(args[0]), Path(args[1]), int(args[2]))
    elif command == "status":
        status(Path(args[0]))
    elif command == "breakdown":
        breakdown(Path(args[0]), args[1])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
