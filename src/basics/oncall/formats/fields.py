"""Records whose fields are found by name: the machinery of readers of loosely specified
exports (a CSV with a header row, JSON lines), whatever the domain.

A reader gives a table of its fields and their common names (`Names`), most telling first.
A record's field is the first of those names it holds a value under, names compared without
case, spaces, `-` or `_` ("Created At" is created_at), unless a mapping (`--mapping
FIELD=NAME,...`) names the source's own (a CSV column, or a dotted path into nested JSON).
A file that is not UTF-8 is read as Windows-1252 (a spreadsheet's CSV).

The deploys' records reader (`basics.deploys.formats.records`) does the same for deploys
with a copy of its own; this module is the domain-neutral form of it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from basics.core.errors import InputError
from basics.ingest.encoding import line_problem, start_problem
from basics.oncall.formats.common import RAW_CAP, RecordError, value_at
from basics.oncall.models import PageReject

Names = Mapping[str, tuple[str, ...]]
"""Each field and the names it goes by, most telling first."""
Lookup = Callable[[str], tuple[Any, str]]
"""A field's value in one record and the source's name for it (for messages)."""


def norm(name: str) -> str:
    """A name as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


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


def check_mapping(mapping: Mapping[str, str] | None, names: Names) -> dict[str, str]:
    """The mapping, checked: each key one of the fields, each value a non-empty name."""
    for field, name in (mapping or {}).items():
        if field not in names:
            turned = f"; did you mean {name}={field}?" if name in names else ""
            raise InputError(
                f'--mapping: unknown field "{field}": expected one of {", ".join(names)}{turned}'
            )
        if not name.strip():
            raise InputError(f'--mapping: the name for "{field}" is empty')
    return dict(mapping or {})


def holds(value: Any) -> bool:
    """Whether a value says something (`""` and `null` do not)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


# --- decoding ---------------------------------------------------------------------------------


def decode(data: bytes, name: str) -> tuple[str, list[PageReject]]:
    """The bytes as text: UTF-8, else Windows-1252 as a whole (a BOM dropped either way:
    rows saved as Windows text may follow a UTF-8 export's); UTF-16 or UTF-32 is one
    reject. Bytes Windows-1252 leaves undefined make each line holding one a reject, left
    blank so the other lines keep their numbers."""
    problem = start_problem(data[:8192], name)
    if problem is not None:
        return "", [PageReject(1, None, problem, "")]
    data = data.removeprefix(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            pass
    lines, rejects = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        problem = line_problem(line, as_json=False)
        if problem is None:
            lines.append(line.decode("utf-8"))
        else:
            rejects.append(PageReject(number, None, problem, line.decode("latin-1")[:RAW_CAP]))
            lines.append("")
    return "\n".join(lines), rejects


# --- JSON ---------------------------------------------------------------------------------------


def json_lookup(record: Mapping[str, Any], names: Names, mapping: Mapping[str, str]) -> Lookup:
    """How one JSON object's fields are found: its own keys, then those of its
    `attributes` object (a JSON:API resource, as Rootly's API gives them)."""
    found: dict[str, tuple[Any, str]] = {}  # each name: the value and the key it is under
    for key, value in record.items():
        found.setdefault(norm(key), (value, key))
    attributes = record.get("attributes")
    if isinstance(attributes, Mapping):
        for key, value in attributes.items():
            found.setdefault(norm(key), (value, f"attributes.{key}"))

    def lookup(field: str) -> tuple[Any, str]:
        if field in mapping:
            path = mapping[field]
            # A key with a dot in its name is tried before the nested path.
            return (record[path] if path in record else value_at(record, path)), path
        held = [found[n] for n in map(norm, names[field]) if n in found]
        return next((pair for pair in held if holds(pair[0])), held[0] if held else (None, field))

    return lookup


# --- CSV ----------------------------------------------------------------------------------------


def csv_rows(text: str) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The delimiter (comma, semicolon or tab, as the first line has most) and each
    non-blank row with the line it starts on."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)  # Excel writes ";" in many locales

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        last_line = 0
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells

    return delimiter, rows()


class CsvHeader:
    """Which columns hold each field, by the header's names."""

    def __init__(
        self, cells: list[str], names: Names, mapping: Mapping[str, str], delimiter: str
    ) -> None:
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

    def problem(self, required: Names) -> tuple[str, str] | None:
        """Why no row can be read (the field and the reason), or None: a mapped column the
        header lacks, or no column for a required field (`required`: field and the words
        that say what it is)."""
        present = ", ".join(self.cells)
        if self.unmapped:
            field, column = self.unmapped[0]
            return field, f'the mapping names column "{column}" for {field}; columns: {present}'
        for field, aliases in required.items():
            if field not in self.columns:
                return field, (
                    f"no column for {field}: expected one named {', '.join(aliases)} "
                    f"(or --mapping {field}=COLUMN); columns: {present}"
                )
        return None

    def repeats(self, cells: list[str]) -> bool:
        """Whether a row is the header again (exports joined by hand)."""
        return [norm(cell) for cell in cells[: len(self.normalized)]] == self.normalized

    def lookup(self, cells: list[str]) -> Lookup:
        """How one row's fields are found; a RecordError for a row wider than the header."""
        extra = [cell for cell in cells[len(self.cells) :] if cell.strip()]
        if extra:
            found = len(self.cells) + len(extra)
            raise RecordError(
                None, f"expected {len(self.cells)} columns as in the header, found {found}"
            )

        def value(field: str) -> tuple[Any, str]:
            indices = self.columns.get(field)
            if indices is None:
                return None, field
            held = [(cells[i].strip() if i < len(cells) else "", i) for i in indices]
            cell, index = next((pair for pair in held if pair[0]), held[0])
            return (cell or None), self.cells[index]

        return value

    def raw(self, cells: list[str]) -> str:
        """A row as its text, for its reject."""
        return self.delimiter.join(cells)[:RAW_CAP]
