"""Figures of the toil report: hours against capacity per week, the trend, top sources,
automation candidates and on-call time.

Units are in the names: `hours`, `hours_per_week`; `share` is hours / capacity hours, a
ratio (0.5 is the SRE book's cap; above 1 is more toil than capacity); `share_of_toil` is a
part's hours / all toil hours, in [0, 1]. A share is None when nothing was logged (no
entries), never 0: a week nobody logged is unknown, not free of toil.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Load:
    """Toil hours of a person, a team or the whole scope against its capacity."""

    name: str
    hours: float
    entries: int
    capacity_hours: float
    share: float | None
    over_cap: bool | None
    """Above the cap's share of capacity; None with `share` (no entries, no capacity): no
    data says nothing of the cap either way."""


@dataclass(frozen=True)
class Part:
    """Toil hours of one category or one service (None: entries that name no service)."""

    name: str | None
    hours: float
    entries: int
    share_of_toil: float | None
    derived: bool


@dataclass(frozen=True)
class ToilWeek:
    """One ISO week, Monday to Monday in the report's time zone (`start`, `end` in UTC)."""

    week: str
    start: dt.datetime
    end: dt.datetime
    complete: bool
    total: Load
    change_hours: float | None
    oncall_hours: float
    people: list[Load]
    teams: list[Load]
    services: list[Part]
    categories: list[Part]


@dataclass(frozen=True)
class Trend:
    """Week over week, and the mean hours a week of the first half of the complete weeks
    with entries against the second half (the middle week of an odd count in neither)."""

    weeks: int
    first_half_hours_per_week: float | None
    second_half_hours_per_week: float | None
    first_half_share: float | None
    second_half_share: float | None
    change_ratio: float | None
    direction: Literal["rising", "falling", "flat", "no_data"]
    last_change_hours: float | None


@dataclass(frozen=True)
class Source:
    """Where toil comes from: entries of one category, service and description."""

    category: str
    service: str | None
    description: str | None
    hours: float
    entries: int
    people: int
    share_of_toil: float


@dataclass(frozen=True)
class Candidate:
    """Automatable toil of one category, service and description, ranked by the hours a
    week automating it would give back (hours in the range / the range's weeks with
    entries: a week nobody logged is no data)."""

    category: str
    service: str | None
    description: str | None
    hours: float
    hours_per_week: float
    entries: int
    people: list[str]
    tickets: list[str]


@dataclass(frozen=True)
class OncallLoad:
    """One person's on-call time derived from pages: engaged hours, the part in sleep hours
    (22:00–08:00 their time) and the nights it touched."""

    person: str
    pages: int
    engaged_hours: float
    night_hours: float
    nights: int


@dataclass(frozen=True)
class ToilReport:
    """Toil of a scope (everyone, a team or a person) over whole ISO weeks."""

    start: dt.datetime
    end: dt.datetime
    timezone: str
    team: str | None
    person: str | None
    service: str | None
    cap_percent: float
    cap: float
    capacity_hours_per_week: float
    entries: int
    weeks_with_entries: int
    weeks: list[ToilWeek]
    over_cap_weeks: int
    total: Load
    people: list[Load]
    teams: list[Load]
    services: list[Part]
    categories: list[Part]
    trend: Trend
    sources: list[Source]
    candidates: list[Candidate]
    oncall: list[OncallLoad]
    oncall_unassigned_pages: int
    oncall_derived: bool
    note: str | None
