"""Staging SQL for Parquet: DuckDB reads the file; columns are found by name (dotted = nested)."""

from __future__ import annotations

import duckdb

from basics.config.models import SourceConfig
from basics.core.errors import InputError
from basics.ingest.mapping import DURATION_FACTORS, field_paths
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
    paths = field_paths(source)

    def column(path: str) -> str | None:
        if path in types:
            return _ident(path)
        head, _, rest = path.partition(".")
        if rest and types.get(head, "").startswith("STRUCT"):
            return ".".join(_ident(part) for part in path.split("."))
        return None

    def pick(candidates: tuple[str, ...]) -> str:
        found = [c for c in (column(p) for p in candidates) if c]
        if not found:
            return "NULL::VARCHAR"
        return "coalesce(" + ", ".join(f"CAST({c} AS VARCHAR)" for c in found) + ")"

    durations = [(pick(paths.candidates[n]), f) for n, f in DURATION_FACTORS.items()]
    duration_text = "coalesce(" + ", ".join(t for t, _ in durations) + ")"
    factor = "CASE " + " ".join(f"WHEN {t} IS NOT NULL THEN {f}" for t, f in durations) + " END"
    attrs = "MAP {}::MAP(VARCHAR, VARCHAR)"
    map_column = next(
        (column(p) for p in paths.candidates["attrs"] if types.get(p, "").startswith("MAP")), None
    )
    if map_column:
        attrs = f"coalesce(CAST({map_column} AS MAP(VARCHAR, VARCHAR)), {attrs})"
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


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
