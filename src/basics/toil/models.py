"""Records of the toil domain: a toil entry (one person's time on one day), as a source tells
it and as the store holds it, and what an import or a removal did.

A day is a calendar date, the person's own (no time zone is attached to it). Minutes are
the time spent. `category` is lower case; the category `on-call` is derived from pages when
`toil.oncall` is true and is never stored (see `engaged`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ONCALL = "on-call"
"""The category of time derived from pages (engaged time), labelled as derived."""
UNCATEGORISED = "uncategorised"
"""The category of imported rows that name none (and no `--category` was given)."""
CLI_SOURCE = "toil:cli"
FILE_SOURCE = "toil:worklog"


@dataclass(frozen=True)
class ToilRecord:
    """A toil entry as a source tells it, before the store gives it an id.

    `source_key` is its identity within its source: an import's row identity (see
    `formats.worklog`), so an overlapping export does not count it twice.
    """

    person: str
    day: dt.date
    minutes: float
    category: str
    service: str | None = None
    description: str | None = None
    ticket: str | None = None
    automatable: bool | None = None
    source_key: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ToilEntry:
    """A toil entry in the store, or one derived from pages (`derived`, id None)."""

    id: int | None
    person: str
    day: dt.date
    minutes: float
    category: str
    service: str | None
    description: str | None
    ticket: str | None
    automatable: bool | None
    source: str
    batch_id: int | None
    derived: bool = False


@dataclass(frozen=True)
class ToilReject:
    """A row an importer could not turn into a toil entry: where, which field, and why."""

    line: int
    field: str | None
    reason: str
    raw: str


@dataclass
class ToilImport:
    """What one import of a worklog export did.

    `status`: applied; duplicate (this content was imported already, nothing changed);
    rejected (every row was rejected: nothing stored, the batch keeps the rejects); empty
    (no row in it, a header alone or nothing at all: nothing stored, no batch).
    """

    path: str
    status: str
    batch_id: int | None = None
    entries: int = 0
    duplicates: int = 0
    rejected: int = 0
    blank_rows: int = 0
    header_rows: int = 0
    hours: float = 0.0
    encoding: str = "utf-8"
    columns: dict[str, str] = field(default_factory=dict)
    duplicate_of: int | None = None
    first_rejects: list[ToilReject] = field(default_factory=list)
    unknown_services: dict[str, int] = field(default_factory=dict)  # not in basics.yaml


@dataclass(frozen=True)
class Removed:
    """A toil entry removed by hand, and whether its batch went with it (a batch of one)."""

    entry: ToilEntry
    batch_undone: bool
