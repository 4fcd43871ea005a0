"""The scorecard over the store: what each domain measured about each service, gathered in
a few passes (one replay of every SLO, one on-call report and one toil report per team, one
DORA report, one read of the post-mortems), judged by `compute`, and kept as a daily snapshot
for `check --history`."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from basics.alerting.judge import MONTH_DAYS
from basics.catalog import compute
from basics.catalog.models import CheckReport, HistoryRow, Scorecard, Verdict
from basics.core.clock import iso_week, monday
from basics.core.severity import severity_level
from basics.records import plain

if TYPE_CHECKING:
    from basics.app import App
    from basics.config.models import Config
    from basics.postmortems.service import Library

PerTeam = dict[tuple[str, str], dict[str, Any]]
"""One on-call and one toil report per team, for one run of the checks (never kept longer:
the data changes between runs of a long-lived server)."""
DAY = dt.timedelta(days=1)
MONTH_S = MONTH_DAYS * 86400


class CatalogService:
    """The scorecard of every service: the basics each domain measures, judged."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.config: Config = app.config

    def check(
        self,
        at: dt.datetime,
        services: list[str] | None = None,
        keep: bool = True,
        library: Library | None = None,
    ) -> CheckReport:
        """Every service's (or the named ones') scorecard at `at`; with `keep`, the day's
        snapshot is kept when the store is writable and `at` is not still to come.
        `library`: the post-mortems, when the caller has read them already."""
        from basics.config.models import named_services

        # By any name basics.yaml gives a service ("Checkout API", CHECKOUT), as filters are.
        names = (
            named_services(services, self.config.service_names())
            if services
            else list(self.config.services)
        )
        unknown = [n for n in names if n not in self.config.services]
        if unknown:
            from basics.core.errors import InputError

            known = ", ".join(self.config.services) or "none in basics.yaml"
            raise InputError(f'unknown service "{unknown[0]}" (known: {known})')
        settings = self.config.checks
        today = self.local_day(at)
        cards = [compute.scorecard(f, settings, at, today) for f in self.facts(names, at, library)]
        report = CheckReport(at, compute.worst(c.verdict for c in cards), cards,
                             list(settings.skip))  # fmt: skip
        if keep and not self.app.store.read_only and not self.ahead(at):
            self._snapshot(report)
        return report

    @staticmethod
    def ahead(at: dt.datetime) -> bool:
        """Whether `at` is still to come: a scorecard as of then is shown, never kept (it
        would stand in `--history` and the reviews as a week that has not happened)."""
        from basics.core.clock import utc_now

        return at > utc_now()

    def facts(
        self, names: list[str], at: dt.datetime, library: Library | None = None
    ) -> list[compute.Facts]:
        """What each domain measured about the services, in as few passes as it takes (the
        post-mortems read once, or not at all when `library` is given)."""
        settings = self.config.checks
        newest = self._newest_events(at)
        replays = self._replays(at - dt.timedelta(seconds=settings.seconds("replay_window")), at)
        if library is None:
            library = self.app.postmortems.library()
        covered, serious = self._postmortem_coverage(at, library)
        recorded = int(self.app.store.scalar("SELECT count(*) FROM incidents"))
        open_items = self._actions(self.local_day(at), library)
        dora = self._dora(at)
        found = []
        per_team: PerTeam = {}
        for name in names:
            service = self.config.services[name]
            team = self.config.team_of(service.owner)
            rotation = self._rotation(name, team, at)
            declared = self.config.rotations.get(rotation[0]) if rotation else None
            oncall_team = declared.team if declared is not None else team
            facts = compute.Facts(
                service=name,
                owner=service.owner,
                team=team,
                slos={slo: _kind(slo, cfg.good) for slo, cfg in service.slos.items()},
                newest_event=newest.get(name),
                replays=[r for slo, r in replays.items() if slo.split("/")[0] == name],
                paging_slos=sum(1 for slo in service.slos if self._pages(name, slo)),
                runbook=service.runbook,
                rotation=(rotation[0], rotation[1]) if rotation else None,
                oncall_team=oncall_team,
                serious_incidents=len(serious.get(name, [])),
                incidents_recorded=recorded,
                postmortems_written=len(library.postmortems),
                without_postmortem=[t for i, t in serious.get(name, []) if i not in covered],
                **open_items.get(name, {}),
                **dora.get(name, {}),
            )
            facts = replace(facts, **self._oncall(oncall_team, at, per_team))
            # Toil is the owning team's, else that of the team whose rotation takes its pages.
            toil_team = team or oncall_team
            members = self.config.teams[toil_team].members if toil_team in self.config.teams else []
            facts = replace(facts, toil_team=toil_team, toil_people=len(members),
                            **self._toil(toil_team, at, per_team))  # fmt: skip
            found.append(facts)
        return found

    # -- the passes ------------------------------------------------------------------------

    def _newest_events(self, at: dt.datetime) -> dict[str, dt.datetime]:
        rows = self.app.store.query(
            "SELECT s.service, max(m.minute) + INTERVAL 1 MINUTE FROM slo_minute m "
            "JOIN slos s ON s.name = m.slo WHERE m.minute < ? AND m.total > 0 "
            "GROUP BY s.service",
            [at],
        )
        return {service: min(newest, at) for service, newest in rows}

    def _replays(self, start: dt.datetime, at: dt.datetime) -> dict[str, compute.ReplayFacts]:
        if not self.config.slo_names():
            return {}
        # False pages a month over the part of the window with data (`Replay.event_days`,
        # as `alerts tune` rates them): a service with ten days of events is not judged as
        # if it had ninety quiet ones, nor a feed stopped a month ago as a quiet month.
        found = {}
        for r in self.app.alerting.replay_all(start, at):
            months = r.event_days * 86400 / MONTH_S
            caught = {i for i, delay in r.detection_delay_s.per_incident.items()
                      if delay is not None}  # fmt: skip
            found[r.slo] = compute.ReplayFacts(
                r.slo, len(r.incidents), r.recall, len(r.pages), len(r.false_pages), months,
                frozenset(i.id for i in r.incidents), frozenset(caught),
            )  # fmt: skip
        return found

    def _pages(self, service: str, slo: str) -> bool:
        policy = self.config.alert_policy(self.config.policy_of(service, slo))
        return any(tier.severity == "page" for tier in policy.tiers)

    def _rotation(self, service: str, team: str | None, at: dt.datetime) -> tuple[str, int] | None:
        """The rotation that takes the service's pages and how many people it has: the one
        basics.yaml names, else the rotation of imported shifts (from a pager, named as the
        pager names it) its owning team's members were on over the on-call window, the one
        with the most of them."""
        name = self.config.rotation_of(service)
        if name is not None:
            return name, len(set(self.config.rotations[name].people))
        if team is None or team not in self.config.teams:
            return None
        start = at - dt.timedelta(seconds=self.config.checks.seconds("oncall_window"))
        # Chosen by the team's members on it; its people counted whole, others too (a
        # rotation shared with another team has them all, as a declared one would).
        found = self.app.store.query(
            "SELECT rotation, count(DISTINCT person), count(DISTINCT person) FILTER "
            "(WHERE list_contains($members, person)) AS mine FROM shifts "
            "WHERE NOT list_contains($declared, rotation) AND end_ts > $start "
            "AND start_ts < $at GROUP BY rotation HAVING mine > 0 "
            "ORDER BY mine DESC, 2 DESC, 1 LIMIT 1",
            {"members": list(self.config.teams[team].members),
             "declared": list(self.config.rotations), "start": start, "at": at},
        )  # fmt: skip
        return (str(found[0][0]), int(found[0][1])) if found else None

    def _oncall(self, team: str | None, at: dt.datetime, cache: PerTeam) -> dict[str, Any]:
        if team is None or team not in self.config.teams:
            return {}
        if ("oncall", team) not in cache:
            start = at - dt.timedelta(seconds=self.config.checks.seconds("oncall_window"))
            report = self.app.oncall.report(start, at, team=team)
            c = report.concentration
            night = max(c.people, key=lambda p: (p.night_pages, p.person), default=None)
            cache["oncall", team] = {
                "pages": c.pages,
                "top_responder": (c.top, c.top_share) if c.top and c.top_share else None,
                "night_pages": c.night_pages,
                "top_night": (night.person, night.night_share)
                if night is not None and night.night_share else None,
                "shifts": len(report.shifts),
                "over_limit_shifts": report.over_limit_shifts,
            }  # fmt: skip
        return cache["oncall", team]

    def _toil(self, team: str | None, at: dt.datetime, cache: PerTeam) -> dict[str, Any]:
        cap = self.config.toil.cap_percent / 100
        if team is None or team not in self.config.teams:
            return {"toil_cap": cap}
        if ("toil", team) not in cache:
            # Whole weeks only: the week `at` falls in is not over, and a partial week set
            # against a full week's capacity would understate the share.
            # Weeks are the config zone's: its Monday midnights, as the naive UTC times the
            # report takes (in summer time a UTC Monday midnight is already local Monday).
            weeks = self.config.checks.toil_weeks
            zone = zoneinfo.ZoneInfo(self.config.timezone)
            today = self.local_day(at)
            first, end = (
                dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)
                for day in (monday(today) - dt.timedelta(weeks=weeks), monday(today))
            )
            report = self.app.toil.report(first, end, team=team, today=today)
            measured = [w for w in report.weeks if w.total.entries]
            hours = sum(w.total.hours for w in measured)
            capacity = sum(w.total.capacity_hours for w in measured)
            cache["toil", team] = {
                "toil_weeks": len(measured),
                "toil_share": hours / capacity if capacity else None,
                "toil_weeks_over": sum(1 for w in measured if w.total.over_cap),
                "toil_cap": cap,
            }
        return cache["toil", team]

    def _postmortem_coverage(
        self, at: dt.datetime, library: Library
    ) -> tuple[set[int], dict[str, list[tuple[int, str]]]]:
        """The incidents post-mortems stand for, and per service its serious incidents of
        the replay window (severity up to `postmortem_severity`, or unrated)."""
        from basics.alerting.incidents import list_incidents

        start = at - dt.timedelta(seconds=self.config.checks.seconds("replay_window"))
        covered = self.app.postmortems.incidents_of(library)
        serious: dict[str, list[tuple[int, str]]] = {}
        limit = self.config.checks.postmortem_severity
        for incident in list_incidents(self.app.store, None, start, at):
            level = severity_level(incident.severity)
            if level is not None and level > limit:
                continue
            for service in incident.services:
                serious.setdefault(service, []).append((incident.id, incident.title))
        return covered, serious

    def _actions(self, today: dt.date, library: Library) -> dict[str, dict[str, Any]]:
        from basics.postmortems import compute as pm_compute

        found: dict[str, dict[str, Any]] = {}
        for pm, item in self.app.postmortems.actions(today, only_open=True, library=library):
            for service in pm.services:  # an item counts for every service of its post-mortem
                entry = found.setdefault(service, {"open_actions": 0, "overdue_actions": [],
                                                   "unowned_actions": []})  # fmt: skip
                entry["open_actions"] += 1
                if pm_compute.overdue(item, today):
                    entry["overdue_actions"].append(f"{pm.id}: {item.title}")
                if not item.owner:
                    entry["unowned_actions"].append(f"{pm.id}: {item.title}")
        return found

    def _dora(self, at: dt.datetime) -> dict[str, dict[str, Any]]:
        start = at - dt.timedelta(seconds=self.config.checks.seconds("deploys_window"))
        report = self.app.deploys.dora(start, at)
        return {
            d.service: {
                "deploys": d.deploys,
                "lead_time_n": d.lead_time_s.n,
                "change_failure_ratio": d.change_failure_rate.ratio,
            }
            for d in report.services
        }

    # -- history ---------------------------------------------------------------------------

    def local_day(self, at: dt.datetime) -> dt.date:
        """The day (in basics.yaml's time zone) a naive UTC time falls on: "today" for an
        action item's due date, an exception's end and the day a snapshot is kept under."""
        from basics.postmortems.compute import local_day

        return local_day(at, self.config.timezone)

    def _snapshot(self, report: CheckReport) -> None:
        """Keep the day's scorecard of each service (the latest run of the local day wins:
        `history` and the review's weeks are the config zone's)."""
        day = self.local_day(report.at)
        rows = [
            [card.service, day, report.at, card.verdict, card.passed, card.warned,
             card.failed, json.dumps(plain(card.checks))]
            for card in report.services
        ]  # fmt: skip
        with self.app.store.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO scorecards (service, day, checked_at, verdict, passed, "
                "warned, failed, checks) VALUES (?, ?, ?, ?, ?, ?, ?, ?::JSON)",
                rows,
            )

    def history(self, services: list[str] | None = None, weeks: int = 12) -> list[HistoryRow]:
        """Each service's scorecard week by week (the last snapshot of each ISO week), over
        the `weeks` calendar weeks that end with the newest week kept (a scorecard filled in
        for a week long past is not among the last weeks)."""
        ordered = self._weekly(services)
        if not ordered:
            return []
        newest = max(r.day for r in ordered)
        first = newest - dt.timedelta(days=newest.weekday() + 7 * (weeks - 1))
        return [r for r in ordered if r.day >= first]

    def week_verdicts(
        self, week: str, services: list[str] | None = None
    ) -> dict[str, Verdict | None]:
        """Each service's (or the named ones') verdict in one ISO week (`2026-W08`), as
        `history` gives it; None for a service with no snapshot that week: no data, not a
        pass."""
        monday = dt.date.fromisoformat(f"{week}-1")
        kept = {r.service: r.verdict for r in self._weekly(services, monday, monday + 7 * DAY)}
        return {name: kept.get(name) for name in services or self.config.services}

    def _weekly(
        self,
        services: list[str] | None,
        first: dt.date = dt.date.min,
        stop: dt.date = dt.date.max,
    ) -> list[HistoryRow]:
        """The last snapshot of each service and ISO week, of the days in [first, stop)."""
        rows = self.app.store.query(
            "SELECT service, day, verdict, passed, warned, failed, checks FROM scorecards "
            "WHERE (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], service)) "
            "AND day >= ? AND day < ? ORDER BY service, day",
            [services or [], services or [], first, stop],
        )
        last: dict[tuple[str, str], HistoryRow] = {}
        for service, day, verdict, passed, warned, failed, checks in rows:
            failing = [c["check"] for c in json.loads(checks) if c["verdict"] == "fail"]
            key = (service, iso_week(day))
            last[key] = HistoryRow(key[1], day, service, verdict, passed, warned, failed, failing)
        return sorted(last.values(), key=lambda r: (r.service, r.week))


def _kind(name: str, good: str) -> str:
    """An SLO's kind: by its name first (availability, latency), else by what its good-event
    expression reads (`duration_ms`: latency; `status`: availability)."""
    lowered = name.lower()
    if "avail" in lowered or "error" in lowered or "success" in lowered:
        return "availability"
    if "latenc" in lowered or "duration" in lowered or "speed" in lowered:
        return "latency"
    if "duration" in good:
        return "latency"
    if "status" in good:
        return "availability"
    return "other"


def worst_first(cards: list[Scorecard]) -> list[Scorecard]:
    """Scorecards, failing services first (then by name)."""
    from basics.catalog.models import RANK

    return sorted(cards, key=lambda c: (-RANK[c.verdict], -c.failed, -c.warned, c.service))
