"""Every dashboard page in real headless Chromium over a real server: no console errors, the
figures shown are the API's, the charts are drawn, an interval dragged on the SLO chart costs
what `slo cost` says, and the pages fit a phone's width."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from serving import BASICS, INK, Server, Watched, alertmanager

from basics.web import formats

pytestmark = pytest.mark.slow

PAGES = {
    "overview": "/",
    "slo": "/slo/checkout/availability",
    "alerts": "/alerts/checkout/availability",
    "oncall": "/oncall?from=2026-02-01T00:00:00Z&to=2026-03-03T00:00:00Z",
}
CHARTS = {
    "overview": [".spark"],
    "slo": ["#chart-budget", "#chart-sli", "#chart-burn"],
    "alerts": ["#chart-timeline"],
    "oncall": ["#chart-shifts"],
}


@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_draws_without_errors_and_fits_the_width(
    demo_server: Server, tab: Watched, name: str
) -> None:
    page = tab.open(demo_server.url + PAGES[name])
    for selector in CHARTS[name]:
        assert page.evaluate(INK, selector) > 100, f"{selector} drew nothing"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the body overflows: {width} px"  # type: ignore[index]
    assert tab.errors == []


def test_overview_shows_the_status_figures(demo_server: Server, tab: Watched) -> None:
    page = tab.open(demo_server.url + "/")
    status = demo_server.get("/api/v1/slo/status").json()
    evaluations = {e["slo"]: e for e in demo_server.get("/api/v1/alerts/evaluate").json()}
    for s in status:
        row = page.locator(f'tr[data-slo="{s["slo"]}"]')
        assert row.locator("td.sli").inner_text() == formats.sli(s["sli"])
        assert row.locator("td.budget").inner_text() == formats.percent(s["budget_remaining"])
        assert row.locator("td.status").inner_text() == s["status"].replace("_", " ")
        firing = [t for t in evaluations[s["slo"]]["tiers"] if t["state"] == "firing"]
        assert row.locator(".firing .badge").count() == len(firing)
    # the on-call tiles: the 7 days up to the end `oncall report` takes (`latest`: the
    # newest page, 2026-03-02 23:51:12Z in the demo)
    link = page.locator('a[data-source="on-call load"]').get_attribute("href") or ""
    assert link == "/api/v1/oncall/report?from=2026-02-23T23:52:00Z&to=2026-03-02T23:52:00Z"
    report = demo_server.client.get(link).json()
    assert page.locator('[data-figure="pages"]').inner_text() == str(report["pages"])


def plot_x(page: Any, chart: dict[str, Any], selector: str, moment: int) -> float:
    """The page x of a time on a chart (its range is the window: first step to end)."""
    box = page.locator(f"{selector} .u-over").bounding_box()
    first, last = chart["t"][0], chart["end"]
    return float(box["x"] + box["width"] * (moment - first) / (last - first))


def test_dragging_an_interval_shows_its_cost_and_breakdown(
    demo_server: Server, tab: Watched
) -> None:
    page = tab.open(demo_server.url + PAGES["slo"])
    chart = json.loads(page.locator("#chart-data").text_content() or "{}")
    outage = next(i for i in chart["incidents"] if "outage" in i["label"].lower())
    box = page.locator("#chart-budget .u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(plot_x(page, chart, "#chart-budget", outage["from"] - 6 * 3600), y)
    page.mouse.down()
    page.mouse.move(plot_x(page, chart, "#chart-budget", outage["to"] + 6 * 3600), y, steps=8)
    page.mouse.up()
    page.wait_for_selector("#selection[data-state=done]")
    query = parse_qs(urlparse(page.url).query)
    start, end = query["from"][0], query["to"][0]
    cost = demo_server.get(
        "/api/v1/slo/cost/checkout/availability", **{"from": start, "to": end}
    ).json()
    assert cost["bad"] > 0, "the drag covers the outage"
    assert page.locator("#cost-bad").get_attribute("data-value") == str(cost["bad"])
    assert page.locator("#cost-total").get_attribute("data-value") == str(cost["total"])
    assert (
        float(page.locator("#cost-share").get_attribute("data-value") or "nan")
        == (cost["share_of_budget"])
    )
    assert page.locator("#cost-share").inner_text() == formats.percent(cost["share_of_budget"], 2)
    cli = subprocess.run(
        [BASICS, "slo", "cost", "checkout/availability", "--from", start, "--to", end, "--json"],
        cwd=demo_server.folder, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert json.loads(cli.stdout) == cost

    # the breakdown of the interval's bad events, by auto, then by user
    auto = demo_server.get(
        "/api/v1/slo/breakdown/checkout/availability", by="auto", **{"from": start, "to": end}
    ).json()
    rows = page.locator("#breakdown tbody tr")
    assert rows.count() == sum(len(b["contributors"]) for b in auto)
    page.locator('#breakdown-tabs button[data-by="user"]').click()
    page.wait_for_function("new URLSearchParams(location.search).get('by') === 'user'")
    by_user = demo_server.get(
        "/api/v1/slo/breakdown/checkout/availability", by="user", **{"from": start, "to": end}
    ).json()
    page.wait_for_function(
        "(n) => document.querySelectorAll('#breakdown tbody tr[data-dimension=user]').length == n",
        arg=len(by_user["contributors"]),
    )
    top = by_user["contributors"][0]
    first = page.locator("#breakdown tbody tr").first
    assert first.locator("td").nth(2).get_attribute("data-value") == str(top["bad"])
    first.locator("button.value").click()
    page.wait_for_selector("#breakdown tbody tr.picked")
    assert parse_qs(urlparse(page.url).query)["value"] == [top["value"]]

    # the URL holds the state: opened afresh, it shows the same interval and its cost
    again = tab.open(page.url)
    again.wait_for_selector("#selection[data-state=done]")
    assert again.locator("#cost-bad").get_attribute("data-value") == str(cost["bad"])
    assert again.locator("#breakdown tbody tr.picked").count() == 1
    marked = "e => e.getBoundingClientRect().width"
    again.wait_for_function(f"() => ({marked})(document.querySelector('#chart-sli .u-select')) > 0")
    assert tab.errors == []


def test_alerts_page_shows_the_replay_and_the_comparison(demo_server: Server, tab: Watched) -> None:
    page = tab.open(demo_server.url + PAGES["alerts"])
    window = {"from": "2026-02-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    replay = demo_server.get("/api/v1/alerts/replay/checkout/availability", **window).json()
    pages = [f for f in replay["firings"] if f["severity"] == "page" and not f["suppressed"]]
    assert page.locator('[data-figure="pages"]').inner_text() == str(len(pages))
    assert (
        float(page.locator('[data-figure="precision"]').get_attribute("data-value") or "")
        == (replay["precision"])
    )
    for incident, delay in replay["detection_delay_s"]["per_incident"].items():
        cell = page.locator(f'td[data-incident="{incident}"]').inner_text()
        assert cell == (formats.duration(delay) if delay is not None else "missed")
    policies = [r.get_attribute("data-policy") for r in page.locator("tr[data-policy]").all()]
    compared = demo_server.get(
        "/api/v1/alerts/compare/checkout/availability", policies=",".join(policies), **window
    ).json()
    for result in compared:
        row = page.locator(f'tr[data-policy="{result["policy"]}"]')
        assert row.locator('[data-figure="firings"]').inner_text() == str(len(result["firings"]))
        assert row.locator('[data-figure="false_firings"]').inner_text() == str(
            result["false_firings"]
        )
    assert tab.errors == []


def test_oncall_page_shows_the_report(demo_server: Server, tab: Watched) -> None:
    page = tab.open(demo_server.url + PAGES["oncall"])
    window = {"from": "2026-02-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    report = demo_server.get("/api/v1/oncall/report", **window).json()
    assert page.locator('[data-figure="pages"]').inner_text() == f"{report['pages']:,}"
    counts = page.eval_on_selector_all(
        "#heatmap td", "cells => cells.map(c => Number(c.dataset.count))"
    )
    assert len(counts) == 7 * 24 and sum(counts) == report["pages"]
    names = page.locator("td.alert-name").all_inner_texts()
    assert names == [a["alert"] for a in report["alerts"]]
    assert tab.errors == []


def test_a_script_in_an_alert_name_arrives_as_text(own_demo: Path, tab: Watched) -> None:
    name = "<script>alert(1)</script>"
    server = Server(own_demo, env={"BASICS_API_TOKEN": "bsc_web-test"})
    try:
        sent = server.client.post(
            "/api/v1/webhooks/alertmanager",
            content=alertmanager(name),
            headers={"Authorization": "Bearer bsc_web-test"},
        )
        assert sent.status_code == 200, sent.text
        page = tab.open(server.url + "/oncall")
        assert name in page.locator("td.alert-name").all_inner_texts()
        assert tab.dialogs == [] and tab.errors == []
    finally:
        server.stop()
