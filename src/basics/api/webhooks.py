"""Writes: Alertmanager and PagerDuty webhooks, and incidents. Each request is one batch
with the CLI's semantics (atomic, rejects stored with their reasons, a redelivery changes
nothing), written by the hub's one writer."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from basics.api.problems import nothing_usable
from basics.api.replies import hub, json_body_doc, model_body, moment, read_body, reply

if TYPE_CHECKING:
    from basics.app import App
    from basics.oncall.models import PageFormat

router = APIRouter(tags=["writes"])

Authorization = Annotated[str | None, Header(description="Bearer <token>")]


def auth(request: Request) -> Any:
    """The server's token and signature checks."""
    return request.app.state.auth


@router.post("/webhooks/alertmanager")
async def alertmanager(request: Request, authorization: Authorization = None) -> Response:
    """Point an Alertmanager `webhook_config` here (with `http_config.authorization`
    holding a token of scope `pages`): each alert is a page; notifications sent again
    while it fires fold into the same page, and its resolution resolves it."""
    auth(request).require(authorization, "pages")
    return await _pages(request, await read_body(request), "alertmanager", "alertmanager webhook")


@router.post("/webhooks/pagerduty")
async def pagerduty(
    request: Request,
    signature: Annotated[str | None, Header(alias="X-PagerDuty-Signature")] = None,
) -> Response:
    """A PagerDuty v3 webhook subscription's deliveries, checked against its signing
    secrets (`serve.pagerduty.secret_env`): each incident is a page, its acknowledgement
    and resolution filled in as they are delivered."""
    body = await read_body(request)
    auth(request).require_pagerduty(signature, body)
    return await _pages(request, body, "pagerduty-webhook", "pagerduty webhook")


async def _pages(request: Request, body: bytes, fmt: PageFormat, name: str) -> Response:
    # Deliveries queued behind the writer are stored together, one transaction for all.
    # They write no events: the reports the hub keeps over events stay (events=False).
    result = await asyncio.wrap_future(
        hub(request).write_folded("pages", (body, fmt, name), _receive, False)
    )
    if result.status == "rejected":
        return nothing_usable(request.url.path, "nothing usable in the delivery", result)
    return reply(request, result)


def _receive(app: App, deliveries: list[tuple[bytes, PageFormat, str]]) -> list[Any]:
    return list(app.oncall.receive_deliveries(deliveries))


class IncidentIn(BaseModel):
    """An incident as `basics incidents add` takes it."""

    services: list[str] = Field(min_length=1, description="Services it touched.")
    start: str = Field(description="When it started (ISO 8601).")
    end: str = Field(description="When it ended (ISO 8601).")
    title: str = Field(min_length=1)
    severity: str | None = None
    key: str | None = Field(
        None,
        description="Your id for it: posting the same key again updates the incident. "
        "Default: the body's hash, so a redelivery changes nothing.",
    )


@router.post("/incidents", openapi_extra=json_body_doc(IncidentIn))
async def add_incident(request: Request, authorization: Authorization = None) -> Response:
    """`basics incidents add`: record an incident that replays are judged against."""
    from basics.alerting.incidents import add_incident as record
    from basics.config.models import named_services

    # The token before the body: without one, nothing about the body (nor its schema) is said.
    auth(request).require(authorization, "incidents")
    incident = await model_body(request, IncidentIn)

    def job(app: App) -> Any:
        start: dt.datetime = moment(app, incident.start)
        end: dt.datetime = moment(app, incident.end)
        services = named_services(incident.services, app.config.service_names())
        # Without a key, the incident as read (`12:10Z` and `12:10:00Z` are one time): the
        # same incident posted again changes nothing, however its times are written.
        read = [sorted(services), start.isoformat(), end.isoformat(),
                incident.title.strip(), incident.severity]  # fmt: skip
        key = incident.key or hashlib.sha256(json.dumps(read).encode()).hexdigest()
        return record(
            app.store, services, start, end, incident.title, incident.severity,
            source="api", source_key=key,
        )  # fmt: skip

    return reply(request, await run_in_threadpool(hub(request).write, job))
