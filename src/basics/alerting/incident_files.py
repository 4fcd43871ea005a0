"""Incidents from files (CSV, YAML, JSON): each record checked, bad ones reported, re-runnable.

Text is UTF-8 (a BOM is dropped); a CSV that is not is read as Windows-1252 (a spreadsheet's
CSV), as the deploy and toil importers read theirs. Field names are compared in any case.
Times are ISO 8601, with `Z`, an offset or ` UTC` (as pages and deploys read them); a time
without one is in the configured zone, and one the clocks skipped there is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from basics.alerting.incidents import add_incident
from basics.core.clock import parse_time
from basics.core.errors import BasicsError, InputError
from basics.ingest.encoding import CONVERT, start_problem
from basics.store.duckdb_store import Store

_SERVICES = ("services", "service")
_STARTS = ("start", "from", "started")
_ENDS = ("end", "to", "resolved")
TIME_EXPECTED = "a time such as 2026-03-02T14:00:05Z, 2026-03-02 14:00:05 UTC or 2026-03-02"


@dataclass
class IncidentImport:
    """What an import did: incidents recorded (new or already known) and records refused."""

    path: str
    recorded: list[int] = field(default_factory=list)
    rejects: list[str] = field(default_factory=list)


def read_records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) pairs from a CSV, YAML or JSON file of incidents."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    suffix = path.suffix.lower()
    text = _decode(data, path, legacy=suffix == ".csv")
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        # The line a row ends on: a quoted cell may span lines, and blank lines are skipped.
        return [(f"{path.name}:{reader.line_num}", dict(row)) for row in reader]
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: not valid {suffix.lstrip('.').upper()}: {error}") from None
    if isinstance(data, dict) and "incidents" in data:
        data = data["incidents"]
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of incidents (or `incidents:` with one)")
    return [(f"{path.name}: record {i + 1}", item) for i, item in enumerate(data)]


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
    """Record every valid incident of a file; the same record imported twice is kept once.
    `names`: what each service name or alias names (`Config.service_names`)."""
    result = IncidentImport(str(path))
    for where, record in read_records(path):
        try:
            fields = _fields(record, timezone)
        except (BasicsError, ValueError, TypeError) as error:
            result.rejects.append(f"{where}: {error}")
            continue
        incident = add_incident(store, source=f"file:{path.name}", names=names, **fields)
        result.recorded.append(incident.id)
    return result


def _fields(record: Any, timezone: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError("expected a mapping with service(s), start, end and title")
    named = _by_name(record)
    services = _value(named, _SERVICES)
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",") if s.strip()]
    if not services or not isinstance(services, list):
        raise _missing(record, _SERVICES, "a name, a comma-separated list or a list")
    start, end = _time(record, _STARTS, timezone), _time(record, _ENDS, timezone)
    title = str(_value(named, ("title",)) or "").strip()
    if not title:
        raise _missing(record, ("title",), "what happened")
    if end <= start:
        raise InputError("end: must be after start")
    key = (
        _value(named, ("id",))
        or hashlib.sha256(json.dumps([services, str(start), str(end), title]).encode()).hexdigest()[
            :16
        ]
    )
    severity = _value(named, ("severity",))
    return {
        "services": [str(s) for s in services],
        "start": start,
        "end": end,
        "title": title,
        "severity": None if severity is None else str(severity),
        "source_key": str(key),
    }


def _by_name(record: Mapping[Any, Any]) -> dict[str, Any]:
    """The record's values by field name in lower case (`Service` is service); the first
    non-empty value wins when two names differ only in case."""
    named: dict[str, Any] = {}
    for name, value in record.items():
        if name is None:  # cells past a CSV's header
            continue
        key = str(name).strip().lower()
        if named.get(key) in (None, ""):
            named[key] = value
    return named


def _value(named: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The first non-empty value of the names, or None."""
    return next((named[n] for n in names if named.get(n) not in (None, "")), None)


def _missing(record: Mapping[Any, Any], names: tuple[str, ...], expected: str) -> InputError:
    """A missing field's error: empty, or not there at all among the names the record has."""
    if any(n in _by_name(record) for n in names):
        return InputError(f"{names[0]}: empty: expected {expected}")
    found = ", ".join(str(n) for n in record if n is not None) or "none"
    return InputError(
        f"{names[0]}: missing: expected {expected} under {' or '.join(names)} (in any case); "
        f"the record has {found}"
    )


def _time(record: Mapping[Any, Any], names: tuple[str, ...], timezone: str) -> dt.datetime:
    """A time of the record as naive UTC, errors naming the field."""
    value = _value(_by_name(record), names)
    if value is None:
        raise _missing(record, names, TIME_EXPECTED)
    try:
        return parse_time(str(value), timezone)
    except InputError as error:
        raise InputError(f"{names[0]}: {error}") from None
