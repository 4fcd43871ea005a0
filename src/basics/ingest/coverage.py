"""Fields an SLO reads that events of a batch lack: a mapping that finds nothing, or
records that are not requests.

A `fields:` path that matches no record (`status: http.response.status` where the records
say `status_code`), a regular expression without the field's group, or a record format
whose field the defaults do not know all store events without that field, without a single
reject; the SLI then counts every event as bad (a missing value never matches). Each such
(service, field) is reported after the batch is stored, with the SLOs that read it.

A field only some events lack is reported per SLO when events the SLO counts lack a field
its `good:` reads and are bad for it: log lines that are not requests (a TLS message, an
application error) in a request log, counted as failed requests unless `valid:` leaves
them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from basics.config.expressions import ATTRS_PREFIX, fields_used, parse_expression
from basics.config.models import Config, SourceConfig
from basics.ingest.mapping import DURATION_FACTORS
from basics.store.engine import duckdb
from basics.store.rollups import slo_predicates
from basics.store.sql_expressions import COLUMNS


@dataclass(frozen=True)
class UnreadField:
    """A field no event of a service in a batch holds, and the SLOs that read it."""

    service: str
    field: str
    events: int
    slos: tuple[str, ...]
    mapped_from: str | None  # the source's `fields:` path, when the field is mapped


@dataclass(frozen=True)
class MissingAsBad:
    """Events an SLO counts that lack a field its `good:` reads, and so are bad for it."""

    slo: str
    field: str
    events: int  # of the SLO's service in the batch
    missing: int  # of those, the ones the SLO counts (`valid:`) that lack the field, all bad


MAX_NAMED = 50
"""Services named in a batch's `unknown_services` of a one-service source, most events first."""


@dataclass(frozen=True)
class UnknownService:
    """A service a batch's events name that basics.yaml does not."""

    service: str
    events: int
    like: str | None = None  # the service of basics.yaml it differs from only in case or spaces
    # The source's own `service:` when the events named this one instead (an `app` key in
    # a line of a source that is `api`), beside events of known services.
    instead_of: str | None = None


@dataclass(frozen=True)
class UnmatchedField:
    """A field the source's `fields:` maps that no event of the batch holds: the name is
    not in the file (a column the header lacks, a key no record has), whatever reads it."""

    field: str
    mapped_from: str
    events: int


@dataclass(frozen=True)
class OtherSpans:
    """Spans an SLO counts that are not requests its service answered: the client,
    internal and producer spans of an OTLP batch (a call to a database or to another
    service), counted by an SLO whose `valid:` does not read `attrs["span.kind"]`."""

    slo: str
    events: int  # of the SLO's service in the batch
    spans: int  # of those, the ones it counts that are not server or consumer spans


@dataclass(frozen=True)
class Coverage:
    """What a batch's events lack of what the SLOs read. `unknown_services`: when none of
    its events names a service of basics.yaml (aliases already applied), the services they
    name, most events first (every SLO would say "no data" of Traefik's `api@docker`); when
    the source is one service (`service:`) and some events name services basics.yaml does
    not know, those (`instead_of`); and always, the services that differ from one of
    basics.yaml only in case or surrounding spaces (`shop.api` beside `Shop.Api`): their
    events count for no SLO."""

    unread: list[UnreadField]
    missing_as_bad: list[MissingAsBad]
    unknown_services: list[UnknownService]
    other_spans: list[OtherSpans]
    unmatched: list[UnmatchedField]


def coverage(
    db: duckdb.DuckDBPyConnection, config: Config, source: SourceConfig, batch_id: int
) -> Coverage:
    """Per service of the batch, the fields its SLOs read that none of its events holds;
    per SLO, its bad events that lack a field its `good:` reads."""
    readers: dict[str, dict[str, list[str]]] = {}
    goods: list[tuple[str, str, str]] = []  # (service, SLO name, a field its good: reads)
    for svc, service in config.services.items():
        for name, slo in service.slos.items():
            read_by_good = fields_used(parse_expression(slo.good)) - {"service"}
            used = set(read_by_good)
            if slo.valid:
                used |= fields_used(parse_expression(slo.valid))
            for field in sorted(used - {"service"}):
                readers.setdefault(svc, {}).setdefault(field, []).append(f"{svc}/{name}")
            goods += [(svc, name, field) for field in sorted(read_by_good)]
    # The fields `fields:` maps (ts and service make a reject when missing): one no event
    # holds is said even when no SLO reads it (looked for apart, below).
    mapped = {
        filled: path
        for key, path in source.fields.items()
        if (filled := _field_of(key)) is not None
    }
    fields = sorted({field for used in readers.values() for field in used})
    counts = ["count(*)"]
    params: list[object] = []
    for field in fields:
        holds, holds_params = _holds(field)
        counts.append(f"count(*) FILTER (WHERE {holds})")
        params += holds_params
    # One scan of the batch, every service in it: the unknown ones are counted too.
    rows = db.execute(
        f"SELECT service, {', '.join(counts)} FROM events WHERE batch_id = ? "
        "GROUP BY service ORDER BY 2 DESC, 1",
        [*params, batch_id],
    ).fetchall()
    unread: list[UnreadField] = []
    events: dict[str, int] = {}
    held: dict[tuple[str, str], int] = {}
    for service, total, *found in rows:
        events[service] = int(total)
        for field, count in zip(fields, found, strict=True):
            held[service, field] = int(count)
            slos = readers.get(service, {}).get(field)
            if slos and count == 0:
                path = _mapped(source, field)
                unread.append(UnreadField(service, field, int(total), tuple(slos), path))
    # Only where some events of a service hold a field and some lack it: the SLOs' own
    # tests then run over those that lack it, not over the whole batch.
    partial = [
        (svc, name, field)
        for svc, name, field in goods
        if 0 < held.get((svc, field), 0) < events.get(svc, 0)
    ]
    unread.sort(key=lambda u: (u.service, u.field))
    unknown = []
    if config.services and not any(name in config.services for name, *_ in rows):
        unknown = [UnknownService(str(name), int(total)) for name, total, *_ in rows[:5]]
    elif config.services and source.service is not None:
        # A source that is one service whose records name others (an `app` or `service`
        # key): their events leave its SLOs without a word otherwise.
        folded_names = {name.strip().casefold() for name in config.services}
        unknown = [
            UnknownService(str(name), int(total), instead_of=source.service)
            for name, total, *_ in rows
            if name not in config.services and str(name).strip().casefold() not in folded_names
        ][:MAX_NAMED]
    folded = {name.strip().casefold(): name for name in config.services}
    unknown += [
        UnknownService(str(name), int(total), folded[str(name).strip().casefold()])
        for name, total, *_ in rows
        if name is not None
        and name not in config.services
        and str(name).strip().casefold() in folded
        and not any(u.service == name for u in unknown)
    ]
    spans = _other_spans(db, config, batch_id, events) if source.format == "otlp" else []
    total, reported = sum(events.values()), {u.field for u in unread}
    unmatched = [
        UnmatchedField(field, path, total)
        for field, path in sorted(mapped.items())
        if total
        and field not in reported
        and not (
            any(held.get((s, field)) for s in events)  # counted above: an SLO reads it
            if field in fields
            else _held_by_any(db, batch_id, field)
        )
    ]
    bad = _missing_as_bad(db, config, batch_id, partial, events)
    return Coverage(unread, bad, unknown, spans, unmatched)


def _held_by_any(db: duckdb.DuckDBPyConnection, batch_id: int, field: str) -> bool:
    """Whether an event of the batch holds `field`: the scan stops at the first that does
    (nearly always the first row), and reads the batch through only when none does."""
    holds, params = _holds(field)
    found = db.execute(
        f"SELECT 1 FROM events WHERE batch_id = ? AND {holds} LIMIT 1", [batch_id, *params]
    ).fetchall()
    return bool(found)


def _field_of(name: str) -> str | None:
    """The field a `fields:` key fills, as SLO expressions name it (None: ts, service, id)."""
    if name in DURATION_FACTORS:
        return "duration_ms"
    if name.startswith(ATTRS_PREFIX) or name in COLUMNS:
        return None if name == "service" else name
    return None


_NOT_ANSWERED = ["client", "internal", "producer"]
"""Span kinds that are not a request the service answered (server, or consumer of a
message)."""


def _other_spans(
    db: duckdb.DuckDBPyConnection, config: Config, batch_id: int, events: dict[str, int]
) -> list[OtherSpans]:
    """Per SLO of a service in the batch whose `valid:` does not read the span kind, the
    spans it counts that its service did not answer: one query, one count per SLO."""
    slos = [
        (svc, name)
        for svc, service in config.services.items()
        if svc in events
        for name, slo in service.slos.items()
        if f"{ATTRS_PREFIX}span.kind" not in fields_used(parse_expression(slo.valid or "true"))
    ]
    if not slos:
        return []
    counts = []
    for svc, name in slos:
        service = config.services[svc]
        valid, _ = slo_predicates(service, service.slos[name])
        counts.append(f"count(*) FILTER (WHERE service = ? AND ({valid}) AND kind_other)")
    row = db.execute(
        f"SELECT {', '.join(counts)} FROM (SELECT *, list_contains(?, attrs['span.kind']) "
        "AS kind_other FROM events WHERE batch_id = ?)",
        [*(svc for svc, _ in slos), _NOT_ANSWERED, batch_id],
    ).fetchall()[0]
    return [
        OtherSpans(f"{svc}/{name}", events[svc], int(count))
        for (svc, name), count in zip(slos, row, strict=True)
        if count
    ]


def _missing_as_bad(
    db: duckdb.DuckDBPyConnection,
    config: Config,
    batch_id: int,
    partial: list[tuple[str, str, str]],
    events: dict[str, int],
) -> list[MissingAsBad]:
    """Of the events of each (service, SLO name, field) that lack the field, those the SLO
    counts as bad: per field, one query over the batch's events that lack it, grouped by
    service, with one count per distinct test of bad (SLOs mostly share theirs)."""
    counted: dict[tuple[str, str, str], int] = {}
    for field in dict.fromkeys(f for _, _, f in partial):
        wanted = [(svc, name) for svc, name, f in partial if f == field]
        tests: dict[str, int] = {}  # each distinct test of bad, and its column
        column = {}
        for svc, name in wanted:
            service = config.services[svc]
            valid, good = slo_predicates(service, service.slos[name])
            column[svc, name] = tests.setdefault(f"({valid}) AND NOT ({good})", len(tests))
        holds, holds_params = _holds(field)
        counts = ", ".join(f"count(*) FILTER (WHERE {bad})" for bad in tests)
        rows = db.execute(
            f"SELECT service, {counts} FROM events WHERE batch_id = ? "
            f"AND list_contains(?, service) AND NOT {holds} GROUP BY service",
            [batch_id, sorted({svc for svc, _ in wanted}), *holds_params],
        ).fetchall()
        found = {row[0]: row[1:] for row in rows}
        for svc, name in wanted:
            if svc in found:
                counted[svc, name, field] = int(found[svc][column[svc, name]])
    return [
        MissingAsBad(f"{svc}/{name}", field, events[svc], counted[svc, name, field])
        for svc, name, field in partial
        if counted.get((svc, name, field))
    ]


def _holds(field: str) -> tuple[str, list[object]]:
    """SQL true when an event holds `field`, and its parameters (an attribute's key)."""
    if field.startswith(ATTRS_PREFIX):
        return "map_contains(attrs, ?)", [field[len(ATTRS_PREFIX) :]]
    return f"{COLUMNS[field]} IS NOT NULL", []


def _mapped(source: SourceConfig, field: str) -> str | None:
    """The source's `fields:` path of a field (of any duration unit for `duration_ms`)."""
    if field == "duration_ms":
        names = [name for name in DURATION_FACTORS if name in source.fields]
        return source.fields[names[0]] if names else None
    return source.fields.get(field)
