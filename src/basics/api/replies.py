"""What every API route shares: its App, its times, its JSON with an ETag, its pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import Request, Response

from basics.records import plain

if TYPE_CHECKING:
    from basics.alerting.models import Evaluation
    from basics.api.hub import Hub
    from basics.app import App
    from basics.slo.models import Series, SLOStatus

MAX_LIMIT = 10_000


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
    if request.headers.get("content-encoding", "").lower() == "gzip":
        import zlib

        unpack = zlib.decompressobj(wbits=31)
        try:
            body = unpack.decompress(body, limit + 1)
        except zlib.error as error:
            raise HTTPException(400, f"the body is not valid gzip ({error})") from None
        if len(body) > limit or unpack.unconsumed_tail:
            raise too_large
        if not unpack.eof:  # cut short: what it holds is a part, never stored as the whole
            raise HTTPException(400, "the gzip body ended before its end (cut short?)")
    return body
