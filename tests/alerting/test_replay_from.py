"""A tier already firing at `--from` is reported from when it began, not from `--from` + 1 min.

`www` has ten events a minute (one every 6 s) on 2026-03-04 from 08:00 to 11:00, every
other one failing 10:00–10:10 (5 bad a minute); incident 1 is 10:00–10:15. The SLO is
99.9 % over 30 days under the Workbook policy (grace 15m). By hand, from the rule "fires at
the end of a minute when bad × q > p × total over both windows ending with it":

* 3d/6h (factor 1, bad × 1000 > total): at 10:01 both windows hold 08:00–10:00, 1210
  events with 5 bad: 5000 > 1210, so it fires at 10:01; at 11:00, 50 bad of 1800 still do.
* 1h/5m (14.4, bad × 1250 > 18 × total): at 10:01 the hour holds 5 bad of 600 (6250 ≤
  10,800); at 10:02 10 bad (12,500 > 10,800) and the 5 minutes 10 of 50: fires at 10:02.
  At 10:15 the 5 minutes [10:10, 10:15) hold no bad event: it resets.
* 6h/30m (6, bad × 500 > 3 × total): at 10:01 5 bad of 1210 (2500 ≤ 3630); at 10:02 10
  of 1220 (5000 > 3660), the 30 minutes 10 of 300: fires at 10:02; resets at 10:40, the
  first end of a 30-minute window after the last bad minute (10:09).

Each caught the incident; the first, at 10:01, detected it 60 s after it began. The budget
spent before detection is counted from the incident's start: 5 bad by 10:01, of a 30-day
window then holding 1210 events (1.21 allowed); 10 by 10:02, of 1220 (1.22 allowed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.alerting.incidents import add_incident
from basics.alerting.models import Replay
from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config

DAY = dt.datetime(2026, 3, 4)
CONFIG = """\
timezone: UTC
store: basics.duckdb
sources:
  api: {format: jsonl, service: www}
services:
  www:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500}
alerting:
  grace: 15m
"""


def at(hour: int, minute: int) -> dt.datetime:
    return DAY.replace(hour=hour, minute=minute)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replay-from")
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    lines = []
    for i in range(3 * 60 * 10):
        ts = at(8, 0) + dt.timedelta(seconds=6 * i)
        failing = at(10, 0) <= ts < at(10, 10) and i % 2 == 0
        lines.append(json.dumps({"ts": ts.isoformat() + "Z", "status": 503 if failing else 200}))
    (root / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = App(parse_config(CONFIG, root / "basics.yaml"))
    assert app.ingest_events("api", str(root / "events.jsonl")).accepted == 1800
    add_incident(app.store, ["www"], at(10, 0), at(10, 15), "checkout 503s")
    app.close()
    return root


@pytest.fixture
def app(folder: Path) -> Iterator[App]:
    application = App(parse_config(CONFIG, folder / "basics.yaml"))
    yield application
    application.close()


def firings(replay: Replay) -> list[tuple[str, dt.datetime, dt.datetime | None, int | None]]:
    return [(f.tier, f.start, f.reset, f.incident) for f in replay.firings]


def test_a_replay_from_before_the_outage_sees_each_tier_fire(app: App) -> None:
    replay = app.alerting.replay("www/availability", at(8, 0), at(11, 0))
    assert firings(replay) == [
        ("3d/6h", at(10, 1), None, 1),
        ("1h/5m", at(10, 2), at(10, 15), 1),
        ("6h/30m", at(10, 2), at(10, 40), 1),
    ]
    assert not any(f.already_firing for f in replay.firings)
    assert replay.detection_delay_s.per_incident == {1: 60.0}


def test_tiers_firing_at_from_are_reported_from_when_they_began(app: App) -> None:
    """From 10:05 every tier is already firing (as `alerts evaluate --at 10:05` shows): each
    is listed from when it began, marked so, and judged as the replay from 08:00 judges it.
    Before, all three started at 10:06, with a delay of 360 s and the 30 bad events of
    [10:00, 10:06) counted as spent before detection (30 / 1.26 = 23.8 budgets)."""
    replay = app.alerting.replay("www/availability", at(10, 5), at(11, 0))
    assert firings(replay) == [
        ("3d/6h", at(10, 1), None, 1),
        ("1h/5m", at(10, 2), at(10, 15), 1),
        ("6h/30m", at(10, 2), at(10, 40), 1),
    ]
    assert all(f.already_firing for f in replay.firings)
    assert [f.budget_spent_before_detection for f in replay.firings] == [
        pytest.approx(5 / 1.21),
        pytest.approx(10 / 1.22),
        pytest.approx(10 / 1.22),
    ]
    assert replay.detection_delay_s.per_incident == {1: 60.0}
    assert (replay.precision, replay.recall, replay.false_firings) == (1.0, 1.0, 0)
    # The peak of the hour is the same whichever part of the firing the range holds: 50 bad
    # of 600 events, a burn of 83.3 (10:10 to 10:14).
    assert replay.firings[1].peak_burn_rate == pytest.approx(50 / 600 / 0.001)
    evaluation = app.alerting.evaluate(at(10, 5))[0]
    assert [t.state for t in evaluation.tiers] == ["firing", "firing", "firing"]


def test_a_firing_on_at_from_is_judged_on_the_incident_it_began_in(app: App) -> None:
    """From 10:45 only the ticket is on, since 10:01. The incident ended at 10:15, 10:30 with
    the grace: before the range, so not one of its incidents to catch (recall has none), yet
    the ticket fired for it, not falsely (before, it was a false firing at 10:46)."""
    replay = app.alerting.replay("www/availability", at(10, 45), at(11, 0))
    assert firings(replay) == [("3d/6h", at(10, 1), None, 1)]
    assert replay.firings[0].already_firing
    assert replay.incidents == []
    assert (replay.precision, replay.recall, replay.false_firings) == (1.0, None, 0)


def test_a_tier_that_reset_at_from_is_not_already_firing(app: App) -> None:
    """At 10:15 the page tier has just reset: a replay from then does not list it."""
    replay = app.alerting.replay("www/availability", at(10, 15), at(11, 0))
    assert [f.tier for f in replay.firings] == ["3d/6h", "6h/30m"]


def test_the_table_and_json_mark_it(folder: Path) -> None:
    args = ["--config", str(folder / "basics.yaml"), "alerts", "replay", "www/availability",
            "--from", "2026-03-04T10:05Z", "--to", "2026-03-04T11:00Z"]  # fmt: skip
    runner = CliRunner()
    table = runner.invoke(cli, args, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    text = " ".join(table.stdout.split())
    assert "2026-03-04 10:01:00Z (already firing)" in text
    assert "detection delay median 1m" in text
    data = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    assert [(f["start"], f["already_firing"]) for f in data["firings"]] == [
        ("2026-03-04T10:01:00Z", True),
        ("2026-03-04T10:02:00Z", True),
        ("2026-03-04T10:02:00Z", True),
    ]
    assert "already firing: on at --from" in text  # the caption explains the mark


def test_the_caption_explains_already_firing_only_when_a_firing_is(folder: Path) -> None:
    """From 09:00 no tier was on at --from: the caption does not explain a mark no row has."""
    args = ["--config", str(folder / "basics.yaml"), "alerts", "replay", "www/availability",
            "--from", "2026-03-04T09:00Z", "--to", "2026-03-04T11:00Z"]  # fmt: skip
    table = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    text = " ".join(table.stdout.split())
    assert "(already firing)" not in text and "already firing:" not in text
    assert "budget before: share of the window's error budget" in text
