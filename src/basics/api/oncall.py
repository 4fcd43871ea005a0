"""`/api/v1/pages` and `/api/v1/oncall/report`, with the fields of the CLI's --json."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from basics.api.alerts import Limit, Offset
from basics.api.replies import hub, moment, optional_moment, page, reply
from basics.api.slo import Finish, From, Start, To

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
    start: Start,
    finish: Finish,
    team: str | None = None,
    person: str | None = None,
) -> Response:
    """`basics oncall report --json`: pages per shift, interruptions, noisy alerts."""
    with hub(request).app() as app:
        begin, last = moment(app, start), moment(app, finish)
        return reply(request, app.oncall.report(begin, last, team, person))
