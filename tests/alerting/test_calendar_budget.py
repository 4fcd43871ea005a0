"""A calendar-month SLO's replay: the budget spent before a firing is measured against a
month's length of budget ending then, not the month so far (on the 1st that holds next to
no budget: a firing showed 3,286 % of it spent). One event a minute, counted by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
store: basics.duckdb
sources:
  api: {format: jsonl, service: api}
services:
  api:
    slos:
      availability: {objective: 99, window: month, good: status < 500}
"""
FIRST = dt.datetime(2026, 11, 1)
OUTAGE = dt.datetime(2026, 12, 1)  # every request fails from midnight for ten minutes
STOP = dt.datetime(2026, 12, 1, 6)


def test_a_firing_on_the_first_spends_a_share_of_a_months_budget(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    minutes = int((STOP - FIRST).total_seconds() // 60)
    lines = []
    for n in range(minutes):
        at = FIRST + dt.timedelta(minutes=n, seconds=30)
        bad = OUTAGE <= at < OUTAGE + dt.timedelta(minutes=10)
        lines.append(json.dumps({"ts": at.isoformat() + "Z", "status": 500 if bad else 200}))
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert app.ingest_events("api", str(tmp_path / "events.jsonl")).accepted == minutes

    replay = app.alerting.replay("api/availability", dt.datetime(2026, 11, 25), STOP)

    first = min(replay.firings, key=lambda f: (f.start, f.tier))
    assert OUTAGE < first.start <= OUTAGE + dt.timedelta(minutes=10)
    long_s = {"1h": 3600, "6h": 21600, "3d": 259200}[first.long_window]
    since = first.start - dt.timedelta(seconds=long_s)
    # Bad events in [since, fired): the outage's minutes before the firing.
    spent = sum(
        1 for n in range(10) if since <= OUTAGE + dt.timedelta(minutes=n, seconds=30) < first.start
    )
    # December is 31 days long: its budget's window reaches back before November 1, so it
    # holds every event from then to the firing, one a minute.
    total = int((first.start - FIRST).total_seconds() // 60)
    assert first.budget_spent_before_detection == spent / (0.01 * total)
    assert 0 < first.budget_spent_before_detection < 0.03
