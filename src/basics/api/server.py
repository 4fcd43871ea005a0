"""The ASGI app of `basics serve`, and running it with uvicorn.

One hub (config, store, writer) per server, built in `serve` from `app.py`'s config and
shared by every route; no report is computed anywhere but in the services.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import json
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import basics
from basics.api import (
    alerts,
    batches,
    catalog,
    deploys,
    events,
    metrics,
    oncall,
    postmortems,
    problems,
    slo,
    toil,
    webhooks,
)
from basics.api.alerter import Alerter
from basics.api.auth import Auth
from basics.api.cache import CacheStats, ReportCache
from basics.api.hub import Hub
from basics.core.errors import InputError
from basics.records import plain
from basics.store import turns

if TYPE_CHECKING:
    from basics.config.models import Config

API = "/api/v1"
STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1", "[::1]"]
"""The names a request to a server on loopback may carry in its Host header."""


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server on this machine (127.0.0.0/8, ::1)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(
    hub: Hub,
    on_stop: Callable[[], None] | None = None,
    url: str = "http://127.0.0.1:8080",
    local_host: str | None = None,
) -> FastAPI:
    """The server's routes over `hub`, and its alert loop (when `serve.notify` names a
    target; `url` is where the server answers, for links in alerts). On shutdown the loop
    and the hub stop, then `on_stop` is called. `local_host`: the loopback address it is
    bound to, whose requests must name this machine (`Host:`): a web page elsewhere whose
    name an attacker points at 127.0.0.1 (DNS rebinding) reads nothing, since reads need
    no token."""
    alerter = Alerter(hub, url)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        alerter.start()
        yield
        alerter.stop()
        hub.stop()
        if on_stop is not None:
            on_stop()

    app = FastAPI(
        dependencies=[Depends(problems.known_query)],
        title="Basics",
        version=basics.__version__,
        description="SLOs, error budgets, alert replays and on-call load: every report of the "
        "`basics` CLI, with the fields of its `--json`.",
        lifespan=lifespan,
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # served below from the package: no CDN, works offline
        redoc_url=None,
    )
    app.state.hub = hub
    app.state.auth = Auth.watching(hub.config.serve, hub.config.path)
    cached = CacheStats()
    app.add_middleware(ReportCache, hub=hub, stats=cached)
    if local_host is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=sorted({*LOOPBACK_NAMES, local_host})
        )
    problems.install(app)
    for module in (slo, alerts, oncall, batches, webhooks, postmortems, deploys, toil, catalog):
        app.include_router(module.router, prefix=API)
    app.include_router(metrics.router)
    app.include_router(events.router)  # its paths are whole: /api/v1/events, /v1/logs, /v1/traces
    app.mount("/api/static", StaticFiles(directory=STATIC), name="api-static")
    from basics.web import pages as web  # the dashboard: its pages, series API and static files

    web.install(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API}/openapi.json",
            title="Basics API",
            swagger_js_url="/api/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/api/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/api/static/swagger-ui/favicon-32x32.png",
        )

    @app.get(f"{API}/health", tags=["server"])
    def health(request: Request) -> dict[str, Any]:
        """The server is up; which store it serves and how often it lent it to the CLI."""
        refused = app.state.auth.refused
        return {
            "ok": True,
            "store": hub.path,
            "version": basics.__version__,
            "lent": hub.lent,
            "refused_tokens": refused["token"],
            "refused_signatures": refused["signature"],
            "alerts": plain(alerter.status) if alerter.enabled else None,
            "cache": {"hits": cached.hits, "misses": cached.misses},
            "kept_over_events": dict(hub.kept_stats),
        }

    return app


def serve(config: Config, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the dashboard and API until interrupted; the store is named in a file beside
    it (`basics.duckdb.serve.json`) while the server runs."""
    import uvicorn

    path = str(config.store_path)
    running = turns.running_server(path)
    if running is not None and running.get("pid") != os.getpid():
        raise InputError(
            f"{path} is served already, at {running.get('url')} by process "
            f"{running.get('pid')} (since {running.get('started_at')}): use that server, or "
            "stop it first"
        )
    sock = _listening_socket(host, port)
    hub = Hub(config)
    try:
        hub.start()
    except BaseException:
        sock.close()
        raise
    # Imported now, not by the first webhook, which would wait for them (and so would every
    # delivery folded behind it).
    import basics.oncall.importers
    import basics.oncall.service  # noqa: F401

    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}"
    named = turns.server_file(hub.path)
    announced = {
        "pid": os.getpid(),
        "url": url,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    # Written aside, then renamed: whoever sees the file (a CLI looking for the server, a
    # test waiting for it) reads it whole, never empty.
    partial = named.with_name(f"{named.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(announced))
    partial.replace(named)
    print(f"Basics serving {hub.path} at {url}  (API {url}{API}, docs {url}/docs)", flush=True)

    class Server(uvicorn.Server):
        """uvicorn's server, whose second Ctrl-C (stop waiting for open connections, a
        dashboard's stream say) still stops the app: the writes queued finish, the store
        closes, and the app's lifespan ends rather than being cancelled, which printed a
        traceback as an error."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await super().shutdown(sockets)
            if self.force_exit:
                await self.lifespan.shutdown()

    try:
        server = Server(
            # uvicorn raises SIGTERM again after its shutdown: the file goes in the lifespan.
            uvicorn.Config(
                create_app(
                    hub,
                    lambda: named.unlink(missing_ok=True),
                    url,
                    host if is_loopback(host) else None,
                ),
                log_level="warning",
                access_log=False,
            )
        )
        # What start-up made (modules, the config, the app) lives as long as the server:
        # frozen, the collector's full passes no longer scan it while requests wait.
        gc.collect()
        gc.freeze()
        server.run(sockets=[sock])
    finally:
        named.unlink(missing_ok=True)
        sock.close()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), or an error that says why not in one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets that say so,
    # and without it every answer sent in two writes waited 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        why = {
            errno.EADDRINUSE: "another program listens there: --port N for another, or "
            "--port 0 for any free one",
            errno.EACCES: "ports below 1024 need root: --port 8080, or another above 1023",
            errno.EADDRNOTAVAIL: "no interface of this machine has that address",
        }.get(error.errno or 0, error.strerror or str(error))
        raise InputError(f"cannot listen on {host}:{port}: {why}") from None
    return sock
