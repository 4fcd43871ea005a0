"""The weekly review over the store: each domain's week beside the week before, then the
candidates to fix, costed and ranked by `compute`."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any, Literal

from basics.core.clock import iso_utc, iso_week, monday
from basics.core.errors import InputError, NotFoundError
from basics.core.rounding import fixed
from basics.core.windows import calendar_length_s
from basics.core.words import plural
from basics.review import compute
from basics.review.models import (
    AlertWeek,
    Candidate,
    Changes,
    Coverage,
    Kind,
    PersonWeek,
    Review,
    SLOWeek,
)
from basics.slo.compute import error_share

if TYPE_CHECKING:
    from basics.app import App
    from basics.config.review import ReviewWeights
    from basics.postmortems.service import Library
    from basics.postmortems.themes import Theme
    from basics.slo.models import Contributor, Counts
    from basics.slo.service import SLOService

    Cause = tuple[str | None, Contributor | None]
    """The dimension an SLO's bad events fell on unevenly, and its top value (or none)."""

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
BROKEN_DOWN = 5
"""SLOs whose burn is broken down by cause (the ones that burned most): the lookup reads raw
events, so it is bounded; every SLO above `min_budget_percent` is ranked all the same."""
GOOD_SAMPLE = 8
"""Choosing a cause's dimension reads every bad event and one good event in this many."""
IMPORT_REACH = dt.timedelta(days=7)
"""How far past its newest record an import loaded long after it tells of quiet weeks."""
LIVE_SOURCES = ("pages:basics", "deploys:cli")
"""Batch sources fed as things happen (beside webhook deliveries, named `… webhook`): the
pages Basics' own alerts sent, and deploys recorded by `deploys record` or its API."""


class ReviewService:
    """The week's review: what changed, and what to fix next."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.config = app.config

    def week_range(
        self, week: str | None, end: dt.datetime
    ) -> tuple[str, dt.datetime, dt.datetime]:
        """The ISO week asked for (default: the last one complete at `end`), as naive UTC
        [start, end) of its Monday-to-Monday in the config's time zone."""
        zone = zoneinfo.ZoneInfo(self.config.timezone)
        if week is None:
            local_end = end.replace(tzinfo=dt.UTC).astimezone(zone)
            start_day = monday(local_end.date()) - WEEK  # the week before the one `end` falls in
        else:
            try:
                start_day = compute.week_start(week)
            except ValueError as error:
                raise InputError(str(error)) from None
        return iso_week(start_day), _utc(start_day, zone), _utc(start_day + WEEK, zone)

    def review(self, week: str | None, end: dt.datetime) -> Review:
        """The review of one ISO week."""
        name, start, stop = self.week_range(week, end)
        w = self.config.review.weights
        monday = compute.week_start(name)  # local days: east of UTC, start.date() is Sunday
        # The week before is the local week before: 167 or 169 hours when the clocks change.
        before = _utc(monday - WEEK, zoneinfo.ZoneInfo(self.config.timezone))
        slos, budget = self._slos(before, start, stop, w)
        pages, paging = self._pages(before, start, stop, w)
        toil = self._toil(before, start, stop, w)
        deploys = self._deploys(before, start, stop)
        library = self.app.postmortems.library()  # read once: the scorecard takes it too
        learned, lessons = self._postmortems(monday, w, library)
        scorecard, failing = self._scorecard(monday, stop, w, library)
        changes = Changes(slos=slos, **pages, **toil[0], **deploys, **learned, **scorecard)
        ranked = compute.rank([*budget, *paging, *toil[1], *lessons, *failing],
                              self.config.review.top)  # fmt: skip
        return Review(name, start, stop, monday, monday + dt.timedelta(days=6),
                      self.config.timezone, changes, ranked, w.model_dump())  # fmt: skip

    def _slos(
        self, before: dt.datetime, start: dt.datetime, stop: dt.datetime, w: ReviewWeights
    ) -> tuple[list[SLOWeek], list[Candidate]]:
        names = self.config.slo_names()
        this, earlier = self._burned(names, start, stop), self._burned(names, before, start)
        found = [
            SLOWeek(name, counts.total, counts.bad, burned, earlier)
            for name, (counts, burned), (_, earlier) in zip(names, this, earlier, strict=True)
        ]
        worst = sorted((s for s in found if s.budget_burned), key=lambda s: -(s.budget_burned or 0))
        floor = self.config.review.min_budget_percent / 100
        # Every SLO that burned at least the floor is ranked on its whole burn; the cause is
        # looked for in those that burned most (bounded: breakdowns scan raw events).
        ranked = [s for s in worst if (s.budget_burned or 0) >= floor]
        causes = self._causes([s.slo for s in ranked[:BROKEN_DOWN]], start, stop)
        return found, [
            _budget_candidate(s, causes[n] if n < len(causes) else None, start, stop, w)
            for n, s in enumerate(ranked)
        ]

    def _causes(self, names: list[str], start: dt.datetime, stop: dt.datetime) -> list[Cause]:
        """Each SLO's cause (`_cause`), two at a time: the breakdowns are DuckDB's work,
        which releases the GIL, each thread on a connection of its own."""
        import threading
        from concurrent.futures import ThreadPoolExecutor

        from basics.slo.service import SLOService

        local = threading.local()

        opened: list[SLOService] = []

        def one(name: str) -> Cause:
            if not hasattr(local, "slo"):
                local.slo = SLOService(self.app.store.cursor(), self.config)
                opened.append(local.slo)
            return self._cause(local.slo, name, start, stop)

        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                return list(pool.map(one, names))
        finally:
            for service in opened:
                service.store.close()

    def _cause(self, slo: SLOService, name: str, start: dt.datetime, stop: dt.datetime) -> Cause:
        """The dimension and value most of an SLO's bad events fell on in the week.

        The dimension is chosen by `breakdown --by auto` over the week's worst day (the most
        bad events, from the rollups) and the day before it, so what changed is compared with
        what ran before (a version alone on its worst day explains nothing), from every bad
        event and a stable eighth of the good ones: two days, thinly, to group every way,
        rather than seven in full. The value and its share are then counted exactly over the
        whole week, on that dimension.
        """
        worst = slo.store.query(
            "SELECT date_trunc('day', minute) AS day FROM slo_minute WHERE slo = ? "
            "AND minute >= ? AND minute < ? GROUP BY day ORDER BY sum(total - good) DESC, day "
            "LIMIT 1",
            [name, start, stop],
        )
        if not worst:
            return None, None
        day = worst[0][0]
        ranked = slo.breakdown_auto(name, day - DAY, min(day + DAY, stop), 1, GOOD_SAMPLE)
        if not ranked or not ranked[0].contributors:
            return None, None
        by = ranked[0].dimension
        try:
            exact = slo.breakdown(name, by, start, stop, top=1)
        except NotFoundError:
            return None, None  # an attribute only the day before the week has
        return by, exact.contributors[0] if exact.contributors else None

    def _burned(
        self, names: list[str], start: dt.datetime, end: dt.datetime
    ) -> list[tuple[Counts, float | None]]:
        """Each SLO's events in [start, end) and its bad ones as a share of the error budget
        of its window ending at `end`: rolling windows as they are, calendar ones at the
        full length of the month or quarter `end` falls in (`calendar_length_s`, as
        alerting sizes them: a week just after a month began is not set against a one-day
        budget). None without events to budget. One scan of the rollups for every
        occurrence SLO (`SLOService.counts_many`)."""
        windows = []
        for name in names:
            service, _, slo_name = name.partition("/")
            spec = self.config.services[service].slos[slo_name].window
            length = dt.timedelta(seconds=calendar_length_s(spec, end, self.config.timezone))
            windows.append((name, {"range": start, "window": end - length}))
        found = []
        for name, counts in zip(names, self.app.slo.counts_many(windows, end), strict=True):
            service, _, slo_name = name.partition("/")
            budget = error_share(self.config.services[service].slos[slo_name].objective)
            allowed = budget * counts["window"].total
            bad = counts["range"].bad
            found.append((counts["range"], float(bad / allowed) if allowed else None))
        return found

    def _pages(
        self, before: dt.datetime, start: dt.datetime, stop: dt.datetime, w: ReviewWeights
    ) -> tuple[dict[str, Any], list[Candidate]]:
        report = self.app.oncall.report(start, stop)
        people = [PersonWeek(p.person, p.pages, p.night_pages)
                  for p in report.concentration.people if p.pages]  # fmt: skip
        alerts = [AlertWeek(a.alert, a.count, a.night, a.not_actionable, a.likely_noise)
                  for a in report.alerts]  # fmt: skip
        evidence = f"basics oncall report --from {iso_utc(start)} --to {iso_utc(stop)}"
        candidates = [_alert_candidate(a, w, evidence) for a in alerts]
        known = self._coverage("pages", "created_at")
        # A week the imports do not reach is no data (None), not a quiet week of 0 pages.
        now, earlier = compute.covers(known, start, stop), compute.covers(known, before, start)
        return {
            "pages_imported": known is not None,
            "pages_coverage": known,
            "pages": report.pages if now else None,
            "previous_pages": len(self.app.oncall.pages(before, start)) if earlier else None,
            "night_pages": report.concentration.night_pages if now else None,
            "people": people,
            "noisy_alerts": sorted(alerts, key=lambda a: (-a.night_pages, -a.pages, a.alert))[:5],
        }, candidates

    def _toil(
        self, before: dt.datetime, start: dt.datetime, stop: dt.datetime, w: ReviewWeights
    ) -> tuple[dict[str, Any], list[Candidate]]:
        week = self.app.toil.report(start, stop)
        earlier = self.app.toil.report(before, start)
        categories = {c.name: c.hours for c in week.categories}
        evidence = f"basics toil report --from {iso_utc(start)} --to {iso_utc(stop)}"
        # On-call time is the pages' time: costed with the pages, not twice.
        candidates = [
            compute.candidate(
                "toil",
                f"toil: {name}, {fixed(hours, 1)} h",
                None,
                hours,
                "h",
                w.toil_hour,
                evidence,
            )
            for name, hours in categories.items()
            if name != "on-call"
        ]
        return {
            # A week without entries is no data, not zero toil (as `toil report` says).
            "toil_hours": None if week.total.share is None else week.total.hours,
            "previous_toil_hours": None if earlier.total.share is None else earlier.total.hours,
            "toil_categories": categories,
        }, candidates

    def _deploys(
        self, before: dt.datetime, start: dt.datetime, stop: dt.datetime
    ) -> dict[str, Any]:
        now = self.app.deploys.dora(start, stop).total
        earlier = self.app.deploys.dora(before, start).total
        known = self._coverage("deploys", "deployed_at")
        # A week the records do not reach is no data (None), not a week of 0 deploys.
        covered = compute.covers(known, start, stop)
        return {
            "deploys_recorded": known is not None,
            "deploys_coverage": known,
            "deploys": now.deploys if covered else None,
            "previous_deploys": earlier.deploys if compute.covers(known, before, start) else None,
            "change_failure_rate": now.change_failure_rate.ratio,
            "failed_deploys": now.change_failure_rate.count if covered else None,
        }

    def _coverage(self, kind: Literal["pages", "deploys"], column: str) -> Coverage | None:
        """What the store knows of pages or deploys (`kind`, its table and its batches'
        kind): from the oldest record's `column` to the latest that an applied import told
        of. An import (an export pulled) at T tells what happened up to T, unless its newest
        record is more than `IMPORT_REACH` older than T (a history loaded later, the
        demo's): then up to that record and `IMPORT_REACH` past it. A live feed (a webhook
        delivery, a page Basics sent, a deploy recorded) comes only when something pages or
        ships: it tells of every week up to now, a quiet one a real 0. Never before the
        newest record. None when it holds none."""
        from basics.core.clock import utc_now

        oldest, newest, told = self.app.store.query(
            f"WITH per AS (SELECT batch_id, max({column}) AS newest FROM {kind} "
            "GROUP BY batch_id) "
            f"SELECT (SELECT min({column}) FROM {kind}), (SELECT max({column}) FROM {kind}), "
            "(SELECT max(CASE WHEN ends_with(b.path, ' webhook') OR b.source IN (?, ?) "
            "  THEN ? ELSE least(b.finished_at, per.newest + ?) END) "
            " FROM per JOIN batches b ON b.id = per.batch_id "
            " WHERE b.kind = ? AND b.status = 'applied')",
            [*LIVE_SOURCES, utc_now(), IMPORT_REACH, kind],
        )[0]
        if oldest is None:
            return None
        return Coverage(oldest, max(newest, told or newest))

    def _postmortems(
        self, monday: dt.date, w: ReviewWeights, library: Library
    ) -> tuple[dict[str, Any], list[Candidate]]:
        service = self.app.postmortems
        first, last = monday, monday + WEEK
        new = [pm for pm in library.postmortems if pm.date and first <= pm.date < last]
        items = [(pm, item) for pm in library.postmortems for item in pm.action_items]
        past_due = service.actions(last, only_overdue=True, library=library)  # when it ends
        overdue: dict[str, int] = {}
        declared = self.config.services
        for pm, _ in past_due:
            # The scorecard's rule: an item counts for every service of its post-mortem that
            # basics.yaml declares (a scorecard's); one naming none is counted once, apart.
            carded = [name for name in pm.services if name in declared]
            for key in carded or ["(no service)"]:
                overdue[key] = overdue.get(key, 0) + 1
        themes, recurring = _recurred(service.themes(library=library), first, last, w)
        candidates = recurring + [
            compute.candidate(
                "overdue",
                f"{service_name}: {plural(count, 'overdue action item')}",
                service_name,
                count,
                "items",
                w.overdue_action,
                "basics postmortems actions --overdue",
            )
            for service_name, count in sorted(overdue.items())
        ]
        return {
            "postmortems_written": bool(library.postmortems),
            "new_postmortems": [f"{pm.id}: {pm.title}" for pm in new],
            "themes": themes,
            "actions_opened": sum(len(pm.action_items) for pm in new),
            "actions_closed": sum(1 for _, i in items if i.closed and first <= i.closed < last),
            "actions_overdue": len(past_due),
        }, candidates

    def _scorecard(
        self, monday: dt.date, stop: dt.datetime, w: ReviewWeights, library: Library
    ) -> tuple[dict[str, Any], list[Candidate]]:
        catalog = self.app.catalog
        report = catalog.check(stop, keep=False, library=library)
        failing = [c for c in report.services if c.failed]
        before = catalog.week_verdicts(iso_week(monday - WEEK))
        kept = {s: v for s, v in before.items() if v is not None}
        candidates = [
            compute.candidate(
                "scorecard",
                f"{c.service} fails {plural(c.failed, 'check')}: "
                + ", ".join(k.check for k in c.checks if k.verdict == "fail"),
                c.service,
                c.failed,
                "checks",
                w.failing_check,
                f"basics check --service {c.service}",
            )
            for c in failing
        ]
        return {
            "failing_services": [c.service for c in failing],
            "previous_failing_services": sorted(s for s, v in kept.items() if v == "fail")
            if kept
            else None,
            "previous_no_data_services": sorted(s for s, v in before.items() if v is None),
        }, candidates


def _recurred(
    themes: list[Theme], first: dt.date, last: dt.date, w: ReviewWeights
) -> tuple[list[str], list[Candidate]]:
    """The themes that recurred in the local days [first, last), by `postmortems themes`'
    rule (one of its post-mortems started after one of its action items was closed), each
    costed as its post-mortems that recurred in them × `postmortem`: a theme costs the weeks
    it comes back in, not every week after."""
    found = [(t, ids) for t in themes if (ids := compute.recurred_in(t.recurrences, first, last))]
    candidates = [
        compute.candidate(
            "theme",
            f"recurring theme: {t.name}, recurred in {', '.join(ids)} (of "
            f"{', '.join(pm.id for pm in t.postmortems if pm.date and pm.date < last)})",
            None,
            len(ids),
            "post-mortem" if len(ids) == 1 else "post-mortems",
            w.postmortem,
            "basics postmortems themes",
        )
        for t, ids in found
    ]
    return [t.name for t, _ in found], candidates


def _budget_candidate(
    week: SLOWeek, cause: Cause | None, start: dt.datetime, stop: dt.datetime, w: ReviewWeights
) -> Candidate:
    """An SLO's burn this week, costed whole, with where its bad events fell (`cause`: the
    dimension and its top value; None when it was not looked for)."""
    by, top = cause or (None, None)
    said = compute.cause_said(by, top.value if top else None, top.share_of_bad if top else None,
                              looked_for=cause is not None)  # fmt: skip
    evidence = (f"basics slo breakdown {week.slo} --by {by or 'auto'} "
                f"--from {iso_utc(start)} --to {iso_utc(stop)}")  # fmt: skip
    return compute.budget(week.slo, 100 * (week.budget_burned or 0), w, evidence, said)


def _alert_candidate(a: AlertWeek, w: ReviewWeights, evidence: str) -> Candidate:
    """An alert's pages this week: night pages at `night_page` hours, the rest at `page`."""
    day = a.pages - a.night_pages
    cost = a.night_pages * w.night_page + day * w.page
    formula = (f"{a.night_pages} night pages × {w.night_page:g} h + {day} day pages × "
               f"{w.page:g} h = {cost:g} h")  # fmt: skip
    noise = f", {a.not_actionable} not actionable" if a.not_actionable else ""
    title = f"alert {a.alert}: {plural(a.pages, 'page')}, {a.night_pages} at night{noise}"
    kind: Kind = "night_pages" if a.night_pages else "pages"
    return Candidate(kind, title, None, a.pages, "pages", w.night_page if a.night_pages else w.page,
                     cost, formula, evidence)  # fmt: skip


def _utc(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Midnight of a local day, as naive UTC."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)
