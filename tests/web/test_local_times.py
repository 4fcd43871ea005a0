"""Times in the configured zone (Asia/Kolkata, UTC+05:30, here), the UTC instant beside or
on hover: a deploy marker's tooltip and the SLO page's note on a window without events."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest
from serving import BASICS, Server, Watched

CONFIG = """\
timezone: Asia/Kolkata
sources: {api: {format: jsonl, service: web}}
services: {web: {slos: {availability: {objective: 99.9, window: 7d, good: status < 500}}}}
"""
EVENTS = "".join(
    json.dumps({"ts": f"2026-03-0{day}T{hour:02d}:00:00Z", "status": 200}) + "\n"
    for day in (2, 3, 4)
    for hour in range(24)
)
AT = "2026-03-05T00:00:00Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("local-times") / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    (folder / "events.jsonl").write_text(EVENTS)
    for words in (
        ["ingest", "events", "events.jsonl", "--source", "api"],
        ["deploys", "record", "--service", "web", "--version", "1.0", "--at",
         "2026-03-03T10:00:00Z"],
    ):  # fmt: skip
        subprocess.run([BASICS, *words], cwd=folder, check=True, capture_output=True,
                       timeout=120)  # fmt: skip
    running = Server(folder)
    yield running
    running.stop()


def test_a_deploy_markers_tooltip_is_in_the_zone(server: Server) -> None:
    html = server.get("/slo/web/availability", at=AT).text
    chart = json.loads(re.findall(r'id="chart-data">(.*?)</script>', html, re.S)[0])
    (mark,) = chart["deploys"]
    assert mark["label"] == "web 1.0 · succeeded · 2026-03-03 15:30 IST (10:00 UTC)"
    alerts = server.get("/alerts/web/availability", to=AT).text
    chart = json.loads(re.findall(r'id="chart-data">(.*?)</script>', alerts, re.S)[0])
    assert [m["label"] for m in chart["deploys"]] == [mark["label"]]


def test_the_no_data_note_places_the_newest_event_in_the_zone(server: Server) -> None:
    status = server.get("/api/v1/slo/status", at="2026-03-20T00:00:00Z").json()[0]
    assert status["note"] == (
        "no events in this window; the newest event of web is at 2026-03-04T23:00:00Z: "
        "try --at latest"
    )
    html = server.get("/slo/web/availability", at="2026-03-20T00:00:00Z").text
    note = re.search(r'<p class="note" id="status-note">(.*?)</p>', html, re.S)
    assert note is not None
    assert note.group(1) == (
        "no events in this window; the newest event of web is at <time "
        'datetime="2026-03-04T23:00:00Z" title="2026-03-04 23:00:00 UTC">2026-03-05 04:30:00'
        "</time>: try <code>?at=latest</code>"
    )


@pytest.mark.slow
def test_the_tooltip_in_chromium(server: Server, tab: Watched) -> None:
    page = tab.open(f"{server.url}/slo/web/availability?at={AT}")
    marker = page.locator("#chart-budget .deploy-marker").first
    assert marker.get_attribute("title") == "web 1.0 · succeeded · 2026-03-03 15:30 IST (10:00 UTC)"
    assert tab.errors == []
