"""Replaying every SLO at once gives exactly what replaying each one does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from basics.alerting.incidents import add_incident
from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config

CONFIG = """
store: basics.duckdb
sources:
  events: {format: jsonl}
services:
  www:
    slos:
      availability: {objective: 99.9, good: status < 500}
      latency: {objective: 99, good: duration_ms <= 300, alert_policy: single-1h}
  api:
    slos:
      availability: {objective: 99.5, good: status < 500}
"""
START = dt.datetime(2026, 3, 1)


def write_events(path: Path) -> None:
    lines = []
    for minute in range(12 * 60):
        moment = START + dt.timedelta(minutes=minute)
        for service in ("www", "api"):
            for i in range(20):
                failing = 300 <= minute < 320 and service == "www" and i < 15
                slow = 500 <= minute < 540 and service == "www"
                lines.append(
                    json.dumps(
                        {
                            "ts": (moment + dt.timedelta(seconds=i)).isoformat() + "Z",
                            "service": service,
                            "status": 503 if failing else 200,
                            "duration_ms": 900 if slow else 40,
                        }
                    )
                )
    path.write_text("\n".join(lines) + "\n")


def make_app(tmp_path: Path) -> App:
    config_path = tmp_path / "basics.yaml"
    config_path.write_text(CONFIG)
    app = App(parse_config(CONFIG, config_path))
    write_events(tmp_path / "events.jsonl")
    assert app.ingest_events("events", str(tmp_path / "events.jsonl")).rejected == 0
    add_incident(
        app.store,
        ["www"],
        START + dt.timedelta(hours=5),
        START + dt.timedelta(hours=5, minutes=25),
        "www 503s",
    )
    return app


def test_replay_all_equals_each_replay(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    end = START + dt.timedelta(hours=12)
    together = app.alerting.replay_all(START, end)
    one_by_one = [app.alerting.replay(name, START, end) for name in app.config.slo_names()]
    assert [r.slo for r in together] == ["www/availability", "www/latency", "api/availability"]
    assert together == one_by_one
    www = together[0]
    assert www.policy == "workbook" and www.recall == 1.0 and www.false_firings == 0
    assert together[1].policy == "single-1h" and together[1].firings
    assert together[2].firings == []


def test_cli_replay_all_summarises_every_slo(tmp_path: Path) -> None:
    make_app(tmp_path).close()
    runner = CliRunner()
    args = ["--config", str(tmp_path / "basics.yaml"), "alerts", "replay", "--all"]
    args += ["--from", "2026-03-01T00:00Z", "--to", "2026-03-01T12:00Z"]
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["slo"] for d in data] == ["www/availability", "www/latency", "api/availability"]
    assert {"from", "to", "firings", "precision", "recall"} <= set(data[0])
    table = runner.invoke(cli, args)
    assert table.exit_code == 0 and "www/availability" in table.stdout
    both = runner.invoke(cli, [*args, "www/availability"])
    assert both.exit_code == 2 and "give one SLO, or --all" in both.output
