"""SLO reports from the store: status, breakdowns, cost, history and percentiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Literal

from basics.config.expressions import fields_used, parse_expression
from basics.config.models import (
    Config,
    ServiceConfig,
    SLOConfig,
    known_service,
    named_service,
)
from basics.core.clock import end_word, iso_utc, parse_time, utc_now
from basics.core.errors import InputError, NotFoundError
from basics.core.sketch import RELATIVE_ERROR
from basics.core.windows import MINUTE, Window, floor_minute, slo_window
from basics.slo import compute
from basics.slo.models import (
    Breakdown,
    Contributor,
    Cost,
    Counts,
    LatencyPercentiles,
    Latest,
    PercentileReport,
    Period,
    Series,
    SLOStatus,
)
from basics.store.duckdb_store import Store
from basics.store.rollups import slo_predicates, sync_definitions
from basics.store.sql_expressions import column_sql

PERCENTILES = (0.5, 0.9, 0.95, 0.99)
PERCENTILE_NAMES = tuple(f"p{round(q * 100)}" for q in PERCENTILES)
"""The keys of a group's `percentiles_ms`: p50, p90, p95, p99."""
AUTO_DIMENSIONS = ("user", "operation", "status")
MAX_AUTO_ATTRS = 20
MAX_SERIES_STEPS = 20_000


class SLOService:
    """Reads rollups (and raw events where exactness needs them) to report on SLOs."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def ensure_rollups(self) -> list[str]:
        """Rebuild rollups of SLOs whose definition changed since they were built."""
        return sync_definitions(self.store, self.config)

    # -- lookup -------------------------------------------------------------------------

    def slo(self, name: str) -> tuple[str, ServiceConfig, SLOConfig]:
        """The service name, service and SLO for `service/slo`."""
        service_name, _, slo_name = name.partition("/")
        service = self.config.services.get(service_name)
        if service is None or slo_name not in service.slos:
            known = ", ".join(self.config.slo_names()) or "none are configured"
            raise NotFoundError(f'no SLO "{name}" (known: {known})')
        return service_name, service, service.slos[slo_name]

    def latest(self) -> Latest | None:
        """The newest event not flagged as far ahead of its ingest, and its batch."""
        rows = self.store.query(
            "SELECT latest_ts, id, path FROM batches WHERE kind = 'events' "
            "AND status = 'applied' AND latest_ts IS NOT NULL "
            "ORDER BY latest_ts DESC, id DESC LIMIT 1"
        )
        if not rows:
            # Every event is flagged far ahead (or the store is empty): the plain newest.
            newest = self.store.scalar("SELECT max(ts) FROM events")
            return None if newest is None else Latest(newest, None, None, 0)
        newest, batch_id, path = rows[0]
        ahead = 0
        if self.store.scalar(
            "SELECT coalesce(sum(ahead_rows), 0) FROM batches "
            "WHERE kind = 'events' AND status = 'applied'"
        ):
            ahead = int(self.store.scalar("SELECT count(*) FROM events WHERE ts > ?", [newest]))
        return Latest(newest, int(batch_id), str(path), ahead)

    def newest_of(self, services: Sequence[str]) -> tuple[Latest | None, dict[str, dt.datetime]]:
        """`latest`, and the newest event of each of `services` that has one, not past it
        (an event flagged far ahead is no service's newest either)."""
        found = self.latest()
        if found is None or not services:
            return found, {}
        rows = self.store.query(
            "SELECT service, max(ts) FROM events WHERE list_contains(?, service) AND ts <= ? "
            "GROUP BY service",
            [list(services), found.event_at],
        )
        return found, {str(service): newest for service, newest in rows}

    def require_latest(self) -> Latest:
        """`latest`, or an InputError when the store has no events to be latest."""
        found = self.latest()
        if found is None:
            raise InputError("latest: the store has no events yet; ingest some first")
        return found

    def report_end(self, text: str | None) -> tuple[dt.datetime, Latest | None]:
        """A report's end by the one rule every command and request follows: a time (ISO
        8601; without an offset, in the config's zone), `now`, `latest`, or (None) the
        config's `reports.end`; with the event `latest` stood for, to be said."""
        value = end_word(text, self.config.reports.end)
        if value == "latest":
            found = self.require_latest()
            return found.end, found
        if value == "now":
            return self.resolve_at("now"), None
        return parse_time(value, self.config.timezone), None

    def resolve_at(self, at: dt.datetime | str | None) -> dt.datetime:
        """A report's end: a time, `now`, `latest`, or (None) the config's `reports.end`."""
        if at is None:
            at = self.config.reports.end
        if at == "latest":
            return self.require_latest().end
        if isinstance(at, dt.datetime):
            return floor_minute(at)
        return floor_minute(utc_now())

    # -- status -------------------------------------------------------------------------

    def status(self, at: dt.datetime | str | None = None) -> list[SLOStatus]:
        """Every SLO's window, SLI, budget, burn rates and status at `at`."""
        end = self.resolve_at(at)
        requests = []
        for svc, service in self.config.services.items():
            for name, slo in service.slos.items():
                window = slo_window(slo.window, end, self.config.timezone)
                starts = {"window": window.start} | {
                    w: end - dt.timedelta(seconds=s) for w, s in compute.BURN_WINDOWS_S.items()
                }
                requests.append((f"{svc}/{name}", slo, starts))
        # One query for every SLO: status stays fast however many there are.
        all_counts = self._window_counts_many(requests, end)
        # A service's newest event is named only beside a window without events.
        empty = [
            key
            for (key, _, _), c in zip(requests, all_counts, strict=True)
            if not c["window"].total
        ]
        latest: Latest | None = None
        newest: dict[str, dt.datetime] = {}
        if empty:
            latest, newest = self.newest_of(list({key.partition("/")[0]: 0 for key in empty}))
        return [
            self._status(key, slo, starts["window"], end, counts, latest, newest)
            for (key, slo, starts), counts in zip(requests, all_counts, strict=True)
        ]

    def _status(
        self,
        key: str,
        slo: SLOConfig,
        window_start: dt.datetime,
        end: dt.datetime,
        counts: dict[str, Counts],
        latest: Latest | None,
        newest: dict[str, dt.datetime],
    ) -> SLOStatus:
        window = Window(window_start, end)
        total = counts["window"]
        burn = {
            name: compute.burn_rate(counts[name], slo.objective) for name in compute.BURN_WINDOWS_S
        }
        service = key.partition("/")[0]
        note = None
        if total.total == 0 and latest is None:
            note = "no events in this window: the store has none yet (basics ingest events FILE)"
        elif total.total == 0 and latest is not None:
            own = newest.get(service)
            if own is not None and window.start <= own < window.end:
                # The service has events here; the SLO counts none of them.
                note = (
                    f"no event of this window counts for the SLO: its valid: or a correction "
                    f"leaves out every one (the newest event of {service} is at {iso_utc(own)})"
                )
            else:
                note = "no events in this window; " + where_the_events_are(
                    service, own, latest, window, "--at"
                )
        return SLOStatus(
            slo=key,
            service=service,
            objective=slo.objective,
            window=slo.window,
            budgeting=slo.budgeting,
            window_start=window.start,
            window_end=window.end,
            counts=total,
            sli=compute.sli(total),
            budget=compute.budget(total, slo.objective),
            burn_rates=burn,
            time_to_exhaustion_s=compute.time_to_exhaustion_s(total, counts["1h"], slo.objective),
            status=compute.status_of(total, counts["1h"], slo.objective),
            note=note,
        )

    def _units_sql(self, slo: SLOConfig, suffix: str = "", overlapping: bool = False) -> str:
        """Rollup units of an SLO in [$start{suffix}, $end): minutes, or whole timeslices.

        Columns `t`, `total`, `good`; parameters $slo, $start (each with `suffix`) and $end.
        A timeslice is good when its share of good events meets `slice_target`, decided
        exactly in SQL decimals. Slices are aligned on the epoch; a range holds the slices
        that start in it (one cut by its start belongs to the range before, whose events
        are outside this one), the last one with its events up to $end. `overlapping`: the
        slices the range touches, the first whole (what an interval cost, `cost`).
        """
        if slo.budgeting == "occurrences":
            return (
                "SELECT minute AS t, total, good FROM slo_minute "
                f"WHERE slo = $slo{suffix} AND minute >= $start{suffix} AND minute < $end"
            )
        assert slo.slice_target is not None
        target = format(slo.slice_target, "f")
        width = f"INTERVAL '{slo.slice_s} seconds'"
        return (
            f"SELECT time_bucket({width}, minute) AS t, 1 AS total, "
            f"CASE WHEN sum(good) * 100 >= {target} * sum(total) THEN 1 ELSE 0 END AS good "
            f"FROM slo_minute WHERE slo = $slo{suffix} "
            + (
                f"AND minute >= time_bucket({width}, $start{suffix}) AND minute < $end GROUP BY 1"
                if overlapping
                else f"AND minute >= $start{suffix} AND minute < $end GROUP BY 1 "
                f"HAVING t >= $start{suffix}"
            )
        )

    def counts(self, name: str, start: dt.datetime, end: dt.datetime) -> Counts:
        """An SLO's good and total events (or slices) in [start, end), from the rollups."""
        _, _, slo = self.slo(name)
        return self._window_counts(name, slo, {"range": floor_minute(start)}, end)["range"]

    def counts_many(
        self, requests: Sequence[tuple[str, dict[str, dt.datetime]]], end: dt.datetime
    ) -> list[dict[str, Counts]]:
        """`counts` of several SLOs over several ranges ending at `end` (each SLO's ranges
        named by their labels), in one scan of the rollups for the occurrence SLOs."""
        found = [(name, self.slo(name)[2]) for name, _ in requests]
        return self._window_counts_many(
            [
                (name, slo, {label: floor_minute(start) for label, start in starts.items()})
                for (name, slo), (_, starts) in zip(found, requests, strict=True)
            ],
            end,
        )

    def _window_counts(
        self, key: str, slo: SLOConfig, starts: dict[str, dt.datetime], end: dt.datetime
    ) -> dict[str, Counts]:
        """Good/total events (or slices) in each [start, end) from the rollups."""
        return self._window_counts_many([(key, slo, starts)], end)[0]

    def _window_counts_many(
        self, requests: list[tuple[str, SLOConfig, dict[str, dt.datetime]]], end: dt.datetime
    ) -> list[dict[str, Counts]]:
        """Counts for several SLOs and windows: one scan of the rollups for all occurrence
        SLOs, and one query per timeslice SLO (its minutes are grouped into slices first)."""
        rows: dict[int, list[int]] = {}
        minutes = [(n, r) for n, r in enumerate(requests) if r[1].budgeting == "occurrences"]
        if minutes:
            rows |= self._occurrence_counts(minutes, end)
        for n, (key, slo, starts) in enumerate(requests):
            if slo.budgeting == "occurrences":
                continue
            sums = ", ".join(
                f"coalesce(sum(total) FILTER (WHERE t >= $w{i}), 0), "
                f"coalesce(sum(good) FILTER (WHERE t >= $w{i}), 0)"
                for i in range(len(starts))
            )
            params = {"slo": key, "start": min(starts.values()), "end": end}
            params |= {f"w{i}": start for i, start in enumerate(starts.values())}
            rows[n] = self.store.db.execute(
                f"SELECT [{sums}] FROM ({self._units_sql(slo)})", params
            ).fetchall()[0][0]
        return [
            {
                name: Counts(int(rows[n][2 * i]), int(rows[n][2 * i + 1]))
                for i, name in enumerate(starts)
            }
            for n, (_, _, starts) in enumerate(requests)
        ]

    def _occurrence_counts(
        self,
        requests: list[tuple[int, tuple[str, SLOConfig, dict[str, dt.datetime]]]],
        end: dt.datetime,
    ) -> dict[int, list[int]]:
        """Per request, [total, good] of each window [start, end), flattened.

        Every window ends at `end`, so a minute is in window i exactly when at least as many
        window starts are at or before it as are at or before window i's start. Each minute
        is counted once, in the bucket of that number, and a window's sums are those of the
        buckets from its own number on: one comparison per window and minute, instead of a
        filtered sum per window and minute.
        """
        width = max(len(starts) for _, (_, _, starts) in requests)
        values = []
        params: dict[str, object] = {"end": end}
        for n, (key, _, starts) in requests:
            padded = list(starts.values()) + [end] * (width - len(starts))
            values.append(f"({n}, $slo{n}, " + ", ".join(f"$w{n}_{i}" for i in range(width)) + ")")
            params[f"slo{n}"] = key
            params |= {f"w{n}_{i}": start for i, start in enumerate(padded)}
        columns = ", ".join(f"w{i}" for i in range(width))
        bucket = " + ".join(f"(m.minute >= w.w{i})::INTEGER" for i in range(width))
        earliest = min(min(s.values()) for _, (_, _, s) in requests)
        params["earliest"] = earliest
        rows = self.store.db.execute(
            f"WITH w(n, slo, {columns}) AS (VALUES {', '.join(values)}) "
            f"SELECT w.n, {bucket} AS bucket, sum(m.total), sum(m.good) "
            "FROM w JOIN slo_minute m ON m.slo = w.slo "
            "AND m.minute >= $earliest AND m.minute < $end GROUP BY ALL",
            params,
        ).fetchall()
        buckets: dict[int, dict[int, tuple[int, int]]] = {}
        for n, number, total, good in rows:
            buckets.setdefault(int(n), {})[int(number)] = (int(total), int(good))
        counts: dict[int, list[int]] = {}
        for n, (_, _, starts) in requests:
            found = buckets.get(n, {})
            flat = []
            for start in starts.values():
                rank = sum(1 for other in starts.values() if other <= start)
                inside = [sums for number, sums in found.items() if number >= rank]
                flat += [sum(t for t, _ in inside), sum(g for _, g in inside)]
            counts[n] = flat
        return counts

    # -- breakdowns ---------------------------------------------------------------------

    def report_range(
        self, name: str, start: dt.datetime | None, end: dt.datetime | str | None
    ) -> Window:
        """A report's range over one SLO: [start, end), or the SLO's window before `end`."""
        return self._range(self.slo(name)[2], start, end)

    def _range(
        self, slo: SLOConfig, start: dt.datetime | None, end: dt.datetime | str | None
    ) -> Window:
        stop = end if isinstance(end, dt.datetime) else self.resolve_at(end)
        if start is None:
            return slo_window(slo.window, floor_minute(stop), self.config.timezone)
        if start >= stop:
            raise InputError(f"--from ({iso_utc(start)}) must be before --to ({iso_utc(stop)})")
        return Window(start, stop)

    def _events_sql(self, svc: str, service: ServiceConfig, slo: SLOConfig, columns: str) -> str:
        valid, good = slo_predicates(service, slo)
        return (
            f"SELECT {columns}, {good} AS is_good FROM events "
            f"WHERE service = $service AND ts >= $start AND ts < $end AND {valid}"
        )

    def values_seen(
        self, name: str, by: str, start: dt.datetime, end: dt.datetime, moment: dt.datetime
    ) -> list[tuple[str | None, int, int, bool]]:
        """Each value of dimension `by` of the SLO's events over [start, end), most bad
        first: its bad events, its events, and whether an event of it came at or before
        `moment` (a version live by then). One pass over the raw events, as `breakdown`."""
        svc, service, slo = self.slo(name)
        inner = self._events_sql(
            svc, service, slo, f"ts, CAST({_dimension(by)} AS VARCHAR) AS value"
        )
        rows = self.store.db.execute(
            f"""
            SELECT value, count(*) FILTER (WHERE NOT is_good), count(*), min(ts) <= $moment
            FROM ({inner}) GROUP BY value ORDER BY 2 DESC, 3 DESC, value NULLS LAST
            """,
            {"service": svc, "start": start, "end": end, "moment": moment},
        ).fetchall()
        return [(v, int(bad), int(total), bool(seen)) for v, bad, total, seen in rows]

    def breakdown(
        self,
        name: str,
        by: str,
        start: dt.datetime | None = None,
        end: dt.datetime | str | None = None,
        top: int = 10,
    ) -> Breakdown:
        """The values of one dimension that contribute most bad events, over raw events.

        An attribute no event of the range has is a NotFoundError naming those they have (a
        misspelling, not one value holding every bad event)."""
        svc, service, slo = self.slo(name)
        window = self._range(slo, start, end)
        column = _dimension(by)
        inner = self._events_sql(svc, service, slo, f"CAST({column} AS VARCHAR) AS value")
        rows = self.store.db.execute(
            f"""
            WITH per_value AS (
              SELECT value, count(*) FILTER (WHERE NOT is_good) AS bad, count(*) AS total
              FROM ({inner}) GROUP BY value
            )
            SELECT value, bad, total, sum(bad) OVER () AS bad_all, sum(total) OVER () AS total_all,
                   count(*) OVER () AS distinct_values
            FROM per_value ORDER BY bad DESC, total DESC, value NULLS LAST LIMIT $top
            """,
            {"service": svc, "start": window.start, "end": window.end, "top": top},
        ).fetchall()
        bad_all = int(rows[0][3]) if rows else 0
        total_all = int(rows[0][4]) if rows else 0
        if by.startswith("attrs.") and rows and rows[0][5] == 1 and rows[0][0] is None:
            # No event has it: a misspelt attribute, not one value that explains everything.
            seen = ", ".join(key.removeprefix("attrs.") for key in self._attr_keys(svc, window))
            raise NotFoundError(
                f"no event of {svc} from {iso_utc(window.start)} to {iso_utc(window.end)} has "
                f'the attribute "{by.removeprefix("attrs.")}" (theirs: {seen or "none"})'
            )
        contributors = [
            Contributor(
                value=value,
                bad=int(bad),
                total=int(total),
                share_of_bad=bad / bad_all if bad_all else None,
                share_of_all=total / total_all if total_all else None,
                over_representation=compute.over_representation(bad, total, bad_all, total_all),
            )
            for value, bad, total, *_ in rows
            if bad_all
        ]
        return Breakdown(
            slo=name,
            dimension=by,
            start=window.start,
            end=window.end,
            bad=bad_all,
            total=total_all,
            distinct_values=int(rows[0][5]) if rows else 0,
            contributors=contributors,
        )

    def breakdown_auto(
        self,
        name: str,
        start: dt.datetime | None = None,
        end: dt.datetime | str | None = None,
        top: int = 3,
        good_sample: int = 1,
    ) -> list[Breakdown]:
        """Every dimension ranked by how unevenly bad events fall on one of its values.

        The score of a dimension is the largest gap, over its values, between the value's
        share of bad events and its share of good events (BubbleUp-style). Unlike a total
        variation distance it does not reward sparse high-cardinality noise.

        With `good_sample` n > 1, every bad event and one good event in n (chosen by a hash of
        the event, so the same every time) are grouped: enough to rank dimensions by those
        shares at a fraction of the cost. The counts reported are then of that sample: a
        caller that needs exact figures asks `breakdown` on the dimension found.
        """
        svc, service, slo = self.slo(name)
        window = self._range(slo, start, end)
        params = {"service": svc, "start": window.start, "end": window.end}
        # Fields the SLI itself reads explain bad events by definition: leave them out.
        used = fields_used(parse_expression(slo.good))
        candidates = list(AUTO_DIMENSIONS) + self._attr_keys(svc, window)
        dimensions = [d for d in candidates if d not in used]
        if not dimensions:
            return []  # the SLI reads every dimension there is: nothing left to rank
        columns = ", ".join(
            f"CAST({_dimension(d)} AS VARCHAR) AS d{i}" for i, d in enumerate(dimensions)
        )
        if good_sample > 1:
            # Bad events all, good ones by a stable hash of their time (no random draw).
            columns += f", hash(ts) % {int(good_sample)} = 0 AS sampled"
        inner = self._events_sql(svc, service, slo, columns)
        if good_sample > 1:
            inner = f"SELECT * FROM ({inner}) WHERE sampled OR NOT is_good"
        sets = ", ".join(f"(d{i})" for i in range(len(dimensions)))
        which = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN {i}" for i in range(len(dimensions)))
        value = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN d{i}" for i in range(len(dimensions)))
        rows = self.store.db.execute(
            f"""
            WITH grouped AS (
              SELECT CASE {which} END AS dim, CASE {value} END AS value,
                     count(*) FILTER (WHERE NOT is_good) AS bad, count(*) AS total
              FROM ({inner}) GROUP BY GROUPING SETS ({sets})
            ), shares AS (
              SELECT *, sum(bad) OVER w AS bad_all, sum(total) OVER w AS total_all,
                     count(*) OVER w AS distinct_values,
                     bad / nullif(sum(bad) OVER w, 0)
                       - (total - bad) / nullif(sum(total - bad) OVER w, 0) AS gap,
                     row_number() OVER (PARTITION BY dim ORDER BY bad DESC, total DESC) AS rank
              FROM grouped WINDOW w AS (PARTITION BY dim)
            ), scored AS (
              SELECT *, max(gap) OVER (PARTITION BY dim) AS score FROM shares
            )
            SELECT dim, value, bad, total, bad_all, total_all, distinct_values, score
            FROM scored WHERE rank <= $top ORDER BY dim, rank
            """,
            params | {"top": top},
        ).fetchall()
        results: dict[int, Breakdown] = {}
        for dim, value_, bad, total, bad_all, total_all, distinct, score in rows:
            if dim not in results:
                results[dim] = Breakdown(
                    slo=name,
                    dimension=dimensions[dim],
                    start=window.start,
                    end=window.end,
                    bad=int(bad_all),
                    total=int(total_all),
                    distinct_values=int(distinct),
                    contributors=[],
                    score=float(score) if score is not None else None,
                )
            if bad_all:
                results[dim].contributors.append(
                    Contributor(
                        value=value_,
                        bad=int(bad),
                        total=int(total),
                        share_of_bad=bad / bad_all,
                        share_of_all=total / total_all,
                        over_representation=compute.over_representation(
                            bad, total, bad_all, total_all
                        ),
                    )
                )
        return sorted(results.values(), key=lambda b: (-(b.score or 0.0), b.dimension))

    def _attr_keys(self, svc: str, window: Window) -> list[str]:
        rows = self.store.query(
            "SELECT key FROM (SELECT unnest(map_keys(attrs)) AS key FROM events "
            "WHERE service = ? AND ts >= ? AND ts < ?) GROUP BY key "
            f"ORDER BY count(*) DESC, key LIMIT {MAX_AUTO_ATTRS}",
            [svc, window.start, window.end],
        )
        keys = []
        for (key,) in rows:
            try:
                column_sql(f"attrs.{key}", "duckdb")
            except ValueError:
                continue
            keys.append(f"attrs.{key}")
        return keys

    # -- cost, history ------------------------------------------------------------------

    def cost(self, name: str, start: dt.datetime, end: dt.datetime) -> Cost:
        """Bad events in [start, end) as a share of the budget of the window ending at `end`.

        Occurrence SLOs count raw events to the microsecond; timeslice SLOs count the
        slices that overlap the interval, since their budget is in slices.
        """
        svc, service, slo = self.slo(name)
        if start >= end:
            raise InputError(f"--from ({iso_utc(start)}) must be before --to ({iso_utc(end)})")
        if slo.budgeting == "timeslices":
            total, good = self.store.db.execute(
                f"SELECT coalesce(sum(total), 0), coalesce(sum(good), 0) "
                f"FROM ({self._units_sql(slo, overlapping=True)})",
                {"slo": name, "start": start, "end": end},
            ).fetchall()[0]
        else:
            inner = self._events_sql(svc, service, slo, "1 AS one")
            total, good = self.store.db.execute(
                f"SELECT count(*), count(*) FILTER (WHERE is_good) FROM ({inner})",
                {"service": svc, "start": start, "end": end},
            ).fetchall()[0]
        window_end = floor_minute(end) + (MINUTE if end != floor_minute(end) else dt.timedelta())
        window = slo_window(slo.window, window_end, self.config.timezone)
        window_counts = self._window_counts(name, slo, {"window": window.start}, window.end)
        allowed = compute.budget(window_counts["window"], slo.objective).total
        counts = Counts(int(total), int(good))
        return Cost(
            slo=name,
            start=start,
            end=end,
            counts=counts,
            window_start=window.start,
            window_end=window.end,
            budget_total=allowed,
            share_of_budget=float(Decimal(counts.bad) / allowed) if allowed else None,
        )

    def history(
        self,
        name: str,
        by: Literal["day", "week", "month"] = "day",
        start: dt.datetime | None = None,
        end: dt.datetime | str | None = None,
    ) -> list[Period]:
        """Compliance per day, week or month (periods of the configured time zone).

        A period's `start` is its local midnight as UTC (the first one clipped to the
        range); `label` is the local date. Timeslice SLOs count slices, as status does.
        """
        _, _, slo = self.slo(name)
        if by not in ("day", "week", "month"):
            raise InputError(f'expected a period of day, week or month, got "{by}"')
        window = self._range(slo, start, end)
        # Every period of the range is listed; one without events says so (never hidden).
        rows = self.store.db.execute(
            "WITH counted AS ("
            "  SELECT date_trunc($by, timezone($zone, timezone('UTC', t))) AS local_start, "
            f"  sum(total) AS total, sum(good) AS good FROM ({self._units_sql(slo)}) GROUP BY 1"
            "), periods AS ("
            "  SELECT unnest(generate_series("
            "    date_trunc($by, timezone($zone, timezone('UTC', $start))),"
            "    timezone($zone, timezone('UTC', $end)) - INTERVAL 1 MICROSECOND,"
            "    ('1 ' || $by)::INTERVAL)) AS local_start"
            ") SELECT local_start, timezone('UTC', timezone($zone, local_start)), "
            "timezone('UTC', timezone($zone, local_start + ('1 ' || $by)::INTERVAL)), "
            "coalesce(total, 0), coalesce(good, 0) "
            "FROM periods LEFT JOIN counted USING (local_start) ORDER BY 1",
            {
                "slo": name,
                "start": window.start,
                "end": window.end,
                "zone": self.config.timezone,
                "by": by,
            },
        ).fetchall()
        periods = []
        for local_start, own_start, own_end, total, good in rows:
            counts = Counts(int(total), int(good))
            start_at, end_at = max(own_start, window.start), min(own_end, window.end)
            figures = compute.budget(counts, slo.objective)
            met = None
            if counts.total:
                met = not compute.burns_faster_than(counts, slo.objective, Decimal(1))
            periods.append(
                Period(
                    start_at,
                    local_start.date().isoformat(),
                    counts,
                    compute.sli(counts),
                    met,
                    figures.consumed,
                    end_at,
                    (start_at, end_at) != (own_start, own_end),
                )
            )
        return periods

    # -- series ------------------------------------------------------------------------

    def series(
        self,
        names: Sequence[str],
        start: dt.datetime | None = None,
        end: dt.datetime | str | None = None,
        step_s: int = 3600,
    ) -> list[Series]:
        """Good and total per step over [start, end) (each SLO's own window by default),
        every step listed, from the rollups only; steps are counted from the range's start.

        One scan of the rollups for every occurrence SLO, one query per timeslice SLO (a
        slice falls in the step its start does), one for the window budgets.
        """
        if step_s < 60 or step_s % 60:
            raise InputError(f"step: expected a whole number of minutes, got {step_s} s")
        stop = floor_minute(end if isinstance(end, dt.datetime) else self.resolve_at(end))
        ranges = []
        for name in names:
            _, _, slo = self.slo(name)
            window = slo_window(slo.window, stop, self.config.timezone)
            begin = window.start if start is None else floor_minute(start)
            if begin >= stop:
                raise InputError(f"--from ({iso_utc(begin)}) must be before --to ({iso_utc(stop)})")
            count = compute.steps(int((stop - begin).total_seconds()), step_s)
            if count > MAX_SERIES_STEPS:
                raise InputError(
                    f"{count:,} steps of {step_s} s in the range: at most "
                    f"{MAX_SERIES_STEPS:,}; choose a longer step or a shorter range"
                )
            ranges.append((name, slo, begin, window, count))
        budgets = self._window_counts_many(
            [(name, slo, {"window": window.start}) for name, slo, _, window, _ in ranges], stop
        )
        steps = self._step_counts([(n, s, b) for n, s, b, _, _ in ranges], stop, step_s)
        return [
            self._series(name, slo, begin, stop, step_s, window, count, budget["window"], found)
            for (name, slo, begin, window, count), budget, found in zip(
                ranges, budgets, steps, strict=True
            )
        ]

    def _series(
        self,
        name: str,
        slo: SLOConfig,
        begin: dt.datetime,
        stop: dt.datetime,
        step_s: int,
        window: Window,
        count: int,
        window_counts: Counts,
        found: dict[int, tuple[int, int]],
    ) -> Series:
        step = dt.timedelta(seconds=step_s)
        counts = [Counts(*found.get(i, (0, 0))) for i in range(count)]
        allowed = compute.budget(window_counts, slo.objective).total
        bad = [c.bad for c in counts]
        return Series(
            slo=name,
            objective=slo.objective,
            budgeting=slo.budgeting,
            start=begin,
            end=stop,
            step_s=step_s,
            window_start=window.start,
            window_end=window.end,
            budget_total=allowed,
            starts=[begin + i * step for i in range(count)],
            total=[c.total for c in counts],
            good=[c.good for c in counts],
            bad=bad,
            sli=[compute.sli(c) for c in counts],
            burn_rate=[compute.burn_rate(c, slo.objective) for c in counts],
            budget_remaining=compute.burn_down(bad, allowed),
        )

    def _step_counts(
        self, ranges: list[tuple[str, SLOConfig, dt.datetime]], stop: dt.datetime, step_s: int
    ) -> list[dict[int, tuple[int, int]]]:
        """Per range, {step index: (total, good)} for the steps holding events."""
        found: list[dict[int, tuple[int, int]]] = [{} for _ in ranges]
        step_ms = step_s * 1000
        minutes = [(n, r) for n, r in enumerate(ranges) if r[1].budgeting == "occurrences"]
        if minutes:
            values = ", ".join(f"({n}, $slo{n}, $start{n})" for n, _ in minutes)
            params: dict[str, object] = {"end": stop, "step_ms": step_ms}
            for n, (name, _, begin) in minutes:
                params |= {f"slo{n}": name, f"start{n}": begin}
            params["earliest"] = min(begin for _, (_, _, begin) in minutes)
            rows = self.store.db.execute(
                f"WITH r(n, slo, start) AS (VALUES {values}) "
                "SELECT r.n, (epoch_ms(m.minute) - epoch_ms(r.start)) // $step_ms, "
                "sum(m.total), sum(m.good) FROM r JOIN slo_minute m ON m.slo = r.slo "
                "AND m.minute >= r.start AND m.minute >= $earliest AND m.minute < $end "
                "GROUP BY ALL",
                params,
            ).fetchall()
            for n, index, total, good in rows:
                found[int(n)][int(index)] = (int(total), int(good))
        for n, (name, slo, begin) in enumerate(ranges):
            if slo.budgeting == "occurrences":
                continue
            rows = self.store.db.execute(
                "SELECT (epoch_ms(t) - epoch_ms($start)) // $step_ms, "
                f"sum(total), sum(good) FROM ({self._units_sql(slo)}) GROUP BY 1",
                {"slo": name, "start": begin, "end": stop, "step_ms": step_ms},
            ).fetchall()
            found[n] = {int(i): (int(total), int(good)) for i, total, good in rows}
        return found

    # -- percentiles --------------------------------------------------------------------

    def _known_service(self, name: str) -> str:
        """The service `name` stands for (by any name basics.yaml gives it) when basics.yaml
        or an event names it; else a NotFoundError naming the known ones."""
        service = named_service(name, self.config.service_names())
        if service not in self.config.services and self.store.query(
            "SELECT 1 FROM events WHERE service = ? LIMIT 1", [service]
        ):
            return service  # without listing every service of the events

        def stored() -> list[str]:
            rows = self.store.query("SELECT DISTINCT service FROM events ORDER BY service")
            return [str(row[0]) for row in rows]

        return known_service(service, self.config, stored, "the events")

    def percentiles(
        self,
        service_name: str,
        by: Literal["service", "operation"],
        start: dt.datetime,
        end: dt.datetime,
        exact: bool = False,
    ) -> PercentileReport:
        """p50/p90/p95/p99 of duration_ms: exact from raw events, or from minute sketches."""
        if start >= end:
            raise InputError(f"--from ({iso_utc(start)}) must be before --to ({iso_utc(end)})")
        service_name = self._known_service(service_name)  # a misspelling is not "no events"
        group = "operation" if by == "operation" else "service"
        report = PercentileReport(
            service_name,
            by,
            start,
            end,
            "exact" if exact else "sketch",
            0.0 if exact else RELATIVE_ERROR,
        )
        if exact:
            rows = self.store.query(
                f"SELECT {group}, count(*), quantile_disc(duration_ms, ?) FROM events "
                "WHERE service = ? AND ts >= ? AND ts < ? AND duration_ms IS NOT NULL "
                "GROUP BY 1 ORDER BY 2 DESC",
                [list(PERCENTILES), service_name, start, end],
            )
            for value, count, quantiles in rows:
                report.groups.append(LatencyPercentiles(value, int(count), _named(list(quantiles))))
            return report
        # Sketches are per minute: the range is widened to whole minutes.
        rows = self.store.query(
            f"SELECT {group}, list(struct_pack(b := bucket, n := n)) FROM ("
            f"  SELECT {group}, bucket, sum(n) AS n FROM latency_minute "
            "  WHERE service = ? AND minute >= ? AND minute < ? GROUP BY ALL) GROUP BY 1",
            [service_name, floor_minute(start), end],
        )
        for value, buckets in rows:
            count, quantiles = compute.sketch_quantiles(
                [(int(b["b"]), int(b["n"])) for b in buckets], PERCENTILES
            )
            report.groups.append(LatencyPercentiles(value, count, _named(quantiles)))
        report.groups.sort(key=lambda g: -g.count)
        return report


def _named(values: Sequence[float | None]) -> dict[str, float | None]:
    return dict(zip(PERCENTILE_NAMES, values, strict=True))


def where_the_events_are(
    service: str | None,
    newest: dt.datetime | None,
    latest: Latest,
    window: Window | None,
    flag: str,
    shown: Callable[[dt.datetime], str | None] = iso_utc,
) -> str:
    """Beside a window (or range) without events of `service`: its newest event (`newest`,
    None when it has none; without `service`, the store's newest, `latest`), and what would
    show it when the window misses it: `flag latest` when it is the store's newest, else
    `flag` the minute after it; for a range (`--to`) that starts after it, its day up to
    that minute. Times are `shown` so (RFC 3339 by default); the times to try are always
    RFC 3339."""
    if service is None:
        newest = latest.event_at
    elif newest is None:
        return (
            f"none of {service} are stored (the newest event, of another service, is at "
            f"{shown(latest.event_at)})"
        )
    of = "" if service is None else f" of {service}"
    text = f"the newest event{of} is at {shown(newest)}"
    if window is None or window.start <= newest < window.end:
        return text
    after = iso_utc(floor_minute(newest) + MINUTE)
    if flag == "--to" and newest < window.start:
        # Before a range's start: an end alone could fall before a --from given with it.
        day = newest.replace(hour=0, minute=0, second=0, microsecond=0)
        return f"{text}, before this range: try --from {iso_utc(day)} --to {after}"
    if newest == latest.event_at:
        return f"{text}: try {flag} latest"
    return f"{text}: try {flag} {after}"


def _dimension(by: str) -> str:
    try:
        return column_sql(by, "duckdb")
    except ValueError:
        raise InputError(
            f'cannot break down by "{by}": expected user, operation, status, service, '
            "duration_ms or attrs.<name>"
        ) from None
