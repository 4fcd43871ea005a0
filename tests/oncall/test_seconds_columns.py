"""A PagerDuty CSV whose times to acknowledge and resolve are seconds columns: a negative
count is a reject naming the column as the header writes it, on both readers' paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config

CONFIG = "timezone: UTC\nstore: basics.duckdb\n"
EXPORT = (
    "id,description,created_on,seconds_to_first_ack,seconds_to_resolve\n"
    "Q1,x,2026-03-29T02:00:00Z,-5,\n"
    "Q2,x,2026-03-29T02:00:00Z,,-60\n"
    "Q3,x,2026-03-29T02:00:00Z,30,600\n"
)
ACK = (
    "seconds_to_first_ack -5 puts the first acknowledgement at 2026-03-29T01:59:55Z, before "
    "created_on 2026-03-29T02:00:00Z: expected the seconds from the page's creation to its "
    "first acknowledgement"
)
RESOLVE = (
    "seconds_to_resolve -60 puts the resolution at 2026-03-29T01:59:00Z, before created_on "
    "2026-03-29T02:00:00Z: expected the seconds from the page's creation to its resolution"
)


def test_negative_seconds_are_rejected_under_the_column_the_header_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    export = tmp_path / "neg.csv"
    export.write_text(EXPORT)

    done = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "ingest", "pages", str(export),
         "--format", "pagerduty-csv"],
    )  # fmt: skip

    assert done.exit_code == 3, done.output
    assert f"neg.csv:2: seconds_to_first_ack: {ACK}" in done.output
    assert f"neg.csv:3: seconds_to_resolve: {RESOLVE}" in done.output
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    assert app.store.query("SELECT line, field, reason FROM rejects ORDER BY line") == [
        (2, "seconds_to_first_ack", ACK),
        (3, "seconds_to_resolve", RESOLVE),
    ]
    assert app.store.query("SELECT id, acknowledged_at, resolved_at FROM pages") == [
        ("pagerduty:Q3", dt.datetime(2026, 3, 29, 2, 0, 30), dt.datetime(2026, 3, 29, 2, 10)),
    ]
    app.close()
