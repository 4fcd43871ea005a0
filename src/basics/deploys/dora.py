"""DORA over the store: one pass over the deploys for frequency, failures, recovery and
rework, one over the changes for lead time, per service and for all of them at once
(GROUPING SETS), so a million deploys cost two queries (`benchmarks/bench_deploys.py`).

The rules are `compute`'s docstring; how recovery and rework are found:
- a failed deploy is recovered at the end of the incidents linked to it, or, when none is,
  at the next deploy of the service that did not fail (a fix or a rollback);
- a rework deploy is the first deploy of the service that did not fail after one that did:
  the fix or the rollback, unplanned work the failure caused. Deploys made meanwhile are not
  counted: where a team deploys many times a day, routine deploys during an incident are not
  rework (counting them put rework at 3x the change failure rate on the benchmark's data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from basics.config.models import Config
from basics.deploys.compute import Dora, ServiceCounts, Spread, dora
from basics.store.duckdb_store import Store

ALL = "all"
"""The `service` of the figures over every service of the report."""

_DEPLOYS = """
WITH base AS (
    SELECT d.id, d.service, d.deployed_at, d.status
    FROM deploys d
    WHERE d.environment = $environment
      AND (len($services) = 0 OR list_contains($services, d.service))
), linked AS (
    SELECT l.deploy_id, max(i.end_ts) AS incident_end
    FROM deploy_links l JOIN incidents i ON i.id = l.incident_id
    GROUP BY l.deploy_id
), flagged AS (
    SELECT b.*, k.deploy_id IS NOT NULL AS linked,
        k.deploy_id IS NOT NULL OR b.status IN ('failed', 'rolled-back') AS failing,
        k.incident_end
    FROM base b LEFT JOIN linked k ON k.deploy_id = b.id
), recovered AS (
    SELECT *, CASE WHEN failing THEN coalesce(
        -- greatest() skips NULLs: only an incident's end may stand for the recovery
        CASE WHEN incident_end IS NOT NULL THEN greatest(incident_end, deployed_at) END,
        -- the next good deploy: `lead … IGNORE NULLS`, not min() over the rest of the
        -- partition, which costs DuckDB a segment tree (0.6 s of 1.1 s on 1M deploys)
        lead(CASE WHEN NOT failing THEN deployed_at END IGNORE NULLS) OVER (
            PARTITION BY service ORDER BY deployed_at, id)
    ) END AS recovered_at
    FROM flagged
), judged AS (
    SELECT *, NOT failing AND coalesce(lag(failing) OVER (
            PARTITION BY service ORDER BY deployed_at, id), false) AS rework
    FROM recovered
)
SELECT
    CASE WHEN GROUPING(service) = 1 THEN $all ELSE service END AS service,
    GROUPING(service) = 1 AS is_total,
    count(*) AS deploys,
    count_if(status <> 'failed') AS reached,
    count(DISTINCT CASE WHEN status <> 'failed' THEN
        ((deployed_at AT TIME ZONE 'UTC') AT TIME ZONE $timezone)::DATE END) AS deploy_days,
    count_if(status = 'failed') AS failed,
    count_if(status = 'rolled-back') AS rolled_back,
    count_if(linked) AS incident_linked,
    count_if(failing) AS failing,
    count_if(rework) AS rework,
    quantile_disc(epoch(recovered_at - deployed_at), [0.5, 0.9])
        FILTER (WHERE failing AND recovered_at IS NOT NULL) AS recovery,
    count_if(failing AND recovered_at IS NOT NULL) AS recovered,
    count_if(failing AND recovered_at IS NULL) AS unrecovered
FROM judged
WHERE deployed_at >= $start AND deployed_at < $end
GROUP BY GROUPING SETS ((service), ())
"""

_LEAD_TIMES = """
WITH shipped AS (
    SELECT d.service, c.sha, min(d.deployed_at) AS first_at,
        min(coalesce(c.committed_at, c.authored_at)) AS committed_at
    FROM deploy_changes c JOIN deploys d ON d.id = c.deploy_id
    WHERE d.environment = $environment AND d.status <> 'failed'
      AND (len($services) = 0 OR list_contains($services, d.service))
    GROUP BY d.service, c.sha
), measured AS (
    SELECT service, epoch(first_at - committed_at) AS lead_s
    FROM shipped WHERE first_at >= $start AND first_at < $end
)
SELECT
    CASE WHEN GROUPING(service) = 1 THEN $all ELSE service END AS service,
    GROUPING(service) = 1 AS is_total,
    quantile_disc(lead_s, [0.5, 0.9]) FILTER (WHERE lead_s >= 0) AS lead,
    count_if(lead_s >= 0) AS n,
    count_if(lead_s IS NULL OR lead_s < 0) AS skipped
FROM measured
GROUP BY GROUPING SETS ((service), ())
"""


@dataclass(frozen=True)
class DoraReport:
    """DORA per service, then for all of them, over [start, end) in one environment."""

    start: dt.datetime
    end: dt.datetime
    environment: str
    services: list[Dora]
    total: Dora


def report(
    store: Store,
    config: Config,
    start: dt.datetime,
    end: dt.datetime,
    services: list[str],
    environment: str | None = None,
) -> DoraReport:
    """DORA of the services over [start, end): those named, each with a row (of no data
    when it has no deploy in the range); when none is, every service of basics.yaml and
    every one with deploys."""
    environment = environment or config.deploys.environment
    params = {
        "environment": environment,
        "services": services,
        "start": start,
        "end": end,
        "all": ALL,
    }
    rows = store.query(_DEPLOYS, {**params, "timezone": config.timezone})
    # Keyed by (is the total, service): a service named "all" is a service, not the total.
    leads = {
        (bool(row[1]), row[0]): (Spread(*_pair(row[2]), int(row[3] or 0)), int(row[4] or 0))
        for row in store.query(_LEAD_TIMES, params)
    }
    counts = {
        (bool(row[1]), row[0]): _counts((row[0], *row[2:]), leads.get((bool(row[1]), row[0])))
        for row in rows
    }
    total = counts.pop((True, ALL), None) or _empty(ALL)
    # A service asked for (or, when none is, declared) without a deploy in the range is a
    # row of no data: a script finds it by its name, and no figure reads as elite.
    for name in services or config.services:
        counts.setdefault((False, name), _empty(name))
    return DoraReport(
        start,
        end,
        environment,
        [dora(counts[key], start, end) for key in sorted(counts)],
        dora(total, start, end),
    )


def _counts(row: tuple[Any, ...], lead: tuple[Spread, int] | None) -> ServiceCounts:
    (name, deploys, reached, days, failed, rolled_back, linked, failing, rework) = row[:9]
    recovery, recovered, unrecovered = row[9:12]
    spread, skipped = lead or (Spread(None, None, 0), 0)
    return ServiceCounts(
        service=str(name),
        deploys=int(deploys or 0),
        reached=int(reached or 0),
        deploy_days=int(days or 0),
        failed=int(failed or 0),
        rolled_back=int(rolled_back or 0),
        incident_linked=int(linked or 0),
        failing=int(failing or 0),
        rework=int(rework or 0),
        lead_time=spread,
        lead_time_skipped=skipped,
        recovery=Spread(*_pair(recovery), int(recovered or 0)),
        unrecovered=int(unrecovered or 0),
    )


def _empty(name: str) -> ServiceCounts:
    nothing = Spread(None, None, 0)
    return ServiceCounts(name, 0, 0, 0, 0, 0, 0, 0, 0, nothing, 0, nothing, 0)


def _pair(quantiles: object) -> tuple[float | None, float | None]:
    """(median, p90) from quantile_disc's list, (None, None) when there was nothing."""
    if not isinstance(quantiles, list) or len(quantiles) != 2:
        return None, None
    return float(quantiles[0]), float(quantiles[1])
