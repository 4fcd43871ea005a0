"""On-call time as toil, derived from pages: each responder's engaged time, by day, service
and alert, with the part that fell in their sleep hours. Pure: no store, no clock.

Rules (docs/toil.md says them to users):

* A page engages its responder from its creation (the page interrupts) until it is
  resolved; a page never resolved, until it was acknowledged; a page neither, not at all
  (it is counted as a page, with no time). Each page counts at most `cap_s` (`toil.page_cap`,
  4h by default): a page left open for days is not days of work.
* One person's pages that overlap are counted once: a page adds only the time no earlier
  page of theirs (by creation) already covers, and that time keeps its own service and alert.
* Sleep hours are the on-call report's (PagerDuty's 22:00–08:00, in the responder's zone,
  `oncall.columns.time_classes`); a night is named by the evening it starts on.
* Time is given to the calendar day of the report's time zone it fell on: a page from 23:30
  to 00:30 gives 30 minutes to each day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from basics.oncall.columns import DAY_US, HOUR_US, SLEEP, micros, time_classes, utc_offsets_us
from basics.oncall.models import Page
from basics.toil.models import ONCALL, ToilEntry
from basics.toil.report import OncallLoad

SOURCE = "oncall:pages"
# Every zone's offset is a whole number of quarter hours: within a UTC quarter hour the
# local hour (and so the time class and the day) cannot change.
QUARTER_US = HOUR_US // 4
_EPOCH_DAY = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class OncallRow:
    """Engaged time of one person on one day, from one service's alert; `night` names the
    night its sleep-hours minutes fell in (None for none), `pages` those created here."""

    person: str
    day: dt.date
    service: str | None
    alert: str
    minutes: float
    night_minutes: float
    night: dt.date | None
    pages: int


def oncall_rows(
    pages: Sequence[Page],
    cap_s: int,
    timezone: str,
    zone_of: Callable[[str | None], str],
) -> list[OncallRow]:
    """Engaged time of each person's pages (filled with their responders; pages without
    one are left out)."""
    mine: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        if page.responder is not None:
            mine[page.responder].append(page)
    rows: list[OncallRow] = []
    for person, theirs in sorted(mine.items()):
        rows += _person_rows(person, theirs, cap_s, timezone, zone_of(person))
    return rows


def _person_rows(
    person: str, pages: list[Page], cap_s: int, timezone: str, zone: str
) -> list[OncallRow]:
    pages = sorted(pages, key=lambda p: (p.created_at, p.id))
    spans = engaged_spans(pages, cap_s * 1_000_000)
    starts, lengths, owner = _pieces(spans)
    night = time_classes(starts, zone) == SLEEP
    days = _local_days(starts, timezone)
    nights = _local_days(starts - 12 * HOUR_US, zone)  # a night is named by its evening
    created = np.array([micros(p.created_at) for p in pages], dtype=np.int64)
    # (day, service, alert, night) -> [minutes, sleep-hours minutes, pages created]
    totals: dict[tuple[dt.date, str | None, str, dt.date | None], list[float]] = defaultdict(
        lambda: [0.0, 0.0, 0.0]
    )
    for i in range(len(starts)):
        page = pages[int(owner[i])]
        minutes = float(lengths[i]) / 60e6
        evening = _day(nights[i]) if night[i] else None
        total = totals[(_day(days[i]), page.service, page.alert, evening)]
        total[0] += minutes
        total[1] += minutes if night[i] else 0.0
    for page, day in zip(pages, _local_days(created, timezone).tolist(), strict=True):
        totals[(_day(day), page.service, page.alert, None)][2] += 1
    return [
        OncallRow(person, day, service, alert, minutes, night_minutes, evening, int(count))
        for (day, service, alert, evening), (minutes, night_minutes, count) in totals.items()
    ]


def engaged_spans(pages: Sequence[Page], cap_us: int) -> list[tuple[int, int, int]]:
    """(start µs, end µs, index of the page) of the time each page adds to one person's
    engaged time: its own span, capped, less what earlier pages (by creation) covered."""
    spans = []
    covered = np.iinfo(np.int64).min
    for index, page in enumerate(pages):
        start = micros(page.created_at)
        until = page.resolved_at or page.acknowledged_at or page.created_at
        end = start + min(max(micros(until) - start, 0), cap_us)
        if end > max(start, covered):
            spans.append((max(start, covered), end, index))
        covered = max(covered, end)
    return spans


def _pieces(
    spans: list[tuple[int, int, int]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The spans cut at every UTC quarter hour: each piece's start, length (µs) and page."""
    starts: list[NDArray[np.int64]] = []
    owners: list[NDArray[np.int64]] = []
    ends: list[NDArray[np.int64]] = []
    for start, end, index in spans:
        first = -(-start // QUARTER_US) * QUARTER_US
        edges = np.unique(np.concatenate(([start], np.arange(first, end, QUARTER_US), [end])))
        starts.append(edges[:-1])
        ends.append(edges[1:])
        owners.append(np.full(len(edges) - 1, index, dtype=np.int64))
    if not spans:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    start_us = np.concatenate(starts).astype(np.int64)
    return start_us, np.concatenate(ends).astype(np.int64) - start_us, np.concatenate(owners)


def _local_days(utc_us: NDArray[np.int64], zone: str) -> NDArray[np.int64]:
    """Days since 1970-01-01 on the wall clock of `zone` at each moment."""
    return np.asarray((utc_us + utc_offsets_us(utc_us, zone)) // DAY_US, dtype=np.int64)


def _day(days_since_epoch: int | np.int64) -> dt.date:
    return _EPOCH_DAY + dt.timedelta(days=int(days_since_epoch))


def derived_entries(rows: Sequence[OncallRow]) -> list[ToilEntry]:
    """The rows as toil entries of category on-call (one per person, day, service and
    alert; the alert is the description), labelled derived."""
    minutes: dict[tuple[str, dt.date, str | None, str], float] = defaultdict(float)
    for row in rows:
        minutes[(row.person, row.day, row.service, row.alert)] += row.minutes
    return [
        ToilEntry(None, person, day, total, ONCALL, service, alert, None, None, SOURCE, None, True)
        for (person, day, service, alert), total in sorted(
            minutes.items(), key=lambda item: (item[0][1], item[0][0], item[0][3])
        )
        if total > 0
    ]


def oncall_loads(rows: Sequence[OncallRow]) -> list[OncallLoad]:
    """Per person: pages, engaged and sleep-hours time, and nights touched; most hours first."""
    people: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    nights: dict[str, set[dt.date]] = defaultdict(set)
    for row in rows:
        figures = people[row.person]
        figures[0] += row.pages
        figures[1] += row.minutes
        figures[2] += row.night_minutes
        if row.night is not None and row.night_minutes > 0:
            nights[row.person].add(row.night)
    loads = [
        OncallLoad(person, int(count), minutes / 60, night_minutes / 60, len(nights[person]))
        for person, (count, minutes, night_minutes) in people.items()
    ]
    return sorted(loads, key=lambda load: (-load.engaged_hours, load.person))
