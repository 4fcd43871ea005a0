"""Shifts from a CSV of a schedule (a spreadsheet, another pager's export) through a real
store: columns found by name, people matched as PagerDuty's users are, local times in the
config's zone across a clock change, a Windows-1252 name, bad rows rejected with their
line and column, and the rest stored and counted once when imported again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import InputError

CONFIG = """
timezone: Europe/Berlin
store: basics.duckdb
people:
  jose: {timezone: Europe/Berlin, name: "José Müller"}
  jane: {timezone: America/New_York, name: "Jane Doe"}
"""
# Berlin's clocks go forward at 02:00 on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 after.
SCHEDULE = (
    "On call,Schedule,Start,End,Level\r\n"
    "José Müller,Payments,2026-03-28 09:00,2026-03-29 09:00,1\r\n"
    '"Doe, Jane",Payments,2026-03-29 09:00,2026-03-30T09:00:00+02:00,1\r\n'
    "jose.mueller@acme.example,Payments,2026-03-29 09:00,2026-03-30 09:00,2\r\n"
    "On call,Schedule,Start,End,Level\r\n"  # the header again: two exports joined
    "Jane Doe,Payments,2026-03-30 09:00,,1\r\n"  # no end
    "Jane Doe,Payments,2026-03-31 09:00,2026-03-30 09:00,1\r\n"  # ends before it starts
    "Jane Doe,Payments,2026-04-01 09:00,2026-04-02 09:00,first\r\n"  # no level
)


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


def test_a_schedule_csv_is_read_by_its_column_names(app: App, tmp_path: Path) -> None:
    path = tmp_path / "payments.csv"
    path.write_bytes(SCHEDULE.encode("cp1252"))  # "José Müller" as Excel saves it

    count, rejects, _, *_ = app.oncall.ingest_shifts(str(path), "csv")

    assert count == 3
    assert [(r.line, r.field) for r in rejects] == [(6, "End"), (7, "End"), (8, "Level")]
    assert rejects[0].reason == "missing end: the End cell is empty"
    assert rejects[1].reason == "end 2026-03-30 07:00Z is not after start 2026-03-31 07:00Z"
    T = dt.datetime
    stored = app.store.query(
        "SELECT person, rotation, start_ts, end_ts, escalation_level FROM shifts ORDER BY 3, 5"
    )
    assert stored == [
        ("jose", "Payments", T(2026, 3, 28, 8), T(2026, 3, 29, 7), 1),
        ("jane", "Payments", T(2026, 3, 29, 7), T(2026, 3, 30, 7), 1),
        ("jose", "Payments", T(2026, 3, 29, 7), T(2026, 3, 30, 7), 2),
    ]
    again, _, _, *_ = app.oncall.ingest_shifts(str(path), "csv")
    assert again == 3
    assert app.store.scalar("SELECT count(*) FROM shifts") == 3  # kept once


def test_columns_of_other_names_are_mapped(app: App, tmp_path: Path) -> None:
    path = tmp_path / "rota.csv"
    path.write_text("Engineer;From;Until\njane;2026-03-02T09:00Z;2026-03-03T09:00Z\n")

    with pytest.raises(InputError, match='unknown field "who"'):
        app.oncall.ingest_shifts(str(path), "csv", {"who": "Engineer"})
    count, rejects, _, *_ = app.oncall.ingest_shifts(str(path), "csv", {"person": "Engineer"})

    assert (count, rejects) == (1, [])
    # No rotation column: the file's name is the rotation.
    assert app.store.query("SELECT person, rotation FROM shifts") == [("jane", "rota")]


def test_the_cli_names_the_line_and_the_column(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "s.csv").write_text("person,start,end\njane,2026-03-02T09:00Z,soon\n")
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), "ingest", "shifts",
              str(tmp_path / "s.csv"), "--format", "csv"],
    )  # fmt: skip
    assert result.exit_code == 3
    assert f"{tmp_path / 's.csv'}: line 2: end: expected a time such as" in result.stderr


def test_a_shift_told_twice_is_stored_once_as_last_told(app: App, tmp_path: Path) -> None:
    """The same person, rotation and start twice in one file (an export corrected and
    joined) keeps the later row; imported again with a new end, the stored shift takes it."""
    first = tmp_path / "ops.csv"
    first.write_text(
        "person,rotation,start,end\n"
        "jane,Ops,2026-03-02T09:00:00Z,2026-03-02T17:00:00Z\n"
        "jose,Ops,2026-03-02T17:00:00Z,2026-03-03T09:00:00Z\n"
        "jane,Ops,2026-03-02T09:00:00Z,2026-03-02T18:00:00Z\n"
    )
    assert app.oncall.ingest_shifts(str(first), "csv").stored == 3
    T = dt.datetime
    query = "SELECT person, start_ts, end_ts, batch_id FROM shifts ORDER BY 2"
    assert app.store.query(query) == [
        ("jane", T(2026, 3, 2, 9), T(2026, 3, 2, 18), 1),
        ("jose", T(2026, 3, 2, 17), T(2026, 3, 3, 9), 1),
    ]
    again = tmp_path / "ops-fixed.csv"
    again.write_text(
        "person,rotation,start,end\njane,Ops,2026-03-02T09:00:00Z,2026-03-02T16:00:00Z\n"
    )
    app.oncall.ingest_shifts(str(again), "csv")
    assert app.store.query(query)[0] == ("jane", T(2026, 3, 2, 9), T(2026, 3, 2, 16), 2)


def test_a_local_time_the_clocks_went_through_twice_is_refused(tmp_path: Path) -> None:
    """Berlin's clocks go back at 03:00 on 2026-10-25: 02:30 is 00:30 UTC, then 01:30 UTC.
    Which one a shift meant is not guessed; with its offset, or outside the hour, it is
    read."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    path = tmp_path / "fall.csv"
    path.write_text(
        "person,rotation,start,end\n"
        "jane,Platform,2026-10-25 02:30,2026-10-25 04:00\n"
        "jane,Platform,2026-10-24 20:00,2026-10-25 02:59:59\n"
        "jane,Platform,2026-10-25 02:30+01:00,2026-10-25 04:00\n"
        "jane,Platform,2026-10-25 01:59,2026-10-25 03:00\n"
    )
    base = ["--config", str(tmp_path / "basics.yaml"), "ingest", "shifts", str(path)]

    result = CliRunner().invoke(cli, [*base, "--format", "csv"])

    assert result.exit_code == 3
    twice = (
        'the local time "{}" happens twice in Europe/Berlin: the clocks went back over it '
        "(00:{}Z, then 01:{}Z); write the time with its UTC offset"
    )
    assert result.stderr.splitlines()[:2] == [
        f"  {path}: line 2: start: " + twice.format("2026-10-25 02:30", "30", "30"),
        f"  {path}: line 3: end: " + twice.format("2026-10-25 02:59:59", "59:59", "59:59"),
    ]
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    T = dt.datetime
    assert app.store.query("SELECT start_ts, end_ts FROM shifts ORDER BY 1") == [
        (T(2026, 10, 24, 23, 59), T(2026, 10, 25, 2)),
        (T(2026, 10, 25, 1, 30), T(2026, 10, 25, 3)),
    ]
    app.close()
