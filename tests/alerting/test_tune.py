"""`alerts tune` over a real store, its false firings rated as the scorecard rates them.

`www` has four events a minute (one every 15 s) from 2026-03-01 to 2026-03-09, eight days,
and three episodes in which every event fails:

* F1 2026-03-03 10:00–10:05 and F2 2026-03-05 10:00–10:05: nobody filed an incident;
* O  2026-03-07 12:00–12:30, filed as an incident.

The tier 1h/5m at 14.4 (the Workbook's page) fires on each: 20 bad events of the 240 an hour
holds are 8.3 % > 14.4 × 0.1 %, and the 5 minutes hold nothing else. So two false firings
over eight days of events: 2 / (8 / 30) = 7.5 a month. Over [03-05, 03-09) only F2,
one, in four days: under a week, counted and not rated (a rate would say 7.5 a month again).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.alerting.incidents import add_incident
from basics.alerting.judge import MONTH_DAYS, false_per_month, within_allowance
from basics.alerting.models import Tuning, TuningRow
from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config

START, END = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 9)
FALSE = [dt.datetime(2026, 3, 3, 10), dt.datetime(2026, 3, 5, 10)]
OUTAGE = (dt.datetime(2026, 3, 7, 12), dt.datetime(2026, 3, 7, 12, 30))
CONFIG = """\
timezone: UTC
store: basics.duckdb
sources:
  api: {format: jsonl, service: www}
services:
  www:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500}
"""


def failing(ts: dt.datetime) -> bool:
    return any(f <= ts < f + dt.timedelta(minutes=5) for f in FALSE) or (
        OUTAGE[0] <= ts < OUTAGE[1]
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("tune")
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    lines = []
    ts = START
    while ts < END:
        status = 503 if failing(ts) else 200
        lines.append(json.dumps({"ts": ts.isoformat() + "Z", "status": status}) + "\n")
        ts += dt.timedelta(seconds=15)
    (root / "events.jsonl").write_text("".join(lines), encoding="utf-8")
    application = App(parse_config(CONFIG, root / "basics.yaml"))
    assert application.ingest_events("api", str(root / "events.jsonl")).accepted == 8 * 1440 * 4
    add_incident(application.store, ["www"], *OUTAGE, "checkout outage")
    yield application
    application.close()


def row(tuning: Tuning, tier: str, factor: float) -> TuningRow:
    return next(r for r in tuning.candidates if r.tier == tier and r.factor == factor)


def test_false_firings_are_rated_a_month_over_the_days_with_events(app: App) -> None:
    tuning = app.alerting.tune("www/availability", START, END, 1)
    page = row(tuning, "1h/5m", 14.4)
    assert (page.firings, page.false_firings, page.recall) == (3, 2, 1.0)
    assert tuning.event_days == 8
    assert page.false_per_month == pytest.approx(7.5, rel=1e-12)
    # A range reaching back before the first event: the same eight days of events, the same
    # rate (over the range's 16 days it would look half as noisy).
    earlier = app.alerting.tune("www/availability", START - dt.timedelta(days=8), END, 1)
    assert earlier.event_days == 8
    assert row(earlier, "1h/5m", 14.4).false_per_month == page.false_per_month
    # The best detects the outage with no false firing: within any allowance.
    assert tuning.best is not None
    assert (tuning.best.recall, tuning.best.false_firings) == (1.0, 0)


def test_under_a_week_of_events_false_firings_are_counted_not_rated(app: App) -> None:
    start = dt.datetime(2026, 3, 5)
    tuning = app.alerting.tune("www/availability", start, END, 1)
    assert tuning.event_days == 4
    page = row(tuning, "1h/5m", 14.4)
    assert (page.false_firings, page.false_per_month) == (1, None)
    assert all(r.false_per_month is None for r in tuning.candidates)
    # One false firing in four days keeps to one a month; it would not when rated.
    assert within_allowance(1, 4, 1) and not within_allowance(1, 8, 1)
    assert MONTH_DAYS == 30 and false_per_month(1, 7) == pytest.approx(30 / 7)


def test_the_table_says_whether_false_firings_were_rated(app: App) -> None:
    config = Path(app.config.store_path).parent / "basics.yaml"
    base = ["--config", str(config), "alerts", "tune", "www/availability", "--to", "2026-03-09",
            "--top", "100"]  # fmt: skip
    runner = CliRunner()
    app.store.release()
    try:
        rated = runner.invoke(cli, [*base, "--from", "2026-03-01"], env={"COLUMNS": "200"})
        short = runner.invoke(cli, [*base, "--from", "2026-03-05"], env={"COLUMNS": "200"})
        as_json = runner.invoke(cli, [*base, "--from", "2026-03-05", "--json"])
    finally:
        app.store.reacquire()
    assert rated.exit_code == 0, rated.output
    said = " ".join(rated.stdout.split())
    assert "false/month: over the 8.0 days with events." in said
    assert "| 7.50 |" in said.replace("│", "|")
    assert short.exit_code == 0, short.output
    assert "not rated over 4.0 days of events (under a week)" in " ".join(short.stdout.split())
    found = json.loads(as_json.stdout)
    assert found["event_days"] == 4
    assert {r["false_per_month"] for r in found["candidates"]} == {None}


APRIL_8 = dt.datetime(2026, 4, 8)


def test_a_range_reaching_past_the_data_is_rated_over_its_days_with_events(app: App) -> None:
    """The same eight days of events in a range ending a month after them (38 days): still
    2 false firings × 30 / 8 days = 7.5 a month, not 2 × 30 / 38 = 1.58 (what the range's
    end made of it), whatever --to is."""
    tuning = app.alerting.tune("www/availability", START, APRIL_8, 1)
    assert tuning.event_days == 8
    page = row(tuning, "1h/5m", 14.4)
    assert (page.false_firings, page.false_per_month) == (2, pytest.approx(7.5, rel=1e-12))


def test_replay_rates_firings_a_week_over_the_same_days(app: App) -> None:
    """`single-1h` (1 h burn above 36: more than 8.64 bad of the hour's 240) fires once on
    each episode, from its third failing minute (12 bad): 3 firings, F1 and F2 false. Over
    8 days of events that is 3 / (8 / 7) = 2.625 a week, to 2026-03-09 or to 2026-04-08."""
    for end in (APRIL_8, END):
        replay = app.alerting.replay("www/availability", START, end, "single-1h")
        assert [f.start for f in replay.firings] == [
            FALSE[0] + dt.timedelta(minutes=3),
            FALSE[1] + dt.timedelta(minutes=3),
            OUTAGE[0] + dt.timedelta(minutes=3),
        ]
        assert replay.false_firings == 2
        assert replay.firings_per_week == pytest.approx(2.625, rel=1e-12)
        assert replay.event_days == 8


def test_the_caption_counts_the_days_with_events_not_the_range(app: App) -> None:
    """To 2026-04-08 the caption says 8.0 days of events (it said 38.0), and the Workbook's
    page tier 7.50 false firings a month (2 × 30 / 8)."""
    config = Path(app.config.store_path).parent / "basics.yaml"
    args = ["--config", str(config), "alerts", "tune", "www/availability", "--from",
            "2026-03-01", "--to", "2026-04-08", "--top", "100"]  # fmt: skip
    app.store.release()
    try:
        done = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    finally:
        app.store.reacquire()
    assert done.exit_code == 0, done.output
    said = " ".join(done.stdout.split())
    assert "false/month: over the 8.0 days with events." in said
    assert "| 7.50 |" in said.replace("│", "|")


@pytest.mark.parametrize("allowed", ["nan", "inf", "-1"])
def test_an_allowance_that_is_not_a_number_of_firings_is_refused(app: App, allowed: str) -> None:
    """`--max-false-per-month nan` printed `"max_false_per_month": NaN`, which no JSON reader
    takes, and "within nan false firings a month"; -1 ranked every candidate as over it."""
    config = Path(app.config.store_path).parent / "basics.yaml"
    args = ["--config", str(config), "alerts", "tune", "www/availability", "--to", "2026-03-09",
            "--max-false-per-month", allowed, "--json"]  # fmt: skip
    app.store.release()
    try:
        done = CliRunner().invoke(cli, args)
    finally:
        app.store.reacquire()
    assert done.exit_code == 1
    assert done.stdout == ""
    assert "the false firings allowed a month must be a number, 0 or more" in done.stderr
