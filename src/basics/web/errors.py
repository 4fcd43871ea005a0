"""Errors on the dashboard's pages as a browser reads them: a page in the dashboard's layout
with the status, the message and the way back, for a request that asks for HTML; the
problem details of the API otherwise (a script reading a page's status). Either way the
message names the page's query parameters where the services' name the CLI's options.

The API's handlers (`api.problems`) answer every error; this wraps them for the
dashboard's paths only, so `/api/…`, OTLP's `/v1/…` and `/metrics` keep their formats.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from basics.core.errors import BasicsError
from basics.web import messages
from basics.web.render import render_in

NOT_PAGES = ("/api/", "/v1/", "/static/", "/metrics", "/docs")
"""Paths that are not the dashboard's pages: their errors keep the API's formats."""
KEPT_HEADERS = ("retry-after", "www-authenticate", "allow")
"""Headers of an error's answer that a page of it keeps (a 503 still says when to retry)."""

Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def install(app: FastAPI) -> None:
    """Wrap the error handlers installed so far (the API's) for the dashboard's pages."""
    for kind in (BasicsError, RequestValidationError, HTTPException):
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            app.add_exception_handler(kind, _for_pages(handler))


def is_page(path: str) -> bool:
    """Whether `path` is one of the dashboard's (an unknown one included: `/nope`)."""
    return not path.startswith(NOT_PAGES)


def _for_pages(handler: Handler) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def answer(request: Request, error: Exception) -> Response:
        if inspect.iscoroutinefunction(handler):
            response: Response = await handler(request, error)
        else:
            response = await run_in_threadpool(handler, request, error)  # type: ignore[arg-type]
        if not is_page(request.url.path):
            return response
        return _said_for_pages(request, response)

    return answer


def _said_for_pages(request: Request, response: Response) -> Response:
    """The API's problem details, with the web's words; as a page when HTML is asked for."""
    from basics.api.problems import problem

    try:
        found = json.loads(bytes(response.body))
    except ValueError:
        return response
    status = response.status_code
    title, detail = str(found.get("title", "Error")), str(found.get("detail", ""))
    if status == 404 and detail == title:  # no route: Starlette's bare "Not Found"
        detail = f"no page at {request.url.path}"
    kept = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
    if not _wants_html(request):
        return problem(status, title, messages.plain(detail), request.url.path, kept or None)
    return render_in(
        request, _zone(request), "error.html", status_code=status, extra_headers=kept,
        error_status=status, title=title, detail=detail, path=request.url.path,
        options=bool(request.url.query), again=_again(request),
    )  # fmt: skip


def _wants_html(request: Request) -> bool:
    """Whether the request asks for HTML (a browser's navigation does; httpx, curl and
    `fetch` send `*/*` and read the problem's JSON)."""
    for part in request.headers.get("accept", "").split(","):
        kind, *params = (p.strip().lower() for p in part.split(";"))
        if kind in ("text/html", "application/xhtml+xml") and not any(
            p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params
        ):
            return True
    return False


def _again(request: Request) -> str:
    """The request's path and query, to try it again."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _zone(request: Request) -> str:
    """The configured zone (the hub's config: an error page has no App)."""
    hub = getattr(request.app.state, "hub", None)
    return str(hub.config.timezone) if hub is not None else "UTC"
