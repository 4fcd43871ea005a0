"""Inputs that cannot be used at all: a clear error, and nothing written to the store."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import gzip
import io
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import BasicsError, InputError, NotFoundError

CONFIG = """
sources:
  web:
    format: nginx
    service: www
  api:
    format: jsonl
    service: api
  lake:
    format: parquet
    service: api
services:
  api:
    slos:
      availability: {objective: 99, good: status < 500}
"""


def _assert_nothing_written(env: Any) -> None:
    assert env.counts() == {
        "events": 0,
        "batches": 0,
        "rejects": 0,
        "slo_minute": 0,
        "latency_minute": 0,
    }


def test_unknown_source_names_the_known_ones(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("events.jsonl", '{"ts": 1774744200}\n')

    with pytest.raises(NotFoundError) as error:
        env.ingest("nginx", path)

    assert str(error.value) == 'no source "nginx" in the configuration (known: web, api, lake)'
    _assert_nothing_written(env)


def test_unknown_source_without_any_configured(make_env: Any) -> None:
    env = make_env("timezone: UTC\n")

    with pytest.raises(NotFoundError, match=r"\(known: none are configured\)"):
        env.ingest("api", env.write("events.jsonl", "{}\n"))
    _assert_nothing_written(env)


@pytest.mark.parametrize("source", ["api", "web", "lake"])
def test_missing_file(make_env: Any, source: str) -> None:
    env = make_env(CONFIG)
    missing = env.root / "nope" / "events.log"

    with pytest.raises(InputError) as error:
        env.ingest(source, missing)

    assert str(error.value) == f"{missing}: no such file"
    _assert_nothing_written(env)


def test_directory(make_env: Any) -> None:
    env = make_env(CONFIG)
    folder = env.root / "logs"
    folder.mkdir()

    with pytest.raises(InputError) as error:
        env.ingest("api", folder)

    assert str(error.value) == f"{folder}: not a regular file"
    _assert_nothing_written(env)


@pytest.mark.parametrize(
    "data",
    [
        b"\x1f\x8b" + bytes(range(256)) * 4,
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + os.urandom(512),
        gzip.compress(b'{"ts": 1774744200}\n')[:12],
    ],
    ids=["bad-header", "bad-deflate", "cut-short"],
)
def test_unreadable_gzip(make_env: Any, data: bytes) -> None:
    env = make_env(CONFIG)
    path = env.write("events.jsonl.gz", data)

    with pytest.raises(InputError) as error:
        env.ingest("api", path)

    assert str(error.value).startswith(f"{path}: unreadable")
    _assert_nothing_written(env)


def test_unreadable_gzip_on_standard_input(make_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Stdin:
        buffer = io.BytesIO(b"\x1f\x8b" + b"\x00" * 64)

    env = make_env(CONFIG)
    monkeypatch.setattr(sys, "stdin", Stdin())

    with pytest.raises(InputError, match=r"^<stdin>: unreadable gzip data"):
        env.ingest("api", "-")
    _assert_nothing_written(env)


def test_unreadable_gzip_closes_the_file(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("events.jsonl.gz", b"\x1f\x8b" + bytes(range(256)))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(InputError):
            env.ingest("api", path)
        gc.collect()

    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_errors_are_basics_errors(make_env: Any) -> None:
    # The CLI turns BasicsError into a message and exit code 1.
    env = make_env(CONFIG)
    with pytest.raises(BasicsError):
        env.ingest("api", env.root / "missing.jsonl")
    with pytest.raises(BasicsError):
        env.ingest("missing", env.root / "missing.jsonl")


def test_app_ingests_into_the_store_next_to_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conf" / "data").mkdir(parents=True)
    config_path = tmp_path / "conf" / "basics.yaml"
    text = CONFIG.replace("services:", "store: data/basics.duckdb\nservices:")
    config = parse_config(text, config_path)
    events = tmp_path / "e.jsonl"
    events.write_text('{"ts": 1774744200, "status": 200}\n')
    monkeypatch.chdir(tmp_path)  # the store is found from the config file, not the cwd
    app = App(config)
    try:
        result = app.ingest_events("api", str(events))

        assert (result.status, result.accepted) == ("applied", 1)
        assert app.store.path == str(tmp_path / "conf" / "data" / "basics.duckdb")
        assert app.store.query("SELECT ts, service, batch_id FROM events") == [
            (dt.datetime(2026, 3, 29, 0, 30), "api", 1)
        ]
        assert app.store.query("SELECT slo, total, good FROM slo_minute") == [
            ("api/availability", 1, 1)
        ]
    finally:
        app.close()
    assert (tmp_path / "conf" / "data" / "basics.duckdb").is_file()
