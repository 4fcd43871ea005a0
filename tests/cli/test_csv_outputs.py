"""`--csv` on every report that prints a table: one row per table row, values as in --json
(unformatted numbers, RFC 3339 times, lowercase booleans), and `--json --csv` refused."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

# command -> (how to find the JSON records the CSV rows stand for)
CASES: dict[str, tuple[list[str], Callable[[Any], list[Any]]]] = {
    "breakdown": (["slo", "breakdown", "payments/availability", "--by", "user"],
                  lambda data: data["contributors"]),
    "breakdown auto": (["slo", "breakdown", "payments/availability", "--by", "auto"],
                       lambda data: [c for b in data for c in b["contributors"]]),
    "percentiles": (["slo", "percentiles", "search", "--by", "operation", "--from",
                     "2026-02-24", "--to", "2026-02-26"], lambda data: data["groups"]),
    "evaluate": (["alerts", "evaluate"], lambda data: [t for e in data for t in e["tiers"]]),
    "replay": (["alerts", "replay", "checkout/availability", "--from", "2026-02-01"],
               lambda data: data["firings"]),
    "replay all": (["alerts", "replay", "--all", "--from", "2026-02-01"], lambda data: data),
    "compare": (["alerts", "compare", "checkout/availability", "--policies",
                 "workbook,error-rate", "--from", "2026-02-01"], lambda data: data),
    "tune": (["alerts", "tune", "checkout/availability", "--from", "2026-02-01"],
             lambda data: data["candidates"]),
    "incidents": (["incidents", "list"], lambda data: data),
    "pages": (["pages", "list"], lambda data: data),
    "status": (["slo", "status"], lambda data: data),
    "history": (["slo", "history", "checkout/availability"], lambda data: data),
    "batches": (["batches", "list"], lambda data: data),
    "oncall shifts": (["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03", "--csv",
                       "shifts"], lambda data: data["shifts"]),
    "oncall alerts": (["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03", "--csv",
                       "alerts"], lambda data: data["alerts"]),
    "oncall people": (["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03", "--csv",
                       "people"], lambda data: data["concentration"]["people"]),
    "postmortem durations": (["postmortems", "durations"], lambda data: data),
    "postmortem themes": (["postmortems", "themes"], lambda data: data),
    "postmortem basics": (["postmortems", "basics"], lambda data: data),
}  # fmt: skip


def _run(demo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(demo / "basics.yaml"), *args])


@pytest.mark.parametrize("name", sorted(CASES))
def test_csv_has_a_row_per_record_with_the_json_values(small_demo: Path, name: str) -> None:
    args, records_of = CASES[name]
    with_csv = args if "--csv" in args else [*args, "--csv"]
    plain = args[: args.index("--csv")] if "--csv" in args else args
    as_csv, as_json = _run(small_demo, *with_csv), _run(small_demo, *plain, "--json")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    records = records_of(json.loads(as_json.stdout))
    assert len(rows) == len(records) > 0
    # The same figures, unformatted: every plain value of the first record is in its row.
    first, row = records[0], rows[0]
    scalars = {k: v for k, v in first.items() if not isinstance(v, dict | list)}
    assert set(scalars) <= set(row), f"columns missing: {set(scalars) - set(row)}"
    for key, value in scalars.items():
        expected = (
            "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        )
        assert row[key] == expected, (key, row[key], value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_and_csv_together_are_refused(small_demo: Path, name: str) -> None:
    args = CASES[name][0]
    result = _run(small_demo, *args, "--json", *([] if "--csv" in args else ["--csv"]))
    assert result.exit_code == 2
    assert "choose one of --json and --csv" in result.stderr


def test_lint_csv_is_its_findings_and_keeps_its_exit_code(small_demo: Path) -> None:
    as_csv = _run(small_demo, "postmortems", "lint", "--csv")
    as_json = _run(small_demo, "postmortems", "lint", "--json")
    assert as_csv.exit_code == as_json.exit_code == 2  # findings: exit 2, in either format
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows == [{k: str(v) for k, v in f.items()} for f in json.loads(as_json.stdout)]


def test_an_empty_list_says_so_and_its_csv_keeps_the_header(
    small_demo: Path, tmp_path: Path
) -> None:
    """Deploys, incidents, pages and toil listed over a range without any: one line on
    stderr naming how many are stored and the newest; the CSV has its header alone (it
    printed a blank line), the same header as with rows."""
    import subprocess

    basics = Path(sys.executable).parent / "basics"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([basics, *args], cwd=small_demo, capture_output=True, text=True,
                              timeout=120, check=True)  # fmt: skip

    for command, before in (
        (["deploys", "list"], ["--to", "2020-01-01"]),
        (["pages", "list"], ["--to", "2020-01-01"]),
        (["toil", "list"], ["--to", "2020-01-01"]),
    ):
        full = run(*command, "--csv").stdout.splitlines()
        empty = run(*command, *before, "--csv")
        assert len(full) > 1 and empty.stdout.splitlines() == full[:1], command
        said = run(*command, *before)
        assert said.stdout == ""
        assert said.stderr.startswith(f"No {command[0]}"), said.stderr
        assert " stored; the newest: " in said.stderr
    # A store with none at all says how to store some.
    (tmp_path / "basics.yaml").write_text("store: basics.duckdb\n", encoding="utf-8")
    none = subprocess.run([basics, "incidents", "list"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    assert none.stderr == "No incidents stored yet (basics incidents add, or import them).\n"
    header = subprocess.run(
        [basics, "incidents", "list", "--csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    # The header of a list with rows (the demo's incidents), alone.
    full = run("incidents", "list", "--csv").stdout.splitlines()
    assert len(full) > 1 and header.splitlines() == full[:1]


EMPTY_CASES: dict[str, tuple[list[str], list[str]]] = {
    "breakdown": (CASES["breakdown"][0], ["--from", "2020-01-01", "--to", "2020-01-02"]),
    "breakdown auto": (CASES["breakdown auto"][0], ["--from", "2020-01-01", "--to", "2020-01-02"]),
    "percentiles": (CASES["percentiles"][0], ["--from", "2020-01-01", "--to", "2020-01-02"]),
    **{  # people and weeks list every person and week of the range, with or without pages
        f"oncall {table}": (["oncall", "report", "--csv", table],
                            ["--from", "2020-01-01", "--to", "2020-01-08"])
        for table in ("shifts", "alerts")
    },
    "postmortem themes": (["postmortems", "themes"], ["--since", "2030-01-01"]),
    "postmortem actions": (["postmortems", "actions"], ["--owner", "nobody-at-all"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EMPTY_CASES))
def test_an_empty_report_is_its_csv_header_alone(small_demo: Path, name: str) -> None:
    """An empty --csv was 0 bytes for these (pandas: EmptyDataError); it is the header the
    same command gives with rows, alone, and any note is on stderr."""
    args, empty_range = EMPTY_CASES[name]
    with_csv = args if "--csv" in args else [*args, "--csv"]
    full = _run(small_demo, *with_csv)
    empty = _run(small_demo, *with_csv, *empty_range)
    assert full.exit_code == 0 and empty.exit_code == 0, (full.output, empty.output)
    header = full.stdout.splitlines()[0]
    assert len(full.stdout.splitlines()) > 1
    assert empty.stdout.splitlines() == [header]


def test_empty_post_mortem_reports_are_their_headers(small_demo: Path, tmp_path: Path) -> None:
    """A store without post-mortems: list, actions, lint and themes as CSV are the headers
    of the demo's (which has post-mortems), and the notes are on stderr."""
    (tmp_path / "basics.yaml").write_text("store: basics.duckdb\n", encoding="utf-8")
    for command in ("list", "actions", "lint", "themes"):
        full = _run(small_demo, "postmortems", command, "--csv")
        empty = CliRunner().invoke(
            cli, ["--config", str(tmp_path / "basics.yaml"), "postmortems", command, "--csv"]
        )
        assert empty.exit_code == 0, empty.output
        assert empty.stdout.splitlines() == full.stdout.splitlines()[:1], command
        assert empty.stderr.startswith("No "), command


def test_why_a_batch_list_is_empty_is_said_on_stderr(tmp_path: Path) -> None:
    """docs/cli.md: notes for people go to stderr; `batches list` printed its note on
    stdout, where a script reading the list found a sentence."""
    (tmp_path / "basics.yaml").write_text("store: basics.duckdb\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "basics.yaml"), "batches", "list"])
    assert done.exit_code == 0
    assert done.stdout == ""
    assert done.stderr.startswith("No batches stored (--all lists undone ones too)")
