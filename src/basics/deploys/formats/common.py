"""What the deploy readers share: decoding, JSON records with their lines, times, fields,
environment names, rejects and skips, and folding re-deliveries of one deploy.

Every reader is a pure function from bytes to a `DeployRead` and never raises on bad input:
a record that cannot be read is a `DeployReject` (line, field, what was expected, raw text).
A record that is readable but is not a finished deploy (a pending status, a pipeline
without a deploy job, a ping) is not an error: it is returned as a reject whose field is
`SKIPPED` and whose reason starts with "skipped:", so callers count it apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from basics.deploys.models import SKIPPED, DeployRead, DeployRecord, DeployReject
from basics.ingest import named_fields
from basics.ingest.named_fields import RAW_CAP, value_at

# The JSON scanner, time parser and field helpers are the on-call readers' own: one copy of
# the tricky parts (resuming after a broken record, nanoseconds, " UTC") for both domains.
from basics.oncall.formats.common import (
    JsonRecord,
    RecordError,
    from_epoch,
    json_records,
    json_type,
    optional_text,
    parse_iso,
    required_text,
)

__all__ = [
    "RAW_CAP",
    "SKIPPED",
    "DeploySet",
    "JsonRecord",
    "RecordError",
    "Skip",
    "decode",
    "finish",
    "json_object",
    "json_type",
    "json_values",
    "make_reject",
    "normalize_environment",
    "object_at",
    "optional_text",
    "optional_time",
    "parse_time",
    "required_text",
    "required_time",
    "skip",
    "value_at",
]

TIME_EXPECTED = "ISO 8601 such as 2026-03-02T14:00:05Z, or epoch seconds or milliseconds"

# --- decoding ----------------------------------------------------------------------------


def decode(
    data: bytes, name: str, windows: bool = False, as_json: bool = True
) -> tuple[str, list[DeployReject]]:
    """The bytes as text, with deploy rejects: UTF-8, or with `windows` a file that is not
    UTF-8 read whole as Windows-1252 (a spreadsheet's "CSV"), a BOM dropped either way;
    UTF-16 or UTF-32 is one reject. Otherwise each line that is not UTF-8 is rejected (naming
    the byte, and for JSON the key) and left blank, so the other lines keep their numbers."""
    text, rejects = named_fields.decode(data, name, windows=windows, as_json=as_json)
    return text, [DeployReject(*reject) for reject in rejects]


def json_values(
    text: str, containers: tuple[str, ...] = ()
) -> tuple[list[JsonRecord], list[DeployReject]]:
    """The records of a JSON text (one value, an array, or JSON lines, or an object holding
    them in an array under one of `containers`), each with its own line, and the broken
    ones."""
    records, broken = json_records(text, containers)
    return records, [DeployReject(r.line, r.field, r.reason, r.raw) for r in broken]


# --- rejects and skips -------------------------------------------------------------------


def make_reject(line: int, error: RecordError, raw: str) -> DeployReject:
    """The reject for a record, its raw text capped."""
    return DeployReject(line=line, field=error.field, reason=error.reason, raw=raw[:RAW_CAP])


class Skip(Exception):
    """A record that is readable but not a finished deploy, and why."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def skip(line: int, why: str, raw: str) -> DeployReject:
    """A record that is not a finished deploy: counted apart from the malformed ones."""
    return DeployReject(line=line, field=SKIPPED, reason=f"skipped: {why}", raw=raw[:RAW_CAP])


# --- times -------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(\.\d*)?([eE][+-]?\d+)?")


def parse_time(value: Any, field: str) -> dt.datetime:
    """A time as naive UTC: ISO 8601 (a time without an offset is taken as UTC), or an epoch
    number, or numeric text, in seconds or milliseconds told apart by magnitude."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(
            field, f"unparseable time: expected {TIME_EXPECTED}, found {json_type(value)}"
        )
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            try:
                return parse_iso(text, field)
            except RecordError:
                raise RecordError(
                    field, f'unparseable time: expected {TIME_EXPECTED}, found "{text[:60]}"'
                ) from None
        # BigQuery's JSON writes a TIMESTAMP as seconds in scientific notation.
        value = int(text) if text.lstrip("-").isdigit() else float(text)
    if isinstance(value, float) and value != value:  # NaN
        raise RecordError(field, f"unparseable time: expected {TIME_EXPECTED}, found NaN")
    return from_epoch(value, field)


def optional_time(value: Any, field: str) -> dt.datetime | None:
    """A time as `parse_time` reads it, or None when the value is missing or blank. Like
    parse_time it takes the value, not a record and path (on-call's `optional_time`):
    readers find a time under several names."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_time(value, field)


def required_time(value: Any, field: str, what: str = "a time, " + TIME_EXPECTED) -> dt.datetime:
    """A time as `parse_time` reads it; a RecordError saying `what` was expected when the
    value is missing or blank."""
    moment = optional_time(value, field)
    if moment is None:
        raise RecordError(field, f"missing {field}: expected {what}")
    return moment


# --- fields ------------------------------------------------------------------------------


def object_at(record: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The object at a dotted path; {} when missing, a RecordError when not an object."""
    value = value_at(record, path)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(path, f"expected an object for {path}, found {json_type(value)}")
    return value


def json_object(text: str) -> dict[str, Any] | None:
    """A JSON object held in a string (GitHub's deployment payload, Four Keys' metadata)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# GitHub treats environment names without regard to case; "prod" and "prd" are the usual
# short forms. Any other name (staging, production-eu, review/x) is kept as written.
_PRODUCTION_NAMES = frozenset({"production", "prod", "prd"})


def normalize_environment(name: str | None) -> str:
    """The environment as Basics stores it: "production" for its common spellings (and when
    a source names none), otherwise the name as the source wrote it."""
    if name is None or not name.strip():
        return "production"
    name = name.strip()
    return "production" if name.lower() in _PRODUCTION_NAMES else name


# --- folding re-deliveries -----------------------------------------------------------------


class DeploySet:
    """Deploys by source key. Of records with one key, the one told latest wins (by the time
    of the status it reports, then by order in the input), so the final status of a
    deployment replaces an earlier one whatever order the deliveries were captured in; what
    the winner leaves empty (version, commit, actor, url, changes) the other fills."""

    def __init__(self) -> None:
        self._deploys: dict[str, tuple[tuple[dt.datetime, int], DeployRecord]] = {}
        self._seen = 0

    def add(self, deploy: DeployRecord) -> None:
        self._seen += 1
        rank = (deploy.deployed_at, self._seen)
        held = self._deploys.get(deploy.source_key)
        if held is None:
            self._deploys[deploy.source_key] = (rank, deploy)
        elif rank >= held[0]:
            self._deploys[deploy.source_key] = (rank, _filled(deploy, held[1]))
        else:
            self._deploys[deploy.source_key] = (held[0], _filled(held[1], deploy))

    def deploys(self) -> list[DeployRecord]:
        """The deploys in the order their keys were first seen."""
        return [deploy for _, deploy in self._deploys.values()]


def _filled(winner: DeployRecord, other: DeployRecord) -> DeployRecord:
    return dataclasses.replace(
        winner,
        version=winner.version or other.version,
        commit=winner.commit or other.commit,
        actor=winner.actor or other.actor,
        url=winner.url or other.url,
        changes=winner.changes or other.changes,
    )


def finish(deploys: DeploySet, rejects: list[DeployReject]) -> DeployRead:
    """The read: deploys in first-seen order, rejects by line (stable within a line)."""
    return DeployRead(deploys=deploys.deploys(), rejects=sorted(rejects, key=lambda r: r.line))
