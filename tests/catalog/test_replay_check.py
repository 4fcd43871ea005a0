"""The scorecard's `alerts.replay` on a real store: an incident while the SLO had no events
(before its first) is judged neither caught nor missed, and false pages are rated over the
days with events."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from basics.alerting.incidents import add_incident
from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
sources:
  web: {format: jsonl, service: shop}
services:
  shop:
    owner: ana
    runbook: https://runbooks.example/shop
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
people:
  ana: {timezone: UTC}
"""
AT = dt.datetime(2026, 3, 8)


def shop(tmp_path: Path) -> App:
    """One good event a minute from 1 to 8 March (10,080 events, none bad)."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    start = dt.datetime(2026, 3, 1)
    events = tmp_path / "events.jsonl"
    with events.open("w") as file:
        for minute in range(7 * 1440):
            moment = start + dt.timedelta(minutes=minute)
            file.write(json.dumps({"ts": f"{moment:%Y-%m-%dT%H:%M:%SZ}", "status": 200}) + "\n")
    assert app.ingest_events("web", str(events)).accepted == 10_080
    return app


def replay_check(app: App) -> tuple[str, str]:
    [card] = app.catalog.check(AT, keep=False).services
    [check] = [c for c in card.checks if c.check == "alerts.replay"]
    return check.verdict, check.measured


def test_an_incident_before_the_first_event_is_not_missed(tmp_path: Path) -> None:
    """An incident on 1 February, a month before the first event: it was "recall 0% of 1
    incident", FAIL, exit 2 under --fail-on fail. No alert could have caught it."""
    app = shop(tmp_path)
    add_incident(app.store, ["shop"], dt.datetime(2026, 2, 1, 10), dt.datetime(2026, 2, 1, 11),
                 "before the events")  # fmt: skip

    verdict, measured = replay_check(app)

    assert verdict == "warn"
    assert measured.startswith("no incident in the window to catch")
    replay = app.alerting.replay("shop/availability", dt.datetime(2026, 1, 1), AT)
    assert (replay.recall, [i.title for i in replay.unjudged_incidents]) == (
        None, ["before the events"]
    )  # fmt: skip


def test_an_incident_while_events_flowed_is_missed_when_nothing_fired(tmp_path: Path) -> None:
    """Every event good: nothing fires, so an incident on 3 March (events every minute of
    it) is missed: recall 0 of 1, FAIL."""
    app = shop(tmp_path)
    add_incident(app.store, ["shop"], dt.datetime(2026, 3, 3, 10), dt.datetime(2026, 3, 3, 11),
                 "during the events")  # fmt: skip

    verdict, measured = replay_check(app)

    assert verdict == "fail"
    assert measured.startswith("recall 0% of 1 incident")


def test_an_incident_just_after_the_range_is_judged_as_before(tmp_path: Path) -> None:
    """An incident starting 5 minutes after --to (within the 15-minute grace) was said to
    have no events: the series read stops at --to, and held none of it."""
    app = shop(tmp_path)
    add_incident(app.store, ["shop"], dt.datetime(2026, 3, 3, 10, 5),
                 dt.datetime(2026, 3, 3, 10, 20), "just after")  # fmt: skip

    replay = app.alerting.replay(
        "shop/availability", dt.datetime(2026, 3, 3, 8), dt.datetime(2026, 3, 3, 10)
    )

    assert ([i.title for i in replay.incidents], replay.unjudged_incidents) == (["just after"], [])
