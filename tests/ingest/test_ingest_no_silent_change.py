"""Values are never changed without a word: each case is a reject with its reason, a counted
reading the summary names, or a file-level error. Each test named for a case failed before
the fix ("Before:" says how)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pytest

from basics.core.errors import InputError

SOURCE = """
sources:
  api:
    format: jsonl
    fields: {attrs.region: region}
"""

TS = "2026-03-29T00:30:00Z"
CONVERT = "convert the file to UTF-8 (iconv -f CP1252 -t UTF-8, if it is Windows text)"


def _line(**fields: Any) -> str:
    return json.dumps({"ts": TS, "service": "api", **fields})


# --- bytes that are not UTF-8 ----------------------------------------------------------------


def test_invalid_utf8_in_a_value_is_a_reject_naming_byte_and_key(make_env: Any) -> None:
    # Before: both became "caf\ufffd" and two users merged into one.
    env = make_env(SOURCE)
    data = (
        _line(user="café").encode()
        + b"\n"
        + b'{"ts": "2026-03-29T00:30:00Z", "service": "api", "user": "caf\xe9"}\n'
        + b'{"ts": "2026-03-29T00:30:00Z", "service": "api", "user": "caf\xe8"}\n'
    )

    result = env.ingest("api", env.write("events.jsonl", data))

    assert (result.accepted, result.rejected) == (1, 2)
    assert [row[1] for row in env.events()] == ["api"]
    assert env.store.query("SELECT user_id FROM events") == [("café",)]
    assert env.rejects() == [
        (
            2,
            "record",
            f'invalid UTF-8: byte 0xE9 at byte 62 of the line (in "user"); {CONVERT}',
            '{"ts": "2026-03-29T00:30:00Z", "service": "api", "user": "caf\ufffd"}',
        ),
        (
            3,
            "record",
            f'invalid UTF-8: byte 0xE8 at byte 62 of the line (in "user"); {CONVERT}',
            '{"ts": "2026-03-29T00:30:00Z", "service": "api", "user": "caf\ufffd"}',
        ),
    ]


def test_invalid_utf8_in_a_csv_cell_names_its_column(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          sheet: {format: csv, service: shop, fields: {user: Customer}}
        """
    )
    data = b"ts,Customer\n2026-03-29T00:30:00Z,caf\xe9\n2026-03-29T00:30:00Z,ok\n"

    result = env.ingest("sheet", env.write("orders.csv", data))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (
            2,
            "record",
            f'invalid UTF-8: byte 0xE9 in column "Customer"; {CONVERT}',
            "2026-03-29T00:30:00Z,caf\ufffd",
        )
    ]


def test_invalid_utf8_in_a_combined_log_line_is_a_reject(make_env: Any) -> None:
    env = make_env("sources:\n  web: {format: nginx, service: www}\n")
    line = b'1.2.3.4 - caf\xe9 [29/Mar/2026:00:30:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'

    result = env.ingest("web", env.write("access.log", line))

    assert (result.accepted, result.rejected) == (0, 1)
    [(number, field, reason, _)] = env.rejects()
    assert (number, field, reason) == (
        1,
        "record",
        f"invalid UTF-8: byte 0xE9 at byte 14 of the line; {CONVERT}",
    )


def test_invalid_utf8_in_an_otlp_line_is_a_reject(make_env: Any) -> None:
    env = make_env("sources:\n  otel: {format: otlp}\n")
    line = b'{"resourceLogs": [{"resource": {"attributes": [{"key": "x\xff"}]}}]}\n'

    result = env.ingest("otel", env.write("logs.jsonl", line))

    assert result.rejected == 1
    [(number, field, reason, _)] = env.rejects()
    assert (number, field, reason) == (
        1,
        "record",
        f"invalid UTF-8: byte 0xFF in the line; {CONVERT}",
    )


# --- duplicate keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # Before: the first status (200) was stored.
        (
            '{"ts": "2026-03-29T00:30:00Z", "service": "api", "status": 200, "status": 500}',
            'duplicate key "status" (a key once per object)',
        ),
        # Before: every attribute of the record was dropped, silently.
        (
            '{"ts": "2026-03-29T00:30:00Z", "service": "api", '
            '"attrs": {"az": "a", "az": "b", "tier": "gold"}}',
            'duplicate key "az" in "attrs" (a key once per object)',
        ),
        (
            '{"ts": "2026-03-29T00:30:00Z", "service": "api", "host": "a", "host": "b"}',
            'duplicate key "host" (a key once per object)',
        ),
        (
            '{"ts": "2026-03-29T00:30:00Z", "service.name": "x", '
            '"http": {"route": "/a", "route": "/b"}}',
            'duplicate key "route" in "http" (a key once per object)',
        ),
    ],
)
def test_a_duplicate_key_is_a_reject(make_env: Any, text: str, reason: str) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", _line() + "\n" + text + "\n"))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [(2, "record", reason, text)]


# --- arrays and objects where a string belongs ----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "found"),
    [
        ({"service": ["api", "web"]}, "service", "array"),  # before: stored as '["api","web"]'
        # before: stored as '{"role":"ann"}' ({"id": 7} is the user 7: `user.id` is a default)
        (
            {"user": {"role": "admin"}},
            "user",
            'an object with keys "role" (fields.user can name the field in it that holds the user)',
        ),
        ({"operation": ["/a"]}, "operation", "array"),
        (
            {"region": {"name": "eu"}},
            "attrs.region",
            'an object with keys "name" '
            "(fields.attrs.region can name the field in it that holds the value)",
        ),
        ({"attrs": {"tier": ["gold"]}}, "attrs", None),
    ],
)
def test_an_array_or_object_for_a_text_field_is_a_reject(
    make_env: Any, fields: dict[str, Any], field: str, found: str | None
) -> None:
    env = make_env(SOURCE)
    text = _line(**fields)

    result = env.ingest("api", env.write("events.jsonl", text + "\n"))

    assert (result.accepted, result.rejected) == (0, 1)
    reason = (
        f"expected a string, found {found}"
        if found
        else 'expected a string, number or boolean for "tier", found array'
    )
    assert env.rejects() == [(1, field, reason, text)]


def test_numbers_for_text_fields_are_kept_as_their_digits(make_env: Any) -> None:
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", _line(user=12345, region=7) + "\n"))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.store.query("SELECT user_id, attrs FROM events") == [("12345", {"region": "7"})]


# --- local times the clocks skipped or repeated --------------------------------------------------

LONDON = """
timezone: Europe/London
sources:
  api: {format: jsonl, service: api}
"""


def test_a_local_time_in_the_spring_gap_is_a_reject(make_env: Any) -> None:
    # Europe/London skips 01:00-02:00 local on 2026-03-29. Before: stored as 01:30 UTC.
    env = make_env(LONDON)
    lines = [
        '{"ts": "2026-03-29T00:59:59"}',
        '{"ts": "2026-03-29T01:30:00"}',
        '{"ts": "2026-03-29T02:00:00"}',
    ]

    result = env.ingest("api", env.write("events.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected, result.repeated_hour_rows) == (2, 1, 0)
    assert [row[0] for row in env.events()] == [
        dt.datetime(2026, 3, 29, 0, 59, 59),
        dt.datetime(2026, 3, 29, 1, 0),
    ]
    assert env.rejects() == [
        (
            2,
            "ts",
            'the local time "2026-03-29T01:30:00" does not exist in Europe/London: the clocks '
            "went forward over it (write the time with its UTC offset, or set the source's "
            "timezone)",
            lines[1],
        )
    ]


def test_a_local_time_in_the_repeated_hour_is_read_as_the_first_and_counted(
    make_env: Any,
) -> None:
    # Europe/London goes through 01:00-02:00 local twice on 2026-10-25 (BST, then GMT).
    # Before: 01:30 was read as its second occurrence (01:30 UTC), and nothing said so.
    env = make_env(LONDON)
    lines = [
        '{"ts": "2026-10-25T00:59:59"}',
        '{"ts": "2026-10-25T01:30:00"}',
        '{"ts": "2026-10-25T01:30:00+00:00"}',
        '{"ts": "2026-10-25T02:00:00"}',
    ]

    result = env.ingest("api", env.write("events.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected) == (4, 0)
    assert (result.local_time_rows, result.repeated_hour_rows) == (3, 1)
    assert [row[0] for row in env.events()] == [
        dt.datetime(2026, 10, 24, 23, 59, 59),
        dt.datetime(2026, 10, 25, 0, 30),  # 01:30 BST, the first 01:30
        dt.datetime(2026, 10, 25, 1, 30),  # written with its offset: the second 01:30
        dt.datetime(2026, 10, 25, 2, 0),
    ]


@pytest.mark.parametrize(
    ("zone", "text", "stored"),
    [
        # New York falls back at 02:00 EDT on 2026-11-01: 01:30 happens at 05:30 and 06:30 UTC.
        ("America/New_York", "2026-11-01 01:30", dt.datetime(2026, 11, 1, 5, 30)),
        # Lord Howe falls back by 30 minutes at 02:00 on 2026-04-05.
        ("Australia/Lord_Howe", "2026-04-05 01:45", dt.datetime(2026, 4, 4, 14, 45)),
    ],
)
def test_repeated_local_times_in_other_zones(
    make_env: Any, zone: str, text: str, stored: dt.datetime
) -> None:
    env = make_env(
        f"""
        sources:
          legacy:
            format: jsonl
            service: api
            timezone: {zone}
            timestamp_format: "%Y-%m-%d %H:%M"
        """
    )

    result = env.ingest("legacy", env.write("events.jsonl", json.dumps({"ts": text}) + "\n"))

    assert (result.accepted, result.repeated_hour_rows) == (1, 1)
    assert [row[0] for row in env.events()] == [stored]


def test_a_gap_time_with_a_timestamp_format_is_a_reject(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          legacy:
            format: jsonl
            service: api
            timezone: America/New_York
            timestamp_format: "%d.%m.%Y %H:%M"
        """
    )

    result = env.ingest("legacy", env.write("e.jsonl", '{"ts": "08.03.2026 02:30"}\n'))

    assert (result.accepted, result.rejected) == (0, 1)
    [(_, field, reason, _)] = env.rejects()
    assert field == "ts"
    assert reason.startswith('the local time "08.03.2026 02:30" does not exist in America/New_York')


def test_the_summary_names_the_repeated_hour(
    make_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from basics.cli.ingest_cmd import summarise

    env = make_env(LONDON)
    result = env.ingest("api", env.write("e.jsonl", '{"ts": "2026-10-25T01:30:00"}\n'))

    summarise(result)

    out = capsys.readouterr().out
    assert (
        "  1 local time fell in an hour the clocks went through twice (Europe/London) and "
        "was read as the first of the two" in out
    )


# --- whitespace, encodings and line endings -------------------------------------------------------


def test_an_object_after_a_leading_tab_is_read(make_env: Any) -> None:
    # Before: rejected as "expected a JSON object, found object".
    env = make_env(SOURCE)

    result = env.ingest(
        "api", env.write("events.jsonl", "\t" + _line() + "\n \t " + _line() + "\n")
    )

    assert (result.accepted, result.rejected) == (2, 0)


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("UTF-16", ("\ufeff" + _line() + "\n").encode("utf-16-le")),
        ("UTF-16", ("\ufeff" + _line() + "\n").encode("utf-16-be")),
        ("UTF-32", ("\ufeff" + _line() + "\n").encode("utf-32-le")),
    ],
)
def test_a_utf16_file_is_refused_whole_naming_the_encoding(
    make_env: Any, encoding: str, data: bytes
) -> None:
    # Before: one reject per line, and no word of the encoding.
    env = make_env(SOURCE)
    path = env.write("events.jsonl", data)

    with pytest.raises(InputError, match=f"the file is {encoding}.*iconv -f {encoding} -t UTF-8"):
        env.ingest("api", path)

    assert env.counts()["events"] == env.counts()["rejects"] == env.counts()["batches"] == 0


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "nginx"])
def test_utf16_without_a_byte_order_mark_is_refused(make_env: Any, fmt: str) -> None:
    env = make_env(f"sources:\n  s: {{format: {fmt}, service: api}}\n")
    data = ("ts,service\n" + TS + ",api\n" if fmt == "csv" else _line() + "\n") * 3

    with pytest.raises(InputError, match=r"looks like UTF-16.*iconv -f UTF-16 -t UTF-8"):
        env.ingest("s", env.write("events.txt", gzip.compress(data.encode("utf-16-le"))))

    assert env.counts()["events"] == 0


def test_cr_only_line_endings_split_lines(make_env: Any) -> None:
    # Before: the whole file was one line, one reject.
    env = make_env(SOURCE)
    data = _line(user="a") + "\r[1]\r\r" + _line(user="b") + "\r"

    result = env.ingest("api", env.write("events.jsonl", data))

    assert (result.accepted, result.rejected) == (2, 1)
    assert env.rejects() == [(2, "record", "expected a JSON object, found array", "[1]")]
    assert env.store.query("SELECT user_id FROM events ORDER BY 1") == [("a",), ("b",)]


def test_a_cr_only_file_that_grew_continues_with_its_line_numbers(make_env: Any) -> None:
    env = make_env(SOURCE)
    path = env.write("events.jsonl", _line(user="a") + "\r" + _line(user="b") + "\r")
    env.ingest("api", path)
    path.write_bytes(path.read_bytes() + ("[1]\r" + _line(user="c") + "\r").encode())

    result = env.ingest("api", path)

    assert (result.continues, result.first_line, result.accepted, result.rejected) == (1, 3, 1, 1)
    assert env.rejects() == [(3, "record", "expected a JSON object, found array", "[1]")]


def test_a_file_rejected_for_its_bytes_gets_a_likely_cause(make_env: Any) -> None:
    env = make_env(SOURCE)
    text = "\n".join(
        json.dumps({"ts": TS, "user": f"café {i}"}, ensure_ascii=False) for i in range(3)
    )
    data = text.encode("latin-1")

    result = env.ingest("api", env.write("events.jsonl", data))

    assert (result.status, result.rejected) == ("rejected", 3)
    assert result.hint == f"the file is not UTF-8 (Windows-1252 or Latin-1?): {CONVERT}"


def test_json_arrays_a_line_get_a_likely_cause(make_env: Any) -> None:
    """A log drain's delivery (Vercel's) is an array of records a line."""
    env = make_env(SOURCE)
    text = json.dumps([{"ts": TS}, {"ts": TS}]) + "\n" + json.dumps([{"ts": TS}]) + "\n"

    result = env.ingest("api", env.write("drain.json", text))

    assert (result.status, result.rejected) == ("rejected", 2)
    assert result.hint == (
        "every line is a JSON array (a batch of records, as log drains deliver them): one "
        "object a line is read; split them with jq -c '.[]'"
    )


def test_apache_vhost_combined_lines_get_a_likely_cause(make_env: Any) -> None:
    env = make_env("sources:\n  web: {format: apache, service: shop}\n")
    line = (
        'shop.example.com:443 203.0.113.7 - - [02/Mar/2026:15:00:01 +0100] "GET / HTTP/1.1" '
        '200 2326 "-" "curl/8.0"\n'
    )

    result = env.ingest("web", env.write("other_vhosts_access.log", line * 2))

    assert (result.status, result.rejected) == ("rejected", 2)
    assert result.hint == (
        "every line starts with a host:port, as Apache's vhost_combined format writes: read "
        "it with format: regex (docs/recipes.md, Apache vhost_combined)"
    )


def test_a_pretty_printed_json_document_gets_a_likely_cause(make_env: Any) -> None:
    """`gcloud logging read --format=json`, a Datadog JSON export: one array over many lines."""
    env = make_env(SOURCE)
    text = json.dumps([{"ts": TS, "status": 200}, {"ts": TS, "status": 500}], indent=2) + "\n"

    result = env.ingest("api", env.write("export.json", text))

    assert (result.status, result.accepted) == ("rejected", 0)
    assert result.hint == (
        "the file is one JSON document over many lines (pretty-printed), not one object a "
        "line: make it JSON lines, e.g. jq -c '.[]' FILE (or the list that holds the "
        "records: '.events[]', '.hits.hits[]._source')"
    )
