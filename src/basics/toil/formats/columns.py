"""Which column of a worklog export holds which field of a toil entry.

Headers are recognised by name, never by position, compared in lower case with `_` and runs
of spaces as one space. For each field the first name of its list that the header has wins
(a Tempo export's `Username` before its `Full name`). `--mapping FIELD=COLUMN,...` names
columns the lists do not know, or overrides them (the way `fields:` of a source and
`ingest deploys --mapping` read); `--ignore COLUMN` leaves a column out.
docs/toil.md shows this table; a test keeps the two the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from basics.core.errors import InputError
from basics.toil.parse import TimeUnit

TIME_FIELDS: tuple[TimeUnit, ...] = ("seconds", "minutes", "hours", "duration")
"""The time spent, by unit: a bare number in a `duration` column is refused as ambiguous."""
FIELDS = (
    "id", "person", "date", *TIME_FIELDS, "category", "service", "description", "ticket",
    "automatable", "labels",
)  # fmt: skip
REQUIRED = ("person", "date", "time spent")

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("worklog id", "tempo worklog id", "jira worklog id", "worklogid"),
    "person": (
        "person", "username", "user name", "author", "worker", "user", "logged by",
        "author name", "worker name", "full name", "assignee",
    ),
    "date": (
        "date", "day", "work date", "worklog date", "started", "start date", "date started",
        "started at", "start", "logged at", "completed", "completed at",
    ),
    "seconds": (
        "seconds", "time spent (seconds)", "time spent (s)", "timespentseconds",
        "time spent seconds", "duration (seconds)", "duration (s)",
    ),
    "minutes": (
        "minutes", "mins", "time spent (minutes)", "time spent (min)", "duration (minutes)",
        "duration (min)",
    ),
    "hours": (
        "hours", "time spent (h)", "time spent (hours)", "hours spent", "logged hours",
        "duration (h)", "duration (hours)",
    ),
    "duration": ("duration", "time spent", "time", "logged time", "logged", "effort"),
    "category": (
        "category", "toil category", "type", "activity", "activity name", "work type",
        "worklog type",
    ),
    "service": ("service", "component", "components", "component/s", "system"),
    "description": (
        "work description", "worklog description", "comment", "worklog comment", "title",
        "issue title", "description", "summary", "issue summary",
    ),
    "ticket": ("ticket", "issue key", "issue", "key", "issue id", "id"),
    "automatable": ("automatable", "automatable?", "can be automated", "automate"),
    "labels": ("labels", "issue labels", "label", "tags"),
}  # fmt: skip


def normalised(header: str) -> str:
    """A header as compared: BOM and quotes off, lower case, `_` and spaces as one space."""
    return " ".join(header.replace("\ufeff", "").replace("_", " ").strip().lower().split())


@dataclass(frozen=True)
class Columns:
    """Each field's column index in the header, the column names they came from, and the
    other recognised columns of a field to read when its own is empty in a row."""

    index: dict[str, int]
    names: dict[str, str]
    time_unit: TimeUnit | None
    fallbacks: dict[str, tuple[int, ...]]

    def describe(self) -> dict[str, str]:
        """field -> the header it is read from, in the order of FIELDS."""
        return {f: self.names[f] for f in FIELDS if f in self.names}


def parse_mapping(text: str | None, ignore: Sequence[str] = ()) -> dict[str, str]:
    """`FIELD=COLUMN,FIELD=COLUMN` and the columns to ignore, as {normalised column: field
    or "-"}; InputError when malformed, a field named twice, or a pair given the wrong way
    round (`Estimate=hours`, which says how to write it)."""
    mapping: dict[str, str] = {normalised(column): "-" for column in ignore}
    fields: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        target, sep, column = part.partition("=")
        target, column = target.strip().lower(), column.strip()
        if not sep or not column:
            raise InputError(f'--mapping: expected FIELD=COLUMN, found "{part.strip()}"')
        if target not in FIELDS:
            turned = column.lower()
            hint = f"; did you mean {turned}={target}?" if turned in FIELDS else ""
            raise InputError(
                f'--mapping: unknown field "{target}" (in "{part.strip()}"); expected '
                f"FIELD=COLUMN with a field of {', '.join(FIELDS)}{hint}"
            )
        if target in fields:
            raise InputError(
                f'--mapping: {target} is mapped twice ("{fields[target]}" and "{column}")'
            )
        fields[target] = column
        mapping[normalised(column)] = target
    return mapping


def find_columns(header: Sequence[str], mapping: Mapping[str, str], name: str) -> Columns:
    """The columns of each field: mapped ones first, then recognised names; InputError
    when a mapped column is missing or a required field has no column."""
    cells = [normalised(cell) for cell in header]
    index: dict[str, int] = {}
    for column, target in mapping.items():
        if column not in cells:
            raise InputError(
                f'{name}: --mapping names column "{column}", which the header does not have '
                f"(columns: {', '.join(c for c in cells if c)})"
            )
        if target != "-":
            index[target] = cells.index(column)
    taken = {cells.index(c) for c in mapping}
    mapped_time = [f for f in TIME_FIELDS if f in index]
    fallbacks: dict[str, tuple[int, ...]] = {}
    for target, aliases in ALIASES.items():
        if target in index or (target in TIME_FIELDS and mapped_time):
            continue
        found = [cells.index(a) for a in aliases if a in cells and cells.index(a) not in taken]
        if found:
            index[target] = found[0]
            fallbacks[target] = tuple(found[1:])
            taken.update(found)
    unit = next((f for f in TIME_FIELDS if f in index), None)
    for other in TIME_FIELDS:  # one column says the time spent: the most precise unit
        if other != unit:
            index.pop(other, None)
    fallbacks.pop(unit or "", None)  # another unit is not a fallback
    names = {f: header[i].strip() for f, i in index.items()}
    return Columns(index, names, unit, fallbacks)
