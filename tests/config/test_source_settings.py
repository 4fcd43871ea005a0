"""Source settings a user gets wrong are refused at their line, before any ingest: a regex
group no field reads, a pattern feature RE2 lacks, a delimiter where none belongs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import ConfigError, InputError
from basics.ingest.normalize import engine_problems


def refused(tmp_path: Path, source: str) -> str:
    text = f"sources:\n  web:\n{source}"
    with pytest.raises(ConfigError) as raised:
        parse_config(text, tmp_path / "basics.yaml")
    return str(raised.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "    format: regex\n    pattern: '^(?P<ts>\\S+) (?P<stat>\\d+)$'\n",
            'pattern: unknown group name "stat" (expected ts, service, operation',
        ),
        (
            "    format: regex\n    pattern: '^(?P<ts>\\S+) (?=x)(?P<status>\\d+)$'\n",
            "pattern uses a feature the engine's regular expressions (RE2) lack",
        ),
        ("    format: jsonl\n    delimiter: ';'\n", "delimiter: only a csv source has one"),
        ("    format: csv\n    delimiter: ';;'\n", "delimiter: one character other than"),
        # Keys the format does not read: accepted, they would have done nothing.
        (
            "    format: otlp\n    fields: {user: attrs.k8s.pod.name}\n",
            "fields: an otlp source reads OpenTelemetry's attribute names",
        ),
        (
            "    format: regex\n    pattern: '(?P<ts>\\S+) (?P<attrs_x>\\S+)'\n"
            "    fields: {status: attrs_x}\n",
            "fields: a regex source reads its pattern's named groups",
        ),
        ("    format: nginx\n    fields: {user: x}\n", "fields: an nginx source reads the"),
        ("    format: jsonl\n    pattern: '(?P<ts>\\S+)'\n", "pattern: only a regex source"),
        ("    format: jsonl\n    request_time_unit: ms\n", "request_time_unit: only nginx"),
        ("    format: otlp\n    timestamp_format: '%s'\n", "timestamp_format: OTLP times"),
        ("    format: otlp\n    timezone: Europe/Berlin\n", "timezone: OTLP times are nanoseconds"),
        ("    format: w3c\n    timestamp_format: '%s'\n", "timestamp_format: a w3c source's"),
    ],
)
def test_a_wrong_source_setting_is_refused_at_its_line(
    tmp_path: Path, source: str, message: str
) -> None:
    found = refused(tmp_path, source)
    assert found.startswith("basics.yaml:2: sources.web: ")
    assert message in found


def test_groups_of_every_field_attributes_and_the_id_are_accepted(tmp_path: Path) -> None:
    pattern = (
        r"^(?P<ts>\S+) (?P<service>\S+) (?P<operation>\S+) (?P<user>\S+) (?P<status>\d+) "
        r"(?P<duration_ns>\d+) (?P<attrs_region>\S+) (?P<rid>\S+) (\S+)$"
    )
    text = f"sources:\n  web:\n    format: regex\n    id: rid\n    pattern: '{pattern}'\n"
    config = parse_config(text, tmp_path / "basics.yaml")
    assert config.sources["web"].pattern == pattern


def test_a_timestamp_format_duckdb_cannot_read_is_refused_before_ingest_and_by_validate(
    tmp_path: Path,
) -> None:
    """DuckDB reads the format, so it is checked by `config validate` and before an ingest
    reads anything, not when the configuration is loaded (which every command does)."""
    text = "sources:\n  web: {format: csv, timestamp_format: '%d.%m.%Y %H:%M:%Q'}\n"
    (tmp_path / "basics.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "a.csv").write_text("ts,service\n01.03.2026 10:00:00,x\n", encoding="utf-8")
    config = parse_config(text, tmp_path / "basics.yaml")  # loads
    why = (  # at its line, as a loading error (it named the file alone)
        "basics.yaml:2: sources.web.timestamp_format: '%d.%m.%Y %H:%M:%Q' cannot be read: "
        "Unrecognized format for strftime/strptime: %Q"
    )

    assert [p[: len(why)] for p in engine_problems(config)] == [why]
    refused_before_ingest(tmp_path, config, "a.csv", why)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("^(?P<ts>\\S+) (?P<status>\\d++)$", "bad repetition operator: ++"),
        ("^(?P<ts>\\S+) (?P<status>\\d+)\\Z", "invalid escape sequence: \\Z"),
    ],
)
def test_a_pattern_python_reads_and_re2_cannot_is_refused_before_ingest(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    """Possessive repeats and `\\Z` pass Python's own compile (and so the load); DuckDB's
    RE2 refuses them, in `config validate` and before an ingest reads anything, naming the
    source and key, where the ingest had failed naming neither."""
    text = f"sources:\n  web:\n    format: regex\n    service: www\n    pattern: '{pattern}'\n"
    (tmp_path / "basics.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "a.log").write_text("2026-03-01T10:00:00Z 200\n", encoding="utf-8")
    config = parse_config(text, tmp_path / "basics.yaml")
    why = (
        "basics.yaml:5: sources.web.pattern: the engine's regular expressions (RE2) cannot "
        f"use it: {reason}"
    )

    assert engine_problems(config) == [why]
    refused_before_ingest(tmp_path, config, "a.log", why)


def refused_before_ingest(tmp_path: Path, config: Any, name: str, why: str) -> None:
    """An ingest of `name` fails with `why` before it stores a batch, and `config validate`
    (a process) says `why` with exit 1."""
    app = App(config)
    try:
        with pytest.raises(InputError, match=re.escape(why)):
            app.ingest_events("web", str(tmp_path / name))
        assert app.store.scalar("SELECT count(*) FROM batches") == 0
    finally:
        app.close()
    basics = str(Path(sys.executable).parent / "basics")
    done = subprocess.run(
        [basics, "config", "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and why in done.stderr
