"""Every report's --json validates against its published JSON Schema (docs/schemas/), which
is current; and the unit convention holds: ratios in [0, 1] unless named _percent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from basics.cli.main import cli
from basics.cli.schemas import reports, schema_of

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = {
    "slo-status": ["slo", "status"],
    "slo-breakdown": ["slo", "breakdown", "payments/availability", "--by", "user"],
    "slo-breakdown-auto": ["slo", "breakdown", "payments/availability", "--by", "auto"],
    "slo-cost": ["slo", "cost", "www/availability", "--from", "2026-03-02T14:00:05Z", "--to",
                 "2026-03-02T14:00:20Z"],
    "slo-history": ["slo", "history", "checkout/availability"],
    "slo-percentiles": ["slo", "percentiles", "search", "--by", "operation", "--from",
                        "2026-02-24", "--to", "2026-02-26"],
    "alerts-evaluate": ["alerts", "evaluate"],
    "alerts-replay": ["alerts", "replay", "checkout/availability", "--from", "2026-02-01"],
    "alerts-replay-all": ["alerts", "replay", "--all", "--from", "2026-02-01"],
    "alerts-compare": ["alerts", "compare", "checkout/availability", "--policies",
                       "workbook,error-rate", "--from", "2026-02-01"],
    "alerts-tune": ["alerts", "tune", "checkout/availability", "--from", "2026-02-01"],
    "incidents-list": ["incidents", "list"],
    "batches-list": ["batches", "list"],
    "ingest-rejects": ["ingest", "rejects", "1"],
    "pages-list": ["pages", "list"],
    "oncall-report": ["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03"],
    "deploys-list": ["deploys", "list"],
    "deploys-dora": ["deploys", "dora", "--to", "latest"],
    "toil-list": ["toil", "list"],
    "check": ["check"],
    "check-history": ["check", "--history"],
    "review": ["review"],
    "toil-report": ["toil", "report", "--team", "platform", "--from", "2026-02-02", "--to",
                    "2026-03-02"],
    "slo-changes": ["slo", "changes", "search/latency", "--from", "2026-02-23", "--to",
                    "2026-02-27"],
}  # fmt: skip


def test_every_report_has_a_command_here() -> None:
    assert set(COMMANDS) == set(reports())


def test_the_published_schemas_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "json_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_json_validates_against_its_schema(small_demo: Path, name: str) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(small_demo / "basics.yaml"), *COMMANDS[name], "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = schema_of(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert data != [] or name in ("ingest-rejects",), "an empty report proves little"


def _numbers(value: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(value, dict):
        return [n for key, item in value.items() for n in _numbers(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item, path)]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return [(path, value)]
    return []


RATIO_NAMES = ("sli", "objective", "budget_consumed", "share_of_budget", "share", "precision",
               "recall", "relative_error")  # fmt: skip


@pytest.mark.parametrize("name", ["slo-status", "slo-cost", "slo-breakdown", "alerts-compare",
                                  "slo-percentiles", "oncall-report"])  # fmt: skip
def test_ratios_are_in_0_1_unless_named_percent(small_demo: Path, name: str) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(small_demo / "basics.yaml"), *COMMANDS[name], "--json"]
    )
    checked = 0
    for path, number in _numbers(json.loads(result.stdout)):
        key = path.rsplit(".", 1)[-1]
        if key.endswith("_percent"):
            assert 0 < number <= 100, path
        elif key in RATIO_NAMES or key.startswith("share_of") or key.endswith("_share"):
            assert 0 <= number <= 1, (path, number)
            checked += 1
    assert checked > 0
