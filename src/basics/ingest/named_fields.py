"""Records whose fields are found by name: the machinery of readers of loosely specified
exports (a CSV with a header row, JSON lines), whatever the domain.

A reader gives a table of its fields and their common names (`Names`), most telling first.
A record's field is the first of those names it holds a value under, names compared without
case, spaces, `-` or `_` ("Created At" is created_at), unless a mapping (`--mapping
FIELD=NAME,...`) names the source's own (a CSV column, or a dotted path into nested JSON).
A file that is not UTF-8 may be read as Windows-1252 (a spreadsheet's CSV).

The pages' and the deploys' readers both stand on this module, so it knows neither: what
cannot be read is a neutral `Reject` each domain turns into its own, and messages that
differ between domains are worded by the caller.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from basics.core.errors import InputError
from basics.ingest.encoding import line_problem, start_problem

RAW_CAP = 2000
"""The most of a record's text a reject keeps."""

Names = Mapping[str, tuple[str, ...]]
"""Each field and the names it goes by, most telling first."""
Lookup = Callable[[str], tuple[Any, str]]
"""A field's value in one record and the source's name for it (for messages)."""


class Reject(NamedTuple):
    """What could not be read, in the shape of every domain's reject (`PageReject(*reject)`)."""

    line: int
    field: str | None
    reason: str
    raw: str


def norm(name: str) -> str:
    """A name as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _holds(value: Any) -> bool:
    """Whether a value says something (`""` and `null` do not: a run's empty conclusion)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, or None where any step is missing or not an object."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# --- the mapping ------------------------------------------------------------------------------


def parse_mapping(text: str | None) -> dict[str, str]:
    """`FIELD=NAME,FIELD=NAME` as a dict; InputError when a pair is malformed."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        field, sep, name = part.partition("=")
        # Quotes a shell kept (`alert="Alert Name"` inside single quotes) are not the name.
        field, name = field.strip(), name.strip().strip("\"'").strip()
        if not sep or not field or not name:
            raise InputError(f'--mapping: expected FIELD=COLUMN, found "{part.strip()}"')
        mapping[field] = name
    return mapping


def check_mapping(
    mapping: Mapping[str, str] | None,
    names: Names,
    unknown: str = '--mapping: unknown field "{field}": expected one of {fields}{turned}',
    empty: str = '--mapping: the name for "{field}" is empty',
) -> dict[str, str]:
    """The mapping, checked: each key one of the fields, each value a non-empty name. The
    InputError is worded by `unknown` and `empty` (each domain keeps its own words), filled
    with the field, the fields and, where the pair is the wrong way round, a hint."""
    for field, name in (mapping or {}).items():
        if field not in names:
            turned = f"; did you mean {name}={field}?" if name in names else ""
            raise InputError(unknown.format(field=field, fields=", ".join(names), turned=turned))
        if not name.strip():
            raise InputError(empty.format(field=field))
    return dict(mapping or {})


# --- decoding ---------------------------------------------------------------------------------


def decode(data: bytes, name: str, *, windows: bool, as_json: bool) -> tuple[str, list[Reject]]:
    """The bytes as text: UTF-8, else with `windows` each line that is not UTF-8 read as
    Windows-1252 (rows saved as Windows text after a UTF-8 export's, as a spreadsheet
    appends them: the UTF-8 rows keep their "Zoë"), a BOM dropped either way. UTF-16 or
    UTF-32 is one reject. Otherwise each line that is neither is a reject (naming the
    byte, and with `as_json` the key), left blank so the other lines keep their numbers."""
    problem = start_problem(data[:8192], name)
    if problem is not None:
        return "", [Reject(1, None, problem, "")]
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines, rejects = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        text = _text_of(line, windows)
        if text is None:
            problem = line_problem(line, as_json) or "not UTF-8 nor Windows-1252 text"
            rejects.append(Reject(number, None, problem, line.decode("latin-1")[:RAW_CAP]))
        lines.append(text or "")
    return "\n".join(lines), rejects


def _text_of(line: bytes, windows: bool) -> str | None:
    """A line's text: UTF-8, else with `windows` Windows-1252; None when it is neither."""
    for encoding in ("utf-8", "cp1252") if windows else ("utf-8",):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            pass  # for cp1252: bytes it leaves undefined, so not Windows text either
    return None


# --- JSON ---------------------------------------------------------------------------------------


def json_lookup(
    record: Mapping[str, Any], names: Names, mapping: Mapping[str, str], inner: tuple[str, ...] = ()
) -> Lookup:
    """How one JSON object's fields are found: its own keys, then those of the objects under
    `inner` (`attributes`: a JSON:API resource, as Rootly's API gives them)."""
    found: dict[str, tuple[Any, str]] = {}  # each name: the value and the key it is under
    for key, value in record.items():
        found.setdefault(norm(key), (value, key))
    for outer in inner:
        nested = record.get(outer)
        if isinstance(nested, Mapping):
            for key, value in nested.items():
                found.setdefault(norm(key), (value, f"{outer}.{key}"))

    def lookup(field: str) -> tuple[Any, str]:
        if field in mapping:
            path = mapping[field]
            # A key with a dot in its name ("service.name", as OpenTelemetry writes it) is
            # tried before the nested path.
            return (record[path] if path in record else value_at(record, path)), path
        held = [found[n] for n in map(norm, names[field]) if n in found]
        return next((pair for pair in held if _holds(pair[0])), held[0] if held else (None, field))

    return lookup


# --- CSV ----------------------------------------------------------------------------------------


class Row(NamedTuple):
    """One CSV row to read: the line it starts on, how its fields are found, its text."""

    line: int
    lookup: Lookup
    raw: str


def csv_records(
    text: str, names: Names, mapping: Mapping[str, str], required: Mapping[str, str]
) -> Iterator[Row | Reject]:
    """Each row after the header row, or the reject of one that cannot be read: wider than
    the header, or the header itself when it lacks a column `mapping` names or one for a
    field of `required` (each with what else would name it, e.g. "--mapping alert=COLUMN"):
    then no row can be read, and nothing follows. A row that is the header again (exports
    joined by hand) is passed over; the delimiter is the comma, semicolon or tab the first
    line has most of (Excel writes ";" in many locales)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    header: _Header | None = None
    for line, cells in _rows(text, delimiter):
        if header is None:
            header = _Header(cells, names, mapping, delimiter)
            problem = header.problem(required)
            if problem is not None:
                yield Reject(line, *problem, header.raw(cells))
                return
        elif not header.repeats(cells):
            yield header.row(line, cells)


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank row and the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_line = 0
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells


class _Header:
    """Which columns hold each field, by the header's names."""

    def __init__(
        self, cells: list[str], names: Names, mapping: Mapping[str, str], delimiter: str
    ) -> None:
        self.names = names
        self.delimiter = delimiter
        self.cells = [cell.strip() for cell in cells]
        self.normalized = [norm(cell) for cell in self.cells]
        self.columns: dict[str, list[int]] = {}  # each field's columns, the first named first
        self.unmapped: list[tuple[str, str]] = []
        for field, aliases in names.items():
            wanted = [mapping[field]] if field in mapping else list(aliases)
            indices = [i for i in map(self._index, wanted) if i >= 0]
            if indices:
                self.columns[field] = list(dict.fromkeys(indices))
            elif field in mapping:
                self.unmapped.append((field, mapping[field]))

    def _index(self, name: str) -> int:
        wanted = norm(name)
        return self.normalized.index(wanted) if wanted in self.normalized else -1

    def problem(self, required: Mapping[str, str]) -> tuple[str, str] | None:
        """Why no row can be read (the field and the reason), or None."""
        present = ", ".join(self.cells)
        if self.unmapped:
            field, column = self.unmapped[0]
            return field, f'the mapping names column "{column}" for {field}; columns: {present}'
        for field, otherwise in required.items():
            if field not in self.columns:
                return field, (
                    f"no column for {field}: expected one named {', '.join(self.names[field])} "
                    f"(or {otherwise}); columns: {present}"
                )
        return None

    def repeats(self, cells: list[str]) -> bool:
        """Whether a row is the header again."""
        return [norm(cell) for cell in cells[: len(self.normalized)]] == self.normalized

    def row(self, line: int, cells: list[str]) -> Row | Reject:
        """A row to read, or its reject when it is wider than the header."""
        extra = [cell for cell in cells[len(self.cells) :] if cell.strip()]
        if extra:
            found = len(self.cells) + len(extra)
            reason = f"expected {len(self.cells)} columns as in the header, found {found}"
            return Reject(line, None, reason, self.raw(cells))

        def value(field: str) -> tuple[Any, str]:
            indices = self.columns.get(field)
            if indices is None:
                return None, field
            held = [(cells[i].strip() if i < len(cells) else "", i) for i in indices]
            cell, index = next((pair for pair in held if pair[0]), held[0])
            return (cell or None), self.cells[index]

        return Row(line, value, self.raw(cells))

    def raw(self, cells: list[str]) -> str:
        """A row as its text, for its reject."""
        return self.delimiter.join(cells)[:RAW_CAP]
