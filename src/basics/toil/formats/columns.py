"""Which column of a worklog export holds which field of a toil entry.

Headers are recognised by name, never by position, compared in lower case with `_` and runs
of spaces as one space. For each field the first name of its list that the header has wins
(a Tempo export's `Username` before its `Full name`). `--mapping FIELD=COLUMN,...` names
columns the lists do not know, or overrides them (the way `fields:` of a source and
`ingest deploys --mapping` read); `--ignore COLUMN` leaves a column out.
A mapped column may be several joined by `+` (`person=First Name+Last Name`, as Harvest
splits a person): their non-empty cells are read as one, joined by a space; Harvest's
`First Name` and `Last Name` are joined so without a mapping when no column names the person.
Jira writes a field of several values as one column per value ("Labels", "Labels"): a
repeated column of a field in `MULTI_VALUED` is read whole; one of any other field read is
an error, since which copy holds the value is unclear.
docs/toil.md shows this table; a test keeps the two the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from basics.core.errors import InputError
from basics.toil.parse import TimeUnit

TIME_FIELDS: tuple[TimeUnit, ...] = ("seconds", "minutes", "hours", "duration")
"""The time spent, by unit: a bare number in a `duration` column is refused as ambiguous."""
FIELDS = (
    "id", "person", "date", *TIME_FIELDS, "category", "service", "description", "ticket",
    "automatable", "labels",
)  # fmt: skip
REQUIRED = ("person", "date", "time spent")
MULTI_VALUED = ("service", "labels")
"""Fields whose column may repeat: every label is read, and the first component named."""

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
        "worklog type", "task",  # Harvest's task (Development, Support, ...)
    ),
    "service": ("service", "component", "components", "component/s", "system"),
    "description": (
        "work description", "worklog description", "comment", "worklog comment", "title",
        "issue title", "description", "summary", "issue summary", "notes",  # Harvest's
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
    """Each field's column index in the header, the column names they came from, the
    other recognised columns of a field to read when its own is empty in a row, and the
    copies of a repeated column of a multi-valued field (by the index of its first)."""

    index: dict[str, int]
    names: dict[str, str]
    time_unit: TimeUnit | None
    fallbacks: dict[str, tuple[int, ...]]
    copies: dict[int, tuple[int, ...]]
    joins: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Fields read from several columns joined (`person=First Name+Last Name`)."""

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
        # Quotes a shell kept (`seconds="Time Spent"` inside single quotes) are not the name.
        target, column = target.strip().lower(), column.strip().strip("\"'").strip()
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
    when a mapped column is missing, a required field has no column, or a column read for
    a field of one value is repeated."""
    cells = [normalised(cell) for cell in header]
    where: dict[str, list[int]] = {}
    for at, cell in enumerate(cells):
        where.setdefault(cell, []).append(at)
    index: dict[str, int] = {}
    joins: dict[str, tuple[int, ...]] = {}
    taken: set[int] = set()
    for column, target in mapping.items():
        parts = [column] if column in where else [p.strip() for p in column.split("+")]
        missing = next((part for part in parts if part not in where), None)
        if missing is not None:
            raise InputError(
                f'{name}: --mapping names column "{missing}", which the header does not have '
                f"(columns: {', '.join(c for c in cells if c)})"
            )
        taken.update(at for part in parts for at in where[part])
        if target != "-":
            index[target] = where[parts[0]][0]
            if len(parts) > 1:
                joins[target] = tuple(where[part][0] for part in parts)
    named = "person" in mapping.values() or any(a in where for a in ALIASES["person"])
    if not named and "first name" in where and "last name" in where:  # Harvest's export
        joins["person"] = (where["first name"][0], where["last name"][0])
        index["person"] = joins["person"][0]
        taken.update(joins["person"])
    mapped_time = [f for f in TIME_FIELDS if f in index]
    fallbacks: dict[str, tuple[int, ...]] = {}
    for target, aliases in ALIASES.items():
        if target in index or (target in TIME_FIELDS and mapped_time):
            continue
        found = [where[a][0] for a in aliases if a in where and where[a][0] not in taken]
        if found:
            index[target] = found[0]
            fallbacks[target] = tuple(found[1:])
            taken.update(found)
    unit = next((f for f in TIME_FIELDS if f in index), None)
    for other in TIME_FIELDS:  # one column says the time spent: the most precise unit
        if other != unit:
            index.pop(other, None)
    fallbacks.pop(unit or "", None)  # another unit is not a fallback
    copies = _copies(header, where, index, fallbacks, name)
    names = {f: header[i].strip() for f, i in index.items()}
    for target, joined in joins.items():
        names[target] = "+".join(header[i].strip() for i in joined)
    return Columns(index, names, unit, fallbacks, copies, joins)


def _copies(
    header: Sequence[str],
    where: Mapping[str, list[int]],
    index: Mapping[str, int],
    fallbacks: Mapping[str, tuple[int, ...]],
    name: str,
) -> dict[int, tuple[int, ...]]:
    """The other columns of each repeated column read, by the index of the first; an
    InputError when the field it is read for holds one value."""
    copies: dict[int, tuple[int, ...]] = {}
    for target, first in index.items():
        for at in (first, *fallbacks.get(target, ())):
            same = where[normalised(header[at])]
            if len(same) == 1:
                continue
            if target not in MULTI_VALUED:
                column = header[at].strip()
                places = ", ".join(str(i + 1) for i in same[:-1]) + f" and {same[-1] + 1}"
                what = "time spent" if target in TIME_FIELDS else target
                raise InputError(
                    f'{name}: the header has "{column}" {len(same)} times (columns {places}) '
                    f"and the {what} is read from it: which copy holds it is unclear; keep "
                    f"one, or read another column with --mapping '{target}=COLUMN' "
                    f"--ignore '{column}'"
                )
            copies[at] = tuple(same[1:])
    return copies
