"""A batch is applied whole or not at all: failures mid-file and kill -9 leave nothing behind."""

from __future__ import annotations

import functools
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from basics.config.loader import parse_config
from basics.core.errors import InputError
from basics.ingest import inputs, pipeline, record_formats, staging
from basics.store.duckdb_store import Store

CONFIG = """
sources:
  api:
    format: jsonl
    service: web
  otel:
    format: otlp
    service: web
services:
  web:
    slos:
      availability:
        objective: 99.9
        good: status < 500
"""

SMALL = (
    '{"ts": "2026-03-28T23:59:00Z", "status": 200, "duration_ms": 4}\n'
    '{"ts": "2026-03-29T00:00:10Z", "status": 503, "duration_ms": 9}\n'
    "[1]\n"
)
START = 1774742400  # 2026-03-29T00:00:00Z


def _jsonl_lines(count: int, seed: int = 1) -> bytes:
    """Hard-to-compress JSON lines (random padding), one bad line in every thousand."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if i % 1000 == 999:
            lines.append("[not, json\n")
            continue
        record = {
            "ts": START + i // 50,
            "status": rng.choice((200, 200, 200, 404, 500)),
            "duration_ms": round(rng.uniform(1, 900), 3),
            "pad": f"{rng.getrandbits(256):064x}",
        }
        lines.append(json.dumps(record) + "\n")
    return "".join(lines).encode()


def _state(env: Any) -> tuple[Any, ...]:
    return (
        env.counts(),
        env.events(),
        env.rejects(),
        env.store.query("SELECT * FROM batches ORDER BY id"),
        env.store.query("SELECT * FROM slo_minute ORDER BY ALL"),
        env.store.query("SELECT * FROM latency_minute ORDER BY ALL"),
    )


def _small_chunks(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    # `line_chunks` binds CHUNK_BYTES as a default at import, so patch the stage's use of it.
    monkeypatch.setattr(
        staging, "line_chunks", functools.partial(inputs.line_chunks, chunk_bytes=size)
    )


def _damage(data: bytes, how: str) -> bytes:
    if how == "truncated":
        return data[: len(data) * 2 // 3]
    damaged = bytearray(data)
    middle = len(damaged) * 2 // 3
    for i in range(middle, middle + 256):
        damaged[i] ^= 0x5A
    return bytes(damaged)


@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_broken_gzip_after_chunks_were_loaded_leaves_nothing(
    make_env: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    _small_chunks(monkeypatch, 256 * 1024)
    env = make_env(CONFIG)
    env.ingest("api", env.write("earlier.jsonl", SMALL))
    before = _state(env)
    compressed = gzip.compress(_jsonl_lines(60_000), compresslevel=1)
    assert len(compressed) > 3_000_000
    path = env.write("big.jsonl.gz", _damage(compressed, how))
    seen: list[tuple[int, int]] = []

    stored: list[int] = []

    def progress(done: int, total: int | None, accepted: int, rejected: int) -> None:
        # Chunks parsed and staged so far; the store meanwhile is free (another connection
        # opens it) and holds none of them: the batch is applied only at the end.
        seen.append((accepted, rejected))
        with duckdb.connect(str(env.config.store_path), read_only=True) as other:
            stored.append(other.execute("SELECT count(*) FROM events").fetchall()[0][0])

    with pytest.raises(InputError) as error:
        env.ingest("api", path, progress=progress)

    assert str(path) in str(error.value)
    assert "unreadable data" in str(error.value)
    assert len(seen) >= 5
    assert seen[-1][0] > 20_000 and seen[-1][1] > 0  # earlier chunks really were parsed
    assert set(stored) == {len(before[1])}
    assert _state(env) == before
    assert env.store.query("SELECT id, status FROM batches") == [(1, "applied")]


def test_broken_gzip_into_an_empty_store_leaves_it_empty(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_chunks(monkeypatch, 256 * 1024)
    env = make_env(CONFIG)
    compressed = gzip.compress(_jsonl_lines(30_000), compresslevel=1)
    path = env.write("big.jsonl.gz", compressed[: len(compressed) // 2])
    accepted: list[int] = []

    with pytest.raises(InputError, match=r"big\.jsonl\.gz: unreadable data"):
        env.ingest("api", path, progress=lambda *args: accepted.append(args[2]))

    assert accepted[-1] > 0
    assert env.counts() == {
        "events": 0,
        "batches": 0,
        "rejects": 0,
        "slo_minute": 0,
        "latency_minute": 0,
    }


def test_broken_gzip_in_a_python_parsed_format_leaves_nothing(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_formats, "ROWS_PER_TABLE", 500)
    env = make_env(CONFIG)
    env.ingest("api", env.write("earlier.jsonl", SMALL))
    before = _state(env)
    rng = random.Random(2)
    lines = []
    for i in range(20_000):
        record = {
            "timeUnixNano": str((START + i // 100) * 10**9),
            "attributes": [{"key": "pad", "value": {"stringValue": f"{rng.getrandbits(256):x}"}}],
        }
        request = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}
        lines.append(json.dumps(request) + "\n")
    compressed = gzip.compress("".join(lines).encode(), compresslevel=1)
    path = env.write("otlp.jsonl.gz", compressed[: len(compressed) * 3 // 4])
    loaded: list[int] = []

    with pytest.raises(InputError, match=r"otlp\.jsonl\.gz: unreadable data"):
        env.ingest(
            "otel",
            path,
            progress=lambda done, total, accepted, rejected: loaded.append(accepted),
        )

    assert loaded[-1] >= 5_000  # parsed and staged, then dropped with the batch
    assert _state(env) == before


def test_interrupt_during_ingest_rolls_back(make_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _small_chunks(monkeypatch, 64 * 1024)
    env = make_env(CONFIG)
    env.ingest("api", env.write("earlier.jsonl", SMALL))
    before = _state(env)
    calls = []

    def progress(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        env.ingest("api", env.write("big.jsonl", _jsonl_lines(5_000)), progress=progress)

    assert calls[-1][2] > 0
    assert _state(env) == before
    again = env.ingest("api", env.write("big.jsonl", _jsonl_lines(5_000)))
    assert (again.status, again.batch_id is not None, again.accepted) == ("applied", True, 4995)


CHILD = """
import functools, sys, time
from pathlib import Path
from basics.config.loader import load_config
from basics.ingest import inputs, pipeline, staging
from basics.store.duckdb_store import Store

staging.line_chunks = functools.partial(inputs.line_chunks, chunk_bytes=128 * 1024)
config = load_config(Path(sys.argv[1]))
store = Store(config.store_path)
calls = 0

def progress(done, total, accepted, rejected):
    global calls
    calls += 1
    if calls == 3:
        print("loading", accepted, flush=True)
    if calls >= 3:
        time.sleep(0.05)  # keep writing, slowly, until killed

pipeline.ingest_events(store, config, "api", sys.argv[2], progress)
print("finished", flush=True)
"""


def test_kill_9_mid_ingest_leaves_no_trace(tmp_path: Path) -> None:
    config_path = tmp_path / "basics.yaml"
    config_path.write_text(textwrap.dedent(CONFIG))
    config = parse_config(config_path.read_text(), config_path)
    store = Store(config.store_path)
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(SMALL)
    assert pipeline.ingest_events(store, config, "api", str(earlier)).batch_id == 1
    before = store.query("SELECT count(*) FROM events"), store.query("SELECT * FROM slo_minute")
    store.close()
    big = tmp_path / "big.jsonl"
    big.write_bytes(_jsonl_lines(40_000))

    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(config_path), str(big)],
        stdout=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, child.kill)
    watchdog.start()
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        watchdog.cancel()

    assert first.startswith("loading ") and int(first.split()[1]) > 0
    assert child.returncode == -signal.SIGKILL
    store = Store(config.store_path)
    try:
        after = store.query("SELECT count(*) FROM events"), store.query("SELECT * FROM slo_minute")
        assert after == before
        assert store.query("SELECT count(*) FROM events WHERE batch_id <> 1") == [(0,)]
        assert store.query("SELECT count(*) FROM rejects WHERE batch_id <> 1") == [(0,)]
        assert store.query("SELECT id, status FROM batches") == [(1, "applied")]
        result = pipeline.ingest_events(store, config, "api", str(big))
        assert (result.status, result.accepted, result.rejected) == ("applied", 39_960, 40)
        assert store.scalar("SELECT count(*) FROM events") == 39_960 + 2
    finally:
        store.close()
