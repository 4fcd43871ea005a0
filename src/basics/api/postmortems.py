"""`/api/v1/postmortems/...`: the reports of `basics postmortems`, with the fields of their
--json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request, Response

from basics.api.alerts import Limit, Offset
from basics.api.replies import hub, page, reply
from basics.postmortems.service import since_date
from basics.records import action_row, postmortem_row, theme_record

if TYPE_CHECKING:
    from basics.app import App
    from basics.postmortems.service import Library

router = APIRouter(prefix="/postmortems", tags=["post-mortems"])

Since = Annotated[str | None, Query(description="Only post-mortems started on or after it.")]


def library(request: Request) -> Library:
    """The post-mortems folder, read (and its cache and incidents brought up to date) by the
    server's one writer; the reports are then computed on the request's own thread."""

    def job(app: App) -> Library:
        return app.postmortems.library()

    return hub(request).write(job, changed=lambda read: read.wrote)


@router.get("")
def postmortems(request: Request, limit: Limit = 1000, offset: Offset = 0) -> Response:
    """`basics postmortems list --json`: the folder's post-mortems, oldest first."""
    rows = [postmortem_row(pm) for pm in library(request).postmortems]
    return page(request, rows, limit, offset)


@router.get("/lint")
def lint(request: Request) -> Response:
    """`basics postmortems lint --json`: what each post-mortem should say and does not."""
    read = library(request)
    with hub(request).app() as app:
        return reply(request, app.postmortems.lint(read))


@router.get("/actions")
def actions(
    request: Request,
    open: bool = False,
    overdue: bool = False,
    owner: str | None = None,
) -> Response:
    """`basics postmortems actions --json`: action items across post-mortems."""
    from basics.core.clock import utc_now
    from basics.postmortems.compute import overdue as is_overdue

    today = utc_now().date()
    read = library(request)
    with hub(request).app() as app:
        found = app.postmortems.actions(today, open, overdue, owner, read)
        return reply(request, [action_row(pm, i, is_overdue(i, today)) for pm, i in found])


@router.get("/themes")
def themes(request: Request, since: Since = None) -> Response:
    """`basics postmortems themes --json`: recurring causes with their citations."""
    read = library(request)
    with hub(request).app() as app:
        found = app.postmortems.themes(since_date(since), read)
        return reply(request, [theme_record(t) for t in found])


@router.get("/basics")
def basics_pointed_at(request: Request, since: Since = None) -> Response:
    """`basics postmortems basics --json`: the basics the post-mortems point at."""
    read = library(request)
    with hub(request).app() as app:
        return reply(request, app.postmortems.basics(since_date(since), read))


@router.get("/durations")
def durations(request: Request) -> Response:
    """`basics postmortems durations --json`: detect, mitigate, resolve: median, p90, n."""
    from basics.postmortems.compute import durations as compute_durations

    return reply(request, compute_durations(library(request).postmortems))


@router.get("/{key}")
def show(request: Request, key: str) -> Response:
    """`basics postmortems show ID --json`: one post-mortem as Basics read it."""
    read = library(request)
    with hub(request).app() as app:
        return reply(request, app.postmortems.get(key, read))
