"""`/api/v1/alerts/...` and `/api/v1/incidents`: policies and the incidents they are judged
against, with the fields of the CLI's --json."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from basics.api.replies import end, evaluations, hub, page, replay_range, reply
from basics.api.slo import From, To
from basics.records import replay_record

router = APIRouter(tags=["alerts"])

Limit = Annotated[int, Query(ge=1, description="Items per page (at most 10,000).")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]


@router.get("/alerts/evaluate")
def evaluate(request: Request, at: str | None = None) -> Response:
    """`basics alerts evaluate --json`: each policy's tiers now: firing, ok, suppressed or
    no_data."""
    with hub(request).app() as app:
        return reply(request, evaluations(request, app, end(app, at)))


@router.get("/alerts/replay")
def replay_all(request: Request, start: From = None, finish: To = None) -> Response:
    """`basics alerts replay --all --json`: every SLO replayed with its own policy."""
    with hub(request).app() as app:
        results = app.alerting.replay_all(*replay_range(app, start, finish))
        return reply(request, [replay_record(r) for r in results])


@router.get("/alerts/replay/{service}/{slo}")
def replay(
    request: Request, service: str, slo: str, start: From = None, finish: To = None,
    policy: str | None = None,
) -> Response:  # fmt: skip
    """`basics alerts replay SLO --json`: every firing of a range, judged against incidents."""
    from basics.deploys.changes import before_firings

    hub(request).bring_links()  # counts the post-mortems' deploy links as they are now
    with hub(request).app() as app:
        name, (begin, last) = f"{service}/{slo}", replay_range(app, start, finish)
        result = app.alerting.replay(name, begin, last, policy)
        before = before_firings(app.deploys, service, result.firings)
        return reply(request, replay_record(result, before))


@router.get("/alerts/compare/{service}/{slo}")
def compare(
    request: Request,
    service: str,
    slo: str,
    policies: Annotated[str, Query(description="Comma-separated policy names.")],
    start: From = None,
    finish: To = None,
) -> Response:
    """`basics alerts compare SLO --policies … --json`: policies side by side."""
    from basics.alerting.service import policy_names

    names = policy_names(policies)
    with hub(request).app() as app:
        begin, last = replay_range(app, start, finish)
        results = [app.alerting.replay(f"{service}/{slo}", begin, last, n) for n in names]
        return reply(request, [replay_record(r) for r in results])


@router.get("/alerts/tune/{service}/{slo}")
def tune(
    request: Request, service: str, slo: str, start: From = None, finish: To = None,
    max_false_per_month: Annotated[float, Query(ge=0)] = 1.0,
) -> Response:  # fmt: skip
    """`basics alerts tune SLO --json`: windows and factors that catch every incident with
    the fewest false firings."""
    with hub(request).app() as app:
        name, (begin, last) = f"{service}/{slo}", replay_range(app, start, finish)
        return reply(request, app.alerting.tune(name, begin, last, max_false_per_month))


@router.get("/incidents")
def incidents(
    request: Request, service: str | None = None, limit: Limit = 1000, offset: Offset = 0
) -> Response:
    """`basics incidents list --json`: recorded incidents, oldest first; of a service by
    any of its names (404 when nothing names it: a misspelling is not "no incidents")."""
    from basics.alerting.incidents import incidents_of

    with hub(request).app() as app:
        return page(request, incidents_of(app.store, app.config, service), limit, offset)
