"""The JSON-lines fast path stores exactly what the row reader would, and no more.

Each corpus is ingested twice into real stores, once as usual and once with the fast path
switched off; the events, rejects and counts must be identical. The corpora put wrong
types, odd times, duplicate and extra keys, nested objects, escapes and blank lines into
the same shape of record, so the fast path meets them and must hand each to the row reader.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pytest

from basics.ingest import inputs, jsonl_fast, staging

BASE = {
    "ts": "2026-03-29T00:30:00.123456Z",
    "service": "checkout",
    "operation": "/pay",
    "user": "u-1",
    "status": 200,
    "duration_ms": 12.5,
    "region": "eu",
    "version": "v1",
}

VALUES: dict[str, list[Any]] = {
    "ts": [
        "2026-03-29T00:30:00Z",
        "2026-03-29T00:30:00z",
        "2026-03-29T02:30:00+02:00",
        "2026-03-29T02:30:00+0200",
        "2026-03-29T02:30:00+02",
        "2026-03-29 00:30:00 UTC",
        "2026-03-29T00:30:00 Z",
        "2026-03-29 02:30:00 +02:00",
        "2026-03-29 00:30:00 -0000",
        "2026-03-29 02:30:00,5 +02:00",
        "2026-03-29T00:30:00.123456789Z",
        "2026-03-29T00:30Z",
        " 2026-03-29T00:30:00Z",
        "2026-03-29T00:30:00",
        "2026-03-29",
        "29/Mar/2026:00:30:00 +0000",
        "2026-03-29T24:00:00Z",
        "2026-03-29T00:30:00+25:00",
        "2026-02-30T00:30:00Z",
        "9999-12-31T00:00:00Z",
        "1969-12-31T23:59:59Z",
        1774744200,
        1774744200123,
        1774744200.25,
        1774744200123456,
        "1774744200123456000",
        99999999999,
        1e30,
        -5,
        "yesterday",
        "",
        None,
        True,
        ["2026-03-29T00:30:00Z"],
        {"at": "2026-03-29T00:30:00Z"},
    ],
    "service": ["", None, 7, True, ["a"], {"name": "x"}, "[not a list", "{not an object", 'a"b'],
    "operation": ["", None, "/a[1]", "/b{x}", "/c:{y}", "d: [z", ["/a"], 3.5, "caf\u00e9", "\\"],
    "user": ["-", "", None, 12345, 1e2, False, {"id": 1}, "[abc", "u\tx"],
    "status": ["200", " 503 ", 2.5, "abc", 1000, -1, 0, 999, True, None, {"a": 1}, [200], 1e2],
    "duration_ms": [
        0,
        "80",
        -3,
        "fast",
        1e308,
        None,
        [1],
        "1e3",
        " 7 ",
        float("1.5"),
        "1.5ms",
        "250\u00b5s",
        "0.123456s",
        "1m2.5s",
        "12 ms",
        "1ms ",
        "-1s",
        "1.5 parsecs",
        "1e3ms",
        "ms",
        "28, 30",
        "0.028 : 0.030",
        "1,",
    ],
    "region": [None, 7, True, "", ["eu"], {"x": "y"}, "e\u00fc"],
    "version": [None, "v2"],
}

EXTRA_LINES = [
    "",
    "   ",
    "\t",
    "{not json}",
    "[1, 2]",
    '"a string"',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "service": "b"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "host": 1, "host": 2}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "attrs": {"k": "v", "k": "w"}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "attrs": {"k": "v", "n": 1, "b": true}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "attrs": {"k": {"deep": 1}}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "attrs": "k=v"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": {"name": "svc"}}',
    '{"ts": "2026-03-29T00:30:00Z", "service.name": "dotted"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "http": {"route": "/r"}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "http": {"route": "/r", "route": "/s"}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "extra": {"nested": [1, 2]}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "region":\t{"x": "y"}}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "region" :  ["eu"], "user": "u:{v}"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "user": "u: {v}", "version": "v[2]"}',
    '\t{"ts": "2026-03-29T00:30:00Z", "service": "tabbed"}',
    '{"service": "a", "ts": "2026-03-29T00:30:00Z"}',
    '{"ts":"2026-03-29T00:30:00Z","service":"compact","user":"c"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "latency_ms": 5, "duration_s": 1}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "request_time": 0.25}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "customer_id": "c", "user": "u"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a", "user": "\\u0041\\"q"}',
    '{"ts": "2026-03-29T00:30:00Z", "service": "a"',
]

SOURCE = """
sources:
  api:
    format: jsonl
    fields: {attrs.region: region, attrs.version: version}
"""


def corpus() -> list[str]:
    """The base record with one value changed at a time, in the same key order, many
    copies of the base among them, and the extra lines spread through."""
    lines = []
    for key, values in VALUES.items():
        for value in values:
            record = dict(BASE, **{key: value})
            lines.append(json.dumps(record, ensure_ascii=False))
            lines.append(json.dumps(BASE))
            lines.append(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        copy = {k: v for k, v in BASE.items() if k != key}
        lines.append(json.dumps(copy))
    step = max(1, len(lines) // len(EXTRA_LINES))
    for index, extra in enumerate(EXTRA_LINES):
        lines.insert(index * step + 1, extra)
    return lines


def _ingest_both(
    make_env: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    yaml_text: str,
    text: str,
    chunk_bytes: int,
) -> tuple[Any, Any, int]:
    """The corpus ingested with and without the fast path; also how many lines it stored."""
    monkeypatch.setattr(
        staging, "line_chunks", functools.partial(inputs.line_chunks, chunk_bytes=chunk_bytes)
    )
    monkeypatch.setattr(jsonl_fast, "SKIP_CHUNKS", 0)  # every chunk meets the fast path
    stored: list[int] = []
    load = jsonl_fast.FastJsonl.load

    def counting(self: jsonl_fast.FastJsonl, *args: Any) -> Any:
        count, left = load(self, *args)
        stored.append(count)
        return count, left

    monkeypatch.setattr(jsonl_fast.FastJsonl, "load", counting)
    fast_env = make_env(yaml_text)
    fast = fast_env.ingest("api", fast_env.write("events.jsonl", text))
    monkeypatch.setattr(staging, "fast_path", lambda *args: None)
    slow_env = make_env(yaml_text)
    slow = slow_env.ingest("api", slow_env.write("events.jsonl", text))
    for env, result in ((fast_env, fast), (slow_env, slow)):
        env.result = result
    return fast_env, slow_env, sum(stored)


def _same(fast_env: Any, slow_env: Any) -> None:
    # Sorted whole (the store's order of rows that tie on time and service is arbitrary).
    assert sorted(map(repr, fast_env.events())) == sorted(map(repr, slow_env.events()))
    assert fast_env.rejects() == slow_env.rejects()
    counted = ("accepted", "rejected", "local_time_rows", "repeated_hour_rows", "ahead_rows")
    assert [getattr(fast_env.result, name) for name in counted] == [
        getattr(slow_env.result, name) for name in counted
    ]


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 4096])
def test_the_fast_path_stores_what_the_row_reader_would(
    make_env: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    text = "\n".join(corpus()) + "\n"

    fast_env, slow_env, stored = _ingest_both(make_env, monkeypatch, SOURCE, text, chunk_bytes)

    _same(fast_env, slow_env)
    # The fast path took a good part, and the row reader the rest.
    assert fast_env.result.rejected > 50
    assert stored > fast_env.result.accepted // 2


def test_a_fixed_service_and_attribute_names_that_need_binding(
    make_env: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    yaml_text = """
    timezone: Europe/London
    sources:
      api:
        format: jsonl
        service: fixed
        fields: {"attrs.it's": region, attrs.v: version, user: customer}
    """
    lines = corpus() + [line.replace('"user"', '"customer"') for line in corpus()]

    fast_env, slow_env, stored = _ingest_both(
        make_env, monkeypatch, yaml_text, "\n".join(lines), 1 << 20
    )

    _same(fast_env, slow_env)
    assert fast_env.result.local_time_rows > 0
    assert stored > 0


def test_a_clean_file_is_stored_by_the_fast_path_alone(
    make_env: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [json.dumps(dict(BASE, user=f"u-{i}")) for i in range(2000)]
    leftovers: list[int] = []
    load = jsonl_fast.FastJsonl.load

    def spying(self: jsonl_fast.FastJsonl, *args: Any) -> Any:
        count, left = load(self, *args)
        leftovers.append(left.num_rows)
        return count, left

    monkeypatch.setattr(jsonl_fast.FastJsonl, "load", spying)
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", "\n".join(lines) + "\n\n"))

    assert (result.accepted, result.rejected) == (2000, 0)
    assert leftovers == [0]
    assert env.store.query(
        "SELECT count(DISTINCT user_id), min(attrs), max(status) FROM events"
    ) == [(2000, {"region": "eu", "version": "v1"}, 200)]


def test_after_a_chunk_it_cannot_take_the_fast_path_steps_aside(
    make_env: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Local times: the row reader must count them, so the fast path stores none.
    monkeypatch.setattr(
        staging, "line_chunks", functools.partial(inputs.line_chunks, chunk_bytes=4096)
    )
    local = dict(BASE, ts="2026-03-29T00:30:00")
    lines = [json.dumps(dict(local, user=f"u-{i}")) for i in range(1000)]
    tried: list[int] = []
    shapes_of = jsonl_fast.shapes_of

    def counting(lines: Any) -> Any:
        tried.append(1)
        return shapes_of(lines)

    monkeypatch.setattr(jsonl_fast, "shapes_of", counting)
    calls: list[int] = []
    load = jsonl_fast.FastJsonl.load

    def spying(self: jsonl_fast.FastJsonl, *args: Any) -> Any:
        count, left = load(self, *args)
        calls.append(count)
        return count, left

    monkeypatch.setattr(jsonl_fast.FastJsonl, "load", spying)
    env = make_env(SOURCE)

    result = env.ingest("api", env.write("events.jsonl", "\n".join(lines) + "\n"))

    assert (result.accepted, result.rejected, result.local_time_rows) == (1000, 0, 1000)
    assert len(calls) > 2 * (jsonl_fast.SKIP_CHUNKS + 1)
    assert set(calls) == {0}
    # The fast path tried the first chunk of every 16 and left the others alone.
    every = jsonl_fast.SKIP_CHUNKS + 1
    assert len(tried) == (len(calls) + every - 1) // every
