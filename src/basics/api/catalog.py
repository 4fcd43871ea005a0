"""`/api/v1/check` and `/api/v1/review`: the scorecard with the fields of `basics check
--json` (a read: the day's snapshot is kept by the CLI's runs, not by requests), its
history, and the weekly review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from basics.api.replies import end, hub, reply

router = APIRouter(tags=["scorecard and review"])

Services = Annotated[list[str] | None, Query(description="Services (repeatable).")]


@router.get("/check")
def check(request: Request, service: Services = None, at: str | None = None) -> Response:
    """`basics check --json`: every basic of every service, judged."""
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        return reply(request, app.catalog.check(end(app, at), service or [], keep=False))


@router.get("/check/history")
def history(
    request: Request, service: Services = None, weeks: Annotated[int, Query(ge=1)] = 12
) -> Response:
    """`basics check --history --json`: the scorecard week by week."""
    with hub(request).app() as app:
        return reply(request, app.catalog.history(service or [], weeks))


@router.get("/review")
def review(request: Request, week: str | None = None, at: str | None = None) -> Response:
    """`basics review --json`: the week's changes and what to fix next, ranked."""
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        return reply(request, app.review.review(week, end(app, at)))


@router.get("/review.md", response_class=PlainTextResponse)
def review_markdown(request: Request, week: str | None = None, at: str | None = None) -> Response:
    """`basics review --format md`: the review as Markdown, for the meeting's notes."""
    from basics.review import render

    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        text = render.markdown(app.review.review(week, end(app, at)))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
