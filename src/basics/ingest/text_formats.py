"""Staging SQL for line-oriented formats: nginx/Apache combined logs, regex (JSON lines: jsonl.py).

Each builder returns a SELECT over a relation `lines(line_no, raw)` that yields the
staging columns of `normalize.STAGING_COLUMNS`; the parsing runs inside DuckDB, vectorised.
"""

from __future__ import annotations

import re

from basics.config.models import SourceConfig, re2_compatible
from basics.core.errors import InputError
from basics.ingest.mapping import DURATION_FACTORS
from basics.ingest.normalize import sql_text
from basics.store.sql_params import SqlParams

# DuckDB's trim functions cost more than parsing a JSON line, so the cheap test comes first
# and trimming only runs on the rare line that starts with whitespace.
# (A CASE, because DuckDB evaluates both sides of this OR written as a filter.)
NOT_BLANK = (
    "CASE WHEN starts_with(raw, ' ') OR starts_with(raw, chr(9)) OR starts_with(raw, chr(10)) "
    "OR starts_with(raw, chr(13)) THEN trim(raw, chr(9) || chr(10) || chr(13) || ' ') <> '' "
    "ELSE true END"
)
# The line without its ending (substr copies less than rtrim scans).
TRIMMED = (
    "CASE WHEN ends_with(raw, chr(13) || chr(10)) THEN substr(raw, 1, length(raw) - 2) "
    "WHEN ends_with(raw, chr(10)) THEN substr(raw, 1, length(raw) - 1) ELSE raw END"
)

# nginx "combined" and Apache "combined", optionally followed by more quoted fields (nginx's
# stock "main" format adds "$http_x_forwarded_for") and then a request time, read only when
# it ends the line: ingress-nginx's, Apache's combinedio and Traefik's formats put other
# numbers there (a request length, bytes received, a request count). Apache writes a quote
# inside a quoted field as \" (a scanner's `GET /?q=\"x\"`), nginx as \x22.
COMBINED = (
    r'^(\S+) \S+ (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\S+) (\S+)'
    r'(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: "(?:[^"\\]|\\.)*")*'
    r"(?: (\S+)\s*$)?"
)
_COMBINED_GROUPS = ["addr", "user", "time", "request", "status", "bytes", "referer", "agent", "rt"]
_REQUEST_TIME_FACTOR = {"s": 1000.0, "ms": 1.0, "us": 0.001}
# What a request time looks like where it ends the line: nginx's $request_time is seconds
# to the millisecond (0.004), Apache's %D whole microseconds; with request_time_unit set,
# any number. Any other last token ($upstream_cache_status's HIT, $upstream_status's 200,
# %T/%D's 0/1234) is no request time, not a reject that would drop the request.
_REQUEST_TIME = {"nginx": r"\d+\.\d{3}", "apache": r"\d+", "set": r"\d+(\.\d+)?"}


def combined_log_sql(source: SourceConfig, params: SqlParams) -> str:
    """Staging SELECT for nginx and Apache combined logs, with an optional request time."""
    unit = source.request_time_unit or ("s" if source.format == "nginx" else "us")
    looks = _REQUEST_TIME["set" if source.request_time_unit else source.format]
    groups = "[" + ", ".join(sql_text(g) for g in _COMBINED_GROUPS) + "]"
    request, agent = _unescaped("m.request", source.format), _unescaped("m.agent", source.format)
    # A request target in absolute form (`GET http://host/path`, as varnishncsa and proxies
    # log it) is its path.
    target = f"split_part(split_part({request}, ' ', 2), '?', 1)"
    path = (
        f"CASE WHEN starts_with({target}, 'http') THEN coalesce(nullif(regexp_replace("
        f"{target}, '^https?://[^/]*', ''), ''), '/') ELSE {target} END"
    )
    return f"""
    SELECT line_no, raw,
      nullif(m.time, '') AS ts_text, NULL::VARCHAR AS service,
      nullif({path}, '') AS operation,
      m.user AS user_id, nullif(m.status, '') AS status_text,
      CASE WHEN regexp_full_match(m.rt, {sql_text(looks)}) THEN m.rt END AS duration_text,
      {_REQUEST_TIME_FACTOR[unit]} AS duration_factor,
      map_from_entries(list_filter([
        {{'k': 'client', 'v': nullif(m.addr, '')}},
        {{'k': 'method', 'v': nullif(split_part({request}, ' ', 1), '')}},
        {{'k': 'user_agent', 'v': nullif(nullif({agent}, ''), '-')}}
      ], lambda e: e.v IS NOT NULL)) AS attrs,
      CASE WHEN bad_bytes IS NOT NULL THEN 'record' WHEN m.time = '' THEN 'line' END
        AS parse_field,
      CASE WHEN bad_bytes IS NOT NULL THEN bad_bytes
        WHEN m.time = '' THEN 'does not look like a combined log line '
        || '(host ident user [time] "request" status bytes "referer" "agent" [request_time])'
      END AS parse_error, NULL::VARCHAR AS record_id
    FROM (
      SELECT line_no, raw, bad_bytes, regexp_extract(raw, {sql_text(COMBINED)}, {groups}) AS m
      FROM lines WHERE {NOT_BLANK}
    )
    """


def _unescaped(field: str, fmt: str) -> str:
    """A quoted field's text: Apache writes a quote in it as `\\"` and a backslash as
    `\\\\` (mod_log_config), read here as the quote and the backslash; nginx writes both
    as `\\xHH`, kept as written."""
    if fmt != "apache":
        return field
    escape = sql_text(r'\\(["\\])')
    return (
        f"CASE WHEN contains({field}, '\\') "
        f"THEN regexp_replace({field}, {escape}, '\\1', 'g') ELSE {field} END"
    )


def regex_sql(source: SourceConfig, params: SqlParams) -> str:
    """Staging SELECT for a user pattern with named groups (ts, status, duration_ms...)."""
    assert source.pattern is not None
    compiled = re.compile(source.pattern)
    names = {index: name for name, index in compiled.groupindex.items()}
    groups = [names.get(i, f"_{i}") for i in range(1, compiled.groups + 1)]
    known = set(groups)

    def group(name: str) -> str:
        return f"nullif(m.\"{name}\", '')" if name in known else "NULL::VARCHAR"

    durations = [(g, DURATION_FACTORS[g]) for g in DURATION_FACTORS if g in known]
    duration_text = group(durations[0][0]) if durations else "NULL::VARCHAR"
    factor = durations[0][1] if durations else 1.0
    attrs = [
        f"{{'k': {params.bind(g[len('attrs_') :])}, 'v': {group(g)}}}"
        for g in groups
        if g.startswith("attrs_")
    ]
    attrs_sql = (
        "map_from_entries(list_filter([" + ", ".join(attrs) + "], lambda e: e.v IS NOT NULL))"
        if attrs
        else "MAP {}::MAP(VARCHAR, VARCHAR)"
    )
    if not re2_compatible(source.pattern):  # refused when the configuration is read, too
        raise InputError(
            "pattern uses a feature the engine's regular expressions (RE2) lack, such as "
            "look-around or back-references; rewrite it without them"
        )
    group_list = params.bind(groups)
    pattern = params.bind(source.pattern)
    return f"""
    SELECT line_no, raw,
      {group("ts")} AS ts_text, {group("service")} AS service,
      {group("operation")} AS operation, {group("user")} AS user_id,
      {group("status")} AS status_text, {duration_text} AS duration_text,
      {factor} AS duration_factor, {attrs_sql} AS attrs,
      CASE WHEN bad_bytes IS NOT NULL THEN 'record' WHEN NOT matched THEN 'line' END
        AS parse_field,
      CASE WHEN bad_bytes IS NOT NULL THEN bad_bytes
        WHEN NOT matched THEN 'does not match the source pattern' END AS parse_error,
      {group(source.id) if source.id else "NULL::VARCHAR"} AS record_id
    FROM (
      SELECT line_no, raw, bad_bytes, regexp_matches(raw, {pattern}) AS matched,
        regexp_extract(raw, {pattern}, {group_list}) AS m
      FROM (SELECT line_no, {TRIMMED} AS raw, bad_bytes FROM lines WHERE {NOT_BLANK})
    )
    """
