"""`postmortems new --incident N`: a draft filled from the data Basics holds, with the
usual sections left for people to write.

What the data answers before anyone asks: the impact per SLO (bad events, the share of the
budget the incident cost, whether the budget is spent), the users behind the bad events,
the first alert firing and the first page against the start (time to detect, "detected by
alert X" or "no alert fired"), who was paged and when, and a timeline of those.
`facts` reads the services; `render` is pure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from basics.core.clock import iso_utc
from basics.core.rounding import fixed, percent
from basics.core.words import plural
from basics.deploys.changes import Suspect, suspects

if TYPE_CHECKING:
    from basics.alerting.models import Incident
    from basics.app import App

LOOKBACK = dt.timedelta(hours=6)
"""How far before the start alerts are replayed: a firing may start before the incident."""
GRACE = dt.timedelta(minutes=15)
EVERY_USER = 1_000_000
"""As many users as a breakdown of one incident's range lists (all of them, in practice)."""
"""A page or firing this long before the start still counts as detecting it."""


@dataclass
class SLOImpact:
    """One SLO of the incident's services over the incident."""

    slo: str
    total: int
    bad: int
    share_of_budget: float | None
    exhausted: bool


@dataclass
class Facts:
    """What the data says about one incident."""

    incident: Incident
    impact: list[SLOImpact] = field(default_factory=list)
    users_affected: int | None = None
    top_users: list[tuple[str | None, int]] = field(default_factory=list)
    users_slo: str | None = None
    first_firing: tuple[str, str, dt.datetime] | None = None  # (slo, tier, start)
    first_page: tuple[str, str | None, dt.datetime] | None = None  # (alert, responder, at)
    pages: list[tuple[dt.datetime, str, str | None, dt.datetime | None]] = field(
        default_factory=list
    )  # (created, alert, responder, acknowledged)
    timeline: list[tuple[dt.datetime, str]] = field(default_factory=list)
    deploys: list[Suspect] = field(default_factory=list)  # shortly before the start

    @property
    def detected(self) -> dt.datetime | None:
        """The first firing or page, whichever came first."""
        times = [t[2] for t in (self.first_firing, self.first_page) if t is not None]
        return min(times) if times else None


def facts(app: App, incident: Incident) -> Facts:
    """Gather the figures of `incident` from the rollups, raw events of its range, alert
    replays and pages."""
    found = Facts(incident)
    start, end = incident.start, incident.end
    names = [n for n in app.config.slo_names() if n.split("/")[0] in incident.services]
    exhausted = {s.slo for s in app.slo.status(end) if s.status == "exhausted"} if names else set()
    worst: tuple[int, str] | None = None
    for name in names:
        cost = app.slo.cost(name, start, end)
        impact = SLOImpact(name, cost.counts.total, cost.counts.bad, cost.share_of_budget,
                           name in exhausted)  # fmt: skip
        found.impact.append(impact)
        if impact.bad and (worst is None or impact.bad > worst[0]):
            worst = (impact.bad, name)
        replay = app.alerting.replay(name, start - LOOKBACK, end + dt.timedelta(minutes=1))
        for firing in replay.firings:
            if firing.suppressed or firing.start < start - GRACE or firing.start > end:
                continue
            if found.first_firing is None or firing.start < found.first_firing[2]:
                found.first_firing = (name, firing.tier, firing.start)
            found.timeline.append((firing.start, f"{name} alert fires ({firing.tier}, "
                                                 f"{firing.severity})"))  # fmt: skip
    if worst is not None:
        # Every user of the range, in one breakdown: the count, and the top five from it.
        users = app.slo.breakdown(worst[1], "user", start, end, EVERY_USER)
        with_bad = [(c.value, c.bad) for c in users.contributors if c.bad]
        found.users_slo, found.users_affected = worst[1], len(with_bad)
        found.top_users = with_bad[:5]
    pages = app.oncall.with_responders(app.oncall.pages(start - GRACE, end))
    for page in pages:
        if page.service is not None and page.service not in incident.services:
            continue
        found.pages.append((page.created_at, page.alert, page.responder, page.acknowledged_at))
        if found.first_page is None:
            found.first_page = (page.alert, page.responder, page.created_at)
        who = f" to {page.responder}" if page.responder else ""
        found.timeline.append((page.created_at, f"page: {page.alert}{who}"))
        if page.acknowledged_at:
            found.timeline.append(
                (page.acknowledged_at, f"{page.responder or 'page'} acknowledges")
            )
    found.deploys = suspects(app.deploys, list(incident.services), start, incident.id)
    found.timeline += [
        (s.deploy.deployed_at, f"deploy {s.deploy.id}: {s.deploy.service} "
                               f"{s.deploy.version or s.deploy.commit or ''} ({s.deploy.status})")
        for s in found.deploys
    ]  # fmt: skip
    found.timeline += [(start, f"incident starts: {incident.title}"), (end, "incident ends")]
    found.timeline.sort(key=lambda entry: entry[0])
    return found


def render(f: Facts, draft_id: str) -> str:
    """The draft: front matter from the data, then the sections."""
    incident = f.incident
    detected = f.detected
    by = (
        f"alert {f.first_firing[0]} {f.first_firing[1]}" if f.first_firing and (
            f.first_page is None or f.first_firing[2] <= f.first_page[2])
        else f"page {f.first_page[0]}" if f.first_page else "no alert fired"
    )  # fmt: skip
    meta: dict[str, Any] = {
        "id": draft_id,
        "title": incident.title,
        "severity": incident.severity,
        "services": list(incident.services),
        "started": iso_utc(incident.start),
        "detected": iso_utc(detected) if detected else None,
        "mitigated": None,
        "resolved": iso_utc(incident.end),
        "detection": "alert" if detected else "unknown",
        "detected_by": by,
        "trigger": None,
        "contributing_factors": [],
        "tags": [],
        "deploys": [s.deploy.id for s in f.deploys if s.linked],
        "action_items": [],
        "incident": incident.id,
    }
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    lines += ["## Summary", "", "_What happened, in two or three sentences._", ""]
    lines += ["## Impact", "", *_impact(f), ""]
    lines += ["## Detection", "", *_detection(f, by), ""]
    lines += ["## What changed", "", *_changed(f), ""]
    lines += ["## Timeline", "", "| Time (UTC) | Event |", "|---|---|"]
    lines += [f"| {at:%Y-%m-%d %H:%M} | {text} |" for at, text in f.timeline] + [""]
    for heading, hint in (
        ("Contributing factors", "_Why it happened; not who._"),
        ("What went well", ""),
        ("What went wrong", ""),
        ("Where we got lucky", ""),
    ):
        lines += [f"## {heading}", "", hint, ""] if hint else [f"## {heading}", "", ""]
    lines += ["## Action items", "", "| Action item | Owner | Type | Status | Due |"]
    lines += ["|---|---|---|---|---|", "|  |  | prevent / detect / mitigate | open |  |", ""]
    return "\n".join(lines)


def _changed(f: Facts) -> list[str]:
    if not f.deploys:
        return ["No deploy of these services shortly before the start (`deploys.suggest_within`)."]
    lines = [
        "Deploys shortly before the start. Suggestions: name the one that caused it under "
        "`deploys:` above, and it counts in the change failure rate.",
        "",
    ]
    for s in f.deploys:
        d = s.deploy
        minutes = s.before_s / 60
        mark = " (linked)" if s.linked else ""
        lines.append(
            f"- deploy {d.id}: {d.service} {d.version or d.commit or ''}, {d.status}, "
            f"{fixed(minutes, 0)} min before{mark}"
        )
    return lines


def _impact(f: Facts) -> list[str]:
    minutes = (f.incident.end - f.incident.start).total_seconds() / 60
    lines = [f"{fixed(minutes, 0)} minutes, {f.incident.start:%Y-%m-%d %H:%M} – "
             f"{f.incident.end:%H:%M} UTC, on {', '.join(f.incident.services)}.", ""]  # fmt: skip
    if not f.impact:
        return [*lines, "No SLO is defined on these services: the impact is not measured."]
    lines += [
        "| SLO | Bad events | Of events | Budget used | Budget spent |",
        "|---|---|---|---|---|",
    ]
    for i in f.impact:
        share = "no data" if i.share_of_budget is None else percent(i.share_of_budget, 1)
        lines.append(f"| {i.slo} | {i.bad:,} | {i.total:,} | {share} | "
                     f"{'yes' if i.exhausted else 'no'} |")  # fmt: skip
    if f.users_slo is not None:
        top = ", ".join(f"{u or '(no user)'} ({n:,})" for u, n in f.top_users)
        lines += ["", f"Users with bad events ({f.users_slo}): {f.users_affected:,}; "
                      f"most affected: {top}."]  # fmt: skip
    return lines


def _detection(f: Facts, by: str) -> list[str]:
    if f.detected is None:
        return ["No alert fired and no page was sent between the start and the end: "
                "how was it found? (customers, staff, …)"]  # fmt: skip
    took = (f.detected - f.incident.start).total_seconds()
    when = "before the recorded start" if took < 0 else f"{fixed(took / 60, 0)} min after the start"
    lines = [f"Detected by {by}, {when}."]
    if f.first_page is not None:
        alert, responder, at = f.first_page
        lines.append(
            f"First page: {alert} at {at:%H:%M} UTC" + (f" to {responder}." if responder else ".")
        )
    if f.pages:
        lines.append(f"{plural(len(f.pages), 'page')} in all during the incident.")
    return lines


def write(app: App, incident_id: int, folder: Path) -> tuple[Path, bool]:
    """Write the draft of incident `incident_id` into `folder`: its path, and whether it
    was written (False: the same draft is there already, unchanged, and is left as is).

    The file is named by the incident's day and title; a file of that name that is another
    incident's draft (or another post-mortem) leaves the name to it, and this draft takes
    the incident's id in its name. A draft of this incident that differs from what would
    be written (edited, or the data changed) is never overwritten: ConflictError."""
    from basics.alerting.incidents import list_incidents
    from basics.core.errors import ConflictError, NotFoundError

    incident = next((i for i in list_incidents(app.store, None) if i.id == incident_id), None)
    if incident is None:
        raise NotFoundError(f"no incident {incident_id}; `basics incidents list` shows their ids")
    slug = re.sub(r"[^a-z0-9]+", "-", incident.title.lower()).strip("-")[:60] or "incident"
    draft_id = f"PM-{incident.start:%Y%m%d}-{incident.id}"
    text = render(facts(app, incident), draft_id)
    base = f"{incident.start:%Y-%m-%d}-{slug}"
    names = [folder / f"{base}.md", folder / f"{base}-{incident.id}.md"]
    # This incident's draft first, under either name: never a second file of its id.
    for path in names:
        if path.exists():
            found = path.read_text(encoding="utf-8", errors="replace")
            if found == text:
                return path, False
            if _draft_id(found) == draft_id:
                raise ConflictError(
                    f"{path} exists already and differs from a new draft (edited, or the "
                    "data changed): edit it, or move it aside for a new draft"
                )
    free = next((path for path in names if not path.exists()), None)
    if free is None:
        raise ConflictError(
            f"{names[0]} and {names[1]} exist already as other documents: move one aside "
            "for a new draft"
        )
    folder.mkdir(parents=True, exist_ok=True)
    free.write_text(text, encoding="utf-8")
    return free, True


def _draft_id(text: str) -> str | None:
    """The `id:` of a Markdown file's front matter, if it has one."""
    from basics.postmortems.parse import front_matter_id

    return front_matter_id(text)
