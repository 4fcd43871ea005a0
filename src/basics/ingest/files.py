"""Which bytes of a file a new batch should read: all of it, only what was appended since
an earlier batch read its beginning, or nothing because it was read before.

Every events batch from a regular file records the SHA-256 of the file's bytes up to where
it stopped (`prefix_sha256`, `end_offset`). A file whose first `end_offset` bytes hash to
that value begins with content already ingested, whatever its name now (a log that grew,
or was rotated by rename), so only the rest is read. One pass over the file, as fast as
`sha256sum`, decides it before anything is parsed.

A follow (`ingest events --follow`) keeps the hash of what it has read between its checks
(`KeptPrefix`), so that a check reads only what was appended, not the whole file again.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import numpy as np

from basics.store.duckdb_store import Store

HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class Checkpoint:
    """Where an earlier batch stopped in its file, and what the file held up to there."""

    batch_id: int
    end_offset: int
    prefix_sha256: str
    end_line: int
    file_path: str | None


@dataclass(frozen=True)
class ReadPlan:
    """The bytes [start_offset, end_offset) of a file that a batch reads."""

    start_offset: int
    end_offset: int
    first_line: int
    content_sha256: str  # of the bytes this batch reads
    prefix_sha256: str  # of the file's bytes [0, end_offset)
    end_line: int  # the number of the last line read (first_line - 1 if none)
    continues: Checkpoint | None = None  # the batch whose end this one starts at
    reread_line: int | None = None  # that batch's last line, unfinished then: read again
    refills: int | None = None  # the undone batch whose bytes these are: read again


UNFINISHED = "unfinished: "
"""How the reason of a reject of a record still being written starts (a CSV record whose
quote is open when the file ends): the next ingest of the file, grown, reads it again from
its first line (`unfinished_record`)."""

READ = "(status = 'applied' OR (status = 'rejected' AND start_offset > 0))"
"""Batches whose bytes count as read: applied ones, and lines appended to a file that were
all rejected (read again at every check, a bad line would make a new batch each time; to
read them again, `basics batches undo` that batch). A whole file rejected is read again
when ingested again (its configuration was probably wrong)."""


def checkpoints(store: Store, source: str, size: int) -> list[Checkpoint]:
    """For each file `source` read, the furthest end of a batch that read it (`READ`)
    that a file of `size` bytes could extend, and the end of the latest such batch.

    Two per file, not one per batch: a file followed for a month has thousands of batches.
    The latest is the one a file renamed away and started anew (log rotation) continues,
    though the old file's batches end further; a file that matches neither was rewritten;
    it is read whole, and the overlap check judges it.
    """
    rows = store.query(
        "SELECT id, end_offset, prefix_sha256, end_line, file_path FROM batches "
        f"WHERE kind = 'events' AND {READ} AND source = ? "
        "AND prefix_sha256 IS NOT NULL AND end_offset > 0 AND end_offset <= ? "
        "QUALIFY row_number() OVER (PARTITION BY file_path ORDER BY end_offset DESC, id DESC) = 1 "
        "OR row_number() OVER (PARTITION BY file_path ORDER BY id DESC) = 1 "
        "ORDER BY end_offset, id DESC",
        [source, size],
    )
    return [Checkpoint(int(r[0]), int(r[1]), r[2], int(r[3] or 0), r[4]) for r in rows]


def undone_gap(
    store: Store, source: str, file: BinaryIO, plan: ReadPlan, comment: bytes | None = None
) -> ReadPlan | None:
    """The plan that reads again the bytes of an undone batch that later batches of the
    file read past (`plan` continues after them, so they would stay unread), or None.

    Each such batch in the file's order, until one holds: the file still holds what it
    read (its prefix hash), and a batch before it stopped where it started, or inside the
    line it started with (that line is read again whole), or it started the file. A batch
    that stored nothing has nothing to read again; one is read again once an applied batch
    covers its bytes (of the same path, or of the same prefix: the file renamed since). A
    batch of the name the file had before it was renamed (log rotation) is one of them too,
    when it lies before where this name's batches began."""
    if plan.continues is None or plan.continues.file_path is None:
        return None
    rows = store.query(
        "SELECT u.id, u.start_offset, u.end_offset, u.prefix_sha256 FROM batches u "
        "WHERE u.kind = 'events' AND u.source = $source "
        # Its own batches, and those of the name it had before a rotation: the bytes before
        # where this name's first batch started (the hash below tells if they are these).
        "AND (u.file_path = $path OR u.end_offset <= (SELECT min(start_offset) FROM batches "
        "WHERE kind = 'events' AND source = $source AND file_path = $path)) "
        "AND u.status = 'undone' AND u.prefix_sha256 IS NOT NULL AND u.end_offset <= $end "
        "AND u.accepted + u.rejected > 0 "
        "AND NOT EXISTS (SELECT 1 FROM batches r WHERE r.kind = 'events' "
        "AND r.source = u.source AND (r.file_path = u.file_path OR "
        "(r.end_offset = u.end_offset AND r.prefix_sha256 = u.prefix_sha256)) "
        f"AND {READ} "  # (its unqualified names are r's, the nearest table)
        "AND r.start_offset <= u.start_offset AND r.end_offset >= u.end_offset) "
        "ORDER BY u.start_offset, u.id LIMIT 20",
        {"source": source, "path": plan.continues.file_path, "end": plan.start_offset},
    )
    for undone, start, end, prefix in rows:
        # The batches that stopped first at or after its start: its checkpoint, checked by
        # the hash of the file up to there.
        before = (
            [
                Checkpoint(int(r[0]), int(r[1]), r[2], int(r[3] or 0), r[4])
                for r in store.query(
                    "SELECT id, end_offset, prefix_sha256, end_line, file_path FROM batches "
                    f"WHERE kind = 'events' AND {READ} AND source = ? AND end_offset >= ? "
                    "AND end_offset < ? AND start_offset < ? AND prefix_sha256 IS NOT NULL "
                    "QUALIFY end_offset = min(end_offset) OVER () ORDER BY id DESC LIMIT 20",
                    [source, start, end, start],
                )
            ]
            if start > 0
            else []
        )
        gap = resume_unfinished(file, plan_read(file, int(end), before), comment)
        if gap.start_offset == start and gap.prefix_sha256 == prefix:
            return replace(gap, refills=int(undone))
    return None


def last_line_end(file: BinaryIO, size: int) -> int:
    """The offset just past the file's last newline in its first `size` bytes (0 if none);
    in a file without any LF, past its last CR (classic Mac line endings)."""
    for newline in (b"\n", b"\r"):
        position = size
        while position > 0:
            start = max(0, position - HASH_BLOCK)
            block = os.pread(file.fileno(), position - start, start)
            cut = block.rfind(newline)
            if cut >= 0:
                return start + cut + 1
            position = start
    return 0


EDGE = 4096
"""The bytes at each end of a kept prefix compared again before it is trusted."""


@dataclass
class KeptPrefix:
    """The SHA-256 state of a followed file's first `offset` bytes, kept between checks.

    Trusted again only for the same file (device and inode), still at least that long, whose
    first and last `EDGE` bytes of the prefix are those hashed, and whose state's digest is
    a checkpoint's: then a check hashes from `offset` on. A log is appended to, never
    rewritten in place; a file truncated or replaced (copytruncate, rotation) fails the
    test and is hashed whole, as is every file when a follow starts.
    """

    identity: tuple[int, int] | None = None
    offset: int = 0
    state: Any = None  # a hashlib sha256 object
    head: bytes = b""
    tail: bytes = b""

    def resumable(self, file: BinaryIO, size: int, known: dict[int, list[Checkpoint]]) -> Any:
        """A copy of the kept state when it may be trusted for `file` (see above), else None."""
        if self.state is None or self.offset > size or self.offset not in known:
            return None
        stat = os.fstat(file.fileno())
        if (stat.st_dev, stat.st_ino) != self.identity or self._edges(file) != (
            self.head,
            self.tail,
        ):
            return None
        digest = self.state.hexdigest()
        if not any(point.prefix_sha256 == digest for point in known[self.offset]):
            return None
        return self.state.copy()

    def keep(self, file: BinaryIO, offset: int, state: Any) -> None:
        """Keep the hash of `file`'s first `offset` bytes for the next check."""
        stat = os.fstat(file.fileno())
        self.identity, self.offset, self.state = (stat.st_dev, stat.st_ino), offset, state.copy()
        self.head, self.tail = self._edges(file)

    def _edges(self, file: BinaryIO) -> tuple[bytes, bytes]:
        fd, end = file.fileno(), self.offset
        return os.pread(fd, min(EDGE, end), 0), os.pread(fd, min(EDGE, end), max(0, end - EDGE))


def _count(block: bytes, byte: int) -> int:
    """How many times `byte` occurs in `block` (NumPy counts faster than bytes.count)."""
    return int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == byte))


def plan_read(
    file: BinaryIO, size: int, known: list[Checkpoint], kept: KeptPrefix | None = None
) -> ReadPlan:
    """Hash the first `size` bytes once, noting the furthest checkpoint the file matches,
    and count the lines after it. With `kept` (a follow's), the hash starts where the last
    check's stopped when it may be trusted, and the new one is kept."""
    whole = hashlib.sha256()
    tail = hashlib.sha256()
    newlines = returns = 0
    last_byte = b"\n"
    by_offset: dict[int, list[Checkpoint]] = {}
    for point in known:
        by_offset.setdefault(point.end_offset, []).append(point)
    position = 0
    resumed = kept.resumable(file, size, by_offset) if kept is not None else None
    if resumed is not None:
        assert kept is not None
        whole, position = resumed, kept.offset  # matched at `position`, just below
    stops = sorted(stop for stop in by_offset if stop >= position)
    matched: Checkpoint | None = None
    fd = file.fileno()
    for stop in [*stops, size]:
        while position < stop:
            block = os.pread(fd, min(HASH_BLOCK, stop - position), position)
            if not block:
                raise OSError(f"the file ended at byte {position} while being read")
            whole.update(block)
            tail.update(block)
            newlines += _count(block, 10)
            if not newlines:  # lines that end with CR alone are counted only without any LF
                returns += _count(block, 13)
            last_byte = block[-1:]
            position += len(block)
        if stop in by_offset:
            digest = whole.hexdigest()
            match = next((p for p in by_offset[stop] if p.prefix_sha256 == digest), None)
            if match is not None:
                matched, tail, last_byte = match, hashlib.sha256(), b"\n"
                newlines = returns = 0
    if kept is not None:
        kept.keep(file, size, whole)
    first_line = (matched.end_line + 1) if matched else 1
    if newlines or not returns:
        lines = newlines + (0 if last_byte == b"\n" else 1)
    else:  # classic Mac line endings: the reader splits at each CR
        lines = returns + (0 if last_byte == b"\r" else 1)
    return ReadPlan(
        start_offset=matched.end_offset if matched else 0,
        end_offset=size,
        first_line=first_line,
        content_sha256=tail.hexdigest() if matched else whole.hexdigest(),
        prefix_sha256=whole.hexdigest(),
        end_line=first_line - 1 + lines,
        continues=matched,
    )


def resume_unfinished(file: BinaryIO, plan: ReadPlan, comment: bytes | None = None) -> ReadPlan:
    """The plan, or, when the batch it continues stopped inside a line (the file had no
    newline at its end then, and the line has gone on since), a plan that reads that line
    again from its start, whole: the caller takes back the earlier reading of the line. A
    line that was whole, only its newline written since, stands: the plan starts after
    that newline. `comment`: what starts a line the format reads as no record (a W3C
    log's `#`)."""
    if plan.continues is None or plan.start_offset == 0:
        return plan
    before = os.pread(file.fileno(), 1, plan.start_offset - 1)
    after = os.pread(file.fileno(), 2, plan.start_offset)
    if before == b"\r" and after[:1] == b"\n":  # cut between CR and LF: the LF ends it
        return _past_line_end(file, plan, 1)
    if before in (b"\n", b"\r"):
        return plan
    ending = 2 if after == b"\r\n" else 1 if after[:1] in (b"\n", b"\r") else 0
    if ending:
        # The line was whole, only its newline not written yet: it stands as it was read,
        # and what follows its newline is new (it was refused as a line gone on).
        return _past_line_end(file, plan, ending)
    start = last_line_end(file, plan.start_offset)
    content = _content_sha256(file, start, plan.end_offset)
    line = plan.continues.end_line
    # A blank piece (spaces), or a directive's, was skipped, neither event nor reject:
    # nothing to take back.
    piece = os.pread(file.fileno(), plan.start_offset - start, start).strip()
    record = bool(piece) and not (comment and piece.startswith(comment))
    return replace(
        plan,
        start_offset=start,
        first_line=line,
        # The rest of the cut line, counted as a line of its own by `plan_read`, is not one.
        end_line=plan.end_line - 1,
        content_sha256=content,
        reread_line=line if record else None,
    )


def unfinished_record(store: Store, file: BinaryIO, plan: ReadPlan) -> ReadPlan | None:
    """The plan that reads again, from its first line, a record that the batch `plan`
    continues rejected as unfinished (`UNFINISHED`: a CSV record whose quote was open when
    the file ended, though its lines had their newlines), or None. The caller takes back
    that reject, as for a line unfinished."""
    point = plan.continues
    if point is None or plan.start_offset != point.end_offset:
        return None
    rows = store.query(
        "SELECT min(line) FROM rejects WHERE batch_id = ? AND starts_with(reason, ?)",
        [point.batch_id, UNFINISHED],
    )
    line = rows[0][0] if rows else None
    if line is None or not point.end_line >= line > 1:
        return None
    # The batch stopped after its last line's LF, or inside that line (no LF yet, or
    # between its CR and LF): then `plan_read` counted the rest of it as one line more.
    cut = os.pread(file.fileno(), 1, point.end_offset - 1) != b"\n"
    start = _line_start(file, point.end_offset, point.end_line - line + (1 if cut else 2))
    if start is None:
        return None
    return replace(
        plan,
        start_offset=start,
        first_line=int(line),
        end_line=plan.end_line - (1 if cut else 0),
        content_sha256=_content_sha256(file, start, plan.end_offset),
        reread_line=int(line),
    )


def _line_start(file: BinaryIO, end: int, newlines: int) -> int | None:
    """The offset just past the `newlines`-th LF before `end`, counted back from it; None
    when there are fewer."""
    position = end
    while position > 0:
        start = max(0, position - HASH_BLOCK)
        block = os.pread(file.fileno(), position - start, start)
        cut = len(block)
        while newlines:
            cut = block.rfind(b"\n", 0, cut)
            if cut < 0:
                break
            newlines -= 1
        if not newlines:
            return start + cut + 1
        position = start
    return None


def _past_line_end(file: BinaryIO, plan: ReadPlan, ending: int) -> ReadPlan:
    """The plan from after the `ending` bytes that end the line the batch it continues read
    last: that line's end is no line of its own (`plan_read` counted it as one)."""
    start = plan.start_offset + ending
    return replace(
        plan,
        start_offset=start,
        end_line=plan.end_line - 1,
        content_sha256=_content_sha256(file, start, plan.end_offset),
    )


def _content_sha256(file: BinaryIO, start: int, end: int) -> str:
    """The SHA-256 (hex) of the file's bytes [start, end)."""
    content = hashlib.sha256()
    position = start
    while position < end:
        block = os.pread(file.fileno(), min(HASH_BLOCK, end - position), position)
        if not block:
            raise OSError(f"the file ended at byte {position} while being read")
        content.update(block)
        position += len(block)
    return content.hexdigest()


class PendingPlan:
    """The read of a whole file that no stored batch can match (no checkpoint of its
    source, no batch of its size): its hash is taken on a thread while it is parsed, instead
    of before. `result()` gives the ReadPlan (raising the thread's OSError, if any)."""

    start_offset = 0
    first_line = 1
    continues: Checkpoint | None = None

    def __init__(self, path: str, size: int) -> None:
        self.end_offset = size
        self._plan: ReadPlan | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(
            target=self._hash, args=(path, size), name="basics-ingest-hash", daemon=True
        )
        self._thread.start()

    def _hash(self, path: str, size: int) -> None:
        try:
            with open(path, "rb") as handle:
                self._plan = plan_read(handle, size, [])
        except OSError as error:
            self._error = error

    def done(self) -> bool:
        """Whether the hash is taken."""
        return not self._thread.is_alive()

    def result(self) -> ReadPlan:
        """The plan, once the hash is taken."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._plan is not None
        return self._plan


def size_could_match(store: Store, size: int) -> bool:
    """Whether a stored events batch may hold content of this many bytes (one read from a
    regular file of this size, or one whose size is unknown: standard input, gzip)."""
    rows = store.query(
        f"SELECT count(*) FROM batches WHERE kind = 'events' AND {READ} "
        "AND (end_offset IS NULL OR end_offset = ? OR end_offset - start_offset = ?)",
        [size, size],
    )
    return bool(rows[0][0])
