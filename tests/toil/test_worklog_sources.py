"""Worklog exports of particular tools: a JSON file given as a worklog, Tempo's Full name
read when Username is empty, Harvest's person split in First Name and Last Name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.config.people import People, Person
from basics.core.errors import InputError
from basics.toil.formats.columns import parse_mapping
from basics.toil.formats.worklog import ReadOptions, read_worklog

PEOPLE = People(
    {
        "jane": Person(name="Jane Doe"),
        "jose": Person(name="José Müller"),
        "raj": Person(name="Raj Patel"),
    },
    "UTC",
)
CONFIG = """
timezone: UTC
people:
  jane: {name: Jane Doe}
  raj: {name: Raj Patel}
"""
HARVEST = (
    "Date,Client,Project,Task,Notes,Hours,Billable?,First Name,Last Name,Roles\n"
    "2026-03-03,Internal,Ops,Toil: manual deploy,Deployed billing by hand,1.25,No,Jane,Doe,SRE\n"
    "2026-03-03,Internal,Ops,Toil: access request,,0.5,No,Raj,Patel,SRE\n"
    "2026-03-04,Internal,Ops,Toil: access request,,0.75,No,,,SRE\n"
)


def test_a_json_file_is_said_to_be_json_not_read_as_a_header() -> None:
    issues = b'[{"number":501,"title":"Toil: rotate secrets","user":{"login":"raj-p"}}]'
    for text in (issues, b'  {"issues": []}', b'\n{\n  "a": 1\n}'):
        with pytest.raises(InputError) as raised:
            read_worklog(text, "gh_issues.json", PEOPLE, ReadOptions())
        message = str(raised.value)
        assert message.startswith("gh_issues.json: this looks like JSON (it starts with ")
        assert "toil is read from CSV worklog exports with a header row" in message
        assert "501" not in message  # the file's text is not listed as its columns


def test_tempo_reject_names_full_name_when_the_value_came_from_it() -> None:
    text = (
        "Issue Key;Hours;Work date;Username;Full name;Worklog Id\n"
        "OPS-101;1,5;2026-03-02 09:00;jose;José Müller;10001\n"
        "OPS-103;0,25;2026-03-03 10:00;;Roe, Richard;10003\n"
        "OPS-104;2;2026-03-04 10:00;ghost;;10004\n"
        "OPS-105;1;2026-03-05 10:00;;Jane Doe;10005\n"
    ).encode()
    worklog = read_worklog(text, "tempo.csv", PEOPLE, ReadOptions())

    assert [(r.person, r.day, r.minutes) for r in worklog.records] == [
        ("jose", dt.date(2026, 3, 2), 90.0),
        ("jane", dt.date(2026, 3, 5), 60.0),  # Username empty: Full name, a known name
    ]
    assert [(r.line, r.field) for r in worklog.rejects] == [(3, "Full name"), (4, "Username")]
    assert worklog.rejects[0].reason.startswith('unknown person "Roe, Richard"')
    assert worklog.rejects[1].reason.startswith('unknown person "ghost"')


def test_tempo_a_username_nobody_declares_yields_to_a_full_name_someone_has() -> None:
    """`cweiss` matches no person, `Jane Doe` is one's name: the row was a reject naming
    Username, read only with --mapping person=Full name."""
    text = (
        b"Issue Key;Hours;Work date;Username;Full name\n"
        b"OPS-1;2;2026-03-05 10:00;cweiss;Jane Doe\n"
        b"OPS-2;1;2026-03-05 11:00;ghost;Nobody Known\n"
    )
    worklog = read_worklog(text, "tempo.csv", PEOPLE, ReadOptions())

    assert [(r.person, r.minutes) for r in worklog.records] == [("jane", 120.0)]
    # Neither names anyone: the first column's error, naming it.
    assert [(r.line, r.field) for r in worklog.rejects] == [(3, "Username")]
    assert worklog.rejects[0].reason.startswith('unknown person "ghost"')


def test_harvest_task_and_notes_are_the_category_and_description() -> None:
    """A task named `Toil: manual deploy` is toil of the kind manual-deploy (it was stored
    as the category `toil:-manual-deploy`, apart from entries logged as manual-deploy)."""
    worklog = read_worklog(HARVEST.encode(), "harvest.csv", PEOPLE, ReadOptions())

    assert [(r.category, r.description) for r in worklog.records] == [
        ("manual-deploy", "Deployed billing by hand"),
        ("access-request", None),
    ]


def test_harvest_first_and_last_name_are_the_person() -> None:
    worklog = read_worklog(HARVEST.encode(), "harvest.csv", PEOPLE, ReadOptions())

    assert worklog.columns == {
        "person": "First Name+Last Name",
        "date": "Date",
        "hours": "Hours",
        "category": "Task",
        "description": "Notes",
    }
    assert [(r.person, r.day, r.minutes) for r in worklog.records] == [
        ("jane", dt.date(2026, 3, 3), 75.0),
        ("raj", dt.date(2026, 3, 3), 30.0),
    ]
    assert [(r.line, r.field, r.reason) for r in worklog.rejects] == [
        (4, "First Name+Last Name", "missing person: expected who did the work"),
    ]


def test_a_mapping_joins_columns_with_plus() -> None:
    text = b"Who,Surname,Day,Minutes\nJane,Doe,2026-03-02,20\n"
    options = ReadOptions(mapping=parse_mapping("person=Who+Surname"))
    [record] = read_worklog(text, "x.csv", PEOPLE, options).records
    assert (record.person, record.minutes) == ("jane", 20.0)
    with pytest.raises(InputError, match='names column "last"'):
        read_worklog(text, "x.csv", PEOPLE, ReadOptions(mapping=parse_mapping("person=Who+Last")))


def test_harvest_export_through_the_store(tmp_path: Path) -> None:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    app = App(parse_config(CONFIG, path))
    export = tmp_path / "harvest.csv"
    export.write_text(HARVEST)

    done = app.toil.ingest(str(export), ReadOptions())

    assert (done.status, done.entries, done.rejected) == ("applied", 2, 1)
    assert done.hours == 1.25 + 0.5
    assert app.store.query("SELECT person, day, minutes FROM toil_entries ORDER BY person") == [
        ("jane", dt.date(2026, 3, 3), 75.0),
        ("raj", dt.date(2026, 3, 3), 30.0),
    ]
