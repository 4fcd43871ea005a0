"""Compile SLI expression ASTs to SQL predicates over the events table (DuckDB, ClickHouse).

Columns: ts, service, operation, user_id (the field `user`), status, duration_ms and
attrs MAP(VARCHAR, VARCHAR); in ClickHouse the scalar columns are expected to be Nullable.

Missing values follow SQL NULL semantics in both dialects: a comparison, `in` list or text
match on a missing field (NULL column, absent attrs key) is NULL, i.e. the event is simply not
matched, and `not` over it is NULL too. `to_predicate_sql` folds that NULL to false, so a
missing value never counts as matching whether or not the condition is negated; only
`is null` / `is not null` test for missing values.

Every literal and attrs key is rendered through `quote_string` / `_number`, never pasted raw,
and field names map through a fixed dict: the parser and the AST constructors have already
rejected anything else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, TypeAlias

from basics.config.expressions import (
    ATTRS_PREFIX,
    And,
    BoolConst,
    Compare,
    Expr,
    Field,
    InList,
    IsNull,
    Not,
    Or,
    TextMatch,
    Value,
)

Dialect: TypeAlias = Literal["duckdb", "clickhouse"]
DIALECTS: tuple[Dialect, ...] = ("duckdb", "clickhouse")

COLUMNS: dict[str, str] = {
    "service": "service",
    "operation": "operation",
    "user": "user_id",
    "status": "status",
    "duration_ms": "duration_ms",
}
_SQL_OPS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def quote_string(value: str, dialect: Dialect) -> str:
    """A single-quoted SQL string literal for `value`, escaped for the dialect."""
    if "\x00" in value:
        # Neither engine's parser is trusted with NUL inside a literal; the AST forbids it.
        raise ValueError("strings cannot contain NUL characters")
    if dialect == "clickhouse":
        # ClickHouse reads backslash escapes inside literals, so backslashes are escaped too.
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "''") + "'"


def _number(value: int | Decimal) -> str:
    """A numeric SQL literal, rendered from an exact int or finite Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"expected an int or Decimal, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise ValueError(f"number {value} is not finite")
    return format(value, "f")


def _literal(value: Value, dialect: Dialect) -> str:
    """A string or numeric SQL literal."""
    return quote_string(value, dialect) if isinstance(value, str) else _number(value)


def _column(field: Field, dialect: Dialect) -> str:
    """The SQL expression reading a field; NULL when the value is missing."""
    if not field.name.startswith(ATTRS_PREFIX):
        return COLUMNS[field.name]
    key = quote_string(field.name[len(ATTRS_PREFIX) :], dialect)
    if dialect == "clickhouse":
        # ClickHouse returns '' for an absent key; NULL keeps "missing never matches" as in
        # DuckDB, also under `not`.
        return f"if(mapContains(attrs, {key}), attrs[{key}], NULL)"
    return f"attrs[{key}]"


def column_sql(name: str, dialect: Dialect) -> str:
    """The SQL reading a canonical field by name (`user`, `attrs.region`); raises ValueError."""
    return _column(Field(name), dialect)


def _is_null(expr: IsNull, dialect: Dialect) -> str:
    """`is null` / `is not null` on a column or an attrs key."""
    field = expr.field
    if dialect == "clickhouse" and field.name.startswith(ATTRS_PREFIX):
        key = quote_string(field.name[len(ATTRS_PREFIX) :], dialect)
        return f"mapContains(attrs, {key})" if expr.negated else f"(NOT mapContains(attrs, {key}))"
    return f"({_column(field, dialect)} IS {'NOT NULL' if expr.negated else 'NULL'})"


def to_sql(expr: Expr, dialect: Dialect) -> str:
    """A parenthesised SQL boolean for the expression; NULL where a field it reads is missing."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    if isinstance(expr, Compare):
        column = _column(expr.field, dialect)
        return f"({column} {_SQL_OPS[expr.op]} {_literal(expr.value, dialect)})"
    if isinstance(expr, InList):
        values = ", ".join(_literal(value, dialect) for value in expr.values)
        written = "NOT IN" if expr.negated else "IN"
        return f"({_column(expr.field, dialect)} {written} ({values}))"
    if isinstance(expr, TextMatch):
        column = _column(expr.field, dialect)
        needle = quote_string(expr.value, dialect)
        # Plain string functions rather than LIKE, so `%` and `_` in the text are not wildcards.
        if dialect == "clickhouse":
            if expr.kind == "startswith":
                return f"startsWith({column}, {needle})"
            return f"(position({column}, {needle}) > 0)"
        function = "starts_with" if expr.kind == "startswith" else "contains"
        return f"{function}({column}, {needle})"
    if isinstance(expr, IsNull):
        return _is_null(expr, dialect)
    if isinstance(expr, BoolConst):
        return "true" if expr.value else "false"
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        return "(" + joiner.join(to_sql(item, dialect) for item in expr.items) + ")"
    if isinstance(expr, Not):
        return f"(NOT {to_sql(expr.item, dialect)})"
    raise TypeError(f"not an expression: {expr!r}")


def to_predicate_sql(expr: Expr, dialect: Dialect) -> str:
    """A WHERE-ready predicate that is never NULL: events with missing fields do not match."""
    return f"coalesce({to_sql(expr, dialect)}, false)"
