"""Incidents in the store: added by hand now, from post-mortems and imports later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from basics.alerting.models import Incident
from basics.config.models import Config, known_service, named_services
from basics.core.errors import InputError, NotFoundError
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
    source_key: str | None = None,
    names: Mapping[str, str] | None = None,
    former_key: str | None = None,
) -> Incident:
    """Record an incident on one or more services over [start, end).

    With a `source_key`, recording the same key again from the same kind of source (what
    `source` says before a `:`, so `file:a.csv` and `file:b.csv` are one kind) updates the
    incident already recorded, and its source, instead of adding a second one: imports can
    be re-run, and a later export updates what an earlier one recorded. `former_key`: a
    key it may have been stored under before, taken over. `names` (`Config.service_names`)
    turns a service's alias or other letter case ("Checkout API") into the service of
    basics.yaml it is.
    """
    if names:
        services = named_services(services, names)
    if not services:
        raise InputError("an incident needs at least one --service")
    if end <= start:
        raise InputError("an incident's end (--to) must be after its start (--from)")
    if not title.strip():
        raise InputError("an incident needs a --title")
    with store.transaction() as db:
        if source_key is not None:
            kind = source.partition(":")[0]
            # An id names the same incident from another file only where the start or the
            # title agrees too ("1" of a spreadsheet of 2025 is not "1" of 2026's); a record
            # without one (`former_key` given) is also the stored incident of the same
            # services, start and title, whatever key an earlier version stored it under.
            known = db.execute(
                "SELECT id FROM incidents WHERE (source = $kind OR starts_with(source, $kinds)) "
                "AND ((source_key = $key AND (source = $source OR start_ts = $start "
                "      OR lower(title) = lower($title))) "
                "  OR source_key = $former "
                "  OR ($content AND list_sort(services) = list_sort($services::VARCHAR[]) "
                "      AND start_ts = $start AND lower(title) = lower($title))) "
                "ORDER BY source_key = $key DESC, id LIMIT 1",
                {
                    "kind": kind, "kinds": f"{kind}:", "key": source_key, "source": source,
                    "start": start, "title": title.strip(), "former": former_key,
                    "content": former_key is not None, "services": services,
                },
            ).fetchall()  # fmt: skip
            if known:
                # Imported before: keep its id, take the record's current fields.
                incident_id = int(known[0][0])
                db.execute(
                    "UPDATE incidents SET services = ?, start_ts = ?, end_ts = ?, title = ?, "
                    "severity = ?, source = ?, source_key = ? WHERE id = ?",
                    [services, start, end, title.strip(), severity, source, source_key,
                     incident_id],
                ).fetchall()  # fmt: skip
                return Incident(
                    incident_id, tuple(services), start, end, title.strip(), severity, source
                )
        incident_id = int(db.execute("SELECT nextval('incident_ids')").fetchall()[0][0])
        db.execute(
            f"INSERT INTO incidents ({_COLUMNS}, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [incident_id, services, start, end, title.strip(), severity, source, source_key],
        ).fetchall()
    return Incident(incident_id, tuple(services), start, end, title.strip(), severity, source)


def same_incident(
    store: Store,
    services: list[str],
    start: dt.datetime,
    end: dt.datetime,
    title: str,
    names: Mapping[str, str] | None = None,
) -> Incident | None:
    """The incident recorded already with these services, start, end and title (in any
    letter case), whatever its source: `incidents add` run again (a script, a README
    followed twice) finds it rather than recording it twice."""
    if names:
        services = named_services(services, names)
    rows = store.query(
        f"SELECT {_COLUMNS} FROM incidents WHERE list_sort(services) = list_sort(?::VARCHAR[]) "
        "AND start_ts = ? AND end_ts = ? AND lower(title) = lower(?) ORDER BY id LIMIT 1",
        [services, start, end, title.strip()],
    )
    return _incident(rows[0]) if rows else None


def set_severity(store: Store, incident_id: int, severity: str) -> None:
    """Give a recorded incident a severity (`incidents add` again with a new --severity)."""
    with store.transaction() as db:
        db.execute("UPDATE incidents SET severity = ? WHERE id = ?", [severity, incident_id])


def withdraw_incident(
    store: Store,
    source: str,
    source_key: str,
    title: str | None,
    start: dt.datetime | None = None,
) -> Incident | None:
    """Delete the incident an import recorded under `source_key` (as `add_incident` finds
    it: from this source, or from another of its kind with the same title or start), when
    a later export says it was no incident (declined, merged, canceled); the incident as it
    was, or None when none was recorded."""
    kind = source.partition(":")[0]
    with store.transaction() as db:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM incidents "
            "WHERE (source = $kind OR starts_with(source, $kinds)) AND source_key = $key "
            "AND (source = $source OR lower(title) = lower($title) OR start_ts = $start) "
            "ORDER BY id LIMIT 1",
            {"kind": kind, "kinds": f"{kind}:", "key": source_key, "source": source,
             "title": (title or "").strip(), "start": start},
        ).fetchall()  # fmt: skip
        if not rows:
            return None
        db.execute("DELETE FROM incidents WHERE id = ?", [rows[0][0]]).fetchall()
    return _incident(rows[0])


def remove_incident(store: Store, incident_id: int) -> Incident:
    """Delete one recorded incident; the incident as it was."""
    with store.transaction() as db:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM incidents WHERE id = ?", [incident_id]
        ).fetchall()
        if not rows:
            raise NotFoundError(
                f"no incident {incident_id}; `basics incidents list` shows their ids"
            )
        db.execute("DELETE FROM incidents WHERE id = ?", [incident_id]).fetchall()
    return _incident(rows[0])


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
    return [_incident(row) for row in rows]


def incidents_of(store: Store, config: Config, service: str | None) -> list[Incident]:
    """`list_incidents` of a service named by any of its names (`incidents list
    --service`, `GET /incidents?service=`); a NotFoundError when neither basics.yaml nor an
    incident names it: a misspelling is not "no incidents"."""
    if service is not None:

        def stored() -> list[str]:
            return sorted({s for incident in list_incidents(store) for s in incident.services})

        service = known_service(service, config, stored, "any incident")
    return list_incidents(store, service)


def _incident(row: tuple[Any, ...]) -> Incident:
    return Incident(int(row[0]), tuple(row[1]), row[2], row[3], row[4], row[5], row[6])
