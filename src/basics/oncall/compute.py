"""Pure on-call arithmetic: time classes, load per shift, durations, noise, concentration.

No I/O, no clock, no store: every function takes pages (as `PageColumns`) and shifts
(naive UTC) and returns report figures. Rules a reader may want to check:

* Time classes are PagerDuty's, in the responder's own zone (see `columns.time_classes`):
  sleep 22:00–08:00 every day, business 08:00–18:00 Monday to Friday, off hours the rest
  (18:00–22:00 on weekdays, 08:00–22:00 at weekends). The UTC moment is converted with
  zoneinfo, so daylight-saving changes are exact.
* A page counts for one shift at most (`page_shifts`), one that covers its creation
  (`start <= created_at < end`) and whose person is its responder: of the rotation that
  takes its service's pages when one such shift is, else the first by `shift_rank` (the
  lowest escalation level, then the earliest start). A page no shift of its responder
  covers (no responder, or one who was not on call) counts for none, and is counted as
  such (`OncallReport.pages_off_shift`): the shifts' pages and those add up to the pages.
* The load limit is the SRE book's two incidents per 12 hours on call, scaled to the shift:
  `limit = 2 × hours / 12`, a Fraction; a shift is over the limit when incidents > limit.
* Quantiles are nearest-rank: the value at 0-based rank ceil(q·n) − 1 of the sorted list.
* Pages with no responder are left out of per-person figures and counted as `unassigned`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from basics.core.clock import iso_week, monday
from basics.core.ranks import rank_index
from basics.oncall.columns import (
    NO_RESPONDER,
    NO_TIME,
    NOT_ACTIONABLE,
    SLEEP,
    UNCLASSIFIED,
    PageColumns,
    micros,
    time_classes,
)
from basics.oncall.models import Page, Shift, resolution, shift_rank
from basics.oncall.report import (
    TIME_CLASSES,
    AlertNoise,
    Bucket,
    Concentration,
    DurationStats,
    Interruptions,
    PersonLoad,
    ShiftLoad,
    TimeClass,
    WeekFigures,
)

# Upper edges (inclusive) of the duration histogram, in seconds; the last bucket is open.
BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("≤1m", 60),
    ("≤5m", 300),
    ("≤15m", 900),
    ("≤1h", 3600),
    ("≤4h", 14400),
    (">4h", None),
)
MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)
WEEK = dt.timedelta(days=7)


def time_class(moment: dt.datetime, timezone: str) -> TimeClass:
    """PagerDuty's class (business, off, sleep) of a naive UTC moment in a time zone."""
    utc = moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)
    return TIME_CLASSES[int(time_classes(np.array([micros(utc)], dtype=np.int64), timezone)[0])]


def on_call_hours(start: dt.datetime, end: dt.datetime) -> Fraction:
    """Hours in [start, end), exactly (0 when end is not after start)."""
    micros_on_call = (end - start) // dt.timedelta(microseconds=1)
    return Fraction(max(micros_on_call, 0), 3_600_000_000)


OFF_SHIFT = -1
"""In `page_shifts`: the page counts for no shift."""


def page_shifts(pages: PageColumns, shifts: Sequence[Shift]) -> NDArray[np.int32]:
    """The shift each page counts for, as an index into `shifts` (`OFF_SHIFT` for none):
    one covering its creation whose person is its responder, of the page's rotation when
    one is, else the first such by `shift_rank`. So a page is counted once, however many
    rotations its responder is on at the time."""
    counted = np.full(len(pages), OFF_SHIFT, dtype=np.int32)
    ordered = sorted(range(len(shifts)), key=lambda i: shift_rank(shifts[i]))
    rotation_codes = {name: code for code, name in enumerate(pages.rotations)}
    for own_rotation in (True, False):
        for index in ordered:
            shift = shifts[index]
            if own_rotation and shift.rotation not in rotation_codes:
                continue
            first, last = np.searchsorted(
                pages.created, [micros(shift.start), micros(shift.end)], side="left"
            )
            window = counted[first:last]  # a view: writing it writes `counted`
            mine = (window == OFF_SHIFT) & (
                pages.responder[first:last] == pages.person_code(shift.person)
            )
            if own_rotation:
                mine &= pages.rotation[first:last] == rotation_codes[shift.rotation]
            window[mine] = index
    return counted


def shift_loads(
    shifts: Sequence[Shift],
    pages: PageColumns,
    counted: NDArray[np.int32] | None = None,
    numbers: Sequence[int] | None = None,
) -> list[ShiftLoad]:
    """Pages, incidents and the SRE-book limit for each shift, in the order given.
    `counted`: the shift each page counts for, an index into `shifts` (by default
    `page_shifts(pages, shifts)`), or into a longer list where `numbers` gives each of
    `shifts`' index in it (a week's shifts among all: nothing is renumbered)."""
    if counted is None:
        counted = page_shifts(pages, shifts)
    loads = []
    for index, shift in enumerate(shifts):
        first, last = np.searchsorted(
            pages.created, [micros(shift.start), micros(shift.end)], side="left"
        )
        mine = counted[first:last] == (index if numbers is None else numbers[index])
        incidents = distinct(pages.incident[first:last][mine])
        hours = on_call_hours(shift.start, shift.end)
        limit = 2 * hours / 12
        loads.append(
            ShiftLoad(
                person=shift.person,
                rotation=shift.rotation,
                start=shift.start,
                end=shift.end,
                pages=int(np.count_nonzero(mine)),
                incidents=incidents,
                hours=hours,
                limit=limit,
                over_limit=incidents > limit,
            )
        )
    return loads


def distinct(codes: NDArray[np.int32]) -> int:
    """How many distinct codes (indexes into a column's values, -1 for none) there are."""
    if len(codes) < 512:  # a shift's or a week's few: cheaper than a mark per code
        return len(np.unique(codes))
    seen = np.zeros(int(codes.max()) + 2, dtype=np.bool_)  # -1 marks the last entry
    seen[codes] = True
    return int(np.count_nonzero(seen))


def kept_shifts(counted: NDArray[np.int32], kept: Sequence[int]) -> NDArray[np.int32]:
    """`counted` (indexes into a list of shifts) as indexes into the shifts at `kept`
    of that list; a page counted for a shift not kept is `OFF_SHIFT`."""
    top = max(int(counted.max(initial=OFF_SHIFT)), max(kept, default=OFF_SHIFT)) + 1
    remap = np.full(top + 1, OFF_SHIFT, dtype=np.int32)  # the last entry is no shift's
    remap[np.asarray(kept, dtype=np.int64)] = np.arange(len(kept), dtype=np.int32)
    return remap[counted]  # OFF_SHIFT (-1) reads the last entry, OFF_SHIFT


def histogram(seconds: NDArray[np.float64]) -> list[Bucket]:
    """Counts of durations in the fixed buckets of `BUCKETS`."""
    edges = np.array([edge for _, edge in BUCKETS if edge is not None], dtype=np.float64)
    counts = np.bincount(np.searchsorted(edges, seconds, side="left"), minlength=len(BUCKETS))
    return [
        Bucket(label, edge, int(count))
        for (label, edge), count in zip(BUCKETS, counts.tolist(), strict=True)
    ]


def duration_stats(seconds: NDArray[np.float64] | Sequence[float]) -> DurationStats:
    """Count, nearest-rank median and p90, and the histogram of durations in seconds."""
    ordered = np.sort(np.asarray(seconds, dtype=np.float64))
    return DurationStats(
        count=len(ordered),
        median=_ranked(ordered, MEDIAN),
        p90=_ranked(ordered, P90),
        histogram=histogram(ordered),
    )


def _ranked(ordered: NDArray[np.float64], q: Fraction) -> float | None:
    """The nearest-rank q-quantile of sorted values, None when there are none."""
    return float(ordered[rank_index(q, len(ordered))]) if len(ordered) else None


def _elapsed_s(start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.float64]:
    # Clocks of different sources can put an acknowledgement a moment before the page:
    # that is an immediate response, not a negative one.
    return np.maximum((end - start) / 1e6, 0.0)


def acknowledge_seconds(pages: PageColumns) -> NDArray[np.float64]:
    """Seconds from creation to acknowledgement of the pages acknowledged."""
    done = pages.acknowledged != NO_TIME
    return _elapsed_s(pages.created[done], pages.acknowledged[done])


def resolve_seconds(pages: PageColumns) -> NDArray[np.float64]:
    """Seconds from creation to resolution of the pages resolved."""
    done = pages.resolved != NO_TIME
    return _elapsed_s(pages.created[done], pages.resolved[done])


def time_to_acknowledge(pages: PageColumns) -> DurationStats:
    """Duration statistics of acknowledged_at − created_at over acknowledged pages."""
    return duration_stats(acknowledge_seconds(pages))


def time_to_resolve(pages: PageColumns) -> DurationStats:
    """Duration statistics of resolved_at − created_at over resolved pages."""
    return duration_stats(resolve_seconds(pages))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def auto_resolved(pages: PageColumns) -> NDArray[np.bool_]:
    """Which pages resolved without anyone acknowledging them (never those from a source
    that records no acknowledgements at all), nor reopening them: a reopened incident was
    found not over, by someone."""
    unanswered = (pages.acknowledged == NO_TIME) & ~pages.reopened
    answered_alone = (pages.resolved != NO_TIME) & unanswered
    return np.asarray(pages.knowable & answered_alone, dtype=np.bool_)


def noisy_alerts(pages: PageColumns) -> list[AlertNoise]:
    """Noise figures per alert name, most pages first (ties by name).

    `likely_noise` when at least half the classified pages were not actionable, or at least
    half the pages resolved on their own without an acknowledgement: nobody had to act on
    them. Pages from sources that record no acknowledgements (Alertmanager) are left out of
    that share; it is None when none can say.
    """
    size = len(pages.alerts)

    def per_alert(rows: NDArray[np.bool_]) -> list[int]:
        counts: list[int] = np.bincount(pages.alert[rows], minlength=size).tolist()
        return counts

    every = np.ones(len(pages), dtype=np.bool_)
    count = per_alert(every)
    classified = per_alert(pages.outcome != UNCLASSIFIED)
    not_actionable = per_alert(pages.outcome == NOT_ACTIONABLE)
    night = per_alert(pages.time_class == SLEEP)
    auto = per_alert(auto_resolved(pages))
    knowable = per_alert(pages.knowable)
    median_resolve = _median_resolve_by_alert(pages)
    noise = [
        AlertNoise(
            alert=name,
            count=count[code],
            classified=classified[code],
            not_actionable=not_actionable[code],
            not_actionable_share=_share(not_actionable[code], classified[code]),
            night=night[code],
            night_share=night[code] / count[code],
            auto_resolved=auto[code],
            auto_resolved_share=_share(auto[code], knowable[code]),
            likely_noise=(knowable[code] > 0 and 2 * auto[code] >= knowable[code])
            or (classified[code] > 0 and 2 * not_actionable[code] >= classified[code]),
            median_resolve_s=median_resolve.get(code),
        )
        for code, name in enumerate(pages.alerts)
        if count[code]
    ]
    return sorted(noise, key=lambda item: (-item.count, item.alert))


def _median_resolve_by_alert(pages: PageColumns) -> dict[int, float]:
    """The nearest-rank median time to resolve of each alert code with resolved pages."""
    done = pages.resolved != NO_TIME
    alert = pages.alert[done].astype(np.int64)
    # Whole µs (as `_elapsed_s` clips them) under the alert code: one sort of integers
    # orders the pages by alert, then by time to resolve (lexsort of both is slower).
    micros = np.maximum(pages.resolved[done] - pages.created[done], 0)
    if not len(micros):
        return {}
    shift = max(int(micros.max()).bit_length(), 1)
    if int(alert.max()).bit_length() + shift > 62:  # the two do not fit one key: sort both
        order = np.lexsort((micros, alert))
        alert, micros = alert[order], micros[order]
    else:
        keyed = np.sort((alert << shift) | micros)
        alert, micros = keyed >> shift, keyed & ((1 << shift) - 1)
    firsts = np.flatnonzero(np.diff(alert, prepend=alert[0] - 1))
    counts = np.diff(firsts, append=len(alert))
    return {
        int(alert[first]): float(micros[first + rank_index(MEDIAN, count)]) / 1e6
        for first, count in zip(firsts.tolist(), counts.tolist(), strict=True)
    }


def gini(counts: Sequence[int]) -> Fraction | None:
    """Gini index Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² mean), exactly; None when the total is 0.

    Computed as Σᵢ (2i − n − 1) x₍ᵢ₎ / (n Σ x) over the sorted values (i from 1), the same
    number in O(n log n).
    """
    total = sum(counts)
    if not counts or total == 0:
        return None
    n = len(counts)
    weighted = sum((2 * i - n - 1) * x for i, x in enumerate(sorted(counts), start=1))
    return Fraction(weighted, n * total)


def _per_person(pages: PageColumns, rows: NDArray[np.bool_]) -> list[int]:
    """How many of the pages at `rows` each person (by code) answered."""
    answered = rows & (pages.responder != NO_RESPONDER)
    counts: list[int] = np.bincount(pages.responder[answered], minlength=len(pages.people)).tolist()
    return counts


def concentration(pages: PageColumns, roster: Sequence[str] | None = None) -> Concentration:
    """Pages and night pages per person, the top responder's share and the Gini index.

    People are the roster (with zero pages where they had none) plus every responder met.
    The top responder has the most pages (ties by name); `flagged` when they carry more
    than half of the assigned pages. Unassigned pages are left out and counted.
    """
    every = np.ones(len(pages), dtype=np.bool_)
    page_counts = dict.fromkeys(roster or (), 0)
    night_counts: dict[str, int] = {}
    for person, count, night in zip(
        pages.people,
        _per_person(pages, every),
        _per_person(pages, pages.time_class == SLEEP),
        strict=True,
    ):
        if count:
            page_counts[person] = count
            night_counts[person] = night
    total = sum(page_counts.values())
    night_total = sum(night_counts.values())
    people = [
        PersonLoad(
            person=person,
            pages=count,
            share=_share(count, total),
            night_pages=night_counts.get(person, 0),
            night_share=_share(night_counts.get(person, 0), night_total),
        )
        for person, count in sorted(page_counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    top = people[0] if people and total else None
    index = gini(list(page_counts.values()))
    return Concentration(
        people=people,
        pages=total,
        night_pages=night_total,
        unassigned=int(np.count_nonzero(pages.responder == NO_RESPONDER)),
        top=top.person if top else None,
        top_share=top.share if top else None,
        gini=float(index) if index is not None else None,
        flagged=top is not None and 2 * top.pages > total,
    )


def interruptions(pages: PageColumns) -> Interruptions:
    """Pages per time class, overall and per responder (all three classes always present)."""
    classes = len(TIME_CLASSES)
    overall = np.bincount(pages.time_class, minlength=classes).tolist()
    answered = pages.responder != NO_RESPONDER
    cells = pages.responder[answered].astype(np.int64) * classes + pages.time_class[answered]
    grid = np.bincount(cells, minlength=len(pages.people) * classes).reshape(-1, classes)
    by_person = {
        pages.people[code]: dict(zip(TIME_CLASSES, row, strict=True))
        for code, row in enumerate(grid.tolist())
        if any(row)
    }
    return Interruptions(
        by_class=dict(zip(TIME_CLASSES, overall, strict=True)),
        by_person=dict(sorted(by_person.items())),
        unassigned=int(np.count_nonzero(~answered)),
    )


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the ISO week holding a naive UTC moment."""
    return dt.datetime.combine(monday(moment.date()), dt.time())


def weeks_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The Mondays 00:00 UTC of every ISO week meeting [start, end)."""
    weeks: list[dt.datetime] = []
    if end <= start:
        return weeks
    current = week_start(start)
    while current < end:
        weeks.append(current)
        current += WEEK
    return weeks


def weekly(
    pages: PageColumns,
    shifts: Sequence[Shift],
    week_starts: Sequence[dt.datetime],
    roster: Sequence[str] | None = None,
    counted: NDArray[np.int32] | None = None,
) -> list[WeekFigures]:
    """The on-call figures per ISO week, Monday 00:00 UTC to the next Monday.

    A page belongs to the week of its created_at. A shift belongs to the week its start
    falls in and is measured whole (with all its pages, even those after the week ends),
    so a shift is counted once and its limit is never cut in two. `counted`: the shift
    each page counts for (`page_shifts`, computed once when not given).
    """
    if counted is None:
        counted = page_shifts(pages, shifts)
    figures = []
    for start in week_starts:
        if start != week_start(start) or start.tzinfo is not None:
            raise ValueError(f"a week starts on a Monday at 00:00 naive UTC, got {start}")
        end = start + WEEK
        week = pages.between(start, end)
        kept = [i for i, shift in enumerate(shifts) if start <= shift.start < end]
        loads = shift_loads([shifts[i] for i in kept], pages, counted, kept)
        figures.append(
            WeekFigures(
                week=iso_week(start),
                start=start,
                end=end,
                pages=len(week),
                incidents=distinct(week.incident),
                shifts=loads,
                over_limit_shifts=sum(load.over_limit for load in loads),
                time_to_acknowledge=time_to_acknowledge(week),
                time_to_resolve=time_to_resolve(week),
                alerts=noisy_alerts(week),
                concentration=concentration(week, roster),
                interruptions=interruptions(week),
            )
        )
    return figures


def merge_page(stored: Page, told: Page) -> Page:
    """A page told of again (a later webhook delivery about the same alert or incident):
    the earliest start and acknowledgement either knows, and the newest word on what it is
    (alert, service, urgency, responder) where it says. Newest is by `told_at` (the
    responder by `assigned_at`) when both carry one (PagerDuty: when the events happened,
    whatever order they arrived in), else the later told (Alertmanager, Basics' own pages:
    arrival order).

    The resolution is the latest either knows when both are dated (or either knows of a
    reopening), so a delivery of an earlier resolution changes nothing, and is None when the
    latest reopening either knows came after it (`models.resolution`); else it is the
    earliest, as before."""
    newer, older = _newest_first(stored, told, stored.told_at, told.told_at)
    named, other = _newest_first(stored, told, stored.assigned_at, told.assigned_at)
    dated = stored.told_at is not None and told.told_at is not None
    reopened_at = _latest(stored.reopened_at, told.reopened_at)
    # A reopening known to either side makes an earlier resolution a past one, dated or not
    # (a file import's page, then a late webhook's resolution and its reopening).
    latest = dated or reopened_at is not None
    resolved_at = (_latest if latest else _earliest)(stored.resolved_at, told.resolved_at)
    return dataclasses.replace(
        stored,
        alert=newer.alert or older.alert,
        service=newer.service or older.service,
        urgency=newer.urgency or older.urgency,
        responder=named.responder or other.responder,
        created_at=min(stored.created_at, told.created_at),
        acknowledged_at=_earliest(stored.acknowledged_at, told.acknowledged_at),
        resolved_at=resolution(resolved_at, reopened_at),
        told_at=_latest(stored.told_at, told.told_at),
        assigned_at=_latest(stored.assigned_at, told.assigned_at),
        reopened_at=reopened_at,
        # Unknown only while neither says: a delivery that knows the acknowledgement wins.
        ack_unknown=(stored.ack_unknown and told.ack_unknown) or None,
    )


def _newest_first(
    stored: Page, told: Page, stored_at: dt.datetime | None, told_at: dt.datetime | None
) -> tuple[Page, Page]:
    """The two pages, the one whose word is newest first: by date when both are dated (the
    later told at equal dates), else the later told."""
    if stored_at is not None and told_at is not None and stored_at > told_at:
        return stored, told
    return told, stored


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else max(a, b)


@dataclasses.dataclass(frozen=True)
class Folded:
    """Deliveries merged in order with the stored pages: each page's final state and the
    delivery that last told of it (its index), the first delivery to tell of it, the
    versions later deliveries of the fold replaced (version, its delivery, the delivery
    that replaced it), and how many pages each delivery was the first to tell of."""

    pages: dict[str, tuple[Page, int]]
    new_pages: list[int]
    first: dict[str, int] = dataclasses.field(default_factory=dict)
    between: list[tuple[Page, int, int]] = dataclasses.field(default_factory=list)


def fold_deliveries(stored: dict[str, Page], deliveries: Sequence[Sequence[Page]]) -> Folded:
    """What storing `deliveries` one after the other leaves: each page merged with what
    the store and the earlier deliveries said of it (`merge_page`), as one write, with the
    versions that storing them one by one would have replaced on the way."""
    pages: dict[str, tuple[Page, int]] = {}
    first: dict[str, int] = {}
    between: list[tuple[Page, int, int]] = []
    new_pages = []
    for index, told in enumerate(deliveries):
        new = 0
        for page in told:
            earlier = pages.get(page.id)
            if earlier is not None:
                between.append((earlier[0], earlier[1], index))
                known: Page | None = earlier[0]
            else:
                first[page.id] = index
                known = stored.get(page.id)
            if known is None:
                new += 1
            pages[page.id] = (page if known is None else merge_page(known, page), index)
        new_pages.append(new)
    return Folded(pages, new_pages, first, between)
