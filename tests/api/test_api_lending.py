"""The CLI keeps working while the server runs: the server hands the store over to each
CLI command that asks (an ingest from cron, a report) and takes it back."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

from conftest import BASICS, Server


def payments_events(count: int, minute: int) -> str:
    lines = []
    for n in range(count):
        status = 500 if n % 10 == 0 else 200
        record = {
            "time": f"2026-03-02T12:{minute:02d}:{n % 60:02d}.{n:06d}Z",
            "svc": "payments",
            "route": "/v1/charges",
            "merchant": {"id": f"m-{n % 7}"},
            "http_status": status,
            "latency_ms": 50.0,
        }
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def test_cli_ingests_while_the_api_is_read(own_demo: Path) -> None:
    server = Server(own_demo)
    answers: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            answers.append(server.get("/api/v1/slo/status", at="latest").status_code)
            answers.append(server.get("/api/v1/pages", limit=20).status_code)

    def availability() -> dict[str, int]:
        found = server.get("/api/v1/slo/status", at="2026-03-02T23:59:00Z").json()
        row = next(r for r in found if r["slo"] == "payments/availability")
        return {"total": row["total"], "bad": row["bad"]}

    try:
        before = availability()
        reader = threading.Thread(target=read)
        reader.start()
        codes = []
        for minute in range(4):
            part = own_demo / "data" / f"late-{minute}.jsonl"
            part.write_text(payments_events(100, minute))
            done = subprocess.run(
                [BASICS, "ingest", "events", str(part), "--source", "payments"],
                cwd=own_demo, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            codes.append((done.returncode, done.stderr))
            report = subprocess.run(
                [BASICS, "slo", "status", "--json"],
                cwd=own_demo, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            codes.append((report.returncode, report.stderr))
            time.sleep(0.5)
        stop.set()
        reader.join(timeout=60)
        assert all(code == 0 for code, _ in codes), codes
        assert not any("waiting for store" in err for _, err in codes)  # handed over at once
        assert len(answers) > 20 and set(answers) == {200}
        after = availability()
        assert after == {"total": before["total"] + 400, "bad": before["bad"] + 40}
        assert server.get("/api/v1/health").json()["lent"] >= 8
    finally:
        stop.set()
        server.stop()
    assert not (own_demo / "basics.duckdb.serve.json").exists()
    assert not list(own_demo.glob("basics.duckdb.turn-*"))
