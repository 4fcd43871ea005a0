"""Pure arithmetic over parsed post-mortems: lint findings, action items due, durations,
severity levels.

No I/O, no clock: `today` is passed in.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
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


def local_day(at: dt.datetime, timezone: str) -> dt.date:
    """The day a naive UTC time falls on in `timezone`: "today" for due dates, which people
    write in their own zone (19:00 on a Sunday in California is that Sunday, not Monday)."""
    return at.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone)).date()


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
    histogram_from_s: tuple[int, ...] = HISTOGRAM_EDGES_S
    """Where each bucket of `histogram` starts (the last: a day or more)."""


def durations(postmortems: Sequence[PostMortem]) -> list[Distribution]:
    """Time to detect, mitigate and resolve, from each post-mortem's start (nearest-rank
    quantiles, as everywhere in Basics); post-mortems without both times are left out and
    `n` says how many counted. Time to mitigate counts only the post-mortems that state a
    mitigation: the resolution in its place would mix two measures (and could put the p90
    to mitigate above the p90 to resolve)."""
    spans = {
        "detect": [(pm.started, pm.detected) for pm in postmortems],
        "mitigate": [(pm.started, pm.mitigated) for pm in postmortems],
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


SLOW_DETECTION_S = 15 * 60
"""Detection slower than this (from the start) points at alerting that is too slow."""


@dataclass(frozen=True)
class Citation:
    """A post-mortem that points at a basic, and the words (or figure) that do."""

    id: str
    title: str
    path: str
    evidence: str


@dataclass(frozen=True)
class BasicPointedAt:
    """One of the basics, and the post-mortems that point at it."""

    basic: str
    finding: str
    remedy: str
    postmortems: list[Citation]


BASICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("slo", "no SLO, or it was unclear where the problem was",
     "SLOs per service from your own events: basics slo status", ("unclear-where",)),
    ("breakdown", "the errors could not be broken down by user or another dimension",
     "basics slo breakdown SLO --by user (or --by auto)", ("no-breakdown",)),
    ("false-alarm", "an alert paged for nothing, or is noisy",
     "replay policies against incidents before they page: basics alerts replay / tune",
     ("false-alarm",)),
    ("missed-alert", "no alert: customers or staff found it first",
     "burn-rate alerts on the SLOs: basics alerts evaluate, served to Alertmanager",
     ("detected-by-customer",)),
    ("slow-detection", "detection took more than 15 minutes",
     "multi-window burn-rate alerts (the Workbook policy): basics alerts compare", ()),
    ("oncall-load", "the on-call was overloaded",
     "pages per shift against two per 12 hours: basics oncall report", ("oncall-load",)),
    ("toil", "manual work in the response (toil)",
     "toil logged as hours against the cap: basics toil log / report", ("toil",)),
    ("risky-deploy", "a deploy or a change set it off",
     "deploys before each firing and the change failure rate: basics slo changes, "
     "basics deploys dora", ("bad-deploy", "config-change")),
)  # fmt: skip
"""Each basic: its key, the finding, what Basics gives for it, the concepts that name it."""


def basics_pointed_at(postmortems: Sequence[PostMortem]) -> list[BasicPointedAt]:
    """How many post-mortems point at each basic, citing each with its evidence; most cited
    first. Detected by customers counts from the stated `detection` too, and slow
    detection from the times."""
    from basics.postmortems.text import evidence

    result = []
    for key, finding, remedy, names in BASICS:
        cited = []
        for pm in postmortems:
            text = _finding_text(pm)
            words = next((e for n in names if (e := evidence(text, n))), None)
            if key == "missed-alert" and words is None and pm.detection in ("customer", "employee"):
                words = f"detected by: {pm.detection}"
            if key == "slow-detection" and pm.started and pm.detected:
                took = (pm.detected - pm.started).total_seconds()
                if took > SLOW_DETECTION_S:
                    words = f"time to detect {round(took / 60)} min"
            if (
                key == "risky-deploy"
                and words is None
                and pm.trigger
                and re.search(
                    r"\b(?:deploy|release|rollout|migration|upgrade)", pm.trigger, re.IGNORECASE
                )
            ):
                words = f"trigger: {pm.trigger[:120]}"
            if words:
                cited.append(Citation(pm.id, pm.title, pm.path, words))
        result.append(BasicPointedAt(key, finding, remedy, cited))
    result.sort(key=lambda b: -len(b.postmortems))
    return result


FINDING_SECTIONS = ("summary", "impact", "root_cause", "contributing_factors", "detection",
                    "what_went_wrong", "lessons", "resolution")  # fmt: skip


def _finding_text(pm: PostMortem) -> str:
    parts = [pm.title, *pm.contributing_factors, pm.trigger or ""]
    parts += [pm.sections.get(name, "") for name in FINDING_SECTIONS]
    return "\n".join(p for p in parts if p)
