"""Shifts from a pager's on-call export: PagerDuty's `/oncalls` (REST v2) JSON, Opsgenie's
schedule timeline JSON, or any schedule as a CSV with a header row (a spreadsheet, another
tool's export)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from basics.config.people import People, Person
from basics.core.clock import parse_time
from basics.core.errors import BasicsError, InputError
from basics.ingest.named_fields import Reject, check_mapping, csv_records, decode
from basics.oncall.models import PageReject, Shift

# A CSV's columns, by their common names (compared without case, spaces, - or _).
CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("person", "user", "name", "on call", "oncall", "responder", "participant",
               "recipient", "email", "user email"),
    "rotation": ("rotation", "schedule", "schedule name", "escalation policy", "team"),
    "start": ("start", "starts at", "start time", "start date", "shift start", "from", "begin"),
    "end": ("end", "ends at", "end time", "end date", "shift end", "to", "until"),
    "level": ("level", "escalation level"),
}  # fmt: skip
_REQUIRED = {"person": "--mapping person=COLUMN", "start": "--mapping start=COLUMN",
             "end": "--mapping end=COLUMN"}  # fmt: skip


def read_shift_csv(
    data: bytes,
    name: str,
    people: Mapping[str, Person],
    timezone: str,
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[Shift], list[PageReject]]:
    """Shifts from a CSV with a header row: who (`person`, matched to basics.yaml's people
    as PagerDuty's users are), the rotation (the file's name without one), start and end
    (ISO 8601; without an offset, in `timezone`), and an optional escalation level. Each
    row that cannot be read is a reject with its line; the header names the columns, in
    any case, or `mapping` does (`person=On call,start=From`)."""
    fields = check_mapping(mapping, CSV_FIELDS)
    text, broken = decode(data, name, windows=True, as_json=False)
    known = People(people, timezone)
    default_rotation = name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "imported"
    shifts: list[Shift] = []
    rejects = [PageReject(*r) for r in broken]
    for row in csv_records(text, CSV_FIELDS, fields, _REQUIRED):
        if isinstance(row, Reject):
            rejects.append(PageReject(*row))
            continue
        field = "record"
        try:
            field = "person"
            who = _cell(row.lookup, "person")
            person = known.find(who) or who
            field = "start"
            start = parse_time(_cell(row.lookup, "start"), timezone)
            field = "end"
            end = parse_time(_cell(row.lookup, "end"), timezone)
            if end <= start:
                raise InputError(f"end {end:%Y-%m-%d %H:%M}Z is not after start "
                                 f"{start:%Y-%m-%d %H:%M}Z")  # fmt: skip
            field = "level"
            level_text = row.lookup("level")[0]
            level = None if level_text is None else _level(level_text)
            rotation = row.lookup("rotation")[0] or default_rotation
            shifts.append(Shift(person, str(rotation), start, end, level))
        except InputError as error:
            column = row.lookup(field)[1] if field != "record" else None
            rejects.append(PageReject(row.line, column, str(error), row.raw))
    return shifts, sorted(rejects, key=lambda reject: reject.line)


def _cell(lookup: Any, field: str) -> str:
    value, column = lookup(field)
    if value is None:
        raise InputError(f"missing {field}: the {column} cell is empty")
    return str(value)


@dataclass(frozen=True)
class PagerdutyOncalls:
    """What `/oncalls` gave: shifts, rejects, and how many on-calls were permanent (a user
    placed on an escalation level itself: no start, no end, always on call)."""

    shifts: list[Shift]
    rejects: list[PageReject]
    permanent: int


class _Permanent(Exception):
    """An on-call without start or end: PagerDuty's permanent on-call."""


def read_pagerduty_oncalls(text: str, people: Mapping[str, Person]) -> PagerdutyOncalls:
    """Shifts from `{"oncalls": [...]}` (or a list): user, schedule (or escalation policy),
    escalation level (kept as the shift's `level`, and in its rotation's name, as "Payments
    EP (level 2)"), start and end. A user is matched to a person of basics.yaml by key,
    name or e-mail name, in any case (`People.find`); others keep PagerDuty's name.

    An on-call whose start and end are both null is permanent (PagerDuty's "always on
    call": a user on the escalation level itself, whatever `since` and `until` asked):
    no shift of a time, counted apart and said, not a reject."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} at line {error.lineno}") from None
    records = data.get("oncalls") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputError('expected {"oncalls": [...]}, as PagerDuty /oncalls returns')
    known = People(people, "UTC")
    shifts, rejects, permanent = [], [], 0
    for number, record in enumerate(records, start=1):
        try:
            shifts.append(_shift(record, known))
        except _Permanent:
            permanent += 1
        except (BasicsError, KeyError, TypeError, AttributeError) as error:
            reason = str(error) if isinstance(error, BasicsError) else f"missing {error}"
            rejects.append(PageReject(number, None, reason, json.dumps(record)[:2000]))
    return PagerdutyOncalls(shifts, rejects, permanent)


def _shift(record: Any, people: People) -> Shift:
    if not isinstance(record, dict):
        raise InputError("expected an on-call object")
    if "start" in record and "end" in record and record["start"] is record["end"] is None:
        if "user" not in record:
            raise InputError("missing 'user'")
        raise _Permanent
    if not record.get("start") or not record.get("end"):
        raise InputError("start and end are needed: query /oncalls with since and until")
    user = record["user"]
    schedule = record.get("schedule") or record.get("escalation_policy") or {}
    level = _level(record.get("escalation_level"))
    rotation = str(schedule.get("summary") or schedule.get("id") or "pagerduty")
    if level is not None:
        rotation += f" (level {level})"
    start, end = parse_time(str(record["start"])), parse_time(str(record["end"]))
    if end <= start:
        raise InputError("end must be after start")
    return Shift(_person(user, people), rotation, start, end, level)


def _level(value: Any) -> int | None:
    """The escalation level (1 is paged first), None when the record gives none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise InputError(f"escalation_level: expected a whole number such as 1, found {value!r}")
    return int(value)


def _person(user: Mapping[str, Any], people: People) -> str:
    name = str(user.get("summary") or user.get("name") or user.get("id") or "")
    email = str(user.get("email") or "")
    found = people.find(name) or people.find(email)
    if found is not None:
        return found
    if not name:
        raise InputError("user: missing summary, name or id")
    return name


# Opsgenie recipients that are one person; a team, group or escalation is read through the
# users it stands for (`flattenedRecipients`), and `none` (nobody on call) is no shift.
_OPSGENIE_NOBODY = "none"
_TIMELINE = (
    'expected {"data": {"finalTimeline": {"rotations": [...]}}}, as Opsgenie\'s '
    "GET /v2/schedules/{id}/timeline returns"
)


class _PeriodError(InputError):
    """A period that cannot be read, with the field at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True)
class Timeline:
    """What an Opsgenie timeline file holds: the shifts, the periods rejected, each
    schedule's window (the range the export covers, which its shifts replace), and how
    many periods with nobody on call no other rotation of the schedule covered."""

    shifts: list[Shift]
    rejects: list[PageReject]
    windows: list[tuple[str, dt.datetime, dt.datetime]]
    uncovered: int


def read_opsgenie_timeline(text: str, people: Mapping[str, Person]) -> Timeline:
    """Shifts from Opsgenie's schedule timeline (`GET /v2/schedules/{id}/timeline`, as it
    returns it or its `data`, or a list of them for several schedules): every period of
    the final timeline (after overrides and forwarding) whose recipient is a user, or the
    users a team or escalation recipient stands for (`flattenedRecipients`), as a shift of
    the schedule's rotation named by the schedule. A person's periods of one schedule that
    follow each other without a gap are one shift (the timeline cuts a shift where an
    override or another rotation begins). A period with nobody on call (recipient `none`)
    is no shift and no reject; it is counted when no other rotation of the schedule covers
    it whole.

    Each period that cannot be read is a reject numbered by its place among the file's
    periods (1 for the first), with the field and the reason; times must carry their
    offset, as Opsgenie writes them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} at line {error.lineno}") from None
    timelines = data if isinstance(data, list) else [data]
    known = People(people, "UTC")
    read: list[Shift] = []
    rejects: list[PageReject] = []
    windows: list[tuple[str, dt.datetime, dt.datetime]] = []
    nobody: list[tuple[str, dt.datetime, dt.datetime]] = []
    number = 0
    for place, timeline in enumerate(timelines, start=1):
        where = f"timeline {place} of the list: " if isinstance(data, list) else ""
        body = timeline.get("data", timeline) if isinstance(timeline, dict) else None
        final = body.get("finalTimeline") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(final, dict):
            raise InputError(where + _TIMELINE)
        parent = body.get("_parent")
        named = parent.get("name") if isinstance(parent, dict) else None
        for rotation in final.get("rotations") or []:
            if not isinstance(rotation, dict):
                raise InputError(f"{where}finalTimeline.rotations: expected rotation objects")
            schedule = str(named or rotation.get("name") or "opsgenie")
            if body.get("startDate") and body.get("endDate"):
                try:
                    span = (_opsgenie_time(body, "startDate"), _opsgenie_time(body, "endDate"))
                except _PeriodError as error:
                    raise InputError(f"{where}data.{error.field}: {error}") from None
                windows.append((schedule, *span))
            for period in rotation.get("periods") or []:
                number += 1
                try:
                    found = _opsgenie_period(period, schedule, known)
                except _PeriodError as error:
                    raw = json.dumps(period)[:2000]
                    rejects.append(PageReject(number, error.field, str(error), raw))
                    continue
                if isinstance(found, tuple):
                    nobody.append(found)
                else:
                    read += found
    if number == 0:
        raise InputError("no periods: the timeline's rotations list none (" + _TIMELINE + ")")
    shifts = _joined(read)
    return Timeline(shifts, rejects, list(dict.fromkeys(windows)), _uncovered(nobody, shifts))


def _opsgenie_period(
    period: Any, schedule: str, people: People
) -> list[Shift] | tuple[str, dt.datetime, dt.datetime]:
    """The shifts of one period (one per user it stands for); for a period with nobody on
    call, its schedule and span."""
    if not isinstance(period, dict):
        raise _PeriodError("record", "expected a period object")
    recipient = period.get("recipient")
    if not isinstance(recipient, dict):
        raise _PeriodError("recipient", "missing: expected {type, name}")
    kind = str(recipient.get("type") or "user").lower()
    start = _opsgenie_time(period, "startDate")
    end = _opsgenie_time(period, "endDate")
    if end <= start:
        raise _PeriodError("endDate", f"{end:%Y-%m-%d %H:%M}Z is not after startDate "
                           f"{start:%Y-%m-%d %H:%M}Z")  # fmt: skip
    if kind == _OPSGENIE_NOBODY:
        return schedule, start, end
    if kind == "user":
        users = [recipient]
    else:
        users = [u for u in period.get("flattenedRecipients") or [] if isinstance(u, dict)]
        if not users:
            raise _PeriodError(
                "recipient",
                f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} "
                f"({recipient.get('name') or recipient.get('id')}) without "
                "flattenedRecipients: the file does not say who it stands for; give its "
                "people's shifts in a CSV (--format csv)",
            )
    return [Shift(_opsgenie_person(user, people), schedule, start, end) for user in users]


def _uncovered(nobody: list[tuple[str, dt.datetime, dt.datetime]], shifts: list[Shift]) -> int:
    """How many of the periods with nobody on call no shift of their schedule covers whole."""
    count = 0
    for schedule, start, end in nobody:
        reached = start
        for shift in sorted((s for s in shifts if s.rotation == schedule), key=lambda s: s.start):
            if shift.start <= reached < shift.end:
                reached = shift.end
        count += reached < end
    return count


def _opsgenie_time(record: dict[str, Any], field: str) -> dt.datetime:
    """A time as Opsgenie writes it, with its offset (one without is refused: whose clock it
    is on, the file does not say)."""
    value = record.get(field)
    expected = "expected a time with its offset such as 2026-03-02T09:00:00Z"
    if not isinstance(value, str) or not value.strip():
        raise _PeriodError(field, f"{expected}, found {value!r}")
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise _PeriodError(field, f'{expected}, found "{value}"') from None
    if moment.tzinfo is None:
        raise _PeriodError(field, f'{expected}, found "{value}" (no offset)')
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _opsgenie_person(user: dict[str, Any], people: People) -> str:
    name = str(user.get("name") or user.get("username") or "").strip()
    if not name:
        raise _PeriodError(
            "recipient", f"a user without a name (id {user.get('id')!r}): who it is, the "
            "file does not say"
        )  # fmt: skip
    return people.find(name) or name


def _joined(shifts: list[Shift]) -> list[Shift]:
    """Shifts with a person's back-to-back shifts of one rotation made one."""
    joined: list[Shift] = []
    for shift in sorted(shifts, key=lambda s: (s.rotation, s.person, s.start, s.end)):
        last = joined[-1] if joined else None
        if (
            last is not None
            and (last.rotation, last.person) == (shift.rotation, shift.person)
            and shift.start <= last.end
        ):
            joined[-1] = Shift(last.person, last.rotation, last.start, max(last.end, shift.end))
        else:
            joined.append(shift)
    return sorted(joined, key=lambda s: (s.start, s.rotation, s.person))
