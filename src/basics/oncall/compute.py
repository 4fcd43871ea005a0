"""Pure on-call arithmetic: time classes, load per shift, durations, noise, concentration.

No I/O, no clock, no store: every function takes pages and shifts (naive UTC) and returns
report figures. Rules a reader may want to check:

* Time classes are PagerDuty's, in the responder's own zone (`zone_of(responder)`, which
  also answers for a responder of None): sleep 22:00–08:00 every day, business 08:00–18:00
  Monday to Friday, off hours the rest (18:00–22:00 on weekdays, 08:00–22:00 at weekends).
  The UTC moment is converted with zoneinfo, so daylight-saving changes are exact.
* A page counts for a shift when `start <= created_at < end` and its responder is the
  shift's person; a page with no responder counts for every shift covering it (the service
  normally fills the responder from the shift, so this only matters for raw imports).
* The load limit is the SRE book's two incidents per 12 hours on call, scaled to the shift:
  `limit = 2 × hours / 12`, a Fraction; a shift is over the limit when incidents > limit.
* Quantiles are nearest-rank: the value at 0-based rank ceil(q·n) − 1 of the sorted list.
* Pages with no responder are left out of per-person figures and counted as `unassigned`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

from basics.core.ranks import nearest_rank
from basics.oncall.models import OUTCOMES, Page, Shift
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

ZoneOf = Callable[[str | None], str]

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
    # Every UTC offset and every DST change falls on a quarter hour, and the classes change
    # on whole local hours, so a moment's class is its quarter hour's: cache by that.
    return _quarter_class((utc - _EPOCH) // _QUARTER, timezone)


_EPOCH = dt.datetime(1970, 1, 1)
_QUARTER = dt.timedelta(minutes=15)


@functools.lru_cache(maxsize=1 << 16)
def _quarter_class(quarter: int, timezone: str) -> TimeClass:
    start = (_EPOCH + quarter * _QUARTER).replace(tzinfo=dt.UTC)
    local = start.astimezone(zoneinfo.ZoneInfo(timezone))
    if local.hour >= 22 or local.hour < 8:
        return "sleep"
    if local.weekday() < 5 and local.hour < 18:
        return "business"
    return "off"


def page_class(page: Page, zone_of: ZoneOf) -> TimeClass:
    """The time class of a page in its responder's zone."""
    return time_class(page.created_at, zone_of(page.responder))


def on_call_hours(start: dt.datetime, end: dt.datetime) -> Fraction:
    """Hours in [start, end), exactly (0 when end is not after start)."""
    micros = (end - start) // dt.timedelta(microseconds=1)
    return Fraction(max(micros, 0), 3_600_000_000)


def shift_loads(shifts: Sequence[Shift], pages: Sequence[Page]) -> list[ShiftLoad]:
    """Pages, incidents and the SRE-book limit for each shift, in the order given."""
    ordered = sorted(pages, key=lambda page: page.created_at)
    times = [page.created_at for page in ordered]
    loads = []
    for shift in shifts:
        first = bisect.bisect_left(times, shift.start)
        last = bisect.bisect_left(times, shift.end)
        mine = [
            page
            for page in ordered[first:last]
            if page.responder is None or page.responder == shift.person
        ]
        incidents = len({page.incident_key for page in mine})
        hours = on_call_hours(shift.start, shift.end)
        limit = 2 * hours / 12
        loads.append(
            ShiftLoad(
                person=shift.person,
                rotation=shift.rotation,
                start=shift.start,
                end=shift.end,
                pages=len(mine),
                incidents=incidents,
                hours=hours,
                limit=limit,
                over_limit=incidents > limit,
            )
        )
    return loads


def histogram(seconds: Iterable[float]) -> list[Bucket]:
    """Counts of durations in the fixed buckets of `BUCKETS`."""
    counts = [0] * len(BUCKETS)
    edges = [edge for _, edge in BUCKETS if edge is not None]
    for value in seconds:
        counts[bisect.bisect_left(edges, value)] += 1
    return [
        Bucket(label, edge, count) for (label, edge), count in zip(BUCKETS, counts, strict=True)
    ]


def duration_stats(seconds: Sequence[float]) -> DurationStats:
    """Count, nearest-rank median and p90, and the histogram of durations in seconds."""
    return DurationStats(
        count=len(seconds),
        median=nearest_rank(seconds, MEDIAN),
        p90=nearest_rank(seconds, P90),
        histogram=histogram(seconds),
    )


def _elapsed_s(start: dt.datetime, end: dt.datetime) -> float:
    # Clocks of different sources can put an acknowledgement a moment before the page:
    # that is an immediate response, not a negative one.
    return max((end - start).total_seconds(), 0.0)


def acknowledge_seconds(pages: Iterable[Page]) -> list[float]:
    """Seconds from creation to acknowledgement of the pages acknowledged."""
    return [
        _elapsed_s(page.created_at, page.acknowledged_at)
        for page in pages
        if page.acknowledged_at is not None
    ]


def resolve_seconds(pages: Iterable[Page]) -> list[float]:
    """Seconds from creation to resolution of the pages resolved."""
    return [
        _elapsed_s(page.created_at, page.resolved_at)
        for page in pages
        if page.resolved_at is not None
    ]


def time_to_acknowledge(pages: Iterable[Page]) -> DurationStats:
    """Duration statistics of acknowledged_at − created_at over acknowledged pages."""
    return duration_stats(acknowledge_seconds(pages))


def time_to_resolve(pages: Iterable[Page]) -> DurationStats:
    """Duration statistics of resolved_at − created_at over resolved pages."""
    return duration_stats(resolve_seconds(pages))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Sources that never record an acknowledgement: "resolved without one" says nothing there.
NO_ACKNOWLEDGEMENTS = frozenset({"alertmanager"})


def auto_resolved(page: Page) -> bool:
    """Whether a page resolved without anyone acknowledging it (False where the source
    records no acknowledgements at all)."""
    if page.source in NO_ACKNOWLEDGEMENTS:
        return False
    return page.resolved_at is not None and page.acknowledged_at is None


def alert_noise(alert: str, pages: Sequence[Page], zone_of: ZoneOf) -> AlertNoise:
    """The noise figures of one alert's pages (at least one).

    Outcomes outside `OUTCOMES` count as unclassified. `likely_noise` when at least half the
    classified pages were not actionable, or at least half the pages resolved on their own
    without an acknowledgement: nobody had to act on them. Pages from sources that record no
    acknowledgements (Alertmanager) are left out of that share; it is None when none can say.
    """
    outcomes = [OUTCOMES[page.outcome] for page in pages if page.outcome in OUTCOMES]
    night = sum(page_class(page, zone_of) == "sleep" for page in pages)
    auto = sum(auto_resolved(page) for page in pages)
    knowable = sum(page.source not in NO_ACKNOWLEDGEMENTS for page in pages)
    not_actionable = outcomes.count(False)
    return AlertNoise(
        alert=alert,
        count=len(pages),
        classified=len(outcomes),
        not_actionable=not_actionable,
        not_actionable_share=_share(not_actionable, len(outcomes)),
        night=night,
        night_share=night / len(pages),
        auto_resolved=auto,
        auto_resolved_share=_share(auto, knowable),
        likely_noise=(knowable > 0 and 2 * auto >= knowable)
        or (len(outcomes) > 0 and 2 * not_actionable >= len(outcomes)),
        median_resolve_s=nearest_rank(resolve_seconds(pages), MEDIAN),
    )


def noisy_alerts(pages: Iterable[Page], zone_of: ZoneOf) -> list[AlertNoise]:
    """Noise figures per alert name, most pages first (ties by name)."""
    by_alert: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_alert[page.alert].append(page)
    noise = [alert_noise(alert, group, zone_of) for alert, group in by_alert.items()]
    return sorted(noise, key=lambda item: (-item.count, item.alert))


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


def concentration(
    pages: Iterable[Page], zone_of: ZoneOf, roster: Sequence[str] | None = None
) -> Concentration:
    """Pages and night pages per person, the top responder's share and the Gini index.

    People are the roster (with zero pages where they had none) plus every responder met.
    The top responder has the most pages (ties by name); `flagged` when they carry more
    than half of the assigned pages. Unassigned pages are left out and counted.
    """
    page_counts: Counter[str] = Counter({person: 0 for person in roster or ()})
    night_counts: Counter[str] = Counter()
    unassigned = 0
    for page in pages:
        if page.responder is None:
            unassigned += 1
            continue
        page_counts[page.responder] += 1
        if page_class(page, zone_of) == "sleep":
            night_counts[page.responder] += 1
    total = sum(page_counts.values())
    night_total = sum(night_counts.values())
    people = [
        PersonLoad(
            person=person,
            pages=count,
            share=_share(count, total),
            night_pages=night_counts[person],
            night_share=_share(night_counts[person], night_total),
        )
        for person, count in sorted(page_counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    top = people[0] if people and total else None
    index = gini(list(page_counts.values()))
    return Concentration(
        people=people,
        pages=total,
        night_pages=night_total,
        unassigned=unassigned,
        top=top.person if top else None,
        top_share=top.share if top else None,
        gini=float(index) if index is not None else None,
        flagged=top is not None and 2 * top.pages > total,
    )


def interruptions(pages: Iterable[Page], zone_of: ZoneOf) -> Interruptions:
    """Pages per time class, overall and per responder (all three classes always present)."""
    by_class: dict[TimeClass, int] = dict.fromkeys(TIME_CLASSES, 0)
    by_person: dict[str, dict[TimeClass, int]] = {}
    unassigned = 0
    for page in pages:
        kind = page_class(page, zone_of)
        by_class[kind] += 1
        if page.responder is None:
            unassigned += 1
            continue
        person = by_person.setdefault(page.responder, dict.fromkeys(TIME_CLASSES, 0))
        person[kind] += 1
    return Interruptions(
        by_class=by_class, by_person=dict(sorted(by_person.items())), unassigned=unassigned
    )


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the ISO week holding a naive UTC moment."""
    day = moment.date() - dt.timedelta(days=moment.weekday())
    return dt.datetime(day.year, day.month, day.day)


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
    pages: Sequence[Page],
    shifts: Sequence[Shift],
    zone_of: ZoneOf,
    week_starts: Sequence[dt.datetime],
    roster: Sequence[str] | None = None,
) -> list[WeekFigures]:
    """The on-call figures per ISO week, Monday 00:00 UTC to the next Monday.

    A page belongs to the week of its created_at. A shift belongs to the week its start
    falls in and is measured whole (with all its pages, even those after the week ends),
    so a shift is counted once and its limit is never cut in two.
    """
    ordered = sorted(pages, key=lambda page: page.created_at)
    created = [page.created_at for page in ordered]

    def between(begin: dt.datetime, stop: dt.datetime) -> list[Page]:
        return ordered[bisect.bisect_left(created, begin) : bisect.bisect_left(created, stop)]

    figures = []
    for start in week_starts:
        if start != week_start(start) or start.tzinfo is not None:
            raise ValueError(f"a week starts on a Monday at 00:00 naive UTC, got {start}")
        end = start + WEEK
        week_pages = between(start, end)
        week_shifts = [shift for shift in shifts if start <= shift.start < end]
        # A shift is measured whole, so it sees the pages of its own span, past the week.
        loads = shift_loads(
            week_shifts,
            between(min(s.start for s in week_shifts), max(s.end for s in week_shifts))
            if week_shifts
            else [],
        )
        year, number, _ = start.isocalendar()
        figures.append(
            WeekFigures(
                week=f"{year}-W{number:02d}",
                start=start,
                end=end,
                pages=len(week_pages),
                incidents=len({page.incident_key for page in week_pages}),
                shifts=loads,
                over_limit_shifts=sum(load.over_limit for load in loads),
                time_to_acknowledge=time_to_acknowledge(week_pages),
                time_to_resolve=time_to_resolve(week_pages),
                alerts=noisy_alerts(week_pages, zone_of),
                concentration=concentration(week_pages, zone_of, roster),
                interruptions=interruptions(week_pages, zone_of),
            )
        )
    return figures
