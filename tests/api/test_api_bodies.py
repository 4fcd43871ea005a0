"""What a write reads of its body, on a real server: every member of a gzip body, an
encoding it cannot read refused, `serve.max_body_mb` and the token before any body (toil
and deploys read theirs whole, and told their schema, before), an incident posted again
with its times written otherwise changing nothing, and filters that name nothing, or that
were ignored."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator

import pytest

from conftest import Server

TOKEN = "bsc_every-scope"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("bodies")
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    scopes = "[events, pages, incidents, deploys, toil]"
    (folder / "basics.yaml").write_text(
        "timezone: UTC\n"
        "sources:\n  api: {format: jsonl, service: checkout}\n"
        "services:\n  checkout: {aliases: [Checkout API]}\n"
        "people:\n  ana: {timezone: UTC}\n"
        f"serve:\n  max_body_mb: 1\n  tokens:\n    all: {{sha256: {digest}, scopes: {scopes}}}\n"
    )
    running = Server(folder, env={"BASICS_API_TOKEN": ""})
    yield running
    running.stop()


def lines(first: int, count: int) -> bytes:
    """Events `first` to `first + count` seconds after 2026-11-02 10:00 UTC, one each."""
    start = dt.datetime(2026, 11, 2, 10)
    return "".join(
        json.dumps({"ts": f"{start + dt.timedelta(seconds=n):%Y-%m-%dT%H:%M:%SZ}", "status": 200})
        + "\n"
        for n in range(first, first + count)
    ).encode()


def test_every_member_of_a_gzip_body_is_read(server: Server) -> None:
    """`gzip -c a >> ab.gz; gzip -c b >> ab.gz`: 200 `applied` with the first member's 1,000
    events only, and sent again `duplicate`: the second 1,000 could never come in."""
    body = gzip.compress(lines(0, 1000)) + gzip.compress(lines(1000, 1000))
    headers = BEARER | {"Content-Encoding": "gzip"}

    stored = server.client.post("/api/v1/events?source=api", content=body, headers=headers)
    again = server.client.post("/api/v1/events?source=api", content=body, headers=headers)

    assert stored.status_code == 200, stored.text
    assert (stored.json()["status"], stored.json()["accepted"]) == ("applied", 2000)
    assert again.json()["status"] == "duplicate"
    # Zeros after the last member are padding; other bytes are no gzip.
    padded = gzip.compress(lines(2000, 5)) + b"\0" * 512
    answer = server.client.post("/api/v1/events?source=api", content=padded, headers=headers)
    assert answer.json()["accepted"] == 5
    garbage = gzip.compress(lines(2100, 5)) + b"not gzip"
    refused = server.client.post("/api/v1/events?source=api", content=garbage, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("the body is not valid gzip")


def test_an_encoding_not_read_is_415_naming_it(server: Server) -> None:
    """A deflate body was read as text: 422 advising iconv, and a rejected batch kept."""
    batches = server.get("/api/v1/batches").json()
    answer = server.client.post(
        "/api/v1/events?source=api",
        content=zlib.compress(lines(3000, 5)),
        headers=BEARER | {"Content-Encoding": "deflate"},
    )
    assert answer.status_code == 415
    assert answer.json()["detail"] == (
        "Content-Encoding deflate is not read: send the body as it is, or gzip"
    )
    assert server.get("/api/v1/batches").json() == batches


@pytest.mark.parametrize("path", ["/api/v1/toil", "/api/v1/deploys"])
def test_toil_and_deploys_check_the_token_first_and_keep_to_the_body_limit(
    server: Server, path: str
) -> None:
    """Without a token, a 2 MiB body was read whole (150 MB raised the server's memory by
    400 MB) and its schema errors told before the 401; with one, past `max_body_mb`
    (1 MiB here) it was stored."""
    big = json.dumps({"minutes": 5, "category": "x", "person": "ana", "service": "checkout",
                      "description": "C" * 2 * 2**20})  # fmt: skip
    for body in (big, "{}"):
        answer = server.client.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 401, answer.text
        assert "field required" not in answer.text
    too_large = server.client.post(
        path, content=big, headers=BEARER | {"Content-Type": "application/json"}
    )
    assert too_large.status_code == 413
    named = server.client.post(path, json={}, headers=BEARER)
    assert named.status_code == 400
    assert "field required" in named.json()["detail"]


def test_an_incident_posted_again_with_its_times_written_otherwise_is_one(server: Server) -> None:
    """Without a `key`, `12:10Z` and `12:10:00Z` made two incidents (`incidents add` with
    the same values says "recorded already")."""
    incident = {"services": ["checkout"], "start": "2026-11-02T12:00Z",
                "end": "2026-11-02T12:10Z", "title": "Checkout 502s"}  # fmt: skip
    first = server.client.post("/api/v1/incidents", json=incident, headers=BEARER)
    written_otherwise = incident | {"services": ["Checkout API"], "end": "2026-11-02T12:10:00Z"}
    second = server.client.post("/api/v1/incidents", json=written_otherwise, headers=BEARER)

    assert first.status_code == second.status_code == 200, second.text
    assert first.json()["id"] == second.json()["id"]
    assert len(server.get("/api/v1/incidents").json()) == 1


def test_a_filter_naming_nothing_is_404_and_toil_days_are_kept_to(server: Server) -> None:
    """`/incidents?service=nope` answered 200 `[]` (the CLI exits 1 naming the services);
    `/toil?from=&to=` returned every entry."""
    missing = server.get("/api/v1/incidents", service="nope")
    assert missing.status_code == 404
    assert "nope" in missing.json()["detail"]
    assert [i["title"] for i in server.get("/api/v1/incidents", service="checkout api").json()] == [
        "Checkout 502s"
    ]
    for day in ("2026-11-02", "2026-11-03", "2026-11-04"):
        logged = server.client.post(
            "/api/v1/toil",
            json={"minutes": 30, "category": "interrupt", "person": "ana", "day": day},
            headers=BEARER,
        )
        assert logged.status_code == 200, logged.text
    days = [e["day"] for e in server.get("/api/v1/toil", **{"from": "2026-11-03"}).json()]
    assert days == ["2026-11-04", "2026-11-03"]
    days = [e["day"] for e in server.get("/api/v1/toil", to="2026-11-03").json()]
    assert days == ["2026-11-02"]
    assert server.get("/api/v1/toil", to="3 Nov").status_code == 400


def test_a_body_repeating_stored_events_says_the_parameters_that_apply(server: Server) -> None:
    """A body of 60 events, one identical to a stored one, was refused with advice to pass
    --skip-overlap or --allow-overlap, flags a sender cannot pass (and `skip_overlap=true`
    was ignored: 409 again)."""
    first = server.client.post("/api/v1/events?source=api", content=lines(4000, 10), headers=BEARER)
    assert first.json()["accepted"] == 10
    body = lines(4009, 60)  # its first line is the stored 4009th

    refused = server.client.post("/api/v1/events?source=api", content=body, headers=BEARER)
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "pass ?overlap=skip;" in detail and "?overlap=allow;" in detail
    assert "--skip-overlap" not in detail and "--allow-overlap" not in detail
    skipped = server.client.post(
        "/api/v1/events?source=api&overlap=skip", content=body, headers=BEARER
    )
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["accepted"] == 59  # 60 - the one stored already
    wrong = server.client.post("/api/v1/events?source=api&overlap=yes", content=b"", headers=BEARER)
    assert wrong.status_code == 400


def test_a_delivery_with_no_alert_stores_no_batch(server: Server) -> None:
    """An empty Alertmanager body, or `"alerts": []`, was an applied batch of 0 pages (a
    file of nothing makes none), and a later import of an empty file its duplicate."""
    batches = server.get("/api/v1/batches").json()
    for body in (b"", json.dumps({"version": "4", "status": "firing", "alerts": []}).encode()):
        answer = server.client.post("/api/v1/webhooks/alertmanager", content=body, headers=BEARER)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["status"], answer.json()["batch_id"]) == ("empty", None)
    assert server.get("/api/v1/batches").json() == batches


def test_a_query_parameter_the_path_does_not_read_is_400_naming_those_it_does(
    server: Server,
) -> None:
    """`/api/v1/toil?from=…` answered every entry before `from` was read, and `/pages?alret=X`
    still answers every page: an answer that ignored part of the question looks right."""
    answer = server.get("/api/v1/pages", alret="HighErrors")
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        'unknown query parameter "alret" (this path reads: alert, from, limit, offset, to, '
        "unclassified)"
    )
    assert server.get("/api/v1/pages", alert="HighErrors").status_code == 200
    # The dashboard's pages are links people keep; only the API's reads are held to their
    # parameters: a sender's delivery is not retried after a 4xx (its pages would be lost).
    assert server.get("/", utm_source="mail").status_code == 200
    delivery = server.client.post(
        "/api/v1/webhooks/alertmanager?team=core", content=b"", headers=BEARER
    )
    assert delivery.status_code == 200


def test_a_request_naming_another_host_is_refused(server: Server) -> None:
    """Reads need no token on loopback: a page of evil.example whose name was pointed at
    127.0.0.1 (DNS rebinding) could read every report through the visitor's browser."""
    refused = server.client.get("/api/v1/slo/status", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    for host in ("localhost", f"127.0.0.1:{server.url.rsplit(':', 1)[1]}"):
        assert server.client.get("/api/v1/health", headers={"Host": host}).status_code == 200


def test_any_address_of_127_0_0_0_8_is_loopback() -> None:
    """`--host 127.0.0.2` was refused without a write token, as if it reached the network."""
    from basics.api.server import is_loopback

    assert [is_loopback(h) for h in ("127.0.0.2", "127.255.0.1", "::1", "[::1]", "localhost")] == [
        True, True, True, True, True
    ]  # fmt: skip
    assert [is_loopback(h) for h in ("0.0.0.0", "10.0.0.5", "::", "example.com")] == [
        False, False, False, False
    ]  # fmt: skip


@pytest.mark.parametrize("path", ["/api/v1/pages", "/api/v1/deploys"])
def test_a_range_that_ends_before_it_starts_is_400(server: Server, path: str) -> None:
    """It answered 200 `[]` (every other report answers 400): no pages, it seemed."""
    answer = server.get(path, **{"from": "2026-11-03T00:00:00Z", "to": "2026-11-02T00:00:00Z"})
    assert answer.status_code == 400
    assert answer.json()["detail"] == "--from must be before --to"
