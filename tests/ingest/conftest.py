"""Fixtures for the ingest tests: a real DuckDB store in tmp_path and a config written in code."""

from __future__ import annotations

import datetime as dt
import gzip
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from basics.config.loader import parse_config
from basics.config.models import Config
from basics.ingest.pipeline import BatchResult, Progress, ingest_events
from basics.store.duckdb_store import Store

EVENT_COLUMNS = "ts, service, operation, user_id, status, duration_ms, attrs"
TABLES = ("events", "batches", "rejects", "slo_minute", "latency_minute")


class IngestEnv:
    """A config file, its store (a real DuckDB file) and helpers to read what ingest stored."""

    def __init__(self, root: Path, yaml_text: str) -> None:
        self.root = root
        self.config_path = root / "basics.yaml"
        self.config = self.reconfigure(yaml_text)
        self.store = Store(self.config.store_path)

    def reconfigure(self, yaml_text: str) -> Config:
        """Write a new basics.yaml and make it the current config."""
        text = textwrap.dedent(yaml_text)
        self.config_path.write_text(text, encoding="utf-8")
        self.config = parse_config(text, self.config_path)
        return self.config

    def write(self, name: str, content: str | bytes, gz: bool = False) -> Path:
        """A file in the test folder; text is written as UTF-8 bytes, untranslated."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = self.root / name
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    def ingest(
        self, source: str, path: Path | str, progress: Progress | None = None, **options: Any
    ) -> BatchResult:
        return ingest_events(self.store, self.config, source, str(path), progress, **options)

    def events(self, where: str = "true") -> list[tuple[Any, ...]]:
        """Stored events as (ts, service, operation, user_id, status, duration_ms, attrs)."""
        return self.store.query(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} "
            "ORDER BY ts, service, operation NULLS FIRST, status NULLS FIRST, "
            "duration_ms NULLS FIRST"
        )

    def rejects(self) -> list[tuple[Any, ...]]:
        """Stored rejects as (line, field, reason, raw), by line."""
        return self.store.query(
            "SELECT line, field, reason, raw FROM rejects ORDER BY line, field, reason"
        )

    def counts(self) -> dict[str, int]:
        """Row counts of the tables a batch writes."""
        return {table: self.store.scalar(f"SELECT count(*) FROM {table}") for table in TABLES}

    def slo_minutes(self, slo: str) -> dict[dt.datetime, tuple[int, int]]:
        """minute -> (total, good) of one SLO (`service/name`)."""
        rows = self.store.query(
            "SELECT minute, total, good FROM slo_minute WHERE slo = ? ORDER BY minute", [slo]
        )
        return {minute: (total, good) for minute, total, good in rows}

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def make_env(tmp_path: Path) -> Iterator[Callable[[str], IngestEnv]]:
    """Build an IngestEnv from YAML text (dedented); stores are closed after the test."""
    made: list[IngestEnv] = []

    def make(yaml_text: str) -> IngestEnv:
        root = tmp_path / f"env{len(made)}"
        root.mkdir()
        env = IngestEnv(root, yaml_text)
        made.append(env)
        return env

    yield make
    for env in made:
        env.close()
