"""Opsgenie alerts as the Alert API returns them (`GET /v2/alerts`, `GET /v2/alerts/{id}`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from basics.ingest.named_fields import value_at
from basics.oncall.formats.common import (
    PageSet,
    RecordError,
    as_object,
    check_container,
    check_order,
    iso_or_epoch,
    join_lines,
    json_records,
    json_type,
    make_reject,
    not_a_person,
    optional_text,
    required_text,
)
from basics.oncall.formats.shapes import ENVELOPES
from basics.oncall.models import Page, PageReject

SOURCE = "opsgenie"
_SERVICE_TAG = re.compile(r"service[:=](.+)", re.IGNORECASE)


def read_opsgenie(text_lines: Iterable[str], name: str) -> tuple[list[Page], list[PageReject]]:
    """Pages from Opsgenie alert JSON: one alert, a list, `{"data": [...]}`, `{"data": {...}}`
    or JSON lines.

    createdAt / updatedAt are ISO 8601 or epoch numbers whose unit is told by magnitude (the
    API gives milliseconds, webhooks nanoseconds for updatedAt). acknowledged_at and
    resolved_at are createdAt + report.ackTime / report.closeTime (milliseconds); a closed
    alert without closeTime falls back to updatedAt; an acknowledged alert without ackTime
    has acknowledged_at None. responder: report.acknowledgedBy, else owner. service:
    extraProperties.service or details.service, else a tag `service:<name>`.
    """
    records, rejects = json_records(join_lines(text_lines), containers=ENVELOPES)
    pages = PageSet()
    for record in records:
        try:
            check_container(record, ("data",), "an Opsgenie alert")
            alert = as_object(record.value, "an Opsgenie alert object")
            if isinstance(alert.get("data"), dict) and "id" not in alert:
                alert = alert["data"]
            pages.add(alert_page(alert))
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
    return pages.pages(), sorted(rejects, key=lambda reject: reject.line)


def alert_page(alert: dict[str, Any]) -> Page:
    """The page of one Opsgenie alert object."""
    source_id = required_text(alert, "id")
    message = required_text(alert, "message")
    created_at = _time(alert, "createdAt")
    if created_at is None:
        raise RecordError("createdAt", "missing createdAt: expected ISO 8601 or epoch milliseconds")
    resolved_at = _after(alert, "report.closeTime", created_at)
    resolved_field = "report.closeTime"
    if resolved_at is None and optional_text(alert, "status") == "closed":
        resolved_at, resolved_field = _time(alert, "updatedAt"), "updatedAt"
    acknowledged_at = _after(alert, "report.ackTime", created_at)
    check_order(
        created_at, acknowledged_at, resolved_at, ("createdAt", "report.ackTime", resolved_field)
    )
    responder = optional_text(alert, "report.acknowledgedBy") or optional_text(alert, "owner")
    return Page(
        id=f"{SOURCE}:{source_id}",
        source=SOURCE,
        source_id=source_id,
        incident_key=optional_text(alert, "alias") or source_id,
        alert=message,
        service=_service(alert),
        urgency=optional_text(alert, "priority"),
        created_at=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        responder=None if responder is None or not_a_person(responder) else responder,
    )


def _time(alert: dict[str, Any], path: str) -> dt.datetime | None:
    value = value_at(alert, path)
    if value is None or value == "":
        return None
    return iso_or_epoch(value, path)


def _after(alert: dict[str, Any], path: str, created_at: dt.datetime) -> dt.datetime | None:
    """created_at + the milliseconds at `path`; None when missing."""
    value = value_at(alert, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        found = value if isinstance(value, (int, float)) else json_type(value)
        raise RecordError(
            path, f"expected milliseconds since creation (a number >= 0) for {path}, found {found}"
        )
    return created_at + dt.timedelta(milliseconds=value)


def _service(alert: dict[str, Any]) -> str | None:
    for path in ("extraProperties.service", "details.service"):
        service = optional_text(alert, path)
        if service is not None:
            return service
    tags = value_at(alert, "tags")
    if isinstance(tags, list):
        for tag in tags:
            found = _SERVICE_TAG.fullmatch(tag.strip()) if isinstance(tag, str) else None
            if found:
                return found.group(1).strip()
    return None
