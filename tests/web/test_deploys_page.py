"""The deploys page and the deploy markers of the SLO charts, over a real server: DORA per
service and overall with bands as the API gives it (and against figures counted by hand),
"no data" never shown as a number, the deploys and the weekly chart, escaping; in real
Chromium, the page draws and every SLO chart marks its service's deploys."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from serving import INK, Server, Watched

from basics.app import App
from basics.config.loader import load_config
from basics.deploys.models import Change, DeployRead, DeployRecord, IncidentRecord
from basics.web import formats

CONFIG = """\
timezone: UTC
services:
  api: {owner: payments}
  web: {owner: carol}
teams:
  payments: {members: [alice]}
  frontend: {members: [carol]}
  idle: {members: [dave]}
people:
  alice: {}
  carol: {}
  dave: {}
"""
T0 = dt.datetime(2026, 3, 2)  # a Monday
WEEK = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-09T00:00:00Z"}
HOSTILE = "<script>alert(1)</script>"


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def deploy(key: str, hours: float, status: str = "succeeded", service: str = "api",
           changes: tuple[Change, ...] = (), commit: str | None = None,
           environment: str = "production", version: str | None = None,
           ) -> DeployRecord:  # fmt: skip
    return DeployRecord(
        service=service, deployed_at=at(hours), source_key=key, status=status,  # type: ignore[arg-type]
        version=version or key, commit=commit, environment=environment, changes=changes,
    )  # fmt: skip


def change(sha: str, hours: float) -> Change:
    return Change(sha, at(hours) - dt.timedelta(days=1), at(hours))


def history() -> DeployRead:
    """tests/deploys/test_dora.py's week: api's nine deploys (a failed one, a rollback, one
    linked to two incidents), one of web, one to staging; and, the week after, a deploy of
    web whose version is a script."""
    return DeployRead(
        deploys=[
            deploy("d1", 1, changes=(change("a", 0), change("b", -23))),
            deploy("d2", 10, "failed", changes=(change("c", 9),)),
            deploy("d3", 12, changes=(change("c", 9), change("d", 11))),
            deploy("d4", 12, changes=(change("e", 2),)),
            deploy("d5", 30, "rolled-back"),
            deploy("d6", 31),
            deploy("d7", 50, commit="seven"),
            deploy("d8", 53),
            deploy("d9", 60, changes=(change("f", 61),)),
            deploy("w1", 5, service="web", changes=(change("w", 4.5),)),
            deploy("s1", 6, environment="staging"),
            deploy("w2", 7 * 24 + 5, service="web", version=HOSTILE),
        ],
        incidents=[
            IncidentRecord("inc-1", at(52), at(54), ("seven", "seven"), "checkout errors", "api"),
            IncidentRecord("inc-2", at(52.5), at(53.5), ("seven",), "same cause, again", "api"),
        ],
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("deploys-page") / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    app = App(load_config(folder / "basics.yaml"))
    try:
        app.deploys.store_read(history(), "jsonl", "history", b"history")
    finally:
        app.close()
    running = Server(folder)
    yield running
    running.stop()


class Figures(HTMLParser):
    """Every element with `data-figure`: its `data-value` and text, keyed by the id of the
    nearest element with one, the nearest row's `data-service`, and the figure."""

    VOID: ClassVar[set[str]] = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.found: dict[tuple[str | None, str | None, str], tuple[str | None, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs), []))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, attrs, parts = self.stack.pop()
            text = "".join(parts)
            if self.stack:
                self.stack[-1][2].append(text)
            figure = attrs.get("data-figure")
            if figure:
                where = next((a["id"] for _, a, _ in reversed(self.stack) if a.get("id")), None)
                row = next((a["data-service"] for _, a, _ in reversed(self.stack)
                            if "data-service" in a), None)  # fmt: skip
                self.found[(where, row, figure)] = (attrs.get("data-value"), " ".join(text.split()))
            if name == tag:
                break


def figures(html: str) -> dict[tuple[str | None, str | None, str], tuple[str | None, str]]:
    parser = Figures()
    parser.feed(html)
    return parser.found


def chart_data(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def value(found: tuple[str | None, str]) -> float | None:
    return None if not found[0] else float(found[0])


def test_the_page_shows_dora_per_service_as_counted_by_hand(server: Server) -> None:
    answer = server.get("/deploys", **WEEK)
    assert answer.status_code == 200, answer.text
    shown = figures(answer.text)
    api = {k[2]: v for k, v in shown.items() if k[:2] == ("dora-services", "api")}
    assert value(api["deploys"]) == 9
    assert value(api["per_week"]) == pytest.approx(8)  # all but the failed d2, in one week
    assert api["per_week"][1].startswith("8.0 a week")
    assert value(api["deploy_days_per_week"]) == pytest.approx(3)
    assert value(api["change_failure_rate"]) == pytest.approx(3 / 9)  # d2, d5, d7 once
    assert api["change_failure_rate"][1].startswith("33.3% 3 of 9")
    assert value(api["lead_time_median"]) == 3 * 3600
    assert api["lead_time_median"][1].startswith("3h p90 1d, n 5")
    assert value(api["recovery_median"]) == 2 * 3600
    assert api["recovery_median"][1].startswith("2h p90 4h, n 3")
    total = {k[2]: v for k, v in shown.items() if k[0] == "dora-total"}
    assert value(total["deploys"]) == 10  # staging's deploy is not counted
    assert total["failed"][1] == "3"


BANDS = {
    "per_week": "deployment_frequency",
    "lead_time_median": "lead_time",
    "change_failure_rate": "change_failure_rate",
    "recovery_median": "recovery_time",
}


def test_every_figure_and_band_is_the_apis(server: Server) -> None:
    html = server.get("/deploys", **WEEK).text
    links = dict(re.findall(r'data-source="([^"]+)">([^<]+)</a>', html))
    assert (
        links["DORA"]
        == "/api/v1/deploys/dora?from=2026-03-02T00:00:00Z&amp;to=2026-03-09T00:00:00Z"
    )
    record = server.client.get(links["DORA"].replace("&amp;", "&")).json()
    assert record == server.get("/api/v1/deploys/dora", **WEEK).json()
    shown = figures(html)
    for row in [*record["services"], record["total"]]:
        cells = {k[2]: v for k, v in shown.items() if k[:2] == ("dora-services", row["service"])}
        assert value(cells["deploys"]) == row["deploys"]
        assert value(cells["per_week"]) == row["per_week"]
        assert value(cells["deploy_days_per_week"]) == row["deploy_days_per_week"]
        assert value(cells["lead_time_median"]) == row["lead_time_s"]["median"]
        assert value(cells["change_failure_rate"]) == row["change_failure_rate"]["ratio"]
        assert value(cells["recovery_median"]) == row["recovery_time_s"]["median"]
        assert value(cells["rework_rate"]) == row["rework_rate"]["ratio"]
        for figure, band in BANDS.items():
            said = row["bands"][band]
            text = cells[figure][1]
            if said["answer"] is None:
                assert "no band: no data" in text
            else:
                assert f"{said['level']} {said['answer']}" in text, (row["service"], figure)
    assert record["total"]["bands"]["report_year"] == 2024
    assert 'data-year="2024"' in html and "State of DevOps Report 2024" in html


def test_a_figure_without_data_says_so_never_zero(server: Server) -> None:
    # web: one deploy, no failure: nothing to recover from.
    week = figures(server.get("/deploys", **WEEK).text)
    web = {k[2]: v for k, v in week.items() if k[:2] == ("dora-services", "web")}
    assert web["recovery_median"][0] == ""
    assert web["recovery_median"][1].startswith("no data n 0: no failed deploys no band: no data")
    assert value(web["change_failure_rate"]) == 0.0  # none failed: a measured 0 %
    # A range without deploys: every figure but the count is no data.
    empty = server.get("/deploys", **{"from": "2026-01-05", "to": "2026-01-12"}).text
    assert "No deploys in this range: no data" in empty
    total = {k[2]: v for k, v in figures(empty).items() if k[0] == "dora-total"}
    assert total["deploys"] == ("0", "0")
    for name in ("per_week", "lead_time_median", "change_failure_rate", "recovery_median",
                 "rework_rate"):  # fmt: skip
        assert total[name][0] == "", name
        assert total[name][1].startswith("no data"), (name, total[name])
    assert "0.0%" not in empty and "no band: no data" in empty


def test_the_deploys_and_the_weekly_chart(server: Server) -> None:
    html = server.get("/deploys", **WEEK).text
    rows = re.findall(r'<tr data-deploy="(\d+)"( class="failing")?>', html)
    listed = server.get("/api/v1/deploys", environment="production", **WEEK).json()
    assert [int(i) for i, _ in rows] == [d["id"] for d in listed][::-1]  # newest first
    failing = {d["id"] for d in listed if d["status"] != "succeeded" or d["incidents"]}
    assert {int(i) for i, cls in rows if cls} == failing and len(failing) == 3
    d7 = next(d for d in listed if d["version"] == "d7")
    row = re.search(rf'<tr data-deploy="{d7["id"]}".*?</tr>', html, re.S)
    assert row is not None and "#1, #2" in row.group(0)  # linked to both incidents
    assert 'class="badge deploy-rolled-back">rolled-back' in html
    chart = chart_data(html)
    assert chart["t"] == [int(T0.replace(tzinfo=dt.UTC).timestamp())]
    assert (chart["deploys"], chart["failed"]) == ([10], [3])
    # the page links the list's JSON too, and the deploys of each service it shows
    assert 'data-source="deploys">/api/v1/deploys?environment=production&amp;from=' in html


def test_a_team_or_a_service_chooses_the_services(server: Server) -> None:
    team = server.get("/deploys", team="payments", **WEEK).text
    shown = figures(team)
    assert {k[1] for k in shown if k[0] == "dora-services"} == {"api"}
    assert "/api/v1/deploys/dora?team=payments&amp;from=" in team
    assert 'data-source="deploys of api"' in team
    web = server.get("/deploys", service="web", **WEEK).text
    assert {k[1] for k in figures(web) if k[0] == "dora-services"} == {"web"}
    # the team select offers only teams owning a service; an idle team is refused as the API does
    assert "<option>frontend</option>" in web and "<option>idle</option>" not in web
    idle = server.get("/deploys", team="idle")
    assert idle.status_code == 400 and "owns no service" in idle.json()["detail"]
    assert (
        server.get("/deploys", team="", service="", **WEEK).status_code == 200
    )  # the form's "any"


def test_a_version_is_text_not_markup(server: Server) -> None:
    html = server.get("/deploys", **{"from": "2026-03-02", "to": "2026-03-16"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE not in html


# -- the SLO charts' markers, over the demo -------------------------------------------------


def test_every_slo_chart_gets_its_services_deploys(demo_server: Server) -> None:
    html = demo_server.get("/slo/checkout/availability").text
    chart = chart_data(html)
    status = next(
        s
        for s in demo_server.get("/api/v1/slo/status").json()
        if s["slo"] == "checkout/availability"
    )
    window = {"from": status["window_start"], "to": status["window_end"]}
    listed = demo_server.get(
        "/api/v1/deploys", service="checkout", environment="production", **window
    ).json()
    assert len(listed) >= 3
    assert [m["id"] for m in chart["deploys"]] == [d["id"] for d in listed]
    bad = next(m for m in chart["deploys"] if m["status"] == "rolled-back")
    assert bad["linked"] and bad["version"] == "2.7.0"
    assert bad["label"].startswith("checkout 2.7.0 · rolled-back · incident #")
    assert bad["href"] == (f"/deploys?service=checkout&from={window['from']}&to={window['to']}")
    for d in listed:
        assert f'<tr data-deploy="{d["id"]}"' in html
    assert (
        'data-source="deploys">/api/v1/deploys?service=checkout&amp;environment=production' in html
    )
    alerts = chart_data(demo_server.get("/alerts/checkout/availability").text)
    assert [m["id"] for m in alerts["deploys"]] == [d["id"] for d in listed]


# -- in Chromium ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
def test_the_page_draws_in_chromium(demo_server: Server, tab: Watched) -> None:
    page = tab.open(demo_server.url + "/deploys")
    assert page.evaluate(INK, "#chart-weekly") > 100
    record = demo_server.get("/api/v1/deploys/dora", to="latest").json()
    tile = page.locator('#dora-total [data-figure="change_failure_rate"]')
    assert tile.inner_text() == formats.percent(record["total"]["change_failure_rate"]["ratio"])
    assert page.locator("#deploys tbody tr").count() == record["total"]["deploys"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the body overflows: {width} px"  # type: ignore[index]
    assert tab.errors == []


@pytest.mark.slow
def test_slo_charts_mark_each_deploy(demo_server: Server, tab: Watched) -> None:
    page = tab.open(demo_server.url + "/slo/checkout/availability")
    chart = json.loads(page.locator("#chart-data").text_content() or "{}")
    ids = [str(m["id"]) for m in chart["deploys"]]
    for selector in ("#chart-budget", "#chart-sli", "#chart-burn"):
        markers = page.locator(f"{selector} .u-over .deploy-marker")
        assert [m.get_attribute("data-deploy") for m in markers.all()] == ids
        assert page.locator(f"{selector} .uplot").get_attribute("data-deploys") == str(len(ids))
        over = page.locator(f"{selector} .u-over").bounding_box()
        assert over is not None
        xs = []
        for mark, marker in zip(chart["deploys"], markers.all(), strict=True):
            box = marker.bounding_box()
            assert box is not None and box["height"] == pytest.approx(over["height"], abs=1)
            xs.append(box["x"] + box["width"] / 2)
            # where the time falls on the chart's axis (window start to end)
            share = (mark["t"] - chart["t"][0]) / (chart["end"] - chart["t"][0])
            assert xs[-1] == pytest.approx(over["x"] + share * over["width"], abs=2)
        assert xs == sorted(xs)
    bad = page.locator('#chart-budget .deploy-marker[data-status="rolled-back"]')
    assert bad.get_attribute("class") == "deploy-marker deploy-rolled-back deploy-linked"
    assert (bad.get_attribute("title") or "").startswith("checkout 2.7.0 · rolled-back")
    assert (bad.get_attribute("href") or "").startswith("/deploys?service=checkout&from=")
    thick = page.evaluate(
        "(e) => getComputedStyle(e, '::before').borderLeftWidth", bad.element_handle()
    )
    plain = page.evaluate(
        "(e) => getComputedStyle(e, '::before').borderLeftWidth",
        page.locator('#chart-budget .deploy-marker[data-linked="false"]').first.element_handle(),
    )
    assert float(thick.rstrip("px")) > float(plain.rstrip("px"))  # drawn apart
    timeline = tab.open(demo_server.url + "/alerts/checkout/availability")
    assert timeline.locator("#chart-timeline .deploy-marker").count() == len(ids)
    assert tab.errors == []


@pytest.mark.slow
def test_a_marker_opens_the_deploys_page_and_leaves_drags_to_the_chart(
    demo_server: Server, tab: Watched
) -> None:
    page = tab.open(demo_server.url + "/slo/checkout/availability")
    marker = page.locator("#chart-budget .deploy-marker").last
    box = marker.bounding_box()
    assert box is not None
    middle, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # a drag that starts 4 px beside the line selects an interval, as anywhere on the chart
    page.mouse.move(middle + 4, y)
    page.mouse.down()
    page.mouse.move(middle + 120, y, steps=8)
    page.mouse.up()
    page.wait_for_selector("#selection[data-state=done]")
    assert "from=" in page.url
    # the line's dot is the deploy's link
    page.mouse.click(middle, box["y"] + 3)
    page.wait_for_url("**/deploys?service=checkout&from=**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#dora-services tr[data-service=checkout]").count() == 1
    assert tab.errors == []


@pytest.mark.slow
def test_a_script_in_a_version_arrives_as_text(own_demo: Path, tab: Watched) -> None:
    app = App(load_config(own_demo / "basics.yaml"))
    try:
        app.deploys.store_read(
            DeployRead(deploys=[DeployRecord("checkout", dt.datetime(2026, 2, 20, 12), "x1",
                                             version=HOSTILE)]),
            "jsonl", "hostile", b"hostile",
        )  # fmt: skip
    finally:
        app.close()
    server = Server(own_demo)
    try:
        page = tab.open(server.url + "/deploys?to=latest")
        assert any(HOSTILE in t for t in page.locator("#deploys td.version").all_inner_texts())
        slo = tab.open(server.url + "/slo/checkout/availability")
        titles = [
            m.get_attribute("title") or "" for m in slo.locator("#chart-sli .deploy-marker").all()
        ]
        assert any(t.startswith(f"checkout {HOSTILE} · succeeded") for t in titles)
        assert any(HOSTILE in t for t in slo.locator("#slo-deploys td.version").all_inner_texts())
        assert tab.dialogs == [] and tab.errors == []
    finally:
        server.stop()


def test_the_quick_check_link_is_the_bands_own(server: Server) -> None:
    from basics.deploys.bands import QUICK_CHECK_URL

    html = server.get("/deploys", **WEEK).text
    assert f'<a href="{QUICK_CHECK_URL}">DORA Quick Check</a>' in html
    template = Path(__file__).parents[2] / "src/basics/web/templates/deploys.html"
    assert QUICK_CHECK_URL not in template.read_text()  # one copy of the address
