"""Record formats end to end: CSV, Parquet (written with pyarrow) and OTLP JSON logs and spans."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from basics.ingest.coverage import OtherSpans

DURATION_EXPECTED = (
    "expected a finite non-negative number, or a duration with its unit such as 250ms or "
    "1.5s, found "
)

# --- CSV ---------------------------------------------------------------------------------------

CSV_SOURCE = """
sources:
  sheet:
    format: csv
    service: shop
    fields:
      ts: When
      user: Customer
      attrs.region: Region
"""

CSV_TEXT = (
    "latency_ms,Region,Customer,status_code,When,note\r\n"  # 1: header, not in canonical order
    "12.5,eu,c1,200,2026-03-29T00:30:00Z,plain\r\n"  # 2
    '7,us,"c,2",503,2026-03-29T00:30:10Z,"a note\r\n'  # 3: a record spanning lines 3-5
    "spanning, three\r\n"  # 4
    'lines"\r\n'  # 5
    "\r\n"  # 6: blank, skipped
    ",,c3,abc,2026-03-29T00:31:00Z,bad status\r\n"  # 7
    "1,eu,c4\r\n"  # 8: too few columns
    '1,eu,"c5\n'  # 9: a record spanning lines 9-10 with too many columns
    'more",200,2026-03-29T00:32:00Z,x,extra\r\n'  # 10
    ",,,,2026-03-29T00:33:00Z,\r\n"  # 11: only a time
)


def test_csv_maps_columns_by_header_name(make_env: Any) -> None:
    env = make_env(CSV_SOURCE)

    result = env.ingest("sheet", env.write("orders.csv", CSV_TEXT))

    assert (result.accepted, result.rejected) == (3, 3)
    assert env.events() == [
        (dt.datetime(2026, 3, 29, 0, 30), "shop", None, "c1", 200, 12.5, {"region": "eu"}),
        (dt.datetime(2026, 3, 29, 0, 30, 10), "shop", None, "c,2", 503, 7.0, {"region": "us"}),
        (dt.datetime(2026, 3, 29, 0, 33), "shop", None, None, None, None, {}),
    ]
    assert [(line, field) for line, field, _, _ in env.rejects()] == [
        (7, "status"),
        (8, "record"),
        (9, "record"),
    ]


def test_csv_wrong_column_counts_are_rejected_at_the_records_first_line(make_env: Any) -> None:
    env = make_env(CSV_SOURCE)

    result = env.ingest("sheet", env.write("orders.csv", CSV_TEXT))

    assert result.status == "applied"
    # Six records after the header; the blank line 6 is not one.
    assert result.accepted + result.rejected == 6
    column_rejects = [
        (line, reason) for line, field, reason, _ in env.rejects() if field == "record"
    ]
    assert column_rejects == [
        (8, "expected 6 columns as in the header, found 3"),
        (9, "expected 6 columns as in the header, found 7"),
    ]


def test_csv_reject_keeps_the_records_source_text(make_env: Any) -> None:
    env = make_env(CSV_SOURCE)
    env.ingest("sheet", env.write("orders.csv", CSV_TEXT))

    raws = {line: raw for line, field, _, raw in env.rejects() if field == "record"}
    # Joined back with commas, '1,eu,"c5\nmore",...' becomes a record with one more column.
    assert raws[9] == '1,eu,"c5\nmore",200,2026-03-29T00:32:00Z,x,extra'


def test_csv_with_only_a_header_stores_no_batch(make_env: Any) -> None:
    env = make_env(CSV_SOURCE)

    result = env.ingest("sheet", env.write("empty.csv", "When,status\n"))

    assert (result.status, result.batch_id, result.accepted, result.rejected) == (
        "empty", None, 0, 0,
    )  # fmt: skip
    assert env.counts()["batches"] == 0


def test_csv_files_joined_with_their_headers_are_read_whole(make_env: Any) -> None:
    """Exports joined with `cat`: each repeated header is a reject that says what it is,
    and a header in another column order is the one the rows below it are read by."""
    env = make_env(CSV_SOURCE)
    text = (
        "When,status_code,Customer\n"  # 1
        "2026-03-29T00:30:00Z,200,c1\n"  # 2
        "When,status_code,Customer\n"  # 3: the same header again
        "2026-03-29T00:31:00Z,503,c2\n"  # 4
        " Customer ,When,status_code\n"  # 5: the next export's order (and spaces)
        "c3,2026-03-29T00:32:00Z,404\n"  # 6
        "When,Customer,status_code,extra\n"  # 7: another header: a wrong column count
    )

    result = env.ingest("sheet", env.write("joined.csv", text))

    assert (result.accepted, result.rejected) == (3, 3)
    assert [(ts.minute, status, user) for ts, _, _, user, status, _, _ in env.events()] == [
        (30, 200, "c1"),
        (31, 503, "c2"),
        (32, 404, "c3"),
    ]
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (3, "record", "the header row again (files joined?), not a record"),
        (
            5,
            "record",
            "the header row again (files joined?), not a record; its order of columns is "
            "read from here on",
        ),
        (7, "record", "expected 3 columns as in the header, found 4"),
    ]


# --- Parquet -----------------------------------------------------------------------------------

PARQUET_SOURCE = """
sources:
  lake:
    format: parquet
    fields:
      ts: time
      service: svc
      status: http.status
      operation: http.route
      user: http.client.user
      duration_ms: dur.ms
      attrs.region: region
"""


def _write_parquet(path: Any) -> None:
    http = pa.struct(
        [
            ("status", pa.int32()),
            ("route", pa.string()),
            ("client", pa.struct([("user", pa.string())])),
        ]
    )
    table = pa.table(
        {
            "time": pa.array(
                [
                    dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
                    dt.datetime(2026, 3, 29, 0, 30, 0, 500000, tzinfo=dt.UTC),
                    dt.datetime(2026, 3, 29, 0, 31, tzinfo=dt.UTC),
                    None,
                    dt.datetime(2026, 3, 29, 0, 32, tzinfo=dt.UTC),
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "svc": ["checkout", "checkout", "checkout", "checkout", None],
            "http": pa.array(
                [
                    {"status": 200, "route": "/pay", "client": {"user": "u1"}},
                    {"status": 502, "route": "/pay", "client": {"user": None}},
                    {"status": 1000, "route": "/pay", "client": {"user": "u3"}},
                    {"status": 200, "route": "/pay", "client": {"user": "u4"}},
                    {"status": 200, "route": "/pay", "client": {"user": "u5"}},
                ],
                type=http,
            ),
            "dur.ms": [3.25, None, 1.0, 1.0, 1.0],
            "region": ["eu", None, "eu", "eu", "eu"],
            "attrs": pa.array(
                [[("version", "1.2")], [], None, [], []],
                type=pa.map_(pa.string(), pa.string()),
            ),
        }
    )
    pq.write_table(table, path, row_group_size=2)


def test_parquet_nested_and_dotted_columns_with_row_numbers(make_env: Any) -> None:
    env = make_env(PARQUET_SOURCE)
    path = env.root / "events.parquet"
    _write_parquet(path)

    result = env.ingest("lake", path)

    assert (result.status, result.accepted, result.rejected) == ("applied", 2, 3)
    assert env.events() == [
        (
            dt.datetime(2026, 3, 29, 0, 30),
            "checkout",
            "/pay",
            "u1",
            200,
            3.25,
            {"version": "1.2", "region": "eu"},
        ),
        (dt.datetime(2026, 3, 29, 0, 30, 0, 500000), "checkout", "/pay", None, 502, None, {}),
    ]
    # Row numbers (1-based) stand in for line numbers; Parquet rows have no raw text.
    assert env.rejects() == [
        (3, "status", 'expected an integer status between 0 and 999, found "1000"', None),
        (4, "ts", 'missing: "time" (fields.ts) is absent or empty in the record', None),
        (
            5,
            "service",
            'missing: "svc" (fields.service) is absent or empty in the record; set service: '
            "on the source for records that name none",
            None,
        ),
    ]


def test_parquet_records_where_names_are_expected_yield_to_their_fields(make_env: Any) -> None:
    """Elastic Common Schema and OpenTelemetry shapes: an `http` struct without `route`
    failed the whole file (DuckDB's binder looked `http.route` up), and `service` and `user`
    structs were stored as text ("{'name': app}")."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    env = make_env("sources:\n  lake: {format: parquet}\n")
    when = [dt.datetime(2026, 12, 4, 10, 0), dt.datetime(2026, 12, 4, 10, 0, 1)]
    plain = env.root / "plain.parquet"
    pq.write_table(
        pa.table(
            {
                "ts": when,
                "service": ["app", "app"],
                "http": [{"method": "GET", "status_code": 200}, {"method": "GET"}],
            }
        ),
        plain,
    )
    ecs = env.root / "ecs.parquet"
    pq.write_table(
        pa.table(
            {
                "ts": when,
                "service": [{"name": "app"}, {"name": "web"}],
                "user": [{"id": "u1", "name": "ana"}, {"id": None, "name": "bo"}],
                "http": [{"route": "/cart"}, {"route": "/pay"}],
                "status": [503, 200],
            }
        ),
        ecs,
    )

    first = env.ingest("lake", plain)
    second = env.ingest("lake", ecs)

    assert (first.accepted, first.rejected, second.accepted, second.rejected) == (2, 0, 2, 0)
    assert [event[:5] for event in env.events()] == [
        (when[0], "app", None, None, None),
        (when[0], "app", "/cart", "u1", 503),
        (when[1], "app", None, None, None),
        (when[1], "web", "/pay", "bo", 200),
    ]


def test_parquet_attribute_named_as_a_struct_column_is_refused_naming_it(make_env: Any) -> None:
    """`attrs.region: resource` where `resource` is a struct stored every row without its
    region, with only a warning that the name "matched nothing" (JSON lines rejects each
    such line naming the object). Refused before anything is stored, naming the column and
    its type; the field inside it is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from basics.core.errors import InputError

    env = make_env(
        "sources:\n  lake:\n    format: parquet\n    fields: {attrs.region: resource}\n"
        "  inner:\n    format: parquet\n    fields: {attrs.region: resource.region}\n"
    )
    path = env.root / "otel.parquet"
    pq.write_table(
        pa.table(
            {
                "ts": [dt.datetime(2026, 12, 4, 10, 0)],
                "service": ["app"],
                "resource": [{"region": "eu-west-1"}],
            }
        ),
        path,
    )

    with pytest.raises(InputError) as refused:
        env.ingest("lake", path)
    assert str(refused.value) == (
        f"{path}: fields: attrs.region: column 'resource' holds STRUCT(region VARCHAR), not a "
        "value: name the field in it that holds the value (attrs.region: resource.<field>)"
    )
    assert env.counts()["batches"] == 0
    assert env.ingest("inner", path).accepted == 1
    assert [event[6] for event in env.events()] == [{"region": "eu-west-1"}]


def test_parquet_rejects_standard_input_and_non_parquet(make_env: Any) -> None:
    from basics.core.errors import InputError

    env = make_env(PARQUET_SOURCE)
    with pytest.raises(InputError, match="standard input"):
        env.ingest("lake", "-")
    bogus = env.write("bogus.parquet", b"PAR1 this is not parquet")
    with pytest.raises(InputError, match=f"{bogus}: not a readable Parquet file"):
        env.ingest("lake", bogus)
    assert env.counts()["batches"] == 0


def test_parquet_durations_keep_their_own_unit_and_nan_is_missing(make_env: Any) -> None:
    """A pandas timedelta column is Arrow's duration[ns], stored as a bare integer: mapped
    as `duration_s`, 0.265 s was read as 265,000,000,000 ms. A float NaN (polars' and
    pandas' missing value) is missing, not a reject that drops the row."""
    env = make_env(
        "sources:\n  lake:\n    format: parquet\n    service: shop\n"
        "    fields: {ts: ts, duration_s: latency}\n"
        "  frame:\n    format: parquet\n    service: shop\n"
    )
    at = [dt.datetime(2026, 3, 29, 0, 30, s, tzinfo=dt.UTC) for s in range(3)]
    pq.write_table(
        pa.table(
            {
                "ts": pa.array(at, pa.timestamp("us", tz="UTC")),
                "latency": pa.array([265_000_000, 1_500_000_000, None], pa.duration("ns")),
            }
        ),
        env.root / "timedelta.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "ts": pa.array(at, pa.timestamp("us", tz="UTC")),
                "status": [200.0, float("nan"), 503.0],
                "duration_ms": [12.5, 40.0, float("nan")],
            }
        ),
        env.root / "frame.parquet",
    )

    timedeltas = env.ingest("lake", env.root / "timedelta.parquet")
    frame = env.ingest("frame", env.root / "frame.parquet")

    assert [(r.accepted, r.rejected) for r in (timedeltas, frame)] == [(3, 0), (3, 0)]
    assert [(e[4], e[5]) for e in env.events()] == [
        (None, 265.0),
        (200, 12.5),
        (None, 40.0),
        (None, 1500.0),
        (None, None),
        (503, None),
    ]


# --- OTLP JSON ---------------------------------------------------------------------------------

OTLP_SOURCE = """
sources:
  otel:
    format: otlp
    service: fallback
"""


def _kv(key: str, value: str | int) -> dict[str, Any]:
    # OTLP JSON encodes 64-bit integers as strings.
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value) if isinstance(value, int) else value}}


LOGS = {
    "resourceLogs": [
        {
            "resource": {"attributes": [_kv("service.name", "checkout"), _kv("k8s.ns", "prod")]},
            "scopeLogs": [
                {
                    "logRecords": [
                        {
                            "timeUnixNano": "1774744200000000000",
                            "attributes": [
                                _kv("http.response.status_code", 503),
                                _kv("http.route", "/pay/{id}"),
                                _kv("enduser.id", "u9"),
                            ],
                        },
                        {
                            "observedTimeUnixNano": "1774744260500000000",
                            "attributes": [_kv("http.status_code", 201), _kv("url.path", "/x")],
                        },
                    ]
                }
            ],
        },
        {
            "resource": {},
            "scopeLogs": [{"logRecords": [{"timeUnixNano": "1774744320000000000"}]}],
        },
    ]
}

SPANS = {
    "resourceSpans": [
        {
            "resource": {"attributes": [_kv("service.name", "search")]},
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "name": "GET /q",
                            "startTimeUnixNano": "1774744200000000000",
                            "endTimeUnixNano": "1774744200250000000",
                            "status": {"code": 2},
                        },
                        {
                            "name": "GET /q/{id}",
                            "startTimeUnixNano": "1774744201000000000",
                            "endTimeUnixNano": "1774744201001500000",
                            "attributes": [
                                _kv("http.route", "/q/{id}"),
                                _kv("http.response.status_code", 404),
                                _kv("enduser.id", "u1"),
                            ],
                            "status": {"code": 2},
                        },
                        {
                            "name": "cache.get",
                            "startTimeUnixNano": "1774744202000000000",
                            "endTimeUnixNano": "1774744202001000000",
                            "status": {"code": "STATUS_CODE_ERROR"},
                        },
                        {
                            "name": "render",
                            "startTimeUnixNano": "1774744203000000000",
                            "endTimeUnixNano": "1774744203002000000",
                            "status": {},
                        },
                        {
                            "name": "backwards",
                            "startTimeUnixNano": "1774744204000000000",
                            "endTimeUnixNano": "1774744203000000000",
                        },
                    ]
                }
            ],
        }
    ]
}


def test_otlp_logs_and_spans_follow_semantic_conventions(make_env: Any) -> None:
    env = make_env(OTLP_SOURCE)
    path = env.write(
        "otlp.jsonl",
        json.dumps(LOGS) + "\n\n" + json.dumps(SPANS) + '\n[1]\n{"resourceLogs": [',
    )

    result = env.ingest("otel", path)

    assert (result.status, result.accepted, result.rejected) == ("applied", 7, 3)
    checkout = {"service.name": "checkout", "k8s.ns": "prod"}
    assert env.events() == [
        (
            dt.datetime(2026, 3, 29, 0, 30),
            "checkout",
            "/pay/{id}",
            "u9",
            503,
            None,
            {
                **checkout,
                "http.response.status_code": "503",
                "http.route": "/pay/{id}",
                "enduser.id": "u9",
            },
        ),
        # An ERROR span without an HTTP status counts as 500; duration = end - start.
        (
            dt.datetime(2026, 3, 29, 0, 30),
            "search",
            "GET /q",
            None,
            500,
            250.0,
            {"service.name": "search"},
        ),
        # An HTTP status wins over the span status.
        (
            dt.datetime(2026, 3, 29, 0, 30, 1),
            "search",
            "/q/{id}",
            "u1",
            404,
            1.5,
            {
                "service.name": "search",
                "http.route": "/q/{id}",
                "http.response.status_code": "404",
                "enduser.id": "u1",
            },
        ),
        (
            dt.datetime(2026, 3, 29, 0, 30, 2),
            "search",
            "cache.get",
            None,
            500,
            1.0,
            {"service.name": "search"},
        ),
        (
            dt.datetime(2026, 3, 29, 0, 30, 3),
            "search",
            "render",
            None,
            200,
            2.0,
            {"service.name": "search"},
        ),
        # Older conventions, and the observed time when the record has no time of its own.
        (
            dt.datetime(2026, 3, 29, 0, 31, 0, 500000),
            "checkout",
            "/x",
            None,
            201,
            None,
            {**checkout, "http.status_code": "201", "url.path": "/x"},
        ),
        # No service.name in the resource: the source's fixed service.
        (dt.datetime(2026, 3, 29, 0, 32), "fallback", None, None, None, None, {}),
    ]
    rejects = env.rejects()
    assert [(line, field, reason) for line, field, reason, _ in rejects] == [
        (3, "duration", DURATION_EXPECTED + '"-1000.0"'),
        (4, "record", "expected an OTLP JSON request with resourceLogs or resourceSpans"),
        (5, "record", "not valid JSON (Expecting value at column 19)"),
    ]
    assert json.loads(rejects[0][3])["name"] == "backwards"
    assert rejects[1][3] == "[1]"


def test_otlp_malformed_structure_is_a_reject_not_a_crash(make_env: Any) -> None:
    env = make_env(OTLP_SOURCE)
    record = {"timeUnixNano": "1774744200000000000"}
    good = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}
    bad = {"resourceSpans": [{"scopeSpans": [{"spans": ["x"]}]}]}
    path = env.write(
        "otlp.jsonl",
        json.dumps(good) + "\n" + json.dumps(bad) + "\n",
    )

    result = env.ingest("otel", path)

    assert (result.accepted, result.rejected) == (1, 1)
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (
            2,
            "record",
            "unexpected OTLP structure in resourceSpans[0]: spans[0] (expected an object, "
            "found a string)",
        )
    ]


def test_otlp_before_1_0_is_read_as_1_0(make_env: Any) -> None:
    """Collectors before OTLP 1.0 wrote `instrumentationLibrarySpans/Logs`; files kept
    from then read as the same requests written with `scopeSpans/Logs` (they were read as
    holding nothing: 0 events, 0 rejects)."""
    old = json.dumps(SPANS).replace('"scopeSpans"', '"instrumentationLibrarySpans"')
    old_logs = json.dumps(LOGS).replace('"scopeLogs"', '"instrumentationLibraryLogs"')
    current = make_env(OTLP_SOURCE)
    current.ingest("otel", current.write("new.jsonl", json.dumps(SPANS) + "\n" + json.dumps(LOGS)))
    before = make_env(OTLP_SOURCE)

    result = before.ingest("otel", before.write("old.jsonl", old + "\n" + old_logs + "\n"))

    assert (result.accepted, result.rejected) == (7, 1)
    assert before.events() == current.events()
    assert len(before.events()) == 7
    # A request that holds both (a collector mid-migration) is read once, by scopeSpans.
    both = json.loads(json.dumps(SPANS))
    both["resourceSpans"][0]["instrumentationLibrarySpans"] = SPANS["resourceSpans"][0][
        "scopeSpans"
    ]
    twice = make_env(OTLP_SOURCE)
    assert twice.ingest("otel", twice.write("both.jsonl", json.dumps(both) + "\n")).accepted == 4


def test_otlp_one_bad_span_is_its_own_reject(make_env: Any) -> None:
    """A span whose status is not an object, and one without a start: each a reject of its
    own naming the field; the other spans of the request are kept (the whole request was
    one reject before)."""
    env = make_env(OTLP_SOURCE)
    spans = [
        {"name": "a", "startTimeUnixNano": "1774744200000000000", "status": {}},
        {"name": "b", "startTimeUnixNano": "1774744201000000000", "status": "ERROR"},
        {"name": "c", "endTimeUnixNano": "1774744202000000000"},
        {"name": "d", "startTimeUnixNano": "1774744203000000000", "status": {"code": 2}},
    ]
    request = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    empty = {"resourceSpans": [{"resource": {}, "scopes": [{"spans": spans}]}]}
    path = env.write("otlp.jsonl", json.dumps(request) + "\n" + json.dumps(empty) + "\n")

    result = env.ingest("otel", path)

    assert (result.accepted, result.rejected) == (2, 3)
    assert [(e[2], e[4]) for e in env.events()] == [("a", 200), ("d", 500)]
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (1, "status", 'expected the span\'s status as an object {"code": ...}, found "ERROR"'),
        (
            1,
            "ts",
            "the record has no time: startTimeUnixNano is missing or 0",
        ),
        (
            2,
            "record",
            "no spans or log records found: expected them under scopeSpans or scopeLogs (or "
            "instrumentationLibrarySpans/Logs, before OTLP 1.0)",
        ),
    ]


def test_otlp_span_kind_is_an_attribute_an_slo_can_select(make_env: Any) -> None:
    """Every span is an event, the client and internal ones too; `attrs["span.kind"]`
    (written as a number or as its name) lets an SLO count the server spans only."""
    env = make_env(
        OTLP_SOURCE
        + """
services:
  fallback:
    slos:
      requests:
        objective: 99
        good: status < 500
        valid: 'attrs["span.kind"] == "server"'
      all: {objective: 99, good: status < 500}
"""
    )
    spans = [
        {"name": n, "kind": kind, "startTimeUnixNano": "1774744200000000000", "status": status}
        for n, kind, status in [
            ("GET /a", 2, {}),
            ("GET /b", "SPAN_KIND_SERVER", {"code": 2}),
            ("POST provider", 3, {"code": 2}),
            ("SELECT", "SPAN_KIND_CLIENT", {}),
            ("render", 1, {}),
            ("unset", 0, {}),
            ("odd", 9, {}),
        ]
    ]
    request = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    result = env.ingest("otel", env.write("otlp.jsonl", json.dumps(request) + "\n"))

    # The SLO that does not say which spans it counts hears of the calls among them.
    assert result.other_spans == [OtherSpans("fallback/all", 7, 3)]
    kinds = {e[2]: e[6].get("span.kind") for e in env.events()}
    assert kinds == {
        "GET /a": "server",
        "GET /b": "server",
        "POST provider": "client",
        "SELECT": "client",
        "render": "internal",
        "unset": "unspecified",
        "odd": None,
    }
    (row,) = env.store.query(
        "SELECT sum(total), sum(good) FROM slo_minute WHERE slo = 'fallback/requests'"
    )
    assert row == (2, 1)


def test_otlp_zero_time_falls_back_to_observed_time(make_env: Any) -> None:
    env = make_env(OTLP_SOURCE)
    record = {"timeUnixNano": "0", "observedTimeUnixNano": "1774744200000000000"}
    request = {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]}

    env.ingest("otel", env.write("otlp.jsonl", json.dumps(request) + "\n"))

    assert [row[0] for row in env.events()] == [dt.datetime(2026, 3, 29, 0, 30)]


def test_csv_separated_by_semicolons_with_a_delimiter_and_a_hint_without(
    make_env: Any,
) -> None:
    """Excel in much of Europe writes `;` between fields: read with `delimiter: ";"`, and
    without it every row is one column too many for the header, which the hint names."""
    text = "\ufeffWhen;Customer;status_code\r\n2026-03-29T00:30:00Z;Big; Inc;503\r\n"
    text += '2026-03-29T00:30:01Z;"A;B";200\r\n'
    env = make_env("sources:\n  sheet:\n    format: csv\n    service: shop\n"
                   "    delimiter: ';'\n    fields: {ts: When, user: Customer}\n")  # fmt: skip

    read = env.ingest("sheet", env.write("semi.csv", text))

    assert (read.accepted, read.rejected) == (1, 1)  # "Big; Inc" is one field too many
    assert [(e[3], e[4]) for e in env.events()] == [("A;B", 200)]

    other = make_env("sources:\n  sheet: {format: csv, service: shop}\n")
    unread = other.ingest("sheet", other.write("semi.csv", text))
    assert unread.status == "rejected"
    assert unread.hint == (
        "every row has a ; or a tab: if they separate its fields, set delimiter: on the source"
    )


def test_parquet_interval_columns_are_read_as_their_length(make_env: Any) -> None:
    """A Parquet INTERVAL (DuckDB's, Spark's) is read as its length, whatever the field's
    name says: 90 s mapped as duration_ms was 31 ms, read from its text `00:01:30`."""
    import duckdb

    env = make_env(
        "sources:\n  lake:\n    format: parquet\n    service: shop\n"
        "    fields: {ts: ts, duration_ms: took}\n"
    )
    path = env.root / "intervals.parquet"
    duckdb.execute(
        "COPY (SELECT TIMESTAMPTZ '2026-03-29 00:30:00+00' + to_seconds(i) AS ts, "
        "[INTERVAL 90 SECOND, INTERVAL 265 MILLISECOND, NULL][i + 1] AS took "
        f"FROM range(3) r(i)) TO '{path}' (FORMAT parquet)"
    )

    result = env.ingest("lake", path)

    assert (result.accepted, result.rejected) == (3, 0)
    assert [e[5] for e in env.events()] == [90000.0, 265.0, None]


def test_otlp_without_a_service_says_what_an_otlp_source_can_set(make_env: Any) -> None:
    """The reason said to map fields.service, which an otlp source refuses; the likely
    cause asked whether the file, JSON, was jsonl."""
    env = make_env("sources:\n  otel: {format: otlp}\n")
    span = {"name": "GET /a", "startTimeUnixNano": "1796119200000000000",
            "endTimeUnixNano": "1796119200100000000"}  # fmt: skip
    request = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [
        {"spans": [span]}]}]}  # fmt: skip

    result = env.ingest("otel", env.write("spans.jsonl", json.dumps(request) + "\n"))

    assert result.status == "rejected"
    assert result.hint == "no resource names its service (service.name): set service: on the source"
    assert [r[:3] for r in env.rejects()] == [
        (1, "service", 'missing: the resource has no "service.name" attribute; set service: on '
         "the source, or service.name where the telemetry is made (OTEL_SERVICE_NAME)"),
    ]  # fmt: skip


def test_otlp_line_that_a_byte_order_mark_starts_is_named(make_env: Any) -> None:
    env = make_env(OTLP_SOURCE)
    record = {"timeUnixNano": "1774744200000000000"}
    line = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]})

    result = env.ingest("otel", env.write("otlp.jsonl", f"{line}\n\ufeff{line}\n"))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (2, "record", "a byte-order mark (U+FEFF) starts the line (files joined with cat, each "
         "with its BOM?)", f"\ufeff{line}"),
    ]  # fmt: skip


def _parquet_of(path: Any, columns: dict[str, Any], names: list[str] | None = None) -> None:
    at = pa.array([dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC"))
    arrays = [at, *(pa.array(values) for values in columns.values())]
    pq.write_table(pa.Table.from_arrays(arrays, names=names or ["ts", *columns]), path)


def test_parquet_attributes_in_a_struct_column_are_read_as_a_map(make_env: Any) -> None:
    """pandas and pyarrow write a dict as a struct: `labels` was read as `{}` without a
    word. Its fields' names are the keys, their values as text; a null field is left out."""
    env = make_env(
        "sources:\n  lake: {format: parquet, service: shop}\n"
        "  mapped: {format: parquet, service: shop, fields: {attrs: meta}}\n"
    )
    labels = env.root / "labels.parquet"
    _parquet_of(labels, {"status": [200], "labels": [{"az": "a", "n": 1, "ok": True, "x": None}]})
    meta = env.root / "meta.parquet"
    _parquet_of(meta, {"status": [201], "meta": [{"az": "b"}], "attrs": [{"az": "ignored"}]})

    env.ingest("lake", labels)
    env.ingest("mapped", meta)

    assert [(e[4], e[6]) for e in env.events()] == [
        (200, {"az": "a", "n": "1", "ok": "true"}),
        (201, {"az": "b"}),
    ]


def test_parquet_attributes_holding_nested_values_keep_them_as_json(make_env: Any) -> None:
    """A struct of attributes with a list inside refused the whole file, and the advice it
    gave (name each attribute) did not unblock it: the nested field is its JSON text; a
    `fields.attrs` column that is no map or struct still refuses the file naming it."""
    from basics.core.errors import InputError

    env = make_env(
        "sources:\n  lake: {format: parquet, service: shop}\n"
        "  mapped: {format: parquet, service: shop, fields: {attrs: meta}}\n"
    )
    nested = env.root / "nested.parquet"
    _parquet_of(nested, {"status": [200], "attrs": [{"az": "a", "hosts": ["h1", "h2"]}]})
    text = env.root / "text.parquet"
    _parquet_of(text, {"meta": ['{"az": "a"}']})

    env.ingest("lake", nested)
    assert [e[6] for e in env.events()] == [{"az": "a", "hosts": '["h1","h2"]'}]
    with pytest.raises(InputError) as wrong:
        env.ingest("mapped", text)
    assert str(wrong.value) == (
        f"{text}: fields: attrs: column 'meta' holds VARCHAR, not a map or a struct of "
        "attributes: name each attribute (attrs.<name>: COLUMN)"
    )
    assert env.counts()["batches"] == 1


def test_parquet_column_read_named_twice_refuses_the_file(make_env: Any) -> None:
    """DuckDB reads the second `status` as `status_1`: the first was taken without a word."""
    from basics.core.errors import InputError

    env = make_env("sources:\n  lake: {format: parquet, service: shop}\n")
    twice = env.root / "twice.parquet"
    _parquet_of(twice, {"a": [200], "b": [500]}, ["ts", "status", "status"])
    unread = env.root / "unread.parquet"
    _parquet_of(unread, {"status": [200], "a": ["x"], "b": ["y"]}, ["ts", "status", "n", "n"])

    with pytest.raises(InputError) as refused:
        env.ingest("lake", twice)
    assert str(refused.value) == (
        f"{twice}: column 'status' is named twice in the file (columns 2 and 3): which of the "
        "two values was meant is not ours to guess; write the file with distinct names"
    )
    assert env.ingest("lake", unread).accepted == 1


def test_parquet_minus_one_float_is_a_missing_status_or_duration(make_env: Any) -> None:
    env = make_env("sources:\n  lake: {format: parquet, service: shop}\n")
    path = env.root / "floats.parquet"
    _parquet_of(path, {"status": [-1.0], "duration_ms": [-1.0]})

    result = env.ingest("lake", path)

    assert (result.accepted, result.rejected) == (1, 0)
    assert [(e[4], e[5]) for e in env.events()] == [(None, None)]
