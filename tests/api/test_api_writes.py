"""Writes through the server: tokens and scopes, Alertmanager and PagerDuty webhooks
(folded exactly as the file import folds them), incidents, and the body limit."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import subprocess
from pathlib import Path

import pytest

from conftest import BASICS, Server

DATA = Path(__file__).parent.parent / "data" / "oncall"
SENDER, REPORTER, ENV_TOKEN = "bsc_sender-token", "bsc_reporter-token", "bsc_env-token"
SECRET_OLD, SECRET = "old-secret", "new-secret"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "basics.yaml").write_text(
        f"""timezone: UTC
services:
  checkout:
    slos:
      availability: {{objective: 99.9, good: "status < 500"}}
serve:
  max_body_mb: 0.05
  tokens:
    sender: {{sha256: {sha(SENDER)}, scopes: [pages]}}
    reporter: {{sha256: {sha(REPORTER)}, scopes: [incidents]}}
  pagerduty:
    secret_env: [PD_SECRET_OLD, PD_SECRET]
"""
    )
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    folder = make_folder(tmp_path_factory.mktemp("writes") / "company")
    running = Server(
        folder,
        env={"PD_SECRET_OLD": SECRET_OLD, "PD_SECRET": SECRET, "BASICS_API_TOKEN": ENV_TOKEN},
    )
    yield running  # type: ignore[misc]
    running.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pages_of(folder: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        [BASICS, "pages", "list", "--json"], cwd=folder, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def file_import(tmp_path: Path, name: str, fmt: str) -> list[dict[str, object]]:
    folder = make_folder(tmp_path / f"file-{fmt}")
    done = subprocess.run(
        [BASICS, "ingest", "pages", str(DATA / name), "--format", fmt],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 3), done.stderr  # 3: stored, with the capture's rejects
    return pages_of(folder)


def test_token_missing_wrong_or_without_the_scope(server: Server) -> None:
    body = (DATA / "alertmanager.jsonl").read_text().splitlines()[0]
    path = "/api/v1/webhooks/alertmanager"
    missing = server.client.post(path, content=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    wrong = server.client.post(path, content=body, headers=bearer("bsc_guess"))
    assert wrong.status_code == 401
    other_scope = server.client.post(path, content=body, headers=bearer(REPORTER))
    assert other_scope.status_code == 403
    assert other_scope.json()["detail"] == 'token "reporter" may write incidents, not pages'
    assert server.get("/api/v1/pages").json() == []  # nothing written
    assert server.get("/api/v1/health").json()["refused_tokens"] >= 3


def test_alertmanager_deliveries_fold_as_the_file_import(server: Server, tmp_path: Path) -> None:
    lines = (DATA / "alertmanager.jsonl").read_text().splitlines()
    results = []
    for line in [*lines, lines[0], lines[-1]]:  # two sent again, as Alertmanager retries
        answer = server.client.post(
            "/api/v1/webhooks/alertmanager", content=line, headers=bearer(SENDER)
        )
        assert answer.status_code in (200, 422), answer.text
        results.append(answer.json())
    assert results[-2]["status"] == "duplicate"
    # The last line has nothing usable: sent again, it is refused again, not "duplicate".
    assert results[-1]["status"] == 422 and results[-1]["detail"].startswith("nothing usable")
    expected = file_import(tmp_path, "alertmanager.jsonl", "alertmanager")
    assert len(expected) >= 3
    assert server.get("/api/v1/pages").json() == expected


def test_pagerduty_signatures(server: Server, tmp_path: Path) -> None:
    lines = (DATA / "pagerduty_webhooks.jsonl").read_text().splitlines()
    path = "/api/v1/webhooks/pagerduty"
    body = lines[0].encode()
    refused_before = server.get("/api/v1/health").json()["refused_signatures"]
    unsigned = server.client.post(path, content=body)
    assert unsigned.status_code == 401
    assert unsigned.json()["detail"] == "missing X-PagerDuty-Signature"
    forged = hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    signed = {"X-PagerDuty-Signature": f"v1={forged}"}
    wrong = server.client.post(path, content=body, headers=signed)
    assert wrong.status_code == 401
    # Not ASCII: refused like any wrong signature (it was a 500 with a traceback).
    odd = server.client.post(
        path, content=body, headers={"X-PagerDuty-Signature": "v1=café".encode()}
    )
    assert odd.status_code == 401
    assert server.get("/api/v1/health").json()["refused_signatures"] == refused_before + 3
    for n, line in enumerate(lines):
        raw = line.encode()
        # PagerDuty signs with every secret of the subscription while one is rotated.
        keys = [SECRET_OLD] if n % 2 else [SECRET, "another"]
        signature = ",".join(
            "v1=" + hmac.new(k.encode(), raw, hashlib.sha256).hexdigest() for k in keys
        )
        answer = server.client.post(path, content=raw, headers={"X-PagerDuty-Signature": signature})
        assert answer.status_code in (200, 422), answer.text
    expected = file_import(tmp_path, "pagerduty_webhooks.jsonl", "pagerduty-webhook")
    got = [p for p in server.get("/api/v1/pages").json() if p["source"] == "pagerduty"]
    assert got == expected


def test_a_delivery_with_nothing_usable_is_422_and_kept(server: Server) -> None:
    answer = server.client.post(
        "/api/v1/webhooks/alertmanager",
        content=b'{"receiver": "pager", "status": "firing"}',
        headers=bearer(SENDER),
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["rejected"] == 1 and problem["rejects"][0]["field"] == "alerts"
    assert problem["detail"].startswith("nothing usable in the delivery: alerts: missing alerts")
    rejects = server.get(f"/api/v1/ingest/rejects/{problem['batch_id']}").json()
    assert [r["line"] for r in rejects] == [1]
    batches = server.get("/api/v1/batches").json()
    assert [b["status"] for b in batches if b["id"] == problem["batch_id"]] == ["rejected"]


def test_body_limit_and_gzip(server: Server) -> None:
    big = b'{"alerts": [' + b" " * 60_000 + b"]}"
    answer = server.client.post(
        "/api/v1/webhooks/alertmanager", content=big, headers=bearer(SENDER)
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == (
        "the request body is over the limit of 0.05 MiB (serve.max_body_mb)"
    )
    bomb = gzip.compress(big)
    assert len(bomb) < 1000
    packed = server.client.post(
        "/api/v1/webhooks/alertmanager",
        content=bomb,
        headers=bearer(SENDER) | {"Content-Encoding": "gzip"},
    )
    assert packed.status_code == 413
    line = (DATA / "alertmanager.jsonl").read_text().splitlines()[0].replace("pager", "gz")
    fine = server.client.post(
        "/api/v1/webhooks/alertmanager",
        content=gzip.compress(line.encode()),
        headers=bearer(SENDER) | {"Content-Encoding": "gzip"},
    )
    assert fine.status_code == 200 and fine.json()["status"] in ("applied", "duplicate")
    # A gzip body cut short is refused whole: a part of it was stored with 200 before.
    cut = gzip.compress(((line + "\n") * 40).encode())
    short = server.client.post(
        "/api/v1/webhooks/alertmanager",
        content=cut[: len(cut) * 2 // 3],
        headers=bearer(SENDER) | {"Content-Encoding": "gzip"},
    )
    assert short.status_code == 400
    assert short.json()["detail"] == "the gzip body ended before its end (cut short?)"


def test_incidents_with_the_environment_token(server: Server) -> None:
    incident = {
        "services": ["checkout"],
        "start": "2026-03-02T14:00:00Z",
        "end": "2026-03-02T14:20:00+00:00",
        "title": "Checkout 502s after deploy",
        "severity": "SEV2",
    }
    first = server.client.post("/api/v1/incidents", json=incident, headers=bearer(ENV_TOKEN))
    assert first.status_code == 200, first.text
    again = server.client.post("/api/v1/incidents", json=incident, headers=bearer(REPORTER))
    assert again.json()["id"] == first.json()["id"]  # a redelivery changes nothing
    assert first.json() == {
        "id": first.json()["id"], "services": ["checkout"], "start": "2026-03-02T14:00:00Z",
        "end": "2026-03-02T14:20:00Z", "title": "Checkout 502s after deploy",
        "severity": "SEV2", "source": "api",
    }  # fmt: skip
    listed = server.get("/api/v1/incidents").json()
    assert [i["id"] for i in listed] == [first.json()["id"]]
    backwards = server.client.post(
        "/api/v1/incidents",
        json=incident | {"end": "2026-03-02T13:00:00Z"},
        headers=bearer(REPORTER),
    )
    assert backwards.status_code == 400
    assert "must be after its start" in backwards.json()["detail"]
    no_services = server.client.post(
        "/api/v1/incidents", json=incident | {"services": []}, headers=bearer(REPORTER)
    )
    assert no_services.status_code == 400 and "services" in no_services.json()["detail"]


def test_binding_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    (folder / "basics.yaml").write_text("timezone: UTC\n")
    done = subprocess.run(
        [BASICS, "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=folder, capture_output=True, text=True, timeout=30, check=False,
        env={k: v for k, v in __import__("os").environ.items() if k != "BASICS_API_TOKEN"},
    )  # fmt: skip
    assert done.returncode == 2
    assert "configure a write token first" in done.stderr
