"""Toil entries from a worklog export: Jira worklog reports, Tempo, Linear's CSV (with a
time column mapped) and plain spreadsheets.

`read_worklog` is pure: it takes the file's bytes. The text is UTF-8 (a BOM is dropped),
UTF-16 with its BOM (Excel's "Unicode text"), else Windows-1252 (Excel's CSV on Windows);
the delimiter is the one of `,`, `;` or tab the header line holds most of. Blank lines and
rows of empty cells are skipped and counted, and so are rows repeating the header (exports
glued together). Every other row becomes a `ToilRecord` or a `ToilReject` naming its line,
its column and what was expected there. A file it cannot read at all (no header, no column
for a required field, a repeated column of a field of one value) raises InputError, and so
does Jira's issue export, whose Time Spent is each issue's running total, unless a column is
mapped as the id (one entry per issue, counted once).

Identity (`source_key`): `id:<worklog id>` when the export has a worklog id column; else
`row:<digest>#<n>`, the digest of (person, day, minutes, ticket, description in lower case
with runs of spaces as one) and n counting rows with that digest in the file. An export that
overlaps an earlier one brings the same keys, and the store keeps one entry per key.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from basics.config.people import People
from basics.core.errors import InputError
from basics.toil.formats.columns import ALIASES, Columns, find_columns, normalised
from basics.toil.models import UNCATEGORISED, ToilRecord, ToilReject
from basics.toil.parse import (
    DateOrder,
    checked_category,
    day_of,
    description_of,
    flag_of,
    minutes_of,
    slash_order,
)

RAW_CAP = 2000
_LABEL_SPLIT = re.compile(r"[,;\s]+")
_AUTOMATABLE_LABELS = {"automatable", "automate", "toil:automatable"}
# Columns of a worklog's own day, as worklog reports write them; an issue export's days
# (Created, Resolved, Jira Cloud's "Start date") are the issue's.
_WORKLOG_DAYS = {"date", "day", "work date", "worklog date", "started", "date started",
                 "started at", "start", "logged at"}  # fmt: skip
_ISSUE_TOTALS = {"time spent", "σ time spent"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read one export: column mapping, date order, defaults and allowed values."""

    mapping: dict[str, str] = field(default_factory=dict)
    dates: DateOrder | None = None
    person: str | None = None
    category: str | None = None
    service: str | None = None
    categories: tuple[str, ...] = ()
    """The categories entries may use; any when empty."""
    oncall_derived: bool = True
    """On-call time comes from pages: a row of category on-call is refused."""


@dataclass
class Worklog:
    """What one export holds: its records and rejects, the rows skipped, how it was read."""

    records: list[ToilRecord]
    rejects: list[ToilReject]
    blank_rows: int
    header_rows: int
    encoding: str
    columns: dict[str, str]


class RowError(Exception):
    """A row cannot become an entry: the column at fault and what was expected there."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def decode(data: bytes) -> tuple[str, str]:
    """The text of an export and the encoding it was read in."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Not UTF-8: Excel on Windows writes CSV in Windows-1252; five bytes are undefined
        # there, and Latin-1 reads every byte.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def read_worklog(data: bytes, name: str, people: People, options: ReadOptions) -> Worklog:
    """The toil records of one export and the rows rejected; `name` is for messages."""
    text, encoding = decode(data)
    _check_not_json(text, name)
    rows, blank = _rows(text, name)
    if not rows:
        raise InputError(f"{name}: no header row: the file is empty")
    header = rows[0][1]
    _check_issue_export(header, options, name)
    columns = find_columns(header, options.mapping, name)
    _check_required(columns, header, options, name)
    wanted = [normalised(cell) for cell in header]
    body = [(line, row) for line, row in rows[1:] if [normalised(c) for c in row] != wanted]
    reader = _RowReader(columns, header, people, options, _date_order(body, columns, options))
    records: list[ToilRecord] = []
    rejects: list[ToilReject] = []
    for line, row in body:
        try:
            records.append(reader.record(line, row))
        except RowError as error:
            raw = ",".join(row)[:RAW_CAP]
            rejects.append(ToilReject(line, error.column, error.reason, raw))
    return Worklog(
        records=_with_keys(records),
        rejects=rejects,
        blank_rows=blank,
        header_rows=len(rows) - 1 - len(body),
        encoding=encoding,
        columns=columns.describe(),
    )


def _rows(text: str, name: str) -> tuple[list[tuple[int, list[str]]], int]:
    """The rows that hold something, each with the line it starts on; and how many blank
    lines and rows of empty cells there were."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    blank = 0
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in row):
                rows.append((start, row))
            else:
                blank += 1
    except csv.Error as error:
        raise InputError(f"{name}:{end + 1}: unreadable CSV: {error}") from None
    return rows, blank


def _check_required(
    columns: Columns, header: Sequence[str], options: ReadOptions, name: str
) -> None:
    """InputError when no column (and no default) gives a required field, saying which
    names were looked for and how to map one."""
    cells = {normalised(cell) for cell in header}
    if columns.time_unit is None and {"estimate", "title", "assignee"} <= cells:
        raise InputError(
            f"{name}: a Linear export records no time spent (Estimate is points unless "
            "the team estimates in hours): map a column that holds time, e.g. "
            "--mapping 'hours=Estimate' if your estimates are hours"
        )
    needs = {
        "person": "person" in columns.index or options.person is not None,
        "date": "date" in columns.index,
        "time spent": columns.time_unit is not None,
    }
    for wanted, found in needs.items():
        if found:
            continue
        aliases = ALIASES["person"] if wanted == "person" else ALIASES.get(wanted, ())
        if wanted == "time spent":
            aliases = ALIASES["seconds"][:2] + ALIASES["hours"][:2] + ALIASES["duration"][:2]
        hint = " or give --person for a one-person sheet" if wanted == "person" else ""
        target = "hours" if wanted == "time spent" else wanted
        raise InputError(
            f"{name}: no column for the {wanted} (looked for: {', '.join(aliases[:6])}, ...; "
            f"found: {', '.join(cell.strip() for cell in header)}); name it with "
            f"--mapping '{target}=COLUMN'{hint}"
        )


def _check_not_json(text: str, name: str) -> None:
    """InputError when the file is JSON (an API's answer), which no header can be read
    from: its text would be listed as the "columns" found."""
    start = text.lstrip()[:2]
    if start[:1] == "[" or (start[:1] == "{" and start[1:2] in ('"', "\n", " ", "\r", "\t")):
        raise InputError(
            f"{name}: this looks like JSON (it starts with {start[:1]!r}); toil is read from "
            "CSV worklog exports with a header row (Jira worklog reports, Tempo, Harvest, "
            "Toggl, Linear, a spreadsheet): export or convert it to CSV with columns for "
            "the person, date and time spent (see docs/toil.md)"
        )


def _check_issue_export(header: Sequence[str], options: ReadOptions, name: str) -> None:
    """InputError when the file is Jira's issue export, whose "Time Spent" is each issue's
    total so far, unless the issue is mapped as the id (each issue counted once)."""
    cells = {normalised(cell) for cell in header}
    if "id" in options.mapping.values():
        return
    if any(cell.startswith("log work") for cell in cells):
        why = "it packs the worklogs into 'Log Work' cells"
    elif (
        "issue key" in cells
        and cells & _ISSUE_TOTALS
        and not cells & (_WORKLOG_DAYS | set(ALIASES["id"]))
    ):
        why = "it has Issue key and Time Spent but no worklog id or date"
    else:
        return
    raise InputError(
        f"{name}: this is Jira's issue export ({why}): one row per issue, its Time Spent "
        "the issue's total so far, so all of an issue's time would fall on one day and a "
        "later export would count it again. Export the worklogs instead (Tempo's worklog "
        "export or a Jira worklog report: one row per worklog, with its date); or, to count "
        "each issue's total once on a day you choose, map the issue as the id: "
        "--mapping 'id=Issue id,date=Resolved,seconds=Time Spent'"
    )


def _date_order(
    body: list[tuple[int, list[str]]], columns: Columns, options: ReadOptions
) -> DateOrder | None:
    """The order of `a/b/year` dates: as told, else as the file's own dates show."""
    if options.dates is not None:
        return options.dates
    at = columns.index["date"]
    return slash_order(row[at] for _, row in body if at < len(row))


class _RowReader:
    """Turns one row into a record, or raises RowError naming the column at fault."""

    def __init__(
        self,
        columns: Columns,
        header: Sequence[str],
        people: People,
        options: ReadOptions,
        order: DateOrder | None,
    ) -> None:
        self.columns = columns
        self.header = header
        self.width = len(header)
        self.people = people
        self.options = options
        self.order = order
        self.row: list[str] = []
        self.read_from: dict[str, int] = {}  # the column each field's cell came from

    def record(self, line: int, row: list[str]) -> ToilRecord:
        if len(row) > self.width and any(cell.strip() for cell in row[self.width :]):
            raise RowError(
                None, f"expected {self.width} columns as in the header, found {len(row)}"
            )
        self.row = row
        self.read_from = {}
        cells = self._cells("labels")
        labels = [label.lower() for cell in cells for label in _LABEL_SPLIT.split(cell) if label]
        person = self._person()
        automatable = self._flag() if self._cell("automatable") else None
        if automatable is None and _AUTOMATABLE_LABELS & set(labels):
            automatable = True
        # One line: a quoted cell may hold line breaks.
        description = description_of(self._cell("description"))
        return ToilRecord(
            person=person,
            day=self._day(person),
            minutes=self._minutes(),
            category=self._category(labels),
            service=self._cell("service") or _labelled(labels, "service:") or self.options.service,
            description=description,
            ticket=self._cell("ticket") or None,
            automatable=automatable,
            source_key=self._cell("id") or None,
            line=line,
        )

    def _cell(self, name: str) -> str:
        """The field's cell, else the first non-empty of its other recognised columns."""
        return next(iter(self._cells(name)), "")

    def _cells(self, name: str) -> list[str]:
        """The non-empty cells of the field's column and its copies (Jira's "Labels" once per
        label), else of the first of its other recognised columns that has any."""
        at = self.columns.index.get(name)
        if at is None:
            return []
        joined = self.columns.joins.get(name)
        if joined is not None:  # First Name + Last Name
            text = " ".join(self.row[i].strip() for i in joined if i < len(self.row))
            return [" ".join(text.split())] if text.strip() else []
        for column in (at, *self.columns.fallbacks.get(name, ())):
            same = (column, *self.columns.copies.get(column, ()))
            texts = [self.row[i].strip() for i in same if i < len(self.row)]
            if any(texts):
                self.read_from[name] = column
                return [text for text in texts if text]
        return []

    def _column(self, name: str) -> str:
        """The header of the column the field was read from in this row (a fallback's, when
        its own column was empty: Tempo's Full name when Username is), for messages."""
        if name in self.read_from and name not in self.columns.joins:
            return self.header[self.read_from[name]].strip()
        return self.columns.names.get(name, name)

    def _person(self) -> str:
        """The person of the first person column whose cell names one of basics.yaml (Tempo's
        Username, else its Full name: a login nobody declares beside a name someone has);
        when none does, the first non-empty cell's error, naming its column."""
        at = self.columns.index.get("person")
        columns: tuple[int, ...] = ()
        if at is not None and "person" not in self.columns.joins:
            columns = (at, *self.columns.fallbacks.get("person", ()))
        texts = [(i, self.row[i].strip()) for i in columns if i < len(self.row)]
        texts = [(i, text) for i, text in texts if text]
        if len(texts) < 2:  # one column (or joined ones): as it reads
            text = self._cell("person") or self.options.person
            if not text:
                raise RowError(self._column("person"), "missing person: expected who did the work")
            try:
                return self.people.resolve(text)
            except ValueError as error:
                raise RowError(self._column("person"), str(error)) from None
        first: ValueError | None = None
        for column, text in texts:
            try:
                found = self.people.resolve(text)
            except ValueError as error:
                first = first or error
                continue
            self.read_from["person"] = column
            return found
        self.read_from["person"] = texts[0][0]
        raise RowError(self._column("person"), str(first))

    def _day(self, person: str) -> dt.date:
        text = self._cell("date")
        if not text:
            raise RowError(self._column("date"), "missing date: expected the day of the work")
        try:
            return day_of(text, self.people.zone_of(person), self.order)
        except ValueError as error:
            raise RowError(self._column("date"), str(error)) from None

    def _minutes(self) -> float:
        unit = self.columns.time_unit
        assert unit is not None  # `_check_required` saw to it
        text = self._cell(unit)
        if not text:
            raise RowError(self._column(unit), "missing time spent: expected e.g. 1h 30m")
        try:
            return minutes_of(text, unit)
        except ValueError as error:
            raise RowError(self._column(unit), str(error)) from None

    def _category(self, labels: list[str]) -> str:
        cell, label = self._cell("category"), _labelled(labels, "toil:")
        # The column at fault is the one the category came from.
        column = self._column("category" if cell or not label else "labels")
        written = cell or label or self.options.category or UNCATEGORISED
        try:
            return checked_category(written, self.options.categories, self.options.oncall_derived)
        except ValueError as error:
            raise RowError(column, str(error)) from None

    def _flag(self) -> bool | None:
        try:
            return flag_of(self._cell("automatable"))
        except ValueError as error:
            raise RowError(self._column("automatable"), str(error)) from None


def _labelled(labels: list[str], prefix: str) -> str | None:
    """The value of the first label `prefix<value>` (toil:interrupt, service:api)."""
    found = next(
        (label[len(prefix) :] for label in labels if label.lower().startswith(prefix)), None
    )
    return found if found and found != "automatable" else None


def _with_keys(records: list[ToilRecord]) -> list[ToilRecord]:
    """Each record with its identity: its worklog id, else its content and occurrence."""
    seen: Counter[str] = Counter()
    keyed = []
    for record in records:
        if record.source_key is not None:
            key = f"id:{record.source_key}"
        else:
            digest = content_digest(record)
            seen[digest] += 1
            key = f"row:{digest}#{seen[digest]}"
        keyed.append(replace(record, source_key=key))
    return keyed


def content_digest(record: ToilRecord) -> str:
    """What identifies a worklog row without an id: who, which day, how long, on what."""
    words = " ".join((record.description or "").lower().split())
    text = "\x1f".join(
        (record.person, record.day.isoformat(), f"{record.minutes:.4f}", record.ticket or "", words)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]
