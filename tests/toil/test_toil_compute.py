"""Hand-computed and property tests for the pure toil arithmetic (DESIGN §4 "Toil").

Every expected number is worked out in the comments from the rules in
`basics.toil.compute`: share = hours / capacity hours, over the cap when strictly above
cap_percent of capacity, None (no data) when nothing was logged.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.core.clock import monday
from basics.toil import compute
from basics.toil.models import ONCALL, ToilEntry

W10, W11, W12 = dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)
TODAY = dt.date(2026, 3, 30)


def entry(
    person: str,
    day: dt.date,
    minutes: float,
    category: str = "interrupt",
    service: str | None = "api",
    description: str | None = "x",
    automatable: bool | None = None,
    ticket: str | None = None,
) -> ToilEntry:
    derived = category == ONCALL
    return ToilEntry(
        None if derived else 1, person, day, minutes, category, service, description, ticket,
        automatable, "oncall:pages" if derived else "toil:cli", None, derived,
    )  # fmt: skip


def team_scope(cap_percent: float = 50) -> compute.Scope:
    # Two people at 40 h a week: the team's capacity is 80 h a week.
    return compute.Scope(
        "payments", ("alice", "bob"), 80.0, 40.0, {"payments": (("alice", "bob"), 80.0)},
        cap_percent,
    )  # fmt: skip


WEEK_10 = [
    entry("alice", dt.date(2026, 3, 2), 90, description="Restarted queue 42", automatable=True,
          ticket="OPS-1"),
    entry("alice", dt.date(2026, 3, 3), 30, description="restarted queue 7!", automatable=True),
    entry("bob", dt.date(2026, 3, 4), 120, "manual-deploy", "payments", "Deployed by hand"),
    entry("alice", dt.date(2026, 3, 8), 60, ONCALL, "api", "HighErrorRate"),  # a Sunday
]  # fmt: skip
WEEK_11 = [
    # alice: 600 + 660 min = 21 h of her 40: above the 50 % cap (20 h).
    entry("alice", dt.date(2026, 3, 9), 600, "cleanup", None, "Cleaned up disks"),
    entry("alice", dt.date(2026, 3, 10), 660, "cleanup", None, "cleaned up disks"),
]


def test_a_week_of_known_entries_gives_exact_hours_and_shares() -> None:
    weeks = compute.weekly(WEEK_10, [W10], team_scope(), TODAY, "UTC")
    week = weeks[0]
    assert (week.week, week.complete) == ("2026-W10", True)
    # 90 + 30 + 120 + 60 min = 5 h of 80: 6.25 %.
    assert (week.total.hours, week.total.entries, week.total.share) == (5.0, 4, 0.0625)
    assert not week.total.over_cap
    assert week.oncall_hours == 1.0
    # alice 3 h of 40 (7.5 %), bob 2 h of 40 (5 %).
    assert [(p.name, p.hours, p.share) for p in week.people] == [
        ("alice", 3.0, 0.075),
        ("bob", 2.0, 0.05),
    ]
    assert [(t.name, t.hours, t.capacity_hours, t.share) for t in week.teams] == [
        ("payments", 5.0, 80.0, 0.0625)
    ]
    # Categories: interrupt 2 h, manual-deploy 2 h (ties by name), on-call 1 h (derived).
    assert [(c.name, c.hours, c.share_of_toil, c.derived) for c in week.categories] == [
        ("interrupt", 2.0, 0.4, False),
        ("manual-deploy", 2.0, 0.4, False),
        (ONCALL, 1.0, 0.2, True),
    ]
    assert [(s.name, s.hours, s.share_of_toil) for s in week.services] == [
        ("api", 3.0, 0.6),
        ("payments", 2.0, 0.4),
    ]


def test_over_the_cap_is_strict_and_a_week_without_entries_is_no_data() -> None:
    weeks = compute.weekly(WEEK_10 + WEEK_11, [W10, W11, W12], team_scope(), TODAY, "UTC")
    alice = weeks[1].people[0]
    assert (alice.name, alice.hours, alice.share, alice.over_cap) == ("alice", 21.0, 0.525, True)
    # The team: 21 h of 80 (26.25 %), under the cap; +16 h on the week before.
    assert (weeks[1].total.share, weeks[1].total.over_cap) == (0.2625, False)
    assert weeks[1].change_hours == 16.0
    # Nothing logged in W12: no share (never 0 %), no change.
    assert (weeks[2].total.hours, weeks[2].total.share, weeks[2].change_hours) == (0, None, None)
    assert weeks[2].teams[0].share is None
    # Nor over or under the cap: no data says neither.
    assert (weeks[2].total.over_cap, weeks[2].teams[0].over_cap) == (None, None)
    # Exactly at the cap is not over it: 20 h of 40.
    assert not compute.over_cap(20, 40, 50) and compute.over_cap(20.001, 40, 50)
    assert compute.over_cap(5, 80, 6.25) is False and compute.over_cap(5, 80, 6.2)


def test_weeks_over_the_cap_are_counted_per_person() -> None:
    # alice is over her cap in W11 only (21 h of 40); bob never (2 h in W10); nobody
    # logged in W12, so nobody is counted for it.
    weeks = compute.weekly(WEEK_10 + WEEK_11, [W10, W11, W12], team_scope(), TODAY, "UTC")
    assert compute.weeks_over_cap(weeks) == {"alice": 1, "bob": 0}
    twice = [*WEEK_11, entry("alice", dt.date(2026, 3, 16), 1260, "cleanup")]
    again = compute.weekly(twice, [W11, W12], team_scope(), TODAY, "UTC")
    assert compute.weeks_over_cap(again) == {"alice": 2}


def test_the_trend_compares_halves_of_complete_weeks_with_entries() -> None:
    weeks = compute.weekly(WEEK_10 + WEEK_11, [W10, W11, W12], team_scope(), TODAY, "UTC")
    trend = compute.trend(weeks)
    # W12 has no entries and is left out: halves are W10 (5 h) and W11 (21 h): +320 %.
    assert (trend.weeks, trend.first_half_hours_per_week, trend.second_half_hours_per_week) == (
        2, 5.0, 21.0,
    )  # fmt: skip
    assert trend.change_ratio == pytest.approx(3.2) and trend.direction == "rising"
    assert (trend.first_half_share, trend.second_half_share) == (0.0625, 0.2625)
    # W11 is not complete on 2026-03-12: only W10 is left, too few for a trend.
    early = compute.weekly(
        WEEK_10 + WEEK_11, [W10, W11], team_scope(), W11 + dt.timedelta(3), "UTC"
    )
    assert early[1].complete is False
    assert compute.trend(early).direction == "no_data"


def test_an_odd_count_of_weeks_leaves_the_middle_one_out() -> None:
    entries = [entry("alice", W10, 600), entry("alice", W11, 60), entry("alice", W12, 630)]
    weeks = compute.weekly(entries, [W10, W11, W12], team_scope(), TODAY, "UTC")
    trend = compute.trend(weeks)
    # First half W10: 10 h; second half W12: 10.5 h; +5 %: within ±10 %, flat.
    assert (trend.first_half_hours_per_week, trend.second_half_hours_per_week) == (10.0, 10.5)
    assert trend.direction == "flat"


def test_top_sources_and_automation_candidates() -> None:
    entries = WEEK_10 + WEEK_11
    sources = compute.top_sources(entries)
    # Descriptions group in lower case with digits as #: "Restarted queue 42" and
    # "restarted queue 7!" are one source, shown as the first seen (each wording once).
    assert [(s.category, s.service, s.description, s.hours, s.entries, s.people)
            for s in sources] == [
        ("cleanup", None, "Cleaned up disks", 21.0, 2, 1),
        ("interrupt", "api", "Restarted queue 42", 2.0, 2, 1),
        ("manual-deploy", "payments", "Deployed by hand", 2.0, 1, 1),
        (ONCALL, "api", "HighErrorRate", 1.0, 1, 1),
    ]  # fmt: skip
    assert sources[0].share_of_toil == pytest.approx(21 / 26)
    found = compute.candidates(entries, weeks=3)
    # Only the automatable queue restarts: 2 h over 3 weeks = 0.667 h a week.
    assert [(c.description, c.hours, c.entries, c.people, c.tickets) for c in found] == [
        ("Restarted queue 42", 2.0, 2, ["alice"], ["OPS-1"])
    ]
    assert found[0].hours_per_week == pytest.approx(2 / 3)


def test_weeks_are_iso_weeks_in_the_report_zone() -> None:
    assert monday(dt.date(2026, 3, 8)) == W10  # Sunday belongs to its Monday
    assert compute.mondays(dt.date(2026, 3, 4), dt.date(2026, 3, 10)) == [W10, W11]
    # Monday 00:00 in Berlin (CET, +1) is Sunday 23:00 UTC.
    assert compute.local_midnight(W10, "Europe/Berlin") == dt.datetime(2026, 3, 1, 23)
    # Across the spring change: 2026-03-30 00:00 in Berlin is CEST (+2).
    assert compute.local_midnight(dt.date(2026, 3, 30), "Europe/Berlin") == dt.datetime(
        2026, 3, 29, 22
    )


def test_the_whole_report_with_no_entries_says_no_data() -> None:
    scope = team_scope()
    report = compute.toil_report([], [W10], scope, TODAY, "UTC", compute.Filters(), [], 0, True)
    assert report.entries == 0 and report.total.share is None
    assert report.note is not None and "no data" in report.note
    assert [(p.name, p.share) for p in report.people] == [("alice", None), ("bob", None)]
    full = compute.toil_report(
        WEEK_10, [W10, W11], scope, TODAY, "UTC", compute.Filters(), [], 0, True
    )
    # Week 11 has no entries: no data, not a week without toil. 5 h over the one week with
    # entries, of 80 h: 6.25 % (not 3.125 % over two weeks); alice 3 h of her 40 h.
    assert full.weeks_with_entries == 1 and len(full.weeks) == 2
    assert (full.total.hours, full.total.capacity_hours, full.total.share) == (5.0, 80.0, 0.0625)
    assert (full.people[0].name, full.people[0].capacity_hours, full.people[0].share) == (
        "alice", 40.0, 0.075,
    )  # fmt: skip
    # Its 2 h over the one week with entries: 2 h a week (1 h over both weeks).
    assert [(c.description, c.hours, c.hours_per_week) for c in full.candidates] == [
        ("Restarted queue 42", 2.0, 2.0)
    ]
    assert full.cap == 0.5 and full.over_cap_weeks == 0


# --- properties -----------------------------------------------------------------------------

entries_strategy = st.lists(
    st.builds(
        entry,
        person=st.sampled_from(["alice", "bob", "carol"]),
        day=st.dates(min_value=W10, max_value=W12 + dt.timedelta(days=6)),
        minutes=st.floats(min_value=0.5, max_value=1440, allow_nan=False),
        category=st.sampled_from(["interrupt", "manual-deploy", ONCALL]),
        service=st.sampled_from(["api", "payments", None]),
        description=st.sampled_from(["Restart 1", "restart 2", "Deploy", None]),
        automatable=st.sampled_from([True, False, None]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(entries_strategy, st.floats(min_value=1, max_value=100))
def test_parts_sum_to_the_total_and_shares_are_never_negative(
    entries: list[ToilEntry], cap_percent: float
) -> None:
    weeks = compute.weekly(entries, [W10, W11, W12], team_scope(cap_percent), TODAY, "UTC")
    assert sum(w.total.entries for w in weeks) == len(entries)
    for week in weeks:
        for breakdown in (week.categories, week.services, week.people):
            assert math.isclose(
                sum(p.hours for p in breakdown), week.total.hours, rel_tol=1e-9, abs_tol=1e-9
            )
        loads = [week.total, *week.people, *week.teams]
        assert all((load.share is None) == (load.entries == 0) for load in loads)
        assert all(load.share is None or load.share >= 0 for load in loads)
        cap = cap_percent / 100
        for load in loads:
            if load.over_cap:
                assert load.share is not None and load.share >= cap * (1 - 1e-12)
            elif load.share is not None:
                assert load.share <= cap * (1 + 1e-12)
        shares = [p.share_of_toil for p in week.categories]
        assert all(s is not None and 0 <= s <= 1 for s in shares)


@settings(max_examples=100, deadline=None)
@given(entries_strategy, st.integers(min_value=1, max_value=12))
def test_candidates_give_back_their_hours_over_the_weeks(
    entries: list[ToilEntry], weeks: int
) -> None:
    found = compute.candidates(entries, weeks, limit=100)
    automatable = sum(e.minutes for e in entries if e.automatable) / 60
    assert math.isclose(sum(c.hours for c in found), automatable, rel_tol=1e-9, abs_tol=1e-9)
    assert all(math.isclose(c.hours_per_week * weeks, c.hours, rel_tol=1e-9) for c in found)
    assert [c.hours for c in found] == sorted((c.hours for c in found), reverse=True)
