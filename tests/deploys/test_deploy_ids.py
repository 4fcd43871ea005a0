"""New deploys are numbered in the order their source told them, batch after batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config
from basics.deploys.models import DeployRead, DeployRecord

CONFIG = "store: basics.duckdb\n"
START = dt.datetime(2026, 3, 1)


def deploys(keys: range, version: str = "1") -> list[DeployRecord]:
    return [
        DeployRecord(
            f"svc-{key % 7}", START + dt.timedelta(minutes=key), f"k{key}", version=version
        )
        for key in keys
    ]


def test_new_deploys_take_ids_in_the_order_read_among_known_ones(tmp_path: Path) -> None:
    """Batches of more than two of DuckDB's row groups (122,880 rows): numbered by one
    UPDATE, its threads once gave the first new deploy of this batch id 188,561."""
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    app = App(parse_config(CONFIG, path))
    try:
        evens = DeployRead(deploys=deploys(range(0, 250_000, 2)))
        first = app.deploys.store_read(evens, "jsonl", "first", b"first")
        # The even keys again (one changed), the odd ones new, in one interleaved batch.
        again = deploys(range(250_000))
        again[10] = deploys(range(10, 11), version="2")[0]
        second = app.deploys.store_read(DeployRead(deploys=again), "jsonl", "second", b"second")

        assert (first.new_deploys, second.new_deploys) == (125_000, 125_000)
        rows = app.store.query(
            "SELECT source_key, id FROM deploys ORDER BY CAST(substr(source_key, 2) AS INTEGER)"
        )
        ids = {key: deploy_id for key, deploy_id in rows}
        known = [ids[f"k{key}"] for key in range(0, 250_000, 2)]
        new = [ids[f"k{key}"] for key in range(1, 250_000, 2)]
        assert known == list(range(1, 125_001))  # kept, the changed one's too
        assert new == list(range(125_001, 250_001))
    finally:
        app.close()
