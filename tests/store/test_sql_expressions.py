"""Compiled SLI predicates, executed on real DuckDB (and ClickHouse via chdb when installed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.config.expressions import Compare, Field, parse_expression
from basics.store.sql_expressions import quote_string, to_predicate_sql, to_sql

# id, service, operation, user_id, status, duration_ms, attrs
ROWS: list[tuple[int, str, str, str | None, int | None, float | None, dict[str, str]]] = [
    (1, "checkout", "/api/pay", "alice", 200, 120.0, {"region": "eu", "tier": "gold"}),
    (2, "checkout", "/api/pay", "bob", 500, 950.5, {"region": "us", "error": "upstream timeout"}),
    (3, "checkout", "/health", "O'Brien", 200, 1.0, {}),
    (4, "search", "/api/search", "back\\slash", None, 300.0, {"region": "eu", "version": "1.2"}),
    (
        5,
        "search",
        "/api/100%_done",
        "ünïcødé ☃",
        429,
        300.0,
        {"note": "it's 50% off_now", "region": "EU"},
    ),
    (6, "search", "/api/search", None, 404, None, {"key with space": "x'y", "region": ""}),
    (7, "checkout", "/api/pay", "carol", 503, 301.0, {"tier": "silver", "version": "2.0"}),
]
ALL = {row[0] for row in ROWS}

CASES: list[tuple[str, set[int]]] = [
    ("status < 500", {1, 3, 5, 6}),
    ("not (status < 500)", {2, 7}),
    ("status >= 500 or status == 429", {2, 5, 7}),
    ("not (status >= 500 or status == 429)", {1, 3, 6}),
    ("status != 200", {2, 5, 6, 7}),
    ("status in [200, 429,]", {1, 3, 5}),
    ("status not in [404, 410]", {1, 2, 3, 5, 7}),
    ("status is null", {4}),
    ("status is not null", {1, 2, 3, 5, 6, 7}),
    ('duration_ms <= 300 and operation != "/health"', {1, 4, 5}),
    ("duration_ms > 300.25", {2, 7}),
    ("duration_ms > -1", {1, 2, 3, 4, 5, 7}),
    ("duration_ms = 950.50", {2}),
    ('attrs.region == "eu"', {1, 4}),
    ('attrs.region != "eu"', {2, 5, 6}),
    ('not attrs.region == "eu"', {2, 5, 6}),
    ('attrs.region == ""', {6}),
    ('attrs.region < "f"', {1, 4, 5, 6}),
    ('attrs.region in ["us", "EU"]', {2, 5}),
    ('attrs.region not in ["us", "EU"]', {1, 4, 6}),
    ("attrs.version is null", {1, 2, 3, 5, 6}),
    ("attrs.tier is not null", {1, 7}),
    ('attrs.error contains "timeout"', {2}),
    ('not attrs.error contains "timeout"', set()),
    ('attrs["key with space"] == "x\'y"', {6}),
    ('attrs.note contains "50% off_"', {5}),
    ('operation startswith "/api/"', {1, 2, 4, 5, 6, 7}),
    ('operation startswith "/api/1"', {5}),
    ('operation contains "%"', {5}),
    ('operation contains "_"', {5}),
    ('operation contains ""', ALL),
    ('user == "O\'Brien"', {3}),
    ('user == "o\'brien"', set()),
    (r'user == "back\\slash"', {4}),
    ('user in ["alice", "ünïcødé ☃"]', {1, 5}),
    ("user is null", {6}),
    ('user != "alice"', {2, 3, 4, 5, 7}),
    ('user > "b"', {2, 4, 5, 7}),
    ("true", ALL),
    ("false", set()),
    ("not false and status == 200", {1, 3}),
    ("not not (status == 200)", {1, 3}),
    ('service == "search" and (status is null or status >= 429)', {4, 5}),
    # Row 2 has no tier: `null or false` is null, so `not` of it does not match either.
    ('service = "checkout" and not (attrs.tier == "gold" or duration_ms < 10)', {7}),
    # ... but `null and false` is false, so row 2 matches here while row 3 (null) does not.
    ('service = "checkout" and not (attrs.tier == "gold" and duration_ms < 10)', {1, 2, 7}),
    # Injection attempts: every literal is escaped, so these are plain strings matching nothing.
    ('user == "x\' OR 1=1 --"', set()),
    ("user == 'x\\' OR \\'1\\'=\\'1'", set()),
    ('user == "\\\\\' OR 1=1 --"', set()),
    ('user != "x\') OR true --" and status == 429', {5}),
    ('attrs["x\'] OR true --"] is not null', set()),
    ('attrs["region\') OR (true"] == "eu"', set()),
    ('operation contains "\') OR true --"', set()),
]


def ids(rows: list[tuple[Any, ...]]) -> set[int]:
    """The ids in a result set."""
    return {int(row[0]) for row in rows}


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        """
        CREATE TABLE events (
            id INTEGER, ts TIMESTAMP, service VARCHAR, operation VARCHAR, user_id VARCHAR,
            status INTEGER, duration_ms DOUBLE, attrs MAP(VARCHAR, VARCHAR)
        )
        """
    )
    # Rows go in as bound parameters so the fixture never relies on the quoting under test.
    connection.executemany(
        "INSERT INTO events VALUES (?, TIMESTAMP '2025-01-01 00:00:00', ?, ?, ?, ?, ?, ?)",
        [list(row) for row in ROWS],
    )
    yield connection
    connection.close()


def test_duckdb_missing_map_key_is_null(duck: duckdb.DuckDBPyConnection) -> None:
    # The compiled SQL relies on `map[key]` returning the value, and NULL for an absent key
    # (older DuckDB releases returned a list here).
    assert duck.execute(
        "SELECT attrs['nope'], attrs['region'] FROM events WHERE id = 1"
    ).fetchall() == [(None, "eu")]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_duckdb_matches(duck: duckdb.DuckDBPyConnection, text: str, expected: set[int]) -> None:
    predicate = to_predicate_sql(parse_expression(text), "duckdb")
    rows = duck.execute(f"SELECT id FROM events WHERE {predicate}").fetchall()
    assert ids(rows) == expected, predicate


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_duckdb_predicate_is_never_null(
    duck: duckdb.DuckDBPyConnection, text: str, expected: set[int]
) -> None:
    predicate = to_predicate_sql(parse_expression(text), "duckdb")
    rows = duck.execute(f"SELECT id, {predicate} FROM events").fetchall()
    assert {row[0] for row in rows if row[1] is True} == expected
    assert all(row[1] is not None for row in rows)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20))
def test_duckdb_string_literals_round_trip(text: str) -> None:
    connection = duckdb.connect()
    try:
        equal = to_predicate_sql(Compare(Field("user"), "==", text), "duckdb")
        key = to_predicate_sql(Compare(Field("attrs." + (text or "k")), "==", text), "duckdb")
        row = connection.execute(
            f"SELECT {equal}, {key}, {quote_string(text, 'duckdb')} = $1 "
            "FROM (SELECT $1::VARCHAR AS user_id, MAP {$2::VARCHAR: $1::VARCHAR} AS attrs)",
            [text, text or "k"],
        ).fetchone()
    finally:
        connection.close()
    assert row == (True, True, True)


def test_sql_text_for_both_dialects() -> None:
    expr = parse_expression(
        'attrs["it\'s"] == "a\\\\b\'c" and not (status >= 500 or user is null) '
        'and operation startswith "/api" and attrs.x contains "%" and duration_ms < 0.50'
    )
    assert to_sql(expr, "duckdb") == (
        "((attrs['it''s'] = 'a\\b''c') AND (NOT ((status >= 500) OR (user_id IS NULL)))"
        " AND starts_with(operation, '/api') AND contains(attrs['x'], '%')"
        " AND (duration_ms < 0.50))"
    )
    assert to_sql(expr, "clickhouse") == (
        "((if(mapContains(attrs, 'it\\'s'), attrs['it\\'s'], NULL) = 'a\\\\b\\'c')"
        " AND (NOT ((status >= 500) OR (user_id IS NULL)))"
        " AND startsWith(operation, '/api')"
        " AND (position(if(mapContains(attrs, 'x'), attrs['x'], NULL), '%') > 0)"
        " AND (duration_ms < 0.50))"
    )
    assert to_sql(parse_expression("attrs.v is null"), "clickhouse") == (
        "(NOT mapContains(attrs, 'v'))"
    )
    assert to_sql(parse_expression("attrs.v is not null"), "clickhouse") == (
        "mapContains(attrs, 'v')"
    )
    assert to_sql(parse_expression("status not in [404, -1]"), "clickhouse") == (
        "(status NOT IN (404, -1))"
    )
    assert to_predicate_sql(parse_expression("true"), "duckdb") == "coalesce(true, false)"
    assert to_predicate_sql(parse_expression("status < 5"), "clickhouse") == (
        "coalesce((status < 5), false)"
    )


def test_unknown_dialect_is_rejected() -> None:
    with pytest.raises(ValueError):
        to_sql(parse_expression("true"), "postgres")  # type: ignore[arg-type]


# --- ClickHouse, through chdb when it is installed -------------------------------------------

CLICKHOUSE_DDL = """
CREATE TABLE events (
    id Int32, ts DateTime64(3), service Nullable(String), operation Nullable(String),
    user_id Nullable(String), status Nullable(Int32), duration_ms Nullable(Float64),
    attrs Map(String, String)
) ENGINE = Memory
"""


@pytest.fixture(scope="module")
def clickhouse() -> Iterator[Any]:
    chdb_session = pytest.importorskip("chdb.session")
    session = chdb_session.Session()
    session.query("DROP TABLE IF EXISTS events")
    session.query(CLICKHOUSE_DDL)
    # JSON rows rather than SQL literals, so the fixture never relies on the quoting under test.
    lines = [
        json.dumps(
            dict(
                zip(
                    ("id", "service", "operation", "user_id", "status", "duration_ms", "attrs"),
                    row,
                    strict=True,
                ),
                ts="2025-01-01 00:00:00",
            )
        )
        for row in ROWS
    ]
    session.query("INSERT INTO events FORMAT JSONEachRow\n" + "\n".join(lines))
    yield session
    session.close()


def clickhouse_ids(session: Any, sql: str) -> set[int]:
    """The ids returned by a ClickHouse query selecting one id column."""
    output = str(session.query(sql, "CSV"))
    return {int(line) for line in output.split()}


def test_clickhouse_fixture_loaded(clickhouse: Any) -> None:
    assert clickhouse_ids(clickhouse, "SELECT id FROM events") == ALL
    user = str(clickhouse.query("SELECT user_id FROM events WHERE id = 4", "TabSeparatedRaw"))
    assert user.strip() == "back\\slash"


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_clickhouse_matches(clickhouse: Any, text: str, expected: set[int]) -> None:
    predicate = to_predicate_sql(parse_expression(text), "clickhouse")
    assert clickhouse_ids(clickhouse, f"SELECT id FROM events WHERE {predicate}") == expected, (
        predicate
    )


NASTY_STRINGS = [
    "",
    "'",
    "''",
    "\\",
    "\\'",
    "\\\\'",
    "a\\nb",
    "\\x41\\0\\u0041",
    "\n\t\r",
    "é☃𝄞",
    "%_*?",
    "{name:String}",
    "$$ OR 1=1 $$",
    "x' OR 1=1 --",
    "x'); DROP TABLE events; --",
]


@pytest.mark.parametrize("text", NASTY_STRINGS)
def test_clickhouse_string_literals_are_exact(clickhouse: Any, text: str) -> None:
    literal = quote_string(text, "clickhouse")
    output = str(clickhouse.query(f"SELECT hex({literal})", "TabSeparatedRaw"))
    assert output.strip() == text.encode().hex().upper()
    assert clickhouse_ids(clickhouse, "SELECT id FROM events") == ALL


@pytest.mark.parametrize("text", NASTY_STRINGS)
def test_duckdb_string_literals_are_exact(duck: duckdb.DuckDBPyConnection, text: str) -> None:
    literal = quote_string(text, "duckdb")
    assert duck.execute(f"SELECT {literal}").fetchall() == [(text,)]
