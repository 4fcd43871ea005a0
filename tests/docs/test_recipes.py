"""docs/recipes.md runs as written: each recipe's basics.yaml fragment ingests its lines,
every one stored, with the values counted by hand below."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config

ROOT = Path(__file__).resolve().parents[2]
T = dt.datetime

# Per recipe: (ts, service, operation, status, duration_ms) of each line, by hand.
EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    "Google Cloud HTTP(S) load balancer (Cloud Logging JSON)": [
        (T(2026, 3, 2, 14, 0, 0, 12345), "web", "https://shop.example.com/api/orders", 200,
         12.345),
        (T(2026, 3, 2, 14, 0, 7, 345678), "web", "https://shop.example.com/api/pay", 502, 1500.0),
    ],
    "AWS Application Load Balancer": [
        (T(2026, 3, 2, 14, 0, 1, 186641), "shop", "/api/orders", 200, 48.0),
        (T(2026, 3, 2, 14, 0, 3, 300000), "shop", "/api/pay", 502, None),
    ],
    "ingress-nginx (Kubernetes)": [
        (T(2026, 3, 2, 14, 0, 1), "shop", "/api/orders", 200, 12.0),
        (T(2026, 3, 2, 14, 0, 2), "shop", "/api/checkout", 503, 412.0),
    ],
    "HAProxy (HTTP log format, through syslog)": [  # Berlin, UTC+1 in March
        (T(2026, 3, 2, 14, 0, 1, 655000), "shop", "/api/orders", 200, 69.0),
        (T(2026, 3, 2, 14, 0, 2, 10000), "shop", "/api/checkout", None, 413.0),
    ],
    "Apache `vhost_combined` (Debian's `other_vhosts_access.log`)": [
        (T(2026, 3, 2, 14, 0, 1), "shop", "/api/orders", 200, None),
        (T(2026, 3, 2, 14, 0, 2), "shop", "/api/pay", 503, None),
    ],
    "Traefik (JSON access log)": [
        (T(2026, 3, 2, 14, 0, 0, 123456), "api", "/api/orders", 200, 12.345678),
        (T(2026, 3, 2, 14, 0, 1, 500000), "api", "/api/checkout", 500, 412.0),
    ],
    "Caddy (JSON access log)": [
        (T(2026, 3, 2, 14, 0, 0), "shop", "/api/orders", 200, 12.3),
        (T(2026, 3, 2, 14, 0, 7, 500000), "shop", "/api/pay", 502, 1500.0),
    ],
    "Amazon CloudFront (standard logs)": [  # time-taken in seconds
        (T(2026, 3, 2, 14, 0, 0), "shop", "/index.html", 200, 2.0),
        (T(2026, 3, 2, 14, 0, 1), "shop", "/api/cart", 502, 1250.0),
    ],
    "Heroku router (logfmt)": [
        (T(2026, 3, 2, 14, 0, 5, 123456), "shop", "/api/orders/42", 200, 35.0),
        (T(2026, 3, 2, 14, 0, 37, 2871), "shop", "/api/checkout", 503, 30000.0),
    ],
    "logrus (Go, text formatter)": [
        (T(2026, 3, 2, 14, 0, 5), "orders", "/api/orders", 200, 35.2),
        (T(2026, 3, 2, 14, 0, 6), "orders", "/api/pay", 502, 1500.0),
    ],
    "Grafana Loki (`logcli --output=jsonl`)": [  # the record's time, not the entry's
        (T(2026, 3, 2, 14, 0, 5, 123456), "shop", "/api/orders", 200, 12.5),
        (T(2026, 3, 2, 14, 0, 7, 500000), "shop", "/api/checkout", 503, 1500.0),
    ],
    "Docker json-file logs (a Node.js app with pino)": [  # pino's time, not Docker's
        (T(2026, 3, 2, 14, 0, 5, 123000), "shop", "/api/orders", 200, 12.0),
        (T(2026, 3, 2, 14, 0, 7, 500000), "shop", "/api/pay", 502, 1500.0),
    ],
    "Microsoft IIS (W3C extended log)": [  # time-taken in milliseconds
        (T(2026, 3, 2, 14, 0, 0), "shop", "/api/orders", 200, 31.0),
        (T(2026, 3, 2, 14, 0, 2), "shop", "/api/checkout", 503, 1250.0),
    ],
}  # fmt: skip


def recipes() -> dict[str, tuple[str, str]]:
    """Each recipe's title, its YAML fragment and its lines."""
    text = (ROOT / "docs" / "recipes.md").read_text(encoding="utf-8")
    found = {}
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        title = section.splitlines()[0].strip()
        yaml_block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
        lines_block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
        assert yaml_block and lines_block, title
        found[title] = (yaml_block.group(1), lines_block.group(1))
    return found


def test_every_recipe_is_checked() -> None:
    assert sorted(recipes()) == sorted(EXPECTED)


@pytest.mark.parametrize("title", sorted(EXPECTED))
def test_a_recipe_stores_every_line_as_counted_by_hand(tmp_path: Path, title: str) -> None:
    fragment, lines = recipes()[title]
    config = "store: basics.duckdb\n" + fragment
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "access.log").write_text(lines, encoding="utf-8")
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    try:
        source = next(iter(app.config.sources))
        result = app.ingest_events(source, str(tmp_path / "access.log"))
        events = app.store.query(
            "SELECT ts, service, operation, status, duration_ms FROM events ORDER BY ts"
        )
    finally:
        app.close()

    assert (result.accepted, result.rejected, result.unknown_services) == (2, 0, [])
    assert events == [
        tuple(pytest.approx(v) if isinstance(v, float) else v for v in row)
        for row in EXPECTED[title]
    ]
