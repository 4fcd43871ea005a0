"""Line-oriented formats end to end: JSON lines (plain, gzip, stdin), nginx, Apache, regex."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import sys
from typing import Any

import pytest

JSONL_SOURCE = """
sources:
  api:
    format: jsonl
"""

JSONL_LINES = [
    '{"ts": "2026-03-29T00:30:00Z", "service": "checkout", "route": "/pay", "user": "u1",'
    ' "status": 200, "latency_ms": 12.5, "attrs": {"region": "eu"}}',
    '{"ts": "2026-03-29T00:30:30.250Z", "service": "checkout", "route": "/pay",'
    ' "status": "503", "duration_ms": "80"}',
    '{"ts": "2026-03-29T00:31:00Z", "service": "search", "operation": "GET /q",'
    ' "customer_id": "c-7", "status_code": 404}',
]
JSONL_EVENTS = [
    (dt.datetime(2026, 3, 29, 0, 30), "checkout", "/pay", "u1", 200, 12.5, {"region": "eu"}),
    (dt.datetime(2026, 3, 29, 0, 30, 30, 250000), "checkout", "/pay", None, 503, 80.0, {}),
    (dt.datetime(2026, 3, 29, 0, 31), "search", "GET /q", "c-7", 404, None, {}),
]


class _Stdin:
    """Stands in for sys.stdin: the pipeline reads `sys.stdin.buffer`."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_jsonl_stores_exact_rows_and_batch(make_env: Any) -> None:
    env = make_env(JSONL_SOURCE)
    path = env.write("events.jsonl", "\n".join(JSONL_LINES) + "\n")

    result = env.ingest("api", path)

    assert (result.status, result.accepted, result.rejected) == ("applied", 3, 0)
    assert result.batch_id == 1
    assert result.path == str(path)
    assert (result.min_ts, result.max_ts) == (JSONL_EVENTS[0][0], JSONL_EVENTS[2][0])
    assert env.events() == JSONL_EVENTS
    assert env.store.query("SELECT DISTINCT batch_id FROM events") == [(1,)]
    batch = env.store.query(
        "SELECT id, source, path, status, accepted, rejected, local_time_rows, timezone, "
        "min_ts, max_ts, length(content_sha256), finished_at IS NOT NULL FROM batches"
    )
    first, last = JSONL_EVENTS[0][0], JSONL_EVENTS[2][0]
    assert batch == [(1, "api", str(path), "applied", 3, 0, 0, "UTC", first, last, 64, True)]


def test_jsonl_gzip_file_reads_like_plain(make_env: Any) -> None:
    env = make_env(JSONL_SOURCE)
    path = env.write("events.jsonl.gz", "\n".join(JSONL_LINES) + "\n", gz=True)

    result = env.ingest("api", path)

    assert (result.status, result.accepted, result.rejected) == ("applied", 3, 0)
    assert env.events() == JSONL_EVENTS


def test_gzip_is_detected_by_content_not_by_name(make_env: Any) -> None:
    env = make_env(JSONL_SOURCE)
    path = env.write("events.log", "\n".join(JSONL_LINES) + "\n", gz=True)

    assert env.ingest("api", path).accepted == 3
    assert env.events() == JSONL_EVENTS


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_jsonl_from_standard_input(
    make_env: Any, monkeypatch: pytest.MonkeyPatch, compressed: bool
) -> None:
    env = make_env(JSONL_SOURCE)
    data = ("\n".join(JSONL_LINES) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", _Stdin(gzip.compress(data) if compressed else data))

    result = env.ingest("api", "-")

    assert (result.status, result.accepted, result.rejected) == ("applied", 3, 0)
    assert result.path == "<stdin>"
    assert env.events() == JSONL_EVENTS
    assert env.store.query("SELECT path FROM batches") == [("<stdin>",)]


def test_progress_reports_bytes_and_counts(make_env: Any) -> None:
    env = make_env(JSONL_SOURCE)
    content = "\n".join([*JSONL_LINES, "[1, 2]"]) + "\n"
    path = env.write("events.jsonl", content)
    calls: list[tuple[int, int | None, int, int]] = []

    env.ingest("api", path, progress=lambda *args: calls.append(args))

    size = len(content.encode())
    assert calls[-1] == (size, size, 3, 1)


NGINX_SOURCE = """
sources:
  web:
    format: nginx
    service: www
"""


def test_nginx_combined_with_request_time_in_seconds(make_env: Any) -> None:
    env = make_env(NGINX_SOURCE)
    path = env.write(
        "access.log",
        '10.0.0.1 - - [29/Mar/2026:00:30:00 +0000] "POST /api/pay?id=3 HTTP/1.1" 503 12 '
        '"-" "curl/8.0" 0.250\n'
        '10.0.0.2 - bob [29/Mar/2026:02:31:05 +0200] "GET /home HTTP/2.0" 200 512 '
        '"https://example.com/" "Mozilla/5.0 (X11; Linux)" 0.004\n'
        '10.0.0.3 - - [29/Mar/2026:00:32:00 +0000] "GET /static.css HTTP/1.1" 304 0 "-" "-"\n',
    )

    result = env.ingest("web", path)

    assert (result.accepted, result.rejected, result.local_time_rows) == (3, 0, 0)
    assert env.events() == [
        (
            dt.datetime(2026, 3, 29, 0, 30),
            "www",
            "/api/pay",
            None,
            503,
            250.0,
            {"client": "10.0.0.1", "method": "POST", "user_agent": "curl/8.0"},
        ),
        (
            dt.datetime(2026, 3, 29, 0, 31, 5),
            "www",
            "/home",
            "bob",
            200,
            4.0,
            {"client": "10.0.0.2", "method": "GET", "user_agent": "Mozilla/5.0 (X11; Linux)"},
        ),
        (
            dt.datetime(2026, 3, 29, 0, 32),
            "www",
            "/static.css",
            None,
            304,
            None,
            {"client": "10.0.0.3", "method": "GET"},
        ),
    ]


def test_nginx_stock_main_format_with_forwarded_for_and_a_request_time(make_env: Any) -> None:
    """nginx's stock `main` format (its Docker image's) adds "$http_x_forwarded_for" after
    the user agent; a request time may follow it."""
    env = make_env(NGINX_SOURCE)
    path = env.write(
        "access.log",
        '172.17.0.1 - - [20/Nov/2026:11:00:00 +0000] "GET /p0 HTTP/1.1" 200 615 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64)" "-"\n'
        '172.17.0.1 - - [20/Nov/2026:11:00:01 +0000] "GET /p1 HTTP/1.1" 502 10 "-" '
        '"curl/8" "10.0.0.1, 10.0.0.2" 0.250\n',
    )

    result = env.ingest("web", path)

    assert (result.accepted, result.rejected) == (2, 0)
    assert [(e[2], e[4], e[5], e[6]["user_agent"]) for e in env.events()] == [
        ("/p0", 200, None, "Mozilla/5.0 (X11; Linux x86_64)"),
        ("/p1", 502, 250.0, "curl/8"),
    ]


def test_a_request_time_is_read_only_where_it_ends_the_line(make_env: Any) -> None:
    """Formats that put other numbers after the user agent (ingress-nginx's upstreaminfo:
    the request length; Apache's combinedio: bytes received; Traefik's: a request count)
    give no duration, never that number as one; their status is read all the same."""
    env = make_env(NGINX_SOURCE + "  site:\n    format: apache\n    service: web\n")
    ingress = env.write(
        "ingress.log",
        '192.168.1.10 - - [02/Mar/2026:14:00:01 +0000] "GET /api/orders?page=2 HTTP/1.1" 200 '
        '612 "-" "Mozilla/5.0" 452 0.012 [shop-api-80] [] 10.244.0.15:8080 612 0.012 200 '
        "5f1c2d\n"
        '10.0.0.1 - - [02/Mar/2026:14:00:02 +0000] "GET /slow HTTP/1.1" 200 5 "-" "curl/8" '
        "2.007 \r\n",
    )
    traefik = env.write(
        "traefik.log",
        '10.0.0.2 - - [02/Mar/2026:14:00:03 +0000] "GET /x HTTP/1.1" 503 10 "-" "curl/8.4.0" '
        '1041 "websecure-api@docker" "http://10.0.0.5:80" 12ms\n',
    )
    combinedio = env.write(
        "access_log",
        '127.0.0.1 - - [02/Mar/2026:14:00:04 +0000] "GET /a HTTP/1.1" 200 2326 "-" "curl/8" '
        "523 2781\n",
    )

    results = [
        env.ingest(source, path)
        for source, path in (("web", ingress), ("web", traefik), ("site", combinedio))
    ]

    assert [(r.accepted, r.rejected) for r in results] == [(2, 0), (1, 0), (1, 0)]
    # 2.007 s is exactly 2007 ms (no binary residue above a 2007 ms threshold).
    assert [(e[2], e[4], e[5]) for e in env.events()] == [
        ("/api/orders", 200, None),
        ("/slow", 200, 2007.0),
        ("/x", 503, None),
        ("/a", 200, None),
    ]


def test_a_last_token_that_is_no_request_time_gives_no_duration(make_env: Any) -> None:
    """nginx's $request_time is seconds to the millisecond and Apache's %D microseconds: a
    cache status (HIT), an upstream status (200) or %T/%D (0/1234) ending the line is no
    request time. It was read as one (200 s) or rejected the line, and its failure with it.
    A request target in absolute form (varnishncsa) is its path."""
    env = make_env(
        NGINX_SOURCE
        + "  site:\n    format: apache\n    service: web\n"
        + "  edge:\n    format: nginx\n    service: www\n    request_time_unit: ms\n"
    )
    head = '10.0.0.1 - - [02/Mar/2026:14:00:0{} +0000] "GET {} HTTP/1.1" {} 5 "-" "curl/8" {}\n'
    nginx = env.write(
        "nginx.log",
        head.format(1, "/a", 200, "HIT")
        + head.format(2, "/b", 502, "200")
        + head.format(3, "http://shop.example.com/c?x=1", 200, "0.004"),
    )
    apache = env.write("apache.log", head.format(4, "/d", 500, "0/1234"))
    edge = env.write("edge.log", head.format(5, "/e", 200, "12"))

    results = [env.ingest(s, p) for s, p in (("web", nginx), ("site", apache), ("edge", edge))]

    assert [(r.accepted, r.rejected) for r in results] == [(3, 0), (1, 0), (1, 0)]
    assert [(e[2], e[4], e[5]) for e in env.events()] == [
        ("/a", 200, None),
        ("/b", 502, None),
        ("/c", 200, 4.0),
        ("/d", 500, None),
        ("/e", 200, 12.0),  # request_time_unit says what the number counts
    ]


def test_nginx_non_log_lines_are_rejects(make_env: Any) -> None:
    env = make_env(NGINX_SOURCE)
    path = env.write(
        "access.log",
        "2026/03/29 00:30:00 [error] 12#12: upstream timed out\n"
        "\n"
        '10.0.0.1 - - [29/Mar/2026:00:30:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-" 0.001\n',
    )

    result = env.ingest("web", path)

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (
            1,
            "line",
            "does not look like a combined log line (host ident user [time] "
            '"request" status bytes "referer" "agent" [request_time])',
            "2026/03/29 00:30:00 [error] 12#12: upstream timed out",
        )
    ]


APACHE_LINE = (
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
    '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)" 1234\n'
)
APACHE_EVENT = (
    dt.datetime(2000, 10, 10, 20, 55, 36),
    "web",
    "/apache_pb.gif",
    "frank",
    200,
    pytest.approx(1.234),
    {"client": "127.0.0.1", "method": "GET", "user_agent": "Mozilla/4.08 [en] (Win98; I ;Nav)"},
)


def test_apache_combined_with_explicit_microseconds(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          site:
            format: apache
            service: web
            request_time_unit: us
        """
    )
    result = env.ingest("site", env.write("access_log", APACHE_LINE))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [APACHE_EVENT]


def test_apache_percent_d_is_microseconds_by_default(make_env: Any) -> None:
    env = make_env(
        """
        sources:
          site:
            format: apache
            service: web
        """
    )
    env.ingest("site", env.write("access_log", APACHE_LINE))

    # %D = 1234 µs = 1.234 ms (DESIGN/template: "Apache %D is microseconds").
    assert env.events() == [APACHE_EVENT]


def test_apache_escapes_a_quote_in_the_request_and_the_line_is_read(make_env: Any) -> None:
    """Apache writes `"` inside `%r` as `\\"` (scanners send such queries): the line was a
    reject, and its 500 left the SLO."""
    env = make_env("sources:\n  site: {format: apache, service: web}\n")
    line = (
        '192.0.2.2 - - [05/Dec/2026:10:00:01 +0000] "GET /search?q=\\"x\\" HTTP/1.1" 500 10 '
        '"-" "curl/8 \\"quoted\\"" 1200\n'
    )

    result = env.ingest("site", env.write("access_log", line))

    assert (result.accepted, result.rejected) == (1, 0)
    [event] = env.events()
    assert event[1:6] == ("web", "/search", None, 500, 1.2)


REGEX_PATTERN = (
    r"^(?P<ts>\S+ \S+) (?P<status>\S+) (?P<duration_us>\d+)us (?P<operation>\S+) "
    r"user=(?P<user>\S+) region=(?P<attrs_region>\w+) host=(?P<attrs_host>\S*)"
)
REGEX_SOURCE = f"""
sources:
  app:
    format: regex
    service: billing
    timezone: Europe/Berlin
    pattern: '{REGEX_PATTERN}'
"""


def test_regex_named_groups_map_to_fields(make_env: Any) -> None:
    env = make_env(REGEX_SOURCE)
    path = env.write(
        "app.log",
        "2026-03-29 01:30:00 200 1500us /invoice user=u1 region=eu host=h1\r\n"
        "   \n"
        "garbage that does not match\n"
        "2026-03-29 03:30:00 500 250000us /invoice user=- region=us host=\n"
        "2026-03-29 03:31:00 2xx 10us /invoice user=u2 region=us host=h2\n",
    )

    result = env.ingest("app", path)

    assert (result.accepted, result.rejected, result.local_time_rows) == (2, 2, 2)
    assert env.events() == [
        # Berlin is UTC+1 before 01:00 UTC on 2026-03-29 and UTC+2 after.
        (
            dt.datetime(2026, 3, 29, 0, 30),
            "billing",
            "/invoice",
            "u1",
            200,
            pytest.approx(1.5),
            {"region": "eu", "host": "h1"},
        ),
        (
            dt.datetime(2026, 3, 29, 1, 30),
            "billing",
            "/invoice",
            None,
            500,
            pytest.approx(250.0),
            {"region": "us"},
        ),
    ]
    assert env.rejects() == [
        (3, "line", "does not match the source pattern", "garbage that does not match"),
        (
            5,
            "status",
            'expected an integer status between 0 and 999, found "2xx"',
            "2026-03-29 03:31:00 2xx 10us /invoice user=u2 region=us host=h2",
        ),
    ]


@pytest.mark.parametrize(
    ("group", "value", "expected_ms"),
    [("duration_ms", "7.5", 7.5), ("duration_s", "0.125", 125.0), ("duration_us", "2500", 2.5)],
)
def test_regex_duration_groups_and_service_group(
    make_env: Any, group: str, value: str, expected_ms: float
) -> None:
    env = make_env(
        rf"""
        sources:
          app:
            format: regex
            pattern: '^(?P<ts>\d+) (?P<service>[a-z]+) (?P<{group}>[\d.]+)$'
        """
    )
    result = env.ingest("app", env.write("app.log", f"1774744200 cart {value}\n"))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [
        (dt.datetime(2026, 3, 29, 0, 30), "cart", None, None, None, pytest.approx(expected_ms), {})
    ]


def test_a_dash_or_minus_one_is_a_missing_status_or_time(make_env: Any) -> None:
    """What access logs write for none: an AWS ALB's -1 processing times on a request that
    failed, HAProxy's -1 status on an aborted one, `-`. The request is stored, its failure
    counted by the SLI; any other negative time stays a reject."""
    env = make_env(
        "sources:\n  alb:\n    format: regex\n    service: shop\n"
        "    pattern: '^(?P<ts>\\S+) (?P<duration_s>\\S+) (?P<status>\\S+)$'\n"
        "services:\n  shop:\n    slos:\n"
        "      availability: {objective: 99, good: status < 500}\n"
    )
    path = env.write(
        "alb.log",
        "2026-03-02T14:00:00Z 0.012 200\n"
        "2026-03-02T14:00:01Z -1 502\n"
        "2026-03-02T14:00:02Z - 504\n"
        "2026-03-02T14:00:03Z 0.001 -1\n"
        "2026-03-02T14:00:04Z -2 200\n",
    )

    result = env.ingest("alb", path)

    assert (result.accepted, result.rejected) == (4, 1)
    assert [(e[4], e[5]) for e in env.events()] == [
        (200, 12.0),
        (502, None),
        (504, None),
        (None, 1.0),
    ]
    assert env.rejects()[0][:2] == (5, "duration")


def test_an_empty_json_text_is_a_missing_status_or_time(make_env: Any) -> None:
    """`""` in a JSON line is what a CSV's empty cell is: missing. A 503 whose duration is
    empty is a stored failure, not a reject that drops it from the SLI."""
    env = make_env("sources:\n  app:\n    format: jsonl\n    service: shop\n")
    path = env.write(
        "app.jsonl",
        '{"ts": "2026-03-02T14:00:00Z", "status": 503, "duration_ms": ""}\n'
        '{"ts": "2026-03-02T14:00:01Z", "status": "", "duration_ms": 7}\n'
        '{"ts": "2026-03-02T14:00:02Z", "status": " ", "duration_ms": "12"}\n',
    )

    result = env.ingest("app", path)

    assert (result.accepted, result.rejected) == (3, 0)
    assert [(e[4], e[5]) for e in env.events()] == [(503, None), (None, 7.0), (None, 12.0)]


def test_an_absolute_target_without_a_path_is_the_root(make_env: Any) -> None:
    env = make_env(NGINX_SOURCE)
    line = (
        '10.0.0.1 - - [02/Mar/2026:14:00:00 +0000] "GET http://shop.example.com HTTP/1.1" '
        '200 5 "-" "curl/8"\n'
    )

    env.ingest("web", env.write("varnish.log", line))

    assert [e[2] for e in env.events()] == ["/"]


def test_apache_escapes_are_read_as_the_characters_they_stand_for(make_env: Any) -> None:
    """`\\"` and `\\\\` in Apache's quoted fields were stored as written: the operation
    `/a\\"b`, the user agent `curl \\"x\\"`."""
    env = make_env("sources:\n  site: {format: apache, service: web}\n")
    line = (
        '192.0.2.2 - - [05/Dec/2026:10:00:01 +0000] "GET /a\\"b\\\\c HTTP/1.1" 200 10 '
        '"-" "curl/8 \\"x\\""\n'
    )

    env.ingest("site", env.write("access_log", line))

    [event] = env.events()
    assert event[2] == '/a"b\\c'
    assert event[6] == {"client": "192.0.2.2", "method": "GET", "user_agent": 'curl/8 "x"'}


@pytest.mark.parametrize("minus_one", ["-1.0", "-1e0", " -1.00 "])
def test_minus_one_however_written_is_a_missing_status_or_time(
    make_env: Any, minus_one: str
) -> None:
    """`-1` was missing and `-1.0` (a float column's, a JSON writer's) a reject."""
    env = make_env("sources:\n  app:\n    format: jsonl\n    service: shop\n")
    number = minus_one.strip()
    path = env.write(
        "app.jsonl",
        f'{{"ts": "2026-03-02T14:00:00Z", "status": 502, "duration_ms": {number}}}\n'
        f'{{"ts": "2026-03-02T14:00:01Z", "status": {number}, "duration_ms": 7}}\n'
        f'{{"ts": "2026-03-02T14:00:02Z", "status": 200, "duration_ms": "{minus_one}"}}\n'
        '{"ts": "2026-03-02T14:00:03Z", "status": 200, "duration_ms": -1.5}\n',
    )

    result = env.ingest("app", path)

    assert (result.accepted, result.rejected) == (3, 1)
    assert [(e[4], e[5]) for e in env.events()] == [(502, None), (None, 7.0), (200, None)]
    assert env.rejects()[0][:2] == (4, "duration")


def test_minus_one_under_a_logfmt_duration_without_unit_is_missing(make_env: Any) -> None:
    env = make_env("sources:\n  app:\n    format: logfmt\n    service: shop\n")
    path = env.write(
        "app.log",
        "ts=2026-03-02T14:00:00Z status=502 duration=-1.0\n"
        "ts=2026-03-02T14:00:01Z status=200 duration=12\n",
    )

    result = env.ingest("app", path)

    assert (result.accepted, result.rejected) == (1, 1)
    assert [(e[4], e[5]) for e in env.events()] == [(502, None)]
    assert env.rejects()[0][:2] == (2, "duration")


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("{format: nginx, service: web}", '10.0.0.1 - - [01/Dec/2026:10:00:01 +0000] "GET /b '
         'HTTP/1.1" 200 5 "-" "curl"'),
        ("{format: apache, service: web}", '10.0.0.1 - - [01/Dec/2026:10:00:01 +0000] "GET /b '
         'HTTP/1.1" 200 5 "-" "curl"'),
        ("{format: logfmt, service: web}", "ts=2026-12-01T10:00:01Z status=200"),
        ("{format: regex, service: web, pattern: '^(?P<ts>\\S+) (?P<status>\\d+)$'}",
         "2026-12-01T10:00:01Z 200"),
    ],
)  # fmt: skip
def test_a_byte_order_mark_starting_a_line_inside_a_file_is_named(
    make_env: Any, source: str, line: str
) -> None:
    """nginx stored the client `\\ufeff10.0.0.1`, logfmt said `ts: missing`: a BOM that
    starts a line (files joined with `cat`) is a reject that says so, as in JSON lines."""
    env = make_env(f"sources:\n  log: {source}\n")

    result = env.ingest("log", env.write("joined.log", f"\ufeff{line}\n\ufeff{line}\n"))

    assert (result.accepted, result.rejected) == (1, 1)
    assert env.rejects() == [
        (
            2,
            "record",
            "a byte-order mark (U+FEFF) starts the line (files joined with cat, each with its "
            "BOM?)",
            f"\ufeff{line}",
        )
    ]
