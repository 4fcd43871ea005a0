"""Records of the alerting domain: resolved tiers, firings, incidents and replays."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Severity = Literal["page", "ticket"]


@dataclass(frozen=True)
class Tier:
    """A policy tier resolved for one SLO: windows in seconds and an exact factor."""

    long_s: int
    short_s: int | None
    factor: Fraction
    severity: Severity

    @property
    def name(self) -> str:
        """`1h/5m`, or `1h` for a single-window tier."""
        from basics.core.durations import format_duration

        long = format_duration(self.long_s)
        return long if self.short_s is None else f"{long}/{format_duration(self.short_s)}"


@dataclass(frozen=True)
class Span:
    """A run of minutes in which a tier's condition held: [start, reset) as minute indices."""

    tier: int
    start: int
    reset: int | None
    peak_burn_rate: float
    suppressed: bool


@dataclass(frozen=True)
class Incident:
    """A time range on services: the ground truth alerts are judged against."""

    id: int
    services: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime
    title: str
    severity: str | None = None
    source: str = "manual"


@dataclass(frozen=True)
class Firing:
    """One firing of a tier in a replay."""

    tier: str
    severity: Severity
    long_window: str
    short_window: str | None
    factor: float
    start: dt.datetime
    reset: dt.datetime | None
    peak_burn_rate: float
    budget_spent_before_detection: float | None
    incident: int | None
    suppressed: bool
    # Firing already at the range's start (`--from`): `start` is then when it began, traced
    # back through the windows' lookback, as `reset` is None for one still firing at its end.
    already_firing: bool


@dataclass(frozen=True)
class DetectionDelays:
    """How long incidents went undetected, in seconds."""

    median: float | None
    p90: float | None
    per_incident: dict[int, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Replay:
    """A policy evaluated minute by minute over a range, judged against incidents."""

    slo: str
    policy: str
    start: dt.datetime
    end: dt.datetime
    firings: list[Firing]
    incidents: list[Incident]
    precision: float | None
    recall: float | None
    detection_delay_s: DetectionDelays
    # Both None over a range without events (no data, not a quiet policy); false_firings
    # counts a firing held through it all the same (`no_data: keep`).
    firings_per_week: float | None
    false_firings: int | None
    event_days: float  # the part of the range with events (`compute.event_minutes`)
    # Incidents of the range during which the SLO had no event (before its first, in a gap
    # of the feed): no alert could catch them, so they count neither caught nor missed.
    unjudged_incidents: list[Incident] = field(default_factory=list)

    @property
    def pages(self) -> list[Firing]:
        """Firings that would have paged someone (suppressed ones did not)."""
        return [f for f in self.firings if f.severity == "page" and not f.suppressed]

    @property
    def false_pages(self) -> list[Firing]:
        """Pages that matched no incident."""
        return [f for f in self.pages if f.incident is None]

    @property
    def tickets(self) -> list[Firing]:
        """Firings that would have opened a ticket."""
        return [f for f in self.firings if f.severity == "ticket" and not f.suppressed]


AlertState = Literal["firing", "ok", "suppressed", "no_data"]


@dataclass(frozen=True)
class TierState:
    """A tier's state at one moment: the burn rates it compares and whether it fires."""

    tier: str
    severity: Severity
    factor: float
    long_burn_rate: float | None
    short_burn_rate: float | None
    long_events: int
    firing: bool
    suppressed: bool
    reason: str
    # firing; suppressed when under the policy's min_events; no_data when its long window
    # holds no events, or burns above the factor with no event in the short window (never
    # `ok`); else ok.
    state: AlertState = "ok"


@dataclass(frozen=True)
class Evaluation:
    """Every tier of one SLO's policy at one moment."""

    slo: str
    policy: str
    at: dt.datetime
    tiers: list[TierState]
    # Why the SLO was not evaluated (no tiers then): an SLO alerting cannot read yet, such
    # as timeslices longer than a minute. None for every evaluated SLO.
    note: str | None = None


@dataclass(frozen=True)
class TuningRow:
    """One candidate tier of `alerts tune` and how it did on the history."""

    tier: str
    factor: float
    budget_share: float
    firings: int
    false_firings: int
    false_per_month: float | None  # None under a week of events: counted, not rated
    recall: float | None
    delay_median_s: float | None
    delay_p90_s: float | None


@dataclass(frozen=True)
class Tuning:
    """Every candidate, best first, and the best that meets the constraint (if any)."""

    slo: str
    start: dt.datetime
    end: dt.datetime
    incidents: int
    max_false_per_month: float
    candidates: list[TuningRow]
    best: TuningRow | None  # None too over a range without events: nothing to tune on
    events: int = 0  # counted by the SLO over the range
    event_days: float = 0.0  # the part of the range with events (`compute.event_minutes`)
