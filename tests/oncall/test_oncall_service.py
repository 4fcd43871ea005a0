"""On-call through the store and the CLI: page imports, outcomes, shifts and the report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import InputError, NotFoundError
from basics.oncall.models import Page

DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"
CONFIG = """
timezone: Europe/London
people:
  alice: {timezone: Europe/London}
  bob: {timezone: America/New_York}
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


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def test_alertmanager_import_is_idempotent_and_counts_rejects(app: App) -> None:
    first = app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    assert (first.status, first.pages, first.new_pages, first.rejected) == ("applied", 4, 4, 3)
    assert [r.line for r in first.first_rejects] == [7, 8, 9]
    again = app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
    assert len(app.oncall.pages()) == 4
    stored = app.store.scalar("SELECT count(*) FROM rejects WHERE batch_id = ?", [first.batch_id])
    assert stored == 3


def test_a_clean_csv_export_imports_through_duckdb_and_updates_on_reimport(
    app: App, tmp_path: Path
) -> None:
    header = "id,created_on,acknowledged_on,title,incident_key,assigned_to\n"
    rows = [
        "P1,2026-03-02T10:00:00Z,2026-03-02T10:02:00Z,Fire,k1,alice\n",
        "P2,2026-03-02T11:00:00+01:00,,Flood,k1,bob\n",
    ]
    export = tmp_path / "incidents.csv"
    export.write_text(header + "".join(rows))

    first = app.oncall.ingest_pages(str(export), "pagerduty-csv")
    assert (first.status, first.pages, first.new_pages, first.rejected) == ("applied", 2, 2, 0)
    assert [(p.id, p.created_at, p.acknowledged_at, p.responder) for p in app.oncall.pages()] == [
        ("pagerduty:P1", dt.datetime(2026, 3, 2, 10), dt.datetime(2026, 3, 2, 10, 2), "alice"),
        ("pagerduty:P2", dt.datetime(2026, 3, 2, 10), None, "bob"),
    ]
    assert app.store.scalar("SELECT count(*) FROM duckdb_tables() WHERE temporary") == 0

    # A later export: P2 is now acknowledged, P3 is new, and a bad row goes row by row.
    export.write_text(
        header
        + rows[0]
        + "P2,2026-03-02T11:00:00+01:00,2026-03-02T10:05:00Z,Flood,k1,bob\n"
        + "P3,2026-03-03T09:00:00Z,,Smoke,k3,alice\n"
        + "P4,soon,,Smoke,k4,alice\n"
    )
    second = app.oncall.ingest_pages(str(export), "pagerduty-csv")
    assert (second.pages, second.new_pages, second.rejected) == (3, 1, 1)
    assert [(r.line, r.field) for r in second.first_rejects] == [(5, "created_on")]
    pages = {p.id: p for p in app.oncall.pages()}
    assert sorted(pages) == ["pagerduty:P1", "pagerduty:P2", "pagerduty:P3"]
    assert pages["pagerduty:P2"].acknowledged_at == dt.datetime(2026, 3, 2, 10, 5)

    # A row of the wrong width: DuckDB cannot read the file, the row reader reads it all.
    export.write_text(header + rows[0] + "P5,2026-03-04T09:00:00Z,,Ash,k5,alice,extra\n")
    third = app.oncall.ingest_pages(str(export), "pagerduty-csv")
    assert (third.status, third.pages, third.new_pages, third.rejected) == ("applied", 1, 0, 1)
    assert [(r.line, r.reason) for r in third.first_rejects] == [
        (3, "expected 6 columns as in the header, found 7")
    ]
    assert app.store.scalar("SELECT count(*) FROM duckdb_tables() WHERE temporary") == 0


def test_overlapping_exports_in_any_order_keep_one_page_per_incident(
    app: App, tmp_path: Path
) -> None:
    header = "id,created_on,title,assigned_to\n"
    rows = [f"P{i},2026-03-02T{i % 24:02d}:00:00Z,Fire {i},alice\n" for i in range(60)]
    first, second, third = (tmp_path / f"export-{n}.csv" for n in (1, 2, 3))
    first.write_text(header + "".join(rows[:40]))
    # The next export overlaps the first, in another order, with one title changed; the
    # third goes row by row (a row of the wrong width) and overlaps both.
    changed = rows[26].replace("Fire 26", '"Fire 26, again"')
    second.write_text(header + "".join(reversed(rows[20:60])).replace(rows[26], changed))
    third.write_text(header + "".join(rows[10:50:3]) + "P99,2026-03-03T00:00:00Z,x,bob,extra\n")

    imports = [
        app.oncall.ingest_pages(str(path), "pagerduty-csv") for path in (first, second, third)
    ]

    assert [(i.pages, i.new_pages, i.rejected) for i in imports] == [
        (40, 40, 0),
        (40, 20, 0),
        (14, 0, 1),
    ]
    assert app.store.query("SELECT count(*), count(DISTINCT id) FROM pages") == [(60, 60)]
    titles = dict(app.store.query("SELECT source_id, alert FROM pages"))
    assert titles["P26"] == "Fire 26, again"  # changed by the second, absent from the third
    assert titles["P25"] == "Fire 25"


def test_responders_come_from_the_shift_when_the_source_has_none(app: App) -> None:
    app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    pages = app.oncall.pages()
    assert all(p.responder is None for p in pages)
    shifts = app.oncall.shifts(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 20))
    assert [(s.person, s.start) for s in shifts] == [
        ("alice", dt.datetime(2026, 3, 2, 9)),
        ("bob", dt.datetime(2026, 3, 9, 9)),
        ("alice", dt.datetime(2026, 3, 16, 9)),
    ]
    filled = app.oncall.with_responders(pages)
    assert {p.responder for p in filled} == {"alice"}  # all on 2026-03-02, alice's week
    # The report's columns fill them the same way.
    columns = app.oncall.page_columns(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 20))
    assert {columns.people[code] for code in columns.responder} == {"alice"}


def test_tagging_checks_the_outcome_and_the_page(app: App) -> None:
    app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    page = app.oncall.pages()[0]
    app.oncall.tag(page.id, "not-actionable/threshold-wrong", "5m too tight")
    tagged = next(p for p in app.oncall.pages() if p.id == page.id)
    assert (tagged.outcome, tagged.note) == ("not-actionable/threshold-wrong", "5m too tight")
    assert page.id not in {p.id for p in app.oncall.pages(unclassified=True)}
    with pytest.raises(InputError, match="unknown outcome"):
        app.oncall.tag(page.id, "meh")
    with pytest.raises(NotFoundError, match="no page"):
        app.oncall.tag("nope", "actionable/service-issue")


def test_report_counts_pages_per_shift_and_concentration(app: App) -> None:
    app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    report = app.oncall.report(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 15), team="payments")
    assert report.pages == 4 and report.incidents == 4
    assert [(s.person, s.pages) for s in report.shifts] == [("alice", 4), ("bob", 0)]
    assert report.interruptions.by_class == {"business": 4, "off": 0, "sleep": 0}
    assert report.concentration.top == "alice" and report.concentration.flagged
    assert report.concentration.gini == pytest.approx(0.5)
    assert report.time_to_resolve.count == 1 and report.time_to_resolve.median == 720
    assert [w.week for w in report.weeks] == ["2026-W09", "2026-W10", "2026-W11"]
    with pytest.raises(NotFoundError, match='no team "ops"'):
        app.oncall.report(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 15), team="ops")


def test_cli_ingest_list_tag_and_report(app: App, tmp_path: Path) -> None:
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml")]
    ingest = runner.invoke(
        cli,
        [*base, "ingest", "pages", str(DATA / "alertmanager.jsonl"), "--format", "alertmanager"],
    )
    assert ingest.exit_code == 3, ingest.output  # three records rejected
    assert "4 pages (4 new), 3 rejected" in ingest.stdout
    listed = json.loads(runner.invoke(cli, [*base, "pages", "list", "--json"]).stdout)
    assert {"id", "source", "alert", "service", "created_at", "acknowledged_at", "resolved_at",
            "responder", "outcome", "incident_key"} <= set(listed[0])  # fmt: skip
    assert listed[0]["responder"] == "alice"
    tagged = runner.invoke(
        cli, [*base, "pages", "tag", listed[0]["id"], "--outcome", "actionable/service-issue"]
    )
    assert tagged.exit_code == 0, tagged.output
    report = runner.invoke(
        cli, [*base, "oncall", "report", "--from", "2026-03-01", "--to", "2026-03-15", "--json"]
    )
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    assert data["pages"] == 4 and data["concentration"]["top"] == "alice"
    text = runner.invoke(
        cli, [*base, "oncall", "report", "--from", "2026-03-01", "--to", "2026-03-15"]
    )
    assert "4 pages, 4 incidents, 2 shifts" in text.stdout


def test_an_export_whose_every_record_is_rejected_is_not_stored_as_applied(
    app: App, tmp_path: Path
) -> None:
    """A CSV export imported as Alertmanager's JSON: the batch keeps its rejects with status
    `rejected`, says the likely cause, exits 3, and is not taken as imported already."""
    path = str(DATA / "pagerduty_incidents.csv")
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml")]
    wrong = runner.invoke(cli, [*base, "ingest", "pages", path, "--format", "alertmanager"])
    assert wrong.exit_code == 3, wrong.output
    assert "its one record was rejected; nothing stored (batch 1 keeps" in wrong.stderr
    assert "likely cause: no record is JSON: is its --format pagerduty-csv" in wrong.stderr
    assert "pages (" not in wrong.stdout
    again = runner.invoke(
        cli, [*base, "ingest", "pages", path, "--format", "alertmanager", "--json"]
    )
    assert again.exit_code == 3, again.output  # tried again, not "already imported"
    assert json.loads(again.stdout)[0]["status"] == "rejected"
    batches = json.loads(runner.invoke(cli, [*base, "batches", "list", "--json"]).stdout)
    assert [(b["id"], b["status"], b["accepted"], b["rejected"]) for b in batches] == [
        (2, "rejected", 0, 1),
        (1, "rejected", 0, 1),
    ]
    right = runner.invoke(cli, [*base, "ingest", "pages", path, "--format", "pagerduty-csv"])
    assert right.exit_code == 3, right.output  # two bad rows of its own
    assert "batch 3: 3 pages (3 new), 2 rejected" in right.stdout


def test_a_file_without_pages_stores_no_batch_and_says_so(app: App, tmp_path: Path) -> None:
    """An empty file, blank lines or a CSV header alone (through DuckDB's CSV reader for
    pagerduty-csv), in every format: no batch, one line saying so, exit code 0."""
    from basics.cli.oncall_cmd import FORMATS

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n  \n\n")
    (tmp_path / "header.csv").write_text("id,created_on,title\n")
    app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    empty = app.oncall.ingest_pages(str(tmp_path / "header.csv"), "pagerduty-csv")
    assert (empty.status, empty.batch_id, empty.pages, empty.rejected) == ("empty", None, 0, 0)
    assert app.store.scalar("SELECT count(*) FROM duckdb_tables() WHERE temporary") == 0
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml"), "ingest", "pages"]
    said = "no page in it: nothing stored"
    files = [str(tmp_path / name) for name in ("empty.txt", "blank.txt")]
    for fmt, names in [(fmt, files) for fmt in FORMATS] + [
        ("pagerduty-csv", [str(tmp_path / "header.csv")]),
        ("csv", [str(tmp_path / "header.csv")]),
    ]:
        done = runner.invoke(cli, [*base, *names, "--format", fmt])
        assert done.exit_code == 0, (fmt, done.output)
        assert done.output.splitlines() == [f"{name}: {said}" for name in names], fmt
    as_json = runner.invoke(cli, [*base, str(tmp_path / "header.csv"), "--format",
                                  "pagerduty-csv", "--json"])  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    assert [(r["status"], r["batch_id"], r["pages"], r["rejected"])
            for r in json.loads(as_json.stdout)] == [("empty", None, 0, 0)]  # fmt: skip
    assert app.store.scalar("SELECT count(*) FROM batches") == 1


def test_shifts_whose_every_record_is_rejected_are_not_stored_as_applied(
    app: App, tmp_path: Path
) -> None:
    oncalls = tmp_path / "oncalls.json"
    oncalls.write_text(
        '{"oncalls": [{"user": {"summary": "Ana"}, "start": null, "end": "2026-03-02T09:00:00Z"}]}'
    )
    count, rejects, _, *_ = app.oncall.ingest_shifts(str(oncalls))
    assert (count, len(rejects)) == (0, 1)
    assert app.store.query("SELECT kind, status, accepted, rejected FROM batches") == [
        ("shifts", "rejected", 0, 1)
    ]


def test_a_file_without_shifts_stores_no_batch_and_says_so(app: App, tmp_path: Path) -> None:
    oncalls = tmp_path / "oncalls.json"
    oncalls.write_text('{"oncalls": []}')
    empty = app.oncall.ingest_shifts(str(oncalls))
    assert (empty.status, empty.batch_id, empty.stored, empty.rejects) == ("empty", None, 0, [])
    assert app.store.scalar("SELECT count(*) FROM batches") == 0
    app.close()
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_text("\n  \n\n")
    (tmp_path / "header.csv").write_text("person,rotation,start,end\n")
    names = [str(tmp_path / n) for n in ("empty.csv", "blank.csv", "header.csv")]
    done = CliRunner().invoke(cli, ["--config", str(tmp_path / "basics.yaml"), "ingest",
                                    "shifts", *names, "--format", "csv"])  # fmt: skip
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert said == " ".join(f"{name}: no shift in it: nothing stored" for name in names)
    assert app.store.scalar("SELECT count(*) FROM batches") == 0
    # The JSON formats: an empty file is empty too; a broken one is an error naming it.
    (tmp_path / "broken.json").write_text('{"oncalls": [')
    for fmt in ("pagerduty-oncalls", "opsgenie-timeline"):
        args = ["--config", str(tmp_path / "basics.yaml"), "ingest", "shifts", "--format", fmt]
        nothing = CliRunner().invoke(cli, [*args, names[0]])
        assert nothing.exit_code == 0, nothing.output
        assert " ".join(nothing.stdout.split()) == f"{names[0]}: no shift in it: nothing stored"
        broken = CliRunner().invoke(cli, [*args, str(tmp_path / "broken.json")])
        assert broken.exit_code == 1
        error = " ".join(broken.stderr.split())
        assert error.startswith(f"Error: {tmp_path / 'broken.json'}: not valid JSON: ")


def test_classify_is_keyboard_driven_and_resumable(app: App, tmp_path: Path) -> None:
    app.oncall.ingest_pages(str(DATA / "alertmanager.jsonl"), "alertmanager")
    app.close()
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml")]
    no_tty = runner.invoke(cli, [*base, "pages", "classify"])
    assert no_tty.exit_code == 2 and "needs a terminal" in no_tty.output
    # x is ignored, 4 tags the first page, s skips the second, q stops.
    first = runner.invoke(cli, [*base, "pages", "classify", "--keys-from-stdin"], input="x4sq")
    assert first.exit_code == 0, first.output
    assert "→ not-actionable/threshold-wrong" in first.output
    assert "1 page classified; 3 left for later." in first.output
    # Running again shows only the three still unclassified.
    second = runner.invoke(cli, [*base, "pages", "classify", "--keys-from-stdin"], input="111")
    assert "[1/3]" in second.output and "3 pages classified; 0 left" in second.output


def test_pagerduty_oncalls_import_matches_people_and_rejects_what_it_cannot_use(
    app: App,
) -> None:
    path = str(DATA / "pagerduty_oncalls.json")
    done = app.oncall.ingest_shifts(path)
    count, rejects = done.stored, done.rejects
    assert count == 2
    # On-call 3 is permanent (start and end null: a user on the escalation level itself),
    # counted apart: it was a reject, and every import exited 3.
    assert done.permanent == 1
    assert [(r.line, r.reason) for r in rejects] == [(4, "missing 'user'")]
    imported = [
        s
        for s in app.oncall.shifts(dt.datetime(2026, 3, 28), dt.datetime(2026, 4, 11))
        if "(level 1)" in s.rotation
    ]
    assert [(s.person, s.rotation, s.start, s.end) for s in imported] == [
        # alice matched by the e-mail's name; an unknown user keeps PagerDuty's name
        (
            "alice",
            "Payments primary (level 1)",
            dt.datetime(2026, 3, 28, 9),
            dt.datetime(2026, 4, 4, 8),
        ),
        (
            "Erin Outside",
            "Payments primary (level 1)",
            dt.datetime(2026, 4, 4, 8),
            dt.datetime(2026, 4, 11, 8),
        ),
    ]
    app.oncall.ingest_shifts(path)  # again: the same shifts are kept once
    again = app.oncall.shifts(dt.datetime(2026, 3, 28), dt.datetime(2026, 4, 11))
    assert sum(1 for s in again if "(level 1)" in s.rotation) == 2


def _pages_and_batches(application: App) -> tuple[list[tuple[object, ...]], list[object]]:
    """Every page with every column and the path of the delivery that last wrote it; every
    batch in id order."""
    pages = sorted(  # batch_id last: a column added later (migration 17) comes after it
        (*row[:-1], application.store.scalar("SELECT path FROM batches WHERE id = ?", [row[-1]]))
        for row in application.store.query("SELECT * EXCLUDE (batch_id), batch_id FROM pages")
    )
    batches = application.store.query(
        "SELECT kind, source, path, content_sha256, status, accepted, rejected FROM batches "
        "ORDER BY id"
    )
    return pages, batches


def _one_by_one(folder: Path, deliveries: list[tuple[bytes, str, str]]) -> tuple[App, list[object]]:
    """The deliveries received one at a time, into a store of their own."""
    folder.mkdir()
    alone = App(parse_config(CONFIG, folder / "basics.yaml"))
    return alone, [alone.oncall.receive_pages(*d) for d in deliveries]  # type: ignore[arg-type]


@pytest.mark.parametrize("write_fails_once", [False, True])
def test_deliveries_folded_in_one_transaction_equal_one_by_one(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_fails_once: bool
) -> None:
    """What `basics serve` does with webhooks queued behind its writer: each delivery its
    own batch, in order, in one commit; the same as receiving them one at a time. Among
    them a delivery stored before the fold, one repeated within it, and one not UTF-8.
    When the fold's write fails, each delivery is stored on its own, with the same result."""
    import duckdb

    from basics.oncall import service as oncall_service

    lines = (DATA / "alertmanager.jsonl").read_bytes().splitlines()
    deliveries = [(line, "alertmanager", f"delivery {i}") for i, line in enumerate(lines) if line]
    before = app.oncall.receive_pages(*deliveries[1])  # type: ignore[arg-type]
    folds: list[int] = []
    fold_in, write_fold = oncall_service._fold_in, oncall_service._write_fold

    def counted(db: object, read: list[object]) -> object:
        folds.append(len(read))
        return fold_in(db, read)  # type: ignore[arg-type]

    def failing(*args: object) -> None:
        if write_fails_once and len(folds) == 1:
            raise duckdb.ConstraintException("the disk said no")
        write_fold(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(oncall_service, "_fold_in", counted)
    monkeypatch.setattr(oncall_service, "_write_fold", failing)
    asked = [*deliveries, deliveries[0], (b"\xff\xfe not utf-8", "alertmanager", "bad")]
    folded = app.oncall.receive_deliveries(asked)  # type: ignore[arg-type]
    # One fold of them all; after a failure, one more per delivery that could be read.
    assert folds == [len(asked)] + ([1] * (len(asked) - 1) if write_fails_once else [])
    assert isinstance(folded[-1], InputError) and "not UTF-8" in str(folded[-1])
    first = folded[0]
    assert getattr(first, "status", None) == "applied"
    assert (folded[-2].status, folded[-2].duplicate_of) == ("duplicate", first.batch_id)  # type: ignore[union-attr]
    assert (folded[1].status, folded[1].duplicate_of) == ("duplicate", before.batch_id)  # type: ignore[union-attr]

    alone, singly = _one_by_one(tmp_path / "other", [deliveries[1], *deliveries])
    # Each delivery the same batch either way: its pages, the new ones, its rejects.
    figures = [(r.path, r.status, r.pages, r.new_pages, r.rejected) for r in singly[1:]]  # type: ignore[attr-defined]
    assert (
        figures
        == [
            (r.path, r.status, r.pages, r.new_pages, r.rejected)  # type: ignore[union-attr]
            for r in folded[: len(deliveries)]
        ]
    )
    assert any(r[3] > 0 for r in figures) and any(r[3] < r[2] for r in figures)
    assert _pages_and_batches(app) == _pages_and_batches(alone)
    assert _pages_and_batches(app)[0] != []


def test_a_responder_named_in_full_is_the_person_of_basics_yaml(tmp_path: Path) -> None:
    """PagerDuty names kai "Kai Sato" on one page and a shift-like key "kai" on another:
    the page list and the report know one person, in his own zone (Tokyo: 14:00 UTC is
    23:00, sleep hours); someone basics.yaml does not know stays as the source wrote."""
    config = CONFIG.replace("people:\n", "people:\n  kai: {timezone: Asia/Tokyo, name: Kai Sato}\n")
    path = tmp_path / "basics.yaml"
    path.write_text(config)
    app = App(parse_config(config, path))
    export = tmp_path / "incidents.csv"
    export.write_text(
        "id,created_on,acknowledged_on,title,incident_key,assigned_to\n"
        "P1,2026-03-03T14:00:00Z,2026-03-03T14:02:00Z,Disk,k1,Kai Sato\n"
        "P2,2026-03-03T14:30:00Z,,Disk,k2,kai\n"
        "P3,2026-03-03T14:40:00Z,,Disk,k3,Erin Outside\n"
    )
    assert app.oncall.ingest_pages(str(export), "pagerduty-csv").pages == 3
    assert [p.responder for p in app.oncall.pages()] == ["kai", "kai", "Erin Outside"]
    report = app.oncall.report(dt.datetime(2026, 3, 3), dt.datetime(2026, 3, 4))
    people = {p.person: (p.pages, p.night_pages) for p in report.concentration.people}
    # alice and bob are on the rotation's roster, with no pages.
    assert people == {"kai": (2, 2), "Erin Outside": (1, 0), "alice": (0, 0), "bob": (0, 0)}


def test_a_page_without_a_responder_goes_to_its_services_rotation(tmp_path: Path) -> None:
    """Two rotations on call at once: a checkout page is the payments rotation's person's
    (the rotation of its owning team), an api page the platform one's (its `oncall:`), a
    page of a service with neither the first shift's. Every page went to whichever shift
    started first, whatever its service."""
    config = """
timezone: UTC
people: {alice: {}, bob: {}, dan: {}, erin: {}}
teams:
  platform: {members: [alice, bob]}
  payments: {members: [dan, erin]}
rotations:
  platform-primary:
    {team: platform, handover: monday 09:00, start: 2026-03-02, people: [alice, bob]}
  payments-primary:
    {team: payments, every: daily, handover: "09:00", start: 2026-03-03, people: [dan, erin]}
services:
  api: {owner: dan, oncall: platform-primary}
  checkout: {owner: payments}
  search: {}
"""
    (tmp_path / "basics.yaml").write_text(config)
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    at = dt.datetime(2026, 3, 4, 14)  # alice's week; erin's day (dan the 3rd, erin the 4th)
    app.oncall.record_pages(
        [Page(f"t:{n}", "t", str(n), f"k{n}", "Alert", service, "high", at, None, None, None)
         for n, service in enumerate(["checkout", "api", "search"])],
        "t", "pages",
    )  # fmt: skip

    pages = app.oncall.with_responders(app.oncall.pages())

    assert [(p.service, p.responder) for p in pages] == [
        ("checkout", "erin"), ("api", "alice"), ("search", "alice")
    ]  # fmt: skip
    report = app.oncall.report(dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 9))
    shares = {p.person: p.pages for p in report.concentration.people if p.pages}
    assert shares == {"erin": 1, "alice": 2}


def test_the_cli_says_the_permanent_on_calls_and_exits_3_only_for_the_bad_one(
    app: App, tmp_path: Path
) -> None:
    app.close()
    done = CliRunner().invoke(
        cli,
        ["--config", str(tmp_path / "basics.yaml"), "ingest", "shifts",
         str(DATA / "pagerduty_oncalls.json"), "--format", "pagerduty-oncalls"],
    )  # fmt: skip
    assert done.exit_code == 3  # on-call 4 has no user
    said = " ".join(done.stderr.split())
    assert "1 permanent on-call (a user on an escalation level itself, always on call: no " in said
    assert "on-call 4: missing 'user'" in said and "on-call 3" not in said


def test_records_of_another_shape_are_rejects_not_permanent_on_calls(
    app: App, tmp_path: Path
) -> None:
    """Only an on-call whose start and end are there and null is permanent: a record
    without them (another export's shape) is a reject, as before."""
    oncalls = tmp_path / "oncalls.json"
    oncalls.write_text(
        '{"oncalls": [{"foo": 1}, {"user": {"summary": "Ana"}, "start_time": "2026-03-02"},'
        ' {"start": null, "end": null}]}'
    )
    done = app.oncall.ingest_shifts(str(oncalls))
    assert (done.stored, done.permanent, done.status) == (0, 0, "rejected")
    assert [(r.line, r.reason) for r in done.rejects] == [
        (1, "start and end are needed: query /oncalls with since and until"),
        (2, "start and end are needed: query /oncalls with since and until"),
        (3, "missing 'user'"),
    ]
