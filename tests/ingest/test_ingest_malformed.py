"""Malformed and truncated lines become rejects with line, field, reason and raw text."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest

from basics.ingest import inputs, pipeline, staging

DURATION_EXPECTED = (
    "expected a finite non-negative number, or a duration with its unit such as 250ms or "
    "1.5s, found "
)

SOURCE = """
sources:
  api:
    format: jsonl
"""

OK = '{"ts": "2026-03-29T00:30:00Z", "service": "api", "status": 200, "duration_ms": 5}'

# (line text, expected reject as (field, reason), or None when the line is stored)
LINES: list[tuple[str, tuple[str, str] | None]] = [
    (OK, None),
    ("[1, 2]", ("record", "expected a JSON object, found array")),
    (
        f"[{OK}, {OK}]",
        (
            "record",
            "expected a JSON object, found array of objects (records in one array, as log "
            "drains send them: split them with jq -c '.[]')",
        ),
    ),
    ('"just a string"', ("record", "expected a JSON object, found varchar")),
    ("", None),  # blank: skipped, neither stored nor rejected
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "api", "status": "abc"}',
        ("status", 'expected an integer status between 0 and 999, found "abc"'),
    ),
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "api", "status": 2.5}',
        ("status", 'expected an integer status between 0 and 999, found "2.5"'),
    ),
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "api", "status": 1000}',
        ("status", 'expected an integer status between 0 and 999, found "1000"'),
    ),
    ("   ", None),  # whitespace only: skipped
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "api", "duration_ms": -3}',
        ("duration", DURATION_EXPECTED + '"-3"'),
    ),
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "api", "latency_ms": "fast"}',
        ("duration", DURATION_EXPECTED + '"fast"'),
    ),
    (
        '{"ts": "next tuesday", "service": "api"}',
        (
            "ts",
            "expected ISO 8601, epoch seconds or milliseconds, or 10/Oct/2000:13:55:36 -0700, "
            'found "next tuesday"',
        ),
    ),
    ('{"service": "api", "status": 200}', ("ts", "missing; map the record's time with fields.ts")),
    (
        '{"ts": "2026-03-29T00:30:00Z", "status": 200}',
        ("service", "missing; map it with fields.service or set service: on the source"),
    ),
    ("{not json}", ("record", "not valid JSON (truncated or malformed line)")),
    (OK.replace("200", "0"), None),
    (OK.replace("5}", "0}"), None),
    # Truncated mid-object, and the file ends without a newline.
    (
        '{"ts": "2026-03-29T00:30:00Z", "service": "ap',
        ("record", "not valid JSON (truncated or malformed line)"),
    ),
]


def _content() -> str:
    return "\n".join(text for text, _ in LINES)


def _expected_rejects() -> list[tuple[int, str, str, str]]:
    return [
        (number, field, reason, text)
        for number, (text, outcome) in enumerate(LINES, start=1)
        if outcome is not None
        for field, reason in [outcome]
    ]


def _assert_outcome(env: Any, result: Any) -> None:
    non_blank = sum(1 for text, _ in LINES if text.strip())
    expected = _expected_rejects()
    assert result.status == "applied"
    assert (result.accepted, result.rejected) == (3, len(expected))
    assert result.accepted + result.rejected == non_blank
    assert env.rejects() == expected
    assert env.store.query("SELECT DISTINCT batch_id FROM rejects") == [(result.batch_id,)]
    assert env.store.query("SELECT accepted, rejected FROM batches") == [(3, len(expected))]
    assert env.events() == [
        (dt.datetime(2026, 3, 29, 0, 30), "api", None, None, 0, 5.0, {}),
        (dt.datetime(2026, 3, 29, 0, 30), "api", None, None, 200, 0.0, {}),
        (dt.datetime(2026, 3, 29, 0, 30), "api", None, None, 200, 5.0, {}),
    ]


def test_every_kind_of_bad_line_is_a_reject_with_its_line_number(make_env: Any) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", _content()))

    _assert_outcome(env, result)
    assert result.first_rejects == [pipeline.Reject(*row) for row in _expected_rejects()[:5]]


def test_line_numbers_hold_across_chunk_boundaries(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of ~64 bytes: most chunks hold one line, some lines span several reads.
    monkeypatch.setattr(
        staging, "line_chunks", functools.partial(inputs.line_chunks, chunk_bytes=64)
    )
    env = make_env(SOURCE)
    chunks: list[int] = []

    result = env.ingest(
        "api", env.write("events.jsonl", _content()), progress=lambda *a: chunks.append(a[0])
    )

    assert len(chunks) > 5
    _assert_outcome(env, result)


def test_crlf_line_endings_are_not_part_of_the_record(make_env: Any) -> None:
    env = make_env(SOURCE)
    path = env.write("events.jsonl", OK + "\r\n\r\n" + "[1]\r\n" + OK + "\r\n")

    result = env.ingest("api", path)

    assert (result.accepted, result.rejected) == (2, 1)
    assert env.rejects() == [(3, "record", "expected a JSON object, found array", "[1]")]


def test_raw_text_is_capped(make_env: Any) -> None:
    env = make_env(SOURCE)
    long_line = '{"ts": "' + "x" * 5000 + '", "service": "api"}'

    env.ingest("api", env.write("events.jsonl", long_line + "\n"))

    [(line, field, reason, raw)] = env.rejects()
    assert (line, field) == (1, "ts")
    assert raw == long_line[:2000]
    assert reason.endswith('found "' + "x" * 60 + '"')  # the value: its first 60 chars


def test_invalid_utf8_is_reported_not_fatal(make_env: Any) -> None:
    env = make_env(SOURCE)
    data = OK.encode() + b"\n\xff\xfe{garbage\n" + OK.encode() + b"\n"

    result = env.ingest("api", env.write("events.jsonl", data))

    assert (result.accepted, result.rejected) == (2, 1)
    assert env.rejects() == [
        (
            2,
            "record",
            "invalid UTF-8: byte 0xFF at byte 1 of the line; convert the file to UTF-8 "
            "(iconv -f CP1252 -t UTF-8, if it is Windows text)",
            "\ufffd\ufffd{garbage",
        )
    ]


def test_a_file_with_only_rejects_is_kept_as_a_rejected_batch(make_env: Any) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", "[1]\n[2]\n"))

    assert (result.status, result.accepted, result.rejected) == ("rejected", 0, 2)
    assert env.store.query("SELECT status FROM batches") == [("rejected",)]
    assert (result.min_ts, result.max_ts) == (None, None)
    assert env.counts() == {
        "events": 0,
        "batches": 1,
        "rejects": 2,
        "slo_minute": 0,
        "latency_minute": 0,
    }


def test_tab_only_line_is_blank(make_env: Any) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", OK + "\n\t\n \t \n" + OK + "\n"))

    assert (result.accepted, result.rejected) == (2, 0)


def test_byte_order_mark_is_tolerated(make_env: Any) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", "\ufeff" + OK + "\n" + OK + "\n"))

    assert (result.accepted, result.rejected) == (2, 0)


def test_a_byte_order_mark_inside_a_file_is_named(make_env: Any) -> None:
    """Two files written on Windows joined with `cat`: the second's BOM starts a line."""
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("joined.jsonl", f"\ufeff{OK}\n\ufeff{OK}\n{OK}\n"))

    assert (result.accepted, result.rejected) == (2, 1)
    assert [r[:3] for r in env.rejects()] == [
        (2, "record", "not valid JSON: a byte-order mark (U+FEFF) starts the line (files "
            "joined with cat, each with its BOM?)"),
    ]  # fmt: skip


def test_a_missing_time_names_the_field_the_source_looked_in(make_env: Any) -> None:
    """With `fields: {ts: time}` mapped, the reason still said to map fields.ts."""
    env = make_env(
        "sources:\n  app: {format: jsonl, service: api, fields: {ts: time, service: svc}}\n"
        "  sheet: {format: csv, fields: {ts: Timestamp, service: App}}\n"
    )
    env.ingest("app", env.write("app.jsonl", '{"status": 200}\n{"time": ""}\n'))
    env.ingest(
        "sheet",
        env.write("sheet.csv", "Timestamp,App\n,api\n2026-12-01T10:00:00Z,\n"),
    )

    assert [r[:3] for r in env.rejects()] == [
        (1, "ts", 'missing: "time" (fields.ts) is absent or empty in the record'),
        # An empty text is a time that cannot be read, as it is without fields.ts.
        (2, "ts", "expected ISO 8601, epoch seconds or milliseconds, or 10/Oct/2000:13:55:36 "
            '-0700, found ""'),
        (2, "ts", 'missing: "Timestamp" (fields.ts) is absent or empty in the record'),
        (3, "service", 'missing: "App" (fields.service) is absent or empty in the record; '
            "set service: on the source for records that name none"),
    ]  # fmt: skip
