"""The SLI expression language: boolean filters over event fields, parsed and type-checked.

Examples: `status < 500`, `duration_ms <= 300 and operation != "/health"`,
`attrs.region == "eu"`, `user in ["a", "b"]`, `operation startswith "/api/"`,
`attrs.version is null`, `not (status >= 500 or status == 429)`.

Grammar (keywords are case-insensitive, field names are not):

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | primary
    primary := "(" expr ")" | "true" | "false"
             | field cmp literal
             | field ["not"] "in" "[" literal ("," literal)* [","] "]"
             | field ("startswith" | "contains") string
             | field "is" ["not"] "null"
    cmp     := "==" | "=" | "!=" | "<" | "<=" | ">" | ">="
    field   := service | operation | user | status | duration_ms
             | attrs.<name> | attrs["any name"]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from basics.core.errors import ExpressionError

FieldType: TypeAlias = Literal["string", "integer", "number"]
CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
TextMatchKind: TypeAlias = Literal["startswith", "contains"]
Value: TypeAlias = int | Decimal | str

FIELD_TYPES: dict[str, FieldType] = {
    "service": "string",
    "operation": "string",
    "user": "string",
    "status": "integer",
    "duration_ms": "number",
}
ATTRS_PREFIX = "attrs."
COMPARE_OPS: tuple[CompareOp, ...] = ("==", "!=", "<", "<=", ">", ">=")
TEXT_MATCH_KINDS: tuple[TextMatchKind, ...] = ("startswith", "contains")

_KNOWN_FIELDS_TEXT = "service, operation, user, status, duration_ms, attrs.<name>"
_ATTR_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_KEYWORDS = frozenset(
    {"and", "or", "not", "in", "is", "null", "true", "false", "startswith", "contains"}
)
# Nesting is bounded so that a hostile or mistyped expression fails with a clear message
# instead of Python's RecursionError.
_MAX_DEPTH = 100


def field_type(name: str) -> FieldType:
    """The type of a known field; attrs values are always strings."""
    if name.startswith(ATTRS_PREFIX):
        return "string"
    return FIELD_TYPES[name]


def is_known_field(name: str) -> bool:
    """Whether `name` is one of the fixed fields or a non-empty `attrs.<key>`."""
    if name.startswith(ATTRS_PREFIX):
        return len(name) > len(ATTRS_PREFIX) and "\x00" not in name
    return name in FIELD_TYPES


def _value_problem(name: str, value: object) -> str | None:
    """Why `value` cannot be compared with field `name`, or None when it can."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return f"unsupported value {value!r}"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"number {value} is not finite"
    if isinstance(value, str) and "\x00" in value:
        return "strings cannot contain NUL characters"
    is_text = isinstance(value, str)
    if field_type(name) == "string" and not is_text:
        return f"field {name} is a string, got number {value}"
    if field_type(name) != "string" and is_text:
        return f"field {name} is a number, got string {value!r}"
    return None


@dataclass(frozen=True)
class Field:
    """A field of an event: one of FIELD_TYPES, or `attrs.<key>` for any non-empty key."""

    name: str

    def __post_init__(self) -> None:
        if not is_known_field(self.name):
            raise ValueError(f"unknown field {self.name!r}")


@dataclass(frozen=True)
class Compare:
    """`field op value`; the value's type matches the field's (checked at construction)."""

    field: Field
    op: CompareOp
    value: Value

    def __post_init__(self) -> None:
        if self.op not in COMPARE_OPS:
            raise ValueError(f"unknown comparison operator {self.op!r}")
        problem = _value_problem(self.field.name, self.value)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class InList:
    """`field in [values]`, or `field not in [values]` when negated."""

    field: Field
    values: tuple[Value, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        if not self.values:
            raise ValueError("an `in` list needs at least one value")
        for value in self.values:
            problem = _value_problem(self.field.name, value)
            if problem:
                raise ValueError(problem)


@dataclass(frozen=True)
class TextMatch:
    """`field startswith "text"` or `field contains "text"`, on string fields only."""

    field: Field
    kind: TextMatchKind
    value: str

    def __post_init__(self) -> None:
        if self.kind not in TEXT_MATCH_KINDS:
            raise ValueError(f"unknown text match {self.kind!r}")
        if field_type(self.field.name) != "string":
            raise ValueError(f"{self.kind} needs a string field, got {self.field.name}")
        problem = _value_problem(self.field.name, self.value)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class IsNull:
    """`field is null`, or `field is not null` when negated."""

    field: Field
    negated: bool = False


@dataclass(frozen=True)
class BoolConst:
    """The constant `true` or `false`."""

    value: bool


@dataclass(frozen=True)
class And:
    """All of two or more expressions."""

    items: tuple[Expr, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if len(self.items) < 2:
            raise ValueError("`and` needs at least two operands")


@dataclass(frozen=True)
class Or:
    """Any of two or more expressions."""

    items: tuple[Expr, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        if len(self.items) < 2:
            raise ValueError("`or` needs at least two operands")


@dataclass(frozen=True)
class Not:
    """The negation of an expression."""

    item: Expr


Expr: TypeAlias = Compare | InList | TextMatch | IsNull | BoolConst | And | Or | Not


# --- tokens -------------------------------------------------------------------------------

TokenKind: TypeAlias = Literal["word", "number", "string", "op", "punct", "end"]


@dataclass(frozen=True)
class _Token:
    """One lexical token: its kind, source text, parsed value and 0-based offset."""

    kind: TokenKind
    text: str
    pos: int
    value: Value | None = None


_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NUMBER_TAIL = re.compile(r"[A-Za-z0-9_.]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_OPS = ("==", "!=", "<=", ">=", "<", ">", "=")
_OP_BY_TEXT: dict[str, CompareOp] = {op: op for op in COMPARE_OPS} | {"=": "=="}
_PUNCT = "()[],"
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_CHAR_HINTS = {"&": "; use `and`", "|": "; use `or`", "!": "; use `not` or `!=`"}


def _render(message: str, text: str, pos: int) -> str:
    """The message, then the offending line of the expression with a caret under `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end != -1 else len(text)]
    # Whitespace such as tabs is shown as single spaces so the caret stays aligned.
    shown = "".join(" " if ch.isspace() else ch for ch in line)
    return f"{message}\n  {shown}\n  {' ' * (pos - start)}^"


def _fail(message: str, text: str, pos: int) -> ExpressionError:
    """An ExpressionError for `text` pointing at `pos`."""
    return ExpressionError(_render(message, text, pos), expression=text, position=pos)


def _tokenize(text: str) -> list[_Token]:
    """The tokens of `text`, ending with an `end` token; raise ExpressionError on bad input."""
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCT:
            tokens.append(_Token("punct", ch, i))
            i += 1
        elif ch in "\"'":
            token = _lex_string(text, i)
            tokens.append(token)
            i += len(token.text)
        elif number := _NUMBER.match(text, i):
            tail = _NUMBER_TAIL.match(text, number.end())
            if tail:
                bad = text[i : tail.end()]
                raise _fail(f"expected a number, found `{bad}`", text, i)
            raw = number.group()
            value: Value = Decimal(raw) if "." in raw else int(raw)
            tokens.append(_Token("number", raw, i, value))
            i = number.end()
        elif word := _WORD.match(text, i):
            tokens.append(_Token("word", word.group(), i))
            i = word.end()
        elif op := next((op for op in _OPS if text.startswith(op, i)), None):
            tokens.append(_Token("op", op, i))
            i += len(op)
        else:
            shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
            raise _fail(f"unexpected character `{shown}`{_CHAR_HINTS.get(ch, '')}", text, i)
    # The end token sits just after the last visible character, where a caret reads best.
    tokens.append(_Token("end", "", len(text.rstrip())))
    return tokens


def _lex_string(text: str, start: int) -> _Token:
    """The string literal opening at `start`, with escapes decoded."""
    quote = text[start]
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return _Token("string", text[start : i + 1], start, "".join(chars))
        if ch == "\x00":
            raise _fail("strings cannot contain NUL characters", text, i)
        if ch == "\\":
            if i + 1 >= len(text):
                break
            escaped = text[i + 1]
            if escaped not in _ESCAPES:
                raise _fail(
                    f"unknown escape `\\{escaped}` in string (supported: \\\" \\' \\\\ \\n \\t)",
                    text,
                    i,
                )
            chars.append(_ESCAPES[escaped])
            i += 2
        else:
            chars.append(ch)
            i += 1
    raise _fail(
        f"unterminated string: expected a closing `{quote}`, found the end of the expression",
        text,
        start,
    )


# --- parser -------------------------------------------------------------------------------


def _describe(token: _Token) -> str:
    """How a token is named in an error message."""
    return "the end of the expression" if token.kind == "end" else f"`{token.text}`"


def _type_noun(name: str) -> str:
    """A field's type as a noun phrase, for error messages."""
    kind = field_type(name)
    return {"string": "a string", "integer": "an integer", "number": "a number"}[kind]


class _Parser:
    """A recursive-descent parser over the tokens of one expression."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def fail(self, message: str, pos: int) -> ExpressionError:
        """An error about this expression at `pos`."""
        return _fail(message, self.text, pos)

    def peek(self, ahead: int = 0) -> _Token:
        """The token `ahead` positions from the current one (the end token past the end)."""
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        """Consume and return the current token."""
        token = self.peek()
        if token.kind != "end":
            self.index += 1
        return token

    @staticmethod
    def is_keyword(token: _Token, *words: str) -> bool:
        """Whether the token is one of the (case-insensitive) keywords."""
        return token.kind == "word" and token.text.lower() in words

    def expect_punct(self, punct: str, message: str) -> _Token:
        """Consume the punctuation `punct`, or fail with `message`, found <token>."""
        token = self.peek()
        if token.kind != "punct" or token.text != punct:
            raise self.fail(f"{message}, found {_describe(token)}", token.pos)
        return self.advance()

    def parse(self) -> Expr:
        """The whole expression; everything must be consumed."""
        if self.peek().kind == "end":
            raise self.fail("empty expression: expected a condition such as `status < 500`", 0)
        expr = self.parse_or()
        token = self.peek()
        if token.kind == "punct" and token.text == ")":
            raise self.fail("unbalanced parentheses: found `)` with no matching `(`", token.pos)
        if token.kind != "end":
            raise self.fail(
                f"expected `and`, `or` or the end of the expression, found {_describe(token)}",
                token.pos,
            )
        return expr

    def nest(self, token: _Token) -> None:
        """Enter one level of nesting, failing when expressions nest too deeply."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.fail(f"expression nests deeper than {_MAX_DEPTH} levels", token.pos)

    def parse_or(self) -> Expr:
        """`and` terms joined by `or`."""
        items = [self.parse_and()]
        while self.is_keyword(self.peek(), "or"):
            self.advance()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        """`not` terms joined by `and`."""
        items = [self.parse_not()]
        while self.is_keyword(self.peek(), "and"):
            self.advance()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Expr:
        """Any number of `not` prefixes, then a primary."""
        token = self.peek()
        if not self.is_keyword(token, "not"):
            return self.parse_primary()
        self.advance()
        self.nest(token)
        item = self.parse_not()
        self.depth -= 1
        return Not(item)

    def parse_primary(self) -> Expr:
        """A parenthesised expression, a boolean constant or a condition on a field."""
        token = self.peek()
        if token.kind == "punct" and token.text == "(":
            self.advance()
            self.nest(token)
            expr = self.parse_or()
            self.depth -= 1
            self.expect_punct(")", f"expected `)` to close the `(` at column {token.pos}")
            return expr
        if self.is_keyword(token, "true", "false"):
            self.advance()
            return BoolConst(token.text.lower() == "true")
        if token.kind == "word" and token.text.lower() not in _KEYWORDS:
            field, shown = self.parse_field()
            return self.parse_condition(field, shown)
        raise self.fail(
            f"expected a condition such as `status < 500`, found {_describe(token)}", token.pos
        )

    def parse_field(self) -> tuple[Field, str]:
        """A field name, returned with its source text for error messages."""
        token = self.advance()
        name = token.text
        if name == "attrs":
            self.expect_punct("[", 'expected an attribute name: attrs.name or attrs["name"]')
            key = self.peek()
            if key.kind != "string":
                raise self.fail(
                    f"expected a quoted attribute name after `attrs[`, found {_describe(key)}",
                    key.pos,
                )
            self.advance()
            if key.value == "":
                raise self.fail("expected an attribute name, found an empty string", key.pos)
            close = self.expect_punct("]", "expected `]` after the attribute name")
            return Field(ATTRS_PREFIX + str(key.value)), self.text[token.pos : close.pos + 1]
        if name == ATTRS_PREFIX:
            raise self.fail("expected an attribute name after `attrs.`", token.pos)
        if name.startswith(ATTRS_PREFIX):
            return Field(name), name
        if name in FIELD_TYPES:
            return Field(name), name
        raise self.fail(self.unknown_field_message(name), token.pos)

    @staticmethod
    def unknown_field_message(name: str) -> str:
        """The error for an unknown field, with the closest known name when there is one."""
        candidates = list(FIELD_TYPES)
        # `attr.region` or `atrs.region` most likely meant `attrs.region`.
        if "." in name and not name.endswith("."):
            candidates.append(ATTRS_PREFIX + name.split(".", 1)[1])
        message = f'unknown field "{name}" (known: {_KNOWN_FIELDS_TEXT})'
        close = difflib.get_close_matches(name, candidates, n=1)
        return f'{message}; did you mean "{close[0]}"?' if close else message

    def parse_condition(self, field: Field, shown: str) -> Expr:
        """What follows a field: a comparison, `in` list, text match or null test."""
        token = self.peek()
        if token.kind == "op":
            self.advance()
            op = _OP_BY_TEXT[token.text]
            return Compare(field, op, self.parse_value(field, shown, token.text))
        if self.is_keyword(token, "not"):
            self.advance()
            after = self.peek()
            if not self.is_keyword(after, "in"):
                raise self.fail(
                    f"expected `in` after `{shown} not`, found {_describe(after)}", after.pos
                )
            self.advance()
            return self.parse_list(field, shown, negated=True)
        if self.is_keyword(token, "in"):
            self.advance()
            return self.parse_list(field, shown, negated=False)
        if self.is_keyword(token, *TEXT_MATCH_KINDS):
            return self.parse_text_match(field, shown)
        if self.is_keyword(token, "is"):
            self.advance()
            negated = self.is_keyword(self.peek(), "not")
            if negated:
                self.advance()
            after = self.peek()
            if not self.is_keyword(after, "null"):
                written = "is not" if negated else "is"
                raise self.fail(
                    f"expected `null` after `{written}`, found {_describe(after)}", after.pos
                )
            self.advance()
            return IsNull(field, negated)
        raise self.fail(
            f"expected a comparison operator after `{shown}`, found {_describe(token)}",
            token.pos,
        )

    def parse_list(self, field: Field, shown: str, negated: bool) -> InList:
        """The `[v, ...]` of an `in` / `not in` condition; a trailing comma is allowed."""
        written = "not in" if negated else "in"
        self.expect_punct("[", f"expected `[` after `{written}`")
        values = [self.parse_value(field, shown, "[")]
        while True:
            token = self.peek()
            if token.kind == "punct" and token.text == "]":
                self.advance()
                return InList(field, tuple(values), negated)
            self.expect_punct(",", "expected `,` or `]` in the list")
            following = self.peek()
            if following.kind == "punct" and following.text == "]":
                continue
            values.append(self.parse_value(field, shown, ","))

    def parse_text_match(self, field: Field, shown: str) -> TextMatch:
        """`startswith "..."` or `contains "..."` after a string field."""
        keyword = self.advance()
        kind: TextMatchKind = "startswith" if self.is_keyword(keyword, "startswith") else "contains"
        if field_type(field.name) != "string":
            raise self.fail(
                f"`{kind}` needs a string field, but `{shown}` is {_type_noun(field.name)}",
                keyword.pos,
            )
        token = self.peek()
        if token.kind != "string":
            raise self.fail(
                f"expected a quoted string after `{kind}`, found {_describe(token)}", token.pos
            )
        self.advance()
        return TextMatch(field, kind, str(token.value))

    def parse_value(self, field: Field, shown: str, after: str) -> Value:
        """A literal compared with `field` (after the token `after`), type-checked against it."""
        token = self.peek()
        is_text = field_type(field.name) == "string"
        expected = "a quoted string" if is_text else "a number"
        found = _describe(token)
        if token.kind in ("number", "string"):
            self.advance()
            assert token.value is not None
            problem = self.type_problem(field, shown, token)
            if problem:
                raise self.fail(problem, token.pos)
            return token.value
        message = f"expected {expected} after `{after}`, found {found}"
        word = token.text.lower() if token.kind == "word" else ""
        if word == "null":
            # Null is not a value: comparing with it would silently never match in SQL.
            if after in ("==", "="):
                message += f"; write `{shown} is null`"
            elif after == "!=":
                message += f"; write `{shown} is not null`"
            else:
                message += f"; write `{shown} is null` or `{shown} is not null`"
        elif word in ("true", "false"):
            message += f'; no field is boolean: write "{word}"' if is_text else ""
        elif token.kind == "word" and is_known_field(token.text):
            message += "; comparing two fields is not supported"
        elif token.kind == "word" and is_text:
            message += f'; quote text: "{token.text}"'
        raise self.fail(message, token.pos)

    @staticmethod
    def type_problem(field: Field, shown: str, token: _Token) -> str | None:
        """Why a number or string literal does not fit the field, or None when it does."""
        kind = field_type(field.name)
        if kind == "string" and token.kind == "number":
            where = (
                " (attrs values are always strings)" if field.name.startswith(ATTRS_PREFIX) else ""
            )
            return (
                f"expected a quoted string to compare with `{shown}`{where}, "
                f'found number `{token.text}`; write "{token.text}"'
            )
        if kind != "string" and token.kind == "string":
            message = (
                f"expected a number to compare with `{shown}` ({_type_noun(field.name)} field), "
                f"found string `{token.text}`"
            )
            if _NUMBER.fullmatch(str(token.value)):
                message += f"; write {token.value} without quotes"
            return message
        return None


def parse_expression(text: str) -> Expr:
    """Parse and type-check an SLI expression; raise ExpressionError with a caret on failure."""
    return _Parser(text).parse()


# --- inspection and formatting ------------------------------------------------------------


def fields_used(expr: Expr) -> set[str]:
    """The names of all fields an expression reads (attrs as `attrs.<key>`)."""
    if isinstance(expr, Compare | InList | TextMatch | IsNull):
        return {expr.field.name}
    if isinstance(expr, And | Or):
        return set().union(*(fields_used(item) for item in expr.items))
    if isinstance(expr, Not):
        return fields_used(expr.item)
    return set()


def _quote(value: str) -> str:
    """A double-quoted string literal that the tokenizer reads back as `value`."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _format_number(value: int | Decimal) -> str:
    """The shortest exact text of a number: 300.50 -> 300.5, 2.0 -> 2, never an exponent."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _format_value(value: Value) -> str:
    """A literal's canonical text."""
    return _quote(value) if isinstance(value, str) else _format_number(value)


def format_field(field: Field) -> str:
    """A field's canonical text: `attrs.key`, or `attrs["key"]` when the key needs quoting."""
    if field.name.startswith(ATTRS_PREFIX):
        key = field.name[len(ATTRS_PREFIX) :]
        if not _ATTR_KEY.fullmatch(key):
            return f"attrs[{_quote(key)}]"
    return field.name


def format_expression(expr: Expr) -> str:
    """Canonical text of an expression, such that parse_expression(format_expression(e)) == e."""
    if isinstance(expr, Compare):
        return f"{format_field(expr.field)} {expr.op} {_format_value(expr.value)}"
    if isinstance(expr, InList):
        values = ", ".join(_format_value(value) for value in expr.values)
        written = "not in" if expr.negated else "in"
        return f"{format_field(expr.field)} {written} [{values}]"
    if isinstance(expr, TextMatch):
        return f"{format_field(expr.field)} {expr.kind} {_quote(expr.value)}"
    if isinstance(expr, IsNull):
        return f"{format_field(expr.field)} is {'not null' if expr.negated else 'null'}"
    if isinstance(expr, BoolConst):
        return "true" if expr.value else "false"
    if isinstance(expr, Or):
        # Nested groups keep their parentheses so that the parsed tree is the same tree.
        return " or ".join(_format_wrapped(item, (Or,)) for item in expr.items)
    if isinstance(expr, And):
        return " and ".join(_format_wrapped(item, (And, Or)) for item in expr.items)
    return f"not {_format_wrapped(expr.item, (And, Or))}"


def _format_wrapped(expr: Expr, wrap: tuple[type, ...]) -> str:
    """The expression's text, in parentheses when it is an instance of one of `wrap`."""
    text = format_expression(expr)
    return f"({text})" if isinstance(expr, wrap) else text
