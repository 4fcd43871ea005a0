"""Undeclared people in teams and rotations: each one is an error at the line that names
it, under its own key (a rotation's person, an override's person)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from basics.cli.main import cli

CONFIG = """timezone: UTC
people:
  alice: {}
  bob: {}
teams:
  core:
    members:
      - alice
      - dan
rotations:
  r:
    start: 2026-03-02
    people:
      - alice
      - erin
    overrides:
      - {person: bob, from: 2026-03-03T00:00:00Z, to: 2026-03-04T00:00:00Z}
      - {person: carol, from: 2026-03-03T00:00:00Z, to: 2026-03-04T00:00:00Z}
"""


def test_each_undeclared_person_is_reported_at_its_own_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)

    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), "config", "validate"]
    )

    assert result.exit_code == 1
    known = "(known: alice, bob)"
    assert result.output.splitlines() == [
        f'Error: basics.yaml:9: teams.core.members.1: unknown person "dan" {known}',
        f'basics.yaml:15: rotations.r.people.1: unknown person "erin" {known}',
        f'basics.yaml:18: rotations.r.overrides.1.person: unknown person "carol" {known}',
    ]
