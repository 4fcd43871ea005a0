"""Hand-computed and property tests for the pure on-call arithmetic (DESIGN §4).

Every expected number is worked out in the test's comments from the rules in
`basics.oncall.compute`: PagerDuty's time classes in the responder's zone, the SRE book's
two incidents per 12 hours of on-call, nearest-rank quantiles (0-based rank ceil(q·n) − 1)
and the Gini index Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import zoneinfo
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basics.oncall import compute
from basics.oncall.columns import PageColumns
from basics.oncall.models import Page, Shift
from basics.oncall.report import Bucket

ZONES = {"ana": "Europe/London", "ben": "America/New_York", "kai": "Asia/Tokyo"}


def zone_of(person: str | None) -> str:
    """The test roster's zones; anyone else (and no responder) is in UTC."""
    return ZONES.get(person or "", "UTC")


def cols(pages: list[Page], shifts: list[Shift] | None = None) -> PageColumns:
    """The pages as the report's columns, in the test roster's zones (a page without a
    responder gets the person on call in `shifts`)."""
    return PageColumns.from_pages(pages, zone_of, shifts or [])


def t(text: str) -> dt.datetime:
    """A naive UTC moment from "YYYY-MM-DD HH:MM[:SS]"."""
    return dt.datetime.fromisoformat(text)


def page(
    created: str,
    responder: str | None = "ana",
    *,
    incident: str | None = None,
    alert: str = "HighLatency",
    ack: str | None = None,
    resolved: str | None = None,
    outcome: str | None = None,
) -> Page:
    """A page with only the fields a test cares about."""
    key = incident or f"{alert}@{created}"
    return Page(
        id=f"test:{key}:{created}:{responder}",
        source="test",
        source_id=f"{key}:{created}",
        incident_key=key,
        alert=alert,
        service="checkout",
        urgency="high",
        created_at=t(created),
        acknowledged_at=t(ack) if ack else None,
        resolved_at=t(resolved) if resolved else None,
        responder=responder,
        outcome=outcome,
    )


def shift(person: str, start: str, end: str, rotation: str = "primary") -> Shift:
    """A shift over [start, end), naive UTC."""
    return Shift(person=person, rotation=rotation, start=t(start), end=t(end))


# --- time classes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Monday 2 March 2026, UTC: the edges of each class.
        ("2026-03-02 07:59:59", "sleep"),
        ("2026-03-02 08:00", "business"),
        ("2026-03-02 17:59:59", "business"),
        ("2026-03-02 18:00", "off"),
        ("2026-03-02 21:59:59", "off"),
        ("2026-03-02 22:00", "sleep"),
        ("2026-03-03 03:00", "sleep"),
        # Friday night is sleep; the weekend's waking hours are off, its nights sleep.
        ("2026-03-06 17:00", "business"),
        ("2026-03-06 22:30", "sleep"),
        ("2026-03-07 07:59", "sleep"),
        ("2026-03-07 08:00", "off"),
        ("2026-03-07 12:00", "off"),
        ("2026-03-08 21:59", "off"),
        ("2026-03-08 22:00", "sleep"),
        ("2026-03-09 07:30", "sleep"),
    ],
)
def test_time_class_edges_in_utc(moment: str, expected: str) -> None:
    assert compute.time_class(t(moment), "UTC") == expected


def test_time_class_takes_the_weekday_in_the_responders_zone() -> None:
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo (UTC+9): business, not a weekend night.
    assert compute.time_class(t("2026-03-01 23:30"), "Asia/Tokyo") == "business"
    # Friday 14:00 UTC is Friday 23:00 in Tokyo: sleep.
    assert compute.time_class(t("2026-03-06 14:00"), "Asia/Tokyo") == "sleep"
    # Saturday 02:00 UTC is Friday 21:00 in New York (EST, UTC−5): a weekday evening.
    assert compute.time_class(t("2026-03-07 02:00"), "America/New_York") == "off"


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        # London springs forward on Sunday 29 March 2026 at 01:00 UTC (GMT → BST, UTC+1).
        ("2026-03-29 06:30", "Europe/London", "sleep"),  # 07:30 BST, the brief's case
        ("2026-03-29 07:30", "Europe/London", "off"),  # 08:30 BST (GMT would say 07:30)
        ("2026-03-29 21:30", "Europe/London", "sleep"),  # 22:30 BST (GMT would say off)
        ("2026-03-30 07:30", "Europe/London", "business"),  # Monday 08:30 BST
        ("2026-03-30 17:30", "Europe/London", "off"),  # Monday 18:30 BST
        # London falls back on Sunday 25 October 2026 at 01:00 UTC (BST → GMT).
        ("2026-10-25 00:30", "Europe/London", "sleep"),  # 01:30 BST, the first time
        ("2026-10-25 01:30", "Europe/London", "sleep"),  # 01:30 GMT, the second time
        ("2026-10-25 07:30", "Europe/London", "sleep"),  # 07:30 GMT (BST would say off)
        ("2026-10-26 07:30", "Europe/London", "sleep"),  # Monday 07:30 GMT
        ("2026-10-26 08:00", "Europe/London", "business"),
        ("2026-10-26 17:30", "Europe/London", "business"),  # 17:30 GMT (BST: off)
        # New York springs forward on Sunday 8 March 2026 at 07:00 UTC (EST → EDT, UTC−4).
        ("2026-03-08 07:00", "America/New_York", "sleep"),  # 03:00 EDT, 02:xx never was
        ("2026-03-08 11:30", "America/New_York", "sleep"),  # 07:30 EDT, the brief's case
        ("2026-03-08 12:00", "America/New_York", "off"),  # 08:00 EDT (EST would say 07:00)
        ("2026-03-09 12:00", "America/New_York", "business"),  # Monday 08:00 EDT
        ("2026-03-09 22:00", "America/New_York", "off"),  # Monday 18:00 EDT
        # New York falls back on Sunday 1 November 2026 at 06:00 UTC (EDT → EST).
        ("2026-11-01 12:30", "America/New_York", "sleep"),  # 07:30 EST (EDT would say 08:30)
        ("2026-11-01 13:00", "America/New_York", "off"),  # Sunday 08:00 EST
        ("2026-11-02 12:30", "America/New_York", "sleep"),  # Monday 07:30 EST
        ("2026-11-02 13:00", "America/New_York", "business"),
        ("2026-11-02 22:59", "America/New_York", "business"),  # 17:59 EST
        ("2026-11-02 23:00", "America/New_York", "off"),  # 18:00 EST
    ],
)
def test_time_class_across_daylight_saving_changes(moment: str, zone: str, expected: str) -> None:
    assert compute.time_class(t(moment), zone) == expected


def test_a_week_of_hours_splits_50_48_70() -> None:
    # 10 business hours × 5 days; off 4 × 5 + 14 × 2; sleep 10 × 7.
    monday = t("2026-03-02 00:00")
    hours = [monday + dt.timedelta(hours=h) for h in range(168)]
    classes = [compute.time_class(moment, "UTC") for moment in hours]
    assert (classes.count("business"), classes.count("off"), classes.count("sleep")) == (
        50,
        48,
        70,
    )


@given(
    moment=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    zone=st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"]),
)
def test_time_class_is_the_class_of_the_local_wall_clock(moment: dt.datetime, zone: str) -> None:
    local = moment.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone))
    assert compute.time_class(moment, zone) == compute.time_class(local.replace(tzinfo=None), "UTC")


# --- load per shift ----------------------------------------------------------------------

DAY_SHIFT = shift("ana", "2026-03-02 09:00", "2026-03-02 21:00")
NIGHT_SHIFT = shift("ben", "2026-03-02 21:00", "2026-03-03 09:00")
LONG_SHIFT = shift("ana", "2026-03-03 09:00", "2026-03-04 09:00")
SHORT_SHIFT = shift("dan", "2026-03-05 00:00", "2026-03-05 05:00")
LOAD_PAGES = [
    page("2026-03-02 09:00", "ana", incident="i1"),  # at the start: in
    page("2026-03-02 10:00", "ana", incident="i1"),  # same incident
    page("2026-03-02 12:00", "ana", incident="i2"),
    page("2026-03-02 20:59:59", "ana", incident="i3"),
    page("2026-03-02 21:00", None, incident="i4"),  # no responder: ben's shift covers it
    page("2026-03-02 23:00", "ben", incident="i5"),
    page("2026-03-02 23:30", "carl", incident="i9"),  # carl is not on call: nobody's
    page("2026-03-03 10:00", "ana", incident="i6"),
    page("2026-03-04 09:00", "ana", incident="i7"),  # at the end of LONG_SHIFT: out
    page("2026-03-05 01:00", "dan", incident="i8"),
]


def test_shift_loads_count_pages_and_incidents_against_the_limit() -> None:
    shifts = [DAY_SHIFT, NIGHT_SHIFT, LONG_SHIFT, SHORT_SHIFT]
    day, night, long, short = compute.shift_loads(shifts, cols(LOAD_PAGES, shifts))
    # 12 h: 4 pages, 3 incidents (i1 twice); limit 2 × 12 / 12 = 2; 3 > 2.
    assert (day.person, day.pages, day.incidents) == ("ana", 4, 3)
    assert (day.hours, day.limit, day.over_limit) == (Fraction(12), Fraction(2), True)
    # 12 h: the unassigned 21:00 page and ben's own; 2 incidents, not strictly over 2.
    assert (night.person, night.pages, night.incidents, night.over_limit) == ("ben", 2, 2, False)
    # 24 h: one incident against a limit of 4.
    assert (long.pages, long.incidents, long.limit, long.over_limit) == (1, 1, Fraction(4), False)
    # 5 h: limit 2 × 5 / 12 = 5/6, exactly; one incident is over it.
    assert (short.hours, short.limit, short.over_limit) == (Fraction(5), Fraction(5, 6), True)


def test_shift_loads_keep_the_order_and_fields_of_the_shifts() -> None:
    loads = compute.shift_loads([SHORT_SHIFT, DAY_SHIFT], cols(LOAD_PAGES))
    assert [(load.person, load.start, load.end, load.rotation) for load in loads] == [
        ("dan", SHORT_SHIFT.start, SHORT_SHIFT.end, "primary"),
        ("ana", DAY_SHIFT.start, DAY_SHIFT.end, "primary"),
    ]


def test_shift_hours_are_exact_fractions() -> None:
    # 90 minutes and 1 second: 5401 / 3600 hours; limit = that / 6.
    (load,) = compute.shift_loads(
        [shift("ana", "2026-03-02 09:00", "2026-03-02 10:30:01")], cols([])
    )
    assert load.hours == Fraction(5401, 3600)
    assert load.limit == Fraction(5401, 21600)
    assert (load.pages, load.incidents, load.over_limit) == (0, 0, False)


def test_a_page_nobody_is_on_call_for_counts_for_no_shift() -> None:
    primary = shift("ana", "2026-03-02 00:00", "2026-03-03 00:00", "primary")
    secondary = shift("ben", "2026-03-02 00:00", "2026-03-03 00:00", "secondary")
    # Columns built without shifts: the page has no responder, so no shift is its.
    unassigned = cols([page("2026-03-02 12:00", None)])
    loads = compute.shift_loads([primary, secondary], unassigned)
    assert [load.pages for load in loads] == [0, 0]
    assert compute.page_shifts(unassigned, [primary, secondary]).tolist() == [-1]


def test_an_empty_or_inverted_shift_has_no_hours() -> None:
    assert compute.on_call_hours(t("2026-03-02 10:00"), t("2026-03-02 09:00")) == 0


# --- durations ---------------------------------------------------------------------------


def test_duration_stats_of_nothing_are_none_never_zero() -> None:
    stats = compute.duration_stats([])
    assert (stats.count, stats.median, stats.p90) == (0, None, None)
    assert [bucket.count for bucket in stats.histogram] == [0] * 6


def test_duration_stats_nearest_rank_and_buckets() -> None:
    values = [14401.0, 30, 60, 61, 300, 301, 900, 3600, 3601, 14400]
    stats = compute.duration_stats(values)
    # n = 10: median rank ceil(5) − 1 = 4 → 301; p90 rank ceil(9) − 1 = 8 → 14400.
    assert (stats.count, stats.median, stats.p90) == (10, 301, 14400)
    # Upper edges are inclusive: 60 is ≤1m, 300 is ≤5m, 14400 is ≤4h.
    assert stats.histogram == [
        Bucket("≤1m", 60, 2),
        Bucket("≤5m", 300, 2),
        Bucket("≤15m", 900, 2),
        Bucket("≤1h", 3600, 1),
        Bucket("≤4h", 14400, 2),
        Bucket(">4h", None, 1),
    ]


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([42.0], 42, 42),  # n = 1: rank 0 for both
        ([10.0, 20, 30], 20, 30),  # ceil(1.5) − 1 = 1; ceil(2.7) − 1 = 2
        ([4.0, 1, 3, 2], 2, 4),  # ceil(2) − 1 = 1 (the lower middle); ceil(3.6) − 1 = 3
        ([float(v) for v in range(1, 21)], 10, 18),  # ceil(10) − 1 = 9; ceil(18) − 1 = 17
    ],
)
def test_nearest_rank_by_hand(values: list[float], median: float, p90: float) -> None:
    stats = compute.duration_stats(values)
    assert (stats.median, stats.p90) == (median, p90)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=200))
def test_nearest_rank_is_the_smallest_value_covering_q(values: list[int]) -> None:
    floats = [float(v) for v in values]
    stats = compute.duration_stats(floats)
    n = len(values)
    for q, value in ((Fraction(1, 2), stats.median), (Fraction(9, 10), stats.p90)):
        assert value in floats
        assert sum(v <= value for v in floats) >= q * n  # covers at least q of the list
        assert sum(v < value for v in floats) < q * n  # and is the smallest that does
    assert stats.median is not None and stats.p90 is not None
    assert stats.median <= stats.p90
    assert sum(bucket.count for bucket in stats.histogram) == n


def test_time_to_acknowledge_counts_only_acknowledged_pages() -> None:
    pages = [
        page("2026-03-02 10:00", ack="2026-03-02 10:02"),  # 120 s
        page("2026-03-02 11:00"),  # never acknowledged: left out
        page("2026-03-02 12:00", ack="2026-03-02 12:00:30"),  # 30 s
        page("2026-03-02 13:00:05", ack="2026-03-02 13:00"),  # clock skew: 0 s
    ]
    stats = compute.time_to_acknowledge(cols(pages))
    # [0, 30, 120]: median rank 1 → 30; p90 rank ceil(2.7) − 1 = 2 → 120.
    assert (stats.count, stats.median, stats.p90) == (3, 30, 120)
    assert [bucket.count for bucket in stats.histogram] == [2, 1, 0, 0, 0, 0]


def test_time_to_resolve_counts_only_resolved_pages() -> None:
    pages = [
        page("2026-03-02 10:00", resolved="2026-03-02 10:05"),  # 300 s
        page("2026-03-02 10:00"),
        page("2026-03-02 10:00", ack="2026-03-02 10:01", resolved="2026-03-02 11:00"),  # 3600
    ]
    stats = compute.time_to_resolve(cols(pages))
    # n = 2: median rank ceil(1) − 1 = 0 → 300; p90 rank ceil(1.8) − 1 = 1 → 3600.
    assert (stats.count, stats.median, stats.p90) == (2, 300, 3600)


# --- noisy alerts ------------------------------------------------------------------------

NOISE_PAGES = [
    # DiskFull: 4 pages.
    # 23:00 GMT in London: sleep; resolved in 600 s without an ack; tagged not actionable.
    page(
        "2026-03-02 23:00",
        "ana",
        alert="DiskFull",
        resolved="2026-03-02 23:10",
        outcome="not-actionable/threshold-wrong",
    ),
    # Sunday 22:00 EST in New York: sleep; acked, resolved in 1800 s; actionable.
    page(
        "2026-03-02 03:00",
        "ben",
        alert="DiskFull",
        ack="2026-03-02 03:05",
        resolved="2026-03-02 03:30",
        outcome="actionable/service-issue",
    ),
    # Monday 10:00 EST: business; resolved in 120 s without an ack; not tagged.
    page("2026-03-02 15:00", "ben", alert="DiskFull", resolved="2026-03-02 15:02"),
    # No responder (UTC) at 02:00: sleep; never resolved; an outcome outside the taxonomy.
    page("2026-03-02 02:00", None, alert="DiskFull", outcome="maybe"),
    # HighLatency: 5 business-hours pages in London, 2 of them auto-resolved, none tagged.
    page("2026-03-03 09:00", "ana", resolved="2026-03-03 09:01"),
    page("2026-03-03 10:00", "ana", resolved="2026-03-03 10:01"),
    page("2026-03-03 11:00", "ana", ack="2026-03-03 11:01", resolved="2026-03-03 11:11"),
    page("2026-03-03 12:00", "ana", ack="2026-03-03 12:01", resolved="2026-03-03 12:21"),
    page("2026-03-03 13:00", "ana", ack="2026-03-03 13:01"),
    # One page each: ties are sorted by name.
    page("2026-03-03 14:00", "ana", alert="Beta"),
    page("2026-03-03 14:00", "ana", alert="Alpha"),
]


def test_noisy_alerts_by_hand() -> None:
    alerts = compute.noisy_alerts(cols(NOISE_PAGES))
    assert [alert.alert for alert in alerts] == ["HighLatency", "DiskFull", "Alpha", "Beta"]
    latency, disk = alerts[0], alerts[1]

    # DiskFull: 2 classified (the unknown outcome is not), 1 of them not actionable.
    assert (disk.count, disk.classified, disk.not_actionable) == (4, 2, 1)
    assert disk.not_actionable_share == 0.5
    # Night: 23:00 GMT, 22:00 EST, 02:00 UTC = 3 of 4; business 10:00 EST is not.
    assert (disk.night, disk.night_share) == (3, 0.75)
    # Auto-resolved: the first and third = 2 of 4 = 0.5, which is enough to be noise.
    assert (disk.auto_resolved, disk.auto_resolved_share, disk.likely_noise) == (2, 0.5, True)
    # Resolve times [120, 600, 1800]: median rank 1 → 600.
    assert disk.median_resolve_s == 600

    # HighLatency: nothing tagged, so no not-actionable share (None, not 0).
    assert (latency.count, latency.classified, latency.not_actionable_share) == (5, 0, None)
    assert (latency.night, latency.night_share) == (0, 0.0)
    # 2 of 5 auto-resolved = 0.4 < 0.5.
    assert (latency.auto_resolved_share, latency.likely_noise) == (0.4, False)
    # Resolve times [60, 60, 660, 1260]: median rank ceil(2) − 1 = 1 → 60.
    assert latency.median_resolve_s == 60

    alpha = alerts[2]
    assert (alpha.median_resolve_s, alpha.likely_noise) == (None, False)


def test_noisy_alerts_of_nothing() -> None:
    assert compute.noisy_alerts(cols([])) == []


# --- concentration -----------------------------------------------------------------------

CONCENTRATION_PAGES = [
    *(page(f"2026-03-02 1{h}:00", "ana") for h in range(4)),  # 4 business pages
    page("2026-03-02 23:00", "ana"),  # 2 night pages (23:00 GMT)
    page("2026-03-03 01:00", "ana"),
    page("2026-03-02 15:00", "ben"),  # 10:00 EST: business
    page("2026-03-03 04:00", "ben"),  # 23:00 EST: night
    page("2026-03-03 04:00", None),  # unassigned
]


def test_concentration_with_a_roster_by_hand() -> None:
    result = compute.concentration(cols(CONCENTRATION_PAGES), ["dan", "ben", "cleo", "ana"])
    # ana 6, ben 2, cleo 0, dan 0 of 8 assigned; night ana 2, ben 1 of 3.
    assert [(p.person, p.pages, p.share) for p in result.people] == [
        ("ana", 6, 0.75),
        ("ben", 2, 0.25),
        ("cleo", 0, 0.0),
        ("dan", 0, 0.0),
    ]
    assert [(p.night_pages, p.night_share) for p in result.people] == [
        (2, 2 / 3),
        (1, 1 / 3),
        (0, 0.0),
        (0, 0.0),
    ]
    assert (result.pages, result.night_pages, result.unassigned) == (8, 3, 1)
    assert (result.top, result.top_share, result.flagged) == ("ana", 0.75, True)
    # Sorted [0, 0, 2, 6]: Σ|xᵢ − xⱼ| = 2 × (4 + 6 + 6 + 2 + 2) = 40; 2 n² mean = 2·16·2 = 64.
    assert result.gini == 40 / 64


def test_concentration_without_a_roster_counts_only_responders() -> None:
    result = compute.concentration(cols(CONCENTRATION_PAGES))
    # [6, 2]: Σ|xᵢ − xⱼ| = 8; 2 n² mean = 2·4·4 = 32.
    assert [p.person for p in result.people] == ["ana", "ben"]
    assert result.gini == 0.25


def test_concentration_counts_responders_missing_from_the_roster() -> None:
    result = compute.concentration(cols([page("2026-03-02 10:00", "eve")]), ["ana"])
    assert [(p.person, p.pages) for p in result.people] == [("eve", 1), ("ana", 0)]
    assert result.gini == 0.5  # [0, 1]: 2 / (2·4·0.5)


def test_half_the_pages_is_not_flagged_and_ties_go_by_name() -> None:
    pages = [page("2026-03-02 10:00", p) for p in ("ben", "ben", "ana", "ana")]
    result = compute.concentration(cols(pages))
    assert (result.top, result.top_share, result.flagged, result.gini) == ("ana", 0.5, False, 0)


def test_concentration_of_no_pages_is_none_never_zero() -> None:
    result = compute.concentration(cols([page("2026-03-02 10:00", None)]), ["ana", "ben"])
    assert [(p.person, p.pages, p.share, p.night_share) for p in result.people] == [
        ("ana", 0, None, None),
        ("ben", 0, None, None),
    ]
    assert (result.top, result.top_share, result.gini, result.flagged) == (None, None, None, False)
    assert result.unassigned == 1


def test_gini_reference_values() -> None:
    assert compute.gini([]) is None
    assert compute.gini([0, 0]) is None
    assert compute.gini([5]) == 0
    assert compute.gini([3, 3, 3]) == 0
    assert compute.gini([0, 0, 0, 10]) == Fraction(3, 4)  # one of n carries all: (n − 1)/n
    assert compute.gini([1, 2, 3, 4]) == Fraction(1, 4)  # Σ|xᵢ − xⱼ| = 20; 2·16·2.5 = 80


def brute_gini(counts: list[int]) -> Fraction:
    """The double sum of the definition, pair by pair."""
    n = len(counts)
    return Fraction(sum(abs(a - b) for a in counts for b in counts), 2 * n * n) / Fraction(
        sum(counts), n
    )


COUNTS = st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=40).filter(any)


@given(COUNTS)
def test_gini_is_the_double_sum_and_lies_in_zero_to_one(counts: list[int]) -> None:
    index = compute.gini(counts)
    assert index == brute_gini(counts)
    assert index is not None
    assert 0 <= index < 1
    assert index <= Fraction(len(counts) - 1, len(counts))


@given(COUNTS, st.integers(min_value=1, max_value=20))
def test_gini_ignores_order_and_scale(counts: list[int], factor: int) -> None:
    assert compute.gini(counts[::-1]) == compute.gini(counts)
    assert compute.gini([c * factor for c in counts]) == compute.gini(counts)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ana", "ben", "kai", "zoe"]),
            st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_concentration_shares_sum_to_one(pages: list[tuple[str, dt.datetime]]) -> None:
    records = [page(moment.isoformat(sep=" "), person) for person, moment in pages]
    result = compute.concentration(cols(records), ["ana", "ben", "kai", "zoe", "nobody"])
    assert sum(p.pages for p in result.people) == result.pages == len(records)
    assert math.isclose(sum(p.share or 0 for p in result.people), 1)
    if result.night_pages:
        assert math.isclose(sum(p.night_share or 0 for p in result.people), 1)
    assert result.gini is not None and 0 <= result.gini < 1
    assert result.flagged == (result.top_share is not None and result.top_share > 0.5)
    by_class = compute.interruptions(cols(records)).by_class
    assert sum(by_class.values()) == len(records)
    assert by_class["sleep"] == result.night_pages


# --- interruptions -----------------------------------------------------------------------


def test_interruptions_per_class_and_person() -> None:
    result = compute.interruptions(cols(CONCENTRATION_PAGES))
    # ana: 4 business, 2 sleep; ben: 10:00 EST business, 23:00 EST sleep;
    # unassigned 04:00 UTC: sleep.
    assert result.by_class == {"business": 5, "off": 0, "sleep": 4}
    assert result.by_person == {
        "ana": {"business": 4, "off": 0, "sleep": 2},
        "ben": {"business": 1, "off": 0, "sleep": 1},
    }
    assert result.unassigned == 1


def test_interruptions_of_nothing_are_zeros() -> None:
    result = compute.interruptions(cols([]))
    assert result.by_class == {"business": 0, "off": 0, "sleep": 0}
    assert (result.by_person, result.unassigned) == ({}, 0)


# --- weeks -------------------------------------------------------------------------------


def test_week_start_is_monday_midnight_utc() -> None:
    assert compute.week_start(t("2026-03-08 23:59")) == t("2026-03-02 00:00")
    assert compute.week_start(t("2026-03-09 00:00")) == t("2026-03-09 00:00")
    assert compute.week_start(t("2027-01-01 12:00")) == t("2026-12-28 00:00")


def test_weeks_between_covers_the_range() -> None:
    assert compute.weeks_between(t("2026-03-04 00:00"), t("2026-03-16 00:00")) == [
        t("2026-03-02 00:00"),
        t("2026-03-09 00:00"),
    ]
    assert compute.weeks_between(t("2026-03-04 00:00"), t("2026-03-04 00:00")) == []


def test_weekly_figures_by_hand() -> None:
    shifts = [
        shift("ana", "2026-03-02 09:00", "2026-03-02 21:00"),
        # Starts in week 10, ends in week 11: measured whole, in week 10.
        shift("ben", "2026-03-08 21:00", "2026-03-09 09:00"),
        shift("ana", "2026-03-09 09:00", "2026-03-09 21:00"),
    ]
    pages = [
        page("2026-03-02 10:00", "ana", incident="a", ack="2026-03-02 10:01"),
        page("2026-03-02 11:00", "ana", incident="a", ack="2026-03-02 11:05"),
        page("2026-03-02 12:00", "ana", incident="b"),
        page("2026-03-08 23:00", "ben", incident="c", resolved="2026-03-08 23:05"),
        page("2026-03-09 03:00", "ben", incident="d"),  # week 11, ben's week-10 shift
        page("2026-03-09 12:00", "ana", incident="e"),
    ]
    w10, w11 = compute.weekly(
        cols(pages), shifts, [t("2026-03-02 00:00"), t("2026-03-09 00:00")], ["ana", "ben"]
    )
    assert (w10.week, w10.start, w10.end) == ("2026-W10", t("2026-03-02"), t("2026-03-09"))
    assert (w10.pages, w10.incidents) == (4, 3)
    assert [(s.person, s.pages, s.incidents) for s in w10.shifts] == [("ana", 3, 2), ("ben", 2, 2)]
    assert w10.over_limit_shifts == 0
    # Acks of 60 s and 300 s: median rank 0 → 60; p90 rank 1 → 300.
    assert (w10.time_to_acknowledge.count, w10.time_to_acknowledge.median) == (2, 60)
    assert w10.time_to_acknowledge.p90 == 300
    assert (w10.time_to_resolve.count, w10.time_to_resolve.median) == (1, 300)
    assert [(a.alert, a.count) for a in w10.alerts] == [("HighLatency", 4)]
    assert (w10.concentration.top, w10.concentration.top_share) == ("ana", 0.75)
    # ana's three London pages are business; Sunday 23:00 UTC is 19:00 EDT for ben (New
    # York sprang forward that morning): a weekend evening, off.
    assert w10.interruptions.by_class == {"business": 3, "off": 1, "sleep": 0}

    assert (w11.week, w11.pages, w11.incidents) == ("2026-W11", 2, 2)
    assert [(s.person, s.pages) for s in w11.shifts] == [("ana", 1)]
    assert w11.time_to_acknowledge.median is None
    # 03:00 UTC Monday is 23:00 EDT Sunday for ben: sleep; 12:00 UTC is business for ana.
    assert w11.interruptions.by_class == {"business": 1, "off": 0, "sleep": 1}
    assert (w11.concentration.gini, w11.concentration.flagged) == (0, False)


def test_weekly_labels_the_iso_week_across_new_year() -> None:
    (week,) = compute.weekly(cols([]), [], [t("2026-12-28 00:00")])
    assert (week.week, week.end) == ("2026-W53", t("2027-01-04 00:00"))
    assert (week.pages, week.concentration.gini, week.time_to_resolve.p90) == (0, None, None)


@pytest.mark.parametrize("start", ["2026-03-03 00:00", "2026-03-02 09:00"])
def test_weekly_refuses_a_week_not_starting_monday_midnight(start: str) -> None:
    with pytest.raises(ValueError, match="Monday at 00:00"):
        compute.weekly(cols([]), [], [t(start)])


def test_merge_page_keeps_the_earliest_times_and_the_newest_word() -> None:
    import datetime as dt

    from basics.oncall.compute import merge_page
    from basics.oncall.models import Page

    t = dt.datetime(2026, 3, 2, 13, 0)
    stored = Page(
        "pagerduty:P1", "pagerduty", "P1", "k", "Disk full", "mail", "high",
        t, None, None, "earline",
    )  # fmt: skip
    acked = Page(
        "pagerduty:P1", "pagerduty", "P1", "k", "Disk full", None, "low",
        t + dt.timedelta(minutes=1), t + dt.timedelta(minutes=4), None, None,
    )  # fmt: skip
    resolved = Page(
        "pagerduty:P1", "pagerduty", "P1", "k", "Disk full", "mail", None,
        t, None, t + dt.timedelta(minutes=30), None,
    )  # fmt: skip
    once = merge_page(merge_page(stored, acked), resolved)
    assert once.created_at == t
    assert once.acknowledged_at == t + dt.timedelta(minutes=4)
    assert once.resolved_at == t + dt.timedelta(minutes=30)
    assert (once.service, once.urgency, once.responder) == ("mail", "low", "earline")
    # Told again, in another order: the same page.
    assert merge_page(merge_page(stored, resolved), acked) == once


def test_fold_deliveries_merges_in_order_and_counts_each_page_new_once() -> None:
    """Three deliveries over a stored page: P1 stored, acknowledged by the first delivery;
    P2 first told by the first and resolved by the third; P3 new in the second."""
    import datetime as dt

    from basics.oncall.compute import fold_deliveries
    from basics.oncall.models import Page

    t = dt.datetime(2026, 3, 2, 13, 0)

    def page(key: str, ack: int | None = None, resolved: int | None = None) -> Page:
        return Page(
            f"pagerduty:{key}", "pagerduty", key, key, "Disk full", None, None, t,
            None if ack is None else t + dt.timedelta(minutes=ack),
            None if resolved is None else t + dt.timedelta(minutes=resolved), None,
        )  # fmt: skip

    stored = {"pagerduty:P1": page("P1")}
    folded = fold_deliveries(
        stored, [[page("P1", ack=4), page("P2")], [page("P3")], [page("P2", resolved=30)]]
    )
    assert folded.new_pages == [1, 1, 0]
    assert {key: index for key, (_, index) in folded.pages.items()} == {
        "pagerduty:P1": 0, "pagerduty:P2": 2, "pagerduty:P3": 1,
    }  # fmt: skip
    assert folded.pages["pagerduty:P1"][0].acknowledged_at == t + dt.timedelta(minutes=4)
    assert folded.pages["pagerduty:P2"][0].resolved_at == t + dt.timedelta(minutes=30)
    assert stored == {"pagerduty:P1": page("P1")}  # what was stored is not changed


def _told() -> object:
    """Strategy: one delivery's pages (ids from a few, each at most once, as the webhook
    readers give them), with times that may or may not be known yet."""
    import datetime as dt

    from hypothesis import strategies as st

    from basics.oncall.models import Page

    t = dt.datetime(2026, 3, 2, 13, 0)
    minutes = st.one_of(st.none(), st.integers(0, 120).map(lambda m: t + dt.timedelta(minutes=m)))
    page = st.builds(
        lambda key, created, ack, resolved, responder: Page(
            f"pagerduty:{key}",
            "pagerduty",
            key,
            key,
            "Disk full",
            None,
            None,
            t + dt.timedelta(minutes=created),
            ack,
            resolved,
            responder,
        ),
        st.sampled_from(["P1", "P2", "P3"]),
        st.integers(0, 60),
        minutes,
        minutes,
        st.one_of(st.none(), st.sampled_from(["ana", "bo"])),
    )
    return st.lists(page, max_size=3, unique_by=lambda p: p.id)


def test_a_fold_equals_merging_one_delivery_after_another() -> None:
    """`fold_deliveries` (what one transaction stores) equals storing each delivery in turn
    with `merge_page`, and counts a page new only in the first delivery to tell of it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from basics.oncall.compute import fold_deliveries, merge_page
    from basics.oncall.models import Page  # noqa: F401 - in the annotations below

    @settings(max_examples=300, deadline=None)
    @given(stored=_told(), deliveries=st.lists(_told(), max_size=5))
    def check(stored: list[Page], deliveries: list[list[Page]]) -> None:
        state = {p.id: p for p in stored}
        new_counts = []
        told_by: dict[str, list[int]] = {}  # the deliveries that told of a page, in order
        replaced = []  # what storing one by one moves aside: (version, by, replaced by)
        for index, told in enumerate(deliveries):
            new_counts.append(sum(1 for p in told if p.id not in state))
            for p in told:
                if p.id in told_by:
                    replaced.append((state[p.id], told_by[p.id][-1], index))
                told_by.setdefault(p.id, []).append(index)
                state[p.id] = merge_page(state[p.id], p) if p.id in state else p
        folded = fold_deliveries({p.id: p for p in stored}, deliveries)
        assert folded.new_pages == new_counts
        touched = {p.id for told in deliveries for p in told}
        assert {key: page for key, (page, _) in folded.pages.items()} == {
            key: state[key] for key in touched
        }
        for key, (_, index) in folded.pages.items():  # the last delivery to tell of it
            assert (index, folded.first[key]) == (told_by[key][-1], told_by[key][0])
        assert folded.between == replaced

    check()


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.integers(min_value=-600, max_value=10**8),  # µs to resolve; < 0: clock skew
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_median_resolve_by_alert_is_the_nearest_rank_median_of_each(
    rows: list[tuple[str, int, bool]],
) -> None:
    created = dt.datetime(2026, 3, 2, 9)
    pages = [
        dataclasses.replace(
            page("2026-03-02 09:00", alert=alert, incident=f"i{i % 7}"),
            id=f"p{i}",
            resolved_at=created + dt.timedelta(microseconds=us) if resolved else None,
        )
        for i, (alert, us, resolved) in enumerate(rows)
    ]
    columns = cols(pages)
    got = {a.alert: a.median_resolve_s for a in compute.noisy_alerts(columns)}
    for alert in {a for a, _, _ in rows}:
        times = [max(us, 0) / 1e6 for a, us, done in rows if a == alert and done]
        assert got[alert] == compute_median(times)
    assert compute.distinct(columns.incident) == len({p.incident_key for p in pages})


def compute_median(values: list[float]) -> float | None:
    """The nearest-rank median, written out: the ⌈n/2⌉-th smallest."""
    return sorted(values)[math.ceil(len(values) / 2) - 1] if values else None
