"""Which shift a page counts for, through a real store: the lowest escalation level covering
a page nobody named (PagerDuty's `/oncalls` lists the secondary too), and one shift per page
however many rotations its responder is on. Every expected number is counted by hand in the
comments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from basics.app import App
from basics.config.loader import parse_config
from basics.ingest.batches import undo_batch
from basics.oncall.report import OncallReport
from basics.store.migrations import MIGRATIONS

PEOPLE = """
people:
  jose: {timezone: Europe/Berlin, name: "José Müller", aliases: [PJOSE01]}
  jane: {timezone: America/New_York, name: "Jane Doe", aliases: [PJANE02]}
  raj: {timezone: Asia/Kolkata, name: "Raj Patel", aliases: [PRAJ03]}
teams:
  payments: {members: [jose, jane]}
  platform: {members: [raj, jane]}
"""


def make_app(tmp_path: Path, config: str) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(config)
    return App(parse_config(config, path))


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / name)


def loads(report: OncallReport) -> list[tuple[str, str, str, int]]:
    """(person, rotation, start, pages) of every shift with pages."""
    return [
        (s.person, s.rotation, f"{s.start:%m-%d %H:%M}", s.pages) for s in report.shifts if s.pages
    ]


# --- the lowest escalation level ----------------------------------------------------------


def oncall(user: str, level: int, schedule: str | None, start: str, end: str) -> dict[str, object]:
    return {
        "escalation_policy": {"id": "PEP1", "summary": "Payments EP"},
        "escalation_level": level,
        "schedule": {"id": "S", "summary": schedule} if schedule else None,
        "user": {"id": user, "summary": user},
        "start": start,
        "end": end,
    }


# As PagerDuty's /oncalls answers: both levels, the secondary's shift starting with the
# first primary's (and "Payments EP (level 2)" sorts before "Payments Primary (level 1)").
ONCALLS = {
    "oncalls": [
        oncall("José Müller", 1, "Payments Primary", "2026-03-23T09:00:00+01:00",
               "2026-03-30T09:00:00+02:00"),
        oncall("Jane Doe", 1, "Payments Primary", "2026-03-30T09:00:00+02:00",
               "2026-04-06T09:00:00+02:00"),
        oncall("Raj Patel", 2, None, "2026-03-23T09:00:00+01:00", "2026-04-06T09:00:00+02:00"),
    ]
}  # fmt: skip


def incident(number: int, created: str, **more: object) -> dict[str, object]:
    return {
        "id": f"Q{number}",
        "title": "Checkout 5xx",
        "created_at": created,
        "status": "triggered",
        "service": {"summary": "Checkout API"},
    } | more


INCIDENTS = {
    "incidents": [
        incident(1, "2026-03-23T10:00:00Z"),  # jose's week: jose (raj is level 2)
        incident(2, "2026-03-26T06:59:00Z"),  # jose
        # Named by its acknowledgement alone, as the CSV export's "Acknowledged By" is.
        incident(3, "2026-03-27T17:30:00Z", acknowledgements=[
            {"at": "2026-03-27T17:31:00Z", "acknowledger": {"summary": "Jane Doe"}}
        ]),
        incident(4, "2026-04-01T02:30:00Z"),  # jane's week: jane
        incident(5, "2026-04-06T08:00:00Z"),  # after every shift: nobody
    ]
}  # fmt: skip

LEVELS_CONFIG = (
    """
timezone: UTC
services:
  checkout: {owner: payments, aliases: ["Checkout API"]}
"""
    + PEOPLE
)


def test_a_page_nobody_named_goes_to_the_lowest_escalation_level(tmp_path: Path) -> None:
    app = make_app(tmp_path, LEVELS_CONFIG)
    oncalls = write(tmp_path, "oncalls.json", json.dumps(ONCALLS))
    count, rejects, _, *_ = app.oncall.ingest_shifts(oncalls)
    assert (count, rejects) == (3, [])
    stored = app.store.query("SELECT person, escalation_level FROM shifts ORDER BY person")
    assert stored == [("jane", 1), ("jose", 1), ("raj", 2)]
    path = write(tmp_path, "incidents.json", json.dumps(INCIDENTS))
    assert app.oncall.ingest_pages(path, "pagerduty-json").pages == 5

    listed = app.oncall.with_responders(app.oncall.pages())
    assert [p.responder for p in listed] == ["jose", "jose", "jane", "jane", None]
    report = app.oncall.report(dt.datetime(2026, 3, 23), dt.datetime(2026, 4, 7))
    # jose: Q1, Q2; jane: Q3 on no shift of hers (jose's week), Q4 on hers; raj: none.
    assert loads(report) == [
        ("jose", "Payments Primary (level 1)", "03-23 08:00", 2),
        ("jane", "Payments Primary (level 1)", "03-30 07:00", 1),
    ]
    assert [(s.person, s.pages) for s in report.shifts if s.person == "raj"] == [("raj", 0)]
    # Q3 (jane off shift) and Q5 (nobody on call) are on no shift: 2 + 1 + 2 = 5 pages.
    assert (report.pages, report.pages_off_shift) == (5, 2)
    assert report.concentration.unassigned == 1


def test_undoing_the_shifts_import_takes_the_levels_with_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, LEVELS_CONFIG)
    app.oncall.ingest_shifts(write(tmp_path, "oncalls.json", json.dumps(ONCALLS)))
    batch = int(app.store.scalar("SELECT max(id) FROM batches"))
    done = undo_batch(app.store, app.config, batch)
    assert done.shifts == 3
    assert app.store.scalar("SELECT count(*) FROM shifts") == 0
    app.oncall.ingest_shifts(write(tmp_path, "oncalls (1).json", json.dumps(ONCALLS)))
    assert app.store.query("SELECT DISTINCT escalation_level FROM shifts ORDER BY 1") == [
        (1,),
        (2,),
    ]


def test_a_store_from_before_levels_reads_them_from_the_rotation_name(tmp_path: Path) -> None:
    """Store migration 16: shifts imported before keep their level, read from "(level N)"."""
    path = tmp_path / "basics.duckdb"
    db = duckdb.connect(str(path))
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, sql in MIGRATIONS:
        if version <= 15:
            db.execute(sql)
            db.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
    db.execute(
        "INSERT INTO shifts VALUES ('raj', 'Payments EP (level 2)', '2026-03-23 08:00', "
        "'2026-04-06 07:00', 1), ('jose', 'Payments Primary (level 1)', '2026-03-23 08:00', "
        "'2026-03-30 07:00', 1), ('ann', 'ops (level one)', '2026-03-23 08:00', "
        "'2026-03-30 07:00', 1)"
    )
    db.close()
    app = make_app(tmp_path, LEVELS_CONFIG + "store: basics.duckdb\n")
    shifts = app.oncall.shifts(dt.datetime(2026, 3, 23), dt.datetime(2026, 3, 24))
    assert {(s.person, s.level) for s in shifts} == {("raj", 2), ("jose", 1), ("ann", None)}


# --- one shift per page -------------------------------------------------------------------

# payments-primary, weekly from Monday 2 March 09:00 UTC: jose, jane, jose, jane (23 March
# to 30 March), ...; platform-primary, daily at 09:00 from 2 March: raj on even days from
# it (22, 24, 26, 28 March), jane on odd ones (23, 25, 27, 29 March).
ROTATIONS_CONFIG = (
    """
timezone: UTC
services:
  checkout: {owner: payments, oncall: payments-primary}
  search: {owner: platform}
rotations:
  payments-primary:
    {team: payments, handover: monday 09:00, start: 2026-03-02, people: [jose, jane]}
  platform-primary:
    {team: platform, every: daily, handover: "09:00", start: 2026-03-02, people: [raj, jane]}
"""
    + PEOPLE
)
PAGES_CSV = """id,title,service,created_at,responder
P1,Checkout 5xx,checkout,2026-03-23T12:00:00Z,jane
P2,Checkout 5xx,checkout,2026-03-25T03:00:00Z,jane
P3,Search slow,search,2026-03-25T12:00:00Z,jane
P4,Search slow,search,2026-03-26T12:00:00Z,jane
P5,Billing down,billing,2026-03-27T12:00:00Z,raj
P6,Checkout 5xx,checkout,2026-03-28T12:00:00Z,
P7,Search slow,search,2026-03-28T12:00:00Z,
P8,Cron failed,,2026-03-29T12:00:00Z,
P9,Checkout 5xx,checkout,2026-03-29T12:00:00Z,raj
"""
# P1 checkout, jane: her payments shift (her platform shift of the 23rd covers it too).
# P2 checkout at 03:00, jane: her payments shift (raj has platform that night).
# P3 search (platform-primary's), jane: her platform shift of the 25th.
# P4 search, jane, while raj has platform: her shift covering it, payments.
# P5 billing (no rotation), raj: no shift of raj's covers it (jane's platform day).
# P6 checkout, nobody named: payments' jane, on her payments shift.
# P7 search, nobody named: platform's raj (the 28th), on that shift.
# P8 no service, nobody named: the first shift by start covering it (payments' jane).
# P9 checkout, raj: raj holds no shift then.
PAYMENTS_JANE = ("jane", "payments-primary", "03-23 09:00", 5)  # P1 P2 P4 P6 P8
PLATFORM_JANE = ("jane", "platform-primary", "03-25 09:00", 1)  # P3
PLATFORM_RAJ = ("raj", "platform-primary", "03-28 09:00", 1)  # P7


def rotations_app(tmp_path: Path) -> App:
    app = make_app(tmp_path, ROTATIONS_CONFIG)
    path = write(tmp_path, "pages.csv", PAGES_CSV)
    assert app.oncall.ingest_pages(path, "csv", source="pager").pages == 9
    return app


def test_a_page_counts_for_one_shift_of_its_rotation(tmp_path: Path) -> None:
    app = rotations_app(tmp_path)
    report = app.oncall.report(dt.datetime(2026, 3, 23), dt.datetime(2026, 3, 30))
    assert loads(report) == [PAYMENTS_JANE, PLATFORM_JANE, PLATFORM_RAJ]
    # P5 and P9: 5 + 1 + 1 + 2 = the 9 pages.
    assert (report.pages, report.pages_off_shift) == (9, 2)
    assert sum(s.pages for s in report.shifts) + report.pages_off_shift == report.pages
    # The week's shifts (those starting in W13) count the same pages once each.
    (week,) = report.weeks
    assert sum(s.pages for s in week.shifts) == 7


def test_a_teams_shifts_leave_out_the_pages_of_another_rotation(tmp_path: Path) -> None:
    app = rotations_app(tmp_path)
    start, end = dt.datetime(2026, 3, 23), dt.datetime(2026, 3, 30)
    platform = app.oncall.report(start, end, team="platform")
    # Pages answered by raj or jane: all 9; on platform shifts only P3 and P7.
    assert loads(platform) == [PLATFORM_JANE, PLATFORM_RAJ]
    assert (platform.pages, platform.pages_off_shift) == (9, 7)
    payments = app.oncall.report(start, end, team="payments")
    # Answered by jose or jane: P1-P4, P6, P8; P3 is on a platform shift.
    assert loads(payments) == [PAYMENTS_JANE]
    assert (payments.pages, payments.pages_off_shift) == (6, 1)
