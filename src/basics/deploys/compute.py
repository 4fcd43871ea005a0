"""DORA's four keys and rework, from counts and durations the store has gathered: pure
functions (no I/O, no clock, no SQL).

The rules, in one place (docs/deploys.md says them to users):
- a deploy *reached production* unless its status is `failed`; frequency counts those;
- a deploy *failed* when its status is `failed` or `rolled-back`, or an incident is linked to
  it; change failure rate = failed deploys / deploys, each deploy counted once however many
  incidents name it, so it is never above 100 %;
- lead time of a change = its first deploy that reached production − its commit time (the
  committer date: when it landed, whether by merge, squash or rebase);
- quantiles are nearest-rank (DuckDB's quantile_disc), as everywhere in Basics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from basics.deploys.bands import DAY_S, WEEK_S, Bands, bands


@dataclass(frozen=True)
class Spread:
    """Durations in seconds: nearest-rank median and p90, and how many (never a lone mean)."""

    median: float | None
    p90: float | None
    n: int


@dataclass(frozen=True)
class Share:
    """A count over a count, and their ratio (None when there is nothing to divide by)."""

    count: int
    deploys: int
    ratio: float | None


@dataclass(frozen=True)
class ServiceCounts:
    """What the store counted for one service (or `all`) over a range."""

    service: str
    deploys: int
    reached: int  # deploys that reached production (status other than failed)
    deploy_days: int  # distinct days (in the report's time zone) with such a deploy
    failed: int
    rolled_back: int
    incident_linked: int
    failing: int  # deploys that failed by any of the three counts, each once
    rework: int
    lead_time: Spread
    lead_time_skipped: int  # changes committed after their deploy (clock skew): left out
    recovery: Spread
    unrecovered: int


@dataclass(frozen=True)
class Dora:
    """DORA for one service (or `all`) over [start, end)."""

    service: str
    deploys: int
    per_day: float | None
    per_week: float | None
    deploy_days_per_week: float | None
    lead_time_s: Spread
    lead_time_skipped: int
    change_failure_rate: Share
    failed: int
    rolled_back: int
    incident_linked: int
    recovery_time_s: Spread
    unrecovered: int
    rework_rate: Share
    bands: Bands


def share(count: int, deploys: int) -> Share:
    """`count` of `deploys`, as a ratio when there are deploys."""
    return Share(count, deploys, count / deploys if deploys else None)


def dora(counts: ServiceCounts, start: dt.datetime, end: dt.datetime) -> Dora:
    """The DORA figures of one service's counts over [start, end)."""
    span_s = (end - start).total_seconds()
    if span_s <= 0:
        raise ValueError("a DORA range must end after it starts")
    days = span_s / DAY_S
    weeks = span_s / WEEK_S
    has_data = counts.deploys > 0
    per_day = counts.reached / days if has_data else None
    cfr = share(counts.failing, counts.deploys)
    return Dora(
        service=counts.service,
        deploys=counts.deploys,
        per_day=per_day,
        per_week=counts.reached / weeks if has_data else None,
        deploy_days_per_week=counts.deploy_days / weeks if has_data else None,
        lead_time_s=counts.lead_time,
        lead_time_skipped=counts.lead_time_skipped,
        change_failure_rate=cfr,
        failed=counts.failed,
        rolled_back=counts.rolled_back,
        incident_linked=counts.incident_linked,
        recovery_time_s=counts.recovery,
        unrecovered=counts.unrecovered,
        rework_rate=share(counts.rework, counts.deploys),
        bands=bands(per_day, counts.lead_time.median, cfr.ratio, counts.recovery.median),
    )
