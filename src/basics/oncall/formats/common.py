"""What the page readers share: times, field access, JSON records with their lines, rejects."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from basics.ingest.named_fields import RAW_CAP, value_at
from basics.oncall.models import Page, PageReject

TIME_EXPECTED = "ISO 8601 with an offset such as 2026-03-02T14:00:05Z"
_EPOCH = dt.datetime(1970, 1, 1)


class RecordError(Exception):
    """A record cannot become a page: the field at fault and what was expected there."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def make_reject(line: int, error: RecordError, raw: str) -> PageReject:
    """The reject for a record, its raw text capped."""
    return PageReject(line=line, field=error.field, reason=error.reason, raw=raw[:RAW_CAP])


def join_lines(text_lines: Iterable[str]) -> str:
    """The lines as one text, whether or not each kept its newline."""
    return "".join(line if line.endswith("\n") else line + "\n" for line in text_lines)


class PageSet:
    """Pages by id in first-seen order; a later record with the same id replaces the earlier."""

    def __init__(self) -> None:
        self._pages: dict[str, Page] = {}

    def add(self, page: Page) -> None:
        self._pages[page.id] = page

    def pages(self) -> list[Page]:
        return list(self._pages.values())


# --- people ------------------------------------------------------------------------------

SPACE_CHARS = "\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The characters str.strip() removes (str.isspace()), as the inside of a regex class."""
_WORD = f"[^{SPACE_CHARS},;@]+"
LAST_FIRST = re.compile(f"({_WORD})[{SPACE_CHARS}]*,[{SPACE_CHARS}]*({_WORD})")
"""A name written last name first: two single words around one comma ("Müller, José")."""


def first_person(cell: str) -> str:
    """The first person a cell of people names, stripped ("" when none). People are listed
    with ";" between them, or "," between full names or e-mails ("Jane Doe, Raj Patel");
    two single words around one comma are one person, last name first, kept so ("Doe,
    Jane": `People.find` knows Jane Doe by it)."""
    first = cell.split(";")[0].strip()
    found = LAST_FIRST.fullmatch(first)
    if found:
        return f"{found[1]}, {found[2]}"
    return first.split(",")[0].strip()


NOT_PEOPLE = frozenset(
    {
        "automatically", "automatic", "auto", "autoresolved", "autoresolve",
        "resolvedautomatically", "autoclosed", "system", "timeout", "timedout", "expired",
        "api", "integration", "monitor", "rule", "none", "null", "unknown", "na",
    }
)  # fmt: skip
"""What tools write where a person would be when none was ("resolved_by": "Automatically",
Opsgenie's "System"), compared lower case, letters and digits only."""


def not_a_person(name: str) -> bool:
    """Whether a responder field says that no one answered (`NOT_PEOPLE`)."""
    return re.sub(r"[^a-z0-9]", "", name.lower()) in NOT_PEOPLE


# --- times -------------------------------------------------------------------------------


def check_order(
    created_at: dt.datetime,
    acknowledged_at: dt.datetime | None,
    resolved_at: dt.datetime | None,
    names: tuple[str, str, str] = ("created_at", "acknowledged_at", "resolved_at"),
) -> None:
    """A RecordError naming the field when the page was acknowledged or resolved before it
    was created: a time in another unit or zone (Opsgenie's milliseconds since creation
    read as epoch seconds, say), which would show as 0 s to acknowledge. `names`: the
    three fields as the source calls them."""
    created, acknowledged, resolved = names
    for field, moment in ((acknowledged, acknowledged_at), (resolved, resolved_at)):
        if moment is not None and moment < created_at:
            raise RecordError(
                field,
                f"{field} {iso_z(moment)} is before {created} {iso_z(created_at)}: expected "
                "a time after the page was created (is it in another unit or time zone?)",
            )


def iso_z(moment: dt.datetime) -> str:
    """A naive UTC moment as ISO 8601 with Z."""
    return moment.isoformat() + "Z"


_FRACTION_BEYOND_US = re.compile(r"(\.\d{6})\d+")
_SPACE_BEFORE_OFFSET = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$)")


def parse_iso(text: str, field: str) -> dt.datetime:
    """An ISO 8601 time as naive UTC; one without an offset is taken as UTC already."""
    try:
        # The common case, in C: Python 3.11 reads "Z", offsets and up to microseconds.
        quick = dt.datetime.fromisoformat(text)
        if quick.tzinfo is None:
            return quick
        return quick.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        pass
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    elif value.endswith(" UTC"):
        value = value[:-4] + "+00:00"
    # Alertmanager and Go write nanoseconds; datetime holds microseconds.
    value = _FRACTION_BEYOND_US.sub(r"\1", value, count=1)
    value = _SPACE_BEFORE_OFFSET.sub("", value)
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise RecordError(
            field, f'unparseable time: expected {TIME_EXPECTED}, found "{text[:60]}"'
        ) from None
    return moment


def from_epoch(value: int | float, field: str) -> dt.datetime:
    """An epoch number as naive UTC, its unit told by magnitude (s, ms, µs or ns)."""
    magnitude = abs(value)
    try:
        if isinstance(value, int):
            if magnitude >= 10**17:
                return _EPOCH + dt.timedelta(microseconds=value // 1000)
            if magnitude >= 10**14:
                return _EPOCH + dt.timedelta(microseconds=value)
            if magnitude >= 10**11:
                return _EPOCH + dt.timedelta(milliseconds=value)
            return _EPOCH + dt.timedelta(seconds=value)
        scale = (
            1e9
            if magnitude >= 1e17
            else 1e6
            if magnitude >= 1e14
            else 1e3
            if magnitude >= 1e11
            else 1
        )
        return _EPOCH + dt.timedelta(seconds=value / scale)
    except OverflowError:
        raise RecordError(field, f"unparseable time: epoch {value} is out of range") from None


def iso_or_epoch(value: Any, field: str) -> dt.datetime:
    """A time given as ISO 8601 text or as an epoch number (or numeric text)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(
            field,
            f"unparseable time: expected ISO 8601 or epoch milliseconds, found {json_type(value)}",
        )
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            return from_epoch(int(text), field)
        return parse_iso(text, field)
    return from_epoch(value, field)


# --- fields ------------------------------------------------------------------------------


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def as_object(value: Any, what: str = "a JSON object") -> dict[str, Any]:
    """The value if it is a JSON object, else a RecordError saying what was expected."""
    if not isinstance(value, dict):
        raise RecordError(None, f"expected {what}, found {json_type(value)}")
    return value


def optional_text(record: Mapping[str, Any], path: str) -> str | None:
    """A string (or number) at a dotted path, stripped; None when missing or empty."""
    value = value_at(record, path)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordError(path, f"expected a string for {path}, found {json_type(value)}")
    return str(value).strip() or None


def required_text(record: Mapping[str, Any], path: str) -> str:
    """A non-empty string at a dotted path, else a RecordError naming the field."""
    text = optional_text(record, path)
    if text is None:
        raise RecordError(path, f"missing {path}: expected a non-empty string")
    return text


def optional_time(record: Mapping[str, Any], path: str) -> dt.datetime | None:
    """An ISO 8601 time at a dotted path as naive UTC; None when missing or empty."""
    text = optional_text(record, path)
    return None if text is None else parse_iso(text, path)


def required_time(record: Mapping[str, Any], path: str) -> dt.datetime:
    """An ISO 8601 time at a dotted path as naive UTC, else a RecordError naming the field."""
    moment = optional_time(record, path)
    if moment is None:
        raise RecordError(path, f"missing {path}: expected {TIME_EXPECTED}")
    return moment


def object_list(record: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    """The objects of an array at a dotted path; [] when missing."""
    value = value_at(record, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(path, f"expected an array for {path}, found {json_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise RecordError(
                f"{path}[{index}]", f"expected an object in {path}, found {json_type(item)}"
            )
    return value


# --- JSON records with their line numbers -------------------------------------------------


@dataclass(frozen=True)
class JsonRecord:
    """One decoded record, the line it starts on and its text, and the key of the response
    whose list held it (None for a record of its own, or in a list of its own)."""

    line: int
    value: Any
    raw: str
    container: str | None = None


def check_container(record: JsonRecord, own: tuple[str, ...], what: str) -> None:
    """A RecordError when the record came from a list under a key that is not one of the
    format's (`own`): another tool's API response (Opsgenie's `data` read as PagerDuty's),
    whose records are rejected, each counted, rather than read as the wrong tool's pages."""
    if record.container is not None and record.container not in own:
        raise RecordError(
            record.container,
            f'expected {what}, found a record under "{record.container}" (another tool\'s export)',
        )


_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_BETWEEN_RECORDS = re.compile(r"[ \t\r\n,\]}]*")
_RECORD_AT_LINE_START = re.compile(r"^[\[{]", re.MULTILINE)


def json_records(
    text: str, containers: tuple[str, ...] = ()
) -> tuple[list[JsonRecord], list[PageReject]]:
    """The records of a JSON text: one value, an array, JSON lines, or an object holding the
    records in an array under one of `containers` (e.g. `{"incidents": [...]}`).

    Broken JSON becomes a reject and reading resumes at the next line that starts with `{` or
    `[`, so one bad line of JSON lines, or one bad element of an array written one element per
    line, costs only that record.
    """
    scanner = _Scanner(text, containers)
    scanner.run()
    return scanner.records, scanner.rejects


class _Scanner:
    def __init__(self, text: str, containers: tuple[str, ...]) -> None:
        self.text = text
        self.containers = containers
        self.records: list[JsonRecord] = []
        self.positions: list[int] = []  # where each record starts
        self.rejects: list[PageReject] = []
        self.start = 0  # where the value now being read starts, for the reject if it is broken
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def run(self) -> None:
        pos = self._skip(_BETWEEN_RECORDS, 0)
        while pos < len(self.text):
            self.start = pos
            try:
                pos = self._top_level(pos)
            except json.JSONDecodeError as error:
                pos = self._recover(error)
            pos = self._skip(_BETWEEN_RECORDS, pos)

    def _top_level(self, pos: int) -> int:
        if self._char(pos) == "[":
            return self._array(pos)
        if self._char(pos) == "{" and self.containers:
            # Decoded whole first (in C): only a response holding records, or a broken
            # object (whose records before the break are kept), is read key by key.
            try:
                value, end = _DECODER.raw_decode(self.text, pos)
            except json.JSONDecodeError:
                return self._object_or_container(pos)
            held = isinstance(value, dict) and not value.keys().isdisjoint(self.containers)
            if held and any(isinstance(value.get(key), list) for key in self.containers):
                return self._object_or_container(pos)
            self._add(pos, value, end)
            return end
        try:
            value, end = _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError:
            if self._char(pos) == "{":
                raise
            end = pos  # not JSON at all: the line is tested below
        if self._char(pos) != "{":
            # A line of text among the records (a log line, CSV given as JSON) is one reject,
            # not the numbers and words the decoder would find in it; a JSON value alone on
            # its line is a record, rejected for what it is.
            line_end = self.text.find("\n", end)
            if end == pos or self.text[end : None if line_end < 0 else line_end].strip():
                raise json.JSONDecodeError("expected an object or an array", self.text, pos)
        self._add(pos, value, end)
        return end

    def _array(self, pos: int, container: str | None = None) -> int:
        pos = self._skip(_WHITESPACE, pos + 1)
        if self._char(pos) == "]":
            return pos + 1
        while True:
            self.start = pos
            value, end = _DECODER.raw_decode(self.text, pos)
            self._add(pos, value, end, container)
            pos = self._skip(_WHITESPACE, end)
            if self._char(pos) == "]":
                return pos + 1
            if self._char(pos) != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, pos)
            pos = self._skip(_WHITESPACE, pos + 1)

    def _object_or_container(self, start: int) -> int:
        members: dict[str, Any] = {}
        held_records = False
        pos = self._skip(_WHITESPACE, start + 1)
        while self._char(pos) != "}":
            if self._char(pos) != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", self.text, pos
                )
            key, pos = _DECODER.raw_decode(self.text, pos)
            pos = self._skip(_WHITESPACE, pos)
            if self._char(pos) != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", self.text, pos)
            pos = self._skip(_WHITESPACE, pos + 1)
            if key in self.containers and self._char(pos) == "[":
                pos = self._array(pos, key)
                held_records = True
                self.start = start
            else:
                members[key], pos = _DECODER.raw_decode(self.text, pos)
            pos = self._skip(_WHITESPACE, pos)
            if self._char(pos) == ",":
                pos = self._skip(_WHITESPACE, pos + 1)
            elif self._char(pos) != "}":
                raise json.JSONDecodeError("Expecting ',' delimiter", self.text, pos)
        if not held_records:
            self._add(start, members, pos + 1)
        return pos + 1

    def _recover(self, error: json.JSONDecodeError) -> int:
        found = _RECORD_AT_LINE_START.search(self.text, self.start + 1)
        resume = found.start() if found else len(self.text)
        # Records read past the resume point (a broken array swallowed the next lines) are
        # read again from there.
        while self.positions and self.positions[-1] >= resume:
            self.positions.pop()
            self.records.pop()
        reason = f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        self.rejects.append(
            PageReject(
                self._line(self.start), None, reason, self.text[self.start : resume][:RAW_CAP]
            )
        )
        return resume

    def _add(self, start: int, value: Any, end: int, container: str | None = None) -> None:
        raw = self.text[start:end][:RAW_CAP]
        self.records.append(JsonRecord(self._line(start), value, raw, container))
        self.positions.append(start)

    def _line(self, pos: int) -> int:
        return bisect.bisect_right(self._line_starts, pos)

    def _char(self, pos: int) -> str:
        return self.text[pos : pos + 1]

    def _skip(self, pattern: re.Pattern[str], pos: int) -> int:
        found = pattern.match(self.text, pos)
        return found.end() if found else pos
