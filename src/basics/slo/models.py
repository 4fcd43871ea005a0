"""Records the SLO domain reports: status, breakdowns, cost, history, percentiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from basics.core.words import plural

Status = Literal["ok", "burning", "exhausted", "no_data"]


@dataclass(frozen=True)
class Counts:
    """Good and total events (or slices) over some range."""

    total: int
    good: int

    JSON_EXTRA: ClassVar[tuple[str, ...]] = ("bad",)

    @property
    def bad(self) -> int:
        """Events that were valid but not good."""
        return self.total - self.good


@dataclass(frozen=True)
class BudgetFigures:
    """An error budget over a window: allowed bad events, share consumed and remaining."""

    total: Decimal
    consumed: float | None
    remaining: float | None
    exhausted: bool


@dataclass(frozen=True)
class Latest:
    """What `latest` resolved to: the newest event trusted, and where it came from.

    Events dated further ahead of their ingest than `ingest.ahead_warning` are flagged when
    ingested and never chosen: one clock error must not move every report's window.
    """

    event_at: dt.datetime
    batch_id: int | None
    path: str | None
    ignored_ahead: int

    @property
    def end(self) -> dt.datetime:
        """The window end `latest` stands for: the minute after the newest event."""
        return self.event_at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)

    def describe(self) -> str:
        """One line naming the event used."""
        where = f", batch {self.batch_id}" if self.batch_id is not None else ""
        where += f" ({self.path})" if self.path else ""
        text = f"latest: the newest event, at {_iso(self.event_at)}{where}"
        if self.ignored_ahead:
            one = self.ignored_ahead == 1
            text += (
                f"; {plural(self.ignored_ahead, 'event')} dated further ahead of "
                f"{'its' if one else 'their'} ingest {'was' if one else 'were'} ignored "
                "(see basics batches list)"
            )
        return text


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat() + "Z"


@dataclass(frozen=True)
class SLOStatus:
    """Where one SLO stands at a moment."""

    slo: str
    service: str
    objective: Decimal
    window: str
    budgeting: str
    window_start: dt.datetime
    window_end: dt.datetime
    counts: Counts
    sli: float | None
    budget: BudgetFigures
    burn_rates: dict[str, float | None]
    time_to_exhaustion_s: float | None
    status: Status
    note: str | None = None


@dataclass(frozen=True)
class Contributor:
    """One value of a dimension and its part in the bad events."""

    value: str | None
    bad: int
    total: int
    share_of_bad: float | None
    share_of_all: float | None
    over_representation: float | None


@dataclass(frozen=True)
class Breakdown:
    """The top contributors to bad events along one dimension."""

    slo: str
    dimension: str
    start: dt.datetime
    end: dt.datetime
    bad: int
    total: int
    distinct_values: int
    contributors: list[Contributor]
    score: float | None = None


@dataclass(frozen=True)
class Cost:
    """What an interval cost, as a share of the SLO window's budget."""

    slo: str
    start: dt.datetime
    end: dt.datetime
    counts: Counts
    window_start: dt.datetime
    window_end: dt.datetime
    budget_total: Decimal
    share_of_budget: float | None

    JSON_EXTRA: ClassVar[tuple[str, ...]] = ("total", "good", "bad", "budget_events")

    @property
    def total(self) -> int:
        """Valid events in the interval."""
        return self.counts.total

    @property
    def good(self) -> int:
        """Good events in the interval."""
        return self.counts.good

    @property
    def bad(self) -> int:
        """Bad events in the interval: what it cost."""
        return self.counts.bad

    @property
    def budget_events(self) -> Decimal:
        """Bad events the window's budget allows (`budget_total`, named as a count)."""
        return self.budget_total


@dataclass(frozen=True)
class Period:
    """Compliance over one day, week or month: [start, end) in UTC, clipped to the range
    asked for (`partial` when the range cuts it short, at either end)."""

    start: dt.datetime
    label: str
    counts: Counts
    sli: float | None
    met: bool | None
    budget_consumed: float | None
    end: dt.datetime | None = None
    partial: bool = False


@dataclass(frozen=True)
class LatencyPercentiles:
    """Duration percentiles of one group of events."""

    group: str | None
    count: int
    percentiles_ms: dict[str, float | None]


@dataclass(frozen=True)
class PercentileReport:
    """Percentiles per group, and how they were computed."""

    service: str
    by: str
    start: dt.datetime
    end: dt.datetime
    method: Literal["exact", "sketch"]
    relative_error: float
    groups: list[LatencyPercentiles] = field(default_factory=list)


@dataclass(frozen=True)
class Series:
    """An SLO's events (or slices) per step over a range, every step listed, with the figures
    a chart draws: SLI, burn rate, and the budget of the window ending at `end` left after
    each step.

    `starts[i]` begins step i; the last step may be cut short by `end`. A step without
    events has total 0 and None for its SLI and burn rate (no data, never 100 %).
    """

    slo: str
    objective: Decimal
    budgeting: str
    start: dt.datetime
    end: dt.datetime
    step_s: int
    window_start: dt.datetime
    window_end: dt.datetime
    budget_total: Decimal
    starts: list[dt.datetime]
    total: list[int]
    good: list[int]
    bad: list[int]
    sli: list[float | None]
    burn_rate: list[float | None]
    budget_remaining: list[float | None]
