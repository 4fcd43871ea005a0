"""Tests for the SLI expression parser, type checker and formatter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.config.expressions import (
    COMPARE_OPS,
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
    fields_used,
    format_expression,
    parse_expression,
)
from basics.core.errors import BasicsError, ExpressionError

STATUS = Field("status")
USER = Field("user")
DURATION = Field("duration_ms")
OPERATION = Field("operation")


def lt(value: int) -> Compare:
    """`status < value`, a short leaf for structural assertions."""
    return Compare(STATUS, "<", value)


# --- structure and precedence -----------------------------------------------------------


def test_examples_from_the_docs_parse() -> None:
    assert parse_expression("status < 500") == lt(500)
    assert parse_expression('duration_ms <= 300 and operation != "/health"') == And(
        (Compare(DURATION, "<=", 300), Compare(OPERATION, "!=", "/health"))
    )
    assert parse_expression('attrs.region == "eu"') == Compare(Field("attrs.region"), "==", "eu")
    assert parse_expression('user in ["a", "b"]') == InList(USER, ("a", "b"))
    assert parse_expression('operation startswith "/api/"') == TextMatch(
        OPERATION, "startswith", "/api/"
    )
    assert parse_expression('attrs.error contains "timeout"') == TextMatch(
        Field("attrs.error"), "contains", "timeout"
    )
    assert parse_expression("attrs.version is null") == IsNull(Field("attrs.version"))
    assert parse_expression("attrs.tier is not null") == IsNull(Field("attrs.tier"), True)
    assert parse_expression("status not in [404, 410]") == InList(STATUS, (404, 410), True)
    assert parse_expression("not (status >= 500 or status == 429)") == Not(
        Or((Compare(STATUS, ">=", 500), Compare(STATUS, "==", 429)))
    )


def test_and_binds_tighter_than_or() -> None:
    assert parse_expression("status < 1 or status < 2 and status < 3") == Or(
        (lt(1), And((lt(2), lt(3))))
    )
    assert parse_expression("status < 1 and status < 2 or status < 3") == Or(
        (And((lt(1), lt(2))), lt(3))
    )


def test_not_binds_tighter_than_and() -> None:
    assert parse_expression("not status < 1 and status < 2") == And((Not(lt(1)), lt(2)))
    assert parse_expression("not not status < 1") == Not(Not(lt(1)))


def test_chains_are_flat_and_parentheses_group() -> None:
    assert parse_expression("status < 1 or status < 2 or status < 3") == Or((lt(1), lt(2), lt(3)))
    assert parse_expression("(status < 1 or status < 2) and status < 3") == And(
        (Or((lt(1), lt(2))), lt(3))
    )
    assert parse_expression("((status < 1))") == lt(1)
    # Explicit grouping is kept, so formatting reproduces the same tree.
    assert parse_expression("(status < 1 and status < 2) and status < 3") == And(
        (And((lt(1), lt(2))), lt(3))
    )


@pytest.mark.parametrize("op", COMPARE_OPS)
def test_every_comparison_operator(op: str) -> None:
    assert parse_expression(f"status {op} 5") == Compare(STATUS, op, 5)  # type: ignore[arg-type]
    assert parse_expression(f'user{op}"x"') == Compare(USER, op, "x")  # type: ignore[arg-type]


def test_single_equals_is_an_alias() -> None:
    assert parse_expression("status = 200") == Compare(STATUS, "==", 200)


def test_in_lists() -> None:
    assert parse_expression("status in [200]") == InList(STATUS, (200,))
    assert parse_expression("status in [200, 201,]") == InList(STATUS, (200, 201))
    assert parse_expression("user not in ['a','b']") == InList(USER, ("a", "b"), True)


def test_boolean_constants() -> None:
    assert parse_expression("true") == BoolConst(True)
    assert parse_expression("false or status < 1") == Or((BoolConst(False), lt(1)))


def test_keywords_are_case_insensitive() -> None:
    expr = parse_expression(
        'NOT status IN [1] AND user Is Not NULL Or TRUE and operation STARTSWITH "/" '
        'anD attrs.x Contains "y" or status NOT in [2]'
    )
    assert expr == Or(
        (
            And((Not(InList(STATUS, (1,))), IsNull(USER, True))),
            And(
                (
                    BoolConst(True),
                    TextMatch(OPERATION, "startswith", "/"),
                    TextMatch(Field("attrs.x"), "contains", "y"),
                )
            ),
            InList(STATUS, (2,), True),
        )
    )


def test_attrs_fields() -> None:
    assert parse_expression("attrs.k8s.pod-name is null") == IsNull(Field("attrs.k8s.pod-name"))
    assert parse_expression('attrs["my key"] == "x"') == Compare(Field("attrs.my key"), "==", "x")
    assert parse_expression("attrs['a\\'b'] is null") == IsNull(Field("attrs.a'b"))


def test_string_escapes_and_quotes() -> None:
    assert parse_expression(r'user == "a\"b\\c\nd\te\'f"').value == "a\"b\\c\nd\te'f"  # type: ignore[union-attr]
    assert parse_expression(r"user == 'O\'Brien'").value == "O'Brien"  # type: ignore[union-attr]
    assert parse_expression("""user == "it's" """).value == "it's"  # type: ignore[union-attr]
    assert parse_expression("user == 'say \"hi\"'").value == 'say "hi"'  # type: ignore[union-attr]
    assert parse_expression('user == "ünï ☃"').value == "ünï ☃"  # type: ignore[union-attr]
    assert parse_expression('user == ""').value == ""  # type: ignore[union-attr]


def test_numbers_keep_exactness() -> None:
    decimal = parse_expression("duration_ms <= 300.10")
    assert isinstance(decimal, Compare)
    assert type(decimal.value) is Decimal
    assert decimal.value == Decimal("300.10")
    integer = parse_expression("status >= 500")
    assert isinstance(integer, Compare)
    assert type(integer.value) is int
    assert parse_expression("status > -1") == Compare(STATUS, ">", -1)
    assert parse_expression("duration_ms>-0.5") == Compare(DURATION, ">", Decimal("-0.5"))
    big = parse_expression("duration_ms < 0.1000000000000000000000000000000001")
    assert isinstance(big, Compare)
    assert big.value == Decimal("0.1000000000000000000000000000000001")


def test_whitespace_and_newlines_are_insignificant() -> None:
    assert parse_expression("  status<500\n  and\tuser=='a'  ") == And(
        (lt(500), Compare(USER, "==", "a"))
    )


def test_fields_used() -> None:
    expr = parse_expression(
        'not (status < 1 or attrs.region == "eu") and user in ["a"] and true '
        'and operation contains "x" and attrs["a b"] is null'
    )
    assert fields_used(expr) == {"status", "attrs.region", "user", "operation", "attrs.a b"}
    assert fields_used(parse_expression("true")) == set()


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("NOT (status>=500 OR status=429)", "not (status >= 500 or status == 429)"),
        ("status in [ 404 ,410, ]", "status in [404, 410]"),
        ("duration_ms <= 300.50", "duration_ms <= 300.5"),
        ("duration_ms <= 300.000", "duration_ms <= 300"),
        ("duration_ms > -0.0", "duration_ms > 0"),
        ("user == 'O\\'Brien'", 'user == "O\'Brien"'),
        ('attrs["my key"] IS NOT NULL', 'attrs["my key"] is not null'),
        ('attrs["plain"] == "x"', 'attrs.plain == "x"'),
        (
            "(status < 1 or status < 2) and not (status < 3)",
            "(status < 1 or status < 2) and not status < 3",
        ),
        ("status < 1 or (status < 2 or status < 3)", "status < 1 or (status < 2 or status < 3)"),
        ("not not TRUE", "not not true"),
        ('user == "tab\there\nnewline\\\\"', 'user == "tab\\there\\nnewline\\\\"'),
    ],
)
def test_canonical_format(text: str, canonical: str) -> None:
    expr = parse_expression(text)
    assert format_expression(expr) == canonical
    assert parse_expression(canonical) == expr


# --- errors ---------------------------------------------------------------------------------


KNOWN = "(known: service, operation, user, status, duration_ms, attrs.<name>)"


def error_for(text: str) -> ExpressionError:
    """The ExpressionError raised for `text`."""
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.expression == text
    assert isinstance(info.value, BasicsError)
    return info.value


@pytest.mark.parametrize(
    ("text", "position", "lines"),
    [
        (
            "status 500",
            7,
            (
                "expected a comparison operator after `status`, found `500`",
                "  status 500",
                "         ^",
            ),
        ),
        (
            "stauts < 500",
            0,
            (
                f'unknown field "stauts" {KNOWN}; did you mean "status"?',
                "  stauts < 500",
                "  ^",
            ),
        ),
        (
            'status < 500 and user == "abc',
            25,
            (
                'unterminated string: expected a closing `"`, found the end of the expression',
                '  status < 500 and user == "abc',
                "                           ^",
            ),
        ),
        (
            'status < 500 user == "a"',
            13,
            (
                "expected `and`, `or` or the end of the expression, found `user`",
                '  status < 500 user == "a"',
                "               ^",
            ),
        ),
        (
            'status == "500"',
            10,
            (
                "expected a number to compare with `status` (an integer field), "
                'found string `"500"`; write 500 without quotes',
                '  status == "500"',
                "            ^",
            ),
        ),
        (
            "service == 5",
            11,
            (
                'expected a quoted string to compare with `service`, found number `5`; write "5"',
                "  service == 5",
                "             ^",
            ),
        ),
        (
            "attrs.code == 500",
            14,
            (
                "expected a quoted string to compare with `attrs.code` "
                '(attrs values are always strings), found number `500`; write "500"',
                "  attrs.code == 500",
                "                ^",
            ),
        ),
        (
            "status == null",
            10,
            (
                "expected a number after `==`, found `null`; write `status is null`",
                "  status == null",
                "            ^",
            ),
        ),
        (
            "attrs.x != null",
            11,
            (
                "expected a quoted string after `!=`, found `null`; write `attrs.x is not null`",
                "  attrs.x != null",
                "             ^",
            ),
        ),
        (
            "(status < 500 or status == 429",
            30,
            (
                "expected `)` to close the `(` at column 0, found the end of the expression",
                "  (status < 500 or status == 429",
                "                                ^",
            ),
        ),
        (
            "status < 500)",
            12,
            (
                "unbalanced parentheses: found `)` with no matching `(`",
                "  status < 500)",
                "              ^",
            ),
        ),
        (
            "",
            0,
            (
                "empty expression: expected a condition such as `status < 500`",
                "  ",
                "  ^",
            ),
        ),
        (
            "status < 500 and",
            16,
            (
                "expected a condition such as `status < 500`, found the end of the expression",
                "  status < 500 and",
                "                  ^",
            ),
        ),
        (
            'duration_ms startswith "3"',
            12,
            (
                "`startswith` needs a string field, but `duration_ms` is a number",
                '  duration_ms startswith "3"',
                "              ^",
            ),
        ),
        (
            'user == "a\\qb"',
            10,
            (
                "unknown escape `\\q` in string (supported: \\\" \\' \\\\ \\n \\t)",
                '  user == "a\\qb"',
                "            ^",
            ),
        ),
        (
            "service == checkout",
            11,
            (
                'expected a quoted string after `==`, found `checkout`; quote text: "checkout"',
                "  service == checkout",
                "             ^",
            ),
        ),
        (
            'status < 500 && user == "a"',
            13,
            (
                "unexpected character `&`; use `and`",
                '  status < 500 && user == "a"',
                "               ^",
            ),
        ),
        (
            "status in []",
            11,
            (
                "expected a number after `[`, found `]`",
                "  status in []",
                "             ^",
            ),
        ),
        (
            'status < 500 and\n    usr == "a"',
            21,
            (
                f'unknown field "usr" {KNOWN}; did you mean "user"?',
                '      usr == "a"',
                "      ^",
            ),
        ),
    ],
)
def test_error_messages_point_at_the_problem(
    text: str, position: int, lines: tuple[str, ...]
) -> None:
    error = error_for(text)
    assert error.position == position
    assert str(error) == "\n".join(lines)


def test_unknown_field_without_a_close_match_has_no_suggestion() -> None:
    message = str(error_for("zzzzzz == 1"))
    assert message.splitlines()[0] == f'unknown field "zzzzzz" {KNOWN}'


@pytest.mark.parametrize(
    ("text", "position", "headline"),
    [
        ('attr.region == "eu"', 0, 'did you mean "attrs.region"?'),
        ('user_id == "x"', 0, 'did you mean "user"?'),
        ("status == duration_ms", 10, "comparing two fields is not supported"),
        ("user == true", 8, 'no field is boolean: write "true"'),
        ("status > null", 9, "write `status is null` or `status is not null`"),
        ("status in [1, null]", 14, "write `status is null` or `status is not null`"),
        ("status in [1 2]", 13, "expected `,` or `]` in the list, found `2`"),
        ("status is nul", 10, "expected `null` after `is`, found `nul`"),
        ("status not like 1", 11, "expected `in` after `status not`, found `like`"),
        ("status == 5abc", 10, "expected a number, found `5abc`"),
        ('attrs == "x"', 6, 'expected an attribute name: attrs.name or attrs["name"]'),
        ('attrs[""] == "x"', 6, "expected an attribute name, found an empty string"),
        ('attrs. == "x"', 0, "expected an attribute name after `attrs.`"),
        ("status == 1\x00", 11, "unexpected character `U+0000`"),
        ('user == "a" and user == "b', 24, "unterminated string"),
        ("and status < 1", 0, "expected a condition such as `status < 500`, found `and`"),
        ("(" * 150 + "true" + ")" * 150, 100, "expression nests deeper than 100 levels"),
        ("status in [200] user", 16, "found `user`"),
    ],
)
def test_more_errors(text: str, position: int, headline: str) -> None:
    error = error_for(text)
    assert error.position == position
    assert headline in str(error).splitlines()[0]


def test_ast_constructors_reject_invalid_trees() -> None:
    with pytest.raises(ValueError):
        Field("stauts")
    with pytest.raises(ValueError):
        Field("attrs.")
    with pytest.raises(ValueError):
        Compare(STATUS, "==", "500")
    with pytest.raises(ValueError):
        Compare(USER, "==", 1)
    with pytest.raises(ValueError):
        Compare(STATUS, "==", True)
    with pytest.raises(ValueError):
        Compare(DURATION, "<", Decimal("NaN"))
    with pytest.raises(ValueError):
        Compare(STATUS, "=", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TextMatch(STATUS, "contains", "5")
    with pytest.raises(ValueError):
        InList(STATUS, ())
    with pytest.raises(ValueError):
        And((lt(1),))
    with pytest.raises(ValueError):
        Or(())


# --- properties -----------------------------------------------------------------------------

# No NUL: it is rejected in strings by design.
TEXT = st.text(st.characters(exclude_characters="\x00"), max_size=12)
ATTR_KEYS = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True),
    TEXT.filter(bool),
)
FIELDS = st.one_of(
    st.sampled_from(["service", "operation", "user", "status", "duration_ms"]),
    ATTR_KEYS.map(lambda key: "attrs." + key),
).map(Field)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.decimals(allow_nan=False, allow_infinity=False),
)


def values_for(field: Field) -> st.SearchStrategy[Value]:
    """Literals that type-check against `field`."""
    numeric = field.name in ("status", "duration_ms")
    return NUMBERS if numeric else TEXT


@st.composite
def leaves(draw: st.DrawFn) -> Expr:
    """A random condition on a random field."""
    field = draw(FIELDS)
    kind = draw(st.sampled_from(["compare", "in", "text", "null", "bool"]))
    if kind == "compare":
        return Compare(field, draw(st.sampled_from(COMPARE_OPS)), draw(values_for(field)))
    if kind == "in":
        values = draw(st.lists(values_for(field), min_size=1, max_size=3))
        return InList(field, tuple(values), draw(st.booleans()))
    if kind == "text" and field.name not in ("status", "duration_ms"):
        return TextMatch(field, draw(st.sampled_from(["startswith", "contains"])), draw(TEXT))
    if kind == "bool":
        return BoolConst(draw(st.booleans()))
    return IsNull(field, draw(st.booleans()))


EXPRESSIONS = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda items: And(tuple(items))),
        st.lists(children, min_size=2, max_size=3).map(lambda items: Or(tuple(items))),
        children.map(Not),
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(EXPRESSIONS)
def test_format_then_parse_round_trips(expr: Expr) -> None:
    text = format_expression(expr)
    assert parse_expression(text) == expr
    # Canonical: formatting the re-parsed tree yields the very same text.
    assert format_expression(parse_expression(text)) == text


# Characters that make up most valid and almost-valid expressions.
SOUP = "status<>=!() []\"'\\,.-0123456789anordtuexi"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list(SOUP)), max_size=30))
def test_arbitrary_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        expr = parse_expression(text)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).splitlines()[-1].strip() == "^"
    else:
        assert parse_expression(format_expression(expr)) == expr
