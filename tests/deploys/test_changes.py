"""What changed: the deploy before a burn and an incident, the version whose bad share
jumps, deploys in replays and drafts, and a post-mortem's `deploys:` counted in DORA."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.alerting.incidents import add_incident
from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.deploys.models import DeployRead, DeployRecord

CONFIG = """
store: basics.duckdb
sources:
  events: {format: jsonl}
services:
  www:
    slos:
      availability: {objective: 99.9, good: status < 500}
deploys:
  suggest_within: 1h
"""
START = dt.datetime(2026, 3, 1)
BAD_DEPLOY = START + dt.timedelta(hours=4, minutes=50)  # 2.0.0, failing from 05:00
FIX = START + dt.timedelta(hours=5, minutes=20)  # 2.0.1


def version_at(moment: dt.datetime) -> str:
    return "2.0.0" if BAD_DEPLOY <= moment < FIX else ("2.0.1" if moment >= FIX else "1.9.0")


def write_events(path: Path) -> None:
    lines = []
    for minute in range(8 * 60):
        moment = START + dt.timedelta(minutes=minute)
        for i in range(20):
            at = moment + dt.timedelta(seconds=i)
            version = version_at(at)
            # 2.0.0 fails 3 requests in 4 from 05:00; else 1 in 1,940 fails (burn 0.5).
            failing = (version == "2.0.0" and minute >= 300 and i % 4) or (
                i == 0 and minute % 97 == 50
            )
            record = {"ts": at.isoformat() + "Z", "service": "www",
                      "status": 503 if failing else 200, "attrs": {"version": version}}  # fmt: skip
            lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def app(tmp_path: Path) -> App:
    config_path = tmp_path / "basics.yaml"
    config_path.write_text(CONFIG)
    app = App(parse_config(CONFIG, config_path))
    write_events(tmp_path / "events.jsonl")
    assert app.ingest_events("events", str(tmp_path / "events.jsonl")).rejected == 0
    deploys = [
        DeployRecord("www", START + dt.timedelta(hours=1), "a", version="1.9.0"),
        DeployRecord("www", BAD_DEPLOY, "b", version="2.0.0"),
        DeployRecord("www", FIX, "c", version="2.0.1"),
    ]
    app.deploys.store_read(DeployRead(deploys=deploys), "cli", "ci", b"deploys")
    add_incident(app.store, ["www"], START + dt.timedelta(hours=5), FIX, "www 503s")
    return app


def test_the_deploy_before_the_incident_and_its_version_are_suggested(app: App) -> None:
    from basics.deploys.changes import changes

    found = changes(app.slo, app.alerting, app.deploys, "www/availability", START,
                    START + dt.timedelta(hours=8))  # fmt: skip
    incident = next(m for m in found.moments if m.kind == "incident")
    assert [s.deploy.version for s in incident.deploys] == ["2.0.0"]
    assert incident.deploys[0].before_s == 10 * 60
    assert incident.deploys[0].linked is False  # a suggestion until linked
    assert [v.version for v in incident.versions] == ["2.0.0"]
    assert incident.versions[0].share_of_bad is not None
    assert incident.versions[0].share_of_bad > 0.5
    firing = next(m for m in found.moments if m.kind == "firing")
    assert firing.deploys[0].deploy.version == "2.0.0"  # the burn started after it


def test_slo_changes_cli_says_suggested_then_linked(app: App, tmp_path: Path) -> None:
    runner = CliRunner()
    config = str(tmp_path / "basics.yaml")
    base = ["--config", config, "slo", "changes", "www/availability",
            "--from", "2026-03-01T00:00Z", "--to", "2026-03-01T08:00Z"]  # fmt: skip
    done = runner.invoke(cli, base)
    assert done.exit_code == 0, done.output
    assert "deploy 2 www 2.0.0 (succeeded), 10m before: suggested" in done.output
    linked = runner.invoke(cli, ["--config", config, "incidents", "link", "1", "--deploy",
                                 "www@2.0.0"])  # fmt: skip
    assert linked.exit_code == 0 and "linked to deploy 2" in linked.output
    record = json.loads(runner.invoke(cli, [*base, "--json"]).output)
    incident = next(m for m in record["moments"] if m["kind"] == "incident")
    assert incident["deploys"][0] | {"deployed_at": None} == {
        "deploy": 2, "service": "www", "version": "2.0.0", "commit": None,
        "status": "succeeded", "deployed_at": None, "before_s": 600.0, "linked": True,
    }  # fmt: skip
    dora = json.loads(
        runner.invoke(
            cli,
            [
                "--config",
                config,
                "deploys",
                "dora",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
                "--json",
            ],
        ).output
    )
    assert dora["total"]["change_failure_rate"] | {"ratio": None} == {
        "failed": 1, "deploys": 3, "ratio": None, "status_failed": 0, "rolled_back": 0,
        "incident_linked": 1,
    }  # fmt: skip
    # recovered at the incident's end, 30 minutes after the deploy
    assert dora["total"]["recovery_time_s"] == {"median": 1800.0, "p90": 1800.0, "n": 1}


def test_replay_lists_the_deploy_before_each_firing(app: App, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "alerts", "replay", "www/availability",
         "--from", "2026-03-01T00:00Z", "--to", "2026-03-01T08:00Z", "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    firings = json.loads(done.output)["firings"]
    assert firings and all("deploys_before" in f for f in firings)
    assert firings[0]["deploys_before"][0]["version"] == "2.0.0"


def test_a_postmortem_naming_the_deploy_links_it_and_a_draft_lists_it(
    app: App, tmp_path: Path
) -> None:
    from basics.postmortems.draft import write

    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "pm.md").write_text(
        "---\nid: PM-1\ntitle: www 503s\nservices: [www]\nstarted: 2026-03-01T05:00:00Z\n"
        "resolved: 2026-03-01T05:20:00Z\ndeploys: [www@2.0.0, www@9.9.9]\n---\n# www 503s\n"
    )
    library = app.postmortems.library()
    assert app.deploys.resolve("www@2.0.0").incidents == (1,)  # the recorded incident's
    findings = [f.problem for f in app.postmortems.lint(library) if f.field == "deploys"]
    assert findings == ["deploy www@9.9.9 is not recorded (basics deploys list)"]
    draft = write(app, 1, tmp_path / "drafts")[0].read_text()
    assert "## What changed" in draft
    assert "- deploy 2: www 2.0.0, succeeded, 10 min before (linked)" in draft
    assert "deploys:\n- 2\n" in draft
    # The link goes when the post-mortem stops naming the deploy.
    (folder / "pm.md").write_text((folder / "pm.md").read_text().replace("www@2.0.0, ", ""))
    app.postmortems.library()
    assert app.deploys.resolve("www@2.0.0").incidents == ()


def test_a_postmortem_naming_a_deploy_linked_by_hand_writes_nothing_again(
    app: App, tmp_path: Path
) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    (folder / "pm.md").write_text(
        "---\nid: PM-1\ntitle: www 503s\nservices: [www]\nstarted: 2026-03-01T05:00:00Z\n"
        "resolved: 2026-03-01T05:20:00Z\ndeploys: [www@2.0.0]\n---\n# www 503s\n"
    )
    app.deploys.link(1, app.deploys.resolve("www@2.0.0"))  # by hand first
    first = app.postmortems.library()
    again = app.postmortems.library()
    assert app.deploys.resolve("www@2.0.0").incidents == (1,)
    assert first.wrote and not again.wrote  # the second read is a read


LATER_CONFIG = """
store: basics.duckdb
sources:
  events: {format: jsonl}
services:
  api:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""
DAY = dt.datetime(2026, 5, 7)


def later_version(moment: dt.datetime) -> str:
    """1.2 until 10:00, 1.3 until 12:00, then 1.3.1 (deployed while the burn goes on)."""
    hours = (moment - DAY).total_seconds() / 3600
    return "1.2" if hours < 10 else ("1.3" if hours < 12 else "1.3.1")


def test_a_version_first_seen_after_the_firing_began_is_not_its_cause(tmp_path: Path) -> None:
    from basics.deploys.changes import changes

    config_path = tmp_path / "basics.yaml"
    config_path.write_text(LATER_CONFIG)
    app = App(parse_config(LATER_CONFIG, config_path))
    lines = []
    for n in range(8 * 360):  # an event every 10 s, 08:00 to 16:00
        at = DAY + dt.timedelta(hours=8, seconds=10 * n)
        failing = (
            DAY + dt.timedelta(hours=10, minutes=5) <= at < DAY + dt.timedelta(hours=14, minutes=30)
            and n % 10 < 3
        )  # 30 % bad from 10:05 to 14:30
        lines.append(json.dumps({"ts": at.isoformat() + "Z", "service": "api",
                                 "status": 500 if failing else 200,
                                 "attrs": {"version": later_version(at)}}))  # fmt: skip
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert app.ingest_events("events", str(tmp_path / "events.jsonl")).rejected == 0

    found = changes(app.slo, app.alerting, app.deploys, "api/availability",
                    DAY + dt.timedelta(hours=8), DAY + dt.timedelta(hours=16))  # fmt: skip
    # The ticket at 10:06, the pages at 10:07 (reset 14:59) and 10:08 (reset 14:34).
    # 1.3.1 (from 12:00) holds most of each one's bad events, 270 of 477 up to the 10:08
    # page's reset, but came after they began: 1.3, live at their start, holds all of the
    # bad events of the versions live then, against 1.2's none.
    assert [(m.kind, m.start.time(), [v.version for v in m.versions])
            for m in found.moments] == [
        ("firing", dt.time(10, 6), ["1.3"]), ("firing", dt.time(10, 7), ["1.3"]),
        ("firing", dt.time(10, 8), ["1.3"]),
    ]  # fmt: skip
    jump = found.moments[2].versions[0]
    assert (jump.bad, jump.total, jump.share_of_bad, jump.bad_rate, jump.others_bad_rate) == (
        207, 720, 1.0, 207 / 720, 0.0,
    )  # fmt: skip
    app.close()
