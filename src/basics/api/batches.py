"""`/api/v1/batches` and `/api/v1/ingest/rejects/{batch}`: what each ingest stored."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from basics.api.alerts import Limit, Offset
from basics.api.replies import hub, page
from basics.core.errors import NotFoundError
from basics.records import rejects_record

router = APIRouter(tags=["ingest"])


@router.get("/batches")
def batches(
    request: Request,
    source: str | None = None,
    kind: Literal["events", "pages", "shifts", "deploys", "toil"] | None = None,
    all: bool = False,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Response:
    """`basics batches list --json`: batches, newest first."""
    from basics.ingest.batches import list_batches

    with hub(request).app() as app:
        return page(request, list_batches(app.store, source, kind, all), limit, offset)


@router.get("/ingest/rejects/{batch}")
def rejects(request: Request, batch: int, limit: Limit = 1000, offset: Offset = 0) -> Response:
    """`basics ingest rejects BATCH --json`: every rejected record, with line and reason."""
    with hub(request).app() as app:
        path = app.store.scalar("SELECT path FROM batches WHERE id = ?", [batch])
        if path is None:
            raise NotFoundError(f"no batch {batch}; GET /api/v1/batches lists them")
        rows = app.store.query(
            "SELECT line, field, reason, raw FROM rejects WHERE batch_id = ? ORDER BY line",
            [batch],
        )
        return page(request, rejects_record(str(path), rows), limit, offset)
