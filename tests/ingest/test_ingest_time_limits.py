"""Times outside the accepted range, impossible clock readings and overflowing numbers are
rejects with their line number; they never fail the batch nor reach the store."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from basics.slo.service import SLOService

CONFIG = """
sources:
  api: {format: jsonl, service: api}
  slow: {format: jsonl, service: api, fields: {duration_s: secs}}
services:
  api:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""

GOOD = {"ts": "2026-03-02T10:00:00Z", "status": 200}


def _lines(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def test_one_overflowing_epoch_is_a_reject_not_a_failed_batch(make_env: Any) -> None:
    env = make_env(CONFIG)
    text = _lines(GOOD, {"ts": 1e30, "status": 200}, {"ts": -9.3e21, "status": 200}, GOOD)

    result = env.ingest("api", env.write("e.jsonl", text))

    assert (result.status, result.accepted, result.rejected) == ("applied", 2, 2)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(2, "ts"), (3, "ts")]


def test_times_outside_the_sane_range_are_rejects(make_env: Any) -> None:
    env = make_env(CONFIG)
    bad = [
        "0000-01-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        99999999999,  # epoch seconds: year 5138
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ]
    text = _lines(GOOD, *({"ts": ts, "status": 500} for ts in bad))

    result = env.ingest("api", env.write("e.jsonl", text))

    assert (result.accepted, result.rejected) == (1, len(bad))
    outside = "outside the accepted time range 1970-01-01 to 2200-01-01"
    unreadable = "expected ISO 8601"
    # A five-digit year is no ISO 8601 date at all; every other one is read, then refused.
    expected = [outside, unreadable, outside, outside, outside, outside]
    rejects = env.rejects()
    assert [(line, field) for line, field, _, _ in rejects] == [(n, "ts") for n in range(2, 8)]
    assert [
        reason.startswith(e) for (_, _, reason, _), e in zip(rejects, expected, strict=True)
    ] == [True] * 6
    # Every report still works over what was stored.
    slo = SLOService(env.store, env.config)
    slo.ensure_rollups()
    (status,) = slo.status(at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    assert (status.counts.total, status.counts.good) == (1, 1)


def test_the_accepted_range_is_configurable(make_env: Any) -> None:
    env = make_env(CONFIG + "ingest: {earliest: 2026-03-01, latest: 2026-04-01T00:00:00Z}\n")
    text = _lines(GOOD, {"ts": "2026-02-28T23:59:59Z"}, {"ts": "2026-04-01T00:00:00Z"})

    result = env.ingest("api", env.write("e.jsonl", text))

    assert (result.accepted, result.rejected) == (1, 2)
    assert all("2026-03-01 to 2026-04-01" in reason for _, _, reason, _ in env.rejects())


def test_impossible_clock_readings_are_rejects(make_env: Any) -> None:
    env = make_env(CONFIG)
    bad = [
        "2026-03-02T10:00:00+25:00",
        "2026-03-02T10:00:00+9999",
        "2026-03-02T24:00:00Z",
        "2026-03-02T24:00:00",
        "2026-03-02T10:60:00Z",
    ]
    text = _lines(GOOD, *({"ts": ts} for ts in bad), {"ts": "2026-03-02T10:00:00+14:00"})

    result = env.ingest("api", env.write("e.jsonl", text))

    assert (result.accepted, result.rejected) == (2, len(bad))
    assert [line for line, *_ in env.rejects()] == [2, 3, 4, 5, 6]


def test_durations_that_overflow_to_infinity_are_rejects(make_env: Any) -> None:
    env = make_env(CONFIG)
    text = _lines(
        {**GOOD, "secs": 1e308},  # x 1000 ms/s is +inf
        {**GOOD, "secs": "1e400"},
        {**GOOD, "secs": 0.25},
    )

    result = env.ingest("slow", env.write("e.jsonl", text))

    assert (result.accepted, result.rejected) == (1, 2)
    assert env.store.query("SELECT duration_ms FROM events") == [(250.0,)]
    assert {field for _, field, _, _ in env.rejects()} == {"duration"}


def test_events_far_ahead_of_now_are_counted_and_flagged(make_env: Any) -> None:
    env = make_env(CONFIG)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    text = _lines(GOOD, {"ts": soon.isoformat()}, {"ts": later.isoformat()})

    result = env.ingest("api", env.write("e.jsonl", text))

    assert (result.accepted, result.ahead_rows) == (3, 1)
    assert env.store.query("SELECT ahead_rows FROM batches") == [(1,)]


def test_latest_leaves_out_events_far_ahead_and_says_so(make_env: Any) -> None:
    # One record from a broken clock must not move every report's `latest` window.
    env = make_env(CONFIG)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    first = env.ingest("api", env.write("a.jsonl", _lines(GOOD, {"ts": later.isoformat()})))
    second = env.ingest("api", env.write("b.jsonl", _lines({"ts": "2026-03-01T08:00:30Z"})))
    slo = SLOService(env.store, env.config)

    found = slo.latest()

    assert found is not None
    assert (found.event_at, found.batch_id) == (dt.datetime(2026, 3, 2, 10), first.batch_id)
    assert found.ignored_ahead == 1
    assert found.end == dt.datetime(2026, 3, 2, 10, 1)
    assert slo.resolve_at("latest") == found.end
    assert found.describe() == (
        f"latest: the newest event, at 2026-03-02T10:00:00Z, batch {first.batch_id} "
        f"({env.root / 'a.jsonl'}); 1 event dated further ahead of its ingest was "
        "ignored (see basics batches list)"
    )
    # Undo the batch that held the newest trusted event: latest falls back to the next.
    from basics.ingest.batches import undo_batch

    undo_batch(env.store, env.config, first.batch_id)
    found = slo.latest()
    assert found is not None
    assert (found.event_at, found.batch_id, found.ignored_ahead) == (
        dt.datetime(2026, 3, 1, 8, 0, 30),
        second.batch_id,
        0,
    )
