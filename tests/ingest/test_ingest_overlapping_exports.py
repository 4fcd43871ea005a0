"""Exports of overlapping time windows (Datadog, CloudWatch, Splunk: 10:00–11:30, then
11:00–12:30): `skip_overlap` keeps only the records not stored yet, one for one; a source
that declares `id:` after its first batches, or a second source of the same records, is
still compared (its ids cannot find records stored without them), never double-counted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basics.core.errors import ConflictError

CONFIG = """
sources:
  export:
    format: jsonl
    service: web
  {id_line}
  other:
    format: jsonl
    service: web
    id: request_id
services:
  web:
    slos:
      availability: {{objective: 99, good: status < 500}}
"""


def line(minute: int, status: int = 200, rid: str | None = None) -> str:
    record: dict[str, Any] = {"ts": f"2026-03-02T10:{minute:02d}:00Z", "status": status}
    if rid is not None:
        record["request_id"] = rid
    return json.dumps(record) + "\n"


# The first export: minutes 0–4 (one 500 at minute 3); the second: minutes 3–7, the same
# records at 3 and 4, and a record at minute 5 twice (two requests, both new).
FIRST = "".join(line(m, 500 if m == 3 else 200, f"r{m}") for m in range(5))
SECOND = "".join(line(m, 500 if m == 3 else 200, f"r{m}") for m in range(3, 8))
SECOND += line(5, 200, "r5b")


def config(with_id: bool = False) -> str:
    return CONFIG.format(id_line="  id: request_id" if with_id else "").replace("\n  \n", "\n")


def test_skip_overlap_keeps_only_the_records_not_stored_yet(make_env: Any) -> None:
    env = make_env(config())
    env.ingest("export", env.write("a.jsonl", FIRST))
    with pytest.raises(ConflictError, match="pass --skip-overlap"):
        env.ingest("export", env.write("b.jsonl", SECOND))

    result = env.ingest("export", env.write("b.jsonl", SECOND), skip_overlap=True)

    # 6 read, 2 (minutes 3 and 4) stored already: 4 new, minute 5's two among them.
    assert (result.accepted, result.overlap_rows, result.rejected) == (4, 2, 0)
    assert env.store.scalar("SELECT count(*) FROM events") == 9
    assert env.store.query(
        "SELECT sum(total), sum(total - good) FROM slo_minute WHERE slo = 'web/availability'"
    ) == [(9, 1)]


def test_skip_overlap_matches_one_for_one(make_env: Any) -> None:
    """Two identical records stored; the export holds three: one of them is new."""
    env = make_env(config())
    env.ingest("export", env.write("a.jsonl", line(1) * 2))

    result = env.ingest("export", env.write("b.jsonl", line(0) + line(1) * 3), skip_overlap=True)

    assert (result.accepted, result.overlap_rows) == (2, 2)
    assert env.store.scalar("SELECT count(*) FROM events") == 4


def test_an_id_declared_after_the_first_batch_does_not_double_count(make_env: Any) -> None:
    env = make_env(config())
    env.ingest("export", env.write("a.jsonl", FIRST))  # stored without record ids
    env.reconfigure(config(with_id=True))

    with pytest.raises(ConflictError, match=r"stored without this source's ids") as refused:
        env.ingest("export", env.write("b.jsonl", SECOND))
    assert "declare the source's record id" not in str(refused.value)
    result = env.ingest("export", env.write("b.jsonl", SECOND), skip_overlap=True)

    assert (result.accepted, result.overlap_rows) == (4, 2)
    assert env.store.scalar("SELECT count(*) FROM events") == 9


def test_the_same_records_through_a_second_source_with_ids_are_refused(make_env: Any) -> None:
    env = make_env(config(with_id=True))
    env.ingest("export", env.write("a.jsonl", FIRST))

    with pytest.raises(ConflictError, match="5 of its 5 events are identical"):
        env.ingest("other", env.write("a-again.jsonl", FIRST + "\n"))
    assert env.store.scalar("SELECT count(*) FROM events") == 5


def test_exports_joined_with_cat_say_what_they_repeat(make_env: Any) -> None:
    """`cat a.csv b.csv`: the second header is a reject, and the records the two exports
    share are said (they are stored: two identical requests can be distinct)."""
    env = make_env(
        "sources:\n  export:\n    format: csv\n    service: web\n"
        "services:\n  web:\n    slos:\n      availability: {objective: 99, good: status < 500}\n"
    )
    header = "ts,status\n"
    first = header + "".join(f"2026-03-02T10:0{m}:00Z,200\n" for m in range(5))
    second = header + "".join(f"2026-03-02T10:0{m}:00Z,200\n" for m in range(3, 8))

    result = env.ingest("export", env.write("joined.csv", first + second))

    assert (result.accepted, result.rejected, result.joined_repeats) == (10, 1, 2)
    alone = env.ingest("export", env.write("alone.csv", header + "2026-03-02T11:00:00Z,200\n"))
    assert alone.joined_repeats == 0


def test_two_requests_of_identical_content_with_their_ids_are_both_stored(
    make_env: Any,
) -> None:
    """An id source's records are compared by id with its own: a request of the content of
    one stored earlier, but its own id, is a new record (declaring `id:` is the way to say
    so), never refused nor skipped as an overlap."""
    env = make_env(config(with_id=True))
    env.ingest("export", env.write("a.jsonl", line(1, rid="a1") + line(2, rid="a2")))

    result = env.ingest("export", env.write("b.jsonl", line(1, rid="b1") + line(2, rid="a2")))
    skipped = env.ingest("export", env.write("c.jsonl", line(1, rid="c1")), skip_overlap=True)

    assert (result.accepted, result.duplicate_rows, result.overlap_rows) == (1, 1, 0)
    assert (skipped.accepted, skipped.overlap_rows) == (1, 0)
    assert env.store.scalar("SELECT count(*) FROM events") == 4


def test_skip_overlap_counts_a_bad_line_both_exports_hold_once(make_env: Any) -> None:
    """The second export repeats the first's bad line (rejected already, in batch 1): it is
    not counted again; a bad line of its own is, and so is a second copy of the repeated
    one (one for one, as records are)."""
    env = make_env(config())
    bad = '{"ts": "2026-03-02T10:04:30Z", "status": "five hundred"}\n'
    env.ingest("export", env.write("a.jsonl", FIRST + bad))
    second = SECOND + bad + bad + "not json\n"

    result = env.ingest("export", env.write("b.jsonl", second), skip_overlap=True)

    assert (result.accepted, result.overlap_rows) == (4, 2)
    assert (result.rejected, result.overlap_rejects) == (2, 1)
    assert env.store.query("SELECT batch_id, line, field FROM rejects ORDER BY batch_id, line") == [
        (1, 6, "status"),
        (2, 8, "status"),
        (2, 9, "record"),
    ]  # line 7 was the repeat
    assert env.store.scalar("SELECT rejected FROM batches WHERE id = 2") == 2
    # The batch keeps what it left out: its 9 lines are 4 stored, 2 rejected, 2 records and
    # 1 bad line left out as stored or rejected already.
    from basics.ingest.batches import list_batches

    listed = {b.id: b for b in list_batches(env.store)}
    assert (listed[2].accepted, listed[2].rejected) == (4, 2)
    assert (listed[2].overlap_rows, listed[2].overlap_rejects) == (2, 1)
    assert (listed[1].overlap_rows, listed[1].overlap_rejects) == (0, 0)


def test_skip_overlap_keeps_the_bad_lines_of_an_export_of_other_times(make_env: Any) -> None:
    """The same bad line in an export of other minutes is that export's own: counted."""
    env = make_env(config())
    env.ingest("export", env.write("a.jsonl", FIRST + "-\n"))
    later = "".join(line(m) for m in range(30, 33)) + "-\n"

    result = env.ingest("export", env.write("b.jsonl", later), skip_overlap=True)

    assert (result.accepted, result.rejected, result.overlap_rejects) == (3, 1, 0)


def _minutes(first: int, stop: int, header: str = "") -> str:
    """Records of seconds `first` to `stop - 1` after 10:00, one 500 in ten."""
    return header + "".join(
        f"2026-03-02T10:{i // 60:02d}:{i % 60:02d}Z,{500 if i % 10 == 0 else 200}\n"
        for i in range(first, stop)
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_joined_after_one_stored_are_no_grown_file(make_env: Any, fmt: str) -> None:
    """`cat e1 e2 > all` where e1 was ingested: all starts with e1's bytes, so it was read
    as e1 grown, and the 50 records e2 repeats of e1 were stored again (200 events for 150
    records, exit 0): the earlier part's batches were exempt from the overlap check."""
    env = make_env(
        f"sources:\n  export:\n    format: {fmt}\n    service: web\n"
        "services:\n  web:\n    slos:\n      availability: {objective: 99, good: status < 500}\n"
    )

    def text(first: int, stop: int) -> str:
        if fmt == "csv":
            return _minutes(first, stop, "ts,status\n")
        rows = _minutes(first, stop).splitlines()
        return "".join(
            json.dumps({"ts": ts, "status": int(status)}) + "\n"
            for ts, status in (row.split(",") for row in rows)
        )

    env.ingest("export", env.write("e1", text(0, 100)))
    joined = env.write("all", text(0, 100) + text(50, 150))

    with pytest.raises(ConflictError, match="50 of its 100 events are identical"):
        env.ingest("export", joined)
    skipped = env.ingest("export", joined, skip_overlap=True)

    assert (skipped.accepted, skipped.overlap_rows) == (50, 50)
    assert env.store.query("SELECT count(*), count(*) FILTER (WHERE status >= 500) FROM events")[
        0
    ] == (150, 15)


def test_a_grown_log_repeating_a_few_lines_of_its_last_batch_is_still_grown(
    make_env: Any,
) -> None:
    """A log that writes the same line again (a health check twice in one second) across
    a batch's end is a log grown, not a join: its new lines are stored, none refused."""
    env = make_env(
        "sources:\n  log:\n    format: jsonl\n    service: web\n"
        "services:\n  web:\n    slos:\n      availability: {objective: 99, good: status < 500}\n"
    )
    check = '{"ts": "2026-03-02T10:00:00Z", "status": 200, "operation": "/health"}\n'
    path = env.write("app.log", check * 3)
    env.ingest("log", path)
    with open(path, "a") as log:
        log.write(check * 3 + '{"ts": "2026-03-02T10:00:01Z", "status": 500}\n')
        # Twenty more new lines: a continuation of ten lines or more was compared with
        # itself, and refused (or its repeats dropped with --skip-overlap).
        log.write(
            "".join(f'{{"ts": "2026-03-02T10:01:{s:02d}Z", "status": 200}}\n' for s in range(20))
        )

    grown = env.ingest("log", path)

    assert (grown.accepted, grown.overlap_rows) == (24, 0)
    assert env.store.query("SELECT count(*) FROM events") == [(27,)]
    with open(path, "a") as log:
        log.write(
            check * 3 + "".join(f'{{"ts": "2026-03-02T10:02:{s:02d}Z"}}\n' for s in range(20))
        )
    skipping = env.ingest("log", path, skip_overlap=True)
    assert (skipping.accepted, skipping.overlap_rows) == (23, 0)
