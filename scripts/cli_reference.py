"""Write docs/cli.md from every command's --help (CI checks it is current).

Usage: python scripts/cli_reference.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from basics.cli.main import cli

TARGET = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

# The conventions every command follows, the first section of the reference.
CONVENTIONS = (Path(__file__).resolve().parent / "cli_conventions.md").read_text(encoding="utf-8")


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], str]]:
    with click.Context(
        command, info_name=" ".join(path), terminal_width=100, max_content_width=100
    ) as ctx:
        entries = [(path, command.get_help(ctx))]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None:
                entries += _walk(sub, [*path, name])
    return entries


def render() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# CLI reference\n",
        "Generated from `--help` by `scripts/cli_reference.py`; a test fails when it is stale.\n",
        CONVENTIONS,
    ]
    for path, text in _walk(cli, ["basics"]):
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    """Write the file, or with --check report whether it is current."""
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
