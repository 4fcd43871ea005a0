"""`basics demo` end to end at a small scale, through the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BASICS = str(Path(sys.executable).with_name("basics"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASICS, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_demo_generates_ingests_and_finds_the_customer_behind_the_outage(tmp_path: Path) -> None:
    demo = run("demo", "--out", "company", "--scale", "0.05", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.count(", 0 rejected") == 6  # six sources, every record stored
    # The auto breakdown of payments names the one customer behind the partial outage.
    table = demo.stdout.split("which dimension explains the bad events")[1]
    first_row = next(line for line in table.splitlines() if line.startswith("│"))
    assert "user" in first_row and "m-00001" in first_row

    # Every SLO has a prometheus: block, so the demo writes rules and promtool accepts them.
    assert "97 rules for 12 SLOs written to company/prometheus-rules.yaml" in demo.stdout
    if shutil.which("promtool") or os.environ.get("BASICS_REQUIRE_PROMTOOL"):
        assert "promtool check rules: SUCCESS" in demo.stdout
    # The post-mortems: the connection-pool theme, cited, recurring after its fix.
    assert "Post-mortems (7 in company/postmortems)" in demo.stdout
    assert "theme: db connections, pool, checkout (PM-2025-031, PM-2026-004, recurring" in (
        demo.stdout
    )
    # Deploys: the rolled-back checkout 2.7.0 and search 3.5.0 (named by their post-mortems)
    # are the failed changes; 3.5.0 is found before the search latency burn, with its version.
    assert "change failure rate 2/26 (8%)" in demo.stdout
    assert "deploy search 3.5.0, 0s before; version 3.5.0 holds 98% of the slow requests" in (
        demo.stdout
    )
    # Toil: the sheet and the pages; dana carries most of it.
    assert "Toil of team platform, February" in demo.stdout
    assert "dana carried" in demo.stdout
    # The review of the last complete week puts the planted stories first.
    assert "Weekly review of 2026-W09" in demo.stdout
    assert "1. alert QueueLagHigh:" in demo.stdout
    assert "of the bad events on attrs.version 3.5.0" in demo.stdout

    folder = tmp_path / "company"
    status = run("slo", "status", "--at", "latest", "--json", cwd=folder)
    assert status.returncode == 0, status.stderr
    slos = {s["slo"]: s for s in json.loads(status.stdout)}
    assert len(slos) == 12
    assert slos["checkout/availability"]["bad"] > 0
    assert all(s["status"] != "no_data" for s in slos.values())
    assert slos["www/availability"]["window_end"] == "2026-03-03T00:00:00Z"

    # The 15-second blip: every www request in it failed, and it cost a sliver of budget.
    cost = run(
        "slo", "cost", "www/availability", "--from", "2026-03-02T14:00:05Z",
        "--to", "2026-03-02T14:00:20Z", "--json", cwd=folder,
    )  # fmt: skip
    assert cost.returncode == 0, cost.stderr
    figures = json.loads(cost.stdout)
    assert figures["counts"]["total"] > 0
    assert figures["counts"]["good"] == 0
    assert 0 < figures["share_of_budget"] < 1

    # Re-running the ingest of a demo file is recognised and changes nothing.
    again = run("ingest", "events", "data/payments.jsonl", "--source", "payments", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "already ingested" in again.stdout
    after = json.loads(run("slo", "status", "--at", "latest", "--json", cwd=folder).stdout)
    assert {s["slo"]: s["total"] for s in after} == {k: v["total"] for k, v in slos.items()}
