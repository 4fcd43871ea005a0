"""SLO windows (rolling and calendar, across DST), durations and user-given times."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basics.core.clock import iso_utc, parse_time, utc_now
from basics.core.durations import format_duration, parse_duration_s
from basics.core.errors import InputError
from basics.core.windows import MINUTE, Window, calendar_length_s, floor_minute, slo_window

DAY = 86_400
HOUR = 3_600
LONDON = "Europe/London"
NEW_YORK = "America/New_York"


def utc(*args: int) -> dt.datetime:
    """A naive-UTC datetime, the way windows are expressed."""
    return dt.datetime(*args)


# --- rolling windows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "seconds"),
    [("30d", 30 * DAY), ("28d", 28 * DAY), ("7d", 7 * DAY), ("1h", HOUR), ("2w", 14 * DAY)],
)
def test_rolling_window_ends_at_end(spec: str, seconds: int) -> None:
    end = utc(2026, 3, 29, 12, 0)
    window = slo_window(spec, end, LONDON)
    assert window == Window(end - dt.timedelta(seconds=seconds), end)
    assert window.seconds == seconds
    # a rolling window ignores the time zone, DST included
    assert slo_window(spec, end, "UTC") == window
    assert calendar_length_s(spec, end, LONDON) == seconds


def test_floor_minute() -> None:
    assert floor_minute(dt.datetime(2026, 3, 2, 14, 0, 59, 999_999)) == utc(2026, 3, 2, 14, 0)
    assert floor_minute(utc(2026, 3, 2, 14, 0)) == utc(2026, 3, 2, 14, 0)
    assert dt.timedelta(seconds=60) == MINUTE


# --- calendar months and quarters --------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "end", "start"),
    [
        # London: GMT in winter, BST (UTC+1) from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC
        (LONDON, utc(2026, 2, 14, 9, 30), utc(2026, 2, 1, 0, 0)),
        (LONDON, utc(2026, 3, 29, 12, 0), utc(2026, 3, 1, 0, 0)),  # DST day, GMT start
        (LONDON, utc(2026, 4, 15, 12, 0), utc(2026, 3, 31, 23, 0)),  # BST start
        (LONDON, utc(2026, 3, 31, 23, 30), utc(2026, 3, 31, 23, 0)),  # April already, locally
        (LONDON, utc(2026, 10, 31, 12, 0), utc(2026, 9, 30, 23, 0)),  # October, DST ends
        (LONDON, utc(2026, 11, 2, 0, 0), utc(2026, 11, 1, 0, 0)),
        # New York: EST (UTC-5), EDT (UTC-4) from 2026-03-08 to 2026-11-01
        (NEW_YORK, utc(2026, 3, 20, 0, 0), utc(2026, 3, 1, 5, 0)),
        (NEW_YORK, utc(2026, 4, 1, 3, 59), utc(2026, 3, 1, 5, 0)),  # still March locally
        (NEW_YORK, utc(2026, 4, 1, 4, 1), utc(2026, 4, 1, 4, 0)),
        (NEW_YORK, utc(2026, 11, 20, 0, 0), utc(2026, 11, 1, 4, 0)),  # EDT midnight on the 1st
        (NEW_YORK, utc(2026, 12, 1, 5, 1), utc(2026, 12, 1, 5, 0)),
        ("UTC", utc(2026, 2, 28, 23, 59), utc(2026, 2, 1, 0, 0)),
    ],
)
def test_month_starts_at_local_midnight(
    timezone: str, end: dt.datetime, start: dt.datetime
) -> None:
    assert slo_window("month", end, timezone) == Window(start, end)


@pytest.mark.parametrize(
    ("timezone", "end", "start"),
    [
        # exactly at local midnight on the 1st, the month that just ended is reported
        (LONDON, utc(2026, 3, 31, 23, 0), utc(2026, 3, 1, 0, 0)),
        (LONDON, utc(2026, 3, 1, 0, 0), utc(2026, 2, 1, 0, 0)),
        (LONDON, utc(2026, 1, 1, 0, 0), utc(2025, 12, 1, 0, 0)),
        (NEW_YORK, utc(2026, 4, 1, 4, 0), utc(2026, 3, 1, 5, 0)),
        (NEW_YORK, utc(2026, 3, 1, 5, 0), utc(2026, 2, 1, 5, 0)),
        ("UTC", utc(2026, 3, 1, 0, 0), utc(2026, 2, 1, 0, 0)),
    ],
)
def test_month_ending_exactly_at_the_first(
    timezone: str, end: dt.datetime, start: dt.datetime
) -> None:
    window = slo_window("month", end, timezone)
    assert window == Window(start, end)


def test_month_one_minute_after_the_first_is_the_new_month() -> None:
    assert slo_window("month", utc(2026, 3, 31, 23, 1), LONDON) == Window(
        utc(2026, 3, 31, 23, 0), utc(2026, 3, 31, 23, 1)
    )
    # 00:00 UTC on April 1 is 01:00 BST: April has begun an hour before
    assert slo_window("month", utc(2026, 4, 1, 0, 0), LONDON).start == utc(2026, 3, 31, 23, 0)


@pytest.mark.parametrize(
    ("timezone", "end", "start"),
    [
        (LONDON, utc(2026, 2, 10, 0, 0), utc(2026, 1, 1, 0, 0)),
        (LONDON, utc(2026, 3, 31, 22, 59), utc(2026, 1, 1, 0, 0)),
        (LONDON, utc(2026, 3, 31, 23, 0), utc(2026, 1, 1, 0, 0)),  # exactly at Q2's start
        (LONDON, utc(2026, 3, 31, 23, 1), utc(2026, 3, 31, 23, 0)),
        (LONDON, utc(2026, 6, 30, 12, 0), utc(2026, 3, 31, 23, 0)),
        (LONDON, utc(2026, 12, 31, 23, 59), utc(2026, 9, 30, 23, 0)),
        (NEW_YORK, utc(2026, 5, 5, 0, 0), utc(2026, 4, 1, 4, 0)),
        (NEW_YORK, utc(2026, 12, 15, 0, 0), utc(2026, 10, 1, 4, 0)),
        (NEW_YORK, utc(2027, 1, 1, 5, 0), utc(2026, 10, 1, 4, 0)),
        (NEW_YORK, utc(2027, 1, 1, 5, 1), utc(2027, 1, 1, 5, 0)),
    ],
)
def test_quarter_starts_at_local_midnight(
    timezone: str, end: dt.datetime, start: dt.datetime
) -> None:
    assert slo_window("quarter", end, timezone) == Window(start, end)


@pytest.mark.parametrize(
    ("spec", "timezone", "end", "seconds"),
    [
        ("month", "UTC", utc(2026, 2, 14, 0, 0), 28 * DAY),
        ("month", LONDON, utc(2026, 2, 14, 0, 0), 28 * DAY),
        ("month", LONDON, utc(2028, 2, 14, 0, 0), 29 * DAY),  # leap year
        ("month", LONDON, utc(2026, 3, 14, 0, 0), 31 * DAY - HOUR),  # clocks go forward
        ("month", LONDON, utc(2026, 3, 31, 23, 0), 31 * DAY - HOUR),  # ends exactly at April
        ("month", LONDON, utc(2026, 4, 14, 0, 0), 30 * DAY),
        ("month", LONDON, utc(2026, 10, 14, 0, 0), 31 * DAY + HOUR),  # clocks go back
        ("month", LONDON, utc(2026, 12, 14, 0, 0), 31 * DAY),  # December wraps the year
        ("month", NEW_YORK, utc(2026, 3, 14, 0, 0), 31 * DAY - HOUR),
        ("month", NEW_YORK, utc(2026, 11, 14, 0, 0), 30 * DAY + HOUR),
        ("quarter", LONDON, utc(2026, 2, 14, 0, 0), 90 * DAY - HOUR),
        ("quarter", LONDON, utc(2026, 5, 14, 0, 0), 91 * DAY),
        ("quarter", LONDON, utc(2026, 11, 14, 0, 0), 92 * DAY + HOUR),  # Q4 wraps the year
        ("quarter", "UTC", utc(2026, 8, 1, 0, 0), 92 * DAY),
    ],
)
def test_calendar_length_s_is_the_real_length(
    spec: str, timezone: str, end: dt.datetime, seconds: int
) -> None:
    assert calendar_length_s(spec, end, timezone) == seconds


@given(
    moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 12, 31)),
    timezone=st.sampled_from(["UTC", LONDON, NEW_YORK, "Asia/Kolkata", "Australia/Sydney"]),
    spec=st.sampled_from(["month", "quarter"]),
)
def test_calendar_window_contains_its_end_and_is_at_most_one_period(
    moment: dt.datetime, timezone: str, spec: str
) -> None:
    end = floor_minute(moment)
    window = slo_window(spec, end, timezone)
    assert window.end == end
    assert window.start < end
    assert window.seconds <= calendar_length_s(spec, end, timezone)
    assert calendar_length_s(spec, end, timezone) <= (92 * DAY + HOUR)


# --- durations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15s", 15),
        ("5m", 300),
        ("1h", 3600),
        ("30d", 30 * DAY),
        ("2w", 14 * DAY),
        (" 5 m ", 300),
        ("90s", 90),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m", "0s", "0d", "1.5h", "-5m", "5 min", "5M", "1y"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(InputError, match="expected a duration such as 30s, 5m, 1h, 30d or 2w"):
        parse_duration_s(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (15, "15s"),
        (60, "1m"),
        (90, "90s"),
        (300, "5m"),
        (3600, "1h"),
        (5400, "90m"),
        (DAY, "1d"),
        (7 * DAY, "1w"),
        (14 * DAY, "2w"),
        (30 * DAY, "30d"),
    ],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(1, 10**8))
def test_format_then_parse_round_trips(seconds: int) -> None:
    assert parse_duration_s(format_duration(seconds)) == seconds


# --- times on the command line -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("2026-03-02T14:00:05Z", "UTC", dt.datetime(2026, 3, 2, 14, 0, 5)),
        ("2026-03-02T14:00:05z", LONDON, dt.datetime(2026, 3, 2, 14, 0, 5)),
        ("2026-03-02T14:00:05Z", NEW_YORK, dt.datetime(2026, 3, 2, 14, 0, 5)),  # Z wins
        ("2026-03-02T14:00:05+01:00", "UTC", dt.datetime(2026, 3, 2, 13, 0, 5)),
        ("2026-03-02T14:00:05-05:30", LONDON, dt.datetime(2026, 3, 2, 19, 30, 5)),
        ("2026-03-02T14:00:05.250+00:00", "UTC", dt.datetime(2026, 3, 2, 14, 0, 5, 250_000)),
        (" 2026-03-02T14:00:05Z ", "UTC", dt.datetime(2026, 3, 2, 14, 0, 5)),
        # dates and local times are read in the given zone
        ("2026-03-02", "UTC", dt.datetime(2026, 3, 2)),
        ("2026-03-02", LONDON, dt.datetime(2026, 3, 2)),  # GMT
        ("2026-07-02", LONDON, dt.datetime(2026, 7, 1, 23, 0)),  # BST
        ("2026-07-02", NEW_YORK, dt.datetime(2026, 7, 2, 4, 0)),  # EDT
        ("2026-01-02", NEW_YORK, dt.datetime(2026, 1, 2, 5, 0)),  # EST
        ("2026-07-02T09:30", NEW_YORK, dt.datetime(2026, 7, 2, 13, 30)),
        ("2026-07-02 09:30:00", LONDON, dt.datetime(2026, 7, 2, 8, 30)),
        ("2026-03-29T00:30", LONDON, dt.datetime(2026, 3, 29, 0, 30)),  # before the change
        ("2026-03-29T02:30", LONDON, dt.datetime(2026, 3, 29, 1, 30)),  # after it
    ],
)
def test_parse_time(text: str, timezone: str, expected: dt.datetime) -> None:
    result = parse_time(text, timezone)
    assert result == expected
    assert result.tzinfo is None


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01", "14:00", "2026/03/02"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(InputError) as error:
        parse_time(text)
    assert str(error.value) == (
        f'expected a time such as 2026-03-02T14:00:05Z or 2026-03-02, found "{text}"'
    )


def test_iso_utc_and_utc_now() -> None:
    assert iso_utc(None) is None
    assert iso_utc(dt.datetime(2026, 3, 2, 14, 0, 5)) == "2026-03-02T14:00:05Z"
    now = utc_now()
    assert now.tzinfo is None
    assert abs(now - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(seconds=5)


def test_parse_time_reads_utc_words_offsets_and_refuses_the_clocks_gap() -> None:
    berlin = "Europe/Berlin"
    assert parse_time("2026-03-02 14:00:05 utc", berlin) == dt.datetime(2026, 3, 2, 14, 0, 5)
    assert parse_time("2026-03-02T14:00:05Z", berlin) == dt.datetime(2026, 3, 2, 14, 0, 5)
    assert parse_time("2026-03-02 14:00:05 +0100", berlin) == dt.datetime(2026, 3, 2, 13, 0, 5)
    assert parse_time("2026-03-02", berlin) == dt.datetime(2026, 3, 1, 23, 0)
    # Clocks going back repeat 02:00-03:00: a time a person gives there names two instants
    # and is refused (the events ingest, which cannot ask, reads the first and counts it).
    with pytest.raises(InputError, match='"2026-10-25 02:30" happens twice in Europe/Berlin'):
        parse_time("2026-10-25 02:30", berlin)
    with pytest.raises(InputError, match='"2026-03-29 02:00" does not exist in Europe/Berlin'):
        parse_time("2026-03-29 02:00", berlin)
    # A date alone where the clocks go forward at midnight: the day's first instant, 01:00
    # (UTC-3), not refused.
    assert parse_time("2026-09-06", "America/Santiago") == dt.datetime(2026, 9, 6, 4, 0)
