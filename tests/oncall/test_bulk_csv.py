"""The PagerDuty CSV fast path (DuckDB's CSV reader) against the row-by-row reader.

The fast path must give exactly the pages of `read_pagerduty_csv`, or decline: every test
here reads the same file both ways on a real DuckDB connection.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.oncall.bulk_csv import (
    PLAIN_TIME,
    PYTHON_WHITESPACE,
    SECONDS,
    STAGED_TABLE,
    BulkCsv,
    first_person_sql,
    python_strip_sql,
    seconds_sql,
    utc_time_sql,
)
from basics.oncall.columns import PAGE_COLUMNS
from basics.oncall.formats.common import RecordError, first_person, parse_iso
from basics.oncall.formats.pagerduty_csv import read_pagerduty_csv
from basics.oncall.models import Page, PageReject

HEADER = (
    "Incident Number,Title,Urgency,Service Name,Created On,Acknowledged,Resolved,"
    "Incident Key,Assigned To,Escalated To,Acknowledged By,ID\n"
)
CLEAN = {
    "offsets and Z": HEADER
    + "1234,The server is on fire.,high,Mail Service,2026-03-02T14:00:00+01:00,"
    "2026-03-02T14:04:30+01:00,2026-03-02T15:10:00+01:00,baf7cf21,,,Earline Greenholt,PT4KHLK\n"
    '1235,"Disk full, /var on db-1",low,Database,2026-03-03T02:15:00Z,,2026-03-03T02:45:00Z,'
    "disk-db-1,,Ana Lopez; Bo Chen,,PX1ABCD\n"
    "1238,Checkout 5xx,high,Checkout,2026-03-04 11:00:00.25,,,,,,,PQ7NEW1\n"
    "1239,Checkout 5xx,high,Checkout,2026-03-04T11:00:00.123456789+0530,"
    "2026-03-04 06:00:00 UTC,2026-03-04T01:00:00-05,,,,,PQ7NEW2\n",
    "seconds columns, any header spelling, CRLF and a BOM": "\ufeffurgency,SERVICE_NAME,"
    "Description,created_on,seconds_to_first_ack,seconds_to_resolve,incident_number,"
    "Incident ID,assigned to\r\n"
    'high,Checkout,Checkout 5xx,2026-03-04T12:00:00-05:30,90,600.25,77,PQ7NEW2,"Ana, Bo Chen"\r\n'
    "low,Checkout,Slow page,2026-03-04T12:00:00Z,,,78,PQ7NEW3,\r\n",
    "only the incident number, a quoted line break and blank lines": "Incident Number,"
    'Created,Title\n1234,2026-03-02T13:00:00Z,"Two\nline title"\n\n,,\n1235,'
    "2026-03-02T13:00:00.123456Z,Fire\n",
    "header only": HEADER,
    "the analytics export's columns (user names beside user ids)": "id,incident_number,"
    "description,service_name,created_on,resolved_on,seconds_to_first_ack,"
    "acknowledged_by_user_ids,acknowledged_by_user_names,assigned_to_user_ids,"
    "assigned_to_user_names,urgency,\n"
    "Q1,1001,Checkout 5xx,Checkout,2026-03-02T05:15:00-05:00,2026-03-02T05:45:00-05:00,120,"
    "PUSR2,Dana Weiss,PUSR1,Bob Chen,high,\n"
    "Q2,1002,Disk full,Database,2026-03-02T06:00:00Z,,,PUSR2,Dana Weiss,,,low,\n",
    "cells with whitespace around them, an empty first responder": HEADER
    + "1, Fire\u00a0,high,\tDb ,2026-03-02T13:00:00Z,, ,k\u2003,; Ana,,,P1\n"
    + "2,Flood, , ,2026-03-02T14:00:00Z,,,k, Bo , Al;Cy,,P2\n",
}
READ_AGAIN = {
    "exports joined, the header repeated": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00Z,,,k,Ana,,,P1\n"
    + HEADER
    + "2,Smoke,high,Db,2026-03-02T14:00:00Z,,,k,Ana,,,P2\n",
    "an unparseable time": HEADER + "1,Fire,high,Db,yesterday,,,k,Ana,,,P1\n",
    "a time in a form only the row reader reads": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00 +01:00,,,k,Ana,,,P1\n",
    "a missing title": HEADER + "1,,high,Db,2026-03-02T13:00:00Z,,,k,Ana,,,P1\n",
    "a duplicate id": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00Z,,,k,Ana,,,P1\n"
    + "2,Fire again,high,Db,2026-03-02T14:00:00Z,,,k,Ana,,,P1\n",
    "seconds to resolve beyond microseconds": "id,created_on,title,seconds_to_resolve\n"
    "P1,2026-03-02T13:00:00Z,Fire,600.1234567\n",
    # DuckDB drops one empty field past the last column without a word: the column past
    # the header's catches it, so the row reader rejects the row, as Python's csv sees it.
    "a row with a field too many": "id,created_on,title\nP1,2026-03-02T13:00:00Z,Fire,extra\n"
    "P3,2026-03-02T13:00:00Z,Ash\n",
    "a row with an empty field too many": "id,created_on,title\nP1,2026-03-02T13:00:00Z,"
    'Fire,\nP2,2026-03-02T13:00:00Z,Ash,""\nP3,2026-03-02T13:00:00Z,Ash\n',
    "a row too short": "id,created_on,title\nP1,2026-03-02T13:00:00Z\nP2\n"
    "P3,2026-03-02T13:00:00Z,Ash\n",
    "a line of spaces and a row of empty fields too many": "id,created_on,title\n   \n,,,\n"
    "P1,2026-03-02T13:00:00Z,Fire\n",
    "rows of the wrong width around a quoted line break, ids repeated": "id,created_on,title\n"
    'P1,2026-03-02T13:00:00Z,"Fire\non two lines",\nP1,2026-03-02T14:00:00Z,Smoke\n'
    "P2,2026-03-02T13:00:00Z\nP1,2026-03-02T15:00:00Z,Ash,x\nP2,2026-03-02T16:00:00Z,Dust\n",
    # Clean rows and rows for the row reader, around a quoted line break, empty lines, a
    # row of empty cells and one of spaces (both skipped), and ids repeated: a page after a
    # page, a reject after a page (the page stays), a page read again after a clean one.
    "a mixed export": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00Z,,,k1,Ana,,,P1\n"
    + '2,"Two\nlines",high,Db,2026-03-02T13:05:00Z,,,k2,Ana,,,P2\n'
    + "\n"
    + ",,,,,,,,,,,\n"
    + " , ,,,,,,,,,,\n"
    + "3,Smoke,high,Db,soon,,,k3,Bo,,,P3\n"
    + "4,Fire later,high,Db,2026-03-02T14:00:00Z,,,k1,Bo,,,P1\n"
    + "5,Fire,high,Db,never,,,k1,Bo,,,P2\n"
    + "\n"
    + "6,Flood,high,Db,2026-03-02 15:00:00 +01:00,,,k6,Cy,,,P6\n"
    + "7,Flood again,high,Db,2026-03-02T15:00:00Z,,,k6,Cy,,,P7\n"
    + "8,Flood,high,Db,2026-03-02 16:00:00 +01:00,,,k6,Cy,,,P7\n"
    + "9,,high,Db,2026-03-02T17:00:00Z,,,k9,Cy,,,P9\n",
}
LEFT_WHOLE = {
    "a row with two fields too many": "id,created_on,title\nP1,2026-03-02T13:00:00Z,Fire,a,b\n",
    "two empty fields too many": "id,created_on,title\nP1,2026-03-02T13:00:00Z,Fire,,\n",
    "broken quoting": 'id,created_on,title\nP1,2026-03-02T13:00:00Z,"Fire\n',
    "bytes that are not UTF-8": "id,created_on,title\nP1,2026-03-02T13:00:00Z,caf\udce9\n",
}


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


Read = tuple[list[Page], list[PageReject]]


def both_ways(path: Path, in_transaction: bool = False) -> tuple[Read, Read | None]:
    """The row reader's pages and rejects, and the staged ones (None when DuckDB left the
    file whole to the row reader); pages sorted by creation and id."""
    # Lines split as the import's text stream splits them (\n, \r\n or \r, no others).
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows, rejects = read_pagerduty_csv(io.StringIO(text, newline=""), str(path))
    by_row = (sorted(rows, key=lambda page: (page.created_at, page.id)), rejects)
    bulk = BulkCsv.open(str(path))
    assert bulk is not None
    db = duckdb.connect()
    # Not UTC: times without an offset are UTC whatever the connection's zone, which the
    # stage gives back as it found it.
    db.execute("SET TimeZone = 'America/New_York'")
    if in_transaction:  # where row ids do not start at 0
        db.execute("BEGIN TRANSACTION")
    staged = bulk.stage(db)
    assert db.execute("SELECT current_setting('TimeZone')").fetchall() == [("America/New_York",)]
    temporary = db.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    if staged is None:
        assert temporary == []
        return by_row, None
    assert temporary == [(STAGED_TABLE,)]
    count, staged_rejects = staged
    fast = [
        Page(*row)
        for row in db.execute(
            f"SELECT {', '.join(PAGE_COLUMNS)} FROM {STAGED_TABLE} ORDER BY created_at, id"
        ).fetchall()
    ]
    assert count == len(fast)
    return by_row, (fast, staged_rejects)


@pytest.mark.parametrize("text", CLEAN.values(), ids=CLEAN.keys())
def test_a_clean_export_is_staged_with_the_row_readers_pages(tmp_path: Path, text: str) -> None:
    by_row, staged = both_ways(write(tmp_path, text))

    assert by_row[1] == []
    assert staged == by_row


def test_the_staged_pages_by_hand(tmp_path: Path) -> None:
    _, staged = both_ways(
        write(tmp_path, CLEAN["seconds columns, any header spelling, CRLF and a BOM"])
    )

    assert staged is not None
    first, second = sorted(staged[0], key=lambda page: page.id)
    # 12:00 at −05:30 is 17:30 UTC; acknowledged 90 s and resolved 600.25 s later.
    assert (first.created_at, first.acknowledged_at, first.resolved_at) == (
        dt.datetime(2026, 3, 4, 17, 30),
        dt.datetime(2026, 3, 4, 17, 31, 30),
        dt.datetime(2026, 3, 4, 17, 40, 0, 250000),
    )
    assert (first.responder, first.incident_key, first.alert) == ("Ana", "PQ7NEW2", "Checkout 5xx")
    assert (second.responder, second.acknowledged_at, second.resolved_at) == (None, None, None)


@pytest.mark.parametrize("text", READ_AGAIN.values(), ids=READ_AGAIN.keys())
def test_rows_duckdb_cannot_vouch_for_are_read_by_the_row_reader(tmp_path: Path, text: str) -> None:
    by_row, staged = both_ways(write(tmp_path, text))
    assert staged == by_row


def test_the_mixed_export_by_hand(tmp_path: Path) -> None:
    _, staged = both_ways(write(tmp_path, READ_AGAIN["a mixed export"]))

    assert staged is not None
    pages, rejects = staged
    assert {page.source_id: page.alert for page in pages} == {
        "P1": "Fire later",  # its last row
        "P2": "Two\nlines",  # its last row was rejected
        "P6": "Flood",  # read by the row reader: 15:00 +01:00 is 14:00 UTC
        "P7": "Flood",  # the row reader's page came after the clean one
    }
    assert [page.created_at for page in pages if page.source_id == "P6"] == [
        dt.datetime(2026, 3, 2, 14)
    ]
    # Line numbers count the quoted line break and the empty lines.
    assert [(r.line, r.field) for r in rejects] == [
        (8, "Created On"),
        (10, "Created On"),
        (15, "Title"),
    ]


@pytest.mark.parametrize("text", LEFT_WHOLE.values(), ids=LEFT_WHOLE.keys())
def test_a_file_duckdb_reads_otherwise_is_left_whole_to_the_row_reader(
    tmp_path: Path, text: str
) -> None:
    _, staged = both_ways(write(tmp_path, text))
    assert staged is None


def test_a_gzip_export_is_staged(tmp_path: Path) -> None:
    text = CLEAN["offsets and Z"]
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    bulk = BulkCsv.open(str(path))
    assert bulk is not None and bulk.compression == "gzip"

    assert bulk.stage(duckdb.connect()) == (4, [])


def test_standard_input_and_a_header_broken_over_lines_go_row_by_row(tmp_path: Path) -> None:
    assert BulkCsv.open("-") is None
    assert BulkCsv.open(str(write(tmp_path, '"id\n",created_on,title\n'))) is None
    assert BulkCsv.open(str(write(tmp_path, "\nid,created_on,title\n"))) is None


@pytest.mark.parametrize(
    "rows",
    [
        'P1,2026-03-02T13:00:00Z, "Fire, x"\n',  # Python's csv: 4 columns; DuckDB: 3
        ' "P1",2026-03-02T13:00:00Z,Fire\n',  # Python: the id is ` "P1"`; DuckDB: `P1`
        'P1,2026-03-02T13:00:00Z,  "a\nP2,2026-03-02T13:00:00Z,b"\n',  # 2 rows, or 1
    ],
)
def test_a_quote_opened_after_spaces_goes_row_by_row(tmp_path: Path, rows: str) -> None:
    """DuckDB takes ` "x"` as the quoted x; Python's csv module takes it as it is."""
    assert BulkCsv.open(str(write(tmp_path, "id,created_on,title\n" + rows))) is None


def test_a_path_duckdb_would_read_as_a_glob_goes_row_by_row(tmp_path: Path) -> None:
    text = "id,created_on,title\nP1,2026-03-02T13:00:00Z,Fire\n"
    write(tmp_path, text, "pages-old.csv")
    assert BulkCsv.open(str(write(tmp_path, text, "pages*.csv"))) is None
    assert BulkCsv.open(str(write(tmp_path, text, "pages[1].csv"))) is None


def test_spaces_then_a_quote_are_found_across_reading_blocks() -> None:
    from basics.oncall.bulk_csv import _spaced_quote

    assert _spaced_quote(b'a,b\n "c"', 0)
    assert _spaced_quote(b'a,   "b"', 0)
    assert not _spaced_quote(b'a,b "c" d,e', 0)  # inside a field: Python and DuckDB agree
    assert not _spaced_quote(b'a,b,"c"', 0)
    # The block starts in the middle of the spaces: they may open a field.
    assert _spaced_quote(b'   "c"', 0)
    # Hits before `new_from` were looked at with the previous block.
    assert not _spaced_quote(b',  "c" and more', 10)


def test_the_whitespace_class_is_what_python_strips() -> None:
    db = duckdb.connect()
    every = [chr(code) for code in range(0x3001)] + ["\U0001f525", "\u200b", "\ufeff"]
    matched = {
        text
        for (text,) in db.execute(
            f"SELECT c FROM unnest(?) AS t(c) WHERE regexp_full_match(c, '{PYTHON_WHITESPACE}')",
            [[c for c in every if c != "\x00"]],
        ).fetchall()
    }
    assert matched == {c for c in every if c.isspace()}


SQL = duckdb.connect()
"""One connection for the property tests below: each example is one query on it. Its
TimeZone is UTC, as `BulkCsv.stage` sets it for `utc_time_sql`."""
SQL.execute("SET TimeZone = 'UTC'")


def sql_of_each(expression: str, values: list[str]) -> list[object]:
    """`expression` (over a column `v`) evaluated for each value, in order."""
    rows = SQL.execute(
        f"SELECT {expression} FROM unnest($1) WITH ORDINALITY AS t(v, i) ORDER BY i", [values]
    ).fetchall()
    return [value for (value,) in rows]


def parse_or_none(text: str) -> dt.datetime | None:
    try:
        return parse_iso(text, "created")
    except RecordError:
        return None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.from_regex(PLAIN_TIME, fullmatch=True), min_size=1, max_size=40))
def test_a_plain_time_reads_as_parse_iso_reads_it(texts: list[str]) -> None:
    """Any text of the fast path's time forms is read by DuckDB exactly as by `parse_iso`,
    or refused by both (February 30th, say)."""
    assert sql_of_each(utc_time_sql("v"), texts) == [parse_or_none(text) for text in texts]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.from_regex(SECONDS, fullmatch=True), min_size=1, max_size=40))
def test_plain_seconds_add_as_the_row_reader_adds_them(texts: list[str]) -> None:
    start = dt.datetime(2026, 3, 2, 13)
    got = sql_of_each(f"TIMESTAMP '{start}' + {seconds_sql('v')}", texts)
    assert got == [start + dt.timedelta(seconds=float(text)) for text in texts]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(
            # Spaces of every kind, and the edges of the printable ASCII the strip keeps
            # without a regular expression ("!", "~", DEL, a combining accent).
            alphabet=st.sampled_from(
                " \t\r\n\x0b\x0c\x1c\x85\xa0\u2003\u3000\u200bab,;!~\x7f\x80\u0301"
            ),
            min_size=1,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_the_sql_strip_is_pythons(texts: list[str]) -> None:
    assert sql_of_each(python_strip_sql("v"), texts) == [text.strip() for text in texts]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(" \t\n\xa0\u2003\u200bDoeJaneü@.,;"),
            min_size=0,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_the_sql_first_person_is_the_row_readers(texts: list[str]) -> None:
    """ "Doe, Jane" one name, "Jane Doe, Raj" and "a; b" lists, in DuckDB as in Python."""
    part = python_strip_sql("regexp_extract(v, '^[^;]*')")
    got = sql_of_each(first_person_sql(f"({part})"), texts)
    assert got == [first_person(text) for text in texts]


def test_first_person_by_hand() -> None:
    assert first_person(" Müller,  José ") == "Müller, José"
    assert first_person("Doe, Jane; Patel, Raj") == "Doe, Jane"
    assert first_person("Jane Doe, Raj Patel") == "Jane Doe"
    assert first_person("jane@acme.com, raj@acme.com") == "jane@acme.com"
    assert first_person("Doe, Jane, Raj") == "Doe"
    assert first_person(", Jane") == ""


def test_rows_that_do_not_line_up_are_never_read_again_by_the_wrong_position(
    tmp_path: Path,
) -> None:
    """If DuckDB's rows did not follow the file (they do: `stage` asks for insertion order),
    the rows to read again would not be met with the ids DuckDB saw, and nothing of
    DuckDB's reading would be used."""
    bulk = BulkCsv.open(str(write(tmp_path, READ_AGAIN["a mixed export"])))
    assert bulk is not None
    db = duckdb.connect()
    db.execute(f"CREATE TEMP TABLE staged_rows AS {bulk._select(parallel=False)}")

    rows = db.execute("SELECT count(*) FROM staged_rows").fetchall()[0][0]
    for every_id in (False, True):
        assert bulk._read_again(db, 0, rows, every_id) is not None
        assert bulk._read_again(db, 1, rows, every_id) is None  # every position off by one
        assert bulk._read_again(db, -1, rows, every_id) is None
        assert bulk._read_again(db, 0, rows + 1, every_id) is None  # a row DuckDB never read


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 13])
def test_spaces_then_a_quote_split_between_blocks_are_found(
    tmp_path: Path, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from basics.oncall import bulk_csv

    monkeypatch.setattr(bulk_csv, "CHUNK_BYTES", block)
    clean = write(tmp_path, 'id,created_on,title\nP1,2026-03-02T13:00:00Z,"a ""b"""\n', "a.csv")
    spaced = write(tmp_path, 'id,created_on,title\nP1,2026-03-02T13:00:00Z,   "b"\n', "b.csv")
    assert bulk_csv._hash_and_scan(str(clean))[1] is False
    assert bulk_csv._hash_and_scan(str(spaced))[1] is True
    sha = bulk_csv._hash_and_scan(str(clean))[0]
    assert sha == hashlib.sha256(clean.read_bytes()).hexdigest()


@pytest.mark.parametrize("byte", ["\x00", "\x01"])
def test_a_nul_or_the_null_marker_goes_row_by_row(tmp_path: Path, byte: str) -> None:
    """\\x01 is what DuckDB reads as NULL here (an empty field is ''), so no file that holds
    one is read by DuckDB; nor one with a NUL."""
    text = f"id,created_on,title\nP1,2026-03-02T13:00:00Z,a{byte}b\n"
    assert BulkCsv.open(str(write(tmp_path, text))) is None


OPEN_AT_THE_END = {
    "a row of one field": 'P1,2026-03-02T13:00:00Z,"two\nlines"\n"x',
    "a row of a comma": 'P1,2026-03-02T13:00:00Z,"two\nlines"\n",',
    "the rows after it": 'P1,2026-03-02T13:00:00Z,"two\nlines"\n"x,y\nP2,2026-03-02T13:00:00Z,z\n',
    "the last field": 'P1,2026-03-02T13:00:00Z,"two\nlines"\nP2,2026-03-02T13:00:00Z,"z',
    "a field past the last": 'P1,2026-03-02T13:00:00Z,"two\nlines"\nP2,2026-03-02T13:00:00Z,z,"',
    "nothing before it": '"x',
}


@pytest.mark.parametrize("rows", OPEN_AT_THE_END.values(), ids=OPEN_AT_THE_END.keys())
def test_a_quote_left_open_at_the_end_is_read_as_the_row_reader_reads_it(
    tmp_path: Path, rows: str
) -> None:
    """A quoted line break sends DuckDB to one thread, where it drops a quote left open at
    the end of the file without a word: the last row is Python's, every row is compared."""
    by_row, staged = both_ways(write(tmp_path, "id,created_on,title\n" + rows))
    assert staged is None or staged == by_row


def test_the_analytics_export_names_its_responders(tmp_path: Path) -> None:
    """PagerDuty's analytics CSV names the assignee and acknowledger in `*_user_names`:
    the assignee is the responder, else the first acknowledger; never the shift's."""
    text = CLEAN["the analytics export's columns (user names beside user ids)"]
    by_row, staged = both_ways(write(tmp_path, text))

    assert staged == by_row
    assert sorted((page.source_id, page.responder) for page in by_row[0]) == [
        ("Q1", "Bob Chen"),
        ("Q2", "Dana Weiss"),
    ]


def test_a_repeated_header_is_passed_over_as_other_csv_readers_do(tmp_path: Path) -> None:
    """Two exports joined: the header again is no record, and no reject either (it was
    one, and every import of the joined file exited 3); both ways agree."""
    by_row, staged = both_ways(write(tmp_path, READ_AGAIN["exports joined, the header repeated"]))

    assert staged == by_row
    assert [page.source_id for page in by_row[0]] == ["P1", "P2"]
    assert by_row[1] == []
