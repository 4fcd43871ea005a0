"""Staging SQL for logfmt: `key=value` pairs separated by spaces, as Heroku's router, Go's
logrus and go-kit, Grafana's Loki and Python's structlog write them.

`logfmt_sql` returns a SELECT over a relation `lines(line_no, raw, bad_bytes)` yielding the
staging columns of `normalize.STAGING_COLUMNS`; the parsing runs inside DuckDB, vectorised.

A line is a prefix, then its pairs. The pairs begin at the first word of the form `key=`
(`at=info`); the text before it (`2026-03-02T14:00:05.123456+00:00 heroku[router]:`, a
syslog header) is the prefix, whose first ISO 8601 date-time is the event's time when no
pair holds one. A value is bare (`status=200`), quoted with backslash escapes
(`msg="a \\"quoted\\" word"`, or single quotes as structlog's KeyValueRenderer writes them),
or empty (`bytes=`); a key alone (`debug`) has the value `true`. A line with no pair, one
that does not read as pairs to its end (a quote that never closes) or one that names a key
twice is a reject with its reason, never a silent choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from basics.config.models import SourceConfig
from basics.ingest.jsonl import attrs_sql
from basics.ingest.mapping import DURATION_FACTORS, field_paths
from basics.ingest.normalize import sql_text
from basics.ingest.text_formats import NOT_BLANK, TRIMMED
from basics.store.sql_params import SqlParams

# What separates pairs (a CR before the line's end stays part of its value).
_SPACE = r"[ \t]"
_KEY = r'[^ \t="]+'
_DOUBLE = r'"(?:[^"\\]|\\.)*"'
_SINGLE = r"'(?:[^'\\]|\\.)*'"
# A bare value holds no double quote and starts with no single one: a value that starts
# with a quote is quoted whole, so a quote that never closes is no pair.
_BARE = r"""[^ \t"'][^ \t"]*"""
_WORD = r"[^ \t=]+"  # a key alone, or a word of the prefix


def _token(double: str, single: str) -> str:
    return f"(?:{_KEY}=(?:{double}|{single}|{_BARE}|)|{_WORD})"


_TOKEN = _token(_DOUBLE, _SINGLE)
# A line that reads as pairs to its end: each token followed by a space (one is added).
# Then the tokens found one after another are exactly these, whatever the quotes.
_WHOLE = f"(?:{_TOKEN}{_SPACE}+)+"
# The same with one space after each token and none inside a quoted value, as most lines
# are (Heroku's `path="/api"`): split at its spaces, such a line needs no tokenising by
# expression, which costs twice as much as the rest of its reading.
_WORDS = "(?:" + _token(r'"(?:[^"\\ \t]|\\[^ \t])*"', r"'(?:[^'\\ \t]|\\[^ \t])*'") + " )+"
# The first ISO 8601 date-time of the prefix (a space or a T between date and time).
_PREFIX_TIME = (
    r"(?:^|[ \t\[(<>])(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r"(?:$|[ \t\])>:])"
)
# A backslash escape, or a run of text without one.
_ESCAPES = r"\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|\\.|[^\\]+"
_NAMED_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11}

# Keys that name a duration but not its unit: read only when the value writes its unit
# (`duration=35.2ms`, as logrus and go-kit write a Go time.Duration). A bare number under
# one is a reject that says how to name the unit, never a guess.
UNIT_WRITTEN = ("duration", "latency", "elapsed", "took")
_NOT_STATUS = ("code",)
# Bare values that say "no value", as JSON's null does: structlog writes Python's None, Go's
# fmt `<nil>`. Quoted (`"None"`), each is text.
MISSING = (
    "None",
    "null",
    "<nil>",
)  # Heroku's `code=H12`, beside its `status=503`; gRPC's `code=OK`


@dataclass(frozen=True)
class Candidates:
    """The keys tried for each canonical field, in order, and each named attribute's key."""

    fields: dict[str, tuple[str, ...]]
    unit_written: tuple[str, ...]
    attrs: dict[str, str]
    ts_from_prefix: bool


def candidates(source: SourceConfig) -> Candidates:
    """The keys a logfmt source reads for each field: `fields:` first, else the JSON-lines
    defaults, less `code` for the status. A key `fields:` maps to one field is no other
    field's default: Heroku's `service=35ms`, mapped as `duration_ms: service`, is then not
    also taken for the service."""
    paths = field_paths(source)
    explicit = source.fields
    mapped = {path for name, path in explicit.items() if not name.startswith("attrs")}
    found: dict[str, tuple[str, ...]] = {}
    for name, keys in paths.candidates.items():
        if name == "attrs":
            continue
        if name not in explicit:
            keys = tuple(k for k in keys if k not in mapped)
            if name == "status":
                keys = tuple(k for k in keys if k not in _NOT_STATUS)
        found[name] = keys
    durations_mapped = any(name in explicit for name in DURATION_FACTORS)
    # A key mapped to anything, an attribute included (`attrs.took: took`), is read as
    # mapped, never as a duration that needs its unit.
    every_mapped = set(explicit.values())
    unit_written = (
        () if durations_mapped else tuple(k for k in UNIT_WRITTEN if k not in every_mapped)
    )
    return Candidates(found, unit_written, paths.attrs, "ts" not in explicit)


def logfmt_sql(source: SourceConfig, params: SqlParams) -> str:
    """Staging SELECT for logfmt lines: each line's tokens (split at its spaces, or found by
    a regular expression when a quoted value holds one), the prefix's words told from the
    pairs, each field's value found by its key and unquoted."""
    keys = candidates(source)

    def position(names: tuple[str, ...]) -> str:
        if not names:
            return "NULL::INTEGER"
        found = ", ".join(f"list_position(keys, {params.bind(name)})" for name in names)
        return f"coalesce({found})" if len(names) > 1 else found

    picks = {
        "ts": keys.fields["ts"],
        "service": keys.fields["service"],
        "operation": keys.fields["operation"],
        "user_id": keys.fields["user"],
        "status": keys.fields["status"],
        **{name: keys.fields[name] for name in DURATION_FACTORS},
        "unit_written": keys.unit_written,
        "record_id": (source.id,) if source.id else (),
    }
    picks |= {f"a_{i}": (key,) for i, key in enumerate(keys.attrs.values())}
    positions = ", ".join(f"{position(names)} AS pos_{name}" for name, names in picks.items())
    # A key alone is `true`; a pair's value is the token after its `=`.
    values = ", ".join(
        f"CASE WHEN pos_{name} IS NULL THEN NULL WHEN NOT contains(pairs[pos_{name}], '=') "
        f"THEN 'true' ELSE substr(pairs[pos_{name}], strpos(pairs[pos_{name}], '=') + 1) "
        f"END AS v_{name}"
        for name in picks
    )
    texts = ", ".join(f"{_unquoted(f'v_{name}')} AS {name}" for name in picks)
    durations = [*DURATION_FACTORS.items(), ("unit_written", 1.0)]
    duration_text = "coalesce(" + ", ".join(name for name, _ in durations) + ")"
    factor = (
        "CASE " + " ".join(f"WHEN {name} IS NOT NULL THEN {f}" for name, f in durations) + " END"
    )
    ts_text = "ts"
    if keys.ts_from_prefix:  # the prefix: its words, one space between
        ts_text = (
            "CASE WHEN ts IS NOT NULL OR coalesce(first_pair, 1) = 1 THEN ts "
            "ELSE nullif(regexp_extract(array_to_string(tokens[:first_pair - 1], ' '), "
            f"{sql_text(_PREFIX_TIME)}, 1), '') END"
        )
    named = list(keys.attrs)
    attrs = attrs_sql(named, params, lambda i: f"a_{i}", "NULL::VARCHAR")
    parse_field, parse_error = _problems(keys.unit_written, params)
    return f"""
    SELECT line_no, raw, {ts_text} AS ts_text, service, operation, user_id,
      status AS status_text, {duration_text} AS duration_text, {factor} AS duration_factor,
      {attrs} AS attrs, {parse_field} AS parse_field, {parse_error} AS parse_error,
      record_id
    FROM (
      SELECT *, {texts} FROM (
      SELECT *, {values} FROM (
      SELECT *, {positions} FROM (
        SELECT *, list_transform(pairs, lambda t: split_part(t, '=', 1)) AS keys
        FROM (
          SELECT *, CASE WHEN first_pair = 1 THEN tokens ELSE tokens[first_pair:] END AS pairs
          FROM (
            SELECT *, list_position(list_transform(tokens, lambda t: contains(t, '=')), true)
              AS first_pair
            FROM (
              SELECT line_no, raw, bad_bytes, body,
                CASE WHEN words THEN true ELSE regexp_full_match(body, {sql_text(_WHOLE)}) END
                  AS whole,
                CASE WHEN words THEN string_split(left(body, -1), ' ')
                  ELSE regexp_extract_all(body, {sql_text(_TOKEN)}) END AS tokens
              FROM (
                SELECT *, regexp_full_match(body, {sql_text(_WORDS)}) AS words
                FROM (SELECT line_no, raw, bad_bytes, ltrim({TRIMMED}, ' ' || chr(9)) || ' '
                        AS body FROM lines WHERE {NOT_BLANK})
              )
            )
          )
        )
      )))
    )
    """


def _unquoted(value: str) -> str:
    """The text of a value: a quoted one without its quotes, its escapes read (`\\"`,
    `\\\\`, `\\n`, `\\t`, `\\u00e9`...); any other as written."""
    inner = f"substr({value}, 2, length({value}) - 2)"
    quoted = (
        f"starts_with({value}, '\"') OR (starts_with({value}, '''') "
        f"AND regexp_full_match({value}, {sql_text(_SINGLE)}))"
    )
    missing = ", ".join(sql_text(word) for word in MISSING)
    return (
        f"CASE WHEN {quoted} THEN CASE WHEN contains({inner}, '\\') THEN {_unescaped(inner)} "
        f"ELSE {inner} END WHEN {value} IN ({missing}) THEN NULL ELSE {value} END"
    )


def _unescaped(text: str) -> str:
    """`text` with its backslash escapes read, as Go's strconv.Quote (logrus, go-logfmt)
    and Python's repr (structlog) write them. `\\xNN` from 0x80 up stays as written: Go
    writes a byte that is not UTF-8 so, Python the code point U+0080-U+00FF, and which one
    was meant cannot be told."""
    named = " ".join(
        f"WHEN p = {sql_text(chr(92) + letter)} THEN chr({code})"
        for letter, code in _NAMED_ESCAPES.items()
    )
    code = "('0x' || substr(p, 3))::INTEGER"
    numbered = (
        f"WHEN length(p) > 2 THEN CASE WHEN {code} < CASE substr(p, 2, 1) WHEN 'x' THEN 128 "
        f"ELSE 1114112 END AND NOT {code} BETWEEN 55296 AND 57343 THEN chr({code}) ELSE p END"
    )
    return (
        f"array_to_string(list_transform(regexp_extract_all({text}, {sql_text(_ESCAPES)}), "
        f"lambda p: CASE WHEN NOT starts_with(p, '\\') THEN p {named} {numbered} "
        "ELSE substr(p, 2) END), '')"
    )


def _problems(unit_written: tuple[str, ...], params: SqlParams) -> tuple[str, str]:
    """(`parse_field`, `parse_error`) of a line: bytes that are not UTF-8, no pair, pairs
    that do not read to the line's end, a key named twice, a number without a unit under
    a key that names no unit."""
    covered = f"regexp_extract(body, {sql_text(f'^(?:{_TOKEN}{_SPACE}+)*')})"
    rest = f"rtrim(substr(body, length({covered}) + 1))"
    unterminated = sql_text(f"^({_KEY})=[\"']")
    closed = sql_text(f"^{_KEY}=(?:{_DOUBLE}|{_SINGLE})")
    cut = (
        f"CASE WHEN regexp_matches({rest}, {unterminated}) AND NOT regexp_matches({rest}, "
        f"{closed}) THEN 'the quoted value of \"' || regexp_extract({rest}, {unterminated}, 1) "
        "|| '\" does not end (a line cut short?)' "
        f"ELSE 'cannot be read as logfmt from \"' || left({rest}, 60) || '\": expected "
        'key=value, key="quoted value" (\\" for a quote in it) or a key alone, each '
        "after a space' END"
    )
    # Keys of pairs only: a word alone may repeat (`at=info the cat and the dog`).
    paired = (
        "list_transform(pairs, lambda t: CASE WHEN contains(t, '=') THEN split_part(t, '=', 1) END)"
    )
    # Sorted, a key twice is two neighbours: no search of the line for each key.
    duplicate = (
        f"list_transform([list_sort(list_filter({paired}, lambda x: x IS NOT NULL))], "
        "lambda ks: list_filter(ks, lambda x, i: i > 1 AND ks[i - 1] = x)[1])[1]"
    )
    # A word alone after the first pair is a key (`debug`): it holds no double quote.
    quoted_word = "list_filter(pairs, lambda t: NOT contains(t, '=') AND contains(t, '\"'))[1]"
    # Hashes compare faster than texts (the key is then found by its text); each word
    # alone counts as its own position, never as a repeat.
    hashes = (
        "list_transform(pairs, lambda t, i: CASE WHEN contains(t, '=') "
        "THEN hash(split_part(t, '=', 1)) ELSE i::UBIGINT END)"
    )
    bare_number = (
        "v_unit_written IS NOT NULL AND duration_ms IS NULL AND duration_s IS NULL "
        "AND duration_us IS NULL AND duration_ns IS NULL "
        "AND try_cast(trim(unit_written) AS DOUBLE) IS NOT NULL "
        "AND try_cast(trim(unit_written) AS DOUBLE) NOT IN (-1, 0)"
    )
    rules = [
        ("bad_bytes IS NOT NULL", "'record'", "bad_bytes"),
        ("first_pair IS NULL", "'line'", "'no key=value pair: not a logfmt line'"),
        ("NOT whole", "'line'", cut),
        (
            f"{quoted_word} IS NOT NULL",
            "'line'",
            f"'a word after the first pair holds a double quote (' || left({quoted_word}, 60) "
            "|| '): a key alone holds none (a line of another format, or a quote left open?)'",
        ),
        (
            f"length(list_distinct({hashes})) < length(pairs) AND {duplicate} IS NOT NULL",
            "'record'",
            f"'duplicate key \"' || {duplicate} || '\" (a key once per line)'",
        ),
    ]
    if unit_written:
        hint = params.bind(
            '" has no unit: write it with one (35ms, 1.5s) or name the unit of the key with '
            "fields: (duration_ms: KEY, or duration_s, duration_us, duration_ns)"
        )
        rules.append(
            (
                bare_number,
                "'duration'",
                f"'\"' || keys[pos_unit_written] || '=' || left(unit_written, 60) || {hint}",
            )
        )
    field = "CASE " + " ".join(f"WHEN {when} THEN {f}" for when, f, _ in rules) + " END"
    reason = "CASE " + " ".join(f"WHEN {when} THEN {r}" for when, _, r in rules) + " END"
    return field, reason
