"""What every API route shares: its App, its times, its JSON with an ETag, its pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import BaseModel

from basics.records import plain

if TYPE_CHECKING:
    from basics.alerting.models import Evaluation
    from basics.api.hub import Hub
    from basics.app import App
    from basics.slo.models import Series, SLOStatus

MAX_LIMIT = 10_000
ModelT = TypeVar("ModelT", bound=BaseModel)


def hub(request: Request) -> Hub:
    """The server's hub."""
    found: Hub = request.app.state.hub
    return found


# Reports over events and rollups only, kept by the hub while no event is written (page
# webhooks write none): `app.slo.status`, `app.alerting.evaluate`, `app.slo.series`.


def statuses(request: Request, app: App, at: dt.datetime) -> list[SLOStatus]:
    """Every SLO's status at `at`."""
    return hub(request).kept(("slo.status", at), lambda: app.slo.status(at))


def evaluations(request: Request, app: App, at: dt.datetime) -> list[Evaluation]:
    """Every alert tier's state at `at`."""
    return hub(request).kept(("alerts.evaluate", at), lambda: app.alerting.evaluate(at))


def series(
    request: Request,
    app: App,
    names: Sequence[str],
    start: dt.datetime | None,
    stop: dt.datetime,
    step: int,
) -> list[Series]:
    """The SLOs' series over [start, stop) by `step` seconds."""
    return hub(request).kept(
        ("slo.series", tuple(names), start, stop, step),
        lambda: app.slo.series(list(names), start, stop, step),
    )


def end(app: App, text: str | None) -> dt.datetime:
    """A report's end, by the CLI's one rule: a time, `now`, `latest`, or (none given) the
    config's `reports.end`."""
    return app.slo.report_end(text)[0]


def replay_range(
    app: App, start: str | None, finish: str | None
) -> tuple[dt.datetime, dt.datetime]:
    """A replay's range as the CLI takes it: `to` by the one rule (`end`), `from` or
    `checks.replay_window` before it."""
    last = end(app, finish)
    if start is not None:
        return moment(app, start), last
    return last - dt.timedelta(seconds=app.config.checks.seconds("replay_window")), last


def moment(app: App, text: str) -> dt.datetime:
    """A time given in a request; without an offset, in the config's time zone."""
    from basics.core.clock import parse_time

    return parse_time(text, app.config.timezone)


def optional_moment(app: App, text: str | None) -> dt.datetime | None:
    """A time given in a request, or None."""
    return None if text is None else moment(app, text)


def reply(request: Request, value: Any, headers: dict[str, str] | None = None) -> Response:
    """`value` as the CLI's --json writes it, with a strong ETag of the body: a client that
    sends it back in If-None-Match gets 304 while the data and the window stay the same."""
    body = json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode()
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    sent = dict(headers or {}) | {"ETag": tag, "Cache-Control": "no-cache"}
    if tag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=sent)
    return Response(body, media_type="application/json", headers=sent)


def page(request: Request, items: Sequence[Any], limit: int, offset: int) -> Response:
    """One page of a list, in the list's own order. The body is the list as --json prints
    it (so a page is a slice of the CLI's output); `X-Total-Count` counts the whole list
    and a `Link` header (RFC 8288) names the next and previous pages."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    links = []
    if offset + limit < len(items):
        links.append(f'<{_at(request, offset + limit, limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{_at(request, max(0, offset - limit), limit)}>; rel="prev"')
    headers = {"X-Total-Count": str(len(items))}
    if links:
        headers["Link"] = ", ".join(links)
    return reply(request, list(items[offset : offset + limit]), headers)


def _at(request: Request, offset: int, limit: int) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return f"{request.url.path}?{urlencode(query)}"


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


async def read_body(request: Request) -> bytes:
    """The request's body, refused with 413 past `serve.max_body_mb` (read as it streams,
    so a sender that lies in Content-Length or sends chunks is held to it too); a gzip
    body (Content-Encoding: gzip) is unpacked under the same limit."""
    from starlette.exceptions import HTTPException

    limit_mb = hub(request).config.serve.max_body_mb
    limit = int(limit_mb * 2**20)
    too_large = HTTPException(
        413, f"the request body is over the limit of {limit_mb:g} MiB (serve.max_body_mb)"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise too_large
        parts.append(part)
    body = b"".join(parts)
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise HTTPException(
            415, f"Content-Encoding {encoding} is not read: send the body as it is, or gzip"
        )
    return _gunzip(body, limit, too_large)


def _gunzip(body: bytes, limit: int, too_large: Exception) -> bytes:
    """Every member of a gzip body (RFC 1952: `cat a.gz b.gz`, bgzip and appended logs
    make several), unpacked under `limit`; zeros after the last member (padding) are
    ignored, anything else after it is refused, as a member cut short is."""
    import zlib

    from starlette.exceptions import HTTPException

    unpacked: list[bytes] = []
    size, rest = 0, body
    while True:
        unpack = zlib.decompressobj(wbits=31)
        try:
            part = unpack.decompress(rest, limit + 1 - size)
        except zlib.error as error:
            raise HTTPException(400, f"the body is not valid gzip ({error})") from None
        size += len(part)
        if size > limit or unpack.unconsumed_tail:
            raise too_large
        if not unpack.eof:  # cut short: what it holds is a part, never stored as the whole
            raise HTTPException(400, "the gzip body ended before its end (cut short?)")
        unpacked.append(part)
        rest = unpack.unused_data
        if not rest.strip(b"\0"):
            return b"".join(unpacked)


def json_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI of a JSON body a route reads itself (`model_body`), for `openapi_extra`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def model_body(request: Request, model: type[ModelT]) -> ModelT:
    """The body, read under `serve.max_body_mb` (`read_body`), as `model`; a 400 as FastAPI
    gives for a body it validates. A route reads its body itself, after checking the
    token: a body FastAPI parsed would be read whole, and its schema errors told, first."""
    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    body = await read_body(request)
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
