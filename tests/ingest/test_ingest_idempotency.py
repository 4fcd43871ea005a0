"""The same content ingested twice is recognised and not counted twice."""

from __future__ import annotations

import gzip
import io
import sys
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from basics.core.errors import ConflictError, InputError

CONFIG = """
sources:
  api:
    format: jsonl
    service: web
  other:
    format: jsonl
    service: web
services:
  web:
    slos:
      availability:
        objective: 99
        good: status < 500
"""

CONTENT = (
    '{"ts": "2026-03-29T00:30:00Z", "status": 200, "duration_ms": 10}\n'
    '{"ts": "2026-03-29T00:30:30Z", "status": 500, "duration_ms": 20}\n'
    '{"ts": "2026-03-29T00:31:00Z", "status": 200}\n'
    "[1]\n"
)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def _snapshot(env: Any) -> tuple[Any, ...]:
    return (
        env.counts(),
        env.events(),
        env.rejects(),
        env.store.query("SELECT slo, minute, total, good FROM slo_minute ORDER BY ALL"),
        env.store.query("SELECT * FROM latency_minute ORDER BY ALL"),
        env.store.query("SELECT id, content_sha256, accepted, rejected FROM batches ORDER BY id"),
    )


def test_same_file_twice_is_a_duplicate(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("events.jsonl", CONTENT)
    first = env.ingest("api", path)
    before = _snapshot(env)

    second = env.ingest("api", path)

    assert (first.status, first.batch_id, first.accepted, first.rejected) == ("applied", 1, 3, 1)
    assert (second.status, second.duplicate_of, second.batch_id) == ("duplicate", 1, None)
    assert (second.accepted, second.rejected) == (0, 0)
    assert _snapshot(env) == before
    assert env.slo_minutes("web/availability") == {
        min(row[0] for row in env.events()): (2, 1),
        max(row[0] for row in env.events()): (1, 1),
    }


def test_same_content_under_another_name_is_a_duplicate(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("monday.jsonl", CONTENT))
    before = _snapshot(env)

    again = env.ingest("api", env.write("copy-of-monday.jsonl", CONTENT))

    assert (again.status, again.duplicate_of) == ("duplicate", 1)
    assert _snapshot(env) == before


def test_different_records_are_a_new_batch(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("a.jsonl", CONTENT))

    second = env.ingest("api", env.write("b.jsonl", CONTENT.replace("03-29", "03-28")))
    third = env.ingest("api", env.write("c.jsonl", CONTENT.replace("03-29", "03-27")))

    assert (second.status, second.batch_id, second.accepted) == ("applied", 2, 3)
    assert (third.status, third.batch_id, third.accepted) == ("applied", 3, 3)
    assert env.counts()["events"] == 9
    assert env.store.query("SELECT batch_id, count(*) FROM events GROUP BY 1 ORDER BY 1") == [
        (1, 3),
        (2, 3),
        (3, 3),
    ]
    assert sorted(env.slo_minutes("web/availability").values()) == [(1, 1)] * 3 + [(2, 1)] * 3


def test_gzip_and_plain_copies_of_the_same_bytes_are_the_same_content(make_env: Any) -> None:
    # Finding: the content hash is taken over the decompressed bytes, so a .gz copy of a
    # file already ingested is recognised as a duplicate (and so is the same data on stdin).
    env = make_env(CONFIG)
    env.ingest("api", env.write("events.jsonl", CONTENT))

    gz = env.ingest("api", env.write("events.jsonl.gz", CONTENT, gz=True))
    recompressed = env.ingest(
        "api", env.write("other.gz", gzip.compress(CONTENT.encode(), compresslevel=1, mtime=7))
    )

    assert (gz.status, gz.duplicate_of) == ("duplicate", 1)
    assert (recompressed.status, recompressed.duplicate_of) == ("duplicate", 1)
    # Parsed before its hash was known, but nothing stored: nothing counted either (a
    # script summing `accepted`, or testing the exit code for rejects, sees no batch).
    assert (gz.accepted, gz.rejected, gz.first_rejects, gz.batch_id) == (0, 0, [], None)
    assert env.counts()["events"] == 3
    assert env.counts()["batches"] == 1


def test_standard_input_is_deduplicated_against_files(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("events.jsonl", CONTENT))
    monkeypatch.setattr(sys, "stdin", _Stdin(CONTENT.encode()))

    again = env.ingest("api", "-")

    assert (again.status, again.duplicate_of, again.path) == ("duplicate", 1, "<stdin>")
    assert env.counts()["events"] == 3


def test_the_same_content_through_a_second_source_is_a_duplicate(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("events.jsonl", CONTENT))

    other = env.ingest("other", env.write("events.jsonl", CONTENT))
    forced = env.ingest("other", env.write("events.jsonl", CONTENT), allow_overlap=True)

    assert (other.status, other.duplicate_of, other.duplicate_source) == ("duplicate", 1, "api")
    assert (forced.status, forced.batch_id) == ("applied", 2)
    assert env.store.query("SELECT id, source FROM batches ORDER BY id") == [
        (1, "api"),
        (2, "other"),
    ]


def test_a_failed_ingest_does_not_make_later_content_a_duplicate(make_env: Any) -> None:
    env = make_env(CONFIG)
    data = gzip.compress(CONTENT.encode())
    broken = env.write("broken.jsonl.gz", data[: len(data) - 12])  # trailer cut off

    with pytest.raises(InputError, match=r"broken\.jsonl\.gz"):
        env.ingest("api", broken)
    retried = env.ingest("api", env.write("fixed.jsonl.gz", data))

    assert (retried.status, retried.accepted) == ("applied", 3)
    assert env.store.query("SELECT count(*), min(status) FROM batches") == [(1, "applied")]


def test_parquet_file_twice_is_a_duplicate(make_env: Any) -> None:
    env = make_env(
        CONFIG.replace("  other:", "  lake:\n    format: parquet\n    service: web\n  other:")
    )
    table = pa.table({"ts": [1774744200, 1774744260], "status": [200, 500]})
    pq.write_table(table, env.root / "a.parquet")
    pq.write_table(table.slice(0, 1), env.root / "b.parquet")

    first = env.ingest("lake", env.root / "a.parquet")
    again = env.ingest("lake", env.root / "a.parquet")
    with pytest.raises(ConflictError, match="1 of its 1 events are identical"):
        env.ingest("lake", env.root / "b.parquet")
    other = env.ingest("lake", env.root / "b.parquet", allow_overlap=True)

    assert (first.status, first.accepted) == ("applied", 2)
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
    assert (other.status, other.accepted) == ("applied", 1)
    assert env.counts()["events"] == 3
