"""A batch's records parsed into a staging database, while the store is free for reports.

The input is read in chunks (lines, CSV rows, OTLP requests, or a Parquet file DuckDB reads
itself); each chunk's events and rejects are parsed by SQL into an in-memory database, the
stage, which the apply (`pipeline`) then copies into the store. This is the half of an ingest
that needs NumPy and pyarrow: a file recognised as stored already never loads it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from basics.config.models import SourceConfig
from basics.core.errors import InputError, StoreError
from basics.ingest import text_formats
from basics.ingest.csv_format import csv_header, csv_tables
from basics.ingest.files import PendingPlan, ReadPlan
from basics.ingest.inputs import Input, LineChunk, line_chunks, prefetched
from basics.ingest.jsonl import jsonl_sql
from basics.ingest.jsonl_fast import FastJsonl
from basics.ingest.logfmt import logfmt_sql
from basics.ingest.normalize import TimeRules, missing_reasons, normalize_sql
from basics.ingest.record_formats import RAW_CAP, otlp_tables
from basics.ingest.w3c import last_fields_directive, w3c_tables
from basics.store import turns
from basics.store.arrow import from_numpy, texts
from basics.store.duckdb_store import Store
from basics.store.engine import duckdb
from basics.store.sql_params import SqlParams

if TYPE_CHECKING:
    from basics.ingest.pipeline import BatchResult

BATCH_ROWS = 16_384

# Staged rows carry this batch id until the apply gives them theirs.
STAGED_BATCH = 0


class Stage:
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

    def __enter__(self) -> Stage:
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

    def copy_into(
        self, db: duckdb.DuckDBPyConnection, batch_id: int, aliases: dict[str, str]
    ) -> None:
        """Insert the staged events and rejects into the store as batch `batch_id`, each
        event's service named by its service's name where it names one of its `aliases`."""
        replaced = {table: "$batch::INTEGER AS batch_id" for table in ("events", "rejects")}
        params: dict[str, dict[str, object]] = {
            "events": {"batch": batch_id},
            "rejects": {"batch": batch_id},
        }
        if aliases:
            cases = []
            for i, (alias, name) in enumerate(aliases.items()):
                cases.append(f"WHEN $a{i} THEN $n{i}")
                params["events"] |= {f"a{i}": alias, f"n{i}": name}
            replaced["events"] += f", CASE service {' '.join(cases)} ELSE service END AS service"
        if self.store.shared:
            for table in ("events", "rejects"):
                # A relation's Arrow stream (a DB-API result's would be copied first).
                staged = self.db.sql(  # noqa: F841 - read by name in the SQL below
                    f"SELECT * REPLACE ({replaced[table]}) FROM {table}", params=params[table]
                ).to_arrow_reader()
                db.execute(f"INSERT INTO {table} SELECT * FROM staged")
            return
        for table in ("events", "rejects"):
            db.execute(
                f"INSERT INTO {table} SELECT * REPLACE ({replaced[table]}) "
                f"FROM memory.main.{table}",
                params[table],
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


def open_input(
    path: str, source: SourceConfig, plan: ReadPlan | PendingPlan | None
) -> Input | ParquetInput:
    if source.format == "parquet":
        return ParquetInput(path, plan)
    if plan is None:
        return Input(path)
    if plan.start_offset == 0:
        return Input(path, stop=plan.end_offset, hashed=False)
    header = b""
    if source.format == "csv":  # rows appended below the header: read the header first
        header = csv_header(path)
    elif source.format == "w3c":  # and below the #Fields: directive that names them
        header = last_fields_directive(path, plan.start_offset)
    return Input(path, plan.start_offset, plan.end_offset, header, hashed=False)


@dataclass(frozen=True)
class Staged:
    """A staging query and its bound values, the table it reads (None: the query reads the
    file itself), the lines of that table (line formats), and the bytes read so far.

    The query reads its table as `lines` (raw lines) or `staged` (records parsed in Python).
    """

    sql: str
    params: SqlParams
    table: pa.Table | None
    done: int
    chunk: LineChunk | None = None


def fast_path(source: SourceConfig, rules: TimeRules, batch_id: int) -> FastJsonl | None:
    """The fast path of a JSON-lines source, if it has one.

    Not with `id:`: a record id repeated within the file keeps its first record, found by
    the order in which records are stored, and the fast path stores a chunk's vouched lines
    before the others. Not with `timestamp_format`, which the fast path does not read, nor
    with `decode_json`, whose records are merged before they are read (`decode_json.py`).
    """
    if source.format != "jsonl" or source.id is not None or source.timestamp_format:
        return None
    if source.decode_json is not None:  # a line is not the record: it has no shape to vouch for
        return None
    return FastJsonl(source, rules, batch_id)


def staged_chunks(
    db: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    stream: Input | ParquetInput,
    plan: ReadPlan | PendingPlan | None,
) -> Iterator[Staged]:
    """The staging query of each chunk."""
    params = SqlParams()
    if isinstance(stream, ParquetInput):
        yield Staged(stream.staging_sql(db, source, params), params, None, stream.size_bytes or 0)
        return
    builders = {
        "jsonl": jsonl_sql,
        "nginx": text_formats.combined_log_sql,
        "apache": text_formats.combined_log_sql,
        "regex": text_formats.regex_sql,
        "logfmt": logfmt_sql,
    }
    if source.format in builders:
        sql = builders[source.format](source, params)
        first_line = plan.first_line if plan else 1
        as_json = source.format == "jsonl"
        chunks = line_chunks(stream, first_line=first_line, as_json=as_json)
        # The tables are made on the read-ahead thread too.
        for chunk, table in prefetched((chunk, lines_table(chunk)) for chunk in chunks):
            yield Staged(sql, params, table, stream.position(), chunk)
        return
    first_line = plan.first_line if plan else 1
    if source.format == "csv":
        tables = csv_tables(stream, source, first_line)
    elif source.format == "w3c":  # a continuation reads its #Fields: line first
        tables = w3c_tables(stream, source, first_line - 1 if stream.has_header else first_line)
    else:
        tables = otlp_tables(stream, source, first_line)
    for table in tables:
        yield Staged("SELECT * FROM staged", params, table, stream.position())


def lines_table(chunk: LineChunk) -> pa.Table:
    """A chunk as the relation `lines(line_no, raw, bad_bytes)` the staging SQL reads."""
    count = len(chunk.lines)
    numbers = from_numpy(np.arange(chunk.first_line, chunk.first_line + count, dtype=np.int64))
    bad_bytes = pa.nulls(count, pa.string())
    if chunk.bad_bytes:
        reasons = [chunk.bad_bytes.get(index) for index in range(count)]
        bad_bytes = texts(reasons)
    columns = {"line_no": numbers, "raw": chunk.lines, "bad_bytes": bad_bytes}
    if chunk.brackets is not None:
        columns["brackets"] = from_numpy(chunk.brackets)
    # Several record batches let DuckDB parse on every core.
    table = pa.Table.from_arrays(list(columns.values()), names=list(columns))
    return pa.Table.from_batches(table.to_batches(BATCH_ROWS))


def load_rows(
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
    raw_kept = source.format in ("csv", "otlp", "w3c")
    raw = "raw" if raw_kept else "NULL::VARCHAR AS raw"
    params = SqlParams()
    params.values.update(staging_params.values)
    try:
        parsed = db.sql(
            "SELECT line_no, ts, service, operation, user_id, status, duration_ms, attrs, "
            f"record_id, local_time, repeated_time, reject_field, reject_reason, {raw} FROM ("
            + normalize_sql(
                f"({staging_sql})",
                rules,
                source.service,
                params,
                source.id,
                keep_raw=raw_kept,
                noted=source.decode_json is not None,
                missing=missing_reasons(source),
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


class ParquetInput:
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
