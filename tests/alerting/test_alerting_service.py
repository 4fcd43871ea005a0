"""AlertingService over a real store: replays and evaluations checked to the minute.

The events are deterministic. `www` has five events a minute (one every 12 s) from
2026-03-01 to 2026-03-06 and three error episodes on 2026-03-04, every event failing:

* A  01:00–01:02  a blip nobody filed an incident for (a false alarm),
* B  08:00–08:02  a blip customers reported at 07:40–07:50 (matched only thanks to grace),
* O  15:00–15:30  an outage, filed as 15:00–15:30,

plus an incident at 2026-03-05T06:00 with no errors at all (undetected) and one on
another service at the time of A (which must not count for www). `admin` has one event
every ten minutes and five failures at 12:01–12:05: far too little traffic for the
`guarded` policy's min_events. `batch` runs 09:00–09:30 with its last ten minutes
failing, then goes silent: its `sticky` policy keeps state on no data.

Every expected time below is worked out by hand in the comments, from the exact rule:
a tier fires at the end of a minute when bad × q > p × total over both windows ending
with that minute, p/q = factor × (1 − objective).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from basics.alerting import service as alerting_service
from basics.alerting.incidents import add_incident, list_incidents
from basics.alerting.models import Firing, Replay
from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import ConfigError, InputError, NotFoundError

DAY = dt.datetime(2026, 3, 4)
DATA_START = dt.datetime(2026, 3, 1)
DATA_END = dt.datetime(2026, 3, 6)
RANGE = (DAY, DATA_END)  # two days; the 3 d lookback starts exactly at DATA_START
WWW_ERRORS = [
    (DAY.replace(hour=1), DAY.replace(hour=1, minute=2)),  # A
    (DAY.replace(hour=8), DAY.replace(hour=8, minute=2)),  # B
    (DAY.replace(hour=15), DAY.replace(hour=15, minute=30)),  # O
]
ADMIN_FAILURES = [DAY.replace(hour=12, minute=m, second=10) for m in range(1, 6)]
BATCH_START = DAY.replace(hour=9)

CONFIG = """\
timezone: UTC
store: basics.duckdb
sources:
  api:
    format: jsonl
services:
  www:
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
  admin:
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        alert_policy: guarded
  batch:
    slos:
      jobs:
        objective: 99.9
        window: 30d
        good: status < 500
        alert_policy: sticky
alerting:
  grace: 15m
  policies:
    guarded:
      description: the Workbook's page tier, but never on fewer than 100 events an hour
      min_events: 100
      tiers:
        - {long: 1h, short: 5m, burn_rate: 14.4}
    sticky:
      no_data: keep
      tiers:
        - {long: 10m, burn_rate: 1, severity: ticket}
"""


def at(hour: int, minute: int, day: dt.datetime = DAY) -> dt.datetime:
    return day.replace(hour=hour, minute=minute)


def make_events() -> list[dict[str, object]]:
    events: list[dict[str, object]] = []

    def add(ts: dt.datetime, service: str, status: int) -> None:
        events.append({"ts": ts.isoformat() + "Z", "service": service, "status": status})

    ts = DATA_START
    while ts < DATA_END:
        failing = any(start <= ts < end for start, end in WWW_ERRORS)
        add(ts, "www", 503 if failing else 200)
        if ts.second == 0 and ts.minute % 10 == 0:
            add(ts + dt.timedelta(seconds=30), "admin", 200)
        ts += dt.timedelta(seconds=12)
    for moment in ADMIN_FAILURES:
        add(moment, "admin", 500)
    for minute in range(30):
        add(
            BATCH_START + dt.timedelta(minutes=minute, seconds=20),
            "batch",
            500 if minute >= 20 else 200,
        )
    return events


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    root = tmp_path_factory.mktemp("alerting")
    path = root / "basics.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    events = root / "events.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in make_events()), encoding="utf-8")
    application = App(parse_config(CONFIG, path))
    result = application.ingest_events("api", str(events))
    assert result.rejected == 0
    assert result.accepted == 5 * 1440 * 5 + 6 * 24 * 5 + 5 + 30
    # Added out of time order, so ids and the replay's oldest-first order differ.
    add_incident(application.store, ["www"], at(15, 0), at(15, 30), "checkout outage", "SEV1")
    add_incident(application.store, ["www"], at(7, 40), at(7, 50), "customers see errors")
    add_incident(
        application.store,
        ["www"],
        at(6, 0, DAY + dt.timedelta(days=1)),
        at(6, 20, DAY + dt.timedelta(days=1)),
        "pages slow, no errors",
    )
    add_incident(application.store, ["api"], at(1, 0), at(1, 10), "api only")
    yield application
    application.close()


OUTAGE_ID, B_ID, QUIET_ID, API_ID = 1, 2, 3, 4


def by_times(replay: Replay) -> list[tuple[str, dt.datetime, dt.datetime | None, int | None, bool]]:
    return [(f.tier, f.start, f.reset, f.incident, f.suppressed) for f in replay.firings]


# --- incidents ----------------------------------------------------------------------------


def test_incidents_are_listed_oldest_first_and_by_service(app: App) -> None:
    everything = list_incidents(app.store)
    assert [i.id for i in everything] == [API_ID, B_ID, OUTAGE_ID, QUIET_ID]
    www = list_incidents(app.store, "www")
    assert [i.id for i in www] == [B_ID, OUTAGE_ID, QUIET_ID]
    outage = next(i for i in www if i.id == OUTAGE_ID)
    assert outage.services == ("www",)
    assert (outage.start, outage.end) == (at(15, 0), at(15, 30))
    assert (outage.title, outage.severity, outage.source) == ("checkout outage", "SEV1", "manual")
    # Overlapping a range is half-open on both sides.
    assert [i.id for i in list_incidents(app.store, "www", at(7, 50), at(15, 0))] == []
    assert [i.id for i in list_incidents(app.store, "www", at(7, 49), at(15, 1))] == [
        B_ID,
        OUTAGE_ID,
    ]


def test_incidents_are_validated(app: App) -> None:
    with pytest.raises(InputError, match="at least one --service"):
        add_incident(app.store, [], at(1, 0), at(2, 0), "x")
    with pytest.raises(InputError, match="must be after its start"):
        add_incident(app.store, ["www"], at(2, 0), at(2, 0), "x")
    with pytest.raises(InputError, match="needs a --title"):
        add_incident(app.store, ["www"], at(1, 0), at(2, 0), "   ")


# --- replay with the Workbook policy -------------------------------------------------------

# 1h/5m (14.4): 5 bad in a 300-event hour already fires (5000 > 4320); it resets once
# the 5 m window holds no bad minute. 6h/30m (6): needs > 10.8 bad in 1800 -> the outage's
# third minute; A and B alone never fire it, and they are > 6 h apart. 3d/6h (1): needs
# > 21.6 bad in 21,600; A + B = 20 are not enough, A + B + the outage's first minute are;
# it resets 6 h after the outage's last bad minute.
WORKBOOK_FIRINGS = [
    ("1h/5m", at(1, 1), at(1, 7), None, False),  # A, a false alarm
    ("1h/5m", at(8, 1), at(8, 7), B_ID, False),  # B: [07:25, 08:05) with grace
    ("1h/5m", at(15, 1), at(15, 35), OUTAGE_ID, False),
    ("3d/6h", at(15, 1), at(21, 30), OUTAGE_ID, False),
    ("6h/30m", at(15, 3), at(16, 0), OUTAGE_ID, False),
]


@pytest.fixture(scope="module")
def workbook(app: App) -> Replay:
    return app.alerting.replay("www/availability", *RANGE)


def test_replay_firings_start_and_reset_at_minute_ends(workbook: Replay) -> None:
    assert workbook.slo == "www/availability"
    assert workbook.policy == "workbook"
    assert (workbook.start, workbook.end) == RANGE
    assert by_times(workbook) == WORKBOOK_FIRINGS


def test_replay_firing_details(workbook: Replay) -> None:
    first = workbook.firings[0]
    assert first == Firing(
        tier="1h/5m",
        severity="page",
        long_window="1h",
        short_window="5m",
        factor=14.4,
        start=at(1, 1),
        reset=at(1, 7),
        # The hour ending with the blip's second minute: 10 bad of 300 -> 33.3x.
        peak_burn_rate=pytest.approx(10 / 300 / 0.001),
        # No incident: the long window before detection, [00:01, 01:01), holds 5 bad; the
        # 30 d window ending 01:01 holds (3 days + 61 min) × 5 events -> 21.905 allowed.
        budget_spent_before_detection=pytest.approx(5 / 21.905),
        incident=None,
        suppressed=False,
        already_firing=False,
    )
    details = {(f.tier, f.start): f for f in workbook.firings}
    ticket = details["3d/6h", at(15, 1)]
    assert (ticket.severity, ticket.long_window, ticket.short_window, ticket.factor) == (
        "ticket",
        "3d",
        "6h",
        1.0,
    )
    assert ticket.peak_burn_rate == pytest.approx(170 / 21600 / 0.001)
    # Spent since the incident's start: 5 bad in [15:00, 15:01) of (3 d + 901 min) × 5.
    assert ticket.budget_spent_before_detection == pytest.approx(5 / 26.105)
    six = details["6h/30m", at(15, 3)]
    assert (six.severity, six.factor) == ("page", 6.0)
    assert six.peak_burn_rate == pytest.approx(150 / 1800 / 0.001)
    assert six.budget_spent_before_detection == pytest.approx(15 / 26.115)
    page = details["1h/5m", at(15, 1)]
    assert page.peak_burn_rate == pytest.approx(150 / 300 / 0.001)
    grace_matched = details["1h/5m", at(8, 1)]
    # Since the incident's start, [07:40, 08:01): the 5 bad events of 08:00.
    assert grace_matched.budget_spent_before_detection == pytest.approx(5 / 24.005)


def test_replay_judges_the_policy_on_the_incidents(workbook: Replay) -> None:
    assert [i.id for i in workbook.incidents] == [B_ID, OUTAGE_ID, QUIET_ID]  # www only
    assert workbook.precision == pytest.approx(4 / 5)
    assert workbook.false_firings == 1
    assert workbook.recall == pytest.approx(2 / 3)
    delays = workbook.detection_delay_s
    assert delays.per_incident == {B_ID: 1260.0, OUTAGE_ID: 60.0, QUIET_ID: None}
    assert delays.median == 60.0  # nearest rank of [60, 1260]
    assert delays.p90 == 1260.0
    assert workbook.firings_per_week == pytest.approx(5 / (2 / 7))


def test_grace_is_what_matches_the_early_report(app: App) -> None:
    tight = parse_config(CONFIG.replace("grace: 15m", "grace: 10m"), Path("basics.yaml"))
    replay = App(tight, app.store).alerting.replay("www/availability", *RANGE)
    # [08:01, 08:07) vs [07:30, 08:00): no overlap any more.
    assert [f.incident for f in replay.firings] == [None, None, OUTAGE_ID, OUTAGE_ID, OUTAGE_ID]
    assert replay.precision == pytest.approx(3 / 5)
    assert replay.recall == pytest.approx(1 / 3)
    assert replay.detection_delay_s.per_incident == {
        B_ID: None,
        OUTAGE_ID: 60.0,
        QUIET_ID: None,
    }
    assert replay.detection_delay_s.median == replay.detection_delay_s.p90 == 60.0


@pytest.mark.parametrize("zero", ["0", "0m", "0s"])
def test_no_grace_is_a_grace_of_zero(app: App, zero: str) -> None:
    """`grace: 0m` was refused as "expected a duration such as 30s, 5m…, found "0m"": strict
    matching could not be said. With none, a firing catches only an incident it starts in:
    the outage's firings still do (they start inside it), the early report's do not."""
    strict = parse_config(CONFIG.replace("grace: 15m", f"grace: {zero}"), Path("basics.yaml"))
    assert strict.alerting.grace_s == 0
    replay = App(strict, app.store).alerting.replay("www/availability", *RANGE)
    assert [f.incident for f in replay.firings] == [None, None, OUTAGE_ID, OUTAGE_ID, OUTAGE_ID]


def test_replay_of_a_sub_range_reports_a_firing_still_active_at_its_end(app: App) -> None:
    replay = app.alerting.replay("www/availability", at(14, 0), at(15, 20))
    assert by_times(replay) == [
        ("1h/5m", at(15, 1), None, OUTAGE_ID, False),
        ("3d/6h", at(15, 1), None, OUTAGE_ID, False),
        ("6h/30m", at(15, 3), None, OUTAGE_ID, False),
    ]
    assert replay.precision == 1.0
    assert replay.recall == 1.0
    assert replay.firings_per_week == pytest.approx(3 / (80 / (7 * 1440)))


def test_replay_range_is_floored_to_minutes(app: App) -> None:
    replay = app.alerting.replay(
        "www/availability",
        at(14, 0) + dt.timedelta(seconds=59),
        at(15, 20) + dt.timedelta(seconds=30),
    )
    assert (replay.start, replay.end) == (at(14, 0), at(15, 20))


def test_replay_accepts_latest(app: App) -> None:
    replay = app.alerting.replay("www/availability", DAY, "latest")
    assert replay.end == DATA_END  # the minute after the newest event (23:59:48)
    assert by_times(replay) == WORKBOOK_FIRINGS


def test_replay_is_consistent_with_evaluate(app: App, workbook: Replay) -> None:
    """A firing starts at T exactly when evaluate(at=T) fires and evaluate(T − 1m) did not."""
    for firing in workbook.firings:
        states = {s.tier: s for s in app.alerting.evaluate(firing.start)[0].tiers}
        assert states[firing.tier].firing
        before = {
            s.tier: s
            for s in app.alerting.evaluate(firing.start - dt.timedelta(minutes=1))[0].tiers
        }
        assert not before[firing.tier].firing
        assert firing.reset is not None
        after = {s.tier: s for s in app.alerting.evaluate(firing.reset)[0].tiers}
        assert not after[firing.tier].firing


# --- other policies: the minimum-traffic guard ---------------------------------------------


def test_guarded_policy_fires_on_busy_www(app: App) -> None:
    replay = app.alerting.replay("www/availability", *RANGE, policy_name="guarded")
    assert replay.policy == "guarded"
    assert by_times(replay) == [f for f in WORKBOOK_FIRINGS if f[0] == "1h/5m"]
    assert [f.factor for f in replay.firings] == [14.4] * 3
    assert replay.precision == pytest.approx(2 / 3)


def test_guard_suppresses_quiet_admin_but_keeps_the_firing_visible(app: App) -> None:
    replay = app.alerting.replay("admin/availability", *RANGE)
    assert replay.policy == "guarded"  # the SLO's own alert_policy
    # 12:01: the hour holds 6 good + 1 bad, the 5 m window 1 good + 1 bad: both above 14.4
    # -> would fire at 12:02; the 5 m window ending 12:10 holds only the good 12:10 event.
    (firing,) = replay.firings
    assert (firing.tier, firing.start, firing.reset, firing.suppressed) == (
        "1h/5m",
        at(12, 2),
        at(12, 11),
        True,
    )
    assert firing.incident is None
    assert firing.peak_burn_rate == pytest.approx(5 / 11 / 0.001)
    # Suppressed firings are shown, never counted.
    assert replay.precision is None
    assert replay.recall is None  # no admin incidents
    assert replay.false_firings == 0
    assert replay.firings_per_week == 0.0
    assert replay.detection_delay_s.median is None
    assert replay.detection_delay_s.p90 is None


def test_the_same_admin_errors_fire_without_the_guard(app: App) -> None:
    replay = app.alerting.replay("admin/availability", *RANGE, policy_name="workbook")
    page = [f for f in replay.firings if f.tier == "1h/5m"]
    assert [(f.start, f.reset, f.suppressed) for f in page] == [(at(12, 2), at(12, 11), False)]
    assert not any(f.suppressed for f in replay.firings)
    assert replay.false_firings == len(replay.firings)
    assert replay.precision == 0.0


# --- no data -------------------------------------------------------------------------------


def test_no_data_keep_keeps_firing_after_the_events_stop(app: App) -> None:
    replay = app.alerting.replay("batch/jobs", *RANGE)
    assert replay.policy == "sticky"
    # 09:20 is the first failing minute: 1 bad of 10 in the 10 m window fires at its end.
    assert by_times(replay) == [("10m", at(9, 21), None, None, False)]
    assert replay.firings[0].severity == "ticket"


def test_no_data_ok_resets_once_the_window_is_empty(app: App) -> None:
    replay = app.alerting.replay("batch/jobs", *RANGE, policy_name="error-rate")
    # The 10 m window ending with 09:38 still holds 09:29's failure; 09:39's is empty.
    assert by_times(replay) == [("10m", at(9, 21), at(9, 40), None, False)]


def test_a_firing_held_at_from_is_listed_from_when_it_fired(app: App) -> None:
    """batch went silent at 09:30 firing, and `no_data: keep` holds it (evaluate at 12:00
    says firing). A replay of [12:00, 13:00), which holds no batch event, lists it from
    09:21, already firing (before, it listed nothing: the policy looked quiet). One firing,
    false (batch has no incident), but no rate over no events: firings a week is null."""
    replay = app.alerting.replay("batch/jobs", at(12, 0), at(13, 0))
    assert by_times(replay) == [("10m", at(9, 21), None, None, False)]
    assert replay.firings[0].already_firing
    assert (replay.event_days, replay.firings_per_week, replay.false_firings) == (0.0, None, 1)


def test_evaluate_keeps_state_on_no_data_like_replay(app: App) -> None:
    replay = app.alerting.replay("batch/jobs", DAY, at(12, 0))
    assert replay.firings[0].reset is None  # replay: still firing at 12:00
    evaluation = next(e for e in app.alerting.evaluate(at(12, 0)) if e.slo == "batch/jobs")
    assert evaluation.tiers[0].firing


# --- evaluate ------------------------------------------------------------------------------


def test_evaluate_inside_the_outage(app: App) -> None:
    results = app.alerting.evaluate(at(15, 10))
    assert [(e.slo, e.policy, e.at) for e in results] == [
        ("www/availability", "workbook", at(15, 10)),
        ("admin/availability", "guarded", at(15, 10)),
        ("batch/jobs", "sticky", at(15, 10)),
    ]
    www = results[0]
    assert [(s.tier, s.severity, s.factor, s.firing, s.suppressed) for s in www.tiers] == [
        ("1h/5m", "page", 14.4, True, False),
        ("6h/30m", "page", 6.0, True, False),
        ("3d/6h", "ticket", 1.0, True, False),
    ]
    # Minutes 15:00–15:09 failed: 50 bad events.
    page, six, ticket = www.tiers
    assert page.long_events == 300
    assert page.long_burn_rate == pytest.approx(50 / 300 / 0.001)
    assert page.short_burn_rate == pytest.approx(1000.0)
    assert page.reason == "1h burn 166.67 > 14.4 and 5m burn 1000.00 > 14.4"
    assert six.long_events == 1800
    assert six.reason == "6h burn 27.78 > 6 and 30m burn 333.33 > 6"
    assert ticket.long_events == 21600
    assert ticket.long_burn_rate == pytest.approx(70 / 21600 / 0.001)  # A + B + 50
    assert ticket.reason == "3d burn 3.24 > 1 and 6h burn 27.78 > 1"
    admin = results[1].tiers[0]
    assert (admin.firing, admin.suppressed, admin.long_events) == (False, False, 6)
    assert admin.reason == "1h burn 0.00 ≤ 14.4 and no events in the last 5m"
    assert admin.state == "ok"  # the long window decides: the short one cannot make it fire
    batch = results[2].tiers[0]
    # Silent since 09:30, firing then: `no_data: keep` holds it, and the reason says so.
    assert (batch.state, batch.firing) == ("firing", True)
    assert batch.reason == "held firing: no events in the last 10m (no_data: keep)"
    assert batch.long_burn_rate is None
    assert batch.long_events == 0


def test_evaluate_before_the_outage_is_quiet(app: App) -> None:
    www = app.alerting.evaluate(at(14, 0))[0]
    assert [s.firing for s in www.tiers] == [False, False, False]
    assert www.tiers[0].reason == "1h burn 0.00 ≤ 14.4 and 5m burn 0.00 ≤ 14.4"
    # A + B: 20 bad of 21,600 -> 0.93, not above 1, although the 6 h window (B's 10 bad of
    # 1800) is: both windows must be above.
    assert www.tiers[2].reason == "3d burn 0.93 ≤ 1 and 6h burn 5.56 > 1"


def test_evaluate_explains_a_suppressed_tier(app: App) -> None:
    admin = app.alerting.evaluate(at(12, 5))[1].tiers[0]
    # [11:05, 12:05): 6 good + 4 bad; [12:00, 12:05): 1 good + 4 bad.
    assert (admin.firing, admin.suppressed, admin.long_events) == (False, True, 10)
    assert admin.reason == (
        "1h burn 400.00 > 14.4 and 5m burn 800.00 > 14.4; "
        "suppressed: 10 events in 1h < min_events 100"
    )


def test_an_unconfirmed_burn_under_min_events_is_suppressed(app: App) -> None:
    """admin at 12:19: [11:19, 12:19) holds 6 good and the 5 failures, a burn far above
    14.4, and [12:14, 12:19) no event; with 11 events under the guard's 100 the tier could
    not page whatever the short window held: suppressed, as when both windows burn."""
    admin = app.alerting.evaluate(at(12, 19))[1].tiers[0]
    assert (admin.firing, admin.suppressed, admin.long_events) == (False, True, 11)
    assert admin.long_burn_rate == pytest.approx(5 / 11 / 0.001)
    assert admin.short_burn_rate is None
    assert admin.reason == (
        "1h burn 454.55 > 14.4 and no events in the last 5m; "
        "suppressed: 11 events in 1h < min_events 100"
    )
    assert admin.state == "suppressed"


SPARSE = """\
timezone: UTC
store: basics.duckdb
sources:
  api: {format: jsonl}
services:
  shop:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500, alert_policy: page}
alerting:
  policies:
    page:
      tiers:
        - {long: 1h, short: 5m, burn_rate: 14.4}
"""


def test_a_burning_tier_whose_short_window_is_empty_has_no_data(tmp_path: Path) -> None:
    """One event a minute, 10:00-10:44, the last five failing, then silence. At 10:46 both
    windows burn: firing. At 10:52 the hour holds 5 bad of 45 (burn 111) and [10:47, 10:52)
    nothing: nothing confirms or refutes it, so no data, never ok. At 11:50 the hour is
    empty too."""
    path = tmp_path / "basics.yaml"
    path.write_text(SPARSE, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    lines = [
        {"ts": f"{DAY.date()}T10:{m:02d}:30Z", "service": "shop", "status": 500 if m >= 40 else 200}
        for m in range(45)
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    shop = App(parse_config(SPARSE, path))
    try:
        assert shop.ingest_events("api", str(events)).accepted == 45

        def tier(hour: int, minute: int) -> tuple[str, str]:
            (evaluation,) = shop.alerting.evaluate(at(hour, minute))
            return evaluation.tiers[0].state, evaluation.tiers[0].reason

        assert tier(10, 46)[0] == "firing"
        assert tier(10, 52) == ("no_data", "1h burn 111.11 > 14.4 and no events in the last 5m")
        assert tier(11, 50) == ("no_data", "no events in the last 1h")
        # With `no_data: keep` the 10:46 firing is held through both gaps, and says so.
        kept = parse_config(SPARSE.replace("    page:\n", "    page:\n      no_data: keep\n"), path)
        shop = App(kept, shop.store)
        assert tier(10, 52) == (
            "firing",
            "held firing: 1h burn 111.11 > 14.4 and no events in the last 5m (no_data: keep)",
        )
        assert tier(11, 50) == ("firing", "held firing: no events in the last 1h (no_data: keep)")
    finally:
        shop.close()
    # The table's hint "no events in any tier's window" only when no long window holds one:
    # at 10:52 the hour holds 45 events, and the tier's "no data" is its short window's.
    from click.testing import CliRunner

    from basics.cli.main import cli

    def evaluated(moment: str) -> tuple[str, str]:
        done = CliRunner().invoke(
            cli, ["--config", str(path), "alerts", "evaluate", "--at", moment]
        )
        assert done.exit_code == 0, done.output
        return " ".join(done.stdout.split()), done.stderr

    table, said = evaluated(f"{DAY.date()}T10:52:00Z")
    assert "no data" in table and said == ""
    table, said = evaluated(f"{DAY.date()}T11:50:00Z")
    assert "no data" in table
    assert said.startswith("No events in any tier's window; the newest event is at ")


def test_evaluate_at_a_tie_reports_it_with_le(app: App) -> None:
    """The 3 d tier right before the outage: 20 bad of 21,600 -> ≤; decided on the counts."""
    ticket = app.alerting.evaluate(at(15, 0))[0].tiers[2]
    assert not ticket.firing
    assert ticket.long_events == 21600
    assert ticket.reason.startswith("3d burn 0.93 ≤ 1")


# --- errors --------------------------------------------------------------------------------


def test_replay_of_an_unknown_policy_names_the_known_ones(app: App) -> None:
    with pytest.raises(InputError) as error:
        app.alerting.replay("www/availability", *RANGE, policy_name="nope")
    assert str(error.value) == (
        'unknown alert policy "nope" (known: error-rate, guarded, single-1h, sticky, workbook)'
    )


def test_replay_of_an_unknown_slo(app: App) -> None:
    with pytest.raises(NotFoundError, match='no SLO "www/latency"'):
        app.alerting.replay("www/latency", *RANGE)


def test_replay_needs_from_before_to(app: App) -> None:
    with pytest.raises(InputError, match="must be before --to"):
        app.alerting.replay("www/availability", at(15, 0), at(15, 0) + dt.timedelta(seconds=30))


BROKEN = """\
timezone: UTC
sources:
  api:
    format: jsonl
services:
  www:
    slos:
      availability:
        objective: 99.9
        good: status < 500
        alert_policy: {policy}
alerting:
  policies:
    fast:
      tiers:
        - {tier}
"""
GOOD_TIER = "{long: 1h, short: 5m, burn_rate: 14.4}"


def broken(policy: str = "fast", tier: str = GOOD_TIER) -> str:
    return BROKEN.replace("{policy}", policy).replace("{tier}", tier)


def test_the_broken_template_is_otherwise_valid() -> None:
    config = parse_config(broken(), Path("basics.yaml"))
    assert config.policy_of("www", "availability") == "fast"
    assert config.alert_policy("workbook").tiers[0].budget_share == 2


def test_unknown_alert_policy_reference_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(broken(policy="pagerduty"), Path("basics.yaml"))
    message = str(error.value)
    assert message.startswith("basics.yaml:")
    assert "services.www.slos.availability.alert_policy" in message
    assert 'unknown alert policy "pagerduty"' in message
    assert "(known: error-rate, fast, single-1h, workbook)" in message


def test_unknown_default_policy_is_a_config_error() -> None:
    text = broken().replace("alerting:\n", "alerting:\n  default_policy: nope\n")
    with pytest.raises(ConfigError, match=r'alerting\.default_policy: unknown alert policy "nope"'):
        parse_config(text, Path("basics.yaml"))


def test_unknown_alert_policy_reference_names_its_line() -> None:
    text = broken(policy="pagerduty")
    line = text.splitlines().index("        alert_policy: pagerduty") + 1
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("basics.yaml"))
    assert str(error.value).startswith(
        f"basics.yaml:{line}: services.www.slos.availability.alert_policy: "
    )


@pytest.mark.parametrize(
    ("tier", "message"),
    [
        (
            "{long: 1h, short: 5m, burn_rate: 14.4, budget_share: 2}",
            "give a tier exactly one of budget_share (percent) or burn_rate",
        ),
        ("{long: 1h, short: 5m}", "give a tier exactly one of budget_share (percent) or burn_rate"),
        (
            "{long: 1h, short: 1h, burn_rate: 14.4}",
            "a tier's short window must be shorter than its long window",
        ),
        (
            "{long: 1h, short: 2h, budget_share: 2}",
            "a tier's short window must be shorter than its long window",
        ),
        ("{long: 1h, budget_share: 101}", "budget_share is a percentage (0-100], got 101"),
        ("{long: 1h, burn_rate: 0}", 'expected a positive number, got "0"'),
        ("{long: 1h, burn_rate: -2}", 'expected a positive number, got "-2"'),
        (
            "{long: 1x, burn_rate: 1}",
            'expected a duration such as 30s, 5m, 1h, 30d or 2w, found "1x"',
        ),
    ],
)
def test_invalid_tiers_are_config_errors_naming_the_tier(tier: str, message: str) -> None:
    text = broken(tier=tier)
    line = text.splitlines().index(f"        - {tier}") + 1
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("basics.yaml"))
    assert str(error.value).startswith(f"basics.yaml:{line}: alerting.policies.fast.tiers.0")
    assert str(error.value).endswith(message)


def test_a_policy_needs_a_tier() -> None:
    text = broken().replace("      tiers:\n        - " + GOOD_TIER + "\n", "      tiers: []\n")
    with pytest.raises(ConfigError, match="a policy needs at least one tier"):
        parse_config(text, Path("basics.yaml"))


def test_a_sub_minute_short_window_is_rejected_or_reported_consistently(
    app: App, tmp_path: Path
) -> None:
    text = CONFIG.replace(
        "- {long: 1h, short: 5m, burn_rate: 14.4}", "- {long: 1h, short: 30s, burn_rate: 14.4}"
    ).replace("alerting:\n", "alerting:\n  default_policy: guarded\n")
    try:
        config = parse_config(text, tmp_path / "basics.yaml")
    except ConfigError:
        return  # rejecting sub-minute windows is a fine fix too
    state = App(config, app.store).alerting.evaluate(at(15, 10))[0].tiers[0]
    assert state.firing
    assert state.short_burn_rate is not None
    assert "no events" not in state.reason


# --- the minute series ---------------------------------------------------------------------


def recounted(
    app: App, key: str, start: dt.datetime, end: dt.datetime, slice_target: int | None = None
) -> tuple[list[int], list[int]]:
    """Running totals (leading 0) of events and bad events per minute, recounted in Python
    from the rollup rows; with `slice_target`, a minute is one slice, good when at least
    that percent of its events are."""
    minutes = int((end - start).total_seconds() // 60)
    totals, bad = [0] * minutes, [0] * minutes
    for minute, total, good in app.store.query(
        "SELECT minute, total, good FROM slo_minute WHERE slo = ? AND minute >= ? AND minute < ?",
        [key, start, end],
    ):
        i = int((minute - start).total_seconds() // 60)
        if slice_target is not None:
            total, good = 1, int(good * 100 >= slice_target * total)
        totals[i], bad[i] = total, total - good
    running = [0, 0]
    cumulative: tuple[list[int], list[int]] = ([0], [0])
    for t, b in zip(totals, bad, strict=True):
        running = [running[0] + t, running[1] + b]
        cumulative[0].append(running[0])
        cumulative[1].append(running[1])
    return cumulative


@pytest.mark.parametrize("key", ["www/availability", "admin/availability", "batch/jobs"])
@pytest.mark.parametrize("days", [2, 20])  # fetchnumpy below 14 days, Arrow from 14 on
def test_the_series_equals_a_recount_of_the_rollups(app: App, key: str, days: int) -> None:
    """Dense (www), sparse (admin: a minute in ten) and mostly silent (batch) series, read
    both ways, over a range reaching past both ends of the data."""
    end = DATA_END + dt.timedelta(hours=3)
    start = end - dt.timedelta(days=days)
    _, _, slo = app.slo.slo(key)
    cumulative = app.alerting._series(key, slo, start, end)
    assert (cumulative.total.tolist(), cumulative.bad.tolist()) == recounted(app, key, start, end)


@pytest.mark.parametrize("days", [2, 20])
def test_one_query_for_several_series_equals_a_recount_of_each(app: App, days: int) -> None:
    """What `evaluate` reads: every SLO from its own start in one query (each start a day
    apart here, so the rows before a series' start must be left out)."""
    end = DATA_END + dt.timedelta(hours=3)
    keys = ["www/availability", "admin/availability", "batch/jobs"]
    wanted = [
        (key, app.slo.slo(key)[2], end - dt.timedelta(days=days + k)) for k, key in enumerate(keys)
    ]
    many = app.alerting._series_many(wanted, end)
    for key, _, start in wanted:
        assert (many[key].total.tolist(), many[key].bad.tolist()) == recounted(app, key, start, end)


DAYS = 1


@pytest.mark.parametrize("arrow", [False, True])
def test_a_timeslices_series_counts_one_slice_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arrow: bool
) -> None:
    """A 1-minute slice is one event, bad when under 90 % of its events are good: 9 of 10
    is exactly 90 % (good); 8 of 10 is bad. Read both ways (Arrow for long series)."""
    if arrow:
        monkeypatch.setattr(alerting_service, "LONG_SERIES_MINUTES", 0)
    config = CONFIG.replace(
        "  admin:",
        "  slices:\n    slos:\n      p90:\n        objective: 99\n        window: 30d\n"
        "        good: status < 500\n        budgeting: timeslices\n        slice: 1m\n"
        "        slice_target: 90\n  admin:",
    )
    path = tmp_path / "basics.yaml"
    path.write_text(config, encoding="utf-8")
    events = []
    for minute in range(DAYS * 1440):
        if minute % 7 == 0:
            continue  # no events: no slice
        failing = 1 if minute % 5 else 2  # 9 of 10 good, or 8 of 10 every fifth minute
        moment = DATA_START + dt.timedelta(minutes=minute)
        events += [
            {"ts": (moment + dt.timedelta(seconds=s)).isoformat() + "Z", "service": "slices"}
            | {"status": 500 if s < failing else 200}
            for s in range(10)
        ]
    (tmp_path / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
    )
    application = App(parse_config(config, path))
    try:
        assert application.ingest_events("api", str(tmp_path / "events.jsonl")).rejected == 0
        _, _, slo = application.slo.slo("slices/p90")
        start, end = DATA_START, DATA_START + dt.timedelta(days=DAYS)
        cumulative = application.alerting._series("slices/p90", slo, start, end)
        expected = recounted(application, "slices/p90", start, end, slice_target=90)
        assert (cumulative.total.tolist(), cumulative.bad.tolist()) == expected
        _, _, www = application.slo.slo("www/availability")
        many = application.alerting._series_many(
            [("www/availability", www, start), ("slices/p90", slo, start)], end
        )
        assert (many["slices/p90"].total.tolist(), many["slices/p90"].bad.tolist()) == expected
        slices = sum(1 for m in range(DAYS * 1440) if m % 7)
        bad = sum(1 for m in range(DAYS * 1440) if m % 7 and not m % 5)
        assert (expected[0][-1], expected[1][-1]) == (slices, bad)
    finally:
        application.close()
