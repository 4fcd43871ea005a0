"""Events pushed to the server: JSON lines at /api/v1/events, and OTLP/HTTP from the
OpenTelemetry Python SDK's own exporters (protobuf) and as gzip JSON."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.rpc.status_pb2 import Status

from conftest import Server

TOKEN = "bsc_events-token"
DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_json_lines_are_one_batch_with_rejects_and_no_double_count(own_demo: Path) -> None:
    server = Server(own_demo, env={"BASICS_API_TOKEN": TOKEN})
    try:

        def total() -> int:
            rows = server.get("/api/v1/slo/status", at="2026-03-02T23:59:00Z").json()
            return next(r["total"] for r in rows if r["slo"] == "payments/availability")

        before = total()
        lines = [
            {"time": f"2026-03-02T20:00:0{n}Z", "svc": "payments", "route": "/v1/charges",
             "merchant": {"id": "m-1"}, "http_status": 200 if n else 502, "latency_ms": 40}
            for n in range(3)
        ]  # fmt: skip
        body = "\n".join(json.dumps(line) for line in lines) + '\n{"time": "soon"}\n'
        path = "/api/v1/events"
        refused = server.client.post(path, params={"source": "payments"}, content=body)
        assert refused.status_code == 401
        answer = server.client.post(
            path, params={"source": "payments"}, content=body, headers=bearer()
        )
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert (result["status"], result["accepted"], result["rejected"]) == ("applied", 3, 1)
        assert result["path"] == "POST /api/v1/events (payments)"
        rejects = server.get(f"/api/v1/ingest/rejects/{result['batch_id']}").json()
        assert [(r["line"], r["field"]) for r in rejects] == [(4, "ts")]
        assert total() == before + 3
        again = server.client.post(
            path, params={"source": "payments"}, content=body, headers=bearer()
        )
        assert again.json()["status"] == "duplicate" and total() == before + 3
        # A page webhook writes no events: the status is answered from what was kept.
        kept = server.get("/api/v1/health").json()["kept_over_events"]
        delivery = (DATA / "alertmanager.jsonl").read_bytes().splitlines()[0]
        paged = server.client.post(
            "/api/v1/webhooks/alertmanager", content=delivery, headers=bearer()
        )
        assert paged.status_code == 200 and paged.json()["status"] == "applied"
        assert total() == before + 3
        after = server.get("/api/v1/health").json()["kept_over_events"]
        assert (after["hits"], after["misses"]) == (kept["hits"] + 1, kept["misses"])
        useless = server.client.post(
            path, params={"source": "payments"}, content=b"<html>\n<body>\n", headers=bearer()
        )
        assert useless.status_code == 422
        assert useless.json()["detail"].startswith("every one of its 2 records was rejected")
        unknown = server.client.post(path, params={"source": "nope"}, content=body,
                                     headers=bearer())  # fmt: skip
        assert unknown.status_code in (400, 404) and "nope" in unknown.json()["detail"]
    finally:
        server.stop()


@pytest.fixture
def otel_server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "otel"
    folder.mkdir()
    (folder / "basics.yaml").write_text(
        """timezone: UTC
sources:
  otel: {format: otlp}
services:
  checkout:
    slos:
      availability: {objective: 99.9, good: status < 500}
      latency: {objective: 99, good: duration_ms <= 300}
"""
    )
    server = Server(folder, env={"BASICS_API_TOKEN": TOKEN})
    yield server
    server.stop()


def test_the_sdk_exporters_send_spans_and_logs(otel_server: Server) -> None:
    from opentelemetry._logs import LogRecord
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    resource = Resource.create({"service.name": "checkout"})
    spans = TracerProvider(resource=resource)
    spans.add_span_processor(SimpleSpanProcessor(
        OTLPSpanExporter(endpoint=f"{otel_server.url}/v1/traces", headers=bearer())
    ))  # fmt: skip
    tracer = spans.get_tracer("test")
    for n in range(10):
        with tracer.start_as_current_span("POST /pay") as span:
            span.set_attribute("http.route", "/pay")
            span.set_attribute("enduser.id", f"u-{n % 3}")
            if n == 0:
                span.set_status(Status(StatusCode.ERROR))
    spans.force_flush()
    logs = LoggerProvider(resource=resource)
    logs.add_log_record_processor(SimpleLogRecordProcessor(
        OTLPLogExporter(endpoint=f"{otel_server.url}/v1/logs", headers=bearer())
    ))  # fmt: skip
    logger = logs.get_logger("otlp-test")
    for n in range(4):
        status = 503 if n == 0 else 201
        record = LogRecord(timestamp=time.time_ns(), body="charged",
                           attributes={"http.response.status_code": status})  # fmt: skip
        logger.emit(record)
    logs.force_flush()
    spans.shutdown()
    logs.shutdown()

    batches = otel_server.get("/api/v1/batches").json()
    by_path: dict[str, int] = {}
    for b in batches:
        by_path[b["path"]] = by_path.get(b["path"], 0) + b["accepted"]
    assert by_path == {"OTLP /v1/traces": 10, "OTLP /v1/logs": 4}
    # The events are of this minute: a window ending after it holds them.
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)).isoformat()
    found = otel_server.get("/api/v1/slo/status", at=at).json()
    availability = next(s for s in found if s["slo"] == "checkout/availability")
    assert (availability["total"], availability["bad"]) == (14, 2)
    users = otel_server.get("/api/v1/slo/breakdown/checkout/availability", by="user", to=at).json()
    bad = {c["value"]: c["bad"] for c in users["contributors"]}
    assert bad == {"u-0": 1, None: 1, "u-1": 0, "u-2": 0}  # the 503 log has no user


def test_otlp_json_gzip_and_a_bad_body(otel_server: Server) -> None:
    request = {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "checkout"}}]},
        "scopeSpans": [{"spans": [
            {"name": "GET /cart", "startTimeUnixNano": "1772460000000000000",
             "endTimeUnixNano": "1772460000250000000", "status": {"code": 2}},
            {"name": "GET /cart", "startTimeUnixNano": "oops"},
        ]}]}]}  # fmt: skip
    answer = otel_server.client.post(
        "/v1/traces",
        content=gzip.compress(json.dumps(request, indent=2).encode()),
        headers=bearer() | {"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200, answer.text
    partial = answer.json()["partialSuccess"]
    assert partial["rejectedSpans"] == 1
    garbage = otel_server.client.post(
        "/v1/logs", content=b"\x00\x01not protobuf",
        headers=bearer() | {"Content-Type": "application/x-protobuf"},
    )  # fmt: skip
    assert garbage.status_code == 400
    assert garbage.headers["content-type"] == "application/x-protobuf"
    status = Status.FromString(garbage.content)  # OTLP/HTTP: a google.rpc.Status
    assert status.code == 3
    assert status.message.startswith("the body is not an OTLP logs request")


def test_a_failed_otlp_export_is_answered_with_a_google_rpc_status(otel_server: Server) -> None:
    """Every 4xx and 5xx on OTLP's paths is a `google.rpc.Status`, in the request's
    encoding, as the OTLP/HTTP specification asks (an exporter logs its message): not the
    API's problem details."""
    unauthorized = otel_server.client.post(
        "/v1/traces", content=b"", headers={"Content-Type": "application/x-protobuf"}
    )
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    status = Status.FromString(unauthorized.content)
    assert status.code == 16 and "token" in status.message  # UNAUTHENTICATED
    not_json = otel_server.client.post(
        "/v1/logs", content=b"{oops", headers=bearer() | {"Content-Type": "application/json"}
    )
    assert (not_json.status_code, not_json.headers["content-type"]) == (400, "application/json")
    assert not_json.json()["code"] == 3
    assert not_json.json()["message"].startswith("the body is not OTLP JSON")
    deflated = otel_server.client.post(
        "/v1/logs", content=b"{}",
        headers=bearer() | {"Content-Type": "application/json", "Content-Encoding": "br"},
    )  # fmt: skip
    assert deflated.status_code == 415
    assert deflated.json() == {"code": 3, "message": deflated.json()["message"]}
    assert "Content-Encoding br" in deflated.json()["message"]
    # The API's own paths keep problem details.
    api = otel_server.client.post("/api/v1/events", content=b"x")
    assert api.headers["content-type"] == "application/problem+json"


def test_an_empty_otlp_request_is_a_success_and_a_signal_goes_to_its_endpoint(
    otel_server: Server,
) -> None:
    """An export with no records stores no batch and rejects nothing (it said 1 span
    rejected); spans posted to /v1/logs are refused, not read as log records."""
    json_headers = bearer() | {"Content-Type": "application/json"}
    for body in (b"{}", b'{"resourceSpans": []}'):
        empty = otel_server.client.post("/v1/traces", content=body, headers=json_headers)
        assert (empty.status_code, empty.json()) == (200, {})
    binary = otel_server.client.post(
        "/v1/logs", content=b"", headers=bearer() | {"Content-Type": "application/x-protobuf"}
    )
    assert (binary.status_code, binary.content) == (200, b"")
    assert otel_server.get("/api/v1/batches").json() == []

    spans = {"resourceSpans": [{"scopeSpans": [{"spans": []}]}]}
    wrong = otel_server.client.post("/v1/logs", json=spans, headers=bearer())
    assert wrong.status_code == 400
    assert wrong.json()["message"] == (
        "the body is an OTLP traces request (resourceSpans): send it to /v1/traces"
    )
