"""PagerDuty CSV exports staged by DuckDB's CSV reader, without a Python object per row.

The same pages and rejects as `read_pagerduty_csv`, faster: DuckDB reads every row and
vouches for those that need none of the row reader's care (the header's number of fields,
the fields a page needs, times of the plain ISO 8601 form `2025-03-02T14:00:05Z`, `+01:00`,
`+0100` or none, seconds columns of plain numbers). Only the other rows go through
`read_row`: one pass over the file's lines finds them again by their position (splitting
into fields only lines with a quote, and the rows it wants), so each still gets its page or
its reject with a line number; a file whose every row DuckDB vouches for is not read by
Python at all. A file DuckDB cannot read as Python's csv module does (more than one field
too many, broken quoting, bytes that are not UTF-8, a line break inside quotes that is not
the file's) fails DuckDB's reading and is left whole to the row reader; the two ways DuckDB
reads silently otherwise are caught before it reads (a quote opened after spaces) and while
it reads (a field past the header's, which Python's csv keeps and DuckDB drops). The tests
hold both paths to the same pages on the same files, including generated ones.
"""

from __future__ import annotations

import csv
import gzip
import itertools
from dataclasses import dataclass

import pyarrow as pa

from basics.ingest.inputs import CHUNK_BYTES, Input, text_stream
from basics.oncall.columns import PAGE_COLUMNS, store_table
from basics.oncall.formats.pagerduty_csv import ExportHeader, read_row, row_source_id
from basics.oncall.formats.pagerduty_json import SOURCE
from basics.oncall.models import Page, PageReject
from basics.store.engine import duckdb

STAGED_TABLE = "staged_pages"
"""The temporary table `stage` fills, with the columns of the store's `pages` table."""
_ROWS_TABLE = "staged_rows"

# What Python's str.strip() removes (every character for which str.isspace() is true), as
# an RE2 class.
_SPACES = (
    r"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
PYTHON_WHITESPACE = f"[{_SPACES}]"
LAST_FIRST = rf"^([^{_SPACES},;@]+)[{_SPACES}]*,[{_SPACES}]*([^{_SPACES},;@]+)$"
"""`formats.common.LAST_FIRST` in RE2: two single words around one comma."""
# The ISO 8601 times both readers parse alike: years 1000-2999 (no overflow in either),
# seconds, an optional fraction (digits past the microsecond are dropped), and an optional
# offset: Z, ±hh, ±hhmm, ±hh:mm or " UTC".
OFFSET = r"(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?| UTC)"
PLAIN_TIME = (
    r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    rf"(\.[0-9]{{1,9}})?{OFFSET}?$"
)
SECONDS = r"^[0-9]{1,9}(\.[0-9]{1,6})?$"
"""Seconds both readers add alike: up to 9 digits, and a fraction of whole microseconds."""
TIME_ROLES = ("created", "acknowledged", "resolved")
SECONDS_ROLES = {"acknowledged": "seconds_to_first_ack", "resolved": "seconds_to_resolve"}


@dataclass(frozen=True)
class BulkCsv:
    """A local PagerDuty CSV export, its header and the SHA-256 of its content, ready to be
    staged by DuckDB."""

    path: str
    name: str
    compression: str  # gzip | none
    header: ExportHeader
    sha256: str

    @classmethod
    def open(cls, path: str) -> BulkCsv | None:
        """The export at `path`, or None when only the row reader can take it: standard
        input, a path DuckDB would read as a glob, a first line that is not a whole CSV
        header row, a field that opens its quotes after spaces (` "x"`), which DuckDB
        reads as quoted and Python's csv module does not, or a NUL or \\x01 byte (the
        latter marks a null to DuckDB here).

        Raises InputError as `read_pagerduty_csv` does when the header lacks a needed column.
        """
        if path == "-" or any(char in path for char in "*?[{"):
            return None
        source = Input(path)
        try:
            compression = "gzip" if isinstance(source.stream, gzip.GzipFile) else "none"
            first = next(iter(text_stream(source)), "")
        finally:
            source.close()
        if first.count('"') % 2:  # a quoted header cell goes on past the first line
            return None
        try:
            rows = list(csv.reader([first]))
        except csv.Error:
            return None
        if len(rows) != 1 or not any(cell.strip() for cell in rows[0]):
            return None
        header = ExportHeader(rows[0], source.name)
        sha, declined = _hash_and_scan(path)
        if declined:
            return None
        return cls(path, source.name, compression, header, sha)

    def stage(self, db: duckdb.DuckDBPyConnection) -> tuple[int, list[PageReject]] | None:
        """Stage the export's pages into `STAGED_TABLE`: how many, and the rows rejected.
        Call it outside a transaction: a file DuckDB cannot read fails a statement.

        None (and no table) when DuckDB cannot read the file as the row reader does (rows
        with more than one field too many, broken quoting, bytes that are not UTF-8): the
        row reader must read all of it. Rows DuckDB reads but cannot vouch for (of another
        width than the header, a missing field, an unparseable time, a time in another
        form) are read again by the row reader, found by their position in the file, which
        gives each its page or its reject with its line number. An id on several rows keeps
        the page of its last row, as in the row reader.
        """
        for table in (STAGED_TABLE, _ROWS_TABLE):
            db.execute(f"DROP TABLE IF EXISTS {table}").fetchall()
        # Row ids in the file's order, so a row can be found again by its position; times
        # without an offset are UTC (`utc_time_sql`).
        query = "SELECT current_setting('preserve_insertion_order'), current_setting('TimeZone')"
        keep_order, keep_zone = db.execute(query).fetchall()[0]
        db.execute("SET preserve_insertion_order = true").fetchall()
        db.execute("SET TimeZone = 'UTC'").fetchall()
        one_thread = False
        try:
            try:
                db.execute(f"CREATE TEMP TABLE {_ROWS_TABLE} AS {self._select()}").fetchall()
            except duckdb.Error as error:
                # DuckDB's parallel reader pads short rows only without quoted line breaks:
                # such a file is read again on one thread.
                if "parallel=false" not in str(error):
                    raise
                one_thread = True
                query = self._select(parallel=False)
                db.execute(f"CREATE TEMP TABLE {_ROWS_TABLE} AS {query}").fetchall()
        except duckdb.Error:
            return None
        finally:
            db.execute(f"SET preserve_insertion_order = {bool(keep_order)}").fetchall()
            db.execute("SET TimeZone = $zone", {"zone": keep_zone}).fetchall()
        if one_thread:
            # On one thread DuckDB drops a quote left open at the end of the file without a
            # word (the parallel reader refuses it): Python reads the last row itself, and
            # every row's width and id are compared below.
            db.execute(
                f"UPDATE {_ROWS_TABLE} SET clean = false, blank = false "
                f"WHERE rowid = (SELECT max(rowid) FROM {_ROWS_TABLE})"
            ).fetchall()
        unclean, blank, ids, distinct_ids, first, last, count = db.execute(
            "SELECT count(*) FILTER (NOT clean AND NOT blank), count(*) FILTER (blank), "
            "count(source_id), count(DISTINCT source_id), min(rowid), max(rowid), count(*) "
            f"FROM {_ROWS_TABLE}"
        ).fetchall()[0]
        # The table's row ids follow the file's order; inside a transaction they start far
        # from 0, so positions count from the first.
        first = first or 0
        repeated = ids != distinct_ids
        every_row = repeated or one_thread
        columns = ", ".join(PAGE_COLUMNS)
        last_of_each_id = "QUALIFY row_number() OVER (PARTITION BY id ORDER BY position DESC) = 1"
        if count and last - first + 1 != count:
            again = None
        elif unclean == 0 and not one_thread:
            # DuckDB vouched for every row: no need for Python to read the file at all.
            if not repeated:
                db.execute(f"DELETE FROM {_ROWS_TABLE} WHERE blank").fetchall()
                db.execute(f"ALTER TABLE {_ROWS_TABLE} RENAME TO {STAGED_TABLE}").fetchall()
                return int(count - blank), []
            db.execute(
                f"CREATE TEMP TABLE {STAGED_TABLE} AS SELECT {columns} FROM ("
                f"SELECT {columns}, rowid AS position FROM {_ROWS_TABLE} WHERE NOT blank) "
                f"{last_of_each_id}"
            ).fetchall()
            db.execute(f"DROP TABLE {_ROWS_TABLE}").fetchall()
            return _count(db, STAGED_TABLE), []
        else:
            again = self._read_again(db, first, count, every_id=every_row)
        if again is None:
            db.execute(f"DROP TABLE {_ROWS_TABLE}").fetchall()
            return None
        pages = [(position, record) for position, record in again if isinstance(record, Page)]
        rejects = [record for _, record in again if isinstance(record, PageReject)]
        read_again = store_table([page for _, page in pages]).append_column(  # noqa: F841
            "position", pa.array([position for position, _ in pages], pa.int64())
        )
        # A page read again has the id DuckDB saw on its row (`_read_again` checks it): when
        # no id repeats, none repeats in the union either.
        db.execute(
            f"CREATE TEMP TABLE {STAGED_TABLE} AS SELECT {columns} FROM ("
            f"SELECT {columns}, rowid - {first} AS position FROM {_ROWS_TABLE} "
            "WHERE clean AND NOT blank "
            f"UNION ALL SELECT {columns}, position FROM read_again) "
            f"{last_of_each_id if repeated else ''}"
        ).fetchall()
        db.execute(f"DROP TABLE {_ROWS_TABLE}").fetchall()
        return _count(db, STAGED_TABLE), rejects

    def _read_again(
        self, db: duckdb.DuckDBPyConnection, first_rowid: int, rows_read: int, every_id: bool
    ) -> list[tuple[int, Page | PageReject | None]] | None:
        """The row reader's page or reject for each row DuckDB could not vouch for, with its
        position (0 for the first row after the header); `rows_read` is how many rows
        DuckDB read.

        One pass over the file's lines: a line without a quote is a row of its own (or an
        empty line, which neither reader counts), split into fields only when wanted; a line
        with a quote starts a row that Python's csv module reads, on as many lines as it
        takes. None when the two readings disagree: another number of rows, or a row read
        again whose width or id is not the one DuckDB saw there. With `every_id` (some id
        is on several rows, so which row is last matters) every row's width and id are
        compared, not only those read again.
        """
        query = f"SELECT source_id, whole FROM {_ROWS_TABLE} ORDER BY rowid"
        ids = db.execute(query).fetchall() if every_id else None
        expected = {
            position: (source_id, whole)
            for position, source_id, whole in db.execute(
                f"SELECT rowid - {first_rowid}, source_id, whole FROM {_ROWS_TABLE} "
                "WHERE NOT clean AND NOT blank"
            ).fetchall()
        }
        # The positions to stop at, in order: comparing with the next is cheaper than a
        # lookup per row.
        stops = iter(sorted(expected))
        next_stop = next(stops, -1)
        width = self.header.width
        found: list[tuple[int, Page | PageReject | None]] = []
        position = -1
        line = 1  # the header's (see `open`)
        source = Input(self.path)
        try:
            lines = iter(text_stream(source))
            next(lines, None)
            for text in lines:
                line += 1
                starts = line
                row: list[str] | None = None
                if '"' in text:
                    reader = csv.reader(itertools.chain((text,), lines))
                    row = next(reader, [])
                    line += reader.line_num - 1
                    if not row:
                        continue
                elif text[0] in "\r\n":  # a line ends at its first line break: empty
                    continue
                position += 1
                if position != next_stop and ids is None:
                    continue
                if position >= rows_read:
                    return None
                wanted = expected.pop(position, None)
                if wanted is not None:
                    next_stop = next(stops, -1)
                if row is None:
                    row = text.rstrip("\r\n").split(",")
                whole = len(row) == width
                duckdb_id, duckdb_whole = wanted or (ids[position] if ids else (None, True))
                if whole != duckdb_whole:
                    return None
                if whole and row_source_id(self.header, row) != duckdb_id:
                    return None
                if wanted is not None and any(cell.strip() for cell in row):
                    found.append((position, read_row(self.header, row, starts)))
        except csv.Error:
            return None
        finally:
            source.close()
        # Every row DuckDB read is one the row reader read, and the rows to read again
        # were all met, each with the width and id DuckDB saw.
        return found if position + 1 == rows_read and not expected else None

    def _select(self, parallel: bool = True) -> str:
        width = self.header.width
        # One column more than the header: a row with a field too many fills it (DuckDB
        # would drop an empty one without a word), a shorter row leaves the header's last
        # column NULL (null padding). Empty fields are '' rather than NULL, so the two are
        # told apart: only \\x01, which `open` makes sure the file does not hold, is NULL.
        names = [f"c{index}" for index in range(width + 1)]
        columns = ", ".join(f"'{name}': 'VARCHAR'" for name in names)
        path = self.path.replace("'", "''")
        source = (
            f"read_csv('{path}', header = true, auto_detect = false, columns = {{{columns}}}, "
            f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            f"null_padding = true, nullstr = ['\x01'], parallel = {str(parallel).lower()}, "
            f"compression = '{self.compression}')"
        )
        cell = self._cell
        source_id = f"coalesce({cell('id')}, {cell('number')})"
        responder = (
            f"coalesce({cell('assigned_to')}, {cell('escalated_to')}, {cell('acknowledged_by')})"
        )
        # A cell may list several people; the first is the one paged first.
        first_responder = first_person_sql("responder_part")
        present = [role for role in TIME_ROLES if role in self.header.columns]
        # Each time is parsed once (in `parsed`), then checked and used.
        times = " AND ".join(
            f"({role} IS NULL OR (regexp_matches({role}, '{PLAIN_TIME}') "
            f"AND {role}_time IS NOT NULL))"
            for role in present
        )
        seconds = " AND ".join(
            f"({cell(role)} IS NULL OR regexp_matches({cell(role)}, '{SECONDS}'))"
            for role in SECONDS_ROLES.values()
            if role in self.header.columns
        )
        # An acknowledgement or resolution before the page is the row reader's reject.
        in_order = " AND ".join(
            f"({self._moment(role)} IS NULL OR {self._moment(role)} >= created_time)"
            for role in ("acknowledged", "resolved")
        )
        checks = [
            "whole",
            times or "true",
            seconds or "true",
            in_order,
            f"{source_id} IS NOT NULL",
            f"{cell('created')} IS NOT NULL",
            f"coalesce({cell('title')}, {cell('description')}) IS NOT NULL",
        ]
        # Each cell as the row reader reads it: stripped as str.strip() does, empty as None.
        stripped = ", ".join(
            f"nullif({python_strip_sql(f'c{index}')}, '') AS {role}"
            for role, (index, _) in self.header.columns.items()
        )
        whole = f"c{width - 1} IS NOT NULL AND c{width} IS NULL"
        # A row of empty fields, of any width, is skipped by the row reader; one of spaces
        # too, but that one the row reader reads again (and skips).
        every_cell_empty = " AND ".join(f"coalesce({name}, '') = ''" for name in names)
        parsed = [f"{utc_time_sql(role)} AS {role}_time" for role in present] + [
            # (the cells are stripped: one without ";" is its own first part)
            f"CASE WHEN contains({responder}, ';') THEN "
            f"{python_strip_sql(f'regexp_extract({responder}, {_BEFORE_SEMICOLON})')} "
            f"ELSE {responder} END AS responder_part"
        ]
        return (
            f"WITH cells AS (SELECT {stripped}, ({whole}) AS whole, "
            f"({every_cell_empty}) AS blank FROM {source}), "
            f"parsed AS (SELECT *, {', '.join(parsed)} FROM cells) "
            f"SELECT '{SOURCE}:' || {source_id} AS id, '{SOURCE}' AS source, "
            f"{source_id} AS source_id, coalesce({cell('incident_key')}, {source_id}) "
            f"AS incident_key, coalesce({cell('title')}, {cell('description')}) AS alert, "
            f"{cell('service')} AS service, {cell('urgency')} AS urgency, "
            f"{self._moment('created')} AS created_at, {self._moment('acknowledged')} "
            f"AS acknowledged_at, {self._moment('resolved')} AS resolved_at, "
            f"CASE WHEN {responder} IS NULL THEN NULL ELSE {first_responder} END AS responder, "
            f"({' AND '.join(checks)}) IS TRUE AS clean, blank, whole FROM parsed"
        )

    def _cell(self, role: str) -> str:
        """The stripped cell of a role (a column of `cells`), or NULL when the export has
        no column for it."""
        return role if role in self.header.columns else "NULL::VARCHAR"

    def _moment(self, role: str) -> str:
        """The time of `role` (parsed in `_select`'s `parsed`), else created + the seconds
        in its seconds column."""
        if role in self.header.columns:
            return f"{role}_time"
        seconds = self._cell(SECONDS_ROLES[role])
        return f"created_time + {seconds_sql(seconds)}"


def _hash_and_scan(path: str) -> tuple[str, bool]:
    """The SHA-256 of the file's content, and whether DuckDB must not read it: a line or a
    field that starts with spaces then a double quote (conservatively: also where that is
    inside a quoted value), or a NUL or \\x01 byte."""
    source = Input(path)
    found = False
    tail = b""
    try:
        while block := source.read(CHUNK_BYTES):
            if not found:
                # A quote after spaces has its quote in the new block: a block without one
                # (most exports quote few cells) needs no search for the two bytes.
                if b'"' in block:
                    found = _spaced_quote(tail + block, len(tail))
                found = found or b"\x00" in block or b"\x01" in block
                tail = (tail + block[-_TAIL:])[-_TAIL:]
        return source.sha256.hexdigest(), found
    finally:
        source.close()


_TAIL = 256


def _count(db: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _spaced_quote(data: bytes, new_from: int) -> bool:
    """Whether `data` has, at or after `new_from`, a quote that follows spaces opening a
    line or a field; spaces back to the start of `data` count as opening one."""
    at = data.find(b' "', max(new_from - 1, 0))
    while at != -1:
        start = at
        while start > 0 and data[start - 1] == 0x20:
            start -= 1
        if start == 0 or data[start - 1] in b",\r\n":
            return True
        at = data.find(b' "', at + 1)
    return False


def utc_time_sql(text: str) -> str:
    """SQL for an ISO 8601 text as naive UTC: an offset (or Z) is applied, none means UTC,
    on a connection whose TimeZone is UTC (`BulkCsv.stage` sets it). A TIMESTAMPTZ is µs
    since 1970 in UTC: taken as they are, they need neither a test of the text for an
    offset nor a time zone conversion."""
    return f"make_timestamp(epoch_us(try_cast({text} AS TIMESTAMPTZ)))"


def seconds_sql(text: str) -> str:
    """SQL for a number of seconds (as `SECONDS`) as an interval, exact to the microsecond."""
    return f"to_microseconds(CAST(try_cast({text} AS DECIMAL(38, 6)) * 1000000 AS BIGINT))"


_BEFORE_SEMICOLON = "'^[^;]*'"
_BEFORE_COMMA = "'^[^,]*'"


def first_person_sql(part: str) -> str:
    """SQL for `formats.common.first_person` of a cell, given `part`: the cell up to its
    first ";", stripped (so a part without a comma is the first person as it is)."""
    last_first = f"'{LAST_FIRST}'"
    return (
        f"CASE WHEN NOT contains({part}, ',') THEN {part} "
        f"WHEN regexp_matches({part}, {last_first}) "
        f"THEN regexp_replace({part}, {last_first}, '\\1, \\2') "
        f"ELSE {python_strip_sql(f'regexp_extract({part}, {_BEFORE_COMMA})')} END"
    )


def python_strip_sql(text: str) -> str:
    """SQL for `text.strip()`: every character str.isspace() is true for, off both ends.

    A text that begins and ends with a printable ASCII character (`!` to `~`: no space of
    any kind) is kept as it is, told by two comparisons; only the others go through the
    regular expressions.
    """
    edge = f"'^{PYTHON_WHITESPACE}|{PYTHON_WHITESPACE}$'"
    printable_ends = f"{text} >= '!' AND {text} < '\x7f' AND {text}[-1] BETWEEN '!' AND '~'"
    return (
        f"CASE WHEN {printable_ends} THEN {text} "
        f"WHEN regexp_matches({text}, {edge}) THEN regexp_replace({text}, "
        f"'^{PYTHON_WHITESPACE}+|{PYTHON_WHITESPACE}+$', '', 'g') ELSE {text} END"
    )
