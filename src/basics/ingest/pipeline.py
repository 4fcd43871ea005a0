"""One ingest = one batch: stream, parse, validate, store and roll up, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from basics.config.models import Config, IngestSettings, SourceConfig
from basics.core.errors import ConflictError, InputError, NotFoundError, RepeatsStored, StoreError
from basics.ingest.coverage import (
    MissingAsBad,
    OtherSpans,
    UnknownService,
    UnmatchedField,
    UnreadField,
    coverage,
)
from basics.ingest.encoding import CONVERT
from basics.ingest.files import (
    READ,
    KeptPrefix,
    PendingPlan,
    ReadPlan,
    checkpoints,
    last_line_end,
    plan_read,
    resume_unfinished,
    size_could_match,
    undone_gap,
    unfinished_record,
)
from basics.ingest.normalize import TimeRules, engine_problems
from basics.ingest.overlap import (
    find_overlap,
    header_again,
    repeats_after_joins,
    repeats_of,
    skip_duplicate_ids,
    skip_stored,
    skip_stored_rejects,
)
from basics.ingest.text_formats import COMBINED
from basics.store.duckdb_store import Store, explain
from basics.store.engine import duckdb
from basics.store.rollups import rebuild_touched, sync_definitions

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
    `rejected` (every record was rejected: the rejects are kept, no events) or `empty` (no
    record in it at all: nothing written, no batch).
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
    duplicate_rows: int = 0  # skipped: their record id was stored already
    overlap_rows: int = 0  # skipped (skip_overlap): identical records were stored already
    overlap_rejects: int = 0  # skipped (skip_overlap): identical bad lines were rejected already
    joined_repeats: int = 0  # a file of joined exports (its header again): records repeated
    timezone: str = "UTC"
    min_ts: dt.datetime | None = None
    max_ts: dt.datetime | None = None
    duplicate_of: int | None = None
    duplicate_source: str | None = None
    continues: int | None = None
    first_line: int = 1
    hint: str | None = None
    first_rejects: list[Reject] = field(default_factory=list)
    unread: list[UnreadField] = field(default_factory=list)
    missing_as_bad: list[MissingAsBad] = field(default_factory=list)
    unknown_services: list[UnknownService] = field(default_factory=list)
    other_spans: list[OtherSpans] = field(default_factory=list)  # OTLP: not requests
    unmatched: list[UnmatchedField] = field(default_factory=list)  # fields: maps, none holds
    reread_line: int | None = None  # unfinished when batch `continues` read it: read again
    refills: int | None = None  # the undone batch whose lines this batch read again


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
    skip_overlap: bool = False,
    kept: KeptPrefix | None = None,
) -> BatchResult:
    """Ingest one file (or `-` for standard input) as one batch of a configured source.

    A file whose beginning was ingested before (it grew, or was rotated) is read from where
    that batch stopped; content stored already is not read again. A source with `id:` has
    records whose id is stored skipped. A batch that (still) repeats stored records is
    refused (ConflictError), unless `allow_overlap` (stored as distinct records) or
    `skip_overlap` (only the records not stored already are kept, one for one: an overlapping
    export without ids). `whole_lines_only` leaves an unfinished last line for
    the next read (a file still being written). With a `label` (a request's body saved
    to a file: "POST /api/v1/events"), the batch is named by it and the file is read whole.
    `kept`: a follow's hash of what it read, kept from one check to the next (`files`).
    """
    source = _source(config, source_name)
    for problem in engine_problems(config, [source_name]):
        raise InputError(problem)
    limits = config.ingest
    rules = TimeRules(
        source.timezone or config.timezone,
        limits.earliest.replace(tzinfo=None),
        limits.latest.replace(tzinfo=None),
        source.timestamp_format,
    )
    sync_definitions(store, config)
    plan = None if label else _plan(store, source_name, source, path, whole_lines_only, kept)
    result = BatchResult(
        None,
        source_name,
        label or ("<stdin>" if path == "-" else path),
        "applied",
        timezone=rules.timezone,
        ahead_warning=limits.ahead_warning,
        first_line=plan.first_line if plan else 1,
        continues=plan.continues.batch_id if plan and plan.continues else None,
        refills=plan.refills if isinstance(plan, ReadPlan) else None,
    )
    pending = plan if isinstance(plan, PendingPlan) else None
    if isinstance(plan, ReadPlan):
        known = _stored_content(store, plan.prefix_sha256, source_name, allow_overlap)
        if known is not None:
            return _duplicate(result, *known)
    store.writable("ingested into")
    # Parsing needs NumPy and pyarrow: loaded only now, when there is something to read.
    from basics.ingest import staging
    from basics.ingest.inputs import Input

    stream = staging.open_input(path, source, plan)
    # The file is read and parsed into a staging database while the store is free for
    # reports (DuckDB lets one process open a file for writing); the store is held only
    # for the final apply, which copies the staged rows in and checks and rolls them up.
    stage = staging.Stage(store)
    try:
        with stage:
            fast = staging.fast_path(source, rules, staging.STAGED_BATCH)
            for staged in staging.staged_chunks(stage.db, source, stream, plan):
                table = staged.table
                if fast is not None and staged.chunk is not None and table is not None:
                    stored, table = fast.load(stage.db, staged.chunk, table)
                    result.accepted += stored
                if table is None or table.num_rows:
                    staging.load_rows(
                        stage.db,
                        staged.sql,
                        staged.params,
                        table,
                        rules,
                        source,
                        staging.STAGED_BATCH,
                        result,
                    )
                if progress:
                    progress(staged.done, stream.size_bytes, result.accepted, result.rejected)
                if pending is not None and pending.done():  # stop early on content stored
                    with store.held():
                        plan = _settle(store, pending, source_name, allow_overlap)
                    pending = None
            if pending is not None:
                with store.held():
                    plan = _settle(store, pending, source_name, allow_overlap)
        if not (result.accepted or result.rejected):
            # No record at all (an empty file, blank lines, a header alone): no batch.
            result.status = "empty"
            return result
        stage.attach()
        with store.transaction() as db:
            batch_id = int(db.execute("SELECT nextval('batch_ids')").fetchall()[0][0])
            if isinstance(plan, ReadPlan) and plan.reread_line is not None:
                _take_back_unfinished(db, plan, batch_id, result)
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
            stage.copy_into(db, batch_id, config.service_aliases())
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
            # Also with `id:`: records stored before the id was declared, or through another
            # source, have no id of this source's to be found by.
            ided = source_name if source.id is not None else None
            span = (result.min_ts, result.max_ts)  # before records are skipped
            # The batches of this file's own earlier reads, which --skip-overlap never skips.
            exempt = (
                _same_file_batches(db, source_name, read, batch_id, result) if skip_overlap else []
            )
            if skip_overlap and result.min_ts is not None and result.max_ts is not None:
                result.overlap_rows = skip_stored(
                    db, batch_id, result.min_ts, result.max_ts, exempt, ided
                )
                if result.overlap_rows:
                    result.accepted -= result.overlap_rows
                    result.min_ts, result.max_ts, result.ahead_rows, latest_ts = _span(
                        db, batch_id, limits
                    )
            elif not allow_overlap:
                _refuse_repeats(db, source_name, batch_id, read, result, ided)
            if skip_overlap and result.rejected and span[0] is not None and span[1] is not None:
                result.overlap_rejects = skip_stored_rejects(
                    db, batch_id, source_name, exempt, span[0], span[1]
                )
                result.rejected -= result.overlap_rejects
            status = "applied"
            if result.accepted == 0 and result.rejected > 0:
                status = "rejected"  # kept for `ingest rejects`, never counted as data
            else:
                rebuild_touched(db, config, batch_id)
                lacking = coverage(db, config, source, batch_id)
                result.unread, result.missing_as_bad = lacking.unread, lacking.missing_as_bad
                result.unknown_services = lacking.unknown_services
                result.other_spans = lacking.other_spans
                result.unmatched = lacking.unmatched
                result.joined_repeats = repeats_after_joins(db, batch_id)
            db.execute(
                "UPDATE batches SET content_sha256 = ?, status = ?, accepted = ?, "
                "rejected = ?, local_time_rows = ?, min_ts = ?, max_ts = ?, ahead_rows = ?, "
                "duplicate_rows = ?, overlap_rows = ?, overlap_rejects = ?, latest_ts = ?, "
                "finished_at = now() WHERE id = ?",
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
                    result.overlap_rows,
                    result.overlap_rejects,
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
                result.hint = likely_cause(
                    source.format, result.first_rejects, source.decode_json is not None
                )
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


def _duplicate(result: BatchResult, batch_id: int, source: str) -> BatchResult:
    """Nothing stored: what a parse already counted (a file hashed while it was read) is
    not reported, so a script summing `accepted` or testing the exit code sees nothing."""
    return BatchResult(
        None,
        result.source,
        result.path,
        "duplicate",
        timezone=result.timezone,
        duplicate_of=batch_id,
        duplicate_source=source,
    )


def _stored_content(
    store: Store, sha: str, source_name: str, allow_overlap: bool
) -> tuple[int, str] | None:
    """The first applied events batch that read exactly this content, or the file up to
    exactly here (a rejected continuation too: `files.READ`), and its source (of any
    source, or only this one when overlaps are allowed)."""
    rows = store.query(
        "SELECT id, source FROM batches WHERE kind = 'events' AND ((status = 'applied' "
        f"AND content_sha256 = ?) OR (prefix_sha256 = ? AND {READ})) "
        "AND (NOT ? OR source = ?) ORDER BY id LIMIT 1",
        [sha, sha, allow_overlap, source_name],
    )
    return (int(rows[0][0]), rows[0][1]) if rows else None


def _plan(
    store: Store,
    source_name: str,
    source: SourceConfig,
    path: str,
    whole_lines_only: bool,
    kept: KeptPrefix | None = None,
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
            comment = b"#" if source.format == "w3c" else None
            plan = plan_read(handle, size, known, kept)
            if source.format == "csv":  # a record unfinished when read: read it again whole
                record = unfinished_record(store, handle, plan)
                if record is not None:
                    return record
            plan = resume_unfinished(handle, plan, comment)
            return undone_gap(store, source_name, handle, plan, comment) or plan
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error}") from None


def _take_back_unfinished(
    db: duckdb.DuckDBPyConnection, plan: ReadPlan, batch_id: int, result: BatchResult
) -> None:
    """Take back the earlier batch's reading of the line it stopped inside, read again now
    by batch `batch_id`: its reject (a line cut short is rarely a whole record), kept in
    `rejects_taken_back` for `batches undo` of this batch to give back. A line that was
    stored as an event cannot be told from the batch's others: refused, with what to do."""
    assert plan.continues is not None and plan.reread_line is not None
    earlier, line = plan.continues.batch_id, plan.reread_line
    where = {"earlier": earlier, "line": line}
    db.execute(
        "INSERT INTO rejects_taken_back SELECT *, $batch AS taken_by FROM rejects "
        "WHERE batch_id = $earlier AND line = $line",
        where | {"batch": batch_id},
    )
    taken = int(
        db.execute(
            "DELETE FROM rejects WHERE batch_id = $earlier AND line = $line", where
        ).fetchall()[0][0]
    )
    if not taken:
        raise ConflictError(
            f"{result.path}: batch {earlier} read line {line:,} before it was finished (the "
            "file had no newline at its end then) and stored it; the file has gone on with "
            f"that line since, so the stored event may be wrong. Undo the batch (`basics "
            f"batches undo {earlier}`) and ingest the file again: it is read from where the "
            "batch before stopped; nothing was stored now"
        )
    db.execute("UPDATE batches SET rejected = rejected - ? WHERE id = ?", [taken, earlier])
    result.reread_line = line


def _refuse_repeats(
    db: duckdb.DuckDBPyConnection,
    source_name: str,
    batch_id: int,
    plan: ReadPlan | None,
    result: BatchResult,
    ided_source: str | None,
) -> None:
    """Raise ConflictError when the batch's events repeat stored ones (for a source with
    `id:`, `ided_source`: ones stored without its ids)."""
    if result.min_ts is None or result.max_ts is None:
        return
    has_id = ided_source is not None
    exempt = _same_file_batches(db, source_name, plan, batch_id, result)
    overlap = find_overlap(db, batch_id, result.min_ts, result.max_ts, exempt, ided_source)
    if overlap is None:
        return
    # A source with ids finds repeats by id: these were stored without one of its ids
    # (before `id:` was declared, or through another source).
    why = " (stored without this source's ids)" if has_id else ""
    declare = "" if has_id else "; or declare the source's record id (id: FIELD)"
    raise RepeatsStored(
        f"{result.path}: {overlap.events:,} of its {result.accepted:,} events are identical to "
        f"events already stored{why} (most from batch {overlap.batch_id}, source "
        f"{overlap.batch_source}, {overlap.batch_path}); nothing was stored.",
        f"to replace the earlier batch, `basics batches undo {overlap.batch_id}` first{declare}",
    )


JOINED_REPEATS = 10
"""Records of a continuation identical to its file's earlier ones, from which (when half or
more of what it adds) the file is taken for exports joined, not a log grown."""


def _same_file_batches(
    db: duckdb.DuckDBPyConnection,
    source_name: str,
    plan: ReadPlan | None,
    batch_id: int,
    result: BatchResult,
) -> list[int]:
    """Batches that read earlier bytes of the file this batch continues: the bytes it reads
    come after theirs, so identical records there are new ones, not repeats (a log writes
    the same health check twice in a second).

    Unless the file is exports joined with `cat` whose first is the file read before (`cat
    e1.csv e2.csv > all.csv` continues e1.csv's batch): its CSV header comes again, or half
    or more of what it adds (and at least `JOINED_REPEATS`) repeats the earlier part. Then
    none is exempt, and the repeats are an overlap like any other."""
    if plan is None or plan.continues is None or plan.continues.file_path is None:
        return []
    rows = db.execute(
        "SELECT id FROM batches WHERE source = ? AND file_path = ? AND kind = 'events' AND id <> ?",
        [source_name, plan.continues.file_path, batch_id],
    ).fetchall()
    earlier = [int(row[0]) for row in rows]
    if header_again(db, batch_id):
        return []
    if result.min_ts is not None and result.max_ts is not None:
        repeats = repeats_of(db, batch_id, result.min_ts, result.max_ts, earlier)
        if repeats >= max(JOINED_REPEATS, result.accepted / 2):
            return []
    return earlier


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


# A pretty-printed JSON document's lines: a lone bracket, or `"key": value,`.
_PRETTY = re.compile(r"\s*[\[{]\s*$")
_KEY_LINE = re.compile(r'\s*"[^"]*"\s*:\s*\S')
# A combined log line after the virtual host and its port (`%v:%p`).
_VHOST = re.compile(r"[^\s:]+:\d+ \S+ \S+ \S+ \[")
# Two logfmt pairs one after the other (`at=info method=GET`, `level=info msg="..."`).
_LOGFMT = re.compile(r'(?:^|\s)[^\s="]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)\s+[^\s="]+=')


def likely_cause(fmt: str, rejects: list[Reject], decoding: bool = False) -> str | None:
    """A guess at why every record of a file was rejected, from its first rejects (of a
    source with `decode_json` when `decoding`)."""
    raws = [r.raw or "" for r in rejects]
    if not raws:
        return None
    if all(r.reason.startswith("invalid UTF-8") for r in rejects):
        return "the file is not UTF-8 (Windows-1252 or Latin-1?): " + CONVERT
    if any("\x00" in raw for raw in raws):
        return "the file has NUL bytes: is it UTF-16 (iconv -f UTF-16 -t UTF-8) or binary?"
    if fmt == "csv" and all(";" in raw or "\t" in raw for raw in raws):
        return (
            "every row has a ; or a tab: if they separate its fields, set delimiter: on the source"
        )
    if fmt in ("apache", "nginx") and all(_VHOST.match(raw) for raw in raws):
        return (
            "every line starts with a host:port, as Apache's vhost_combined format writes: "
            "read it with format: regex (docs/recipes.md, Apache vhost_combined)"
        )
    looks_json = all(raw.lstrip().startswith(("{", "[")) for raw in raws)
    if looks_json and fmt not in ("jsonl", "otlp"):
        return f"every line is JSON: is the source's format jsonl (it is {fmt})?"
    if fmt == "jsonl" and (_PRETTY.match(raws[0]) or any(_KEY_LINE.match(r) for r in raws)):
        return (
            "the file is one JSON document over many lines (pretty-printed), not one object a "
            "line: make it JSON lines, e.g. jq -c '.[]' FILE (or the list that holds the "
            "records: '.events[]', '.hits.hits[]._source')"
        )
    if fmt == "jsonl" and all(raw.lstrip().startswith("[") for raw in raws):
        return (
            "every line is a JSON array (a batch of records, as log drains deliver them): "
            "one object a line is read; split them with jq -c '.[]'"
        )
    if fmt != "logfmt" and not looks_json and all(_LOGFMT.search(raw) for raw in raws):
        return (
            f"every line is logfmt (key=value pairs): is the source's format logfmt (it is {fmt})?"
        )
    if fmt == "logfmt" and all(re.match(COMBINED, raw) for raw in raws):
        return (
            "every line is an access log line in the combined format: is the source's format "
            "nginx or apache (it is logfmt)?"
        )
    if fmt == "jsonl" and not any(raw.lstrip().startswith("{") for raw in raws):
        return "no line is a JSON object: is the source's format nginx, csv, logfmt or regex?"
    held = {_held_object(raw) for raw in raws} if fmt == "jsonl" and not decoding else set()
    if len(held) == 1 and None not in held:
        key = held.pop()
        return (
            f"every record holds a JSON object as text in \"{key}\", as Loki's logcli, Docker's "
            f"json-file driver and log drains write them: set decode_json: {key} on the source"
        )
    fields = {r.field for r in rejects}
    if fields == {"ts"}:
        return "no timestamp could be read: check fields.ts, timestamp_format and ingest.earliest"
    if fields == {"service"} and fmt == "otlp":
        return "no resource names its service (service.name): set service: on the source"
    if fields == {"service"} and fmt in ("nginx", "apache", "regex"):
        return "no record names its service: set service: on the source"
    if fields == {"service"}:
        return "no record names its service: set service: on the source or map fields.service"
    return None


def _held_object(raw: str) -> str | None:
    """The first key of a JSON record whose value is a JSON object written as text."""
    record = _json(raw)
    if not isinstance(record, dict):
        return None
    for key, value in record.items():
        if isinstance(value, str) and isinstance(_json(value), dict):
            return str(key)
    return None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _source(config: Config, name: str) -> SourceConfig:
    if name not in config.sources:
        known = ", ".join(config.sources) or "none are configured"
        raise NotFoundError(f'no source "{name}" in the configuration (known: {known})')
    return config.sources[name]
