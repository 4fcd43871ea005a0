"""The weekly review: what changed in each basic over an ISO week, and what to fix next,
ranked on one cost scale (engineer-hours) with the evidence for each item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["budget", "night_pages", "pages", "toil", "theme", "overdue", "scorecard"]


@dataclass(frozen=True)
class SLOWeek:
    """An SLO's week: its events, and the share of its window's error budget they burned."""

    slo: str
    total: int
    bad: int
    budget_burned: float | None
    previous_budget_burned: float | None


@dataclass(frozen=True)
class PersonWeek:
    """A person's pages in the week, and how many fell in their sleep hours."""

    person: str
    pages: int
    night_pages: int


@dataclass(frozen=True)
class AlertWeek:
    """An alert's pages in the week: how many, at night, and judged not actionable."""

    alert: str
    pages: int
    night_pages: int
    not_actionable: int
    likely_noise: bool


@dataclass(frozen=True)
class Candidate:
    """One thing to fix, with the cost that ranks it (engineer-hours on the review's scale),
    how that cost is made (`formula`, the measured figure times its weight), and where the
    evidence is (a command that shows it)."""

    kind: Kind
    title: str
    service: str | None
    measured: float
    unit: str
    weight: float
    cost_hours: float
    formula: str
    evidence: str
    slo: str | None = None  # a budget item's SLO


@dataclass(frozen=True)
class Coverage:
    """The span of time the store knows pages or deploys of, naive UTC.

    From the oldest record to the latest an import told of (`ReviewService._coverage`)."""

    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class Changes:
    """What changed in each basic over the week (and the week before, to compare)."""

    slos: list[SLOWeek] = field(default_factory=list)
    pages_imported: bool = True  # False: no page stored at all, so 0 pages is no data
    pages_coverage: Coverage | None = None  # None: no page stored
    pages: int | None = 0  # None: the week is outside `pages_coverage`, no data (not 0)
    previous_pages: int | None = 0
    night_pages: int | None = 0
    people: list[PersonWeek] = field(default_factory=list)
    noisy_alerts: list[AlertWeek] = field(default_factory=list)
    toil_hours: float | None = None  # None: no entries that week, no data (not zero toil)
    previous_toil_hours: float | None = None
    toil_categories: dict[str, float] = field(default_factory=dict)
    deploys_recorded: bool = True  # False: no deploy stored at all, so 0 deploys is no data
    deploys_coverage: Coverage | None = None  # None: no deploy stored
    deploys: int | None = 0  # None: the week is outside `deploys_coverage`, no data (not 0)
    previous_deploys: int | None = 0
    change_failure_rate: float | None = None
    failed_deploys: int | None = 0
    new_postmortems: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # those that recurred this week
    postmortems_written: bool = True  # False: none in the folder, so 0 items is no data
    actions_opened: int = 0
    actions_closed: int = 0
    actions_overdue: int = 0
    failing_services: list[str] = field(default_factory=list)
    previous_failing_services: list[str] | None = None  # None: no scorecard kept that week
    previous_no_data_services: list[str] = field(default_factory=list)  # none kept for these


@dataclass(frozen=True)
class Review:
    """The week's review: the changes, then what to fix next (highest cost first)."""

    week: str
    start: dt.datetime  # naive UTC: the Monday 00:00 that begins it, in the time zone below
    end: dt.datetime  # naive UTC, exclusive: the next Monday 00:00
    first_day: dt.date  # the local Monday
    last_day: dt.date  # the local Sunday
    timezone: str
    changes: Changes
    fix_next: list[Candidate]
    weights: dict[str, float]
