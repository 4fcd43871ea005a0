"""Who a page's responder is, as real exports write them: "Last, First" names in PagerDuty's
analytics CSV and Opsgenie's web export, Better Stack's "Automatically", and e-mail logins
that spell a name without its accents. Through a real store, both PagerDuty CSV paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.config.people import People, Person
from basics.oncall.bulk_csv import BulkCsv

CONFIG = """
timezone: UTC
people:
  jose: {timezone: Europe/Berlin, name: "José Müller"}
  jane: {timezone: America/New_York, name: "Jane Doe"}
  raj: {timezone: Asia/Kolkata, name: "Raj Patel"}
rotations:
  primary: {handover: monday 09:00, start: 2026-03-02, people: [raj]}
"""


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def responders(app: App) -> list[tuple[str, str | None]]:
    return [(p.source_id, p.responder) for p in app.oncall.with_responders(app.oncall.pages())]


# PagerDuty's analytics export: names last name first, in quotes; a comma between full
# names is a list; a ";" is a list.
ANALYTICS = (
    "id,incident_number,description,created_at,resolved_at,service_name,urgency,"
    "seconds_to_first_ack,acknowledged_by_user_names,assigned_to_user_names\n"
    'Q1,1,Checkout 5xx,2026-03-28T23:30:00+01:00,,Checkout,high,300,"Müller, José",'
    '"Müller, José"\n'
    'Q2,2,Queue backlog,2026-03-31T10:00:00-04:00,,Checkout,low,,,"Doe, Jane"\n'
    'Q3,3,Disk,2026-03-31T11:00:00Z,,Checkout,low,,,"Raj Patel, Jane Doe"\n'
    'Q4,4,Disk,2026-03-31T12:00:00Z,,Checkout,low,,,"Doe, Jane; Müller, José"\n'
)


@pytest.mark.parametrize("bulk", [True, False], ids=["duckdb", "row reader"])
def test_last_first_names_of_a_pagerduty_csv_are_one_person(
    app: App, tmp_path: Path, bulk: bool
) -> None:
    # A path DuckDB would read as a glob goes whole to the row reader.
    path = tmp_path / ("analytics.csv" if bulk else "analytics[1].csv")
    path.write_text(ANALYTICS)
    assert (BulkCsv.open(str(path)) is not None) is bulk
    done = app.oncall.ingest_pages(str(path), "pagerduty-csv")
    assert (done.pages, done.rejected) == (4, 0)
    stored = app.store.query("SELECT source_id, responder FROM pages ORDER BY 1")
    assert stored == [
        ("Q1", "Müller, José"),
        ("Q2", "Doe, Jane"),
        ("Q3", "Raj Patel"),
        ("Q4", "Doe, Jane"),
    ]
    # Oldest first: Q2 is 14:00 UTC.
    assert responders(app) == [("Q1", "jose"), ("Q3", "raj"), ("Q4", "jane"), ("Q2", "jane")]
    report = app.oncall.report(dt.datetime(2026, 3, 23), dt.datetime(2026, 4, 6))
    # jose 1, jane 2, raj 1: no "Müller" or "Doe" of their own.
    assert {p.person: p.pages for p in report.concentration.people} == {
        "jane": 2,
        "jose": 1,
        "raj": 1,
    }


def test_opsgenie_web_export_responders_last_name_first(app: App, tmp_path: Path) -> None:
    """Opsgenie's web page CSV: "Responders" holds "Doe, Jane" where nobody acknowledged."""
    path = tmp_path / "alerts.csv"
    path.write_text(
        "TinyId,Message,CreatedAt,Responders,AcknowledgedBy\n"
        '1201,Disk,1772944200000,"Doe, Jane",raj.patel@acme.com\n'
        '1202,Disk,1772955000000,"Doe, Jane",\n'
        '1203,Disk,1772976600000,"Raj Patel, Jane Doe",\n'
    )
    done = app.oncall.ingest_pages(str(path), "csv", mapping={"id": "TinyId"}, source="og")
    assert (done.pages, done.rejected) == (3, 0)
    assert responders(app) == [("1201", "raj"), ("1202", "jane"), ("1203", "raj")]


def test_a_resolution_by_the_tool_is_nobody_s(app: App, tmp_path: Path) -> None:
    """Better Stack's `resolved_by: "Automatically"` (and words like it) names no one: the
    page is the person on call's (raj, the only one)."""
    path = tmp_path / "incidents.json"
    path.write_text(
        '{"data": ['
        '{"id": "1", "attributes": {"name": "api", "started_at": "2026-03-08T07:30:00Z",'
        ' "acknowledged_by": "jane.doe@acme.com", "resolved_by": "jane.doe@acme.com"}},'
        '{"id": "2", "attributes": {"name": "api", "started_at": "2026-03-08T08:10:00Z",'
        ' "acknowledged_by": null, "resolved_by": "Automatically"}},'
        '{"id": "3", "attributes": {"name": "api", "started_at": "2026-03-08T09:10:00Z",'
        ' "resolved_by": "auto-resolved"}},'
        '{"id": "4", "attributes": {"name": "api", "started_at": "2026-03-08T10:10:00Z",'
        ' "resolved_by": "System"}},'
        '{"id": "5", "attributes": {"name": "api", "started_at": "2026-03-08T11:10:00Z",'
        ' "resolved_by": "Jose Mueller"}}'
        "]}"
    )
    done = app.oncall.ingest_pages(str(path), "jsonl", source="betterstack")
    assert (done.pages, done.rejected) == (5, 0)
    assert app.store.query("SELECT responder FROM pages ORDER BY source_id") == [
        ("jane.doe@acme.com",),
        (None,),
        (None,),
        (None,),
        ("Jose Mueller",),
    ]
    on_call = [("2", "raj"), ("3", "raj"), ("4", "raj")]
    assert responders(app) == [("1", "jane"), *on_call, ("5", "jose")]


def test_email_logins_without_accents_are_the_person(app: App, tmp_path: Path) -> None:
    path = tmp_path / "pages.csv"
    path.write_text(
        "id,title,created_at,acknowledged_by\n"
        "X1,Test,2026-03-10T10:00:00Z,jose.mueller@acme.com\n"
        "X2,Test,2026-03-10T11:00:00Z,jose.muller@acme.com\n"
        "X3,Test,2026-03-10T12:00:00Z,Jose Muller\n"
        "X4,Test,2026-03-10T13:00:00Z,jane.doe@acme.com\n"
        "X5,Test,2026-03-10T14:00:00Z,jmueller@acme.com\n"
    )
    assert app.oncall.ingest_pages(str(path), "csv").pages == 5
    # jmueller is no spelling of a name (nor an alias here): it stays as written.
    assert responders(app) == [
        ("X1", "jose"),
        ("X2", "jose"),
        ("X3", "jose"),
        ("X4", "jane"),
        ("X5", "jmueller@acme.com"),
    ]


def people(**names: str) -> People:
    return People({key: Person(name=name) for key, name in names.items()}, "UTC")


def test_people_find_names_last_name_first_either_way() -> None:
    known = people(jose="Müller, José", jane="Jane Doe")
    assert known.find("José Müller") == "jose"  # basics.yaml writes it last name first
    assert known.find("müller,josé") == "jose"
    assert known.find("Doe, Jane") == "jane"  # the export does
    assert known.find("jane.doe@acme.com") == "jane"
    assert known.find("jose.mueller@acme.com") == "jose"
    assert known.find("Doe, John") is None
    # A list of logins whose first is a person.
    assert People({"alice": Person(), "bob": Person()}, "UTC").find("alice, bob") == "alice"


def test_an_accentless_spelling_two_names_give_is_no_one_s() -> None:
    # Both names spell "jose muller" without accents: that spelling names neither.
    known = people(jose="José Müller", other="Josè Mullèr")
    assert known.find("jose.muller@acme.com") is None
    assert known.find("jose.mueller@acme.com") == "jose"  # ü as ue: only José Müller's
    # A name written so exactly is that person's; a login spelling it spells the accented
    # name too, so it is neither's (docs/oncall.md, Outcomes): an alias would say whose.
    exact = people(jose="José Müller", jo="Jose Muller")
    assert exact.find("Jose Muller") == "jo"
    assert exact.find("jose.muller@acme.com") is None
    assert exact.find("jose_muller") is None
    assert exact.find("jose.mueller@acme.com") == "jose"
    assert people(dora="Dörte Groß").find("doerte.gross@acme.com") == "dora"


TWO_JOSES = """
timezone: UTC
people:
  jose: {name: José Müller}
  jose2: {name: Jose Muller}
  jo: {name: Jo Muller, aliases: [jo.muller@acme.com]}
"""


def test_an_email_spelling_two_people_s_names_is_neither_s(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(TWO_JOSES)
    app = App(parse_config(TWO_JOSES, tmp_path / "basics.yaml"))
    path = tmp_path / "pages.csv"
    path.write_text(
        "id,alert,created_at,responder\n"
        "1,x,2026-03-01T00:00:00Z,jose.muller@acme.com\n"
        "2,x,2026-03-01T01:00:00Z,Jose Muller\n"
        "3,x,2026-03-01T02:00:00Z,jose.mueller@acme.com\n"
        "4,x,2026-03-01T03:00:00Z,jo.muller@acme.com\n"
    )

    assert app.oncall.ingest_pages(str(path), "csv").pages == 4

    # 1 spells Jose Muller's name and José Müller's without accents: it stays as written.
    assert responders(app) == [
        ("1", "jose.muller@acme.com"),
        ("2", "jose2"),
        ("3", "jose"),
        ("4", "jo"),
    ]
