"""logfmt end to end: Heroku router lines behind their prefix, logrus, go-kit/Loki and
structlog lines, quoted values and their escapes, Go durations, the prefix's time, and the
rejects of lines that are not logfmt, each with its line and reason."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest

from basics.ingest import inputs, staging
from basics.ingest.encoding import CONVERT

T = dt.datetime

CONFIG = """
timezone: Europe/Berlin
sources:
  heroku:
    format: logfmt
    service: shop
    id: request_id
    fields:
      duration_ms: service
      attrs.code: code
      attrs.dyno: dyno
  orders:
    format: logfmt
    service: orders
    fields:
      attrs.level: level
      attrs.msg: msg
  plain:
    format: logfmt
    service: api
    fields:
      attrs.v: v
"""

# As `heroku logs` and a log drain print them: the router's lines behind their time and
# `heroku[router]:`, an H12 timeout, an H27 the client ended (`sock=client` before `at=`,
# an empty `bytes=`), the app's own line and a dyno's state change among them, CRLF
# endings and a blank line.
HEROKU = [
    "2026-03-02T14:00:05.123456+00:00 heroku[router]: at=info method=GET "
    'path="/api/orders/42?expand=items" host=shop.herokuapp.com '
    'request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd="203.0.113.7" dyno=web.1 connect=0ms '
    "service=35ms status=200 bytes=1543 protocol=https",
    '2026-03-02T14:00:05.200000+00:00 app[web.1]: Started GET "/api/orders/42" for '
    "203.0.113.7 at 2026-03-02 14:00:05 +0000",
    "",
    "2026-03-02T14:00:37.002871+00:00 heroku[router]: at=error code=H12 "
    'desc="Request timeout" method=POST path="/api/checkout" host=shop.herokuapp.com '
    'request_id=2a6b8f1e-5d0c-4a59-9f1e-6a0f4c3b2d18 fwd="198.51.100.23" dyno=web.2 '
    "connect=1ms service=30000ms status=503 bytes=0 protocol=https",
    "2026-03-02T15:00:41.5+01:00 heroku[router]: sock=client at=warning code=H27 "
    'desc="Client Request Interrupted" method=POST path="/api/cart" host=shop.herokuapp.com '
    'request_id=c0ffee00-0000-4000-8000-000000000001 fwd="203.0.113.9,10.1.2.3" dyno=web.1 '
    "connect=1ms service=0ms status=499 bytes= protocol=https",
    "2026-03-02T14:00:42+00:00 heroku[web.1]: State changed from starting to up",
    "2026-03-02T14:00:43.000001+00:00 heroku[router]: at=info method=GET path=/health "
    "host=shop.herokuapp.com request_id=c0ffee00-0000-4000-8000-000000000002 "
    'fwd="203.0.113.7" dyno=web.1 connect=0ms service=1ms status=200 bytes=2 status=200',
]

# logrus's text formatter: time, level and msg first, then the fields by name.
LOGRUS = [
    'time="2026-03-02T15:00:05+01:00" level=info msg="request done" duration=35.2ms '
    "method=GET path=/api/orders status=200 user=u-42",
    'time="2026-03-02T15:00:06+01:00" level=error msg="payment provider said \\"card '
    'declined\\"" duration=1.5s method=POST path=/api/pay status=502 user=u-7',
    'time="2026-03-02T15:00:07+01:00" level=info msg="cache hit" duration=120µs method=GET '
    'path="/api/items?page=2" status=200 user=',
    'time="2026-03-02T15:00:08+01:00" level=warning msg="slow report" duration=2m3s '
    'method=GET path=/api/report status=200 user="u 9" retried',
    'time="2026-03-02T15:00:09+01:00" level=info msg=ok duration=0ms method=HEAD path=/ status=204',
    'time="2026-03-02T15:00:10+01:00" level=info msg="a backslash \\\\ and a tab\\t" '
    "duration=120us method=GET path=/x status=200",
]


def _file(env: Any, name: str, lines: list[str], ending: str = "\n") -> Any:
    return env.write(name, "".join(line + ending for line in lines))


def test_heroku_router_lines_behind_their_prefix(make_env: Any) -> None:
    env = make_env(CONFIG)

    result = env.ingest("heroku", _file(env, "router.log", HEROKU, "\r\n"))

    assert (result.status, result.accepted, result.rejected) == ("applied", 3, 3)
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 5, 123456), "shop", "/api/orders/42", None, 200, 35.0,
         {"dyno": "web.1"}),
        (T(2026, 3, 2, 14, 0, 37, 2871), "shop", "/api/checkout", None, 503, 30000.0,
         {"code": "H12", "dyno": "web.2"}),
        (T(2026, 3, 2, 14, 0, 41, 500000), "shop", "/api/cart", None, 499, 0.0,
         {"code": "H27", "dyno": "web.1"}),
    ]  # fmt: skip
    no_pair = "no key=value pair: not a logfmt line"
    assert env.rejects() == [
        (2, "line", no_pair, HEROKU[1]),
        (6, "line", no_pair, HEROKU[5]),
        (7, "record", 'duplicate key "status" (a key once per line)', HEROKU[6]),
    ]


def test_a_request_a_drain_delivered_twice_is_skipped_by_its_id(make_env: Any) -> None:
    env = make_env(CONFIG)

    result = env.ingest("heroku", _file(env, "drain.log", [HEROKU[0], HEROKU[3], HEROKU[0]]))

    assert (result.accepted, result.duplicate_rows, result.rejected) == (2, 1, 0)


def test_logrus_lines_need_no_mapping(make_env: Any) -> None:
    env = make_env(CONFIG)

    result = env.ingest("orders", _file(env, "orders.log", LOGRUS))

    assert (result.accepted, result.rejected) == (6, 0)
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 5), "orders", "/api/orders", "u-42", 200, 35.2,
         {"level": "info", "msg": "request done"}),
        (T(2026, 3, 2, 14, 0, 6), "orders", "/api/pay", "u-7", 502, 1500.0,
         {"level": "error", "msg": 'payment provider said "card declined"'}),
        (T(2026, 3, 2, 14, 0, 7), "orders", "/api/items", None, 200, 0.12,
         {"level": "info", "msg": "cache hit"}),
        (T(2026, 3, 2, 14, 0, 8), "orders", "/api/report", "u 9", 200, 123000.0,
         {"level": "warning", "msg": "slow report"}),
        (T(2026, 3, 2, 14, 0, 9), "orders", "/", None, 204, 0.0,
         {"level": "info", "msg": "ok"}),
        (T(2026, 3, 2, 14, 0, 10), "orders", "/x", None, 200, 0.12,
         {"level": "info", "msg": "a backslash \\ and a tab\t"}),
    ]  # fmt: skip


def test_go_kit_loki_and_structlog_lines_take_the_default_names(make_env: Any) -> None:
    env = make_env("sources:\n  app: {format: logfmt, service: app}\n")
    lines = [
        # Loki (go-kit): ts, route, status_code, a duration with its unit.
        "level=info ts=2026-03-02T14:00:05.123456789Z caller=handler.go:42 "
        'component=distributor msg="request" route=api_prom_push status_code=204 '
        "duration=12.5ms",
        # structlog's KeyValueRenderer: Python's repr, single quotes.
        "event='request done' path='/api/x' status=200 duration_ms=12.5 user_id='u-9' "
        "timestamp='2026-03-02T14:00:06.5Z'",
        # A service named on the line; `code` is no status.
        "ts=2026-03-02T14:00:07Z service=checkout path=/pay code=H12 request_time=0.25",
    ]

    result = env.ingest("app", _file(env, "app.log", lines))

    assert (result.accepted, result.rejected) == (3, 0)
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 5, 123456), "app", "api_prom_push", None, 204, 12.5, {}),
        (T(2026, 3, 2, 14, 0, 6, 500000), "app", "/api/x", "u-9", 200, 12.5, {}),
        (T(2026, 3, 2, 14, 0, 7), "checkout", "/pay", None, None, 250.0, {}),
    ]


def test_lines_that_are_not_logfmt_are_rejects_with_their_reason(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [
        'time="2026-03-02T15:00:11+01:00" level=info msg="cut short by a full disk',
        'time="2026-03-02T15:00:12+01:00" level=info msg=say"hi" status=200',
        'time="2026-03-02T15:00:13+01:00" level=info status=200 path=/a status=500',
        'time="2026-03-02T15:00:14+01:00" level=info path=/a status=200 duration=12',
        '{"time": "2026-03-02T15:00:15+01:00", "status": 200}',
        'time="2026-03-02T15:00:16+01:00" user=caf\udce9 status=200',
        'time="2026-03-02T15:00:17+01:00" status=abc',
        "time=yesterday status=200",
        'time="2026-03-02T15:00:19+01:00" duration=-5ms status=200',
        'time="2026-03-02T15:00:20+01:00" level=info the cat and the dog status=200',
    ]
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")

    result = env.ingest("orders", env.write("bad.log", data))

    assert (result.accepted, result.rejected) == (1, 9)
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (1, "line", 'the quoted value of "msg" does not end (a line cut short?)'),
        (2, "line", 'cannot be read as logfmt from "msg=say"hi" status=200": expected '
         'key=value, key="quoted value" (\\" for a quote in it) or a key alone, each after '
         "a space"),
        (3, "record", 'duplicate key "status" (a key once per line)'),
        (4, "duration", '"duration=12" has no unit: write it with one (35ms, 1.5s) or name '
         "the unit of the key with fields: (duration_ms: KEY, or duration_s, duration_us, "
         "duration_ns)"),
        (5, "line", "no key=value pair: not a logfmt line"),
        (6, "record", f"invalid UTF-8: byte 0xE9 at byte 42 of the line; {CONVERT}"),
        (7, "status", 'expected an integer status between 0 and 999, found "abc"'),
        (8, "ts", "expected ISO 8601, epoch seconds or milliseconds, or "
         '10/Oct/2000:13:55:36 -0700, found "yesterday"'),
        (9, "duration", "expected a finite non-negative number, or a duration with its unit "
         'such as 250ms or 1.5s, found "-5ms"'),
    ]  # fmt: skip
    assert env.rejects()[5][3] == 'time="2026-03-02T15:00:16+01:00" user=caf\ufffd status=200'
    # Words alone may repeat: only a key of a pair may not.
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 20), "orders", None, None, 200, None, {"level": "info"})
    ]


# Each pair as a line writes it, and the value read.
VALUES = [
    ("v=plain", "plain"),
    ('v="two words"', "two words"),
    ('v="a \\"quoted\\" value"', 'a "quoted" value'),
    ('v="a\\"b"', 'a"b'),  # no space in it: the line is split, not tokenised
    ('v="back\\\\slash"', "back\\slash"),
    ('v="line\\nbreak and\\ttab"', "line\nbreak and\ttab"),
    ('v="caf\\u00e9 \\U0001F600"', "café 😀"),
    ('v="\\x41\\xe9"', "A\\xe9"),  # \xe9: Go's byte that is not UTF-8, or Python's é
    ("v='single quoted'", "single quoted"),
    ("v='it\\'s'", "it's"),
    ("v=it's", "it's"),
    ('v=""', ""),
    ("v=", ""),
    ("v", "true"),
    ("v=a=b", "a=b"),
    ('v="/x?a=b c"', "/x?a=b c"),
    ("v=café", "café"),
    ('v="tab\tinside"', "tab\tinside"),
    ("\t v=spaced  ", "spaced"),
]


def test_a_value_is_read_as_logfmt_writes_it(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [f"ts=2026-03-02T14:00:{i:02d}Z {pair}" for i, (pair, _) in enumerate(VALUES)]

    result = env.ingest("plain", _file(env, "values.log", lines))

    assert (result.accepted, result.rejected) == (len(VALUES), 0)
    read = env.store.query("SELECT attrs['v'] FROM events ORDER BY ts")
    assert [(pair, value) for (pair, _), (value,) in zip(VALUES, read, strict=True)] == VALUES


# Each line, and the time read from its prefix when no pair holds one.
PREFIXED = [
    ("2026-03-02T14:00:05.123456+00:00 heroku[router]: status=200",
     T(2026, 3, 2, 14, 0, 5, 123456)),
    # A log drain's syslog frame (RFC 5424).
    ("<158>1 2026-03-02T14:01:05Z shop.herokuapp.com heroku router - status=200",
     T(2026, 3, 2, 14, 1, 5)),
    # The CRI runtimes' wrapping of a container's line: nanoseconds to microseconds.
    ("2026-03-02T14:02:00.123456789Z stdout F level=info status=200",
     T(2026, 3, 2, 14, 2, 0, 123456)),
    # Python's logging: local time (Europe/Berlin, UTC+1), a decimal comma.
    ("2026-03-02 15:03:05,250 INFO shop.api: status=200", T(2026, 3, 2, 14, 3, 5, 250000)),
    ("[2026-03-02T15:04:05+01:00] status=200", T(2026, 3, 2, 14, 4, 5)),
    # A pair's time wins over the prefix's.
    ("2026-03-02T14:00:05Z heroku[router]: ts=2026-03-02T14:09:00Z status=200",
     T(2026, 3, 2, 14, 9)),
]  # fmt: skip


def test_the_prefix_time_is_the_event_time_when_no_pair_holds_one(make_env: Any) -> None:
    env = make_env(CONFIG)

    result = env.ingest("plain", _file(env, "prefixed.log", [line for line, _ in PREFIXED]))

    assert (result.accepted, result.rejected) == (len(PREFIXED), 0)
    assert env.events() == [(ts, "api", None, None, 200, None, {}) for _, ts in PREFIXED]


def test_prefix_times_are_checked_as_every_time_is(make_env: Any) -> None:
    env = make_env(CONFIG + "  stamped: {format: logfmt, service: api, fields: {ts: t}}\n")
    lines = [
        "Mar  2 15:00:05 host app[42]: status=200",  # no ISO 8601 time in the prefix
        "2026-03-29 02:30:00 app: status=200",  # a time the clocks skipped in Berlin
        "1969-12-31T23:59:59Z app: status=200",  # before ingest.earliest
    ]

    assert env.ingest("plain", _file(env, "times.log", lines)).rejected == 3
    stamped = env.ingest("stamped", _file(env, "stamped.log", ["2026-03-02T14:00:05Z app: a=1"]))

    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        # fields.ts names the only key the time is read from
        (1, "ts", 'missing: "t" (fields.ts) is absent or empty in the record'),
        (1, "ts", "missing; map the record's time with fields.ts"),
        (2, "ts", 'the local time "2026-03-29 02:30:00" does not exist in Europe/Berlin: the '
         "clocks went forward over it (write the time with its UTC offset, or set the "
         "source's timezone)"),
        (3, "ts", "outside the accepted time range 1970-01-01 to 2200-01-01 "
         '(ingest.earliest / ingest.latest in basics.yaml), found "1969-12-31T23:59:59Z"'),
    ]  # fmt: skip
    assert stamped.rejected == 1


# Each pair, and the milliseconds read from it.
DURATIONS = [
    ("duration=35ms", 35.0),
    ("duration=1.5s", 1500.0),
    ("duration=120µs", 0.12),  # U+00B5, as Go writes it
    ("duration=120μs", 0.12),  # U+03BC
    ("duration=120us", 0.12),
    ("duration=150ns", 0.00015),
    ("duration=2m3s", 123000.0),
    ("duration=1h0m0.5s", 3600500.0),
    ("duration=1.000001s", 1000.001),
    ("duration=0ms", 0.0),
    ("duration=0", 0.0),  # Go writes a zero time.Duration without a unit
    ("took=7ms", 7.0),
    ("latency=250ms", 250.0),
    ("elapsed=3s", 3000.0),
    ("duration_ms=12.5", 12.5),
    ("request_time=0.25", 250.0),
    ("duration_ns=1500", 0.0015),
    ("duration=-", None),
]


def test_a_duration_is_read_in_its_unit(make_env: Any) -> None:
    env = make_env(CONFIG)
    lines = [f"ts=2026-03-02T14:00:{i:02d}Z {pair}" for i, (pair, _) in enumerate(DURATIONS)]

    result = env.ingest("plain", _file(env, "durations.log", lines))

    assert (result.accepted, result.rejected) == (len(DURATIONS), 0)
    read = env.store.query("SELECT duration_ms FROM events ORDER BY ts")
    assert [(pair, ms) for (pair, _), (ms,) in zip(DURATIONS, read, strict=True)] == DURATIONS


@pytest.mark.parametrize(
    ("fields", "pair", "service", "duration_ms"),
    [
        ("{duration_s: elapsed}", "elapsed=0.25", "api", 250.0),
        ("{duration_us: took}", "took=1500", "api", 1.5),
        ("{duration_s: took}", "took=35ms", "api", 35.0),  # the value's unit wins
        # Mapped to the duration, Heroku's `service=` is no longer taken for the service.
        ("{duration_ms: service}", "service=35ms", "api", 35.0),
        ("{}", "service=35ms", "35ms", None),  # unmapped, it is the service
        # Mapped to an attribute, `took` is no duration and needs no unit.
        ("{attrs.took: took}", "took=12", "api", None),
    ],
)
def test_a_mapped_key_is_read_in_its_unit(
    make_env: Any, fields: str, pair: str, service: str, duration_ms: float | None
) -> None:
    env = make_env(f"sources:\n  app: {{format: logfmt, service: api, fields: {fields}}}\n")

    result = env.ingest("app", _file(env, "m.log", [f"ts=2026-03-02T14:00:00Z {pair}"]))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.store.query("SELECT service, duration_ms FROM events") == [(service, duration_ms)]


def test_spaces_and_tabs_between_pairs_read_as_single_spaces(make_env: Any) -> None:
    """A line with one space between its pairs and none in a quoted value is split at its
    spaces; any other is tokenised: the two readings agree."""
    spaced = [line.replace(" ", "  ").replace("  dyno", "\tdyno") + "  " for line in HEROKU]
    single, double = make_env(CONFIG), make_env(CONFIG)

    single.ingest("heroku", _file(single, "a.log", HEROKU))
    double.ingest("heroku", _file(double, "b.log", spaced))

    assert double.events() == single.events()
    assert [r[:3] for r in double.rejects()] == [r[:3] for r in single.rejects()]


def test_lines_read_in_small_chunks_read_the_same(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = CONFIG.replace("    id: request_id\n", "")
    lines = [
        line.replace("14:00:", f"14:{minute:02d}:").replace("15:00:", f"15:{minute:02d}:")
        for minute in range(12)
        for line in HEROKU
    ]
    whole = make_env(config)
    whole.ingest("heroku", _file(whole, "all.log", lines, "\r\n"))
    monkeypatch.setattr(
        staging, "line_chunks", functools.partial(inputs.line_chunks, chunk_bytes=3000)
    )
    chunked = make_env(config)

    result = chunked.ingest("heroku", _file(chunked, "all.log", lines, "\r\n"))

    assert (result.accepted, result.rejected) == (36, 36)
    assert chunked.events() == whole.events()
    assert chunked.rejects() == whole.rejects()
    assert chunked.rejects()[-1][0] == len(lines)


def test_a_key_mapped_to_an_attribute_is_read_as_written(make_env: Any) -> None:
    env = make_env("sources:\n  app: {format: logfmt, service: api, fields: {attrs.took: took}}\n")

    result = env.ingest("app", _file(env, "m.log", ["ts=2026-03-02T14:00:00Z took=12"]))

    assert (result.accepted, result.rejected) == (1, 0)
    assert env.events() == [(T(2026, 3, 2, 14, 0), "api", None, None, None, None, {"took": "12"})]


def test_a_word_with_a_double_quote_after_the_first_pair_is_a_reject(make_env: Any) -> None:
    """An access log line (`/api?a=b` reads as a pair) or stray quoted words are no keys; a
    word of the prefix may hold a quote."""
    env = make_env(CONFIG)
    lines = [
        '203.0.113.7 - - [2026-03-02T14:00:05+00:00] "GET /api?a=b HTTP/1.1" 500 512 "-" "x"',
        'ts=2026-03-02T14:00:07Z level=info msg="a" "stray quoted words" status=200',
        '"prefix" 2026-03-02T14:00:08Z path=/ok',
    ]

    result = env.ingest("plain", _file(env, "q.log", lines))

    assert (result.accepted, result.rejected) == (1, 2)
    assert env.store.query("SELECT ts, operation FROM events") == [(T(2026, 3, 2, 14, 0, 8), "/ok")]
    tail = "): a key alone holds none (a line of another format, or a quote left open?)"
    assert [reject[:3] for reject in env.rejects()] == [
        (1, "line", 'a word after the first pair holds a double quote (HTTP/1.1"' + tail),
        (2, "line", 'a word after the first pair holds a double quote ("stray' + tail),
    ]


def test_none_null_and_nil_unquoted_are_missing_values(make_env: Any) -> None:
    """structlog writes Python's None, Go `<nil>`: no value, as JSON's null; quoted, text."""
    env = make_env(CONFIG)
    lines = [
        "ts=2026-03-02T14:00:01Z path=/a status=None user=null v=<nil> duration_ms=None",
        'ts=2026-03-02T14:00:02Z path=/b status=200 user="None" v="<nil>"',
    ]

    result = env.ingest("plain", _file(env, "n.log", lines))

    assert (result.accepted, result.rejected) == (2, 0)
    assert env.events() == [
        (T(2026, 3, 2, 14, 0, 1), "api", "/a", None, None, None, {}),
        (T(2026, 3, 2, 14, 0, 2), "api", "/b", "None", 200, None, {"v": "<nil>"}),
    ]


def test_a_key_twice_among_many_pairs_is_found(make_env: Any) -> None:
    """Found by sorting the keys, not by a search of the line for each (50,000 pairs)."""
    env = make_env(CONFIG)
    pairs = " ".join(f"k{i}=1" for i in range(50_000))
    line = f"ts=2026-03-02T14:00:01Z {pairs} k7=2"

    env.ingest("plain", _file(env, "d.log", [line]))

    assert [reject[1:3] for reject in env.rejects()] == [
        ("record", 'duplicate key "k7" (a key once per line)')
    ]
