"""An ingest holds the store only for its final apply: a report run while it is still
reading and parsing its input answers at once from what was stored before, and sees the
new batch once it has been applied. Real processes, real store file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BASICS = str(Path(sys.executable).with_name("basics"))
CONFIG = """\
store: basics.duckdb
sources:
  api: {format: jsonl, service: api}
services:
  api:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _lines(day: int, n: int) -> str:
    return "".join(
        json.dumps({"ts": f"2026-03-{day:02d}T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "status": 200})
        + "\n"
        for i in range(n)
    )


def _status(root: Path) -> tuple[int, int]:
    """(exit code, total events) of `slo status`, failing fast instead of waiting 30 s."""
    done = subprocess.run(
        [BASICS, "--config", str(root / "basics.yaml"), "slo", "status", "--at",
         "2026-03-05T00:00:00Z", "--json"],
        capture_output=True, text=True, timeout=25, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.returncode, json.loads(done.stdout)[0]["total"]


def test_a_report_answers_while_an_ingest_is_still_reading(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "before.jsonl").write_text(_lines(2, 100), encoding="utf-8")
    first = subprocess.run(
        [BASICS, "--config", str(tmp_path / "basics.yaml"), "ingest", "events",
         str(tmp_path / "before.jsonl"), "--source", "api", "--quiet"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr

    # An ingest from standard input: half its lines written, the rest still to come, so it
    # is reading (and parsing) for as long as the test keeps the pipe open.
    ingest = subprocess.Popen(
        [BASICS, "--config", str(tmp_path / "basics.yaml"), "ingest", "events", "-",
         "--source", "api", "--quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert ingest.stdin is not None
    try:
        ingest.stdin.write(_lines(3, 20_000))
        ingest.stdin.flush()
        # The report does not wait for the ingest: it answers from the batch before.
        assert _status(tmp_path) == (0, 100)
        assert ingest.poll() is None  # still reading: the report ran during the ingest
        ingest.stdin.write(_lines(4, 20_000))
    finally:
        ingest.stdin.close()
    ingest.stdin = None  # closed above: communicate must not flush it
    out, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 0, err
    assert "40,000 events stored" in out
    assert _status(tmp_path) == (0, 40_100)


def test_an_ingest_clears_the_spill_a_killed_ingest_left(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(_lines(2, 10), encoding="utf-8")
    dead = tmp_path / "basics.duckdb.ingest-4194999.tmp"  # above Linux's largest pid
    dead.mkdir()
    (dead / "duckdb_temp_block-0.block").write_bytes(b"x" * 1024)

    done = subprocess.run(
        [BASICS, "--config", str(tmp_path / "basics.yaml"), "ingest", "events",
         str(tmp_path / "a.jsonl"), "--source", "api", "--quiet"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "basics.duckdb",
                                                          "basics.yaml"]  # fmt: skip


def test_a_report_waits_for_a_held_store_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(_lines(2, 10), encoding="utf-8")
    base = [BASICS, "--config", str(tmp_path / "basics.yaml")]
    done = subprocess.run([*base, "ingest", "events", str(tmp_path / "a.jsonl"), "-s", "api"],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Another process holds the store (as an ingest does for its apply), then lets go.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time\n"
         f"db = duckdb.connect({str(tmp_path / 'basics.duckdb')!r})\n"
         "print('held', flush=True)\ntime.sleep(2)\ndb.close()\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"

    status = subprocess.run([*base, "slo", "status", "--at", "2026-03-03T00:00:00Z", "--json"],
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    holder.wait(timeout=30)

    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)[0]["total"] == 10
    assert status.stderr.startswith(f"waiting for store {tmp_path / 'basics.duckdb'}: another")
    assert status.stderr.count("waiting") == 1
