"""A recurring theme is what `postmortems themes` calls recurring (one of its post-mortems
started after one of its action items was closed), and it is ranked in the week it recurred,
not in every week for 180 days after: two January post-mortems about a full disk ranked
first in a June week without a page, an event or a post-mortem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config
from basics.review import compute, render

CONFIG = """
timezone: UTC
store: basics.duckdb
services:
  api: {owner: ana}
people:
  ana: {timezone: UTC}
review:
  weights: {failing_check: 0}
"""
DISK = """---
id: {id}
title: Disk full on the database host
services: [api]
tags: [disk-full, database]
started: {day}T09:00:00Z
resolved: {day}T11:00:00Z
action_items:
  - {{title: Alert on disk usage above 80 percent, owner: ana, status: {status}}}
---
# Disk full on the database host

## Root cause

The disk of the database host filled up with write-ahead log segments; the database
stopped accepting writes when the disk was full.
"""
CERT = """---
id: {id}
title: Expired TLS certificate on the load balancer
services: [api]
tags: [certificate, tls]
started: {day}T09:00:00Z
resolved: {day}T10:00:00Z
action_items:
  - {{title: Renew certificates automatically, owner: ana, status: open}}
---
# Expired TLS certificate on the load balancer

## Root cause

The TLS certificate of the load balancer expired; clients refused the handshake until the
certificate was renewed by hand.
"""
LATER = dt.datetime(2026, 7, 1)


def make_app(tmp_path: Path) -> App:
    """Disk full: DISK-1 on 5 January (W02), its alert item done on 10 January; DISK-2 on
    20 January (W04), after it: recurring, in W04. Certificates: CERT-1 on 12 January
    (W03), CERT-2 on 27 January (W05), the fix still open: a theme, never recurring."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    folder = tmp_path / "postmortems"
    folder.mkdir()
    done = "done, closed: 2026-01-10"
    for name, text, values in (
        ("disk-1", DISK, {"id": "DISK-1", "day": "2026-01-05", "status": done}),
        ("disk-2", DISK, {"id": "DISK-2", "day": "2026-01-20", "status": "open"}),
        ("cert-1", CERT, {"id": "CERT-1", "day": "2026-01-12"}),
        ("cert-2", CERT, {"id": "CERT-2", "day": "2026-01-27"}),
    ):
        (folder / f"{name}.md").write_text(text.format(**values))
    return App(parse_config(CONFIG, tmp_path / "basics.yaml"))


def test_the_themes_are_those_of_postmortems_themes(tmp_path: Path) -> None:
    themes = make_app(tmp_path).postmortems.themes()
    found = {tuple(pm.id for pm in t.postmortems): t.recurring for t in themes}
    assert found == {("DISK-1", "DISK-2"): True, ("CERT-1", "CERT-2"): False}


def test_a_theme_is_ranked_in_the_week_it_recurred_alone(tmp_path: Path) -> None:
    """W04: DISK-2 recurred, 1 post-mortem × 4 h = 4 h (it was both post-mortems, 8 h).
    W02 (DISK-1 written, the fix not yet closed), W03 (the fix closed, nothing recurred),
    W05 (CERT-2, of a theme that never recurred) and W25 (nothing at all) rank no theme;
    W05 and W25 ranked both themes at 2 × 4 h = 8 h each before, first of all in W25."""
    app = make_app(tmp_path)
    weeks = ("2026-W02", "2026-W03", "2026-W04", "2026-W05", "2026-W25")
    reviews = {week: app.review.review(week, LATER) for week in weeks}
    ranked = {
        week: [(c.title, c.formula) for c in r.fix_next if c.kind == "theme"]
        for week, r in reviews.items()
    }
    (name,) = {t.name for t in app.postmortems.themes() if t.recurring}
    assert ranked == {
        "2026-W02": [],
        "2026-W03": [],
        "2026-W04": [
            (
                f"recurring theme: {name}, recurred in DISK-2 (of DISK-1, DISK-2)",
                "1 post-mortem × 4 h = 4 h",
            )
        ],
        "2026-W05": [],
        "2026-W25": [],
    }
    assert {week: r.changes.themes for week, r in reviews.items()} == {
        week: [name] if week == "2026-W04" else [] for week in weeks
    }
    assert f"Themes recurring this week: {name}" in render.summary(reviews["2026-W04"])


def test_the_post_mortems_that_recurred_in_a_week() -> None:
    """Recurrences on 18, 19 and 25 January: the week of 19 to 26 January holds the last
    two, one post-mortem counted once though two closed fixes preceded it."""
    from basics.postmortems.themes import Recurrence

    day = dt.date
    found = [
        Recurrence("fix", "PM-1", day(2026, 1, 10), "PM-2", day(2026, 1, 18)),
        Recurrence("fix", "PM-1", day(2026, 1, 10), "PM-3", day(2026, 1, 19)),
        Recurrence("other fix", "PM-2", day(2026, 1, 18), "PM-3", day(2026, 1, 19)),
        Recurrence("fix", "PM-1", day(2026, 1, 10), "PM-4", day(2026, 1, 25)),
    ]
    assert compute.recurred_in(found, day(2026, 1, 19), day(2026, 1, 26)) == ["PM-3", "PM-4"]
