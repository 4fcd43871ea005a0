"""Records parsed in Python: the staging rows they make (`Rows`), and OTLP JSON logs and
spans (CSV: `csv_format`, W3C: `w3c`).

Each reader yields pyarrow tables with the staging columns of `normalize.STAGING_COLUMNS`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from basics.config.models import SourceConfig
from basics.ingest.encoding import repaired, text_problem
from basics.ingest.inputs import BOM, BOM_STARTS, Input, text_stream
from basics.store.arrow import floats, from_numpy, text_maps, texts

ROWS_PER_TABLE = 50_000
RAW_CAP = 2000

STAGING_SCHEMA = pa.schema(
    [
        ("line_no", pa.int64()),
        ("raw", pa.string()),
        ("ts_text", pa.string()),
        ("service", pa.string()),
        ("operation", pa.string()),
        ("user_id", pa.string()),
        ("status_text", pa.string()),
        ("duration_text", pa.string()),
        ("duration_factor", pa.float64()),
        ("attrs", pa.map_(pa.string(), pa.string())),
        ("parse_field", pa.string()),
        ("parse_error", pa.string()),
        ("record_id", pa.string()),
    ]
)


class Rows:
    """Accumulates staging rows column by column and hands them out as tables."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in STAGING_SCHEMA.names}

    def add(self, **values: Any) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name, 1.0 if name == "duration_factor" else None))

    def __len__(self) -> int:
        return len(self.columns["line_no"])

    def take(self) -> pa.Table:
        """The rows so far as a table (built without `pa.array`, which imports pandas)."""
        arrays = []
        for column in STAGING_SCHEMA:
            values = self.columns[column.name]
            if column.type == pa.int64():
                arrays.append(from_numpy(np.fromiter(values, np.int64, len(values))))
            elif column.type == pa.float64():
                arrays.append(floats(values))
            elif column.type == pa.string():
                arrays.append(texts(values))
            else:
                arrays.append(text_maps(values))
        self.columns = {name: [] for name in STAGING_SCHEMA.names}
        return pa.Table.from_arrays(arrays, schema=STAGING_SCHEMA)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# OpenTelemetry semantic conventions, current names first, then their older spellings.
_OTEL_STATUS = ("http.response.status_code", "http.status_code")
_OTEL_ROUTE = ("http.route", "url.path", "http.target")
_OTEL_USER = ("enduser.id", "user.id")


def otlp_tables(source: Input, config: SourceConfig, first_line: int = 1) -> Iterator[pa.Table]:
    """OTLP JSON (ExportLogsServiceRequest or ExportTraceServiceRequest), one request per line."""
    rows = Rows()
    stream = text_stream(source, strict=True)
    for line_no, line in enumerate(stream, start=first_line):
        if not line.strip():
            continue
        problem = text_problem(line, "in the line")
        if problem is not None:
            rows.add(
                line_no=line_no,
                raw=repaired(line)[:RAW_CAP],
                parse_field="record",
                parse_error=problem,
            )
            continue
        if line.startswith(BOM):
            rows.add(line_no=line_no, raw=line.rstrip("\r\n")[:RAW_CAP], parse_field="record",
                     parse_error=BOM_STARTS)  # fmt: skip
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            rows.add(
                line_no=line_no,
                raw=line[:RAW_CAP],
                parse_field="record",
                parse_error=f"not valid JSON ({error.msg} at column {error.colno})",
            )
            continue
        if not isinstance(request, dict) or not (
            "resourceLogs" in request or "resourceSpans" in request
        ):
            rows.add(
                line_no=line_no,
                raw=line[:RAW_CAP],
                parse_field="record",
                parse_error="expected an OTLP JSON request with resourceLogs or resourceSpans",
            )
            continue
        records = list(_otlp_records(request, config))
        if not records and _holds_resources(request):
            rows.add(
                line_no=line_no,
                raw=line[:RAW_CAP],
                parse_field="record",
                parse_error="no spans or log records found: expected them under scopeSpans "
                "or scopeLogs (or instrumentationLibrarySpans/Logs, before OTLP 1.0)",
            )
            continue
        for values in records:
            rows.add(line_no=line_no, **values)
        if len(rows) >= ROWS_PER_TABLE:
            yield rows.take()
    if len(rows):
        yield rows.take()


# Where a request keeps its records: OTLP 1.0's names, then those before it (collectors
# before 0.5x wrote instrumentationLibrary*, still met in files kept from then).
_SCOPES = {
    "resourceLogs": (("scopeLogs", "instrumentationLibraryLogs"), "logRecords"),
    "resourceSpans": (("scopeSpans", "instrumentationLibrarySpans"), "spans"),
}
_NO_TIME = "the record has no time: {} missing or 0"
_SPAN_KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")


def _holds_resources(request: dict[str, Any]) -> bool:
    return any(request.get(key) for key in _SCOPES)


def _otlp_records(request: dict[str, Any], config: SourceConfig) -> Iterator[dict[str, Any]]:
    """Each log record or span of a request as staging values; one that cannot be read
    is a reject of its own, the others of its request are kept."""
    for key, (scope_keys, records_key) in _SCOPES.items():
        try:
            resources = _items(request.get(key), key)
        except ValueError as error:
            yield _unreadable(request.get(key), key, error)
            continue
        for n, resource in enumerate(resources):
            where = f"{key}[{n}]"
            try:
                resource_attrs = _attributes(_object(resource.get("resource")).get("attributes"))
                # The older key is read only when the current one holds nothing, as the
                # collector migrates them: a request with both is not counted twice.
                current, older = scope_keys
                scopes = _items(resource.get(current), f"{where}.{current}") or _items(
                    resource.get(older), f"{where}.{older}"
                )
                records = [
                    record
                    for scope in scopes
                    for record in _items(scope.get(records_key), f"{where}: {records_key}")
                ]
            except (AttributeError, TypeError, ValueError) as error:
                yield _unreadable(resource, where, error)
                continue
            for index, record in enumerate(records):
                try:
                    if not isinstance(record, dict):
                        raise ValueError(f"expected an object, found {_json_type(record)}")
                    if records_key == "spans":
                        yield _span_event(record, resource_attrs, config)
                    else:
                        yield _log_event(record, resource_attrs, config)
                except (AttributeError, TypeError, ValueError) as error:
                    yield _unreadable(record, f"{where}: {records_key}[{index}]", error)


def _items(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected an array, found {_json_type(value)}")
    return value


def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, found {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words."""
    if isinstance(value, bool):
        return "a boolean"
    kinds = {
        str: "a string",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "null")


def _unreadable(record: Any, where: str, error: Exception) -> dict[str, Any]:
    return {
        "raw": json.dumps(record, separators=(",", ":"))[:RAW_CAP],
        "parse_field": "record",
        "parse_error": f"unexpected OTLP structure in {where} ({error})",
    }


def _log_event(
    record: dict[str, Any], resource: dict[str, str], config: SourceConfig
) -> dict[str, Any]:
    attrs = {**resource, **_attributes(record.get("attributes"))}
    # OTLP writes 0 for an unknown time: fall back to when it was observed.
    ts = _known_time(record.get("timeUnixNano")) or record.get("observedTimeUnixNano")
    event = _otlp_event(record, attrs, _text(ts), None, None, config)
    if _known_time(ts) is None:
        event.update(
            parse_field="ts",
            parse_error=_NO_TIME.format("timeUnixNano and observedTimeUnixNano are"),
        )
    return event


def _span_event(
    span: dict[str, Any], resource: dict[str, str], config: SourceConfig
) -> dict[str, Any]:
    attrs = {**resource, **_attributes(span.get("attributes"))}
    kind = _span_kind(span.get("kind"))
    if kind is not None:
        attrs["span.kind"] = kind
    start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
    duration = None
    if start is not None and end is not None:
        try:
            duration = str((int(end) - int(start)) / 1e6)
        except (TypeError, ValueError):
            duration = "invalid span times"
    status = span.get("status")
    error = isinstance(status, dict) and status.get("code") in (2, "STATUS_CODE_ERROR")
    event = _otlp_event(span, attrs, _text(start), duration, error, config)
    if _known_time(start) is None:
        event.update(parse_field="ts", parse_error=_NO_TIME.format("startTimeUnixNano is"))
    elif status is not None and not isinstance(status, dict):
        found = json.dumps(status)[:60]
        event.update(
            parse_field="status",
            parse_error=f'expected the span\'s status as an object {{"code": ...}}, found {found}',
        )
    return event


def _span_kind(kind: Any) -> str | None:
    """`server`, `client`...: OTLP JSON writes the enum as a number or as its name."""
    if isinstance(kind, int) and 0 <= kind < len(_SPAN_KINDS):
        return _SPAN_KINDS[kind]
    if isinstance(kind, str) and kind.startswith("SPAN_KIND_"):
        name = kind.removeprefix("SPAN_KIND_").lower()
        return name if name in _SPAN_KINDS else None
    return None


def _known_time(value: Any) -> Any:
    return None if value in (None, "", 0, "0") else value


def _otlp_event(
    record: dict[str, Any],
    attrs: dict[str, str],
    ts: str | None,
    duration_ms: str | None,
    span_error: bool | None,
    config: SourceConfig,
) -> dict[str, Any]:
    status = next((attrs[k] for k in _OTEL_STATUS if k in attrs), None)
    if status is None and span_error is not None:
        # A span without an HTTP status still says whether it failed.
        status = "500" if span_error else "200"
    operation = next((attrs[k] for k in _OTEL_ROUTE if k in attrs), record.get("name"))
    return {
        "raw": json.dumps(record, separators=(",", ":"))[:RAW_CAP],
        "ts_text": ts,
        "service": attrs.get("service.name") or config.service,
        "operation": operation,
        "user_id": next((attrs[k] for k in _OTEL_USER if k in attrs), None),
        "status_text": status,
        "duration_text": duration_ms,
        "attrs": list(attrs.items()),
    }


def _attributes(items: Any) -> dict[str, str]:
    """OTLP KeyValue lists flattened to strings: {"key", "value": {"stringValue": ...}}."""
    result: dict[str, str] = {}
    for item in items or []:
        if not isinstance(item, dict) or "key" not in item:
            continue
        value = item.get("value") or {}
        for kind in ("stringValue", "intValue", "doubleValue", "boolValue"):
            if kind in value:
                text = _text(value[kind])
                if text is not None:
                    result[str(item["key"])] = text
                break
    return result
