"""Hand-computed and property tests for the pure SLO arithmetic (DESIGN §4)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.core.ranks import rank_index
from basics.core.sketch import RELATIVE_ERROR, bucket_of, bucket_value
from basics.slo import compute
from basics.slo.models import Counts


def counts(total: int, bad: int) -> Counts:
    """Counts given as total and bad events (the way budgets are reasoned about)."""
    return Counts(total=total, good=total - bad)


# --- sli ---------------------------------------------------------------------------------


def test_sli_with_no_events_is_no_data_never_one() -> None:
    assert compute.sli(Counts(0, 0)) is None


def test_sli_is_good_over_total() -> None:
    assert compute.sli(Counts(4, 3)) == 0.75
    assert compute.sli(Counts(1000, 1000)) == 1.0
    assert compute.sli(Counts(7, 0)) == 0.0


def test_error_share_is_exact_decimal() -> None:
    assert compute.error_share(Decimal("99.9")) == Decimal("0.001")
    assert compute.error_share(Decimal("99.95")) == Decimal("0.0005")
    assert compute.error_share(Decimal("99")) == Decimal("0.01")


# --- budget ------------------------------------------------------------------------------


def test_budget_of_a_million_events_at_three_nines() -> None:
    figures = compute.budget(counts(1_000_000, 250), Decimal("99.9"))
    assert figures.total == Decimal(1000)
    assert figures.consumed == 0.25
    assert figures.remaining == 0.75
    assert figures.exhausted is False


def test_budget_exhausted_exactly_at_bad_equal_allowed() -> None:
    objective = Decimal("99.9")
    assert compute.budget(counts(1_000_000, 999), objective).exhausted is False
    at_limit = compute.budget(counts(1_000_000, 1000), objective)
    assert at_limit.exhausted is True
    assert at_limit.consumed == 1.0
    assert at_limit.remaining == 0.0
    over = compute.budget(counts(1_000_000, 1500), objective)
    assert over.exhausted is True
    assert over.consumed == 1.5
    assert over.remaining == -0.5


def test_budget_exhaustion_is_exact_where_floats_are_not() -> None:
    # 99.9 % of 1000 events allows exactly 1 bad one; in floats the allowance is
    # 1.0000000000000009, so a float comparison would miss that the budget is spent.
    assert not 1 >= (1 - 0.999) * 1000
    figures = compute.budget(counts(1000, 1), Decimal("99.9"))
    assert figures.total == Decimal(1)
    assert figures.consumed == 1.0
    assert figures.remaining == 0.0
    assert figures.exhausted is True
    # 99.95 % of 20,000 allows exactly 10
    assert compute.budget(counts(20_000, 10), Decimal("99.95")).exhausted is True
    assert compute.budget(counts(20_000, 9), Decimal("99.95")).exhausted is False


def test_budget_with_no_events_has_no_shares() -> None:
    figures = compute.budget(Counts(0, 0), Decimal("99.9"))
    assert figures.total == 0
    assert figures.consumed is None
    assert figures.remaining is None
    assert figures.exhausted is False


def test_budget_with_no_bad_events() -> None:
    figures = compute.budget(counts(500, 0), Decimal("99"))
    assert figures.total == Decimal(5)
    assert figures.consumed == 0.0
    assert figures.remaining == 1.0
    assert figures.exhausted is False


# --- burn rates --------------------------------------------------------------------------


def test_burn_rate_hand_computed() -> None:
    objective = Decimal("99.9")
    assert compute.burn_rate(counts(1000, 1), objective) == 1.0
    assert compute.burn_rate(counts(1000, 0), objective) == 0.0
    assert compute.burn_rate(counts(10_000, 144), objective) == 14.4
    assert compute.burn_rate(counts(100, 100), objective) == 1000.0
    assert compute.burn_rate(counts(200, 3), Decimal("99")) == 1.5


def test_burn_rate_with_no_events_is_none() -> None:
    assert compute.burn_rate(Counts(0, 0), Decimal("99.9")) is None


@pytest.mark.parametrize(
    ("objective", "factor", "total", "bad_at_limit"),
    [
        ("99.9", "14.4", 10_000, 144),
        ("99.9", "14.4", 2_500, 36),
        ("99.9", "6", 1_000, 6),
        ("99.9", "1", 1_000, 1),
        ("99.99", "14.4", 25_000, 36),
        ("99.5", "2", 300, 3),
        ("95", "1", 20, 1),
    ],
)
def test_burns_faster_than_is_strict_at_the_exact_boundary(
    objective: str, factor: str, total: int, bad_at_limit: int
) -> None:
    obj, fac = Decimal(objective), Decimal(factor)
    assert Decimal(bad_at_limit) == fac * (100 - obj) / 100 * total  # the chosen boundary
    assert compute.burns_faster_than(counts(total, bad_at_limit - 1), obj, fac) is False
    assert compute.burns_faster_than(counts(total, bad_at_limit), obj, fac) is False
    assert compute.burns_faster_than(counts(total, bad_at_limit + 1), obj, fac) is True


def test_burns_faster_than_where_float_arithmetic_would_flip() -> None:
    # bad == factor x (1 - objective) x total exactly: 36 == 14.4 x 0.001 x 25,000 ... with
    # the objective read as a float percentage, the burn rate comes out just above 14.4.
    objective, factor, total, bad = Decimal("99.9"), Decimal("14.4"), 2_500, 36
    naive_float = (bad / total) / ((100 - 99.9) / 100)
    assert naive_float > 14.4  # the trap: a float comparison would page
    assert compute.burns_faster_than(counts(total, bad), objective, factor) is False
    assert compute.burn_rate(counts(total, bad), objective) == 14.4

    # The same with four nines, where 1 - 0.9999 is below 1e-4 in floats.
    naive_float = (36 / 25_000) / (1 - 0.9999)
    assert naive_float > 14.4
    assert compute.burns_faster_than(counts(25_000, 36), Decimal("99.99"), factor) is False


def test_burns_faster_than_needs_events() -> None:
    assert compute.burns_faster_than(Counts(0, 0), Decimal("99.9"), Decimal(0)) is False
    assert compute.burns_faster_than(counts(10, 0), Decimal("99.9"), Decimal(0)) is False
    assert compute.burns_faster_than(counts(10, 1), Decimal("99.9"), Decimal(0)) is True


# --- status and time to exhaustion -------------------------------------------------------


def test_status_of() -> None:
    objective = Decimal("99.9")
    quiet_hour = counts(100, 0)
    assert compute.status_of(Counts(0, 0), quiet_hour, objective) == "no_data"
    assert compute.status_of(counts(1_000_000, 1000), quiet_hour, objective) == "exhausted"
    # budget fine, but the last hour burns faster than 1x: 2 bad of 1000 at 99.9 = 2x
    assert compute.status_of(counts(1_000_000, 10), counts(1000, 2), objective) == "burning"
    # exactly 1x in the last hour is not "faster than 1"
    assert compute.status_of(counts(1_000_000, 10), counts(1000, 1), objective) == "ok"
    assert compute.status_of(counts(1_000_000, 10), Counts(0, 0), objective) == "ok"
    # exhausted wins over burning
    assert compute.status_of(counts(1000, 5), counts(1000, 5), objective) == "exhausted"


def test_time_to_exhaustion_s() -> None:
    objective = Decimal("99.9")
    # 1000 allowed, 250 spent, 75 bad in the last hour: 750 / 75 hours left = 10 h
    assert compute.time_to_exhaustion_s(counts(1_000_000, 250), counts(5000, 75), objective) == (
        36_000.0
    )
    # nothing bad in the last hour: it never runs out at this rate
    assert compute.time_to_exhaustion_s(counts(1_000_000, 250), counts(5000, 0), objective) is None
    # already spent
    assert compute.time_to_exhaustion_s(counts(1_000_000, 1000), counts(10, 1), objective) == 0.0
    assert compute.time_to_exhaustion_s(Counts(0, 0), counts(10, 1), objective) is None
    # fractional allowance: 99.9 % of 1500 = 1.5 allowed, 1 spent, 2 per hour: 15 minutes
    assert compute.time_to_exhaustion_s(counts(1500, 1), counts(100, 2), objective) == 900.0


# --- timeslices --------------------------------------------------------------------------


# --- breakdown arithmetic ----------------------------------------------------------------


def test_over_representation() -> None:
    # 80 of 100 bad events on a value that has 10 % of traffic: 8x
    assert compute.over_representation(80, 1000, 100, 10_000) == pytest.approx(8.0)
    assert compute.over_representation(10, 1000, 100, 10_000) == pytest.approx(1.0)
    assert compute.over_representation(0, 1000, 100, 10_000) == 0.0
    assert compute.over_representation(5, 10, 0, 100) is None
    assert compute.over_representation(0, 0, 5, 100) is None
    assert compute.over_representation(0, 0, 0, 0) is None


# --- window sums -------------------------------------------------------------------------


# --- budget additivity -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    objective=st.sampled_from(["99", "99.5", "99.9", "99.95", "99.99", "90", "97.5"]),
    total=st.integers(1, 10_000_000),
    bad_a=st.integers(0, 100_000),
    bad_b=st.integers(0, 100_000),
)
def test_budget_consumed_is_additive_over_disjoint_intervals(
    objective: str, total: int, bad_a: int, bad_b: int
) -> None:
    # The allowance is the window's; intervals A and B are disjoint parts of it.
    obj = Decimal(objective)
    whole = compute.budget(counts(total + bad_a + bad_b, bad_a + bad_b), obj)
    part_a = compute.budget(counts(total + bad_a + bad_b, bad_a), obj)
    part_b = compute.budget(counts(total + bad_a + bad_b, bad_b), obj)
    assert whole.consumed is not None
    assert part_a.consumed is not None and part_b.consumed is not None
    assert whole.consumed == pytest.approx(part_a.consumed + part_b.consumed, rel=1e-12)


# --- sketch quantiles --------------------------------------------------------------------


def test_sketch_quantiles_of_nothing() -> None:
    assert compute.sketch_quantiles([], [0.5, 0.99]) == (0, [None, None])
    assert compute.sketch_quantiles([(3, 0)], [0.5]) == (0, [None])


def test_sketch_quantiles_hand_computed() -> None:
    # ten events: 6 in bucket 10, 3 in bucket 20, 1 in bucket 30 (given out of order)
    buckets = [(20, 3), (30, 1), (10, 6)]
    count, values = compute.sketch_quantiles(buckets, [0.0, 0.5, 0.6, 0.9, 0.99, 1.0])
    assert count == 10
    # nearest ranks ceil(q * 10) - 1: 0, 4, 5, 8, 9, 9
    assert values == [
        bucket_value(10),
        bucket_value(10),
        bucket_value(10),
        bucket_value(20),
        bucket_value(30),
        bucket_value(30),
    ]


def test_sketch_zero_bucket() -> None:
    count, values = compute.sketch_quantiles([(bucket_of(0.0), 3), (bucket_of(5.0), 1)], [0.5])
    assert count == 4
    assert values == [0.0]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    mu=st.floats(0.0, 6.0),
    sigma=st.floats(0.05, 2.0),
    quantiles=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
)
def test_sketch_quantiles_within_relative_error_of_exact(
    seed: int, n: int, mu: float, sigma: float, quantiles: list[float]
) -> None:
    rng = np.random.default_rng(seed)
    samples = rng.lognormal(mu, sigma, n)
    samples = samples[(samples >= 1e-3) & (samples <= 1e8)]  # the sketch's exact range
    if samples.size == 0:
        return
    ordered = np.sort(samples)
    per_bucket: dict[int, int] = {}
    for value in samples:
        bucket = bucket_of(float(value))
        per_bucket[bucket] = per_bucket.get(bucket, 0) + 1
    count, values = compute.sketch_quantiles(list(per_bucket.items()), quantiles)
    assert count == samples.size
    for q, value in zip(quantiles, values, strict=True):
        exact = float(ordered[rank_index(q, samples.size)])
        assert value is not None
        assert abs(value - exact) <= RELATIVE_ERROR * exact * (1 + 1e-9), (q, value, exact)


def test_sketch_quantiles_merge_by_adding_counts() -> None:
    rng = np.random.default_rng(7)
    first, second = rng.lognormal(4, 1, 500), rng.lognormal(5, 0.5, 700)

    def sketch(values: np.ndarray) -> dict[int, int]:
        result: dict[int, int] = {}
        for value in values:
            result[bucket_of(float(value))] = result.get(bucket_of(float(value)), 0) + 1
        return result

    merged = sketch(first)
    for bucket, n in sketch(second).items():
        merged[bucket] = merged.get(bucket, 0) + n
    # a sketch of the union equals the merge (as pairs, in any order)
    union = sketch(np.concatenate([first, second]))
    quantiles = [0.5, 0.9, 0.95, 0.99]
    assert compute.sketch_quantiles(list(merged.items()), quantiles) == compute.sketch_quantiles(
        list(union.items()), quantiles
    )
    # and the pairs need not be merged first: duplicates of a bucket are summed too
    pairs = list(sketch(first).items()) + list(sketch(second).items())
    assert compute.sketch_quantiles(pairs, quantiles) == compute.sketch_quantiles(
        list(union.items()), quantiles
    )
