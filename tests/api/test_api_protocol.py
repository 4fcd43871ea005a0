"""Problem details, ETags, pages of lists and the OpenAPI document of the API."""

from __future__ import annotations

import pytest

from conftest import Server

PROBLEM = "application/problem+json"


def test_unknown_slo_is_404_with_the_cli_message(demo_server: Server) -> None:
    answer = demo_server.get("/api/v1/slo/history/www/nope")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == 404 and problem["title"] == "Not found"
    assert problem["detail"].startswith('no SLO "www/nope" (known: www/availability')
    assert problem["instance"] == "/api/v1/slo/history/www/nope"


def test_bad_time_is_400_naming_what_was_expected(demo_server: Server) -> None:
    answer = demo_server.get(
        "/api/v1/slo/cost/www/availability", **{"from": "soon", "to": "2026-02-21"}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        'expected a time such as 2026-03-02T14:00:05Z or 2026-03-02, found "soon"'
    )


def test_bad_parameter_names_the_parameter(demo_server: Server) -> None:
    answer = demo_server.get("/api/v1/slo/breakdown/www/availability", by="user", top="many")
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"].startswith("query top: ")
    assert 'found "many"' in answer.json()["detail"]
    missing = demo_server.get("/api/v1/slo/cost/www/availability")
    assert missing.status_code == 400
    assert "query from: field required" in missing.json()["detail"]


def test_unknown_path_is_a_problem_too(demo_server: Server) -> None:
    answer = demo_server.get("/api/v1/nothing")
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM


def test_etag_gives_304_while_nothing_changed(demo_server: Server) -> None:
    first = demo_server.get("/api/v1/slo/status", at="latest")
    tag = first.headers["etag"]
    assert tag.startswith('"') and first.headers["cache-control"] == "no-cache"
    again = demo_server.client.get(
        "/api/v1/slo/status", params={"at": "latest"}, headers={"If-None-Match": tag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    other = demo_server.client.get(
        "/api/v1/slo/status",
        params={"at": "2026-02-20T00:00:00Z"},
        headers={"If-None-Match": tag},
    )
    assert other.status_code == 200 and other.headers["etag"] != tag


def test_pages_of_a_list_join_to_the_whole_list(demo_server: Server) -> None:
    whole = demo_server.get("/api/v1/pages").json()
    assert len(whole) == 179
    joined, path, seen = [], "/api/v1/pages?limit=50", 0
    while path:
        answer = demo_server.client.get(path)
        assert answer.headers["x-total-count"] == "179"
        joined += answer.json()
        seen += 1
        links = answer.headers.get("link", "")
        nxt = [p for p in links.split(", ") if p.endswith('rel="next"')]
        path = nxt[0].split(";")[0].strip("<>") if nxt else ""
    assert seen == 4 and joined == whole
    last = demo_server.get("/api/v1/pages", limit=50, offset=150)
    assert '</api/v1/pages?limit=50&offset=100>; rel="prev"' in last.headers["link"]
    assert "next" not in last.headers["link"]


def test_openapi_lists_every_report(demo_server: Server) -> None:
    paths = demo_server.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/slo/status",
        "/api/v1/slo/breakdown/{service}/{slo}",
        "/api/v1/slo/cost/{service}/{slo}",
        "/api/v1/slo/history/{service}/{slo}",
        "/api/v1/slo/percentiles/{service}",
        "/api/v1/alerts/evaluate",
        "/api/v1/alerts/replay",
        "/api/v1/alerts/replay/{service}/{slo}",
        "/api/v1/alerts/compare/{service}/{slo}",
        "/api/v1/alerts/tune/{service}/{slo}",
        "/api/v1/incidents",
        "/api/v1/pages",
        "/api/v1/oncall/report",
        "/api/v1/batches",
        "/api/v1/ingest/rejects/{batch}",
    ]:
        assert path in paths, path
    status = paths["/api/v1/slo/status"]["get"]
    assert [p["name"] for p in status["parameters"]] == ["at"]


def test_docs_work_offline(demo_server: Server) -> None:
    """/docs is Swagger UI from the package itself: no CDN."""
    page = demo_server.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "/api/static/swagger-ui/swagger-ui-bundle.js" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        answer = demo_server.get(f"/api/static/swagger-ui/{asset}")
        assert answer.status_code == 200 and len(answer.content) > 100_000


HOSTILE = [
    "x'; DROP TABLE events; --",
    'attrs.region"] FROM events; DROP TABLE events; --',
    "attrs.'||(SELECT 1)||'",
    "1 OR 1=1",
    "<script>alert(1)</script>",
]


def test_request_text_never_reaches_sql(demo_server: Server) -> None:
    """Every parameter a request controls, with SQL and markup in it: a 4xx naming the
    value, and the store unchanged (the same status before and after)."""
    before = demo_server.get("/api/v1/slo/status").json()
    for text in HOSTILE:
        by = demo_server.get("/api/v1/slo/breakdown/www/availability", by=text)
        if text.startswith("attrs."):  # a key of that name (quoted as a literal): none has it
            assert by.status_code == 404
            key = text.removeprefix("attrs.")
            assert f'has the attribute "{key}" (theirs: ' in by.json()["detail"]
        else:
            assert by.status_code == 400 and "cannot break down by" in by.json()["detail"]
        answers = [
            demo_server.get("/api/v1/slo/status", at=text),
            demo_server.get(f"/api/v1/slo/history/www/{text}"),
            demo_server.get("/api/v1/slo/percentiles/www", **{"from": text, "to": text}),
            demo_server.get(
                "/api/v1/alerts/replay/www/availability", **{"from": "2026-02-01", "policy": text}
            ),
            demo_server.get("/api/v1/batches", kind=text),
        ]
        for answer in answers:
            assert 400 <= answer.status_code < 500, (text, answer.url, answer.text)
            assert answer.headers["content-type"] == PROBLEM
        # Filters that match nothing are not errors: an empty list; a service nothing
        # names is (a misspelling), as every report answers it.
        assert demo_server.get("/api/v1/pages", alert=text).json() == []
        assert demo_server.get("/api/v1/incidents", service=text).status_code == 404
        assert demo_server.get("/api/v1/batches", source=text).json() == []
    assert demo_server.get("/api/v1/slo/status").json() == before


def test_a_report_asked_again_is_served_from_memory(demo_server: Server) -> None:
    def cache() -> dict[str, int]:
        found: dict[str, int] = demo_server.get("/api/v1/health").json()["cache"]
        return found

    path = "/api/v1/slo/history/www/availability"
    first = demo_server.get(path, by="week")
    before = cache()
    again = demo_server.get(path, by="week")
    after = cache()
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert after["hits"] == before["hits"] + 1 and after["misses"] == before["misses"]
    tagged = demo_server.client.get(path, params={"by": "week"},
                                    headers={"If-None-Match": first.headers["etag"]})  # fmt: skip
    assert tagged.status_code == 304
    # Another question is computed; an error is never kept.
    assert demo_server.get(path, by="month").json() != first.json()
    for _ in range(2):
        assert demo_server.get("/api/v1/slo/history/www/nope").status_code == 404
    assert cache()["misses"] == after["misses"] + 3


@pytest.mark.parametrize("path", ["/api/v1/check", "/api/v1/review", "/check", "/review"])
def test_what_reads_the_post_mortem_files_is_never_kept(demo_server: Server, path: str) -> None:
    """The scorecard and the review read post-mortem files, which change outside the
    server: asked twice, computed twice."""
    before = demo_server.get("/api/v1/health").json()["cache"]
    for _ in range(2):
        assert demo_server.get(path).status_code == 200
    after = demo_server.get("/api/v1/health").json()["cache"]
    assert (after["hits"], after["misses"]) == (before["hits"], before["misses"])
