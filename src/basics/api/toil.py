"""`/api/v1/toil…`: the report and the entries with the fields of the CLI's --json, and
`POST /api/v1/toil` (`basics toil log`, token scope `toil`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from basics.api.alerts import Limit, Offset
from basics.api.replies import hub, json_body_doc, model_body, optional_moment, page, reply
from basics.api.slo import From, To
from basics.api.webhooks import Authorization, auth
from basics.core.clock import parse_day

if TYPE_CHECKING:
    from basics.app import App

router = APIRouter(tags=["toil"])


@router.get("/toil/report")
def report(
    request: Request,
    team: str | None = None,
    person: str | None = None,
    service: str | None = None,
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics toil report --json`: toil per ISO week against the cap, by person, team,
    service and category, with the trend, top sources and automation candidates."""
    with hub(request).app() as app:
        last, _ = app.toil.report_end(finish)
        return reply(
            request, app.toil.report(optional_moment(app, start), last, team, person, service)
        )


FirstDay = Annotated[
    str | None, Query(alias="from", description="Days from this one (YYYY-MM-DD).")
]
EndDay = Annotated[str | None, Query(alias="to", description="Days before this one (YYYY-MM-DD).")]


@router.get("/toil")
def entries(
    request: Request,
    person: str | None = None,
    service: str | None = None,
    category: str | None = None,
    start: FirstDay = None,
    finish: EndDay = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Response:
    """`basics toil list --json`: stored entries of the days [from, to) (YYYY-MM-DD),
    newest day first."""
    first, end = parse_day(start, "from"), parse_day(finish, "to")
    with hub(request).app() as app:
        people = [app.toil.resolve_person(person)] if person else None
        found = app.toil.entries(first, end, people, service, category)
        return page(request, found, limit, offset)


class ToilIn(BaseModel):
    """An entry as `basics toil log` takes it."""

    minutes: float = Field(gt=0, le=24 * 60, description="Time spent, in minutes.")
    category: str = Field(min_length=1)
    person: str = Field(min_length=1)
    day: dt.date | None = Field(None, description="Default: today in the person's zone.")
    service: str | None = None
    description: str | None = None
    ticket: str | None = None
    automatable: bool | None = None


@router.post("/toil", openapi_extra=json_body_doc(ToilIn))
async def log(request: Request, authorization: Authorization = None) -> Response:
    """`basics toil log`: one entry, a batch of its own (token scope `toil`)."""
    # The token before the body: without one, nothing of the body is read or told.
    auth(request).require(authorization, "toil")
    entry = await model_body(request, ToilIn)

    def job(app: App) -> Any:
        return app.toil.log(
            entry.minutes, entry.category, entry.person, entry.day, entry.service,
            entry.description, entry.ticket, entry.automatable,
        )  # fmt: skip

    return reply(request, await run_in_threadpool(hub(request).write, job))
