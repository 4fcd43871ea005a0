"""The weekly review page: what changed in each basic over an ISO week beside the week
before (error budget burned per SLO as bars, pages and night pages per person, the noisy
alerts, toil, deploys, post-mortems, the services failing the scorecard), then what to fix
next, ranked by cost in engineer-hours with each item's formula, evidence command and
dashboard page, and the weights used.

The figures are `basics review --json`'s: the same call as `/api/v1/review`
(`app.review.review(week, end)`), whose Markdown is `/api/v1/review.md`.
"""

from __future__ import annotations

import datetime as dt
import shlex
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from basics.api.replies import end, hub
from basics.core.clock import iso_utc
from basics.web.render import api, render, slo_path, url

if TYPE_CHECKING:
    from basics.review.models import Candidate, Review

WEEK = dt.timedelta(days=7)
WEIGHTS = {
    "night_page": "a page in the responder's sleep hours",
    "page": "a daytime page",
    "budget_percent": "1 % of an SLO's error budget burned",
    "toil_hour": "an hour of logged toil",
    "postmortem": "a post-mortem in which a theme recurred that week",
    "overdue_action": "an action item past due",
    "failing_check": "a failing scorecard check",
}
"""What each weight of `review.weights` prices, in the order the page lists them."""

router = APIRouter(include_in_schema=False)

Week = Annotated[str | None, Query(description="An ISO week, 2026-W09.")]
At = Annotated[str | None, Query(description="What `now` is, for the default week.")]


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, week: Week = None, at: At = None) -> HTMLResponse:
    """The week's changes and what to fix next, with a picker for the weeks around it."""
    from basics.review.render import summary

    # The page's form sends empty fields for "the default".
    week, at = week or None, at or None
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        stop = end(app, at)
        review = app.review.review(week, stop)
        items = ranked(review, set(app.config.slo_names()))
        sources = {"review": api("/review", week=review.week)}
        documents = {"review as Markdown": api("/review.md", week=review.week)}
        commands = {
            "review": shlex.join(["basics", "review", "--week", review.week, "--json"]),
            "for the meeting's notes": shlex.join(
                ["basics", "review", "--week", review.week, "--format", "md"]
            ),
        }
        return render(
            request, app, "review.html", review=review, c=review.changes, items=items,
            budget=budget_bars(review), weights=weights(review), weeks=picker(review, stop),
            summary=summary(review), scorecard_link=url("/check", at=iso_utc(review.end)),
            slo_path=slo_path, chart={}, sources=sources, documents=documents,
            commands=commands,
        )  # fmt: skip


def picker(review: Review, stop: dt.datetime) -> dict[str, Any]:
    """The weeks before and after the one shown; the next only once it has begun by the
    report's end (`so_far` while it has not ended; `this_so_far` for the week shown)."""
    from basics.core.clock import iso_week
    from basics.review.compute import week_start

    monday = week_start(review.week)
    after = review.end + WEEK
    return {
        "previous": iso_week(monday - WEEK),
        "next": iso_week(monday + WEEK) if review.end < stop else None,
        "so_far": stop < after,
        "this_so_far": stop < review.end,
    }


def budget_bars(review: Review) -> dict[str, Any]:
    """Budget burned per SLO this week and the week before, most this week first (an SLO
    without events to budget last), with the scale the bars share."""
    slos = sorted(review.changes.slos, key=lambda s: (s.budget_burned is None,
                                                      -(s.budget_burned or 0), s.slo))  # fmt: skip
    shares = [v for s in slos for v in (s.budget_burned, s.previous_budget_burned) if v]
    return {"slos": slos, "top": max(shares, default=0.0) or 1.0}


def ranked(review: Review, slos: set[str]) -> list[dict[str, Any]]:
    """What to fix next, each with its cost as a share of the first (for its bar) and the
    dashboard page of its evidence."""
    top = max((c.cost_hours for c in review.fix_next), default=0.0) or 1.0
    return [
        {"rank": i, "candidate": c, "share": c.cost_hours / top,
         "page": evidence_page(c, review, slos)}
        for i, c in enumerate(review.fix_next, 1)
    ]  # fmt: skip


def weights(review: Review) -> list[tuple[str, float, str]]:
    """The weights the review used: key, hours, and what each prices."""
    known = [(k, review.weights[k], what) for k, what in WEIGHTS.items() if k in review.weights]
    other = [(k, v, "") for k, v in review.weights.items() if k not in WEIGHTS]
    return known + other


def evidence_page(candidate: Candidate, review: Review, slos: set[str]) -> str | None:
    """The dashboard page that shows a candidate's evidence over the review's week."""
    week = {"from_": iso_utc(review.start), "to": iso_utc(review.end)}
    if candidate.kind in ("night_pages", "pages"):
        return url("/oncall", **week)
    if candidate.kind == "toil":
        return url("/toil", **week)
    if candidate.kind in ("theme", "overdue"):
        return "/postmortems"
    if candidate.kind == "scorecard" and candidate.service:
        return url("/check", service=candidate.service, at=iso_utc(review.end))
    if candidate.kind == "budget" and candidate.slo in slos:
        return url(f"/slo/{slo_path(candidate.slo)}", at=iso_utc(review.end), **week)
    return None
