"""Fixtures of the post-mortem tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from basics.cli.main import cli

Shown = Callable[[str], dict[str, Any]]


@pytest.fixture
def shown(tmp_path: Path) -> Shown:
    """`show(text)`: what `basics postmortems show x --json` prints for `text` written as
    postmortems/x.md beside a basics.yaml (`timezone: UTC`) and a store, new each time."""
    calls = iter(range(1000))

    def show(text: str) -> dict[str, Any]:
        folder = tmp_path / f"company-{next(calls)}"
        (folder / "postmortems").mkdir(parents=True)
        (folder / "basics.yaml").write_text("timezone: UTC\nstore: t.duckdb\n")
        (folder / "postmortems" / "x.md").write_text(text, encoding="utf-8")
        config = str(folder / "basics.yaml")
        result = CliRunner().invoke(cli, ["--config", config, "postmortems", "show", "x", "--json"])
        assert result.exit_code == 0, result.output
        found: dict[str, Any] = json.loads(result.stdout)
        return found

    return show
