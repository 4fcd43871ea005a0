"""Nearest-rank quantiles, the one definition Basics uses everywhere (DuckDB's quantile_disc)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def rank_index(q: float | Fraction, count: int) -> int:
    """The 0-based nearest rank of quantile q among `count` sorted values: ceil(q·n) − 1."""
    exact = q if isinstance(q, Fraction) else Fraction(str(q))  # 0.95 means 95/100, exactly
    return max(math.ceil(exact * count) - 1, 0)


def nearest_rank(values: Sequence[float], q: float | Fraction) -> float | None:
    """The nearest-rank q-quantile of some values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[rank_index(q, len(ordered))]
