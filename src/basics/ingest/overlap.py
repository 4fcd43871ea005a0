"""Records a batch repeats from earlier batches: skipped by id, or found and refused.

A source that declares `id:` has its records deduplicated by that id: a record whose id is
already stored for the source, or repeated within the batch, is skipped and counted.
Without ids, the batch's events are compared with the events already stored in its time
range (every field: ts, service, operation, user, status, duration, attrs). Identical
records count as an overlap, matched one for one (three copies stored and two new ones
overlap by two), and the batch is refused unless the caller allows it, or asks for only
the records not stored yet (`skip_stored`: an export overlapping an earlier one). A source
with `id:` is compared so too, after its repeated ids are skipped: records stored before
its id was declared, or through another source, carry none of its ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from basics.store.engine import duckdb

# The operation without a query string: events stored before it was dropped from the
# operation (`/cart?page=2`) are the same records as those stored after (`/cart`).
_KEY = "hash(ts, service, split_part(operation, '?', 1), user_id, status, duration_ms, attrs)"


def _others(ided_source: str | None) -> str:
    """The stored events a batch is compared with: of other batches in its time span, not
    `$exempt`; for a source with `id:` (`ided_source`), not those of its own that carry an
    id (compared by id already: two requests of identical content are distinct records)."""
    ided = (
        " AND NOT (record_id IS NOT NULL AND batch_id IN "
        "(SELECT id FROM batches WHERE source = $source))"
        if ided_source is not None
        else ""
    )
    return (
        "FROM events WHERE ts BETWEEN $lo AND $hi AND batch_id <> $batch "
        f"AND NOT list_contains($exempt, batch_id){ided}"
    )


def _scope(
    batch_id: int, first: dt.datetime, last: dt.datetime, exempt: list[int], ided: str | None
) -> dict[str, object]:
    scope: dict[str, object] = {"lo": first, "hi": last, "batch": batch_id, "exempt": exempt}
    return scope if ided is None else scope | {"source": ided}


@dataclass(frozen=True)
class Overlap:
    """How many of a batch's events repeat stored ones, and the batch they repeat most."""

    events: int
    batch_id: int
    batch_source: str
    batch_path: str


def skip_duplicate_ids(db: duckdb.DuckDBPyConnection, batch_id: int, source: str) -> int:
    """Delete the batch's events whose record id is stored already or repeated; how many."""
    deleted = db.execute(
        "DELETE FROM events WHERE batch_id = $batch AND (rowid NOT IN ("
        "  SELECT min(rowid) FROM events WHERE batch_id = $batch GROUP BY record_id)"
        " OR record_id IN (SELECT record_id FROM events WHERE batch_id IN ("
        "  SELECT id FROM batches WHERE source = $source AND kind = 'events' "
        "  AND status = 'applied' AND id <> $batch)))",
        {"batch": batch_id, "source": source},
    ).fetchall()
    return int(deleted[0][0])


def skip_stored(
    db: duckdb.DuckDBPyConnection,
    batch_id: int,
    first: dt.datetime,
    last: dt.datetime,
    exempt: list[int],
    ided_source: str | None = None,
) -> int:
    """Delete the batch's events identical to stored ones (`_others`), one for one (two
    stored copies take two of the batch's, a third stays); how many."""
    stored = f"SELECT {_KEY} AS k, count(*) AS stored {_others(ided_source)} GROUP BY 1"
    return _delete_repeats(
        db, "events", _KEY, stored, _scope(batch_id, first, last, exempt, ided_source)
    )


def skip_stored_rejects(
    db: duckdb.DuckDBPyConnection,
    batch_id: int,
    source: str,
    exempt: list[int],
    first: dt.datetime,
    last: dt.datetime,
) -> int:
    """Delete the batch's rejects identical (field, reason, raw text) to rejects stored for
    an applied batch of the same source whose events share its span [first, last], not
    `exempt`, one for one: the bad lines an overlapping export repeats were rejected once
    already (those of an export of other times are its own). How many."""
    key = "hash(field, reason, raw)"
    stored = (
        f"SELECT {key} AS k, count(*) AS stored FROM rejects "
        "WHERE batch_id <> $batch AND NOT list_contains($exempt, batch_id) AND batch_id IN "
        "(SELECT id FROM batches WHERE kind = 'events' AND status = 'applied' "
        "AND source = $source AND min_ts <= $last AND max_ts >= $first) GROUP BY 1"
    )
    params = {"batch": batch_id, "source": source, "exempt": exempt, "first": first, "last": last}
    return _delete_repeats(db, "rejects", key, stored, params)


def _delete_repeats(
    db: duckdb.DuckDBPyConnection, table: str, key: str, stored: str, params: dict[str, Any]
) -> int:
    """Delete the rows of batch `$batch` in `table` whose `key` the query `stored` counts
    (columns `k`, `stored`), one for one: the first `stored` of each key, by rowid. How many.
    `table` and `key` are our own SQL; `params` binds the values of both queries."""
    deleted = db.execute(
        f"DELETE FROM {table} WHERE batch_id = $batch AND rowid IN ("
        f"  SELECT rowid FROM (SELECT rowid, {key} AS k, row_number() OVER "
        f"    (PARTITION BY {key} ORDER BY rowid) AS nth FROM {table} WHERE batch_id = $batch) "
        f"  JOIN ({stored}) USING (k) WHERE nth <= stored)",
        params,
    ).fetchall()
    return int(deleted[0][0])


def repeats_of(
    db: duckdb.DuckDBPyConnection,
    batch_id: int,
    first: dt.datetime,
    last: dt.datetime,
    batches: list[int],
) -> int:
    """How many of the batch's events are identical to events of `batches`, one for one."""
    found = db.execute(
        f"WITH new AS (SELECT {_KEY} AS k, count(*) AS n FROM events WHERE batch_id = $batch "
        "  GROUP BY 1), "
        f"old AS (SELECT {_KEY} AS k, count(*) AS n FROM events WHERE ts BETWEEN $lo AND $hi "
        "  AND list_contains($batches, batch_id) GROUP BY 1) "
        "SELECT coalesce(sum(least(new.n, old.n)), 0) FROM new JOIN old USING (k)",
        {"batch": batch_id, "lo": first, "hi": last, "batches": batches},
    ).fetchall()
    return int(found[0][0])


def header_again(db: duckdb.DuckDBPyConnection, batch_id: int) -> bool:
    """Whether the batch's file has its CSV header again (exports joined with `cat`)."""
    found = db.execute(
        "SELECT count(*) FROM rejects WHERE batch_id = ? AND reason LIKE 'the header row again%'",
        [batch_id],
    ).fetchall()
    return bool(found[0][0])


def repeats_after_joins(db: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """In a file of exports joined with `cat` (its CSV header comes again), how many of its
    events repeat identical ones of the same file: overlapping exports counted twice,
    unless they are distinct records (any two identical events of the file are counted, not
    only those in different parts). Files without a repeated header are not looked at."""
    if not header_again(db, batch_id):
        return 0
    found = db.execute(
        f"SELECT count(*) - count(DISTINCT {_KEY}) FROM events WHERE batch_id = ?", [batch_id]
    ).fetchall()
    return int(found[0][0])


def find_overlap(
    db: duckdb.DuckDBPyConnection,
    batch_id: int,
    first: dt.datetime,
    last: dt.datetime,
    exempt: list[int],
    ided_source: str | None = None,
) -> Overlap | None:
    """The overlap of a batch's events with stored ones (`_others`)."""
    scope = _scope(batch_id, first, last, exempt, ided_source)
    others = _others(ided_source)
    # Most batches share no time with stored events: one range scan answers them.
    if not db.execute(f"SELECT count(*) {others}", scope).fetchall()[0][0]:
        return None
    row = db.execute(
        f"WITH new AS (SELECT {_KEY} AS k, count(*) AS n FROM events WHERE batch_id = $batch "
        "  GROUP BY 1), "
        f"old AS (SELECT {_KEY} AS k, batch_id, count(*) AS n {others} GROUP BY 1, 2), "
        "pairs AS (SELECT k, new.n AS new_n, old.batch_id, old.n AS old_n "
        "  FROM new JOIN old USING (k)), "
        "per_key AS (SELECT k, least(any_value(new_n), sum(old_n)) AS m FROM pairs GROUP BY k), "
        "per_batch AS (SELECT batch_id, sum(least(new_n, old_n)) AS m FROM pairs GROUP BY 1) "
        "SELECT (SELECT sum(m) FROM per_key), b.id, b.source, b.path "
        "FROM (SELECT batch_id FROM per_batch ORDER BY m DESC, batch_id LIMIT 1) top "
        "JOIN batches b ON b.id = top.batch_id",
        scope,
    ).fetchall()
    if not row:
        return None
    events, earlier, source, path = row[0]
    return Overlap(int(events), int(earlier), source, path)
