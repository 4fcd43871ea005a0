"""What `slo status` says beside a window without counted events."""

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
      checkout: {objective: 99, window: 1d, good: status < 500, valid: operation == "/checkout"}
"""
START = dt.datetime(2026, 3, 5)


def test_a_window_whose_events_the_slo_leaves_out_says_so(tmp_path: Path) -> None:
    """Every event of the window left out by `valid:`: the note said "no events in this
    window", and pointed elsewhere, though the events are there."""
    config = CONFIG.replace(
        "      slices:",
        "      checkout: {objective: 99, window: 1d, good: status < 500,\n"
        '                 valid: operation == "/checkout"}\n      slices:',
    )
    (tmp_path / "basics.yaml").write_text(config)
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    (tmp_path / "e.jsonl").write_text(
        json.dumps({"ts": "2026-03-05T00:00:05Z", "status": 200, "operation": "/search"}) + "\n"
    )
    assert app.ingest_events("s", str(tmp_path / "e.jsonl")).accepted == 1

    [checkout] = app.slo.status(START + dt.timedelta(hours=1))

    assert checkout.counts.total == 0 and checkout.sli is None
    assert checkout.note == (
        "no event of this window counts for the SLO: its valid: or a correction leaves out "
        "every one (the newest event of s is at 2026-03-05T00:00:05Z)"
    )
