"""The scorecard's judgements: pure functions from what each domain measured about a
service (`Facts`) to verdicts, each with the figure that decided it and the fix.

Every check says what it measured, in numbers; none is skipped silently: a check that does
not apply is listed in `skipped`, an exception shows its reason, and an expired exception
fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from basics.alerting.judge import MONTH_DAYS, within_allowance
from basics.alerting.judge import false_per_month as false_rate
from basics.catalog.models import RANK, Check, Scorecard, Verdict
from basics.config.checks import CHECKS, ChecksSettings
from basics.core.rounding import fixed, percent
from basics.core.words import plural


@dataclass(frozen=True)
class ReplayFacts:
    """One SLO's alert policy replayed over the check's window."""

    slo: str
    incidents: int
    recall: float | None
    pages: int
    false_pages: int
    months: float  # the part of the window with events, in months
    incident_ids: frozenset[int] = frozenset()
    caught: frozenset[int] = frozenset()  # incidents a firing of this SLO detected


@dataclass(frozen=True)
class Facts:
    """What the domains measured about one service, for the checks to judge."""

    service: str
    owner: str | None
    team: str | None
    slos: dict[str, str] = field(default_factory=dict)  # name -> availability|latency|other
    newest_event: dt.datetime | None = None
    replays: list[ReplayFacts] = field(default_factory=list)
    paging_slos: int = 0
    runbook: str | None = None
    rotation: tuple[str, int] | None = None  # (name, people) of the rotation taking its pages
    oncall_team: str | None = None  # that rotation's team: whose pages and shifts
    pages: int = 0
    top_responder: tuple[str, float] | None = None  # (person, share of pages)
    night_pages: int = 0
    top_night: tuple[str, float] | None = None
    shifts: int = 0
    over_limit_shifts: int = 0
    serious_incidents: int = 0
    incidents_recorded: int = 0  # every incident of the store: none, and coverage is unknown
    postmortems_written: int = 0  # every post-mortem of the folder
    without_postmortem: list[str] = field(default_factory=list)  # incident titles
    open_actions: int = 0
    overdue_actions: list[str] = field(default_factory=list)
    unowned_actions: list[str] = field(default_factory=list)
    deploys: int = 0
    lead_time_n: int = 0
    change_failure_ratio: float | None = None
    toil_team: str | None = None  # the owning team, else the team of its rotation
    toil_people: int | None = None  # members the team lists (0: its toil is no one's)
    toil_weeks: int = 0  # weeks with toil logged or derived, of that team
    toil_share: float | None = None  # the team's toil over its capacity, over those weeks
    toil_weeks_over: int = 0
    toil_cap: float = 0.5


Judge = Callable[[Facts, ChecksSettings, dt.datetime], Check]


def _check(
    check: str, verdict: Verdict, measured: str, fix: str | None = None, *,
    value: float | None = None, threshold: str | None = None, evidence: str | None = None,
) -> Check:  # fmt: skip
    return Check(check, CHECKS[check], verdict, measured, value, threshold,
                 None if verdict == "pass" else fix, evidence)  # fmt: skip


def slo_kind(check: str, kind: str) -> Judge:
    """`slo.availability` / `slo.latency`: an SLO of that kind exists."""

    def judge(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
        found = sorted(name for name, k in f.slos.items() if k == kind)
        if found:
            return _check(check, "pass", f"{kind} SLO: {', '.join(found)}", value=len(found))
        return _check(
            check, "fail", f"no {kind} SLO among {plural(len(f.slos), 'SLO')}",
            f"add one under services.{f.service}.slos in basics.yaml (docs/slo.md)", value=0,
        )  # fmt: skip

    return judge


def receiving(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`slo.receiving`: its SLOs counted events within `receiving_within` of `at`."""
    limit = dt.timedelta(seconds=s.seconds("receiving_within"))
    if not f.slos:
        return _check("slo.receiving", "fail", "no SLO to receive events",
                      "define an SLO first", threshold=s.receiving_within)  # fmt: skip
    if f.newest_event is None:
        return _check("slo.receiving", "fail",
                      f"no events counted by its SLOs before {at:%Y-%m-%d %H:%M}",
                      "ingest its events: basics ingest events FILE --source S",
                      threshold=s.receiving_within)  # fmt: skip
    age = at - f.newest_event
    verdict: Verdict = "pass" if age <= limit else "fail"
    return _check(
        "slo.receiving", verdict, f"newest event {_ago(age)} before {at:%Y-%m-%d %H:%M}",
        "its events stopped arriving: check the feed (basics batches list)",
        value=age.total_seconds(), threshold=f"within {s.receiving_within}",
        evidence="basics batches list",
    )  # fmt: skip


def replay(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`alerts.replay`: over the window, every SLO's policy catches at least `min_recall` of
    the incidents and pages falsely at most `max_false_pages_per_month`."""
    check, window = "alerts.replay", s.replay_window
    threshold = (
        f"recall ≥ {percent(s.min_recall)}, ≤ {s.max_false_pages_per_month:g} false pages/month"
    )
    if not f.replays:
        return _check(check, "fail", "no SLO, so no alert", "define SLOs: their burn-rate "
                      "alerts come with them", threshold=threshold)  # fmt: skip
    observed = [r for r in f.replays if r.months > 0]
    if not observed:
        return _check(check, "warn", f"no events in the last {window}: no alert to replay "
                      "(no data)", "ingest the service's events (basics ingest events)",
                      threshold=threshold)  # fmt: skip
    incidents = len(frozenset().union(*(r.incident_ids for r in f.replays)))
    recall = _caught(f.replays)
    # False pages a month only over a week of events or more: two false pages in two hours
    # are not 700 a month. Fewer days still fail when they hold more than a month's allowance
    # (`alerting.judge`, the rule `alerts tune` keeps to as well).
    days = {r.slo: r.months * MONTH_DAYS for r in observed}
    rates = [false_rate(r.false_pages, days[r.slo]) for r in observed]
    false_per_month = max((rate for rate in rates if rate is not None), default=None)
    noisy = max(observed, key=lambda r: r.false_pages)
    said = (f"recall {percent(recall)} of {plural(incidents, 'incident')}" if recall is not None
            else "no incident in the window to catch")  # fmt: skip
    if false_per_month is not None:
        said += (
            f"; {fixed(false_per_month, 1)} false pages/month (worst: {noisy.slo}), last {window}"
        )
    else:
        said += (f"; {plural(noisy.false_pages, 'false page')} in {fixed(max(days.values()), 1)} "
                 "days of events "
                 f"(worst: {noisy.slo}): under a week, not rated per month")  # fmt: skip
    evidence = f"basics alerts replay {noisy.slo} --from <{window} ago>"
    over = not all(
        within_allowance(r.false_pages, days[r.slo], s.max_false_pages_per_month) for r in observed
    )
    if over or (recall is not None and recall == 0):
        verdict: Verdict = "fail"
    elif recall is not None and recall < s.min_recall:
        verdict = "warn"
    elif recall is None or false_per_month is None:
        verdict = "warn"  # nothing to judge on: say so rather than pass
    else:
        verdict = "pass"
    fix = ("tune the policy: basics alerts tune SLO" if over
           else "record incidents, then replay and tune "
           "(basics incidents add; basics alerts tune SLO)")  # fmt: skip
    return _check(check, verdict, said, fix, value=recall, threshold=threshold,
                  evidence=evidence)  # fmt: skip


def _caught(replays: list[ReplayFacts]) -> float | None:
    """The service's recall: incidents detected by any of its SLOs over the incidents any of
    them was judged against (None without incidents)."""
    incidents = frozenset().union(*(r.incident_ids for r in replays))
    if not incidents:
        return None
    caught = frozenset().union(*(r.caught for r in replays)) & incidents
    return len(caught) / len(incidents)


def owner(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`owner`: the service names an owner."""
    if f.owner:
        team = f" (team {f.team})" if f.team and f.team != f.owner else ""
        return _check("owner", "pass", f"owner {f.owner}{team}")
    return _check("owner", "fail", "no owner",
                  f"set services.{f.service}.owner in basics.yaml to a team")  # fmt: skip


def runbook(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`runbook`: a service whose alerts page has a runbook link they carry."""
    if not f.paging_slos:
        return _check("runbook", "pass", "no paging alert")
    if f.runbook:
        return _check(
            "runbook", "pass", f"{plural(f.paging_slos, 'paging SLO')}, runbook {f.runbook}"
        )
    return _check("runbook", "fail", f"{plural(f.paging_slos, 'paging SLO')}, no runbook",
                  f"set services.{f.service}.runbook: its alerts carry it as runbook_url",
                  value=f.paging_slos)  # fmt: skip


def rotation(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`oncall.rotation`: a rotation of two people or more takes its pages (`oncall:` in
    basics.yaml, else the owning team's)."""
    if f.rotation is None:
        said = (f"team {f.team} has no rotation" if f.team
                else "no rotation takes its pages (no `oncall:`, no owning team)")  # fmt: skip
        return _check("oncall.rotation", "fail", said,
                      f"add a rotation under rotations: and name it in services.{f.service}"
                      ".oncall (docs/oncall.md)")  # fmt: skip
    name, people = f.rotation
    verdict: Verdict = "pass" if people >= 2 else "fail"
    said = f"rotation {name}: {plural(people, 'person', 'people')}"
    return _check("oncall.rotation", verdict, said,
                  "don't give one person sole ownership of the pager: add a second",
                  value=people, threshold="≥ 2 people")  # fmt: skip


def concentration(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`oncall.concentration`: nobody carries more than the set share of pages or of night
    pages, over `oncall_window`."""
    limit = s.max_pager_share_percent / 100
    threshold = f"≤ {s.max_pager_share_percent:g} % of pages and of night pages"
    if f.rotation is None:
        return _check("oncall.concentration", "warn", "not measured: no rotation takes its pages",
                      "give it a rotation (oncall.rotation)", threshold=threshold)  # fmt: skip
    if f.pages < s.min_pages:
        # One night page is 100 % of one person's: too few pages to say who carries them.
        return _check("oncall.concentration", "pass",
                      f"{plural(f.pages, 'page')} in the last {s.oncall_window}: too few to judge "
                      f"(under {s.min_pages})", value=f.pages, threshold=threshold)  # fmt: skip
    worst = max((t for t in (f.top_responder, f.top_night) if t), key=lambda t: t[1])
    said = (
        _share_said("pages", f.pages, f.top_responder)
        + "; "
        + _share_said("night pages", f.night_pages, f.top_night)
    )
    verdict: Verdict = "fail" if worst[1] > limit else "pass"
    return _check(
        "oncall.concentration", verdict, said,
        f"{worst[0]} carries the pager: spread the rotation, silence what needs no one",
        value=worst[1], threshold=threshold,
        evidence=f"basics oncall report --team {f.oncall_team}" if f.oncall_team else None,
    )  # fmt: skip


def _share_said(what: str, total: int, top: tuple[str, float] | None) -> str:
    if not total or top is None:
        return f"no {what}"
    return f"{top[0]} {percent(top[1])} of {total} {what}"


def load(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`oncall.load`: no shift over two incidents per 12 hours (the SRE book's limit)."""
    if not f.shifts:
        return _check("oncall.load", "warn", f"no shift in the last {s.oncall_window}",
                      "give the team a rotation, or import its shifts")  # fmt: skip
    verdict: Verdict = "pass" if not f.over_limit_shifts else "warn"
    if f.over_limit_shifts * 4 > f.shifts:
        verdict = "fail"  # more than a quarter of the shifts
    return _check(
        "oncall.load", verdict,
        f"{f.over_limit_shifts} of {f.shifts} shifts over 2 incidents per 12 h",
        "fewer, better pages: tune or drop the noisy alerts (basics oncall report)",
        value=f.over_limit_shifts, threshold="0 shifts over",
    )  # fmt: skip


def coverage(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`postmortems.coverage`: incidents of severity `postmortem_severity` or worse (or of
    no stated severity) in the replay window have a post-mortem."""
    threshold = f"SEV1–SEV{s.postmortem_severity}, and unrated, have one"
    if not f.incidents_recorded:
        return _check("postmortems.coverage", "warn",
                      "no incident recorded at all: what needs a post-mortem is unknown "
                      "(no data)", "record incidents: basics incidents add, or import them",
                      threshold=threshold)  # fmt: skip
    if not f.serious_incidents:
        return _check("postmortems.coverage", "pass",
                      f"no incident needing one in the last {s.replay_window}",
                      threshold=threshold)  # fmt: skip
    missing = f.without_postmortem
    verdict: Verdict = "fail" if missing else "pass"
    with_one = f.serious_incidents - len(missing)
    said = (f"{with_one} of {plural(f.serious_incidents, 'incident')} "
            f"{'has' if with_one == 1 else 'have'} one")  # fmt: skip
    if missing:
        said += f"; missing: {', '.join(missing[:3])}" + (" …" if len(missing) > 3 else "")
    return _check("postmortems.coverage", verdict, said,
                  "write them: basics postmortems new --incident ID", value=len(missing),
                  threshold=threshold)  # fmt: skip


def actions(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`postmortems.actions`: open action items have an owner and are not past due."""
    if not f.open_actions and not f.postmortems_written:
        return _check("postmortems.actions", "warn", "no post-mortem written: no action "
                      "item to follow (no data)", "basics postmortems new INCIDENT")  # fmt: skip
    if not f.open_actions:
        return _check("postmortems.actions", "pass", "no open action item")
    # Each count with an example of its own: an overdue item cited after "without owner"
    # read as one without an owner.
    overdue, unowned = (f"{len(items)} {what}{f' (e.g. {items[0]})' if items else ''}"
                        for items, what in ((f.overdue_actions, "overdue"),
                                            (f.unowned_actions, "without owner")))  # fmt: skip
    said = f"{f.open_actions} open: {overdue}, {unowned}"
    verdict: Verdict = "fail" if f.overdue_actions else "warn" if f.unowned_actions else "pass"
    return _check("postmortems.actions", verdict, said,
                  "close, re-date or assign them (basics postmortems actions --overdue)",
                  value=len(f.overdue_actions),
                  evidence="basics postmortems actions --overdue")  # fmt: skip


def deploys_recorded(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`deploys.recorded`: deploys of the service in `deploys_window`."""
    verdict: Verdict = "pass" if f.deploys else "fail"
    return _check("deploys.recorded", verdict,
                  f"{plural(f.deploys, 'deploy')} in the last {s.deploys_window}",
                  "record them from CI: basics deploys record --service "
                  f"{f.service} --version V --commit SHA", value=f.deploys)  # fmt: skip


def dora_known(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`deploys.dora`: its change failure rate and lead time are measurable."""
    if not f.deploys:
        return _check("deploys.dora", "fail", "no deploys, so no DORA figures",
                      "record deploys first")  # fmt: skip
    if not f.lead_time_n:
        return _check("deploys.dora", "warn",
                      "change failure rate known, lead time unknown: no commits recorded",
                      "record the commits each deploy ships (deploys record --git ., or "
                      "ingest deploys --git)")  # fmt: skip
    cfr = f.change_failure_ratio or 0.0
    return _check("deploys.dora", "pass",
                  f"change failure rate {percent(cfr)}, "
                  f"lead time from {plural(f.lead_time_n, 'change')}",
                  value=cfr, evidence=f"basics deploys dora --service {f.service}")  # fmt: skip


def toil_cap(f: Facts, s: ChecksSettings, at: dt.datetime) -> Check:
    """`toil.cap`: the owning team's toil over the last `toil_weeks` weeks stays under the
    cap, in total and in each week."""
    threshold = f"≤ {percent(f.toil_cap)} of capacity"
    if f.toil_team is None:
        return _check("toil.cap", "warn", "no team owns it or takes its pages: no one's toil "
                      "is measured", "make a team its owner", threshold=threshold)  # fmt: skip
    if f.toil_people == 0:
        return _check("toil.cap", "warn", f"team {f.toil_team} lists no members: whose toil "
                      "to measure, basics.yaml does not say",
                      f"list its people under teams: {f.toil_team}: members:",
                      threshold=threshold)  # fmt: skip
    if not f.toil_weeks or f.toil_share is None:
        return _check("toil.cap", "warn", f"no toil measured for team {f.toil_team}",
                      "log it: basics toil log 30m --category C (docs/toil.md)",
                      threshold=threshold)  # fmt: skip
    verdict: Verdict = ("fail" if f.toil_share > f.toil_cap
                        else "warn" if f.toil_weeks_over else "pass")  # fmt: skip
    return _check(
        "toil.cap", verdict,
        f"team {f.toil_team}: {percent(f.toil_share)} of capacity over "
        f"{plural(f.toil_weeks, 'week')}, "
        f"{plural(f.toil_weeks_over, 'week')} over the cap",
        "automate the top candidates (basics toil report)", value=f.toil_share,
        threshold=threshold, evidence=f"basics toil report --team {f.toil_team}",
    )  # fmt: skip


JUDGES: dict[str, Judge] = {
    "slo.availability": slo_kind("slo.availability", "availability"),
    "slo.latency": slo_kind("slo.latency", "latency"),
    "slo.receiving": receiving,
    "alerts.replay": replay,
    "owner": owner,
    "runbook": runbook,
    "oncall.rotation": rotation,
    "oncall.concentration": concentration,
    "oncall.load": load,
    "postmortems.coverage": coverage,
    "postmortems.actions": actions,
    "deploys.recorded": deploys_recorded,
    "deploys.dora": dora_known,
    "toil.cap": toil_cap,
}


def scorecard(
    f: Facts, s: ChecksSettings, at: dt.datetime, today: dt.date | None = None
) -> Scorecard:
    """Every check that applies, judged, with the service's exceptions applied: an exception
    ends after its `until` day, `today` (the local day of `at`; its UTC day without one)."""
    today = today or at.date()
    checks = [
        _excepted(JUDGES[name](f, s, at), f.service, s, today)
        for name in CHECKS
        if name not in s.skip
    ]
    counts = {v: sum(1 for c in checks if c.verdict == v) for v in ("pass", "warn", "fail")}
    return Scorecard(
        f.service, f.owner, f.team, worst(c.verdict for c in checks),
        counts["pass"] + sum(1 for c in checks if c.verdict == "excepted"),
        counts["warn"], counts["fail"], checks,
    )  # fmt: skip


def _excepted(check: Check, service: str, s: ChecksSettings, today: dt.date) -> Check:
    """An exception turns a warn or fail into `excepted` until it expires; then it fails."""
    from dataclasses import replace

    found = next((e for e in s.exceptions if e.service == service and e.check == check.check),
                 None)  # fmt: skip
    if found is None or check.verdict == "pass":
        return check
    if found.until < today:
        return replace(check, verdict="fail",
                       exception=f"expired {found.until}: {found.reason}",
                       fix="the exception expired: fix it, or renew the exception with a "
                       "new date")  # fmt: skip
    return replace(check, verdict="excepted", exception=f"until {found.until}: {found.reason}")


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst of some verdicts (`pass` for none)."""
    found: Verdict = "pass"
    for verdict in verdicts:
        if RANK[verdict] > RANK[found]:
            found = verdict
    return found


def fails_on(verdict: Verdict, level: str | None) -> bool:
    """Whether `--fail-on level` (warn or fail) is reached by a verdict."""
    if level is None:
        return False
    return RANK[verdict] >= RANK["warn" if level == "warn" else "fail"]


def _ago(age: dt.timedelta) -> str:
    seconds = max(int(age.total_seconds()), 0)
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
