"""Rejects read row by row (pages, shifts, toil, deploys) stored in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from basics.store.engine import duckdb


class Reject(Protocol):
    """A record an importer could not take: its line, the field at fault, why, the text."""

    @property
    def line(self) -> int: ...

    @property
    def field(self) -> str | None: ...

    @property
    def reason(self) -> str: ...

    @property
    def raw(self) -> str: ...


def store_rejects(
    db: duckdb.DuckDBPyConnection,
    batch: int | Sequence[int],
    rejects: Sequence[Reject],
    raw_cap: int | None = None,
) -> None:
    """Insert `rejects` into `rejects`, all of batch `batch` or each of its own (`batch[i]`
    for `rejects[i]`), their text cut at `raw_cap` characters when given.

    The columns are bound as five lists and unnested together: one statement, where an
    INSERT a row (`executemany`) costs a statement's overhead per reject, which an export
    whose every row is rejected (a wrong mapping) pays a million times
    (`benchmarks/bench_rejects.py`).
    """
    if not rejects:
        return
    batches = [batch] * len(rejects) if isinstance(batch, int) else list(batch)
    if len(batches) != len(rejects):
        raise ValueError(f"{len(batches)} batch ids for {len(rejects)} rejects")
    db.execute(
        "INSERT INTO rejects (batch_id, line, field, reason, raw) SELECT "
        "unnest($batch::INTEGER[]), unnest($line::BIGINT[]), unnest($field::VARCHAR[]), "
        "unnest($reason::VARCHAR[]), unnest($raw::VARCHAR[])",
        {
            "batch": batches,
            "line": [r.line for r in rejects],
            "field": [r.field for r in rejects],
            "reason": [r.reason for r in rejects],
            "raw": [r.raw if raw_cap is None else r.raw[:raw_cap] for r in rejects],
        },
    ).fetchall()
