"""Per-minute rollups written by ingest, checked against a naive recount of the input."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from basics.core.sketch import bucket_of
from basics.store import rollups
from basics.store.rollups import sync_definitions

START = dt.datetime(2026, 3, 29, 0, 0)

SERVICES = """
services:
  web:
    slos:
      availability:
        objective: 99.9
        good: status < 500
        valid: operation != "/health"
      latency:
        objective: 99
        good: duration_ms <= 300
  api:
    slos:
      availability:
        objective: 99.5
        good: status < 500
"""
CONFIG = "sources:\n  api:\n    format: jsonl\n" + SERVICES

Event = dict[str, Any]


def _events(seed: int, count: int, minutes: list[int]) -> list[Event]:
    rng = random.Random(seed)
    events = []
    for _ in range(count):
        ts = START + dt.timedelta(minutes=rng.choice(minutes), seconds=rng.randrange(60))
        events.append(
            {
                "ts": ts,
                "service": rng.choice(("web", "web", "web", "api")),
                "operation": rng.choice(("/pay", "/pay", "/search", "/health", None)),
                "status": rng.choice((200, 200, 200, 201, 404, 499, 500, 503, None)),
                "duration_ms": rng.choice((None, round(rng.uniform(0.5, 900), 3), 300.0)),
            }
        )
    return events


def _jsonl(events: list[Event]) -> str:
    lines = []
    for event in events:
        record = {k: v for k, v in event.items() if v is not None}
        record["ts"] = event["ts"].isoformat() + "Z"
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


# SLI predicates in plain Python, with the store's rule that a missing value never matches.
def _status_below(limit: int) -> Callable[[Event], bool]:
    return lambda e: e["status"] is not None and e["status"] < limit


def _not_health(e: Event) -> bool:
    return e["operation"] is not None and e["operation"] != "/health"


def _fast(e: Event) -> bool:
    return e["duration_ms"] is not None and e["duration_ms"] <= 300


def _always(e: Event) -> bool:
    return True


def _recount(
    events: list[Event],
    service: str,
    valid: Callable[[Event], bool],
    good: Callable[[Event], bool],
    excluded: tuple[dt.datetime, dt.datetime] | None = None,
) -> dict[dt.datetime, tuple[int, int]]:
    totals: Counter[dt.datetime] = Counter()
    goods: Counter[dt.datetime] = Counter()
    for e in events:
        if e["service"] != service or not valid(e):
            continue
        if excluded and excluded[0] <= e["ts"] < excluded[1]:
            continue
        minute = e["ts"].replace(second=0, microsecond=0)
        totals[minute] += 1
        goods[minute] += good(e)
    return {minute: (totals[minute], goods[minute]) for minute in totals}


def _assert_rollups_match(env: Any, events: list[Event]) -> None:
    assert env.slo_minutes("web/availability") == _recount(
        events, "web", _not_health, _status_below(500)
    )
    assert env.slo_minutes("web/latency") == _recount(events, "web", _always, _fast)
    assert env.slo_minutes("api/availability") == _recount(
        events, "api", _always, _status_below(500)
    )


def _assert_latency_buckets_match(env: Any, events: list[Event]) -> None:
    """The latency rollups are a naive count of the events with a duration, one row per
    (service, operation, minute, bucket), however many batches fed it."""
    expected = Counter(
        (e["service"], e["operation"], e["ts"].replace(second=0), bucket_of(e["duration_ms"]))
        for e in events
        if e["duration_ms"] is not None
    )
    rows = env.store.query("SELECT service, operation, minute, bucket, n FROM latency_minute")
    assert {(s, o, m, b): n for s, o, m, b, n in rows} == dict(expected)
    assert len(rows) == len(expected)


def test_slo_minutes_equal_a_naive_recount(make_env: Any) -> None:
    env = make_env(CONFIG)
    events = _events(seed=1, count=3000, minutes=list(range(10)))

    result = env.ingest("api", env.write("events.jsonl", _jsonl(events)))

    assert result.accepted == len(events)
    _assert_rollups_match(env, events)
    assert sum(total for total, _ in env.slo_minutes("web/latency").values()) == sum(
        e["service"] == "web" for e in events
    )
    # The same numbers straight from the stored events.
    from_events = env.store.query(
        "SELECT date_trunc('minute', ts), count(*), count(*) FILTER (WHERE status < 500) "
        "FROM events WHERE service = 'api' GROUP BY 1 ORDER BY 1"
    )
    assert env.slo_minutes("api/availability") == {m: (t, g) for m, t, g in from_events}


def test_late_data_recounts_exactly_the_minutes_it_touches(make_env: Any) -> None:
    env = make_env(CONFIG)
    first = _events(seed=2, count=2000, minutes=list(range(10)))
    env.ingest("api", env.write("first.jsonl", _jsonl(first)))
    before = env.slo_minutes("web/availability")
    # Plant a wrong count in an untouched minute: only touched minutes may be recounted.
    planted = START + dt.timedelta(minutes=7)
    env.store.db.execute(
        "UPDATE slo_minute SET total = 999999 WHERE slo = 'web/availability' AND minute = ?",
        [planted],
    )
    late = [
        {"ts": START + dt.timedelta(minutes=2, seconds=5), "service": "web"}
        | {"operation": "/pay", "status": 503, "duration_ms": 12.0},
        {"ts": START + dt.timedelta(minutes=5, seconds=59), "service": "web"}
        | {"operation": "/pay", "status": 200, "duration_ms": 400.0},
        {"ts": START + dt.timedelta(minutes=20), "service": "web"}
        | {"operation": "/search", "status": 200, "duration_ms": 1.0},
    ]

    result = env.ingest("api", env.write("late.jsonl", _jsonl(late)))

    assert result.accepted == 3
    after = env.slo_minutes("web/availability")
    expected = _recount(first + late, "web", _not_health, _status_below(500))
    touched = {START + dt.timedelta(minutes=m) for m in (2, 5, 20)}
    assert {m: after[m] for m in touched} == {m: expected[m] for m in touched}
    assert after[START + dt.timedelta(minutes=2)] == (
        before[START + dt.timedelta(minutes=2)][0] + 1,
        before[START + dt.timedelta(minutes=2)][1],
    )
    assert after[planted] == (999999, before[planted][1])
    assert {m: v for m, v in after.items() if m not in touched | {planted}} == {
        m: v for m, v in before.items() if m not in touched | {planted}
    }
    # The other service's rollups were not touched by a batch without its events.
    assert env.slo_minutes("api/availability") == _recount(
        first, "api", _always, _status_below(500)
    )


def test_corrections_exclude_their_events(make_env: Any) -> None:
    corrected = CONFIG.replace(
        "  api:\n    slos:",
        "    corrections:\n"
        "      - {from: '2026-03-29T01:03:00+01:00', to: '2026-03-29T00:05:30Z',"
        " reason: planned maintenance}\n"
        "  api:\n    slos:",
    )
    env = make_env(corrected)
    events = _events(seed=3, count=2000, minutes=list(range(10)))

    env.ingest("api", env.write("events.jsonl", _jsonl(events)))

    window = (START + dt.timedelta(minutes=3), START + dt.timedelta(minutes=5, seconds=30))
    expected = _recount(events, "web", _not_health, _status_below(500), window)
    assert env.slo_minutes("web/availability") == expected
    assert START + dt.timedelta(minutes=3) not in expected
    assert START + dt.timedelta(minutes=4) not in expected
    assert env.slo_minutes("web/latency") == _recount(events, "web", _always, _fast, window)
    # Corrections are per service: api keeps every minute.
    assert env.slo_minutes("api/availability") == _recount(
        events, "api", _always, _status_below(500)
    )


def test_changed_definition_is_rebuilt_and_removed_one_forgotten(make_env: Any) -> None:
    env = make_env(CONFIG)
    events = _events(seed=4, count=2000, minutes=list(range(10)))
    env.ingest("api", env.write("events.jsonl", _jsonl(events)))
    api_before = env.slo_minutes("api/availability")

    stricter = env.reconfigure(
        CONFIG.replace("good: status < 500\n        valid", "good: status < 400\n        valid")
    )
    rebuilt = sync_definitions(env.store, stricter)

    assert rebuilt == ["web/availability", "web/latency"]
    assert env.slo_minutes("web/availability") == _recount(
        events, "web", _not_health, _status_below(400)
    )
    assert env.slo_minutes("api/availability") == api_before
    assert sync_definitions(env.store, stricter) == []

    without_latency = env.reconfigure(
        CONFIG.replace(
            "      latency:\n        objective: 99\n        good: duration_ms <= 300\n", ""
        )
    )
    sync_definitions(env.store, without_latency)

    assert env.slo_minutes("web/latency") == {}
    assert env.slo_minutes("web/availability") == _recount(
        events, "web", _not_health, _status_below(500)
    )
    assert [row[0] for row in env.store.query("SELECT name FROM slos ORDER BY 1")] == [
        "api/availability",
        "web/availability",
    ]


def test_ingest_with_a_changed_config_rebuilds_before_loading(make_env: Any) -> None:
    env = make_env(CONFIG)
    first = _events(seed=5, count=500, minutes=[0, 1])
    env.ingest("api", env.write("first.jsonl", _jsonl(first)))
    env.reconfigure(CONFIG.replace("good: duration_ms <= 300", "good: duration_ms <= 100"))
    second = _events(seed=6, count=500, minutes=[1, 2])

    # Random events share a few identical records with the first file: they are distinct.
    env.ingest("api", env.write("second.jsonl", _jsonl(second)), allow_overlap=True)

    def fast(e: Event) -> bool:
        return e["duration_ms"] is not None and e["duration_ms"] <= 100

    assert env.slo_minutes("web/latency") == _recount(first + second, "web", _always, fast)


def test_latency_buckets_count_every_event_with_a_duration(make_env: Any) -> None:
    env = make_env(CONFIG)
    events = _events(seed=7, count=3000, minutes=list(range(5)))
    events.append(
        {"ts": START, "service": "api", "operation": "/zero", "status": 200, "duration_ms": 0.0}
    )

    env.ingest("api", env.write("events.jsonl", _jsonl(events)))

    for service in ("web", "api"):
        stored = env.store.scalar("SELECT sum(n) FROM latency_minute WHERE service = ?", [service])
        assert stored == sum(
            e["service"] == service and e["duration_ms"] is not None for e in events
        )
    _assert_latency_buckets_match(env, events)


def test_batches_sharing_minutes_add_up_to_a_full_recount(make_env: Any) -> None:
    env = make_env(CONFIG)
    first = _events(seed=8, count=2000, minutes=list(range(6)))
    second = _events(seed=9, count=2000, minutes=list(range(4, 10)))
    env.ingest("api", env.write("first.jsonl", _jsonl(first)))

    env.ingest("api", env.write("second.jsonl", _jsonl(second)), allow_overlap=True)

    _assert_rollups_match(env, first + second)
    _assert_latency_buckets_match(env, first + second)


def test_batches_alone_in_their_span_with_empty_minutes_match_a_recount(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first ingest and a later one, each with empty minutes inside its span and no
    other batch's events there: recounted whole (no test per event against the touched
    minutes), and still exactly the naive recount, latency buckets included."""
    found: list[tuple[str, bool]] = []
    alone_in_span = rollups.alone_in_span

    def spying(db: Any, service: str, *args: Any) -> bool:
        found.append((service, alone_in_span(db, service, *args)))
        return found[-1][1]

    monkeypatch.setattr(rollups, "alone_in_span", spying)
    env = make_env(CONFIG)
    first = _events(seed=10, count=900, minutes=[0, 3, 4, 9])
    later = _events(seed=11, count=300, minutes=[12, 15])
    env.ingest("api", env.write("first.jsonl", _jsonl(first)))
    planted = START + dt.timedelta(minutes=3)
    env.store.db.execute(
        "UPDATE slo_minute SET total = 999999 WHERE slo = 'web/availability' AND minute = ?",
        [planted],
    )

    env.ingest("api", env.write("later.jsonl", _jsonl(later)))

    after = env.slo_minutes("web/availability")
    assert after[planted][0] == 999999  # outside the later batch's span: not recounted
    del after[planted]
    expected = _recount(first + later, "web", _not_health, _status_below(500))
    del expected[planted]
    assert after == expected
    assert env.slo_minutes("api/availability") == _recount(
        first + later, "api", _always, _status_below(500)
    )
    _assert_latency_buckets_match(env, first + later)
    # Both batches, both services: recounted whole.
    assert sorted(found) == [("api", True)] * 2 + [("web", True)] * 2
