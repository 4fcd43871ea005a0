"""Times and durations as post-mortems write them, to naive UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from basics.postmortems.times import parse_clock, parse_duration, parse_stamp, zone_in

D = dt.datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T14:00:00Z", D(2026, 3, 2, 14, 0)),
        ("2026-03-02T15:00:00+01:00", D(2026, 3, 2, 14, 0)),
        ("2026-03-02 14:05 CET", D(2026, 3, 2, 13, 5)),
        ("2026-07-02 14:05 CEST", D(2026, 7, 2, 12, 5)),
        ("2026-03-02 2:05 PM PST", D(2026, 3, 2, 22, 5)),
        ("2026-07-02 2:05 pm PDT", D(2026, 7, 2, 21, 5)),
        ("2026-07-02 14:05 Europe/Berlin", D(2026, 7, 2, 12, 5)),  # summer time, by the name
        ("2026-03-02 14:05", D(2026, 3, 2, 14, 5)),  # no zone: the configured one (UTC here)
        ("2026-03-02", D(2026, 3, 2)),
    ],
)
def test_stamps(text: str, expected: dt.datetime) -> None:
    assert parse_stamp(text, None, "UTC") == expected


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("March 2, 2026 11:40 PM (EST)", zone_in("(EST)"), D(2026, 3, 3, 4, 40)),  # Notion's
        ("March 3, 2026 1:15 AM", None, D(2026, 3, 3, 1, 15)),
        ("17 Feb 2026 14:03 UTC", None, D(2026, 2, 17, 14, 3)),  # incident.io's
        ("2nd March 2026 at 9:05 CET", None, D(2026, 3, 2, 8, 5)),
        ("Mar 2, 2026", None, D(2026, 3, 2)),  # a date alone is midnight, as 2026-03-02 is
        ("03/02/2026 23:50", None, None),  # March 2 or February 3: not guessed
        ("March 2, 2026, after the deploy", None, None),
        ("June 31, 2026 10:00", None, None),
        ("deployed on March 2, 2026 11:40 PM", None, None),  # a date in words starts it
    ],
)
def test_stamps_with_the_date_in_words(
    text: str, zone: dt.tzinfo | None, expected: dt.datetime | None
) -> None:
    assert parse_stamp(text, zone, "UTC") == expected


def test_a_stamp_without_zone_is_read_in_the_configured_zone() -> None:
    assert parse_stamp("2026-03-29 03:30", None, "Europe/Berlin") == D(2026, 3, 29, 1, 30)


def test_clock_times_take_the_day_and_zone_of_their_context() -> None:
    day = dt.date(2015, 10, 21)
    assert parse_clock("14:51 News reports", day, zone_in("(all times UTC)"), "Asia/Tokyo") == D(
        2015, 10, 21, 14, 51
    )
    assert parse_clock("09:12 CET — db down", day, None, "UTC") == D(2015, 10, 21, 8, 12)
    assert parse_clock("09:12 — db down", day, zone_in("Time (PST)"), "UTC") == D(
        2015, 10, 21, 17, 12
    )
    assert parse_clock("12:00 AM start", day, None, "UTC") == D(2015, 10, 21, 0, 0)
    assert parse_clock("no time here", day, None, "UTC") is None
    assert parse_clock("14:51 but no day", None, None, "UTC") is None
    assert parse_clock("25:99 nonsense", day, None, "UTC") is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("148 minutes", 148), ("1 hour 20 minutes", 80), ("2h 5m", 125), ("1.5 hours", 90),
     ("45 min", 45), ("00:45", 45), ("2 days", 2880), ("90s", 1.5)],
)  # fmt: skip
def test_durations(text: str, minutes: float) -> None:
    took = parse_duration(text)
    assert took is not None and took.total_seconds() == minutes * 60


def test_no_duration() -> None:
    assert parse_duration("unknown") is None and parse_duration("") is None


def test_an_offset_named_after_utc_or_gmt_and_nothing_else() -> None:
    """`UTC+1` in a timeline's heading is that offset (it was read as UTC); a bare `+02:00`
    in a line may be a time since the start, and no offset is beyond 14 hours."""
    from basics.postmortems import parse

    assert zone_in("Timeline (all times GMT+1)") == dt.timezone(dt.timedelta(hours=1))
    assert zone_in("Time (UTC-05:30)") == dt.timezone(-dt.timedelta(hours=5, minutes=30))
    assert zone_in("- 2026-03-03 (+24:00 since start)") is None
    assert zone_in("Day 2 (+02:00 since start)") is None
    text = "# Outage\n\n## Timeline\n\n- 2026-03-03 (+24:00 since start)\n- 09:00 restored\n"
    found = parse.parse(text, "outage.md", "UTC")
    assert [(e.at, e.text) for e in found.timeline] == [(dt.datetime(2026, 3, 3, 9, 0), "restored")]
