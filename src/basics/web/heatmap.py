"""Interruptions by hour and weekday, in each responder's own time zone. Pure."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Collection, Iterable

from basics.oncall.models import Page

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hour_by_weekday(
    pages: Iterable[Page],
    zone_of: Callable[[str | None], str],
    people: Collection[str] | None = None,
) -> list[list[int]]:
    """Pages per [weekday][hour] of their creation in their responder's zone (a page with
    no responder in the default zone); only `people`'s pages when given."""
    grid = [[0] * 24 for _ in WEEKDAYS]
    zones: dict[str | None, zoneinfo.ZoneInfo] = {}
    for page in pages:
        if people is not None and page.responder not in people:
            continue
        zone = zones.get(page.responder)
        if zone is None:
            zone = zones[page.responder] = zoneinfo.ZoneInfo(zone_of(page.responder))
        moment = page.created_at.replace(tzinfo=dt.UTC).astimezone(zone)
        grid[moment.weekday()][moment.hour] += 1
    return grid
