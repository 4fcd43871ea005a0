"""Importing any pager's export (`basics ingest pages --format csv | jsonl`): batches,
re-imports and later exports, undo, the CLI, and the on-call report over what came in."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import InputError
from basics.ingest.batches import undo_batch

DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"
CONFIG = """
timezone: Europe/London
people:
  alice: {timezone: Europe/London, name: Alice Martin, aliases: [U4LICE7QX3M2]}
  bob: {timezone: America/New_York, aliases: [UB0B9KRT5WZ1]}
teams:
  payments: {members: [alice, bob]}
rotations:
  payments-primary:
    team: payments
    timezone: Europe/London
    handover: monday 09:00
    start: 2026-03-02
    people: [alice, bob]
"""
# alice is on call 2026-03-02 09:00 UTC to 03-09 09:00, then bob to 03-16 09:00.
TWO_WEEKS = (dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 16))


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_a_csv_export_imports_once_and_the_report_counts_its_pages(app: App) -> None:
    export = str(DATA / "pager_export.csv")
    first = app.oncall.ingest_pages(export, "csv")
    assert (first.status, first.pages, first.new_pages, first.rejected) == ("applied", 5, 5, 2)
    assert [(r.line, r.field) for r in first.first_rejects] == [(5, "Triggered At"), (10, None)]
    again = app.oncall.ingest_pages(export, "csv")
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
    # "alice.martin@example.com" is Alice Martin of basics.yaml; Zoë is nobody it knows.
    assert [(p.id, p.responder) for p in app.oncall.pages()] == [
        ("pager:PG-101", "alice"),
        ("pager:PG-102", "alice"),
        ("pager:PG-103", "bob"),
        ("pager:PG-105", "Zoë Ng"),
        ("pager:PG-106", "bob"),
    ]

    report = app.oncall.report(*TWO_WEEKS)

    assert (report.pages, report.incidents) == (5, 5)
    assert [(s.person, s.pages) for s in report.shifts] == [("alice", 2), ("bob", 1)]
    # PG-101 14:00 London business, PG-102 22:10 London sleep, PG-103 21:00 New York
    # (EST) off hours, PG-105 08:30 London (Zoë: the config's zone) business, PG-106 03:15
    # New York (EDT since 03-08) sleep.
    assert report.interruptions.by_class == {"business": 2, "off": 1, "sleep": 2}
    # Acknowledged after 175, 120, 240 and 300 s; resolved after 2395, 1200, 3600, 1800 s.
    tta, ttr = report.time_to_acknowledge, report.time_to_resolve
    assert (tta.count, tta.median, tta.p90) == (4, 175, 300)
    assert (ttr.count, ttr.median, ttr.p90) == (4, 1800, 3600)
    assert [
        (a.alert, a.count, a.night, a.auto_resolved, a.auto_resolved_share, a.likely_noise,
         a.median_resolve_s)
        for a in report.alerts
    ] == [
        ("DiskSpaceLow", 2, 0, 0, 0.0, False, 2395),
        # PG-102 resolved without an acknowledgement: half of HighLatency's pages.
        ("HighLatency", 2, 2, 1, 0.5, True, 1200),
        ("Queue depth > 10,000", 1, 0, 0, 0.0, False, 3600),
    ]  # fmt: skip
    people = {p.person: (p.pages, p.night_pages) for p in report.concentration.people}
    assert people == {"alice": (2, 1), "bob": (2, 1), "Zoë Ng": (1, 0)}


def test_grafana_oncall_users_are_people_by_alias_and_unanswered_groups_the_shifts(
    app: App,
) -> None:
    done = app.oncall.ingest_pages(
        str(DATA / "grafana_oncall_alert_groups.json"), "jsonl", source="grafana-oncall"
    )
    assert (done.status, done.pages, done.rejected) == ("applied", 4, 1)
    assert [(r.line, r.field) for r in done.first_rejects] == [(96, None)]
    pages = app.oncall.with_responders(app.oncall.pages())
    assert [(p.source_id, p.responder) for p in pages] == [
        ("IAKX3Q7TT2N5F", "alice"),  # U4LICE7QX3M2, alice's alias
        ("IBQ9MZV1C4HRK", "alice"),  # nobody answered: alice was on call
        ("IC7WENS2Q1Y3D", "alice"),
        ("ID2HGY8XW5KJV", "bob"),
    ]
    report = app.oncall.report(*TWO_WEEKS)
    assert [(a.alert, a.count, a.auto_resolved_share) for a in report.alerts] == [
        ("[firing:1] DiskSpaceLow db-1", 2, 0.0),
        ("[firing:1] HighLatency checkout", 1, 1.0),
        ("[firing:3] HighLatency checkout", 1, 0.0),
    ]
    tta = report.time_to_acknowledge
    # 22:15:03.120345 to 22:19:41, and 6 minutes: the nearest-rank median is the first.
    assert (tta.count, tta.median, tta.p90) == (2, 277.879655, 360)


def test_an_export_that_records_no_acknowledgements_is_left_out_of_the_auto_resolved_share(
    app: App,
) -> None:
    """incident.io's alerts have no acknowledgement: "resolved without one" says nothing
    of them, as of Alertmanager's, while Grafana OnCall's groups beside them do say it."""
    app.oncall.ingest_pages(str(DATA / "incident_io_alerts.json"), "jsonl", source="incident-io")
    app.oncall.ingest_pages(
        str(DATA / "grafana_oncall_alert_groups.json"), "jsonl", source="grafana-oncall"
    )
    report = app.oncall.report(*TWO_WEEKS)
    shares = {a.alert: (a.count, a.auto_resolved, a.auto_resolved_share) for a in report.alerts}
    assert shares["Disk space low on db-1"] == (2, 0, None)
    assert shares["Checkout latency p99 > 2s"] == (1, 0, None)
    assert shares["[firing:1] HighLatency checkout"] == (1, 1, 1.0)
    # Two incidents for the three alerts (one deduplication key for the disk), four groups.
    assert (report.pages, report.incidents) == (7, 6)


def _ingest(app: App, folder: Path, name: str, text: str) -> int:
    (folder / name).write_text(text, encoding="utf-8")
    done = app.oncall.ingest_pages(str(folder / name), "csv", source="ops-pager")
    assert done.status == "applied" and done.batch_id is not None
    return done.batch_id


def _stored(app: App) -> list[tuple[str, str | None, str | None, int]]:
    rows = app.store.query(
        "SELECT id, strftime(acknowledged_at, '%H:%M'), strftime(resolved_at, '%H:%M'), "
        "batch_id FROM pages ORDER BY id"
    )
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


def test_a_later_export_updates_pages_by_id_and_undoing_it_puts_the_earlier_back(
    app: App, tmp_path: Path
) -> None:
    header = "Alert ID,Alert Name,Created,Acknowledged,Resolved\n"
    monday = header + "A1,Disk,2026-03-02T14:00:00Z,,\nA2,CPU,2026-03-02T15:00:00Z,,\n"
    tuesday = (
        header
        + "A1,Disk,2026-03-02T14:00:00Z,2026-03-02T14:05:00Z,2026-03-02T14:30:00Z\n"
        + "A2,CPU,2026-03-02T15:00:00Z,,\n"
        + "A3,Disk,2026-03-03T09:00:00Z,,\n"
    )
    first = _ingest(app, tmp_path, "monday.csv", monday)
    second = _ingest(app, tmp_path, "tuesday.csv", tuesday)
    assert _stored(app) == [
        ("ops-pager:A1", "14:05", "14:30", second),
        ("ops-pager:A2", None, None, second),
        ("ops-pager:A3", None, None, second),
    ]

    done = undo_batch(app.store, app.config, second)

    assert (done.pages, done.pages_restored) == (1, 2)  # A3 gone, A1 and A2 put back
    assert _stored(app) == [
        ("ops-pager:A1", None, None, first),
        ("ops-pager:A2", None, None, first),
    ]
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_a_re_download_changes_nothing_and_undoing_it_leaves_every_page(
    app: App, tmp_path: Path
) -> None:
    export = "id,title,created\nA1,Disk,2026-03-02T14:00:00Z\n"
    first = _ingest(app, tmp_path, "a.csv", export)
    again = _ingest(app, tmp_path, "a (1).csv", export.replace("\n", "\r\n"))
    assert _stored(app) == [("ops-pager:A1", None, None, again)]

    undo_batch(app.store, app.config, again)

    assert _stored(app) == [("ops-pager:A1", None, None, first)]


def test_a_file_of_nothing_usable_is_kept_as_rejected_with_its_likely_cause(app: App) -> None:
    json_file = str(DATA / "incident_io_alerts.json")
    first = app.oncall.ingest_pages(json_file, "csv")
    assert (first.status, first.pages, first.rejected) == ("rejected", 0, 1)
    assert [(r.line, r.field) for r in first.first_rejects] == [(1, "created_at")]
    assert first.hint == "the file is JSON: is its --format jsonl?"
    # Not taken as imported: the next try reads it again.
    again = app.oncall.ingest_pages(json_file, "csv")
    assert again.status == "rejected" and again.batch_id != first.batch_id
    assert app.store.scalar("SELECT count(*) FROM pages") == 0

    as_json = app.oncall.ingest_pages(str(DATA / "pager_export.csv"), "jsonl")
    assert (as_json.status, as_json.hint) == (
        "rejected",
        "no record is JSON: is its --format csv (it is jsonl)?",
    )


def test_mapping_and_source_are_only_for_the_record_formats(app: App) -> None:
    with pytest.raises(InputError, match="for --format csv or jsonl, not opsgenie"):
        app.oncall.ingest_pages(str(DATA / "opsgenie_alerts.json"), "opsgenie", source="x")
    # Said before the file is opened (this one does not exist).
    with pytest.raises(InputError, match='unknown field "when"'):
        app.oncall.ingest_pages("missing.csv", "csv", mapping={"when": "Fired"})


def test_the_cli_imports_with_a_mapping_and_a_source(app: App, tmp_path: Path) -> None:
    app.close()
    export = tmp_path / "pages.csv"
    export.write_text("Check,Fired,Who\nDisk,2026-03-02T14:00:00Z,amartin\nCPU,later,bob\n")
    base = ["--config", str(tmp_path / "basics.yaml"), "ingest", "pages", str(export)]
    runner = CliRunner()

    done = runner.invoke(
        cli,
        [*base, "--format", "csv", "--mapping", "alert=Check,created_at=Fired,responder=Who",
         "--source", "home-pager"],
    )  # fmt: skip

    assert done.exit_code == 3, done.output
    assert f"{export}: batch 1: 1 page (1 new), 1 rejected" in done.output
    assert f"{export}:3: Fired: unparseable time" in done.output
    listed = runner.invoke(cli, ["--config", str(tmp_path / "basics.yaml"), "pages", "list"])
    assert "home-pager:2026-03-02T14:00:00Z#Disk" in listed.output

    wrong = runner.invoke(cli, [*base, "--format", "pagerduty-csv", "--source", "x"])
    assert wrong.exit_code == 2
    assert "--mapping and --source are for --format csv or jsonl" in wrong.output
    bad = runner.invoke(cli, [*base, "--format", "csv", "--mapping", "alert"])
    assert bad.exit_code == 1
    assert 'Error: --mapping: expected FIELD=COLUMN, found "alert"' in bad.output


def test_a_gzipped_export_is_the_same_content(app: App, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "pager_export.csv.gz"
    packed.write_bytes(gzip.compress((DATA / "pager_export.csv").read_bytes()))
    done = app.oncall.ingest_pages(str(packed), "csv")
    assert (done.pages, done.rejected) == (5, 2)
    plain = tmp_path / "copy.csv"
    shutil.copy(DATA / "pager_export.csv", plain)
    # The same content unpacked, under another name: already imported.
    again = app.oncall.ingest_pages(str(plain), "csv")
    assert (again.status, again.duplicate_of) == ("duplicate", done.batch_id)


def _pd_incident(number: int, resolved: bool, **more: object) -> dict[str, object]:
    """A PagerDuty REST API incident (`GET /incidents`), as the API writes it: a resolved
    incident's `acknowledgements` is always empty."""
    created = f"2026-03-03T1{number}:00:00Z"
    return {
        "id": f"Q{number}ABCDEF",
        "incident_number": number,
        "title": "Disk space low on db-1",
        "status": "resolved" if resolved else "triggered",
        "created_at": created,
        "last_status_change_at": f"2026-03-03T1{number}:20:00Z" if resolved else created,
        "urgency": "high",
        "incident_key": f"disk-{number}",
        "service": {"id": "PSVC1", "type": "service_reference", "summary": "db"},
        "assignments": [],
        "acknowledgements": [],
        **more,
    }


def test_pagerduty_api_incidents_resolved_without_log_entries_are_not_resolved_on_their_own(
    app: App, tmp_path: Path
) -> None:
    """The API empties `acknowledgements` once an incident is resolved: without its log
    entries nobody can say whether anyone acknowledged it, so it is left out of the
    auto-resolved share (it counted every such incident as noise). One with its log
    entries says it, and one resolved after an acknowledgement entry is answered."""
    import json

    log = [
        {"type": "trigger_log_entry", "created_at": "2026-03-03T14:00:00Z"},
        {"type": "resolve_log_entry", "created_at": "2026-03-03T14:20:00Z"},
    ]
    acked = [
        {"type": "trigger_log_entry", "created_at": "2026-03-03T15:00:00Z"},
        {"type": "acknowledge_log_entry", "created_at": "2026-03-03T15:02:00Z"},
        {"type": "resolve_log_entry", "created_at": "2026-03-03T15:20:00Z"},
    ]
    incidents = [
        _pd_incident(1, True),
        _pd_incident(2, True),
        _pd_incident(3, False),
        _pd_incident(4, True, log_entries=log),
        _pd_incident(5, True, log_entries=acked),
    ]
    (tmp_path / "pd.json").write_text(json.dumps({"incidents": incidents, "limit": 25}))

    done = app.oncall.ingest_pages(str(tmp_path / "pd.json"), "pagerduty-json")
    report = app.oncall.report(*TWO_WEEKS)

    assert (done.pages, done.rejected) == (5, 0)
    assert [(p.source_id, p.ack_unknown) for p in app.oncall.pages()] == [
        ("Q1ABCDEF", True),
        ("Q2ABCDEF", True),
        ("Q3ABCDEF", None),
        ("Q4ABCDEF", None),
        ("Q5ABCDEF", None),
    ]
    [disk] = report.alerts
    # Of the three whose acknowledgement is known (3, still open, 4 and 5), one resolved
    # on its own (4); before, 1 and 2 counted too: 3 of 5.
    assert (disk.count, disk.auto_resolved, disk.auto_resolved_share) == (5, 1, 1 / 3)
