"""`/api/v1/deploys…`, `/api/v1/slo/changes/…` and the deploy writes: `POST /api/v1/deploys`
(a CI job's `basics deploys record`) and the GitHub and GitLab webhooks, with the CLI's
fields and semantics (each request one batch; a redelivery changes nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from basics.api.alerts import Limit, Offset
from basics.api.problems import nothing_usable
from basics.api.replies import (
    hub,
    json_body_doc,
    model_body,
    moment,
    optional_moment,
    page,
    read_body,
    reply,
)
from basics.api.slo import From, To
from basics.api.webhooks import Authorization, auth
from basics.deploys.models import DeployStatus
from basics.records import changes_record, dora_record, plain

if TYPE_CHECKING:
    from basics.app import App

router = APIRouter(tags=["deploys"])


@router.get("/deploys")
def deploys(
    request: Request,
    service: str | None = None,
    environment: str | None = None,
    start: From = None,
    finish: To = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Response:
    """`basics deploys list --json`: deploys, oldest first, with changes and incidents."""
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        begin, last = optional_moment(app, start), optional_moment(app, finish)
        return page(request, app.deploys.find(service, begin, last, environment), limit, offset)


@router.get("/deploys/dora")
def dora(
    request: Request,
    service: Annotated[list[str] | None, Query(description="Services (repeatable).")] = None,
    team: str | None = None,
    environment: str | None = None,
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics deploys dora --json`: DORA per service and overall, with bands."""
    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        chosen = app.deploys.chosen(service or [], team)
        begin, last, _ = app.deploys.report_range(optional_moment(app, start), finish)
        return reply(request, dora_record(app.deploys.dora(begin, last, chosen, environment)))


@router.get("/slo/changes/{service}/{slo}")
def changes(
    request: Request, service: str, slo: str, start: From = None, finish: To = None
) -> Response:
    """`basics slo changes SLO --json`: the deploys before each firing and incident."""
    from basics.api.replies import end
    from basics.deploys.changes import changes as what_changed

    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        found = what_changed(
            app.slo, app.alerting, app.deploys, f"{service}/{slo}",
            optional_moment(app, start), end(app, finish),
        )  # fmt: skip
        return reply(request, changes_record(found))


class DeployIn(BaseModel):
    """A deploy as `basics deploys record` takes it."""

    service: str = Field(min_length=1)
    version: str | None = None
    commit: str | None = None
    status: DeployStatus = "succeeded"
    at: str | None = Field(None, description="When (ISO 8601); default: when received.")
    environment: str | None = None
    actor: str | None = None
    url: str | None = None
    id: str | None = Field(None, description="Your CI's id: posting it again updates it.")


@router.post("/deploys", openapi_extra=json_body_doc(DeployIn))
async def record(request: Request, authorization: Authorization = None) -> Response:
    """`basics deploys record`: one deploy, from a CI pipeline (token scope `deploys`)."""
    from basics.core.clock import utc_now
    from basics.deploys.models import DeployRecord, recorded_key

    # The token before the body: without one, nothing of the body is read or told.
    auth(request).require(authorization, "deploys")
    deploy = await model_body(request, DeployIn)

    def job(app: App) -> Any:
        at = moment(app, deploy.at) if deploy.at else utc_now().replace(microsecond=0)
        service = app.deploys.named(deploy.service)  # an alias, or another letter case
        key = deploy.id or recorded_key(service, deploy.version, deploy.commit, at)
        stored = app.deploys.record(
            DeployRecord(
                service=service, deployed_at=at, source_key=key, status=deploy.status,
                version=deploy.version, commit=deploy.commit,
                environment=deploy.environment or app.config.deploys.environment,
                actor=deploy.actor, url=deploy.url,
            )
        )  # fmt: skip
        unknown = app.deploys.unknown_warning(service)
        # The deploy as `deploys record --json` prints it, and what that command says on
        # stderr: a service basics.yaml does not know.
        return {**plain(stored), "warnings": [unknown] if unknown else []}

    return reply(request, await run_in_threadpool(hub(request).write, job))


@router.post("/webhooks/github")
async def github(
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
    service: str | None = None,
) -> Response:
    """A GitHub repository webhook for "Deployment statuses", checked against its secret
    (`serve.github.secret_env`): each deployment's final status is a deploy."""
    body = await read_body(request)
    auth(request).require_github(signature, body)
    return await _deploys(request, body, "github", service)


@router.post("/webhooks/gitlab")
async def gitlab(
    request: Request,
    token: Annotated[str | None, Header(alias="X-Gitlab-Token")] = None,
    service: str | None = None,
) -> Response:
    """A GitLab project webhook for "Deployment events" (or "Pipeline events"), its
    "Secret token" a Basics token of scope `deploys` (GitLab sends it as X-Gitlab-Token)."""
    auth(request).require(f"Bearer {token}" if token else None, "deploys")
    return await _deploys(request, await read_body(request), "gitlab", service)


async def _deploys(request: Request, body: bytes, fmt: str, service: str | None) -> Response:
    from basics.deploys.formats import reader

    read = reader(fmt)

    def job(app: App) -> Any:
        return app.deploys.store_read(
            read(body, "webhook", None, service), fmt, f"{fmt} webhook", body
        )

    result = await run_in_threadpool(hub(request).write, job)
    if result.status == "rejected" and result.rejected:
        # Nothing stored, for a fault of the body (a form-encoded GitHub delivery, broken
        # JSON): 422, so the sender shows a failed delivery. A ping or a pending status,
        # skipped, is answered 200.
        return nothing_usable(request.url.path, "nothing stored", result)
    return reply(request, result)
