"""`incidents import` of the exports incident tools write: Jira's repeated columns and
times, objects where names belong (PagerDuty, Statuspage, FireHydrant), a later export
updating what an earlier one recorded, ongoing incidents, and a time zone per row. Instants
are hand-computed in UTC: Europe/Berlin is UTC+1 (CET) in November 2026."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from basics.alerting.incident_files import import_incidents
from basics.alerting.incidents import add_incident, list_incidents
from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import InputError

CONFIG = """timezone: Europe/Berlin
services:
  checkout:
    aliases: [Checkout API]
    slos: {availability: {objective: 99.9, good: status < 500}}
  payments:
    aliases: [Payments Gateway]
"""
NOV = dt.datetime(2026, 11, 1)
ZONE = "Europe/Berlin"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    application = App(parse_config(CONFIG, path))
    yield application
    application.close()


def run(app: App, path: Path) -> tuple[list[str], dict[str, int]]:
    result = import_incidents(app.store, path, ZONE, app.config.service_names())
    return result.rejects, result.unknown_services


def stored(app: App) -> list[tuple[object, ...]]:
    return [(i.services, i.start, i.end, i.title, i.severity) for i in list_incidents(app.store)]


def at(day: int, hour: int, minute: int) -> dt.datetime:
    return NOV.replace(day=day, hour=hour, minute=minute)


JIRA = (
    "title,id,start,end,service,service,severity\n"
    "Checkout returning 503,ITSM-101,2026-11-02 11:04,2026-11-02 11:31,Checkout API,,Sev 1\n"
    '"Errors after deploy, second wave",ITSM-102,2026-11-03 15:01,2026-11-03 15:22,checkout,'
    "Payments Gateway,Sev 2\n"
    "Gateway timeouts,ITSM-103,2026-11-04 09:02,,Payments Gateway,,Sev 2\n"
)


def test_a_repeated_service_column_is_read_whole(app: App, tmp_path: Path) -> None:
    """Jira writes `Component/s` once per value: ITSM-101's is in the first copy only,
    ITSM-102 has one in each; ITSM-103 has not ended."""
    (tmp_path / "jira.csv").write_text(JIRA)
    rejects, unknown = run(app, tmp_path / "jira.csv")
    assert rejects == [
        "jira.csv:4: end: empty: an ongoing incident: import it once it has ended, or give its end"
    ]
    assert unknown == {}
    assert stored(app) == [
        (("checkout",), at(2, 10, 4), at(2, 10, 31), "Checkout returning 503", "Sev 1"),
        (("checkout", "payments"), at(3, 14, 1), at(3, 14, 22),
         "Errors after deploy, second wave", "Sev 2"),
    ]  # fmt: skip


def test_a_repeated_column_of_one_value_is_an_error_naming_it(app: App, tmp_path: Path) -> None:
    (tmp_path / "two.csv").write_text(
        "service,Start,end,title,start\ncheckout,2026-11-02 11:00,2026-11-02 12:00,x,\n"
    )
    with pytest.raises(InputError) as error:
        run(app, tmp_path / "two.csv")
    assert str(error.value) == (
        f'{tmp_path / "two.csv"}: the header has "Start" 2 times (columns 2 and 5) and an '
        "incident has one start: which copy holds it is unclear; keep one"
    )
    assert stored(app) == []


def test_objects_are_read_by_their_name_and_nulls_are_no_value(app: App, tmp_path: Path) -> None:
    records = [
        {"id": "p31", "title": "Elevated checkout errors", "start": "2026-11-02T11:00:00+01:00",
         "end": "2026-11-02T11:30:40+01:00", "services": [{"id": "b13", "name": "Checkout API"}],
         "severity": {"name": "Major", "rank": 2}},
        {"id": "X3", "title": "list of one and a null", "start": "2026-11-04T08:00Z",
         "end": "2026-11-04T08:45Z", "services": ["payments", None], "severity": None},
        {"id": "X4", "title": ["list", "title"], "start": "2026-11-04T08:00Z",
         "end": "2026-11-04T08:45Z", "services": ["payments"]},
        {"id": "X5", "title": "a number", "start": "2026-11-04T08:00Z",
         "end": "2026-11-04T08:45Z", "services": ["payments", 42]},
        {"id": "X6", "title": "an object unnamed", "start": "2026-11-04T08:00Z",
         "end": "2026-11-04T08:45Z", "services": [{"status": "major_outage"}]},
    ]  # fmt: skip
    (tmp_path / "mapped.json").write_text(json.dumps(records))
    rejects, _ = run(app, tmp_path / "mapped.json")
    assert rejects == [
        'mapped.json: record 3: title: a list (["list", "title"]): expected text',
        "mapped.json: record 4: services: 42 is a number: expected a name",
        "mapped.json: record 5: services: an object with no name, summary, title or id: "
        '{"status": "major_outage"}',
    ]
    assert stored(app) == [
        # 11:00 and 11:30:40 at +01:00.
        (("checkout",), at(2, 10, 0), at(2, 10, 30).replace(second=40),
         "Elevated checkout errors", "Major"),
        (("payments",), at(4, 8, 0), at(4, 8, 45), "list of one and a null", None),
    ]  # fmt: skip


def test_tool_exports_wrapped_and_with_their_own_field_names(app: App, tmp_path: Path) -> None:
    """PagerDuty's `service` object (its `summary`), Statuspage's `components`, FireHydrant's
    `data`, and their `name`, `started_at`, `created_at` and `resolved_at`."""
    pagerduty = {"incidents": [{
        "id": "Q1ABCDEF", "incident_number": 1234, "title": "Checkout errors",
        "created_at": "2026-11-03T14:02:00Z", "resolved_at": "2026-11-03T14:21:00Z",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "Checkout API"},
    }], "limit": 25}  # fmt: skip
    statuspage = {"page": {"id": "y2j"}, "incidents": [{
        "id": "q41", "name": "Payments degraded", "created_at": "2026-11-06T04:05:00.000+01:00",
        "started_at": "2026-11-06T04:00:00.000+01:00",
        "resolved_at": "2026-11-06T04:31:00.000+01:00",
        "components": [{"id": "c1", "name": "Payments Gateway", "status": "degraded_performance"}],
    }]}  # fmt: skip
    firehydrant = {"data": [{
        "id": "f7a1", "name": "Gateway timeouts", "severity": "SEV2",
        "started_at": "2026-11-04T08:01:00.000Z", "resolved_at": "2026-11-04T08:50:00.000Z",
        "services": [{"id": "s1", "name": "Payments Gateway"}],
    }], "pagination": {"count": 1}}  # fmt: skip
    for name, export in [("pd.json", pagerduty), ("sp.json", statuspage), ("fh.json", firehydrant)]:
        (tmp_path / name).write_text(json.dumps(export))
        assert run(app, tmp_path / name) == ([], {})
    assert stored(app) == [
        (("checkout",), at(3, 14, 2), at(3, 14, 21), "Checkout errors", None),
        (("payments",), at(4, 8, 1), at(4, 8, 50), "Gateway timeouts", "SEV2"),
        # started_at, not created_at: 04:00 and 04:31 at +01:00.
        (("payments",), at(6, 3, 0), at(6, 3, 31), "Payments degraded", None),
    ]


def test_an_unknown_service_is_counted_and_the_cli_warns(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from basics.cli.main import cli

    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "x.csv").write_text(
        "id,service,start,end,title\n"
        "A,paymnets,2026-11-04 09:00,2026-11-04 09:45,typo\n"
        'B,"paymnets, checkout, redis",2026-11-05 09:00,2026-11-05 09:45,two\n'
        "C,Payments Gateway,2026-11-06 09:00,2026-11-06 09:45,alias\n"
    )
    done = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), "incidents", "import",
              str(tmp_path / "x.csv")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (
        done.stdout
        == f"{tmp_path / 'x.csv'}: 3 incidents recorded, updated or already known, 0 refused\n"
    )
    assert done.stderr == (
        "  warning: not a service of basics.yaml, nor an alias of one: paymnets (2 incidents), "
        "redis (1 incident); these incidents are matched to no SLO on them: add them under "
        "services:, or as aliases: of the services they are\n"
    )


def test_a_later_export_updates_what_an_earlier_one_recorded(app: App, tmp_path: Path) -> None:
    """By id, whatever the file is called; without one, by services, start and title, so
    an end corrected (11:30 to 11:32) or given later updates the incident."""
    (tmp_path / "jira.csv").write_text(JIRA)
    run(app, tmp_path / "jira.csv")
    first_ids = [i.id for i in list_incidents(app.store)]
    later = JIRA.replace("2026-11-04 09:02,,", "2026-11-04 09:02,2026-11-04 09:47,")
    later = later.replace("Checkout returning 503", "Checkout returning 503s")
    (tmp_path / "jira-2026-11-09.csv").write_text(later)
    assert run(app, tmp_path / "jira-2026-11-09.csv") == ([], {})
    incidents = list_incidents(app.store)
    assert [i.id for i in incidents][:2] == first_ids
    assert [(i.title, i.end, i.source) for i in incidents] == [
        ("Checkout returning 503s", at(2, 10, 31), "file:jira-2026-11-09.csv"),
        ("Errors after deploy, second wave", at(3, 14, 22), "file:jira-2026-11-09.csv"),
        ("Gateway timeouts", at(4, 8, 47), "file:jira-2026-11-09.csv"),
    ]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("service,start,end,title\ncheckout,2026-11-02 11:00,2026-11-02 11:30,x\n")
    run(app, sheet)
    sheet.write_text("service,start,end,title\nCheckout API,2026-11-02 11:00,2026-11-02 11:32,x\n")
    run(app, sheet)
    assert [(i.services, i.start, i.end) for i in list_incidents(app.store) if i.title == "x"] == [
        (("checkout",), at(2, 10, 0), at(2, 10, 32))
    ]
    assert len(list_incidents(app.store)) == 4


def test_an_incident_imported_before_the_identity_changed_is_updated(
    app: App, tmp_path: Path
) -> None:
    """Imported by the earlier rule: by id under `file:<name>`, or without one under the hash
    of its services, times and title."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("service,start,end,title\ncheckout,2026-11-02 11:00,2026-11-02 11:30,x\n")
    # What the earlier version stored: sha256 of its services, str(start), str(end), title.
    old = json.dumps([["checkout"], "2026-11-02 10:00:00", "2026-11-02 10:30:00", "x"])
    add_incident(app.store, ["checkout"], at(2, 10, 0), at(2, 10, 30), "x",
                 source="file:sheet-old.csv",
                 source_key=hashlib.sha256(old.encode()).hexdigest()[:16])  # fmt: skip
    add_incident(app.store, ["checkout"], at(2, 10, 4), at(2, 10, 31), "old",
                 source="file:jira.csv", source_key="ITSM-101")  # fmt: skip
    (tmp_path / "jira-2026-11-09.csv").write_text(JIRA)
    run(app, sheet)
    run(app, tmp_path / "jira-2026-11-09.csv")
    assert [(i.id, i.title) for i in list_incidents(app.store)] == [
        (1, "x"), (2, "Checkout returning 503"), (3, "Errors after deploy, second wave"),
    ]  # fmt: skip


def test_a_time_zone_per_row_jira_times_and_rows_of_only_commas(app: App, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Service,Start,End,TZ,Title\n"
        "checkout,2026-11-02 11:00,2026-11-02 11:32,Europe/Berlin,berlin\n"
        ",,,,\n"
        "checkout,2026-11-03 14:00,2026-11-03 14:20,UTC,utc\n"
        "\n"
        "checkout,2026-11-03 14:00,2026-11-03 14:20,America/New_York,new york\n"
        "checkout,2026-11-03 14:00Z,2026-11-03 14:20Z,America/New_York,offset wins\n"
        "checkout,2026-11-03 14:00,2026-11-03 14:20,PST,abbreviation\n"
        "checkout,03/Nov/26 3:01 PM,03/Nov/26 3:22 PM,,jira\n"
        "checkout,04/Nov/2026 12:05 AM,04/Nov/2026 12:40 PM,UTC,midnight and noon\n"
        "checkout,04/11/2026 09:00,04/11/2026 09:45,,numbers\n"
        "checkout,04/Nox/26 9:00 AM,04/Nov/26 9:45 AM,,no month\n"
    )
    rejects, _ = run(app, sheet)
    assert rejects == [
        'sheet.csv:8: timezone: unknown time zone "PST": expected an IANA name such as '
        "Europe/Berlin or UTC",
        'sheet.csv:11: start: "04/11/2026 09:00" could be day/month or month/day: write '
        "times in ISO 8601, such as 2026-03-02T14:00:05Z or 2026-03-02 14:00",
        'sheet.csv:12: start: "04/Nox/26 9:00 AM": "Nox" is not a month (Jan to Dec)',
    ]
    assert [(i.title, i.start, i.end) for i in list_incidents(app.store)] == [
        ("berlin", at(2, 10, 0), at(2, 10, 32)),
        ("utc", at(3, 14, 0), at(3, 14, 20)),
        ("offset wins", at(3, 14, 0), at(3, 14, 20)),
        # 15:01 in Berlin (UTC+1).
        ("jira", at(3, 14, 1), at(3, 14, 22)),
        # New York is UTC-5 after 1 November 2026 (EST).
        ("new york", at(3, 19, 0), at(3, 19, 20)),
        ("midnight and noon", at(4, 0, 5), at(4, 12, 40)),
    ]


def test_an_id_of_another_file_is_the_same_incident_only_where_it_agrees(
    app: App, tmp_path: Path
) -> None:
    """Spreadsheets number their rows: "1" of 2025's sheet is not "1" of 2026's. A later
    export of the same incident (its id, its start) updates it; another file's "1" with
    another start and title is an incident of its own."""
    header = "id,title,service,start,end\n"
    (tmp_path / "incidents-2025.csv").write_text(
        header + "1,DB failover,checkout,2025-03-02 10:00,2025-03-02 10:30\n"
    )
    (tmp_path / "incidents-2026.csv").write_text(
        header + "1,Bad deploy,checkout,2026-01-10 09:00,2026-01-10 09:20\n"
    )
    (tmp_path / "incidents-2026-later.csv").write_text(
        header + "1,Bad deploy,checkout,2026-01-10 09:00,2026-01-10 09:25\n"
    )
    for name in ("incidents-2025.csv", "incidents-2026.csv", "incidents-2026-later.csv"):
        assert run(app, tmp_path / name) == ([], {})

    assert [(i.title, i.end) for i in list_incidents(app.store)] == [
        ("DB failover", dt.datetime(2025, 3, 2, 9, 30)),
        ("Bad deploy", dt.datetime(2026, 1, 10, 8, 25)),  # updated by the later export
    ]


def test_a_record_without_id_stored_under_an_older_key_is_updated(app: App) -> None:
    """Stored before the key left the end out (its key then held the end), corrected
    later: the incident of the same services, start and title is updated, not doubled."""
    start, end = dt.datetime(2026, 11, 2, 10), dt.datetime(2026, 11, 2, 11, 30)
    add_incident(app.store, ["checkout"], start, end, "Checkout down",
                 source="file:sheet.csv", source_key="0123456789abcdef")  # fmt: skip
    add_incident(
        app.store, ["checkout"], start, end + dt.timedelta(minutes=2), "Checkout down",
        source="file:sheet.csv", source_key="fedcba9876543210", former_key="ffffffffffffffff",
    )  # fmt: skip

    assert [(i.title, i.end) for i in list_incidents(app.store)] == [
        ("Checkout down", dt.datetime(2026, 11, 2, 11, 32))
    ]


def test_jira_service_management_and_incident_io_exports_as_they_are(
    app: App, tmp_path: Path
) -> None:
    """Their own column names: Jira's Issue key, Created, Resolved, Component/s (twice) and
    a custom field; incident.io's Reference, Reported at, Resolved at, Affected services."""
    jira = tmp_path / "jira-sm.csv"
    jira.write_text(
        "Summary,Issue key,Issue Type,Status,Priority,Created,Resolved,Component/s,"
        "Component/s,Custom field (Severity)\n"
        "Checkout returning 503,ITSM-101,Incident,Resolved,Highest,02/Nov/26 11:04 AM,"
        "02/Nov/26 11:31 AM,Checkout API,,Sev 1\n"
        '"Errors after deploy, second wave",ITSM-102,Incident,Resolved,High,03/Nov/26 3:01 PM,'
        "03/Nov/26 3:22 PM,checkout,Payments Gateway,\n"
    )
    incident_io = tmp_path / "incident-io.csv"
    incident_io.write_text(
        "ID,Reference,Name,Status,Severity,Reported at,Resolved at,Affected services\n"
        "01HXYZ,INC-42,Checkout 5xx spike,Closed,Major,2026-11-05 22:03:00,"
        "2026-11-05 22:12:00,checkout\n"
    )

    assert run(app, jira) == ([], {})
    assert run(app, incident_io) == ([], {})

    # Berlin is UTC+1 in November; a severity column wins over Jira's priority.
    assert stored(app) == [
        (("checkout",), at(2, 10, 4), at(2, 10, 31), "Checkout returning 503", "Sev 1"),
        (("checkout", "payments"), at(3, 14, 1), at(3, 14, 22),
         "Errors after deploy, second wave", "High"),
        (("checkout",), at(5, 21, 3), at(5, 21, 12), "Checkout 5xx spike", "Major"),
    ]  # fmt: skip


INCIDENT_IO = Path(__file__).parent.parent / "data" / "alerting" / "incident-io-v2-incidents.json"


def test_incident_io_api_incidents_with_their_timestamps_and_custom_fields(
    app: App, tmp_path: Path
) -> None:
    """`GET /v2/incidents` saved as it comes: times under `incident_timestamp_values`
    (Impact started before Reported at; a timestamp not set is empty), services under the
    `Affected services` custom field (catalog entries), a test and a declined incident
    skipped, one still active refused as ongoing. Importing again updates, never doubles."""
    result = import_incidents(app.store, INCIDENT_IO, ZONE, app.config.service_names())

    assert result.rejects == [
        "incident-io-v2-incidents.json: record 5: end: empty: an ongoing incident: import it "
        "once it has ended, or give its end"
    ]
    assert result.skipped == [
        "incident-io-v2-incidents.json: record 3: mode: test: incident.io's test incident, "
        "not a real one",
        "incident-io-v2-incidents.json: record 4: incident_status: declined: not an incident "
        "that happened (declined in triage, merged into another or canceled)",
    ]
    expected = [
        # Impact started 14:02Z, not created (reported) at 14:09Z; resolved at 14:21Z.
        (("checkout",), at(3, 14, 2), at(3, 14, 21), "Checkout API returning 503s after 2.7.0",
         "Major"),
        # No impact start set: created at 08:05Z.
        (("payments", "checkout"), at(4, 8, 5), at(4, 8, 50), "Payment gateway timeouts",
         "Minor"),
    ]  # fmt: skip
    assert stored(app) == expected
    again = import_incidents(app.store, INCIDENT_IO, ZONE, app.config.service_names())
    assert (again.recorded, stored(app)) == (result.recorded, expected)


def test_the_cli_lists_skipped_records_and_exits_3_for_the_refused_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from basics.cli.main import cli

    (tmp_path / "basics.yaml").write_text(CONFIG)
    done = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), "incidents", "import", str(INCIDENT_IO)]
    )

    assert done.exit_code == 3, done.output
    assert " ".join(done.stdout.split()) == (
        f"{INCIDENT_IO}: 2 incidents recorded, updated or already known, 1 refused, "
        "2 skipped (no incident)"
    )
    assert done.stderr.splitlines()[1:] == [
        "  skipped: incident-io-v2-incidents.json: record 3: mode: test: incident.io's test "
        "incident, not a real one",
        "  skipped: incident-io-v2-incidents.json: record 4: incident_status: declined: not an "
        "incident that happened (declined in triage, merged into another or canceled)",
    ]


def test_an_incident_declined_or_merged_after_an_import_is_withdrawn(
    app: App, tmp_path: Path
) -> None:
    """incident.io merges INC-213 into INC-212 after the first export was imported: the next
    export marks it merged, and the incident the first recorded is removed, not kept for
    replays to judge alerts against. A test incident never recorded stays only skipped."""
    first = import_incidents(app.store, INCIDENT_IO, ZONE, app.config.service_names())
    data = json.loads(INCIDENT_IO.read_text(encoding="utf-8"))
    data["incidents"][1]["incident_status"]["category"] = "merged"
    later = tmp_path / "later.json"
    later.write_text(json.dumps(data), encoding="utf-8")

    again = import_incidents(app.store, later, ZONE, app.config.service_names())

    assert again.recorded == first.recorded[:1]
    assert again.withdrawn == [
        f"later.json: record 2: incident {first.recorded[1]} (Payment gateway timeouts), "
        "recorded before, removed: incident_status: merged: not an incident that happened "
        "(declined in triage, merged into another or canceled)"
    ]
    assert [s.split(":")[1] for s in again.skipped] == [" record 3", " record 4"]
    assert [i.title for i in list_incidents(app.store)] == [
        "Checkout API returning 503s after 2.7.0"
    ]
    # Once removed, importing the merged record again withdraws nothing more.
    assert import_incidents(app.store, later, ZONE, app.config.service_names()).withdrawn == []


def test_the_cli_lists_withdrawn_incidents(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from basics.cli.main import cli

    (tmp_path / "basics.yaml").write_text(CONFIG)
    data = json.loads(INCIDENT_IO.read_text(encoding="utf-8"))
    runs = []
    for category in ("learning", "declined"):
        data["incidents"][1]["incident_status"]["category"] = category
        path = tmp_path / "incidents.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        config = ["--config", str(tmp_path / "basics.yaml")]
        runs.append(CliRunner().invoke(cli, [*config, "incidents", "import", str(path)]))

    assert " ".join(runs[1].stdout.split()) == (
        f"{path}: 1 incident recorded, updated or already known, 1 refused, "
        "2 skipped (no incident), 1 withdrawn (no incident after all)"
    )
    assert (
        runs[1]
        .stderr.splitlines()[-1]
        .startswith(
            "  withdrawn: incidents.json: record 2: incident 2 (Payment gateway timeouts), "
            "recorded before, removed: incident_status: declined"
        )
    )


def test_a_withdrawal_finds_the_incident_by_its_start_in_another_export(
    app: App, tmp_path: Path
) -> None:
    """A later export, named otherwise, whose merged incident has another title: found by
    its id and start, as importing it again would find it (it stayed, judged against)."""
    import_incidents(app.store, INCIDENT_IO, ZONE, app.config.service_names())
    data = json.loads(INCIDENT_IO.read_text(encoding="utf-8"))
    data["incidents"][1]["incident_status"]["category"] = "merged"
    data["incidents"][1]["name"] = "Payment gateway timeouts (merged into INC-212)"
    later = tmp_path / "incidents-2026-11-05.json"
    later.write_text(json.dumps(data), encoding="utf-8")

    again = import_incidents(app.store, later, ZONE, app.config.service_names())

    assert len(again.withdrawn) == 1
    assert [i.title for i in list_incidents(app.store)] == [
        "Checkout API returning 503s after 2.7.0"
    ]
