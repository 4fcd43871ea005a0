"""Pages from any pager's CSV or JSON export (`--format csv`, `jsonl`): the readers alone,
against realistic exports under tests/data/oncall/ and small ones written here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from basics.core.errors import InputError
from basics.ingest.named_fields import parse_mapping
from basics.oncall.formats.records import read_csv, read_jsonl
from basics.oncall.importers import read_pages, read_records
from basics.oncall.models import Page, PageReject

DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"
TIME_EXPECTED = (
    "ISO 8601 such as 2026-03-02T14:00:05Z (an offset or UTC after it; none is UTC), "
    "or epoch seconds"
)


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def summary(rejects: list[PageReject]) -> list[tuple[int, str | None, str]]:
    return [(reject.line, reject.field, reject.reason) for reject in rejects]


def fields(pages: list[Page]) -> list[tuple[object, ...]]:
    """Each page's id, alert, service, urgency, times, responder and incident key."""
    return [
        (p.id, p.alert, p.service, p.urgency, p.created_at, p.acknowledged_at, p.resolved_at,
         p.responder, p.incident_key)
        for p in pages
    ]  # fmt: skip


def csv_of(text: str, mapping: str | None = None) -> tuple[list[Page], list[PageReject]]:
    return read_csv(text.encode(), "<test>", parse_mapping(mapping))


def jsonl_of(*records: object, mapping: str | None = None) -> tuple[list[Page], list[PageReject]]:
    data = "".join(json.dumps(record) + "\n" for record in records).encode()
    return read_jsonl(data, "<test>", parse_mapping(mapping), "tool")


# --- realistic exports ----------------------------------------------------------------------


def test_a_home_grown_pagers_csv_saved_by_excel_with_rows_appended_from_windows() -> None:
    """Excel's "CSV UTF-8" (BOM, CRLF) with a second week pasted below it as Windows text
    (its header again, "Zoë" in Windows-1252): every field by a name no mapping needs."""
    pages, rejects = read_csv((DATA / "pager_export.csv").read_bytes(), "pager_export.csv")

    assert fields(pages) == [
        ("pager:PG-101", "DiskSpaceLow", "Database", "critical", t("2026-03-02T14:00:05"),
         t("2026-03-02T14:03:00"), t("2026-03-02T14:40:00"), "alice", "PG-101"),
        # 23:10 at +01:00 is 22:10 UTC; no acknowledgement, resolved on its own.
        ("pager:PG-102", "HighLatency", "checkout", "warning", t("2026-03-02T22:10:00"), None,
         t("2026-03-02T22:30:00"), "alice.martin@example.com", "PG-102"),
        # Epoch seconds; a quoted title with a comma.
        ("pager:PG-103", "Queue depth > 10,000", "payments", "critical",
         t("2026-03-04T02:00:00"), t("2026-03-04T02:02:00"), t("2026-03-04T03:00:00"), "bob",
         "PG-103"),
        # No offset: UTC. " UTC" after the time.
        ("pager:PG-105", "DiskSpaceLow", "Database", "critical", t("2026-03-09T08:30:00"),
         t("2026-03-09T08:34:00"), None, "Zoë Ng", "PG-105"),
        # 03:15 at -04:00 is 07:15 UTC.
        ("pager:PG-106", "HighLatency", "checkout", "warning", t("2026-03-10T07:15:00"),
         t("2026-03-10T07:20:00"), t("2026-03-10T07:45:00"), "bob", "PG-106"),
    ]  # fmt: skip
    # The header pasted again on line 6 is skipped; PG-101 told twice is one page.
    assert summary(rejects) == [
        (5, "Triggered At", f'unparseable time: expected {TIME_EXPECTED}, found "soon"'),
        (10, None, "expected 8 columns as in the header, found 9"),
    ]
    assert rejects[1].raw == (
        "PG-107,HighLatency,checkout,warning,2026-03-11T12:00:00Z,,,bob,see PG-106"
    )


def test_grafana_oncall_alert_groups_as_the_api_returns_them_two_pages_the_second_cut_off() -> None:
    """`GET /api/v1/alert_groups/` saved page after page; the download of the second broke
    off inside its second alert group, which is one reject at the line it starts on."""
    data = (DATA / "grafana_oncall_alert_groups.json").read_bytes()
    pages, rejects = read_jsonl(data, "alert_groups.json", None, "grafana-oncall")

    assert fields(pages) == [
        ("grafana-oncall:IAKX3Q7TT2N5F", "[firing:1] DiskSpaceLow db-1", None, None,
         t("2026-03-02T22:15:03.120345"), t("2026-03-02T22:19:41"),
         t("2026-03-02T23:02:10.500000"), "U4LICE7QX3M2", "IAKX3Q7TT2N5F"),
        # Neither acknowledged nor resolved by anyone: no responder (the shift's, later).
        ("grafana-oncall:IBQ9MZV1C4HRK", "[firing:1] HighLatency checkout", None, None,
         t("2026-03-03T10:00:00"), None, t("2026-03-03T10:04:00"), None, "IBQ9MZV1C4HRK"),
        ("grafana-oncall:IC7WENS2Q1Y3D", "[firing:3] HighLatency checkout", None, None,
         t("2026-03-04T03:30:00"), None, None, None, "IC7WENS2Q1Y3D"),
        ("grafana-oncall:ID2HGY8XW5KJV", "[firing:1] DiskSpaceLow db-1", None, None,
         t("2026-03-10T02:00:00"), t("2026-03-10T02:06:00"), t("2026-03-10T02:30:00"),
         "UB0B9KRT5WZ1", "ID2HGY8XW5KJV"),
    ]  # fmt: skip
    assert summary(rejects) == [
        (96, None, "invalid JSON at line 102 column 46: Invalid control character at")
    ]
    assert rejects[0].raw.startswith('{\n      "id": "IE5RT0PQ8ZMNA",')


def test_incident_io_alerts_as_the_api_returns_them() -> None:
    """`GET /v2/alerts`: no acknowledgement and no responder in an alert; the
    deduplication key groups the two alerts of one disk into one incident."""
    data = (DATA / "incident_io_alerts.json").read_bytes()
    pages, rejects = read_jsonl(data, "alerts.json", None, "incident-io")

    assert fields(pages) == [
        ("incident-io:01JNXA4K7P2R9S3T6V8W1Y0Z5B", "Disk space low on db-1", None, None,
         t("2026-03-05T08:10:00.123456"), None, t("2026-03-05T08:25:00.123456"), None,
         "db-1/disk"),
        ("incident-io:01JNXB8M3Q5S7U9W2Y4A6C8E0G", "Checkout latency p99 > 2s", None, None,
         t("2026-03-05T21:40:00"), None, None, None, "checkout/latency"),
        ("incident-io:01JNXC2N6R8T0V2X4Z6B8D0F2H", "Disk space low on db-1", None, None,
         t("2026-03-06T23:30:00"), None, t("2026-03-06T23:31:00"), None, "db-1/disk"),
    ]  # fmt: skip
    assert rejects == []


def test_splunk_on_call_incident_history_reads_its_number_start_title_and_paged_user() -> None:
    """`GET /api-reporting/v2/incidents`: acknowledgement and resolution are in
    `transitions`, which the reader does not look into."""
    body = {
        "offset": 0, "limit": 20, "total": 1,
        "incidents": [
            {"alertCount": 1, "currentPhase": "RESOLVED", "entityDisplayName": "Disk full on db-1",
             "entityId": "db-1/disk", "incidentNumber": "2093", "routingKey": "database",
             "service": "Database", "startTime": "2026-03-02T14:00:05Z",
             "pagedUsers": ["amartin"], "pagedTeams": ["team-00VkR4NvJvM5h9Ae"],
             "transitions": [{"name": "ACKED", "at": "2026-03-02T14:03:00Z", "by": "amartin"}]},
        ],
    }  # fmt: skip
    pages, rejects = read_jsonl(json.dumps(body).encode(), "incidents.json", None, "splunk-on-call")

    assert fields(pages) == [
        ("splunk-on-call:2093", "Disk full on db-1", "Database", None, t("2026-03-02T14:00:05"),
         None, None, "amartin", "2093"),
    ]  # fmt: skip
    assert rejects == []


def test_a_json_api_resource_is_read_through_its_attributes() -> None:
    """Rootly's `GET /v1/incidents`: fields under `attributes`, the severity a resource of
    its own; the user who declared the incident is not taken for its responder."""
    body = {
        "data": [
            {"id": "70465736", "type": "incidents",
             "attributes": {"title": "Checkout down", "status": "resolved",
                            "created_at": "2026-03-02T06:55:25.008-08:00",
                            "acknowledged_at": "2026-03-02T06:58:00-08:00",
                            "resolved_at": "2026-03-02T07:30:00-08:00",
                            "severity": {"data": {"id": "9", "type": "severities",
                                                  "attributes": {"name": "SEV1"}}},
                            "user": {"data": {"id": "353", "attributes": {"name": "Kasey"}}}}},
        ]
    }  # fmt: skip
    pages, rejects = read_jsonl(json.dumps(body).encode(), "incidents.json", None, "rootly")

    assert fields(pages) == [
        ("rootly:70465736", "Checkout down", None, "SEV1", t("2026-03-02T14:55:25.008"),
         t("2026-03-02T14:58:00"), t("2026-03-02T15:30:00"), None, "70465736"),
    ]  # fmt: skip
    assert rejects == []


# --- fields, names and the mapping -------------------------------------------------------------


def test_mapping_names_columns_and_json_paths_the_reader_does_not_know() -> None:
    # Semicolons, as Excel writes in many locales; the mapping's names compared loosely.
    pages, rejects = csv_of(
        "Ref;Check;Fired;Cleared;Who\n7;Disk;2026-03-02T14:00:00Z;2026-03-02T14:30:00Z;alice\n",
        mapping="id=ref,alert=Check,created_at=FIRED,resolved_at=Cleared,responder=who",
    )
    assert fields(pages) == [
        ("pager:7", "Disk", None, None, t("2026-03-02T14:00:00"), None,
         t("2026-03-02T14:30:00"), "alice", "7"),
    ]  # fmt: skip
    assert rejects == []

    # A dotted path into nested JSON: the alert's name from the payload it came with.
    pages, rejects = jsonl_of(
        {"id": "I1", "created_at": "2026-03-02T14:00:00Z", "title": "[firing:2] Disk",
         "last_alert": {"payload": {"commonLabels": {"alertname": "Disk"}}}},
        mapping="alert=last_alert.payload.commonLabels.alertname",
    )  # fmt: skip
    assert [(p.id, p.alert) for p in pages] == [("tool:I1", "Disk")]


def test_a_mapping_that_cannot_be_right_is_refused_before_reading() -> None:
    with pytest.raises(InputError, match='--mapping: expected FIELD=COLUMN, found "alert"'):
        parse_mapping("alert")
    with pytest.raises(InputError) as unknown:
        csv_of("a\n1\n", mapping="Fired=created_at")
    assert str(unknown.value) == (
        '--mapping: unknown field "Fired": expected one of id, created_at, acknowledged_at, '
        "resolved_at, alert, service, responder, incident_key, urgency; did you mean "
        "created_at=Fired?"
    )
    assert parse_mapping("""alert="Check Name", service='App'""") == {
        "alert": "Check Name",
        "service": "App",
    }


def test_a_header_that_cannot_give_a_page_is_one_reject_at_its_line() -> None:
    pages, rejects = csv_of("\nid,title,when\n1,Disk,2026-03-02T14:00:00Z\n")
    assert pages == []
    assert summary(rejects) == [
        (2, "created_at", "no column for created_at: expected one named created_at, created, "
         "created_on, triggered_at, triggered, start_time, started_at, starts_at, fired_at, "
         "opened_at, reported_at, timestamp, time (or --mapping created_at=COLUMN); columns: "
         "id, title, when"),
    ]  # fmt: skip

    pages, rejects = csv_of("id,title,when\n1,Disk,x\n", mapping="created_at=fired")
    assert summary(rejects) == [
        (1, "created_at", 'the mapping names column "fired" for created_at; columns: id, title, '
         "when"),
    ]  # fmt: skip


def test_records_without_the_fields_a_page_needs_are_rejected_naming_them() -> None:
    pages, rejects = jsonl_of(
        {"id": "1", "title": "Disk"},
        {"id": "2", "created_at": "2026-03-02T14:00:00Z", "title": ""},
        {"id": "3", "created_at": "2026-03-02T14:00:00Z", "title": True},
        "one page",
        {"id": "5", "created_at": {"at": 1}, "title": "Disk"},
    )
    assert pages == []
    assert summary(rejects) == [
        (1, "created_at", f"missing created_at: expected when the page was triggered, "
         f"{TIME_EXPECTED}"),
        (2, "title", "missing alert: expected the alert's name or title (a field title, alert, "
         "alertname, name, summary or message, or --mapping alert=NAME)"),
        (3, "title", "expected text for title, found a boolean"),
        (4, None, "expected a JSON object (one page), found a string"),
        (5, "created_at", f"unparseable time: expected {TIME_EXPECTED}, found an object"),
    ]  # fmt: skip


def test_a_record_without_an_id_is_keyed_by_its_service_time_and_alert() -> None:
    pages, _ = csv_of(
        "created,alert,service\n"
        "2026-03-02T14:00:00+01:00,Disk,db\n"
        "2026-03-02T13:00:00Z,Disk,db\n"  # the same page again: one page
        "2026-03-02T13:00:00Z,CPU,\n"
    )
    assert [(p.id, p.source_id, p.incident_key) for p in pages] == [
        ("pager:db@2026-03-02T13:00:00Z#Disk", "db@2026-03-02T13:00:00Z#Disk",
         "db@2026-03-02T13:00:00Z#Disk"),
        ("pager:2026-03-02T13:00:00Z#CPU", "2026-03-02T13:00:00Z#CPU",
         "2026-03-02T13:00:00Z#CPU"),
    ]  # fmt: skip


def test_the_first_name_holding_a_value_wins_and_people_come_out_of_lists_and_objects() -> None:
    pages, _ = jsonl_of(
        # acknowledged_by is null: the next name that holds someone, resolved_by.
        {"id": "1", "created_at": "2026-03-02T14:00:00Z", "title": "A",
         "acknowledged_by": None, "resolved_by": "UB0B"},
        {"id": "2", "created_at": "2026-03-02T14:00:00Z", "title": "B",
         "responders": [{"email": "bob@example.com", "first_name": "Bob"}],
         "services": [{"id": "s1", "name": "checkout"}], "priority": {"name": "P1"}},
        {"id": "3", "created_at": "2026-03-02T14:00:00Z", "title": "C",
         "assignee": {"login": "alice"}, "dedup_key": "k", "severity": "critical"},
    )  # fmt: skip
    assert [(p.responder, p.service, p.urgency, p.incident_key) for p in pages] == [
        ("UB0B", None, None, "1"),
        ("bob@example.com", "checkout", "P1", "2"),
        ("alice", None, "critical", "k"),
    ]
    # A CSV cell naming several people: the first.
    pages, _ = csv_of('id,title,created,assigned to\n1,A,2026-03-02T14:00:00Z,"alice; bob"\n')
    assert [p.responder for p in pages] == ["alice"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-03-02T14:00:05Z", "2026-03-02T14:00:05"),
        ("2026-03-02T15:00:05+01:00", "2026-03-02T14:00:05"),
        ("2026-03-02T15:00:05+0100", "2026-03-02T14:00:05"),
        ("2026-03-02 14:00:05 UTC", "2026-03-02T14:00:05"),
        ("2026-03-02 09:00:05 -05:00", "2026-03-02T14:00:05"),
        ("2026-03-02T14:00:05", "2026-03-02T14:00:05"),  # no offset: UTC
        ("2026-03-02T14:00:05.123456789Z", "2026-03-02T14:00:05.123456"),
        ("1772460005", "2026-03-02T14:00:05"),  # epoch seconds
        ("1772460005.5", "2026-03-02T14:00:05.500000"),
        ("1772460005000", "2026-03-02T14:00:05"),  # milliseconds, by magnitude
    ],
)
def test_times_in_every_form_exports_write_them_are_utc(written: str, read: str) -> None:
    pages, rejects = csv_of(f"id,title,created\n1,Disk,{written}\n")
    assert rejects == [] and pages[0].created_at == t(read)


def test_a_yes_or_no_in_a_time_field_says_no_time() -> None:
    pages, rejects = csv_of(
        "id,title,created,acknowledged,resolved\n1,Disk,2026-03-02T14:00:00Z,Yes,no\n"
    )
    assert rejects == [] and (pages[0].acknowledged_at, pages[0].resolved_at) == (None, None)
    pages, _ = jsonl_of(
        {"id": "1", "created_at": 1772460005, "title": "Disk", "acknowledged": True}
    )
    assert (pages[0].created_at, pages[0].acknowledged_at) == (t("2026-03-02T14:00:05"), None)


# --- bytes --------------------------------------------------------------------------------------


def test_text_that_is_neither_utf8_nor_windows_1252_is_rejected_line_by_line() -> None:
    # 0x81 is undefined in Windows-1252; the valid UTF-8 "é" keeps its line readable.
    data = "id,title,created\n1,Caf\u00e9,2026-03-02T14:00:00Z\n".encode() + (
        b"2,Disk \x81,2026-03-02T15:00:00Z\n"
    )
    pages, rejects = read_csv(data, "x.csv")
    assert [(p.source_id, p.alert) for p in pages] == [("1", "Café")]
    assert [(r.line, r.reason[:40]) for r in rejects] == [
        (3, "invalid UTF-8: byte 0x81 at byte 8 of th")
    ]

    utf16 = "id,title,created\n".encode("utf-16")
    pages, rejects = read_csv(utf16, "x.csv")
    assert pages == [] and rejects[0].line == 1 and "the file is UTF-16" in rejects[0].reason


def test_read_pages_reads_the_record_formats_from_lines_as_the_service_does_from_bytes() -> None:
    data = (DATA / "pager_export.csv").read_bytes()
    lines = data.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    assert read_pages(lines, "csv", "x") == read_records(data, "csv", "x")
    assert read_pages([line.rstrip("\r\n") for line in lines], "csv", "x") == read_records(
        data, "csv", "x"
    )


def test_source_must_be_a_name_of_its_own() -> None:
    with pytest.raises(InputError, match="it starts every page id"):
        read_records(b"", "jsonl", "x", None, "grafana oncall")
    with pytest.raises(InputError, match="is the source of another reader's pages"):
        read_records(b"", "csv", "x", None, "PagerDuty")
    with pytest.raises(InputError, match="--mapping and --source are for --format csv or jsonl"):
        read_records(b"", "opsgenie", "x", {"alert": "x"})


def test_the_docs_table_of_names_is_the_readers() -> None:
    from basics.oncall.formats.records import NAMES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "oncall.md").read_text()
    rows = {}
    for line in docs.splitlines():
        if line.startswith("| `") and line.count("|") == 3:
            field, names = (cell.strip() for cell in line.strip("|").split("|"))
            rows[field.split("`")[1]] = tuple(names.split(", "))
    assert rows == NAMES


def test_an_id_shared_by_two_alerts_is_a_reject_not_one_page() -> None:
    """`Incident ID` is among the names of the id: two alerts of one incident share it.
    The second was folded into the first without a word; the same page told again (later
    in its life) is still one page."""
    data = (
        b"Incident ID,Created At,Alert,Acknowledged At\n"
        b"17,2026-03-02T14:00:00Z,HighLatency,\n"
        b"17,2026-03-02T14:05:00Z,DiskFull,\n"
        b"17,2026-03-02T14:00:00Z,HighLatency,2026-03-02T14:03:00Z\n"
    )

    pages, rejects = read_csv(data, "alerts.csv")

    assert [(p.id, p.alert, p.acknowledged_at) for p in pages] == [
        ("pager:17", "HighLatency", dt.datetime(2026, 3, 2, 14, 3))
    ]
    assert [(r.line, r.field, r.reason) for r in rejects] == [
        (3, "id", "the id of line 2's page, which another alert or time tells here: is the id "
                  "column an incident's, shared by its alerts? Map id= to the page's own id"),
    ]  # fmt: skip


def test_utf8_rows_and_windows_rows_of_one_file_are_each_read_as_written() -> None:
    """A UTF-8 export with a week appended by a spreadsheet as Windows text: each line is
    read in its own encoding, so "Zoë" is one person (the whole file read as Windows-1252
    made the UTF-8 rows' "ZoÃ«" another)."""
    data = (
        "id,created_at,alert,responder\n1,2026-03-02T14:00:00Z,Disk,Zoë\n".encode()
        + "2,2026-03-09T14:00:00Z,Disk,Zoë\n".encode("cp1252")
    )

    pages, rejects = read_csv(data, "mixed.csv")

    assert ([p.responder for p in pages], rejects) == (["Zoë", "Zoë"], [])
