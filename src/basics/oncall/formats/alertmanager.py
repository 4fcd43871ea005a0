"""Alertmanager webhook payloads (version 4), one per line, folded into one page per alert."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from basics.core.clock import iso_utc
from basics.core.words import plural
from basics.oncall.formats.common import (
    TIME_EXPECTED,
    RecordError,
    as_object,
    check_container,
    check_order,
    join_lines,
    json_records,
    make_reject,
    object_list,
    optional_text,
    parse_iso,
    required_text,
)
from basics.oncall.formats.shapes import ENVELOPES
from basics.oncall.models import Page, PageReject

SOURCE = "alertmanager"
# A payload holds its own `alerts`: the other formats' record lists are opened, so a file
# of theirs is their records, each rejected.
_OTHER_ENVELOPES = tuple(key for key in ENVELOPES if key != "alerts")
# Go's zero time: what Alertmanager writes in endsAt while an alert has no end yet.
_ZERO_TIME_PREFIX = "0001-01-01"


@dataclass(frozen=True)
class _Notification:
    """One alert in one payload."""

    fingerprint: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    alert: str
    service: str | None
    urgency: str | None


def read_alertmanager(text_lines: Iterable[str], name: str) -> tuple[list[Page], list[PageReject]]:
    """Pages from Alertmanager webhook payloads, one JSON object per line
    (`read_alertmanager_noted`, without its warnings)."""
    pages, rejects, _ = read_alertmanager_noted(text_lines, name)
    return pages, rejects


def read_alertmanager_noted(
    text_lines: Iterable[str], name: str
) -> tuple[list[Page], list[PageReject], list[str]]:
    """Pages from Alertmanager webhook payloads, one JSON object per line, and a warning
    when payloads left alerts out.

    Alertmanager repeats an alert in every notification of its group, so one page is one
    (fingerprint, startsAt): the first notification makes it, repeats change nothing, and the
    first resolution (the earliest endsAt among notifications with status "resolved") resolves
    it. A firing alert's endsAt is ignored (it is Go's zero time or an expiry guess). alert =
    labels.alertname, service = labels.service or labels.job, urgency = labels.severity; the
    responder is None, to be filled from the shift; Alertmanager has no acknowledgement.
    A bad alert in a payload is rejected alone; the payload's other alerts still count.
    A payload with `truncatedAlerts` above 0 carried only the first of its group's alerts
    (the receiver's `max_alerts`): the others are not in the file, and the warning counts
    them.
    """
    records, rejects = json_records(join_lines(text_lines), containers=_OTHER_ENVELOPES)
    pages: dict[str, Page] = {}
    truncated, payloads = 0, 0
    for record in records:
        try:
            check_container(record, (), "an Alertmanager webhook payload")
            payload = as_object(record.value, "an Alertmanager webhook payload object")
            if "alerts" not in payload:
                raise RecordError(
                    "alerts", "missing alerts: expected an Alertmanager webhook payload (version 4)"
                )
            alerts = object_list(payload, "alerts")
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
            continue
        left_out = payload.get("truncatedAlerts")
        if isinstance(left_out, int) and not isinstance(left_out, bool) and left_out > 0:
            truncated, payloads = truncated + left_out, payloads + 1
        for index, alert in enumerate(alerts):
            try:
                _fold(pages, _notification(alert))
            except RecordError as error:
                where = f"alerts[{index}]"
                error.field = f"{where}.{error.field}" if error.field else where
                rejects.append(make_reject(record.line, error, record.raw))
    warnings = []
    if truncated:
        warnings.append(
            f"Alertmanager left {plural(truncated, 'alert')} out of "
            f"{plural(payloads, 'notification')} "
            "(truncatedAlerts): they are not pages here; set the webhook receiver's "
            "max_alerts to 0 (no limit) to have every alert sent"
        )
    return list(pages.values()), sorted(rejects, key=lambda reject: reject.line), warnings


def _notification(alert: dict[str, Any]) -> _Notification:
    fingerprint = required_text(alert, "fingerprint")
    status = required_text(alert, "status")
    if status not in ("firing", "resolved"):
        raise RecordError("status", f'expected status "firing" or "resolved", found "{status}"')
    starts_at = optional_text(alert, "startsAt") or _ZERO_TIME_PREFIX
    if starts_at.startswith(_ZERO_TIME_PREFIX):
        raise RecordError(
            "startsAt", f"missing startsAt: expected the time the alert started, {TIME_EXPECTED}"
        )
    resolved_at = None
    if status == "resolved":
        ends_at = optional_text(alert, "endsAt") or _ZERO_TIME_PREFIX
        if ends_at.startswith(_ZERO_TIME_PREFIX):
            raise RecordError(
                "endsAt",
                f'expected the time a resolved alert ended, {TIME_EXPECTED}; found "{ends_at}"',
            )
        resolved_at = parse_iso(ends_at, "endsAt")
    created_at = parse_iso(starts_at, "startsAt")
    check_order(created_at, None, resolved_at, ("startsAt", "", "endsAt"))
    return _Notification(
        fingerprint=fingerprint,
        created_at=created_at,
        resolved_at=resolved_at,
        alert=required_text(alert, "labels.alertname"),
        service=optional_text(alert, "labels.service") or optional_text(alert, "labels.job"),
        urgency=optional_text(alert, "labels.severity"),
    )


def _fold(pages: dict[str, Page], notification: _Notification) -> None:
    # The id holds startsAt normalised to UTC, so replicas writing other offsets agree.
    source_id = f"{notification.fingerprint}:{iso_utc(notification.created_at)}"
    page_id = f"{SOURCE}:{source_id}"
    page = pages.get(page_id)
    if page is None:
        pages[page_id] = Page(
            id=page_id,
            source=SOURCE,
            source_id=source_id,
            incident_key=source_id,
            alert=notification.alert,
            service=notification.service,
            urgency=notification.urgency,
            created_at=notification.created_at,
            acknowledged_at=None,
            resolved_at=notification.resolved_at,
            responder=None,
        )
    elif notification.resolved_at is not None and (
        page.resolved_at is None or notification.resolved_at < page.resolved_at
    ):
        pages[page_id] = dataclasses.replace(page, resolved_at=notification.resolved_at)
