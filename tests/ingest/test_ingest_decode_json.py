"""JSON lines whose record is JSON text in a field (`decode_json:`): Grafana Loki's logcli
export and Docker's json-file logs as written, with their messiness (a plain line among
JSON ones, an inner record cut short or naming a key twice, escapes, CRLF), each record
read as if its keys were the line's own, the application's winning over the envelope's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from basics.core.errors import ConflictError

T = dt.datetime
SERVICES = """
services:
  shop:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""
MISSING_SERVICE = "missing; map it with fields.service or set service: on the source"

# `logcli query '{app="shop"}' --output=jsonl`: Go's encoding/json (keys sorted, `&` as
# \u0026), the application's line as a string, Loki's time to the nanosecond.
LOKI = [
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"ts\":\"2026-03-02T14:00:05.120Z\",'
    r"\"level\":\"info\",\"service\":\"shop\",\"path\":\"/api/orders?page=2\u0026sort=asc\","
    r'\"status\":200,\"duration_ms\":12.5,\"user\":\"u-1\"}",'
    r'"timestamp":"2026-03-02T14:00:05.123456789Z"}',
    # slog's `time` (with an offset) is the time, not the entry's `timestamp`; escapes
    # inside the inner JSON (é, a surrogate pair).
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"time\":\"2026-03-02T15:00:06.5+01:00\",'
    r"\"level\":\"WARN\",\"service\":\"shop\",\"path\":\"/api/pay\",\"status\":502,"
    r'\"latency_ms\":1500,\"user\":\"caf\\u00e9 \\ud83d\\ude80\"}",'
    r'"timestamp":"2026-03-02T14:00:06.600000001Z"}',
    r'{"labels":{"app":"shop","env":"prod"},'
    r'"line":"panic: runtime error: invalid memory address",'
    r'"timestamp":"2026-03-02T14:00:07.000000001Z"}',
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"ts\":\"2026-03-02T14:00:08Z\",'
    r'\"service\":\"shop\",\"path\":\"/api/ord","timestamp":"2026-03-02T14:00:08.000000001Z"}',
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"ts\":\"2026-03-02T14:00:09Z\",'
    r'\"service\":\"shop\",\"status\":200,\"status\":500}",'
    r'"timestamp":"2026-03-02T14:00:09.000000001Z"}',
    # No time in the record: the entry's, to the microsecond.
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"service\":\"shop\",'
    r'\"path\":\"/api/cart\",\"status\":201}","timestamp":"2026-03-02T14:00:09.987654321Z"}',
    r'{"labels":{"app":"shop","env":"prod"},"line":"{\"ts\":\"2026-03-02T14:00:10Z\",'
    r'\"service\":\"shop\",\"path\":\"/api/orders\",\"status\":200}",'
    r'"timestamp":"2026-03-02T14:00:10.000000001Z"}'
    "\r",  # a CRLF line
    r'{"labels":{"app":"shop"},"line":"{\"ts\":\"2026-03-02T14:00:11Z\",\"service\":\"shop\",'
    r'\"status\":200,\"attrs\":{\"az\":\"a\",\"az\":\"b\"}}",'
    r'"timestamp":"2026-03-02T14:00:11.000000001Z"}',
    # `--no-labels`, and the record's braces escaped: the line holds one `{` byte, yet the
    # record holds an object where the operation belongs.
    r'{"line":"\u007b\"ts\":\"2026-03-02T14:00:12Z\",\"service\":\"shop\",\"status\":200,'
    r'\"route\":\u007b\"id\":7\u007d\u007d","timestamp":"2026-03-02T14:00:12.000000001Z"}',
    r'{"labels":{"app":"shop"},"line":null,"timestamp":"2026-03-02T14:00:13Z"}',
    r'{"labels":{"app":"shop"},"timestamp":"2026-03-02T14:00:14Z"}',
    "",
    r'{"labels":{"app":"shop"},"line":"{\"ts',  # the export cut short, no newline
]
LOKI_FILE = "\n".join(LOKI)
PROD = {"app": "shop", "env": "prod"}


def test_a_loki_export_stores_the_record_each_line_holds(make_env: Any) -> None:
    env = make_env("sources:\n  loki: {format: jsonl, decode_json: line}\n" + SERVICES)

    result = env.ingest("loki", env.write("loki.jsonl", LOKI_FILE))

    assert (result.accepted, result.rejected) == (4, 8)
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 5, 120000), "shop", "/api/orders", "u-1", 200, 12.5, PROD),
        (T(2026, 3, 2, 14, 0, 6, 500000), "shop", "/api/pay", "café 🚀", 502, 1500.0, PROD),
        (T(2026, 3, 2, 14, 0, 9, 987654), "shop", "/api/cart", None, 201, None, PROD),
        (T(2026, 3, 2, 14, 0, 10), "shop", "/api/orders", None, 200, None, PROD),
    ]
    no_object = ' (decode_json: "line" holds no JSON object: '
    assert [row[:3] for row in env.rejects()] == [
        (3, "service", f'{MISSING_SERVICE}{no_object}"panic: runtime error: invalid memory '
         'address")'),
        (4, "line", "not valid JSON in the string (truncated?)"),
        (5, "record", 'duplicate key "status" in "line" (a key once per object)'),
        (8, "record", 'duplicate key "az" in "attrs" (a key once per object)'),
        (9, "operation", 'expected a string, found an object with keys "id" (fields.operation '
         "can name the field in it that holds the operation)"),
        (10, "service", f"{MISSING_SERVICE}{no_object}null)"),
        (11, "service", f'{MISSING_SERVICE} (decode_json: the record has no "line")'),
        (13, "record", "not valid JSON (truncated or malformed line)"),
    ]  # fmt: skip
    # The reject keeps the line as read, not the record merged from it.
    assert env.rejects()[1][3] == LOKI[3]


# Docker's json-file driver: each line of the container's output as `log`, its newline
# included; a line longer than 16 KiB is split into entries, the first without it.
DOCKER = [
    r'{"log":"{\"level\":30,\"time\":1772460005123,\"pid\":1,\"hostname\":\"3f2a9c1b7d4e\",'
    r"\"req\":{\"id\":1,\"method\":\"GET\",\"url\":\"/api/orders?page=2\"},"
    r'\"res\":{\"statusCode\":200},\"responseTime\":12,\"msg\":\"request completed\"}\n",'
    r'"stream":"stdout","time":"2026-03-02T14:00:05.124816597Z"}',
    r'{"log":"{\"level\":30,\"time\":1772459999000,\"pid\":1,\"hostname\":\"3f2a9c1b7d4e\",'
    r'\"msg\":\"Server listening at http://0.0.0.0:3000\"}\n","stream":"stdout",'
    r'"time":"2026-03-02T13:59:59.000812345Z"}',
    r'{"log":"\u003e shop@1.0.0 start\n","stream":"stdout",'
    r'"time":"2026-03-02T13:59:58.101010101Z"}',
    r'{"log":"{\"level\":30,\"time\":1772460006000,\"req\":{\"id\":3,\"method\":\"GET\",'
    r'\"url\":\"/api/search?q=aaaaaaaa","stream":"stdout",'
    r'"time":"2026-03-02T14:00:06.000100000Z"}',
    r'{"log":"aaaa\"},\"res\":{\"statusCode\":200},\"responseTime\":3}\n","stream":"stdout",'
    r'"time":"2026-03-02T14:00:06.000200000Z"}',
    r'{"log":"{\"level\":50,\"time\":1772460007500,\"pid\":1,\"req\":{\"id\":4,'
    r"\"method\":\"POST\",\"url\":\"/api/pay\"},\"res\":{\"statusCode\":502},"
    r'\"responseTime\":1500,\"msg\":\"request errored\"}\n","stream":"stderr",'
    r'"time":"2026-03-02T14:00:07.501532001Z"}',
]
DOCKER_SOURCE = """
sources:
  docker:
    format: jsonl
    decode_json: log
    service: shop
    fields:
      status: res.statusCode
      operation: req.url
      duration_ms: responseTime
      attrs.stream: stream
"""


def test_docker_json_file_logs_store_the_application_record_each_line_holds(
    make_env: Any,
) -> None:
    """pino's `time` wins over Docker's; the envelope's `stream` is still read; a line that
    holds no record (npm's banner, the second half of a split line) is read from the
    envelope alone: an event without a status, which the batch warns of."""
    env = make_env(DOCKER_SOURCE + SERVICES)

    result = env.ingest("docker", env.write("web-json.log", "\n".join(DOCKER) + "\n"))

    assert (result.accepted, result.rejected) == (5, 1)
    stdout, stderr = {"stream": "stdout"}, {"stream": "stderr"}
    assert env.events() == [
        (T(2026, 3, 2, 13, 59, 58, 101010), "shop", None, None, None, None, stdout),
        (T(2026, 3, 2, 13, 59, 59), "shop", None, None, None, None, stdout),
        (T(2026, 3, 2, 14, 0, 5, 123000), "shop", "/api/orders", None, 200, 12.0, stdout),
        (T(2026, 3, 2, 14, 0, 6, 200), "shop", None, None, None, None, stdout),
        (T(2026, 3, 2, 14, 0, 7, 500000), "shop", "/api/pay", None, 502, 1500.0, stderr),
    ]
    assert env.rejects() == [(4, "log", "not valid JSON in the string (truncated?)", DOCKER[3])]
    assert [(m.slo, m.field, m.events, m.missing) for m in result.missing_as_bad] == [
        ("shop/availability", "status", 5, 3)
    ]


# Records as applications write them, some to be rejected: read from plain JSON lines and
# from a Loki export of the same lines (`--no-labels`), they give the same events and
# rejects.
RECORDS = [
    '{"ts":"2026-03-02T14:00:00Z","service":"shop","route":"/a?x=1","status":200,"duration_ms":1.5}',
    '{"@timestamp":"2026-03-02T14:00:01.5Z","service":{"name":"shop"},"http":{"response":'
    '{"status_code":503}},"url":{"path":"/b"},"user":{"id":"u1"},"event":{"duration":1500000}}',
    '{"ts":1772460002000,"service":"shop","attrs":{"a":null,"n":1E2,"b":true,"s":"x"},'
    '"status":"503","duration":"1.5s","latency_s":"0.25"}',
    '{"ts":"2026-03-02 14:00:03","service":"shop","user":"caf\\u00e9","status":" 404 "}',
    '{"ts":"2026-03-02T14:00:04Z","service":"shop","status":"abc"}',
    '{"ts":"2026-03-02T14:00:05Z","service":"shop","attrs":{"az":"a","az":"b"}}',
    '{"ts":"2026-03-02T14:00:06Z","service":"shop","user":["a"]}',
    '{"ts":"2026-03-02T14:00:07Z","service":"shop","attrs":{"tier":{"x":1}}}',
    '{"service":"shop","status":200}',
    '{"ts":"2026-03-02T14:00:08Z","status":-5,"service":"shop","duration_ms":-1}',
    '{"ts":"2026-03-02T14:00:09Z","service":"shop","tags":{"k":"v"},"labels":{"l":"w"}}',
]  # fmt: skip


def test_a_decoded_record_is_read_as_the_same_record_written_plain(make_env: Any) -> None:
    plain = make_env("sources:\n  app: {format: jsonl}\n" + SERVICES)
    loki = make_env("sources:\n  loki: {format: jsonl, decode_json: line}\n" + SERVICES)
    wrapped = "".join(json.dumps({"line": record}) + "\n" for record in RECORDS)

    from_plain = plain.ingest("app", plain.write("app.jsonl", "\n".join(RECORDS) + "\n"))
    from_loki = loki.ingest("loki", loki.write("loki.jsonl", wrapped))

    assert (from_loki.accepted, from_loki.rejected) == (from_plain.accepted, from_plain.rejected)
    assert (from_plain.accepted, from_plain.rejected) == (5, 6)
    assert loki.events() == plain.events()
    assert [row[:3] for row in loki.rejects()] == [row[:3] for row in plain.rejects()]


def test_re_ingesting_a_loki_export_stores_nothing_twice(make_env: Any) -> None:
    """The same file is recognised before it is read; an overlapping export is refused
    until --skip-overlap keeps only its new records; records stored as plain JSON lines
    are found again in a Loki export of them."""
    env = make_env(
        "sources:\n  loki: {format: jsonl, decode_json: line}\n  app: {format: jsonl}\n" + SERVICES
    )

    def export(minutes: range) -> str:
        return "".join(loki_line(minute) + "\n" for minute in minutes)

    first = env.ingest("loki", env.write("10-00.jsonl", export(range(0, 5))))
    again = env.ingest("loki", env.write("copy.jsonl", export(range(0, 5))))
    assert (first.status, first.accepted) == ("applied", 5)
    assert (again.status, again.duplicate_of) == ("duplicate", 1)

    later = env.write("10-03.jsonl", export(range(3, 8)))
    with pytest.raises(ConflictError, match="2 of its 5 events are identical"):
        env.ingest("loki", later)
    result = env.ingest("loki", later, skip_overlap=True)
    assert (result.accepted, result.overlap_rows) == (3, 2)
    assert env.store.scalar("SELECT count(*) FROM events") == 8

    env.ingest("app", env.write("plain.jsonl", json.loads(loki_line(9))["line"] + "\n"))
    unlabelled = loki_line(9, labels=False) + "\n"
    with pytest.raises(ConflictError, match="1 of its 1 events are identical"):
        env.ingest("loki", env.write("10-09.jsonl", unlabelled))


def loki_line(minute: int, labels: bool = True) -> str:
    """An entry of logcli's export: the record at 10:MM, its status 500 every third minute."""
    ts = f"2026-03-02T10:{minute:02d}:00Z"
    record = {"ts": ts, "service": "shop", "status": 500 if minute % 3 == 0 else 200}
    entry: dict[str, Any] = {"labels": {"app": "shop"}} if labels else {}
    entry |= {"line": json.dumps(record), "timestamp": ts.replace("Z", ".000000001Z")}
    return json.dumps(entry, separators=(",", ":"))
