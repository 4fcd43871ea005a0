"""One ingest = one batch: stream, parse, validate, store and roll up, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from basics.config.models import Config, SourceConfig
from basics.core.errors import InputError, NotFoundError
from basics.ingest import text_formats
from basics.ingest.inputs import Input, line_chunks, prefetched
from basics.ingest.normalize import TimeRules, normalize_sql
from basics.ingest.record_formats import RAW_CAP, csv_tables, otlp_tables
from basics.store.duckdb_store import Store
from basics.store.rollups import rebuild_touched, sync_definitions
from basics.store.sql_params import SqlParams

BATCH_ROWS = 16_384
Progress = Callable[[int, int | None, int, int], None]
"""Called with (bytes read, total bytes or None, accepted so far, rejected so far)."""


@dataclass(frozen=True)
class Reject:
    """A record that was not stored, and why."""

    line: int
    field: str | None
    reason: str
    raw: str


@dataclass
class BatchResult:
    """What one ingest did."""

    batch_id: int | None
    source: str
    path: str
    status: str  # applied | duplicate
    accepted: int = 0
    rejected: int = 0
    local_time_rows: int = 0
    ahead_rows: int = 0
    ahead_warning: str = "1d"
    timezone: str = "UTC"
    min_ts: dt.datetime | None = None
    max_ts: dt.datetime | None = None
    duplicate_of: int | None = None
    first_rejects: list[Reject] = field(default_factory=list)


class _Duplicate(Exception):
    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id


def ingest_events(
    store: Store,
    config: Config,
    source_name: str,
    path: str,
    progress: Progress | None = None,
    show_rejects: int = 5,
) -> BatchResult:
    """Ingest one file (or `-` for standard input) as one batch of a configured source."""
    source = _source(config, source_name)
    limits = config.ingest
    rules = TimeRules(
        source.timezone or config.timezone,
        source.timestamp_format,
        limits.earliest.replace(tzinfo=None),
        limits.latest.replace(tzinfo=None),
    )
    sync_definitions(store, config)
    stream: Input | _ParquetInput = (
        _ParquetInput(path) if source.format == "parquet" else Input(path)
    )
    result = BatchResult(
        None,
        source_name,
        stream.name,
        "applied",
        timezone=rules.timezone,
        ahead_warning=limits.ahead_warning,
    )
    try:
        with store.transaction() as db:
            batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
            db.execute(
                "INSERT INTO batches (id, kind, source, path, content_sha256, status, timezone, "
                "started_at) VALUES (?, 'events', ?, ?, '', 'loading', ?, now())",
                [batch_id, source_name, stream.name, rules.timezone],
            )
            for staging_sql, params, chunk, done in _staging(db, source, stream):
                _load(db, staging_sql, params, chunk, rules, source, batch_id, result)
                if progress:
                    progress(done, stream.size_bytes, result.accepted, result.rejected)
            sha = stream.sha256.hexdigest()
            duplicate = db.execute(
                "SELECT min(id) FROM batches WHERE source = ? AND content_sha256 = ? "
                "AND status = 'applied'",
                [source_name, sha],
            ).fetchall()[0]
            if duplicate[0] is not None:
                raise _Duplicate(int(duplicate[0]))
            rebuild_touched(db, config, batch_id)
            ahead_of = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(
                seconds=limits.ahead_warning_s
            )
            result.min_ts, result.max_ts, result.ahead_rows = db.execute(
                "SELECT min(ts), max(ts), count(*) FILTER (WHERE ts > ?) FROM events "
                "WHERE batch_id = ?",
                [ahead_of, batch_id],
            ).fetchall()[0]
            db.execute(
                "UPDATE batches SET content_sha256 = ?, status = 'applied', accepted = ?, "
                "rejected = ?, local_time_rows = ?, min_ts = ?, max_ts = ?, ahead_rows = ?, "
                "finished_at = now() "
                "WHERE id = ?",
                [
                    sha,
                    result.accepted,
                    result.rejected,
                    result.local_time_rows,
                    result.min_ts,
                    result.max_ts,
                    result.ahead_rows,
                    batch_id,
                ],
            )
            result.batch_id = batch_id
            result.first_rejects = [
                Reject(*row)
                for row in db.execute(
                    "SELECT line, field, reason, raw FROM rejects WHERE batch_id = ? "
                    "ORDER BY line LIMIT ?",
                    [batch_id, show_rejects],
                ).fetchall()
            ]
    except _Duplicate as duplicate_batch:
        return BatchResult(
            None,
            source_name,
            stream.name,
            "duplicate",
            duplicate_of=duplicate_batch.batch_id,
            timezone=rules.timezone,
        )
    finally:
        stream.close()
    return result


def _source(config: Config, name: str) -> SourceConfig:
    if name not in config.sources:
        known = ", ".join(config.sources) or "none are configured"
        raise NotFoundError(f'no source "{name}" in the configuration (known: {known})')
    return config.sources[name]


def _staging(
    db: duckdb.DuckDBPyConnection, source: SourceConfig, stream: Input | _ParquetInput
) -> Iterator[tuple[str, SqlParams, pa.Table | None, int]]:
    """Staging queries, one per chunk, with their bound values, the chunk they read and the
    bytes read so far.

    A query reads its chunk as `lines` (raw lines) or `staged` (records parsed in Python).
    """
    params = SqlParams()
    if isinstance(stream, _ParquetInput):
        yield stream.staging_sql(db, source, params), params, None, stream.size_bytes or 0
        return
    builders = {
        "jsonl": text_formats.jsonl_sql,
        "nginx": text_formats.combined_log_sql,
        "apache": text_formats.combined_log_sql,
        "regex": text_formats.regex_sql,
    }
    if source.format in builders:
        sql = builders[source.format](source, params)
        for chunk in prefetched(line_chunks(stream)):
            numbers = pa.array(np.arange(chunk.first_line, chunk.first_line + len(chunk.lines)))
            lines = pa.table({"line_no": numbers, "raw": chunk.lines})
            # Several record batches let DuckDB parse on every core.
            table = pa.Table.from_batches(lines.to_batches(BATCH_ROWS))
            yield sql, params, table, stream.position()
        return
    tables = csv_tables if source.format == "csv" else otlp_tables
    for table in tables(stream, source):
        yield "SELECT * FROM staged", params, table, stream.position()


def _load(
    db: duckdb.DuckDBPyConnection,
    staging_sql: str,
    staging_params: SqlParams,
    chunk: pa.Table | None,
    rules: TimeRules,
    source: SourceConfig,
    batch_id: int,
    result: BatchResult,
) -> None:
    """Parse one chunk into events and rejects of the batch.

    The chunk and its parse are Arrow tables that the SQL reads by their local names
    (`lines`, `staged`, `parsed`: DuckDB's replacement scan). Neither `register` nor a
    temporary table is used: inside the batch's transaction DuckDB keeps every
    registered object and every replaced table until commit, so memory would grow with
    the file. Lines parsed by DuckDB keep no raw text: only when records were rejected is
    it fetched again, by line number. Records parsed in Python (CSV, OTLP, where one line
    may hold many records) keep theirs.
    """
    lines = staged = chunk  # noqa: F841 - read by name in the SQL below
    raw_kept = source.format in ("csv", "otlp")
    raw = "raw" if raw_kept else "NULL::VARCHAR AS raw"
    params = SqlParams()
    params.values.update(staging_params.values)
    try:
        parsed = db.sql(
            "SELECT line_no, ts, service, operation, user_id, status, duration_ms, attrs, "
            f"local_time, reject_field, reject_reason, {raw} FROM ("
            + normalize_sql(f"({staging_sql})", rules, source.service, params)
            + ")",
            params=params.values,
        ).to_arrow_table()
    except duckdb.Error as error:
        raise InputError(f"cannot parse the input as {source.format}: {error}") from None
    rejected = parsed.column("reject_reason").is_valid()
    counts = pc.sum(rejected).as_py() or 0
    local = pc.sum(pc.and_(pc.invert(rejected), parsed.column("local_time"))).as_py() or 0
    db.execute(
        "INSERT INTO events (ts, service, operation, user_id, status, duration_ms, attrs, "
        "batch_id) SELECT ts, service, operation, user_id, status, duration_ms, "
        "coalesce(attrs, MAP {}), ? FROM parsed WHERE reject_reason IS NULL",
        [batch_id],
    ).fetchall()
    if counts:
        raw_source = (
            "parsed p"
            if raw_kept
            else f"parsed p LEFT JOIN (SELECT line_no, raw FROM ({staging_sql})) s USING (line_no)"
        )
        db.execute(
            "INSERT INTO rejects SELECT $batch_id, line_no, reject_field, reject_reason, "
            f"rtrim(left({'p.raw' if raw_kept else 's.raw'}, {RAW_CAP}), chr(13) || chr(10)) "
            f"FROM {raw_source} WHERE reject_reason IS NOT NULL",
            staging_params.with_values(batch_id=batch_id),
        ).fetchall()
    result.accepted += parsed.num_rows - counts
    result.rejected += counts
    result.local_time_rows += local


class _ParquetInput:
    """A Parquet file: DuckDB reads it directly; we only hash its bytes."""

    def __init__(self, path: str) -> None:
        if path == "-":
            raise InputError("Parquet cannot be read from standard input; pass a file")
        if any(char in path for char in "*?[{"):
            # DuckDB would expand them as a glob and read other files than the one hashed.
            raise InputError(f"{path}: rename the file: Parquet paths cannot contain * ? [ {{")
        self.source = Input(path)
        self.name = path
        self.size_bytes = self.source.size_bytes
        while self.source.read(1 << 24):
            pass
        self.sha256 = self.source.sha256

    def staging_sql(
        self, db: duckdb.DuckDBPyConnection, source: SourceConfig, params: SqlParams
    ) -> str:
        from basics.ingest.parquet import parquet_staging_sql

        return parquet_staging_sql(db, self.name, source, params)

    def close(self) -> None:
        self.source.close()
