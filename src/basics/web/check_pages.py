"""The scorecard page: every service's verdict and counts (worst first); each check with the
figure that decided it, the line it was held to, the fix, the evidence command and an
exception's reason and expiry; and a strip of the last ISO weeks of kept scorecards.

The figures are `basics check --json`'s: the same call as `/api/v1/check`
(`app.catalog.check(at, services, keep=False)`: a page view keeps no snapshot, as an API
read does not), and `app.catalog.history` as `/api/v1/check/history`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from basics.api.replies import end, hub
from basics.web.render import api, render

if TYPE_CHECKING:
    from basics.catalog.models import HistoryRow, Scorecard

HISTORY_WEEKS = 12
WEEK = dt.timedelta(days=7)

router = APIRouter(include_in_schema=False)

Services = Annotated[list[str] | None, Query(description="Services (repeatable).")]
At = Annotated[str | None, Query(description="Judge as of: a time, `now` or `latest`.")]


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request, service: Services = None, at: At = None) -> HTMLResponse:
    """Every service's scorecard, worst first, with each check and its recent weeks."""
    from basics.catalog.service import worst_first

    # The page's form sends empty fields for "any" and "the default end".
    services, at = [s for s in service or [] if s], at or None
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        stop = end(app, at)
        report = app.catalog.check(stop, services, keep=False)
        cards = worst_first(report.services)
        rows = app.catalog.history(services, HISTORY_WEEKS)
        sources = {
            "scorecard": api("/check", service=services, at=stop),
            "history": api("/check/history", service=services, weeks=HISTORY_WEEKS),
        }
        commands = {"scorecard": command(services, stop)}
        return render(
            request, app, "check.html", report=report, cards=cards,
            strips={c.service: strip(rows, c.service, stop.date()) for c in cards},
            kept={r.service for r in rows}, counts=tally(cards), service=services,
            services=list(app.config.services), at=at, history_weeks=HISTORY_WEEKS,
            chart={}, sources=sources, commands=commands, failing=failing,
        )  # fmt: skip


def strip(kept: list[HistoryRow], service: str, day: dt.date) -> list[dict[str, Any]]:
    """The HISTORY_WEEKS ISO weeks up to the one of `day`, oldest first, each with the
    service's scorecard kept that week (None: none kept, which is not a pass)."""
    from basics.core.clock import iso_week

    mine = {r.week: r for r in kept if r.service == service}
    weeks = [iso_week(day - i * WEEK) for i in reversed(range(HISTORY_WEEKS))]
    return [{"week": w, "row": mine.get(w)} for w in weeks]


def tally(cards: list[Scorecard]) -> dict[str, int]:
    """How many services are at each verdict (excepted counts as passing, as the gate does)."""
    found = {"pass": 0, "warn": 0, "fail": 0}
    for card in cards:
        found["pass" if card.verdict == "excepted" else card.verdict] += 1
    return found


def failing(card: Scorecard, verdict: str) -> list[str]:
    """The ids of a scorecard's checks at `verdict`."""
    return [c.check for c in card.checks if c.verdict == verdict]


def command(services: list[str], stop: dt.datetime) -> str:
    """The CLI command that prints this page's scorecard as JSON."""
    import shlex

    from basics.core.clock import iso_utc

    words = ["basics", "check"]
    for name in services:
        words += ["--service", name]
    return shlex.join([*words, "--at", str(iso_utc(stop)), "--json"])
