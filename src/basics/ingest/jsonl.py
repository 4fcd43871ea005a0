"""Staging SQL for JSON lines, every line checked: the row reader of the JSON-lines path.

`jsonl_sql` returns a SELECT over a relation `lines(line_no, raw, bad_bytes)` yielding the
staging columns of `normalize.STAGING_COLUMNS`. Each line is parsed twice inside DuckDB:
once for the JSON text of every field it may hold (whose first character gives its type),
once for the keys of the objects read (the record, the objects on the way to a nested field,
attribute objects). A duplicate key, an array or object where a string belongs, bytes that
are not UTF-8: each is a reject with its reason, never a silent choice or conversion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from basics.config.models import SourceConfig
from basics.ingest.decode_json import decoded_lines_sql
from basics.ingest.mapping import DURATION_FACTORS, field_paths, json_paths
from basics.ingest.text_formats import NOT_BLANK
from basics.store.sql_params import SqlParams

# Leading whitespace JSON allows (space, tab, CR) before the object; LF ends the line.
IS_OBJECT = "(starts_with(raw, '{') OR starts_with(ltrim(raw, ' ' || chr(9) || chr(13)), '{'))"
_NON_SCALAR = "('{', '[')"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Slots:
    """The JSONPaths a line is searched for, in the order they are bound (`j[1]`, `j[2]`...).

    With `present` (the top-level keys every line read has, as the fast path knows them),
    only the forms that name one of those keys get a slot: a nested form (`a.b`) never
    does, since the fast path checks that `a` holds no object.
    """

    present: frozenset[str] | None = None
    paths: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the top-level key each path starts at

    def of(self, record_paths: tuple[str, ...]) -> list[int]:
        """1-based slots of every form of each path (nested first, then a dotted literal)."""
        found = []
        for path in record_paths:
            forms = json_paths(path)
            if self.present is not None:
                forms = [json_paths(path)[-1]] if path in self.present else []
            for form in forms:
                if form not in self.paths:
                    self.paths.append(form)
                    self.keys.append(path.split(".")[0] if form == forms[0] else path)
                found.append(self.paths.index(form) + 1)
        return found


# With decode_json, a slot is read first where the decoded record has the key it starts at,
# not null (`own[i]`), for the time only: its own `time` is the time, though Loki's envelope
# has a `timestamp` (a name tried before `time`). Every other field tries each name in the
# record, then in the envelope, before the next name, as the merged record read plain.
OWN = "own"
# With decode_json, the envelope's attribute objects (`envelope[i]`), read from the line.
ENVELOPE = "envelope"


def json_of(slots: list[int], scalars_first: bool = False, own_first: bool = False) -> str:
    """The JSON text of the first slot present and not null (`own_first`: of a slot of the
    decoded record's own first, see `OWN`); with `scalars_first`, of the first that holds
    no object or array if one does (a record's `"service": {"name": ...}` then yields to
    its `service.name`), else of the first (to be rejected for its type)."""
    if not slots:
        return "NULL::VARCHAR"
    values = [f"nullif(j[{i}], 'null')" for i in slots]
    if own_first and len(slots) > 1:
        values = [_own(i) for i in slots] + values
    first = "coalesce(" + ", ".join(values) + ")"
    if not scalars_first or len(values) == 1:
        return first
    # Only a line whose first value is an object or array looks further.
    scalars = ", ".join(
        f"CASE WHEN left({value}, 1) NOT IN {_NON_SCALAR} THEN {value} END" for value in values
    )
    return (
        f"CASE WHEN left({first}, 1) IN {_NON_SCALAR} THEN coalesce({scalars}, {first}) "
        f"ELSE {first} END"
    )


def _own(slot: int) -> str:
    """The JSON text of a slot if the decoded record has its key (see `OWN`)."""
    return f"CASE WHEN {OWN}[{slot}] THEN nullif(j[{slot}], 'null') END"


def envelope_attrs_forms(source: SourceConfig) -> list[str]:
    """The JSONPaths of the attribute objects a decode_json envelope may hold (`ENVELOPE`)."""
    return [form for path in field_paths(source).candidates["attrs"] for form in json_paths(path)]


def _decoded_attrs(object_slots: list[int], envelope_count: int) -> str:
    """The attributes object of a decoded record: the record's own (the first of its
    attribute keys that holds an object) over the envelope's (Loki's labels), the record's
    value winning on a key both have unless it is null; else the merged record's, read
    plain."""
    own = (
        "coalesce("
        + ", ".join(
            f"CASE WHEN {OWN}[{i}] AND starts_with(j[{i}], '{{') THEN j[{i}] END"
            for i in object_slots
        )
        + ")"
    )
    outer = (
        "coalesce("
        + ", ".join(
            f"CASE WHEN starts_with({ENVELOPE}[{n}], '{{') THEN {ENVELOPE}[{n}] END"
            for n in range(1, envelope_count + 1)
        )
        + ")"
    )
    unset = (
        f"'{{' || array_to_string(list_transform(json_keys(json_merge_patch('{{}}', {own})), "
        "lambda k: to_json(k) || ':null'), ',') || '}'"
    )
    return (
        f"CASE WHEN {own} IS NULL THEN coalesce({outer}, {json_of(object_slots)}) "
        f"WHEN {outer} IS NULL THEN {own} "
        f"ELSE json_merge_patch({own}, json_merge_patch({outer}, {unset}))::VARCHAR END"
    )


def text_of(json_text: str) -> str:
    """A value's text: a string unquoted (and unescaped, if it has escapes), any other JSON
    value as the parser writes it."""
    return (
        f"CASE WHEN NOT starts_with({json_text}, '\"') THEN {json_text} "
        f"WHEN contains({json_text}, '\\') THEN json_extract_string({json_text}, '$') "
        f"ELSE substr({json_text}, 2, length({json_text}) - 2) END"
    )


@dataclass(frozen=True)
class Fields:
    """SQL for the staging columns of a JSON record, from the JSON texts `j` of its slots.

    `picks` names, over `j`, each field's JSON text (`f_service`...) and each named
    attribute's (`a_0`...); `columns` turns them into the staging columns; `texts` lists
    (field, picked column) for the fields that must hold no array or object.
    """

    picks: str
    columns: str
    texts: list[tuple[str, str]]
    attribute_names: list[str]
    attrs_object: bool  # whether a record may hold an attributes object


def attrs_sql(
    named: list[str], params: SqlParams, value: Callable[[int], str], attrs_object: str
) -> str:
    """The attributes map of a record: its attributes object (column `attrs_object`, JSON
    text) merged with the named attribute fields (`value(i)` reads the i-th), the fields
    that are null left out. The row reader and the fast path build it with this one SQL."""
    entries = [f"{{'k': {params.bind(name)}, 'v': {value(i)}}}" for i, name in enumerate(named)]
    listed = (
        "map_from_entries(list_filter([" + ", ".join(entries) + "], lambda e: e.v IS NOT NULL))"
        if entries
        else "MAP {}::MAP(VARCHAR, VARCHAR)"
    )
    if entries and all(IDENTIFIER.fullmatch(name) for name in named):
        # DuckDB casts a struct to a map five times faster than it builds one from entries
        # (which checks every key). A struct's keys cannot be bound, so only names that are
        # plain identifiers (checked above) are written into the SQL; any other stays bound.
        struct = ", ".join(f"'{name}': {value(i)}" for i, name in enumerate(named))
        every = " AND ".join(f"a_{i} IS NOT NULL" for i in range(len(named)))
        listed = f"CASE WHEN {every} THEN {{{struct}}}::MAP(VARCHAR, VARCHAR) ELSE {listed} END"
    # map_concat is costly: pay for it only on records that carry an attributes object.
    return (
        f"CASE WHEN starts_with({attrs_object}, '{{') THEN map_concat(json_transform("
        f"{attrs_object}, '\"MAP(VARCHAR, VARCHAR)\"'), {listed}) ELSE {listed} END"
    )


def json_fields(source: SourceConfig, slots: Slots, params: SqlParams) -> Fields:
    """The staging columns of `source`'s records, their values found through `slots`."""
    paths = field_paths(source)
    own = source.decode_json is not None
    text_fields = {
        "service": paths.candidates["service"],
        "operation": paths.candidates["operation"],
        "user_id": paths.candidates["user"],
        "record_id": (source.id,) if source.id else (),
    }
    # Where a common schema nests what the first default name finds (the Elastic Common
    # Schema's `service` and `user` objects), the value yields to a later name's.
    picked = {
        name: json_of(slots.of(record_paths), scalars_first=name in ("service", "user_id"))
        for name, record_paths in text_fields.items()
    }
    picked["ts_text"] = json_of(slots.of(paths.candidates["ts"]), own_first=own)
    picked["status_text"] = json_of(slots.of(paths.candidates["status"]))
    durations = [
        (json_of(slots.of(paths.candidates[name])), factor)
        for name, factor in DURATION_FACTORS.items()
    ]
    picked["duration_text"] = "coalesce(" + ", ".join(j for j, _ in durations) + ")"
    factor = "CASE " + " ".join(f"WHEN {j} IS NOT NULL THEN {f}" for j, f in durations) + " END"
    named = {name: json_of(slots.of((path,))) for name, path in paths.attrs.items()}
    object_slots = slots.of(paths.candidates["attrs"])
    picked["attrs_object"] = (
        _decoded_attrs(object_slots, len(envelope_attrs_forms(source)))
        if own and object_slots
        else json_of(object_slots)
    )
    labels = {"service": "service", "operation": "operation", "user_id": "user", "record_id": "id"}
    texts = [(label, f"f_{name}") for name, label in labels.items() if text_fields[name]]
    texts += [(f"attrs.{name}", f"a_{i}") for i, name in enumerate(named)]
    attrs = attrs_sql(list(named), params, lambda i: text_of(f"a_{i}"), "f_attrs_object")
    picks = ", ".join(f"{json} AS f_{name}" for name, json in picked.items())
    picks += "".join(f", {json} AS a_{i}" for i, json in enumerate(named.values()))
    columns = f"""
      {text_of("f_ts_text")} AS ts_text, {text_of("f_service")} AS service,
      {text_of("f_operation")} AS operation, {text_of("f_user_id")} AS user_id,
      {text_of("f_status_text")} AS status_text,
      {text_of("f_duration_text")} AS duration_text, {factor} AS duration_factor,
      {attrs} AS attrs, {text_of("f_record_id")} AS record_id"""
    return Fields(picks, columns, texts, list(named), bool(object_slots))


def jsonl_sql(source: SourceConfig, params: SqlParams) -> str:
    """Staging SELECT for JSON lines: one JSON parse for the values, one for the keys.

    With `decode_json`, each record is first merged with the object its field holds
    (`decode_json.py`); the line as read stays the reject's raw text.
    """
    slots = Slots()
    fields = json_fields(source, slots, params)
    objects, labels = _objects_read(source)
    decode = source.decode_json is not None
    problem, parse_problem = _problems(
        fields.texts, [f' in "{label}"' if label else "" for label in labels], params, decode
    )
    checked = f"""
      SELECT line_no, raw, bad_bytes, brackets, is_valid, is_valid AND {IS_OBJECT} AS is_object
      FROM (SELECT line_no, raw, bad_bytes, brackets, CASE WHEN bad_bytes IS NULL
              THEN json_valid(raw) END AS is_valid FROM lines WHERE {NOT_BLANK})"""
    decoded = ""
    if source.decode_json is not None:
        checked = decoded_lines_sql(source.decode_json, params, checked)
        decoded = (
            "line, decode_field, decode_reason, decode_note, list_transform("
            f"{params.bind(slots.keys)}, lambda key: list_contains(own_keys, key)) AS {OWN}, "
            f"CASE WHEN own_keys IS NOT NULL THEN json_extract(line, "
            f"{params.bind(envelope_attrs_forms(source))})::VARCHAR[] END AS {ENVELOPE}, "
        )
    return f"""
    SELECT line_no, {"line AS raw" if decode else "raw"}, {fields.columns}, {parse_problem}
      {", decode_note AS note" if decode else ""}
    FROM (
      SELECT *, {problem} FROM (
      SELECT *, {fields.picks} FROM (
        SELECT line_no, raw, bad_bytes, brackets, is_valid, is_object, {decoded}
          CASE WHEN is_object THEN json_extract(raw, {params.bind(slots.paths)})::VARCHAR[]
            END AS j,
          CASE WHEN NOT is_object THEN NULL WHEN brackets = 1 THEN [json_keys(raw)]
            ELSE json_keys(raw, {params.bind(objects)}) END AS k
        FROM ({checked})
      ))
    )
    """


def _objects_read(source: SourceConfig) -> tuple[list[str], list[str]]:
    """The JSONPaths of the objects whose keys are read (the record, the objects on the way
    to a nested field, attribute objects), and a label for each."""
    paths = field_paths(source)
    forms: list[str] = ["$"]
    labels: list[str] = [""]
    every = [p for record_paths in paths.candidates.values() for p in record_paths]
    every += list(paths.attrs.values())
    if source.id:
        every.append(source.id)
    for path in every:
        parts = path.split(".")
        for end in range(1, len(parts)):  # each object on the way to a nested field
            parent = ".".join(parts[:end])
            form = json_paths(parent)[0]
            if form not in forms:
                forms.append(form)
                labels.append(parent)
    for path in paths.candidates["attrs"]:
        for form in json_paths(path):
            if form not in forms:
                forms.append(form)
                labels.append(path)
    return forms, labels


def _inside(label: str) -> str:
    """What to do about an object where a field's string belongs."""
    if label == "id":
        return " (the source's id: can name the field in it that holds the record id)"
    if label.startswith("attrs."):
        return f" (fields.{label} can name the field in it that holds the value)"
    return f" (fields.{label} can name the field in it that holds the {label})"


def _problems(
    checks: list[tuple[str, str]], labels: list[str], params: SqlParams, decode: bool = False
) -> tuple[str, str]:
    """(`problem`, the number of a line's first problem, over the picked columns; then
    `parse_field` and `parse_error` over `problem`): bytes that are not UTF-8, a line that
    is not a JSON object, (`decode`) an object in its decode_json field that cannot be
    read, a duplicate key, an array or object where a string belongs, an attribute object
    holding one. Each condition is evaluated once per line."""
    duplicate = "list_filter(keys, lambda x, i: list_position(keys, x) < i)[1]"
    # The first object read (by position in `k`) that names a key twice:
    twice = f"list_position(list_transform(k, lambda keys: {duplicate} IS NOT NULL), true)"
    nested = (
        "list_position(list_transform(json_type(f_attrs_object, '$.*'), "
        "lambda x: x IN ('OBJECT', 'ARRAY')), true)"
    )
    rules = [
        ("bad_bytes IS NOT NULL", "'record'", "bad_bytes"),
        (
            "NOT is_valid",
            "'record'",
            # A byte-order mark inside a file: files joined with `cat`, each with its own.
            "CASE WHEN starts_with(raw, chr(65279)) THEN 'not valid JSON: a byte-order mark "
            "(U+FEFF) starts the line (files joined with cat, each with its BOM?)' "
            "ELSE 'not valid JSON (truncated or malformed line)' END",
        ),
        (
            "NOT is_object",
            "'record'",
            # Records in one array, as log drains (Vercel's) deliver them: how to split them.
            "'expected a JSON object, found ' || lower(json_type(raw)) || CASE WHEN "
            "json_type(raw) = 'ARRAY' AND json_type(raw, '$[0]') = 'OBJECT' THEN ' of objects "
            "(records in one array, as log drains send them: split them with jq -c ''.[]'')' "
            "ELSE '' END",
        ),
    ]
    if decode:
        rules.append(("decode_reason IS NOT NULL", "decode_field", "decode_reason"))
    early = len(rules)  # checked before a line's brackets can tell that it holds no more
    rules += [
        (
            f"{twice} > 0",
            "'record'",
            f"'duplicate key \"' || list_transform([k[{twice}]], lambda keys: "
            f"{duplicate})[1] || '\"' || {params.bind(labels)}[{twice}] "
            "|| ' (a key once per object)'",
        ),
    ]
    for label, json_text in checks:
        rules.append(
            (
                f"left({json_text}, 1) IN {_NON_SCALAR}",
                params.bind(label),
                f"'expected a string, found ' || CASE WHEN starts_with({json_text}, '[') "
                "THEN 'array' ELSE 'an object with keys ' || array_to_string(list_transform("
                f"json_keys({json_text})[:5], lambda x: '\"' || x || '\"'), ', ') || "
                f"{params.bind(_inside(label))} END",
            )
        )
    rules.append(
        (
            f"starts_with(f_attrs_object, '{{') AND {nested} > 0",
            "'attrs'",
            f"'expected a string, number or boolean for \"' || json_keys(f_attrs_object)[{nested}] "
            f"|| '\", found ' || lower(json_type(f_attrs_object, '$.*')[{nested}])",
        )
    )
    # A line with one `{` and no `[` (counted as it was read) holds no nested value: only
    # its own keys can repeat, and no value can be an array or object.
    top_twice = "list_filter(k[1], lambda x, i: list_position(k[1], x) < i)[1] IS NOT NULL"
    problem = (
        "CASE "
        + " ".join(f"WHEN {when} THEN {n}" for n, (when, _, _) in enumerate(rules[:early], start=1))
        + f" WHEN brackets = 1 THEN CASE WHEN {top_twice} THEN {early + 1} END "
        + " ".join(
            f"WHEN {when} THEN {n}" for n, (when, _, _) in enumerate(rules, start=1) if n > early
        )
        + " END AS problem"
    )
    field_sql = "CASE problem " + " ".join(
        f"WHEN {n} THEN {f}" for n, (_, f, _) in enumerate(rules, start=1)
    )
    reason = "CASE problem " + " ".join(
        f"WHEN {n} THEN {r}" for n, (_, _, r) in enumerate(rules, start=1)
    )
    return problem, f"{field_sql} END AS parse_field, {reason} END AS parse_error"
