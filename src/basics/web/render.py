"""What every page module shares: the templates, rendering, and URLs of pages and of the
API calls a page was drawn from (times written in UTC)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from basics.core.clock import iso_utc
from basics.web import formats, messages

if TYPE_CHECKING:
    import jinja2

    from basics.app import App

API = "/api/v1"


@cache
def templates() -> jinja2.Environment:
    """The pages' templates, every value escaped unless marked safe."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("basics.web", "templates"),
        autoescape=True,  # every value from the store is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters |= {
        "percent": formats.percent,
        "sli": formats.sli,
        "number": formats.number,
        "rate": formats.rate,
        "duration": formats.duration,
        "hours": formats.hours,
        "signed": formats.signed,
        "iso": iso_utc,
    }
    return environment


def render(request: Request, app: App, template: str, **context: Any) -> HTMLResponse:
    """A page: `template` with the zone, `when` (a time in the zone) and the URL helpers."""
    return render_in(request, app.config.timezone, template, **context)


def render_in(
    request: Request,
    zone: str,
    template: str,
    status_code: int = 200,
    extra_headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page in `zone` (`render` without an App: an error page has none)."""

    def when(value: dt.datetime | None) -> Any:
        return formats.when(value, zone)

    def said(text: str) -> Any:
        return messages.markup(text, zone)

    context.setdefault("commands", {})
    context.setdefault("documents", {})
    context.setdefault("sources", {})
    context.setdefault("chart", {})
    html = (
        templates()
        .get_template(template)
        .render(request=request, zone=zone, when=when, said=said, url=url, api=api, **context)
    )
    sent = (extra_headers or {}) | {"Cache-Control": "no-cache"}
    return HTMLResponse(html, status_code=status_code, headers=sent)


def url(path: str, **params: Any) -> str:
    """`path` with the query parameters that are not None (a list repeats its name)."""
    chosen = {k.rstrip("_"): v for k, v in params.items() if v is not None and v != []}
    query = urlencode(chosen, doseq=True, safe=":,")
    return f"{path}?{query}" if query else path


def api(path: str, **params: Any) -> str:
    """An API URL, times written in UTC."""
    values = {k: iso_utc(v) if isinstance(v, dt.datetime) else v for k, v in params.items()}
    return url(API + path, **values)


def slo_path(name: str) -> str:
    """`service/slo` as a URL path, each part quoted."""
    service, _, slo = name.partition("/")
    return f"{quote(service, safe='')}/{quote(slo, safe='')}"


def timestamp(moment: dt.datetime) -> int:
    """A naive UTC moment in Unix seconds, as the charts take it."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def utc(moments: list[dt.datetime]) -> list[dt.datetime]:
    """Naive UTC moments made aware."""
    return [m.replace(tzinfo=dt.UTC) for m in moments]


def span(start: dt.datetime, stop: dt.datetime, label: str) -> dict[str, Any]:
    """An interval drawn on a time chart."""
    return {"from": timestamp(start), "to": timestamp(stop), "label": label}
