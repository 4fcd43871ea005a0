"""PagerDuty REST API v2 incidents (`GET /incidents`), optionally with embedded log entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from basics.oncall.formats.common import (
    PageSet,
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
from basics.oncall.formats.shapes import ENVELOPES
from basics.oncall.models import Page, PageReject

SOURCE = "pagerduty"
_TIME_NAMES = ("the first acknowledgement", "the resolution")


def read_pagerduty_json(
    text_lines: Iterable[str], name: str
) -> tuple[list[Page], list[PageReject]]:
    """Pages from `{"incidents": [...]}`, a list of incidents, `{"incident": {...}}`, JSON lines.

    responder: the user of the first `notify_log_entry`, else the first assignee, else the
    first acknowledger (`acknowledgements[].acknowledger`, else the agent of the first
    `acknowledge_log_entry`), else None (the person on call, in the report).
    acknowledged_at: the first `acknowledge_log_entry`, else the first of `acknowledgements`.
    resolved_at: the first `resolve_log_entry`, else `last_status_change_at` of a resolved
    incident; a resolved incident with neither is rejected rather than shown as still open.
    ack_unknown: a resolved incident without log entries and without an acknowledgement (the
    API empties `acknowledgements` once an incident is resolved).
    """
    records, rejects = json_records(join_lines(text_lines), containers=ENVELOPES)
    pages = PageSet()
    for record in records:
        try:
            check_container(record, ("incidents",), "a PagerDuty incident")
            incident = as_object(record.value, "a PagerDuty incident object")
            if isinstance(incident.get("incident"), dict):
                incident = incident["incident"]
            pages.add(incident_page(incident))
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
    return pages.pages(), sorted(rejects, key=lambda reject: reject.line)


def incident_page(incident: dict[str, Any]) -> Page:
    """The page of one REST v2 incident object."""
    source_id = required_text(incident, "id")
    created_at = required_time(incident, "created_at")
    alert = optional_text(incident, "title") or optional_text(incident, "summary")
    if alert is None:
        raise RecordError("title", "missing title: expected a non-empty string")
    entries = _log_entries(incident)
    acknowledged_at = _acknowledged_at(incident, entries)
    resolved_at = _resolved_at(incident, entries)
    check_order(created_at, acknowledged_at, resolved_at, ("created_at", *_TIME_NAMES))
    return Page(
        id=f"{SOURCE}:{source_id}",
        source=SOURCE,
        source_id=source_id,
        incident_key=optional_text(incident, "incident_key") or source_id,
        alert=alert,
        service=optional_text(incident, "service.summary"),
        urgency=optional_text(incident, "urgency"),
        created_at=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        responder=_responder(incident, entries),
        # The API lists no acknowledgements once an incident is resolved: without its log
        # entries, whether anyone acknowledged it is unknown, not "nobody did".
        ack_unknown=True if acknowledged_at is None and resolved_at and not entries else None,
    )


def _log_entries(incident: dict[str, Any]) -> list[tuple[dt.datetime, str, dict[str, Any]]]:
    """The embedded log entries as (time, type, entry), oldest first."""
    entries = []
    for index, entry in enumerate(object_list(incident, "log_entries")):
        kind = (optional_text(entry, "type") or "").removesuffix("_reference")
        try:
            moment = required_time(entry, "created_at")
        except RecordError as error:
            raise RecordError(f"log_entries[{index}].created_at", error.reason) from None
        entries.append((moment, kind, entry))
    entries.sort(key=lambda item: item[0])
    return entries


def _first(
    entries: list[tuple[dt.datetime, str, dict[str, Any]]], kind: str
) -> tuple[dt.datetime, dict[str, Any]] | None:
    return next(((moment, entry) for moment, k, entry in entries if k == kind), None)


def _acknowledged_at(
    incident: dict[str, Any], entries: list[tuple[dt.datetime, str, dict[str, Any]]]
) -> dt.datetime | None:
    first = _first(entries, "acknowledge_log_entry")
    if first is not None:
        return first[0]
    times = [
        moment
        for index, ack in enumerate(object_list(incident, "acknowledgements"))
        if (moment := _indexed_time(ack, "at", f"acknowledgements[{index}].at")) is not None
    ]
    return min(times, default=None)


def _resolved_at(
    incident: dict[str, Any], entries: list[tuple[dt.datetime, str, dict[str, Any]]]
) -> dt.datetime | None:
    first = _first(entries, "resolve_log_entry")
    if first is not None:
        return first[0]
    if optional_text(incident, "status") != "resolved":
        return None
    moment = optional_time(incident, "last_status_change_at")
    if moment is None:
        raise RecordError(
            "last_status_change_at",
            "the incident is resolved but neither a resolve_log_entry nor last_status_change_at"
            " says when: expected an ISO 8601 time",
        )
    return moment


def _responder(
    incident: dict[str, Any], entries: list[tuple[dt.datetime, str, dict[str, Any]]]
) -> str | None:
    first = _first(entries, "notify_log_entry")
    if first is not None:
        entry = first[1]
        person = (
            optional_text(entry, "user.summary")
            or optional_text(entry, "user.name")
            or optional_text(entry, "user.email")
        )
        if person is not None:
            return person
    for assignment in object_list(incident, "assignments"):
        person = optional_text(assignment, "assignee.summary")
        if person is not None:
            return person
    # Who acknowledged it answered it, as the CSV export's "Acknowledged By" says.
    for index, ack in enumerate(object_list(incident, "acknowledgements")):
        person = _user(ack, "acknowledger", f"acknowledgements[{index}].acknowledger")
        if person is not None:
            return person
    first = _first(entries, "acknowledge_log_entry")
    if first is not None and optional_text(first[1], "agent.type") in (None, "user_reference"):
        return _user(first[1], "agent", "agent")
    return None


def _user(record: dict[str, Any], path: str, field: str) -> str | None:
    """The name of the user at `path` (its summary, name or e-mail)."""
    try:
        return (
            optional_text(record, f"{path}.summary")
            or optional_text(record, f"{path}.name")
            or optional_text(record, f"{path}.email")
        )
    except RecordError as error:
        raise RecordError(field, error.reason) from None


def _indexed_time(record: dict[str, Any], path: str, field: str) -> dt.datetime | None:
    try:
        return optional_time(record, path)
    except RecordError as error:
        raise RecordError(field, error.reason) from None
