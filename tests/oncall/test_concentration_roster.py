"""Concentration of the pager over those who carry it, through a real store: the people
of basics.yaml's rotations and of the range's shifts, never someone declared who is on
call nowhere (who would count as a zero and make even load look concentrated)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
people: {alice: {}, bob: {}, carol: {}, dan: {}, erin: {}, raj: {}}
rotations:
  primary: {every: daily, handover: "09:00", start: 2026-03-02, people: [alice, bob, carol]}
"""


def test_the_gini_is_over_the_rotation_and_the_shifts_of_the_range(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    shifts = tmp_path / "secondary.csv"
    shifts.write_text(
        "person,start,end\n"
        "dan,2026-03-10T09:00:00Z,2026-03-11T09:00:00Z\n"  # in the second week
        "erin,2026-04-03T09:00:00Z,2026-04-04T09:00:00Z\n"  # after both
    )
    assert app.oncall.ingest_shifts(str(shifts), "csv").stored == 2
    pages = tmp_path / "pages.csv"
    rows = [
        f"{who}{i},x,2026-03-0{day}T1{i}:00:00Z,{who}"
        for who, day, count in (("alice", 2, 8), ("bob", 3, 7), ("carol", 4, 7))
        for i in range(count)
    ]
    pages.write_text("id,alert,created_at,responder\n" + "\n".join(rows) + "\n")
    assert app.oncall.ingest_pages(str(pages), "csv").pages == 22

    week = app.oncall.report(dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 9))
    two_weeks = app.oncall.report(dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 16))

    # raj is declared but on no rotation and no shift, erin on none in either range.
    loads = {p.person: p.pages for p in week.concentration.people}
    assert loads == {"alice": 8, "bob": 7, "carol": 7}
    # [7, 7, 8]: Σ (2i − n − 1) x₍ᵢ₎ / (n Σ x) = (−14 + 0 + 16) / (3 · 22)
    assert week.concentration.gini == pytest.approx(2 / 66)
    # dan is on a shift of the second week, with no page: a zero of the pager's load.
    loads = {p.person: p.pages for p in two_weeks.concentration.people}
    assert loads == {"alice": 8, "bob": 7, "carol": 7, "dan": 0}
    assert two_weeks.concentration.gini == pytest.approx(24 / 88)  # (−7 + 7 + 24) / (4 · 22)
    app.close()
