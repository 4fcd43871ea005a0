"""Judging firings against incidents, and ranking tuning candidates: pure, no store, no clock."""

from __future__ import annotations

import datetime as dt

from basics.alerting.models import DetectionDelays, Firing, Incident, Replay, TuningRow
from basics.core.ranks import nearest_rank

WEEK_S = 7 * 86400
MONTH_DAYS = 30
"""A month as SLO windows count it (30d), in days: false firings are rated per this."""
RATED_DAYS = 7
"""Under a week of events, false firings are counted, not rated per month: two false pages
in two hours are not 700 a month."""

# The grid `alerts tune` searches: (long, short) windows, short = long / 12 as in the Workbook.
TUNE_WINDOWS: tuple[tuple[int, int | None], ...] = (
    (600, None),
    (1800, None),
    (3600, None),
    (3600, 300),
    (6 * 3600, 1800),
    (24 * 3600, 2 * 3600),
    (3 * 86400, 6 * 3600),
)
TUNE_FACTORS: tuple[str, ...] = ("1", "1.5", "2", "3", "4", "6", "8", "10", "14.4", "20", "36")


def matching(incidents: list[Incident], start: dt.datetime, grace: dt.timedelta) -> Incident | None:
    """The first incident a firing starting at `start` caught: it started during the
    incident, with the grace either side. A firing already on well before the incident
    (background noise hours earlier, still not reset) did not catch it: it paged for
    something else, and the incident paged nobody anew."""
    for incident in incidents:
        if catches(start, incident, grace):
            return incident
    return None


def catches(start: dt.datetime, incident: Incident, grace: dt.timedelta) -> bool:
    """Whether a firing starting at `start` caught `incident`: it started within the
    incident, widened by the grace either side."""
    return incident.start - grace <= start < incident.end + grace


def judge(
    name: str,
    policy: str,
    start: dt.datetime,
    end: dt.datetime,
    firings: list[Firing],
    incidents: list[Incident],
    grace: dt.timedelta,
    event_days: float,
) -> Replay:
    """Precision, recall, detection delays and firings per week of a replay's firings.

    Firings are rated a week over `event_days`, the part of the range with events (as
    `alerts tune` and the scorecard rate false firings): over none, there is no rate, and
    no count of false firings either unless a firing held through it is there to count.
    """
    counted = [f for f in firings if not f.suppressed]
    matched = [f for f in counted if f.incident is not None]
    delays: dict[int, float | None] = {}
    for incident in incidents:
        # An incident counts as detected by any firing that started within it (with the
        # grace), even one that matched an earlier overlapping incident first.
        starts = [
            f.start
            for f in counted
            if f.incident == incident.id or catches(f.start, incident, grace)
        ]
        # A firing before the recorded start (within the grace) detected it at once: delay 0.
        delays[incident.id] = (
            max((min(starts) - incident.start).total_seconds(), 0.0) if starts else None
        )
    detected = [d for d in delays.values() if d is not None]
    weeks = event_days * 86400 / WEEK_S
    return Replay(
        slo=name,
        policy=policy,
        start=start,
        end=end,
        firings=firings,
        incidents=incidents,
        precision=len(matched) / len(counted) if counted else None,
        recall=len(detected) / len(incidents) if incidents else None,
        detection_delay_s=DetectionDelays(
            nearest_rank(detected, 0.5), nearest_rank(detected, 0.9), delays
        ),
        firings_per_week=len(counted) / weeks if weeks else None,
        false_firings=len(counted) - len(matched) if weeks or counted else None,
        event_days=event_days,
    )


def tuning_rank(row: TuningRow) -> tuple[float, int, float, float]:
    """Sort key: highest recall, then fewest false firings, shortest delay, highest factor."""
    recall = -1.0 if row.recall is None else row.recall
    delay = row.delay_median_s if row.delay_median_s is not None else float("inf")
    return (-recall, row.false_firings, delay, -row.factor)


def false_per_month(false_firings: int, days: float) -> float | None:
    """False firings a month over `days` of events; None under a week (`RATED_DAYS`)."""
    return false_firings / (days / MONTH_DAYS) if days >= RATED_DAYS else None


def within_allowance(false_firings: int, days: float, per_month: float) -> bool:
    """Whether the false firings over `days` of events keep to `per_month`: rated a month
    from a week of events on; under a week, their count may not exceed one month's."""
    rate = false_per_month(false_firings, days)
    return (false_firings if rate is None else rate) <= per_month
