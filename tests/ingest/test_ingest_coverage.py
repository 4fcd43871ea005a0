"""A field an SLO reads that no event of the batch holds is reported, never left silent:
a `fields:` path that matches nothing, a pattern without the group, an unmapped attribute."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ingest_cli import warnings_and_record

from basics.ingest.coverage import MissingAsBad, UnreadField

CONFIG = """
store: basics.duckdb
sources:
  app:
    format: jsonl
    fields: {status: http.status, attrs.region: region}
  proxy:
    format: regex
    pattern: '^(?P<ts>\\S+) (?P<service>\\S+) (\\d+) (?P<duration_ms>\\S+)$'
services:
  shop:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
      latency: {objective: 95, window: 30d, good: duration_ms <= 300, valid: status != 404}
      local: {objective: 90, window: 30d, good: attrs.region == "eu"}
  blog:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
  docs: {}
"""


def record(n: int, **fields: Any) -> str:
    return json.dumps({"ts": f"2026-03-01T00:00:{n:02d}Z", **fields}) + "\n"


def test_fields_no_event_of_a_service_holds_are_named_with_their_slos(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [record(n, service="shop", status=200, duration_ms=12.5) for n in range(3)]
    lines += [record(3, service="blog", http={"status": 503}, duration_ms=5)]
    lines += [record(4, service="docs", status=200)]

    result = env.ingest("app", env.write("app.jsonl", "".join(lines)))

    assert result.accepted == 5
    assert result.unread == [
        UnreadField("shop", "attrs.region", 3, ("shop/local",), "region"),
        UnreadField("shop", "status", 3, ("shop/availability", "shop/latency"), "http.status"),
    ]  # blog's status is found through http.status; docs has no SLO; durations are there


def test_a_regex_without_a_status_group_leaves_status_unread(make_env: Any) -> None:
    """(A misspelt group name is refused with the configuration: `stat` names no field.)"""
    env = make_env(CONFIG)
    text = "".join(f"2026-03-01T00:00:0{n}Z shop 200 {n}.5\n" for n in range(4))

    result = env.ingest("proxy", env.write("proxy.log", text))

    assert result.accepted == 4
    assert [(u.field, u.events, u.mapped_from) for u in result.unread] == [
        ("attrs.region", 4, None),
        ("status", 4, None),
    ]


def test_a_field_held_by_one_event_is_not_reported(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [record(0, service="shop", http={"status": 200}, duration_ms=1, region="eu")]
    lines += [record(n, service="shop") for n in range(1, 4)]

    result = env.ingest("app", env.write("app.jsonl", "".join(lines)))

    assert result.accepted == 4 and result.unread == []


def test_the_cli_warns_on_stderr_and_json_carries_them(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "app.jsonl").write_text(record(0, service="blog", status=200), encoding="utf-8")
    basics = str(Path(sys.executable).parent / "basics")

    done = subprocess.run(
        [basics, "ingest", "events", "app.jsonl", "-s", "app", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0
    assert done.stderr == (
        "  warning: the one event of blog has no status (fields: status: http.status), "
        "which blog/availability reads; a missing value never matches: check the source's "
        "fields: against a record\n"
        '  warning: fields: attrs.region: "region" matched nothing in the 1 event stored (no '
        "such column or key?): check the name against the file's header or a record\n"
    )


def test_a_mapped_field_no_event_holds_is_said_though_no_slo_reads_it(make_env: Any) -> None:
    """`fields: {user: "@message.user"}` on a CSV whose header has no such column stored
    every event without a user, silently: a breakdown by user then showed one empty value."""
    env = make_env(
        "sources:\n  insights:\n    format: csv\n    service: api\n"
        "    fields: {ts: '@timestamp', user: '@message.user', operation: path}\n"
    )
    text = "@timestamp,@message,path\n2026-03-01T00:00:00Z,{},/a\n2026-03-01T00:00:01Z,{},/b\n"

    result = env.ingest("insights", env.write("insights.csv", text))

    assert result.accepted == 2
    assert [(u.field, u.mapped_from, u.events) for u in result.unmatched] == [
        ("user", "@message.user", 2)
    ]


# --- events an SLO counts as bad only because they lack a field its good: reads -------------

MIXED = """
store: basics.duckdb
sources:
  app:
    format: jsonl
    fields: {attrs.region: region}
services:
  shop:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
      latency: {objective: 95, window: 30d, good: duration_ms <= 300, valid: status != 404}
      requests: {objective: 99, window: 30d, good: status < 500, valid: status is not null}
      lenient: {objective: 99, window: 30d, good: status < 500 or status is null}
      api: {objective: 99, window: 30d, good: status < 500, valid: operation == "/api"}
      region: {objective: 90, window: 30d, good: attrs.region == "eu"}
"""


def mixed_log() -> str:
    """A request log with lines that are not requests among them (Caddy's `tls` logger)."""
    lines = [record(0, service="shop", status=200, duration_ms=12, region="eu")]
    lines += [record(1, service="shop", status=503, duration_ms=900, region="us")]
    lines += [record(2, service="shop", status=200, duration_ms=15)]
    lines += [record(3, service="shop", msg="certificate obtained", operation="/api")]
    lines += [record(4, service="shop", msg="renewing", logger="tls", duration_ms=400)]
    return "".join(lines)


def test_events_counted_bad_for_lack_of_a_field_are_named_per_slo(make_env: Any) -> None:
    env = make_env(MIXED)

    result = env.ingest("app", env.write("app.jsonl", mixed_log()))

    assert result.accepted == 5 and result.unread == []
    # Hand count: availability counts all 5 events; 2 have no status and are bad for it.
    # latency counts events with status != 404: a missing status is not valid, so nothing.
    # requests leaves them out by valid:, lenient counts them good; api counts only the
    # one with operation /api; region: 3 lack the attribute and are bad for it (the one in
    # "us" is bad for its value, not named).
    assert result.missing_as_bad == [
        MissingAsBad("shop/availability", "status", 5, 2),
        MissingAsBad("shop/api", "status", 5, 1),
        MissingAsBad("shop/region", "attrs.region", 5, 3),
    ]


def test_the_cli_says_how_many_and_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(MIXED, encoding="utf-8")
    (tmp_path / "app.jsonl").write_text(mixed_log(), encoding="utf-8")

    warned, record = warnings_and_record(tmp_path, "app.jsonl", "app")

    assert warned.splitlines()[0] == (
        "  warning: 2 of the 5 events of shop have no status and count as bad for "
        "shop/availability (a missing value never matches); if they are not requests, add "
        "`valid: status is not null` to it"
    )
    assert record["missing_as_bad"][0] == {
        "slo": "shop/availability",
        "field": "status",
        "events": 5,
        "missing": 2,
    }


def test_the_cli_names_the_calls_an_otlp_slo_counts_as_requests(tmp_path: Path) -> None:
    """Every span is an event: an SLO without `valid:` on the span kind counts the calls
    its service made (a database, a payment provider) beside the requests it answered."""
    config = (
        "sources:\n  otel: {format: otlp}\nservices:\n  checkout:\n    slos:\n"
        "      availability: {objective: 99, good: status < 500}\n"
    )
    spans = [
        {"name": name, "kind": kind, "startTimeUnixNano": "1774744200000000000"}
        for name, kind in [("GET /cart", 2), ("POST /pay", 2), ("SELECT", 3), ("pay", 3)]
    ]
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]}
    request = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "spans.jsonl").write_text(json.dumps(request) + "\n", encoding="utf-8")

    warned, record = warnings_and_record(tmp_path, "spans.jsonl", "otel")

    assert warned.splitlines() == [
        "  warning: checkout/availability counts 2 client, internal or producer spans of "
        "checkout (of its 4): calls it made, not requests it answered; "
        '`valid: \'attrs["span.kind"] == "server"\'` leaves them out'
    ]
    assert record["other_spans"] == [{"slo": "checkout/availability", "events": 4, "spans": 2}]


def test_the_advice_for_an_attribute_named_with_a_space_parses(tmp_path: Path) -> None:
    """`valid: attrs.k 1 is not null` was advised, which does not parse: `attrs["k 1"]`."""
    from basics.config.expressions import parse_expression

    config = (
        "timezone: UTC\nsources:\n  app: {format: jsonl, service: shop}\nservices:\n  shop:\n"
        '    slos:\n      tier: {objective: 99, good: \'attrs["k 1"] == "gold"\'}\n'
    )
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "app.jsonl").write_text(
        record(0, attrs={"k 1": "gold"}) + record(1, status=200), encoding="utf-8"
    )

    warned, _ = warnings_and_record(tmp_path, "app.jsonl", "app")

    [line] = [w for w in warned.splitlines() if "is not null" in w]
    advice = line.split("`valid: ")[1].split("` to it")[0]
    assert advice == 'attrs["k 1"] is not null'
    parse_expression(advice)
