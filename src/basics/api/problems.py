"""Errors as RFC 9457 problem details, with the one-line messages the CLI prints."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from basics.api.hub import Busy
from basics.core import errors

MEDIA_TYPE = "application/problem+json"

STATUS: list[tuple[type[errors.BasicsError], int, str]] = [
    (Busy, 503, "Store busy"),
    (errors.NotFoundError, 404, "Not found"),
    (errors.ConflictError, 409, "Conflict"),
    (errors.StoreError, 503, "Store unavailable"),
    (errors.ConfigError, 500, "Configuration error"),
    (errors.BasicsError, 400, "Bad request"),  # input, expression: the request must change
]
"""Each kind of error, most specific first: its HTTP status and title."""


def problem(
    status: int,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem-details response (`type` is about:blank: the status says what it is);
    `extra` adds members of the problem's own (RFC 9457 §3.2)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    } | (extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Answer every error of `app` as problem details."""

    @app.exception_handler(errors.BasicsError)
    async def basics_error(request: Request, error: errors.BasicsError) -> Response:
        for kind, status, title in STATUS:
            if isinstance(error, kind):
                headers = {"Retry-After": str(Busy.retry_after_s)} if kind is Busy else None
                return _answer(request, status, title, str(error), headers)
        raise AssertionError("BasicsError is in STATUS")  # pragma: no cover

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, error: RequestValidationError) -> Response:
        return _answer(request, 400, "Bad request", _parameters(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        headers = dict(error.headers) if error.headers else None
        status = error.status_code
        return _answer(request, status, _title(status), str(error.detail), headers)


OTLP_PATHS = frozenset({"/v1/logs", "/v1/traces"})

# OTLP/HTTP answers a failed export with a google.rpc.Status; its code is the google.rpc
# code (code.proto) that names the HTTP status: for the exporter's log, not acted on.
_GRPC_CODE = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 8, 415: 3, 429: 8, 503: 14}
_GRPC_INTERNAL = 13


def _answer(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """Problem details, or on OTLP's paths the `google.rpc.Status` the OTLP/HTTP
    specification asks of every 4xx and 5xx: protobuf for a protobuf request, JSON for
    JSON. An exporter logs its message; it retries 429, 502, 503 and 504 (after
    `Retry-After`) and drops the rest."""
    if request.url.path not in OTLP_PATHS:
        return problem(status, title, detail, request.url.path, headers)
    from google.protobuf.json_format import MessageToJson
    from google.rpc.status_pb2 import Status

    answer = Status(code=_GRPC_CODE.get(status, _GRPC_INTERNAL), message=detail)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-protobuf":
        body, media_type = answer.SerializeToString(), kind
    else:
        body, media_type = MessageToJson(answer, indent=None).encode(), "application/json"
    return Response(body, status_code=status, headers=headers, media_type=media_type)


def _parameters(error: RequestValidationError) -> str:
    """What was wrong with the request's parameters, one line: where, expected, found."""
    parts = []
    for item in error.errors():
        where = " ".join(str(p) for p in item.get("loc", ()) if p != "body") or "request"
        found = item.get("input")
        text = f"{where}: {item.get('msg', 'invalid').lower()}"
        if found is not None and not isinstance(found, dict):
            text += f', found "{found}"'
        parts.append(text)
    return "; ".join(parts)


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def nothing_usable(request_path: str, said: str, result: Any) -> JSONResponse:
    """422 for a delivery none of whose records could be stored (a batch of status
    `rejected`): the first reject in `detail` after `said`, the batch and its rejects."""
    first = result.first_rejects[0]
    return problem(
        422, "Unprocessable content",
        f"{said}: {first.field or 'record'}: {first.reason}",
        request_path,
        extra={"batch_id": result.batch_id, "rejected": result.rejected,
               "rejects": [r.__dict__ for r in result.first_rejects]},
    )  # fmt: skip


def known_query(request: Request) -> None:
    """A query parameter a read does not read is a 400 naming the ones it does: an answer
    that ignored part of the question (`/pages?alret=X`, every page) looks right and is
    not. For the API's reads; the dashboard's pages keep theirs as links."""
    from fastapi.routing import APIRoute
    from starlette.exceptions import HTTPException

    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.path.startswith("/api/"):
        return
    if request.method not in ("GET", "HEAD"):
        # A sender's delivery (Alertmanager, a CI) is not retried after a 4xx: a stray
        # parameter in its configured URL would lose its pages. Writes take what they read.
        return
    read = _route_query_names(route)
    unknown = [name for name in request.query_params if name not in read]
    if unknown:
        names = ", ".join(sorted(read)) or "none"
        raise HTTPException(
            400, f'unknown query parameter "{unknown[0]}" (this path reads: {names})'
        )


def _route_query_names(route: Any) -> frozenset[str]:
    """The query parameters a route reads, found once per route (kept on it), not per
    request."""
    found: frozenset[str] | None = getattr(route, "basics_query_names", None)
    if found is None:
        found = frozenset(_query_names(route.dependant))
        route.basics_query_names = found
    return found


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route and its dependencies read, by the names sent."""
    names = {param.alias for param in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names
