"""SLO windows: rolling (`30d`) or calendar (`month`, `quarter` in the team's time zone)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from basics.core.durations import parse_duration_s

MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Window:
    """A half-open range of whole minutes [start, end), naive UTC."""

    start: dt.datetime
    end: dt.datetime

    @property
    def seconds(self) -> int:
        """Length in seconds."""
        return int((self.end - self.start).total_seconds())


def floor_minute(moment: dt.datetime) -> dt.datetime:
    """A naive-UTC time floored to its minute."""
    return moment.replace(second=0, microsecond=0)


def slo_window(spec: str, end: dt.datetime, timezone: str) -> Window:
    """The window of an SLO that ends at `end` (naive UTC, whole minute)."""
    if spec in ("month", "quarter"):
        zone = zoneinfo.ZoneInfo(timezone)
        local = end.replace(tzinfo=dt.UTC).astimezone(zone)
        if local == local.replace(day=1, hour=0, minute=0, second=0, microsecond=0):
            # At exactly midnight on the 1st the current period is the one that just ended.
            local -= dt.timedelta(microseconds=1)
        month = local.month if spec == "month" else 3 * ((local.month - 1) // 3) + 1
        start_local = dt.datetime(local.year, month, 1, tzinfo=zone)
        start = start_local.astimezone(dt.UTC).replace(tzinfo=None)
        return Window(start, end)
    return Window(end - dt.timedelta(seconds=parse_duration_s(spec)), end)


def calendar_length_s(spec: str, end: dt.datetime, timezone: str) -> int:
    """The full length of the window in seconds (a calendar month has its real length)."""
    if spec not in ("month", "quarter"):
        return parse_duration_s(spec)
    window = slo_window(spec, end, timezone)
    zone = zoneinfo.ZoneInfo(timezone)
    start_local = window.start.replace(tzinfo=dt.UTC).astimezone(zone)
    months = 1 if spec == "month" else 3
    year, month = divmod(start_local.month - 1 + months, 12)
    next_local = dt.datetime(start_local.year + year, month + 1, 1, tzinfo=zone)
    # Aware datetimes of one zone subtract as wall-clock times: compare in UTC instead.
    return int((next_local.astimezone(dt.UTC) - start_local.astimezone(dt.UTC)).total_seconds())
