"""Log-bucket latency sketch (DDSketch-style): any quantile within RELATIVE_ERROR of the truth.

A positive duration d falls in bucket i = ceil(log_gamma(d)), which covers (gamma^(i-1), gamma^i];
reporting 2·gamma^i / (gamma + 1) for the bucket is then within RELATIVE_ERROR of every value in it.
Buckets are mergeable by adding counts, so per-minute sketches sum to any range.
"""

from __future__ import annotations

import math

RELATIVE_ERROR = 0.005  # half the 1 % promised, so ranking conventions never push us past it
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
LOG_GAMMA = math.log(GAMMA)
MIN_MS = 1e-3
MAX_MS = 1e8
ZERO_BUCKET = -32768


def bucket_of(duration_ms: float) -> int:
    """The bucket holding a duration (zero and below share one bucket)."""
    if duration_ms <= 0:
        return ZERO_BUCKET
    clamped = min(max(duration_ms, MIN_MS), MAX_MS)
    return math.ceil(math.log(clamped) / LOG_GAMMA)


def bucket_value(bucket: int) -> float:
    """The representative duration of a bucket."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def bucket_sql(column: str) -> str:
    """The same bucketing as `bucket_of`, in SQL (DuckDB and ClickHouse both have ln/ceil)."""
    clamped = f"least(greatest({column}, {MIN_MS}), {MAX_MS:.0f})"
    return (
        f"CAST(CASE WHEN {column} <= 0 THEN {ZERO_BUCKET} "
        f"ELSE ceil(ln({clamped}) / {LOG_GAMMA!r}) END AS SMALLINT)"
    )
