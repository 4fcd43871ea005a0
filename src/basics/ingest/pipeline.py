"""One ingest = one batch: stream, parse, validate, store and roll up, all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from basics.config.models import Config, IngestSettings, SourceConfig
from basics.core.errors import ConflictError, InputError, NotFoundError, StoreError
from basics.ingest import text_formats
from basics.ingest.encoding import CONVERT
from basics.ingest.files import (
    PendingPlan,
    ReadPlan,
    checkpoints,
    last_line_end,
    plan_read,
    size_could_match,
)
from basics.ingest.inputs import Input, LineChunk, line_chunks, prefetched
from basics.ingest.jsonl import jsonl_sql
from basics.ingest.jsonl_fast import FastJsonl
from basics.ingest.normalize import TimeRules, normalize_sql
from basics.ingest.overlap import find_overlap, skip_duplicate_ids
from basics.ingest.record_formats import RAW_CAP, csv_tables, otlp_tables
from basics.store import turns
from basics.store.duckdb_store import Store, explain
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
    """What one ingest did.

    `status` is `applied`, `duplicate` (this content is stored already: nothing written),
    or `rejected` (every record was rejected: the rejects are kept, no events).
    """

    batch_id: int | None
    source: str
    path: str
    status: str
    accepted: int = 0
    rejected: int = 0
    local_time_rows: int = 0
    repeated_hour_rows: int = 0
    ahead_rows: int = 0
    ahead_warning: str = "1d"
    duplicate_rows: int = 0
    timezone: str = "UTC"
    min_ts: dt.datetime | None = None
    max_ts: dt.datetime | None = None
    duplicate_of: int | None = None
    duplicate_source: str | None = None
    continues: int | None = None
    first_line: int = 1
    hint: str | None = None
    first_rejects: list[Reject] = field(default_factory=list)


class _Duplicate(Exception):
    def __init__(self, batch_id: int, source: str) -> None:
        self.batch_id = batch_id
        self.source = source


def ingest_events(
    store: Store,
    config: Config,
    source_name: str,
    path: str,
    progress: Progress | None = None,
    show_rejects: int = 5,
    allow_overlap: bool = False,
    whole_lines_only: bool = False,
    label: str | None = None,
) -> BatchResult:
    """Ingest one file (or `-` for standard input) as one batch of a configured source.

    A file whose beginning was ingested before (it grew, or was rotated) is read from where
    that batch stopped; content stored already is not read again. A batch that repeats
    stored records is refused (ConflictError) unless `allow_overlap`, or, for a source
    with `id:`, has them skipped. `whole_lines_only` leaves an unfinished last line for
    the next read (a file still being written). With a `label` (a request's body saved
    to a file: "POST /api/v1/events"), the batch is named by it and the file is read whole.
    """
    source = _source(config, source_name)
    limits = config.ingest
    rules = TimeRules(
        source.timezone or config.timezone,
        limits.earliest.replace(tzinfo=None),
        limits.latest.replace(tzinfo=None),
        source.timestamp_format,
    )
    sync_definitions(store, config)
    plan = None if label else _plan(store, source_name, source, path, whole_lines_only)
    result = BatchResult(
        None,
        source_name,
        label or ("<stdin>" if path == "-" else path),
        "applied",
        timezone=rules.timezone,
        ahead_warning=limits.ahead_warning,
        first_line=plan.first_line if plan else 1,
        continues=plan.continues.batch_id if plan and plan.continues else None,
    )
    pending = plan if isinstance(plan, PendingPlan) else None
    if isinstance(plan, ReadPlan):
        known = _stored_content(store, plan.prefix_sha256, source_name, allow_overlap)
        if known is not None:
            return _duplicate(result, *known)
    store.writable("ingested into")
    stream = _open(path, source, plan)
    # The file is read and parsed into a staging database while the store is free for
    # reports (DuckDB lets one process open a file for writing); the store is held only
    # for the final apply, which copies the staged rows in and checks and rolls them up.
    stage = _Stage(store)
    try:
        with stage:
            fast = _fast_path(source, rules, STAGED_BATCH)
            for staged in _staging(stage.db, source, stream, plan):
                table = staged.table
                if fast is not None and staged.chunk is not None and table is not None:
                    stored, table = fast.load(stage.db, staged.chunk, table)
                    result.accepted += stored
                if table is None or table.num_rows:
                    _load(
                        stage.db, staged.sql, staged.params, table, rules, source, STAGED_BATCH,
                        result,
                    )  # fmt: skip
                if progress:
                    progress(staged.done, stream.size_bytes, result.accepted, result.rejected)
                if pending is not None and pending.done():  # stop early on content stored
                    with store.held():
                        plan = _settle(store, pending, source_name, allow_overlap)
                    pending = None
            if pending is not None:
                with store.held():
                    plan = _settle(store, pending, source_name, allow_overlap)
        stage.attach()
        with store.transaction() as db:
            batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
            db.execute(
                "INSERT INTO batches (id, kind, source, path, content_sha256, status, timezone, "
                "started_at, file_path, start_offset, end_offset, prefix_sha256, first_line, "
                "end_line) VALUES (?, 'events', ?, ?, '', 'loading', ?, now(), ?, ?, ?, ?, ?, ?)",
                [
                    batch_id,
                    source_name,
                    label or stream.name,
                    rules.timezone,
                    str(Path(path).resolve()) if plan else None,
                    plan.start_offset if plan else None,
                    plan.end_offset if plan else None,
                    plan.prefix_sha256 if isinstance(plan, ReadPlan) else None,
                    plan.first_line if plan else None,
                    plan.end_line if isinstance(plan, ReadPlan) else None,
                ],
            )
            stage.copy_into(db, batch_id)
            read = plan if isinstance(plan, ReadPlan) else None
            if read is not None:
                sha = read.content_sha256
            else:
                assert isinstance(stream, Input)
                sha = stream.sha256.hexdigest()
                known = _stored_content(store, sha, source_name, allow_overlap)
                if known is not None:
                    raise _Duplicate(*known)
            if source.id is not None:
                result.duplicate_rows = skip_duplicate_ids(db, batch_id, source_name)
                result.accepted -= result.duplicate_rows
            result.min_ts, result.max_ts, result.ahead_rows, latest_ts = _span(db, batch_id, limits)
            if source.id is None and not allow_overlap:
                _refuse_repeats(db, source_name, batch_id, read, result)
            status = "applied"
            if result.accepted == 0 and result.rejected > 0:
                status = "rejected"  # kept for `ingest rejects`, never counted as data
            else:
                rebuild_touched(db, config, batch_id)
            db.execute(
                "UPDATE batches SET content_sha256 = ?, status = ?, accepted = ?, "
                "rejected = ?, local_time_rows = ?, min_ts = ?, max_ts = ?, ahead_rows = ?, "
                "duplicate_rows = ?, latest_ts = ?, finished_at = now() WHERE id = ?",
                [
                    sha,
                    status,
                    result.accepted,
                    result.rejected,
                    result.local_time_rows,
                    result.min_ts,
                    result.max_ts,
                    result.ahead_rows,
                    result.duplicate_rows,
                    latest_ts,
                    batch_id,
                ],
            )
            result.batch_id, result.status = batch_id, status
            result.first_rejects = [
                Reject(*row)
                for row in db.execute(
                    "SELECT line, field, reason, raw FROM rejects WHERE batch_id = ? "
                    "ORDER BY line LIMIT ?",
                    [batch_id, max(show_rejects, 20)],
                ).fetchall()
            ]
            if status == "rejected":
                result.hint = likely_cause(source.format, result.first_rejects)
            result.first_rejects = result.first_rejects[:show_rejects]
    except _Duplicate as duplicate_batch:
        return _duplicate(result, duplicate_batch.batch_id, duplicate_batch.source)
    except duckdb.Error as error:
        # Staging writes outside the store's transaction: the same one-line store faults.
        message = explain(error, store.path)
        if message is None:
            raise
        raise StoreError(message) from None
    finally:
        stream.close()
        stage.remove()
    return result


def _settle(store: Store, pending: PendingPlan, source_name: str, allow_overlap: bool) -> ReadPlan:
    """The plan of a file hashed while it was parsed (its batch records it when applied);
    raises _Duplicate when that content is stored already (nothing is applied then)."""
    try:
        plan = pending.result()
    except OSError as error:
        raise InputError(f"cannot read the file: {error}") from None
    known = _stored_content(store, plan.prefix_sha256, source_name, allow_overlap)
    if known is not None:
        raise _Duplicate(*known)
    return plan


# Staged rows carry this batch id until the apply gives them theirs.
STAGED_BATCH = 0


class _Stage:
    """An in-memory staging database: a batch's events and rejects as parsed.

    DuckDB spills it to a folder beside the store when it outgrows the memory limit. The
    store is released while the stage is filled (`with stage:`); for the apply the stage
    attaches the store and becomes its connection (`store.adopt`), so the staged rows are
    copied in by one INSERT within the store's transaction, and `remove` gives the store
    its own connection back.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.spill = f"{store.path}.ingest-{os.getpid()}.tmp"
        tables = store.query(
            "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name IN ('events', 'rejects')"
        )
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute("SET preserve_insertion_order = false")
        self.db.execute(f"SET memory_limit = '{store.memory_limit}'")
        self.db.execute("SET temp_directory = ?", [self.spill])
        for (sql,) in tables:
            self.db.execute(sql)
        self.adopted = self.released = False

    def __enter__(self) -> _Stage:
        self.store.release()
        self.released = True
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            self.store.reacquire()
            self.released = False

    def attach(self) -> None:
        """Attach the store to the stage (waiting its turn) and make it the store's
        connection for the apply. A shared store (the server's) is never attached to
        another database: `copy_into` streams the staged rows to it instead."""
        if self.store.shared:
            return
        self.store.adopt(self.db)
        self.adopted, self.released = True, False

    def copy_into(self, db: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        """Insert the staged events and rejects into the store as batch `batch_id`."""
        if self.store.shared:
            for table in ("events", "rejects"):
                # A relation's Arrow stream (a DB-API result's would be copied first).
                staged = self.db.sql(  # noqa: F841 - read by name in the SQL below
                    f"SELECT * REPLACE ($batch::INTEGER AS batch_id) FROM {table}",
                    params={"batch": batch_id},
                ).to_arrow_reader()
                db.execute(f"INSERT INTO {table} SELECT * FROM staged")
            return
        for table in ("events", "rejects"):
            db.execute(
                f"INSERT INTO {table} SELECT * REPLACE ($batch::INTEGER AS batch_id) "
                f"FROM memory.main.{table}",
                {"batch": batch_id},
            )

    def remove(self) -> None:
        """Give the store its own connection back, close the stage, delete its spill."""
        if self.adopted:
            self.store.disown()
            self.adopted = False
        elif self.released:  # the store could not be attached: open it on its own again
            with contextlib.suppress(StoreError):
                self.store.reacquire()
            self.released = False
        with contextlib.suppress(duckdb.Error):
            self.db.close()
        shutil.rmtree(self.spill, ignore_errors=True)
        # Spills of ingests killed before they could clean up (their process is gone).
        for stale in Path(self.store.path).parent.glob(
            Path(self.store.path).name + ".ingest-*.tmp"
        ):
            pid = stale.name.rsplit("-", 1)[-1].removesuffix(".tmp")
            if pid.isdigit() and not turns.alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)


def _duplicate(result: BatchResult, batch_id: int, source: str) -> BatchResult:
    result.status, result.duplicate_of, result.duplicate_source = "duplicate", batch_id, source
    return result


def _stored_content(
    store: Store, sha: str, source_name: str, allow_overlap: bool
) -> tuple[int, str] | None:
    """The first applied events batch that read exactly this content, and its source (of
    any source, or only this one when overlaps are allowed)."""
    rows = store.query(
        "SELECT id, source FROM batches WHERE kind = 'events' AND status = 'applied' "
        "AND (content_sha256 = ? OR prefix_sha256 = ?) AND (NOT ? OR source = ?) "
        "ORDER BY id LIMIT 1",
        [sha, sha, allow_overlap, source_name],
    )
    return (int(rows[0][0]), rows[0][1]) if rows else None


def _plan(
    store: Store, source_name: str, source: SourceConfig, path: str, whole_lines_only: bool
) -> ReadPlan | PendingPlan | None:
    """What to read of a regular file (None for standard input, or a compressed file)."""
    if path == "-":
        return None
    file = Path(path)
    if not file.is_file():
        raise InputError(
            f"{path}: no such file" if not file.exists() else f"{path}: not a regular file"
        )
    try:
        with open(file, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if handle.read(2) == b"\x1f\x8b":
                return None  # compressed: hashed as it is read, its content decompressed
            extendable = source.format != "parquet"
            if whole_lines_only and extendable:
                size = last_line_end(handle, size)
            known = checkpoints(store, source_name, size) if extendable else []
            if not known and extendable and not size_could_match(store, size):
                return PendingPlan(str(file), size)
            return plan_read(handle, size, known)
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error}") from None


def _open(
    path: str, source: SourceConfig, plan: ReadPlan | PendingPlan | None
) -> Input | _ParquetInput:
    if source.format == "parquet":
        return _ParquetInput(path, plan)
    if plan is None:
        return Input(path)
    if plan.start_offset == 0:
        return Input(path, stop=plan.end_offset, hashed=False)
    header = b""
    if source.format == "csv":  # rows appended below the header: read the header first
        with open(path, "rb") as handle:
            header = handle.readline()
    return Input(path, plan.start_offset, plan.end_offset, header, hashed=False)


def _refuse_repeats(
    db: duckdb.DuckDBPyConnection,
    source_name: str,
    batch_id: int,
    plan: ReadPlan | None,
    result: BatchResult,
) -> None:
    """Raise ConflictError when the batch's events repeat stored ones."""
    if result.min_ts is None or result.max_ts is None:
        return
    exempt = _same_file_batches(db, source_name, plan)
    overlap = find_overlap(db, batch_id, result.min_ts, result.max_ts, exempt)
    if overlap is None:
        return
    raise ConflictError(
        f"{result.path}: {overlap.events:,} of its {result.accepted:,} events are identical to "
        f"events already stored (most from batch {overlap.batch_id}, source "
        f"{overlap.batch_source}, {overlap.batch_path}); nothing was stored. If they are "
        "distinct records (possible in logs with one-second timestamps), pass "
        f"--allow-overlap; to replace the earlier batch, `basics batches undo "
        f"{overlap.batch_id}` first; or declare the source's record id (id: FIELD)"
    )


def _same_file_batches(
    db: duckdb.DuckDBPyConnection, source_name: str, plan: ReadPlan | None
) -> list[int]:
    """Batches that read earlier bytes of the file this batch continues: the bytes it reads
    come after theirs, so identical records there are new ones, not repeats."""
    if plan is None or plan.continues is None or plan.continues.file_path is None:
        return []
    rows = db.execute(
        "SELECT id FROM batches WHERE source = ? AND file_path = ? AND kind = 'events'",
        [source_name, plan.continues.file_path],
    ).fetchall()
    return [int(row[0]) for row in rows]


def _span(
    db: duckdb.DuckDBPyConnection, batch_id: int, limits: IngestSettings
) -> tuple[dt.datetime | None, dt.datetime | None, int, dt.datetime | None]:
    """The batch's first and last event, how many are far ahead of now, and its newest
    event that is not (the one `latest` may use)."""
    ahead_of = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(
        seconds=limits.ahead_warning_s
    )
    first, last, ahead, trusted = db.execute(
        "SELECT min(ts), max(ts), count(*) FILTER (WHERE ts > $ahead), "
        "max(ts) FILTER (WHERE ts <= $ahead) FROM events WHERE batch_id = $batch",
        {"ahead": ahead_of, "batch": batch_id},
    ).fetchall()[0]
    return first, last, int(ahead), trusted


def likely_cause(fmt: str, rejects: list[Reject]) -> str | None:
    """A guess at why every record of a file was rejected, from its first rejects."""
    raws = [r.raw or "" for r in rejects]
    if not raws:
        return None
    if all(r.reason.startswith("invalid UTF-8") for r in rejects):
        return "the file is not UTF-8 (Windows-1252 or Latin-1?): " + CONVERT
    if any("\x00" in raw for raw in raws):
        return "the file has NUL bytes: is it UTF-16 (iconv -f UTF-16 -t UTF-8) or binary?"
    looks_json = all(raw.lstrip().startswith(("{", "[")) for raw in raws)
    if looks_json and fmt != "jsonl":
        return f"every line is JSON: is the source's format jsonl (it is {fmt})?"
    if fmt == "jsonl" and not any(raw.lstrip().startswith("{") for raw in raws):
        return "no line is a JSON object: is the source's format nginx, csv or regex?"
    fields = {r.field for r in rejects}
    if fields == {"ts"}:
        return "no timestamp could be read: check fields.ts, timestamp_format and ingest.earliest"
    if fields == {"service"}:
        return "no record names its service: set service: on the source or map fields.service"
    return None


def _source(config: Config, name: str) -> SourceConfig:
    if name not in config.sources:
        known = ", ".join(config.sources) or "none are configured"
        raise NotFoundError(f'no source "{name}" in the configuration (known: {known})')
    return config.sources[name]


@dataclass(frozen=True)
class _Staged:
    """A staging query and its bound values, the table it reads (None: the query reads the
    file itself), the lines of that table (line formats), and the bytes read so far.

    The query reads its table as `lines` (raw lines) or `staged` (records parsed in Python).
    """

    sql: str
    params: SqlParams
    table: pa.Table | None
    done: int
    chunk: LineChunk | None = None


def _fast_path(source: SourceConfig, rules: TimeRules, batch_id: int) -> FastJsonl | None:
    """The fast path of a JSON-lines source, if it has one.

    Not with `id:`: a record id repeated within the file keeps its first record, found by
    the order in which records are stored, and the fast path stores a chunk's vouched lines
    before the others. Not with `timestamp_format`, which the fast path does not read.
    """
    if source.format != "jsonl" or source.id is not None or source.timestamp_format:
        return None
    return FastJsonl(source, rules, batch_id)


def _staging(
    db: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    stream: Input | _ParquetInput,
    plan: ReadPlan | PendingPlan | None,
) -> Iterator[_Staged]:
    """The staging query of each chunk."""
    params = SqlParams()
    if isinstance(stream, _ParquetInput):
        yield _Staged(stream.staging_sql(db, source, params), params, None, stream.size_bytes or 0)
        return
    builders = {
        "jsonl": jsonl_sql,
        "nginx": text_formats.combined_log_sql,
        "apache": text_formats.combined_log_sql,
        "regex": text_formats.regex_sql,
    }
    if source.format in builders:
        sql = builders[source.format](source, params)
        first_line = plan.first_line if plan else 1
        as_json = source.format == "jsonl"
        chunks = line_chunks(stream, first_line=first_line, as_json=as_json)
        # The tables are made on the read-ahead thread too.
        for chunk, table in prefetched((chunk, _lines_table(chunk)) for chunk in chunks):
            yield _Staged(sql, params, table, stream.position(), chunk)
        return
    first_line = plan.first_line if plan else 1
    tables = (
        csv_tables(stream, source, first_line - 2 if first_line > 1 else 0)
        if source.format == "csv"
        else otlp_tables(stream, source, first_line)
    )
    for table in tables:
        yield _Staged("SELECT * FROM staged", params, table, stream.position())


def _lines_table(chunk: LineChunk) -> pa.Table:
    """A chunk as the relation `lines(line_no, raw, bad_bytes)` the staging SQL reads."""
    count = len(chunk.lines)
    numbers = pa.array(np.arange(chunk.first_line, chunk.first_line + count))
    bad_bytes = pa.nulls(count, pa.string())
    if chunk.bad_bytes:
        reasons = [chunk.bad_bytes.get(index) for index in range(count)]
        bad_bytes = pa.array(reasons, pa.string())
    columns = {"line_no": numbers, "raw": chunk.lines, "bad_bytes": bad_bytes}
    if chunk.brackets is not None:
        columns["brackets"] = pa.array(chunk.brackets)
    # Several record batches let DuckDB parse on every core.
    return pa.Table.from_batches(pa.table(columns).to_batches(BATCH_ROWS))


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
            f"record_id, local_time, repeated_time, reject_field, reject_reason, {raw} FROM ("
            + normalize_sql(
                f"({staging_sql})", rules, source.service, params, source.id, keep_raw=raw_kept
            )
            + ")",
            params=params.values,
        ).to_arrow_table()
    except duckdb.Error as error:
        raise InputError(f"cannot parse the input as {source.format}: {error}") from None
    rejected = parsed.column("reject_reason").is_valid()
    counts = pc.sum(rejected).as_py() or 0
    accepted = pc.invert(rejected)
    local = pc.sum(pc.and_(accepted, parsed.column("local_time"))).as_py() or 0
    repeated = pc.sum(pc.and_(accepted, parsed.column("repeated_time"))).as_py() or 0
    db.execute(
        "INSERT INTO events (ts, service, operation, user_id, status, duration_ms, attrs, "
        "batch_id, record_id) SELECT ts, service, operation, user_id, status, duration_ms, "
        "coalesce(attrs, MAP {}), ?, record_id FROM parsed WHERE reject_reason IS NULL",
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
    result.repeated_hour_rows += repeated


class _ParquetInput:
    """A Parquet file: DuckDB reads it directly; its hash comes from the read plan."""

    def __init__(self, path: str, plan: ReadPlan | PendingPlan | None) -> None:
        if plan is None:
            raise InputError("Parquet cannot be read from standard input; pass a file")
        if any(char in path for char in "*?[{"):
            # DuckDB would expand them as a glob and read other files than the one hashed.
            raise InputError(f"{path}: rename the file: Parquet paths cannot contain * ? [ {{")
        self.name = path
        self.size_bytes: int | None = plan.end_offset

    def staging_sql(
        self, db: duckdb.DuckDBPyConnection, source: SourceConfig, params: SqlParams
    ) -> str:
        from basics.ingest.parquet import parquet_staging_sql

        return parquet_staging_sql(db, self.name, source, params)

    def close(self) -> None:
        """Nothing to close: DuckDB opened the file."""
