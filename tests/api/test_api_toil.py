"""Toil through a real `basics serve`: an entry posted with a token of scope `toil`, then
the report and the entries with the fields of the CLI's --json."""

from __future__ import annotations

import hashlib

import pytest

from conftest import Server

TOKEN = "bsc_toil-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    folder = tmp_path_factory.mktemp("toil") / "c"
    folder.mkdir()
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    (folder / "basics.yaml").write_text(
        f"""timezone: UTC
people:
  ana: {{}}
teams:
  ops: {{members: [ana]}}
toil:
  oncall: false
serve:
  tokens:
    ops: {{sha256: {digest}, scopes: [toil]}}
"""
    )
    running = Server(folder)
    yield running  # type: ignore[misc]
    running.stop()


def test_an_entry_posted_is_in_the_report(server: Server) -> None:
    entry = {"minutes": 240, "category": "Manual Deploy", "person": "ana", "day": "2026-03-03",
             "service": "api", "automatable": True}  # fmt: skip
    assert server.client.post("/api/v1/toil", json=entry).status_code == 401
    done = server.client.post(
        "/api/v1/toil", json=entry, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["category"] == "manual-deploy"
    assert [e["minutes"] for e in server.get("/api/v1/toil").json()] == [240]
    report = server.get("/api/v1/toil/report", team="ops", **{"from": "2026-03-02",
                        "to": "2026-03-09"}).json()  # fmt: skip
    assert report["capacity_hours_per_week"] == 40
    (week,) = report["weeks"]
    assert week["week"] == "2026-W10"
    assert week["total"]["hours"] == 4 and week["total"]["share"] == pytest.approx(4 / 40)
    assert week["total"]["over_cap"] is False
