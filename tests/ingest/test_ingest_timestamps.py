"""Timestamps: offsets, local times in the source's (or the config's) zone, epochs, formats."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

# Europe/London switches from GMT (UTC+0) to BST (UTC+1) at 01:00 UTC on 2026-03-29.
LONDON_DEFAULT = """
timezone: Europe/London
sources:
  api:
    format: jsonl
    service: api
"""

# (timestamp as written, UTC value stored, read as local time?)
CASES: list[tuple[Any, dt.datetime, bool]] = [
    ("2026-03-29T00:30:00Z", dt.datetime(2026, 3, 29, 0, 30), False),
    ("2026-03-29T02:30:00+02:00", dt.datetime(2026, 3, 29, 0, 30), False),
    ("2026-03-29T02:30:00+0200", dt.datetime(2026, 3, 29, 0, 30), False),
    ("2026-03-28T19:30:00-05:00", dt.datetime(2026, 3, 29, 0, 30), False),
    ("2026-03-29T00:30:00.123456789Z", dt.datetime(2026, 3, 29, 0, 30, 0, 123456), False),
    # No offset: London time, before and after the switch to summer time.
    ("2026-03-29T00:30:00", dt.datetime(2026, 3, 29, 0, 30), True),
    ("2026-03-29 02:30:00", dt.datetime(2026, 3, 29, 1, 30), True),
    ("2026-07-01T12:00:00.5", dt.datetime(2026, 7, 1, 11, 0, 0, 500000), True),
    # Epochs: seconds, milliseconds, fractional seconds, microseconds, nanoseconds.
    (1774744200, dt.datetime(2026, 3, 29, 0, 30), False),
    ("1774744200", dt.datetime(2026, 3, 29, 0, 30), False),
    (1774744200123, dt.datetime(2026, 3, 29, 0, 30, 0, 123000), False),
    (1774744200.25, dt.datetime(2026, 3, 29, 0, 30, 0, 250000), False),
    (1774744200123456, dt.datetime(2026, 3, 29, 0, 30, 0, 123456), False),
    (100000000000000, dt.datetime(1973, 3, 3, 9, 46, 40), False),  # 15 digits: microseconds
    ("1774744200123456000", dt.datetime(2026, 3, 29, 0, 30, 0, 123456), False),
    # The last nanosecond of a minute stays in it (a double rounded it into the next one).
    (1774744259999999999, dt.datetime(2026, 3, 29, 0, 30, 59, 999999), False),
    # As text: a JSON number holds no more digits than a double (1774744260.0 here).
    ("1774744259.9999999", dt.datetime(2026, 3, 29, 0, 30, 59, 999999), False),
    ("1774744259999.9999", dt.datetime(2026, 3, 29, 0, 30, 59, 999999), False),
    # Apache / nginx time.
    ("10/Oct/2000:13:55:36 -0700", dt.datetime(2000, 10, 10, 20, 55, 36), False),
]


def test_timestamp_forms(make_env: Any) -> None:
    env = make_env(LONDON_DEFAULT)
    lines = [json.dumps({"ts": ts, "operation": str(i)}) for i, (ts, _, _) in enumerate(CASES)]

    result = env.ingest("api", env.write("events.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected) == (len(CASES), 0)
    assert result.timezone == "Europe/London"
    assert result.local_time_rows == sum(local for _, _, local in CASES)
    stored = {int(op): ts for ts, _, op, *_ in env.events()}
    assert stored == {i: expected for i, (_, expected, _) in enumerate(CASES)}
    assert env.store.query("SELECT local_time_rows, timezone FROM batches") == [
        (3, "Europe/London")
    ]


def test_source_timezone_overrides_the_configs(make_env: Any) -> None:
    env = make_env(
        """
        timezone: Europe/London
        sources:
          ny:
            format: jsonl
            service: api
            timezone: America/New_York
        """
    )
    # New York moved to EDT (UTC-4) on 2026-03-08; on 2026-03-01 it is EST (UTC-5).
    path = env.write(
        "events.jsonl",
        '{"ts": "2026-03-01T12:00:00"}\n{"ts": "2026-03-29T00:30:00"}\n'
        '{"ts": "2026-03-29T00:30:00Z"}\n',
    )

    result = env.ingest("ny", path)

    assert (result.timezone, result.local_time_rows) == ("America/New_York", 2)
    assert [row[0] for row in env.events()] == [
        dt.datetime(2026, 3, 1, 17, 0),
        dt.datetime(2026, 3, 29, 0, 30),
        dt.datetime(2026, 3, 29, 4, 30),
    ]


def test_timestamp_format_without_offset_is_local(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          legacy:
            format: jsonl
            service: api
            timezone: Europe/Berlin
            timestamp_format: "%d.%m.%Y %H:%M:%S"
        """
    )
    path = env.write(
        "events.jsonl",
        '{"ts": "29.03.2026 01:30:00"}\n{"ts": "29.03.2026 03:30:00"}\n'
        '{"ts": "2026-03-29T03:30:00Z"}\n',
    )

    result = env.ingest("legacy", path)

    assert (result.accepted, result.rejected, result.local_time_rows) == (2, 1, 2)
    assert [row[0] for row in env.events()] == [
        dt.datetime(2026, 3, 29, 0, 30),
        dt.datetime(2026, 3, 29, 1, 30),
    ]
    assert env.rejects() == [
        (
            3,
            "ts",
            "expected ISO 8601, epoch seconds or milliseconds, or 10/Oct/2000:13:55:36 -0700 "
            '(format %d.%m.%Y %H:%M:%S), found "2026-03-29T03:30:00Z"',
            '{"ts": "2026-03-29T03:30:00Z"}',
        )
    ]


def test_timestamp_format_with_offset(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          legacy:
            format: jsonl
            service: api
            timezone: Asia/Tokyo
            timestamp_format: "%Y/%m/%d %H:%M:%S %z"
        """
    )
    path = env.write("events.jsonl", '{"ts": "2026/03/29 02:30:00 +0200"}\n')

    result = env.ingest("legacy", path)

    assert (result.accepted, result.local_time_rows) == (1, 0)
    assert [row[0] for row in env.events()] == [dt.datetime(2026, 3, 29, 0, 30)]


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2026-13-01T00:00:00Z", "2026-03-29T25:00:00", "29/03/2026", "", "  "],
)
def test_unparseable_timestamps_are_rejects(make_env: Any, text: str) -> None:
    env = make_env(LONDON_DEFAULT)
    record = json.dumps({"ts": text})

    result = env.ingest("api", env.write("events.jsonl", record + "\n"))

    assert (result.accepted, result.rejected) == (0, 1)
    [(line, field, reason, raw)] = env.rejects()
    assert (line, field, raw) == (1, "ts", record)
    assert reason.startswith("expected ISO 8601, epoch seconds or milliseconds")


def test_lowercase_z_is_utc(make_env: Any) -> None:
    env = make_env(LONDON_DEFAULT)

    result = env.ingest("api", env.write("e.jsonl", '{"ts": "2026-03-29T10:00:00z"}\n'))

    assert (result.accepted, result.rejected) == (1, 0)
    assert [row[0] for row in env.events()] == [dt.datetime(2026, 3, 29, 10, 0)]


def test_rfc_3339_lower_case_t_and_z_are_read(make_env: Any) -> None:
    """RFC 3339 (section 5.6) allows `t` and `z` in lower case; DuckDB reads neither `t`.
    Offsets only (the fast path), then local times (the row reader)."""
    env = make_env(LONDON_DEFAULT)
    offsets = [
        "2026-03-29t00:30:00z",
        "2026-03-29t02:30:00+02:00",
        "2026-03-29t00:30:00.25Z",
        "2026-03-29t01:30:00 +0100",
    ]
    local = ["2026-07-01t12:00:00", "2026-07-01t12:00:01,5"]

    first = env.ingest("api", env.write("a.jsonl", "".join(f'{{"ts": "{t}"}}\n' for t in offsets)))
    second = env.ingest("api", env.write("b.jsonl", "".join(f'{{"ts": "{t}"}}\n' for t in local)))

    assert (first.accepted, first.rejected, first.local_time_rows) == (4, 0, 0)
    assert (second.accepted, second.rejected, second.local_time_rows) == (2, 0, 2)
    assert sorted(row[0] for row in env.events()) == [
        dt.datetime(2026, 3, 29, 0, 30),
        dt.datetime(2026, 3, 29, 0, 30),
        dt.datetime(2026, 3, 29, 0, 30),
        dt.datetime(2026, 3, 29, 0, 30, 0, 250000),
        dt.datetime(2026, 7, 1, 11, 0),  # London summer time
        dt.datetime(2026, 7, 1, 11, 0, 1, 500000),
    ]


def test_a_date_without_a_time_is_a_reject_never_midnight(make_env: Any) -> None:
    """A CSV's date column mapped as the time (CloudFront and IIS write the time of day
    in another column) put every event of a day at its midnight, without a word."""
    env = make_env(
        """
        timezone: Europe/Paris
        sources:
          api: {format: jsonl, service: api}
        """
    )

    result = env.ingest("api", env.write("e.jsonl", '{"ts": "2026-03-29"}\n'))

    assert (result.accepted, result.rejected) == (0, 1)
    assert env.rejects()[0][1:3] == (
        "ts",
        'a date without a time, "2026-03-29": an event needs its time of day (map fields.ts '
        "to the field that holds both, or read the line with a regex whose ts group spans "
        "the date and the time)",
    )


def test_epoch_digits_below_the_microsecond_are_dropped_on_the_fast_path(
    make_env: Any,
) -> None:
    """The same instants as above through the JSON-lines fast path (no local time in the
    file): dropped, as from ISO 8601 text, never rounded into the next minute."""
    env = make_env("sources:\n  api: {format: jsonl, service: api}\n")
    written = [1774744259999999999, "1774744259999999999", "1774744259.9999999", "1774744259999.9"]
    lines = [json.dumps({"ts": ts}) for ts in written]
    lines.append('{"ts": "2026-03-29T00:30:59.9999999Z"}')

    result = env.ingest("api", env.write("e.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected) == (5, 0)
    assert sorted(row[0] for row in env.events()) == [
        dt.datetime(2026, 3, 29, 0, 30, 59, 999900),
        *[dt.datetime(2026, 3, 29, 0, 30, 59, 999999)] * 4,
    ]


def test_a_space_before_the_offset_is_read(make_env: Any) -> None:
    """Ruby's Logger and Java's formatters write `2026-03-02 14:00:00 +0000`."""
    env = make_env("sources:\n  api: {format: jsonl, service: api}\n")
    lines = ['{"ts": "2026-03-02 15:00:00 +01:00"}', '{"ts": "2026-03-02 09:00:00 -0500"}']

    result = env.ingest("api", env.write("e.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected, result.local_time_rows) == (2, 0, 0)
    assert [row[0] for row in env.events()] == [dt.datetime(2026, 3, 2, 14, 0)] * 2


def test_a_decimal_comma_is_read_as_iso_8601_allows(make_env: Any) -> None:
    """Python's logging (asctime) and log4j write `2026-03-02 15:00:00,123`."""
    env = make_env(
        """
        timezone: Europe/Paris
        sources:
          api: {format: jsonl, service: api}
        """
    )
    lines = ['{"ts": "2026-03-02 15:00:00,123"}', '{"ts": "2026-03-02T15:00:01,5"}']

    result = env.ingest("api", env.write("e.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected, result.local_time_rows) == (2, 0, 2)
    assert [row[0] for row in env.events()] == [
        dt.datetime(2026, 3, 2, 14, 0, 0, 123000),
        dt.datetime(2026, 3, 2, 14, 0, 1, 500000),
    ]


def test_named_utc_zone_is_not_read_as_local_time(make_env: Any) -> None:
    env = make_env(
        """
        timezone: Europe/Paris
        sources:
          api: {format: jsonl, service: api}
        """
    )

    env.ingest("api", env.write("e.jsonl", '{"ts": "2026-03-29 10:00:00 UTC"}\n'))

    # Either 10:00 UTC or a reject; Paris local (08:00 UTC) silently shifts it by two hours.
    assert [row[0] for row in env.events()] in ([dt.datetime(2026, 3, 29, 10, 0)], [])
