"""An SLO alerting cannot read yet (timeslices longer than a minute) is skipped with a note by
`alerts evaluate` and `alerts replay --all`, and the other SLOs are still evaluated; asked
for by name it is an error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import InputError

CONFIG = """
store: basics.duckdb
timezone: UTC
sources:
  events: {format: jsonl, service: shop}
services:
  shop:
    slos:
      availability: {objective: 99, window: 7d, good: status < 500}
      uptime: {objective: 99, window: 7d, good: status < 500, budgeting: timeslices,
               slice: 1m, slice_target: 95}
      uptime5: {objective: 99, window: 7d, good: status < 500, budgeting: timeslices,
                slice: 5m, slice_target: 95}
"""
START = dt.datetime(2026, 3, 1)
END = START + dt.timedelta(hours=2)
REASON = (
    "alerting on timeslices longer than 1m (slice: 5m) is not supported yet; "
    "use slice: 1m or occurrences"
)


@pytest.fixture
def app(tmp_path: Path) -> App:
    """Two hours of 10 events a minute; every event fails in minutes 60-69."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    lines = [
        json.dumps(
            {
                "ts": (START + dt.timedelta(minutes=m, seconds=5 * i)).isoformat() + "Z",
                "status": 503 if 60 <= m < 70 else 200,
            }
        )
        for m in range(120)
        for i in range(10)
    ]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    application = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    assert application.ingest_events("events", str(tmp_path / "events.jsonl")).rejected == 0
    return application


def test_evaluate_skips_the_unsupported_slo_with_a_note(app: App) -> None:
    results = app.alerting.evaluate(START + dt.timedelta(minutes=70))
    assert [(e.slo, len(e.tiers), e.note) for e in results] == [
        ("shop/availability", 3, None),
        ("shop/uptime", 3, None),
        ("shop/uptime5", 0, REASON),
    ]
    # The others are evaluated as ever: 10 of 10 bad minutes (slices) in the outage.
    assert [t.state for t in results[0].tiers] == ["firing", "firing", "firing"]
    assert [t.state for t in results[1].tiers] == ["firing", "firing", "firing"]
    assert results[1].tiers[0].long_events == 60  # slices, one a minute


def test_replay_all_skips_it_and_a_replay_by_name_refuses_it(app: App) -> None:
    replays = app.alerting.replay_all(START, END)
    assert [r.slo for r in replays] == ["shop/availability", "shop/uptime"]
    assert replays == [
        app.alerting.replay(n, START, END) for n in ("shop/availability", "shop/uptime")
    ]
    assert app.alerting.unsupported() == {"shop/uptime5": REASON}
    with pytest.raises(InputError, match=r"shop/uptime5: alerting on timeslices longer than 1m"):
        app.alerting.replay("shop/uptime5", START, END)
    with pytest.raises(InputError, match=r"shop/uptime5: alerting on timeslices"):
        app.alerting.replay_all(START, END, names=["shop/uptime5"])


def test_cli_lists_the_unsupported_slo_in_tables_and_json(app: App, tmp_path: Path) -> None:
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml"), "alerts"]
    evaluate = runner.invoke(cli, [*base, "evaluate", "--at", "2026-03-01T01:10Z", "--json"])
    assert evaluate.exit_code == 0, evaluate.output
    data = json.loads(evaluate.stdout)
    assert [(e["slo"], e["note"]) for e in data] == [
        ("shop/availability", None),
        ("shop/uptime", None),
        ("shop/uptime5", REASON),
    ]
    assert data[2]["tiers"] == [] and data[2]["policy"] == "workbook"
    table = runner.invoke(cli, [*base, "evaluate", "--at", "2026-03-01T01:10Z"])
    assert table.exit_code == 0 and "unsupported" in table.stdout
    assert f"skipped shop/uptime5: {REASON}" in table.stderr
    window = ["--from", "2026-03-01T00:00Z", "--to", "2026-03-01T02:00Z"]
    replay = runner.invoke(cli, [*base, "replay", "--all", *window, "--json"])
    assert replay.exit_code == 0, replay.output
    records = json.loads(replay.stdout)
    assert [r["slo"] for r in records] == ["shop/availability", "shop/uptime", "shop/uptime5"]
    assert records[2] == {"slo": "shop/uptime5", "policy": "workbook", "note": REASON}
    assert records[0]["recall"] is None and records[0]["firings"]
    summary = runner.invoke(cli, [*base, "replay", "--all", *window])
    assert summary.exit_code == 0 and "unsupported" in summary.stdout
    assert f"skipped shop/uptime5: {REASON}" in summary.stderr
    alone = runner.invoke(cli, [*base, "replay", "shop/uptime5", *window])
    assert alone.exit_code != 0 and "not supported yet" in alone.output


def test_check_and_review_run_past_the_unsupported_slo(app: App, tmp_path: Path) -> None:
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml")]
    check = runner.invoke(cli, [*base, "check", "--json"])
    assert "not supported yet" not in check.output and check.exit_code in (0, 2, 3)
    assert json.loads(check.stdout)
    review = runner.invoke(cli, [*base, "review", "--week", "2026-W09"])
    assert review.exit_code == 0, review.output
    assert "shop/availability" in review.stdout


def test_csv_has_a_row_for_the_unsupported_slo(app: App, tmp_path: Path) -> None:
    """`--csv` lists every SLO the table does: the unsupported one as a row with state
    `unsupported` (evaluate) or empty figures (replay --all), its reason in `note`."""
    import csv
    import io

    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml"), "alerts"]

    def rows(*args: str) -> list[dict[str, str]]:
        done = runner.invoke(cli, [*base, *args, "--csv"])
        assert done.exit_code == 0, done.output
        assert "skipped shop/uptime5" in done.stderr
        return list(csv.DictReader(io.StringIO(done.stdout)))

    evaluated = rows("evaluate", "--at", "2026-03-01T01:10Z")
    # Three tiers of the Workbook policy for each of the two SLOs it reads, and one row more.
    assert [(r["slo"], r["state"]) for r in evaluated] == [
        *[("shop/availability", "firing")] * 3,
        *[("shop/uptime", "firing")] * 3,
        ("shop/uptime5", "unsupported"),
    ]
    unsupported = evaluated[-1]
    assert (unsupported["policy"], unsupported["note"]) == ("workbook", REASON)
    assert unsupported["tier"] == unsupported["factor"] == ""
    assert {r["note"] for r in evaluated[:-1]} == {""}

    replayed = rows("replay", "--all", "--from", "2026-03-01T00:00Z", "--to", "2026-03-01T02:00Z")
    assert [r["slo"] for r in replayed] == ["shop/availability", "shop/uptime", "shop/uptime5"]
    skipped = replayed[-1]
    assert skipped["note"] == REASON
    assert (skipped["from"], skipped["to"]) == ("2026-03-01T00:00:00Z", "2026-03-01T02:00:00Z")
    assert skipped["pages"] == skipped["firings_per_week"] == ""
    assert replayed[0]["note"] == ""
    assert list(replayed[0]) == list(skipped)  # the same columns
