"""The W3C extended log format end to end: IIS (spaces, milliseconds, a header block
written again at each restart) and CloudFront (tabs, seconds), counted by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError

IIS_SOURCE = """
timezone: Europe/London
sources:
  iis: {format: w3c, service: shop}
"""
IIS_FIELDS = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken"
)
IIS = (
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Version: 1.0\r\n"
    "#Date: 2026-03-02 14:00:00\r\n"
    f"{IIS_FIELDS}\r\n"
    "2026-03-02 14:00:00 10.0.0.4 GET /api/orders page=0 443 CONTOSO\\alice 203.0.113.9 "
    "Mozilla/5.0+(Windows+NT+10.0) 503 0 0 300\r\n"
    "2026-03-02 14:00:01 10.0.0.4 POST /api/orders - 443 - 203.0.113.1 - 200 0 64 12\r\n"
    "2026-03-02 14:00:02 10.0.0.4 GET /health - 443 - 203.0.113.2 curl/8.0 200 0 0\r\n"
    # The pool recycled: a new header block, its fields in another order.
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Version: 1.0\r\n"
    "#Fields: date time cs-method cs-uri-stem sc-status time-taken c-ip\r\n"
    "2026-03-02 14:05:00 GET /api/cart 404 7 198.51.100.7\r\n"
)


def test_iis_fields_are_read_by_the_fields_directive_above_them(make_env: Any) -> None:
    env = make_env(IIS_SOURCE)

    result = env.ingest("iis", env.write("u_ex260302.log", IIS))

    assert (result.accepted, result.rejected) == (3, 1)
    # W3C times are UTC whatever the source's zone: none is read as local time.
    assert result.local_time_rows == 0
    assert env.events() == [
        (dt.datetime(2026, 3, 2, 14, 0), "shop", "/api/orders", "CONTOSO\\alice", 503, 300.0,
         {"method": "GET", "client": "203.0.113.9", "user_agent": "Mozilla/5.0+(Windows+NT+10.0)"}),
        # `-` is no value: no user, no user agent.
        (dt.datetime(2026, 3, 2, 14, 0, 1), "shop", "/api/orders", None, 200, 12.0,
         {"method": "POST", "client": "203.0.113.1"}),
        (dt.datetime(2026, 3, 2, 14, 5), "shop", "/api/cart", None, 404, 7.0,
         {"method": "GET", "client": "198.51.100.7"}),
    ]  # fmt: skip
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (7, "record", "expected 14 fields as #Fields names them, found 13")
    ]


CLOUDFRONT_SOURCE = """
sources:
  cdn:
    format: w3c
    service: shop
    id: x-edge-request-id
    fields: {attrs.result: x-edge-result-type}
"""
CLOUDFRONT_FIELDS = (
    "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(User-Agent) x-edge-result-type x-edge-request-id x-host-header time-taken"
)


def _cloudfront_line(second: int, status: str, taken: str, request_id: str) -> str:
    cells = ["2026-03-02", f"14:00:{second:02d}", "LAX50-P1", "392", "192.0.2.1", "GET",
             "d111.cloudfront.net", "/index.html", status, "Mozilla/5.0%20(X11)", "Hit",
             request_id, "shop.example.com", taken]  # fmt: skip
    return "\t".join(cells) + "\n"


def test_cloudfront_reads_tabs_seconds_and_mapped_fields(make_env: Any) -> None:
    env = make_env(CLOUDFRONT_SOURCE)
    text = (
        "#Version: 1.0\n"
        + CLOUDFRONT_FIELDS
        + "\n"
        + _cloudfront_line(0, "200", "0.250", "r1")
        + _cloudfront_line(1, "000", "0.001", "r2")  # the viewer closed the connection
        + _cloudfront_line(2, "502", "1.5", "r3")
        + _cloudfront_line(2, "502", "1.5", "r3")  # delivered twice: one id
    )

    result = env.ingest("cdn", env.write("E2EXAMPLE.2026-03-02-14.a1b2.gz", text, gz=True))

    assert (result.accepted, result.rejected, result.duplicate_rows) == (3, 0, 1)
    cells = {"method": "GET", "client": "192.0.2.1", "user_agent": "Mozilla/5.0%20(X11)",
             "host": "d111.cloudfront.net", "result": "Hit"}  # fmt: skip
    assert env.events() == [
        (dt.datetime(2026, 3, 2, 14, 0), "shop", "/index.html", None, 200, 250.0, cells),
        (dt.datetime(2026, 3, 2, 14, 0, 1), "shop", "/index.html", None, 0, 1.0, cells),
        (dt.datetime(2026, 3, 2, 14, 0, 2), "shop", "/index.html", None, 502, 1500.0, cells),
    ]


def test_a_line_above_any_fields_directive_and_a_nul_tail_are_rejects(make_env: Any) -> None:
    env = make_env(IIS_SOURCE)
    text = (
        "2026-03-02 13:59:59 GET /cut 200 1\n"
        + "#Fields: date time cs-method cs-uri-stem sc-status time-taken\n"
        + "2026-03-02 14:00:00 GET /a 200 1\n"
        + "\x00" * 40
        + "\n"
    )

    result = env.ingest("iis", env.write("part.log", text))

    assert (result.accepted, result.rejected) == (1, 2)
    assert [(line, reason) for line, _, reason, _ in env.rejects()] == [
        (1, "no #Fields: directive above this line names its fields (the log's header is "
            "missing: a part cut from a file?)"),
        (4, "NUL bytes in the line (IIS pads a log it is still writing with them: ingest it "
            "once it is closed)"),
    ]  # fmt: skip


def test_lines_appended_below_the_fields_directive_are_read_by_it(make_env: Any) -> None:
    """A growing IIS log read again: the new batch starts below the `#Fields:` line, which
    it reads first, and numbers its lines as in the file."""
    env = make_env(IIS_SOURCE)
    head = "#Version: 1.0\n#Fields: date time cs-method cs-uri-stem sc-status time-taken\n"
    path = env.write("u_ex260302.log", head + "2026-03-02 14:00:00 GET /a 200 1\n")
    env.ingest("iis", path)
    with path.open("a", encoding="utf-8") as log:
        log.write("2026-03-02 14:00:01 GET /b 500 2\n2026-03-02 14:00:02 GET /c 200 x\n")

    appended = env.ingest("iis", path)

    assert (appended.continues, appended.accepted, appended.rejected) == (1, 1, 1)
    assert [(e[2], e[4], e[5]) for e in env.events()] == [("/a", 200, 1.0), ("/b", 500, 2.0)]
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(5, "duration")]


def test_request_time_unit_says_what_time_taken_counts(make_env: Any) -> None:
    env = make_env("sources:\n  lb: {format: w3c, service: shop, request_time_unit: s}\n")
    text = "#Fields: date time cs-uri-stem sc-status time-taken\n2026-03-02 14:00:00 /a 200 0.5\n"

    env.ingest("lb", env.write("lb.log", text))

    assert [e[5] for e in env.events()] == [500.0]


def test_a_log_cut_inside_a_directive_goes_on_when_it_grows(make_env: Any) -> None:
    """IIS caught writing its header block: the piece `#Software: Micro` was no record, so
    there is nothing to take back when the file goes on (it was refused, saying the piece
    had been stored)."""
    env = make_env(IIS_SOURCE)
    head = "#Fields: date time cs-uri-stem sc-status time-taken\n2026-03-02 14:00:00 /a 200 1\n"
    path = env.write("u_ex260302.log", head + "#Software: Micro")
    env.ingest("iis", path)
    with path.open("a", encoding="utf-8") as log:
        log.write("soft Internet Information Services 10.0\n2026-03-02 14:00:01 /b 500 2\n")

    grown = env.ingest("iis", path)

    assert (grown.continues, grown.reread_line, grown.accepted, grown.rejected) == (1, None, 1, 0)
    assert [(e[2], e[4]) for e in env.events()] == [("/a", 200), ("/b", 500)]


def test_the_fields_directive_above_an_offset_is_found_reading_backwards(tmp_path: Any) -> None:
    """The last whole `#Fields:` line before a batch's end, across blocks of a megabyte and
    with the second directive placed across a block boundary; one cut by the end is not."""
    from basics.ingest.w3c import last_fields_directive

    first, second = b"#Fields: a b\n", b"#Fields: c d\n"
    row = b"2026-03-02 14:00:00 /a 200 1\n"
    filler = row * ((1 << 20) // len(row) + 7)
    log = tmp_path / "u_ex.log"
    log.write_bytes(first + filler + second + filler)
    at = len(first) + len(filler)  # where the second directive starts

    found = {end: last_fields_directive(str(log), end) for end in (5, 13, at, at + 5, at + 13)}

    assert found == {5: b"", 13: first, at: first, at + 5: first, at + 13: second}
    assert last_fields_directive(str(log), log.stat().st_size) == second


def test_a_field_read_named_twice_makes_the_lines_below_rejects(make_env: Any) -> None:
    """`sc-status sc-status` took the last without a word; a field not read may repeat."""
    env = make_env("sources:\n  iis: {format: w3c, service: shop}\n")
    text = (
        "#Fields: date time cs-uri-stem sc-status sc-status time-taken\n"
        "2026-12-01 10:00:00 /a 200 500 5\n"
        "#Fields: date time cs-uri-stem sc-status s-port s-port\n"
        "2026-12-01 10:00:01 /b 200 443 443\n"
    )

    result = env.ingest("iis", env.write("twice.log", text))

    assert (result.accepted, result.rejected) == (1, 1)
    assert [(e[2], e[4]) for e in env.events()] == [("/b", 200)]
    assert [(line, field, reason) for line, field, reason, _ in env.rejects()] == [
        (2, "record", "#Fields: at line 1 names sc-status twice (fields 4 and 5): which of the "
         "two values was meant is not ours to guess"),
    ]  # fmt: skip


def test_a_timezone_without_fields_ts_is_refused_at_its_source(tmp_path: Any) -> None:
    """W3C times are UTC by definition: a `timezone:` was accepted and did nothing."""
    with pytest.raises(ConfigError) as refused:
        parse_config(
            "sources:\n  iis:\n    format: w3c\n    timezone: Europe/Paris\n",
            tmp_path / "basics.yaml",
        )
    assert str(refused.value) == (
        "basics.yaml:2: sources.iis: timezone: a w3c source's date and time "
        "fields are UTC, as the format defines them: no local time to read in a zone; map "
        "fields.ts to a field of your own to read another"
    )
    mapped = "sources:\n  iis:\n    format: w3c\n    timezone: Europe/Paris\n"
    assert parse_config(mapped + "    fields: {ts: x-time}\n", tmp_path / "b.yaml")


def test_a_byte_order_mark_starting_a_line_is_a_reject_but_a_directive_holds(
    make_env: Any,
) -> None:
    """Logs joined with `cat`, each with its BOM: the next log's directives are read (its
    `#Fields:` changes the order here), a record so marked is a reject that says so."""
    env = make_env("sources:\n  iis: {format: w3c, service: shop}\n")
    text = (
        "#Fields: date time cs-uri-stem sc-status\n"
        "2026-12-01 10:00:00 /a 200\n"
        "\ufeff#Fields: date time sc-status cs-uri-stem\n"
        "2026-12-01 10:00:01 503 /b\n"
        "\ufeff2026-12-01 10:00:02 200 /c\n"
    )

    result = env.ingest("iis", env.write("joined.log", text))

    assert (result.accepted, result.rejected) == (2, 1)
    assert [(e[2], e[4]) for e in env.events()] == [("/a", 200), ("/b", 503)]
    assert env.rejects() == [
        (5, "record", "a byte-order mark (U+FEFF) starts the line (files joined with cat, each "
         "with its BOM?)", "\ufeff2026-12-01 10:00:02 200 /c"),
    ]  # fmt: skip
