"""On-call time from pages: engaged time, overlaps counted once, the cap, nights and days."""

from __future__ import annotations

import datetime as dt

from basics.oncall.models import Page
from basics.toil.engaged import derived_entries, oncall_loads, oncall_rows
from basics.toil.models import ONCALL

ZONES = {"alice": "Europe/London", "bob": "America/New_York", "kai": "Asia/Tokyo"}
CAP_S = 4 * 3600


def zone_of(person: str | None) -> str:
    return ZONES.get(person or "", "UTC")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def page(
    pid: str,
    responder: str | None,
    created: str,
    resolved: str | None = None,
    acknowledged: str | None = None,
    service: str | None = "api",
    alert: str = "HighErrorRate",
) -> Page:
    return Page(
        pid, "test", pid, pid, alert, service, "high", t(created),
        t(acknowledged) if acknowledged else None, t(resolved) if resolved else None, responder,
    )  # fmt: skip


def test_a_night_page_is_split_at_midnight_and_counted_as_one_night() -> None:
    # 23:30 to 00:45 UTC is the same on London's clock (GMT): 75 min, all in sleep hours,
    # 30 min on the 3rd and 45 min on the 4th; one night, the evening of the 3rd.
    rows = oncall_rows(
        [page("p1", "alice", "2026-03-03 23:30", "2026-03-04 00:45", "2026-03-03 23:35")],
        CAP_S, "Europe/London", zone_of,
    )  # fmt: skip
    entries = derived_entries(rows)
    assert [(e.person, e.day, e.minutes, e.category, e.derived) for e in entries] == [
        ("alice", dt.date(2026, 3, 3), 30.0, ONCALL, True),
        ("alice", dt.date(2026, 3, 4), 45.0, ONCALL, True),
    ]
    [load] = oncall_loads(rows)
    assert (load.person, load.pages, load.engaged_hours, load.night_hours, load.nights) == (
        "alice", 1, 1.25, 1.25, 1,
    )  # fmt: skip


def test_overlapping_pages_of_one_person_count_once() -> None:
    pages = [
        page("p1", "bob", "2026-03-03 14:00", "2026-03-03 15:00", service="api"),
        page("p2", "bob", "2026-03-03 14:30", "2026-03-03 15:30", service="payments"),
        page("p3", "bob", "2026-03-03 14:40", "2026-03-03 14:50", service="api"),  # inside p1
        page("p4", "alice", "2026-03-03 14:30", "2026-03-03 15:00"),  # someone else's
    ]
    rows = oncall_rows(pages, CAP_S, "Europe/London", zone_of)
    bob = {(e.service, e.minutes) for e in derived_entries(rows) if e.person == "bob"}
    # The union 14:00-15:30 is 90 min: p1 gives 60 (api), p2 the 30 after p1 (payments).
    assert bob == {("api", 60.0), ("payments", 30.0)}
    loads = {load.person: load for load in oncall_loads(rows)}
    # 09:00-10:30 in New York: business hours, no night.
    assert (loads["bob"].pages, loads["bob"].engaged_hours, loads["bob"].night_hours) == (3, 1.5, 0)
    assert loads["alice"].engaged_hours == 0.5


def test_each_page_counts_at_most_the_cap_and_unfinished_pages_until_acknowledged() -> None:
    pages = [
        page("open", "alice", "2026-03-02 10:00", "2026-03-05 10:00"),  # left open 3 days
        page("acked", "alice", "2026-03-02 16:00", acknowledged="2026-03-02 16:05"),
        page("silent", "alice", "2026-03-02 17:00"),  # neither: a page, no time
        page("nobody", None, "2026-03-02 18:00", "2026-03-02 19:00"),
    ]
    rows = oncall_rows(pages, CAP_S, "Europe/London", zone_of)
    [load] = oncall_loads(rows)
    # 4 h (the cap) + 5 min; three pages; the page with no responder is left out.
    assert (load.pages, load.engaged_hours) == (3, 4 + 5 / 60)


def test_sleep_hours_are_the_responders_own_and_days_the_reports() -> None:
    # 14:00-14:30 UTC is 23:00-23:30 in Tokyo: sleep hours for kai, the evening of the 3rd;
    # the day is the report's (London): the 3rd.
    rows = oncall_rows(
        [page("p1", "kai", "2026-03-03 14:00", "2026-03-03 14:30")], CAP_S, "Europe/London",
        zone_of,
    )  # fmt: skip
    [load] = oncall_loads(rows)
    assert (load.night_hours, load.nights) == (0.5, 1)
    assert [r.night for r in rows if r.minutes] == [dt.date(2026, 3, 3)]
    # Two pages on the same night (22:30 and 03:00 local) are one night; another night is two.
    rows = oncall_rows(
        [
            page("a", "alice", "2026-03-03 22:30", "2026-03-03 22:40"),
            page("b", "alice", "2026-03-04 03:00", "2026-03-04 03:10"),
            page("c", "alice", "2026-03-05 23:00", "2026-03-05 23:10"),
        ],
        CAP_S, "Europe/London", zone_of,
    )  # fmt: skip
    assert oncall_loads(rows)[0].nights == 2


def test_a_report_zone_east_of_utc_moves_the_day() -> None:
    # 23:30 UTC on the 3rd is 00:30 on the 4th in Berlin: the day is the 4th.
    rows = oncall_rows(
        [page("p1", "alice", "2026-03-03 23:30", "2026-03-03 23:50")], CAP_S, "Europe/Berlin",
        zone_of,
    )  # fmt: skip
    assert [(e.day, e.minutes) for e in derived_entries(rows)] == [(dt.date(2026, 3, 4), 20.0)]
