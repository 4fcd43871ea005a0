"""The scorecard's service on a store built here: a week's verdicts are `history`'s (the last
snapshot of the ISO week, none kept: no data), and one check reads the post-mortems once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
store: basics.duckdb
services:
  api: {owner: ana}
  web: {owner: ana}
  jobs: {owner: ana}
people:
  ana: {timezone: UTC}
"""
POSTMORTEM = """---
id: PM-1
title: api and web down
services: [api, web]
started: 2026-02-10T12:00:00Z
resolved: 2026-02-10T13:00:00Z
action_items:
  - {title: Add a health check, owner: ana, status: open, due: 2026-02-20}
---
# api and web down
"""


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "pm-1.md").write_text(POSTMORTEM)
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


def keep(app: App, service: str, day: dt.date, verdict: str) -> None:
    """A kept snapshot, as `check` keeps it (one row per service and day)."""
    checks = [{"check": "owner", "verdict": verdict}]
    with app.store.transaction() as db:
        db.execute(
            "INSERT INTO scorecards (service, day, checked_at, verdict, passed, warned, failed, "
            "checks) VALUES (?, ?, ?, ?, 0, 0, ?, ?::JSON)",
            [service, day, dt.datetime.combine(day, dt.time(12)), verdict,
             int(verdict == "fail"), json.dumps(checks)],
        )  # fmt: skip


def test_a_weeks_verdicts_are_the_last_snapshot_of_the_week(app: App) -> None:
    keep(app, "api", dt.date(2026, 2, 16), "fail")  # W08's Monday
    keep(app, "api", dt.date(2026, 2, 22), "pass")  # W08's Sunday: the last of the week wins
    keep(app, "api", dt.date(2026, 2, 23), "fail")  # W09
    keep(app, "web", dt.date(2026, 2, 18), "warn")
    keep(app, "jobs", dt.date(2026, 2, 15), "fail")  # W07's Sunday: not W08's
    assert app.catalog.week_verdicts("2026-W08") == {"api": "pass", "web": "warn", "jobs": None}
    assert app.catalog.week_verdicts("2026-W09", ["api", "jobs"]) == {"api": "fail", "jobs": None}
    assert app.catalog.week_verdicts("2026-W10") == {"api": None, "web": None, "jobs": None}
    # the same rule as the history's
    kept = {r.service: r.verdict for r in app.catalog.history() if r.week == "2026-W08"}
    assert kept == {"api": "pass", "web": "warn"}


def test_history_is_the_last_calendar_weeks_up_to_the_newest_kept(app: App) -> None:
    """A scorecard filled in for a week long past (`check --at 2019-01-01`) is not among
    the last three weeks; a week in between with none kept is simply absent."""
    keep(app, "api", dt.date(2019, 1, 1), "fail")  # 2019-W01
    keep(app, "api", dt.date(2026, 2, 17), "warn")  # W08
    keep(app, "api", dt.date(2026, 3, 3), "pass")  # W10 (W09: none kept)
    assert [(r.week, r.verdict) for r in app.catalog.history(weeks=3)] == [
        ("2026-W08", "warn"),
        ("2026-W10", "pass"),
    ]
    assert [r.week for r in app.catalog.history(weeks=2)] == ["2026-W10"]
    assert len(app.catalog.history(weeks=400)) == 3


def test_a_check_reads_the_post_mortems_once(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from basics.postmortems.service import PostmortemService

    reads: list[Any] = []
    read = PostmortemService.library

    def counted(self: PostmortemService, *args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return read(self, *args, **kwargs)

    monkeypatch.setattr(PostmortemService, "library", counted)
    at = dt.datetime(2026, 3, 2)
    report = app.catalog.check(at, keep=False)
    assert len(reads) == 1
    # what it read reached both post-mortem checks: the overdue item counts for both services
    cards = {c.service: {k.check: k for k in c.checks} for c in report.services}
    for service in ("api", "web"):
        assert cards[service]["postmortems.actions"].verdict == "fail", service
    assert cards["jobs"]["postmortems.actions"].verdict == "pass"
    # a library handed in is not read again
    library = read(app.postmortems)
    reads.clear()
    app.catalog.check(at, keep=False, library=library)
    assert reads == []


def test_the_toil_weeks_are_the_config_zones_whole_weeks_in_summer_time(tmp_path: Path) -> None:
    """At 2026-03-31 12:00Z (British Summer Time) the whole weeks before the current one
    are W10-W13: toil logged in W14, the unfinished week, counts for none of them."""
    config = (
        "timezone: Europe/London\nstore: basics.duckdb\n"
        "services:\n  api: {owner: ops}\n"
        "people:\n  ana: {timezone: Europe/London}\n"
        "teams:\n  ops: {members: [ana]}\n"
        "checks: {toil_weeks: 4}\n"
        "toil: {hours_per_week: 40}\n"
    )
    (tmp_path / "basics.yaml").write_text(config)
    (tmp_path / "postmortems").mkdir()
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    app.toil.log(240, "interrupt", "ana", day=dt.date(2026, 3, 24))  # W13: 4 h
    app.toil.log(600, "interrupt", "ana", day=dt.date(2026, 3, 30))  # W14, the current week
    app.toil.log(120, "interrupt", "ana", day=dt.date(2026, 3, 1))  # W09: before the 4 weeks

    facts = app.catalog.facts(["api"], dt.datetime(2026, 3, 31, 12))[0]

    # Hand count: one measured week (W13), 4 h of 40 h.
    assert (facts.toil_weeks, facts.toil_share) == (1, 0.1)


def test_a_scorecard_as_of_a_time_still_to_come_is_shown_not_kept(app: App) -> None:
    """`check --at 2027-03-08` (in a store of 2026) was kept: `--history` then showed only
    2027-W10, the real weeks pushed out of its twelve, with no way to delete it."""
    from basics.core.clock import utc_now

    ahead = utc_now() + dt.timedelta(days=400)
    report = app.catalog.check(ahead)
    assert [card.service for card in report.services] == ["api", "web", "jobs"]
    assert app.catalog.history() == []
    app.catalog.check(dt.datetime(2026, 3, 8))
    assert {r.week for r in app.catalog.history()} == {"2026-W10"}


def test_a_service_is_checked_by_any_name_basics_yaml_gives_it(tmp_path: Path) -> None:
    """`check --service CHECKOUT` or its alias was refused as an unknown service, while
    `deploys dora` and `toil report` take them."""
    config = CONFIG.replace("  api: {owner: ana}", "  api: {owner: ana, aliases: [Public API]}")
    (tmp_path / "basics.yaml").write_text(config)
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    for name in ("api", "API", "public api"):
        report = app.catalog.check(dt.datetime(2026, 3, 8), [name], keep=False)
        assert [card.service for card in report.services] == ["api"]
