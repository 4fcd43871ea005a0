"""PagerDuty webhook deliveries merge by when their events happened, not by when they
arrived: a reopened incident ends at its last resolution, and the newest word on a page
(responder after a reassignment, urgency) is the newest event's, so the deliveries received
one by one, in any order, give the page the file import of the same events gives. Pages
of sources that date nothing (Alertmanager) merge in arrival order, as before."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from functools import reduce
from pathlib import Path

import duckdb
import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.ingest.batches import undo_batch
from basics.oncall.compute import merge_page
from basics.oncall.importers import read_pages
from basics.oncall.models import Page
from basics.store.migrations import MIGRATIONS

CONFIG = "timezone: UTC\n"


def event(
    event_id: str,
    event_type: str,
    occurred_at: str,
    incident: str,
    assignees: list[str],
    urgency: str,
    title: str,
) -> str:
    """One v3 delivery, as PagerDuty sends it (the fields a page is read from)."""
    data = {
        "id": incident,
        "type": "incident",
        "status": "resolved" if event_type == "incident.resolved" else "triggered",
        "created_at": "2026-11-06T03:01:00Z" if incident == "Q3PAY" else "2026-11-03T14:02:00Z",
        "title": title,
        "service": {"id": "PF9KMXH", "summary": "Checkout API", "type": "service_reference"},
        "assignees": [{"id": name[:3], "summary": name} for name in assignees],
        "urgency": urgency,
    }
    envelope = {"id": event_id, "event_type": event_type, "occurred_at": occurred_at}
    return json.dumps({"event": {**envelope, "resource_type": "incident", "data": data}})


def payments(event_id: str, event_type: str, occurred_at: str, assignees: list[str]) -> str:
    return event(event_id, event_type, occurred_at, "Q3PAY", assignees, "high", "Payments down")


def checkout(
    event_id: str, event_type: str, occurred_at: str, assignees: list[str], urgency: str
) -> str:
    return event(event_id, event_type, occurred_at, "Q1CHK", assignees, urgency, "Checkout errors")


# Triggered 03:01, resolved 03:05, reopened 03:08, resolved 03:32: a 31-minute outage.
REOPENED = [
    payments("01R1", "incident.triggered", "2026-11-06T03:01:00Z", ["Carol"]),
    payments("01R2", "incident.resolved", "2026-11-06T03:05:00Z", []),
    payments("01R3", "incident.reopened", "2026-11-06T03:08:00Z", ["Carol"]),
    payments("01R4", "incident.resolved", "2026-11-06T03:32:00Z", []),
]
# Triggered to Alice (high), acknowledged, reassigned to Bob with urgency low, resolved.
REASSIGNED = [
    checkout("01EVT1", "incident.triggered", "2026-11-03T14:02:00.000Z", ["Alice Example"], "high"),
    checkout("01EVT2", "incident.acknowledged", "2026-11-03T14:05:00.000Z", ["Alice Example"],
             "high"),
    checkout("01EVT3", "incident.reassigned", "2026-11-03T14:07:00.000Z", ["Bob Builder"], "low"),
    checkout("01EVT4", "incident.resolved", "2026-11-03T14:21:00.000Z", [], "low"),
]  # fmt: skip


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


PAYMENTS = Page(
    id="pagerduty:Q3PAY",
    source="pagerduty",
    source_id="Q3PAY",
    incident_key="Q3PAY",
    alert="Payments down",
    service="Checkout API",
    urgency="high",
    created_at=t("2026-11-06T03:01:00"),
    acknowledged_at=None,
    resolved_at=t("2026-11-06T03:32:00"),  # PagerDuty's own resolved_at, not 03:05
    responder="Carol",
    told_at=t("2026-11-06T03:32:00"),
    assigned_at=t("2026-11-06T03:08:00"),  # the reopening named Carol
    reopened_at=t("2026-11-06T03:08:00"),
)
CHECKOUT = Page(
    id="pagerduty:Q1CHK",
    source="pagerduty",
    source_id="Q1CHK",
    incident_key="Q1CHK",
    alert="Checkout errors",
    service="Checkout API",
    urgency="low",  # the reassignment's (14:07), whatever arrived last
    created_at=t("2026-11-03T14:02:00"),
    acknowledged_at=t("2026-11-03T14:05:00"),
    resolved_at=t("2026-11-03T14:21:00"),
    responder="Bob Builder",  # the reassignment's: the resolution names nobody
    told_at=t("2026-11-03T14:21:00"),
    assigned_at=t("2026-11-03T14:07:00"),
)


def read_one(lines: list[str] | tuple[str, ...]) -> Page:
    pages, rejects = read_pages([line + "\n" for line in lines], "pagerduty-webhook", "<test>")
    assert rejects == []
    [page] = pages
    return page


def delivered(lines: list[str] | tuple[str, ...]) -> Page:
    """What merging the deliveries one by one, in this order, leaves."""
    return reduce(merge_page, [read_one([line]) for line in lines])


@pytest.mark.parametrize(("lines", "expected"), [(REOPENED, PAYMENTS), (REASSIGNED, CHECKOUT)])
def test_the_file_and_the_deliveries_in_every_order_give_one_page(
    lines: list[str], expected: Page
) -> None:
    for order in itertools.permutations(lines):
        assert read_one(order) == expected, order
        assert delivered(order) == expected, order


def test_a_page_reopened_and_not_resolved_again_is_open() -> None:
    # The reopening arrives before the resolution it undid, and after: open either way.
    for order in itertools.permutations(REOPENED[:3]):
        page = delivered(order)
        assert (page.resolved_at, page.reopened_at) == (None, t("2026-11-06T03:08:00"))
        assert read_one(order) == page
    # Resolved at 03:05 and never reopened (the reopening was never delivered): 03:05.
    assert delivered(REOPENED[:2]).resolved_at == t("2026-11-06T03:05:00")


def test_an_older_event_delivered_last_does_not_take_back_the_newest_word() -> None:
    """The tester's swap: the reassignment (14:07) delivered before the trigger (14:02)."""
    page = delivered([REASSIGNED[2], REASSIGNED[0]])
    assert (page.responder, page.urgency, page.told_at) == (
        "Bob Builder",
        "low",
        t("2026-11-03T14:07:00"),
    )


def test_pages_that_date_nothing_merge_in_arrival_order() -> None:
    """Alertmanager's (told_at None): the later told says what the page is, and the
    earliest resolution stands, as before."""
    stored = Page(
        id="alertmanager:f:1", source="alertmanager", source_id="f:1", incident_key="f:1",
        alert="DiskFull", service="db", urgency="critical", created_at=t("2026-03-02T13:00:00"),
        acknowledged_at=None, resolved_at=t("2026-03-02T13:20:00"), responder=None,
    )  # fmt: skip
    told = Page(
        id="alertmanager:f:1", source="alertmanager", source_id="f:1", incident_key="f:1",
        alert="DiskFull", service="db", urgency="warning", created_at=t("2026-03-02T13:00:00"),
        acknowledged_at=None, resolved_at=t("2026-03-02T13:25:00"), responder=None,
    )  # fmt: skip
    merged = merge_page(stored, told)
    assert (merged.urgency, merged.resolved_at, merged.told_at) == (
        "warning",
        t("2026-03-02T13:20:00"),
        None,
    )
    assert merge_page(told, stored).urgency == "critical"


def test_a_reopening_makes_an_undated_pages_earlier_resolution_a_past_one() -> None:
    """A page a file import resolved at 10:31 (undated), then a late webhook telling of a
    resolution at 10:04 and a reopening at 10:08: resolved at 10:31, not reopened open."""
    stored = Page(
        id="pagerduty:Q1", source="pagerduty", source_id="Q1", incident_key="Q1",
        alert="Payments down", service="payments", urgency="high",
        created_at=t("2026-03-02T10:00:00"), acknowledged_at=None,
        resolved_at=t("2026-03-02T10:31:00"), responder="alice",
    )  # fmt: skip
    told = dataclasses.replace(
        stored,
        resolved_at=t("2026-03-02T10:04:00"),
        told_at=t("2026-03-02T10:08:00"),
        reopened_at=t("2026-03-02T10:08:00"),
    )
    assert merge_page(stored, told).resolved_at == t("2026-03-02T10:31:00")


# --- through the store ---------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def receive(app: App, line: str) -> int:
    done = app.oncall.receive_pages(line.encode(), "pagerduty-webhook", "pagerduty webhook")
    assert done.status == "applied" and done.batch_id is not None
    return done.batch_id


def stored(app: App, page_id: str) -> tuple[object, ...]:
    return app.store.query(
        "SELECT strftime(resolved_at, '%H:%M'), strftime(told_at, '%H:%M'), "
        "strftime(reopened_at, '%H:%M'), responder, urgency FROM pages WHERE id = ?",
        [page_id],
    )[0]


def test_a_reopened_incident_is_a_31_minute_outage_answered_by_someone(app: App) -> None:
    """The tester's deliveries, in the order sent: before, the page was stored resolved at
    03:05, and the report called it likely noise (auto-resolved 100 %, median 4 min)."""
    for line in REOPENED:
        receive(app, line)

    assert app.oncall.pages() == [PAYMENTS]
    report = app.oncall.report(t("2026-11-02T00:00:00"), t("2026-11-09T00:00:00"))
    [noise] = report.alerts
    assert noise.alert == "Payments down"
    assert (noise.auto_resolved, noise.auto_resolved_share, noise.likely_noise) == (0, 0.0, False)
    assert noise.median_resolve_s == 31 * 60
    assert (report.time_to_resolve.count, report.time_to_resolve.median) == (1, 31 * 60)


def test_deliveries_out_of_order_store_the_file_imports_page(app: App, tmp_path: Path) -> None:
    for line in [REASSIGNED[3], REASSIGNED[2], REASSIGNED[0], REASSIGNED[1]]:
        receive(app, line)
    (tmp_path / "hooks.jsonl").write_text("\n".join(REASSIGNED) + "\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "basics.yaml").write_text(CONFIG)
    from_file = App(parse_config(CONFIG, other / "basics.yaml"))
    assert (
        from_file.oncall.ingest_pages(str(tmp_path / "hooks.jsonl"), "pagerduty-webhook").status
        == "applied"
    )

    assert app.oncall.pages() == from_file.oncall.pages() == [CHECKOUT]


def test_undoing_the_reopening_gives_back_the_page_it_replaced(app: App) -> None:
    first = receive(app, REOPENED[0])
    receive(app, REOPENED[1])
    reopening = receive(app, REOPENED[2])
    assert stored(app, "pagerduty:Q3PAY") == (None, "03:08", "03:08", "Carol", "high")

    done = undo_batch(app.store, app.config, reopening)

    assert done.pages_restored == 1
    assert stored(app, "pagerduty:Q3PAY") == ("03:05", "03:05", None, "Carol", "high")
    undo_batch(app.store, app.config, first)  # the trigger's: the resolution's page stays
    assert stored(app, "pagerduty:Q3PAY") == ("03:05", "03:05", None, "Carol", "high")


def test_a_version_16_store_gets_the_columns_its_pages_lack(tmp_path: Path) -> None:
    """Store migration 17: pages stored before keep their data, told_at and reopened_at
    null (merged in arrival order), and `pages_replaced` has the columns too."""
    db = duckdb.connect(str(tmp_path / "basics.duckdb"))
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, sql in MIGRATIONS:
        if version <= 16:
            db.execute(sql)
            db.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
    db.execute(
        "INSERT INTO pages VALUES ('pagerduty:Q3PAY', 'pagerduty', 'Q3PAY', 'Q3PAY', "
        "'Payments down', 'Checkout API', 'high', '2026-11-06 03:01', NULL, "
        "'2026-11-06 03:05', 'Carol', 1)"
    )
    db.close()
    app = App(parse_config(CONFIG + "store: basics.duckdb\n", tmp_path / "basics.yaml"))

    assert stored(app, "pagerduty:Q3PAY") == ("03:05", None, None, "Carol", "high")
    # The reopening told after the upgrade: the old page had no date, the reopening undoes
    # its resolution all the same.
    receive(app, REOPENED[2])
    assert stored(app, "pagerduty:Q3PAY") == (None, "03:08", "03:08", "Carol", "high")
    assert (
        app.store.scalar(
            "SELECT count(*) FROM pages_replaced WHERE told_at IS NULL AND reopened_at IS NULL"
        )
        == 1
    )
