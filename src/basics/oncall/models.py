"""Records of the on-call domain: pages (one notification of a person) and shifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

# The outcome taxonomy: actionable or not, with the reason (`basics pages tag --outcome`).
OUTCOMES: dict[str, bool] = {
    "actionable/service-issue": True,
    "actionable/could-have-waited": True,
    "actionable/external-dependency": True,
    "not-actionable/threshold-wrong": False,
    "not-actionable/check-faulty": False,
    "not-actionable/maintenance-not-silenced": False,
    "not-actionable/duplicate": False,
}

PageFormat = Literal[
    "pagerduty-csv",
    "pagerduty-json",
    "pagerduty-webhook",
    "opsgenie",
    "alertmanager",
    "csv",
    "jsonl",
]
RECORD_FORMATS: tuple[PageFormat, ...] = ("csv", "jsonl")
"""Any pager's export, one page per record, fields found by name (`formats/records.py`)."""
BUILT_IN_SOURCES = frozenset({"pagerduty", "opsgenie", "alertmanager", "basics"})
"""The sources of the other readers' pages (and Basics' own); a `csv` or `jsonl` import
names its own (`--source`)."""


@dataclass(frozen=True)
class Page:
    """One notification of a person. Times are naive UTC.

    `id` is stable across re-imports (`<source>:<source id>`; Alertmanager: fingerprint and
    startsAt), so importing the same export twice updates rather than duplicates.
    `incident_key` groups pages of one incident (PagerDuty incident key, Alertmanager
    fingerprint + startsAt, Opsgenie alias). `responder` may be None when the source does not
    say; the service fills it from the shift on call at `created_at`.

    `told_at` is when the newest event the page was told from happened (PagerDuty webhooks:
    the newest `occurred_at`), and `assigned_at` when the newest that named its responder
    did (a resolution names nobody), so a page told again takes the newest word on what it
    is by when events happened, not by when they arrived (`compute.merge_page`); None where
    the source does not date its word (Alertmanager, exports): arrival order. `reopened_at`
    is the incident's latest reopening (PagerDuty's `incident.reopened`): a resolution
    before it is no longer the page's (`resolution`). `ack_unknown` is True when the source
    did not say whether anyone acknowledged it (a resolved incident of PagerDuty's REST API
    without its log entries): such a page is never counted as resolved on its own.
    """

    id: str
    source: str
    source_id: str
    incident_key: str
    alert: str
    service: str | None
    urgency: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    responder: str | None
    outcome: str | None = None
    note: str | None = None
    told_at: dt.datetime | None = None
    assigned_at: dt.datetime | None = None
    reopened_at: dt.datetime | None = None
    ack_unknown: bool | None = None


def resolution(
    resolved_at: dt.datetime | None, reopened_at: dt.datetime | None
) -> dt.datetime | None:
    """A page's resolution from its latest resolution and latest reopening: the resolution,
    unless the incident was reopened since (then it is open again, and None)."""
    if resolved_at is None or (reopened_at is not None and reopened_at >= resolved_at):
        return None
    return resolved_at


@dataclass(frozen=True)
class Shift:
    """A person on call over [start, end), naive UTC.

    `level` is the escalation level the shift is paged at (PagerDuty's `/oncalls` lists
    every level: 1 is paged first, 2 when 1 does not answer); None for a rotation of
    basics.yaml, which is taken as first paged (`shift_rank`).
    """

    person: str
    rotation: str
    start: dt.datetime
    end: dt.datetime
    level: int | None = None


def shift_rank(shift: Shift) -> tuple[int, dt.datetime, str, str]:
    """The order in which shifts covering one moment are taken: the lowest escalation level
    (a rotation of basics.yaml as level 1), then the earliest start, then rotation and
    person names (so the choice never depends on the order shifts were read in)."""
    level = 1 if shift.level is None else shift.level
    return (level, shift.start, shift.rotation, shift.person)


@dataclass(frozen=True)
class PageReject:
    """A record an importer could not turn into a page, and why."""

    line: int
    field: str | None
    reason: str
    raw: str
