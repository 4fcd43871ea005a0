"""Pages as columns: time classes over arrays, codes, responders filled from shifts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.oncall.columns import (
    ACTIONABLE,
    BUSINESS,
    NO_RESPONDER,
    NO_TIME,
    NOT_ACTIONABLE,
    OFF,
    SLEEP,
    UNCLASSIFIED,
    PageColumns,
    micros,
    on_call,
    time_classes,
    utc_offsets_us,
)
from basics.oncall.models import Page, Shift

# Zones with whole-hour, half-hour and 45-minute offsets, a half-hour daylight-saving step
# (Lord Howe), southern-hemisphere changes, and none at all.
ZONES = [
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "UTC",
]


def expected_class(moment_us: int, zone: str) -> int:
    """The rule read straight off zoneinfo's wall clock, one moment at a time."""
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=moment_us)
    local = utc.astimezone(zoneinfo.ZoneInfo(zone))
    if local.hour >= 22 or local.hour < 8:
        return SLEEP
    return BUSINESS if local.weekday() < 5 and local.hour < 18 else OFF


def expected_offset(moment_us: int, zone: str) -> int:
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=moment_us)
    offset = utc.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset // dt.timedelta(microseconds=1)


def test_offsets_and_classes_minute_by_minute_across_every_2026_change() -> None:
    start = micros(dt.datetime(2026, 1, 1))
    for zone in ZONES:
        # Every 7 minutes of the year in one array: many moments share each UTC hour,
        # including the hours in which the zone's offset changes.
        moments = np.arange(start, start + 365 * 86_400_000_000, 7 * 60_000_000, dtype=np.int64)
        offsets = utc_offsets_us(moments, zone)
        changes = np.flatnonzero(np.diff(offsets))
        steady = zone in ("Asia/Kolkata", "Asia/Kathmandu", "UTC")
        assert len(changes) == (0 if steady else 2), zone
        for index in changes:  # the moments either side of each change, one by one
            for row in (index, index + 1):
                assert offsets[row] == expected_offset(int(moments[row]), zone), zone
        sample = moments[::97]
        assert time_classes(sample, zone).tolist() == [
            expected_class(int(m), zone) for m in sample
        ], zone


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2037, 12, 31)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(ZONES),
)
def test_time_classes_of_an_array_are_each_moments_class(
    moments: list[dt.datetime], zone: str
) -> None:
    values = np.array([micros(m) for m in moments], dtype=np.int64)
    assert time_classes(values, zone).tolist() == [expected_class(int(v), zone) for v in values]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def page(
    created: str, responder: str | None, *, key: str = "k", source: str = "pagerduty", **more: str
) -> Page:
    return Page(
        id=f"{source}:{created}",
        source=source,
        source_id=created,
        incident_key=key,
        alert=more.get("alert", "Fire"),
        service=None,
        urgency=None,
        created_at=t(created),
        acknowledged_at=t(more["ack"]) if "ack" in more else None,
        resolved_at=t(more["resolved"]) if "resolved" in more else None,
        responder=responder,
        outcome=more.get("outcome"),
    )


def test_columns_from_pages_sorted_with_codes() -> None:
    zones = {"ana": "Europe/London", "ben": "America/New_York"}
    pages = [
        page("2026-03-02 23:30", "ben", key="b", outcome="not-actionable/duplicate"),
        page("2026-03-02 09:00", "ana", key="a", ack="2026-03-02 09:02", alert="Disk"),
        page(
            "2026-03-02 12:00",
            None,
            key="a",
            source="alertmanager",
            resolved="2026-03-02 12:10",
            outcome="actionable/service-issue",
        ),
        page("2026-03-03 01:00", "ana", key="c", outcome="made-up"),
    ]
    columns = PageColumns.from_pages(pages, lambda p: zones.get(p or "", "UTC"))

    assert columns.created.tolist() == [
        micros(t(text))
        for text in ("2026-03-02 09:00", "2026-03-02 12:00", "2026-03-02 23:30", "2026-03-03 01:00")
    ]
    assert columns.acknowledged.tolist()[0] == micros(t("2026-03-02 09:02"))
    assert columns.acknowledged.tolist()[1:] == [NO_TIME] * 3
    assert [columns.alerts[code] for code in columns.alert] == ["Disk", "Fire", "Fire", "Fire"]
    names = [None if c == NO_RESPONDER else columns.people[c] for c in columns.responder]
    assert names == ["ana", None, "ben", "ana"]
    assert len(set(columns.incident[[0, 1]].tolist())) == 1  # both incident "a"
    assert columns.outcome.tolist() == [UNCLASSIFIED, ACTIONABLE, NOT_ACTIONABLE, UNCLASSIFIED]
    assert columns.knowable.tolist() == [True, False, True, True]
    # 09:00 London Monday: business; 12:00 UTC for no responder: business; 23:30 UTC is
    # 18:30 in New York: off; 01:00 London: sleep.
    assert columns.time_class.tolist() == [BUSINESS, BUSINESS, OFF, SLEEP]
    assert len(columns.between(t("2026-03-02 12:00"), t("2026-03-03 01:00"))) == 2
    assert len(columns.with_responders_in(["ana", "zoe"])) == 2


def test_a_page_without_a_responder_gets_the_first_shift_covering_it() -> None:
    zones = {"ana": "Asia/Tokyo"}
    pages = [page("2026-03-02 12:00", None), page("2026-03-05 12:00", None)]
    shifts = [
        Shift("ben", "secondary", t("2026-03-02 00:00"), t("2026-03-09 00:00")),
        Shift("ana", "primary", t("2026-03-02 00:00"), t("2026-03-03 00:00")),
    ]
    columns = PageColumns.from_pages(pages, lambda p: zones.get(p or "", "UTC"), shifts)

    # Both shifts cover the first page and start together: "primary" sorts first.
    assert [columns.people[code] for code in columns.responder] == ["ana", "ben"]
    # 12:00 UTC is 21:00 in Tokyo for ana (off), and business in UTC for ben.
    assert columns.time_class.tolist() == [OFF, BUSINESS]


def test_who_is_on_call_is_the_first_shift_by_start_then_rotation() -> None:
    shifts = [
        Shift("cy", "b-secondary", t("2026-03-02 00:00"), t("2026-03-04 00:00")),
        Shift("bo", "a-primary", t("2026-03-02 00:00"), t("2026-03-03 00:00")),
        Shift("al", "a-primary", t("2026-03-01 00:00"), t("2026-03-02 00:00")),
    ]
    moments = ["2026-03-01 12:00", "2026-03-02 00:00", "2026-03-03 06:00", "2026-03-05 00:00"]
    values = np.array([micros(t(m)) for m in moments], dtype=np.int64)

    # al's shift ends as bo's and cy's start together: bo's rotation sorts first; from
    # 03-03 only cy covers; nobody on 03-05.
    assert on_call(values, shifts) == ["al", "bo", "cy", None]
