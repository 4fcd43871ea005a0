"""Which timeslices a range holds: those that start in it, in status and history alike (a
slice cut by the range's start belongs to the range before it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
sources:
  s: {format: jsonl, service: s}
services:
  s:
    slos:
      slices: {objective: 90, window: 1d, good: status < 500, budgeting: timeslices,
               slice: 5m, slice_target: 99}
"""
START = dt.datetime(2026, 3, 5)


def test_a_slice_cut_by_the_range_start_is_not_the_ranges(tmp_path: Path) -> None:
    """Ten events a minute from 00:00 to 00:10, the only bad ones two at 00:00. From 00:02
    the range holds 80 good events and no bad one. History counted the slice [00:00, 00:05)
    whole (its bad events before 00:02 too: 2 slices, 1 bad, SLI 50 %, missed) while status
    left it out (1 slice, 0 bad). Now both hold [00:05, 00:10) alone: 50 good of 50, a
    good slice: 1 slice, SLI 100 %."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    lines = []
    for minute in range(10):
        for second in range(10):
            status = 500 if minute == 0 and second < 2 else 200
            moment = START + dt.timedelta(minutes=minute, seconds=5 * second)
            lines.append(json.dumps({"ts": f"{moment:%Y-%m-%dT%H:%M:%SZ}", "status": status}))
    (tmp_path / "e.jsonl").write_text("\n".join(lines) + "\n")
    assert app.ingest_events("s", str(tmp_path / "e.jsonl")).accepted == 100

    begin, end = START + dt.timedelta(minutes=2), START + dt.timedelta(days=1, minutes=2)
    [first, *_] = app.slo.history("s/slices", "day", begin, end)
    [status] = app.slo.status(end)

    assert (first.counts.total, first.counts.good, first.met) == (1, 1, True)
    assert (status.counts.total, status.counts.good) == (1, 1)
    # From 00:00 the range holds both slices: [00:00, 00:05) has 2 bad of 50 (96 % < 99 %).
    [whole, *_] = app.slo.history("s/slices", "day", START, START + dt.timedelta(days=1))
    assert (whole.counts.total, whole.counts.good) == (2, 1)


def test_what_an_interval_cost_counts_the_slices_it_touches(tmp_path: Path) -> None:
    """`slo cost` from 00:02 to 00:04 lies inside the slice [00:00, 00:05): that slice,
    whole, is what it cost (48 good of 50 events, 96 % < 99 %: bad), said in slices (the
    CLI said "1 bad of 1 events ... bad events allowed")."""
    from click.testing import CliRunner

    from basics.cli.main import cli

    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    lines = [
        json.dumps(
            {
                "ts": f"2026-03-05T00:0{m}:{5 * k:02d}Z",
                "status": 500 if m == 0 and k < 2 else 200,
            }
        )
        for m in range(10)
        for k in range(10)
    ]
    (tmp_path / "e.jsonl").write_text("\n".join(lines) + "\n")
    assert app.ingest_events("s", str(tmp_path / "e.jsonl")).accepted == 100
    cost = app.slo.cost(
        "s/slices", START + dt.timedelta(minutes=2), START + dt.timedelta(minutes=4)
    )
    assert (cost.counts.total, cost.counts.bad) == (1, 1)
    app.close()

    said = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "slo", "cost", "s/slices",
         "--from", "2026-03-05T00:02:00Z", "--to", "2026-03-05T00:04:00Z"],
    )  # fmt: skip
    assert said.exit_code == 0, said.output
    text = " ".join(said.stdout.split())
    assert "1 bad of 1 slices" in text and "bad slices allowed" in text
