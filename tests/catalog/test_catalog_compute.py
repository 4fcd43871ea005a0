"""The scorecard's judgements on facts built by hand: each check's verdict at and around its
line, the figure it reports, exceptions and their expiry, and the CI gate's levels."""

from __future__ import annotations

import datetime as dt

import pytest

from basics.catalog import compute
from basics.catalog.compute import Facts, ReplayFacts
from basics.config.checks import CHECKS, CheckException, ChecksSettings

AT = dt.datetime(2026, 3, 3)
SETTINGS = ChecksSettings()
ONE = frozenset({1})


def good() -> Facts:
    """A service measured on every basic."""
    return Facts(
        service="api", owner="payments", team="payments",
        slos={"availability": "availability", "latency": "latency"},
        newest_event=AT - dt.timedelta(minutes=5),
        replays=[ReplayFacts("api/availability", 2, 1.0, 4, 1, 3.0, frozenset({1, 2}),
                             frozenset({1, 2}))],
        paging_slos=2, runbook="https://runbooks/api", rotation=("primary", 3),
        oncall_team="payments", pages=40, top_responder=("ana", 0.4), night_pages=10,
        top_night=("bo", 0.5), shifts=8, over_limit_shifts=0, serious_incidents=2,
        incidents_recorded=5, postmortems_written=3,
        deploys=30, lead_time_n=80, change_failure_ratio=0.1, toil_team="payments",
        toil_weeks=4, toil_share=0.3, toil_cap=0.5,
    )  # fmt: skip


def verdicts(f: Facts, s: ChecksSettings = SETTINGS) -> dict[str, str]:
    return {c.check: c.verdict for c in compute.scorecard(f, s, AT).checks}


def test_a_measured_service_passes_every_check() -> None:
    card = compute.scorecard(good(), SETTINGS, AT)
    assert [c.check for c in card.checks] == list(CHECKS)
    assert card.verdict == "pass" and (card.passed, card.warned, card.failed) == (14, 0, 0)
    assert all(c.fix is None for c in card.checks)  # no fix offered for what passes


@pytest.mark.parametrize(
    ("change", "check", "verdict", "measured"),
    [
        ({"slos": {"latency": "latency"}}, "slo.availability", "fail",
         "no availability SLO among 1 SLO"),
        ({"newest_event": AT - dt.timedelta(hours=24)}, "slo.receiving", "pass",
         "newest event 24 h before 2026-03-03 00:00"),
        ({"newest_event": AT - dt.timedelta(hours=24, seconds=1)}, "slo.receiving", "fail",
         "newest event 24 h before 2026-03-03 00:00"),
        ({"newest_event": None}, "slo.receiving", "fail",
         "no events counted by its SLOs before 2026-03-03 00:00"),
        # 6 false pages in 3 months = 2.0 a month: at the line, not over it
        ({"replays": [ReplayFacts("api/a", 1, 1.0, 7, 6, 3.0, ONE, ONE)]}, "alerts.replay", "pass",
         "recall 100% of 1 incident; 2.0 false pages/month (worst: api/a), last 90d"),
        ({"replays": [ReplayFacts("api/a", 1, 1.0, 8, 7, 3.0, ONE, ONE)]}, "alerts.replay", "fail",
         "recall 100% of 1 incident; 2.3 false pages/month (worst: api/a), last 90d"),
        ({"replays": [ReplayFacts("api/a", 2, 0.5, 1, 0, 3.0, frozenset({1, 2}), ONE)]},
         "alerts.replay", "warn",
         "recall 50% of 2 incidents; 0.0 false pages/month (worst: api/a), last 90d"),
        ({"replays": [ReplayFacts("api/a", 0, None, 0, 0, 3.0)]}, "alerts.replay", "warn",
         "no incident in the window to catch; 0.0 false pages/month (worst: api/a), last 90d"),
        # No events: nothing replayed, no rate (it said 0.0 false pages a month).
        ({"replays": [ReplayFacts("api/a", 0, None, 0, 0, 0.0)]}, "alerts.replay", "warn",
         "no events in the last 90d: no alert to replay (no data)"),
        # Two false pages in two hours of events are not rated as 730 a month ...
        ({"replays": [ReplayFacts("api/a", 1, 1.0, 3, 2, 2 / 730.485, ONE, ONE)]},
         "alerts.replay", "warn", "recall 100% of 1 incident; 2 false pages in 0.1 days of "
         "events (worst: api/a): under a week, not rated per month"),
        # ... but three, over a month's allowance of two, fail in any span.
        ({"replays": [ReplayFacts("api/a", 1, 1.0, 4, 3, 6 / 30, ONE, ONE)]},
         "alerts.replay", "fail", "recall 100% of 1 incident; 3 false pages in 6.0 days of "
         "events (worst: api/a): under a week, not rated per month"),
        ({"incidents_recorded": 0, "serious_incidents": 0}, "postmortems.coverage", "warn",
         "no incident recorded at all: what needs a post-mortem is unknown (no data)"),
        ({"postmortems_written": 0}, "postmortems.actions", "warn",
         "no post-mortem written: no action item to follow (no data)"),
        ({"owner": None}, "owner", "fail", "no owner"),
        ({"runbook": None}, "runbook", "fail", "2 paging SLOs, no runbook"),
        ({"runbook": None, "paging_slos": 0}, "runbook", "pass", "no paging alert"),
        ({"rotation": ("solo", 1)}, "oncall.rotation", "fail", "rotation solo: 1 person"),
        ({"rotation": None, "team": None}, "oncall.rotation", "fail",
         "no rotation takes its pages (no `oncall:`, no owning team)"),
        # 50 % is the line: more than half fails
        ({"top_night": ("bo", 0.5)}, "oncall.concentration", "pass",
         "ana 40% of 40 pages; bo 50% of 10 night pages"),
        ({"top_night": ("bo", 0.51)}, "oncall.concentration", "fail",
         "ana 40% of 40 pages; bo 51% of 10 night pages"),
        ({"over_limit_shifts": 2}, "oncall.load", "warn",
         "2 of 8 shifts over 2 incidents per 12 h"),
        ({"over_limit_shifts": 3}, "oncall.load", "fail",
         "3 of 8 shifts over 2 incidents per 12 h"),
        ({"without_postmortem": ["db down"]}, "postmortems.coverage", "fail",
         "1 of 2 incidents has one; missing: db down"),
        ({"open_actions": 2, "unowned_actions": ["PM-1: x"]}, "postmortems.actions", "warn",
         "2 open: 0 overdue, 1 without owner (e.g. PM-1: x)"),
        ({"open_actions": 2, "overdue_actions": ["PM-2: y"]}, "postmortems.actions", "fail",
         "2 open: 1 overdue (e.g. PM-2: y), 0 without owner"),
        ({"deploys": 0}, "deploys.recorded", "fail", "0 deploys in the last 90d"),
        ({"lead_time_n": 0}, "deploys.dora", "warn",
         "change failure rate known, lead time unknown: no commits recorded"),
        ({"toil_share": 0.5}, "toil.cap", "pass",
         "team payments: 50% of capacity over 4 weeks, 0 weeks over the cap"),
        ({"toil_share": 0.45, "toil_weeks_over": 1}, "toil.cap", "warn",
         "team payments: 45% of capacity over 4 weeks, 1 week over the cap"),
        ({"toil_share": 0.5001}, "toil.cap", "fail",
         "team payments: 50% of capacity over 4 weeks, 0 weeks over the cap"),
        ({"toil_weeks": 0, "toil_share": None}, "toil.cap", "warn",
         "no toil measured for team payments"),
    ],
)  # fmt: skip
def test_each_check_at_and_around_its_line(
    change: dict[str, object], check: str, verdict: str, measured: str
) -> None:
    from dataclasses import replace

    found = {c.check: c for c in compute.scorecard(replace(good(), **change), SETTINGS, AT).checks}
    assert (found[check].verdict, found[check].measured) == (verdict, measured)
    if verdict != "pass":
        assert found[check].fix  # every problem says how to fix it


def test_an_exception_holds_until_it_expires_then_fails() -> None:
    from dataclasses import replace

    facts = replace(good(), runbook=None)
    until = dt.date(2026, 3, 3)
    exception = CheckException(
        service="api", check="runbook", reason="runbooks move to the wiki", until=until
    )
    held = ChecksSettings(exceptions=[exception])
    card = compute.scorecard(facts, held, AT)
    runbook = next(c for c in card.checks if c.check == "runbook")
    assert runbook.verdict == "excepted"
    assert runbook.exception == "until 2026-03-03: runbooks move to the wiki"
    assert card.verdict == "pass"  # an excepted check does not fail the service
    later = compute.scorecard(facts, held, AT + dt.timedelta(days=1))
    expired = next(c for c in later.checks if c.check == "runbook")
    assert expired.verdict == "fail" and expired.exception is not None
    assert expired.exception.startswith("expired 2026-03-03")


def test_skipped_checks_are_not_judged() -> None:
    card = compute.scorecard(good(), ChecksSettings(skip=["toil.cap", "deploys.dora"]), AT)
    assert "toil.cap" not in {c.check for c in card.checks} and len(card.checks) == 12


def test_unknown_check_ids_are_refused_in_config() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r'unknown check "tool\.cap"'):
        ChecksSettings(skip=["tool.cap"])


@pytest.mark.parametrize(
    ("verdict", "level", "fails"),
    [("pass", "warn", False), ("excepted", "warn", False), ("warn", "warn", True),
     ("warn", "fail", False), ("fail", "fail", True), ("fail", None, False)],
)  # fmt: skip
def test_the_gate_levels(verdict: compute.Verdict, level: str | None, fails: bool) -> None:
    assert compute.fails_on(verdict, level) is fails


def test_recall_counts_an_incident_caught_by_any_slo_of_the_service() -> None:
    from dataclasses import replace

    both = frozenset({1, 2})
    replays = [ReplayFacts("api/availability", 2, 0.5, 1, 0, 3.0, both, frozenset({1})),
               ReplayFacts("api/latency", 2, 0.5, 1, 0, 3.0, both, frozenset({2}))]  # fmt: skip
    found = {c.check: c for c in compute.scorecard(replace(good(), replays=replays), SETTINGS,
                                                    AT).checks}  # fmt: skip
    assert found["alerts.replay"].verdict == "pass"
    assert found["alerts.replay"].measured.startswith("recall 100% of 2 incidents")


def test_false_pages_a_month_count_only_the_months_with_data() -> None:
    from dataclasses import replace

    # 3 false pages in the 10 days of data there are: 9.0 a month, not 1 over 90 days
    ten_days = ReplayFacts("api/a", 0, None, 3, 3, 10 / 30, frozenset(), frozenset())
    found = {c.check: c for c in compute.scorecard(replace(good(), replays=[ten_days]),
                                                    SETTINGS, AT).checks}  # fmt: skip
    assert found["alerts.replay"].verdict == "fail"
    assert "9.0 false pages/month" in found["alerts.replay"].measured


def test_a_few_pages_are_too_few_to_judge_concentration() -> None:
    from dataclasses import replace

    few = replace(good(), pages=1, top_responder=("ana", 1.0), night_pages=1,
                  top_night=("ana", 1.0))  # fmt: skip
    found = {c.check: c for c in compute.scorecard(few, SETTINGS, AT).checks}
    assert found["oncall.concentration"].verdict == "pass"
    assert "too few to judge (under 10)" in found["oncall.concentration"].measured
    none = {c.check: c for c in compute.scorecard(replace(good(), rotation=None), SETTINGS,
                                                   AT).checks}  # fmt: skip
    assert none["oncall.concentration"].verdict == "warn"  # not measured is not a pass
