"""The toil and on-call pages end where their CLI reports and API calls end: `reports.end`
when no `to` is given (`latest` standing for the newest toil, or the newest page), and `to`
taking `now` and `latest` as the API does; the overview's on-call tiles the same. A store
whose events run a month past its pages and toil shows that the SLOs' end is not theirs."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import BASICS, Server

CONFIG = """\
timezone: UTC
store: basics.duckdb
reports: {end: latest}
sources: {api: {format: jsonl, service: web}}
services: {web: {slos: {availability: {objective: 99.9, window: 30d, good: status < 500}}}}
"""
EVENTS = '{"ts":"2026-02-15T10:00:00Z","status":200}\n{"ts":"2026-03-31T12:00:00Z","status":200}\n'
PAGES = """\
id,created_at,resolved_at,alert,service,responder
1,2026-02-15T10:00:00Z,2026-02-15T10:30:00Z,DiskFull,web,bob
2,2026-03-01T10:00:00Z,2026-03-01T10:30:00Z,DiskFull,web,bob
"""


def basics(folder: Path, *words: str) -> str:
    """A CLI command's stdout (it must succeed)."""
    done = subprocess.run([BASICS, *words], cwd=folder, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def company(folder: Path, pages: bool = True) -> Path:
    """The tester's store: two events six weeks apart, two pages, an entry of toil."""
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    (folder / "events.jsonl").write_text(EVENTS)
    basics(folder, "ingest", "events", "events.jsonl", "--source", "api")
    if pages:
        (folder / "pages.csv").write_text(PAGES)
        basics(folder, "ingest", "pages", "pages.csv", "--format", "csv")
        basics(folder, "toil", "log", "2h", "--category", "interrupt", "--person", "bob",
               "--date", "2026-02-16", "restart")  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(company(tmp_path_factory.mktemp("report-ends") / "company"))
    yield running
    running.stop()


def tiles(html: str, block: str) -> dict[str, str]:
    found = html.split(f'id="{block}"')[1].split("</dl>")[0]
    return dict(re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', found))


def source(html: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)" data-source="{re.escape(label)}">', html)
    assert found is not None, label
    return found.group(1).replace("&amp;", "&")


# -- toil -----------------------------------------------------------------------------------


def test_the_toil_page_ends_at_reports_end_as_the_cli_does(server: Server) -> None:
    report: dict[str, Any] = json.loads(basics(server.folder, "toil", "report", "--json"))
    assert (report["start"], report["end"]) == ("2025-12-08T00:00:00Z", "2026-03-02T00:00:00Z")
    assert (report["total"]["entries"], report["total"]["hours"]) == (3, 3.0)
    html = server.get("/toil").text
    total = tiles(html, "toil-total")
    assert float(total["hours"]) == report["total"]["hours"] == 3.0
    assert int(total["entries"]) == report["entries"] == 3
    assert float(total["share"]) == report["total"]["share"]
    link = source(html, "toil report")
    assert link == "/api/v1/toil/report?from=2025-12-08T00:00:00Z&to=2026-03-02T00:00:00Z"
    assert server.client.get(link).json() == report
    assert "the newest toil logged or paged, on 2026-03-01" in html


@pytest.mark.parametrize("end", ["latest", "now"])
def test_the_toil_page_takes_now_and_latest_as_the_api_does(server: Server, end: str) -> None:
    page = server.get("/toil", to=end)
    assert page.status_code == 200, page.text
    report = server.get("/api/v1/toil/report", to=end).json()
    assert source(page.text, "toil report") == (
        f"/api/v1/toil/report?from={report['start']}&to={report['end']}"
    )
    total = tiles(page.text, "toil-total")
    assert total["entries"] == str(report["entries"])


# -- on-call --------------------------------------------------------------------------------


def test_the_oncall_page_ends_at_the_newest_page_as_the_cli_does(server: Server) -> None:
    cli: dict[str, Any] = json.loads(basics(server.folder, "oncall", "report", "--json"))
    api = server.get("/api/v1/oncall/report").json()
    assert cli == api
    assert (cli["start"], cli["end"], cli["pages"]) == (
        "2026-01-30T10:01:00Z", "2026-03-01T10:01:00Z", 2
    )  # fmt: skip
    html = server.get("/oncall").text
    assert tiles(html, "oncall-total")["pages"] == "2"
    assert source(html, "on-call report") == (
        "/api/v1/oncall/report?from=2026-01-30T10:01:00Z&to=2026-03-01T10:01:00Z"
    )
    assert 'id="oncall-note"' not in html
    latest = server.get("/oncall", to="latest").text
    assert source(latest, "on-call report") == source(html, "on-call report")


def test_the_overviews_oncall_tiles_end_at_the_newest_page(server: Server) -> None:
    html = server.get("/").text
    link = source(html, "on-call load")
    assert link == "/api/v1/oncall/report?from=2026-02-22T10:01:00Z&to=2026-03-01T10:01:00Z"
    report = server.client.get(link).json()
    assert tiles(html, "oncall")["pages"] == str(report["pages"]) == "1"
    # the SLOs still end at the newest event
    assert 'data-source="SLO status">/api/v1/slo/status?at=2026-03-31T12:01:00Z' in html


def test_without_pages_oncall_latest_is_refused_as_the_api_refuses_it(tmp_path: Path) -> None:
    running = Server(company(tmp_path / "company", pages=False))
    try:
        api = running.get("/api/v1/oncall/report", to="latest")
        page = running.get("/oncall", to="latest")
        assert api.status_code == page.status_code == 400
        assert "none is imported yet" in api.json()["detail"]
        assert "none is imported yet" in page.json()["detail"]
        # the default, reports.end: latest, is refused the same way
        assert running.get("/oncall").status_code == running.get(
            "/api/v1/oncall/report"
        ).status_code == 400  # fmt: skip
    finally:
        running.stop()
