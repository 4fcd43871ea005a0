"""The cached parse of a post-mortem is of its bytes and of the zone its times without one
are read in: another `timezone` in basics.yaml reads them again (the cache kept UTC)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

DOC = "# Search down\n\n## Timeline\n- 2026-02-10 10:00 search errors begin\n- 10:20 resolved\n"


def started(tmp_path: Path, zone: str) -> dt.datetime | None:
    config = f"timezone: {zone}\nstore: basics.duckdb\n"
    (tmp_path / "basics.yaml").write_text(config)
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    try:
        (pm,) = app.postmortems.library().postmortems
        return pm.started
    finally:
        app.close()


def test_another_time_zone_reads_the_times_again(tmp_path: Path) -> None:
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "search.md").write_text(DOC)

    assert started(tmp_path, "UTC") == dt.datetime(2026, 2, 10, 10, 0)
    assert started(tmp_path, "Europe/Berlin") == dt.datetime(2026, 2, 10, 9, 0)  # UTC+1
    assert started(tmp_path, "UTC") == dt.datetime(2026, 2, 10, 10, 0)
