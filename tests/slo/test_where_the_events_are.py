"""The note beside a window without events of a service: where its events are, and the end
that would show them (`latest` only when that is where they are)."""

from __future__ import annotations

import datetime as dt

from basics.core.windows import Window
from basics.slo.models import Latest
from basics.slo.service import where_the_events_are

LATEST = Latest(dt.datetime(2026, 3, 3, 23, 59, 30), 4, "www.jsonl", 0)
MARCH = Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 4))
JANUARY = Window(dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1))


def test_a_service_whose_newest_event_is_the_stores_newest_points_at_latest() -> None:
    said = where_the_events_are("www", LATEST.event_at, LATEST, JANUARY, "--at")
    assert said == "the newest event of www is at 2026-03-03T23:59:30Z: try --at latest"


def test_a_service_that_stopped_earlier_points_at_the_minute_after_its_newest_event() -> None:
    """`--at latest` would end at www's newest event, a window that may miss api's: the
    minute after api's own newest event shows it."""
    stopped = dt.datetime(2026, 2, 10, 8, 15, 42)
    said = where_the_events_are("api", stopped, LATEST, JANUARY, "--to")
    assert said == (
        "the newest event of api is at 2026-02-10T08:15:42Z: try --to 2026-02-10T08:16:00Z"
    )


def test_a_window_that_holds_the_newest_event_suggests_nothing() -> None:
    inside = dt.datetime(2026, 3, 2, 12)
    said = where_the_events_are("api", inside, LATEST, MARCH, "--at")
    assert said == "the newest event of api is at 2026-03-02T12:00:00Z"


def test_a_service_without_events_says_so_and_names_the_stores_newest() -> None:
    said = where_the_events_are("db", None, LATEST, JANUARY, "--at")
    assert said == (
        "none of db are stored (the newest event, of another service, is at 2026-03-03T23:59:30Z)"
    )


def test_a_range_that_starts_after_the_newest_event_suggests_its_day() -> None:
    """`--to` the minute after it would fall before a `--from` given with it: its day."""
    stopped = dt.datetime(2026, 2, 28, 22, 59, 30)
    said = where_the_events_are("a", stopped, LATEST, MARCH, "--to")
    assert said == (
        "the newest event of a is at 2026-02-28T22:59:30Z, before this range: "
        "try --from 2026-02-28T00:00:00Z --to 2026-02-28T23:00:00Z"
    )


def test_without_a_service_the_stores_newest_event() -> None:
    assert where_the_events_are(None, None, LATEST, JANUARY, "--to") == (
        "the newest event is at 2026-03-03T23:59:30Z: try --to latest"
    )
    assert where_the_events_are(None, None, LATEST, MARCH, "--to") == (
        "the newest event is at 2026-03-03T23:59:30Z"
    )
