"""Incidents in the store: added by hand now, from post-mortems and imports later."""

from __future__ import annotations

import datetime as dt

from basics.alerting.models import Incident
from basics.core.errors import InputError
from basics.store.duckdb_store import Store

_COLUMNS = "id, services, start_ts, end_ts, title, severity, source"


def add_incident(
    store: Store,
    services: list[str],
    start: dt.datetime,
    end: dt.datetime,
    title: str,
    severity: str | None = None,
    source: str = "manual",
) -> Incident:
    """Record an incident on one or more services over [start, end)."""
    if not services:
        raise InputError("an incident needs at least one --service")
    if end <= start:
        raise InputError("an incident's end (--to) must be after its start (--from)")
    if not title.strip():
        raise InputError("an incident needs a --title")
    with store.transaction() as db:
        incident_id = int(db.execute("SELECT nextval('incident_ids')").fetchall()[0][0])
        db.execute(
            f"INSERT INTO incidents ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [incident_id, services, start, end, title.strip(), severity, source],
        ).fetchall()
    return Incident(incident_id, tuple(services), start, end, title.strip(), severity, source)


def list_incidents(
    store: Store,
    service: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[Incident]:
    """Incidents, oldest first, optionally of one service and overlapping [start, end)."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM incidents WHERE (? IS NULL OR list_contains(services, ?)) "
        "AND (? IS NULL OR end_ts > ?) AND (? IS NULL OR start_ts < ?) ORDER BY start_ts, id",
        [service, service, start, start, end, end],
    )
    return [Incident(int(r[0]), tuple(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]
