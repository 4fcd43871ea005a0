"""Values from basics.yaml and file names reach SQL only as bound parameters.

Each test puts quotes, and where it could do harm a SQL payload, in one configurable value
and checks that it is read literally: the right records stored, nothing else read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

# A payload that, pasted into a string literal, would read a local file into the message.
PAYLOAD = "' || (SELECT content FROM read_text('{path}')) || '"


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    return secret


def _everything_stored(env: Any) -> str:
    rows = env.store.query("SELECT * FROM rejects") + env.store.query("SELECT * FROM events")
    return repr(rows)


def test_a_timestamp_format_with_an_apostrophe_works(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          app: {format: jsonl, service: app, timestamp_format: "%d %b '%y %H:%M", timezone: UTC}
        """
    )
    text = json.dumps({"ts": "02 Mar '26 10:00"}) + "\n" + json.dumps({"ts": "nope"}) + "\n"

    result = env.ingest("app", env.write("e.jsonl", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.store.scalar("SELECT strftime(ts, '%Y-%m-%d %H:%M') FROM events") == (
        "2026-03-02 10:00"
    )
    (reject,) = env.rejects()
    assert "(format %d %b '%y %H:%M)" in reject[2]


def test_a_timestamp_format_cannot_read_files(make_env: Any, tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    fmt = "%Y" + PAYLOAD.format(path=secret)
    env = make_env(
        "sources:\n  app:\n    format: jsonl\n    service: app\n"
        f"    timestamp_format: {json.dumps(fmt)}\n"
    )

    result = env.ingest("app", env.write("e.jsonl", json.dumps({"ts": "2026"}) + "\n"))

    assert (result.accepted, result.rejected) == (0, 1)
    assert "TOP-SECRET-CONTENT" not in _everything_stored(env)
    assert fmt in env.rejects()[0][2]


def test_field_paths_attribute_names_and_services_are_literal(
    make_env: Any, tmp_path: Path
) -> None:
    secret = _secret(tmp_path)
    service = "o'brien" + PAYLOAD.format(path=secret)
    env = make_env(
        "sources:\n  app:\n    format: jsonl\n"
        f"    service: {json.dumps(service)}\n"
        '    fields: {user: "cust\'omer", "attrs.it\'s": "re\'gion"}\n'
    )
    record = {"ts": "2026-03-02T10:00:00Z", "cust'omer": "c'1", "re'gion": "eu'w"}

    result = env.ingest("app", env.write("e.jsonl", json.dumps(record) + "\n"))

    assert result.accepted == 1
    assert env.store.query("SELECT service, user_id, attrs FROM events") == [
        (service, "c'1", {"it's": "eu'w"})
    ]
    assert _everything_stored(env).count("TOP-SECRET-CONTENT") == 0


def test_a_regex_pattern_with_quotes_is_literal(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          app:
            format: regex
            service: app
            pattern: "^(?P<ts>\\\\S+) '(?P<status>\\\\d+)' (?P<attrs_it>\\\\w+)$"
        """
    )
    text = "2026-03-02T10:00:00Z '503' eu\n2026-03-02T10:00:01Z 503 eu\n"

    result = env.ingest("app", env.write("e.log", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.store.query("SELECT status, attrs FROM events") == [(503, {"it": "eu"})]


def test_a_parquet_path_with_a_quote_is_read(make_env: Any) -> None:
    env = make_env("sources:\n  pq: {format: parquet, service: app}\n")
    path = env.root / "it's.parquet"
    duckdb.sql("SELECT TIMESTAMP '2026-03-02 10:00:00' AS ts, 200 AS status").write_parquet(
        str(path)
    )

    result = env.ingest("pq", path)

    assert (result.accepted, result.rejected) == (1, 0)
