"""An SLO alerting cannot read yet (timeslices of 5 minutes) over a real server: its SLO page
shows its SLI, budget and charts with alerting's note in place of the firings, its alerts
page the note (as `alerts evaluate --json` gives it), never an error; the overview links to
both and says `unsupported`."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Iterator

import pytest
from serving import BASICS, INK, Server, Watched

CONFIG = """\
timezone: Europe/Berlin
reports: {end: latest}
sources: {api: {format: jsonl, service: web}}
services:
  web:
    slos:
      availability: {objective: 99.9, window: 7d, good: status < 500}
      slices: {objective: 99, window: 7d, good: status < 500, budgeting: timeslices,
               slice: 5m, slice_target: 70}
"""
NOTE = "alerting on timeslices longer than 1m (slice: 5m) is not supported yet"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("timeslices") / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    start = dt.datetime(2026, 3, 1)
    lines = [
        json.dumps({"ts": f"{(start + dt.timedelta(minutes=m)).isoformat()}Z",
                    "status": 500 if (m // 60) % 17 == 0 else 200})
        for m in range(0, 3 * 24 * 60, 2)
    ]  # fmt: skip
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    subprocess.run([BASICS, "ingest", "events", "events.jsonl", "--source", "api"], cwd=folder,
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    running = Server(folder)
    yield running
    running.stop()


def figures(html: str) -> dict[str, str]:
    block = html.split('id="status"')[1].split("</dl>")[0]
    return dict(re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', block))


def test_the_slo_page_shows_its_figures_and_alertings_note(server: Server) -> None:
    page = server.get("/slo/web/slices")
    assert page.status_code == 200, page.text
    status = next(s for s in server.get("/api/v1/slo/status").json() if s["slo"] == "web/slices")
    shown = figures(page.text)
    assert status["sli"] is not None and float(shown["sli"]) == status["sli"]
    assert float(shown["budget_remaining"]) == status["budget_remaining"]
    assert (int(shown["bad"]), float(shown["budget_total"])) == (
        status["bad"], status["budget_total"]
    )  # fmt: skip
    (evaluation,) = [e for e in server.get("/api/v1/alerts/evaluate").json()
                     if e["slo"] == "web/slices"]  # fmt: skip
    assert evaluation["tiers"] == [] and evaluation["note"].startswith(NOTE)
    note = re.search(r'id="alerting-note" data-state="unsupported">(.*?)</p>', page.text, re.S)
    assert note is not None and evaluation["note"] in note.group(1)
    chart = json.loads(re.findall(r'id="chart-data">(.*?)</script>', page.text, re.S)[0])
    assert chart["firings"] == [] and any(v is not None for v in chart["sli"])
    links = dict(re.findall(r'data-source="([^"]+)">([^<]+)</a>', page.text))
    assert "firings" not in links
    for link in links.values():  # every link of "This page's data" answers
        assert server.client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_the_alerts_page_shows_the_note_as_alerts_evaluate_gives_it(server: Server) -> None:
    page = server.get("/alerts/web/slices")
    assert page.status_code == 200, page.text
    done = subprocess.run([BASICS, "alerts", "evaluate", "--json"], cwd=server.folder,
                          capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    (evaluation,) = [e for e in json.loads(done.stdout) if e["slo"] == "web/slices"]
    note = re.search(r'id="alerting-note" data-state="unsupported">(.*?)</p>', page.text, re.S)
    assert note is not None and evaluation["note"] in note.group(1)
    # an SLO alerting reads keeps its replay
    assert 'id="alerting-note"' not in server.get("/alerts/web/availability").text


def test_the_overview_links_to_both_and_says_unsupported(server: Server) -> None:
    html = server.get("/").text
    row = re.search(r'<tr data-slo="web/slices">(.*?)</tr>', html, re.S)
    assert row is not None
    assert 'data-state="unsupported"' in row.group(1)
    for link in re.findall(r'href="(/(?:slo|alerts)/web/slices)"', row.group(1)):
        assert server.get(link).status_code == 200, link


@pytest.mark.slow
def test_the_slo_page_draws_in_chromium(server: Server, tab: Watched) -> None:
    page = tab.open(server.url + "/slo/web/slices")
    for selector in ("#chart-budget", "#chart-sli", "#chart-burn"):
        assert page.evaluate(INK, selector) > 100, selector
    assert NOTE in page.locator("#alerting-note").inner_text()
    assert tab.errors == []
