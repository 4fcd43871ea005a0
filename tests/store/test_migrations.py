"""Store migrations on a real DuckDB file: a store made by an older Basics is brought up to
date with its data kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from basics.store.duckdb_store import Store
from basics.store.migrations import MIGRATIONS


def test_a_version_4_store_keeps_its_pages_and_loses_their_primary_key(tmp_path: Path) -> None:
    path = tmp_path / "basics.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    for version, sql in MIGRATIONS:
        if version <= 4:
            old.execute(sql)
            old.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
    old.execute(
        "INSERT INTO pages VALUES ('pagerduty:P1', 'pagerduty', 'P1', 'k1', 'Fire', 'db', "
        "'high', ?, NULL, NULL, 'ana', 7)",
        [dt.datetime(2026, 3, 2, 13)],
    )
    old.close()

    store = Store(path)

    assert store.scalar("SELECT max(version) FROM schema_migrations") == max(
        version for version, _ in MIGRATIONS
    )
    assert store.query("SELECT id, created_at, responder, batch_id FROM pages") == [
        ("pagerduty:P1", dt.datetime(2026, 3, 2, 13), "ana", 7)
    ]
    constraints = store.query(
        "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'pages'"
    )
    assert ("PRIMARY KEY",) not in constraints
    assert ("NOT NULL",) in constraints
