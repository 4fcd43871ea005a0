"""DORA performance bands: for each metric, the DORA Quick Check's own answer that a measured
value falls in, and the level (elite, high, medium, low) of the Accelerate State of DevOps
report's cluster it meets, labelled with the year of the report that defines the clusters
(they are re-drawn from each year's survey).

Sources:
- Quick Check answers (https://dora.dev/quickcheck/): the answer lists in
  github.com/dora-team/dora.dev, svelte/quick-check-2023/src/lib/data/
  metrics_question_responses.json. The Quick Check asks the change fail rate as a number
  from 0 to 100 %, so that band is the percentage itself.
- Clusters 2024: Accelerate State of DevOps Report 2024, "Performance levels" table.
- Clusters 2023: Accelerate State of DevOps Report 2023, as tabulated by Octopus Deploy
  (octopus.com/blog/software-delivery-performance-clusters-2023): a secondary source.

Decisions where the sources are silent (see docs/deploys.md):
- Units: a month is 30 days, six months 180 days.
- A value on a boundary: "less than" and "more than" are strict; otherwise a boundary
  belongs to the range that names it as its slower end (a lead time of exactly one week is
  "One day to one week"; exactly one deploy a day is "Between once per hour and once per
  day"). Values are compared as given, never rounded first.
- Deploy frequency answers are read as ranges of the average rate, in the Quick Check's own
  order: "On demand (multiple deploys per day)" is once an hour or more often, since the
  next answer down is "Between once per hour and once per day".
- A level is the best cluster whose value the measured value meets or beats; a value worse
  than every cluster's is low. Where clusters are not ordered (2024: medium's change fail
  rate, 10 %, is better than high's, 20 %; high and medium share a recovery time), the
  better cluster is found first, so medium is never given for those metrics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from basics.core.rounding import fixed

Level = Literal["elite", "high", "medium", "low"]
LEVELS: tuple[Level, ...] = ("elite", "high", "medium", "low")

REPORT_YEAR = 2024
REPORT_TITLES = {
    2024: "Accelerate State of DevOps Report 2024 (DORA, Google Cloud)",
    2023: "Accelerate State of DevOps Report 2023 (DORA, Google Cloud)",
}
REPORT_TITLE = REPORT_TITLES[REPORT_YEAR]
QUICK_CHECK_URL = "https://dora.dev/quickcheck/"

HOUR_S = 3600
DAY_S = 24 * HOUR_S
WEEK_S = 7 * DAY_S
MONTH_S = 30 * DAY_S
SIX_MONTHS_S = 180 * DAY_S

# The Quick Check's answers, best first.
FREQUENCY_ANSWERS = (
    "On demand (multiple deploys per day)",
    "Between once per hour and once per day",
    "Between once per day and once per week",
    "Between once per week and once per month",
    "Between once per month and once every six months",
    "Less than once per six months",
)
DURATION_ANSWERS = (
    "Less than one hour",
    "Less than one day",
    "One day to one week",
    "One week to one month",
    "One to six months",
    "More than six months",
)
# The slowest rate (deploys a day) of each frequency answer but the last, best first.
_FREQUENCY_FLOORS = (24.0, 1.0, 1 / 7, 1 / 30, 1 / 180)


@dataclass(frozen=True)
class Cluster:
    """One row of a report's performance levels table, in the report's own words."""

    level: Level
    deployment_frequency: str
    lead_time: str
    change_fail_rate: float
    recovery_time: str
    share: str


# The report's wording of each answer, with its rank among the Quick Check's answers.
_FREQUENCY_RANK = {
    "On demand (multiple deploys per day)": 0,
    "Between once per day and once per week": 2,
    "Between once per week and once per month": 3,
    "Between once per month and once every six months": 4,
}
_DURATION_RANK = {
    "Less than one hour": 0,
    "Less than one day": 1,
    "Between one day and one week": 2,
    "Between one week and one month": 3,
    "Between one month and six months": 4,
}

CLUSTERS: dict[int, tuple[Cluster, ...]] = {
    2024: (
        Cluster("elite", "On demand (multiple deploys per day)", "Less than one day",
                0.05, "Less than one hour", "19%"),
        Cluster("high", "Between once per day and once per week", "Between one day and one week",
                0.20, "Less than one day", "22%"),
        Cluster("medium", "Between once per week and once per month",
                "Between one week and one month", 0.10, "Less than one day", "35%"),
        Cluster("low", "Between once per month and once every six months",
                "Between one month and six months", 0.40, "Between one week and one month", "25%"),
    ),
    2023: (
        Cluster("elite", "On demand (multiple deploys per day)", "Less than one day",
                0.05, "Less than one hour", "18%"),
        Cluster("high", "Between once per day and once per week", "Between one day and one week",
                0.10, "Less than one day", "31%"),
        Cluster("medium", "Between once per week and once per month",
                "Between one week and one month", 0.15, "Between one day and one week", "33%"),
        Cluster("low", "Between once per week and once per month",
                "Between one week and one month", 0.64, "Between one month and six months", "17%"),
    ),
}  # fmt: skip


# --- the Quick Check's answers --------------------------------------------------------------


def _checked(value: float, what: str) -> float:
    if math.isnan(value) or value < 0:
        raise ValueError(f"{what} must be a number at least 0, found {value}")
    return value


def _frequency_rank(deploys_per_day: float) -> int:
    rate = _checked(deploys_per_day, "deploys_per_day")
    return next((i for i, floor in enumerate(_FREQUENCY_FLOORS) if rate >= floor), 5)


def _duration_rank(seconds: float) -> int:
    value = _checked(seconds, "a duration in seconds")
    if value < HOUR_S:
        return 0
    if value < DAY_S:
        return 1
    return next((i for i, top in ((2, WEEK_S), (3, MONTH_S), (4, SIX_MONTHS_S)) if value <= top), 5)


def frequency_band(deploys_per_day: float | None) -> str | None:
    """The Quick Check's deploy frequency answer for an average rate; None without data."""
    return None if deploys_per_day is None else FREQUENCY_ANSWERS[_frequency_rank(deploys_per_day)]


def lead_time_band(median_s: float | None) -> str | None:
    """The Quick Check's lead time answer for a median lead time; None without data."""
    return None if median_s is None else DURATION_ANSWERS[_duration_rank(median_s)]


def recovery_band(median_s: float | None) -> str | None:
    """The Quick Check's failed deployment recovery time answer; None without data."""
    return None if median_s is None else DURATION_ANSWERS[_duration_rank(median_s)]


def change_failure_band(ratio: float | None) -> str | None:
    """The change fail rate as the Quick Check asks it, a percentage; None without data."""
    if ratio is None:
        return None
    if _checked(ratio, "a change failure ratio") > 1:
        raise ValueError(f"a change failure ratio is at most 1, found {ratio}")
    percent = fixed(ratio, 1, 2).rstrip("0").rstrip(".")  # display only, never decided on
    return f"{percent}%"


# --- the report's clusters ----------------------------------------------------------------


def _clusters(year: int) -> tuple[Cluster, ...]:
    if year not in CLUSTERS:
        raise ValueError(f"no clusters for {year}: expected one of {', '.join(map(str, CLUSTERS))}")
    return CLUSTERS[year]


def _best_met(year: int, meets: dict[Level, bool]) -> Level:
    return next((c.level for c in _clusters(year) if meets[c.level]), "low")


def frequency_level(deploys_per_day: float | None, year: int = REPORT_YEAR) -> Level | None:
    """The level of the best cluster whose deploy frequency the rate meets or beats."""
    if deploys_per_day is None:
        return None
    rank = _frequency_rank(deploys_per_day)
    meets = {c.level: rank <= _FREQUENCY_RANK[c.deployment_frequency] for c in _clusters(year)}
    return _best_met(year, meets)


def lead_time_level(median_s: float | None, year: int = REPORT_YEAR) -> Level | None:
    """The level of the best cluster whose lead time the median meets or beats."""
    if median_s is None:
        return None
    rank = _duration_rank(median_s)
    meets = {c.level: rank <= _DURATION_RANK[c.lead_time] for c in _clusters(year)}
    return _best_met(year, meets)


def change_failure_level(ratio: float | None, year: int = REPORT_YEAR) -> Level | None:
    """The level of the best cluster whose change fail rate the ratio meets or beats."""
    if ratio is None:
        return None
    change_failure_band(ratio)  # checks the ratio
    return _best_met(year, {c.level: ratio <= c.change_fail_rate for c in _clusters(year)})


def recovery_level(median_s: float | None, year: int = REPORT_YEAR) -> Level | None:
    """The level of the best cluster whose recovery time the median meets or beats."""
    if median_s is None:
        return None
    rank = _duration_rank(median_s)
    meets = {c.level: rank <= _DURATION_RANK[c.recovery_time] for c in _clusters(year)}
    return _best_met(year, meets)


# --- all four at once -----------------------------------------------------------------------


@dataclass(frozen=True)
class MetricBand:
    """A metric's Quick Check answer and the level of the report's cluster it meets."""

    answer: str | None
    level: Level | None


@dataclass(frozen=True)
class Bands:
    """The four metrics' bands, with the year of the report whose clusters give the levels."""

    report_year: int
    report: str
    deployment_frequency: MetricBand
    lead_time: MetricBand
    change_failure_rate: MetricBand
    recovery_time: MetricBand


def bands(
    deploys_per_day: float | None,
    lead_time_s: float | None,
    change_failure_ratio: float | None,
    recovery_s: float | None,
    year: int = REPORT_YEAR,
) -> Bands:
    """Each metric's Quick Check answer and cluster level (None where there is no data)."""
    return Bands(
        report_year=year,
        report=REPORT_TITLES[year] if year in REPORT_TITLES else str(year),
        deployment_frequency=MetricBand(
            frequency_band(deploys_per_day), frequency_level(deploys_per_day, year)
        ),
        lead_time=MetricBand(lead_time_band(lead_time_s), lead_time_level(lead_time_s, year)),
        change_failure_rate=MetricBand(
            change_failure_band(change_failure_ratio),
            change_failure_level(change_failure_ratio, year),
        ),
        recovery_time=MetricBand(recovery_band(recovery_s), recovery_level(recovery_s, year)),
    )
