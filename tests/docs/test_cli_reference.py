"""docs/cli.md is generated from --help: it must match the commands as they are."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "scripts/cli_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    rendered = _generator().render()
    current = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    assert current == rendered, "docs/cli.md is stale: run python scripts/cli_reference.py"


def test_every_command_has_an_example() -> None:
    text = _generator().render()
    for section in text.split("\n## ")[1:]:
        title = section.splitlines()[0]
        if not title.startswith("`basics"):  # the conventions, not a command
            continue
        if "\nCommands:\n" in section:  # a group: its commands carry the examples
            continue
        assert "Example" in section, f"{title} has no example in its help"
