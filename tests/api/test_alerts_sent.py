"""Alerts that page: the server evaluates each interval and tells a real Alertmanager
(Debian's prometheus-alertmanager, on loopback) and a webhook when a tier fires and when it
resolves; a restart sends no second firing; the firing is recorded as a page."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import BASICS, Server

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(
    ALERTMANAGER is None and not os.environ.get("BASICS_REQUIRE_ALERTMANAGER"),
    reason="Alertmanager not installed (CI installs Debian's prometheus-alertmanager)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    assert ALERTMANAGER is not None
    port = free_port()
    (tmp_path / "am.yml").write_text("route: {receiver: 'null'}\nreceivers: [{name: 'null'}]\n")
    process = subprocess.Popen(
        [ALERTMANAGER, f"--config.file={tmp_path / 'am.yml'}",
         f"--storage.path={tmp_path / 'am-data'}", f"--web.listen-address=127.0.0.1:{port}",
         "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def wait_for(condition: Callable[[], bool], limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def events(start: dt.datetime, minutes: int, status: int) -> str:
    lines = []
    for n in range(minutes * 20):
        at = start + dt.timedelta(seconds=3 * n)
        lines.append(json.dumps({"ts": at.isoformat() + "Z", "service": "www", "status": status}))
    return "\n".join(lines) + "\n"


def ingest(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text)
    done = subprocess.run(
        [BASICS, "ingest", "events", name, "--source", "web"],
        cwd=folder, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def active(url: str) -> list[dict[str, Any]]:
    alerts = httpx.get(f"{url}/api/v2/alerts", params={"active": "true"}, timeout=5).json()
    return [a for a in alerts if a["labels"].get("alertname") == "BasicsSLOBurnRate"]


def test_firing_and_resolution_reach_alertmanager_once(
    tmp_path: Path, alertmanager: str, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    hook, received = webhook
    folder = tmp_path / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(
        f"""timezone: UTC
reports: {{end: latest}}
sources:
  web: {{format: jsonl}}
services:
  www:
    runbook: https://wiki.example.org/www
    slos:
      availability: {{objective: 99.9, good: status < 500, alert_policy: error-rate}}
serve:
  notify: {{alertmanager: ["{alertmanager}"], webhooks: ["{hook}"], interval_s: 0.3,
            resend_s: 1}}
"""
    )
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    start -= dt.timedelta(hours=1)
    ingest(folder, "outage.jsonl", events(start, 5, 503))  # 5 minutes of 503s

    server = Server(folder)
    try:
        wait_for(lambda: len(active(alertmanager)) == 1)
        alert = active(alertmanager)[0]
        assert alert["labels"] == {
            "alertname": "BasicsSLOBurnRate", "slo": "www/availability", "service": "www",
            "severity": "page", "long_window": "10m", "policy": "error-rate",
        }  # fmt: skip
        assert alert["annotations"]["runbook_url"] == "https://wiki.example.org/www"
        assert when(alert["startsAt"]) == when(f"{start + dt.timedelta(minutes=5)}Z")
        wait_for(lambda: server.get("/api/v1/health").json()["alerts"]["sent"] >= 3)  # re-sent
        # The webhook heard the firing once: re-sends keep it active in Alertmanager only.
        assert [b["status"] for b in received] == ["firing"]
    finally:
        server.stop()

    server = Server(folder)  # a restart: the firing is known, not opened again
    try:
        wait_for(lambda: server.get("/api/v1/health").json()["alerts"]["sent"] >= 2)
        firing = [b for b in received if b["status"] == "firing"]
        assert len(firing) == 1  # not again after the restart either
        started = when(alert["startsAt"])
        assert {when(a["startsAt"]) for b in firing for a in b["alerts"]} == {started}
        assert len(active(alertmanager)) == 1
        # Recovery, ingested by the CLI while the server runs: the tier resolves.
        ingest(folder, "recovery.jsonl", events(start + dt.timedelta(minutes=30), 15, 200))
        wait_for(lambda: active(alertmanager) == [])
        wait_for(lambda: any(b["status"] == "resolved" for b in received))
        resolved = [a for b in received if b["status"] == "resolved" for a in b["alerts"]]
        assert {when(a["startsAt"]) for a in resolved} == {started}
        # Resolved at the evaluation that found the tier quiet: the end of the data.
        assert when(resolved[0]["endsAt"]) == when(f"{start + dt.timedelta(minutes=45)}Z")
        pages = [p for p in server.get("/api/v1/pages").json() if p["source"] == "basics"]
        assert len(pages) == 1
        assert pages[0]["alert"] == "BasicsSLOBurnRate" and pages[0]["urgency"] == "page"
        assert when(pages[0]["created_at"]) == started
        assert when(pages[0]["resolved_at"]) == when(resolved[0]["endsAt"])
    finally:
        server.stop()
