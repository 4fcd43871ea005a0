"""Shifts from a pager's on-call export: PagerDuty's `/oncalls` (REST v2) JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from basics.config.people import People, Person
from basics.core.clock import parse_time
from basics.core.errors import BasicsError, InputError
from basics.oncall.models import PageReject, Shift


def read_pagerduty_oncalls(
    text: str, people: Mapping[str, Person]
) -> tuple[list[Shift], list[PageReject]]:
    """Shifts from `{"oncalls": [...]}` (or a list): user, schedule (or escalation policy),
    escalation level (kept as the shift's `level`, and in its rotation's name, as "Payments
    EP (level 2)"), start and end. A user is matched to a person of basics.yaml by key,
    name or e-mail name, in any case (`People.find`); others keep PagerDuty's name."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} at line {error.lineno}") from None
    records = data.get("oncalls") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise InputError('expected {"oncalls": [...]}, as PagerDuty /oncalls returns')
    known = People(people, "UTC")
    shifts, rejects = [], []
    for number, record in enumerate(records, start=1):
        try:
            shifts.append(_shift(record, known))
        except (BasicsError, KeyError, TypeError, AttributeError) as error:
            reason = str(error) if isinstance(error, BasicsError) else f"missing {error}"
            rejects.append(PageReject(number, None, reason, json.dumps(record)[:2000]))
    return shifts, rejects


def _shift(record: Any, people: People) -> Shift:
    if not isinstance(record, dict):
        raise InputError("expected an on-call object")
    if not record.get("start") or not record.get("end"):
        # PagerDuty leaves them null for "always on call" escalation levels.
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
