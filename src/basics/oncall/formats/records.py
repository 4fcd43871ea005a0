"""Pages from any pager's CSV or JSON export, one page per record, fields found by name.

For Grafana OnCall, incident.io, Splunk On-Call, Squadcast, FireHydrant, Rootly or a
home-grown pager. Each field of a page is found under the first of its common names that
holds a value (compared without case, spaces, `-` or `_`: "Created At" is created_at),
unless `mapping` names the source's own (a CSV column, or a dotted path into nested JSON):

    id               id, page_id, alert_id, incident_id, alert_group_id, incident_number, number
    created_at       created_at, created, created_on, triggered_at, triggered, start_time,
                     started_at, starts_at, fired_at, opened_at, reported_at, timestamp, time
    acknowledged_at  acknowledged_at, ack_time, acknowledged, acknowledged_on,
                     first_acknowledged_at, acked_at
    resolved_at      resolved_at, resolved, resolved_on, closed_at, ended_at, end_time,
                     close_time
    alert            alert, title, alert_name, alertname, name, summary, message,
                     entity_display_name, description
    service          service, service_name, services, component, app, application
    responder        responder, acknowledged_by, acked_by, assignee, assigned_to,
                     responders, owner, on_call, paged_users, resolved_by
    incident_key     incident_key, dedup_key, deduplication_key, alias, fingerprint, group_key
    urgency          urgency, severity, priority

created_at and alert are required. Times are ISO 8601 (`Z`, an offset or ` UTC`; a time
without an offset is UTC, as every page reader takes it) or epoch seconds (milliseconds,
microseconds or nanoseconds told by magnitude); a true/false or yes/no in a time field says
no time; in a field named AckTime or CloseTime (Opsgenie's web export) a whole number is
milliseconds after created_at. An acknowledgement or resolution before created_at is a
reject naming the field. A responder that says no one answered ("Automatically",
"System": `common.NOT_PEOPLE`) is none: the page is the person on call's. A value given
as an object is its name (a person's username, login or email; JSON:API's `{"data":
{"attributes": ...}}` looked through); as a list, or a CSV cell of several people split by
`;` or `,`, its first ("Doe, Jane" is one name, last name first: `first_person`). A
JSON:API resource's `attributes` are read as the record's own fields. A page's id is
`<source>:<id>`; a record without an id is keyed by what it says instead,
`<source>:[<service>@]<created_at>Z#<alert>`, which a later export that retitles the page
cannot match. The incident key is, when the record names none, the
page's own id. docs/oncall.md shows the table of names; a test keeps the two the same.
Finding fields by name, the mapping, the CSV header and Windows-1252 are
`basics.ingest.named_fields`, as for the deploys' reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from basics.core.errors import InputError
from basics.ingest.named_fields import (
    Lookup,
    Reject,
    check_mapping,
    csv_records,
    decode,
    json_lookup,
    norm,
)
from basics.oncall.formats.common import (
    PageSet,
    RecordError,
    check_order,
    first_person,
    from_epoch,
    join_lines,
    json_records,
    json_type,
    make_reject,
    not_a_person,
    parse_iso,
)
from basics.oncall.models import BUILT_IN_SOURCES, Page, PageReject

DEFAULT_SOURCE = "pager"

NAMES: dict[str, tuple[str, ...]] = {
    "id": (
        "id", "page_id", "alert_id", "incident_id", "alert_group_id", "incident_number",
        "number",
    ),
    "created_at": (
        "created_at", "created", "created_on", "triggered_at", "triggered", "start_time",
        "started_at", "starts_at", "fired_at", "opened_at", "reported_at", "timestamp", "time",
    ),
    "acknowledged_at": (
        "acknowledged_at", "ack_time", "acknowledged", "acknowledged_on",
        "first_acknowledged_at", "acked_at",
    ),
    "resolved_at": (
        "resolved_at", "resolved", "resolved_on", "closed_at", "ended_at", "end_time",
        "close_time",
    ),
    "alert": (
        "alert", "title", "alert_name", "alertname", "name", "summary", "message",
        "entity_display_name", "description",
    ),
    "service": ("service", "service_name", "services", "component", "app", "application"),
    "responder": (
        "responder", "acknowledged_by", "acked_by", "assignee", "assigned_to", "responders",
        "owner", "on_call", "paged_users", "resolved_by",
    ),
    "incident_key": (
        "incident_key", "dedup_key", "deduplication_key", "alias", "fingerprint", "group_key",
    ),
    "urgency": ("urgency", "severity", "priority"),
}  # fmt: skip
REQUIRED = {field: f"--mapping {field}=COLUMN" for field in ("created_at", "alert")}
"""The fields a CSV must have a column for, and what else would name it."""
CONTAINERS = ("results", "alerts", "incidents", "data")
"""Keys of an API response holding the records (Grafana OnCall's `results`, incident.io's
`alerts`, Splunk On-Call's `incidents`)."""
TIME_EXPECTED = (
    "ISO 8601 such as 2026-03-02T14:00:05Z (an offset or UTC after it; none is UTC), "
    "or epoch seconds"
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_NO_TIME = frozenset({"true", "false", "yes", "no"})
_PERSON_KEYS = ("name", "full_name", "username", "login", "email", "summary")
AFTER_CREATION_MS = frozenset({"acktime", "closetime"})
"""Opsgenie's names (its web page's CSV export: AckTime, CloseTime) for milliseconds
after the alert was created, not times."""


def check_options(mapping: dict[str, str] | None, source: str | None) -> tuple[dict[str, str], str]:
    """The mapping and the source, checked (InputError saying what is wrong)."""
    return check_mapping(mapping, NAMES), check_source(source)


def check_source(source: str | None) -> str:
    """The source the pages are named by (`pager` when none is given), checked."""
    if source is None:
        return DEFAULT_SOURCE
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", source):
        raise InputError(
            f'--source "{source}": expected a name of letters, digits, ".", "-" or "_" '
            "(such as grafana-oncall): it starts every page id"
        )
    if source.lower() in BUILT_IN_SOURCES:
        raise InputError(
            f'--source "{source}" is the source of another reader\'s pages; name the tool '
            "this export comes from (such as grafana-oncall or incident-io)"
        )
    return source


# --- one record, whatever its format ----------------------------------------------------------


def record_page(lookup: Lookup, source: str, split_people: bool = False) -> Page:
    """The page one record tells, or a RecordError naming the field at fault.
    `split_people`: a responder cell may list several names (CSV)."""
    created_at = _time(lookup, "created_at")
    if created_at is None:
        raise RecordError(
            lookup("created_at")[1],
            f"missing created_at: expected when the page was triggered, {TIME_EXPECTED}",
        )
    alert = _text(lookup, "alert")
    if alert is None:
        raise RecordError(
            lookup("alert")[1],
            "missing alert: expected the alert's name or title (a field title, alert, "
            "alertname, name, summary or message, or --mapping alert=NAME)",
        )
    service = _text(lookup, "service")
    source_id = _text(lookup, "id") or (
        f"{service + '@' if service else ''}{created_at.isoformat()}Z#{alert}"
    )
    responder = _person(*lookup("responder"))
    if responder is not None and split_people:
        responder = first_person(responder) or None
    if responder is not None and not_a_person(responder):
        responder = None  # "resolved_by": "Automatically": the person on call's page
    acknowledged_at = _time(lookup, "acknowledged_at", created_at)
    resolved_at = _time(lookup, "resolved_at", created_at)
    check_order(
        created_at,
        acknowledged_at,
        resolved_at,
        (lookup("created_at")[1], lookup("acknowledged_at")[1], lookup("resolved_at")[1]),
    )
    return Page(
        id=f"{source}:{source_id}",
        source=source,
        source_id=source_id,
        incident_key=_text(lookup, "incident_key") or source_id,
        alert=alert,
        service=service,
        urgency=_text(lookup, "urgency"),
        created_at=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        responder=responder,
    )


def _text(lookup: Lookup, field: str) -> str | None:
    value, name = lookup(field)
    value = _named(value, ("name", "summary", "id"))  # {"name": "P1"}, a service object
    return _plain(value, name)


def _named(value: Any, keys: tuple[str, ...]) -> Any:
    """The name an object (or the first of a list of them) is known by: the first of
    `keys` it holds, looking through JSON:API's `{"data": {"attributes": {...}}}`."""
    if isinstance(value, list):
        value = next((item for item in value if item), None)
    while isinstance(value, dict):
        inner = value.get("data") or value.get("attributes")
        if not isinstance(inner, dict):
            return next((value[k] for k in keys if value.get(k)), None)
        value = inner
    return value


def _plain(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(name, f"expected text for {name}, found {json_type(value)}")
    return str(value).strip() or None


def _person(value: Any, name: str) -> str | None:
    """A responder: a name, a user object's name, or the first of a list of them."""
    return _plain(_named(value, _PERSON_KEYS), name)


def _time(lookup: Lookup, field: str, created_at: dt.datetime | None = None) -> dt.datetime | None:
    """The time of `field`; where the source's name for it is one of `AFTER_CREATION_MS`,
    a whole number is milliseconds after `created_at`."""
    value, name = lookup(field)
    if value is None or isinstance(value, bool):
        return None
    if created_at is not None and norm(name) in AFTER_CREATION_MS:
        after = str(value).strip()
        if after.isdigit():
            return created_at + dt.timedelta(milliseconds=int(after))
    if isinstance(value, (int, float)):
        return from_epoch(value, name)
    if not isinstance(value, str):
        found = json_type(value)
        raise RecordError(name, f"unparseable time: expected {TIME_EXPECTED}, found {found}")
    text = value.strip()
    if not text or norm(text) in _NO_TIME:
        return None
    if _NUMBER.fullmatch(text):
        return from_epoch(int(text) if text.lstrip("-").isdigit() else float(text), name)
    try:
        return parse_iso(text, name)
    except RecordError:
        found = text[:60]
        raise RecordError(
            name, f'unparseable time: expected {TIME_EXPECTED}, found "{found}"'
        ) from None


def _decode(data: bytes, name: str) -> tuple[str, list[PageReject]]:
    """The text (UTF-8, else Windows-1252) and what could not be read of it, as page rejects."""
    text, rejects = decode(data, name, windows=True, as_json=False)
    return text, [PageReject(*reject) for reject in rejects]


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(
    data: bytes, name: str, mapping: dict[str, str] | None = None, source: str | None = None
) -> tuple[list[Page], list[PageReject]]:
    """Pages from a CSV with a header row (comma, semicolon or tab separated). A header
    without a column for created_at or alert, or without a column `mapping` names, is one
    reject at its line: no row could be read. A row that is the header again is skipped."""
    fields, source = check_options(mapping, source)
    text, rejects = _decode(data, name)
    pages = _OnePerId()
    for row in csv_records(text, NAMES, fields, REQUIRED):
        if isinstance(row, Reject):
            rejects.append(PageReject(*row))
            continue
        try:
            pages.add(record_page(row.lookup, source, split_people=True), row.line)
        except RecordError as error:
            rejects.append(make_reject(row.line, error, row.raw))
    return pages.pages(), sorted(rejects, key=lambda reject: reject.line)


class _OnePerId(PageSet):
    """Pages by id, where a record of an id met before must tell the same page (the same
    row again, or the page later in its life): one created at another time or for another
    alert shares an id with another page (an incident's id, which its alerts share) and is
    a reject that says so, never folded into the other silently."""

    def __init__(self) -> None:
        super().__init__()
        self._first: dict[str, tuple[int, Page]] = {}

    def add(self, page: Page, line: int = 0) -> None:
        first = self._first.setdefault(page.id, (line, page))
        line_before, before = first
        if (before.created_at, before.alert) != (page.created_at, page.alert):
            raise RecordError(
                "id",
                f"the id of line {line_before}'s page, which another alert or time tells "
                "here: is the id column an incident's, shared by its alerts? Map id= to the "
                "page's own id",
            )
        super().add(page)


# --- JSON -------------------------------------------------------------------------------------


def read_jsonl(
    data: bytes, name: str, mapping: dict[str, str] | None = None, source: str | None = None
) -> tuple[list[Page], list[PageReject]]:
    """Pages from JSON lines, a JSON array, or an API response holding the records under
    `results`, `alerts`, `incidents` or `data`."""
    fields, source = check_options(mapping, source)
    text, rejects = _decode(data, name)
    records, broken = json_records(text, containers=CONTAINERS)
    rejects += broken
    pages = _OnePerId()
    for record in records:
        try:
            if not isinstance(record.value, dict):
                found = json_type(record.value)
                raise RecordError(None, f"expected a JSON object (one page), found {found}")
            lookup = json_lookup(record.value, NAMES, fields, inner=("attributes",))
            pages.add(record_page(lookup, source), record.line)
        except RecordError as error:
            rejects.append(make_reject(record.line, error, record.raw))
    return pages.pages(), sorted(rejects, key=lambda reject: reject.line)


def read_lines(
    text_lines: Iterable[str], name: str, reader: str
) -> tuple[list[Page], list[PageReject]]:
    """`read_csv` or `read_jsonl` (by `reader`) over text lines, with the default source."""
    data = join_lines(text_lines).encode("utf-8", "surrogateescape")
    return (read_csv if reader == "csv" else read_jsonl)(data, name)
