"""`basics ingest events FILE --follow` as a real process: appended lines are ingested as
they arrive, an unfinished line waits, a rotation by rename loses nothing, Ctrl-C stops it
cleanly, and a restart resumes from the stored offset."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from basics.core.errors import StoreError
from basics.store.duckdb_store import Store

BASICS = Path(sys.executable).parent / "basics"
CONFIG = "store: basics.duckdb\nsources:\n  api: {format: jsonl, service: www}\n"


def _line(i: int) -> str:
    return json.dumps({"ts": f"2026-03-02T10:{i // 60:02d}:{i % 60:02d}Z", "status": 200}) + "\n"


def _stored(root: Path) -> int:
    # The follower frees the store between checks; Store waits while a check holds it.
    store = Store(root / "basics.duckdb", read_only=True)
    try:
        return int(store.scalar("SELECT count(*) FROM events"))
    finally:
        store.close()


def _wait_for(root: Path, count: int, limit_s: float = 20.0) -> int:
    deadline = time.monotonic() + limit_s
    stored = -1
    while time.monotonic() < deadline:
        try:
            stored = _stored(root)
        except (StoreError, duckdb.Error):
            stored = -1
        if stored == count:
            return stored
        time.sleep(0.2)
    return stored


def _follow(root: Path, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BASICS), "--config", str(root / "basics.yaml"), "ingest", "events", str(log),
         "-s", "api", "--follow", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As a terminal starts it: Ctrl-C not ignored (a runner in the background ignores it).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def test_follow_ingests_appends_and_rotations_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    log = tmp_path / "access.jsonl"
    log.write_text("".join(_line(i) for i in range(5)), encoding="utf-8")
    follower = _follow(tmp_path, log)
    try:
        assert _wait_for(tmp_path, 5) == 5
        with log.open("a", encoding="utf-8") as handle:
            handle.write(_line(5) + _line(6) + _line(7)[:10])  # the last line unfinished
        assert _wait_for(tmp_path, 7) == 7
        with log.open("a", encoding="utf-8") as handle:
            handle.write(_line(7)[10:] + _line(8))
        log.rename(tmp_path / "access.jsonl.1")  # rotated right after a write
        log.write_text(_line(100) + _line(101), encoding="utf-8")
        assert _wait_for(tmp_path, 11) == 11
    finally:
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=20)
    assert follower.returncode == 0
    assert "stopped; the next run resumes where this one stopped" in err
    # The rotated file's last lines are a batch of its new name, a path a user can open.
    store = Store(tmp_path / "basics.duckdb", read_only=True)
    try:
        paths = {row[0] for row in store.query("SELECT DISTINCT file_path FROM batches")}
    finally:
        store.close()
    assert paths == {str(log), str(tmp_path / "access.jsonl.1")}

    with log.open("a", encoding="utf-8") as handle:
        handle.write(_line(102))
    restarted = _follow(tmp_path, log)
    try:
        assert _wait_for(tmp_path, 12) == 12
    finally:
        restarted.send_signal(signal.SIGTERM)  # as systemd or `docker stop` stop it
        _, err = restarted.communicate(timeout=20)
    assert restarted.returncode == 0
    assert "stopped; the next run resumes where this one stopped" in err
