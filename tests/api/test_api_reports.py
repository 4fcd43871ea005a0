"""Every report of the API equals the CLI's --json on the same store, with the server
running (so each CLI command also takes its turn with the server for the store). The shared
demo is only read: `check` keeps the day's scorecard, so its cases run on a copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import BASICS, Server

FROM, TO = "2026-02-01", "2026-03-01"

REPORTS: list[tuple[list[str], str, dict[str, object]]] = [
    (["slo", "status"], "/api/v1/slo/status", {}),
    (["slo", "status", "--at", "2026-02-20T12:00:00Z"], "/api/v1/slo/status",
     {"at": "2026-02-20T12:00:00Z"}),
    (["slo", "breakdown", "www/availability", "--by", "user"],
     "/api/v1/slo/breakdown/www/availability", {"by": "user"}),
    (["slo", "breakdown", "api/availability", "--by", "auto", "--from", FROM],
     "/api/v1/slo/breakdown/api/availability", {"by": "auto", "from": FROM}),
    (["slo", "breakdown", "www/latency", "--by", "operation", "--top", "3", "--to", TO],
     "/api/v1/slo/breakdown/www/latency", {"by": "operation", "top": 3, "to": TO}),
    (["slo", "cost", "www/availability", "--from", "2026-02-20", "--to", "2026-02-21"],
     "/api/v1/slo/cost/www/availability", {"from": "2026-02-20", "to": "2026-02-21"}),
    (["slo", "history", "payments/availability", "--by", "week"],
     "/api/v1/slo/history/payments/availability", {"by": "week"}),
    (["slo", "percentiles", "www", "--by", "operation", "--from", "2026-02-24", "--to",
      "2026-02-25"], "/api/v1/slo/percentiles/www",
     {"by": "operation", "from": "2026-02-24", "to": "2026-02-25"}),
    (["slo", "percentiles", "api", "--from", "2026-02-24", "--to", "2026-02-25", "--exact"],
     "/api/v1/slo/percentiles/api", {"from": "2026-02-24", "to": "2026-02-25", "exact": True}),
    (["alerts", "evaluate"], "/api/v1/alerts/evaluate", {}),
    (["alerts", "replay", "www/availability", "--from", FROM],
     "/api/v1/alerts/replay/www/availability", {"from": FROM}),
    (["alerts", "replay", "payments/availability", "--from", FROM, "--policy", "single-1h"],
     "/api/v1/alerts/replay/payments/availability", {"from": FROM, "policy": "single-1h"}),
    (["alerts", "replay", "--all", "--from", FROM], "/api/v1/alerts/replay", {"from": FROM}),
    (["alerts", "compare", "www/availability", "--policies", "workbook,single-1h",
      "--from", FROM], "/api/v1/alerts/compare/www/availability",
     {"policies": "workbook,single-1h", "from": FROM}),
    (["alerts", "tune", "www/availability", "--from", "2026-02-15"],
     "/api/v1/alerts/tune/www/availability", {"from": "2026-02-15"}),
    (["incidents", "list"], "/api/v1/incidents", {}),
    (["pages", "list"], "/api/v1/pages", {}),
    (["pages", "list", "--unclassified", "--from", "2026-02-10"], "/api/v1/pages",
     {"unclassified": True, "from": "2026-02-10"}),
    (["oncall", "report", "--from", FROM, "--to", TO], "/api/v1/oncall/report",
     {"from": FROM, "to": TO}),
    (["batches", "list"], "/api/v1/batches", {}),
    (["batches", "list", "--kind", "pages"], "/api/v1/batches", {"kind": "pages"}),
    (["deploys", "list", "--service", "search"], "/api/v1/deploys", {"service": "search"}),
    (["deploys", "dora", "--from", FROM, "--to", TO], "/api/v1/deploys/dora",
     {"from": FROM, "to": TO}),
    (["slo", "changes", "search/latency", "--from", "2026-02-23", "--to", "2026-02-27"],
     "/api/v1/slo/changes/search/latency", {"from": "2026-02-23", "to": "2026-02-27"}),
    (["toil", "report", "--team", "platform", "--from", "2026-02-02", "--to", "2026-03-02"],
     "/api/v1/toil/report", {"team": "platform", "from": "2026-02-02", "to": "2026-03-02"}),
    (["review", "--week", "2026-W08"], "/api/v1/review", {"week": "2026-W08"}),
    # No range: each ends at reports.end (the demo's `latest`) by the same rule.
    (["oncall", "report"], "/api/v1/oncall/report", {}),
    (["toil", "report"], "/api/v1/toil/report", {}),
    (["alerts", "replay", "--all"], "/api/v1/alerts/replay", {}),
    (["alerts", "tune", "www/availability", "--to", "2026-02-20"],
     "/api/v1/alerts/tune/www/availability", {"to": "2026-02-20"}),
]  # fmt: skip
WRITING: list[tuple[list[str], str, dict[str, object]]] = [
    (["check"], "/api/v1/check", {}),
    (["check", "--service", "search", "--at", "2026-02-20T12:00:00Z"], "/api/v1/check",
     {"service": "search", "at": "2026-02-20T12:00:00Z"}),
]  # fmt: skip
"""Commands that keep what they report (a scorecard snapshot): never on the shared demo."""


def cli_json(folder: Path, *args: str) -> object:
    done = subprocess.run(
        [BASICS, *args, "--json"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("command", "path", "params"), REPORTS, ids=lambda v: str(v)[:60])
def test_api_equals_cli_json(
    demo_server: Server,
    small_demo: Path,
    command: list[str],
    path: str,
    params: dict[str, object],
) -> None:
    expected = cli_json(small_demo, *command)
    answer = demo_server.get(path, **params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == expected


def test_api_equals_cli_json_of_commands_that_write(own_demo: Path) -> None:
    server = Server(own_demo)
    try:
        for command, path, params in WRITING:
            expected = cli_json(own_demo, *command)
            answer = server.get(path, **params)
            assert answer.status_code == 200, answer.text
            assert answer.json() == expected, command
    finally:
        server.stop()


def test_reports_are_not_empty(demo_server: Server) -> None:
    """The parity above compares real figures, not two empty lists."""
    status = demo_server.get("/api/v1/slo/status").json()
    assert len(status) == 12 and all(s["total"] > 0 for s in status)
    assert len(demo_server.get("/api/v1/pages").json()) == 179
    replays = demo_server.get("/api/v1/alerts/replay", **{"from": FROM}).json()
    assert sum(len(r["incidents"]) for r in replays) > 0
    assert sum(len(r["firings"]) for r in replays) > 0


def test_rejects_of_a_batch(own_demo: Path) -> None:
    """`ingest rejects` through the API: the same records, each naming its file."""
    bad = own_demo / "data" / "bad.jsonl"
    bad.write_text(
        '{"time": "2026-03-02T10:00:00Z", "svc": "payments", "http_status": 200}\n'
        "not json\n"
        '{"time": "yesterday", "svc": "payments", "http_status": 200}\n'
    )
    done = subprocess.run(
        [BASICS, "ingest", "events", str(bad), "--source", "payments"],
        cwd=own_demo, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr  # stored, with rejects
    batch = cli_json(own_demo, "batches", "list")[0]["id"]  # type: ignore[index]
    expected = cli_json(own_demo, "ingest", "rejects", str(batch))
    server = Server(own_demo)
    try:
        answer = server.get(f"/api/v1/ingest/rejects/{batch}")
        assert answer.json() == expected
        assert [r["line"] for r in answer.json()] == [2, 3]
    finally:
        server.stop()
