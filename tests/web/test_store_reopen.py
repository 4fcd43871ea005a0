"""`basics serve` when another process migrates its store to a newer schema meanwhile: the
server lends the file, cannot open it again, and every request is told why at once (a 503
naming the store's schema and what to do: restart the server with the newer Basics), the
API's as problem details and a dashboard page's as a page, not "try again shortly"."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import duckdb
from serving import BASICS, Server

CONFIG = """\
timezone: UTC
sources: {api: {format: jsonl, service: web}}
services: {web: {slos: {availability: {objective: 99.9, window: 7d, good: status < 500}}}}
"""
NEWER = 999


def migrate_to_a_newer_schema(store: Path) -> None:
    """What a newer Basics does to the store: takes its turn from the server (a turn file),
    then records a schema version this Basics does not know."""
    turn = Path(f"{store}.turn-{os.getpid()}")
    turn.write_text(str(os.getpid()))
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                db = duckdb.connect(str(store))
                break
            except duckdb.IOException:  # the server still holds it
                assert time.monotonic() < deadline, "the server never lent the store"
                time.sleep(0.05)
        turn.unlink()
        db.execute("INSERT INTO schema_migrations (version) VALUES (?)", [NEWER])
        db.close()
    finally:
        turn.unlink(missing_ok=True)


def test_a_store_migrated_by_a_newer_basics_is_told_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    (folder / "events.jsonl").write_text('{"ts":"2026-03-02T10:00:00Z","status":200}\n')
    subprocess.run([BASICS, "ingest", "events", "events.jsonl", "--source", "api"], cwd=folder,
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    server = Server(folder)
    try:
        assert server.get("/api/v1/slo/status").status_code == 200
        migrate_to_a_newer_schema(folder / "basics.duckdb")
        deadline = time.monotonic() + 20
        while (answer := server.get("/api/v1/slo/status")).status_code == 200:
            assert time.monotonic() < deadline, "the server kept answering from the old store"
            time.sleep(0.1)
        started = time.monotonic()
        answer = server.get("/api/v1/slo/status")
        assert time.monotonic() - started < 5, "told at once, not after the 30 s wait"
        assert answer.status_code == 503
        detail = answer.json()["detail"]
        assert f"schema version {NEWER}, newer than this Basics knows" in detail
        assert "restart basics serve with the newer Basics" in detail
        assert "try again shortly" not in detail
        page = server.client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert f"schema version {NEWER}, newer than this Basics knows" in page.text
    finally:
        server.stop()
    assert f"schema version {NEWER}" in server.output()
