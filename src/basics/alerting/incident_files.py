"""Incidents from files (CSV, YAML, JSON): each record checked, bad ones reported, re-runnable.

Text is UTF-8 (a BOM is dropped); a CSV that is not is read as Windows-1252 (a spreadsheet's
CSV), as the deploy and toil importers read theirs. Field names are compared in any case,
`_` as a space. A CSV column of services may repeat (Jira writes `Component/s` once per
value): every copy is read; a repeated column of a field with one value is an error, since
which copy holds it is unclear. JSON is a list of records, or one under `incidents`
(PagerDuty, Statuspage, incident.io) or `data` (FireHydrant). An object where a name belongs
(a service, a severity) is read by its `name`, else `summary`, `title`, `id`. incident.io's
timestamps and custom fields are fields of their names; its test, declined, merged and
canceled incidents are skipped, each listed, and one recorded by an earlier import is
removed (withdrawn).
Times are ISO 8601, with `Z`, an offset or ` UTC` (as pages and deploys read them), or
Jira's `03/Nov/26 3:01 PM`; a time without one is in the record's `timezone` (or `tz`)
else the configured zone, and one the clocks skipped there is refused.

A record's identity within file imports is its `id`, whatever the file is called; without
one, its services, start and title. Importing it again updates the incident it recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zoneinfo
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from basics.alerting.incidents import add_incident, withdraw_incident
from basics.alerting.models import Incident
from basics.config.models import named_services
from basics.core.clock import parse_time
from basics.core.errors import BasicsError, InputError
from basics.ingest.encoding import CONVERT, start_problem
from basics.store.duckdb_store import Store

# The names exports give each field (Jira Service Management's, incident.io's and
# PagerDuty's CSVs among them), compared in lower case with `_` as a space, first found first.
_SERVICES = ("services", "service", "components", "component/s", "component", "service name",
             "affected services", "impacted services")  # fmt: skip
_STARTS = ("start", "from", "started", "started at", "impact started at", "impact started",
           "created at", "reported at", "created", "created on", "start time")  # fmt: skip
_ENDS = ("end", "to", "impact ended at", "impact ended", "resolved", "resolved at",
         "resolved on", "end time", "closed at")  # fmt: skip
_TITLES = ("title", "name", "summary")
_ZONES = ("timezone", "tz", "time zone")
_IDS = ("id", "issue key", "key", "incident number", "reference")
_SEVERITIES = ("severity", "priority", "sev")
_ONE_VALUE = (*_STARTS, *_ENDS, *_TITLES, *_ZONES, *_IDS, *_SEVERITIES)
_WRAPPERS = ("incidents", "data")
_OBJECT_NAMES = ("name", "summary", "title", "id")
TIME_EXPECTED = "a time such as 2026-03-02T14:00:05Z, 2026-03-02 14:00:05 UTC or 2026-03-02"
ONGOING = "an ongoing incident: import it once it has ended, or give its end"
_JIRA_TIME = re.compile(
    r"(\d{1,2})/([A-Za-z]{3})/(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_NUMERIC_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")


@dataclass
class IncidentImport:
    """What an import did: incidents recorded (new, updated or already known), records
    refused, and services named that basics.yaml does not know, with how many incidents."""

    path: str
    recorded: list[int] = field(default_factory=list)
    rejects: list[str] = field(default_factory=list)
    unknown_services: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # records of no incident that happened
    withdrawn: list[str] = field(default_factory=list)  # such records recorded before: removed


class NotAnIncident(InputError):
    """A record of an incident that did not happen (a test, one declined): skipped."""


def read_records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) pairs from a CSV, YAML or JSON file of incidents."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    suffix = path.suffix.lower()
    text = _decode(data, path, legacy=suffix == ".csv")
    if suffix == ".csv":
        return _csv_records(text, path)
    try:
        parsed: Any = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: not valid {suffix.lstrip('.').upper()}: {error}") from None
    if isinstance(parsed, dict):
        parsed = next((parsed[k] for k in _WRAPPERS if k in parsed), parsed)
    if not isinstance(parsed, list):
        raise InputError(
            f"{path}: expected a list of incidents (or `incidents:` or `data:` with one)"
        )
    return [(f"{path.name}: record {i + 1}", item) for i, item in enumerate(parsed)]


def _csv_records(text: str, path: Path) -> list[tuple[str, dict[str, Any]]]:
    """A CSV's rows as records by header name, a repeated column's cells joined by ", ";
    rows with no value at all (blank, or only commas) are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    columns = _columns(header, path)
    records = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record: dict[str, Any] = {}
        for name, places in columns.items():
            cells = [row[at].strip() for at in places if at < len(row)]
            if len(places) == 1:
                record[name] = row[places[0]] if places[0] < len(row) else None
            else:
                record[name] = ", ".join(cell for cell in cells if cell)
        # The line a row ends on: a quoted cell may span lines.
        records.append((f"{path.name}:{reader.line_num}", record))
    return records


def _columns(header: list[str], path: Path) -> dict[str, list[int]]:
    """Each column name (as first written) and where it is; InputError for a repeated
    column of a field with one value."""
    places: dict[str, list[int]] = {}
    for at, name in enumerate(header):
        places.setdefault(_normalised(name), []).append(at)
    columns = {}
    for key, where in places.items():
        name = header[where[0]]
        if len(where) > 1 and key in _ONE_VALUE:
            columns_text = ", ".join(str(i + 1) for i in where[:-1]) + f" and {where[-1] + 1}"
            raise InputError(
                f'{path}: the header has "{name.strip()}" {len(where)} times (columns '
                f"{columns_text}) and an incident has one {key}: which copy holds it is "
                "unclear; keep one"
            )
        columns[name] = where
    return columns


def _decode(data: bytes, path: Path, legacy: bool) -> str:
    """The file's text: UTF-8 (a BOM dropped), else with `legacy` Windows-1252; InputError
    naming the first byte that is neither."""
    problem = start_problem(data[:8192], str(path))
    if problem is not None:
        raise InputError(problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = error
    if legacy:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass  # bytes Windows-1252 leaves undefined: not Windows text either
    line = data.count(b"\n", 0, bad.start) + 1
    raise InputError(
        f"{path}:{line}: not UTF-8: byte 0x{data[bad.start]:02X} at byte offset {bad.start}; "
        f"{CONVERT}"
    )


def import_incidents(
    store: Store, path: Path, timezone: str, names: Mapping[str, str] | None = None
) -> IncidentImport:
    """Record every valid incident of a file; a record imported again (from this file or
    a later export) updates the incident it recorded. `names`: what each service name or
    alias names (`Config.service_names`); services it lacks are counted in the result."""
    result = IncidentImport(str(path))
    unknown: Counter[str] = Counter()
    for where, record in read_records(path):
        try:
            fields = _fields(record, timezone)
        except NotAnIncident as error:
            withdrawn = _withdraw(store, record, f"file:{path.name}", timezone)
            if withdrawn is None:
                result.skipped.append(f"{where}: {error}")
            else:
                result.withdrawn.append(
                    f"{where}: incident {withdrawn.id} ({withdrawn.title}), recorded before, "
                    f"removed: {error}"
                )
            continue
        except (BasicsError, ValueError, TypeError) as error:
            result.rejects.append(f"{where}: {error}")
            continue
        services = named_services(fields["services"], names)
        incident = add_incident(
            store, services, fields["start"], fields["end"], fields["title"],
            fields["severity"], source=f"file:{path.name}",
            source_key=fields["id"] or _content_key(services, fields["start"], fields["title"]),
            former_key=None if fields["id"] else _former_key(fields),
        )  # fmt: skip
        result.recorded.append(incident.id)
        if names is not None:
            unknown.update(s for s in incident.services if s.lower() not in names)
    result.unknown_services = dict(sorted(unknown.items()))
    return result


def _withdraw(
    store: Store, record: Mapping[Any, Any], source: str, timezone: str
) -> Incident | None:
    """Remove the incident an earlier import recorded from a record that is now no incident
    (incident.io declines or merges one after it was exported): found by its id, as
    importing it again would find it (with the same file, title or start). A record without
    a readable id withdraws nothing."""
    named = _by_name(record)
    try:
        key = _text(_value(named, _IDS), "id")
        title = _text(_value(named, _TITLES), "title")
    except (BasicsError, ValueError, TypeError):
        return None
    try:
        start: dt.datetime | None = _time(record, named, _STARTS, _zone(named, timezone))
    except (BasicsError, ValueError, TypeError):
        start = None  # a declined incident may have no start: the file or title finds it
    return withdraw_incident(store, source, key, title, start) if key else None


def _content_key(services: list[str], start: dt.datetime, title: str) -> str:
    """The identity of a record without an id: its services, start and title (so a later
    export with its end corrected or filled in updates it)."""
    text = json.dumps([sorted(services), start.isoformat(), title])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _former_key(fields: Mapping[str, Any]) -> str:
    """The key a record without an id was stored under before its end stopped being part
    of it, so a store imported into then is updated, not doubled."""
    text = json.dumps(
        [fields["services"], str(fields["start"]), str(fields["end"]), fields["title"]]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fields(record: Any, timezone: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError("expected a mapping with services, start, end and title")
    _not_an_incident(record)
    named = _by_name(record)
    services = _services(record, named)
    zone = _zone(named, timezone)
    start = _time(record, named, _STARTS, zone)
    end = _time(record, named, _ENDS, zone)
    title = _text(_value(named, _TITLES), "title")
    if not title:
        raise _missing(record, _TITLES, "what happened")
    if end <= start:
        raise InputError("end: must be after start")
    return {
        "services": services,
        "start": start,
        "end": end,
        "title": title,
        "severity": _text(_value(named, _SEVERITIES), "severity"),
        "id": _text(_value(named, _IDS), "id"),
    }


def _services(record: Mapping[Any, Any], named: Mapping[str, Any]) -> list[str]:
    """The services named: a comma-separated list, a list, or an object (by its name)."""
    value = _value(named, _SERVICES)
    if isinstance(value, str):
        found = [s.strip() for s in value.split(",") if s.strip()]
    else:
        items = value if isinstance(value, list) else [] if value is None else [value]
        found = [n for n in (_text(i, "services", numbers=False) for i in items) if n]
    if not found:
        raise _missing(record, _SERVICES, "a name, a comma-separated list or a list")
    return found


def _text(value: Any, name: str, numbers: bool = True) -> str | None:
    """A value as text, None for a null or blank: an object by its name (else summary,
    title, id); a list, or a number where a name belongs, is an InputError naming the field."""
    if isinstance(value, dict):
        inner = _by_name(value)
        for key in _OBJECT_NAMES:
            if not _empty(inner.get(key)):
                return _text(inner[key], name, numbers=numbers or key == "id")
        raise InputError(f"{name}: an object with no name, summary, title or id: {_shown(value)}")
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{name}: {_shown(value)}: expected text")
    if isinstance(value, int | float) and not numbers:
        raise InputError(f"{name}: {value} is a number: expected a name")
    if isinstance(value, list):
        raise InputError(f"{name}: a list ({_shown(value)}): expected text")
    return str(value).strip() or None


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _normalised(name: Any) -> str:
    """A field name as compared: lower case, `_` and runs of spaces as one space, and a
    Jira custom field by its own name (`Custom field (Severity)` is severity)."""
    key = " ".join(str(name).replace("_", " ").lower().split())
    custom = _CUSTOM_FIELD.fullmatch(key)
    return custom.group(1).strip() if custom else key


_CUSTOM_FIELD = re.compile(r"custom field \((.+)\)")


def _by_name(record: Mapping[Any, Any]) -> dict[str, Any]:
    """The record's values by normalised field name (`Service` is service, `started_at`
    started at); the first non-empty value wins when two names differ only so. An
    incident.io incident's timestamps and custom fields count as fields of their names
    (`Impact started`, `Resolved at`, `Affected services`), after its own."""
    named: dict[str, Any] = {}
    for name, value in [*record.items(), *_incident_io_fields(record)]:
        if name is None:
            continue
        key = _normalised(name)
        if _empty(named.get(key)):
            named[key] = value
    return named


def _incident_io_fields(record: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    """incident.io's API (`GET /v2/incidents`) gives an incident's times as
    `incident_timestamp_values` ({"incident_timestamp": {"name": "Resolved at"}, "value":
    {"value": "2026-…Z"}}) and its services as `custom_field_entries` ({"custom_field":
    {"name": "Affected services"}, "values": [{"value_catalog_entry": {"name": "Checkout"}}]}):
    each as (name, value); a custom field's values as a list, or the one value."""
    found: list[tuple[str, Any]] = []
    for entry in _dicts(record.get("incident_timestamp_values")):
        name = _dict(entry.get("incident_timestamp")).get("name")
        if isinstance(name, str):  # not set yet (no "value", or null): an empty field
            found.append((name, _dict(entry.get("value")).get("value")))
    for entry in _dicts(record.get("custom_field_entries")):
        name = _dict(entry.get("custom_field")).get("name")
        values = [v for v in map(_custom_value, _dicts(entry.get("values"))) if v is not None]
        if isinstance(name, str) and values:
            found.append((name, values[0] if len(values) == 1 else values))
    return found


def _custom_value(value: Mapping[str, Any]) -> Any:
    """One value of an incident.io custom field: a catalog entry or an option by its name,
    else the text, link or number."""
    for key, inner in (("value_catalog_entry", "name"), ("value_option", "value")):
        if isinstance(value.get(key), dict):
            return value[key].get(inner)
    return next(
        (value[k] for k in ("value_text", "value_link", "value_numeric") if k in value), None
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_NOT_INCIDENTS = {"declined", "merged", "canceled", "cancelled"}
"""incident.io's status categories of a declared incident that was no incident (declined in
triage, merged into another, canceled)."""


def _not_an_incident(record: Mapping[Any, Any]) -> None:
    """NotAnIncident for an incident.io test or tutorial incident, or one declined, merged
    or canceled: none is an incident that happened."""
    mode = record.get("mode")
    if mode in ("test", "tutorial"):
        raise NotAnIncident(f"mode: {mode}: incident.io's {mode} incident, not a real one")
    category = _dict(record.get("incident_status")).get("category")
    if isinstance(category, str) and category.lower() in _NOT_INCIDENTS:
        raise NotAnIncident(
            f"incident_status: {category}: not an incident that happened (declined in "
            "triage, merged into another or canceled)"
        )


def _empty(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | dict) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _value(named: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value of the names, or None."""
    return next((named[n] for n in names if not _empty(named.get(n))), None)


def _missing(record: Mapping[Any, Any], names: tuple[str, ...], expected: str) -> InputError:
    """A missing field's error: empty, or not there at all among the names the record has."""
    if any(n in _by_name(record) for n in names):
        return InputError(f"{names[0]}: empty: expected {expected}")
    found = ", ".join(str(n) for n in record if n is not None) or "none"
    return InputError(
        f"{names[0]}: missing: expected {expected} under {' or '.join(names)} (in any case); "
        f"the record has {found}"
    )


def _zone(named: Mapping[str, Any], timezone: str) -> str:
    """The record's own time zone (`timezone`, `tz`), else the configured one."""
    zone = _text(_value(named, _ZONES), "timezone", numbers=False)
    if zone is None:
        return timezone
    if zone.upper() in ("UTC", "Z", "GMT"):
        return "UTC"
    try:
        zoneinfo.ZoneInfo(zone)
    except (KeyError, ValueError, OSError):
        raise InputError(
            f'timezone: unknown time zone "{zone}": expected an IANA name such as '
            "Europe/Berlin or UTC"
        ) from None
    return zone


def _time(
    record: Mapping[Any, Any], named: Mapping[str, Any], names: tuple[str, ...], zone: str
) -> dt.datetime:
    """A time of the record as naive UTC, errors naming the field."""
    value = _value(named, names)
    ending = names is _ENDS
    if value is None:
        if ending and any(n in named for n in names):
            raise InputError(f"{names[0]}: empty: {ONGOING}")
        raise _missing(record, names, TIME_EXPECTED)
    if isinstance(value, bool | int | float | list | dict):
        raise InputError(f"{names[0]}: {_shown(value)}: expected {TIME_EXPECTED}")
    text = str(value).strip()
    if ending and text.lower() == "ongoing":
        raise InputError(f'{names[0]}: "{text}": {ONGOING}')
    try:
        return parse_time(_iso(text), zone)
    except InputError as error:
        raise InputError(f"{names[0]}: {error}") from None


def _iso(text: str) -> str:
    """Jira's `03/Nov/26 3:01 PM` as ISO 8601 (local); other text as it is. A date of
    numbers only (04/11/2026) is an InputError: day and month could be either way round."""
    jira = _JIRA_TIME.fullmatch(text)
    if jira is None:
        if _NUMERIC_DATE.match(text):
            raise InputError(
                f'"{text}" could be day/month or month/day: write times in ISO 8601, such '
                "as 2026-03-02T14:00:05Z or 2026-03-02 14:00"
            )
        return text
    day, month, year, hour, minute, second, half = jira.groups()
    if month.lower() not in _MONTHS:
        raise InputError(f'"{text}": "{month}" is not a month (Jan to Dec)')
    clock = int(hour or 0)
    if half is not None:
        if not 1 <= clock <= 12:
            raise InputError(f'"{text}": {clock} o\'clock {half}: expected an hour of 1 to 12')
        clock = clock % 12 + (12 if half.lower() == "pm" else 0)
    try:
        moment = dt.datetime(
            int(year) + (2000 if len(year) == 2 else 0), _MONTHS[month.lower()], int(day),
            clock, int(minute or 0), int(second or 0),
        )  # fmt: skip
    except ValueError as error:
        raise InputError(f'"{text}": {error}') from None
    return moment.date().isoformat() if hour is None else moment.isoformat(sep=" ")
