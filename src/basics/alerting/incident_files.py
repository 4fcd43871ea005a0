"""Incidents from files (CSV, YAML, JSON): each record checked, bad ones reported, re-runnable."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from basics.alerting.incidents import add_incident
from basics.core.clock import parse_time
from basics.core.errors import BasicsError, InputError
from basics.store.duckdb_store import Store


@dataclass
class IncidentImport:
    """What an import did: incidents recorded (new or already known) and records refused."""

    path: str
    recorded: list[int] = field(default_factory=list)
    rejects: list[str] = field(default_factory=list)


def read_records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, record) pairs from a CSV, YAML or JSON file of incidents."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(text.splitlines())
        return [(f"{path.name}:{i + 2}", dict(row)) for i, row in enumerate(reader)]
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: not valid {suffix.lstrip('.').upper()}: {error}") from None
    if isinstance(data, dict) and "incidents" in data:
        data = data["incidents"]
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of incidents (or `incidents:` with one)")
    return [(f"{path.name}: record {i + 1}", item) for i, item in enumerate(data)]


def import_incidents(store: Store, path: Path, timezone: str) -> IncidentImport:
    """Record every valid incident of a file; the same record imported twice is kept once."""
    result = IncidentImport(str(path))
    for where, record in read_records(path):
        try:
            fields = _fields(record, timezone)
        except (BasicsError, ValueError, TypeError) as error:
            result.rejects.append(f"{where}: {error}")
            continue
        incident = add_incident(store, source=f"file:{path.name}", **fields)
        result.recorded.append(incident.id)
    return result


def _fields(record: Any, timezone: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise InputError("expected a mapping with service(s), start, end and title")
    services = record.get("services") or record.get("service")
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",") if s.strip()]
    if not services or not isinstance(services, list):
        raise InputError("services: missing (a name, a comma-separated list or a list)")
    start, end = (
        _time(record, ("start", "from", "started"), timezone),
        _time(record, ("end", "to", "resolved"), timezone),
    )
    title = str(record.get("title") or "").strip()
    if not title:
        raise InputError("title: missing")
    if end <= start:
        raise InputError("end: must be after start")
    key = (
        record.get("id")
        or hashlib.sha256(json.dumps([services, str(start), str(end), title]).encode()).hexdigest()[
            :16
        ]
    )
    severity = record.get("severity")
    return {
        "services": [str(s) for s in services],
        "start": start,
        "end": end,
        "title": title,
        "severity": None if severity in (None, "") else str(severity),
        "source_key": str(key),
    }


def _time(record: dict[str, Any], names: tuple[str, ...], timezone: str) -> dt.datetime:
    value = next((record[n] for n in names if record.get(n) not in (None, "")), None)
    if value is None:
        raise InputError(f"{names[0]}: missing")
    return parse_time(
        str(value).replace(" ", "T", 1) if " " in str(value) else str(value), timezone
    )
