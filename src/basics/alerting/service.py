"""Alert policies evaluated on the SLO rollups: now (`evaluate`) or minute by minute (`replay`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from basics.alerting import compute
from basics.alerting.incidents import list_incidents
from basics.alerting.judge import (
    TUNE_FACTORS,
    TUNE_WINDOWS,
    false_per_month,
    judge,
    matching,
    tuning_rank,
    within_allowance,
)
from basics.alerting.models import (
    AlertState,
    Evaluation,
    Firing,
    Incident,
    Replay,
    Span,
    Tier,
    TierState,
    Tuning,
    TuningRow,
)
from basics.alerting.prometheus import RuleFile, SLORules, rules_for
from basics.config.models import Config, SLOConfig
from basics.core.clock import iso_utc, utc_now
from basics.core.durations import format_duration
from basics.core.errors import InputError
from basics.core.rounding import fixed
from basics.core.windows import MINUTE, calendar_length_s, floor_minute, slo_window
from basics.slo.service import SLOService
from basics.store.arrow import view
from basics.store.duckdb_store import Store

if TYPE_CHECKING:
    import duckdb

WEEK_S = 7 * 86400
LONG_SERIES_MINUTES = 14 * 1440
"""From this many minutes on, a series is read through Arrow (see `_chunks`)."""
_EPOCH = dt.datetime(1970, 1, 1)
_MICROSECOND = dt.timedelta(microseconds=1)


class AlertingService:
    """Evaluates and replays alert policies over the per-minute SLO rollups."""

    def __init__(self, store: Store, config: Config, slo: SLOService) -> None:
        self.store = store
        self.config = config
        self.slo = slo

    def tiers(self, slo: SLOConfig, policy: str, at: dt.datetime) -> list[Tier]:
        """The policy's tiers with factors for this SLO's window length."""
        window_s = calendar_length_s(slo.window, at, self.config.timezone)
        return compute.resolve_tiers(self.config.alert_policy(policy), window_s)

    def _series(
        self,
        key: str,
        slo: SLOConfig,
        start: dt.datetime,
        end: dt.datetime,
        store: Store | None = None,
    ) -> compute.Cumulative:
        """Running totals of events and bad events per minute over [start, end), from a
        leading 0 (no events where nothing happened)."""
        _alertable(key, slo)
        minutes = int((end - start).total_seconds() // 60)
        relation = (store or self.store).db.sql(
            "SELECT minute, total, good FROM slo_minute "
            "WHERE slo = $slo AND minute >= $start AND minute < $end",
            params={"slo": key, "start": start, "end": end},
        )
        chunks = (_counted(slo, *chunk) for chunk in _chunks(relation, minutes))
        return compute.cumulative_series(chunks, _micros(start), minutes)

    def _series_many(
        self, wanted: list[tuple[str, SLOConfig, dt.datetime]], end: dt.datetime
    ) -> dict[str, compute.Cumulative]:
        """`_series` of several SLOs, each from its own start to `end`, in one query (an
        evaluation reads a few days of every SLO: one statement, not one per SLO)."""
        for key, slo, _ in wanted:
            _alertable(key, slo)
        if not wanted:
            return {}
        first = min(start for _, _, start in wanted)
        # Rows come in any order (a join or an ORDER BY costs more than the rest of the
        # query): grouped by SLO here, and placed by minute in `cumulative_series`.
        arrays = self.store.db.sql(
            "SELECT list_position($keys, slo) - 1 AS k, minute, total, good FROM slo_minute "
            "WHERE minute >= $start AND minute < $end AND list_contains($keys, slo)",
            params={"keys": [key for key, _, _ in wanted], "start": first, "end": end},
        ).fetchnumpy()
        order = np.argsort(np.asarray(arrays["k"]), kind="stable")
        index = np.asarray(arrays["k"])[order]
        minute = np.asarray(arrays["minute"]).view(np.int64)[order]
        total, good = np.asarray(arrays["total"])[order], np.asarray(arrays["good"])[order]
        bounds = np.searchsorted(index, np.arange(len(wanted) + 1))
        found = {}
        for k, (key, slo, start) in enumerate(wanted):
            rows = slice(int(bounds[k]), int(bounds[k + 1]))
            since = minute[rows] >= (start - _EPOCH) // _MICROSECOND
            chunk = _counted(slo, minute[rows][since], total[rows][since], good[rows][since])
            minutes = int((end - start).total_seconds() // 60)
            found[key] = compute.cumulative_series([chunk], _micros(start), minutes)
        return found

    def prometheus_rules(self, at: dt.datetime | None = None) -> RuleFile:
        """Prometheus rules for every SLO that says how it looks in Prometheus.

        Factors depend on the SLO window's length; a calendar window uses the length of the
        period containing `at` (default: now), so regenerate the rules each period.
        """
        moment = floor_minute(at or utc_now())
        selected, skipped = [], []
        for svc, service in self.config.services.items():
            for name, slo in service.slos.items():
                key = f"{svc}/{name}"
                if slo.prometheus is None:
                    skipped.append(f"{key}: no `prometheus:` block (counters or histogram)")
                    continue
                reason = unsupported_reason(slo)
                if reason is not None:
                    skipped.append(f"{key}: {reason}")
                    continue
                policy_name = self.config.policy_of(svc, name)
                policy = self.config.alert_policy(policy_name)
                selected.append(
                    SLORules(
                        key,
                        svc,
                        service,
                        slo,
                        slo.prometheus,
                        self.tiers(slo, policy_name, moment),
                        policy.min_events,
                    )
                )
        rule_file = rules_for(selected)
        rule_file.skipped = skipped
        return rule_file

    # -- evaluate -----------------------------------------------------------------------

    def evaluate(self, at: dt.datetime | str | None = None) -> list[Evaluation]:
        """Every tier of every SLO at one moment: burn rates against factors, and why."""
        end = self.slo.resolve_at(at)
        wanted = []
        skipped: dict[str, Evaluation] = {}
        for svc, service in self.config.services.items():
            for name, slo in service.slos.items():
                key, policy_name = f"{svc}/{name}", self.config.policy_of(svc, name)
                reason = unsupported_reason(slo)
                if reason is not None:
                    # One SLO alerting cannot read must not stop the others: a note instead.
                    skipped[key] = Evaluation(key, policy_name, end, [], note=reason)
                    continue
                tiers = self.tiers(slo, policy_name, end)
                start = self._lookback_start(key, tiers, policy_name, end)
                wanted.append((key, slo, policy_name, tiers, start))
        series = self._series_many([(key, slo, start) for key, slo, _, _, start in wanted], end)
        evaluated = {
            key: self._evaluate(key, slo, policy_name, tiers, end, series[key])
            for key, slo, policy_name, tiers, _ in wanted
        }
        return [skipped.get(key) or evaluated[key] for key in self.config.slo_names()]

    def unsupported(self, names: list[str] | None = None) -> dict[str, str]:
        """The SLOs (of `names`, default all) that alerting cannot read yet, with the reason."""
        found = {}
        for name in names or self.config.slo_names():
            _, _, slo = self.slo.slo(name)
            reason = unsupported_reason(slo)
            if reason is not None:
                found[name] = reason
        return found

    def _lookback_start(
        self, key: str, tiers: list[Tier], policy_name: str, end: dt.datetime
    ) -> dt.datetime:
        """Where an evaluation at `end` starts reading: the longest window back; with
        `no_data: keep`, far enough back to see the last minute that had events."""
        lookback = dt.timedelta(seconds=max(t.long_s for t in tiers))
        start = end - lookback
        if self.config.alert_policy(policy_name).no_data == "keep":
            last_seen = self.store.scalar(
                "SELECT max(minute) FROM slo_minute WHERE slo = ? AND minute < ?", [key, end]
            )
            if last_seen is not None:
                start = min(start, last_seen - lookback)
        return start

    def _evaluate(
        self,
        key: str,
        slo: SLOConfig,
        policy_name: str,
        tiers: list[Tier],
        end: dt.datetime,
        cumulative: compute.Cumulative,
    ) -> Evaluation:
        policy = self.config.alert_policy(policy_name)
        last = len(cumulative.total) - 2  # the last minute
        states = []
        for tier in tiers:
            fires, suppressed, _ = compute.tier_conditions(
                None,
                None,
                0,
                slo.objective,
                tier,
                policy.min_events,
                policy.no_data == "keep",
                cumulative,
            )
            long_total, long_bad = _window(cumulative.total, cumulative.bad, last, tier.long_s)
            short = None
            if tier.short_s is not None:
                short = _window(cumulative.total, cumulative.bad, last, tier.short_s)
            long_burn = _burn(long_bad, long_total, slo.objective)
            short_burn = _burn(short[1], short[0], slo.objective) if short else None
            firing, held = bool(fires[-1]), bool(suppressed[-1])
            # A long window burning above the factor while the short window that must
            # confirm it holds no events is undecided: no data, not ok; suppressed all the
            # same when the long window holds fewer than min_events (it could not page).
            unconfirmed = (
                short is not None
                and short[0] == 0
                and _above(tier, slo.objective, (long_total, long_bad))
            )
            held = held or (unconfirmed and long_total < policy.min_events)
            state = _state(firing, held, long_total, unconfirmed)
            reason = _reason(
                tier, slo.objective, (long_total, long_bad), short, held, policy.min_events
            )
            if firing and (long_total == 0 or (short is not None and short[0] == 0)):
                # Nothing in a window decided it: `no_data: keep` held the last state.
                reason = f"held firing: {reason} (no_data: keep)"
            states.append(
                TierState(
                    tier=tier.name,
                    severity=tier.severity,
                    factor=float(tier.factor),
                    long_burn_rate=long_burn,
                    short_burn_rate=short_burn,
                    long_events=long_total,
                    firing=firing,
                    suppressed=held,
                    reason=reason,
                    state=state,
                )
            )
        return Evaluation(key, policy_name, end, states)

    # -- replay -------------------------------------------------------------------------

    def replay(
        self,
        name: str,
        start: dt.datetime,
        end: dt.datetime | str,
        policy_name: str | None = None,
        store: Store | None = None,
        incidents: list[Incident] | None = None,
    ) -> Replay:
        """Evaluate a policy at the end of each minute of [start, end); judge it on incidents.

        `incidents`, when given, are every incident up to the range's end (as `_incidents`
        reads them), so that a batch of replays reads them once.
        """
        svc, _, slo = self.slo.slo(name)
        policy_name = policy_name or self.config.policy_of(svc, name.partition("/")[2])
        if policy_name not in self.config.alerting.policies and policy_name not in _builtin_names():
            known = sorted(set(self.config.alerting.policies) | set(_builtin_names()))
            raise InputError(f'unknown alert policy "{policy_name}" (known: {", ".join(known)})')
        policy = self.config.alert_policy(policy_name)
        begin, stop = self._range(start, end)
        tiers = self.tiers(slo, policy_name, stop)
        lookback_s = max(t.long_s for t in tiers)
        history = self._history(name, begin, stop, lookback_s, store, incidents)
        return self._replay_tiers(
            history, tiers, policy.min_events, policy.no_data == "keep", policy_name, True
        )

    def replay_all(
        self,
        start: dt.datetime,
        end: dt.datetime | str,
        names: list[str] | None = None,
        workers: int = 2,
    ) -> list[Replay]:
        """Replay every SLO (or `names`) with its own policy, on `workers` threads; of every
        SLO, those alerting cannot read yet are left out (see `unsupported`).

        The incidents are read once for all; each SLO's minute series is one query, read on
        one connection per thread, and the arithmetic is NumPy's: both release the GIL, so
        the threads really share the cores.
        """
        if not names:
            # Every SLO but those alerting cannot read (`unsupported` names them); asked for
            # by name, such an SLO is an error.
            skipped = self.unsupported()
            names = [name for name in self.config.slo_names() if name not in skipped]
        for name in names:
            self.slo.slo(name)  # unknown names fail here, before any work starts
        stop = end if isinstance(end, dt.datetime) else self.slo.resolve_at(end)
        # From any time: a firing already on at `start` is judged by when it began.
        incidents = self._incidents(None, None, self._range(start, stop)[1])
        local = threading.local()

        def one(name: str) -> Replay:
            if not hasattr(local, "store"):
                local.store = self.store.cursor()
            return self.replay(name, start, stop, store=local.store, incidents=incidents)

        with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
            return list(pool.map(one, names))

    def tune(
        self,
        name: str,
        start: dt.datetime,
        end: dt.datetime | str,
        max_false_per_month: float,
    ) -> Tuning:
        """Single tiers over a grid of windows and factors, ranked: every incident detected,
        fewest false firings, then the shortest detection delay."""
        if not max_false_per_month >= 0 or max_false_per_month == float("inf"):  # NaN too
            raise InputError(
                "the false firings allowed a month must be a number, 0 or more; "
                f"found {max_false_per_month}"
            )
        _, _, slo = self.slo.slo(name)
        begin, stop = self._range(start, end)
        window_s = calendar_length_s(slo.window, stop, self.config.timezone)
        reachable = 1 / compute.error_share(slo.objective)  # the burn rate of 100 % errors
        candidates = [
            Tier(long_s, short_s, Fraction(factor), "page")
            for long_s, short_s in TUNE_WINDOWS
            if long_s < window_s
            for factor in TUNE_FACTORS
            if Fraction(factor) < reachable
        ]
        if not candidates:
            raise InputError(f"{name}: its window is too short for any candidate tier to fit")
        history = self._history(name, begin, stop, max(t.long_s for t in candidates))
        # False firings a month over the part of the range with events, from a week of them
        # on (`judge.false_per_month`): as the scorecard rates them.
        days = history.event_days
        rows = []
        for tier in candidates:
            replay = self._replay_tiers(history, [tier], 0, False, tier.name, False)
            false_firings = replay.false_firings or 0  # None without events: none fired
            rows.append(
                TuningRow(
                    tier=tier.name,
                    factor=float(tier.factor),
                    budget_share=float(compute.budget_share(tier, window_s)),
                    firings=len(replay.firings),
                    false_firings=false_firings,
                    false_per_month=false_per_month(false_firings, days),
                    recall=replay.recall,
                    delay_median_s=replay.detection_delay_s.median,
                    delay_p90_s=replay.detection_delay_s.p90,
                )
            )
        rows.sort(key=tuning_rank)
        fitting = [
            r
            for r in rows
            if (r.recall is None or r.recall == 1)
            and within_allowance(r.false_firings, days, max_false_per_month)
        ]
        incidents = len(history.incidents)
        events = self.slo.counts(name, begin, stop).total
        # No firing over a range without events says nothing of a tier: no best one.
        best = fitting[0] if fitting and events else None
        return Tuning(name, begin, stop, incidents, max_false_per_month, rows, best, events, days)

    def _range(self, start: dt.datetime, end: dt.datetime | str) -> tuple[dt.datetime, dt.datetime]:
        stop = end if isinstance(end, dt.datetime) else self.slo.resolve_at(end)
        begin, stop = floor_minute(start), floor_minute(stop)
        if begin >= stop:
            raise InputError(f"--from ({iso_utc(begin)}) must be before --to ({iso_utc(stop)})")
        return begin, stop

    def _history(
        self,
        name: str,
        begin: dt.datetime,
        stop: dt.datetime,
        lookback_s: int,
        store: Store | None = None,
        incidents: list[Incident] | None = None,
    ) -> _History:
        """The minute series from far enough before `begin` (the longest alert window, and the
        SLO window for budgets) to `stop`, and the service's incidents around the range and
        those before it a firing already on at `begin` may have caught (from `incidents` when
        given)."""
        svc, _, slo = self.slo.slo(name)
        budget_start = _budget_start(slo.window, begin, self.config.timezone)
        start = min(begin - dt.timedelta(seconds=lookback_s), budget_start)
        cumulative = self._series(name, slo, start, stop, store)
        grace = self._grace()
        if incidents is None:
            incidents = self._incidents(svc, start, stop, store)
        around = [
            incident
            for incident in incidents
            if svc in incident.services
            and incident.end > start - grace
            and incident.start < stop + grace
        ]
        in_range = [incident for incident in around if incident.end > begin - grace]
        earlier = [incident for incident in around if incident.end <= begin - grace]
        return _History(name, slo, start, begin, stop, cumulative, in_range, earlier, grace)

    def _grace(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.config.alerting.grace_s)

    def _incidents(
        self,
        service: str | None,
        begin: dt.datetime | None,
        stop: dt.datetime,
        store: Store | None = None,
    ) -> list[Incident]:
        """The incidents of a service (None: of any) overlapping the range with its grace
        (`begin` None: from any time)."""
        grace = self._grace()
        since = None if begin is None else begin - grace
        return list_incidents(store or self.store, service, since, stop + grace)

    def _replay_tiers(
        self,
        history: _History,
        tiers: list[Tier],
        min_events: int,
        keep_on_no_data: bool,
        label: str,
        with_budget: bool,
    ) -> Replay:
        first = history.minute(history.begin)
        cumulative = history.cumulative
        found: list[Span] = []
        for index, tier in enumerate(tiers):
            found += compute.range_spans(
                cumulative,
                first,
                history.slo.objective,
                tier,
                index,
                min_events,
                keep_on_no_data,
            )
        found.sort(key=lambda s: (s.start, s.tier))

        def moment(index: int) -> dt.datetime:
            return history.start + (index + 1) * MINUTE  # a minute is judged at its end

        firings = []
        for span in found:
            tier = tiers[span.tier]
            fired = moment(span.start)
            reset = None if span.reset is None else moment(span.reset)
            incident = matching(history.known, fired, history.grace)
            spent_from = incident.start if incident else fired - dt.timedelta(seconds=tier.long_s)
            # A firing inside the grace before an incident's recorded start spent nothing yet.
            spent_from = min(spent_from, fired)
            spent = self._spent(history, cumulative, spent_from, fired) if with_budget else None
            firings.append(
                Firing(
                    tier=tier.name,
                    severity=tier.severity,
                    long_window=format_duration(tier.long_s),
                    short_window=None if tier.short_s is None else format_duration(tier.short_s),
                    factor=float(tier.factor),
                    start=fired,
                    reset=reset,
                    peak_burn_rate=span.peak_burn_rate,
                    budget_spent_before_detection=spent,
                    incident=incident.id if incident else None,
                    suppressed=span.suppressed,
                    already_firing=span.start < first,
                )
            )
        judged = [i for i in history.incidents if history.events_during(i)]
        replay = judge(
            history.name,
            label,
            history.begin,
            history.stop,
            firings,
            judged,
            history.grace,
            history.event_days,
        )
        unjudged = [i for i in history.incidents if i not in judged]
        return dataclasses.replace(replay, unjudged_incidents=unjudged) if unjudged else replay

    def _spent(
        self,
        history: _History,
        cumulative: compute.Cumulative,
        since: dt.datetime,
        until: dt.datetime,
    ) -> float | None:
        """Bad events in [since, until) as a share of the budget of the window ending `until`,
        from the series already in memory (no query per firing). A calendar window's budget
        is that of its length (the month's) ending `until`: the month so far holds next to no
        budget on the 1st (a firing then showed 3,286 % of it spent)."""
        last = history.minute(until)
        spent = int(cumulative.bad[last] - cumulative.bad[history.minute(floor_minute(since))])
        window_start = _budget_start(history.slo.window, until, self.config.timezone)
        total = int(cumulative.total[last] - cumulative.total[history.minute(window_start)])
        allowed = (Decimal(100) - history.slo.objective) / 100 * total
        return float(Decimal(spent) / allowed) if allowed else None


@dataclass(frozen=True)
class _History:
    """What a replay reads once: the minute series (with lookback) and the incidents."""

    name: str
    slo: SLOConfig
    start: dt.datetime
    begin: dt.datetime
    stop: dt.datetime
    cumulative: compute.Cumulative
    incidents: list[Incident]  # overlapping the range, with the grace
    earlier: list[Incident]  # before it, which a firing already on at `begin` may have caught
    grace: dt.timedelta

    def minute(self, moment: dt.datetime) -> int:
        """Index of the minute starting at `moment` (clamped to the series)."""
        index = int((moment - self.start).total_seconds() // 60)
        return min(max(index, 0), len(self.cumulative.total) - 1)

    @cached_property
    def known(self) -> list[Incident]:
        """Every incident a firing may have caught, oldest first."""
        return sorted(self.earlier + self.incidents, key=lambda i: (i.start, i.id))

    def events_during(self, incident: Incident) -> bool:
        """Whether the SLO counted any event while `incident` lasted, as far as the series
        tells: one reaching past its end (within the grace after `stop`) is judged as
        before, the series holding nothing of that part."""
        if incident.end > self.stop:
            return True
        total = self.cumulative.total  # a running total with a leading 0
        first = self.minute(incident.start)
        last = min(max(self.minute(incident.end), first + 1), len(total) - 1)
        return bool(total[last] - total[first])

    @cached_property
    def event_days(self) -> float:
        """Days of the range with events (`compute.event_minutes`)."""
        return compute.event_minutes(self.cumulative.total, self.minute(self.begin)) / 1440


def _budget_start(spec: str, end: dt.datetime, timezone: str) -> dt.datetime:
    """Where the budget a replay measures spending against starts, for a window ending at
    `end`: the SLO window's start; a calendar window's length (the month's) back."""
    if spec in ("month", "quarter"):
        return end - dt.timedelta(seconds=calendar_length_s(spec, end, timezone))
    return slo_window(spec, end, timezone).start


def unsupported_reason(slo: SLOConfig) -> str | None:
    """Why Basics cannot alert on an SLO (None when it can): alerting reads one-minute rows,
    so timeslices longer than a minute are not supported yet."""
    if slo.budgeting == "timeslices" and slo.slice_s != 60:
        return (
            f"alerting on timeslices longer than 1m (slice: {slo.slice}) is not supported yet; "
            "use slice: 1m or occurrences"
        )
    return None


def _alertable(key: str, slo: SLOConfig) -> None:
    """An SLO asked for by name that alerting cannot read is an error."""
    reason = unsupported_reason(slo)
    if reason is not None:
        raise InputError(f"{key}: {reason}")


def _counted(
    slo: SLOConfig, minute: compute.IntArray, total: compute.IntArray, good: compute.IntArray
) -> tuple[compute.IntArray, compute.IntArray, compute.IntArray]:
    """Rows of (minute, total, good) as alerting counts them: events, or for a 1m-timeslice
    SLO one slice a minute, good when good ≥ target × total (exactly, in integers)."""
    if slo.budgeting != "timeslices":
        return minute, total, good
    assert slo.slice_target is not None
    target = Fraction(slo.slice_target)
    good, total = good.astype(np.int64, copy=False), total.astype(np.int64, copy=False)
    met = good * 100 * target.denominator >= total * target.numerator
    return minute, np.ones(len(minute), dtype=np.int64), met.astype(np.int64)


def _micros(moment: dt.datetime) -> int:
    """A naive UTC minute as µs since 1970."""
    return (floor_minute(moment) - _EPOCH) // _MICROSECOND


def _chunks(
    relation: duckdb.DuckDBPyRelation, minutes: int
) -> Iterator[tuple[compute.IntArray, compute.IntArray, compute.IntArray]]:
    """A query's rows of (minute, total, good) as NumPy arrays (minute in µs), chunk by chunk.

    A long series (a replay's year is 525,600 minutes) comes through Arrow, viewed in place:
    DuckDB hands Arrow over faster than `fetchnumpy`, and pyarrow's own `to_numpy` would
    import pandas. A short one (an evaluation's few days) comes through `fetchnumpy`, which
    spares the process importing pyarrow at all.
    """
    if minutes < LONG_SERIES_MINUTES:
        arrays = relation.fetchnumpy()
        minute, total, good = (np.asarray(arrays[name]) for name in ("minute", "total", "good"))
        yield minute.view(np.int64), total, good
        return
    for batch in relation.to_arrow_table().to_batches():
        minute, total, good = (view(column, np.int64) for column in batch.columns)
        yield minute, total, good


def _builtin_names() -> list[str]:
    from basics.config.alerting import BUILTIN_POLICIES

    return list(BUILTIN_POLICIES)


def _window(
    cumulative_total: np.ndarray, cumulative_bad: np.ndarray, last: int, seconds: int
) -> tuple[int, int]:
    first = max(last + 1 - seconds // 60, 0)
    return (
        int(cumulative_total[last + 1] - cumulative_total[first]),
        int(cumulative_bad[last + 1] - cumulative_bad[first]),
    )


def policy_names(text: str) -> list[str]:
    """The policies of a comparison (`a,b,c`): at least one, none twice (a policy compared
    with itself is a row repeated, not a comparison)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError(f'policies: expected comma-separated policy names, found "{text}"')
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"policies: {', '.join(repeated)} named twice; name each policy once")
    return names


def _burn(bad: int, total: int, objective: Decimal) -> float | None:
    if total == 0:
        return None
    return float(Decimal(bad) / (total * (Decimal(100) - objective) / 100))


def _state(firing: bool, held: bool, long_total: int, unconfirmed: bool) -> AlertState:
    """A tier's state: firing; no data when its long window holds no events; suppressed
    (under min_events); no data when the short window that must confirm a burning long one
    holds none; else ok."""
    if firing:
        return "firing"
    if long_total == 0:
        return "no_data"
    if held:
        return "suppressed"
    return "no_data" if unconfirmed else "ok"


def _above(tier: Tier, objective: Decimal, counts: tuple[int, int]) -> bool:
    """Whether a window's (total, bad) burns above the tier's factor, decided exactly."""
    total, bad = counts
    threshold = tier.factor * compute.error_share(objective)
    return bad * threshold.denominator > total * threshold.numerator


def _reason(
    tier: Tier,
    objective: Decimal,
    long: tuple[int, int],
    short: tuple[int, int] | None,
    suppressed: bool,
    min_events: int,
) -> str:
    """Why a tier fires or not, with each comparison decided exactly as the alert is."""

    def compared(name: str, counts: tuple[int, int]) -> str:
        burn = _burn(counts[1], counts[0], objective)
        above = _above(tier, objective, counts)
        assert burn is not None  # called for windows with events only
        return f"{name} burn {fixed(burn, 2)} {'>' if above else '≤'} {float(tier.factor):g}"

    long_name = format_duration(tier.long_s)
    if long[0] == 0:
        return f"no events in the last {long_name}"
    text = compared(long_name, long)
    if short is not None and tier.short_s is not None:
        if short[0] == 0:
            text += f" and no events in the last {format_duration(tier.short_s)}"
        else:
            text += " and " + compared(format_duration(tier.short_s), short)
    if suppressed:
        text += f"; suppressed: {long[0]} events in {long_name} < min_events {min_events}"
    return text
