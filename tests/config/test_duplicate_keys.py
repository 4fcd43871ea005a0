"""A key given twice in basics.yaml is refused at its second line: YAML would keep the
last one without a word (as a JSON record with a key twice is a reject, not a choice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "sources:\n  web:\n    format: jsonl\n    format: nginx\n",
            "basics.yaml:4: sources.web.format: given twice (first at line 3)",
        ),
        (
            "timezone: UTC\nsources: {}\ntimezone: Europe/Paris\n",
            "basics.yaml:3: timezone: given twice (first at line 1)",
        ),
        (
            "services:\n  api:\n    slos:\n"
            "      a: {objective: 99, window: 30d, good: x, good: y}\n",
            "basics.yaml:4: services.api.slos.a.good: given twice (first at line 4)",
        ),
    ],
)
def test_a_key_given_twice_is_refused_at_its_second_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, tmp_path / "basics.yaml")
    assert str(raised.value).startswith(message)


def test_the_same_key_in_two_mappings_is_fine(tmp_path: Path) -> None:
    text = "sources:\n  one: {format: jsonl, service: a}\n  two: {format: jsonl, service: b}\n"
    config = parse_config(text, tmp_path / "basics.yaml")
    assert [s.service for s in config.sources.values()] == ["a", "b"]
