"""Days are the config zone's: a post-mortem of a Sunday evening in California is that
Sunday's (`list`, `--since`), an action item is overdue from the local day after its due
date, and `postmortems actions` judges it at the end every report follows (`--at`, else
`reports.end`), as `basics check` does. Over a real folder and a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

CONFIG = """\
timezone: America/Los_Angeles
store: basics.duckdb
reports: {end: latest}
sources:
  events: {format: jsonl}
services:
  checkout:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""
# Sunday 2026-03-01, 20:00 in California: Monday 04:00 in UTC.
SUNDAY_EVENING = """\
---
id: PM-TZ-1
title: Checkout errors Sunday evening
services: [checkout]
started: 2026-03-01T20:00:00-08:00
resolved: 2026-03-01T21:00:00-08:00
action_items:
  - {title: Fix retry storm, owner: amara, status: open, due: 2026-02-28, ticket: SHOP-7}
  - {title: Add retry budget with a long enough title to fold, owner: amara, status: open,
     due: 2026-03-01}
  - {title: Load test, owner: li, status: open, due: 2026-03-02}
---
# Checkout errors Sunday evening
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "sunday.md").write_text(SUNDAY_EVENING)
    # The newest event: Sunday 20:30 in California (Monday 04:30 UTC).
    event = {"ts": "2026-03-02T04:30:00Z", "service": "checkout", "status": 200}
    (tmp_path / "events.jsonl").write_text(json.dumps(event) + "\n")
    run(tmp_path, "ingest", "events", "--source", "events", str(tmp_path / "events.jsonl"))
    return tmp_path


def run(folder: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner(env=env).invoke(cli, ["--config", str(folder / "basics.yaml"), *args])
    assert result.exit_code in (0, 2), result.output
    return result


def overdue(folder: Path, *args: str) -> list[str]:
    result = run(folder, "postmortems", "actions", "--overdue", "--json", *args)
    return [r["title"][:16] for r in json.loads(result.stdout)]


def test_the_date_of_a_post_mortem_is_its_local_day(folder: Path) -> None:
    listed = json.loads(run(folder, "postmortems", "list", "--json").output)
    assert [(r["id"], r["date"]) for r in listed] == [("PM-TZ-1", "2026-03-01")]  # not 03-02
    shown = json.loads(run(folder, "postmortems", "show", "PM-TZ-1", "--json").output)
    assert [i["ticket"] for i in shown["action_items"]] == ["SHOP-7", None, None]
    since = json.loads(
        run(folder, "postmortems", "themes", "--since", "2026-03-02", "--json").stdout
    )
    assert since == []
    basics = json.loads(
        run(folder, "postmortems", "basics", "--since", "2026-03-02", "--json").output
    )
    assert all(b["postmortems"] == [] for b in basics)


def test_actions_are_overdue_from_the_local_day_at_the_reports_end(folder: Path) -> None:
    # reports.end is `latest`: Sunday 20:30 in California; only the item due Saturday is late.
    assert overdue(folder) == ["Fix retry storm"]
    assert overdue(folder, "--at", "latest") == ["Fix retry storm"]
    # Monday 01:00 in California: Sunday's item too.
    assert overdue(folder, "--at", "2026-03-02T09:00:00Z") == [
        "Fix retry storm",
        "Add retry budget",
    ]
    assert overdue(folder, "--at", "2026-03-02T01:00:00") == overdue(
        folder, "--at", "2026-03-02T09:00:00Z"
    )  # a time without an offset is the config zone's
    # `basics check` cites this command as its evidence, and counts the same items.
    check = json.loads(run(folder, "check", "--json").stdout)
    (card,) = check["services"]
    (actions,) = [c for c in card["checks"] if c["check"] == "postmortems.actions"]
    assert actions["value"] == 1
    assert actions["measured"].startswith("3 open: 1 overdue")


def test_check_gives_each_count_its_own_example(folder: Path) -> None:
    """The overdue item is cited beside "overdue", not after "without owner" (where it read
    as an item without an owner); an item without an owner beside that count."""
    text = SUNDAY_EVENING.replace("owner: li, ", "")  # "Load test" has no owner now
    (folder / "postmortems" / "sunday.md").write_text(text)
    check = json.loads(run(folder, "check", "--json").stdout)
    (actions,) = [c for c in check["services"][0]["checks"] if c["check"] == "postmortems.actions"]
    assert actions["measured"] == (
        "3 open: 1 overdue (e.g. PM-TZ-1: Fix retry storm), 1 without owner "
        "(e.g. PM-TZ-1: Load test)"
    )


def test_a_post_mortem_after_the_reports_end_has_no_actions_yet(folder: Path) -> None:
    """Judged on Saturday 28 February, the post-mortem of Sunday 1 March was not written:
    none of its items is open, nor overdue, then (check --at a past day agrees)."""
    result = run(folder, "postmortems", "actions", "--open", "--json", "--at",
                 "2026-02-28T12:00:00")  # fmt: skip
    assert json.loads(result.stdout) == []
    check = json.loads(run(folder, "check", "--json", "--at", "2026-02-28T12:00:00").stdout)
    (actions,) = [c for c in check["services"][0]["checks"] if c["check"] == "postmortems.actions"]
    assert (actions["verdict"], actions["measured"]) == ("pass", "no open action item")


def test_eighty_columns_keep_the_due_date_and_the_status_whole(folder: Path) -> None:
    result = run(
        folder, "postmortems", "actions", "--open", "--at", "2026-03-02T09:00:00Z",
        env={"COLUMNS": "80"},
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    assert lines[0] == "Action items (3; overdue as of 2026-03-02)"
    assert "│ due        │ status  │ owner │ item" in lines[2].replace("┃", "│")
    rows = [line for line in lines if line.startswith("│ 2026-")]
    assert [row.split("│")[1:4] for row in rows] == [
        [" 2026-02-28 ", " OVERDUE ", " amara "],
        [" 2026-03-01 ", " OVERDUE ", " amara "],
        [" 2026-03-02 ", " open    ", " li    "],
    ]
