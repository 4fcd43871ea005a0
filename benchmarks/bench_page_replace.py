"""Why `pages` has no primary key: replacing stored pages, with and without one.

.venv/bin/python benchmarks/bench_page_replace.py [--sizes 20000 100000]

For each size n, in a fresh DuckDB file (memory limit 1 GB, as the store sets it): n pages
are stored in one order (by a hash of the id), then the same n pages, in id order, replace
them in one transaction, the way a re-import of an overlapping export does:

a. the table with `id VARCHAR PRIMARY KEY` (store migrations 3-4), `INSERT OR REPLACE`;
b. the table without a key (migration 5), `DELETE ... WHERE id IN (...)` then `INSERT`,
   what `basics.oncall.service` does.

It checks that both end with n pages and n distinct ids, and prints the seconds and the
ratio a / b. No timings are asserted anywhere; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

COLUMNS = (
    "id VARCHAR{key}, source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, "
    "incident_key VARCHAR NOT NULL, alert VARCHAR NOT NULL, service VARCHAR, urgency VARCHAR, "
    "created_at TIMESTAMP NOT NULL, acknowledged_at TIMESTAMP, resolved_at TIMESTAMP, "
    "responder VARCHAR, batch_id INTEGER NOT NULL"
)
PAGES = """
SELECT 'pagerduty:Q' || lpad(i::VARCHAR, 8, '0') AS id, 'pagerduty' AS source,
       'Q' || lpad(i::VARCHAR, 8, '0') AS source_id, 'key-' || (i // 3) AS incident_key,
       'checkout: high 5xx rate' AS alert, 'checkout' AS service, 'high' AS urgency,
       TIMESTAMP '2025-01-01' + to_seconds(i * 31) AS created_at,
       TIMESTAMP '2025-01-01' + to_seconds(i * 31 + 120) AS acknowledged_at,
       TIMESTAMP '2025-01-01' + to_seconds(i * 31 + 1500) AS resolved_at,
       'alice' AS responder, {batch} AS batch_id
FROM range({n}) AS t(i)
"""


def run(n: int, keyed: bool, folder: Path) -> float:
    """Seconds to replace n stored pages, stored in another order than they come."""
    path = folder / f"pages-{n}-{'key' if keyed else 'nokey'}.duckdb"
    db = duckdb.connect(str(path))
    db.execute("SET memory_limit = '1GB'")
    db.execute("SET preserve_insertion_order = false")
    key = " PRIMARY KEY" if keyed else " NOT NULL"
    db.execute(f"CREATE TABLE pages ({COLUMNS.format(key=key)})")
    db.execute(f"INSERT INTO pages {PAGES.format(n=n, batch=1)} ORDER BY hash(id)")
    db.execute(f"CREATE TEMP TABLE incoming AS {PAGES.format(n=n, batch=2)}")
    started = time.perf_counter()
    db.execute("BEGIN TRANSACTION")
    if keyed:
        db.execute("INSERT OR REPLACE INTO pages SELECT * FROM incoming")
    else:
        db.execute("DELETE FROM pages WHERE id IN (SELECT id FROM incoming)")
        db.execute("INSERT INTO pages SELECT * FROM incoming")
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    stored, distinct, replaced = db.execute(
        "SELECT count(*), count(DISTINCT id), count(*) FILTER (batch_id = 2) FROM pages"
    ).fetchall()[0]
    db.close()
    if not stored == distinct == replaced == n:
        raise SystemExit(f"CHECK FAIL n={n} keyed={keyed}: {stored}, {distinct}, {replaced}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    print(f"duckdb {duckdb.__version__}")
    print("| pages replaced | with the primary key | without (delete + insert) | ratio |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            keyed = run(n, True, Path(folder))
            plain = run(n, False, Path(folder))
            print(f"| {n:,} | {keyed:.2f} s | {plain:.2f} s | {keyed / plain:.0f}× |", flush=True)
    print("CHECK ok   every run ended with n pages, n distinct ids, all replaced")


if __name__ == "__main__":
    main()
