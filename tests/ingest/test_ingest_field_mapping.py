"""Field mapping: explicit `fields`, default names, attrs, and a source's fixed service."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

T0 = dt.datetime(2026, 3, 29, 0, 30)


def _jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def test_explicit_fields_reach_nested_objects_and_flat_dotted_keys(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          api:
            format: jsonl
            fields:
              ts: meta.time
              service: meta.app
              operation: req.route
              user: customer.id
              status: http.status_code
              duration_ms: timing.total_ms
              attrs.region: geo.region
              attrs.version: app.version
        """
    )
    path = env.write(
        "events.jsonl",
        _jsonl(
            # Nested objects all the way down.
            {
                "meta": {"time": "2026-03-29T00:30:00Z", "app": "checkout"},
                "req": {"route": "/pay"},
                "customer": {"id": "c-1", "name": "Ada"},
                "http": {"status_code": 502},
                "timing": {"total_ms": 41.5},
                "geo": {"region": "eu-west"},
                "app": {"version": "1.4.2"},
            },
            # The same paths as flat keys that contain dots (OpenTelemetry style).
            {
                "meta.time": "2026-03-29T00:30:01Z",
                "meta.app": "checkout",
                "req.route": "/refund",
                "customer.id": "c-2",
                "http.status_code": "201",
                "timing.total_ms": 3,
                "geo.region": "us-east",
                "app.version": "1.4.3",
            },
        ),
    )

    result = env.ingest("api", path)

    assert (result.accepted, result.rejected) == (2, 0)
    assert env.events() == [
        (T0, "checkout", "/pay", "c-1", 502, 41.5, {"region": "eu-west", "version": "1.4.2"}),
        (
            T0 + dt.timedelta(seconds=1),
            "checkout",
            "/refund",
            "c-2",
            201,
            3.0,
            {"region": "us-east", "version": "1.4.3"},
        ),
    ]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"timestamp": "2026-03-29T00:30:00Z", "service": "a", "status_code": 500},
            (T0, "a", None, None, 500, None),
        ),
        (
            {"time": "2026-03-29T00:30:00Z", "service.name": "b", "http_status": 404},
            (T0, "b", None, None, 404, None),
        ),
        (
            {"@timestamp": "2026-03-29T00:30:00Z", "app": "c", "route": "/r", "latency_ms": 5},
            (T0, "c", "/r", None, None, 5.0),
        ),
        (
            {"ts": "2026-03-29T00:30:00Z", "service_name": "d", "http.route": "/h"},
            (T0, "d", "/h", None, None, None),
        ),
        (
            {"date": "2026-03-29T00:30:00Z", "service": "e", "endpoint": "/e", "user_id": "u"},
            (T0, "e", "/e", "u", None, None),
        ),
        (
            {"datetime": "2026-03-29T00:30:00Z", "service": "f", "enduser.id": "x", "code": 200},
            (T0, "f", None, "x", 200, None),
        ),
        (
            {"ts": "2026-03-29T00:30:00Z", "service": "g", "customer": "acme", "elapsed_ms": 2},
            (T0, "g", None, "acme", None, 2.0),
        ),
        (
            {"ts": "2026-03-29T00:30:00Z", "service": "h", "request_time": 0.5},
            (T0, "h", None, None, None, 500.0),
        ),
        (
            {"ts": "2026-03-29T00:30:00Z", "service": "i", "duration_us": 1500},
            (T0, "i", None, None, None, 1.5),
        ),
        (
            {"ts": "2026-03-29T00:30:00Z", "service": "j", "http.response.status_code": 429},
            (T0, "j", None, None, 429, None),
        ),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_default_field_names(
    make_env: Any, record: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    env = make_env("sources:\n  api:\n    format: jsonl\n")

    result = env.ingest("api", env.write("events.jsonl", _jsonl(record)))

    assert (result.accepted, result.rejected) == (1, 0)
    assert [row[:6] for row in env.events()] == [expected]


def test_explicit_fields_win_and_switch_off_that_fields_defaults(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          api:
            format: jsonl
            service: api
            fields:
              status: code
              duration_s: took
        """
    )
    path = env.write(
        "events.jsonl",
        _jsonl(
            {"ts": "2026-03-29T00:30:00Z", "status": 500, "code": 200, "took": 0.25},
            # `status` and `latency_ms` are default names, but those fields are mapped.
            {"ts": "2026-03-29T00:30:01Z", "status": 500, "latency_ms": 9},
        ),
    )

    env.ingest("api", path)

    assert [row[4:6] for row in env.events()] == [(200, 250.0), (None, None)]


def test_attrs_objects_and_named_attrs_merge(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          api:
            format: jsonl
            service: api
            fields:
              attrs.region: region
              attrs.host: host.name
        """
    )
    path = env.write(
        "events.jsonl",
        _jsonl(
            {
                "ts": "2026-03-29T00:30:00Z",
                "region": "eu",
                "host": {"name": "h1"},
                "attrs": {"version": "2.1", "retries": 3, "canary": True, "region": "ignored"},
            },
            {"ts": "2026-03-29T00:30:01Z", "labels": {"team": "core"}},
            {"ts": "2026-03-29T00:30:02Z", "tags": {"tier": "gold"}, "region": "us"},
            {"ts": "2026-03-29T00:30:03Z", "attributes": {"zone": "b"}},
            {"ts": "2026-03-29T00:30:04Z", "attrs": ["not", "an", "object"]},
        ),
    )

    result = env.ingest("api", path)

    assert (result.accepted, result.rejected) == (5, 0)
    assert [row[6] for row in env.events()] == [
        # Members become strings; a mapped attrs.<name> wins over the object's member.
        {"version": "2.1", "retries": "3", "canary": "true", "region": "eu", "host": "h1"},
        {"team": "core"},
        {"tier": "gold", "region": "us"},
        {"zone": "b"},
        {},
    ]


def test_attrs_string_that_looks_like_json_does_not_abort_the_batch(make_env: Any) -> None:
    env = make_env("sources:\n  api:\n    format: jsonl\n    service: api\n")
    path = env.write(
        "events.jsonl",
        _jsonl(
            {"ts": "2026-03-29T00:30:00Z", "tags": "{beta}"},
            {"ts": "2026-03-29T00:30:01Z", "tags": {"tier": "gold"}},
        ),
    )

    result = env.ingest("api", path)

    # Either stored without attrs or rejected; never an InputError for the whole file.
    assert result.status == "applied"
    assert result.accepted + result.rejected == 2
    assert env.events()[-1][6] == {"tier": "gold"}


def test_fixed_service_fills_in_only_where_the_record_has_none(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          api:
            format: jsonl
            service: payments
        """
    )
    path = env.write(
        "events.jsonl",
        _jsonl(
            {"ts": "2026-03-29T00:30:00Z"},
            {"ts": "2026-03-29T00:30:01Z", "service": "ledger"},
            {"ts": "2026-03-29T00:30:02Z", "service": None},
        ),
    )

    env.ingest("api", path)

    assert [row[1] for row in env.events()] == ["payments", "ledger", "payments"]


def test_fixed_service_fills_in_an_empty_service(make_env: Any) -> None:
    env = make_env("sources:\n  api:\n    format: jsonl\n    service: payments\n")
    path = env.write("events.jsonl", _jsonl({"ts": "2026-03-29T00:30:00Z", "service": ""}))

    result = env.ingest("api", path)

    # CSV (empty cell) and OTLP (empty service.name) already fall back to the fixed service.
    assert (result.accepted, result.rejected) == (1, 0)
    assert [row[1] for row in env.events()] == ["payments"]


def test_missing_service_without_a_fixed_one_is_a_reject(make_env: Any) -> None:
    env = make_env("sources:\n  api:\n    format: jsonl\n")
    path = env.write(
        "events.jsonl", _jsonl({"ts": "2026-03-29T00:30:00Z"}, {"ts": "2026-03-29T00:30:00Z"})
    )

    result = env.ingest("api", path)

    assert (result.accepted, result.rejected) == (0, 2)
    assert {(field, reason) for _, field, reason, _ in env.rejects()} == {
        ("service", "missing; map it with fields.service or set service: on the source")
    }


def test_nginx_source_with_fixed_service_and_ms_request_time(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          edge:
            format: nginx
            service: edge-proxy
            request_time_unit: ms
        """
    )
    line = '1.2.3.4 - - [29/Mar/2026:00:30:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua" 12\n'

    env.ingest("edge", env.write("access.log", line))

    assert [row[1:6] for row in env.events()] == [("edge-proxy", "/a", None, 200, 12.0)]


def test_a_default_name_holding_an_object_yields_to_a_later_one(make_env: Any) -> None:
    """Elastic Common Schema records nest what the defaults look for first: `service` and
    `user` are objects, and `service.name`, `user.id` or `user.name` hold the values."""
    env = make_env("sources:\n  ecs:\n    format: jsonl\n")
    path = env.write(
        "ecs.jsonl",
        _jsonl(
            {"@timestamp": "2026-03-29T00:30:00Z", "service": {"name": "shop"},
             "user": {"id": "u1", "name": "ana"}, "http": {"response": {"status_code": 502}}},
            {"@timestamp": "2026-03-29T00:30:00.5Z", "service": {"name": "shop"},
             "user": {"name": "bo", "roles": ["admin"]}},
            {"@timestamp": "2026-03-29T00:30:01Z", "service": "flat", "service.name": "x"},
            {"@timestamp": "2026-03-29T00:30:02Z", "service": {"id": 7}},
        ),
    )  # fmt: skip

    result = env.ingest("ecs", path)

    assert (result.accepted, result.rejected) == (3, 1)
    assert [(e[1], e[3], e[4]) for e in env.events()] == [
        ("shop", "u1", 502),  # user.id before user.name
        ("shop", "bo", None),  # ECS user.name, as Filebeat's nginx module writes it
        ("flat", None, None),
    ]
    assert env.rejects()[0][:3] == (
        4,
        "service",
        'expected a string, found an object with keys "id" '
        "(fields.service can name the field in it that holds the service)",
    )


def test_nanosecond_durations_by_name_and_mapped(make_env: Any) -> None:
    """The Elastic Common Schema's `event.duration` and a `duration_ns` field are
    nanoseconds; so is a field mapped as `duration_ns`, or a regex group of that name."""
    env = make_env(
        "sources:\n"
        "  ecs:\n    format: jsonl\n    service: shop\n"
        "  traefik:\n    format: jsonl\n    service: edge\n    fields: {duration_ns: Duration}\n"
        "  text:\n    format: regex\n    service: txt\n"
        "    pattern: '^(?P<ts>\\S+) (?P<status>\\d+) (?P<duration_ns>\\d+)$'\n"
    )
    ecs = env.write(
        "ecs.jsonl",
        _jsonl(
            {"@timestamp": "2026-03-29T00:30:00Z", "event": {"duration": 12345678}},
            {"@timestamp": "2026-03-29T00:30:01Z", "duration_ns": "300000000"},
        ),
    )
    traefik = env.write(
        "traefik.jsonl", _jsonl({"time": "2026-03-29T00:30:02Z", "Duration": 1500000})
    )
    text = env.write("text.log", "2026-03-29T00:30:03Z 200 250000\n")

    for source, path in (("ecs", ecs), ("traefik", traefik), ("text", text)):
        assert env.ingest(source, path).accepted >= 1

    durations = [(e[1], e[5]) for e in env.events()]
    assert durations == [("shop", 12.345678), ("shop", 300.0), ("edge", 1.5), ("txt", 0.25)]


def test_a_list_of_upstream_times_is_their_sum(make_env: Any) -> None:
    """nginx's $upstream_response_time after a retry (`0.028, 0.030`) or an internal
    redirect (`0.028 : 0.030`): the time in upstreams is their sum. It was a reject, and
    with it the 502 that made nginx retry."""
    env = make_env(
        "sources:\n  edge:\n    format: jsonl\n    service: shop\n"
        "    fields: {duration_s: upstream_response_time}\n"
    )
    times = ["0.028, 0.030", "0.028 : 0.030", "0.004", "1,5", "12,345", "00:01:30"]
    path = env.write(
        "nginx.jsonl",
        _jsonl(
            *(
                {"time": f"2026-03-29T00:30:0{n}Z", "status": 502, "upstream_response_time": t}
                for n, t in enumerate(times)
            )
        ),
    )

    result = env.ingest("edge", path)

    assert (result.accepted, result.rejected) == (3, 3)
    assert [e[5] for e in env.events()] == [58.0, 58.0, 4.0]
    # A decimal comma, a thousands separator, a clock: no list of nginx times, rejects.
    assert [r[:2] for r in env.rejects()] == [(4, "duration"), (5, "duration"), (6, "duration")]


def test_durations_written_with_their_unit(make_env: Any) -> None:
    """Go's time.Duration text, Google Cloud's `0.123456s` and `12 ms` are read in their
    own unit (it wins over the field's); any other text is a reject that says what is read."""
    env = make_env(
        "sources:\n"
        "  gcp:\n    format: jsonl\n    service: lb\n"
        "    fields: {ts: timestamp, status: httpRequest.status, duration_s: httpRequest.latency}\n"
        "  go:\n    format: jsonl\n    service: app\n    fields: {duration_ms: duration}\n"
        "  logfmt:\n    format: regex\n    service: router\n"
        "    pattern: '^(?P<ts>\\S+) status=(?P<status>\\d+) service=(?P<duration_ms>\\S+)$'\n"
        "  sheet:\n    format: csv\n    service: sheet\n"
    )
    gcp = env.write(
        "gcp.jsonl",
        _jsonl(
            *(
                {
                    "timestamp": f"2026-03-29T00:30:0{n}Z",
                    "httpRequest": {"status": 200, "latency": v},
                }
                for n, v in enumerate(["0.123456s", 0.5, "1m2.5s", "2h", "-1s", "1.5 parsecs"])
            )
        ),
    )
    go = env.write(
        "go.jsonl",
        _jsonl(
            *(
                {"ts": f"2026-03-29T00:31:0{n}Z", "status": 200, "duration": v}
                for n, v in enumerate(
                    ["1.5ms", "250\u00b5s", "250\u03bcs", "90us", "1500ns", "1ms"]
                )
            )
        ),
    )
    logfmt = env.write("router.log", "2026-03-29T00:32:00Z status=200 service=12ms\n")
    sheet = env.write("sheet.csv", "ts,duration_ms\n2026-03-29T00:33:00Z,0.25 s\n")

    results = [
        env.ingest(s, p)
        for s, p in (("gcp", gcp), ("go", go), ("logfmt", logfmt), ("sheet", sheet))
    ]

    assert [(r.accepted, r.rejected) for r in results] == [(4, 2), (6, 0), (1, 0), (1, 0)]
    assert [(e[1], e[5]) for e in env.events()] == [
        ("lb", pytest.approx(123.456)),
        ("lb", 500.0),
        ("lb", 62500.0),
        ("lb", 7200000.0),
        ("app", 1.5),
        ("app", 0.25),
        ("app", 0.25),
        ("app", 0.09),
        ("app", 0.0015),
        ("app", 1.0),
        ("router", 12.0),
        ("sheet", 250.0),
    ]
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (
            n,
            "duration",
            "expected a finite non-negative number, or a duration with its unit such as "
            f'250ms or 1.5s, found "{text}"',
        )
        for n, text in ((5, "-1s"), (6, "1.5 parsecs"))
    ]
