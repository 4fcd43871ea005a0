"""The dashboard's pages and series API over a real server, read as HTML and JSON."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from serving import BASICS, Server, alertmanager

PAGES = [
    "/",
    "/slo/checkout/availability",
    "/slo/search/latency",
    "/slo/payments/latency?from=2026-03-01T10:00:00Z&to=2026-03-01T12:00:00Z&by=user",
    "/alerts/checkout/availability",
    "/alerts/www/availability?policy=single-1h&compare=workbook,single-1h",
    "/oncall",
    "/oncall?team=platform&from=2026-02-01T00:00:00Z&to=2026-03-03T00:00:00Z",
    "/deploys",
    "/deploys?service=search&from=2026-02-01&to=2026-03-03",
    "/toil?team=platform&from=2026-02-02&to=2026-03-02",
    "/check",
    "/review?week=2026-W09",
]


class Sources(HTMLParser):
    """The API links of a page's "This page's data" list, and its elements with data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "a" and named.get("data-source") and named.get("href"):
            self.sources[str(named["data-source"])] = str(named["href"])


def sources(html: str) -> dict[str, str]:
    parser = Sources()
    parser.feed(html)
    return parser.sources


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_and_links_the_api_calls_it_was_drawn_from(
    demo_server: Server, path: str
) -> None:
    answer = demo_server.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    links = sources(answer.text)
    assert links, "a page names the JSON it was drawn from"
    for link in links.values():
        assert link.startswith("/api/v1/")
        data = demo_server.client.get(link)
        assert data.status_code == 200, (link, data.text)
        assert data.headers["content-type"] == "application/json"


def test_static_files_are_served_from_the_package(demo_server: Server) -> None:
    for path in ("/static/dashboard.js", "/static/dashboard.css"):
        assert demo_server.get(path).status_code == 200
    vendored = demo_server.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert vendored.status_code == 200 and "uPlot" in vendored.text
    version = demo_server.get("/static/vendor/uplot/VERSION").text
    assert "package: uplot" in version and "licence: MIT" in version
    assert "MIT" in demo_server.get("/static/vendor/uplot/LICENSE").text


def test_an_unknown_slo_is_not_found(demo_server: Server) -> None:
    answer = demo_server.get("/slo/checkout/nope")
    assert answer.status_code == 404
    assert 'no SLO "checkout/nope"' in answer.json()["detail"]


def test_a_half_selection_is_refused(demo_server: Server) -> None:
    answer = demo_server.get("/slo/checkout/availability", **{"from": "2026-02-10T09:00:00Z"})
    assert answer.status_code == 400
    assert "needs both from and to" in answer.json()["detail"]


def test_series_of_every_slo_adds_up_to_its_status(demo_server: Server) -> None:
    status = {s["slo"]: s for s in demo_server.get("/api/v1/slo/status").json()}
    every = demo_server.get("/api/v1/slo/series").json()
    assert [s["slo"] for s in every] == list(status)
    for series in every:
        want = status[series["slo"]]
        assert (series["start"], series["end"]) == (want["window_start"], want["window_end"])
        assert (sum(series["total"]), sum(series["good"])) == (want["total"], want["good"])
        assert series["budget_total"] == want["budget_total"]
        # The units of every JSON (docs/cli.md): a ratio, the percent named so, a count
        # named as one (the series gave `objective: 99.9` beside SLIs of 0.999).
        assert (series["objective"], series["objective_percent"], series["budget_events"]) == (
            want["objective"], want["objective_percent"], want["budget_events"]
        )  # fmt: skip
        assert series["budget_remaining"][-1] == want["budget_remaining"]
        assert len(series["starts"]) == len(series["sli"]) == len(series["burn_rate"])


def test_series_of_one_slo_per_day_over_a_range(demo_server: Server) -> None:
    one = demo_server.get(
        "/api/v1/slo/series/checkout/availability",
        **{"from": "2026-02-10T00:00:00Z", "to": "2026-02-12T00:00:00Z", "step": 86400},
    ).json()
    assert one["starts"] == ["2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z"]
    cost = demo_server.get(
        "/api/v1/slo/cost/checkout/availability",
        **{"from": "2026-02-10T00:00:00Z", "to": "2026-02-11T00:00:00Z"},
    ).json()
    assert (one["total"][0], one["bad"][0]) == (cost["total"], cost["bad"])
    odd = demo_server.get("/api/v1/slo/series/checkout/availability", step=90)
    assert odd.status_code == 400 and "whole number of minutes" in odd.json()["detail"]


def test_overview_figures_are_the_status_figures(demo_server: Server) -> None:
    html = demo_server.get("/").text
    for s in demo_server.get("/api/v1/slo/status").json():
        row = re.search(rf'<tr data-slo="{re.escape(s["slo"])}">(.*?)</tr>', html, re.S)
        assert row is not None, s["slo"]
        sli = re.search(r'class="num sli"[^>]*data-value="([^"]*)"', row.group(1))
        budget = re.search(r'class="num budget"[^>]*data-value="([^"]*)"', row.group(1))
        assert sli and budget
        assert sli.group(1) == ("" if s["sli"] is None else repr(s["sli"]))
        left = s["budget_remaining"]
        assert budget.group(1) == ("" if left is None else repr(left))


def test_user_text_is_escaped_in_every_page(own_demo: Path) -> None:
    title = "<img src=x onerror=alert(2)> & co"
    subprocess.run(
        [BASICS, "incidents", "add", "--service", "checkout", "--from", "2026-03-02T10:00Z",
         "--to", "2026-03-02T10:30Z", "--title", title],
        cwd=own_demo, check=True, capture_output=True,
    )  # fmt: skip
    server = Server(own_demo, env={"BASICS_API_TOKEN": "bsc_web-test"})
    try:
        sent = server.client.post(
            "/api/v1/webhooks/alertmanager",
            content=alertmanager("<script>alert(1)</script>"),
            headers={"Authorization": "Bearer bsc_web-test"},
        )
        assert sent.status_code == 200, sent.text
        oncall = server.get("/oncall").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in oncall
        assert "<script>alert(1)" not in oncall
        for path in ("/", "/slo/checkout/availability", "/alerts/checkout/availability"):
            page = server.get(path).text
            assert "&lt;img src=x onerror=alert(2)&gt; &amp; co" in page, path
            assert "<img src=x" not in page, path
    finally:
        server.stop()
