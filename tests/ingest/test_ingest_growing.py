"""Files that grow, are rotated, or repeat records already stored: never counted twice."""

from __future__ import annotations

import json
from typing import Any

import pytest

from basics.core.errors import ConflictError
from basics.ingest.batches import undo_batch

CONFIG = """
sources:
  api: {format: jsonl, service: api}
  other: {format: jsonl, service: api}
  table: {format: csv, service: api}
  keyed: {format: jsonl, service: api, id: request_id}
services:
  api:
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
"""


def _line(second: int, status: int = 200, **extra: Any) -> str:
    record = {"ts": f"2026-03-02T10:{second // 60:02d}:{second % 60:02d}Z", "status": status}
    return json.dumps(record | extra) + "\n"


def _lines(first: int, count: int) -> str:
    return "".join(
        _line(second, 500 if second % 3 == 0 else 200) for second in range(first, first + count)
    )


def _stored(env: Any) -> int:
    return int(env.store.scalar("SELECT count(*) FROM events"))


def test_a_grown_file_ingests_only_what_was_appended(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("access.jsonl", _lines(0, 3))
    first = env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(3, 2) + "not json\n")

    grown = env.ingest("api", path)
    again = env.ingest("api", path)

    assert (first.batch_id, first.accepted) == (1, 3)
    assert (grown.status, grown.batch_id, grown.accepted, grown.rejected) == ("applied", 2, 2, 1)
    assert (grown.continues, grown.first_line) == (1, 4)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(6, "record")]
    assert (again.status, again.duplicate_of) == ("duplicate", 2)
    assert _stored(env) == 5
    assert env.store.query(
        "SELECT id, start_offset, first_line, end_line FROM batches ORDER BY id"
    ) == [(1, 0, 1, 3), (2, path.stat().st_size - 2 * len(_line(3)) - 9, 4, 6)]
    minutes = env.slo_minutes("api/availability")
    assert sum(total for total, _ in minutes.values()) == 5


def test_a_rotated_file_is_read_from_where_its_old_name_stopped(make_env: Any) -> None:
    env = make_env(CONFIG)
    log = env.write("access.jsonl", _lines(0, 4))
    env.ingest("api", log)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(_lines(4, 3))  # written after the last ingest, before the rotation
    rotated = log.rename(env.root / "access.jsonl.1")
    env.write("access.jsonl", _lines(7, 2))

    tail = env.ingest("api", rotated)
    fresh = env.ingest("api", env.root / "access.jsonl")

    assert (tail.accepted, tail.continues, tail.first_line) == (3, 1, 5)
    assert (fresh.accepted, fresh.continues) == (2, None)
    assert _stored(env) == 9


def test_a_new_file_under_a_rotated_name_goes_on_growing_past_the_old_one(
    make_env: Any,
) -> None:
    env = make_env(CONFIG)
    log = env.write("access.jsonl", _lines(0, 10))
    env.ingest("api", log)
    log.rename(env.root / "access.jsonl.1")
    log = env.write("access.jsonl", _lines(10, 5))
    started = env.ingest("api", log)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(_lines(15, 10))  # now longer than the old file's batch

    grown = env.ingest("api", log)

    # It continues its own first batch, though the old file's ends further into it.
    assert (grown.status, grown.continues, grown.first_line, grown.accepted) == (
        "applied", started.batch_id, 6, 10,
    )  # fmt: skip
    assert _stored(env) == 25


def test_a_csv_that_grew_is_read_with_its_header(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("t.csv", "ts,status\n2026-03-02T10:00:00Z,200\n")
    env.ingest("table", path)
    with path.open("a", encoding="utf-8") as table:
        table.write("2026-03-02T10:00:01Z,503\n2026-03-02T10:00:02Z,oops\n")

    grown = env.ingest("table", path)

    assert (grown.accepted, grown.rejected, grown.first_line) == (1, 1, 3)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(4, "status")]
    assert env.store.query("SELECT status FROM events ORDER BY ts") == [(200,), (503,)]


def test_an_unfinished_last_line_waits_when_asked(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("live.jsonl", _lines(0, 2) + _line(2)[:15])

    first = env.ingest("api", path, whole_lines_only=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(_line(2)[15:])
    second = env.ingest("api", path, whole_lines_only=True)

    assert (first.accepted, first.rejected) == (2, 0)
    assert (second.accepted, second.rejected, second.first_line) == (1, 0, 3)


def test_a_line_unfinished_when_read_is_read_again_whole_once_finished(make_env: Any) -> None:
    """A plain ingest reads a file to its end, an unfinished last line too (a file need not
    end with a newline); when the file goes on with that line, the line is read again
    whole, its earlier reject is taken back, and the lines after keep their numbers."""
    env = make_env(CONFIG)
    cut = len(_line(2)) // 2
    path = env.write("grow.jsonl", _lines(0, 2) + _line(2, 503)[:cut])
    first = env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_line(2, 503)[cut:] + _lines(3, 1) + "GARBAGE\n")

    second = env.ingest("api", path)

    assert (first.accepted, first.rejected) == (2, 1)
    assert (second.accepted, second.rejected, second.first_line) == (2, 1, 3)
    assert (second.continues, second.reread_line) == (1, 3)
    assert [(batch, line) for batch, line in env.store.query(
        "SELECT batch_id, line FROM rejects ORDER BY batch_id, line"
    )] == [(2, 5)]  # fmt: skip
    assert env.store.query("SELECT id, rejected FROM batches ORDER BY id") == [(1, 0), (2, 1)]
    assert env.store.scalar("SELECT count(*) FILTER (WHERE status = 503) FROM events") == 1
    assert _stored(env) == 4


def test_undoing_the_batch_that_read_a_line_whole_gives_its_reject_back(make_env: Any) -> None:
    """Undone, the batch that took back an unfinished line's reject gives it back to the
    batch that rejected it; the next ingest reads the line whole again. (The line was lost:
    neither event nor reject, and every ingest after refused the file.)"""
    env = make_env(CONFIG)
    cut = len(_line(2)) // 2
    path = env.write("grow.jsonl", _lines(0, 2) + _line(2, 503)[:cut])
    env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_line(2, 503)[cut:])
    second = env.ingest("api", path)
    assert second.batch_id is not None

    undo_batch(env.store, env.config, second.batch_id)

    assert env.store.query("SELECT batch_id, line FROM rejects") == [(1, 3)]
    assert env.store.scalar("SELECT rejected FROM batches WHERE id = 1") == 1
    again = env.ingest("api", path)
    assert (again.continues, again.reread_line, again.accepted) == (1, 3, 1)
    assert env.store.scalar("SELECT count(*) FILTER (WHERE status = 503) FROM events") == 1
    assert env.store.scalar("SELECT count(*) FROM rejects_taken_back") == 1  # again's


def test_lines_keep_their_numbers_in_the_batches_after_a_line_read_again(make_env: Any) -> None:
    """The batch that read a cut line again whole ends at the file's true line: the line
    it appended next is numbered as in the file (it was one too high, and the next cut
    line was then looked for at the wrong line)."""
    env = make_env(CONFIG)
    cut = _line(2, 503)
    path = env.write("grow.jsonl", _lines(0, 2) + cut[:10])
    env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(cut[10:] + _lines(3, 1))
    second = env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write("not json\n")

    third = env.ingest("api", path)

    assert (second.first_line, third.first_line) == (3, 5)
    assert env.store.query("SELECT id, first_line, end_line FROM batches ORDER BY id") == [
        (1, 1, 3),
        (2, 3, 4),
        (3, 5, 5),
    ]
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(5, "record")]


def test_an_unfinished_line_of_spaces_is_read_again_with_nothing_to_take_back(
    make_env: Any,
) -> None:
    env = make_env(CONFIG)
    path = env.write("grow.jsonl", _lines(0, 2) + "  ")
    first = env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_line(2)[:-1] + "\n" + _lines(3, 1))

    second = env.ingest("api", path)

    assert (first.accepted, first.rejected) == (2, 0)
    assert (second.accepted, second.rejected, second.first_line) == (2, 0, 3)
    assert second.reread_line is None
    assert _stored(env) == 4


def test_an_unfinished_line_stored_as_an_event_is_refused_when_it_goes_on(
    make_env: Any,
) -> None:
    """A cut nginx line can still parse (`... 200 51` for `... 200 5120 "-" "curl"`): the
    event it made cannot be told from the batch's others, so the grown file is refused with
    what to do, and nothing is stored; undoing the batch lets the file be read right."""
    nginx = "sources:\n  web: {format: nginx, service: api}\n"
    env = make_env(CONFIG.replace("sources:\n", nginx))
    line = '10.0.0.1 - - [02/Mar/2026:10:00:0{n} +0000] "GET /a HTTP/1.1" 200 5120 "-" "curl"\n'
    cut = line.index(" 5120") + 3  # "... 200 51"
    path = env.write("access.log", line.format(n=0) + line.format(n=1)[:cut])
    first = env.ingest("web", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(line.format(n=1)[cut:] + line.format(n=2))

    with pytest.raises(ConflictError, match="batch 1 read line 2 before it was finished"):
        env.ingest("web", path)
    assert (first.accepted, first.rejected, _stored(env)) == (2, 0, 2)
    assert env.store.scalar("SELECT count(*) FROM batches") == 1

    undo_batch(env.store, env.config, 1)
    again = env.ingest("web", path)
    assert (again.accepted, again.rejected, again.first_line) == (3, 0, 1)
    assert env.store.query("SELECT count(*), sum(status) FROM events") == [(3, 600)]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_a_whole_last_line_whose_newline_comes_later_stands(make_env: Any, ending: str) -> None:
    """A log caught between a record and its newline: the whole record was stored, and once
    the newline came every later ingest was refused ("batch 1 read line 2 before it was
    finished ... the stored event may be wrong"), though the line never changed. The file
    goes on from line 3, its lines numbered as in the file."""
    env = make_env(CONFIG)
    last = _line(1, 500).rstrip("\n")
    path = env.write("grow.jsonl", _line(0).replace("\n", ending) + last)
    first = env.ingest("api", path)
    with path.open("a", encoding="utf-8", newline="") as log:
        log.write(ending + _line(2).replace("\n", ending) + "not json" + ending)

    second = env.ingest("api", path)

    assert (first.accepted, first.rejected) == (2, 0)
    assert (second.accepted, second.rejected, second.first_line) == (1, 1, 3)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(4, "record")]
    assert env.store.query("SELECT count(*), sum(status) FROM events") == [(3, 900)]


def test_a_batch_cut_between_cr_and_lf_numbers_the_next_lines_as_the_file_does(
    make_env: Any,
) -> None:
    """The LF after a stored line's CR ends that line: it was read as a blank line of its
    own, and every line after it numbered one too high."""
    env = make_env(CONFIG)
    path = env.write("grow.jsonl", _line(0).replace("\n", "\r\n") + _line(1).replace("\n", "\r"))
    env.ingest("api", path)
    with path.open("a", encoding="utf-8", newline="") as log:
        log.write("\n" + "not json\r\n")

    second = env.ingest("api", path)

    assert (second.accepted, second.rejected, second.first_line) == (0, 1, 3)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(3, "record")]


def test_appended_lines_all_rejected_are_read_once_and_the_next_start_after_them(
    make_env: Any,
) -> None:
    """As `--follow` checks every second: a bad line appended is one rejected batch, not a
    new one at every check; the lines after it continue from it."""
    env = make_env(CONFIG)
    path = env.write("live.jsonl", _lines(0, 2))
    env.ingest("api", path, whole_lines_only=True)
    with path.open("a", encoding="utf-8") as log:
        log.write("GARBAGE\n")

    bad = env.ingest("api", path, whole_lines_only=True)
    checks = [env.ingest("api", path, whole_lines_only=True) for _ in range(3)]
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(2, 1))
    good = env.ingest("api", path, whole_lines_only=True)

    assert (bad.status, bad.batch_id, bad.rejected) == ("rejected", 2, 1)
    assert [(c.status, c.duplicate_of) for c in checks] == [("duplicate", 2)] * 3
    assert (good.status, good.continues, good.first_line, good.accepted) == ("applied", 2, 4, 1)
    assert env.store.scalar("SELECT count(*) FROM batches") == 3
    assert _stored(env) == 3


def test_a_whole_file_rejected_is_read_again(make_env: Any) -> None:
    """Its configuration was probably wrong: ingesting it again reads it again."""
    env = make_env(CONFIG)
    path = env.write("wrong.jsonl", "GARBAGE\nMORE\n")

    first = env.ingest("api", path)
    again = env.ingest("api", path)

    assert (first.status, again.status) == ("rejected", "rejected")
    assert (first.batch_id, again.batch_id) == (1, 2)


@pytest.mark.parametrize(
    "variant",
    ["part", "crlf", "no final newline", "reordered", "bom"],
)
def test_records_already_stored_are_refused_however_the_file_differs(
    make_env: Any, variant: str
) -> None:
    env = make_env(CONFIG)
    text = _lines(0, 40)
    env.ingest("api", env.write("all.jsonl", text))
    lines = text.splitlines(keepends=True)
    copies = {
        "part": "".join(lines[:15]),
        "crlf": text.replace("\n", "\r\n"),
        "no final newline": text[:-1],
        "reordered": "".join(reversed(lines)),
        "bom": "\ufeff" + text,
    }
    again = env.write("again.jsonl", copies[variant])

    with pytest.raises(ConflictError) as refused:
        env.ingest("api", again)
    through_another_source = variant == "crlf"
    if through_another_source:
        with pytest.raises(ConflictError):
            env.ingest("other", again)

    assert "identical to events already stored (most from batch 1, source api" in str(refused.value)
    assert "--allow-overlap" in str(refused.value)
    assert "basics batches undo 1" in str(refused.value)
    assert _stored(env) == 40
    assert env.store.query("SELECT count(*) FROM batches") == [(1,)]


def test_allow_overlap_stores_identical_records_as_distinct(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("a.jsonl", _line(1) + _line(0) * 2))

    result = env.ingest("api", env.write("b.jsonl", _line(0) * 3), allow_overlap=True)

    assert (result.status, result.accepted) == ("applied", 3)
    assert _stored(env) == 6


def test_overlap_counts_identical_records_one_for_one(make_env: Any) -> None:
    env = make_env(CONFIG)
    env.ingest("api", env.write("a.jsonl", _line(0) * 3 + _line(1)))

    with pytest.raises(ConflictError, match="2 of its 3 events are identical"):
        env.ingest("api", env.write("b.jsonl", _line(0) * 2 + _line(5)))


def test_a_source_with_record_ids_skips_and_counts_duplicates(make_env: Any) -> None:
    env = make_env(CONFIG)
    first = env.write("x.jsonl", "".join(_line(s, request_id=f"r{s}") for s in range(5)))
    overlapping = "".join(_line(s, request_id=f"r{s}") for s in range(3, 8))
    overlapping += _line(9, request_id="r7") + _line(10)  # a repeat, and one without an id
    env.ingest("keyed", first)

    second = env.ingest("keyed", env.write("y.jsonl", overlapping))

    assert (second.accepted, second.duplicate_rows, second.rejected) == (3, 3, 1)
    assert env.rejects()[0][1:3] == ("id", "missing; the source declares id: request_id")
    assert env.store.query("SELECT count(*), count(DISTINCT record_id) FROM events") == [(8, 8)]
    assert env.store.query("SELECT duplicate_rows FROM batches WHERE id = 2") == [(3,)]
    assert sum(total for total, _ in env.slo_minutes("api/availability").values()) == 8


def test_a_file_grown_in_many_batches_resumes_from_its_last_one(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = env.write("access.jsonl", _lines(0, 2))
    env.ingest("api", path)
    for first in range(2, 10, 2):
        with path.open("a", encoding="utf-8") as log:
            log.write(_lines(first, 2))
        env.ingest("api", path)
    rotated = path.rename(env.root / "access.jsonl.1")
    with rotated.open("a", encoding="utf-8") as log:
        log.write(_lines(10, 3))

    tail = env.ingest("api", rotated)

    assert (tail.accepted, tail.continues, tail.first_line) == (3, 5, 11)
    assert _stored(env) == 13


def test_a_file_rewritten_after_an_earlier_batch_is_judged_whole(make_env: Any) -> None:
    # Its first batch's bytes still match, its second's do not: reading on from the first
    # batch's end would store the rewritten lines beside the ones the second batch stored.
    env = make_env(CONFIG)
    path = env.write("access.jsonl", _lines(0, 3))
    env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(3, 3))
    env.ingest("api", path)
    path.write_text(_lines(0, 3) + _lines(3, 2) + _line(40, 500), encoding="utf-8")

    with pytest.raises(ConflictError, match="5 of its 6 events are identical"):
        env.ingest("api", path)

    assert _stored(env) == 6


def test_a_file_no_batch_can_match_is_hashed_while_it_is_parsed(
    make_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from basics.ingest import pipeline

    plans: list[str] = []
    plan = pipeline._plan

    def spying(*args: Any) -> Any:
        found = plan(*args)
        plans.append(type(found).__name__)
        return found

    monkeypatch.setattr(pipeline, "_plan", spying)
    env = make_env(CONFIG)
    path = env.write("access.jsonl", _lines(0, 50))
    other = env.write("other.jsonl", _lines(0, 49) + _line(99))  # the same size

    first = env.ingest("api", path)
    again = env.ingest("api", path)
    same_size = env.ingest("api", other, allow_overlap=True)

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert plans == ["PendingPlan", "ReadPlan", "ReadPlan"]
    assert (first.accepted, again.status, again.duplicate_of) == (50, "duplicate", 1)
    assert same_size.status == "applied"
    assert env.store.query(
        "SELECT content_sha256, prefix_sha256, end_offset, end_line FROM batches WHERE id = 1"
    ) == [(digest, digest, path.stat().st_size, 50)]


def _grown_in_three(env: Any) -> Any:
    """access.jsonl ingested as it grew: lines 1-3, 4-6 (with line 6 not JSON), 7-9."""
    path = env.write("access.jsonl", _lines(0, 3))
    env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(3, 2) + "not json\n")
    env.ingest("api", path)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(5, 3))
    env.ingest("api", path)
    return path


def test_the_lines_of_an_undone_middle_batch_are_read_again_and_nothing_else(
    make_env: Any,
) -> None:
    env = make_env(CONFIG)
    path = _grown_in_three(env)
    before = env.slo_minutes("api/availability")
    undo_batch(env.store, env.config, 2)
    assert _stored(env) == 6

    refill = env.ingest("api", path)  # batch 3 read past them: they were left unread
    again = env.ingest("api", path)

    assert (refill.status, refill.batch_id, refill.refills, refill.continues) == (
        "applied",
        4,
        2,
        1,
    )
    assert (refill.accepted, refill.rejected, refill.first_line) == (2, 1, 4)
    assert [(line, field) for line, field, _, _ in env.rejects()] == [(6, "record")]
    assert (again.status, again.duplicate_of) == ("duplicate", 3)
    assert _stored(env) == 8
    assert env.slo_minutes("api/availability") == before  # 8 events, 3 bad, as at first
    # Lines appended later are read after batch 3's, as before the undo.
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(8, 2))
    appended = env.ingest("api", path)
    assert (appended.accepted, appended.continues, appended.first_line, appended.refills) == (
        2, 3, 10, None,
    )  # fmt: skip
    assert _stored(env) == 10


def test_an_undone_first_batch_is_read_again_from_the_start(make_env: Any) -> None:
    env = make_env(CONFIG)
    path = _grown_in_three(env)
    undo_batch(env.store, env.config, 1)

    refill = env.ingest("api", path)

    assert (refill.batch_id, refill.refills, refill.accepted, refill.first_line) == (4, 1, 3, 1)
    assert env.ingest("api", path).status == "duplicate"
    assert _stored(env) == 8


def test_an_undone_batch_whose_lines_changed_since_is_not_read_again(make_env: Any) -> None:
    """The file no longer holds what the undone batch read: no later batch's bytes match
    either, so the file is judged whole (and refused: it repeats stored records)."""
    env = make_env(CONFIG)
    path = _grown_in_three(env)
    undo_batch(env.store, env.config, 2)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace('"status": 200', '"status": 201')  # a line batch 2 read
    path.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(ConflictError):
        env.ingest("api", path)
    assert _stored(env) == 6


def test_an_undone_batch_is_read_again_once_after_its_file_was_renamed(make_env: Any) -> None:
    """The lines read again under the file's new name count as read: the next ingest goes on
    with what was appended (it planned the same lines again and said 'already ingested')."""
    env = make_env(CONFIG)
    path = _grown_in_three(env)
    undo_batch(env.store, env.config, 2)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(8, 2))
    rotated = path.rename(env.root / "access.jsonl.1")

    refill = env.ingest("api", rotated)
    appended = env.ingest("api", rotated)
    again = env.ingest("api", rotated)

    assert (refill.refills, refill.accepted) == (2, 2)
    assert (appended.refills, appended.accepted, appended.first_line) == (None, 2, 10)
    assert again.status == "duplicate"
    assert _stored(env) == 10


def test_a_batch_of_the_old_name_undone_after_a_rotation_is_read_again(make_env: Any) -> None:
    """Batches 1 to 3 read access.jsonl; it was renamed, grew, and batch 4 read the new lines
    under the new name; then batch 2 (of the old name) was undone: its lines were never read
    again ("already ingested as batch 4"), lost for good."""
    env = make_env(CONFIG)
    path = _grown_in_three(env)
    rotated = path.rename(env.root / "access.jsonl.1")
    with rotated.open("a", encoding="utf-8") as log:
        log.write(_lines(8, 2))
    assert env.ingest("api", rotated).accepted == 2
    undo_batch(env.store, env.config, 2)

    refill = env.ingest("api", rotated)

    assert (refill.status, refill.refills, refill.accepted, refill.first_line) == (
        "applied", 2, 2, 4,
    )  # fmt: skip
    assert env.ingest("api", rotated).status == "duplicate"
    assert _stored(env) == 10


def test_undone_batches_after_a_line_read_again_are_each_read_again(make_env: Any) -> None:
    """Batch 2 began by reading again the line batch 1 stopped inside: no batch stopped
    where it starts, yet it is read again (from that line, whole), and so is batch 4,
    undone later, behind it."""
    env = make_env(CONFIG)
    cut = len(_line(3)) // 2
    path = env.write("live.jsonl", _lines(0, 3) + _line(3)[:cut])
    for text in (_line(3)[cut:] + _lines(4, 2), _lines(6, 3), _lines(9, 3), _lines(12, 3)):
        env.ingest("api", path)
        with path.open("a", encoding="utf-8") as log:
            log.write(text)
    env.ingest("api", path)  # batches 1 (lines 1-4, the 4th cut), 2 (4-6), 3, 4 (10-12), 5
    assert _stored(env) == 15
    undo_batch(env.store, env.config, 2)
    undo_batch(env.store, env.config, 4)

    refill = env.ingest("api", path)
    second = env.ingest("api", path)

    assert (refill.refills, refill.accepted, refill.first_line, refill.reread_line) == (2, 3, 4, 4)
    assert (second.refills, second.accepted, second.first_line) == (4, 3, 10)
    assert env.ingest("api", path).status == "duplicate"
    assert _stored(env) == 15
    assert env.store.scalar("SELECT count(DISTINCT ts) FROM events") == 15


def _followed(env: Any) -> tuple[Any, Any]:
    """A file of 300 lines (about 13 KB) followed by two checks: the second hashed it whole
    and kept the hash of what it read. The file, and the kept hash."""
    from basics.ingest.files import KeptPrefix

    kept = KeptPrefix()
    path = env.write("access.jsonl", _lines(0, 300))
    env.ingest("api", path, whole_lines_only=True, kept=kept)
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(300, 5))
    env.ingest("api", path, whole_lines_only=True, kept=kept)
    assert kept.offset == path.stat().st_size
    return path, kept


def _overwrite(path: Any, at: int) -> None:
    """Change one byte of an already read line in place (a digit of its status: 200 -> 201,
    still a good event), as no log writer does."""
    data = bytearray(path.read_bytes())
    at = data.index(b'"status": 200', at) + len(b'"status": 20')
    data[at : at + 1] = b"1"
    path.write_bytes(bytes(data))


def test_a_follow_reads_only_what_was_appended_to_the_hash_it_kept(make_env: Any) -> None:
    """The kept hash is trusted while the file's first and last 4 KB read are unchanged: a
    byte changed in between is not read again (proof that the check hashed only what was
    appended). A restart, which hashes the file whole, sees the change and refuses."""
    from basics.ingest.files import KeptPrefix

    env = make_env(CONFIG)
    path, kept = _followed(env)
    _overwrite(path, 6000)  # beyond the first 4 KB, before the last 4 KB of the 13 KB
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(305, 5))

    third = env.ingest("api", path, whole_lines_only=True, kept=kept)
    assert (third.status, third.continues, third.first_line, third.accepted) == (
        "applied", 2, 306, 5,
    )  # fmt: skip
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(310, 5))
    with pytest.raises(ConflictError, match="identical"):
        env.ingest("api", path, whole_lines_only=True, kept=KeptPrefix())
    assert _stored(env) == 310


def test_a_follow_hashes_whole_again_a_file_changed_at_the_end_of_what_it_read(
    make_env: Any,
) -> None:
    env = make_env(CONFIG)
    path, kept = _followed(env)
    _overwrite(path, path.stat().st_size - 200)  # in the last 4 KB read
    with path.open("a", encoding="utf-8") as log:
        log.write(_lines(305, 5))

    with pytest.raises(ConflictError, match="identical"):
        env.ingest("api", path, whole_lines_only=True, kept=kept)
    assert _stored(env) == 305


def test_a_follow_reads_a_truncated_file_from_its_start(make_env: Any) -> None:
    """copytruncate: the file starts again, shorter than what was read; its new lines (of
    later times) are a batch of their own, read from the first line."""
    env = make_env(CONFIG)
    path, kept = _followed(env)
    path.write_text(_lines(400, 4), encoding="utf-8")

    again = env.ingest("api", path, whole_lines_only=True, kept=kept)
    assert (again.status, again.continues, again.first_line, again.accepted) == (
        "applied", None, 1, 4,
    )  # fmt: skip
    assert _stored(env) == 309
