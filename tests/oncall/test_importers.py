"""The page importers against small hand-written exports under tests/data/oncall/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from basics.core.errors import InputError
from basics.oncall.importers import read_pages
from basics.oncall.models import Page, PageFormat, PageReject

DATA = Path(__file__).parent.parent / "data" / "oncall"
TIME_EXPECTED = "ISO 8601 with an offset such as 2026-03-02T14:00:05Z"


def read(file_name: str, fmt: PageFormat) -> tuple[list[Page], list[PageReject]]:
    with open(DATA / file_name, encoding="utf-8") as file:
        return read_pages(file, fmt, file_name)


def read_text(text: str, fmt: PageFormat) -> tuple[list[Page], list[PageReject]]:
    return read_pages(text.splitlines(keepends=True), fmt, "<test>")


def by_id(pages: list[Page]) -> dict[str, Page]:
    return {page.id: page for page in pages}


def summary(rejects: list[PageReject]) -> list[tuple[int, str | None, str]]:
    return [(reject.line, reject.field, reject.reason) for reject in rejects]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# The incident PT4KHLK as every PagerDuty format must give it.
FIRE = Page(
    id="pagerduty:PT4KHLK",
    source="pagerduty",
    source_id="PT4KHLK",
    incident_key="baf7cf21b1da41b4b0221008339ff357",
    alert="The server is on fire.",
    service="Mail Service",
    urgency="high",
    created_at=t("2026-03-02T13:00:00"),
    acknowledged_at=t("2026-03-02T13:04:30"),
    resolved_at=t("2026-03-02T14:10:00"),
    responder="Earline Greenholt",
)
# Webhooks also say when their newest event happened (the resolution), which an export
# does not: the page deliveries told out of order take their newest word by it.
FIRE_TOLD = dataclasses.replace(
    FIRE, told_at=t("2026-03-02T14:10:00"), assigned_at=t("2026-03-02T13:04:30")
)


# --- PagerDuty CSV ------------------------------------------------------------------------


def test_pagerduty_csv_pages_and_rejects() -> None:
    pages, rejects = read("pagerduty_incidents.csv", "pagerduty-csv")

    assert pages == [
        FIRE,
        Page(
            id="pagerduty:PX1ABCD",
            source="pagerduty",
            source_id="PX1ABCD",
            incident_key="disk-db-1",
            alert="Disk full, /var on db-1",
            service="Database",
            urgency="low",
            created_at=t("2026-03-03T02:15:00"),
            acknowledged_at=None,  # never acknowledged: the cell is empty
            resolved_at=t("2026-03-03T02:45:00"),
            responder="Ana Lopez",  # first of "Ana Lopez; Bo Chen" in Escalated To
        ),
        Page(
            id="pagerduty:PQ7NEW1",
            source="pagerduty",
            source_id="PQ7NEW1",
            incident_key="PQ7NEW1",  # no incident key: the id stands in
            alert="Checkout 5xx",
            service="Checkout",
            urgency="high",
            created_at=t("2026-03-04T11:00:00"),
            acknowledged_at=None,
            resolved_at=None,
            responder=None,  # the caller fills it from the shift
        ),
    ]
    assert summary(rejects) == [
        (4, "Created On", f'unparseable time: expected {TIME_EXPECTED}, found "yesterday"'),
        (5, "Title", "missing title: expected the incident title"),
    ]
    assert rejects[0].raw.startswith("1236,Queue backlog,high,Payments,yesterday")


def test_pagerduty_csv_finds_columns_by_name_in_any_spelling_and_order() -> None:
    text = (
        "\ufeffurgency,SERVICE_NAME,Description,created_on,seconds_to_first_ack,"
        "seconds_to_resolve,incident_number,Incident ID,assigned to\n"
        "high,Checkout,Checkout 5xx,2026-03-04 12:00:00 +01:00,90,600.5,77,PQ7NEW2,Ana Lopez\n"
        "low,Checkout,Slow page,2026-03-04T12:00:00Z,,,78,PQ7NEW3,\n"
    )
    pages, rejects = read_text(text, "pagerduty-csv")

    assert rejects == []
    assert pages == [
        Page(
            id="pagerduty:PQ7NEW2",
            source="pagerduty",
            source_id="PQ7NEW2",
            incident_key="PQ7NEW2",
            alert="Checkout 5xx",
            service="Checkout",
            urgency="high",
            created_at=t("2026-03-04T11:00:00"),
            acknowledged_at=t("2026-03-04T11:01:30"),
            resolved_at=t("2026-03-04T11:10:00.500000"),
            responder="Ana Lopez",
        ),
        Page(
            id="pagerduty:PQ7NEW3",
            source="pagerduty",
            source_id="PQ7NEW3",
            incident_key="PQ7NEW3",
            alert="Slow page",
            service="Checkout",
            urgency="low",
            created_at=t("2026-03-04T12:00:00"),
            acknowledged_at=None,
            resolved_at=None,
            responder=None,
        ),
    ]


def test_pagerduty_csv_with_only_the_incident_number_uses_it_as_id() -> None:
    text = "Incident Number,Created,Title\n1234,2026-03-02T13:00:00Z,Fire\n"
    pages, _ = read_text(text, "pagerduty-csv")
    assert [page.id for page in pages] == ["pagerduty:1234"]


def test_pagerduty_csv_row_of_the_wrong_width_is_rejected_alone() -> None:
    text = (
        "id,created_on,title\n"
        "P1,2026-03-02T13:00:00Z,Fire,extra\n"
        '"P2",2026-03-02T14:00:00Z,"Two\nline title"\n'
        "P3,2026-03-02T15:00:00Z,Flood\n"
    )
    pages, rejects = read_text(text, "pagerduty-csv")

    assert [(page.source_id, page.alert) for page in pages] == [
        ("P2", "Two\nline title"),
        ("P3", "Flood"),
    ]
    assert summary(rejects) == [(2, None, "expected 3 columns as in the header, found 4")]


def test_pagerduty_csv_header_without_an_id_column_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"<test>: expected .* column id or incident number"):
        read_text("created_on,title\n2026-03-02T13:00:00Z,Fire\n", "pagerduty-csv")


# --- PagerDuty REST v2 --------------------------------------------------------------------


def test_pagerduty_json_pages_and_rejects() -> None:
    pages, rejects = read("pagerduty_incidents.json", "pagerduty-json")

    assert pages == [
        FIRE,  # responder from the notify log entry, times from the log entries
        Page(
            id="pagerduty:PQ2XYZ9",
            source="pagerduty",
            source_id="PQ2XYZ9",
            incident_key="latency-api",
            alert="API latency above SLO",
            service="API",
            urgency="low",
            created_at=t("2026-03-05T09:00:00"),
            acknowledged_at=t("2026-03-05T09:03:00"),  # the first of the acknowledgements
            resolved_at=None,
            responder="Bo Chen",  # from assignments: no log entries
        ),
        Page(
            id="pagerduty:PR3ESLV",
            source="pagerduty",
            source_id="PR3ESLV",
            incident_key="PR3ESLV",
            alert="Certificate expires in 7 days",
            service="Edge",
            urgency="low",
            created_at=t("2026-03-06T08:00:00"),
            acknowledged_at=None,
            resolved_at=t("2026-03-06T08:30:00"),  # last_status_change_at of a resolved one
            responder=None,  # resolved: assignments are empty
            ack_unknown=True,  # resolved: acknowledgements are empty too, and no log entries
        ),
    ]
    assert summary(rejects) == [
        (57, "created_at", f"missing created_at: expected {TIME_EXPECTED}"),
    ]
    assert json.loads(rejects[0].raw)["id"] == "PBROKEN"


def test_pagerduty_json_takes_a_list_a_single_incident_or_json_lines() -> None:
    incident = {"id": "P1", "title": "Fire", "created_at": "2026-03-02T13:00:00Z"}
    as_list = json.dumps([incident])
    single = json.dumps({"incident": incident})
    lines = json.dumps(incident) + "\n" + json.dumps({**incident, "id": "P2"}) + "\n"

    assert [p.id for p in read_text(as_list, "pagerduty-json")[0]] == ["pagerduty:P1"]
    assert [p.id for p in read_text(single, "pagerduty-json")[0]] == ["pagerduty:P1"]
    assert [p.id for p in read_text(lines, "pagerduty-json")[0]] == [
        "pagerduty:P1",
        "pagerduty:P2",
    ]


def test_pagerduty_json_resolved_without_a_time_is_rejected() -> None:
    incident = {"id": "P1", "title": "Fire", "created_at": "2026-03-02T13:00:00Z"}
    text = json.dumps({"incidents": [{**incident, "status": "resolved"}]})

    pages, rejects = read_text(text, "pagerduty-json")

    assert pages == []
    assert [(r.line, r.field) for r in rejects] == [(1, "last_status_change_at")]
    assert "neither a resolve_log_entry nor last_status_change_at" in rejects[0].reason


# --- PagerDuty v3 webhooks ----------------------------------------------------------------


def test_pagerduty_webhook_folds_events_into_pages() -> None:
    pages, rejects = read("pagerduty_webhooks.jsonl", "pagerduty-webhook")

    assert pages == [
        FIRE_TOLD,  # triggered, acknowledged (delivered twice), resolved
        Page(
            id="pagerduty:PB2ORDR",
            source="pagerduty",
            source_id="PB2ORDR",
            incident_key="PB2ORDR",
            alert="Search index lag",
            service="Search",
            urgency="high",
            created_at=t("2026-03-07T10:00:00"),  # events arrived resolved, acked, triggered
            acknowledged_at=t("2026-03-07T10:05:00"),
            resolved_at=t("2026-03-07T10:30:00"),
            responder="Ana Lopez",
            told_at=t("2026-03-07T10:30:00"),
            assigned_at=t("2026-03-07T10:05:00"),
        ),
        Page(
            id="pagerduty:PC3LATE",
            source="pagerduty",
            source_id="PC3LATE",
            incident_key="PC3LATE",
            alert="Backups late",
            service="Storage",
            urgency="low",
            created_at=t("2026-03-08T08:10:00"),  # never saw the trigger: the earliest event
            acknowledged_at=t("2026-03-08T08:12:00"),
            resolved_at=None,
            responder="Bo Chen",
            told_at=t("2026-03-08T08:12:00"),
            assigned_at=t("2026-03-08T08:12:00"),
        ),
    ]
    assert summary(rejects) == [
        (12, None, "invalid JSON at line 12 column 89: Invalid control character at"),
        (13, "occurred_at", f"missing occurred_at: expected {TIME_EXPECTED}"),
    ]


def _event(event_id: str, event_type: str, occurred_at: str, **data: object) -> str:
    incident = {"id": "PW1", "type": "incident", "title": "Fire", **data}
    event = {"id": event_id, "event_type": event_type, "occurred_at": occurred_at}
    return json.dumps({"event": {**event, "data": incident}}) + "\n"


def test_pagerduty_webhook_repeated_delivery_changes_nothing() -> None:
    triggered = _event("e1", "incident.triggered", "2026-03-02T13:00:00Z")
    acked = _event("e2", "incident.acknowledged", "2026-03-02T13:05:00Z")
    # The same event id again, as a redelivery: it must count once even if it differed.
    redelivered = _event("e2", "incident.acknowledged", "2026-03-02T13:01:00Z")

    once, _ = read_text(triggered + acked, "pagerduty-webhook")
    twice, rejects = read_text(triggered + acked + redelivered + acked, "pagerduty-webhook")

    assert rejects == []
    assert twice == once
    assert once[0].acknowledged_at == t("2026-03-02T13:05:00")


def test_pagerduty_webhook_first_acknowledgement_and_last_resolution_win() -> None:
    """The first acknowledgement; the resolution that ended the incident, after its reopening
    (PagerDuty's own resolved_at), not the first one, which the reopening undid."""
    text = (
        _event("e4", "incident.acknowledged", "2026-03-02T13:20:00Z")
        + _event("e3", "incident.unacknowledged", "2026-03-02T13:10:00Z")
        + _event("e2", "incident.acknowledged", "2026-03-02T13:05:00Z")
        + _event("e5", "incident.resolved", "2026-03-02T13:30:00Z")
        + _event("e6", "incident.reopened", "2026-03-02T13:40:00Z")
        + _event("e7", "incident.resolved", "2026-03-02T13:50:00Z")
    )
    [page], _ = read_text(text, "pagerduty-webhook")

    assert page.acknowledged_at == t("2026-03-02T13:05:00")
    assert page.resolved_at == t("2026-03-02T13:50:00")
    assert page.reopened_at == t("2026-03-02T13:40:00")
    assert page.created_at == t("2026-03-02T13:05:00")  # no trigger, no data.created_at


def test_pagerduty_webhook_without_trigger_uses_the_incidents_own_creation_time() -> None:
    text = _event(
        "e1", "incident.resolved", "2026-03-02T14:00:00Z", created_at="2026-03-02T13:00:00Z"
    )
    [page], _ = read_text(text, "pagerduty-webhook")
    assert (page.created_at, page.resolved_at) == (
        t("2026-03-02T13:00:00"),
        t("2026-03-02T14:00:00"),
    )


# --- Opsgenie -----------------------------------------------------------------------------


def test_opsgenie_pages_and_rejects() -> None:
    pages, rejects = read("opsgenie_alerts.json", "opsgenie")

    assert pages == [
        Page(
            id="opsgenie:70413a06-38d6-4c85-92b8-5ebc900d42e2",
            source="opsgenie",
            source_id="70413a06-38d6-4c85-92b8-5ebc900d42e2",
            incident_key="event_573",
            alert="Our servers are in danger",
            service="checkout",  # the tag service:checkout
            urgency="P1",
            created_at=t("2017-05-18T12:51:20.251000"),
            acknowledged_at=t("2017-05-18T12:51:35.953000"),  # + ackTime 15702 ms
            resolved_at=t("2017-05-18T12:52:20.754000"),  # + closeTime 60503 ms
            responder="agent@opsgenie.com",  # acknowledgedBy before owner
        ),
        Page(
            id="opsgenie:8418d193-2dab-4490-b331-8c02cdd196b7",
            source="opsgenie",
            source_id="8418d193-2dab-4490-b331-8c02cdd196b7",
            incident_key="disk-db-1",
            alert="Disk full on db-1",
            service="search",  # extraProperties.service
            urgency="P3",
            created_at=t("2026-03-02T14:00:00"),  # epoch milliseconds
            acknowledged_at=None,  # never acknowledged
            resolved_at=t("2026-03-02T14:30:15.123456"),  # closed: updatedAt, nanoseconds
            responder="bo@example.com",  # the owner
        ),
    ]
    assert summary(rejects) == [
        (42, "createdAt", f'unparseable time: expected {TIME_EXPECTED}, found "soon"'),
        (48, "message", "missing message: expected a non-empty string"),
    ]


@pytest.mark.parametrize(
    "created_at",
    [
        "2026-03-02T14:00:00.123Z",
        "2026-03-02T15:00:00.123+01:00",
        1772460000123,  # milliseconds
        "1772460000123",
        1772460000123000,  # microseconds
        1772460000123000000,  # nanoseconds
        1772460000.123,  # seconds
    ],
)
def test_opsgenie_epoch_unit_is_told_by_magnitude(created_at: object) -> None:
    alert = {"id": "a1", "message": "m", "createdAt": created_at, "report": {"ackTime": 877}}
    [page], rejects = read_text(json.dumps(alert), "opsgenie")

    assert rejects == []
    assert page.created_at == t("2026-03-02T14:00:00.123000")
    assert page.acknowledged_at == t("2026-03-02T14:00:01")


def test_opsgenie_bad_ack_time_is_rejected_with_its_field() -> None:
    alert = {"id": "a1", "message": "m", "createdAt": 1772460000000, "report": {"ackTime": "x"}}
    _, rejects = read_text(json.dumps({"data": {**alert}}), "opsgenie")
    assert summary(rejects) == [
        (
            1,
            "report.ackTime",
            "expected milliseconds since creation (a number >= 0) for report.ackTime,"
            " found a string",
        )
    ]


# --- Alertmanager -------------------------------------------------------------------------


def test_alertmanager_one_page_per_alert_start() -> None:
    pages, rejects = read("alertmanager.jsonl", "alertmanager")

    probe = "1a30ba71cca2921f:2026-03-02T13:08:45.828000Z"
    latency = "c6eadffa33fcdf37:2026-03-02T13:10:00.123456Z"
    probe_again = "1a30ba71cca2921f:2026-03-02T16:00:00Z"
    node = "00ff00ff00ff00ff:2026-03-02T17:00:00Z"
    assert pages == [
        Page(
            id=f"alertmanager:{probe}",
            source="alertmanager",
            source_id=probe,
            incident_key=probe,
            alert="ProbeFailure",
            service="http_checks",  # no service label: the job
            urgency="critical",
            created_at=t("2026-03-02T13:08:45.828000"),
            acknowledged_at=None,
            # fired three times, resolved twice: the first resolution counts
            resolved_at=t("2026-03-02T13:20:45.828000"),
            responder=None,
        ),
        Page(
            id=f"alertmanager:{latency}",
            source="alertmanager",
            source_id=latency,
            incident_key=latency,
            alert="HighLatency",
            service="checkout",
            urgency="warning",
            created_at=t("2026-03-02T13:10:00.123456"),  # +02:00 and nanoseconds
            acknowledged_at=None,
            resolved_at=None,  # a firing alert's endsAt is no resolution
            responder=None,
        ),
        Page(
            id=f"alertmanager:{probe_again}",
            source="alertmanager",
            source_id=probe_again,
            incident_key=probe_again,
            alert="ProbeFailure",
            service="http_checks",
            urgency="critical",
            created_at=t("2026-03-02T16:00:00"),  # the same alert firing anew
            acknowledged_at=None,
            resolved_at=None,
            responder=None,
        ),
        Page(
            id=f"alertmanager:{node}",
            source="alertmanager",
            source_id=node,
            incident_key=node,
            alert="NodeDown",
            service="node",
            urgency=None,
            created_at=t("2026-03-02T17:00:00"),
            acknowledged_at=None,
            resolved_at=None,
            responder=None,
        ),
    ]
    assert summary(rejects) == [
        (7, None, "invalid JSON at line 9 column 1: Expecting ',' delimiter"),
        (
            8,
            "alerts[1].startsAt",
            f"missing startsAt: expected the time the alert started, {TIME_EXPECTED}",
        ),
        (
            9,
            "alerts[0].endsAt",
            f"expected the time a resolved alert ended, {TIME_EXPECTED};"
            ' found "0001-01-01T00:00:00Z"',
        ),
    ]


def _payload(status: str, starts_at: str, ends_at: str) -> str:
    alert = {
        "status": status,
        "labels": {"alertname": "A", "job": "j"},
        "startsAt": starts_at,
        "endsAt": ends_at,
        "fingerprint": "f0",
    }
    return json.dumps({"version": "4", "status": status, "alerts": [alert]}) + "\n"


def test_alertmanager_resolution_does_not_depend_on_delivery_order() -> None:
    start = "2026-03-02T13:00:00Z"
    first = _payload("resolved", start, "2026-03-02T13:10:00Z")
    later = _payload("resolved", start, "2026-03-02T13:15:00Z")
    firing = _payload("firing", start, "0001-01-01T00:00:00Z")

    in_order, _ = read_text(firing + first + later + firing, "alertmanager")
    shuffled, _ = read_text(later + firing + first, "alertmanager")

    assert in_order == shuffled
    assert [page.resolved_at for page in in_order] == [t("2026-03-02T13:10:00")]


def test_alertmanager_payload_without_alerts_is_rejected() -> None:
    _, rejects = read_text('{"version": "4", "status": "firing"}\n[1]\n', "alertmanager")
    assert summary(rejects) == [
        (1, "alerts", "missing alerts: expected an Alertmanager webhook payload (version 4)"),
        (2, None, "expected an Alertmanager webhook payload object, found a number"),
    ]


# --- across formats -----------------------------------------------------------------------


def test_the_same_pagerduty_incident_is_the_same_page_in_every_format() -> None:
    from_csv = by_id(read("pagerduty_incidents.csv", "pagerduty-csv")[0])
    from_json = by_id(read("pagerduty_incidents.json", "pagerduty-json")[0])
    from_webhooks = by_id(read("pagerduty_webhooks.jsonl", "pagerduty-webhook")[0])

    assert from_csv["pagerduty:PT4KHLK"] == from_json["pagerduty:PT4KHLK"] == FIRE
    assert from_webhooks["pagerduty:PT4KHLK"] == FIRE_TOLD


@pytest.mark.parametrize(
    ("file_name", "fmt"),
    [
        ("pagerduty_incidents.csv", "pagerduty-csv"),
        ("pagerduty_incidents.json", "pagerduty-json"),
        ("pagerduty_webhooks.jsonl", "pagerduty-webhook"),
        ("opsgenie_alerts.json", "opsgenie"),
        ("alertmanager.jsonl", "alertmanager"),
    ],
)
def test_lines_with_or_without_newlines_read_the_same(file_name: str, fmt: PageFormat) -> None:
    text = (DATA / file_name).read_text(encoding="utf-8")
    assert read_pages(text.splitlines(), fmt, file_name) == read(file_name, fmt)


def test_a_broken_line_of_json_lines_costs_only_that_record() -> None:
    good = {"id": "a1", "message": "m", "createdAt": "2026-03-02T13:00:00Z"}
    text = json.dumps(good) + '\n{"id": "a2", "message": \n' + json.dumps({**good, "id": "a3"})

    pages, rejects = read_text(text, "opsgenie")

    assert [page.source_id for page in pages] == ["a1", "a3"]
    assert [(reject.line, reject.raw) for reject in rejects] == [(2, '{"id": "a2", "message": \n')]


def test_a_broken_array_keeps_the_records_before_the_break() -> None:
    good = {"id": "a1", "message": "m", "createdAt": "2026-03-02T13:00:00Z"}
    text = '{"data": [\n  ' + json.dumps(good) + ',\n  {"id": "a2",,\n  {"id": "a3"}\n]}\n'

    pages, rejects = read_text(text, "opsgenie")

    assert [page.source_id for page in pages] == ["a1"]
    assert summary(rejects) == [
        (
            3,
            None,
            "invalid JSON at line 3 column 15: Expecting property name enclosed in double quotes",
        )
    ]


def test_raw_text_of_a_reject_is_capped() -> None:
    text = json.dumps({"id": "a1", "message": "m" * 5000}) + "\n"
    _, [reject] = read_text(text, "opsgenie")
    assert reject.field == "createdAt"
    assert len(reject.raw) == 2000


def test_an_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match='unknown page format "splunk"'):
        read_pages([], "splunk", "x.json")  # type: ignore[arg-type]


def test_a_line_of_text_among_json_records_is_one_reject() -> None:
    """A log line in an Alertmanager capture, or a CSV given as JSON: one reject per line
    of text, not one for each number and word the JSON decoder would find in it."""
    lines = (DATA / "alertmanager.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    text = lines[0] + "2026-03-29T01:31:00Z INFO reloading configuration -0 3\n" + lines[0]

    pages, rejects = read_text(text, "alertmanager")
    as_csv = read_text("id,message,createdAt\n1,Disk full,1774744200000\n", "opsgenie")

    assert len(pages) == len(read_text(lines[0], "alertmanager")[0])
    assert summary(rejects) == [
        (2, None, "invalid JSON at line 2 column 1: expected an object or an array")
    ]
    assert as_csv[0] == []
    assert summary(as_csv[1]) == [
        (1, None, "invalid JSON at line 1 column 1: expected an object or an array")
    ]
