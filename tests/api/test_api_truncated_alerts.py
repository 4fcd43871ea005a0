"""The Alertmanager webhook says in its reply how many alerts a notification left out
(`truncatedAlerts`, the receiver's `max_alerts`): they reach no page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Server

SENDER = "bsc_truncated-sender"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("truncated")
    digest = hashlib.sha256(SENDER.encode()).hexdigest()
    (folder / "basics.yaml").write_text(
        f"timezone: UTC\nserve:\n  tokens:\n    am: {{sha256: {digest}, scopes: [pages]}}\n"
    )
    running = Server(Path(folder))
    yield running
    running.stop()


def notification(fingerprints: list[str], truncated: int) -> bytes:
    alerts = [
        {"status": "firing", "fingerprint": f, "labels": {"alertname": "DiskFull"},
         "startsAt": "2026-03-08T04:30:00Z", "endsAt": "0001-01-01T00:00:00Z"}
        for f in fingerprints
    ]  # fmt: skip
    body = {"version": "4", "status": "firing", "receiver": "pager", "alerts": alerts,
            "truncatedAlerts": truncated}  # fmt: skip
    return json.dumps(body).encode()


def test_the_reply_counts_the_alerts_left_out(server: Server) -> None:
    headers = {"Authorization": f"Bearer {SENDER}"}
    path = "/api/v1/webhooks/alertmanager"
    answer = server.client.post(path, content=notification(["a", "b"], 5), headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Two alerts came, five more did not.
    assert (body["status"], body["pages"], body["new_pages"]) == ("applied", 2, 2)
    assert body["warnings"] == [
        "Alertmanager left 5 alerts out of 1 notification (truncatedAlerts): they are "
        "not pages here; set the webhook receiver's max_alerts to 0 (no limit) to have every "
        "alert sent"
    ]
    whole = server.client.post(path, content=notification(["c"], 0), headers=headers)
    assert (whole.status_code, whole.json()["warnings"]) == (200, [])
    assert len(server.get("/api/v1/pages").json()) == 3
