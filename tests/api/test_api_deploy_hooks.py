"""GitHub deployment statuses through a real `basics serve`, as the tester's script sent
them: a failure delivered after the success it precedes leaves the deploy succeeded (and
DORA's change failure rate at 0), `?service=` takes an alias, and a name basics.yaml does
not know is stored with a warning in the reply."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import Server

SECRET, CI = "ghsecret456", "bsc_ci-hooks"


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(CI.encode()).hexdigest()
    (folder / "basics.yaml").write_text(
        f"""timezone: UTC
services:
  checkout: {{aliases: [Checkout API]}}
serve:
  tokens:
    ci: {{sha256: {digest}, scopes: [deploys]}}
  github:
    secret_env: [GH_SECRET]
"""
    )
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(make_folder(tmp_path_factory.mktemp("hooks") / "c"), env={"GH_SECRET": SECRET})
    yield running
    running.stop()


def status(state: str, status_id: int, at: str, deployment: int) -> dict[str, Any]:
    """A `deployment_status` delivery as GitHub sends it (the fields Basics reads)."""
    return {
        "action": "created",
        "deployment_status": {
            "id": status_id, "state": state, "environment": "production",
            "created_at": at, "updated_at": at,
            "log_url": "https://github.com/acme/checkout/actions/runs/1/job/2",
        },
        "deployment": {
            "id": deployment, "environment": "production", "ref": "v2.7.0",
            "sha": "9f1c2ab3d4e5f60718293a4b5c6d7e8f90a1b2c3", "creator": {"login": "dana"},
            "payload": {},
        },
        "repository": {"id": 1, "name": "checkout", "full_name": "acme/checkout"},
    }  # fmt: skip


def send(server: Server, body: dict[str, Any], service: str) -> httpx.Response:
    data = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()
    return server.client.post(
        "/api/v1/webhooks/github",
        params={"service": service},
        content=data,
        headers={"X-Hub-Signature-256": signature, "X-GitHub-Event": "deployment_status"},
    )


def test_a_late_failure_leaves_the_deploy_succeeded(server: Server) -> None:
    running = send(server, status("in_progress", 1, "2026-11-03T13:55:00Z", 555001), "checkout")
    assert running.status_code == 200 and running.json()["status"] == "rejected"
    success = send(server, status("success", 2, "2026-11-03T13:58:00Z", 555001), "checkout")
    assert success.status_code == 200, success.text
    assert (success.json()["new_deploys"], success.json()["superseded"]) == (1, 0)
    again = send(server, status("success", 2, "2026-11-03T13:58:00Z", 555001), "checkout")
    assert again.json()["status"] == "duplicate"
    late = send(server, status("failure", 3, "2026-11-03T13:57:00Z", 555001), "checkout")
    assert late.status_code == 200, late.text
    told = late.json()
    assert (told["status"], told["deploys"], told["new_deploys"], told["superseded"]) == (
        "applied", 1, 0, 1
    )  # fmt: skip

    listed = server.get("/api/v1/deploys", service="checkout").json()
    assert [(d["id"], d["status"], d["deployed_at"]) for d in listed] == [
        (1, "succeeded", "2026-11-03T13:58:00Z")
    ]
    dora = server.get("/api/v1/deploys/dora", service="checkout",
                      **{"from": "2026-11-01", "to": "2026-11-05"}).json()  # fmt: skip
    assert dora["total"]["deploys"] == 1
    assert dora["total"]["change_failure_rate"]["failed"] == 0
    assert dora["total"]["change_failure_rate"]["ratio"] == 0.0


def test_an_alias_names_the_service_and_an_unknown_name_is_said(server: Server) -> None:
    aliased = send(server, status("success", 5, "2026-11-04T10:00:00Z", 555003), "Checkout API")
    assert aliased.status_code == 200, aliased.text
    assert (aliased.json()["unknown_services"], aliased.json()["warnings"]) == ({}, [])
    typo = send(server, status("success", 6, "2026-11-04T11:00:00Z", 555004), "chekout")
    assert typo.status_code == 200, typo.text
    assert typo.json()["unknown_services"] == {"chekout": 1}
    assert typo.json()["warnings"] == [
        '1 deploy names service "chekout", neither a service nor an alias in basics.yaml '
        '(did you mean "checkout"?): stored under that name, in no report of a service of '
        "basics.yaml; add it under services:, or as an alias of the service it is"
    ]
    window = {"from": "2026-11-04", "to": "2026-11-05"}
    listed = server.get("/api/v1/deploys", service="Checkout", **window).json()
    assert [(d["service"], d["deployed_at"]) for d in listed] == [
        ("checkout", "2026-11-04T10:00:00Z")
    ]
    every = server.get("/api/v1/deploys", **window).json()
    assert [d["service"] for d in every] == ["checkout", "chekout"]


def test_a_ci_post_names_the_service_and_warns_of_an_unknown_one(server: Server) -> None:
    auth = {"Authorization": f"Bearer {CI}"}
    known = server.client.post(
        "/api/v1/deploys",
        json={"service": "CHECKOUT", "version": "2.8.0", "at": "2026-11-06T09:00:00Z"},
        headers=auth,
    )
    assert known.status_code == 200, known.text
    assert (known.json()["service"], known.json()["warnings"]) == ("checkout", [])
    typo = server.client.post(
        "/api/v1/deploys",
        json={"service": "chekout", "version": "2.8.1", "at": "2026-11-06T10:00:00Z"},
        headers=auth,
    )
    assert typo.status_code == 200, typo.text
    assert typo.json()["service"] == "chekout"
    assert typo.json()["warnings"][0].startswith('1 deploy names service "chekout", ')
