"""Which field of a record holds each canonical field: the source's `fields`, else common names."""

from __future__ import annotations

from dataclasses import dataclass

from basics.config.models import SourceConfig

# Names seen in the wild for each canonical field, tried in order when `fields` is silent.
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "ts": ("ts", "timestamp", "time", "@timestamp", "date", "datetime"),
    "service": ("service", "service.name", "service_name", "app"),
    "operation": ("operation", "route", "http.route", "endpoint", "path", "url.path", "method"),
    "user": (
        "user",
        "user_id",
        "user.id",
        "user.name",  # the Elastic Common Schema's (Filebeat's web server modules fill it)
        "enduser.id",
        "customer",
        "customer_id",
        "tenant",
        "account",
    ),
    "status": ("status", "status_code", "http_status", "http.response.status_code", "code"),
    "duration_ms": ("duration_ms", "latency_ms", "elapsed_ms", "response_time_ms"),
    "duration_s": ("duration_s", "latency_s", "request_time", "duration_seconds"),
    "duration_us": ("duration_us", "latency_us", "duration_micros"),
    # The Elastic Common Schema's `event.duration` and Go's time.Duration are nanoseconds.
    "duration_ns": ("duration_ns", "latency_ns", "duration_nanos", "event.duration"),
    "attrs": ("attrs", "attributes", "labels", "tags"),
}

DURATION_FACTORS = {
    "duration_ms": 1.0,
    "duration_s": 1000.0,
    "duration_us": 0.001,
    "duration_ns": 0.000001,
}


@dataclass(frozen=True)
class FieldPaths:
    """Candidate record paths for each canonical field, and extra attrs by name."""

    candidates: dict[str, tuple[str, ...]]
    attrs: dict[str, str]


def field_paths(source: SourceConfig) -> FieldPaths:
    """Resolve a source's mapping: explicit fields win; defaults fill only what is unmapped."""
    explicit = source.fields
    candidates: dict[str, tuple[str, ...]] = {}
    durations_mapped = any(name in explicit for name in DURATION_FACTORS)
    for name, defaults in DEFAULT_NAMES.items():
        if name in explicit:
            candidates[name] = (explicit[name],)
        elif name in DURATION_FACTORS and durations_mapped:
            candidates[name] = ()
        else:
            candidates[name] = defaults
    attrs = {
        key[len("attrs.") :]: path for key, path in explicit.items() if key.startswith("attrs.")
    }
    return FieldPaths(candidates, attrs)


def json_paths(path: str) -> list[str]:
    """JSONPath forms of a dotted record path: nested (`a.b`) and, if dotted, one literal key."""
    parts = path.split(".")
    nested = "$" + "".join(f".{_quote(part)}" for part in parts)
    forms = [nested]
    if len(parts) > 1:
        forms.append(f"$.{_quote(path)}")
    return forms


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def named_twice(names: list[str], read: list[int | None]) -> tuple[str, int, int] | None:
    """A column (or field) the source reads (`read`: indexes into `names`) that the header
    names twice: its name and its first two positions, counted from 1; None when none is
    (a column the source does not read may repeat, as Excel's empty trailing names do)."""
    for at in sorted({i for i in read if i is not None}):
        twice = [n + 1 for n, name in enumerate(names) if name == names[at]]
        if len(twice) > 1:
            return names[at], twice[0], twice[1]
    return None
