"""CSV: a header row names the columns; each record's fields are found by those names.

A quoted field may hold line breaks (RFC 4180), so a record may span lines. A quote left
open would then swallow every row after it into one cell, so the reader is strict about
what a quote may do; what it cannot take for one record is a reject of its own, never rows
merged without a word:

- a quoted field one of whose lines after its first holds as many fields as the header,
  whether a later quote closes it or the file ends first: a quote left open, which
  swallowed records. The record's lines up to the one that opened the quote are the
  reject, and reading goes on from the line after it, so each swallowed row is read as
  the record it is (a line break in a field of an address, `"1 Main St\\nSpringfield, IL"`,
  holds fewer fields than the header, and stays one cell);
- a quote still open when the file ends, no line of which holds such a record: the record
  is unfinished (a file cut short, or caught while being written), a reject whose reason
  starts with `files.UNFINISHED`, which the next ingest of the grown file takes back and
  reads again from the record's first line;
- text after a quoted field's closing quote (`"a"b`), and a field longer than the csv
  module's limit.

A record's raw text is the file's, as read (without its line ending). An Excel file's
first line `sep=;` names its delimiter, and is no header.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NamedTuple

import pyarrow as pa

from basics.config.models import SourceConfig
from basics.core.errors import InputError
from basics.ingest.encoding import repaired, text_problem
from basics.ingest.files import UNFINISHED
from basics.ingest.inputs import BOM, BOM_STARTS, Input, text_stream
from basics.ingest.mapping import DURATION_FACTORS, field_paths, named_twice
from basics.ingest.record_formats import RAW_CAP, ROWS_PER_TABLE, Rows

# Excel's first line naming the delimiter (`sep=;`): any character but a quote or a line end.
_SEP = re.compile('sep=([^"\r\n])(\r\n|\r|\n)?')
_LINE_BREAK = re.compile("\r\n|\r|\n")
_FIELD_LIMIT = "field larger than field limit"
_END_OF_DATA = "unexpected end of data"
_AFTER_QUOTE = "expected after '\"'"


def csv_tables(source: Input, config: SourceConfig, first_line: int = 1) -> Iterator[pa.Table]:
    """CSV with a header row; columns are found by header name, never by position.

    A batch of rows appended to a file (`source.has_header`) reads the file's header
    first, then rows from line `first_line` of the file on. The header row met again
    (files joined with `cat`, each file's byte-order mark too) is a reject that says so,
    and its order of columns, if another, is the one the rows after it are read by.
    """
    records = CsvRecords(text_stream(source, strict=True), config.delimiter or ",")
    # Lines of the stream are numbered from 1: its sep= line, its header, then its rows.
    offset = first_line - records.sep_lines - 2 if source.has_header else 0
    read = iter(records)
    header = next(read, None)
    if header is None:
        return
    if header.cells is None:
        raise InputError(
            f"{source.name}:{header.line + offset}: the header row cannot be read: {header.problem}"
        )
    columns = _CsvColumns(header.cells, config, header.line + offset)
    records.width = len(header.cells)
    rows = Rows()
    for record in read:
        line, cells = record.line + offset, record.cells
        if cells is None:
            rows.add(line_no=line, raw=repaired(record.raw), parse_field="record",
                     parse_error=record.problem)  # fmt: skip
            continue
        if not any(cells):  # a blank line, or a row of empty cells (Excel's `;;;;`)
            continue
        problem = next(
            (
                found
                for i, cell in enumerate(cells)
                if (found := text_problem(cell, _column_name(columns.header, i))) is not None
            ),
            None,
        )
        marked = cells[0].startswith(BOM)
        if marked:  # the start of a file joined with `cat` after another: its header?
            cells = [cells[0][len(BOM) :], *cells[1:]]
        if problem is not None:
            rows.add(line_no=line, raw=repaired(record.raw), parse_field="record",
                     parse_error=problem)  # fmt: skip
        elif columns.again(cells):
            reordered = [cell.strip() for cell in cells] != columns.names
            if reordered:
                columns = _CsvColumns(cells, config, line)
            rows.add(
                line_no=line,
                raw=record.raw,
                parse_field="record",
                parse_error="the header row again (files joined"
                + (", each with its byte-order mark" if marked else "")
                + "?), not a record"
                + ("; its order of columns is read from here on" if reordered else ""),
            )
        elif cells[0].startswith("sep=") and _SEP.fullmatch(record.raw.removeprefix(BOM)):
            again = "Excel's sep= line again (files joined?), not a record"
            rows.add(line_no=line, raw=record.raw, parse_field="record", parse_error=again)
        elif marked:
            rows.add(line_no=line, raw=record.raw, parse_field="record", parse_error=BOM_STARTS)
        elif len(cells) != len(columns.header):
            rows.add(
                line_no=line,
                raw=record.raw,
                parse_field="record",
                parse_error=f"expected {len(columns.header)} columns as in the header, "
                f"found {len(cells)}",
            )
        elif columns.problem is not None:
            rows.add(line_no=line, raw=record.raw, parse_field="record",
                     parse_error=columns.problem)  # fmt: skip
        else:
            rows.add(line_no=line, raw=record.raw, **columns.values(cells))
        if len(rows) >= ROWS_PER_TABLE:
            yield rows.take()
    if len(rows):
        yield rows.take()


def csv_header(path: str) -> bytes:
    """The bytes of a CSV file's header line, after its `sep=` line if it has one: what a
    batch of rows appended below them reads first."""
    with open(path, "rb") as handle:
        first = handle.readline()
        text = first.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        return first + handle.readline() if _SEP.fullmatch(text) else first


class Record(NamedTuple):
    """A record: the line it starts on, its cells (None when it cannot be read, and
    `problem` says why) and its text in the file."""

    line: int
    cells: list[str] | None
    raw: str
    problem: str | None = None


class CsvRecords:
    """The records of a CSV text, each with its raw text (see the module's docstring).

    `width`, the header's column count, is set by the caller once it has the header: a
    line inside a quoted field that holds as many fields was swallowed by a quote left
    open.
    """

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self.delimiter = delimiter
        self.width = 0
        self.sep_lines = 0
        self._numbered = enumerate(lines, start=1)
        self._pending: deque[tuple[int, str]] = deque()  # lines to read again, first
        self._taken: list[tuple[int, str]] = []  # the lines of the record being read
        first = next(self._numbered, None)
        if first is not None:
            sep = _SEP.fullmatch(first[1].removeprefix(BOM))
            if sep is not None:
                self.delimiter, self.sep_lines = sep.group(1), 1
            else:
                self._pending.append(first)

    def _lines(self) -> Iterator[str]:
        """The lines to read, each noted as a line of the record being read."""
        while True:
            if self._pending:
                item = self._pending.popleft()
            else:
                found = next(self._numbered, None)
                if found is None:
                    return
                item = found
            self._taken.append(item)
            yield item[1]

    def _reader(self) -> Any:
        return csv.reader(self._lines(), delimiter=self.delimiter, strict=True)

    def __iter__(self) -> Iterator[Record]:
        reader = self._reader()
        while True:
            self._taken = []
            error = None
            try:
                cells: list[str] | None = next(reader)
            except StopIteration:
                return
            except csv.Error as raised:
                cells, error = None, str(raised)
            taken = self._taken
            if not taken:
                return
            if error is None and len(taken) == 1:
                yield Record(taken[0][0], cells, _text(taken[0][1]))
                continue
            record, again = self._judged(taken, cells, error)
            yield record
            if again:  # read on from the line after the one that opened a stray quote
                self._pending.extendleft(reversed(again))
                reader = self._reader()

    def _judged(
        self, taken: list[tuple[int, str]], cells: list[str] | None, error: str | None
    ) -> tuple[Record, list[tuple[int, str]]]:
        """A record of several lines, or one the csv module could not read: the record or
        its reject, and the lines to read again (those after a quote left open). A record
        that reads whole, as wide as the header, stands even if a line of its quoted text
        looks like a row (a stack trace quoting a log line): only a broken one (an error,
        another width, a quote never closed) is looked into for rows it swallowed."""
        first = taken[0][0]
        broken = error is not None or cells is None or len(cells) != self.width
        text = "".join(line for _, line in taken)
        ends = list(accumulate(len(line) for _, line in taken))
        spans = _quoted_spans(text, self.delimiter)
        crossing: tuple[int, int | None] | None = None
        last = len(_text(text))  # where a quote never closed ends: before the last line end
        for opened, closed in spans:
            parts = _LINE_BREAK.split(text[opened + 1 : last if closed is None else closed])
            if len(parts) < 2:
                continue
            crossing = crossing or (opened, closed)
            at = bisect_right(ends, opened)  # the index in `taken` of the quote's line
            inside = next((k for k, part in enumerate(parts[1:], 1) if self._a_record(part)), None)
            if inside is not None and broken:
                where = (
                    "does not close before the file ends"
                    if closed is None
                    else f"closes only at line {taken[bisect_right(ends, closed)][0]}"
                )
                reason = (
                    f"a quote opened at line {taken[at][0]} {where}, and line "
                    f"{taken[at + inside][0]} inside it reads as a record of its own "
                    f"({self.width} fields, as the header has): a quote left open? Read on "
                    f"from line {taken[at][0] + 1}"
                )
                return self._reject(first, taken[: at + 1], reason), taken[at + 1 :]
        if error is None:
            return Record(first, cells, _text(text)[:RAW_CAP]), []
        if error.startswith(_END_OF_DATA) and spans and spans[-1][1] is None:
            opened_on = taken[bisect_right(ends, spans[-1][0])][0]
            reason = (
                f"{UNFINISHED}a quote opened at line {opened_on} does not close before the "
                "file ends (a file cut short, or still being written: the record is read "
                "again whole when the file goes on)"
            )
            return self._reject(first, taken, reason), []
        detail = _error_text(error)
        if crossing is not None:
            at = bisect_right(ends, crossing[0])
            reason = (
                f"a quote opened at line {taken[at][0]} is followed at line {taken[-1][0]} "
                f"by {detail}: a quote left open? Read on from line {taken[at][0] + 1}"
            )
            return self._reject(first, taken[: at + 1], reason), taken[at + 1 :]
        return self._reject(first, taken, f"cannot be read as CSV: {detail}"), []

    def _a_record(self, line: str) -> bool:
        """Whether a line inside a quoted field holds as many fields as the header (of two
        or more): a row of its own, swallowed by a quote left open."""
        if self.width < 2 or not line:
            return False
        return len(next(csv.reader([line], delimiter=self.delimiter), [])) == self.width

    @staticmethod
    def _reject(first: int, lines: list[tuple[int, str]], reason: str) -> Record:
        return Record(first, None, _text("".join(line for _, line in lines))[:RAW_CAP], reason)


def _text(line: str) -> str:
    """A record's text without its line ending."""
    return line.rstrip("\r\n")


def _error_text(error: str) -> str:
    """What the csv module's error means, in the words of a reject."""
    if _AFTER_QUOTE in error:
        return 'text after a closing quote (a quote inside a quoted field is written twice: "")'
    if error.startswith(_FIELD_LIMIT):
        return f"a field longer than {csv.field_size_limit():,} characters"
    return error


def _quoted_spans(text: str, delimiter: str) -> list[tuple[int, int | None]]:
    """Where each quoted field of a record's text opens and closes (None: it does not)."""
    spans: list[tuple[int, int | None]] = []
    at, field_start, size = 0, True, len(text)
    while at < size:
        if field_start and text[at] == '"':
            close = text.find('"', at + 1)
            while close >= 0 and text.startswith('""', close):  # a quote written twice
                close = text.find('"', close + 2)
            if close < 0:
                spans.append((at, None))
                return spans
            spans.append((at, close))
            at, field_start = close + 1, False
            continue
        field_start = text[at] in (delimiter, "\n", "\r")
        at += 1
    return spans


class _CsvColumns:
    """Where a header puts each field a source reads."""

    def __init__(self, header: list[str], config: SourceConfig, line: int) -> None:
        self.header = header
        self.names = [name.strip() for name in header]
        self._sorted = sorted(self.names)
        index = {name: i for i, name in enumerate(self.names)}
        paths = field_paths(config)

        def column(candidates: tuple[str, ...]) -> int | None:
            return next((index[c] for c in candidates if c in index), None)

        self.picks = {
            "ts_text": column(paths.candidates["ts"]),
            "service": column(paths.candidates["service"]),
            "operation": column(paths.candidates["operation"]),
            "user_id": column(paths.candidates["user"]),
            "status_text": column(paths.candidates["status"]),
            "record_id": column((config.id,)) if config.id else None,
        }
        durations = [(column(paths.candidates[n]), f) for n, f in DURATION_FACTORS.items()]
        duration: tuple[int | None, float] = next(
            ((c, f) for c, f in durations if c is not None), (None, 1.0)
        )
        self.duration, self.factor = duration
        self.attrs = {name: index[path] for name, path in paths.attrs.items() if path in index}
        read = [*self.picks.values(), self.duration, *self.attrs.values()]
        self.problem = _named_twice(self.names, read, line)

    def again(self, cells: list[str]) -> bool:
        """Whether a row is the header again, in any order of its columns."""
        return cells[0].strip() in self.names and sorted(c.strip() for c in cells) == self._sorted

    def values(self, record: list[str]) -> dict[str, Any]:
        """A row's fields, as `Rows.add` takes them."""
        found: dict[str, Any] = {
            k: (record[c] or None) if c is not None else None for k, c in self.picks.items()
        }
        found["duration_text"] = (
            record[self.duration] or None if self.duration is not None else None
        )
        found["duration_factor"] = self.factor
        found["attrs"] = [(k, record[c]) for k, c in self.attrs.items() if record[c]]
        return found


def _named_twice(names: list[str], read: list[int | None], line: int) -> str | None:
    """Why rows cannot be read when a column the source reads is named twice in the
    header at `line`, or None."""
    found = named_twice(names, read)
    if found is None:
        return None
    name, first, second = found
    return (
        f'column "{name}" is named twice in the header at line {line} (columns {first} and '
        f"{second}): which of the two values was meant is not ours to guess; rename one"
    )


def _column_name(header: list[str], index: int) -> str:
    name = header[index].strip() if index < len(header) else ""
    return f'in column "{repaired(name)}"' if name else f"in column {index + 1}"
