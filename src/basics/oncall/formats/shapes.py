"""What a record of a file read in the wrong format looks like: the exports of the tools
Basics reads, told by the keys only each of them writes.

Every JSON page reader opens the record lists of the others' API responses (`ENVELOPES`),
so a file of another format is its records, each rejected and counted, and each reject's
raw text is one record, whose keys `likely_format` tells: it is the "likely cause" of an
import whose every record was rejected. Keys are found in the raw text rather than by
decoding it, since a reject keeps only the start of a long record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ENVELOPES = ("incidents", "data", "alerts", "results")
"""Keys under which an API response holds its records: PagerDuty's and Splunk On-Call's
`incidents`, Opsgenie's and Rootly's `data`, incident.io's `alerts` (and an Alertmanager
payload's), Grafana OnCall's `results`."""

SHAPES: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"event_type", "occurred_at"}), "PagerDuty v3 webhook events", "pagerduty-webhook"),
    (frozenset({"incident_number"}), "PagerDuty incidents", "pagerduty-json"),
    # Before Alertmanager's: an alert group's last alert may hold an Alertmanager payload.
    (frozenset({"alert_group_number"}), "Grafana OnCall alert groups",
     "jsonl --source grafana-oncall"),
    (frozenset({"alerts_count"}), "Grafana OnCall alert groups", "jsonl --source grafana-oncall"),
    (frozenset({"alert_source_id"}), "incident.io alerts", "jsonl --source incident-io"),
    (frozenset({"incident_status"}), "incident.io incidents", "jsonl --source incident-io"),
    (frozenset({"incidentNumber", "entityDisplayName"}), "Splunk On-Call incidents",
     "jsonl --source splunk-on-call"),
    (frozenset({"tinyId"}), "Opsgenie alerts", "opsgenie"),
    (frozenset({"groupKey"}), "Alertmanager webhook payloads", "alertmanager"),
    (frozenset({"startsAt", "labels"}), "Alertmanager alerts", "alertmanager"),
    (frozenset({"createdAt", "message"}), "Opsgenie alerts", "opsgenie"),
)  # fmt: skip
"""(keys a record has, what such records are, the --format that reads them), the first
that matches wins."""

_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


def record_shape(raw: str) -> tuple[str, str] | None:
    """What the JSON text of one record (perhaps cut short) is, and the format that reads
    it; None when its keys are none of `SHAPES`."""
    keys = set(_KEY.findall(raw))
    return next(((what, fmt) for need, what, fmt in SHAPES if need <= keys), None)


def likely_format(raws: Iterable[str], fmt: str) -> str | None:
    """A likely cause for records read as `fmt` all being rejected, when those of a known
    shape are all of one other format ("the records look like Opsgenie alerts: is its
    --format opsgenie?"); None otherwise."""
    shapes = [shape for raw in raws if (shape := record_shape(raw)) is not None]
    if not shapes or len({other for _, other in shapes}) != 1:
        return None
    what, other = shapes[0]
    if other.split()[0] == fmt:
        return None
    return f"the records look like {what}: is its --format {other}?"
