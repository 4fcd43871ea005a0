"""Pure toil arithmetic: hours per week against capacity, parts, the trend, top sources and
automation candidates. No I/O, no clock, no store: entries and days in, figures out.

Rules a reader may want to check:

* Weeks are ISO weeks (Monday to Sunday) of entries' days; a day is the person's calendar
  day as logged. A week is complete when its Sunday is before `today`.
* share = hours / capacity hours; over the cap when hours × 100 > cap_percent × capacity
  (exact, never on a rounded share). A share is None when there are no entries: a week with
  nothing logged is unknown, not a week without toil.
* Capacity a week: a person's is `toil.hours_per_week`; a team's its
  `capacity_hours_per_week`, else members × hours_per_week; everyone's, the people counted
  × hours_per_week. Over a range: capacity a week × weeks.
* Descriptions group in lower case, digits as `#`, punctuation as spaces ("Restarted
  queue 42!" and "restarted queue 7" are one source).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from basics.config.people import Team
from basics.core.clock import iso_week, monday
from basics.toil.models import ONCALL, ToilEntry
from basics.toil.report import (
    Candidate,
    Load,
    OncallLoad,
    Part,
    Source,
    ToilReport,
    ToilWeek,
    Trend,
)

WEEK = dt.timedelta(days=7)
FLAT_WITHIN = 0.10
"""A trend within ±10 % between the halves is flat."""
TOP = 10


@dataclass(frozen=True)
class Scope:
    """Whose toil a report is about, and the capacities it is measured against."""

    name: str
    people: tuple[str, ...]
    capacity_hours_per_week: float
    hours_per_week: float
    """A person's capacity a week (`toil.hours_per_week`)."""
    teams: Mapping[str, tuple[tuple[str, ...], float]]
    """Teams shown: members and capacity a week."""
    cap_percent: float


def team_capacity(team: Team, hours_per_week: float) -> float:
    """A team's capacity a week: as configured, else members × a person's hours."""
    configured = team.capacity_hours_per_week
    return configured if configured is not None else len(team.members) * hours_per_week


def mondays(first: dt.date, end: dt.date) -> list[dt.date]:
    """The Mondays of every ISO week meeting the days [first, end)."""
    weeks, current = [], monday(first)
    while current < end:
        weeks.append(current)
        current += WEEK
    return weeks


def local_midnight(day: dt.date, timezone: str) -> dt.datetime:
    """00:00 of a day in a time zone, as naive UTC."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def over_cap(hours: float, capacity_hours: float, cap_percent: float) -> bool:
    """Whether hours exceed the cap's share of capacity (strictly)."""
    return capacity_hours > 0 and hours * 100 > cap_percent * capacity_hours


def load(name: str, entries: Sequence[ToilEntry], capacity_hours: float, cap: float) -> Load:
    """Hours of entries against a capacity; share None when there are no entries."""
    hours = sum(entry.minutes for entry in entries) / 60
    share = hours / capacity_hours if entries and capacity_hours > 0 else None
    over = None if share is None else over_cap(hours, capacity_hours, cap)
    return Load(name, hours, len(entries), capacity_hours, share, over)


def parts(entries: Sequence[ToilEntry], key: Callable[[ToilEntry], str | None]) -> list[Part]:
    """Hours per value of `key` (a category, a service), most first, with shares of toil."""
    groups: dict[str | None, list[ToilEntry]] = defaultdict(list)
    for entry in entries:
        groups[key(entry)].append(entry)
    total = sum(entry.minutes for entry in entries)
    found = [
        Part(
            name,
            sum(e.minutes for e in group) / 60,
            len(group),
            sum(e.minutes for e in group) / total if total else None,
            all(e.derived for e in group),
        )
        for name, group in groups.items()
    ]
    return sorted(found, key=lambda part: (-part.hours, part.name or ""))


def people_loads(
    entries: Sequence[ToilEntry], people: Iterable[str], capacity_hours: float, cap: float
) -> list[Load]:
    """A Load per person (those named and those with entries), most hours first."""
    theirs: dict[str, list[ToilEntry]] = {person: [] for person in people}
    for entry in entries:
        theirs.setdefault(entry.person, []).append(entry)
    loads = [load(person, found, capacity_hours, cap) for person, found in theirs.items()]
    return sorted(loads, key=lambda item: (-item.hours, item.name))


def team_loads(entries: Sequence[ToilEntry], scope: Scope, weeks: int) -> list[Load]:
    """A Load per team of the scope over `weeks` weeks."""
    return [
        load(
            team,
            [entry for entry in entries if entry.person in members],
            capacity * weeks,
            scope.cap_percent,
        )
        for team, (members, capacity) in scope.teams.items()
    ]


def toil_week(
    monday: dt.date,
    entries: Sequence[ToilEntry],
    scope: Scope,
    today: dt.date,
    timezone: str,
    previous: Load | None,
) -> ToilWeek:
    """The figures of one ISO week from its entries."""
    total = load(scope.name, entries, scope.capacity_hours_per_week, scope.cap_percent)
    change = None
    if previous is not None and previous.entries and total.entries:
        change = total.hours - previous.hours
    return ToilWeek(
        week=iso_week(monday),
        start=local_midnight(monday, timezone),
        end=local_midnight(monday + WEEK, timezone),
        complete=monday + WEEK <= today,
        total=total,
        change_hours=change,
        oncall_hours=sum(e.minutes for e in entries if e.category == ONCALL) / 60,
        people=people_loads(entries, (), scope.hours_per_week, scope.cap_percent),
        teams=team_loads(entries, scope, 1),
        services=parts(entries, lambda entry: entry.service),
        categories=parts(entries, lambda entry: entry.category),
    )


def weekly(
    entries: Sequence[ToilEntry],
    weeks: Sequence[dt.date],
    scope: Scope,
    today: dt.date,
    timezone: str,
) -> list[ToilWeek]:
    """The figures of each ISO week (by its Monday), in order."""
    by_week: dict[dt.date, list[ToilEntry]] = defaultdict(list)
    for entry in entries:
        by_week[monday(entry.day)].append(entry)
    figures: list[ToilWeek] = []
    for week in weeks:
        previous = figures[-1].total if figures else None
        figures.append(toil_week(week, by_week[week], scope, today, timezone, previous))
    return figures


def weeks_over_cap(weeks: Sequence[ToilWeek]) -> dict[str, int]:
    """Each person's weeks over the cap (the SRE book's cap is per person): everyone with
    entries in any of the weeks, 0 for none over."""
    over: Counter[str] = Counter()
    for week in weeks:
        for person in week.people:
            over[person.name] += person.over_cap is True
    return dict(over)


def trend(weeks: Sequence[ToilWeek]) -> Trend:
    """Mean hours a week of the first half of the complete weeks with entries against the
    second half; rising or falling beyond ±10 %, else flat; no_data under two weeks."""
    known = [week.total for week in weeks if week.complete and week.total.entries]
    last = next((w.change_hours for w in reversed(weeks) if w.complete), None)
    half = len(known) // 2
    if half == 0:
        return Trend(len(known), None, None, None, None, None, "no_data", last)
    first, second = known[:half], known[len(known) - half :]
    first_hours = sum(item.hours for item in first) / half
    second_hours = sum(item.hours for item in second) / half
    ratio = second_hours / first_hours - 1 if first_hours > 0 else None
    direction: Literal["rising", "falling", "flat"]
    if ratio is None:
        direction = "rising" if second_hours > 0 else "flat"
    else:
        direction = (
            "rising" if ratio > FLAT_WITHIN else "falling" if ratio < -FLAT_WITHIN else "flat"
        )
    return Trend(
        weeks=len(known),
        first_half_hours_per_week=first_hours,
        second_half_hours_per_week=second_hours,
        first_half_share=_mean(item.share for item in first),
        second_half_share=_mean(item.share for item in second),
        change_ratio=ratio,
        direction=direction,
        last_change_hours=last,
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known else None


_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w#]+")


def normalised(description: str | None) -> str:
    """A description as grouped: lower case, digit runs as #, punctuation as spaces."""
    text = _DIGITS.sub("#", (description or "").lower())
    return " ".join(_NOT_WORD.sub(" ", text).replace("_", " ").split())


Group = tuple[str, str | None, str]


def _groups(entries: Iterable[ToilEntry]) -> dict[Group, list[ToilEntry]]:
    """Entries by (category, service, normalised description), in first-seen order."""
    groups: dict[Group, list[ToilEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.category, entry.service, normalised(entry.description))].append(entry)
    return groups


def _shown(group: Sequence[ToilEntry]) -> str | None:
    """The description a group is shown with: its most common wording (first seen on ties)."""
    counts = Counter(entry.description for entry in group if entry.description)
    return counts.most_common(1)[0][0] if counts else None


def top_sources(entries: Sequence[ToilEntry], limit: int = TOP) -> list[Source]:
    """The largest sources of toil by hours (ties by category, service, description)."""
    total = sum(entry.minutes for entry in entries)
    found = [
        Source(
            category=category,
            service=service,
            description=_shown(group),
            hours=sum(e.minutes for e in group) / 60,
            entries=len(group),
            people=len({e.person for e in group}),
            share_of_toil=sum(e.minutes for e in group) / total,
        )
        for (category, service, _), group in _groups(entries).items()
    ]
    found.sort(key=lambda s: (-s.hours, s.category, s.service or "", s.description or ""))
    return found[:limit]


def candidates(entries: Sequence[ToilEntry], weeks: int, limit: int = TOP) -> list[Candidate]:
    """Automatable toil ranked by hours a week it would give back if automated."""
    automatable = (entry for entry in entries if entry.automatable)
    found = [
        Candidate(
            category=category,
            service=service,
            description=_shown(group),
            hours=sum(e.minutes for e in group) / 60,
            hours_per_week=sum(e.minutes for e in group) / 60 / weeks if weeks else 0.0,
            entries=len(group),
            people=sorted({e.person for e in group}),
            tickets=sorted({e.ticket for e in group if e.ticket})[:5],
        )
        for (category, service, _), group in _groups(automatable).items()
    ]
    found.sort(key=lambda c: (-c.hours, c.category, c.service or "", c.description or ""))
    return found[:limit]


@dataclass(frozen=True)
class Filters:
    """What a report was asked for: one team, one person, one service (None: any)."""

    team: str | None = None
    person: str | None = None
    service: str | None = None


def toil_report(
    entries: Sequence[ToilEntry],
    weeks: Sequence[dt.date],
    scope: Scope,
    today: dt.date,
    timezone: str,
    filters: Filters,
    oncall: list[OncallLoad],
    oncall_unassigned_pages: int,
    oncall_derived: bool,
) -> ToilReport:
    """The whole report over the ISO weeks starting on `weeks` (consecutive Mondays). The
    range's shares and hours a week are over the weeks with entries: a week nobody logged is
    no data (as in the weeks' table, and as `basics check` counts), not a week of no toil."""
    figures = weekly(entries, weeks, scope, today, timezone)
    count = sum(1 for week in figures if week.total.entries)
    cap = scope.cap_percent
    note = None
    if not entries:
        whose = " ".join(
            f"{kind} {name}"
            for kind, name in (("for team", filters.team), ("for", filters.person),
                               ("of service", filters.service)) if name
        )  # fmt: skip
        note = (
            f"no toil entries{' ' + whose if whose else ''} from {weeks[0]} to "
            f"{weeks[-1] + dt.timedelta(days=6)}: no data, not zero toil"
        )
    return ToilReport(
        start=local_midnight(weeks[0], timezone),
        end=local_midnight(weeks[-1] + WEEK, timezone),
        timezone=timezone,
        team=filters.team,
        person=filters.person,
        service=filters.service,
        cap_percent=cap,
        cap=cap / 100,
        capacity_hours_per_week=scope.capacity_hours_per_week,
        entries=len(entries),
        weeks_with_entries=count,
        weeks=figures,
        over_cap_weeks=sum(1 for week in figures if week.total.over_cap),
        total=load(scope.name, entries, scope.capacity_hours_per_week * count, cap),
        people=people_loads(entries, scope.people, scope.hours_per_week * count, cap),
        teams=team_loads(entries, scope, count),
        services=parts(entries, lambda entry: entry.service),
        categories=parts(entries, lambda entry: entry.category),
        trend=trend(figures),
        sources=top_sources(entries),
        candidates=candidates(entries, count),
        oncall=oncall,
        oncall_unassigned_pages=oncall_unassigned_pages,
        oncall_derived=oncall_derived,
        note=note,
    )
