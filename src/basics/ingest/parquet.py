"""Staging SQL for Parquet: DuckDB reads the file; columns are found by name (dotted = nested)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from basics.config.models import SourceConfig
from basics.core.errors import InputError
from basics.ingest.mapping import DURATION_FACTORS, field_paths
from basics.store.engine import duckdb
from basics.store.sql_params import SqlParams


def parquet_staging_sql(
    db: duckdb.DuckDBPyConnection, path: str, source: SourceConfig, params: SqlParams
) -> str:
    """A staging SELECT over one Parquet file, with its row numbers as line numbers.

    Column names come from the file's own schema (checked before they are quoted); every
    other value is bound through `params`.
    """
    scan = f"read_parquet({params.bind(path)}, file_row_number = true)"
    try:
        described = db.execute(f"DESCRIBE SELECT * FROM {scan}", params.values).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    types = {row[0]: str(row[1]) for row in described}
    schema = _arrow_schema(path)
    units, nested = schema.units, schema.nested
    paths = field_paths(source)

    def column(name: str) -> str | None:
        top = name if name in types else name.split(".")[0] if name in nested else None
        if top in schema.twice:
            # DuckDB reads the second as `status_1` and this name finds the first: which
            # of the two values was meant is not ours to guess (a JSON key twice is a reject).
            raise InputError(
                f"{path}: column {top!r} is named twice in the file (columns "
                f"{schema.twice[top][0]} and {schema.twice[top][1]}): which of the two values "
                "was meant is not ours to guess; write the file with distinct names"
            )
        if name in types:
            return _ident(name)
        if name in nested:  # a field inside a struct column (`http.route`), as the file has it
            return ".".join(_ident(part) for part in name.split("."))
        return None

    def text(path: str) -> str | None:
        found = column(path)
        if found is None or _is_nested(types.get(path)) or nested.get(path, False):
            # A struct, list or map holds no text: a name such as `http` or `user` that
            # holds a record yields to a later candidate (`user.id`), as in JSON lines.
            return None
        if types.get(path) == "INTERVAL":  # seconds, whatever the field's name says
            return f"CAST(epoch({found}) AS VARCHAR)"
        if types.get(path) in ("FLOAT", "DOUBLE"):
            # NaN is pandas' and polars' missing value. Tested as text: DuckDB folds
            # isnan() to false from the row group's statistics, which leave NaN out.
            written = f"CAST({found} AS VARCHAR)"
            return f"CASE WHEN {written} NOT IN ('nan', '-nan') THEN {written} END"
        return f"CAST({found} AS VARCHAR)"

    def pick(candidates: tuple[str, ...]) -> str:
        found = [t for t in (text(p) for p in candidates) if t]
        return "coalesce(" + ", ".join(found) + ")" if found else "NULL::VARCHAR"

    # A column of Arrow's duration type (a pandas timedelta) is in its own unit, whatever
    # the field's name says: Parquet stores it as a bare integer.
    durations = [
        (found, 1000.0 if types.get(p) == "INTERVAL" else units.get(p, factor))
        for name, factor in DURATION_FACTORS.items()
        for p in paths.candidates[name]
        if (found := text(p)) is not None
    ]
    duration_text = (
        "coalesce(" + ", ".join(t for t, _ in durations) + ")" if durations else ("NULL::VARCHAR")
    )
    factor = (
        "CASE " + " ".join(f"WHEN {t} IS NOT NULL THEN {f}" for t, f in durations) + " END"
        if durations
        else "1.0"
    )
    attrs = _attrs_object(path, source, types, schema, column, params)
    for name, inner in paths.attrs.items():
        if column(inner) is not None and text(inner) is None:
            # Every row's value would be missing: said once, as JSON lines says it per line.
            held = types.get(inner) or "a struct, map or list"
            raise InputError(
                f"{path}: fields: attrs.{name}: column {inner!r} holds {held}, not a value: "
                f"name the field in it that holds the value (attrs.{name}: {inner}.<field>)"
            )
    named = [
        f"{{'k': {params.bind(name)}, 'v': {pick((path,))}}}" for name, path in paths.attrs.items()
    ]
    if named:
        attrs = (
            f"map_concat({attrs}, map_from_entries(list_filter([{', '.join(named)}], "
            "lambda e: e.v IS NOT NULL)))"
        )
    return f"""
    SELECT file_row_number + 1 AS line_no, NULL::VARCHAR AS raw,
      {pick(paths.candidates["ts"])} AS ts_text, {pick(paths.candidates["service"])} AS service,
      {pick(paths.candidates["operation"])} AS operation,
      {pick(paths.candidates["user"])} AS user_id,
      {pick(paths.candidates["status"])} AS status_text,
      {duration_text} AS duration_text, {factor} AS duration_factor,
      {attrs} AS attrs, NULL::VARCHAR AS parse_field, NULL::VARCHAR AS parse_error,
      {pick((source.id,)) if source.id else "NULL::VARCHAR"} AS record_id
    FROM {scan}
    """


_UNIT_MS = {"s": 1000.0, "ms": 1.0, "us": 0.001, "ns": 0.000001}
_NO_ATTRS = "MAP {}::MAP(VARCHAR, VARCHAR)"


def _attrs_object(
    path: str,
    source: SourceConfig,
    types: dict[str, str],
    schema: _Schema,
    column: Callable[[str], str | None],
    params: SqlParams,
) -> str:
    """The attributes map of each row, from the first of the attributes' names (`attrs`,
    `labels`... or `fields.attrs`) that is a map column, or a struct column of values
    (pandas and pyarrow write a dict so): its fields' names are the keys, their values as
    text (a field holding a struct, list or map as its JSON text). A `fields.attrs` column
    that is neither refuses the file naming it: every row's attributes would be empty."""
    mapped = "attrs" in source.fields
    for name in field_paths(source).candidates["attrs"]:
        found = column(name) if name in types else None
        kind = types.get(name, "")
        if found is not None and kind.startswith("MAP"):
            return f"coalesce(CAST({found} AS MAP(VARCHAR, VARCHAR)), {_NO_ATTRS})"
        if found is not None and kind.startswith("STRUCT"):
            # A field holding a struct, list or map is its JSON text (`{"pod":"a"}`), as a
            # breakdown can still tell its values apart; a value is its text.
            entries = ", ".join(
                f"{{'k': {params.bind(field)}, 'v': "
                f"CAST({'to_json(' if nested else '('}{found}.{_ident(field)}) AS VARCHAR)}}"
                for field, nested in schema.children.get(name, [])
            )
            return f"map_from_entries(list_filter([{entries}], lambda e: e.v IS NOT NULL))"
        if found is not None and mapped:
            raise InputError(
                f"{path}: fields: attrs: column {name!r} holds {kind}, not a map or a struct "
                "of attributes: name each attribute (attrs.<name>: COLUMN)"
            )
    return _NO_ATTRS


def _is_nested(duckdb_type: str | None) -> bool:
    """Whether a column of this DuckDB type holds a struct, a map or a list."""
    return duckdb_type is not None and (
        duckdb_type.startswith(("STRUCT", "MAP", "UNION")) or duckdb_type.endswith("]")
    )


@dataclass(frozen=True)
class _Schema:
    """What DuckDB's reading of a file does not tell: from its Arrow schema."""

    units: dict[str, float]  # milliseconds per unit of each column of Arrow's duration type
    nested: dict[str, bool]  # each field in a struct by its dotted path: a struct, map, list?
    children: dict[str, list[tuple[str, bool]]]  # each struct's fields: a struct, map, list?
    twice: dict[str, tuple[int, int]]  # a column named twice: its first two positions


def _arrow_schema(path: str) -> _Schema:
    """From the file's Arrow schema: milliseconds per stored unit of each column of Arrow's
    duration type, by name (DuckDB reads such a column as a plain integer); each field
    inside a struct column by its dotted path (`http.route`), with whether it holds a
    struct, a map or a list itself, and the fields of each struct; and the columns named
    twice (DuckDB renames the second)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return _Schema({}, {}, {}, {})
    units = {
        field.name: _UNIT_MS[field.type.unit]
        for field in schema
        if pa.types.is_duration(field.type)
    }
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(schema.names, start=1):
        positions.setdefault(name, []).append(index)
    twice = {name: (at[0], at[1]) for name, at in positions.items() if len(at) > 1}
    nested: dict[str, bool] = {}
    children: dict[str, list[tuple[str, bool]]] = {}
    pending = [(field.name, field.type) for field in schema if pa.types.is_struct(field.type)]
    while pending:
        prefix, struct = pending.pop()
        children[prefix] = []
        for index in range(struct.num_fields):
            inner = struct.field(index)
            name = f"{prefix}.{inner.name}"
            holds = inner.type
            nested[name] = pa.types.is_nested(holds)
            children[prefix].append((inner.name, nested[name]))
            if pa.types.is_struct(holds):
                pending.append((name, holds))
    return _Schema(units, nested, children, twice)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
