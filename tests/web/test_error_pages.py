"""Errors on the dashboard's pages over a real server: in real Chromium a page in the
dashboard's layout (its navigation, the status, the message escaped, a way back), the
message the problem details of the same URL give a script; the API and OTLP keep their
formats whatever the request accepts; messages name the pages' query parameters, not the
CLI's options."""

from __future__ import annotations

import re

import pytest
from serving import Server, Watched

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = "<script>alert(1)</script>"
ERRORS = {
    "/slo/checkout/nope": 404,
    "/?at=garbage": 400,
    "/review?week=2026-W60": 400,
    "/deploys?team=nope": 400,
    "/check?service=nope": 400,
    "/nope": 404,
    "/oncall?from=2026-03-02&to=2026-03-01": 400,
    "/toil?team=platform&person=dana": 400,
    f"/slo/checkout/{HOSTILE}": 404,
}


@pytest.mark.parametrize("path", list(ERRORS))
def test_a_pages_error_is_html_for_a_browser_and_json_for_a_script(
    demo_server: Server, path: str
) -> None:
    problem = demo_server.client.get(path)
    assert problem.status_code == ERRORS[path]
    assert problem.headers["content-type"] == "application/problem+json"
    detail = problem.json()["detail"]
    page = demo_server.client.get(path, headers=HTML)
    assert page.status_code == ERRORS[path]
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<nav>" in html and '<a href="/">Back to the overview</a>' in html
    assert f'<h1 id="error" data-status="{ERRORS[path]}">' in html
    shown = re.search(r'<p class="note" id="error-detail">(.*?)</p>', html, re.S)
    assert shown is not None
    text = re.sub(r"<[^>]+>", "", shown.group(1))
    assert text.replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&"
    ) == detail  # fmt: skip
    assert HOSTILE not in html


def test_messages_name_the_pages_query_parameters(demo_server: Server) -> None:
    said = {
        "/oncall?from=2026-03-02&to=2026-03-01": "from must be before to",
        "/toil?team=platform&person=dana": "choose one of team and person",
    }
    for path, message in said.items():
        assert demo_server.client.get(path).json()["detail"] == message
        html = demo_server.client.get(path, headers=HTML).text
        assert "--" not in html.split('id="error-detail">')[1].split("</p>")[0]
    # the API keeps the CLI's words: a script of the API reads them as the CLI's
    api = demo_server.get("/api/v1/oncall/report", **{"from": "2026-03-02", "to": "2026-03-01"})
    assert api.json()["detail"] == "--from must be before --to"
    # a window without events: what would show the newest, as a query string
    note = demo_server.get("/slo/checkout/availability", at="2026-06-01T00:00:00Z").text
    found = re.search(r'id="status-note">(.*?)</p>', note, re.S)
    assert found is not None and "--at" not in found.group(1)
    assert re.search(r"try <code>\?at=(latest|2026-03-0\dT\d\d:\d\d:00Z)</code>", found.group(1))


def test_the_api_and_otlp_keep_their_formats(demo_server: Server) -> None:
    api = demo_server.client.get("/api/v1/slo/status?at=garbage", headers=HTML)
    assert api.status_code == 400
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["detail"].startswith("expected a time")
    otlp = demo_server.client.post(
        "/v1/traces", content=b"{}", headers=HTML | {"Content-Type": "application/json"}
    )
    assert otlp.status_code == 401 and otlp.headers["content-type"] == "application/json"
    assert set(otlp.json()) == {"code", "message"}


@pytest.mark.slow
@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
def test_an_error_page_in_chromium(demo_server: Server, tab: Watched) -> None:
    page = tab.page
    for path, status in ERRORS.items():
        answer = page.goto(demo_server.url + path)
        assert answer is not None and answer.status == status, path
        assert page.locator("#error").get_attribute("data-status") == str(status)
        assert page.locator("header nav a.brand").is_visible()
        detail = demo_server.client.get(path).json()["detail"]
        assert page.locator("#error-detail").inner_text() == detail
        back = page.locator('#error-back a[href="/"]')
        assert back.is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], path  # type: ignore[index]
    back.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Overview")
    assert tab.dialogs == []
