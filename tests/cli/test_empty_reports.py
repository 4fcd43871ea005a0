"""A report over a range without data says so on stderr and names the newest record, on the
demo company; stdout stays the report (parseable with --json)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from basics.cli.main import cli


def test_an_oncall_report_without_pages_names_the_newest_page(small_demo: Path) -> None:
    args = ["--config", str(small_demo / "basics.yaml"), "oncall", "report"]
    result = CliRunner().invoke(
        cli, [*args, "--from", "2025-01-01", "--to", "2025-02-01", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pages"] == 0
    assert result.stderr.startswith("No pages in this range; the newest page is at 2026-03-0")
    full = CliRunner().invoke(cli, [*args, "--from", "2026-02-01", "--to", "2026-03-03"])
    assert "No pages" not in full.stderr


def test_a_team_without_members_or_pages_is_said_as_such(small_demo: Path) -> None:
    base = ["--config", str(small_demo / "basics.yaml")]
    month = ["--from", "2026-02-02", "--to", "2026-03-02", "--team", "payments"]
    pages = CliRunner().invoke(cli, [*base, "oncall", "report", *month, "--json"])
    assert json.loads(pages.stdout)["pages"] == 0
    said = " ".join(pages.stderr.split())
    assert said == (
        "No pages for team payments: it lists no members, so whose pages to count "
        "basics.yaml does not say (list them under teams: payments: members:)."
    )
    toil = CliRunner().invoke(cli, [*base, "toil", "report", *month, "--json"])
    assert json.loads(toil.stdout)["note"] == (
        "no toil entries for team payments from 2026-02-02 to 2026-03-01: no data, not zero toil"
    )


def test_slo_status_before_any_event_is_no_data_and_says_where_the_data_is(
    small_demo: Path,
) -> None:
    args = ["--config", str(small_demo / "basics.yaml"), "slo", "status"]
    result = CliRunner().invoke(cli, [*args, "--at", "2025-06-01T00:00:00Z", "--json"])
    statuses = json.loads(result.stdout)
    assert {s["status"] for s in statuses} == {"no_data"}
    assert {s["sli"] for s in statuses} == {None}
    assert all(f"the newest event of {s['service']} is at 2026-03-0" in s["note"] for s in statuses)
    # Said on stderr too, in every format (the JSON said it only inside its records).
    assert result.stderr.count("no events in this window; the newest event of") == len(statuses)
    evaluated = CliRunner().invoke(
        cli, [*args[:2], "alerts", "evaluate", "--at", "2025-06-01T00:00:00Z", "--json"]
    )
    assert evaluated.exit_code == 0
    assert {t["state"] for e in json.loads(evaluated.stdout) for t in e["tiers"]} == {"no_data"}
    assert evaluated.stderr.startswith("No events in any tier's window")
    failing = CliRunner().invoke(cli, [*args, "--at", "2025-06-01T00:00:00Z", "--fail-on",
                                       "no-data"])  # fmt: skip
    assert failing.exit_code == 2


def test_tune_over_a_range_without_events_recommends_nothing(small_demo: Path) -> None:
    """Every candidate is silent where nothing was counted: that says nothing of a tier."""
    args = ["--config", str(small_demo / "basics.yaml"), "alerts", "tune"]
    args += ["checkout/availability", "--from", "2025-01-01", "--to", "2025-02-01"]
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0, table.output
    assert "Best within" not in table.stdout
    assert table.stderr.startswith("No events in this range (so no firings says nothing")
    assert "No candidate" not in table.stdout  # nothing to recommend is not a trade-off
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    found = json.loads(as_json.stdout)
    assert (found["events"], found["best"]) == (0, None)
    assert as_json.stderr == table.stderr  # the note beside JSON too


def test_a_top_below_one_is_refused_before_anything_is_computed(small_demo: Path) -> None:
    config = ["--config", str(small_demo / "basics.yaml")]
    for args in (
        ["slo", "breakdown", "payments/availability", "--by", "user", "--top", "-3"],
        ["slo", "breakdown", "payments/availability", "--by", "auto", "--top", "0"],
        ["alerts", "tune", "checkout/availability", "--from", "2026-02-01", "--top", "-2"],
    ):
        result = CliRunner().invoke(cli, [*config, *args])
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--top'" in result.stderr
        assert "Traceback" not in result.output


def test_a_misspelt_name_is_said_not_an_empty_report(small_demo: Path) -> None:
    config = ["--config", str(small_demo / "basics.yaml")]
    person = CliRunner().invoke(cli, [*config, "oncall", "report", "--from", "2026-02-01",
                                      "--to", "2026-03-01", "--person", "nosuch"])  # fmt: skip
    assert person.exit_code == 1
    assert person.stderr.startswith('Error: no person "nosuch" in basics.yaml, nor among the')
    service = CliRunner().invoke(cli, [*config, "incidents", "list", "--service", "nosuch"])
    assert service.exit_code == 1
    assert service.stderr.startswith('Error: no service "nosuch" in basics.yaml nor in any')
    owner = CliRunner().invoke(cli, [*config, "postmortems", "actions", "--owner", "nosuch"])
    assert owner.exit_code == 0
    assert 'No action item is owned by "nosuch" (owners: amara, dana, lee).' in owner.stderr
    known = CliRunner().invoke(cli, [*config, "postmortems", "actions", "--owner", "lee"])
    assert "No action item" not in known.stderr


def test_a_list_that_matches_nothing_says_how_many_are_stored_and_the_newest(
    small_demo: Path,
) -> None:
    """Pages, deploys and toil entries: a filter that matches nothing is one line on stderr
    with what is stored (counted here from the store itself) and the newest record (an empty
    store's incidents: test_csv_outputs)."""
    import duckdb

    base = ["--config", str(small_demo / "basics.yaml")]
    never = ["--from", "2030-01-01", "--to", "2030-02-01"]
    db = duckdb.connect(str(small_demo / "basics.duckdb"), read_only=True)
    try:
        stored = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("pages", "deploys", "toil_entries")
        }
    finally:
        db.close()
    assert all(stored.values()), stored
    cases = [
        (["pages", "list", *never], f"No pages match: {stored['pages']:,} pages stored; "
         "the newest: 2026-03-0"),
        (["deploys", "list", *never], f"No deploys match: {stored['deploys']:,} deploys stored; "
         "the newest: 2026-03-0"),
        (["toil", "list", *never], f"No toil entries match: {stored['toil_entries']:,} toil "
         "entries stored; the newest: 2026-0"),
    ]  # fmt: skip
    for args, said in cases:
        done = CliRunner().invoke(cli, [*base, *args])
        assert done.exit_code == 0, done.output
        assert done.stdout == ""
        assert " ".join(done.stderr.split()).startswith(said), (args, done.stderr)


def test_slo_status_on_a_store_without_events_says_so(tmp_path: Path) -> None:
    """A new store: every SLO is no data, and why is said (it printed nothing at all)."""
    (tmp_path / "basics.yaml").write_text(
        "store: basics.duckdb\nservices:\n  www:\n    slos:\n"
        "      availability: {objective: 99.9, good: status < 500}\n",
        encoding="utf-8",
    )
    for fmt in ([], ["--json"]):
        done = CliRunner().invoke(
            cli, ["--config", str(tmp_path / "basics.yaml"), "slo", "status", *fmt]
        )
        assert done.exit_code == 0, done.output
        assert done.stderr == (
            "www/availability: no events in this window: the store has none yet "
            "(basics ingest events FILE)\n"
        )
