"""Rejects read row by row are stored in one statement, each as it was told, in a real
DuckDB store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from basics.store.duckdb_store import Store
from basics.store.rejects import store_rejects


@dataclass(frozen=True)
class Told:
    line: int
    field: str | None
    reason: str
    raw: str


REJECTS = [
    Told(2, "created_on", "not a time: 'yesterday'", "P1,yesterday,ana"),
    Told(5, None, "expected 3 columns, found 1", "garbage"),
    Told(9, "status", "unknown status 'über'", "P7,2026-03-02T10:00:00Z,über\r"),
]


def _stored(store: Store) -> list[tuple[object, ...]]:
    return store.query("SELECT batch_id, line, field, reason, raw FROM rejects ORDER BY line")


def test_every_reject_is_stored_with_its_batch_line_field_reason_and_text(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "basics.duckdb")
    with store.transaction() as db:
        store_rejects(db, 7, REJECTS)

    assert _stored(store) == [(7, r.line, r.field, r.reason, r.raw) for r in REJECTS]


def test_each_reject_can_have_its_own_batch_and_its_text_cut(tmp_path: Path) -> None:
    store = Store(tmp_path / "basics.duckdb")
    with store.transaction() as db:
        store_rejects(db, [3, 4, 3], REJECTS, raw_cap=4)

    assert _stored(store) == [
        (3, 2, "created_on", REJECTS[0].reason, "P1,y"),
        (4, 5, None, REJECTS[1].reason, "garb"),
        (3, 9, "status", REJECTS[2].reason, "P7,2"),
    ]


def test_no_reject_stores_nothing_and_a_batch_list_must_match(tmp_path: Path) -> None:
    store = Store(tmp_path / "basics.duckdb")
    with store.transaction() as db:
        store_rejects(db, 1, [])
        with pytest.raises(ValueError, match="2 batch ids for 3 rejects"):
            store_rejects(db, [1, 2], REJECTS)

    assert _stored(store) == []


def test_many_rejects_keep_their_order_and_count(tmp_path: Path) -> None:
    store = Store(tmp_path / "basics.duckdb")
    many = [Told(n, "ts", f"reason {n}", f"row {n}") for n in range(2, 20_002)]
    with store.transaction() as db:
        store_rejects(db, 1, many)

    assert store.query(
        "SELECT count(*), min(line), max(line), sum(line), "
        "count(*) FILTER (WHERE reason = 'reason ' || line AND raw = 'row ' || line) "
        "FROM rejects"
    ) == [(20_000, 2, 20_001, sum(range(2, 20_002)), 20_000)]
    # Stored in the order told: the table's rows, read in their own order, are lines 2, 3…
    stored = [line for (line,) in store.query("SELECT line FROM rejects ORDER BY rowid")]
    assert stored == list(range(2, 20_002))
