"""PagerDuty deliveries to a real `basics serve`, out of order and with a reopened incident:
the pages are merged by when the events happened, as the file import of the same events
gives them, and the on-call report counts the reopened incident's whole outage."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import BASICS, Server

SECRET = "pd-order-secret"
CONFIG = """timezone: UTC
serve:
  pagerduty:
    secret_env: [PD_ORDER_SECRET]
"""


def delivery(
    event_id: str, event_type: str, at: str, incident: str, assignees: list[str], urgency: str
) -> str:
    """A v3 delivery as PagerDuty sends it (the tester's pd.py, trimmed)."""
    title = "Payments down" if incident == "Q3PAY" else "Checkout errors"
    created = "2026-11-06T03:01:00Z" if incident == "Q3PAY" else "2026-11-03T14:02:00Z"
    data = {
        "id": incident, "type": "incident", "status": "triggered", "created_at": created,
        "title": title, "incident_key": f"key-{incident}",
        "service": {"id": "PF9KMXH", "summary": "Payments Gateway", "type": "service_reference"},
        "assignees": [{"id": a[:3], "summary": a, "type": "user_reference"} for a in assignees],
        "urgency": urgency,
    }  # fmt: skip
    event = {"id": event_id, "event_type": event_type, "resource_type": "incident"}
    return json.dumps({"event": {**event, "occurred_at": at, "data": data}})


E1 = delivery("01EVT1", "incident.triggered", "2026-11-03T14:02:00Z", "Q1CHK", ["Alice"], "high")
E2 = delivery("01EVT2", "incident.acknowledged", "2026-11-03T14:05:00Z", "Q1CHK", ["Alice"], "high")
E3 = delivery("01EVT3", "incident.reassigned", "2026-11-03T14:07:00Z", "Q1CHK", ["Bob"], "low")
E4 = delivery("01EVT4", "incident.resolved", "2026-11-03T14:21:00Z", "Q1CHK", [], "low")
R1 = delivery("01R1", "incident.triggered", "2026-11-06T03:01:00Z", "Q3PAY", ["Carol"], "high")
R2 = delivery("01R2", "incident.resolved", "2026-11-06T03:05:00Z", "Q3PAY", [], "high")
R3 = delivery("01R3", "incident.reopened", "2026-11-06T03:08:00Z", "Q3PAY", ["Carol"], "high")
R4 = delivery("01R4", "incident.resolved", "2026-11-06T03:32:00Z", "Q3PAY", [], "high")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("pd-order")
    (folder / "basics.yaml").write_text(CONFIG)
    running = Server(folder, env={"PD_ORDER_SECRET": SECRET})
    yield running
    running.stop()


def send(server: Server, body: str) -> None:
    raw = body.encode()
    signature = "v1=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = server.client.post(
        "/api/v1/webhooks/pagerduty", content=raw, headers={"X-PagerDuty-Signature": signature}
    )
    assert answer.status_code == 200, answer.text


def file_import(folder: Path, lines: list[str]) -> list[dict[str, object]]:
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    (folder / "hooks.jsonl").write_text("\n".join(lines) + "\n")
    subprocess.run(
        [BASICS, "ingest", "pages", "hooks.jsonl", "--format", "pagerduty-webhook"],
        cwd=folder, capture_output=True, text=True, check=True,
    )  # fmt: skip
    done = subprocess.run(
        [BASICS, "pages", "list", "--json"], cwd=folder, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_deliveries_out_of_order_give_the_file_imports_pages(
    server: Server, tmp_path: Path
) -> None:
    # The reassignment before the trigger (the tester's swap), the resolution first; the
    # reopened incident in the order it happened, which stored the first resolution.
    for body in [E4, E3, E1, E2, R1, R2, R3, R4]:
        send(server, body)

    pages = {p["id"]: p for p in server.get("/api/v1/pages").json()}
    checkout, payments = pages["pagerduty:Q1CHK"], pages["pagerduty:Q3PAY"]
    assert (checkout["responder"], checkout["urgency"]) == ("Bob", "low")
    assert (checkout["acknowledged_at"], checkout["resolved_at"], checkout["told_at"]) == (
        "2026-11-03T14:05:00Z",
        "2026-11-03T14:21:00Z",
        "2026-11-03T14:21:00Z",
    )
    assert (payments["created_at"], payments["resolved_at"], payments["reopened_at"]) == (
        "2026-11-06T03:01:00Z",
        "2026-11-06T03:32:00Z",
        "2026-11-06T03:08:00Z",
    )
    assert list(pages.values()) == file_import(tmp_path / "file", [E1, E2, E3, E4, R1, R2, R3, R4])

    report = server.get("/api/v1/oncall/report", **{"from": "2026-11-02", "to": "2026-11-09"})
    assert report.status_code == 200, report.text
    noise = {a["alert"]: a for a in report.json()["alerts"]}["Payments down"]
    # Before: resolved 03:05, likely noise, auto-resolved 100 %, median resolve 4 min.
    assert (noise["median_resolve_s"], noise["auto_resolved_share"], noise["likely_noise"]) == (
        31 * 60,
        0.0,
        False,
    )
