"""Figures of the on-call reports: load per shift, durations, noisy alerts, concentration.

Counts are kept next to every share so a reader (and a test) can check the arithmetic; a
share is None when its denominator is zero, never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

# PagerDuty's interruption classes, in the responder's own time zone.
TimeClass = Literal["business", "off", "sleep"]
TIME_CLASSES: tuple[TimeClass, ...] = ("business", "off", "sleep")


@dataclass(frozen=True)
class ShiftLoad:
    """One shift's pages and incidents against the SRE book's two incidents per 12 hours."""

    person: str
    rotation: str
    start: dt.datetime
    end: dt.datetime
    pages: int
    incidents: int
    hours: Fraction
    limit: Fraction
    over_limit: bool


@dataclass(frozen=True)
class Bucket:
    """Durations in (previous edge, upper_s]; upper_s None is the open last bucket."""

    label: str
    upper_s: int | None
    count: int


@dataclass(frozen=True)
class DurationStats:
    """Count, nearest-rank median and p90 in seconds (None when empty), and a histogram."""

    count: int
    median: float | None
    p90: float | None
    histogram: list[Bucket]


@dataclass(frozen=True)
class AlertNoise:
    """How one alert pages: volume, outcome, night share, auto-resolution, time to resolve."""

    alert: str
    count: int
    classified: int
    not_actionable: int
    not_actionable_share: float | None
    night: int
    night_share: float
    auto_resolved: int
    auto_resolved_share: float | None
    likely_noise: bool
    median_resolve_s: float | None


@dataclass(frozen=True)
class PersonLoad:
    """One person's pages and night (sleep-hours) pages, with their shares of the team's."""

    person: str
    pages: int
    share: float | None
    night_pages: int
    night_share: float | None


@dataclass(frozen=True)
class Concentration:
    """How unevenly pages fall on people: per person, the top responder, a Gini index."""

    people: list[PersonLoad]
    pages: int
    night_pages: int
    unassigned: int
    top: str | None
    top_share: float | None
    gini: float | None
    flagged: bool


@dataclass(frozen=True)
class Interruptions:
    """Pages per time class, overall and per person (unassigned pages only overall)."""

    by_class: dict[TimeClass, int]
    by_person: dict[str, dict[TimeClass, int]]
    unassigned: int


@dataclass(frozen=True)
class WeekFigures:
    """The on-call figures of one ISO week [start, end), Monday 00:00 UTC to Monday."""

    week: str
    start: dt.datetime
    end: dt.datetime
    pages: int
    incidents: int
    shifts: list[ShiftLoad]
    over_limit_shifts: int
    time_to_acknowledge: DurationStats
    time_to_resolve: DurationStats
    alerts: list[AlertNoise]
    concentration: Concentration
    interruptions: Interruptions


@dataclass(frozen=True)
class OncallReport:
    """The on-call burden over a range, for a team, a person or everyone."""

    start: dt.datetime
    end: dt.datetime
    team: str | None
    person: str | None
    pages: int
    incidents: int
    shifts: list[ShiftLoad]
    over_limit_shifts: int
    pages_off_shift: int
    """Pages counted for none of `shifts` (each page counts for one shift at most): no
    shift of their responder covers them, or (with a team) theirs is another team's
    rotation. The shifts' pages and these add up to `pages`."""
    interruptions: Interruptions
    time_to_acknowledge: DurationStats
    time_to_resolve: DurationStats
    alerts: list[AlertNoise]
    concentration: Concentration
    weeks: list[WeekFigures]
