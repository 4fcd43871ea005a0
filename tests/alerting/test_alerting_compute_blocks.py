"""The replay's fast paths against plain recounts: `tier_conditions` computes its windows a
block of minutes at a time (whatever the block size, every minute's decision and burn rate
equal a recount in Fractions); `cumulative_series` takes rows in any order and chunking;
`spans` finds runs from the changes of state."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.alerting import compute
from basics.alerting.models import Tier


def recount(
    minutes: list[tuple[int, int]],
    first: int,
    tier: Tier,
    share: Fraction,
    min_events: int,
    keep: bool,
) -> tuple[list[bool], list[bool], list[float]]:
    """(fires, suppressed, long burn rate) per minute from `first`, one minute at a time."""

    def window(i: int, width: int) -> tuple[int, int]:
        chosen = minutes[max(i + 1 - width, 0) : i + 1]
        return sum(t for t, _ in chosen), sum(t - g for t, g in chosen)

    def over(counts: tuple[int, int]) -> bool:
        total, bad = counts
        return total > 0 and Fraction(bad, total) > tier.factor * share

    fires, suppressed, burn = [], [], []
    held = False
    for i in range(first, len(minutes)):
        long = window(i, tier.long_s // 60)
        short = None if tier.short_s is None else window(i, tier.short_s // 60)
        condition = over(long) and (short is None or over(short))
        if keep:
            if long[0] == 0 or (short is not None and short[0] == 0):
                condition = held
            held = condition
        guarded = min_events <= 0 or long[0] >= min_events
        fires.append(condition and guarded)
        suppressed.append(condition and not guarded)
        burn.append(long[1] / long[0] / float(share) if long[0] else 0.0)
    return fires, suppressed, burn


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: (max(t), min(t))),
        min_size=1,
        max_size=60,
    ),
    first=st.integers(0, 20),
    long_m=st.integers(1, 12),
    short_m=st.one_of(st.none(), st.integers(1, 6)),
    factor=st.sampled_from([Fraction(1), Fraction(6), Fraction(72, 5), Fraction(1, 3)]),
    objective=st.sampled_from(["99.9", "90", "50"]),
    min_events=st.integers(0, 40),
    keep=st.booleans(),
    block=st.sampled_from([1, 2, 3, 7, 1 << 15]),
)
def test_blocks_of_any_size_equal_a_recount(
    minutes: list[tuple[int, int]],
    first: int,
    long_m: int,
    short_m: int | None,
    factor: Fraction,
    objective: str,
    min_events: int,
    keep: bool,
    block: int,
) -> None:
    tier = Tier(long_m * 60, None if short_m is None else short_m * 60, factor, "page")
    totals = np.array([t for t, _ in minutes], dtype=np.int64)
    goods = np.array([g for _, g in minutes], dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(compute, "BLOCK_MINUTES", block)
        fires, suppressed, burn = compute.tier_conditions(
            totals, goods, first, Decimal(objective), tier, min_events, keep
        )
    share = (100 - Fraction(Decimal(objective))) / 100
    expected = recount(minutes, first, tier, share, min_events, keep)
    assert fires.tolist() == expected[0]
    assert suppressed.tolist() == expected[1]
    assert burn[:].tolist() == expected[2]
    assert len(burn) == len(expected[2])
    if expected[2]:
        assert burn[-1] == expected[2][-1]


def test_counts_too_large_for_int64_products_are_compared_exactly() -> None:
    """A window whose bad × denominator would wrap int64 is compared in Python integers."""
    tier = Tier(120, None, Fraction(1), "page")
    big = 2**61
    objective = Decimal("99.999999999999999")  # error share 1e-17
    for bad, expected in ((100, True), (40, False)):  # 2.2e-17 and 8.7e-18 of 2**62 events
        totals = np.array([big, big], dtype=np.int64)
        goods = np.array([big, big - bad], dtype=np.int64)
        fires, _, _ = compute.tier_conditions(totals, goods, 0, objective, tier, 0, False)
        assert fires.tolist() == [False, expected]


MINUTE_US = 60_000_000


@settings(max_examples=200, deadline=None)
@given(
    rows=st.dictionaries(
        st.integers(0, 49),
        st.tuples(st.integers(0, 30), st.integers(0, 30)).map(lambda t: (max(t), min(t))),
        max_size=50,
    ),
    cuts=st.lists(st.integers(0, 50), max_size=4),
    shuffle=st.randoms(use_true_random=False),
)
def test_cumulative_series_from_rows_in_any_order_and_chunking(
    rows: dict[int, tuple[int, int]], cuts: list[int], shuffle: object
) -> None:
    """Rows in order (copied as slices), shuffled (placed by index), with gaps and split
    into chunks anywhere: the same running totals as the dense series."""
    start_us = 1_700_000_040 * 1_000_000  # a whole minute
    totals = np.zeros(50, dtype=np.int64)
    goods = np.zeros(50, dtype=np.int64)
    for minute, (total, good) in rows.items():
        totals[minute], goods[minute] = total, good
    expected = compute.Cumulative.of(totals, goods)
    ordered = sorted(rows)
    for order in (ordered, shuffle.sample(ordered, len(ordered))):  # type: ignore[attr-defined]
        edges = sorted({0, len(order), *(min(c, len(order)) for c in cuts)})
        chunks = [
            (
                np.array([start_us + m * MINUTE_US for m in order[a:b]], dtype=np.int64),
                np.array([rows[m][0] for m in order[a:b]], dtype=np.int64),
                np.array([rows[m][1] for m in order[a:b]], dtype=np.int64),
            )
            for a, b in itertools.pairwise(edges)
        ]
        found = compute.cumulative_series(chunks, start_us, 50)
        assert found.total.tolist() == expected.total.tolist()
        assert found.bad.tolist() == expected.bad.tolist()


@settings(max_examples=200, deadline=None)
@given(active=st.lists(st.booleans(), max_size=40), first=st.integers(0, 100))
def test_spans_are_the_runs_of_active_minutes(active: list[bool], first: int) -> None:
    runs, start = [], None
    for i, on in enumerate([*active, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((first + start, None if i == len(active) else first + i))
            start = None
    burn = np.arange(len(active), dtype=np.float64)
    found = compute.spans(1, np.array(active, dtype=np.bool_), burn, first, suppressed=False)
    assert [(s.start, s.reset) for s in found] == runs
    assert [s.peak_burn_rate for s in found] == [
        float((s.reset - first if s.reset is not None else len(active)) - 1) for s in found
    ]
