"""JSON lines whose record is JSON text held in a field (`decode_json: line`).

Grafana Loki's `logcli --output=jsonl` holds the application's record in `line`, Docker's
json-file driver in `log`, CloudWatch and most log drains in `message`. `decoded_lines_sql`
gives the row reader (`jsonl.py`) each line with that object's keys merged over the
envelope's, as if they were the record's own: the application's record wins on a key both
have; what it lacks (Loki's `timestamp`, the labels) is still found in the envelope.

The merge is shallow and keeps the application's record as written (nested objects, a
null attribute); a key the record holds as null is one it lacks. Two JSON merge patches
build it, vectorised: the envelope less the keys the record holds not null and less the
field (its text, read, would only be parsed again with every record), then that under the
record. The keys are checked first: a key named twice in the envelope or the record is a
reject (the record's naming the field), as is text that starts as an object and is not
valid JSON. Which name each field is read from, and the attributes, are `jsonl.py`'s.
A field absent, null, or holding other text (a plain line among JSON ones) leaves the line
as it is, with a note the reasons of a missing field end with.
"""

from __future__ import annotations

import json

from basics.ingest.mapping import json_paths
from basics.store.sql_params import SqlParams

# JSON's whitespace: Docker's `log` ends with the line's newline, inside the string.
_SPACE = "' ' || chr(9) || chr(10) || chr(13)"


def _twice(keys: str) -> str:
    """The first key of the list `keys` named twice."""
    return f"list_filter({keys}, lambda x, i: list_position({keys}, x) < i)[1]"


def decoded_lines_sql(field: str, params: SqlParams, checked: str) -> str:
    """`checked`, a relation of lines (line_no, raw, bad_bytes, brackets, is_valid,
    is_object), with `raw` the record merged with the object `field` holds, `line` the
    line as read, `own_keys` the keys of the object merged in, and `decode_field`,
    `decode_reason` (a reject of the line) and `decode_note` (said of a line whose field
    holds no object to decode).

    `brackets` (the line's count of `{` and `[`, which the row reader takes, at 1, to mean
    no nested value) is NULL for a merged record: the count was of the line, not of it.
    """
    forms = params.bind(json_paths(field))
    label = params.bind(field)
    # The merge patch that drops the field: at its nested place, unless the record has a
    # key of the name the field starts at (that key is the record's, dropped already from
    # the envelope), or as a key with dots in its name (where it was found).
    parts = field.split(".")
    nested = json.dumps(parts[-1]) + ":null"
    for part in reversed(parts[:-1]):
        nested = f"{json.dumps(part)}:{{{nested}}}"
    literal = params.bind(f"{json.dumps(field)}:null")
    dropped = (
        f"CASE WHEN nullif(found[1], 'null') IS NULL THEN {literal} "
        f"WHEN NOT list_contains(set_keys, {params.bind(parts[0])}) "
        f"THEN {params.bind(nested)} END"
    )
    not_valid = params.bind("not valid JSON in the string (truncated?)")
    twice = params.bind(f'" in "{field}" (a key once per object)')
    absent = params.bind(f' (decode_json: the record has no "{field}")')
    other = params.bind(f' (decode_json: "{field}" holds no JSON object: ')
    shown = (
        "CASE WHEN starts_with(value, '\"') THEN '\"' || left(trim(text, "
        f"{_SPACE}), 60) || '\"' ELSE left(value, 60) END"
    )
    return f"""
    SELECT line_no, coalesce(merged, raw) AS raw, raw AS line, bad_bytes,
      CASE WHEN merged IS NULL THEN brackets END AS brackets, is_valid, is_object,
      CASE WHEN merged IS NOT NULL THEN set_keys END AS own_keys,
      CASE WHEN envelope_twice IS NOT NULL OR first_twice IS NOT NULL THEN 'record'
        WHEN bad_text THEN {label} END AS decode_field,
      CASE WHEN envelope_twice IS NOT NULL
          THEN 'duplicate key "' || envelope_twice || '" (a key once per object)'
        WHEN bad_text THEN {not_valid}
        WHEN first_twice IS NOT NULL THEN 'duplicate key "' || first_twice || {twice}
        END AS decode_reason,
      CASE WHEN is_object AND NOT object_text THEN CASE WHEN value IS NULL THEN {absent}
        ELSE {other} || {shown} || ')' END END AS decode_note
    FROM (
      SELECT *, CASE WHEN decodable THEN json_merge_patch(text, json_merge_patch(raw,
        '{{' || array_to_string(list_append(list_transform(set_keys,
          lambda k: to_json(k) || ':null'), {dropped}), ',') || '}}'))::VARCHAR END AS merged
      FROM (
      SELECT *, CASE WHEN decodable THEN json_keys(json_merge_patch('{{}}', text)) END
        AS set_keys
      FROM (
      SELECT *, object_text AND valid_text AND first_twice IS NULL
        AND envelope_twice IS NULL AS decodable
      FROM (
        SELECT *, object_text AND NOT valid_text AS bad_text, {_twice("keys")} AS first_twice,
          CASE WHEN object_text THEN {_twice("json_keys(raw)")} END AS envelope_twice
        FROM (
          SELECT *, CASE WHEN valid_text THEN json_keys(text) END AS keys
          FROM (
            SELECT *, CASE WHEN object_text THEN json_valid(text) END AS valid_text
            FROM (
              SELECT *, coalesce(starts_with(text, '{{')
                OR starts_with(ltrim(text, {_SPACE}), '{{'), false) AS object_text
              FROM (
                SELECT *, CASE left(value, 1) WHEN '"' THEN json_extract_string(value, '$')
                  WHEN '{{' THEN value END AS text
                FROM (
                  SELECT *, coalesce(nullif(found[1], 'null'), found[2], found[1]) AS value
                  FROM (
                    SELECT *, CASE WHEN is_object THEN json_extract(raw, {forms})::VARCHAR[]
                      END AS found
                    FROM ({checked})
                  )
                )
              )
            )
          )
        )
      )
    )))
    """
