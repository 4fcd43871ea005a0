"""Source settings a user gets wrong are refused at their line, before any ingest: a regex
group no field reads, a pattern feature RE2 lacks, a delimiter where none belongs."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError


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
        (
            "    format: csv\n    timestamp_format: '%d.%m.%Y %H:%M:%Q'\n",
            "basics.yaml:4: sources.web.timestamp_format: '%d.%m.%Y %H:%M:%Q' cannot be read: "
            "Unrecognized format for strftime/strptime: %Q",
        ),
        ("    format: csv\n    delimiter: ';;'\n", "delimiter: one character other than"),
    ],
)
def test_a_wrong_source_setting_is_refused_at_its_line(
    tmp_path: Path, source: str, message: str
) -> None:
    found = refused(tmp_path, source)
    assert found.startswith(("basics.yaml:2: sources.web: ", "basics.yaml:4: sources.web."))
    assert message in found


def test_groups_of_every_field_attributes_and_the_id_are_accepted(tmp_path: Path) -> None:
    pattern = (
        r"^(?P<ts>\S+) (?P<service>\S+) (?P<operation>\S+) (?P<user>\S+) (?P<status>\d+) "
        r"(?P<duration_ns>\d+) (?P<attrs_region>\S+) (?P<rid>\S+) (\S+)$"
    )
    text = f"sources:\n  web:\n    format: regex\n    id: rid\n    pattern: '{pattern}'\n"
    config = parse_config(text, tmp_path / "basics.yaml")
    assert config.sources["web"].pattern == pattern
