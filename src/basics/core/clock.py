"""Times given on the command line or in the API: ISO 8601, dates, `now`, `latest`."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from basics.core.errors import InputError

_UTC_WORD = re.compile(r"\s*(?:Z|UTC)$", re.IGNORECASE)
_SPACE_BEFORE_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")


def utc_now() -> dt.datetime:
    """The current time, naive UTC (the one place Basics reads the clock)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse_day(text: str | None, name: str) -> dt.date | None:
    """A day written YYYY-MM-DD (None for none); an InputError naming the option or
    parameter (`name`) otherwise."""
    from basics.core.errors import InputError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f'{name}: expected YYYY-MM-DD, found "{text}"') from None


def end_word(text: str | None, default: str) -> str:
    """A report's end as given: `now` and `latest` in any case, `default` (the config's
    `reports.end`) when none is given, else the time as written; an empty one stays empty,
    refused as a time rather than taken for the default."""
    if text is None:
        return default
    word = text.strip()
    return word.lower() if word.lower() in ("now", "latest") else word


def parse_time(text: str, timezone: str = "UTC") -> dt.datetime:
    """A user-given time as naive UTC: ISO 8601, with `Z`, an offset or ` UTC` after it
    (a space for the T); one without an offset is read in `timezone`, and a time of day
    the clocks skipped there (spring forward), which names no instant, or went through
    twice (fall back), which names two, is refused (a date alone is its first instant)."""
    value = _SPACE_BEFORE_OFFSET.sub("", _UTC_WORD.sub("+00:00", text.strip()))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f'expected a time such as 2026-03-02T14:00:05Z or 2026-03-02, found "{text}"'
        ) from None
    if moment.tzinfo is None:
        zone = zoneinfo.ZoneInfo(timezone)
        local = moment.replace(tzinfo=zone)
        # A date alone is its day's first instant, which in zones whose clocks go forward
        # at midnight (Santiago, Havana, Beirut) is 01:00: read as such, not refused.
        skipped = local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment
        if skipped and len(value) > 10:
            raise InputError(
                f'the local time "{text.strip()}" does not exist in {timezone}: the clocks '
                "went forward over it (write the time with its UTC offset)"
            )
        first, second = (local.replace(fold=fold).astimezone(dt.UTC) for fold in (0, 1))
        if first != second and not skipped and len(value) > 10:
            # Fall back: two instants; which one was meant is not ours to guess.
            shape = "%H:%M:%S" if moment.second or moment.microsecond else "%H:%M"
            raise InputError(
                f'the local time "{text.strip()}" happens twice in {timezone}: the clocks went '
                f"back over it ({first:{shape}}Z, then {second:{shape}}Z); write the time "
                "with its UTC offset"
            )
        moment = local
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def iso_utc(moment: dt.datetime | None) -> str | None:
    """Naive UTC as ISO 8601 with Z."""
    if moment is None:
        return None
    return moment.replace(tzinfo=None).isoformat() + "Z"


def monday(day: dt.date) -> dt.date:
    """The Monday of the ISO week a day falls in: where every weekly report's week starts."""
    return day - dt.timedelta(days=day.weekday())


def iso_week(day: dt.date) -> str:
    """The ISO week a day (or a moment) falls in, as `2026-W09`: every weekly report's label."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
