"""Tests for the demo's pages: determinism, the import, the noisy alert and the concentration."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import load_config, parse_config
from basics.demo import oncall, story
from basics.demo.config_template import render_config
from basics.oncall.importers import read_pages
from basics.oncall.models import Page
from basics.oncall.report import OncallReport


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("oncall")
    (out / "basics.yaml").write_text(render_config(), encoding="utf-8")
    return oncall.write_pages(out)


@pytest.fixture(scope="module")
def pages(written: tuple[str, Path]) -> list[Page]:
    _, path = written
    with path.open(encoding="utf-8") as lines:
        result, rejects = read_pages(lines, "alertmanager", "x")
    assert rejects == []
    return result


@pytest.fixture(scope="module")
def report(written: tuple[str, Path]) -> OncallReport:
    _, path = written
    app = App(load_config(path.parent.parent / "basics.yaml"))
    try:
        result = app.oncall.ingest_pages(str(path), "alertmanager")
        assert (result.status, result.rejected) == ("applied", 0)
        for page_id, outcome in oncall.outcomes(app.oncall.pages()):
            app.oncall.tag(page_id, outcome)
        return app.oncall.report(dt.datetime(2026, 2, 1), dt.datetime(2026, 3, 3))
    finally:
        app.close()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    fmt, first = oncall.write_pages(tmp_path / "a")
    _, again = oncall.write_pages(tmp_path / "b")
    _, other = oncall.write_pages(tmp_path / "c", seed=8)
    assert fmt == "alertmanager"
    assert first == tmp_path / "a" / "data" / "alertmanager.jsonl"
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_the_file_parses_into_a_month_of_pages(
    written: tuple[str, Path], pages: list[Page]
) -> None:
    _, path = written
    assert 150 <= len(pages) <= 300
    start, end = story.START.replace(tzinfo=None), story.END.replace(tzinfo=None)
    assert all(start <= page.created_at < end for page in pages)
    assert all(page.acknowledged_at is None and page.responder is None for page in pages)
    payloads = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(p["version"] == "4" for p in payloads)
    firing: Counter[tuple[str, str]] = Counter()
    resolved: Counter[tuple[str, str]] = Counter()
    for payload in payloads:
        for alert in payload["alerts"]:
            key = (alert["fingerprint"], alert["startsAt"])
            (firing if alert["status"] == "firing" else resolved)[key] += 1
    assert len(payloads) > 2 * len(pages)  # Alertmanager repeats itself
    assert sum(1 for count in firing.values() if count > 1) > 20
    assert len(resolved) >= len(pages) - 1
    assert sum(page.resolved_at is None for page in pages) == 1  # still firing at the end


def test_planted_incidents_page_at_their_times(pages: list[Page]) -> None:
    def paged(service: str, start: dt.datetime, end: dt.datetime) -> list[Page]:
        begin, finish = start.replace(tzinfo=None), end.replace(tzinfo=None)
        return [p for p in pages if p.service == service and begin <= p.created_at <= finish]

    checkout = paged("checkout", story.CHECKOUT_OUTAGE_START, story.CHECKOUT_OUTAGE_END)
    assert {p.alert for p in checkout} == {"HighErrorRate", "ErrorBudgetBurn"}
    acme = paged(
        "payments", story.PAYMENTS_MERCHANT_OUTAGE_START, story.PAYMENTS_MERCHANT_OUTAGE_END
    )
    assert {"MerchantErrorRate", "ErrorBudgetBurn"} <= {p.alert for p in acme}
    search = paged("search", story.SEARCH_REGRESSION_START, story.SEARCH_REGRESSION_END)
    assert sum(p.alert == "HighLatency" for p in search) == 4


def test_the_noisy_alert_fires_at_night_and_goes_away_on_its_own(pages: list[Page]) -> None:
    noisy = [p for p in pages if p.alert == oncall.NOISY_ALERT]
    assert all(p.service == oncall.NOISY_SERVICE for p in noisy)
    assert Counter(p.alert for p in pages).most_common(1)[0][0] == oncall.NOISY_ALERT
    night = sum(oncall.is_night(p.created_at) for p in noisy)
    quick = sum(
        p.resolved_at is not None and p.resolved_at - p.created_at <= oncall.QUICK for p in noisy
    )
    assert night > 0.75 * len(noisy)
    assert quick > 0.75 * len(noisy)


def test_is_night_is_london_time() -> None:
    assert oncall.is_night(dt.datetime(2026, 2, 3, 23, 30))
    assert oncall.is_night(dt.datetime(2026, 2, 3, 7, 59))
    assert not oncall.is_night(dt.datetime(2026, 2, 3, 8, 0))
    # In summer London is UTC+1: 21:30 UTC is 22:30 there.
    assert oncall.is_night(dt.datetime(2026, 7, 3, 21, 30, tzinfo=dt.UTC))


def test_the_config_declares_the_rotation(tmp_path: Path) -> None:
    config = parse_config(render_config(), tmp_path / "basics.yaml")
    rotation = config.rotations[oncall.ROTATION]
    assert rotation.team == oncall.TEAM
    assert (rotation.every, rotation.handover, rotation.start) == (
        "weekly",
        "monday 09:00",
        dt.date(2026, 1, 26),
    )
    assert len(rotation.people) == 5
    zones = Counter(config.people[person].timezone for person in rotation.people)
    assert zones == {"Europe/London": 3, "America/New_York": 2}
    assert set(config.teams[oncall.TEAM].members) == set(rotation.people)
    assert {o.person for o in rotation.overrides} == {oncall.CONCENTRATED_PERSON}


def test_every_owner_is_a_team_and_the_rotation_takes_every_page(tmp_path: Path) -> None:
    # `--team payments` finds the services payments owns; on-call attribution does not
    # follow the owner: each service names the rotation, so platform's takes every page.
    config = parse_config(render_config(), tmp_path / "basics.yaml")
    owners = {name: service.owner for name, service in config.services.items()}
    assert owners == {
        "www": "web",
        "api": "platform",
        "payments": "payments",
        "checkout": "payments",
        "search": "search",
        "notifications": "growth",
    }
    assert set(owners.values()) == set(config.teams)
    assert {name: config.rotation_of(name) for name in owners} == dict.fromkeys(
        owners, oncall.ROTATION
    )
    assert config.unknown_references() == []
    # Only platform lists members: the product teams measure no toil and carry no pager.
    assert {t: team.members for t, team in config.teams.items() if team.members} == {
        oncall.TEAM: ["amara", "ben", "dana", "kofi", "lucia"]
    }


def test_the_report_flags_the_concentration_and_the_noise(report: OncallReport) -> None:
    assert 150 <= report.pages <= 300
    concentration = report.concentration
    assert concentration.unassigned == 0
    assert concentration.flagged
    assert concentration.top == oncall.CONCENTRATED_PERSON
    assert concentration.top_share is not None and concentration.top_share > 0.5
    noisy = next(a for a in report.alerts if a.alert == oncall.NOISY_ALERT)
    assert report.alerts[0] is noisy
    assert noisy.likely_noise
    # Alertmanager records no acknowledgements: the share cannot be known, so it is None;
    # the classification says it: most of its pages were not actionable.
    assert noisy.auto_resolved_share is None
    assert noisy.not_actionable_share is not None and noisy.not_actionable_share > 0.75


def test_the_story_line_uses_the_report_s_own_figures(report: OncallReport) -> None:
    # Once it said "90 % resolved on their own" beside an auto-resolved column of "—".
    line = oncall.summary(report)
    noisy = next(a for a in report.alerts if a.alert == oncall.NOISY_ALERT)
    assert noisy.not_actionable_share is not None
    assert line.startswith(f"{report.pages} Alertmanager pages for team platform; ")
    assert f"{oncall.NOISY_ALERT} on notifications sent {noisy.count} of them" in line
    assert f"{round(100 * noisy.night_share)} % in its responder's sleep hours" in line
    assert f"{round(100 * noisy.not_actionable_share)} % not actionable" in line
    assert "the report's auto-resolved column is —" in line
    assert noisy.auto_resolved_share is None
    share = report.concentration.top_share
    assert share is not None
    assert f"{oncall.CONCENTRATED_PERSON} answered {round(100 * share)} %" in line
    assert line.endswith("`basics oncall report --from 2026-02-01 --to 2026-03-03`.")
