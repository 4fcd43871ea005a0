"""Answers kept while the data stays the same: a report asked again (a dashboard left open,
fifty people on one page) is served from memory instead of computed again.

The key is the request's path and query, the store's version (`Hub.version`: it changes on
every write the server makes, and whenever the store comes back from a CLI command, which
may have written) and the current minute (a report ending `now` moves with the clock).
Only GETs of reports and pages with status 200 are kept; the server's own counters
(`/metrics`, `/api/v1/health`), static files, and what reads the post-mortems (files edited
outside the server: their pages, the scorecard, the review) are not.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from basics.api.hub import Hub

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENTRIES = 512
"""Answers kept at most (least recently used go first)."""
UNCACHED = (
    "/metrics", "/api/v1/health", "/static/", "/api/static/", "/docs", "/api/v1/openapi",
    # Post-mortems are files: an edit shows only once the folder is read again. The
    # scorecard and the review read them too.
    "/api/v1/postmortems", "/postmortems", "/api/v1/check", "/check", "/api/v1/review",
    "/review",
)  # fmt: skip


@dataclass
class CacheStats:
    """How often a kept answer was served, and how often one was computed."""

    hits: int = 0
    misses: int = 0


class ReportCache:
    """ASGI middleware: replays a kept answer for the same request and data."""

    def __init__(self, app: ASGIApp, hub: Hub, stats: CacheStats, entries: int = ENTRIES) -> None:
        self.app = app
        self.hub = hub
        self.entries = entries
        self.kept: OrderedDict[tuple[Any, ...], tuple[int, list[Any], bytes]] = OrderedDict()
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.startswith(UNCACHED):
            await self.app(scope, receive, send)
            return
        minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        headers = dict(scope.get("headers", []))
        key = (path, scope.get("query_string", b""), self.hub.version, minute)
        found = self.kept.get(key)
        if found is not None:
            self.kept.move_to_end(key)
            self.stats.hits += 1
            status, sent_headers, body = found
            tag = next((v for k, v in sent_headers if k == b"etag"), None)
            if tag is not None and tag in headers.get(b"if-none-match", b""):
                kept = [(k, v) for k, v in sent_headers if k not in (b"content-length",)]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.start", "status": status,
                        "headers": sent_headers})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        self.stats.misses += 1
        version = self.hub.version
        start: dict[str, Any] = {}
        parts: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                done = not message.get("more_body") and start.get("status") == 200
                # Kept only when no write came while it was computed.
                if done and self.hub.version == version:
                    self.kept[key] = (200, list(start.get("headers", [])), b"".join(parts))
                    while len(self.kept) > self.entries:
                        self.kept.popitem(last=False)
            await send(message)

        await self.app(scope, receive, keep)
