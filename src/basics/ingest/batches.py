"""The batches in the store: list them, and undo one whole.

Undoing removes exactly what the batch stored (events, pages, shifts, deploys with their
changes and links, toil entries, rejects) in one
transaction, recounts the rollups of the minutes its events fell in, and keeps the batch's
row with status `undone` as history. Outcomes tagged on pages are kept: they belong to the
page id, and apply again if the page is imported again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from basics.config.models import Config
from basics.core.errors import InputError, NotFoundError
from basics.store.duckdb_store import Store
from basics.store.engine import duckdb
from basics.store.rollups import mark_touched, rebuild_marked

BATCH_COLUMNS = (
    "id",
    "kind",
    "source",
    "path",
    "content_sha256",
    "status",
    "accepted",
    "rejected",
    "duplicate_rows",
    "overlap_rows",
    "overlap_rejects",
    "min_ts",
    "max_ts",
    "started_at",
)


@dataclass(frozen=True)
class Batch:
    """One ingest, as the store recorded it."""

    id: int
    kind: str
    source: str
    path: str
    content_sha256: str
    status: str
    accepted: int
    rejected: int
    duplicate_rows: int
    overlap_rows: int  # left out (--skip-overlap): identical records were stored already
    overlap_rejects: int  # and bad lines identical to ones rejected already
    min_ts: dt.datetime | None
    max_ts: dt.datetime | None
    started_at: dt.datetime


@dataclass(frozen=True)
class Undone:
    """What undoing one batch removed and recounted."""

    batch_id: int
    kind: str
    events: int
    pages: int
    shifts: int
    rejects: int
    deploys: int
    incidents: int
    toil_entries: int
    minutes_recounted: int
    services: list[str]
    pages_restored: int = 0  # earlier versions of pages the batch had replaced, put back
    deploys_restored: int = 0  # and of deploys, with their changes


def list_batches(
    store: Store, source: str | None = None, kind: str | None = None, everything: bool = False
) -> list[Batch]:
    """Batches, newest first: applied and rejected ones, or every one (undone too)."""
    rows = store.query(
        f"SELECT {', '.join(BATCH_COLUMNS)} FROM batches "
        "WHERE (? IS NULL OR source = ?) AND (? IS NULL OR kind = ?) "
        "AND (? OR status IN ('applied', 'rejected')) ORDER BY id DESC",
        [source, source, kind, kind, everything],
    )
    return [Batch(*row) for row in rows]


def undo_batch(store: Store, config: Config, batch_id: int) -> Undone:
    """Remove everything one batch stored, in one transaction, and recount its minutes."""
    with store.transaction() as db:
        found = db.execute("SELECT kind, status FROM batches WHERE id = ?", [batch_id]).fetchall()
        if not found:
            raise NotFoundError(f"no batch {batch_id}; `basics batches list` shows them")
        kind, status = found[0]
        if status == "undone":
            raise InputError(f"batch {batch_id} was undone already; nothing changed")
        mark_touched(db, batch_id)
        # Links to the batch's deploys go with them, whoever made the link; not those of
        # a deploy whose earlier version comes back (the link is to the deploy, by id).
        db.execute(
            "DELETE FROM deploy_links WHERE deploy_id IN "
            "(SELECT id FROM deploys WHERE batch_id = $batch AND id NOT IN "
            "(SELECT id FROM deploys_replaced WHERE replaced_by = $batch)) "
            "OR incident_id IN (SELECT id FROM incidents WHERE batch_id = $batch)",
            {"batch": batch_id},
        )
        removed = {
            table: _delete(db, table, batch_id)
            for table in (
                "events",
                "pages",
                "shifts",
                "rejects",
                "deploy_links",
                "deploy_changes",
                "deploys",
                "incidents",
                "toil_entries",
            )
        }
        _give_back_rejects(db, batch_id)
        restored = _restore_pages(db, batch_id) if kind == "pages" else 0
        deploys_restored = _restore_deploys(db, batch_id) if kind == "deploys" else 0
        minutes, services = rebuild_marked(db, config)
        db.execute(
            "UPDATE batches SET status = 'undone', undone_at = now() WHERE id = ?", [batch_id]
        )
    return Undone(
        batch_id,
        kind,
        removed["events"],
        removed["pages"] - restored,  # an earlier version put back: not removed
        removed["shifts"],
        removed["rejects"],
        removed["deploys"] - deploys_restored,
        removed["incidents"],
        removed["toil_entries"],
        minutes,
        services,
        restored,
        deploys_restored,
    )


def _restore_pages(db: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """After the batch's pages are deleted: each page's versions are a stack (the one in
    `pages` on top, each in `pages_replaced` with the batch that replaced it); the batch's
    version leaves its stack. The version below it is put back where the batch's was on
    top, else is replaced by the batch that replaced the batch's. How many were put back."""
    db.execute(
        "UPDATE pages_replaced SET replaced_by = above.replaced_by "
        "FROM pages_replaced AS above WHERE pages_replaced.replaced_by = $batch "
        "AND above.id = pages_replaced.id AND above.batch_id = $batch",
        {"batch": batch_id},
    )
    db.execute("DELETE FROM pages_replaced WHERE batch_id = ?", [batch_id])
    # By name: a column added to `pages` and not to `pages_replaced` fails here, loudly.
    columns = ", ".join(
        f'"{name}"'
        for (name,) in db.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'pages' "
            "AND schema_name = 'main' AND database_name = current_database() "
            "ORDER BY column_index"
        ).fetchall()
    )
    restored = db.execute(
        f"INSERT INTO pages ({columns}) SELECT {columns} FROM pages_replaced WHERE replaced_by = ?",
        [batch_id],
    ).fetchall()[0][0]
    db.execute("DELETE FROM pages_replaced WHERE replaced_by = ?", [batch_id])
    return int(restored)


def _give_back_rejects(db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """The rejects of unfinished lines this batch took back (it read them whole) go back to
    the batches that rejected them, so an ingest after the undo reads those lines again;
    the ones this batch itself rejected and a later batch took back go with it."""
    db.execute("DELETE FROM rejects_taken_back WHERE batch_id = ?", [batch_id])
    given = db.execute(
        "SELECT batch_id, count(*) FROM rejects_taken_back WHERE taken_by = ? GROUP BY ALL",
        [batch_id],
    ).fetchall()
    db.execute(
        "INSERT INTO rejects SELECT * EXCLUDE (taken_by) FROM rejects_taken_back "
        "WHERE taken_by = ?",
        [batch_id],
    )
    for earlier, count in given:
        db.execute("UPDATE batches SET rejected = rejected + ? WHERE id = ?", [count, earlier])
    db.execute("DELETE FROM rejects_taken_back WHERE taken_by = ?", [batch_id])


def _restore_deploys(db: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """`_restore_pages` for deploys: after the batch's deploys and changes are deleted,
    their versions below the batch's (in `deploys_replaced`, with their changes in
    `deploy_changes_replaced`) are put back or re-pointed. How many deploys came back."""
    batch = {"batch": batch_id}
    for table, key in (("deploy_changes_replaced", "deploy_id"), ("deploys_replaced", "id")):
        db.execute(
            f"UPDATE {table} SET replaced_by = above.replaced_by FROM deploys_replaced AS above "
            f"WHERE {table}.replaced_by = $batch AND above.id = {table}.{key} "
            "AND above.batch_id = $batch",
            batch,
        )
    for table in ("deploy_changes_replaced", "deploys_replaced"):
        db.execute(f"DELETE FROM {table} WHERE batch_id = $batch", batch)
    # By name: a column added to `deploys` and not to its versions fails here, loudly.
    db.execute(
        "INSERT INTO deploy_changes BY NAME SELECT * EXCLUDE (replaced_by) "
        "FROM deploy_changes_replaced WHERE replaced_by = $batch",
        batch,
    )
    restored = db.execute(
        "INSERT INTO deploys BY NAME SELECT * EXCLUDE (replaced_by) "
        "FROM deploys_replaced WHERE replaced_by = $batch",
        batch,
    ).fetchall()[0][0]
    for table in ("deploy_changes_replaced", "deploys_replaced"):
        db.execute(f"DELETE FROM {table} WHERE replaced_by = $batch", batch)
    return int(restored)


def _delete(db: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> int:
    return int(db.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]).fetchall()[0][0])
