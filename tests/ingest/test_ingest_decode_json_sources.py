"""`decode_json:` as users set it: refused where it would do nothing, its field found by a
dotted path or already an object, each name read in the record then the envelope (the
time the record's first), the envelope's labels kept, a key twice in the envelope a
reject, a missing field's reason saying the line held no record, and a likely cause for a
source that lacks the key. The field's name reaches SQL only as a bound value."""

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


def test_each_name_is_read_in_the_record_then_the_envelope_the_time_the_record_s_first(
    make_env: Any,
) -> None:
    """A Vercel log drain: the envelope's `timestamp` (when the drain received the line),
    `path` and `duration_ms`, the function's ECS record in `message` with its `@timestamp`,
    `url.path` and `event.duration`. Each field tries each default name in the record, then
    in the envelope, before the next name (as the merged record read plain): the envelope's
    `path` and `duration_ms` are names tried before `url.path` and `event.duration`. The
    time alone is the record's under any name: the drain's `timestamp` is not the event's."""
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
        (T(2026, 3, 2, 14, 0, 5, 250000), "shop", "/api/users/[id]", None, 503, 7.0, {})
    ]


def test_the_record_s_lowest_name_does_not_beat_the_envelope_s_highest(make_env: Any) -> None:
    """The record's `method` is the last name tried for the operation, the envelope's `path`
    an earlier one: the path is the operation, as in the merged record read plain; the
    record's `time` is still the time over Loki's `timestamp`."""
    env = make_env("sources:\n  loki: {format: jsonl, decode_json: line}\n" + SERVICES)
    record = {"service": "shop", "method": "GET", "status": 200, "time": "2026-03-02T14:00:01Z"}
    line = {"line": json.dumps(record), "path": "/api/x", "timestamp": "2026-03-02T14:00:09Z"}

    env.ingest("loki", env.write("loki.jsonl", json.dumps(line) + "\n"))

    assert env.events() == [(T(2026, 3, 2, 14, 0, 1), "shop", "/api/x", None, 200, None, {})]


def test_a_key_twice_in_the_envelope_is_a_reject(make_env: Any) -> None:
    """The decoded field or any other key named twice in the envelope is rejected as a plain
    JSON line's is, never settled by its first copy."""
    env = make_env("sources:\n  loki: {format: jsonl, decode_json: line}\n" + SERVICES)
    inner = json.dumps(json.dumps({"service": "shop", "status": 200}))
    other = json.dumps(json.dumps({"service": "shop", "status": 503}))
    lines = [
        f'{{"line":{inner},"line":{other},"timestamp":"2026-03-02T14:00:05Z"}}',
        f'{{"line":{inner},"service":"a","service":"b","timestamp":"2026-03-02T14:00:06Z"}}',
        f'{{"line":{inner},"timestamp":"2026-03-02T14:00:07Z"}}',
    ]

    env.ingest("loki", env.write("loki.jsonl", "".join(f"{line}\n" for line in lines)))

    assert env.events() == [(T(2026, 3, 2, 14, 0, 7), "shop", None, None, 200, None, {})]
    assert [reject[:3] for reject in env.rejects()] == [
        (1, "record", 'duplicate key "line" (a key once per object)'),
        (2, "record", 'duplicate key "service" (a key once per object)'),
    ]


def test_the_envelope_s_labels_are_kept_under_the_record_s_attributes(make_env: Any) -> None:
    """Loki's labels are kept whatever attribute key the record has: its object merged over
    them (its value winning on a key both have), a non-object ignored; a null in the record
    is absent (its `timestamp: null` leaves Loki's)."""
    env = make_env("sources:\n  loki: {format: jsonl, decode_json: line}\n" + SERVICES)
    records = [
        {"service": "shop", "status": 200, "tags": ["web"]},
        {"service": "shop", "status": 200, "attributes": {"k": "v", "app": "mine"}},
        {"service": "shop", "status": 200, "labels": {"k": "v"}},
        {"service": "shop", "status": 200, "timestamp": None},
    ]
    lines = [
        {
            "labels": {"app": "shop", "env": "prod"},
            "line": json.dumps(record),
            "timestamp": f"2026-03-02T14:00:0{n}Z",
        }
        for n, record in enumerate(records, start=1)
    ]

    env.ingest("loki", env.write("loki.jsonl", "".join(json.dumps(x) + "\n" for x in lines)))

    shop = {"app": "shop", "env": "prod"}
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 1), "shop", None, None, 200, None, shop),
        (T(2026, 3, 2, 14, 0, 2), "shop", None, None, 200, None, {**shop, "k": "v", "app": "mine"}),
        (T(2026, 3, 2, 14, 0, 3), "shop", None, None, 200, None, {**shop, "k": "v"}),
        (T(2026, 3, 2, 14, 0, 4), "shop", None, None, 200, None, shop),
    ]
    assert env.rejects() == []


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
        (1, "ts", 'missing: "time" (fields.ts) is absent or empty in the record (decode_json: '
         '"log" holds no JSON object: "Listening on :8080")'),
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
