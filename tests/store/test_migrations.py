"""Store migrations on a real DuckDB file: a store made by an older Basics is brought up to
date with its data kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from basics.store.duckdb_store import Store
from basics.store.migrations import MIGRATIONS


def _store_at_version(path: Path, newest: int) -> duckdb.DuckDBPyConnection:
    """A store file as a Basics of schema version `newest` left it, still open."""
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)"
    )
    for version, sql in MIGRATIONS:
        if version <= newest:
            old.execute(sql)
            old.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
    return old


def test_a_version_4_store_keeps_its_pages_and_loses_their_primary_key(tmp_path: Path) -> None:
    path = tmp_path / "basics.duckdb"
    old = _store_at_version(path, 4)
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


def test_a_version_5_store_gets_batch_kinds_and_keeps_its_events(tmp_path: Path) -> None:
    path = tmp_path / "basics.duckdb"
    old = _store_at_version(path, 5)
    for batch_id, source in [(1, "web"), (2, "pages:alertmanager"), (3, "shifts:pagerduty")]:
        old.execute(
            "INSERT INTO batches (id, source, path, content_sha256, status, started_at) "
            "VALUES (?, ?, 'f', 'sha', 'applied', now())",
            [batch_id, source],
        )
    old.execute(
        "INSERT INTO events VALUES (TIMESTAMP '2026-03-02 10:00', 'www', '/', NULL, 200, 1.5, "
        "MAP {}, 1)"
    )
    old.close()

    store = Store(path)

    assert store.query("SELECT id, kind FROM batches ORDER BY id") == [
        (1, "events"),
        (2, "pages"),
        (3, "shifts"),
    ]
    assert store.query("SELECT service, status, batch_id, record_id FROM events") == [
        ("www", 200, 1, None)
    ]


def test_a_version_6_store_learns_each_batch_s_newest_trusted_event(tmp_path: Path) -> None:
    path = tmp_path / "basics.duckdb"
    old = _store_at_version(path, 6)
    ingested = dt.datetime(2026, 3, 3)
    for batch_id in (1, 2):
        old.execute(
            "INSERT INTO batches (id, kind, source, path, content_sha256, status, started_at) "
            "VALUES (?, 'events', 'web', 'f', 'sha', 'applied', ?)",
            [batch_id, ingested],
        )
    for ts, batch_id in [
        ("2026-03-02 10:00", 1),
        ("2026-03-03 23:00", 1),  # 23 h after its ingest: within a day, trusted
        ("5138-11-16 09:46", 1),  # a broken clock: never `latest`
        ("5138-11-16 09:46", 2),
    ]:
        old.execute(
            "INSERT INTO events (ts, service, batch_id) VALUES (?::TIMESTAMP, 'www', ?)",
            [ts, batch_id],
        )
    old.close()

    store = Store(path)

    assert store.query("SELECT id, latest_ts FROM batches ORDER BY id") == [
        (1, dt.datetime(2026, 3, 3, 23)),
        (2, None),
    ]


def test_a_version_18_store_drops_the_toil_prefix_of_imported_categories(tmp_path: Path) -> None:
    """`Toil: Manual deploy`, `toil / interrupt` and `Toil - access` were stored whole."""
    path = tmp_path / "basics.duckdb"
    old = _store_at_version(path, 18)
    for number, category in enumerate(
        ["toil:-manual-deploy", "toil-/-interrupt", "toil---access", "toil:", "toil", "toilet"]
    ):
        old.execute(
            "INSERT INTO toil_entries (id, day, minutes, category, source, batch_id) "
            "VALUES (?, DATE '2026-03-02', 30, ?, 'toil:worklog', 1)",
            [number, category],
        )
    old.close()

    store = Store(path)

    assert [c for (c,) in store.query("SELECT category FROM toil_entries ORDER BY id")] == [
        "manual-deploy", "interrupt", "access", "toil:", "toil", "toilet"
    ]  # fmt: skip
