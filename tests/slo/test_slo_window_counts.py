"""Status counts every window in one pass over the rollups, each minute in one bucket:
whatever the window starts (nested or not, equal or not), each window's counts equal a sum
over its own minutes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.app import App
from basics.config.loader import parse_config

CONFIG = """
timezone: UTC
store: basics.duckdb
sources:
  api: {format: jsonl}
services:
  www:
    slos:
      availability: {objective: 99, window: 1d, good: status < 500}
  api:
    slos:
      availability: {objective: 99.9, window: 1d, good: status < 500}
"""
START = dt.datetime(2026, 3, 1)
END = START + dt.timedelta(hours=6)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("windows")
    path = root / "basics.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    lines = []
    for minute in range(6 * 60):
        if minute % 11 == 3:
            continue  # minutes without events
        for service, every in (("www", 1), ("api", 3)):
            if minute % every:
                continue
            for second in range(0, 60, 7):
                failing = (minute * 7 + second) % 13 == 0
                ts = START + dt.timedelta(minutes=minute, seconds=second)
                lines.append(
                    json.dumps(
                        {"ts": ts.isoformat() + "Z", "service": service}
                        | {"status": 500 if failing else 200}
                    )
                )
    (root / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    application = App(parse_config(CONFIG, path))
    assert application.ingest_events("api", str(root / "events.jsonl")).rejected == 0
    yield application
    application.close()


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(
        st.lists(st.integers(0, 6 * 60), min_size=1, max_size=7), min_size=1, max_size=2
    ),
    end_minute=st.integers(1, 6 * 60),
)
def test_each_window_counts_its_own_minutes(
    app: App, offsets: list[list[int]], end_minute: int
) -> None:
    end = START + dt.timedelta(minutes=end_minute)
    keys = ["www/availability", "api/availability"]
    requests = []
    for key, minutes in zip(keys, offsets, strict=False):
        _, _, slo = app.slo.slo(key)
        starts = {f"w{i}": START + dt.timedelta(minutes=m) for i, m in enumerate(minutes)}
        requests.append((key, slo, starts))
    found = app.slo._window_counts_many(requests, end)
    for (key, _, starts), counts in zip(requests, found, strict=True):
        for name, start in starts.items():
            total, good = app.store.query(
                "SELECT coalesce(sum(total), 0), coalesce(sum(good), 0) FROM slo_minute "
                "WHERE slo = ? AND minute >= ? AND minute < ?",
                [key, start, end],
            )[0]
            assert (counts[name].total, counts[name].good) == (total, good)
