"""`POST /api/v1/incidents` checks the token before it reads the body: without one, a
malformed body says nothing of the schema; with one, it is the 400 naming the field."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from conftest import Server

REPORTER, SENDER = "bsc_incident-reporter", "bsc_page-sender"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("incident-token")
    digest = {t: hashlib.sha256(t.encode()).hexdigest() for t in (REPORTER, SENDER)}
    (folder / "basics.yaml").write_text(
        "timezone: UTC\nservices:\n  checkout: {}\nserve:\n  tokens:\n"
        f"    reporter: {{sha256: {digest[REPORTER]}, scopes: [incidents]}}\n"
        f"    sender: {{sha256: {digest[SENDER]}, scopes: [pages]}}\n"
    )
    running = Server(folder, env={"BASICS_API_TOKEN": ""})
    yield running
    running.stop()


def test_no_token_is_401_whatever_the_body(server: Server) -> None:
    for body in ({"services": "checkout"}, {}, None):
        answer = server.client.post("/api/v1/incidents", json=body)
        assert answer.status_code == 401, answer.text
        assert "services" not in answer.json()["detail"]
    wrong_scope = server.client.post(
        "/api/v1/incidents", json={}, headers={"Authorization": f"Bearer {SENDER}"}
    )
    assert wrong_scope.status_code == 403
    assert wrong_scope.json()["detail"] == 'token "sender" may write pages, not incidents'


def test_with_the_token_a_bad_body_is_400_naming_the_field(server: Server) -> None:
    bearer = {"Authorization": f"Bearer {REPORTER}"}
    answer = server.client.post(
        "/api/v1/incidents",
        json={"services": [], "start": "2026-11-02T10:00:00Z", "end": "2026-11-02T10:30:00Z",
              "title": "x"},
        headers=bearer,
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        'services: list should have at least 1 item after validation, not 0, found "[]"'
    )
    not_json = server.client.post(
        "/api/v1/incidents", content=b"{", headers=bearer | {"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    good = server.client.post(
        "/api/v1/incidents",
        json={"services": ["checkout"], "start": "2026-11-02T10:00:00Z",
              "end": "2026-11-02T10:30:00Z", "title": "x"},
        headers=bearer,
    )  # fmt: skip
    assert good.status_code == 200, good.text
    assert (good.json()["start"], good.json()["end"]) == (
        "2026-11-02T10:00:00Z",
        "2026-11-02T10:30:00Z",
    )


def test_the_openapi_document_still_describes_the_body(server: Server) -> None:
    operation = server.get("/api/v1/openapi.json").json()["paths"]["/api/v1/incidents"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["services", "start", "end", "title"]
