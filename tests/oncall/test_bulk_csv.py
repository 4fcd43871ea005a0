"""The PagerDuty CSV fast path (DuckDB's CSV reader) against the row-by-row reader.

The fast path must give exactly the pages of `read_pagerduty_csv`, or decline: every test
here reads the same file both ways on a real DuckDB connection.
"""

from __future__ import annotations

import datetime as dt
import gzip
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
    python_strip_sql,
    seconds_sql,
    utc_time_sql,
)
from basics.oncall.formats.common import RecordError, parse_iso
from basics.oncall.formats.pagerduty_csv import read_pagerduty_csv
from basics.oncall.models import Page

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
    'high,Checkout,Checkout 5xx,2026-03-04T12:00:00-05:30,90,600.25,77,PQ7NEW2,"Ana, Bo"\r\n'
    "low,Checkout,Slow page,2026-03-04T12:00:00Z,,,78,PQ7NEW3,\r\n",
    "only the incident number, a quoted line break and blank lines": "Incident Number,"
    'Created,Title\n1234,2026-03-02T13:00:00Z,"Two\nline title"\n\n,,\n1235,'
    "2026-03-02T13:00:00.123456Z,Fire\n",
    "header only": HEADER,
    "cells with whitespace around them, an empty first responder": HEADER
    + "1, Fire\u00a0,high,\tDb ,2026-03-02T13:00:00Z,, ,k\u2003,; Ana,,,P1\n"
    + "2,Flood, , ,2026-03-02T14:00:00Z,,,k, Bo , Al;Cy,,P2\n",
}
DECLINED = {
    "a row of the wrong width": "id,created_on,title\nP1,2026-03-02T13:00:00Z,Fire,extra\n",
    "an unparseable time": HEADER + "1,Fire,high,Db,yesterday,,,k,Ana,,,P1\n",
    "a time in a form the fast path leaves alone": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00 +01:00,,,k,Ana,,,P1\n",
    "a missing title": HEADER + "1,,high,Db,2026-03-02T13:00:00Z,,,k,Ana,,,P1\n",
    "a duplicate id": HEADER
    + "1,Fire,high,Db,2026-03-02T13:00:00Z,,,k,Ana,,,P1\n"
    + "2,Fire again,high,Db,2026-03-02T14:00:00Z,,,k,Ana,,,P1\n",
    "seconds to resolve beyond microseconds": "id,created_on,title,seconds_to_resolve\n"
    "P1,2026-03-02T13:00:00Z,Fire,600.1234567\n",
    "broken quoting": 'id,created_on,title\nP1,2026-03-02T13:00:00Z,"Fire\n',
    "bytes that are not UTF-8": "id,created_on,title\nP1,2026-03-02T13:00:00Z,caf\udce9\n",
}


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return path


def both_ways(path: Path) -> tuple[list[Page], list[Page] | None, int]:
    """The row-by-row reader's pages, the fast path's (None when it declined) and its
    reject count."""
    lines = path.read_bytes().decode("utf-8-sig", errors="replace").splitlines(keepends=True)
    rows, rejects = read_pagerduty_csv(lines, str(path))
    bulk = BulkCsv.open(str(path))
    assert bulk is not None
    db = duckdb.connect()
    staged = bulk.stage(db)
    if staged is None:
        assert db.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [STAGED_TABLE]
        ).fetchall() == [(0,)]
        return rows, None, len(rejects)
    fast = [
        Page(*row)
        for row in db.execute(f"SELECT * FROM {STAGED_TABLE} ORDER BY created_at, id").fetchall()
    ]
    assert staged == len(fast)
    return rows, fast, len(rejects)


@pytest.mark.parametrize("text", CLEAN.values(), ids=CLEAN.keys())
def test_a_clean_export_is_staged_with_the_row_readers_pages(tmp_path: Path, text: str) -> None:
    rows, fast, rejected = both_ways(write(tmp_path, text))

    assert rejected == 0
    assert fast is not None, "the fast path declined a clean export"
    assert fast == sorted(rows, key=lambda page: (page.created_at, page.id))


def test_the_staged_pages_by_hand(tmp_path: Path) -> None:
    _, fast, _ = both_ways(
        write(tmp_path, CLEAN["seconds columns, any header spelling, CRLF and a BOM"])
    )

    assert fast is not None
    first, second = sorted(fast, key=lambda page: page.id)
    # 12:00 at −05:30 is 17:30 UTC; acknowledged 90 s and resolved 600.25 s later.
    assert (first.created_at, first.acknowledged_at, first.resolved_at) == (
        dt.datetime(2026, 3, 4, 17, 30),
        dt.datetime(2026, 3, 4, 17, 31, 30),
        dt.datetime(2026, 3, 4, 17, 40, 0, 250000),
    )
    assert (first.responder, first.incident_key, first.alert) == ("Ana", "PQ7NEW2", "Checkout 5xx")
    assert (second.responder, second.acknowledged_at, second.resolved_at) == (None, None, None)


@pytest.mark.parametrize("text", DECLINED.values(), ids=DECLINED.keys())
def test_an_irregular_export_is_left_to_the_row_reader(tmp_path: Path, text: str) -> None:
    _, fast, _ = both_ways(write(tmp_path, text))
    assert fast is None


def test_a_gzip_export_is_staged(tmp_path: Path) -> None:
    text = CLEAN["offsets and Z"]
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    bulk = BulkCsv.open(str(path))
    assert bulk is not None and bulk.compression == "gzip"

    assert bulk.stage(duckdb.connect()) == 4


def test_standard_input_and_a_header_broken_over_lines_go_row_by_row(tmp_path: Path) -> None:
    assert BulkCsv.open("-") is None
    assert BulkCsv.open(str(write(tmp_path, '"id\n",created_on,title\n'))) is None
    assert BulkCsv.open(str(write(tmp_path, "\nid,created_on,title\n"))) is None


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


@settings(max_examples=400, deadline=None)
@given(st.from_regex(PLAIN_TIME, fullmatch=True))
def test_a_plain_time_reads_as_parse_iso_reads_it(text: str) -> None:
    """Any text of the fast path's time form is read by DuckDB exactly as by `parse_iso`,
    or refused by both (February 30th, say)."""
    try:
        expected: dt.datetime | None = parse_iso(text, "created")
    except RecordError:
        expected = None
    db = duckdb.connect()
    (got,) = db.execute(f"SELECT {utc_time_sql('$1')}", [text]).fetchall()[0]
    assert got == expected


@settings(max_examples=150, deadline=None)
@given(st.from_regex(SECONDS, fullmatch=True))
def test_plain_seconds_add_as_the_row_reader_adds_them(text: str) -> None:
    start = dt.datetime(2026, 3, 2, 13)
    db = duckdb.connect()
    (got,) = db.execute(f"SELECT $2 + {seconds_sql('$1')}", [text, start]).fetchall()[0]
    assert got == start + dt.timedelta(seconds=float(text))


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(" \t\r\n\x0b\x0c\x1c\x85\xa0\u2003\u3000\u200bab,;"), min_size=1
    )
)
def test_the_sql_strip_is_pythons(text: str) -> None:
    db = duckdb.connect()
    (got,) = db.execute(f"SELECT {python_strip_sql('$1')}", [text]).fetchall()[0]
    assert got == text.strip()
