"""SQL that turns staged text fields into canonical events, or a reject with its reason."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from basics.config.models import Config, SourceConfig
from basics.store.sql_params import SqlParams

# Columns every staging relation provides (all text but line_no, duration_factor and attrs).
STAGING_COLUMNS = (
    "line_no",
    "raw",
    "ts_text",
    "service",
    "operation",
    "user_id",
    "status_text",
    "duration_text",
    "duration_factor",
    "attrs",
    "parse_field",
    "parse_error",
    "record_id",
)

# An ISO 8601 date-time with a zone. Hours 00-23 (no "T24:00") and offsets within ±14:59,
# so DuckDB never rolls an impossible time into a real one.
# RFC 3339 allows a lower-case `t` and `z` (section 5.6): read as `T` and `Z`.
_OFFSET = (
    r"\d{4}-\d\d-\d\d[Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"\s*([Zz]|[+-](0\d|1[0-4])(:?[0-5]\d)?|UTC|GMT)"
)
_UTC_SUFFIX = r"\s*([Zz]|UTC|GMT)$"
# Only a plain date-time is read as local time; any other text is a reject. A local
# time needs its time of day: a date alone (a CSV's date column, the time in
# another) is a reject, never midnight. ISO 8601 allows a decimal comma, as Python's
# logging (asctime) and log4j write the milliseconds.
_LOCAL = r"\d{4}-\d\d-\d\d[Tt ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d([.,]\d+)?)?"
_DATE = r"\d{4}-\d\d-\d\d"
_EPOCH = r"-?\d+(\.\d+)?"
_APACHE = r"\d\d?/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}"


def sql_text(value: str) -> str:
    """A SQL string literal with quotes escaped (for our own constants; bind user values)."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class TimeRules:
    """How a source's timestamps are read: its zone for local times, an explicit format,
    and the range of UTC times accepted (anything outside is a reject)."""

    timezone: str
    earliest: dt.datetime  # naive UTC, as stored (ingest.earliest / ingest.latest)
    latest: dt.datetime
    timestamp_format: str | None = None


def engine_problems(config: Config, names: list[str] | None = None) -> list[str]:
    """`file:line: sources.<name>.<key>: why` for each `timestamp_format` DuckDB's strptime
    cannot read and each `pattern` its regular expressions (RE2) cannot compile (`\\d++`,
    `\\Z`: Python reads them, so the configuration's own check lets them by).

    Checked by DuckDB itself, by `config validate` and before an ingest of the source reads
    anything; not when the configuration is loaded, which every command does.
    """
    checked = [
        (name, key, value)
        for name, source in config.sources.items()
        if names is None or name in names
        for key, value in (
            ("timestamp_format", source.timestamp_format),
            ("pattern", source.pattern),
        )
        if value
    ]
    if not checked:
        return []
    from basics.store.engine import duckdb

    problems: list[tuple[tuple[str, ...], str]] = []
    with duckdb.connect() as db:
        for name, key, value in checked:
            try:
                if key == "timestamp_format":
                    db.execute("SELECT try_strptime('', ?)", [value]).fetchall()
                else:
                    db.execute("SELECT regexp_matches('', ?)", [value]).fetchall()
            except duckdb.Error as error:
                if key == "timestamp_format":
                    reason = str(error).split(f"{value}: ", 1)[-1]
                    problems.append((("sources", name, key), (
                        f"{value!r} cannot be read: {reason} "
                        "(the specifiers are strptime's: %Y %m %d %H %M %S %f %z %b ...)"
                    )))  # fmt: skip
                else:
                    reason = str(error).removeprefix("Invalid Input Error: ")
                    problems.append((("sources", name, key), (
                        f"the engine's regular expressions (RE2) cannot use it: {reason}"
                    )))  # fmt: skip
    if config.path is None:
        return [f"{'.'.join(where)}: {why}" for where, why in problems]
    from basics.config.loader import at_lines

    return at_lines(config.path, problems)


def offset_time_sql(t: str) -> str:
    """The naive UTC time of text `t` that matched `OFFSET_PATTERN`.

    DuckDB reads a `Z` right after the time itself; other spellings of UTC (`z`, `UTC`,
    `GMT`, a space before them) are rewritten as `+00:00` first. A space before a numeric
    offset (`14:00:00 +00:00`, as Ruby's and Java's loggers write it) and a lower-case `t`
    between date and time, which DuckDB does not read, are mended when the first reading
    fails (so the common spelling pays for neither).
    """
    written = (
        f"CASE WHEN ends_with({t}, 'Z') AND substr({t}, -2, 1) BETWEEN '0' AND '9' THEN {t} "
        f"ELSE regexp_replace({t}, {sql_text(_UTC_SUFFIX)}, '+00:00') END"
    )
    mended = f"regexp_replace({_upper_t(written)}, '\\s+([+-][0-9])', '\\1')"
    return (
        f"timezone('UTC', coalesce(try_cast({written} AS TIMESTAMPTZ), "
        f"try_cast({mended} AS TIMESTAMPTZ)))"
    )


def _upper_t(t: str) -> str:
    """Text `t` (a date-time) with a lower-case `t` after its date written `T`."""
    return (
        f"CASE WHEN substr({t}, 11, 1) = 't' THEN left({t}, 10) || 'T' || substr({t}, 12) "
        f"ELSE {t} END"
    )


def epoch_time_sql(text: str, number: str | None = None) -> str:
    """The naive UTC time of `text` that matched `EPOCH_PATTERN`, an epoch number
    (`number`: the text read as a DOUBLE, when the query has it already).

    Told apart by magnitude: s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns. A whole number of
    fewer than 16 digits (seconds, milliseconds: what nearly every log writes) is exact as a
    double and read so; a longer one or one with a fraction is counted in whole numbers (a
    double holds nanoseconds since 1970 only to about 256 ns, and rounded 09:00:59.999999999
    up into the next minute): digits below the microsecond are dropped, as they are from ISO
    8601 text. try_cast: a number too large for microseconds is a reject, not a failed batch.
    """
    value = number or f"try_cast({text} AS DOUBLE)"
    plain = (
        f"CASE WHEN abs({value}) >= 1e14 THEN {value} WHEN abs({value}) >= 1e11 "
        f"THEN {value} * 1000 ELSE {value} * 1000000 END"
    )
    whole = f"try_cast(split_part({text}, '.', 1) AS HUGEINT)"
    sign = f"(CASE WHEN starts_with({text}, '-') THEN -1 ELSE 1 END)"

    def fraction(digits: int) -> str:  # the first `digits` digits after the point
        return (
            f"{sign} * CAST(rpad(left(split_part({text}, '.', 2), {digits}), {digits}, '0') "
            "AS HUGEINT)"
        )

    exact = (
        f"CASE WHEN abs({value}) >= 1e17 THEN {whole} // 1000 "
        f"WHEN abs({value}) >= 1e14 THEN {whole} "
        f"WHEN abs({value}) >= 1e11 THEN {whole} * 1000 + {fraction(3)} "
        f"ELSE {whole} * 1000000 + {fraction(6)} END"
    )
    return (
        f"make_timestamp(try_cast(CASE WHEN length({text}) < 16 AND NOT contains({text}, '.') "
        f"THEN {plain} ELSE {exact} END AS BIGINT))"
    )


def operation_sql(text: str) -> str:
    """The operation of `text`: a URL's query string is no part of it (`/api/cart?page=2`
    is `/api/cart`, as a combined log's path is read), so each route is one value."""
    return (
        f"nullif(CASE WHEN contains({text}, '?') THEN split_part({text}, '?', 1) "
        f"ELSE {text} END, '')"
    )


def status_sql(number: str) -> str:
    """The status of a number read from a status field, NULL when it is not one."""
    return (
        f"CASE WHEN {number} = round({number}) AND {number} BETWEEN 0 AND 999 "
        f"THEN CAST({number} AS INTEGER) END"
    )


def duration_sql(number: str, factor: str) -> str:
    """Milliseconds of a number read from a duration field, NULL when it is not one.

    Rounded to the nanosecond, the finest unit a duration is written in: a conversion
    leaves no binary residue (2.007 s would be 2007.0000000000002 ms, above a 2007 ms
    threshold it meets)."""
    return (
        f"CASE WHEN {number} >= 0 AND isfinite({number} * {factor}) "
        f"THEN round({number} * {factor}, 6) END"
    )


# A duration written with its unit: Go's time.Duration text (`1.5ms`, `250µs`, `1m30s`),
# Google Cloud's JSON Duration (`0.123456s`), `12 ms`. Its unit wins over the field's.
_UNIT_MS = {"ns": "0.000001", "us": "0.001", "µs": "0.001", "μs": "0.001", "ms": "1"}
_UNIT_MS |= {"s": "1000", "m": "60000", "h": "3600000"}
_PART = r"(\d+(\.\d*)?|\.\d+) ?(ns|us|µs|μs|ms|s|m|h)"
DURATION_PATTERN = sql_text(f"({_PART})+")


def duration_ms_sql(text: str, number: str, factor: str) -> str:
    """Milliseconds of a duration field: `number` (its text read as a number) times the
    field's `factor`, or else its `text` written with units (see `_PART`), or else a list
    of numbers (see `_TIMES`), their sum times `factor`; NULL when it is none of these, or
    negative, or not finite."""
    units = " ".join(f"WHEN {sql_text(unit)} THEN {ms}" for unit, ms in _UNIT_MS.items())
    written = (
        f"list_sum(list_transform(regexp_extract_all({text}, {sql_text(_PART)}), lambda p: "
        f"CAST(regexp_extract(p, '^[0-9.]+') AS DOUBLE) * "
        f"CASE regexp_extract(p, '[a-zµμ]+$') {units} END))"
    )
    listed = (
        f"list_sum(list_transform(regexp_extract_all({text}, '[0-9.]+'), "
        "lambda n: CAST(n AS DOUBLE)))"
    )
    # Each sum is computed once, and tested through a lambda's parameter.
    return (
        f"CASE WHEN {number} IS NOT NULL THEN {duration_sql(number, factor)} "
        f"WHEN regexp_full_match({text}, {DURATION_PATTERN}) "
        f"THEN list_transform([{written}], lambda w: {duration_sql('w', '1')})[1] "
        f"WHEN regexp_full_match({text}, {sql_text(_TIMES)}) "
        f"THEN list_transform([{listed}], lambda w: {duration_sql('w', factor)})[1] END"
    )


# nginx's $upstream_response_time after retries (`0.028, 0.030`: one time per upstream
# tried) or internal redirects (`0.028 : 0.030`): the request's time in upstreams is their
# sum. A reject would drop the request, and the failure that made nginx retry with it.
# Only nginx's own shape (seconds to the millisecond, `, ` or ` : ` between): `1,5` (a
# decimal comma), `12,345` or `00:01:30` are no such list, and stay rejects.
_TIMES = r"\d+\.\d{3}((, | : )\d+\.\d{3})+"


OFFSET_PATTERN = sql_text(_OFFSET)
EPOCH_PATTERN = sql_text(_EPOCH)


def timestamp_sql(rules: TimeRules, params: SqlParams) -> tuple[str, str]:
    """SQL for (UTC timestamp, read-as-local flag) over the columns of `_time_features` and
    `_local_reading`."""
    if rules.timestamp_format:
        if _has_offset(rules.timestamp_format):
            fmt = params.bind(rules.timestamp_format)
            return f"timezone('UTC', try_strptime(t, {fmt}))", "false"
        return "local_utc", "true"
    ts = (
        f"CASE WHEN epoch IS NOT NULL THEN {epoch_time_sql('t', 'epoch')} "
        "WHEN is_apache THEN timezone('UTC', try_strptime(t, '%d/%b/%Y:%H:%M:%S %z')) "
        f"WHEN has_offset THEN {offset_time_sql('t')} ELSE local_utc END"
    )
    return ts, "epoch IS NULL AND NOT is_apache AND NOT has_offset"


def _has_offset(timestamp_format: str) -> bool:
    return "%z" in timestamp_format or "%Z" in timestamp_format


def _none_sentinel(column: str) -> str:
    """`column`, or NULL when it says "none": empty, `-`, or the number -1 however written
    (`-1`, `-1.0`, `-1e0`: a float column's, a JSON writer's)."""
    return (
        f"CASE WHEN trim({column}) IN ('', '-', '-1') THEN NULL "
        f"WHEN starts_with(trim({column}), '-') AND try_cast(trim({column}) AS DOUBLE) = -1 "
        f"THEN NULL ELSE {column} END"
    )


MISSING_TS = "missing; map the record's time with fields.ts"
MISSING_SERVICE = "missing; map it with fields.service or set service: on the source"


def missing_reasons(source: SourceConfig) -> tuple[str, str]:
    """Why a record of `source` has no time, and why no service: the field it looked in,
    and advice only of settings its format takes (an otlp source takes no `fields:`)."""
    ts, service = MISSING_TS, MISSING_SERVICE
    if "ts" in source.fields:
        ts = f'missing: "{source.fields["ts"]}" (fields.ts) is absent or empty in the record'
    elif source.format == "w3c":
        ts = (
            "missing: the line has no date and time (#Fields: date time ...); map fields.ts "
            "to the field that holds its time"
        )
    elif source.format == "regex":
        ts = "missing: the pattern's group ts matched nothing"
    if "service" in source.fields:
        service = (
            f'missing: "{source.fields["service"]}" (fields.service) is absent or empty in '
            "the record; set service: on the source for records that name none"
        )
    elif source.format == "otlp":
        service = (
            'missing: the resource has no "service.name" attribute; set service: on the '
            "source, or service.name where the telemetry is made (OTEL_SERVICE_NAME)"
        )
    elif source.format in ("nginx", "apache"):
        service = "missing: a combined log names no service; set service: on the source"
    elif source.format == "regex":
        service = (
            "missing: the pattern's group service matched nothing; set service: on the source"
            if "service" in re.compile(source.pattern or "").groupindex
            else "missing; set service: on the source, or name a group service in the pattern"
        )
    return ts, service


def _time_features(rules: TimeRules, params: SqlParams, staging: str) -> str:
    """`staging` with `t` (the trimmed text) and what it looks like, and `local_ts`, the naive
    local time when the text has no offset."""
    if rules.timestamp_format:
        local = "NULL::TIMESTAMP"
        if not _has_offset(rules.timestamp_format):
            local = f"try_strptime(t, {params.bind(rules.timestamp_format)})"
        return f"SELECT *, {local} AS local_ts FROM (SELECT *, trim(ts_text) AS t FROM {staging})"
    # The usual form first; the others are tried only on what it does not match.
    offset = (
        f"SELECT *, coalesce(regexp_full_match(t, {OFFSET_PATTERN}), false) AS has_offset "
        f"FROM (SELECT *, trim(ts_text) AS t FROM {staging})"
    )
    looks = (
        "SELECT *, CASE WHEN has_offset THEN false "
        f"ELSE regexp_full_match(t, {sql_text(_APACHE)}) END AS is_apache, "
        f"CASE WHEN NOT has_offset AND regexp_full_match(t, {EPOCH_PATTERN}) "
        f"THEN try_cast(t AS DOUBLE) END AS epoch FROM ({offset})"
    )
    return (
        "SELECT *, CASE WHEN epoch IS NULL AND NOT is_apache AND NOT has_offset "
        f"AND regexp_full_match(t, {sql_text(_LOCAL)}) THEN try_cast(CASE WHEN contains(t, ',') "
        "OR substr(t, 11, 1) = 't' THEN replace(left(t, 10) || 'T' || substr(t, 12), ',', '.') "
        "ELSE t END AS TIMESTAMP) END "
        f"AS local_ts FROM ({looks})"
    )


_FIXED_ZONES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/GMT", "GMT", "Zulu", "Etc/Zulu"}


def _local_reading(rules: TimeRules, params: SqlParams, inner: str) -> str:
    """`inner` with `local_utc` (naive UTC), `gap` and `repeated` added for its naive local
    time `local_ts` in the source's zone.

    A local time the clocks skipped (spring forward) is a gap: it names no instant, so it
    is a reject. One the clocks went through twice (fall back) is read as its first
    occurrence, and flagged so the batch can say how many were. DuckDB (ICU) alone would
    move a gap time forward and read a repeated time as its second occurrence, silently.
    """
    if rules.timezone in _FIXED_ZONES:
        return f"SELECT *, local_ts AS local_utc, false AS gap, false AS repeated FROM ({inner})"
    z = params.bind(rules.timezone)

    def local(utc: str) -> str:  # the local wall time of a naive UTC instant
        return f"timezone({z}, timezone('UTC', {utc}))"

    # `u` is DuckDB's reading. An offset a day before (after) `u` that differs from the one
    # at `u` means a transition lies between, and maybe another reading of the same time.
    day = "INTERVAL 1 DAY"
    read = f"SELECT *, timezone('UTC', timezone({z}, local_ts)) AS u FROM ({inner})"
    offsets = (
        f"SELECT *, {local('u')} - u AS offset_now, "
        f"{local(f'u - {day}')} - (u - {day}) AS offset_before, "
        f"{local(f'u + {day}')} - (u + {day}) AS offset_after FROM ({read})"
    )
    candidates = (
        "SELECT *, u + offset_now <> local_ts AS gap, "
        "u - (offset_before - offset_now) AS earlier, "
        f"CASE WHEN offset_before > offset_now THEN {local('u - (offset_before - offset_now)')} "
        "= local_ts ELSE false END AS earlier_too, "
        f"CASE WHEN offset_after < offset_now THEN {local('u + (offset_now - offset_after)')} "
        f"= local_ts ELSE false END AS later_too FROM ({offsets})"
    )
    return (
        "SELECT * EXCLUDE (u, offset_now, offset_before, offset_after, earlier, earlier_too, "
        "later_too) REPLACE (coalesce(gap, false) AS gap), "
        "CASE WHEN gap THEN NULL WHEN earlier_too THEN earlier ELSE u END AS local_utc, "
        f"coalesce(NOT gap AND (earlier_too OR later_too), false) AS repeated FROM ({candidates})"
    )


def normalize_sql(
    staging: str,
    rules: TimeRules,
    fixed_service: str | None,
    params: SqlParams,
    id_field: str | None = None,
    keep_raw: bool = True,
    noted: bool = False,
    missing: tuple[str, str] = (MISSING_TS, MISSING_SERVICE),
) -> str:
    """A query over `staging` giving canonical columns plus reject_field / reject_reason
    (and `raw`, NULL unless `keep_raw`). With `noted`, `staging` has a column `note`,
    text the reason of a missing field ends with (why the record may lack it). `missing`:
    the reasons of a record without a time, and without a service (`missing_reasons`).

    Every value from the configuration is bound through `params`, never written into the SQL.
    """
    ts, is_local = timestamp_sql(rules, params)
    # `-` and `-1`, what access logs write for a status or a time they have none of (an
    # ALB's failed request, HAProxy's aborted one), are missing values: a reject would
    # drop the request, and with it a failure from the SLI.
    cleaned = (
        f"SELECT * REPLACE ({_none_sentinel('status_text')} AS status_text, "
        f"{_none_sentinel('duration_text')} AS duration_text) FROM {staging}"
    )
    features = (
        "SELECT *, try_cast(trim(status_text) AS DOUBLE) AS status_num, "
        "try_cast(trim(duration_text) AS DOUBLE) AS duration_num "
        f"FROM ({_time_features(rules, params, f'({cleaned})')})"
    )
    service = "service"
    if fixed_service is not None:
        service = f"coalesce(nullif(service, ''), {params.bind(fixed_service)})"
    expected_ts = params.bind(
        "expected ISO 8601, epoch seconds or milliseconds, or 10/Oct/2000:13:55:36 -0700"
        + (f" (format {rules.timestamp_format})" if rules.timestamp_format else "")
        + ', found "'
    )
    earliest, latest = params.bind(rules.earliest), params.bind(rules.latest)
    out_of_range = params.bind(
        f"outside the accepted time range {rules.earliest:%Y-%m-%d} to {rules.latest:%Y-%m-%d} "
        '(ingest.earliest / ingest.latest in basics.yaml), found "'
    )
    in_gap = params.bind(
        f'" does not exist in {rules.timezone}: the clocks went forward over it (write the '
        "time with its UTC offset, or set the source's timezone)"
    )
    date_only = params.bind('a date without a time, "')
    id_missing = "false"
    missing_id = "NULL"
    if id_field is not None:
        id_missing = "record_id IS NULL"
        missing_id = params.bind(f"missing; the source declares id: {id_field}")
    raw = "raw" if keep_raw else "NULL::VARCHAR AS raw"
    note = "coalesce(note, '')" if noted else "''"
    # Materialized: each line's time is computed once, not again for each test of it.
    return f"""
    WITH canonical AS MATERIALIZED (
      SELECT line_no, {raw}, ts_text, status_text, duration_text, parse_field, parse_error,
        {"note," if noted else ""}
        {ts} AS ts,
        {is_local} AS local_time,
        {is_local} AND repeated AS repeated_time, {is_local} AND gap AS gap,
        nullif({service}, '') AS service,
        {operation_sql("operation")} AS operation,
        nullif(nullif(user_id, ''), '-') AS user_id,
        nullif(record_id, '') AS record_id,
        {status_sql("status_num")} AS status,
        {duration_ms_sql("trim(duration_text)", "duration_num", "duration_factor")} AS duration_ms,
        attrs
      FROM ({_local_reading(rules, params, features)})
    )
    SELECT *,
      CASE
        WHEN parse_error IS NOT NULL THEN parse_field
        WHEN {id_missing} THEN 'id'
        WHEN ts_text IS NULL OR ts IS NULL OR NOT in_range THEN 'ts'
        WHEN service IS NULL THEN 'service'
        WHEN status_text IS NOT NULL AND status IS NULL THEN 'status'
        WHEN duration_text IS NOT NULL AND duration_ms IS NULL THEN 'duration'
      END AS reject_field,
      CASE
        WHEN parse_error IS NOT NULL THEN parse_error
        WHEN {id_missing} THEN {missing_id} || {note}
        WHEN ts_text IS NULL THEN {params.bind(missing[0])} || {note}
        WHEN ts IS NULL AND gap THEN 'the local time "' || left(ts_text, 60) || {in_gap}
        WHEN ts IS NULL AND regexp_full_match(trim(ts_text), {sql_text(_DATE)})
          THEN {date_only} || left(ts_text, 60) || '": an event needs its time of day '
            || '(map fields.ts to the field that holds both, or read the line with a regex '
            || 'whose ts group spans the date and the time)'
        WHEN ts IS NULL THEN {expected_ts} || left(ts_text, 60) || '"'
        WHEN NOT in_range THEN {out_of_range} || left(ts_text, 60) || '"'
        WHEN service IS NULL THEN {params.bind(missing[1])} || {note}
        WHEN status_text IS NOT NULL AND status IS NULL
          THEN 'expected an integer status between 0 and 999, found "'
            || left(status_text, 60) || '"'
        WHEN duration_text IS NOT NULL AND duration_ms IS NULL
          THEN 'expected a finite non-negative number, or a duration with its unit such as '
            || '250ms or 1.5s, found "' || left(duration_text, 60) || '"'
      END AS reject_reason
    FROM (SELECT *, ts >= {earliest} AND ts < {latest} AS in_range FROM canonical)
    """
