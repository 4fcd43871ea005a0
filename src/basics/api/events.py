"""Events pushed to the server: JSON lines (or any text format of a source) at
`/api/v1/events`, and OTLP/HTTP at `/v1/logs` and `/v1/traces`, protobuf or JSON, gzip or
not. Each request is one batch through the same pipeline as `basics ingest events`."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from basics.api.problems import problem
from basics.api.replies import hub, read_body, reply
from basics.api.webhooks import Authorization, auth
from basics.core.errors import ConflictError, InputError, NotFoundError, RepeatsStored

if TYPE_CHECKING:
    from basics.app import App
    from basics.ingest.pipeline import BatchResult

router = APIRouter(tags=["writes"])
PROTOBUF = "application/x-protobuf"


@router.post("/api/v1/events")
async def events(
    request: Request,
    source: Annotated[str, Query(description="The source in basics.yaml the body is read as.")],
    overlap: Annotated[
        Literal["refuse", "skip", "allow"],
        Query(
            description="Records identical to stored ones: refuse the body (409), skip them "
            "(--skip-overlap) or store them as distinct records (--allow-overlap)."
        ),
    ] = "refuse",
    authorization: Authorization = None,
) -> Response:
    """`basics ingest events FILE --source S` for a request body (scope `events`): one
    batch, atomic; rejected lines stored with their line numbers and reasons; the same body
    sent again changes nothing."""
    auth(request).require(authorization, "events")
    body = await read_body(request)
    label = f"POST /api/v1/events ({source})"
    try:
        result = await run_in_threadpool(_ingest, request, source, body, label, overlap)
    except RepeatsStored as error:  # the parameters that apply, not the CLI's flags
        raise ConflictError(error.told("?overlap=skip", "?overlap=allow")) from None
    if result.status == "rejected":
        first = result.first_rejects[0] if result.first_rejects else None
        where = f"line {first.line}: {first.field or 'record'}: {first.reason}" if first else ""
        return problem(
            422, "Unprocessable content",
            f"every one of its {result.rejected:,} records was rejected ({where})"
            + (f"; {result.hint}" if result.hint else ""),
            request.url.path,
            extra={"batch_id": result.batch_id, "rejected": result.rejected},
        )  # fmt: skip
    return reply(request, result)


@router.post("/v1/logs")
async def otlp_logs(request: Request, authorization: Authorization = None) -> Response:
    """OTLP/HTTP logs (an `otlphttp` exporter's endpoint is the server's URL): each log
    record is an event of the configured OTLP source."""
    return await _otlp(request, authorization, "logs")


@router.post("/v1/traces")
async def otlp_traces(request: Request, authorization: Authorization = None) -> Response:
    """OTLP/HTTP traces: each span is an event (its duration, its status as the error)."""
    return await _otlp(request, authorization, "traces")


async def _otlp(request: Request, authorization: str | None, signal: str) -> Response:
    auth(request).require(authorization, "events")
    body = await read_body(request)
    binary = request.headers.get("content-type", "").split(";")[0].strip().lower() == PROTOBUF
    # Decoding takes tens of milliseconds per thousand spans: off the event loop.
    if binary:
        line, empty = await run_in_threadpool(_otlp_json, body, signal)
    else:
        line, empty = await run_in_threadpool(_one_line, body, signal)
    source = _otlp_source(request)
    if empty:  # nothing to store, and nothing rejected: a full success, no batch
        if binary:
            return Response(_otlp_response(signal, {}), media_type=PROTOBUF)
        return Response("{}", media_type="application/json")
    result = await run_in_threadpool(_ingest, request, source, line, f"OTLP /v1/{signal}")
    partial: dict[str, Any] = {}
    if result.rejected:
        kind = "rejectedLogRecords" if signal == "logs" else "rejectedSpans"
        reason = result.first_rejects[0].reason if result.first_rejects else "rejected"
        partial = {"partialSuccess": {kind: result.rejected, "errorMessage": reason}}
    if binary:
        return Response(_otlp_response(signal, partial), media_type=PROTOBUF)
    return Response(json.dumps(partial), media_type="application/json")


def _ingest(
    request: Request, source: str, body: bytes, label: str, overlap: str = "refuse"
) -> BatchResult:
    """Save the body to a file and ingest it on the server's writer."""
    handle, path = tempfile.mkstemp(prefix="basics-post-", suffix=".body")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)

        def job(app: App) -> BatchResult:
            return app.ingest_events(
                source, path, label=label, allow_overlap=overlap == "allow",
                skip_overlap=overlap == "skip",
            )  # fmt: skip

        return hub(request).write(job)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _otlp_source(request: Request) -> str:
    config = hub(request).config
    named = config.serve.otlp_source
    if named is not None:
        return named
    found = [name for name, s in config.sources.items() if s.format == "otlp"]
    if len(found) != 1:
        raise NotFoundError(
            "OTLP requests need a source of format otlp in basics.yaml"
            + (f" (several: {', '.join(found)}; name one in serve.otlp_source)" if found else "")
        )
    return found[0]


# The list of records of each signal's request; a request with none (an empty export)
# holds nothing to store.
_RECORDS = {"logs": "resourceLogs", "traces": "resourceSpans"}


def _otlp_json(body: bytes, signal: str) -> tuple[bytes, bool]:
    """A protobuf request as the OTLP JSON the file reader takes, on one line, and whether
    it holds no records."""
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import DecodeError

    message: Any
    if signal == "logs":
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceRequest,
        )

        message = ExportLogsServiceRequest()
    else:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        message = ExportTraceServiceRequest()
    try:
        message.ParseFromString(body)
    except DecodeError as error:
        message_text = f"the body is not an OTLP {signal} request in protobuf ({error})"
        raise InputError(message_text) from None
    request = MessageToDict(message)
    return json.dumps(request, separators=(",", ":")).encode() + b"\n", not request


def _one_line(body: bytes, signal: str) -> tuple[bytes, bool]:
    """An OTLP JSON request (perhaps pretty-printed) on one line, as the reader takes it,
    and whether it holds no records; a request of the other signal is refused (its
    records would be read as this one's)."""
    try:
        request = json.loads(body)
    except ValueError as error:
        raise InputError(f"the body is not OTLP JSON ({error})") from None
    if not isinstance(request, dict):
        raise InputError(f"the body is not an OTLP {signal} request: expected a JSON object")
    other = "traces" if signal == "logs" else "logs"
    if _RECORDS[other] in request and _RECORDS[signal] not in request:
        raise InputError(
            f"the body is an OTLP {other} request ({_RECORDS[other]}): send it to /v1/{other}"
        )
    empty = not request.get(_RECORDS[signal])
    return json.dumps(request, separators=(",", ":")).encode() + b"\n", empty


def _otlp_response(signal: str, partial: dict[str, Any]) -> bytes:
    from google.protobuf.json_format import ParseDict

    message: Any
    if signal == "logs":
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceResponse,
        )

        message = ExportLogsServiceResponse()
    else:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceResponse,
        )

        message = ExportTraceServiceResponse()
    return bytes(ParseDict(partial, message).SerializeToString())
