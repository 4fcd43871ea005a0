"""PagerDuty v3 webhook deliveries, one envelope per line, folded into one page per incident."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from basics.oncall.formats.common import (
    RecordError,
    as_object,
    check_container,
    check_order,
    join_lines,
    json_records,
    make_reject,
    object_list,
    optional_text,
    optional_time,
    required_text,
    required_time,
)
from basics.oncall.formats.pagerduty_json import SOURCE
from basics.oncall.formats.shapes import ENVELOPES
from basics.oncall.models import Page, PageReject, resolution


@dataclass(frozen=True)
class _Event:
    """What one incident event says about its incident."""

    line: int
    raw: str
    event_id: str | None
    incident_id: str
    event_type: str
    occurred_at: dt.datetime
    title: str | None
    service: str | None
    urgency: str | None
    incident_key: str | None
    created_at: dt.datetime | None
    assignee: str | None


def read_pagerduty_webhook(
    text_lines: Iterable[str], name: str
) -> tuple[list[Page], list[PageReject]]:
    """Pages from v3 webhook envelopes (`{"event": {...}}`, or the bare event), one per line.

    Events of one incident (`data.id`, `data.type` "incident") fold into one page, whatever
    their order in the file:
    created_at is the incident.triggered event's occurred_at; an incident seen only through
    later events (the trigger was missed or came before the export) still becomes a page, its
    created_at the incident's own `data.created_at` when an event carries it, else the earliest
    event's occurred_at;
    acknowledged_at is the earliest incident.acknowledged; resolved_at the latest
    incident.resolved, unless an incident.reopened came after it (then the page is open:
    None), as PagerDuty reports a reopened incident; reopened_at the latest incident.reopened;
    title, service, urgency, incident key and the responder (the first assignee, so the one
    an incident.reassigned names) come from the latest event that carries them, latest by
    occurred_at; told_at is the latest occurred_at, assigned_at that of the latest event
    with assignees (a resolution has none).
    A repeated delivery (same event id) counts once. Events about other resources (services,
    notes, responder requests, pings) say nothing about a page and are skipped.
    """
    records, rejects = json_records(join_lines(text_lines), containers=ENVELOPES)
    seen_event_ids: set[str] = set()
    incidents: dict[str, list[_Event]] = {}
    for record in records:
        try:
            check_container(record, (), "a PagerDuty v3 webhook envelope")
            event = _event(record.line, record.raw, record.value)
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
            continue
        if event is None or event.event_id in seen_event_ids:
            continue
        if event.event_id is not None:
            seen_event_ids.add(event.event_id)
        incidents.setdefault(event.incident_id, []).append(event)
    pages = []
    for incident_id, events in incidents.items():
        try:
            pages.append(_incident_page(incident_id, events))
        except RecordError as error:
            rejects.append(make_reject(events[0].line, error, events[0].raw))
    return pages, sorted(rejects, key=lambda reject: reject.line)


def _event(line: int, raw: str, value: Any) -> _Event | None:
    """The event of one delivery, or None when it is not about an incident."""
    envelope = as_object(value, 'a PagerDuty v3 webhook envelope {"event": {...}}')
    event = as_object(envelope.get("event", envelope), "an event object under event")
    event_type = required_text(event, "event_type")
    data = event.get("data")
    if not event_type.startswith("incident.") or (
        isinstance(data, dict) and data.get("type", "incident") != "incident"
    ):
        return None
    if not isinstance(data, dict):
        raise RecordError("data", f"missing data: expected the incident of the {event_type} event")
    return _Event(
        line=line,
        raw=raw,
        event_id=optional_text(event, "id"),
        incident_id=_data_id(data),
        event_type=event_type,
        occurred_at=required_time(event, "occurred_at"),
        title=_data_text(data, "title") or _data_text(data, "summary"),
        service=_data_text(data, "service.summary"),
        urgency=_data_text(data, "urgency"),
        incident_key=_data_text(data, "incident_key"),
        created_at=_data_time(data, "created_at"),
        assignee=_first_assignee(data),
    )


def _data_id(data: dict[str, Any]) -> str:
    incident_id = _data_text(data, "id")
    if incident_id is None:
        raise RecordError("data.id", "missing data.id: expected the incident id")
    return incident_id


def _data_text(data: dict[str, Any], path: str) -> str | None:
    try:
        return optional_text(data, path)
    except RecordError as error:
        raise RecordError(f"data.{path}", error.reason.replace(path, f"data.{path}")) from None


def _data_time(data: dict[str, Any], path: str) -> dt.datetime | None:
    try:
        return optional_time(data, path)
    except RecordError as error:
        raise RecordError(f"data.{path}", error.reason) from None


def _first_assignee(data: dict[str, Any]) -> str | None:
    try:
        assignees = object_list(data, "assignees")
    except RecordError as error:
        raise RecordError(f"data.{error.field}", error.reason) from None
    return next((p for a in assignees if (p := optional_text(a, "summary"))), None)


def _incident_page(incident_id: str, events: list[_Event]) -> Page:
    events = sorted(events, key=lambda event: event.occurred_at)
    latest_first = events[::-1]

    def earliest(event_type: str) -> dt.datetime | None:
        return next((e.occurred_at for e in events if e.event_type == event_type), None)

    def latest(event_type: str) -> dt.datetime | None:
        return next((e.occurred_at for e in latest_first if e.event_type == event_type), None)

    created_at = (
        earliest("incident.triggered")
        or next((e.created_at for e in events if e.created_at), None)
        or events[0].occurred_at
    )
    acknowledged_at = earliest("incident.acknowledged")
    reopened_at = latest("incident.reopened")
    resolved_at = resolution(latest("incident.resolved"), reopened_at)
    check_order(
        created_at,
        acknowledged_at,
        resolved_at,
        ("created_at", "incident.acknowledged occurred_at", "incident.resolved occurred_at"),
    )
    alert = next((e.title for e in latest_first if e.title), None)
    assigned = next((e for e in latest_first if e.assignee), None)
    if alert is None:
        raise RecordError(
            "data.title", f"no event of incident {incident_id} carries data.title: expected one"
        )
    return Page(
        id=f"{SOURCE}:{incident_id}",
        source=SOURCE,
        source_id=incident_id,
        incident_key=next((e.incident_key for e in latest_first if e.incident_key), incident_id),
        alert=alert,
        service=next((e.service for e in latest_first if e.service), None),
        urgency=next((e.urgency for e in latest_first if e.urgency), None),
        created_at=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        responder=assigned.assignee if assigned else None,
        told_at=events[-1].occurred_at,
        assigned_at=assigned.occurred_at if assigned else None,
        reopened_at=reopened_at,
    )
