"""Deploys through a real `basics serve`: a CI job's POST, GitHub's signed and GitLab's
token-carrying webhooks, and DORA with the fields of `deploys dora --json`."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from conftest import Server

DATA = Path(__file__).parent.parent / "data" / "deploys"
CI, SECRET = "bsc_ci-token", "gh-secret"


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(CI.encode()).hexdigest()
    (folder / "basics.yaml").write_text(
        f"""timezone: UTC
services:
  api: {{owner: payments}}
teams:
  payments: {{members: []}}
serve:
  tokens:
    ci: {{sha256: {digest}, scopes: [deploys]}}
  github:
    secret_env: [GH_SECRET]
"""
    )
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    running = Server(
        make_folder(tmp_path_factory.mktemp("deploys") / "c"), env={"GH_SECRET": SECRET}
    )
    yield running  # type: ignore[misc]
    running.stop()


def test_a_ci_job_records_deploys_and_dora_counts_them(server: Server) -> None:
    post = server.client.post
    refused = post("/api/v1/deploys", json={"service": "api", "version": "1.0.0"})
    assert refused.status_code == 401
    for version, at, status in (
        ("1.0.0", "2026-03-02T10:00:00Z", "succeeded"),
        ("1.1.0", "2026-03-03T10:00:00Z", "rolled-back"),
        ("1.0.0", "2026-03-03T10:30:00Z", "succeeded"),
    ):
        body = {"service": "api", "version": version, "at": at, "status": status}
        done = post("/api/v1/deploys", json=body, headers={"Authorization": f"Bearer {CI}"})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == status
    again = post(
        "/api/v1/deploys",
        json={"service": "api", "version": "1.0.0", "at": "2026-03-02T10:00:00Z"},
        headers={"Authorization": f"Bearer {CI}"},
    )
    assert again.json()["id"] == 1  # the same deploy posted again is the same deploy
    listed = server.get("/api/v1/deploys", service="api").json()
    assert [d["version"] for d in listed] == ["1.0.0", "1.1.0", "1.0.0"]
    dora = server.get("/api/v1/deploys/dora", team="payments", **{"from": "2026-03-01",
                      "to": "2026-03-08"}).json()  # fmt: skip
    total = dora["total"]
    assert total["deploys"] == 3
    assert total["change_failure_rate"]["failed"] == 1
    assert total["recovery_time_s"] == {"median": 1800.0, "p90": 1800.0, "n": 1}
    assert total["rework_rate"]["rework"] == 1
    assert total["bands"]["report_year"] == 2024


def test_github_deliveries_need_their_signature(server: Server) -> None:
    body = (DATA / "github_deployment_status.json").read_bytes()
    url = "/api/v1/webhooks/github?service=billing"
    unsigned = server.client.post(url, content=body)
    assert unsigned.status_code == 401
    forged = server.client.post(url, content=body, headers={"X-Hub-Signature-256": "sha256=00"})
    assert forged.status_code == 401
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    done = server.client.post(url, content=body, headers={"X-Hub-Signature-256": signature})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "applied"
    again = server.client.post(url, content=body, headers={"X-Hub-Signature-256": signature})
    assert again.json()["status"] == "duplicate"  # a redelivery changes nothing
    # GitHub's default content type, form-encoded: nothing stored, so not a green delivery.
    form = b"payload=" + body
    signed = "sha256=" + hmac.new(SECRET.encode(), form, hashlib.sha256).hexdigest()
    refused = server.client.post(url, content=form, headers={"X-Hub-Signature-256": signed})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("nothing stored: ")


def test_gitlab_sends_a_token_of_scope_deploys(server: Server) -> None:
    body = (DATA / "gitlab_hooks.jsonl").read_bytes()
    url = "/api/v1/webhooks/gitlab?service=payments-api"
    assert server.client.post(url, content=body).status_code == 401
    done = server.client.post(url, content=body, headers={"X-Gitlab-Token": CI})
    assert done.status_code == 200, done.text
    stored = done.json()
    # Eleven hooks, four deploy jobs: the hooks of one job (its Deployment Hook, its
    # pipeline's, a running delivery then the final one) fold into one deploy.
    assert stored["status"] == "applied"
    assert (stored["deploys"], stored["skipped"], stored["rejected"]) == (4, 5, 1)
    listed = server.get("/api/v1/deploys", service="payments-api").json()
    jobs = [(d["url"].rsplit("/", 1)[-1], d["status"], d["environment"]) for d in listed]
    assert jobs == [
        ("796", "succeeded", "production"),
        ("801", "failed", "production"),
        ("1002", "succeeded", "production"),
        ("1100", "succeeded", "Staging"),
    ]
