"""The pure alerting arithmetic pinned against the SRE Workbook (ch. 5) on synthetic series.

Every expected value is derived in the test from the Workbook's own formulas:

* factor = budget share × SLO window / long window (2 %, 5 %, 10 % of a 30 d budget in
  1 h, 6 h, 3 d give 14.4, 6 and 1);
* with steady traffic and a constant error ratio e from a clean history, the detection
  time is d = (1 − SLO) / e × long window × factor, and a tier first fires at the end of
  the first whole minute m with m × 60 s > d;
* once errors stop, a two-window tier resets when its short window's burn rate drops back
  to the factor (bad × 1000 ≤ factor × total for 99.9 %).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.alerting import compute
from basics.alerting.models import Span, Tier
from basics.config.alerting import BUILTIN_POLICIES, AlertPolicy
from basics.core import ranks

DAY_S = 86400
WINDOW_30D = 30 * DAY_S
THREE_NINES = Decimal("99.9")
SHARE_999 = Fraction(1, 1000)

# The steady-traffic scenario: 1000 events a minute, six days clean (two 3-day windows, so
# even the 3 d tier's long window is clean when errors start), then 600 minutes at error
# ratio e, then three clean days. Evaluation starts after the 3 d lookback.
PER_MINUTE = 1000
LOOKBACK_M = 3 * 1440
ERRORS_FROM = 2 * LOOKBACK_M
ERROR_MINUTES = 600
ERRORS_UNTIL = ERRORS_FROM + ERROR_MINUTES
SERIES_MINUTES = ERRORS_UNTIL + LOOKBACK_M

WORKBOOK = compute.resolve_tiers(BUILTIN_POLICIES["workbook"], WINDOW_30D)


def steady(error_ratio: Fraction) -> tuple[np.ndarray, np.ndarray]:
    """(totals, goods) per minute for the steady-traffic scenario at error ratio e."""
    totals = np.full(SERIES_MINUTES, PER_MINUTE, dtype=np.int64)
    bad_per_minute = error_ratio * PER_MINUTE
    assert bad_per_minute.denominator == 1, "keep the scenario in whole events"
    bad = np.zeros(SERIES_MINUTES, dtype=np.int64)
    bad[ERRORS_FROM:ERRORS_UNTIL] = int(bad_per_minute)
    return totals, totals - bad


def run_tier(
    tier: Tier,
    totals: np.ndarray,
    goods: np.ndarray,
    first: int = LOOKBACK_M,
    objective: Decimal = THREE_NINES,
    min_events: int = 0,
    keep: bool = False,
) -> list[Span]:
    """Firing spans (guard passed) of one tier over a series, evaluated from `first`."""
    fires, _, burn = compute.tier_conditions(
        totals, goods, first, objective, tier, min_events, keep
    )
    return compute.spans(0, fires, burn, first, suppressed=False)


def detection_s(error_ratio: Fraction, tier: Tier) -> Fraction:
    """The Workbook's detection time d = (1 − SLO) / e × long window × factor, in seconds."""
    return SHARE_999 / error_ratio * tier.long_s * tier.factor


def first_minute(error_ratio: Fraction, tier: Tier) -> int | None:
    """The first whole minute m with m × 60 s > d, or None if the tier can never fire."""
    if error_ratio <= SHARE_999 * tier.factor:
        return None  # the error ratio itself never exceeds the factor
    return math.floor(detection_s(error_ratio, tier) / 60) + 1


def reset_after(error_ratio: Fraction, tier: Tier) -> int:
    """Clean minutes after the errors stop until the deciding window burns ≤ factor.

    With j clean minutes, a window of w minutes (w ≤ the error run) holds e × (w − j)
    bad events per PER_MINUTE: it is back to the factor at the first j with
    e × (w − j) ≤ (1 − SLO) × factor × w. For two-window tiers the short window decides.
    """
    w = (tier.short_s or tier.long_s) // 60
    return math.ceil(w * (1 - SHARE_999 * tier.factor / error_ratio))


# --- factors and budget shares ------------------------------------------------------------


@pytest.mark.parametrize(
    ("window_days", "factors"),
    [
        (30, [Fraction("14.4"), Fraction(6), Fraction(1)]),
        (28, [Fraction("13.44"), Fraction("5.6"), Fraction(14, 15)]),
        (7, [Fraction("3.36"), Fraction("1.4"), Fraction(7, 30)]),
    ],
)
def test_workbook_factors_per_slo_window(window_days: int, factors: list[Fraction]) -> None:
    tiers = compute.resolve_tiers(BUILTIN_POLICIES["workbook"], window_days * DAY_S)
    assert [t.factor for t in tiers] == factors
    assert [(t.long_s, t.short_s) for t in tiers] == [
        (3600, 300),
        (6 * 3600, 1800),
        (3 * DAY_S, 6 * 3600),
    ]
    assert [t.severity for t in tiers] == ["page", "page", "ticket"]
    assert [t.name for t in tiers] == ["1h/5m", "6h/30m", "3d/6h"]
    # And back: each tier lets exactly 2 %, 5 %, 10 % of the window's budget burn.
    assert [compute.budget_share(t, window_days * DAY_S) for t in tiers] == [
        Fraction(2, 100),
        Fraction(5, 100),
        Fraction(10, 100),
    ]


def test_factors_are_exact_fractions_not_floats() -> None:
    assert all(isinstance(t.factor, Fraction) for t in WORKBOOK)
    # 14.4 has no exact binary form; the factor must still be exactly 72/5.
    assert WORKBOOK[0].factor == Fraction(72, 5)


def test_burn_rate_tiers_keep_their_factor_whatever_the_window() -> None:
    for window_days in (7, 28, 30):
        (single,) = compute.resolve_tiers(BUILTIN_POLICIES["single-1h"], window_days * DAY_S)
        assert single == Tier(3600, None, Fraction(36), "page")
        assert single.name == "1h"
        (rate,) = compute.resolve_tiers(BUILTIN_POLICIES["error-rate"], window_days * DAY_S)
        assert rate == Tier(600, None, Fraction(1), "page")
        assert rate.name == "10m"
    # 36 × 1 h of a 30 d window is the 5 % the Workbook quotes for approach 4.
    (single,) = compute.resolve_tiers(BUILTIN_POLICIES["single-1h"], WINDOW_30D)
    assert compute.budget_share(single, WINDOW_30D) == Fraction(5, 100)


def test_budget_share_given_as_a_decimal_is_exact() -> None:
    policy = AlertPolicy.model_validate(
        {"tiers": [{"long": "1h", "short": "5m", "budget_share": "2.5"}]}
    )
    (tier,) = compute.resolve_tiers(policy, WINDOW_30D)
    assert tier.factor == Fraction(18)  # 2.5 % × 720
    assert compute.budget_share(tier, WINDOW_30D) == Fraction(25, 1000)


# --- the Workbook vectors -----------------------------------------------------------------


def test_the_issue_detection_times() -> None:
    one = Fraction(1)
    assert [detection_s(one, t) for t in WORKBOOK] == [
        Fraction("51.84"),
        Fraction("129.6"),
        Fraction("259.2"),
    ]
    assert [first_minute(one, t) for t in WORKBOOK] == [1, 3, 5]
    percent = Fraction(1, 100)
    assert first_minute(percent, WORKBOOK[0]) is None  # 1 % never exceeds 14.4 × 0.1 %
    assert detection_s(percent, WORKBOOK[1]) == 12960
    assert [first_minute(percent, t) for t in WORKBOOK[1:]] == [217, 433]


ERROR_RATIOS = [Fraction(1), Fraction(1, 10), Fraction(1, 50), Fraction(1, 100)]


@pytest.mark.parametrize("error_ratio", ERROR_RATIOS, ids=lambda e: f"e={float(e):g}")
@pytest.mark.parametrize("index", [0, 1, 2], ids=["1h/5m", "6h/30m", "3d/6h"])
def test_workbook_tier_fires_and_resets_on_the_predicted_minutes(
    error_ratio: Fraction, index: int
) -> None:
    tier = WORKBOOK[index]
    totals, goods = steady(error_ratio)
    found = run_tier(tier, totals, goods)
    m = first_minute(error_ratio, tier)
    if m is None:
        assert found == []
        return
    assert m <= ERROR_MINUTES  # the scenario's errors last long enough to be detected
    (span,) = found
    # Minute index ERRORS_FROM + m − 1 is the m-th minute with errors; its end is the firing.
    assert span.start == ERRORS_FROM + m - 1
    assert span.reset == ERRORS_UNTIL - 1 + reset_after(error_ratio, tier)
    # The peak long-window burn is e / 0.001 once the long window is full of errors.
    long_m = tier.long_s // 60
    assert span.peak_burn_rate == pytest.approx(
        float(error_ratio / SHARE_999 * min(ERROR_MINUTES, long_m) / long_m)
    )
    assert span.suppressed is False


@pytest.mark.parametrize(
    ("error_ratio", "starts", "resets"),
    [
        (Fraction(1), [1, 3, 5], [5, 30, 360]),
        (Fraction(1, 10), [9, 22, 44], [5, 29, 357]),
        (Fraction(1, 50), [44, 109, 217], [2, 21, 342]),
        (Fraction(1, 100), [None, 217, 433], [None, 12, 324]),
    ],
    ids=lambda value: str(value),
)
def test_workbook_vectors_as_literal_minutes(
    error_ratio: Fraction, starts: list[int | None], resets: list[int | None]
) -> None:
    """The same vectors written out, so a change in the formula helpers cannot hide one."""
    totals, goods = steady(error_ratio)
    for tier, start, reset in zip(WORKBOOK, starts, resets, strict=True):
        found = run_tier(tier, totals, goods)
        if start is None:
            assert found == []
            continue
        assert [(s.start - ERRORS_FROM + 1, s.reset) for s in found] == [
            (start, ERRORS_UNTIL - 1 + reset)
        ]


def test_boundary_minutes_of_the_vectors_are_exact_ties() -> None:
    """e = 0.02 on 6h/30m and e = 0.01 on 3d/6h put d on a whole minute: the tie holds."""
    assert detection_s(Fraction(1, 50), WORKBOOK[1]) == 108 * 60
    assert detection_s(Fraction(1, 100), WORKBOOK[2]) == 432 * 60
    totals, goods = steady(Fraction(1, 100))
    fires, _, _ = compute.tier_conditions(
        totals, goods, LOOKBACK_M, THREE_NINES, WORKBOOK[2], 0, False
    )
    at_tie = ERRORS_FROM + 432 - 1 - LOOKBACK_M
    assert not fires[at_tie]  # 4,320 bad × 1000 == 1 × 4,320,000 total: not above
    assert fires[at_tie + 1]


def test_reset_uses_the_long_window_when_a_tier_has_no_short_one() -> None:
    (single,) = compute.resolve_tiers(BUILTIN_POLICIES["single-1h"], WINDOW_30D)
    # e = 1: d = 0.001 × 3600 s × 36 = 129.6 s -> minute 3; the 1 h window holds the
    # errors until 36 × 0.1 % × 60 min = 2.16 minutes' worth remain -> 58 clean minutes.
    assert detection_s(Fraction(1), single) == Fraction("129.6")
    for error_ratio, start, reset in [(Fraction(1), 3, 58), (Fraction(1, 10), 22, 39)]:
        assert first_minute(error_ratio, single) == start
        assert reset_after(error_ratio, single) == reset
        totals, goods = steady(error_ratio)
        (span,) = run_tier(single, totals, goods)
        assert (span.start, span.reset) == (ERRORS_FROM + start - 1, ERRORS_UNTIL - 1 + reset)
    totals, goods = steady(Fraction(1, 50))  # 2 % never exceeds 36 × 0.1 %
    assert run_tier(single, totals, goods) == []


def test_error_rate_policy_ties_on_its_first_minute() -> None:
    (rate,) = compute.resolve_tiers(BUILTIN_POLICIES["error-rate"], WINDOW_30D)
    # e = 1 %: d = 0.001 / 0.01 × 600 s × 1 = 60 s exactly: minute 1 ties, minute 2 fires.
    assert detection_s(Fraction(1, 100), rate) == 60
    totals, goods = steady(Fraction(1, 100))
    (span,) = run_tier(rate, totals, goods)
    assert span.start == ERRORS_FROM + 1
    assert span.reset == ERRORS_UNTIL - 1 + 9  # 1 % × (10 − j) ≤ 0.1 % × 10 at j = 9


def test_a_firing_still_active_at_the_end_has_no_reset() -> None:
    totals, goods = steady(Fraction(1))
    end = ERRORS_FROM + 10  # the series stops ten minutes into the errors
    (span,) = run_tier(WORKBOOK[0], totals[:end], goods[:end])
    assert span.start == ERRORS_FROM
    assert span.reset is None


# --- exact comparison ---------------------------------------------------------------------


def naive_float_fires(bad: int, total: int, factor: Fraction, objective: Decimal) -> bool:
    """The comparison an implementation in floats would make."""
    return bad / total > float(factor) * (1 - float(objective) / 100)


def single_minute(bad: int, total: int, long_m: int) -> tuple[np.ndarray, np.ndarray]:
    """All traffic of the long window in its last minute: both windows see the same ratio."""
    totals = np.zeros(long_m, dtype=np.int64)
    goods = np.zeros(long_m, dtype=np.int64)
    totals[-1], goods[-1] = total, total - bad
    return totals, goods


def fires_at_end(tier: Tier, totals: np.ndarray, goods: np.ndarray, objective: Decimal) -> bool:
    fires, suppressed, _ = compute.tier_conditions(
        totals, goods, len(totals) - 1, objective, tier, 0, False
    )
    assert not suppressed.any()
    return bool(fires[-1])


@pytest.mark.parametrize("objective", ["99.9", "99.95", "99.99", "99.5", "95"])
@pytest.mark.parametrize("window_days", [30, 28, 7])
@pytest.mark.parametrize(
    ("policy", "index"),
    [("workbook", 0), ("workbook", 1), ("workbook", 2), ("single-1h", 0), ("error-rate", 0)],
)
def test_a_tie_never_fires_and_one_more_bad_event_does(
    objective: str, window_days: int, policy: str, index: int
) -> None:
    tier = compute.resolve_tiers(BUILTIN_POLICIES[policy], window_days * DAY_S)[index]
    threshold = tier.factor * (100 - Fraction(Decimal(objective))) / 100
    p, q = threshold.numerator, threshold.denominator
    totals, goods = single_minute(p, q, tier.long_s // 60)
    assert not fires_at_end(tier, totals, goods, Decimal(objective))  # p × q == p × q
    totals, goods = single_minute(p + 1, q, tier.long_s // 60)
    assert fires_at_end(tier, totals, goods, Decimal(objective))


def test_tie_at_three_nines_where_floats_would_fire() -> None:
    """bad × 1000 == 14.4 × total: not above. A float comparison says it is."""
    tier = WORKBOOK[0]
    long_total = 60 * 625
    bad = 540  # 540 × 1000 == 14.4 × 37,500
    assert bad * 1000 == tier.factor * long_total
    assert naive_float_fires(bad, long_total, tier.factor, THREE_NINES)  # the trap
    totals = np.full(60, 625, dtype=np.int64)
    goods = totals.copy()
    goods[-1] -= bad  # all in the last minute: the 5 m window is far above
    assert not fires_at_end(tier, totals, goods, THREE_NINES)
    goods[-1] -= 1
    assert fires_at_end(tier, totals, goods, THREE_NINES)


def test_tie_at_99_95_on_the_long_window_where_floats_would_fire() -> None:
    objective = Decimal("99.95")
    tier = WORKBOOK[1]  # 6h/30m, factor 6: threshold 6 × 0.05 % = 3/1000
    long_total = 360 * 100
    bad = 108
    assert Fraction(bad, long_total) == tier.factor * Fraction(5, 10000)
    assert naive_float_fires(bad, long_total, tier.factor, objective)  # the trap
    totals = np.full(360, 100, dtype=np.int64)
    goods = totals.copy()
    goods[-1] -= bad
    assert not fires_at_end(tier, totals, goods, objective)
    goods[-2] -= 1
    assert fires_at_end(tier, totals, goods, objective)


def test_tie_at_99_95_on_the_short_window_alone() -> None:
    objective = Decimal("99.95")
    tier = compute.resolve_tiers(BUILTIN_POLICIES["workbook"], 7 * DAY_S)[0]  # 3.36
    threshold = tier.factor * Fraction(5, 10000)
    assert threshold == Fraction(21, 12500)
    # 12,500 events in the 5 m window with exactly 21 bad; the long window is far above.
    totals = np.zeros(60, dtype=np.int64)
    goods = np.zeros(60, dtype=np.int64)
    totals[0], goods[0] = 1000, 0  # 1000 bad an hour ago, outside the short window
    totals[-5:] = 2500
    goods[-5:] = 2500
    goods[-1] -= 21
    assert naive_float_fires(21, 12500, tier.factor, objective)  # the trap
    assert not fires_at_end(tier, totals, goods, objective)
    goods[-3] -= 1
    assert fires_at_end(tier, totals, goods, objective)


def test_exceeds_is_false_without_events() -> None:
    zero = np.zeros(3, dtype=np.int64)
    assert not compute.exceeds(zero, zero, Fraction(0)).any()
    bad = np.array([0, 1, 2], dtype=np.int64)
    total = np.array([0, 1000, 1000], dtype=np.int64)
    assert compute.exceeds(bad, total, Fraction(1, 1000)).tolist() == [False, False, True]


@settings(max_examples=40, deadline=None)
@given(
    minutes=st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda t: (max(t), min(t))),
        min_size=1,
        max_size=40,
    ),
    objective=st.sampled_from(["99.9", "99.95", "99", "90"]),
    policy=st.sampled_from(["workbook", "single-1h", "error-rate"]),
    window_days=st.sampled_from([7, 28, 30]),
    min_events=st.integers(0, 30),
)
def test_tier_conditions_match_a_naive_recount(
    minutes: list[tuple[int, int]],
    objective: str,
    policy: str,
    window_days: int,
    min_events: int,
) -> None:
    """Minute by minute, the vectorised conditions equal a recount in Fractions."""
    totals = np.array([t for t, _ in minutes], dtype=np.int64)
    goods = np.array([g for _, g in minutes], dtype=np.int64)
    share = (100 - Fraction(Decimal(objective))) / 100
    for tier in compute.resolve_tiers(BUILTIN_POLICIES[policy], window_days * DAY_S):
        long_m = min(tier.long_s // 60, 8)  # shrink windows so the series spans them
        short_m = None if tier.short_s is None else max(1, min(tier.short_s // 60, long_m - 1))
        small = Tier(long_m * 60, None if short_m is None else short_m * 60, tier.factor, "page")
        fires, suppressed, _ = compute.tier_conditions(
            totals, goods, 0, Decimal(objective), small, min_events, False
        )
        for i in range(len(minutes)):

            def over(width: int, i: int = i, factor: Fraction = tier.factor) -> bool:
                chosen = minutes[max(i + 1 - width, 0) : i + 1]
                total = sum(t for t, _ in chosen)
                bad = sum(t - g for t, g in chosen)
                return total > 0 and Fraction(bad, total) > factor * share

            condition = over(long_m) and (short_m is None or over(short_m))
            events = sum(t for t, _ in minutes[max(i + 1 - long_m, 0) : i + 1])
            assert fires[i] == (condition and events >= min_events)
            assert suppressed[i] == (condition and events < min_events)


# --- the minimum-traffic guard ------------------------------------------------------------


def test_min_events_suppresses_below_and_fires_at_exactly_n() -> None:
    tier = Tier(600, None, Fraction(1), "page")
    totals = np.full(30, 10, dtype=np.int64)
    goods = np.zeros(30, dtype=np.int64)  # everything fails from minute 0
    fires, suppressed, burn = compute.tier_conditions(
        totals, goods, 0, THREE_NINES, tier, 100, False
    )
    # The 10 m window holds 10 × (i + 1) events: fewer than 100 up to minute 8.
    assert suppressed.tolist() == [True] * 9 + [False] * 21
    assert fires.tolist() == [False] * 9 + [True] * 21
    assert not (fires & suppressed).any()
    assert compute.spans(0, suppressed, burn, 0, suppressed=True) == [Span(0, 0, 9, 1000.0, True)]
    assert compute.spans(0, fires, burn, 0, suppressed=False) == [Span(0, 9, None, 1000.0, False)]


def test_min_events_never_hides_a_quiet_healthy_minute_as_suppressed() -> None:
    tier = WORKBOOK[0]
    totals = np.full(120, 2, dtype=np.int64)
    fires, suppressed, _ = compute.tier_conditions(
        totals, totals.copy(), 60, THREE_NINES, tier, 1000, False
    )
    assert not fires.any()
    assert not suppressed.any()  # suppressed means "would have fired", not "quiet"


def test_min_events_guard_on_the_workbook_outage() -> None:
    """The same outage at 1000/min: a 1 h window of 60,000 events passes a 60,000 guard
    and is suppressed by a 60,001 one, for exactly the same minutes."""
    tier = WORKBOOK[0]
    totals, goods = steady(Fraction(1))
    fires, suppressed, _ = compute.tier_conditions(
        totals, goods, LOOKBACK_M, THREE_NINES, tier, 60_000, False
    )
    guarded_fires, guarded_suppressed, _ = compute.tier_conditions(
        totals, goods, LOOKBACK_M, THREE_NINES, tier, 60_001, False
    )
    assert fires.any()
    assert not suppressed.any()
    assert not guarded_fires.any()
    assert guarded_suppressed.tolist() == fires.tolist()


# --- no data ------------------------------------------------------------------------------


def gap_series() -> tuple[np.ndarray, np.ndarray]:
    """10/min: clean 0–19, all bad 20–24, no events at all 25–54, clean again 55–64."""
    totals = np.full(65, 10, dtype=np.int64)
    totals[25:55] = 0
    goods = totals.copy()
    goods[20:25] = 0
    return totals, goods


def test_no_data_ok_resets_once_the_long_window_is_empty() -> None:
    tier = Tier(600, None, Fraction(1), "page")
    totals, goods = gap_series()
    fires, suppressed, burn = compute.tier_conditions(totals, goods, 0, THREE_NINES, tier, 0, False)
    # Minute 33's window (24–33) still holds ten bad events; minute 34's (25–34) is empty.
    assert compute.spans(0, fires, burn, 0, suppressed=False) == [Span(0, 20, 34, 1000.0, False)]
    assert burn[40] == 0.0  # no events: burn reported as 0, never NaN
    assert not suppressed.any()


def test_no_data_keep_holds_the_last_state_through_the_gap() -> None:
    tier = Tier(600, None, Fraction(1), "page")
    totals, goods = gap_series()
    fires, _, burn = compute.tier_conditions(totals, goods, 0, THREE_NINES, tier, 0, True)
    # Firing kept while windows 34–54 are empty; minute 55 has clean events again.
    assert compute.spans(0, fires, burn, 0, suppressed=False) == [Span(0, 20, 55, 1000.0, False)]


def test_no_data_keep_holds_a_quiet_state_too() -> None:
    tier = Tier(600, None, Fraction(1), "page")
    totals = np.full(60, 10, dtype=np.int64)
    totals[:15] = 0  # nothing before the first data: not firing
    totals[30:50] = 0  # a gap after clean traffic: still not firing
    for keep in (False, True):
        fires, suppressed, _ = compute.tier_conditions(
            totals, totals.copy(), 0, THREE_NINES, tier, 0, keep
        )
        assert not fires.any()
        assert not suppressed.any()


def test_no_data_keep_with_a_guard_suppresses_the_kept_firing() -> None:
    """An empty long window has fewer events than any positive min_events."""
    tier = Tier(600, None, Fraction(1), "page")
    totals, goods = gap_series()
    fires, suppressed, _ = compute.tier_conditions(totals, goods, 0, THREE_NINES, tier, 5, True)
    assert fires[20:34].all()
    assert suppressed[34:55].all()
    assert not fires[34:].any()


def test_no_data_keep_holds_a_two_window_tier_when_its_short_window_is_empty() -> None:
    tier = WORKBOOK[0]
    totals = np.full(180, 10, dtype=np.int64)
    totals[130:] = 0  # the service stops answering at all after 10 failing minutes
    goods = totals.copy()
    goods[120:130] = 0
    fires, _, _ = compute.tier_conditions(totals, goods, 60, THREE_NINES, tier, 0, True)
    # The short window is empty from minute 134; the long window still holds the errors.
    assert fires[120 - 60 : 180 - 60].all()


# --- spans --------------------------------------------------------------------------------


def test_spans_are_half_open_absolute_minute_runs_with_their_peak() -> None:
    active = np.array([True, True, False, False, True, False, True], dtype=np.bool_)
    burn = np.array([1.0, 3.0, 9.0, 9.0, 2.0, 0.0, 5.0])
    assert compute.spans(2, active, burn, 100, suppressed=False) == [
        Span(2, 100, 102, 3.0, False),
        Span(2, 104, 105, 2.0, False),
        Span(2, 106, None, 5.0, False),
    ]
    assert compute.spans(0, np.zeros(4, dtype=np.bool_), np.zeros(4), 0, suppressed=True) == []


TEN_MINUTES = Tier(600, None, Fraction(1), "page")


def three_a_minute(bad: list[int]) -> compute.Cumulative:
    totals = np.full(len(bad), 3, dtype=np.int64)
    return compute.Cumulative.of(totals, totals - np.asarray(bad, dtype=np.int64))


def test_a_span_on_at_the_range_start_is_traced_back_to_its_start() -> None:
    """Three events a minute and one bad in minutes 12-14; a 10-minute tier at burn rate 1
    of 99.9 % fires while its window holds a bad event (1000 > 30): minutes 12 to 23, a span
    [12, 24) with a peak of 3 bad in 30, a burn of 100. A range starting at the end of
    minute 19 (first = 20) or 23 holds it whole; one starting at the end of minute 24, when
    it has reset, does not. Failing from minute 0, it is on from the first minute whose
    window the series holds whole (9): it began then or before."""
    bad = [0] * 40
    bad[12:15] = [1, 1, 1]
    burst = three_a_minute(bad)

    def spans(series: compute.Cumulative, first: int) -> list[Span]:
        return compute.range_spans(series, first, THREE_NINES, TEN_MINUTES, 0, 0, False)

    whole = [Span(0, 12, 24, pytest.approx(3 / 30 / 0.001), False)]
    assert spans(burst, 10) == spans(burst, 20) == spans(burst, 24) == whole
    assert spans(burst, 25) == []
    assert spans(three_a_minute([1] * 40), 20) == [Span(0, 9, None, 1 / 3 / 0.001, False)]


@settings(max_examples=200, deadline=None)
@given(
    bad=st.lists(st.integers(0, 3), min_size=40, max_size=40),
    first=st.integers(10, 39),
    cut=st.integers(10, 39),
)
def test_where_the_range_starts_never_changes_a_firing(
    bad: list[int], first: int, cut: int
) -> None:
    """A firing on at both starts is the same span from either: the same start, reset and
    peak; a range starting later only leaves out those over before it starts."""
    series = three_a_minute(bad)
    early, late = sorted((first, cut))

    def spans(since: int) -> list[Span]:
        return compute.range_spans(series, since, THREE_NINES, TEN_MINUTES, 0, 0, False)

    assert spans(late) == [s for s in spans(early) if s.reset is None or s.reset > late - 1]


# --- the time with events -----------------------------------------------------------------


def minutes_with_events(held: list[int], length: int, first: int = 0) -> int:
    """`event_minutes` of a series of `length` minutes with one event in each of `held`."""
    totals = np.zeros(length, dtype=np.int64)
    totals[held] = 1
    return compute.event_minutes(compute.Cumulative.of(totals, totals).total, first)


def test_event_minutes_run_from_the_first_to_the_last_minute_with_events() -> None:
    # 8 days of events in a 38-day range: 8 × 1440 minutes, however long the range.
    assert minutes_with_events(list(range(8 * 1440)), 38 * 1440) == 8 * 1440
    # Quiet minutes inside a day count: one event every 6 hours, 0 to 24 h, is 1440
    # minutes from the first to the last, and that minute itself: 1441.
    assert minutes_with_events([0, 360, 720, 1080, 1440], 3000) == 1441
    # An hour, two days without events, another hour: the gap is a stopped feed, left out;
    # the 940 quiet minutes from the last event to the range's end (under a day) count.
    assert minutes_with_events([*range(60), *range(3000, 3060)], 4000) == 120 + 940
    assert minutes_with_events([*range(60), *range(3000, 3060)], 3060 + 1441) == 120
    # A day without events (1440 quiet minutes) still counts; a minute more does not.
    assert minutes_with_events([0, 1441], 1442) == 1442
    assert minutes_with_events([0, 1442], 1443) == 2
    # A live feed's quiet minutes up to the end: `--to now` 3 minutes after its last event.
    assert minutes_with_events(list(range(1440)), 1443) == 1443
    # Only the minutes from `first`: here 100-159 and 3000-3059, the gap left out.
    assert minutes_with_events([*range(160), *range(3000, 3060)], 3060, first=100) == 120
    assert minutes_with_events([], 100) == 0


def test_trailing_sums_clip_at_the_series_start() -> None:
    cumulative = np.concatenate(([0], np.cumsum(np.arange(1, 6, dtype=np.int64))))
    assert compute.trailing_sums(cumulative, 0, 2).tolist() == [1, 3, 5, 7, 9]
    assert compute.trailing_sums(cumulative, 0, 10).tolist() == [1, 3, 6, 10, 15]
    assert compute.trailing_sums(cumulative, 3, 2).tolist() == [7, 9]
    assert compute.trailing_sums(cumulative, 1, 3).tolist() == [3, 6, 9, 12]
    assert compute.trailing_sums(cumulative, 5, 3).tolist() == []


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 50), min_size=1, max_size=40),
    first=st.integers(0, 45),
    minutes=st.integers(1, 50),
)
def test_trailing_sums_equal_a_naive_recount(values: list[int], first: int, minutes: int) -> None:
    cumulative = np.concatenate(([0], np.cumsum(np.array(values, dtype=np.int64))))
    expected = [sum(values[max(0, i + 1 - minutes) : i + 1]) for i in range(first, len(values))]
    assert compute.trailing_sums(cumulative, first, minutes).tolist() == expected


# --- nearest rank -------------------------------------------------------------------------


def test_nearest_rank() -> None:
    assert ranks.nearest_rank([], 0.5) is None
    assert ranks.nearest_rank([42.0], 0.5) == 42.0
    assert ranks.nearest_rank([42.0], 0.9) == 42.0
    values = [float(v) for v in (7, 1, 10, 3, 5, 2, 9, 4, 8, 6)]
    assert ranks.nearest_rank(values, 0.5) == 5.0
    assert ranks.nearest_rank(values, 0.9) == 9.0
    assert ranks.nearest_rank(values, 0.91) == 10.0
    assert ranks.nearest_rank(values, 1.0) == 10.0
    assert ranks.nearest_rank(values, 0.0) == 1.0
    # 0.7 × 10 is 7.000000000000001 in floats: the rank must still be 7, not 8.
    assert ranks.nearest_rank(values, 0.7) == 7.0
    assert ranks.nearest_rank([60.0, 1260.0], 0.5) == 60.0
    assert ranks.nearest_rank([60.0, 1260.0], 0.9) == 1260.0
