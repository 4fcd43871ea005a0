"""A file of another tool's format, through a real store: each of its records is a reject
(counted as records, never as one), none becomes a page of the wrong tool, and the likely
cause names the format that reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.oncall.formats.shapes import record_shape
from basics.oncall.models import PageFormat

DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"
CONFIG = "timezone: UTC\nstore: basics.duckdb\n"
OPSGENIE = (
    '{"data":[{"id":"a1","message":"m","createdAt":"2026-03-01T00:00:00Z"},'
    '{"id":"a2","message":"m","createdAt":"2026-03-02T00:00:00Z"}],"took":0.01,"requestId":"r"}\n'
)
IS_OPSGENIE = "the records look like Opsgenie alerts: is its --format opsgenie?"


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


@pytest.mark.parametrize(
    ("fmt", "what"),
    [
        ("pagerduty-json", "a PagerDuty incident"),
        ("alertmanager", "an Alertmanager webhook payload"),
        ("pagerduty-webhook", "a PagerDuty v3 webhook envelope"),
    ],
)
def test_an_opsgenie_response_is_two_rejected_records_and_the_cause_names_opsgenie(
    app: App, tmp_path: Path, fmt: PageFormat, what: str
) -> None:
    path = tmp_path / "og.json"
    path.write_text(OPSGENIE)

    done = app.oncall.ingest_pages(str(path), fmt)

    assert (done.status, done.pages, done.rejected, done.hint) == ("rejected", 0, 2, IS_OPSGENIE)
    reason = f'expected {what}, found a record under "data" (another tool\'s export)'
    assert app.store.query("SELECT line, field, reason, raw FROM rejects") == [
        (1, "data", reason, '{"id":"a1","message":"m","createdAt":"2026-03-01T00:00:00Z"}'),
        (1, "data", reason, '{"id":"a2","message":"m","createdAt":"2026-03-02T00:00:00Z"}'),
    ]


@pytest.mark.parametrize(
    ("file_name", "fmt", "pages", "hint"),
    [
        ("pagerduty_incidents.json", "opsgenie", 4,
         "the records look like PagerDuty incidents: is its --format pagerduty-json?"),
        ("opsgenie_alerts.json", "pagerduty-json", 4, IS_OPSGENIE),
        ("alertmanager.jsonl", "pagerduty-json", 10,
         "the records look like Alertmanager alerts: is its --format alertmanager?"),
        # An incident.io alert has an id, a title and created_at: never a PagerDuty page.
        ("incident_io_alerts.json", "pagerduty-json", 3, "the records look like incident.io "
         "alerts: is its --format jsonl --source incident-io?"),
        ("grafana_oncall_alert_groups.json", "alertmanager", 5, "the records look like "
         "Grafana OnCall alert groups: is its --format jsonl --source grafana-oncall?"),
        ("pagerduty_webhooks.jsonl", "opsgenie", 13, "the records look like PagerDuty v3 "
         "webhook events: is its --format pagerduty-webhook?"),
    ],
)  # fmt: skip
def test_each_export_read_as_another_format_is_rejected_whole_with_its_format_named(
    app: App, file_name: str, fmt: PageFormat, pages: int, hint: str
) -> None:
    done = app.oncall.ingest_pages(str(DATA / file_name), fmt)

    assert (done.status, done.pages, done.rejected, done.hint) == ("rejected", 0, pages, hint)
    assert app.store.scalar("SELECT count(*) FROM pages") == 0


def test_the_cli_counts_the_records_and_gives_the_likely_cause(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    path = tmp_path / "og.json"
    path.write_text(OPSGENIE)

    done = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "ingest", "pages", str(path),
         "--format", "pagerduty-json"],
    )  # fmt: skip

    assert done.exit_code == 3
    assert done.output.splitlines()[:2] == [
        f"{path}: every one of its 2 records was rejected; nothing stored (batch 1 keeps "
        "the rejects)",
        f"  likely cause: {IS_OPSGENIE}",
    ]


def test_a_record_cut_short_is_still_told_by_its_first_keys() -> None:
    incident = json.dumps({"id": "P1", "incident_number": 7, "log_entries": ["x" * 3000]})
    assert record_shape(incident[:100]) == ("PagerDuty incidents", "pagerduty-json")
    assert record_shape('{"id": "x", "title": "y"}') is None
