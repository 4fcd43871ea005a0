"""CSV read strictly: a quote left open is a reject, never rows merged into one cell; a
record unfinished when read is read again whole; a reject keeps the file's own text;
exports joined with their byte-order marks; Excel's `sep=` line; a column named twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from basics.core.errors import ConflictError

CONFIG = """
sources:
  c: {format: csv, service: api}
  semi: {format: csv, service: api, delimiter: ";"}
services:
  api:
    owner: t
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _stored(env: Any) -> list[tuple[Any, ...]]:
    return env.store.query("SELECT ts, status, user_id, batch_id FROM events ORDER BY ts")


def test_a_quote_never_closed_is_a_reject_and_the_rows_it_swallowed_are_read(
    make_env: Any,
) -> None:
    """`"alice` never closes: the csv module read the rest of the file as alice's name (1
    event stored, 0 rejected). The line that opened the quote is the reject; the rows
    after it are records of their own."""
    env = make_env(CONFIG)
    text = (
        "ts,status,user\n"
        '2026-12-01T10:00:00Z,200,"alice\n'
        "2026-12-01T10:00:01Z,500,bob\n"
        "2026-12-01T10:00:02Z,500,carol\n"
    )

    result = env.ingest("c", env.write("q.csv", text))

    assert (result.accepted, result.rejected) == (2, 1)
    assert _stored(env) == [
        (dt.datetime(2026, 12, 1, 10, 0, 1), 500, "bob", 1),
        (dt.datetime(2026, 12, 1, 10, 0, 2), 500, "carol", 1),
    ]
    assert env.rejects() == [
        (
            2,
            "record",
            "a quote opened at line 2 does not close before the file ends, and line 3 inside "
            "it reads as a record of its own (3 fields, as the header has): a quote left "
            "open? Read on from line 3",
            '2026-12-01T10:00:00Z,200,"alice',
        )
    ]


def test_a_stray_quote_closed_rows_later_does_not_merge_the_rows_between(
    make_env: Any,
) -> None:
    """A quote opened at line 2 and a quote at line 4 that "closes" it: bob's row was part
    of alice's name. Read again from line 3, each row is its own record."""
    env = make_env(CONFIG)
    text = (
        "ts,status,user\n"
        '2026-12-01T10:00:00Z,200,"alice\n'  # 2
        "2026-12-01T10:00:01Z,500,bob\n"  # 3
        '2026-12-01T10:00:02Z,500,"carol"\n'  # 4: its opening quote closed alice's
        "2026-12-01T10:00:03Z,200,dave\n"  # 5
    )

    result = env.ingest("c", env.write("stray.csv", text))

    assert (result.accepted, result.rejected) == (3, 1)
    assert [user for _, _, user, _ in _stored(env)] == ["bob", "carol", "dave"]
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (
            2,
            "record",
            "a quote opened at line 2 closes only at line 4, and line 3 inside it reads as a "
            "record of its own (3 fields, as the header has): a quote left open? Read on from "
            "line 3",
        )
    ]


def test_a_line_break_in_a_quoted_field_is_one_cell_when_no_row_is_inside(
    make_env: Any,
) -> None:
    """An address over two lines holds fewer fields than the header: one record, whose
    reject (a bad status) keeps the file's text, line break and quotes as written."""
    env = make_env(CONFIG)
    text = (
        "ts,status,user\r\n"
        '2026-12-01T10:00:00Z,200,"1 Main St\r\nSpringfield, IL"\r\n'
        '2026-12-01T10:00:01Z,five,"a ""b""\r\n c"\r\n'
    )

    result = env.ingest("c", env.write("address.csv", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert _stored(env) == [
        (dt.datetime(2026, 12, 1, 10, 0), 200, "1 Main St\r\nSpringfield, IL", 1)
    ]
    assert env.rejects() == [
        (
            4,
            "status",
            'expected an integer status between 0 and 999, found "five"',
            '2026-12-01T10:00:01Z,five,"a ""b""\r\n c"',
        )
    ]


def test_a_quoted_text_quoting_a_row_stands_when_the_record_reads_whole(make_env: Any) -> None:
    """A stack trace quoted in a message, one of its lines as wide as the header: the
    record reads whole, as wide as the header, so it is one event (its 500 was rejected as
    a quote left open, and the quoted line stored as a row of its own)."""
    env = make_env(CONFIG)
    text = (
        "ts,status,user\n"
        '2026-12-01T10:00:00Z,500,"Traceback:\nKeyError: user, cart, 3\nend"\n'
        "2026-12-01T10:00:01Z,200,bob\n"
    )

    result = env.ingest("c", env.write("trace.csv", text))

    assert (result.accepted, result.rejected) == (2, 0)
    assert _stored(env) == [
        (dt.datetime(2026, 12, 1, 10, 0), 500, "Traceback:\nKeyError: user, cart, 3\nend", 1),
        (dt.datetime(2026, 12, 1, 10, 0, 1), 200, "bob", 1),
    ]


def test_text_after_a_closing_quote_is_a_reject(make_env: Any) -> None:
    """`"a"b` was read as `ab` without a word."""
    env = make_env(CONFIG)
    text = 'ts,status,user\n2026-12-01T10:00:00Z,200,"a"b\n2026-12-01T10:00:01Z,200,c\n'

    result = env.ingest("c", env.write("after.csv", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (
            2,
            "record",
            "cannot be read as CSV: text after a closing quote (a quote inside a quoted field "
            'is written twice: "")',
            '2026-12-01T10:00:00Z,200,"a"b',
        )
    ]


def test_a_reject_keeps_the_files_text_not_a_rebuilt_line(make_env: Any) -> None:
    """With `delimiter: ";"` a reject's raw text was the row written back with commas
    (`...,"1,5",m-4,...`), and a quoted line break lost its CR."""
    env = make_env(CONFIG)
    text = (
        "ts;operation;status;duration_ms;user;note\r\n"
        "2026-12-01T10:00:04Z;/api/e;200;1,5;m-4;decimal comma\r\n"
        '2026-12-01T10:00:05Z;"/b\r\n still b";200;x;m-5;n\r\n'
    )

    result = env.ingest("semi", env.write("semi.csv", text))

    assert (result.accepted, result.rejected) == (0, 2)
    assert [(line, raw) for line, _, _, raw in env.rejects()] == [
        (2, "2026-12-01T10:00:04Z;/api/e;200;1,5;m-4;decimal comma"),
        (3, '2026-12-01T10:00:05Z;"/b\r\n still b";200;x;m-5;n'),
    ]


def test_a_record_unfinished_when_read_is_read_again_whole(make_env: Any) -> None:
    """A CSV caught while a quoted field was being written stored the cut record (user
    "a note\\nspan"); then the rest of it was read as a record of its own. The record is a
    reject until its quote closes; the next ingest of the grown file reads it again from
    its first line, and takes the reject back."""
    env = make_env(CONFIG)
    path = env.write(
        "grow.csv",
        'ts,status,user\n2026-12-01T10:00:00Z,200,a\n2026-12-01T10:00:01Z,500,"a note\nspan',
    )

    first = env.ingest("c", path)
    unchanged = env.ingest("c", path)
    with path.open("a", encoding="utf-8") as table:
        table.write('ning lines"\n2026-12-01T10:00:02Z,200,b\n')
    second = env.ingest("c", path)

    assert (first.accepted, first.rejected) == (1, 1)
    assert [r.reason for r in first.first_rejects] == [
        "unfinished: a quote opened at line 3 does not close before the file ends (a file "
        "cut short, or still being written: the record is read again whole when the file "
        "goes on)"
    ]
    assert unchanged.status == "duplicate"
    assert (second.accepted, second.rejected, second.first_line, second.reread_line) == (
        2, 0, 3, 3,
    )  # fmt: skip
    assert _stored(env) == [
        (dt.datetime(2026, 12, 1, 10, 0), 200, "a", 1),
        (dt.datetime(2026, 12, 1, 10, 0, 1), 500, "a note\nspanning lines", 2),
        (dt.datetime(2026, 12, 1, 10, 0, 2), 200, "b", 2),
    ]
    assert env.rejects() == []
    assert env.store.query("SELECT id, rejected, first_line, end_line FROM batches") == [
        (1, 0, 1, 4),
        (2, 0, 3, 5),
    ]


def test_a_record_unfinished_after_its_newline_is_read_again_when_followed(
    make_env: Any,
) -> None:
    """Lines whole, the quote still open: a follow (whole lines only) read the record cut,
    and the next check the rest of it as a record."""
    env = make_env(CONFIG)
    path = env.write(
        "live.csv",
        "ts,status,user\n2026-12-01T09:00:00Z,200,a\n"
        '2026-12-01T10:00:00Z,500,"first line\nsecond line\n',
    )

    first = env.ingest("c", path, whole_lines_only=True)
    with path.open("a", encoding="utf-8") as table:
        table.write('third"\n')
    second = env.ingest("c", path, whole_lines_only=True)

    assert (first.accepted, first.rejected, second.accepted, second.rejected) == (1, 1, 1, 0)
    assert (second.first_line, second.reread_line) == (3, 3)
    assert _stored(env) == [
        (dt.datetime(2026, 12, 1, 9, 0), 200, "a", 1),
        (dt.datetime(2026, 12, 1, 10, 0), 500, "first line\nsecond line\nthird", 2),
    ]
    assert env.rejects() == []


def test_exports_joined_each_with_its_byte_order_mark_are_refused_as_without(
    make_env: Any,
) -> None:
    """Excel's "CSV UTF-8" writes a BOM in every file: the second header, after its BOM,
    was a reject for its time (`found "\\ufeffts"`), and the 10:00:01 row both exports
    hold was stored twice."""
    env = make_env(CONFIG)
    e1 = "\ufeffts,status\r\n2026-12-01T10:00:00Z,200\r\n2026-12-01T10:00:01Z,500\r\n"
    e2 = "\ufeffts,status\r\n2026-12-01T10:00:01Z,500\r\n2026-12-01T10:00:02Z,200\r\n"
    env.ingest("c", env.write("e1.csv", e1))
    joined = env.write("all.csv", e1 + e2)

    with pytest.raises(ConflictError, match="1 of its 2 events are identical"):
        env.ingest("c", joined)
    skipped = env.ingest("c", joined, skip_overlap=True)
    alone = env.ingest("c", env.write("alone.csv", e1.replace("10:00:0", "11:00:0") * 2))

    assert (skipped.accepted, skipped.overlap_rows, skipped.rejected) == (1, 1, 1)
    assert [r.reason for r in skipped.first_rejects] == [
        "the header row again (files joined, each with its byte-order mark?), not a record"
    ]
    assert (alone.accepted, alone.rejected, alone.joined_repeats) == (4, 1, 2)
    assert env.store.scalar("SELECT count(*) FROM events WHERE ts < '2026-12-01 11:00'") == 3


def test_a_byte_order_mark_starting_a_row_is_named(make_env: Any) -> None:
    env = make_env(CONFIG)
    text = "ts,status\n2026-12-01T10:00:00Z,200\n\ufeff2026-12-01T10:00:01Z,200\n"

    result = env.ingest("c", env.write("bom.csv", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (
            3,
            "record",
            "a byte-order mark (U+FEFF) starts the line (files joined with cat, each with its "
            "BOM?)",
            "\ufeff2026-12-01T10:00:01Z,200",
        )
    ]


def test_excels_sep_line_names_the_delimiter(make_env: Any) -> None:
    """Excel's `sep=;` first line made the header and every row a reject, without a hint.
    It names the delimiter; lines are numbered as in the file, a grown file too; a row of
    empty cells (Excel's blank row) is a blank line."""
    env = make_env(CONFIG)
    path = env.write("sep.csv", "sep=;\r\nts;status;user\r\n2026-12-01T10:00:00Z;200;a,b\r\n")

    first = env.ingest("c", path)
    with path.open("a", encoding="utf-8", newline="") as table:
        table.write(";;\r\n2026-12-01T10:00:01Z;x;c\r\n")
    grown = env.ingest("c", path)

    assert (first.accepted, first.rejected, grown.accepted, grown.rejected) == (1, 0, 0, 1)
    assert _stored(env) == [(dt.datetime(2026, 12, 1, 10, 0), 200, "a,b", 1)]
    assert [(line, field, raw) for line, field, _, raw in env.rejects()] == [
        (5, "status", "2026-12-01T10:00:01Z;x;c")
    ]


def test_a_column_read_named_twice_makes_each_row_a_reject(make_env: Any) -> None:
    """`status,status` took the last one without a word. A column the source does not read
    may repeat."""
    env = make_env(CONFIG)
    text = (
        "timestamp,path,status,status,duration_ms,note,note\n"
        "2026-12-01T10:00:00Z,/a,200,500,5,x,y\n"
    )
    unread = "timestamp,path,status,note,note,,\n2026-12-01T10:00:00Z,/a,200,x,y,,\n"

    result = env.ingest("c", env.write("twice.csv", text))
    other = env.ingest("c", env.write("unread.csv", unread))

    assert (result.status, result.accepted, result.rejected) == ("rejected", 0, 1)
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (
            2,
            "record",
            'column "status" is named twice in the header at line 1 (columns 3 and 4): which '
            "of the two values was meant is not ours to guess; rename one",
        )
    ]
    assert (other.accepted, other.rejected) == (1, 0)
    assert _stored(env) == [(dt.datetime(2026, 12, 1, 10, 0), 200, None, 2)]
