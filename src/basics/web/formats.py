"""How the pages write numbers and times: times in the configured zone (UTC on hover),
shares as percentages, counts with separators. Pure: no I/O, no clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from markupsafe import Markup

from basics.core.clock import iso_utc
from basics.core.rounding import fixed, rounded
from basics.core.rounding import percent as rounding_percent
from basics.core.rounding import signed as rounding_signed


def local(moment: dt.datetime, zone: str) -> dt.datetime:
    """A naive UTC moment in `zone`."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone))


def when(moment: dt.datetime | None, zone: str, seconds: bool = False) -> Markup:
    """`<time>` with the local time shown (to the minute, or the second), its UTC instant
    in `datetime` and on hover."""
    if moment is None:
        return Markup("—")
    shown = local(moment, zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    utc = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso_utc(moment), utc, shown)


def local_text(moment: dt.datetime, zone: str) -> str:
    """A moment as text in `zone`, its zone's abbreviation after it, and the UTC instant
    (for a tooltip, where no `<time>` can be hovered): `2026-12-05 11:00 CET (10:00 UTC)`."""
    there = local(moment, zone)
    utc = moment.strftime("%H:%M UTC" if there.date() == moment.date() else "%Y-%m-%d %H:%M UTC")
    if there.utcoffset() == dt.timedelta(0):
        return there.strftime("%Y-%m-%d %H:%M ") + zone_name(there)
    return f"{there.strftime('%Y-%m-%d %H:%M')} {zone_name(there)} ({utc})"


def zone_name(there: dt.datetime) -> str:
    """A local time's zone as its abbreviation (CET), or its offset where the zone has none."""
    name = there.tzname() or ""
    return name if name[:1].isalpha() else there.strftime("UTC%z")


def percent(value: float | Decimal | None, digits: int = 1) -> str:
    """A ratio as a percentage (`—` for none: no data is never shown as a number)."""
    return "—" if value is None else rounding_percent(value, digits)  # as the CLI rounds


def sli(value: float | None) -> str:
    """An SLI with the digits an objective like 99.95 % needs."""
    return percent(value, 3)


def number(value: float | int | Decimal | None, digits: int = 0) -> str:
    """A count or figure with thousands separators."""
    if value is None:
        return "—"
    found = rounded(value, digits)  # a half up, as the CLI rounds (`core.rounding`)
    return f"{float(value):,.{digits}f}" if found is None else f"{found:,.{digits}f}"


def rate(value: float | None) -> str:
    """A burn rate, two decimals."""
    return "—" if value is None else fixed(value, 2)


def duration(seconds: float | None) -> str:
    """Seconds as `45s`, `12m`, `3h 5m` or `2d 4h`."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        hours, minutes = divmod(s // 60, 60)
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(s // 3600, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def hours(value: float | None, digits: int = 1) -> str:
    """Hours with one decimal (`—` for none), a half up."""
    return number(value, digits)


def signed(value: float | None, digits: int = 1, scale: int = 0) -> str:
    """A change with its sign (+1.3), a half up (`—` for none)."""
    return "—" if value is None else rounding_signed(value, digits, scale)
