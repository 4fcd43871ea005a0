"""`/api/v1/pages` and `/api/v1/oncall/report`, with the fields of the CLI's --json."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from basics.api.alerts import Limit, Offset
from basics.api.replies import hub, optional_moment, page, reply
from basics.api.slo import From, To

router = APIRouter(tags=["on-call"])


@router.get("/pages")
def pages(
    request: Request,
    alert: str | None = None,
    unclassified: bool = False,
    start: From = None,
    finish: To = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Response:
    """`basics pages list --json`: pages, oldest first, with their responders."""
    with hub(request).app() as app:
        begin, last = optional_moment(app, start), optional_moment(app, finish)
        found = app.oncall.with_responders(app.oncall.pages(begin, last, alert, unclassified))
        return page(request, found, limit, offset)


@router.get("/oncall/report")
def report(
    request: Request,
    team: str | None = None,
    person: str | None = None,
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics oncall report --json`: pages per shift, interruptions, noisy alerts; by
    default the 30 days (`checks.oncall_window`) up to `reports.end` (`latest`: the
    newest page)."""
    with hub(request).app() as app:
        begin, last, _ = app.oncall.report_range(optional_moment(app, start), finish)
        return reply(request, app.oncall.report(begin, last, team, person))
