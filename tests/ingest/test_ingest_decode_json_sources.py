"""`decode_json:` as users set it: refused where it would do nothing, its field found by a
dotted path or already an object, the record's own names read before the envelope's, a
missing field's reason saying the line held no record, and a likely cause for a source
that lacks the key. The field's name reaches SQL only as a bound value."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError

T = dt.datetime
SERVICES = """
services:
  shop:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{format: csv, decode_json: line}",
            "sources.web: decode_json: only a jsonl source has one (this one is csv)",
        ),
        (
            "{format: logfmt, decode_json: msg}",
            "sources.web: decode_json: only a jsonl source has one (this one is logfmt)",
        ),
        (
            "{format: jsonl, decode_json: 'line.'}",
            "sources.web.decode_json: the name of one field (line, log, message) or a dotted "
            "path to it (event.original), not 'line.'",
        ),
        (
            "{format: jsonl, decode_json: [line, log]}",
            "sources.web.decode_json: one field, not a list",
        ),
    ],
)
def test_a_decode_json_that_would_do_nothing_is_refused_at_its_line(
    tmp_path: Path, source: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(f"sources:\n  web: {source}\n", tmp_path / "basics.yaml")
    assert str(raised.value).startswith(f"basics.yaml:2: {message}")


@pytest.mark.parametrize(
    ("field", "line"),
    [
        # Elastic's event.original, nested and as a dotted key.
        ("event.original", {"event": {"original": '{"status":503,"service":"shop"}'}}),
        ("event.original", {"event.original": '{"status":503,"service":"shop"}'}),
        # Loki's line holding Docker's entry (Promtail without its docker stage), its line
        # made an object first: jq -c '.line |= (fromjson? // .)'.
        ("line.log", {"line": {"log": '{"status":503,"service":"shop"}\n', "stream": "stdout"}}),
        # A shipper that parsed it already (Vector's `.message = parse_json!(.message)`).
        ("message", {"message": {"status": 503, "service": "shop"}}),
        # Bound, never written into the SQL.
        ('it\'s "x"', {'it\'s "x"': '{"status":503,"service":"shop"}'}),
    ],
)
def test_the_field_is_found_by_its_path_and_may_hold_an_object(
    make_env: Any, field: str, line: dict[str, Any]
) -> None:
    env = make_env(
        f"sources:\n  app: {{format: jsonl, decode_json: {json.dumps(field)}}}\n" + SERVICES
    )
    line = {"timestamp": "2026-03-02T14:00:00Z", **line}

    result = env.ingest("app", env.write("app.jsonl", json.dumps(line) + "\n"))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [(T(2026, 3, 2, 14), "shop", None, None, 503, None, {})]


@pytest.mark.parametrize(
    ("field", "envelope", "attrs"),
    [
        ("log", {"stream": "stdout"}, {"stream": "stdout"}),
        ("event.original", {"event": {"kind": "event"}}, {"kind": "event"}),
        ("event.original", {"event.kind": "event"}, {"kind": "event"}),
    ],
)
def test_the_field_read_is_no_part_of_the_record(
    make_env: Any, field: str, envelope: dict[str, Any], attrs: dict[str, str]
) -> None:
    """Its text was read as the record's keys; the rest of the envelope stays. A line whose
    field holds no record keeps it (a mapping to it reads that text)."""
    env = make_env(
        f"sources:\n  app: {{format: jsonl, decode_json: {field}, service: shop, fields: "
        f"{{attrs.text: {field}, attrs.stream: stream, attrs.kind: event.kind}}}}\n" + SERVICES
    )
    record = '{"ts":"2026-03-02T14:00:00Z","status":200}\n'
    plain = {"ts": "2026-03-02T14:00:01Z", "status": 201}
    lines = []
    for text in (record, "Listening on :8080\n"):
        line = json.loads(json.dumps(envelope))
        if field == "event.original" and "event" in line:
            line["event"]["original"] = text
        else:
            line[field] = text
        lines.append(line | ({} if text == record else plain))

    env.ingest("app", env.write("app.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))

    kept = attrs | {"text": "Listening on :8080\n"}
    assert env.events() == [
        (T(2026, 3, 2, 14), "shop", None, None, 200, None, attrs),
        (T(2026, 3, 2, 14, 0, 1), "shop", None, None, 201, None, kept),
    ]


def test_the_record_s_own_names_are_read_before_the_envelope_s(make_env: Any) -> None:
    """A Vercel log drain: the envelope's `timestamp` (when the drain received the line) and
    `path`, the function's ECS record in `message` with its `@timestamp` and `url.path`;
    and a duration of the record's own in another unit than the envelope's."""
    env = make_env("sources:\n  vercel: {format: jsonl, decode_json: message}\n" + SERVICES)
    record = {
        "@timestamp": "2026-03-02T14:00:05.250Z",
        "service": {"name": "shop"},
        "url": {"path": "/api/users/42"},
        "http": {"response": {"status_code": 503}},
        "event": {"duration": 1_250_000},  # nanoseconds
    }
    drain = {
        "id": "1573817187330377061717300000",
        "message": json.dumps(record),
        "timestamp": 1772460006000,
        "type": "stdout",
        "source": "lambda",
        "host": "shop.vercel.app",
        "path": "/api/users/[id]",
        "duration_ms": 7,
    }

    env.ingest("vercel", env.write("drain.jsonl", json.dumps(drain) + "\n"))

    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 5, 250000), "shop", "/api/users/42", None, 503, 1.25, {})
    ]


def test_a_missing_field_s_reason_says_the_line_held_no_record(make_env: Any) -> None:
    """A Lambda's own lines in CloudWatch (`aws logs filter-log-events`, then
    `jq -c '.events[]'`) hold text, not the function's JSON record."""
    env = make_env(
        "sources:\n  lambda: {format: jsonl, decode_json: message, service: shop, "
        "id: requestId, fields: {ts: time}}\n" + SERVICES
    )
    events = [
        {"message": "START RequestId: 8f5c Version: $LATEST\n", "timestamp": 1772460005000},
        {"message": '{"time":"2026-03-02T14:00:05Z","requestId":"8f5c","status":200}\n'},
        {"message": '{"time":"2026-03-02T14:00:06Z","status":200}\n'},
        {"timestamp": 1772460007000},
    ]
    text = "".join(json.dumps(event) + "\n" for event in events)

    result = env.ingest("lambda", env.write("events.jsonl", text))

    assert (result.accepted, result.rejected) == (1, 3)
    assert [row[:3] for row in env.rejects()] == [
        (1, "id", 'missing; the source declares id: requestId (decode_json: "message" holds no '
         'JSON object: "START RequestId: 8f5c Version: $LATEST")'),
        (3, "id", "missing; the source declares id: requestId"),
        (4, "id", 'missing; the source declares id: requestId (decode_json: the record has no '
         '"message")'),
    ]  # fmt: skip


def test_a_missing_time_s_reason_says_the_line_held_no_record(make_env: Any) -> None:
    env = make_env(
        "sources:\n  app: {format: jsonl, decode_json: log, service: shop, fields: {ts: time}}\n"
    )
    line = {"log": "Listening on :8080\n", "stream": "stdout"}

    env.ingest("app", env.write("app.jsonl", json.dumps(line) + "\n"))

    assert [row[:3] for row in env.rejects()] == [
        (1, "ts", "missing; map the record's time with fields.ts (decode_json: \"log\" holds "
         'no JSON object: "Listening on :8080")'),
    ]  # fmt: skip


def test_records_held_as_text_without_decode_json_get_a_likely_cause(make_env: Any) -> None:
    env = make_env(
        "sources:\n  loki: {format: jsonl}\n  decoded: {format: jsonl, decode_json: line}\n"
    )
    entry = {
        "labels": {"app": "shop"},
        "line": '{"ts":"2026-03-02T14:00:05Z","status":200}',
        "timestamp": "2026-03-02T14:00:05.000000001Z",
    }
    text = json.dumps(entry) + "\n"

    result = env.ingest("loki", env.write("loki.jsonl", text))
    decoded = env.ingest("decoded", env.write("loki2.jsonl", text + text))

    assert (result.status, result.rejected) == ("rejected", 1)
    assert result.hint == (
        "every record holds a JSON object as text in \"line\", as Loki's logcli, Docker's "
        "json-file driver and log drains write them: set decode_json: line on the source"
    )
    assert (decoded.status, decoded.hint) == (
        "rejected",
        "no record names its service: set service: on the source or map fields.service",
    )
