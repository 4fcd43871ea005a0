"""What to fix next: candidates from what the week measured, each costed on one scale
(engineer-hours: the measured figure times its weight from `review.weights`), ranked by that
cost; pure functions, deterministic (ties by kind, then title).

The ranking rule, as docs/review.md says it: a candidate's cost is what it cost the team this
week in engineer-hours, on the weights' exchange rates (an hour of toil is an hour; a night
page is `night_page` hours; 1 % of an SLO's error budget burned by one cause is
`budget_percent` hours, times the share of the bad events that cause holds). The highest cost
comes first. Nothing is ranked by a number it does not show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from basics.config.review import ReviewWeights
from basics.review.models import Candidate, Kind

KINDS: tuple[Kind, ...] = ("budget", "night_pages", "pages", "toil", "theme", "overdue",
                           "scorecard")  # fmt: skip
"""The order of kinds among candidates of equal cost."""


def week_start(week: str) -> dt.date:
    """The Monday of an ISO week given as `2026-W09`; ValueError otherwise."""
    try:
        year, number = week.upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise ValueError(f'expected an ISO week such as "2026-W09", got "{week}"') from None


def candidate(
    kind: Kind, title: str, service: str | None, measured: float, unit: str, weight: float,
    evidence: str, share: float = 1.0, slo: str | None = None,
) -> Candidate:  # fmt: skip
    """A candidate costed as measured × share × weight, with the formula that says so."""
    cost = measured * share * weight
    part = f" × {share:.0%} of it" if share != 1.0 else ""
    formula = f"{_number(measured)} {unit}{part} × {_number(weight)} h = {_number(cost)} h"
    return Candidate(kind, title, service, measured, unit, weight, cost, formula, evidence, slo)


def budget(
    slo: str, burned_percent: float, cause: str | None, share: float, w: ReviewWeights,
    evidence: str,
) -> Candidate:  # fmt: skip
    """Budget an SLO burned in the week, put on the cause holding most of the bad events."""
    title = f"{slo}: {burned_percent:.1f} % of its error budget burned"
    if cause:
        title += f", {share:.0%} of the bad events on {cause}"
    return candidate("budget", title, slo.split("/")[0], burned_percent, "% of budget",
                     w.budget_percent, evidence, share if cause else 1.0, slo)  # fmt: skip


def rank(candidates: Iterable[Candidate], top: int) -> list[Candidate]:
    """The `top` candidates of positive cost, highest cost first (ties: kind, then title)."""
    kept = [c for c in candidates if c.cost_hours > 0]
    kept.sort(key=lambda c: (-c.cost_hours, KINDS.index(c.kind), c.title))
    return kept[:top]


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")
