"""The fast path of JSON lines: the lines DuckDB can vouch for go straight into `events`.

For each chunk, a sample of its lines gives its *shapes*: the lists of top-level keys its
records have, in order (a log writer repeats a few). One INSERT then stores every line that
DuckDB can vouch for, with the same canonical values the row reader (`jsonl.py`) would give
it, because it runs the same SQL (`normalize_sql`) over staging columns that are provably
the row reader's. A line is vouched for when:

- it starts with `{` and its bytes are UTF-8;
- its keys, in order, are one of the chunk's shapes, and no shape names a key twice (so
  the line has no duplicate key: the row reader would reject it);
- every value the source may read is a string, number, boolean or null (so no nested form
  such as `http.route` can find anything, and no text field holds an array or object); an
  attributes object holds no key twice and no array or object;
- `normalize_sql` finds no reason to reject it, and its time is not a local time (those are
  counted, and checked for clock changes, by the row reader).

Every other line (malformed, another shape, a wrong type, a local or odd time, a blank
line) is read again by the row reader, found by its line number, and gets its event or its
reject with its reason: the fast path never decides a reject.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from basics.config.models import SourceConfig
from basics.ingest.inputs import LineChunk
from basics.ingest.jsonl import attrs_sql
from basics.ingest.mapping import DURATION_FACTORS, field_paths, json_paths
from basics.ingest.normalize import (
    EPOCH_PATTERN,
    OFFSET_PATTERN,
    TimeRules,
    duration_ms_sql,
    epoch_time_sql,
    offset_time_sql,
    operation_sql,
    sql_text,
    status_sql,
)
from basics.store.arrow import from_numpy
from basics.store.engine import duckdb
from basics.store.sql_params import SqlParams

SAMPLE_LINES = 64
"""Lines sampled from each chunk for its shapes: the first ones, then evenly spread."""
MAX_SHAPES = 8
NESTED_VALUE = sql_text(r":\s*[\[{]")
"""Where a value that is an object or array may start: a colon, JSON whitespace, `{` or `[`."""
SKIP_CHUNKS = 15
"""Chunks the row reader takes alone after one the fast path took less than half of."""


@dataclass(frozen=True)
class FastQueries:
    """The INSERT of the vouched lines of a chunk (which also binds `$batch_id`), and the
    SELECT of the others' numbers."""

    insert: str
    leftovers: str
    params: SqlParams


class FastJsonl:
    """Stores the lines of each chunk DuckDB vouches for; hands back the others."""

    def __init__(self, source: SourceConfig, rules: TimeRules, batch_id: int) -> None:
        self.source = source
        self.rules = rules
        self.batch_id = batch_id
        self._queries: dict[tuple[tuple[str, ...], ...], FastQueries] = {}
        self._rest = 0  # chunks left to hand straight to the row reader

    def load(
        self, db: duckdb.DuckDBPyConnection, chunk: LineChunk, table: pa.Table
    ) -> tuple[int, pa.Table]:
        """Store the vouched lines of `chunk` (whose relation `lines` is `table`); how many,
        and the rows of `table` left for the row reader."""
        if self._rest:
            self._rest -= 1
            return 0, table
        shapes = shapes_of(chunk.lines)
        if not shapes:
            return 0, table
        if shapes not in self._queries:
            self._queries[shapes] = fast_queries(self.source, self.rules, shapes)
        queries = self._queries[shapes]
        lines = table  # noqa: F841 - read by name in the SQL (DuckDB's replacement scan)
        stored = int(
            db.execute(
                queries.insert, queries.params.with_values(batch_id=self.batch_id)
            ).fetchall()[0][0]
        )
        lines_read = len(chunk.lines) - chunk.empty_lines
        if stored == lines_read:
            return stored, table.slice(0, 0)
        if stored < lines_read // 2:
            # A file the fast path cannot take (local times, say) would cost it twice a
            # chunk for nothing: the next chunks go straight to the row reader.
            self._rest = SKIP_CHUNKS
        if stored == 0:
            return 0, table
        left = db.execute(queries.leftovers, queries.params.values).fetchnumpy()["line_no"]
        left_over = from_numpy(np.asarray(left, dtype=np.int64))
        kept = pc.is_in(table.column("line_no"), value_set=left_over)
        return stored, table.filter(kept)


def shapes_of(lines: pa.LargeStringArray) -> tuple[tuple[str, ...], ...]:
    """The key lists (in order) of a sample of `lines`, most common first, none with a key
    twice; empty when the sample holds no JSON object."""
    count = len(lines)
    picks = list(range(min(count, SAMPLE_LINES)))
    if count > SAMPLE_LINES:
        picks += range(SAMPLE_LINES, count, max(1, count // SAMPLE_LINES))
    seen: Counter[tuple[str, ...]] = Counter()
    for index in picks:
        keys = _keys(lines[index].as_py())
        if keys is not None and len(set(keys)) == len(keys):
            seen[keys] += 1
    return tuple(keys for keys, _ in seen.most_common(MAX_SHAPES))


def _keys(line: str | None) -> tuple[str, ...] | None:
    if not line or not line.startswith("{"):
        return None
    try:
        pairs = json.loads(line, object_pairs_hook=lambda items: items)
    except ValueError:
        return None
    return tuple(key for key, _ in pairs) if isinstance(pairs, list) else None


def fast_queries(
    source: SourceConfig, rules: TimeRules, shapes: tuple[tuple[str, ...], ...]
) -> FastQueries:
    """The queries of the fast path for chunks of these shapes (over `lines`)."""
    params = SqlParams()
    paths = field_paths(source)
    present = {key for shape in shapes for key in shape}
    values: list[str] = []  # top-level keys read as text, in the order of `j`

    def slots(record_paths: tuple[str, ...]) -> list[str]:
        found = []
        for key in record_paths:
            if key in present:  # a nested form finds nothing: its first key holds no object
                if key not in values:
                    values.append(key)
                found.append(f"j[{values.index(key) + 1}]")
        return found

    def first(record_paths: tuple[str, ...]) -> str:
        found = slots(record_paths)
        return f"coalesce({', '.join(found)})" if found else "NULL::VARCHAR"

    text = {name: first(paths.candidates[name]) for name in ("ts", "service", "operation")}
    text["user"] = first(paths.candidates["user"])
    text["status"] = first(paths.candidates["status"])
    durations = [(first(paths.candidates[name]), f) for name, f in DURATION_FACTORS.items()]
    named = {name: first((path,)) for name, path in paths.attrs.items()}
    every = [p for record_paths in paths.candidates.values() for p in record_paths]
    for key in sorted({path.split(".")[0] for path in [*every, *paths.attrs.values()]}):
        slots((key,))  # holds no object, or a nested path (`http` of `http.route`) finds one
    objects = [key for key in paths.candidates["attrs"] if key in present]
    object_json = (
        "coalesce(" + ", ".join(f"nullif(o[{i}], 'null')" for i in range(1, len(objects) + 1)) + ")"
        if objects
        else "NULL::VARCHAR"
    )
    service = "nullif(service_text, '')"
    if source.service is not None:
        service = f"coalesce({service}, {params.bind(source.service)})"
    # One `{` and no `[` in the line (counted as it was read), or no `{` or `[` right after
    # a colon (JSON whitespace between): no value is an object or array. Else each value
    # the source reads is looked at (a string such as "/a/{id}" passes both tests).
    scalars = (
        f"CASE WHEN brackets = 1 THEN true WHEN NOT regexp_matches(raw, {NESTED_VALUE}) THEN true "
        "ELSE "
        + " AND ".join(
            [
                f"coalesce(left(j[{i}], 1) NOT IN ('{{', '['), true)"
                for i in range(1, len(values) + 1)
            ]
            or ["true"]
        )
        + " END"
    )
    object_read = (
        f", TRY(json_extract(raw, {params.bind([json_paths(k)[-1] for k in objects])}))::VARCHAR[]"
        " AS o"
        if objects
        else ", NULL::VARCHAR[] AS o"
    )
    duration_text = "coalesce(" + ", ".join(t for t, _ in durations) + ")"
    value_paths = params.bind([json_paths(key)[-1] for key in values])
    factor = "CASE " + " ".join(f"WHEN {t} IS NOT NULL THEN {f}" for t, f in durations) + " END"
    # Materialized: the canonical values are computed once per line. Inlined, DuckDB would
    # compute the time again for each test of it.
    fast = f"""
    WITH canonical AS MATERIALIZED (
      SELECT line_no, ts, service, operation, user_id, status, duration_ms,
        {_attrs(named, params)} AS attrs,
        coalesce(vouched AND service IS NOT NULL AND (status_text IS NULL OR status IS NOT NULL)
          AND (duration_text IS NULL OR duration_ms IS NOT NULL), false) AS usable
      FROM (
        SELECT *,
          CASE WHEN regexp_full_match(t, {OFFSET_PATTERN}) THEN {offset_time_sql("t")}
            WHEN regexp_full_match(t, {EPOCH_PATTERN})
            THEN {epoch_time_sql("t")} END AS ts,
          {service} AS service, {operation_sql("operation_text")} AS operation,
          nullif(nullif(user_text, ''), '-') AS user_id,
          {status_sql("status_number")} AS status,
          {duration_ms_sql("duration_text", "duration_number", "duration_factor")} AS duration_ms
        FROM (
          SELECT *, try_cast(status_text AS DOUBLE) AS status_number,
            try_cast(duration_text AS DOUBLE) AS duration_number
          FROM (
            SELECT line_no, {text["ts"]} AS t, {text["service"]} AS service_text,
              {text["operation"]} AS operation_text, {text["user"]} AS user_text,
              {text["status"]} AS status_text, {duration_text} AS duration_text,
              {factor} AS duration_factor, {object_json} AS attrs_object,
              {", ".join(f"{json} AS a_{i}" for i, json in enumerate(named.values())) or "1 AS a"},
              j IS NOT NULL AND list_contains({params.bind([list(s) for s in shapes])}, k)
                AND {scalars} AND {_object_ok(objects)} AS vouched
            FROM (
              SELECT line_no, raw, j, brackets{", o" if objects else ""},
                CASE WHEN j IS NOT NULL THEN json_keys(raw) END AS k
              FROM (
                SELECT line_no, raw, brackets,
                  CASE WHEN bad_bytes IS NULL AND starts_with(raw, '{{')
                    THEN TRY(json_extract_string(raw, {value_paths})) END AS j{object_read}
                FROM lines
              )
            )
          )
        )
      )
    ), checked AS (
      SELECT *, usable AND coalesce(ts >= {params.bind(rules.earliest)}
        AND ts < {params.bind(rules.latest)}, false) AS ok FROM canonical
    )
    """
    insert = (
        f"INSERT INTO events (ts, service, operation, user_id, status, duration_ms, attrs, "
        f"batch_id) {fast} SELECT ts, service, operation, user_id, status, duration_ms, attrs, "
        "$batch_id FROM checked WHERE ok"
    )
    leftovers = f"{fast} SELECT line_no FROM checked WHERE NOT ok"
    return FastQueries(insert, leftovers, params)


def _object_ok(objects: list[str]) -> str:
    """True when an attributes object, if the record has one, holds no key twice and only
    strings, numbers, booleans and nulls (what the row reader accepts)."""
    if not objects:
        return "true"
    return (
        "CASE WHEN starts_with(attrs_object, '{') THEN json_transform(attrs_object, "
        "'\"MAP(VARCHAR, VARCHAR)\"') IS NOT NULL AND NOT list_bool_or(list_transform("
        "json_type(attrs_object, '$.*'), lambda x: x IN ('OBJECT', 'ARRAY'))) ELSE true END"
    )


def _attrs(named: dict[str, str], params: SqlParams) -> str:
    """The attributes map, as the row reader builds it (`jsonl.attrs_sql`)."""
    return attrs_sql(list(named), params, lambda i: f"a_{i}", "attrs_object")
