"""Pure arithmetic over parsed post-mortems: lint findings, action items due, durations.

No I/O, no clock: `today` is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from basics.core.ranks import nearest_rank
from basics.postmortems.models import ActionItem, LintFinding, PostMortem

SMALL_N = 10
"""Below this many post-mortems a median or p90 is stated with a warning."""
HISTOGRAM_EDGES_S = (0, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 24 * 3600)
"""Histogram buckets of durations: 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 1 day, more."""


def lint(pm: PostMortem) -> list[LintFinding]:
    """What a post-mortem should say and does not, or says in contradiction."""
    found: list[LintFinding] = []

    def say(field: str, problem: str) -> None:
        found.append(LintFinding(pm.id, pm.path, field, problem))

    for name in ("started", "detected", "resolved"):
        if getattr(pm, name) is None:
            say(name, f"no {name} time")
    if not pm.services:
        say("services", "no services: its incident cannot be judged against an SLO")
    if pm.detection == "unknown":
        say("detection", "how it was detected is unknown (alert, customer or employee)")
    if not pm.action_items:
        say("action_items", "no action items")
    order = [("started", pm.started), ("detected", pm.detected), ("mitigated", pm.mitigated),
             ("resolved", pm.resolved)]  # fmt: skip
    known = [(name, moment) for name, moment in order if moment is not None]
    for index, (name, moment) in enumerate(known[1:], start=1):
        # Against the start first (the contradiction a reader means), else the one before.
        earlier = next((k for k in known[:index] if k[1] > moment), None)
        if earlier is not None:
            first = known[0] if known[0][1] > moment else earlier
            say(name, f"{name} ({_iso(moment)}) is before {first[0]} ({_iso(first[1])})")
    for n, item in enumerate(pm.action_items, start=1):
        label = f"action item {n} ({item.title[:40]})"
        if not item.owner:
            say("action_items", f"{label} has no owner")
        if item.due is None and item.status != "done":
            say("action_items", f"{label} has no due date")
    return found


def overdue(item: ActionItem, today: dt.date) -> bool:
    """Open and past its due date."""
    return item.status != "done" and item.due is not None and item.due < today


@dataclass(frozen=True)
class Distribution:
    """Durations across post-mortems, heavy-tailed: median, p90, n and a histogram."""

    name: str
    n: int
    median_s: float | None
    p90_s: float | None
    max_s: float | None
    histogram: list[int]
    small_sample: bool


def durations(postmortems: Sequence[PostMortem]) -> list[Distribution]:
    """Time to detect, mitigate and resolve, from each post-mortem's start (nearest-rank
    quantiles, as everywhere in Basics); post-mortems without both times are left out and
    `n` says how many counted."""
    spans = {
        "detect": [(pm.started, pm.detected) for pm in postmortems],
        "mitigate": [(pm.started, pm.mitigated or pm.resolved) for pm in postmortems],
        "resolve": [(pm.started, pm.resolved) for pm in postmortems],
    }
    result = []
    for name, pairs in spans.items():
        values = sorted(
            (end - start).total_seconds()
            for start, end in pairs
            if start is not None and end is not None and end >= start
        )
        result.append(
            Distribution(
                name=name,
                n=len(values),
                median_s=nearest_rank(values, 0.5),
                p90_s=nearest_rank(values, 0.9),
                max_s=values[-1] if values else None,
                histogram=histogram(values),
                small_sample=len(values) < SMALL_N,
            )
        )
    return result


def histogram(values_s: Sequence[float]) -> list[int]:
    """Counts per bucket of `HISTOGRAM_EDGES_S` (the last bucket: a day or more)."""
    counts = [0] * len(HISTOGRAM_EDGES_S)
    for value in values_s:
        index = sum(1 for edge in HISTOGRAM_EDGES_S[1:] if value >= edge)
        counts[index] += 1
    return counts


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes") + "Z"
