"""PagerDuty incident CSV exports (advanced reporting / analytics), columns found by header name."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable

from basics.core.errors import InputError
from basics.oncall.formats.common import (
    PageSet,
    RecordError,
    check_order,
    first_person,
    iso_z,
    make_reject,
    parse_iso,
)
from basics.oncall.formats.pagerduty_json import SOURCE
from basics.oncall.models import Page, PageReject

# Each role and the header names that fill it, normalised (lower case, letters and digits
# only), in order of preference.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "incidentid"),
    "number": ("incidentnumber", "number"),
    "created": ("createdon", "createdat", "created", "triggeredon", "triggeredat"),
    "acknowledged": (
        "acknowledged",
        "acknowledgedon",
        "acknowledgedat",
        "firstacknowledged",
        "firstacknowledgedon",
        "firstacknowledgedat",
        "firstackat",
    ),
    "resolved": ("resolved", "resolvedon", "resolvedat"),
    "seconds_to_first_ack": ("secondstofirstack",),
    "seconds_to_resolve": ("secondstoresolve",),
    "title": ("title", "incidenttitle"),
    "description": ("description", "summary"),
    "service": ("servicename", "service"),
    "urgency": ("urgency",),
    "incident_key": ("incidentkey", "dedupkey", "deduplicationkey"),
    # The analytics export names people in `assigned_to_user_names` and
    # `acknowledged_by_user_names` (beside their ids).
    "assigned_to": ("assignedto", "assignee", "assignees", "assignedtousernames"),
    "escalated_to": ("escalatedto",),
    "acknowledged_by": ("acknowledgedby", "acknowledgers", "acknowledgedbyusernames"),
}
RESPONDER_ROLES = ("assigned_to", "escalated_to", "acknowledged_by")


def read_pagerduty_csv(text_lines: Iterable[str], name: str) -> tuple[list[Page], list[PageReject]]:
    """Pages from a PagerDuty incidents CSV; the header decides which column is which.

    The id is the incident id (`PT4KHLK`, the same as in the REST API and webhooks); an export
    with only the incident number uses the number, which will not match REST or webhook pages.
    A first acknowledgement or resolution left empty is None; where the export gives only
    seconds_to_first_ack / seconds_to_resolve, the times are created + those seconds.
    The responder is the first name in assigned to, else escalated to, else acknowledged by
    (`first_person`: "Müller, José" is one name, last name first).
    A header without an id, a created time or a title raises InputError: no row could be read.
    """
    reader = csv.reader(text_lines)
    rejects: list[PageReject] = []
    pages = PageSet()
    header: ExportHeader | None = None
    last_line = 0
    for row in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = ExportHeader(row, name)
            continue
        record = read_row(header, row, line)
        if isinstance(record, Page):
            pages.add(record)
        elif record is not None:
            rejects.append(record)
    return pages.pages(), rejects


def read_row(header: ExportHeader, row: list[str], line: int) -> Page | PageReject | None:
    """The page of one data row (starting on `line`), or its reject; None for the header
    row again, in the same order (two exports joined), which is passed over as the pages,
    shifts, toil and deploys CSV readers do: a page's id keeps the two exports' rows of one
    incident one page. (A header in another order is no such row: its rows are read by the
    first header's columns, and their times reject them.)"""
    try:
        if len(row) != header.width:
            raise RecordError(
                None, f"expected {header.width} columns as in the header, found {len(row)}"
            )
        if [cell.strip() for cell in row] == header.names:
            return None
        return _row_page(_Row(header, row))
    except RecordError as error:
        return make_reject(line, error, ",".join(row))


class ExportHeader:
    """Which column holds each role, by header name."""

    def __init__(self, cells: list[str], name: str) -> None:
        self.width = len(cells)
        self.names = [cell.strip() for cell in cells]
        by_name: dict[str, int] = {}
        for index, cell in enumerate(cells):
            by_name.setdefault(re.sub(r"[^a-z0-9]", "", cell.lower()), index)
        self.columns: dict[str, tuple[int, str]] = {}
        for role, aliases in COLUMNS.items():
            found = next((by_name[alias] for alias in aliases if alias in by_name), None)
            if found is not None:
                self.columns[role] = (found, cells[found].strip())
        for roles, what in (
            (("id", "number"), "id or incident number"),
            (("created",), "created on"),
            (("title", "description"), "title or description"),
        ):
            if not any(role in self.columns for role in roles):
                present = ", ".join(cell.strip() for cell in cells)
                raise InputError(
                    f"{name}: expected a PagerDuty incidents CSV with a column {what}; "
                    f"found columns: {present}"
                )


class _Row:
    """One data row read through its header."""

    def __init__(self, header: ExportHeader, cells: list[str]) -> None:
        self.header = header
        self.cells = cells

    def text(self, role: str) -> str | None:
        column = self.header.columns.get(role)
        return (self.cells[column[0]].strip() or None) if column else None

    def column(self, role: str) -> str:
        column = self.header.columns.get(role)
        return column[1] if column else role

    def time(self, role: str) -> dt.datetime | None:
        text = self.text(role)
        return None if text is None else parse_iso(text, self.column(role))

    def seconds_after(self, role: str, start: dt.datetime) -> dt.datetime | None:
        """created + the seconds in the `role` column; a RecordError naming the column as
        the header writes it when they are no number or put the time before `start`."""
        text = self.text(role)
        if text is None:
            return None
        column = self.column(role)
        try:
            moment = start + dt.timedelta(seconds=float(text))
        except (ValueError, OverflowError):
            raise RecordError(
                column, f'expected a number of seconds, found "{text[:60]}"'
            ) from None
        if moment < start:
            what = _SECONDS_OF[role]
            created = self.column("created")
            raise RecordError(
                column,
                f"{column} {text[:60]} puts the {what} at {iso_z(moment)}, before {created} "
                f"{iso_z(start)}: expected the seconds from the page's creation to its {what}",
            )
        return moment


_SECONDS_OF = {"seconds_to_first_ack": "first acknowledgement", "seconds_to_resolve": "resolution"}


def row_source_id(header: ExportHeader, cells: list[str]) -> str | None:
    """A row's incident id, else its number (stripped; None when both are empty)."""
    row = _Row(header, cells)
    return row.text("id") or row.text("number")


def _row_page(row: _Row) -> Page:
    source_id = row_source_id(row.header, row.cells)
    if source_id is None:
        raise RecordError(row.column("id"), "missing id: expected an incident id or number")
    created_at = row.time("created")
    if created_at is None:
        field = row.column("created")
        raise RecordError(field, f"missing {field}: expected an ISO 8601 time")
    alert = row.text("title") or row.text("description")
    if alert is None:
        raise RecordError(row.column("title"), "missing title: expected the incident title")
    responder = next((text for role in RESPONDER_ROLES if (text := row.text(role))), None)
    acknowledged_at = row.time("acknowledged")
    if acknowledged_at is None and "acknowledged" not in row.header.columns:
        acknowledged_at = row.seconds_after("seconds_to_first_ack", created_at)
    resolved_at = row.time("resolved")
    if resolved_at is None and "resolved" not in row.header.columns:
        resolved_at = row.seconds_after("seconds_to_resolve", created_at)
    check_order(
        created_at,
        acknowledged_at,
        resolved_at,
        (row.column("created"), row.column("acknowledged"), row.column("resolved")),
    )
    return Page(
        id=f"{SOURCE}:{source_id}",
        source=SOURCE,
        source_id=source_id,
        incident_key=row.text("incident_key") or source_id,
        alert=alert,
        service=row.text("service"),
        urgency=row.text("urgency"),
        created_at=created_at,
        acknowledged_at=acknowledged_at,
        resolved_at=resolved_at,
        # A cell may list several people; the first is the one paged first.
        responder=first_person(responder) if responder else None,
    )
