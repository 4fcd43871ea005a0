"""DORA bands: the Quick Check's answers and the report's clusters, at and around each edge."""

from __future__ import annotations

import math

import pytest

from basics.deploys import bands
from basics.deploys.bands import DAY_S, HOUR_S, MONTH_S, SIX_MONTHS_S, WEEK_S

TINY = 1e-9


# --- deploy frequency -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_day", "answer"),
    [
        (100.0, "On demand (multiple deploys per day)"),
        (24.0, "On demand (multiple deploys per day)"),  # once an hour on average
        (24.0 - TINY, "Between once per hour and once per day"),
        (3.0, "Between once per hour and once per day"),
        (1.0, "Between once per hour and once per day"),  # once a day: the slower end
        (1.0 - TINY, "Between once per day and once per week"),
        (4 / 28, "Between once per day and once per week"),  # exactly once a week
        (1 / 7 - TINY, "Between once per week and once per month"),
        (3 / 90, "Between once per week and once per month"),  # exactly once in 30 days
        (1 / 30 - TINY, "Between once per month and once every six months"),
        (2 / 360, "Between once per month and once every six months"),  # once in 180 days
        (1 / 180 - TINY, "Less than once per six months"),
        (0.0, "Less than once per six months"),
    ],
)
def test_frequency_band(per_day: float, answer: str) -> None:
    assert bands.frequency_band(per_day) == answer


def test_no_data_is_no_band() -> None:
    assert bands.frequency_band(None) is None
    assert bands.lead_time_band(None) is None
    assert bands.change_failure_band(None) is None
    assert bands.recovery_band(None) is None
    nothing = bands.MetricBand(None, None)
    assert bands.bands(None, None, None, None) == bands.Bands(
        2024, bands.REPORT_TITLE, nothing, nothing, nothing, nothing
    )


# --- lead time and recovery time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "answer"),
    [
        (0, "Less than one hour"),
        (HOUR_S - TINY, "Less than one hour"),
        (HOUR_S, "Less than one day"),  # "less than" is strict
        (DAY_S - TINY, "Less than one day"),
        (DAY_S, "One day to one week"),
        (WEEK_S, "One day to one week"),  # a week exactly: the slower end of its range
        (WEEK_S + TINY, "One week to one month"),
        (MONTH_S, "One week to one month"),
        (MONTH_S + TINY, "One to six months"),
        (SIX_MONTHS_S, "One to six months"),
        (SIX_MONTHS_S + TINY, "More than six months"),  # "more than" is strict
        (10 * SIX_MONTHS_S, "More than six months"),
    ],
)
def test_duration_bands(seconds: float, answer: str) -> None:
    assert bands.lead_time_band(seconds) == answer
    assert bands.recovery_band(seconds) == answer


def test_units_of_the_edges() -> None:
    assert (HOUR_S, DAY_S, WEEK_S, MONTH_S, SIX_MONTHS_S) == (
        3600,
        86_400,
        604_800,
        2_592_000,
        15_552_000,
    )


# --- change failure rate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "answer"),
    [(0.0, "0%"), (0.05, "5%"), (0.125, "12.5%"), (1 / 3, "33.3%"), (1.0, "100%")],
)
def test_change_failure_band_is_the_percentage(ratio: float, answer: str) -> None:
    assert bands.change_failure_band(ratio) == answer


@pytest.mark.parametrize("bad", [-0.1, 1.01, math.nan])
def test_impossible_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        bands.change_failure_band(bad)
    if bad < 0 or math.isnan(bad):
        with pytest.raises(ValueError):
            bands.lead_time_band(bad)
        with pytest.raises(ValueError):
            bands.frequency_band(bad)


# --- the 2024 report's clusters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_day", "level"),
    [
        (24.0, "elite"),
        (24.0 - TINY, "high"),  # between hourly and daily: beats high, not elite
        (1.0, "high"),
        (1 / 7, "high"),
        (1 / 7 - TINY, "medium"),
        (1 / 30, "medium"),
        (1 / 30 - TINY, "low"),
        (1 / 180, "low"),
        (0.0, "low"),  # worse than every cluster
    ],
)
def test_frequency_level_2024(per_day: float, level: str) -> None:
    assert bands.frequency_level(per_day) == level


@pytest.mark.parametrize(
    ("seconds", "level"),
    [
        (HOUR_S, "elite"),
        (DAY_S - TINY, "elite"),  # elite's lead time is "Less than one day"
        (DAY_S, "high"),
        (WEEK_S, "high"),
        (WEEK_S + TINY, "medium"),
        (MONTH_S, "medium"),
        (MONTH_S + TINY, "low"),
        (SIX_MONTHS_S + TINY, "low"),
    ],
)
def test_lead_time_level_2024(seconds: float, level: str) -> None:
    assert bands.lead_time_level(seconds) == level


@pytest.mark.parametrize(
    ("ratio", "level"),
    [
        (0.0, "elite"),
        (0.05, "elite"),
        (1 / 20, "elite"),  # 1 of 20 deploys: 5 % exactly
        (0.05 + TINY, "high"),
        (0.10, "high"),  # medium's 10 % is better than high's 20 %: high is found first
        (0.20, "high"),
        (0.20 + TINY, "low"),
        (0.40, "low"),
        (0.9, "low"),
    ],
)
def test_change_failure_level_2024_is_never_medium(ratio: float, level: str) -> None:
    assert bands.change_failure_level(ratio) == level


@pytest.mark.parametrize(
    ("seconds", "level"),
    [
        (HOUR_S - TINY, "elite"),
        (HOUR_S, "high"),  # high and medium share "Less than one day": high
        (DAY_S - TINY, "high"),
        (DAY_S, "low"),  # "One day to one week" beats low's "Between one week and one month"
        (MONTH_S, "low"),
        (SIX_MONTHS_S, "low"),
    ],
)
def test_recovery_level_2024(seconds: float, level: str) -> None:
    assert bands.recovery_level(seconds) == level


def test_2024_table_as_the_report_gives_it() -> None:
    table = [
        (c.level, c.deployment_frequency, c.lead_time, c.change_fail_rate, c.recovery_time, c.share)
        for c in bands.CLUSTERS[2024]
    ]
    assert table == [
        ("elite", "On demand (multiple deploys per day)", "Less than one day", 0.05,
         "Less than one hour", "19%"),
        ("high", "Between once per day and once per week", "Between one day and one week", 0.20,
         "Less than one day", "22%"),
        ("medium", "Between once per week and once per month", "Between one week and one month",
         0.10, "Less than one day", "35%"),
        ("low", "Between once per month and once every six months",
         "Between one month and six months", 0.40, "Between one week and one month", "25%"),
    ]  # fmt: skip
    assert bands.REPORT_YEAR == 2024
    assert bands.REPORT_TITLE.startswith("Accelerate State of DevOps Report 2024")


# --- 2023, and all at once --------------------------------------------------------------------


def test_2023_clusters_are_ordered_for_change_failure() -> None:
    ratios = (0.05, 0.06, 0.10, 0.15, 0.16, 0.64, 0.65)
    assert [bands.change_failure_level(r, 2023) for r in ratios] == [
        "elite", "high", "high", "medium", "low", "low", "low",
    ]  # fmt: skip
    # medium and low share their throughput in 2023: medium is found first
    assert bands.frequency_level(1 / 30, 2023) == "medium"
    assert bands.recovery_level(DAY_S, 2023) == "medium"
    assert bands.recovery_level(WEEK_S + 1, 2023) == "low"


def test_unknown_report_year() -> None:
    with pytest.raises(ValueError, match="no clusters for 2019: expected one of 2024, 2023"):
        bands.frequency_level(1.0, 2019)


def test_bands_and_levels_together() -> None:
    found = bands.bands(2.0, 3 * HOUR_S, 0.08, 0.5 * HOUR_S)
    assert found == bands.Bands(
        report_year=2024,
        report="Accelerate State of DevOps Report 2024 (DORA, Google Cloud)",
        deployment_frequency=bands.MetricBand("Between once per hour and once per day", "high"),
        lead_time=bands.MetricBand("Less than one day", "elite"),
        change_failure_rate=bands.MetricBand("8%", "high"),
        recovery_time=bands.MetricBand("Less than one hour", "elite"),
    )
