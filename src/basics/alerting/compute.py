"""Pure alerting arithmetic: factors, exact burn-rate conditions, replay spans, judging.

Every decision compares integers: a burn rate over a window exceeds factor f exactly when
`bad × q > p × total`, where p/q = f × (1 − objective) as a fraction. No float is ever
compared, so a boundary case never flips on rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from basics.alerting.models import Span, Tier
from basics.config.alerting import AlertPolicy

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def resolve_tiers(policy: AlertPolicy, window_s: int) -> list[Tier]:
    """Tiers with factors for an SLO window: `budget share × window / long window`."""
    tiers = []
    for tier in policy.tiers:
        if tier.budget_share is not None:
            factor = Fraction(tier.budget_share) / 100 * window_s / tier.long_s
        else:
            assert tier.burn_rate is not None
            factor = Fraction(tier.burn_rate)
        tiers.append(Tier(tier.long_s, tier.short_s, factor, tier.severity))
    return tiers


def budget_share(tier: Tier, window_s: int) -> Fraction:
    """The share of the window's budget a tier lets burn within its long window."""
    return tier.factor * tier.long_s / window_s


def error_share(objective: Decimal) -> Fraction:
    """1 − objective, exactly (objective in percent)."""
    return (100 - Fraction(objective)) / 100


def trailing_sums(cumulative: IntArray, first: int, minutes: int) -> IntArray:
    """Sums over the `minutes` minutes ending at each minute from `first` to the last.

    `cumulative` is the running total with a leading 0. The windows are contiguous, so two
    slices do it: no index arrays, one subtraction.
    """
    last = len(cumulative) - 1
    count = last - first
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    pad = min(max(0, minutes - first - 1), count)  # windows that start before the series
    sums: IntArray = np.empty(count, dtype=np.int64)
    sums[:pad] = cumulative[first + 1 : first + 1 + pad]
    np.subtract(
        cumulative[first + 1 + pad :],
        cumulative[first + 1 + pad - minutes : last + 1 - minutes],
        out=sums[pad:],
    )
    return sums


def exceeds(bad: IntArray, total: IntArray, threshold: Fraction) -> BoolArray:
    """bad / total > threshold, exactly, element-wise (False where total is 0)."""
    limit = 2**62
    biggest = max(int(bad.max(initial=0)), int(total.max(initial=0)))
    if biggest * max(threshold.denominator, threshold.numerator, 1) >= limit:
        # int64 would wrap silently: compare with Python's unbounded integers instead.
        exact = [
            b * threshold.denominator > t * threshold.numerator
            for b, t in zip(bad.tolist(), total.tolist(), strict=True)
        ]
        return np.array(exact, dtype=np.bool_)
    scaled_bad = np.multiply(bad, threshold.denominator)
    scaled_total = np.multiply(total, threshold.numerator)
    return np.greater(scaled_bad, scaled_total, out=np.empty(len(bad), dtype=np.bool_))


@dataclass(frozen=True)
class Cumulative:
    """Running totals of a per-minute series (with a leading 0), computed once per SLO."""

    total: IntArray
    bad: IntArray

    @classmethod
    def of(cls, totals: IntArray, goods: IntArray) -> Cumulative:
        """Running totals of events and of bad events."""
        total = np.zeros(len(totals) + 1, dtype=np.int64)
        bad = np.zeros(len(totals) + 1, dtype=np.int64)
        np.cumsum(totals, out=total[1:])
        np.cumsum(np.subtract(totals, goods), out=bad[1:])
        return cls(total, bad)


@dataclass(frozen=True)
class BurnRates:
    """Long-window burn rates, computed only for the minutes asked for: firings are rare."""

    bad: IntArray
    total: IntArray
    error_share: float

    def __getitem__(self, index: slice) -> npt.NDArray[np.float64]:
        total = self.total[index]
        rates: npt.NDArray[np.float64] = np.where(
            total > 0, self.bad[index] / np.maximum(total, 1) / self.error_share, 0.0
        )
        return rates


def tier_conditions(
    totals: IntArray,
    goods: IntArray,
    first: int,
    objective: Decimal,
    tier: Tier,
    min_events: int,
    keep_on_no_data: bool,
    cumulative: Cumulative | None = None,
) -> tuple[BoolArray, BoolArray, BurnRates]:
    """For each minute from `first`: (fires, suppressed by the traffic guard, long burn rate).

    Minute i is evaluated at its end, over the windows of whole minutes ending with it.
    The short window is only looked at where the long one already exceeds the factor.
    """
    sums = cumulative or Cumulative.of(totals, goods)
    threshold = tier.factor * error_share(objective)
    long_m = tier.long_s // 60
    long_total = trailing_sums(sums.total, first, long_m)
    long_bad = trailing_sums(sums.bad, first, long_m)
    condition = exceeds(long_bad, long_total, threshold)
    no_data = long_total == 0
    if tier.short_s is not None:
        short_m = tier.short_s // 60
        if keep_on_no_data:
            short_total = trailing_sums(sums.total, first, short_m)
            short_bad = trailing_sums(sums.bad, first, short_m)
            condition &= exceeds(short_bad, short_total, threshold)
            no_data |= short_total == 0
        else:
            where = np.flatnonzero(condition)
            ends = where + first + 1
            starts = np.maximum(ends - short_m, 0)
            short_total = sums.total[ends] - sums.total[starts]
            short_bad = sums.bad[ends] - sums.bad[starts]
            condition[where] = exceeds(short_bad, short_total, threshold)
    if keep_on_no_data:
        # Either window without events means nothing to decide on: hold the last state.
        condition = _carry_over_no_data(condition, no_data)
    burn = BurnRates(long_bad, long_total, float(error_share(objective)))
    if min_events <= 0:
        return condition, np.zeros_like(condition), burn
    guarded = long_total >= min_events
    return condition & guarded, condition & ~guarded, burn


def _carry_over_no_data(condition: BoolArray, no_data: BoolArray) -> BoolArray:
    """Where a window has no events, keep the state of the last minute that had some."""
    index = np.where(~no_data, np.arange(len(condition)), -1)
    np.maximum.accumulate(index, out=index)
    carried = np.where(index >= 0, condition[np.maximum(index, 0)], False)
    return np.asarray(carried, dtype=np.bool_)


def spans(
    tier: int,
    active: BoolArray,
    burn: BurnRates | npt.NDArray[np.float64],
    first: int,
    suppressed: bool,
) -> list[Span]:
    """Runs of consecutive active minutes as [start, reset) minute indices (absolute)."""
    padded = np.concatenate(([False], active, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    result = []
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        reset = None if stop == len(active) else first + stop
        peak = float(burn[start:stop].max())
        result.append(Span(tier, first + start, reset, peak, suppressed))
    return result


def overlaps(start: float, end: float, other_start: float, other_end: float) -> bool:
    """Whether [start, end) and [other_start, other_end) share any moment."""
    return start < other_end and other_start < end
