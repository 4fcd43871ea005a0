"""A wide outage against a small single-customer burn: the budget burned is what the week
cost, ranked whole; the cause says where to look and is named only when it holds a real
share. (The burn was discounted by its top cause's share, so the wider an outage, the lower
it ranked: orders' 500 % came fourth at 5 h, behind reports' 50 % at 25 h.)"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config
from basics.review import compute

CONFIG = """
timezone: UTC
store: basics.duckdb
sources:
  events: {format: jsonl}
services:
  orders:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
  reports:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""
W10 = dt.datetime(2026, 3, 2)


def events(service: str) -> list[str]:
    """1,000 events 10 minutes apart from W10's Monday. orders: 50 consecutive 500s (i =
    500 to 549, on Thursday 5 March), one for each of 50 users; reports: 5 500s (i = 500 to
    504), all of user `big`."""
    lines = []
    for i in range(1000):
        bad = 500 <= i < (550 if service == "orders" else 505)
        user = "big" if bad and service == "reports" else f"u{i % 100}"
        lines.append(json.dumps({"ts": (W10 + dt.timedelta(minutes=10 * i)).isoformat() + "Z",
                                 "service": service, "user": user,
                                 "status": 500 if bad else 200}))  # fmt: skip
    return lines


def test_a_wide_outage_ranks_above_a_small_burn_of_one_customer(tmp_path: Path) -> None:
    """Budget of each: 1 % of its 1,000 events = 10 bad events. orders: 50 bad = 500 %,
    × 0.5 h = 250 h; its 50 bad events on 50 users, the top, u0, holds 1 of 50 = 2 %:
    spread, no single cause. reports: 5 bad = 50 %, × 0.5 h = 25 h; user big holds 5/5 =
    100 %, named."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "events.jsonl").write_text("\n".join(events("orders") + events("reports")))
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    assert app.ingest_events("events", str(tmp_path / "events.jsonl")).accepted == 2000

    review = app.review.review("2026-W10", W10 + dt.timedelta(days=10))

    burned = {s.slo: s.budget_burned for s in review.changes.slos}
    assert burned == {"orders/availability": 5.0, "reports/availability": 0.5}
    budget = [(c.title, c.formula, c.cost_hours) for c in review.fix_next if c.kind == "budget"]
    assert budget == [
        ("orders/availability: 500.0 % of its error budget burned, bad events spread (no "
         "single cause: the top user, u0, holds 2%)", "500 % of budget × 0.5 h = 250 h", 250.0),
        ("reports/availability: 50.0 % of its error budget burned, 100% of the bad events on "
         "user big", "50 % of budget × 0.5 h = 25 h", 25.0),
    ]  # fmt: skip
    assert review.fix_next[0].evidence == (  # first of all the candidates
        "basics slo breakdown orders/availability --by user --from 2026-03-02T00:00:00Z "
        "--to 2026-03-09T00:00:00Z"
    )


def test_the_cause_is_named_from_half_of_the_bad_events() -> None:
    """At `CAUSE_SHARE` (a half) the top value is named with its share; below, spread."""
    assert compute.CAUSE_SHARE == 0.5
    assert compute.cause_said("user", "big", 0.5) == ", 50% of the bad events on user big"
    assert compute.cause_said("user", "big", 0.49) == (
        ", bad events spread (no single cause: the top user, big, holds 49%)"
    )
    assert compute.cause_said(None, None, None) == ""  # no dimension found
    assert compute.cause_said(None, None, None, looked_for=False) == ", cause not looked for"


def test_a_budget_item_costs_its_whole_burn() -> None:
    """12.5 % burned at 0.5 h per % is 6.25 h, whatever the cause's share."""
    from basics.config.review import ReviewWeights

    item = compute.budget("a/b", 12.5, ReviewWeights(), "e", ", 10% of the bad events on x")
    assert (item.cost_hours, item.measured, item.weight) == (6.25, 12.5, 0.5)
    assert item.formula == "12.5 % of budget × 0.5 h = 6.25 h"
