"""A misspelt key or value in basics.yaml is answered with the nearest right spelling, taken
from what the configuration allows at that very place."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError


def refused(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, tmp_path / "basics.yaml")
    return str(raised.value).splitlines()


def test_a_misspelt_format_is_offered_the_close_one(tmp_path: Path) -> None:
    lines = refused(tmp_path, "sources:\n  web:\n    format: json\n")
    assert lines == [
        "basics.yaml:3: sources.web.format: expected 'jsonl', 'csv', 'parquet', 'nginx', "
        "'apache', 'regex', 'otlp', 'w3c' or 'logfmt', got 'json' (did you mean 'jsonl'?)"
    ]


def test_a_value_far_from_every_choice_gets_no_guess(tmp_path: Path) -> None:
    lines = refused(tmp_path, "sources:\n  web:\n    format: xml\n")
    assert lines[0].endswith("got 'xml'")


def test_unknown_keys_get_the_key_of_their_own_place(tmp_path: Path) -> None:
    text = (
        "sources:\n"
        "  web:\n"
        "    format: jsonl\n"
        "    servce: www\n"  # a source's key, through the dict of sources
        "services:\n"
        "  www:\n"
        "    slos:\n"
        "      avail:\n"
        "        objective: 99\n"
        "        good: status < 500\n"
        "        windw: 7d\n"  # an SLO's key, two dicts down
        "    corrections:\n"
        "      - from: 2026-01-01T00:00:00Z\n"
        "        to: 2026-01-01T01:00:00Z\n"
        "        reasn: maintenance\n"  # a correction's key, inside a list
        "alerting:\n"
        "  policys: {}\n"  # a nested model's key
        "serve:\n"
        "  notify:\n"
        "    interval: 30\n"  # a model inside a model
    )
    lines = refused(tmp_path, text)
    assert "basics.yaml:4: sources.web.servce: unknown key; did you mean 'service'?" in lines
    assert (
        "basics.yaml:11: services.www.slos.avail.windw: unknown key; did you mean 'window'?"
        in lines
    )
    assert (
        "basics.yaml:15: services.www.corrections.0.reasn: unknown key; did you mean 'reason'?"
        in lines
    )
    assert "basics.yaml:17: alerting.policys: unknown key; did you mean 'policies'?" in lines
    assert "basics.yaml:20: serve.notify.interval: unknown key; did you mean 'interval_s'?" in lines


def test_an_alias_is_offered_as_basics_yaml_spells_it(tmp_path: Path) -> None:
    text = (
        "services:\n  www:\n    corrections:\n"
        "      - frm: 2026-01-01T00:00:00Z\n        to: 2026-01-01T01:00:00Z\n"
    )
    lines = refused(tmp_path, text)
    assert "basics.yaml:4: services.www.corrections.0.frm: unknown key; did you mean 'from'?" in (
        lines
    )


def test_a_key_like_nothing_keeps_the_pointer_to_the_schema(tmp_path: Path) -> None:
    lines = refused(tmp_path, "sources:\n  web:\n    format: jsonl\n    zzz: 1\n")
    assert lines == [
        "basics.yaml:4: sources.web.zzz: unknown key; check its spelling against "
        "`basics config schema`"
    ]
