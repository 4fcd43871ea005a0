"""What to fix next: candidates from what the week measured, each costed on one scale
(engineer-hours: the measured figure times its weight from `review.weights`), ranked by that
cost; pure functions, deterministic (ties by kind, then title).

The ranking rule, as docs/review.md says it: a candidate's cost is what it cost the team this
week in engineer-hours, on the weights' exchange rates (an hour of toil is an hour; a night
page is `night_page` hours; 1 % of an SLO's error budget burned is `budget_percent` hours,
however many users or versions the bad events fell on). The highest cost comes first.
Nothing is ranked by a number it does not show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from basics.config.review import ReviewWeights
from basics.core.rounding import fixed, percent
from basics.review.models import Candidate, Coverage, Kind

if TYPE_CHECKING:
    from basics.postmortems.themes import Recurrence

KINDS: tuple[Kind, ...] = ("budget", "night_pages", "pages", "toil", "theme", "overdue",
                           "scorecard")  # fmt: skip
"""The order of kinds among candidates of equal cost."""
CAUSE_SHARE = 0.5
"""A budget item names the top value of its cause's dimension when that value holds at least
this share of the week's bad events: below half, it is one of several, and naming it alone
would send the reader to one corner of a wider failure."""


def week_start(week: str) -> dt.date:
    """The Monday of an ISO week given as `2026-W09`; ValueError otherwise."""
    try:
        year, number = week.upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise ValueError(f'expected an ISO week such as "2026-W09", got "{week}"') from None


def candidate(
    kind: Kind, title: str, service: str | None, measured: float, unit: str, weight: float,
    evidence: str, slo: str | None = None,
) -> Candidate:  # fmt: skip
    """A candidate costed as measured × weight, with the formula that says so."""
    cost = measured * weight
    formula = f"{_number(measured)} {unit} × {_number(weight)} h = {_number(cost)} h"
    return Candidate(kind, title, service, measured, unit, weight, cost, formula, evidence, slo)


def budget(
    slo: str, burned_percent: float, w: ReviewWeights, evidence: str, where: str
) -> Candidate:
    """Budget an SLO burned in the week, costed whole: the budget burned is what the week
    cost, however widely the bad events spread; where they fell (`cause_said`, said after
    the burn) is where to look, not a discount."""
    title = f"{slo}: {fixed(burned_percent, 1)} % of its error budget burned{where}"
    return candidate("budget", title, slo.split("/")[0], burned_percent, "% of budget",
                     w.budget_percent, evidence, slo)  # fmt: skip


def cause_said(
    by: str | None, value: str | None, share: float | None, looked_for: bool = True
) -> str:
    """Where a budget item's bad events fell, said after its burn: the top value of the
    dimension found with its share when it holds at least `CAUSE_SHARE` of them, else that
    they spread; nothing when no dimension was found, and so when it was not looked for
    (the lookup is bounded: the SLOs that burned most)."""
    if not looked_for:
        return ", cause not looked for"
    if by is None or share is None:
        return ""
    if share >= CAUSE_SHARE:
        return f", {percent(share)} of the bad events on {by} {value}"
    return f", bad events spread (no single cause: the top {by}, {value}, holds {percent(share)})"


def recurred_in(recurrences: Iterable[Recurrence], first: dt.date, last: dt.date) -> list[str]:
    """The post-mortems of a theme that recurred in [first, last): started on a local day of
    it, after an action item of the theme was closed (`postmortems themes`' recurrence)."""
    return sorted({r.recurred_in for r in recurrences if first <= r.recurred_on < last})


def covers(known: Coverage | None, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) meets the span the imports cover (none: nothing imported)."""
    return known is not None and known.first < end and start <= known.last


def rank(candidates: Iterable[Candidate], top: int) -> list[Candidate]:
    """The `top` candidates of positive cost, highest cost first (ties: kind, then title)."""
    kept = [c for c in candidates if c.cost_hours > 0]
    kept.sort(key=lambda c: (-c.cost_hours, KINDS.index(c.kind), c.title))
    return kept[:top]


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else fixed(value, 2).rstrip("0").rstrip(".")
