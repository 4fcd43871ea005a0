"""Fields an SLO reads that no event of a batch holds: a mapping that finds nothing.

A `fields:` path that matches no record (`status: http.response.status` where the records
say `status_code`), a regular expression without the field's group, or a record format
whose field the defaults do not know all store events without that field, without a single
reject; the SLI then counts every event as bad (a missing value never matches). Each such
(service, field) is reported after the batch is stored, with the SLOs that read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from basics.config.expressions import ATTRS_PREFIX, fields_used, parse_expression
from basics.config.models import Config, SourceConfig
from basics.ingest.mapping import DURATION_FACTORS

COLUMNS = {
    "status": "status",
    "duration_ms": "duration_ms",
    "user": "user_id",
    "operation": "operation",
}
"""The events column of each fixed field an SLO may read (`service` is always held)."""


@dataclass(frozen=True)
class UnreadField:
    """A field no event of a service in a batch holds, and the SLOs that read it."""

    service: str
    field: str
    events: int
    slos: tuple[str, ...]
    mapped_from: str | None  # the source's `fields:` path, when the field is mapped


def unread_fields(
    db: duckdb.DuckDBPyConnection, config: Config, source: SourceConfig, batch_id: int
) -> list[UnreadField]:
    """Per service of the batch, the fields its SLOs read that none of its events holds."""
    readers: dict[str, dict[str, list[str]]] = {}
    for svc, service in config.services.items():
        for name, slo in service.slos.items():
            used = fields_used(parse_expression(slo.good))
            if slo.valid:
                used |= fields_used(parse_expression(slo.valid))
            for field in sorted(used - {"service"}):
                readers.setdefault(svc, {}).setdefault(field, []).append(f"{svc}/{name}")
    fields = sorted({field for used in readers.values() for field in used})
    if not fields:
        return []
    counts, keys = [], []
    for field in fields:
        if field.startswith(ATTRS_PREFIX):
            counts.append("count(*) FILTER (WHERE map_contains(attrs, ?))")
            keys.append(field[len(ATTRS_PREFIX) :])
        else:
            counts.append(f"count({COLUMNS[field]})")
    rows = db.execute(
        f"SELECT service, count(*), {', '.join(counts)} FROM events "
        "WHERE batch_id = ? AND list_contains(?, service) GROUP BY service ORDER BY service",
        [*keys, batch_id, sorted(readers)],
    ).fetchall()
    found = []
    for service, events, *held in rows:
        for field, count in zip(fields, held, strict=True):
            slos = readers[service].get(field)
            if slos and count == 0:
                path = _mapped(source, field)
                found.append(UnreadField(service, field, int(events), tuple(slos), path))
    return found


def _mapped(source: SourceConfig, field: str) -> str | None:
    """The source's `fields:` path of a field (of any duration unit for `duration_ms`)."""
    if field == "duration_ms":
        names = [name for name in DURATION_FACTORS if name in source.fields]
        return source.fields[names[0]] if names else None
    return source.fields.get(field)
