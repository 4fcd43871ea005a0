"""Pure SLO arithmetic: SLIs, budgets, burn rates, window sums, sketch quantiles.

Decisions (exhausted, burning, met) are made exactly on integer counts and decimal
objectives; floats appear only in the figures reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from basics.core.ranks import rank_index
from basics.core.sketch import bucket_value
from basics.slo.models import BudgetFigures, Counts, Status

BURN_WINDOWS_S: dict[str, int] = {
    "5m": 300,
    "30m": 1800,
    "1h": 3600,
    "6h": 6 * 3600,
    "1d": 86400,
    "3d": 3 * 86400,
}


def error_share(objective: Decimal) -> Decimal:
    """The share of events allowed to be bad: 1 - objective (objective in percent)."""
    return (Decimal(100) - objective) / Decimal(100)


def sli(counts: Counts) -> float | None:
    """good / total, or None when there were no events (never 100 % by default)."""
    return None if counts.total == 0 else counts.good / counts.total


def budget(counts: Counts, objective: Decimal) -> BudgetFigures:
    """The error budget of a window: allowed bad events, consumed and remaining shares."""
    allowed = error_share(objective) * counts.total
    if counts.total == 0:
        return BudgetFigures(allowed, None, None, False)
    consumed = float(Decimal(counts.bad) / allowed)
    return BudgetFigures(allowed, consumed, 1 - consumed, Decimal(counts.bad) >= allowed)


def burn_rate(counts: Counts, objective: Decimal) -> float | None:
    """(bad / total) / (1 - objective); None with no events."""
    if counts.total == 0:
        return None
    return float(Decimal(counts.bad) / (counts.total * error_share(objective)))


def burns_faster_than(counts: Counts, objective: Decimal, factor: Decimal) -> bool:
    """Exactly whether the burn rate exceeds `factor`: bad > factor x (1 - objective) x total."""
    return counts.total > 0 and Decimal(counts.bad) > factor * error_share(objective) * counts.total


def status_of(window: Counts, last_hour: Counts, objective: Decimal) -> Status:
    """no_data, exhausted (budget spent), burning (1 h burn rate above 1) or ok."""
    if window.total == 0:
        return "no_data"
    if budget(window, objective).exhausted:
        return "exhausted"
    if burns_faster_than(last_hour, objective, Decimal(1)):
        return "burning"
    return "ok"


def time_to_exhaustion_s(window: Counts, last_hour: Counts, objective: Decimal) -> float | None:
    """Seconds until the budget is gone if the last hour's bad-event rate continues."""
    figures = budget(window, objective)
    if window.total == 0:
        return None
    if figures.exhausted:
        return 0.0
    if last_hour.bad == 0:
        return None
    remaining_events = figures.total - window.bad
    return float(remaining_events / Decimal(last_hour.bad) * 3600)


def sketch_quantiles(
    buckets: Sequence[tuple[int, int]], quantiles: Sequence[float]
) -> tuple[int, list[float | None]]:
    """Quantiles from (bucket, count) pairs, by nearest rank: 0-based rank ceil(q x n) - 1.

    The same rank as DuckDB's `quantile_disc`, so sketch and exact figures are comparable.
    """
    ordered = sorted(buckets)
    count = sum(n for _, n in ordered)
    if count == 0:
        return 0, [None for _ in quantiles]
    values: list[float | None] = []
    for q in quantiles:
        rank = rank_index(q, count)
        seen = 0
        for bucket, n in ordered:
            seen += n
            if seen > rank:
                values.append(bucket_value(bucket))
                break
    return count, values


def over_representation(bad: int, total: int, bad_all: int, total_all: int) -> float | None:
    """share of bad events / share of all events; above 1 means over-represented among bad."""
    if bad_all == 0 or total_all == 0 or total == 0:
        return None
    return (bad / bad_all) / (total / total_all)


def burn_down(bad: Sequence[int], allowed: Decimal) -> list[float | None]:
    """The share of a budget of `allowed` bad events left after each step: 1 - cumulative
    bad / allowed (below 0 once overspent); None throughout when nothing is allowed."""
    if allowed <= 0:
        return [None for _ in bad]
    remaining: list[float | None] = []
    spent = 0
    for step in bad:
        spent += step
        remaining.append(1 - float(Decimal(spent) / allowed))
    return remaining


def steps(span_s: int, step_s: int) -> int:
    """How many steps of `step_s` cover `span_s` (the last one may be cut short)."""
    return -(-span_s // step_s)
