"""SLOService over a real store: every figure checked against a naive recount in Python.

The events are deterministic: four days around the end of March 2026 (London changes to
BST on 2026-03-29 and starts April at 2026-03-31T23:00Z), a six-hour outage of one user
("acme"), health checks that fail but are not valid events, a planned maintenance hour
excluded by a correction, and a second service whose events must never leak in.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.clock import iso_utc
from basics.core.errors import InputError, NotFoundError
from basics.core.sketch import RELATIVE_ERROR
from basics.slo.compute import BURN_WINDOWS_S
from basics.slo.models import Counts, SLOStatus

LONDON = zoneinfo.ZoneInfo("Europe/London")
START = dt.datetime(2026, 3, 28, 12, 0)
OUTAGE = (dt.datetime(2026, 3, 31, 8, 0), dt.datetime(2026, 3, 31, 14, 0))
MAINTENANCE = (dt.datetime(2026, 3, 30, 10, 0), dt.datetime(2026, 3, 30, 11, 0))
DEPLOY = dt.datetime(2026, 3, 30, 0, 0)
MINUTE = dt.timedelta(minutes=1)
OTHER_USERS = [f"u{i:02d}" for i in range(1, 30)]

CONFIG = """
timezone: Europe/London
store: basics.duckdb
sources:
  api:
    format: jsonl
services:
  www:
    owner: team-web
    slos:
      availability:
        objective: 99
        window: 7d
        good: status < 500
        valid: operation != "/health"
      latency:
        objective: 95
        window: 7d
        good: duration_ms <= 300
        budgeting: timeslices
        slice: 1m
        slice_target: 90
      monthly:
        objective: 99.5
        window: month
        good: status < 500
        valid: operation != "/health"
    corrections:
      - {from: "2026-03-30T10:00:00Z", to: "2026-03-30T11:00:00Z", reason: planned maintenance}
  api:
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
"""


@dataclass(frozen=True)
class Event:
    """One event as the test wrote it (naive UTC time)."""

    ts: dt.datetime
    service: str
    operation: str | None
    user: str
    status: int
    duration_ms: float | None
    attrs: dict[str, str] = field(default_factory=dict)

    def record(self) -> str:
        data: dict[str, object] = {
            "ts": self.ts.isoformat() + "Z",
            "service": self.service,
            "user": self.user,
            "status": self.status,
            "attrs": self.attrs,
        }
        if self.operation is not None:
            data["operation"] = self.operation
        if self.duration_ms is not None:
            data["duration_ms"] = self.duration_ms
        return json.dumps(data)


def make_events() -> list[Event]:
    """About 4,000 www events over four days plus a few hundred failing api events."""
    rng = random.Random(20260328)
    events = []
    t = START
    for _ in range(4000):
        gap = rng.choice([1, 3, 10, 30, 60, 120, 180, 240, 200])
        t += dt.timedelta(seconds=gap, microseconds=rng.randrange(1_000_000))
        operation = rng.choices(["/pay", "/list", "/health", None], [50, 35, 12, 3])[0]
        user = "acme" if rng.random() < 0.2 else rng.choice(OTHER_USERS)
        roll = rng.random()
        status = rng.choice([500, 502]) if roll < 0.006 else 404 if roll < 0.05 else 200
        if operation == "/health" and rng.random() < 0.2:
            status = 500
        if user == "acme" and OUTAGE[0] <= t < OUTAGE[1]:
            status = 503
        if MAINTENANCE[0] <= t < MAINTENANCE[1]:
            status = 500
        duration = None if rng.random() < 0.01 else round(rng.lognormvariate(4.6, 0.6), 3)
        attrs = {"region": rng.choice(["eu", "us"]), "version": "v1" if t < DEPLOY else "v2"}
        events.append(Event(t, "www", operation, user, status, duration, attrs))
    for i in range(300):
        ts = START + dt.timedelta(minutes=17 * i, seconds=7)
        events.append(Event(ts, "api", "/pay", "acme", 500, 5000.0, {"region": "mars"}))
    return events


EVENTS = make_events()
WWW = [e for e in EVENTS if e.service == "www"]


# --- the naive recount --------------------------------------------------------------------


def corrected(e: Event) -> bool:
    return MAINTENANCE[0] <= e.ts < MAINTENANCE[1]


def available_valid(e: Event) -> bool:
    # a missing operation is not "!= /health": missing values never match (SQL NULL)
    return e.operation is not None and e.operation != "/health" and not corrected(e)


@dataclass(frozen=True)
class Spec:
    """How the test itself reads one SLO."""

    objective: Fraction
    valid: Callable[[Event], bool]
    good: Callable[[Event], bool]
    timeslices: bool = False


SPECS = {
    "www/availability": Spec(Fraction(99), available_valid, lambda e: e.status < 500),
    "www/latency": Spec(
        Fraction(95),
        lambda e: not corrected(e),
        lambda e: e.duration_ms is not None and e.duration_ms <= 300,
        timeslices=True,
    ),
    "www/monthly": Spec(Fraction(995, 10), available_valid, lambda e: e.status < 500),
}


def floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def valid_events(spec: Spec, start: dt.datetime, end: dt.datetime) -> Iterator[Event]:
    return (e for e in WWW if start <= e.ts < end and spec.valid(e))


def recount(spec: Spec, start: dt.datetime, end: dt.datetime) -> Counts:
    """Good/total events (or good/total one-minute slices) with start <= ts < end."""
    if not spec.timeslices:
        chosen = list(valid_events(spec, start, end))
        return Counts(len(chosen), sum(spec.good(e) for e in chosen))
    per_minute: dict[dt.datetime, list[bool]] = defaultdict(list)
    for e in valid_events(spec, start, end):
        per_minute[floor_minute(e.ts)].append(spec.good(e))
    good_slices = sum(sum(goods) * 100 >= 90 * len(goods) for goods in per_minute.values())
    return Counts(len(per_minute), good_slices)


def share(spec: Spec) -> Fraction:
    return 1 - spec.objective / 100


def naive_burn(spec: Spec, c: Counts) -> float | None:
    return None if c.total == 0 else float(Fraction(c.bad, c.total) / share(spec))


def month_start(end: dt.datetime) -> dt.datetime:
    local = end.replace(tzinfo=dt.UTC).astimezone(LONDON)
    if local.day == 1 and local.time() == dt.time(0):
        local -= dt.timedelta(days=1)
    first = dt.datetime(local.year, local.month, 1, tzinfo=LONDON)
    return first.astimezone(dt.UTC).replace(tzinfo=None)


def window_start(name: str, end: dt.datetime) -> dt.datetime:
    if name == "www/monthly":
        return month_start(end)
    return end - dt.timedelta(days=7)


def expect_status(name: str, end: dt.datetime) -> dict[str, object]:
    """Everything status() should say about one SLO, recounted from the events."""
    spec = SPECS[name]
    start = window_start(name, end)
    total = recount(spec, start, end)
    last_hour = recount(spec, end - dt.timedelta(hours=1), end)
    allowed = share(spec) * total.total
    if total.total == 0:
        status = "no_data"
    elif total.bad >= allowed:
        status = "exhausted"
    elif last_hour.bad > share(spec) * last_hour.total:
        status = "burning"
    else:
        status = "ok"
    if total.total == 0:
        exhaustion = None
    elif total.bad >= allowed:
        exhaustion = 0.0  # already spent, whatever the last hour did
    elif last_hour.bad == 0:
        exhaustion = None
    else:
        exhaustion = float((allowed - total.bad) / last_hour.bad * 3600)
    return {
        "window_start": start,
        "window_end": end,
        "counts": total,
        "sli": None if total.total == 0 else total.good / total.total,
        "allowed": allowed,
        "consumed": None if total.total == 0 else float(total.bad / allowed),
        "burn_rates": {
            w: naive_burn(spec, recount(spec, end - dt.timedelta(seconds=s), end))
            for w, s in BURN_WINDOWS_S.items()
        },
        "time_to_exhaustion_s": exhaustion,
        "status": status,
    }


def close(value: float | None, expected: object, rel: float = 1e-12) -> bool:
    """Equal within `rel`, or both missing."""
    if value is None or expected is None:
        return value is expected
    assert isinstance(expected, float | int)
    return math.isclose(value, expected, rel_tol=rel)


def assert_status_matches(result: SLOStatus, end: dt.datetime) -> None:
    want = expect_status(result.slo, end)
    assert result.window_start == want["window_start"]
    assert result.window_end == want["window_end"]
    assert result.counts == want["counts"]
    assert close(result.sli, want["sli"])
    assert Fraction(result.budget.total) == want["allowed"]
    assert close(result.budget.consumed, want["consumed"])
    if result.budget.consumed is not None:
        assert close(result.budget.remaining, 1 - result.budget.consumed)
    burn_rates = want["burn_rates"]
    assert isinstance(burn_rates, dict)
    assert result.burn_rates.keys() == burn_rates.keys()
    for window, rate in result.burn_rates.items():
        assert close(rate, burn_rates[window]), window
    assert close(result.time_to_exhaustion_s, want["time_to_exhaustion_s"], rel=1e-9)
    assert result.status == want["status"]


# --- the store ---------------------------------------------------------------------------


def build_app(folder: Path, batches: Iterable[list[Event]], config: str = CONFIG) -> App:
    path = folder / "basics.yaml"
    path.write_text(config, encoding="utf-8")
    app = App(parse_config(config, path))
    for i, batch in enumerate(batches):
        events_file = folder / f"events-{i}.jsonl"
        events_file.write_text("".join(e.record() + "\n" for e in batch), encoding="utf-8")
        result = app.ingest_events("api", str(events_file))
        assert (result.status, result.accepted, result.rejected) == ("applied", len(batch), 0)
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    application = build_app(tmp_path_factory.mktemp("slo"), [EVENTS])
    yield application
    application.close()


NEWEST = max(e.ts for e in EVENTS)
LATEST = floor_minute(NEWEST) + MINUTE


def test_the_data_has_what_the_tests_need() -> None:
    # a month boundary (London) between the first and the last event, an outage, rejects none
    assert START < dt.datetime(2026, 3, 31, 23, 0) < NEWEST < dt.datetime(2026, 4, 2)
    in_outage = [e for e in WWW if e.user == "acme" and OUTAGE[0] <= e.ts < OUTAGE[1]]
    assert len(in_outage) > 30
    assert sum(1 for e in WWW if corrected(e)) > 10
    assert any(e.operation is None for e in WWW)


# --- status --------------------------------------------------------------------------------


def test_status_at_latest_equals_a_naive_recount(app: App) -> None:
    results = app.slo.status("latest")
    assert [r.slo for r in results] == [
        "www/availability",
        "www/latency",
        "www/monthly",
        "api/availability",
    ]
    for result in results[:3]:
        assert_status_matches(result, LATEST)
        assert result.note is None
    availability = results[0]
    assert availability.service == "www"
    assert availability.objective == Decimal(99)
    assert availability.window == "7d"
    assert availability.budgeting == "occurrences"
    assert availability.counts.bad > availability.budget.total  # the outage spent it
    assert availability.status == "exhausted"


def test_each_service_s_newest_event_is_its_own(app: App) -> None:
    """What the note beside an empty window names: each service's own newest event (api's
    stop before www's), none for a service without events, not past `latest`."""
    found, newest = app.slo.newest_of(["www", "api", "db"])
    assert found is not None and found.event_at == NEWEST
    expected = {s: max(e.ts for e in EVENTS if e.service == s) for s in ("www", "api")}
    assert newest == expected
    assert app.slo.newest_of([]) == (found, {})


def test_at_latest_is_the_minute_after_the_newest_event(app: App) -> None:
    found = app.slo.latest()
    assert found is not None and found.event_at == NEWEST
    assert app.slo.resolve_at("latest") == LATEST
    assert app.slo.resolve_at(dt.datetime(2026, 3, 30, 12, 34, 56, 789)) == dt.datetime(
        2026, 3, 30, 12, 34
    )
    for result in app.slo.status("latest"):
        assert result.window_end == LATEST
    # the newest event counts: it is in the last minute of the window
    assert app.slo.status("latest")[3].counts.total == 300


def test_at_latest_with_an_empty_store(tmp_path: Path) -> None:
    empty = build_app(tmp_path, [])
    try:
        with pytest.raises(InputError, match="the store has no events yet"):
            empty.slo.status("latest")
        results = empty.slo.status(dt.datetime(2026, 3, 30))
        assert {r.status for r in results} == {"no_data"}
        assert {r.note for r in results} == {
            "no events in this window: the store has none yet (basics ingest events FILE)"
        }
    finally:
        empty.close()


AT_TIMES = [
    dt.datetime(2026, 3, 28, 12, 30),  # thirty minutes of data
    dt.datetime(2026, 3, 29, 1, 0),  # the DST change
    dt.datetime(2026, 3, 30, 10, 30),  # inside the correction
    dt.datetime(2026, 3, 30, 11, 15),
    dt.datetime(2026, 3, 31, 11, 0, 30),  # mid-outage (floored to 11:00)
    dt.datetime(2026, 3, 31, 14, 20),
    dt.datetime(2026, 3, 31, 23, 0),  # exactly the start of April in London
    dt.datetime(2026, 3, 31, 23, 1),
    dt.datetime(2026, 4, 3, 6, 0),  # after the data: the short windows are empty
]


@pytest.mark.parametrize("at", AT_TIMES, ids=lambda t: t.isoformat())
def test_every_burn_rate_window_equals_a_naive_recount(app: App, at: dt.datetime) -> None:
    for result in app.slo.status(at)[:3]:
        assert_status_matches(result, floor_minute(at))


def test_calendar_window_start_in_the_config_time_zone(app: App) -> None:
    monthly = app.slo.status("latest")[2]
    assert monthly.window == "month"
    assert monthly.window_start == dt.datetime(2026, 3, 31, 23, 0)  # April 1, 00:00 BST
    march = app.slo.status(dt.datetime(2026, 3, 31, 23, 0))[2]
    assert march.window_start == dt.datetime(2026, 3, 1, 0, 0)  # March 1, 00:00 GMT
    assert march.counts == recount(SPECS["www/monthly"], START, dt.datetime(2026, 3, 31, 23))
    april = app.slo.status(dt.datetime(2026, 3, 31, 23, 1))[2]
    assert april.window_start == dt.datetime(2026, 3, 31, 23, 0)


def test_no_data_suggests_at_latest(app: App) -> None:
    later = dt.datetime(2026, 5, 20, 0, 0)
    for result in app.slo.status(later)[:3]:
        assert result.status == "no_data"
        assert result.counts == Counts(0, 0)
        assert result.sli is None
        assert result.budget.consumed is None
        assert result.budget.remaining is None
        assert result.time_to_exhaustion_s is None
        assert set(result.burn_rates.values()) == {None}
        assert result.note is not None
        assert "try --at latest" in result.note
        assert NEWEST.isoformat() + "Z" in result.note
    assert app.slo.status(later)[2].window_start == dt.datetime(2026, 4, 30, 23, 0)


def test_before_any_data_is_no_data_never_one_hundred_percent(app: App) -> None:
    for result in app.slo.status(dt.datetime(2026, 3, 1))[:3]:
        assert result.status == "no_data"
        assert result.sli is None


def test_timeslices_count_minutes(app: App) -> None:
    latency = app.slo.status("latest")[1]
    assert latency.budgeting == "timeslices"
    minutes = {
        floor_minute(e.ts) for e in WWW if not corrected(e) and LATEST - e.ts <= dt.timedelta(7)
    }
    assert latency.counts.total == len(minutes)
    assert latency.counts.total < len([e for e in WWW if not corrected(e)])  # slices, not events
    # a slice with one slow event of two is bad (50 % < 90 %), one of ten is good (90 %)
    assert latency.counts == recount(SPECS["www/latency"], LATEST - dt.timedelta(7), LATEST)
    assert 0 < latency.counts.bad < latency.counts.total


def test_corrections_are_excluded(app: App) -> None:
    at = dt.datetime(2026, 3, 30, 11, 0)
    availability = app.slo.status(at)[0]
    in_maintenance = [
        e for e in WWW if corrected(e) and e.operation not in (None, "/health") and e.ts < at
    ]
    assert len(in_maintenance) > 10
    assert all(e.status == 500 for e in in_maintenance)
    assert availability.burn_rates["1h"] is None  # the whole last hour is corrected away
    uncorrected = [
        e for e in WWW if e.ts < at and e.operation is not None and e.operation != "/health"
    ]
    assert availability.counts.total == len(uncorrected) - len(in_maintenance)
    assert availability.counts.bad == sum(e.status >= 500 for e in uncorrected) - len(
        in_maintenance
    )


# --- breakdowns ----------------------------------------------------------------------------


def naive_breakdown(
    key: Callable[[Event], str | None], start: dt.datetime, end: dt.datetime
) -> tuple[dict[str | None, tuple[int, int]], int, int]:
    spec = SPECS["www/availability"]
    per_value: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for e in valid_events(spec, start, end):
        per_value[key(e)][0] += not spec.good(e)
        per_value[key(e)][1] += 1
    bad_all = sum(b for b, _ in per_value.values())
    total_all = sum(t for _, t in per_value.values())
    return {v: (b, t) for v, (b, t) in per_value.items()}, bad_all, total_all


def ordered_values(per_value: dict[str | None, tuple[int, int]]) -> list[str | None]:
    return sorted(per_value, key=lambda v: (-per_value[v][0], -per_value[v][1], v is None, v or ""))


@pytest.mark.parametrize("top", [1, 5, 100])
def test_breakdown_by_user_equals_a_naive_recount(app: App, top: int) -> None:
    result = app.slo.breakdown("www/availability", "user", end="latest", top=top)
    start = LATEST - dt.timedelta(days=7)
    per_user, bad_all, total_all = naive_breakdown(lambda e: e.user, start, LATEST)
    assert (result.start, result.end) == (start, LATEST)
    assert (result.bad, result.total) == (bad_all, total_all)
    assert result.distinct_values == len(per_user) == 30
    expected = ordered_values(per_user)[:top]
    assert [c.value for c in result.contributors] == expected
    assert result.contributors[0].value == "acme"
    for c in result.contributors:
        bad, total = per_user[c.value]
        assert (c.bad, c.total) == (bad, total)
        assert c.share_of_bad == pytest.approx(bad / bad_all)
        assert c.share_of_all == pytest.approx(total / total_all)
        assert c.over_representation == pytest.approx((bad / bad_all) / (total / total_all))
    acme = result.contributors[0]
    assert acme.over_representation is not None and acme.over_representation > 2


def test_breakdown_over_the_outage_only(app: App) -> None:
    result = app.slo.breakdown("www/availability", "user", OUTAGE[0], OUTAGE[1], top=3)
    per_user, bad_all, total_all = naive_breakdown(lambda e: e.user, *OUTAGE)
    assert (result.start, result.end) == OUTAGE
    assert (result.bad, result.total) == (bad_all, total_all)
    assert result.contributors[0].value == "acme"
    assert result.contributors[0].bad == per_user["acme"][0] == per_user["acme"][1]
    assert result.contributors[0].share_of_bad == pytest.approx(per_user["acme"][0] / bad_all)


@pytest.mark.parametrize("name", ["region", "version"])
def test_breakdown_by_an_attribute(app: App, name: str) -> None:
    result = app.slo.breakdown("www/availability", f"attrs.{name}", end="latest")
    per_value, bad_all, total_all = naive_breakdown(
        lambda e: e.attrs[name], LATEST - dt.timedelta(days=7), LATEST
    )
    assert result.dimension == f"attrs.{name}"
    assert (result.bad, result.total, result.distinct_values) == (bad_all, total_all, 2)
    assert [(c.value, c.bad, c.total) for c in result.contributors] == [
        (v, *per_value[v]) for v in ordered_values(per_value)
    ]


def test_breakdown_by_operation_counts_only_valid_events(app: App) -> None:
    result = app.slo.breakdown("www/availability", "operation", end="latest")
    assert {c.value for c in result.contributors} == {"/pay", "/list"}
    assert result.distinct_values == 2


def test_breakdown_rejects_unknown_dimensions_and_slos(app: App) -> None:
    with pytest.raises(InputError, match='cannot break down by "colour"'):
        app.slo.breakdown("www/availability", "colour", end="latest")
    with pytest.raises(NotFoundError) as error:
        app.slo.breakdown("www/nope", "user", end="latest")
    assert str(error.value) == (
        'no SLO "www/nope" (known: www/availability, www/latency, www/monthly, api/availability)'
    )
    with pytest.raises(InputError, match="must be before"):
        app.slo.breakdown("www/availability", "user", OUTAGE[1], OUTAGE[0])


def naive_gap_score(per_value: dict[str | None, tuple[int, int]]) -> float:
    bad_all = sum(b for b, _ in per_value.values())
    good_all = sum(t - b for b, t in per_value.values())
    return max(b / bad_all - (t - b) / good_all for b, t in per_value.values())


DIMENSIONS: dict[str, Callable[[Event], str | None]] = {
    "user": lambda e: e.user,
    "operation": lambda e: e.operation,
    "attrs.region": lambda e: e.attrs["region"],
    "attrs.version": lambda e: e.attrs["version"],
}


def test_breakdown_auto_ranks_the_user_of_a_one_user_outage_first(app: App) -> None:
    results = app.slo.breakdown_auto("www/availability", end="latest")
    dimensions = [b.dimension for b in results]
    assert dimensions[0] == "user"
    assert results[0].contributors[0].value == "acme"
    # status is what the SLI reads: it explains bad events by definition, so it is left out
    assert sorted(dimensions) == sorted(DIMENSIONS)
    assert "status" not in dimensions
    start = LATEST - dt.timedelta(days=7)
    for b in results:
        per_value, bad_all, total_all = naive_breakdown(DIMENSIONS[b.dimension], start, LATEST)
        assert (b.bad, b.total, b.distinct_values) == (bad_all, total_all, len(per_value))
        assert b.score == pytest.approx(naive_gap_score(per_value))
        assert [c.value for c in b.contributors] == ordered_values(per_value)[:3]
    scores = [b.score for b in results]
    assert scores == sorted(scores, reverse=True)


def test_breakdown_auto_over_the_outage_keeps_the_user_first(app: App) -> None:
    results = app.slo.breakdown_auto("www/availability", OUTAGE[0], OUTAGE[1], top=1)
    assert results[0].dimension == "user"
    assert [c.value for c in results[0].contributors] == ["acme"]


SKEW_CONFIG = """
sources:
  api:
    format: jsonl
services:
  shop:
    slos:
      availability:
        objective: 99
        window: 30d
        good: status < 500
"""


def skewed_events() -> list[Event]:
    """A big region with most bad events but even more good ones, and a small broken one."""
    events = []
    t = dt.datetime(2026, 3, 2, 12, 0)
    for region, total, bad in (("big", 900, 85), ("small", 20, 15)):
        for i in range(total):
            t += dt.timedelta(seconds=1)
            status = 500 if i < bad else 200
            events.append(Event(t, "shop", "/buy", "u1", status, 10.0, {"region": region}))
    return events


def test_breakdown_auto_score_is_over_every_value_not_only_the_top(tmp_path: Path) -> None:
    # big: 85 of 100 bad, 815 of 820 good -> gap -0.144; small: 15 % of bad, 0.6 % of good
    shop = build_app(tmp_path, [skewed_events()], SKEW_CONFIG)
    try:
        end = dt.datetime(2026, 3, 3)
        wide = app_score(shop, end, top=3)
        narrow = app_score(shop, end, top=1)
        expected = 15 / 100 - 5 / 820
        assert wide == pytest.approx(expected)
        assert narrow == pytest.approx(expected)
    finally:
        shop.close()


def app_score(shop: App, end: dt.datetime, top: int) -> float | None:
    results = shop.slo.breakdown_auto("shop/availability", end=end, top=top)
    (region,) = [b for b in results if b.dimension == "attrs.region"]
    return region.score


# --- cost ----------------------------------------------------------------------------------


def test_cost_of_fifteen_seconds_of_outage(app: App) -> None:
    spec = SPECS["www/availability"]
    outage_events = [e for e in valid_events(spec, *OUTAGE) if e.status == 503]
    start = outage_events[5].ts.replace(microsecond=0) - dt.timedelta(seconds=5)
    end = start + dt.timedelta(seconds=15)
    cost = app.slo.cost("www/availability", start, end)
    in_interval = recount(spec, start, end)
    assert in_interval.bad >= 1
    assert (cost.start, cost.end) == (start, end)
    assert cost.counts == in_interval
    # the window's budget: the 7 days ending at the interval's end, in whole minutes
    window_end = floor_minute(end) + MINUTE
    assert (cost.window_start, cost.window_end) == (window_end - dt.timedelta(7), window_end)
    allowed = share(spec) * recount(spec, window_end - dt.timedelta(7), window_end).total
    assert Fraction(cost.budget_total) == allowed
    assert cost.share_of_budget == pytest.approx(float(in_interval.bad / allowed), rel=1e-12)


def test_cost_of_a_corrected_interval_is_nothing(app: App) -> None:
    cost = app.slo.cost("www/availability", MAINTENANCE[0], MAINTENANCE[1])
    assert cost.counts == Counts(0, 0)
    assert cost.share_of_budget == 0.0


def test_cost_needs_an_ordered_interval(app: App) -> None:
    with pytest.raises(InputError, match="must be before"):
        app.slo.cost("www/availability", OUTAGE[1], OUTAGE[0])


def test_cost_of_a_timeslices_slo_is_in_slices(app: App) -> None:
    spec = SPECS["www/latency"]
    start = dt.datetime(2026, 3, 28, 12, 0)
    cost = app.slo.cost("www/latency", start, LATEST)
    slices = recount(spec, start, LATEST)
    allowed = share(spec) * recount(spec, LATEST - dt.timedelta(7), LATEST).total
    assert Fraction(cost.budget_total) == allowed  # the allowance is in slices...
    assert cost.counts == slices  # ...so the interval must be counted in slices too
    assert cost.share_of_budget == pytest.approx(float(slices.bad / allowed))


# --- history -------------------------------------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON).date()


def local_days(
    start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """Each London day touching [start, end), with its bounds (naive UTC) clipped to the range."""
    days = []
    day = local_day(start)
    while True:
        first = dt.datetime.combine(day, dt.time(0), LONDON).astimezone(dt.UTC)
        after = dt.datetime.combine(day + dt.timedelta(1), dt.time(0), LONDON).astimezone(dt.UTC)
        lo, hi = first.replace(tzinfo=None), after.replace(tzinfo=None)
        if lo >= end:
            return days
        days.append((day, max(lo, start), min(hi, end)))
        day += dt.timedelta(1)


def test_history_per_day_in_the_config_time_zone(app: App) -> None:
    spec = SPECS["www/availability"]
    periods = app.slo.history("www/availability", "day", end="latest")
    # Every day of the 7-day window is listed, the three before the first event as no data.
    days = local_days(LATEST - dt.timedelta(days=7), LATEST)
    assert [d for d, _, _ in days] == [dt.date(2026, 3, d) for d in range(25, 32)] + [
        dt.date(2026, 4, 1)
    ]
    assert len(periods) == len(days)
    for period, (day, _, _) in zip(periods[:3], days[:3], strict=True):
        assert (period.counts.total, period.sli, period.met) == (0, None, None), day
    periods, days = periods[3:], days[3:]
    for period, (day, start, end) in zip(periods, days, strict=True):
        counts = recount(spec, start, end)
        assert period.counts == counts, day
        assert period.sli == pytest.approx(counts.good / counts.total)
        assert period.met is (counts.bad <= share(spec) * counts.total)
        assert period.budget_consumed == pytest.approx(
            float(counts.bad / (share(spec) * counts.total))
        )
    met = {day: period.met for period, (day, _, _) in zip(periods, days, strict=True)}
    assert met[dt.date(2026, 3, 31)] is False  # the outage
    assert met[dt.date(2026, 3, 29)] is True
    # March 29 had 23 hours in London, and the hour after 23:00 UTC on March 31 is April's
    assert days[1][2] - days[1][1] == dt.timedelta(hours=23)
    assert days[4][1] == dt.datetime(2026, 3, 31, 23, 0)


def test_history_per_day_local_dates(app: App) -> None:
    periods = app.slo.history("www/availability", "day", end="latest")
    assert [p.label for p in periods][:4] == [f"2026-03-{d}" for d in (25, 26, 27, 28)]


def test_history_period_starts_are_utc_instants(app: App) -> None:
    periods = app.slo.history("www/availability", "day", end="latest")
    days = local_days(LATEST - dt.timedelta(days=7), LATEST)
    # the first period is clipped to the window, the others start at local midnight
    assert periods[0].start == LATEST - dt.timedelta(days=7)
    assert [p.start for p in periods[1:]] == [start for _, start, _ in days[1:]]
    assert periods[5].start == dt.datetime(2026, 3, 29, 23, 0)  # March 30, 00:00 BST


def test_history_of_a_timeslices_slo_counts_slices(app: App) -> None:
    spec = SPECS["www/latency"]
    periods = app.slo.history("www/latency", "day", end="latest")
    days = local_days(LATEST - dt.timedelta(days=7), LATEST)
    assert [p.counts for p in periods] == [recount(spec, start, end) for _, start, end in days]


# --- series --------------------------------------------------------------------------------


def steps_of(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    starts = []
    while start < end:
        starts.append(start)
        start += step
    return starts


@pytest.mark.parametrize("name", ["www/availability", "www/latency", "www/monthly"])
def test_series_per_hour_over_the_window_recounts_every_step(app: App, name: str) -> None:
    spec = SPECS[name]
    (series,) = app.slo.series([name], end="latest")
    start, hour = window_start(name, LATEST), dt.timedelta(hours=1)
    assert (series.start, series.end, series.step_s) == (start, LATEST, 3600)
    assert series.starts == steps_of(start, LATEST, hour)
    # (a one-minute slice counts in the step it starts in, so the recount holds for slices)
    expected = [recount(spec, t, min(t + hour, LATEST)) for t in series.starts]
    assert [Counts(t, g) for t, g in zip(series.total, series.good, strict=True)] == expected
    assert series.bad == [c.bad for c in expected]
    assert series.sli == [None if c.total == 0 else c.good / c.total for c in expected]
    assert series.burn_rate == pytest.approx([naive_burn(spec, c) for c in expected])
    if start < START:  # hours before the first event are listed, as no data
        assert (series.total[0], series.sli[0], series.burn_rate[0]) == (0, None, None)


def test_series_budget_burns_down_to_what_status_says(app: App) -> None:
    found = {s.slo: s for s in app.slo.series(list(SPECS), end="latest")}
    for status in app.slo.status("latest"):
        if status.slo not in SPECS:
            continue
        series = found[status.slo]
        spec = SPECS[status.slo]
        allowed = share(spec) * recount(spec, status.window_start, LATEST).total
        assert Fraction(series.budget_total) == allowed == Fraction(status.budget.total)
        spent = 0
        for bad, left in zip(series.bad, series.budget_remaining, strict=True):
            spent += bad
            assert left == pytest.approx(float(1 - spent / allowed))
        assert series.budget_remaining[-1] == status.budget.remaining


def test_series_of_a_range_in_days_counts_from_its_start(app: App) -> None:
    spec = SPECS["www/availability"]
    start, day = dt.datetime(2026, 3, 29, 6, 30, 15), dt.timedelta(days=1)
    (series,) = app.slo.series(["www/availability"], start, LATEST, step_s=86400)
    begin = floor_minute(start)
    assert series.starts == steps_of(begin, LATEST, day)
    assert [Counts(t, g) for t, g in zip(series.total, series.good, strict=True)] == [
        recount(spec, t, min(t + day, LATEST)) for t in series.starts
    ]
    # the budget is still the window's ending at `end`, as `cost` reads it
    assert (
        Fraction(series.budget_total) == share(spec) * recount(spec, LATEST - 7 * day, LATEST).total
    )


def test_series_refuses_odd_steps_and_empty_ranges(app: App) -> None:
    with pytest.raises(InputError, match="whole number of minutes"):
        app.slo.series(["www/availability"], end="latest", step_s=90)
    with pytest.raises(InputError, match="must be before"):
        app.slo.series(["www/availability"], LATEST, LATEST)
    with pytest.raises(InputError, match="at most"):
        app.slo.series(["www/availability"], START - dt.timedelta(days=30), LATEST, step_s=60)
    with pytest.raises(NotFoundError):
        app.slo.series(["www/nope"], end="latest")


# --- percentiles ---------------------------------------------------------------------------


PERCENTILE_RANGE = (floor_minute(START), LATEST)


def naive_percentiles(key: Callable[[Event], str | None]) -> dict[str | None, list[float]]:
    groups: dict[str | None, list[float]] = defaultdict(list)
    for e in WWW:
        if e.duration_ms is not None and PERCENTILE_RANGE[0] <= e.ts < PERCENTILE_RANGE[1]:
            groups[key(e)].append(e.duration_ms)
    return {k: sorted(v) for k, v in groups.items()}


def at_rank(values: list[float], q: float) -> float:
    # Nearest rank, as DuckDB's quantile_disc: 0-based ceil(q * n) - 1.
    return values[max(math.ceil(Decimal(str(q)) * len(values)) - 1, 0)]


QS = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}


@pytest.mark.parametrize("by", ["operation", "service"])
def test_sketch_percentiles_within_relative_error(app: App, by: str) -> None:
    report = app.slo.percentiles("www", by, *PERCENTILE_RANGE)  # type: ignore[arg-type]
    assert (report.method, report.relative_error) == ("sketch", RELATIVE_ERROR)
    naive = naive_percentiles(lambda e: e.operation if by == "operation" else e.service)
    assert [g.group for g in report.groups] == sorted(naive, key=lambda k: -len(naive[k]))
    for group in report.groups:
        values = naive[group.group]
        assert group.count == len(values)
        for name, q in QS.items():
            got, exact = group.percentiles_ms[name], at_rank(values, q)
            assert got is not None
            assert abs(got - exact) <= RELATIVE_ERROR * exact * (1 + 1e-9), (group.group, name)


def test_exact_percentiles_counts_and_order(app: App) -> None:
    report = app.slo.percentiles("www", "operation", *PERCENTILE_RANGE, exact=True)
    assert (report.method, report.relative_error) == ("exact", 0.0)
    naive = naive_percentiles(lambda e: e.operation)
    assert {g.group: g.count for g in report.groups} == {k: len(v) for k, v in naive.items()}
    assert [g.count for g in report.groups] == sorted(
        (len(v) for v in naive.values()), reverse=True
    )
    for group in report.groups:
        assert set(group.percentiles_ms) == set(QS)
        for value in group.percentiles_ms.values():
            assert value in naive[group.group]  # a real duration, not an interpolation


def test_exact_percentiles_are_at_the_documented_rank(app: App) -> None:
    report = app.slo.percentiles("www", "operation", *PERCENTILE_RANGE, exact=True)
    naive = naive_percentiles(lambda e: e.operation)
    for group in report.groups:
        for name, q in QS.items():
            assert group.percentiles_ms[name] == at_rank(naive[group.group], q)


def test_sketch_within_relative_error_of_the_exact_report(app: App) -> None:
    exact = app.slo.percentiles("www", "operation", *PERCENTILE_RANGE, exact=True)
    sketch = app.slo.percentiles("www", "operation", *PERCENTILE_RANGE)
    exact_by = {g.group: g for g in exact.groups}
    for group in sketch.groups:
        truth = exact_by[group.group]
        assert group.count == truth.count
        for name in QS:
            got, want = group.percentiles_ms[name], truth.percentiles_ms[name]
            assert got is not None and want is not None
            assert abs(got - want) <= RELATIVE_ERROR * want * (1 + 1e-9), (group.group, name)


def test_percentiles_of_an_empty_range(app: App) -> None:
    empty = (dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 2))
    assert app.slo.percentiles("www", "service", *empty).groups == []
    assert app.slo.percentiles("www", "service", *empty, exact=True).groups == []
    with pytest.raises(InputError, match="must be before"):
        app.slo.percentiles("www", "service", empty[1], empty[0])


# --- late data -----------------------------------------------------------------------------


def test_late_data_in_a_second_batch_is_rolled_up(tmp_path: Path) -> None:
    # every third event arrives in a later batch, into minutes already rolled up
    early = [e for i, e in enumerate(EVENTS) if i % 3]
    late = [e for i, e in enumerate(EVENTS) if not i % 3]
    split = build_app(tmp_path, [early, late])
    try:
        for at in (LATEST, dt.datetime(2026, 3, 31, 11, 0)):
            for result in split.slo.status(at)[:3]:
                assert_status_matches(result, at)
    finally:
        split.close()


def test_a_changed_definition_rebuilds_the_rollups(tmp_path: Path) -> None:
    first = build_app(tmp_path, [EVENTS])
    first.close()
    # 404 now counts as bad too: the stored per-minute counts no longer match the definition
    changed = CONFIG.replace(
        '        good: status < 500\n        valid: operation != "/health"\n      latency',
        '        good: status < 400\n        valid: operation != "/health"\n      latency',
    )
    assert changed != CONFIG
    path = tmp_path / "basics.yaml"
    path.write_text(changed, encoding="utf-8")
    second = App(parse_config(changed, path))
    try:
        availability = second.slo.status("latest")[0]
        chosen = list(valid_events(SPECS["www/availability"], LATEST - dt.timedelta(7), LATEST))
        assert availability.counts == Counts(len(chosen), sum(e.status < 400 for e in chosen))
        assert (
            availability.counts.bad
            > recount(SPECS["www/availability"], LATEST - dt.timedelta(7), LATEST).bad
        )
        # the other SLOs of the service are unchanged
        assert_status_matches(second.slo.status("latest")[1], LATEST)
    finally:
        second.close()


def test_a_breakdown_by_an_attribute_no_event_has_names_the_ones_they_have(app: App) -> None:
    """`--by attrs.regoin` would read as one value, "(none)", holding every bad event."""
    with pytest.raises(NotFoundError) as error:
        app.slo.breakdown("www/availability", "attrs.regoin", end="latest")
    window = app.slo.breakdown("www/availability", "attrs.region", end="latest")
    assert str(error.value) == (
        f"no event of www from {iso_utc(window.start)} to {iso_utc(window.end)} has the "
        'attribute "regoin" (theirs: region, version)'
    )
    # The deploys' look for a version that jumps takes its absence as no jump.
    from basics.deploys.changes import version_jumps

    assert version_jumps(app.slo, "api/availability", window.start, window.end) == []


def test_service_events_do_not_leak_between_services(app: App) -> None:
    api = app.slo.status("latest")[3]
    assert api.counts == Counts(300, 0)
    www = app.slo.breakdown("www/availability", "attrs.region", end="latest")
    assert "mars" not in {c.value for c in www.contributors}
    assert Counter(e.service for e in EVENTS) == {"www": 4000, "api": 300}
