"""What changed before trouble: the deploys of a service shortly before each burn-rate firing
and each incident, and a `version` attribute whose share of the bad events jumps: for a
firing, among the versions live when it began (one first seen after a firing began did not
start it); for an incident, whose start is when trouble began (often the deploy itself, the
new version's first event a moment later), among those seen up to its end.

These are suggestions, shown with their evidence and never counted: a deploy counts in the
change failure rate only once it is linked (`basics incidents link`, a post-mortem's
`deploys:`, or an import that names a root cause).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from basics.deploys.models import Deploy

if TYPE_CHECKING:
    from basics.alerting.models import Firing
    from basics.alerting.service import AlertingService
    from basics.deploys.service import DeployService
    from basics.slo.service import SLOService

VERSION = "attrs.version"
SUSPECT_SHARE = 0.5
"""A version is suspect when it holds at least this share of the bad events…"""
SUSPECT_OVER = 2.0
"""…and fails at least this many times as often as the other versions did."""
BASELINE = dt.timedelta(days=1)
"""How far before a moment the other versions' bad rate is read: the day before a deploy
holds the version it replaced, so a version that is alone during an incident is still
compared with its predecessor."""
MOST_MOMENTS = 100
"""Firings and incidents looked at per report (the newest), each costing a pass over the
raw events of its range."""


@dataclass(frozen=True)
class Suspect:
    """A deploy before a moment: how long before, and whether it is linked (confirmed)."""

    deploy: Deploy
    before_s: float
    linked: bool


@dataclass(frozen=True)
class VersionJump:
    """A version holding most of the bad events around a moment, at a higher bad rate."""

    version: str
    bad: int
    total: int
    share_of_bad: float
    bad_rate: float
    others_bad_rate: float | None  # None: no other version had events


@dataclass(frozen=True)
class Moment:
    """A firing or an incident, and what changed before it."""

    kind: Literal["firing", "incident"]
    start: dt.datetime
    what: str
    incident: int | None
    deploys: list[Suspect]
    versions: list[VersionJump]


@dataclass(frozen=True)
class Changes:
    """`slo changes`: the moments of an SLO over [start, end), each with its suspects."""

    slo: str
    service: str
    start: dt.datetime
    end: dt.datetime
    within_s: int
    moments: list[Moment]


def changes(
    slo: SLOService,
    alerting: AlertingService,
    deploys: DeployService,
    name: str,
    start: dt.datetime | None,
    end: dt.datetime,
) -> Changes:
    """The firings of the SLO's policy replayed over [start, end) (default: the SLO's
    window) and the incidents of its service, oldest first, each with the deploys before it
    and any version that jumps (for a firing, one live at its start)."""
    from basics.alerting.incidents import list_incidents

    service, _, _ = slo.slo(name)
    window = slo.report_range(name, start, end)
    start, end = window.start, window.end
    within_s = deploys.config.deploys.suggest_within_s
    deploys.sync_links()  # `linked`, as the post-mortems say now
    replay = alerting.replay(name, start, end)
    found: list[tuple[Literal["firing", "incident"], dt.datetime, dt.datetime, str, int | None]]
    found = [
        ("firing", f.start, f.reset or end, f"{f.tier} ({f.severity})", f.incident)
        for f in replay.firings
        if not f.suppressed
    ]
    found += [
        ("incident", i.start, i.end, i.title, i.id)
        for i in list_incidents(deploys.store, service, start, end)
    ]
    found.sort(key=lambda m: (m[1], m[0]))
    moments = [
        Moment(
            kind,
            begin,
            what,
            incident,
            suspects(deploys, [service], begin, incident, within_s),
            version_jumps(
                slo,
                name,
                begin - dt.timedelta(seconds=within_s) - BASELINE,
                stop,
                begin if kind == "firing" else None,
            ),
        )
        for kind, begin, stop, what, incident in found[-MOST_MOMENTS:]
    ]
    return Changes(name, service, start, end, within_s, moments)


def suspects(
    deploys: DeployService,
    services: list[str],
    moment: dt.datetime,
    incident: int | None,
    within_s: int | None = None,
) -> list[Suspect]:
    """The deploys of the services within `within_s` before a moment, newest first."""
    return [
        Suspect(d, (moment - d.deployed_at).total_seconds(), incident in d.incidents)
        for d in deploys.before(services, moment, within_s)
    ]


def version_jumps(
    slo: SLOService,
    name: str,
    start: dt.datetime,
    end: dt.datetime,
    moment: dt.datetime | None = None,
) -> list[VersionJump]:
    """Versions holding at least half the bad events over [start, end) at twice the bad
    rate of the other versions (events without a `version` attribute say nothing). With
    `moment`, only the versions live at it (an event at or before it) are weighed: one
    first seen after a firing began did not start it, and its bad events are no one's."""
    if end <= start:
        return []
    rows = slo.values_seen(name, VERSION, start, end, moment or end)
    bad_all = sum(bad for _, bad, _, live in rows if live)
    total_all = sum(total for _, _, total, live in rows if live)
    if not bad_all:
        return []
    jumps = []
    for version, bad, total, live in rows:
        share = bad / bad_all
        if version is None or not live or share < SUSPECT_SHARE:
            continue
        others_total = total_all - total
        others = (bad_all - bad) / others_total if others_total else None
        rate = bad / total
        if others is None or (others and rate / others < SUSPECT_OVER):
            continue  # alone, or not failing markedly more often than the others
        jumps.append(VersionJump(version, bad, total, share, rate, others))
    return jumps


def before_firings(
    deploys: DeployService, service: str, firings: Sequence[Firing]
) -> list[list[Suspect]]:
    """For `alerts replay`: the deploys before each firing, in the firings' order."""
    deploys.sync_links()
    return [suspects(deploys, [service], f.start, f.incident) for f in firings]
