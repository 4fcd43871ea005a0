"""Shifts imported from a pager, of a rotation basics.yaml does not declare: they are the
rotation of the team whose members are on them, in `oncall report --team` and in the
scorecard (they led nowhere: "team core has no rotation", "no shift in the last 30d")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
people:
  ann: {timezone: UTC}
  ben: {timezone: UTC}
teams:
  core: {members: [ann, ben]}
services:
  api: {owner: core}
"""
AT = dt.datetime(2026, 3, 8)


def imported(tmp_path: Path) -> App:
    """Weekly shifts of "Core (PagerDuty)" from 2 February to 9 March, ann and ben in turn,
    and two pages answered by ann in her week from 16 February."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    monday = dt.datetime(2026, 2, 2, 9)
    rows = ["person,rotation,start,end"]
    for week in range(5):
        start, end = monday + dt.timedelta(weeks=week), monday + dt.timedelta(weeks=week + 1)
        rows.append(f"{'ann' if week % 2 == 0 else 'ben'},Core (PagerDuty),{start:%Y-%m-%dT%H:%MZ},"
                    f"{end:%Y-%m-%dT%H:%MZ}")  # fmt: skip
    (tmp_path / "shifts.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "pages.csv").write_text(
        "id,created_at,resolved_at,alert,service,responder\n"
        "P1,2026-02-17T10:00:00Z,2026-02-17T10:20:00Z,HighErrors,api,ann\n"
        "P2,2026-02-18T11:00:00Z,2026-02-18T11:10:00Z,HighErrors,api,ann\n"
    )
    count, rejects, *_ = app.oncall.ingest_shifts(str(tmp_path / "shifts.csv"), "csv")
    assert (count, rejects) == (5, [])
    assert app.oncall.ingest_pages(str(tmp_path / "pages.csv"), "csv").pages == 2
    return app


def test_a_team_report_counts_the_shifts_of_its_members(tmp_path: Path) -> None:
    app = imported(tmp_path)
    report = app.oncall.report(dt.datetime(2026, 2, 2), dt.datetime(2026, 3, 9), team="core")
    # Five weeks of shifts, the last ending 9 March 09:00 (after the range: still its own).
    assert len(report.shifts) == 5
    assert report.pages == 2 and report.pages_off_shift == 0


def test_the_scorecard_finds_the_imported_rotation(tmp_path: Path) -> None:
    app = imported(tmp_path)
    [card] = app.catalog.check(AT, keep=False).services
    checks = {c.check: c for c in card.checks}
    assert (checks["oncall.rotation"].verdict, checks["oncall.rotation"].measured) == (
        "pass", "rotation Core (PagerDuty): 2 people"
    )  # fmt: skip
    assert "no shift" not in checks["oncall.load"].measured


def test_a_rotation_shared_with_another_team_counts_all_its_people(tmp_path: Path) -> None:
    """zoe, of no team here, takes a day of the rotation ann and ben (core) are on: it has
    three people, not only core's two (a rotation shared with another team said "1 people"
    where one member of the team was on it)."""
    app = imported(tmp_path)
    rows = "person,rotation,start,end\nzoe,Core (PagerDuty),2026-03-02T09:00Z,2026-03-03T09:00Z\n"
    (tmp_path / "more.csv").write_text(rows)
    app.oncall.ingest_shifts(str(tmp_path / "more.csv"), "csv")
    [card] = app.catalog.check(AT, keep=False).services
    checks = {c.check: c for c in card.checks}
    assert checks["oncall.rotation"].measured == "rotation Core (PagerDuty): 3 people"
