"""An acknowledgement or resolution before its page was created is a reject with its line
and field, in every page reader (it showed as 0 s to acknowledge); Opsgenie's web export,
whose AckTime and CloseTime are milliseconds after creation, is read as such; an
Alertmanager payload that left alerts out says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.oncall.bulk_csv import BulkCsv
from basics.oncall.importers import read_pages, read_pages_noted
from basics.oncall.models import PageFormat

CONFIG = "timezone: UTC\n"
BEFORE = "is before"


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def rejects_of(text: str, fmt: PageFormat) -> list[tuple[int, str | None, str]]:
    _, rejects = read_pages(text.splitlines(keepends=True), fmt, "<test>")
    return [(r.line, r.field, r.reason) for r in rejects]


def reason(field: str, moment: str, created_field: str, created: str) -> str:
    return (
        f"{field} {moment} is before {created_field} {created}: expected a time after the "
        "page was created (is it in another unit or time zone?)"
    )


def test_a_record_acknowledged_before_it_was_created_is_a_reject() -> None:
    text = (
        "id,title,created_at,acknowledged_at,resolved_at\n"
        "X1,Disk,2026-03-08T04:30:00Z,0,2026-03-08T04:40:00Z\n"  # epoch 0
        "X2,Disk,2026-03-08T05:30:00Z,,2026-03-08T05:29:59Z\n"
        "X3,Disk,2026-03-08T06:30:00Z,2026-03-08T06:30:00Z,2026-03-08T06:30:00Z\n"  # at once
    )
    assert rejects_of(text, "csv") == [
        (2, "acknowledged_at", reason("acknowledged_at", "1970-01-01T00:00:00Z",
                                      "created_at", "2026-03-08T04:30:00Z")),
        (3, "resolved_at", reason("resolved_at", "2026-03-08T05:29:59Z",
                                  "created_at", "2026-03-08T05:30:00Z")),
    ]  # fmt: skip
    as_json = '{"id": "X1", "title": "Disk", "createdAt": "2026-03-08T04:30:00Z", "ackedAt": 1}\n'
    assert [(line, field) for line, field, _ in rejects_of(as_json, "jsonl")] == [(1, "ackedAt")]


def test_every_pagerduty_and_opsgenie_reader_rejects_it() -> None:
    incident = {"id": "P1", "title": "Disk", "created_at": "2026-03-08T04:30:00Z",
                "acknowledgements": [{"at": "2026-03-08T04:29:00Z"}]}  # fmt: skip
    assert rejects_of(json.dumps({"incidents": [incident]}), "pagerduty-json")[0][:2] == (
        1,
        "the first acknowledgement",
    )

    def event(kind: str, at: str) -> str:
        data = {"id": "P1", "type": "incident", "title": "Disk"}
        return json.dumps({"event": {"id": kind, "event_type": kind, "occurred_at": at,
                                     "data": data}}) + "\n"  # fmt: skip

    webhooks = event("incident.triggered", "2026-03-08T04:30:00Z") + event(
        "incident.resolved", "2026-03-08T04:00:00Z"
    )
    assert [r[:2] for r in rejects_of(webhooks, "pagerduty-webhook")] == [
        (1, "incident.resolved occurred_at")
    ]
    alert = {"id": "a1", "message": "Disk", "createdAt": 1772944200000, "status": "closed",
             "updatedAt": 1772944100000}  # fmt: skip
    assert [r[:2] for r in rejects_of(json.dumps(alert), "opsgenie")] == [(1, "updatedAt")]
    resolved = {"status": "resolved", "fingerprint": "f", "labels": {"alertname": "A"},
                "startsAt": "2026-03-08T04:30:00Z", "endsAt": "2026-03-08T04:00:00Z"}  # fmt: skip
    payload = {"alerts": [resolved]}
    assert [r[:2] for r in rejects_of(json.dumps(payload), "alertmanager")] == [
        (1, "alerts[0].endsAt")
    ]


PD_CSV = (
    "Incident Number,Title,Created On,Acknowledged,Resolved,ID\n"
    "1,Disk,2026-03-08T04:30:00Z,1970-01-01T00:00:00Z,,P1\n"
    "2,Disk,2026-03-08T05:30:00Z,2026-03-08T05:31:00Z,2026-03-08T05:20:00Z,P2\n"
    "3,Disk,2026-03-08T06:30:00Z,2026-03-08T06:31:00Z,2026-03-08T06:40:00Z,P3\n"
)


@pytest.mark.parametrize("bulk", [True, False], ids=["duckdb", "row reader"])
def test_both_pagerduty_csv_paths_reject_it_alike(app: App, tmp_path: Path, bulk: bool) -> None:
    path = tmp_path / ("incidents.csv" if bulk else "incidents[1].csv")
    path.write_text(PD_CSV)
    assert (BulkCsv.open(str(path)) is not None) is bulk
    done = app.oncall.ingest_pages(str(path), "pagerduty-csv")
    assert (done.pages, done.rejected) == (1, 2)
    assert [(r.line, r.field, r.reason) for r in done.first_rejects] == [
        (2, "Acknowledged", reason("Acknowledged", "1970-01-01T00:00:00Z",
                                   "Created On", "2026-03-08T04:30:00Z")),
        (3, "Resolved", reason("Resolved", "2026-03-08T05:20:00Z",
                               "Created On", "2026-03-08T05:30:00Z")),
    ]  # fmt: skip
    assert app.store.query("SELECT source_id FROM pages") == [("P3",)]


# Opsgenie's web page export (Excel re-saved: CRLF): times in epoch ms, AckTime and
# CloseTime in ms after creation, "Acknowledged" true/false.
OPSGENIE_UI = (
    "TinyId,Message,Status,Acknowledged,CreatedAt,Responders,AckTime,CloseTime,AcknowledgedBy\r\n"
    '1201,Disk,closed,true,1772944200000,"Doe, Jane",120000,600000,jane.doe@acme.com\r\n'
    '1202,Disk,closed,false,1772955000000,"Doe, Jane",,300000,\r\n'
    "1204,Heap,open,true,1773072000000,Raj Patel,30000,,raj.patel@acme.com\r\n"
)


def test_opsgenie_web_export_times_are_after_creation(app: App, tmp_path: Path) -> None:
    path = tmp_path / "alerts.csv"
    path.write_text(OPSGENIE_UI)
    done = app.oncall.ingest_pages(str(path), "csv", mapping={"id": "TinyId"}, source="og")
    assert (done.pages, done.rejected) == (3, 0)
    rows = app.store.query(
        "SELECT source_id, strftime(created_at, '%d %H:%M:%S'), "
        "date_diff('second', created_at, acknowledged_at), "
        "date_diff('second', created_at, resolved_at) FROM pages ORDER BY 1"
    )
    # 1772944200000 ms is 2026-03-08 04:30 UTC; 120000 ms is 120 s, 600000 ms 600 s.
    assert rows == [
        ("1201", "08 04:30:00", 120, 600),
        ("1202", "08 07:30:00", None, 300),
        ("1204", "09 16:00:00", 30, None),
    ]


# --- Alertmanager's truncated alerts ------------------------------------------------------


def payload(fingerprints: list[str], truncated: object) -> str:
    alerts = [
        {"status": "firing", "fingerprint": f, "labels": {"alertname": "Disk"},
         "startsAt": "2026-03-08T04:30:00Z", "endsAt": "0001-01-01T00:00:00Z"}
        for f in fingerprints
    ]  # fmt: skip
    return json.dumps({"version": "4", "alerts": alerts, "truncatedAlerts": truncated}) + "\n"


TRUNCATED = payload(["a", "b"], 3) + payload(["c"], 0) + payload(["a", "d"], 4)


def test_alerts_alertmanager_left_out_are_counted_in_a_warning() -> None:
    lines = TRUNCATED.splitlines(keepends=True)
    pages, rejects, warnings = read_pages_noted(lines, "alertmanager", "am.jsonl")
    # a, b, c, d: 4 pages; 3 + 4 alerts left out of 2 payloads.
    assert (len(pages), rejects) == (4, [])
    assert warnings == [
        "Alertmanager left 7 alerts out of 2 notifications (truncatedAlerts): they are "
        "not pages here; set the webhook receiver's max_alerts to 0 (no limit) to have every "
        "alert sent"
    ]
    clean = payload(["a"], 0) + payload(["b"], None) + payload(["c"], "2")
    assert read_pages_noted(clean.splitlines(), "alertmanager", "am.jsonl")[2] == []


def test_the_import_and_the_cli_say_what_alertmanager_left_out(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "am.jsonl").write_text(TRUNCATED)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    done = app.oncall.ingest_pages(str(tmp_path / "am.jsonl"), "alertmanager")
    assert (done.status, done.pages, len(done.warnings)) == ("applied", 4, 1)
    assert done.warnings[0].startswith("Alertmanager left 7 alerts out of 2 notifications")
    app.store.close()

    (tmp_path / "again.jsonl").write_text(TRUNCATED + payload(["e"], 0))
    result = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "ingest", "pages",
         str(tmp_path / "again.jsonl"), "--format", "alertmanager"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "5 pages (1 new), 0 rejected" in result.output
    assert "warning: Alertmanager left 7 alerts out of 2 notifications" in result.output
