"""The worklog reader on its own: encodings, delimiters, headers, mapping and identity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.config.people import People, Person
from basics.core.errors import InputError
from basics.toil.formats.columns import find_columns, parse_mapping
from basics.toil.formats.worklog import ReadOptions, Worklog, read_worklog

PEOPLE = People({"alice": Person(name="Alice Martin"), "bob": Person()}, "UTC")
DATA = Path(__file__).resolve().parents[1] / "data" / "toil"


def read(data: bytes, **given: object) -> Worklog:
    return read_worklog(data, "log.csv", PEOPLE, ReadOptions(**given))  # type: ignore[arg-type]


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    text = "Person\tDate\tHours\tDescription\r\nalice\t2026-03-02\t1,5\tCafé\r\n"
    worklog = read(text.encode("utf-16"))
    assert worklog.encoding == "utf-16"
    [record] = worklog.records
    assert (record.person, record.day, record.minutes, record.description) == (
        "alice", dt.date(2026, 3, 2), 90.0, "Café",
    )  # fmt: skip


def test_a_one_person_sheet_with_defaults_and_no_category() -> None:
    worklog = read(b"day;mins;what\n2026-03-02;20;Rotated keys\n", person="Bob",
                   category="Manual Deploy", service="api")  # fmt: skip
    [record] = worklog.records
    assert (record.person, record.category, record.service, record.minutes) == (
        "bob", "manual-deploy", "api", 20.0,
    )  # fmt: skip
    plain = read(b"person,date,minutes\nalice,2026-03-02,20\n")
    assert plain.records[0].category == "uncategorised"


def test_mapping_overrides_recognition_and_checks_its_columns() -> None:
    header = ["Who", "Logged", "Billed Hours", "Hours", "Date"]
    columns = find_columns(header, parse_mapping("person=who, hours=Billed Hours"), "x")
    assert columns.describe() == {"person": "Who", "date": "Date", "hours": "Billed Hours"}
    ignored = find_columns(header, parse_mapping(None, ["Logged"]), "x")
    assert ignored.time_unit == "hours" and ignored.names["hours"] == "Hours"
    with pytest.raises(InputError, match='unknown field "minuets"'):
        parse_mapping("minuets=Logged")
    with pytest.raises(InputError, match="expected FIELD=COLUMN"):
        parse_mapping("Logged")
    # The other way round, as `ingest toil` once took it: said how to write it.
    with pytest.raises(InputError, match="did you mean hours=logged"):
        parse_mapping("Logged=hours")
    with pytest.raises(InputError, match='hours is mapped twice \\("A" and "B"\\)'):
        parse_mapping("hours=A,hours=B")
    # Quotes the shell kept are not part of the name.
    assert parse_mapping('date=Resolved,seconds="Time Spent"') == {
        "resolved": "date", "time spent": "seconds",
    }  # fmt: skip
    with pytest.raises(InputError, match='names column "spent", which the header does not'):
        find_columns(header, parse_mapping("hours=Spent"), "x")


def test_files_it_cannot_read() -> None:
    with pytest.raises(InputError, match="the file is empty"):
        read(b"\n\n")
    with pytest.raises(InputError, match="no column for the date"):
        read(b"person,minutes\nalice,20\n")
    with pytest.raises(InputError, match="'Log Work' cells"):
        read(b"Issue key,Summary,Log Work,Log Work\nOPS-1,x,a;b;c;60,\n")


def test_repeated_columns_of_labels_and_components_are_read_whole() -> None:
    # Tempo's export glued to another, Labels written once per label as Jira does.
    people = People(
        {"alice": Person(name="Alice Martin", timezone="Europe/London"),
         "bob": Person(name="Bob Stone", timezone="America/New_York"),
         "dana": Person(name="Dana Weiss", timezone="Europe/Berlin")},
        "Europe/London",
    )  # fmt: skip
    worklog = read_worklog((DATA / "tempo_labels.csv").read_bytes(), "t.csv", people,
                           ReadOptions())  # fmt: skip
    assert (worklog.encoding, worklog.header_rows, worklog.rejects) == ("cp1252", 1, [])
    found = [(r.line, r.person, r.day, r.minutes, r.category, r.automatable, r.description)
             for r in worklog.records]  # fmt: skip
    assert found == [
        # 23:30 at UTC-5 is 04:30 the next day in London; "automatable" in the 2nd Labels.
        (2, "alice", dt.date(2026, 3, 3), 30.0, "interrupt", True, "restarted, requeued"),
        (3, "bob", dt.date(2026, 3, 2), 45.0, "access-request", None, "Access request"),
        (5, "dana", dt.date(2026, 3, 3), 60.0, "cert", True, "renewed"),
    ]  # fmt: skip
    # A component named in the second of two columns; labels over three.
    row = read(b"person,date,hours,Component,Component,Labels,Labels,Labels\n"
               b"alice,2026-03-02,1,,payments,toil:cleanup,,automatable\n")  # fmt: skip
    [record] = row.records
    assert (record.service, record.category, record.automatable) == ("payments", "cleanup", True)
    assert row.columns == {"person": "person", "date": "date", "hours": "hours",
                           "service": "Component", "labels": "Labels"}  # fmt: skip
    # A label's prefix in another case is the same prefix.
    [record] = read(b"person,date,hours,Labels\nalice,2026-03-02,1,Toil:cleanup\n").records
    assert record.category == "cleanup"


def test_a_repeated_column_of_one_value_is_an_error_naming_it() -> None:
    data = b"Issue Key,Author,Started,Time Spent,Time Spent\nOPS-1,alice,2026-03-02,1h,2h\n"
    with pytest.raises(InputError) as error:
        read(data)
    assert str(error.value) == (
        'log.csv: the header has "Time Spent" 2 times (columns 4 and 5) and the time spent '
        "is read from it: which copy holds it is unclear; keep one, or read another column "
        "with --mapping 'duration=COLUMN' --ignore 'Time Spent'"
    )
    # Left out, every copy goes: the next time column is read.
    ignored = read(data.replace(b"Started,", b"Started,Minutes,").replace(b"02,1h", b"02,20,1h"),
                   mapping=parse_mapping(None, ["Time Spent"]))  # fmt: skip
    assert [r.minutes for r in ignored.records] == [20.0]
    with pytest.raises(
        InputError, match='has "Author" 2 times \\(columns 1 and 2\\) and the person'
    ):
        read(b"Author,Author,date,hours\nalice,bob,2026-03-02,1\n")


def test_identity_is_the_worklog_id_else_the_content_and_its_count() -> None:
    ids = read(b"worklog id,person,date,hours\n7,alice,2026-03-02,1\n7,alice,2026-03-02,1\n")
    assert [r.source_key for r in ids.records] == ["id:7", "id:7"]
    rows = read(
        b"person,date,hours,description\n"
        b"alice,2026-03-02,1,Restart  queue\n"
        b"alice,2026-03-02,1,restart queue\n"  # the same words: the same content
        b"alice,2026-03-02,2,restart queue\n"
    )
    keys = [r.source_key or "" for r in rows.records]
    assert keys[0].endswith("#1") and keys[1] == keys[0][:-1] + "2"
    assert keys[2].endswith("#1") and keys[2] != keys[0]


def test_rows_wider_than_the_header_and_cells_past_it() -> None:
    worklog = read(b"person,date,hours\nalice,2026-03-02,1,,\nbob,2026-03-02,1,x\nbob\n")
    # Empty cells past the header are harmless; a value there is refused; a short row
    # misses its fields.
    assert [r.person for r in worklog.records] == ["alice"]
    assert [(r.line, r.field, r.reason) for r in worklog.rejects] == [
        (3, None, "expected 3 columns as in the header, found 4"),
        (4, "date", "missing date: expected the day of the work"),
    ]
