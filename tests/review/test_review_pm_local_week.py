"""West of UTC, a post-mortem of a Sunday evening is that Sunday's week, not the next one's
(in California, 19:00 on Sunday is already Monday in UTC); the scorecard kept that evening
is that week's, and an item due that Sunday is not yet overdue. Real files, real store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: America/Los_Angeles
store: basics.duckdb
services:
  payments: {owner: ana}
  checkout: {owner: ana}
people:
  ana: {timezone: America/Los_Angeles}
"""
POSTMORTEMS = {
    # Sunday 2026-02-22 19:00 PST (Monday 03:00 UTC): W08's.
    "sunday-before.md": "---\nid: PM-TZ-2\ntitle: Payments errors the Sunday before\n"
    "services: [payments]\nstarted: 2026-02-22T19:00:00-08:00\n"
    "resolved: 2026-02-22T20:00:00-08:00\n---\n# Payments\n",
    # Sunday 2026-03-01 20:00 PST (Monday 04:00 UTC): W09's.
    "sunday-evening.md": "---\nid: PM-TZ-1\ntitle: Checkout errors Sunday evening\n"
    "services: [checkout]\nstarted: 2026-03-01T20:00:00-08:00\n"
    "resolved: 2026-03-01T21:00:00-08:00\naction_items:\n"
    "  - {title: Add retry budget, owner: ana, status: open, due: 2026-03-01}\n---\n# Checkout\n",
}


def make_app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "postmortems").mkdir()
    for name, text in POSTMORTEMS.items():
        (tmp_path / "postmortems" / name).write_text(text)
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


def test_a_sunday_evening_post_mortem_is_that_sundays_week(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    later = dt.datetime(2026, 3, 20)
    new = {w: app.review.review(w, later).changes.new_postmortems for w in
           ("2026-W08", "2026-W09", "2026-W10")}  # fmt: skip
    assert new == {
        "2026-W08": ["PM-TZ-2: Payments errors the Sunday before"],
        "2026-W09": ["PM-TZ-1: Checkout errors Sunday evening"],
        "2026-W10": [],
    }
    assert app.review.review("2026-W09", later).changes.actions_opened == 1


def test_the_scorecard_of_a_sunday_evening_is_kept_under_that_sunday(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    sunday_evening = dt.datetime(2026, 3, 2, 4, 30)  # 20:30 PST on Sunday 2026-03-01
    report = app.catalog.check(sunday_evening, ["checkout"])
    (card,) = report.services
    (actions,) = [c for c in card.checks if c.check == "postmortems.actions"]
    assert actions.measured.startswith("1 open: 0 overdue")  # due today, not yesterday
    assert app.catalog.week_verdicts("2026-W09", ["checkout"]) == {"checkout": card.verdict}
    assert app.catalog.week_verdicts("2026-W10", ["checkout"]) == {"checkout": None}
    monday_morning = dt.datetime(2026, 3, 2, 17)  # 09:00 PST on Monday
    (card,) = app.catalog.check(monday_morning, ["checkout"]).services
    (actions,) = [c for c in card.checks if c.check == "postmortems.actions"]
    assert actions.measured.startswith("1 open: 1 overdue")
