"""The toil page over a real server: hours per week against the team's capacity and the cap,
the over-cap week flagged, categories (on-call time from pages labelled as derived), people,
services, top sources and automation candidates, against figures counted by hand and
`basics toil report --json`; no data never shown as 0 %; escaping; in real Chromium, the
page draws and fits a phone."""

from __future__ import annotations

import datetime as dt
import html as markup
import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from serving import BASICS, INK, Server, Watched

from basics.app import App
from basics.config.loader import load_config
from basics.oncall.models import Page

CONFIG = """\
timezone: Europe/London
people:
  alice: {timezone: Europe/London}
  bob: {timezone: Europe/London}
teams:
  payments: {members: [alice, bob], capacity_hours_per_week: 60}
toil:
  categories: [interrupt, manual-ops, cleanup]
"""
HOSTILE = "<script>alert(1)</script>"
RANGE = {"team": "payments", "from": "2026-03-02", "to": "2026-03-16"}  # weeks 10 and 11
W10, W11 = dt.date(2026, 3, 2), dt.date(2026, 3, 9)


def logged(app: App) -> None:
    """Week 10: alice 22 h (over her half of 40 h), bob 10 h: 32 h of the team's 60 h, over
    its cap of 30 h. Week 11: alice 2.5 h and bob's night page, 75 min: 3.75 h."""
    log = app.toil.log
    log(8 * 60, "interrupt", "alice", W10, "api", "Restarted queue 42", "OPS-1", True)
    log(8 * 60, "interrupt", "alice", W10 + dt.timedelta(1), "api", "restarted queue 7", None, True)
    log(6 * 60, "manual-ops", "alice", W10 + dt.timedelta(2), "payments", "Rotated keys")
    log(10 * 60, "cleanup", "bob", W10, None, "Cleaned disks")
    log(2 * 60, "interrupt", "alice", W11, "api", "Restarted queue 3!", "OPS-2", True)
    log(30, "cleanup", "alice", W11 + dt.timedelta(1), None, HOSTILE)
    page = Page(
        "test:p1", "test", "p1", "k1", "QueueStuck", "api", "high",
        dt.datetime(2026, 3, 10, 23, 30), dt.datetime(2026, 3, 10, 23, 35),
        dt.datetime(2026, 3, 11, 0, 45), "bob",
    )  # fmt: skip
    app.oncall.record_pages([page], "test", "test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("toil-page") / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    app = App(load_config(folder / "basics.yaml"))
    try:
        logged(app)
    finally:
        app.close()
    running = Server(folder)
    yield running
    running.stop()


def cells(html: str, table: str) -> dict[str, list[str]]:
    """A table's rows by their first `data-*` key: each cell's data-value, else its text."""
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body is not None, table
    rows: dict[str, list[str]] = {}
    for key, row in re.findall(r'<tr data-[a-z]+="([^"]*)"[^>]*>(.*?)</tr>', body.group(1), re.S):
        found = re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S)
        rows[markup.unescape(key)] = [_cell(attrs, text) for attrs, text in found]
    return rows


def _cell(attrs: str, text: str) -> str:
    value = re.search(r'data-value="([^"]*)"', attrs)
    if value and value.group(1):
        return value.group(1)
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def tiles(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)" data-value="([^"]*)"', html.split("</dl>")[0]))


def test_weeks_against_the_cap_as_counted_by_hand(server: Server) -> None:
    html = server.get("/toil", **RANGE).text
    total = tiles(html)
    assert float(total["hours"]) == 32 + 3.75
    assert float(total["share"]) == pytest.approx(35.75 / 120)
    # six logged and bob's page, on two days (23:30 to 00:45): two derived rows
    assert (total["capacity"], total["over_cap_weeks"], total["entries"]) == ("120.0", "1", "8")
    assert total["trend"] == "falling"
    weeks = cells(html, "weeks")
    assert list(weeks) == ["2026-W10", "2026-W11"]
    # week, hours, capacity, share, on-call, change, flags
    assert weeks["2026-W10"][1:5] == ["32.0", "60.0", str(32 / 60), "0.0"]
    assert weeks["2026-W10"][6] == "over the cap"
    assert weeks["2026-W11"][1:5] == ["3.75", "60.0", str(3.75 / 60), "1.3"]  # 1.25 h, a half up
    assert weeks["2026-W11"][5:] == ["-28.3", ""]  # -28.25 h, a half away from zero
    assert '<tr data-week="2026-W10" class="over">' in html
    chart = json.loads(re.findall(r'id="chart-data">(.*?)</script>', html, re.S)[0])
    assert (chart["within"], chart["over"]) == ([None, 3.75], [32.0, None])
    assert chart["cap"] == [30.0, 30.0]  # 50 % of 60 h a week


def test_categories_people_services_sources_and_candidates(server: Server) -> None:
    html = server.get("/toil", **RANGE).text
    categories = cells(html, "categories")
    assert {k: v[1] for k, v in categories.items()} == {
        "interrupt": "18.0", "cleanup": "10.5", "manual-ops": "6.0", "on-call": "1.25",
    }  # fmt: skip
    assert categories["on-call"][0] == "on-call derived from pages"
    services = cells(html, "services")
    assert {k: v[1] for k, v in services.items()} == {
        "api": "19.25", "": "10.5", "payments": "6.0",
    }  # fmt: skip
    people = cells(html, "people")
    # person, hours, h/week, share, weeks over the cap (alice's 22 h of 40 h in week 10)
    # 24.5 h over 2 weeks: 12.25 h a week, a half rounded up as the CLI rounds it
    assert people["alice"] == ["alice", "24.5", "12.3", str(24.5 / 80), "1"]
    assert people["bob"] == ["bob", "11.25", "5.6", str(11.25 / 80), "0"]
    oncall = cells(html, "oncall")
    assert oncall["bob"] == ["bob", "1", "1.25", "1.3", "1"]  # 1.25 h at night, a half up
    sources = re.search(r'<table id="sources">.*?</table>', html, re.S)
    assert sources is not None
    first = re.search(r"<tbody>\s*<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", sources[0])
    assert first is not None and first.groups()[1:] == ("interrupt", "api")
    assert first.group(1).lower().startswith("restarted queue")
    candidates = re.search(r'<table id="candidates">.*?</table>', html, re.S)
    assert candidates is not None and 'data-value="9.0"' in candidates[0]  # 18 h / 2 weeks
    assert "OPS-1, OPS-2" in candidates[0]
    assert "Trend: 32.0 h a week in the first half of 2 complete weeks" in html


def test_the_page_is_the_clis_report_and_links_its_json(server: Server) -> None:
    html = server.get("/toil", **RANGE).text
    said = re.search(r'<code data-command="toil report">(.*?)</code>', html)
    assert said is not None
    words = shlex.split(markup.unescape(said.group(1)))
    assert words == ["basics", "toil", "report", "--team", "payments", "--from", "2026-03-02",
                     "--to", "2026-03-16", "--json"]  # fmt: skip
    done = subprocess.run([BASICS, *words[1:]], cwd=server.folder, capture_output=True,
                          text=True, check=True, timeout=60)  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    twin = re.search(r'data-source="toil report">([^<]+)</a>', html)
    assert twin is not None
    link = markup.unescape(twin.group(1))
    assert link == (
        "/api/v1/toil/report?team=payments&from=2026-03-02T00:00:00Z&to=2026-03-16T00:00:00Z"
    )
    assert server.client.get(link).json() == report
    total = tiles(html)
    assert float(total["hours"]) == report["total"]["hours"]
    assert float(total["share"]) == report["total"]["share"]
    assert int(total["over_cap_weeks"]) == report["over_cap_weeks"]
    weeks = cells(html, "weeks")
    for week in report["weeks"]:
        assert float(weeks[week["week"]][1]) == week["total"]["hours"]
        assert float(weeks[week["week"]][3]) == week["total"]["share"]
        assert ("over the cap" in weeks[week["week"]][6]) == week["total"]["over_cap"]
    categories = cells(html, "categories")
    assert [(k, float(v[1])) for k, v in categories.items()] == [
        (c["name"], c["hours"]) for c in report["categories"]
    ]
    assert [c["derived"] for c in report["categories"]] == [k == "on-call" for k in categories]


def test_no_data_is_never_zero(server: Server) -> None:
    html = server.get("/toil", team="payments", **{"from": "2026-01-05", "to": "2026-01-19"}).text
    assert 'id="toil-note"' in html and "no data, not zero toil" in html
    assert "the newest logged entry is on 2026-03-10" in html
    total = tiles(html)
    assert total["share"] == ""
    weeks = cells(html, "weeks")
    assert [w[1] for w in weeks.values()] == ["no data", "no data"]
    assert [w[3] for w in weeks.values()] == ["no data", "no data"]
    assert "0.0%" not in html


def test_user_text_is_escaped_and_a_bad_team_refused(server: Server) -> None:
    html = server.get("/toil", **RANGE).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and HOSTILE not in html
    unknown = server.get("/toil", team="nope")
    assert unknown.status_code == 404 and 'no team "nope"' in unknown.json()["detail"]
    assert (
        server.get("/toil", team="", person="", service="", **{"from": "2026-03-02"}).status_code
        == 200
    )


@pytest.mark.slow
@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
def test_the_page_draws_in_chromium(server: Server, tab: Watched) -> None:
    query = "&".join(f"{k}={v}" for k, v in RANGE.items())
    page = tab.open(f"{server.url}/toil?{query}")
    assert page.evaluate(INK, "#chart-toil") > 100
    assert page.locator('#weeks tr[data-week="2026-W10"] [data-flag="over"]').is_visible()
    assert HOSTILE in page.locator("#sources").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the body overflows: {width} px"  # type: ignore[index]
    assert tab.dialogs == [] and tab.errors == []


@pytest.mark.slow
def test_the_overview_shows_the_toil_share_and_change_failure_rate(
    demo_server: Server, tab: Watched
) -> None:
    page = tab.open(demo_server.url + "/")
    link = page.locator('a[data-source="DORA"]').get_attribute("href") or ""
    record = demo_server.client.get(link).json()
    ratio = record["total"]["change_failure_rate"]["ratio"]
    shown = page.locator('#delivery [data-figure="change_failure_rate"]').get_attribute(
        "data-value"
    )
    assert float(shown or "nan") == ratio
    toil = page.locator('a[data-source="toil report"]').get_attribute("href") or ""
    share = demo_server.client.get(toil).json()["total"]["share"]
    tile = page.locator('#delivery [data-figure="toil_share"]')
    assert share is not None and float(tile.get_attribute("data-value") or "nan") == share
    assert f"{share * 100:.1f}%" in tile.inner_text()
    assert tab.errors == []
