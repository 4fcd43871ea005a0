"""Per-minute rollups: good/total per SLO and latency sketches per operation.

They are rebuilt for exactly the minutes a batch touched (late data works), and in full
for an SLO whose definition changed, so reports never rescan raw events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from basics.config.expressions import format_expression, parse_expression
from basics.config.models import Config, ServiceConfig, SLOConfig
from basics.core.sketch import bucket_sql
from basics.store.duckdb_store import Store
from basics.store.engine import duckdb
from basics.store.sql_expressions import to_predicate_sql


def definition_sha256(service: ServiceConfig, slo: SLOConfig) -> str:
    """A fingerprint of everything that changes an SLO's per-minute counts."""
    valid = slo.valid or "true"
    payload = {
        "good": format_expression(parse_expression(slo.good)),
        "valid": format_expression(parse_expression(valid)),
        "corrections": [(c.start.isoformat(), c.end.isoformat()) for c in service.corrections],
        "version": 1,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def slo_predicates(service: ServiceConfig, slo: SLOConfig) -> tuple[str, str]:
    """SQL for (valid, good) of one event of this SLO."""
    valid = to_predicate_sql(parse_expression(slo.valid), "duckdb") if slo.valid else "true"
    for correction in service.corrections:
        start = correction.start.replace(tzinfo=None).isoformat()
        end = correction.end.replace(tzinfo=None).isoformat()
        valid += f" AND NOT (ts >= TIMESTAMP '{start}' AND ts < TIMESTAMP '{end}')"
    good = to_predicate_sql(parse_expression(slo.good), "duckdb")
    return valid, good


def rebuild_service_minutes(
    db: duckdb.DuckDBPyConnection,
    config: Config,
    service_name: str,
    minutes: str | None,
    batch_id: int | None = None,
) -> None:
    """Recount every SLO and sketch of a service for the minutes in `minutes` (or all).

    `batch_id`: the stored batch whose minutes `minutes` holds. When no other batch has
    events of the service within their span (a first ingest, data newer than the stored),
    every minute of the span with events is one of them, and so is every minute with
    rollups (rollups are counted from events alone): the span is recounted whole, without
    testing each event against the minutes.
    """
    service = config.services.get(service_name)
    params: dict[str, object] = {"service": service_name}
    minute_filter = "true"
    every_minute = False
    if minutes:
        # The span's bounds let DuckDB skip the stored row groups outside it (their
        # min/max of ts), so a batch of new data does not rescan every stored event.
        params["first"], params["last"], every_minute = db.execute(
            "SELECT min(minute), max(minute), count(*) = "
            "datediff('minute', min(minute), max(minute)) + 1 "
            f"FROM {minutes} WHERE service = $service",
            params,
        ).fetchall()[0]
        minute_filter = "ts >= $first AND ts < $last + INTERVAL 1 MINUTE"
        if not every_minute and batch_id is not None:
            every_minute = alone_in_span(db, service_name, batch_id, minute_filter, params)
        if not every_minute:  # else the span is exactly the minutes to recount
            minute_filter += (
                f" AND date_trunc('minute', ts) IN (SELECT minute FROM {minutes} "
                "WHERE service = $service)"
            )
    if service and service.slos:
        counts = []
        for name, slo in service.slos.items():
            valid, good = slo_predicates(service, slo)
            counts.append(
                f'count(*) FILTER (WHERE {valid}) AS "t:{name}", '
                f'count(*) FILTER (WHERE ({valid}) AND ({good})) AS "g:{name}"'
            )
        db.execute(
            "CREATE OR REPLACE TEMP TABLE slo_counts AS "
            f"SELECT date_trunc('minute', ts) AS minute, "
            f"{', '.join(counts)} FROM events WHERE service = $service AND {minute_filter} "
            "GROUP BY 1",
            params,
        )
        for name in service.slos:
            slo_id = f"{service_name}/{name}"
            _delete_minutes(db, "slo_minute", "slo = $key", slo_id, params, minutes, every_minute)
            db.execute(
                f'INSERT INTO slo_minute SELECT $key, minute, "t:{name}", "g:{name}" '
                f'FROM slo_counts WHERE "t:{name}" > 0',
                {"key": slo_id},
            )
    _delete_minutes(
        db, "latency_minute", "service = $key", service_name, params, minutes, every_minute
    )
    # Grouped without the (filtered, constant) service: a narrower key, a faster count.
    db.execute(
        "INSERT INTO latency_minute SELECT $service, operation, minute, bucket, n FROM ("
        f"SELECT operation, date_trunc('minute', ts) AS minute, {bucket_sql('duration_ms')} "
        f"AS bucket, count(*) AS n FROM events WHERE service = $service "
        f"AND duration_ms IS NOT NULL AND {minute_filter} GROUP BY ALL)",
        params,
    )


def alone_in_span(
    db: duckdb.DuckDBPyConnection,
    service_name: str,
    batch_id: int,
    minute_filter: str,
    params: dict[str, object],
) -> bool:
    """Whether no other batch than `batch_id` has events of the service in the span."""
    return not db.execute(
        f"SELECT EXISTS (SELECT 1 FROM events WHERE service = $service AND {minute_filter} "
        "AND batch_id <> $batch)",
        {**params, "batch": batch_id},
    ).fetchall()[0][0]


def _delete_minutes(
    db: duckdb.DuckDBPyConnection,
    table: str,
    key_filter: str,
    key: str,
    params: dict[str, object],
    minutes: str | None,
    every_minute: bool,
) -> None:
    if minutes is None:
        db.execute(f"DELETE FROM {table} WHERE {key_filter}", {"key": key})
        return
    if every_minute:
        db.execute(
            f"DELETE FROM {table} WHERE {key_filter} AND minute BETWEEN $first AND $last",
            {"key": key, "first": params["first"], "last": params["last"]},
        )
        return
    db.execute(
        f"DELETE FROM {table} WHERE {key_filter} AND minute BETWEEN $first AND $last "
        f"AND minute IN (SELECT minute FROM {minutes} WHERE service = $service)",
        {**params, "key": key},
    )


def rebuild_touched(db: duckdb.DuckDBPyConnection, config: Config, batch_id: int) -> None:
    """Recount the minutes, per service, that one batch's events fall in."""
    mark_touched(db, batch_id)
    rebuild_marked(db, config, batch_id)


def mark_touched(db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Note the minutes, per service, that one batch's events fall in (before they change)."""
    db.execute(
        "CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT service, "
        "date_trunc('minute', ts) AS minute FROM events WHERE batch_id = ?",
        [batch_id],
    )


def rebuild_marked(
    db: duckdb.DuckDBPyConnection, config: Config, batch_id: int | None = None
) -> tuple[int, list[str]]:
    """Recount the minutes `mark_touched` noted; how many, and of which services.

    `batch_id`: the batch whose events were noted, still stored (an ingest's, not an undo's).
    """
    services = sorted(r[0] for r in db.execute("SELECT DISTINCT service FROM touched").fetchall())
    for service_name in services:
        rebuild_service_minutes(db, config, service_name, "touched", batch_id)
    minutes = int(db.execute("SELECT count(*) FROM touched").fetchall()[0][0])
    db.execute("DROP TABLE touched")
    return minutes, services


def sync_definitions(
    store: Store, config: Config, on_rebuild: Callable[[str], None] | None = None
) -> list[str]:
    """Rebuild the rollups of SLOs that are new or changed; forget removed ones."""
    wanted = {
        f"{svc}/{name}": (svc, definition_sha256(service, slo))
        for svc, service in config.services.items()
        for name, slo in service.slos.items()
    }
    stored = dict(store.query("SELECT name, definition_sha256 FROM slos"))
    stale = sorted({svc for key, (svc, sha) in wanted.items() if stored.get(key) != sha})
    removed = [key for key in stored if key not in wanted]
    if not stale and not removed:
        return []
    store.writable(
        f"brought up to date: the rollups of {', '.join(stale + removed)} must be rebuilt "
        "(their SLOs changed in basics.yaml)"
    )
    rebuilt = []
    with store.transaction() as db:
        for key in removed:
            db.execute("DELETE FROM slo_minute WHERE slo = ?", [key])
            db.execute("DELETE FROM slos WHERE name = ?", [key])
        for svc in stale:
            if on_rebuild:
                on_rebuild(svc)
            rebuild_service_minutes(db, config, svc, None)
            for key, (owner, sha) in wanted.items():
                if owner == svc:
                    db.execute(
                        "INSERT OR REPLACE INTO slos VALUES (?, ?, ?, now())", [key, svc, sha]
                    )
                    rebuilt.append(key)
    return rebuilt
