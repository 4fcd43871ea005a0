"""Pure alerting arithmetic: factors, exact burn-rate conditions, replay spans, judging.

Every decision compares integers: a burn rate over a window exceeds factor f exactly when
`bad × q > p × total`, where p/q = f × (1 − objective) as a fraction. No float is ever
compared, so a boundary case never flips on rounding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import overload

import numpy as np
import numpy.typing as npt

from basics.alerting.models import Span, Tier
from basics.config.alerting import AlertPolicy

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


MINUTE_US = 60_000_000


def cumulative_series(
    chunks: Iterable[tuple[IntArray, IntArray, IntArray]], start_us: int, minutes: int
) -> Cumulative:
    """Running totals (with a leading 0) of events and bad events over `minutes` minutes
    from `start_us`, counting no events where no row is, from chunks of rows (minute start
    in µs, total, good) in any order.

    A chunk of rows one minute after another (the rollups' usual order) is copied in as a
    slice; any other is placed by index. Then one running sum each, in place.
    """
    total: IntArray = np.zeros(minutes + 1, dtype=np.int64)
    bad: IntArray = np.zeros(minutes + 1, dtype=np.int64)
    for minute_us, totals, goods in chunks:
        count = len(minute_us)
        if not count:
            continue
        first = int(minute_us[0] - start_us) // MINUTE_US
        span = int(minute_us[-1] - minute_us[0])
        if span == (count - 1) * MINUTE_US and bool((minute_us[1:] > minute_us[:-1]).all()):
            rows: slice | IntArray = slice(first + 1, first + 1 + count)
        else:
            rows = (minute_us - start_us) // MINUTE_US + 1
        total[rows] = totals
        bad[rows] = totals - goods
    np.cumsum(total, out=total)
    np.cumsum(bad, out=bad)
    return Cumulative(total, bad)


QUIET_MINUTES = 1440
"""A stretch of more than this many minutes without any event is a feed that stopped, not
quiet traffic (a night, a daily job): `event_minutes` leaves it out."""


def event_minutes(cumulative_total: IntArray, first: int) -> int:
    """Minutes of the series from `first` with events: from the first minute holding one to
    the end of the range, less every stretch of more than a day without any (between two
    minutes with events, or after the last).

    Firings are rated over these minutes, not over the range: a range reaching past the
    data (`--to now`, weeks after the feed stopped) holds no more firings, and must not
    read as quieter; the quiet minutes of a live feed up to the range's end (`--to now`
    three minutes after its last event) are its own. `cumulative_total` is the running
    total with a leading 0.
    """
    held = np.flatnonzero(np.diff(cumulative_total[first:]))
    if not len(held):
        return 0
    steps = np.diff(held)  # from one minute with events to the next
    minutes = 1 + int(np.where(steps - 1 <= QUIET_MINUTES, steps, 1).sum())
    after = len(cumulative_total) - 1 - first - (int(held[-1]) + 1)  # after the last one
    return minutes + (after if after <= QUIET_MINUTES else 0)


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


BLOCK_MINUTES = 1 << 15
"""Window conditions are computed this many minutes at a time. A year is 525,600 minutes,
4 MB per int64 array: a pass over it waits on memory, while a block's temporary arrays
(256 KB each) stay in the CPU's cache. Measured in benchmarks/bench_replay.py."""
_INT64_SAFE = 2**62


def trailing_sums(cumulative: IntArray, first: int, minutes: int) -> IntArray:
    """Sums over the `minutes` minutes ending at each minute from `first` to the last.

    `cumulative` is the running total with a leading 0. The windows are contiguous, so two
    slices do it: no index arrays, one subtraction.
    """
    count = max(len(cumulative) - 1 - first, 0)
    return _window_sums(cumulative, first, minutes, 0, count, np.empty(count, dtype=np.int64))


def _window_sums(
    cumulative: IntArray, first: int, minutes: int, start: int, stop: int, out: IntArray
) -> IntArray:
    """`trailing_sums(cumulative, first, minutes)[start:stop]`, written into `out`."""
    ends = first + 1 + start  # the cumulative index just past the window of `start`
    count = stop - start
    # Windows that would start before the series hold everything from its start.
    pad = min(max(0, minutes - ends), count)
    sums = out[:count]
    sums[:pad] = cumulative[ends : ends + pad]
    np.subtract(
        cumulative[ends + pad : ends + count],
        cumulative[ends + pad - minutes : ends + count - minutes],
        out=sums[pad:],
    )
    return sums


def exceeds(bad: IntArray, total: IntArray, threshold: Fraction) -> BoolArray:
    """bad / total > threshold, exactly, element-wise (False where total is 0)."""
    out = np.empty(len(bad), dtype=np.bool_)
    _exceeds_into(bad.copy(), total.copy(), threshold, out)
    return out


def _exceeds_into(bad: IntArray, total: IntArray, threshold: Fraction, out: BoolArray) -> None:
    """out = bad / total > threshold, exactly; `bad` and `total` are overwritten."""
    biggest = max(
        int(bad.max(initial=0)),
        int(total.max(initial=0)),
        -int(bad.min(initial=0)),
        -int(total.min(initial=0)),
    )
    if biggest * max(threshold.denominator, threshold.numerator, 1) >= _INT64_SAFE:
        # int64 would wrap silently: compare with Python's unbounded integers instead.
        out[:] = [
            b * threshold.denominator > t * threshold.numerator
            for b, t in zip(bad.tolist(), total.tolist(), strict=True)
        ]
        return
    np.multiply(bad, threshold.denominator, out=bad)
    np.multiply(total, threshold.numerator, out=total)
    np.greater(bad, total, out=out)


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

    cumulative: Cumulative
    first: int
    minutes: int
    error_share: float

    def __len__(self) -> int:
        return max(len(self.cumulative.total) - 1 - self.first, 0)

    @overload
    def __getitem__(self, index: int) -> np.float64: ...

    @overload
    def __getitem__(self, index: slice) -> npt.NDArray[np.float64]: ...

    def __getitem__(self, index: int | slice) -> np.float64 | npt.NDArray[np.float64]:
        if isinstance(index, int):
            position = range(len(self))[index]
            rate: np.float64 = self[position : position + 1][0]
            return rate
        start, stop, step = index.indices(len(self))
        assert step == 1, "burn rates are read in runs of minutes"
        stop = max(stop, start)
        count = stop - start
        sums = self.cumulative.total, self.cumulative.bad
        total, bad = (
            _window_sums(
                c, self.first, self.minutes, start, start + count, np.empty(count, np.int64)
            )
            for c in sums
        )
        rates: npt.NDArray[np.float64] = np.where(
            total > 0, bad / np.maximum(total, 1) / self.error_share, 0.0
        )
        return rates


def tier_conditions(
    totals: IntArray | None,
    goods: IntArray | None,
    first: int,
    objective: Decimal,
    tier: Tier,
    min_events: int,
    keep_on_no_data: bool,
    cumulative: Cumulative | None = None,
) -> tuple[BoolArray, BoolArray, BurnRates]:
    """For each minute from `first`: (fires, suppressed by the traffic guard, long burn rate).

    Minute i is evaluated at its end, over the windows of whole minutes ending with it.
    The short window is only looked at where the long one already exceeds the factor
    (everywhere when no data keeps the state, which needs to know where it has none).
    `totals` and `goods` may be None when `cumulative`, their running totals, is given.
    """
    if cumulative is None:
        assert totals is not None and goods is not None
        cumulative = Cumulative.of(totals, goods)
    sums = cumulative
    threshold = tier.factor * error_share(objective)
    long_m = tier.long_s // 60
    short_m = None if tier.short_s is None else tier.short_s // 60
    count = max(len(sums.total) - 1 - first, 0)
    condition = np.empty(count, dtype=np.bool_)
    no_data = np.empty(count, dtype=np.bool_) if keep_on_no_data else None
    guarded = np.empty(count, dtype=np.bool_) if min_events > 0 else None
    block = min(BLOCK_MINUTES, count)
    total = np.empty(block, dtype=np.int64)
    bad = np.empty(block, dtype=np.int64)
    for start in range(0, count, block or 1):
        stop = min(start + block, count)
        rows = slice(start, stop)
        window_total = _window_sums(sums.total, first, long_m, start, stop, total)
        window_bad = _window_sums(sums.bad, first, long_m, start, stop, bad)
        if no_data is not None:
            np.equal(window_total, 0, out=no_data[rows])
        if guarded is not None:
            np.greater_equal(window_total, min_events, out=guarded[rows])
        _exceeds_into(window_bad, window_total, threshold, condition[rows])
        if short_m is not None and no_data is not None:
            window_total = _window_sums(sums.total, first, short_m, start, stop, total)
            window_bad = _window_sums(sums.bad, first, short_m, start, stop, bad)
            no_data[rows] |= window_total == 0
            short = np.empty(stop - start, dtype=np.bool_)
            _exceeds_into(window_bad, window_total, threshold, short)
            condition[rows] &= short
    if short_m is not None and no_data is None:
        where = np.flatnonzero(condition)
        ends = where + first + 1
        starts = np.maximum(ends - short_m, 0)
        short_total = sums.total[ends] - sums.total[starts]
        short_bad = sums.bad[ends] - sums.bad[starts]
        condition[where] = exceeds(short_bad, short_total, threshold)
    if no_data is not None:
        # Either window without events means nothing to decide on: hold the last state.
        condition = _carry_over_no_data(condition, no_data)
    burn = BurnRates(sums, first, long_m, float(error_share(objective)))
    if guarded is None:
        return condition, np.zeros_like(condition), burn
    return condition & guarded, condition & ~guarded, burn


def range_spans(
    cumulative: Cumulative,
    first: int,
    objective: Decimal,
    tier: Tier,
    index: int,
    min_events: int,
    keep_on_no_data: bool,
) -> list[Span]:
    """A tier's firing and suppressed spans over the minutes from `first` (absolute minute
    indices, as `spans` gives them), with one already on at the range's start.

    The range starts at the end of minute `first` − 1, and the tier's state then is
    evaluated too, on the windows ending then (as `alerts evaluate --at` the start does). A
    span on then is traced back through the series before the range to the minute it
    began, so that it is judged by when it fired, not by where the range was cut; at most
    to the first minute whose long window the series holds whole (one on from there began
    then or before). With `no_data: keep` the state at the start may be held from before
    the range: it is always traced back.
    """
    assert first >= 1, "the range starts at the end of a minute of the series"
    opening = first - 1
    floor = min(max(tier.long_s // 60 - 1, 0), opening)

    def conditions(since: int) -> tuple[BoolArray, BoolArray, BurnRates]:
        return tier_conditions(
            None, None, since, objective, tier, min_events, keep_on_no_data, cumulative
        )

    since = floor if keep_on_no_data else opening
    fires, suppressed, burn = conditions(since)
    if since > floor and (fires[0] or suppressed[0]):
        since = floor
        fires, suppressed, burn = conditions(since)
    found = spans(index, fires, burn, since, suppressed=False)
    found += spans(index, suppressed, burn, since, suppressed=True)
    return [span for span in found if span.reset is None or span.reset > opening]


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
    if not active.any():
        return []
    # Where the state changes: a run starts where it turns active, stops where it turns off.
    changes = np.flatnonzero(active[1:] != active[:-1]) + 1
    turned_on = active[changes]
    starts = changes[turned_on].tolist()
    stops = changes[~turned_on].tolist()
    if active[0]:
        starts.insert(0, 0)
    if active[-1]:
        stops.append(len(active))
    result = []
    for start, stop in zip(starts, stops, strict=True):
        reset = None if stop == len(active) else first + stop
        peak = float(burn[start:stop].max())
        result.append(Span(tier, first + start, reset, peak, suppressed))
    return result
