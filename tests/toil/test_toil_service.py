"""Toil through the store and the CLI: imports, identity, rejects, undo, log and remove,
and the report with on-call time from pages, against hand-computed figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import InputError, NotFoundError
from basics.ingest.batches import undo_batch
from basics.oncall.models import Page
from basics.toil.formats.worklog import ReadOptions

DATA = Path(__file__).resolve().parents[1] / "data" / "toil"
CONFIG = """
timezone: Europe/London
people:
  alice: {timezone: Europe/London, name: Alice Martin}
  bob: {timezone: America/New_York}
teams:
  payments: {members: [alice, bob], capacity_hours_per_week: 60}
toil:
  categories: [interrupt, manual-ops, manual-deploy, access-request, cleanup]
"""
W10 = dt.datetime(2026, 3, 2)
W11 = dt.datetime(2026, 3, 9)
TODAY = dt.date(2026, 3, 30)


def make_app(tmp_path: Path, config: str = CONFIG) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(config)
    return App(parse_config(config, path))


@pytest.fixture
def app(tmp_path: Path) -> App:
    return make_app(tmp_path)


def options(app: App, **given: object) -> ReadOptions:
    """Options as the CLI gives them; the service adds the config's categories."""
    return ReadOptions(**given)  # type: ignore[arg-type]


def test_a_jira_export_imports_once_and_keeps_its_rejects(app: App) -> None:
    first = app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    assert (first.status, first.entries, first.rejected) == ("applied", 3, 3)
    assert (first.blank_rows, first.header_rows, first.encoding) == (1, 1, "utf-8")
    assert first.hours == 90 / 60 + 45 / 60 + 30 / 60
    stored = app.store.query(
        "SELECT line, field, reason FROM rejects WHERE batch_id = ? ORDER BY line",
        [first.batch_id],
    )
    # The quoted comment on lines 6-7 moves the rows after it down a line.
    assert [(line, field) for line, field, _ in stored] == [
        (8, "Author"), (9, "Started"), (10, "Time Spent (seconds)"),
    ]  # fmt: skip
    assert "missing person" in stored[0][2] and 'found "soon"' in stored[1][2]
    entries = sorted(app.toil.entries(), key=lambda e: e.id or 0)
    # The person's own day: 04:30Z is 23:30 in New York; 00:30+01:00 is 23:30 in London.
    found = [(e.person, e.day, e.minutes, e.category, e.service, e.automatable) for e in entries]
    assert found == [
        ("alice", dt.date(2026, 3, 2), 90.0, "interrupt", None, True),
        ("bob", dt.date(2026, 3, 3), 45.0, "manual-ops", "api", None),
        ("alice", dt.date(2026, 3, 3), 30.0, "interrupt", None, True),
    ]  # fmt: skip
    assert entries[1].description == "Cert renewal"  # no comment: the issue's summary
    again = app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
    assert app.store.scalar("SELECT count(*) FROM toil_entries") == 3


def test_an_overlapping_export_does_not_count_twice(app: App, tmp_path: Path) -> None:
    app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    later = tmp_path / "later.csv"
    later.write_text(
        "Worklog Id,Author,Started,Time Spent\n"
        "10001,alice,2026-03-02,1h 30m\n"  # the same worklog, by its id
        "10007,bob,2026-03-10,2h\n"
    )
    result = app.toil.ingest(str(later), options(app))
    assert (result.entries, result.duplicates, result.rejected) == (1, 1, 0)
    # Without ids, the identity is the row's content and its count in the file: the sheet's
    # two identical rows are two entries, and a later sheet repeating them adds none.
    first = app.toil.ingest(str(DATA / "spreadsheet.csv"), options(app))
    assert (first.entries, first.rejected, first.blank_rows) == (3, 3, 1)
    again = tmp_path / "again.csv"
    sheet = (DATA / "spreadsheet.csv").read_text().splitlines()
    again.write_text("\n".join([sheet[0], sheet[2], sheet[1], "carol,2026-03-20,1h,,,,,"]) + "\n")
    second = app.toil.ingest(str(again), options(app))
    assert (second.entries, second.duplicates, second.rejected) == (0, 2, 1)
    assert app.store.scalar("SELECT sum(minutes) FROM toil_entries") == 90 + 45 + 30 + 120 + 135


def test_a_file_of_rejects_only_is_not_applied(app: App, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("person,date,hours\ncarol,2026-03-02,1\nalice,someday,1\n")
    result = app.toil.ingest(str(bad), options(app))
    assert (result.status, result.entries, result.rejected) == ("rejected", 0, 2)
    status = app.store.scalar("SELECT status FROM batches WHERE id = ?", [result.batch_id])
    assert status == "rejected"
    assert app.store.scalar("SELECT count(*) FROM rejects WHERE batch_id = ?",
                            [result.batch_id]) == 2  # fmt: skip
    # Not applied: importing it again is tried again, not called a duplicate.
    assert app.toil.ingest(str(bad), options(app)).status == "rejected"


def test_a_header_alone_stores_no_batch_and_says_so(app: App, tmp_path: Path) -> None:
    """A header alone, or with blank rows, or an empty file: no batch, one line, exit code
    0, as every other import says it."""
    (tmp_path / "header.csv").write_text("person,date,hours\n")
    (tmp_path / "blank.csv").write_text("person,date,hours\n\n,,\n\n")
    (tmp_path / "empty.csv").write_bytes(b"")
    app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    empty = app.toil.ingest(str(tmp_path / "header.csv"), options(app))
    assert (empty.status, empty.batch_id, empty.entries, empty.rejected) == ("empty", None, 0, 0)
    app.close()
    names = [str(tmp_path / "header.csv"), str(tmp_path / "blank.csv")]
    done = invoke(tmp_path, "ingest", "toil", *names)
    assert done.exit_code == 0, done.output
    assert " ".join(done.output.split()) == " ".join(
        f"{name}: no toil entry in it: nothing stored" for name in names
    )
    as_json = invoke(tmp_path, "ingest", "toil", names[1], "--json")
    assert [(r["status"], r["batch_id"]) for r in json.loads(as_json.stdout)] == [("empty", None)]
    nothing = invoke(tmp_path, "ingest", "toil", str(tmp_path / "empty.csv"))
    assert nothing.exit_code == 0, nothing.output
    said = " ".join(nothing.stdout.split())
    assert said == f"{tmp_path / 'empty.csv'}: no toil entry in it: nothing stored"
    assert app.store.scalar("SELECT count(*) FROM batches") == 1


def test_a_header_the_reader_cannot_use_is_an_error(app: App, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Linear export records no time spent"):
        app.toil.ingest(str(DATA / "linear.csv"), options(app))
    linear = app.toil.ingest(str(DATA / "linear.csv"), options(app, mapping={"estimate": "hours"}))
    assert (linear.entries, linear.hours) == (2, 3.0)
    odd = tmp_path / "odd.csv"
    odd.write_text("who,when,spent\nalice,2026-03-02,1h\n")
    with pytest.raises(InputError, match=r"no column for the person .*--mapping 'person=COLUMN'"):
        app.toil.ingest(str(odd), options(app))
    mapped = options(app, mapping={"who": "person", "when": "date", "spent": "duration"})
    assert app.toil.ingest(str(odd), mapped).entries == 1


JIRA_CONFIG = """
timezone: Europe/London
people:
  alice: {timezone: Europe/London, name: Alice Martin}
  bob: {timezone: America/New_York, name: Bob Stone}
  dana: {timezone: Europe/Berlin, name: Dana Weiss}
"""
ISSUE_EXPORT = (
    "jira_issues.csv: this is Jira's issue export (it has Issue key and Time Spent but no "
    "worklog id or date): one row per issue, its Time Spent the issue's total so far, so all of "
    "an issue's time would fall on one day and a later export would count it again. Export "
    "the worklogs instead (Tempo's worklog export or a Jira worklog report: one row per "
    "worklog, with its date); or, to count each issue's total once on a day you choose, map "
    "the issue as the id: --mapping 'id=Issue id,date=Resolved,seconds=Time Spent'"
)


def test_jiras_issue_export_is_refused_unless_the_issue_is_the_id(tmp_path: Path) -> None:
    app = make_app(tmp_path, JIRA_CONFIG)
    issues = str(DATA / "jira_issues.csv")
    # Its Time Spent is each issue's running total: refused even with a day and unit mapped.
    with pytest.raises(InputError) as error:
        app.toil.ingest(issues, options(app, mapping={"resolved": "date", "time spent": "seconds"}))
    assert str(error.value) == f"{DATA}/{ISSUE_EXPORT}"
    once = {"issue id": "id", "resolved": "date", "time spent": "seconds"}
    first = app.toil.ingest(issues, options(app, mapping=once))
    # 5400 + 2700 + 7200 s = 90 + 45 + 120 min.
    assert (first.entries, first.hours, first.rejected) == (3, 4.25, 0)
    entries = sorted(app.toil.entries(), key=lambda e: e.id or 0)
    assert [(e.person, e.day, e.minutes, e.category, e.service, e.ticket, e.automatable)
            for e in entries] == [
        # "automatable" is in the 2nd of Jira's three Labels columns, then in the 3rd;
        # the service is the first Component/s.
        ("alice", dt.date(2026, 3, 3), 90.0, "cert-rotation", "api-gateway", "OPS-101", True),
        ("bob", dt.date(2026, 3, 4), 45.0, "access-request", None, "OPS-102", None),
        ("dana", dt.date(2026, 3, 5), 120.0, "interrupt", "orders", "OPS-103", True),
    ]  # fmt: skip
    report = app.toil.report(W10, W11, today=TODAY)
    assert [(c.category, c.service, c.hours, c.tickets) for c in report.candidates] == [
        ("interrupt", "orders", 2.0, ["OPS-103"]),
        ("cert-rotation", "api-gateway", 1.5, ["OPS-101"]),
    ]
    # Exported again later, OPS-101 at 9000 s: the issue is stored already, never 90 + 150.
    later = tmp_path / "jira_issues_april.csv"
    later.write_text(
        (DATA / "jira_issues.csv").read_text().replace("5400,3600,5400", "9000,3600,9000")
    )
    again = app.toil.ingest(str(later), options(app, mapping=once))
    assert (again.entries, again.duplicates) == (0, 3)
    assert app.store.scalar("SELECT sum(minutes) FROM toil_entries") == 90 + 45 + 120
    app.close()


def test_a_cp1252_tempo_export_with_decimal_commas(app: App) -> None:
    result = app.toil.ingest(str(DATA / "tempo_cp1252.csv"), options(app))
    assert (result.encoding, result.entries, result.rejected) == ("cp1252", 3, 1)
    assert result.first_rejects[0].line == 5  # the "Total" row names no one
    entries = sorted(app.toil.entries(), key=lambda e: e.id or 0)
    found = [(e.person, e.day, e.minutes, e.category, e.service, e.description) for e in entries]
    assert found == [
        ("alice", dt.date(2026, 3, 2), 90.0, "manual-deploy", "payments", "Déploiement à la main"),
        ("bob", dt.date(2026, 3, 3), 15.0, "access-request", None, "Réinitialisé le mot de passe"),
        ("alice", dt.date(2026, 3, 9), 75.0, "manual-deploy", "payments", "Rotation des clés"),
    ]  # fmt: skip


def test_undoing_the_batch_removes_its_entries(app: App) -> None:
    result = app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    done = undo_batch(app.store, app.config, result.batch_id or 0)
    assert (done.kind, done.toil_entries, done.rejects) == ("toil", 3, 3)
    assert app.toil.entries() == []
    # Undone, the same file imports again.
    assert app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app)).entries == 3


def test_log_is_a_batch_of_one_and_remove_takes_it_back(app: App) -> None:
    entry = app.toil.log(45, "Interrupt", "Alice Martin", dt.date(2026, 3, 2), "api",
                         "restarted the stuck queue", "OPS-1", True)  # fmt: skip
    assert (entry.person, entry.category, entry.minutes, entry.source) == (
        "alice", "interrupt", 45.0, "toil:cli",
    )  # fmt: skip
    kind, source, status = app.store.query(
        "SELECT kind, source, status FROM batches WHERE id = ?", [entry.batch_id]
    )[0]
    assert (kind, source, status) == ("toil", "toil:cli", "applied")
    removed = app.toil.remove(entry.id or 0)
    assert removed.batch_undone and app.toil.entries() == []
    with pytest.raises(NotFoundError, match="no toil entry"):
        app.toil.remove(entry.id or 0)
    other = app.toil.log(30, "cleanup", "bob")
    assert undo_batch(app.store, app.config, other.batch_id or 0).toil_entries == 1
    with pytest.raises(InputError, match="derived from pages"):
        app.toil.log(30, "on-call", "bob")
    with pytest.raises(InputError, match='unknown category "meetings"'):
        app.toil.log(30, "meetings", "bob")
    with pytest.raises(InputError, match='unknown person "carol"'):
        app.toil.log(30, "cleanup", "carol")


def night_page() -> Page:
    # alice's page from 23:30 to 00:45 London time (GMT): 75 min in her sleep hours.
    return Page(
        "test:p1", "test", "p1", "k1", "QueueStuck", "api", "high",
        dt.datetime(2026, 3, 3, 23, 30), dt.datetime(2026, 3, 3, 23, 35),
        dt.datetime(2026, 3, 4, 0, 45), "alice",
    )  # fmt: skip


def test_the_report_counts_on_call_time_from_pages(app: App) -> None:
    app.toil.ingest(str(DATA / "jira_worklogs.csv"), options(app))
    app.oncall.record_pages([night_page()], "test", "test")
    report = app.toil.report(W10, W11, team="payments", today=TODAY)
    [week] = report.weeks
    # 90 + 45 + 30 min logged and 75 min derived: 4 h of the team's 60 h: 6.67 %.
    assert (week.week, week.total.hours, week.total.capacity_hours) == ("2026-W10", 4.0, 60.0)
    assert week.total.share == pytest.approx(4 / 60)
    assert week.oncall_hours == 1.25
    # alice: 90 + 30 + 75 min = 3.25 h of 40 h; bob 0.75 h.
    assert [(p.name, p.hours, p.share) for p in week.people] == [
        ("alice", 3.25, 3.25 / 40), ("bob", 0.75, 0.75 / 40),
    ]  # fmt: skip
    assert [(c.name, c.hours, c.derived) for c in week.categories] == [
        ("interrupt", 2.0, False), ("on-call", 1.25, True), ("manual-ops", 0.75, False),
    ]  # fmt: skip
    [oncall] = report.oncall
    assert (oncall.person, oncall.pages, oncall.engaged_hours, oncall.night_hours,
            oncall.nights) == ("alice", 1, 1.25, 1.25, 1)  # fmt: skip
    # Hours a week automating would give back (one week in the range); the other wording
    # is another source.
    assert [(c.description, c.hours_per_week) for c in report.candidates] == [
        ("Restarted the stuck queue", 1.5), ("Restarted the stuck queue, again", 0.5),
    ]  # fmt: skip
    # Without on-call as toil, only what was logged.
    quiet = make_app(app.config.path.parent, CONFIG + "  oncall: false\n")  # type: ignore[union-attr]
    app.close()
    assert quiet.toil.report(W10, W11, team="payments", today=TODAY).total.hours == 2.75


def test_a_responder_named_in_full_is_the_person_of_basics_yaml(app: App) -> None:
    # PagerDuty names a responder by full name: "Alice Martin" is alice (people.alice.name),
    # in any case; someone basics.yaml does not know stays as the source names them.
    paged = night_page()
    shouted = dataclasses.replace(
        paged, id="test:p2", source_id="p2", incident_key="k2", responder="ALICE  martin",
        created_at=dt.datetime(2026, 3, 5, 10), acknowledged_at=None,
        resolved_at=dt.datetime(2026, 3, 5, 10, 15),
    )  # fmt: skip
    outside = dataclasses.replace(
        shouted, id="test:p3", source_id="p3", incident_key="k3", responder="Erin Outside"
    )
    named = dataclasses.replace(paged, responder="Alice Martin")
    app.oncall.record_pages([named, shouted, outside], "test", "test")
    everyone = app.toil.report(W10, W11, today=TODAY)
    # alice, bob and Erin: 3 × 40 h, not alice twice (as "Alice Martin") and Erin.
    assert [p.name for p in everyone.people] == ["alice", "Erin Outside", "bob"]
    assert everyone.capacity_hours_per_week == 120
    assert [(o.person, o.pages, o.engaged_hours) for o in everyone.oncall] == [
        ("alice", 2, 1.5), ("Erin Outside", 1, 0.25),
    ]  # fmt: skip
    team = app.toil.report(W10, W11, team="payments", today=TODAY)
    assert (team.total.hours, [o.person for o in team.oncall]) == (1.5, ["alice"])
    assert app.toil.report(W10, W11, person="alice", today=TODAY).total.hours == 1.5


def test_a_person_has_no_team_rows(app: App) -> None:
    app.toil.log(60, "cleanup", "alice", dt.date(2026, 3, 2), "api")
    # alice's hour against the team's 60 h would say nothing of the team: no team rows.
    person = app.toil.report(W10, W11, person="alice", today=TODAY)
    assert (person.teams, person.weeks[0].teams) == ([], [])
    team = app.toil.report(W10, W11, team="payments", today=TODAY)
    assert [(t.name, t.hours, t.capacity_hours) for t in team.teams] == [("payments", 1.0, 60)]
    assert len(app.toil.report(W10, W11, today=TODAY).teams) == 1


def test_unassigned_pages_are_those_of_the_service_asked_for(app: App) -> None:
    alone = dataclasses.replace(night_page(), responder=None)  # no rotation names anyone
    other = dataclasses.replace(
        alone, id="test:p2", source_id="p2", incident_key="k2", service="payments"
    )
    app.oncall.record_pages([alone, other], "test", "test")
    unassigned = {
        service: app.toil.report(W10, W11, service=service, today=TODAY).oncall_unassigned_pages
        for service in (None, "api", "payments")
    }
    assert unassigned == {None: 2, "api": 1, "payments": 1}
    # A service nothing names (basics.yaml declares none here) is a misspelling, not a
    # service without toil.
    with pytest.raises(NotFoundError) as error:
        app.toil.report(W10, W11, service="web", today=TODAY)
    assert str(error.value) == (
        'no service "web" in basics.yaml nor in any toil entry or page (known: api, payments)'
    )
    app.toil.log(60, "cleanup", "bob", dt.date(2026, 3, 3), "web")
    assert app.toil.report(W10, W11, service="web", today=TODAY).oncall_unassigned_pages == 0
    assert app.toil.known_service("web") == "web"  # named by a toil entry only


def test_a_scope_derives_on_call_time_from_its_own_peoples_pages_only(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from basics.toil import engaged

    paged = night_page()
    bob = dataclasses.replace(paged, id="test:p2", source_id="p2", incident_key="k2",
                              responder="bob")  # fmt: skip
    erin = dataclasses.replace(paged, id="test:p3", source_id="p3", incident_key="k3",
                               responder="Erin Outside")  # fmt: skip
    app.oncall.record_pages([dataclasses.replace(paged, responder="Alice Martin"), bob, erin],
                            "test", "test")  # fmt: skip
    everyone = {o.person: o for o in app.toil.report(W10, W11, today=TODAY).oncall}
    seen: list[list[str | None]] = []
    derive = engaged.oncall_rows

    def spy(pages: list[Page], *args: object) -> list[engaged.OncallRow]:
        seen.append(sorted(p.responder or "" for p in pages))
        return derive(pages, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(engaged, "oncall_rows", spy)
    team = app.toil.report(W10, W11, team="payments", today=TODAY)
    # Only the team's pages are derived (Erin's are not), and to the same figures.
    assert seen == [["alice", "bob"]]  # named by OncallService as basics.yaml names her
    assert team.oncall == [everyone["alice"], everyone["bob"]]


def test_the_report_range_is_whole_weeks_and_scopes_check_their_names(app: App) -> None:
    app.toil.log(60, "cleanup", "bob", dt.date(2026, 3, 11))
    # Wednesday to Thursday widens to the ISO week, Monday to Monday, in London.
    report = app.toil.report(dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 12), today=TODAY)
    assert [w.week for w in report.weeks] == ["2026-W11"]
    assert (report.start, report.end) == (W11, dt.datetime(2026, 3, 16))
    # Everyone: the two declared people at 40 h a week each.
    assert (report.capacity_hours_per_week, report.total.share) == (80.0, 1 / 80)
    assert app.toil.report(W11, None, person="bob@example.com", today=TODAY).person == "bob"
    with pytest.raises(NotFoundError, match='no service "payments"'):  # a team's name
        app.toil.report(W11, None, service="payments", today=TODAY)
    with pytest.raises(NotFoundError, match='no team "ops"'):
        app.toil.report(W11, None, team="ops", today=TODAY)
    with pytest.raises(InputError, match="range is empty"):
        app.toil.report(W11, W10, today=TODAY)
    # By default, the 12 ISO weeks up to this one; the current week is not complete.
    default = app.toil.report(today=dt.date(2026, 3, 12))
    assert len(default.weeks) == 12 and default.weeks[-1].week == "2026-W11"
    assert not default.weeks[-1].complete and default.weeks[-2].complete


def invoke(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """The CLI on the test's basics.yaml, in an 80-column pipe."""
    return CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), *args], env={"COLUMNS": "80"} | (env or {})
    )


def test_cli_ingest_list_remove_and_report(app: App, tmp_path: Path) -> None:
    app.close()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return invoke(tmp_path, *args, env=env)

    ingest = run("ingest", "toil", str(DATA / "tempo_cp1252.csv"))
    assert ingest.exit_code == 3, ingest.output  # the "Total" row
    assert "3 entries (3.0 h), 0 already stored, 1 rejected" in " ".join(ingest.stdout.split())
    assert "read as cp1252" in ingest.stdout and "person ← Username" in ingest.stdout
    assert "tempo_cp1252.csv:5: Username: missing person" in ingest.stderr
    assert run("ingest", "toil", str(DATA / "tempo_cp1252.csv")).exit_code == 0
    bob = {"BASICS_PERSON": "bob"}
    logged = run("toil", "log", "1h30m", "--category", "interrupt", "--service", "api", "--date",
                 "2026-03-10", "restarted", "the", "queue", env=bob)  # fmt: skip
    assert logged.exit_code == 0, logged.output
    assert "bob, 2026-03-10, 1h 30m interrupt on api" in logged.stdout
    nobody = run("toil", "log", "20m", "--category", "interrupt", env={"BASICS_PERSON": "zed"})
    assert nobody.exit_code == 1 and 'unknown person "zed"' in nobody.stderr
    listed = json.loads(run("toil", "list", "--json").stdout)
    assert listed[0]["description"] == "restarted the queue"  # newest day first
    assert {"id", "person", "day", "minutes", "category", "automatable", "batch_id"} <= set(
        listed[0]
    )
    report = run("toil", "report", "--from", "2026-03-02", "--to", "2026-03-16", "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    # 90 + 15 min in W10; 75 + 90 min in W11; 80 h a week for the two people.
    assert [(w["week"], w["total"]["hours"], w["total"]["share"]) for w in data["weeks"]] == [
        ("2026-W10", 1.75, 1.75 / 80), ("2026-W11", 2.75, 2.75 / 80),
    ]  # fmt: skip
    assert data["cap"] == 0.5 and data["cap_percent"] == 50
    text = run("toil", "report", "--from", "2026-03-02", "--to", "2026-03-16")
    assert text.exit_code == 0, text.output
    assert all(len(line) <= 80 for line in text.stdout.splitlines()), text.stdout
    assert "Automation candidates" in text.stdout and "Trend:" in text.stdout
    weeks_csv = run("toil", "report", "--from", "2026-03-02", "--to", "2026-03-16", "--csv")
    assert weeks_csv.stdout.splitlines()[0].startswith("week,start,end,complete,hours")
    people_csv = run("toil", "report", "--from", "2026-03-02", "--to", "2026-03-16",
                     "--csv", "people")  # fmt: skip
    assert people_csv.stdout.splitlines()[1].startswith("2026-W10,alice,1.5,")
    removed = run("toil", "remove", str(listed[0]["id"]))
    assert "batch" in removed.stdout and "is undone" in removed.stdout
    assert run("toil", "remove", "999").exit_code == 1


def test_cli_report_says_no_data_and_fails_on_over_cap(app: App, tmp_path: Path) -> None:
    app.close()
    empty = invoke(tmp_path, "toil", "report", "--from", "2026-03-02", "--to", "2026-03-09",
                   "--json")  # fmt: skip
    assert empty.exit_code == 0
    assert "No data" in empty.stderr and "none are logged yet" in empty.stderr
    assert json.loads(empty.stdout)["total"]["share"] is None
    for day in ("2026-03-02", "2026-03-03"):
        invoke(tmp_path, "toil", "log", "10h30m", "--category", "cleanup", "--person", "alice",
               "--date", day)  # fmt: skip
    args = ["toil", "report", "--from", "2026-03-02", "--to", "2026-03-09"]
    # alice: 21 h of her 40 in W10, above the 50 % cap; everyone: 21 of 80, under it.
    assert invoke(tmp_path, *args).exit_code == 0
    over = invoke(tmp_path, *args, "--fail-on", "over-cap")
    assert over.exit_code == 2, over.output
    assert invoke(tmp_path, *args, "--team", "payments", "--fail-on", "over-cap").exit_code == 2
    # bob: 1 h of his 40, and no week of anyone in his scope over the cap.
    invoke(tmp_path, "toil", "log", "1h", "--category", "cleanup", "--person", "bob",
           "--date", "2026-03-04")  # fmt: skip
    under = invoke(tmp_path, *args, "--person", "bob", "--fail-on", "over-cap")
    assert under.exit_code == 0, under.output


def test_undo_through_the_cli(app: App, tmp_path: Path) -> None:
    app.close()
    shutil.copy(DATA / "spreadsheet.csv", tmp_path / "sheet.csv")
    assert invoke(tmp_path, "ingest", "toil", str(tmp_path / "sheet.csv")).exit_code == 3
    undone = invoke(tmp_path, "batches", "undo", "1")
    assert undone.exit_code == 0 and "3 toil entries" in undone.stdout
    assert json.loads(invoke(tmp_path, "toil", "list", "--json").stdout) == []


def test_an_import_keeps_to_the_configured_categories(tmp_path: Path) -> None:
    strict = make_app(tmp_path, CONFIG.replace("manual-ops, ", ""))
    result = strict.toil.ingest(str(DATA / "jira_worklogs.csv"), ReadOptions())
    assert (result.entries, result.rejected) == (2, 4)
    [reject] = [r for r in result.first_rejects if r.line == 3]
    assert (reject.field, reject.reason) == (
        "Labels",  # the column the category came from (toil:manual-ops)
        'unknown category "manual-ops" (toil.categories: interrupt, manual-deploy, '
        "access-request, cleanup)",
    )


def test_a_service_filter_takes_an_alias_or_another_letter_case(tmp_path: Path) -> None:
    config = CONFIG + "services:\n  checkout:\n    aliases: [Checkout API]\n"
    app = make_app(tmp_path, config)
    app.toil.log(90, "cleanup", "alice", dt.date(2026, 3, 3), "checkout")
    for name in ("checkout", "CHECKOUT", "checkout api"):
        assert app.toil.report(W10, W11, service=name, today=TODAY).total.hours == 1.5
        assert [e.service for e in app.toil.entries(service=name)] == ["checkout"]


@pytest.mark.parametrize(
    ("words", "minutes", "description"),
    [
        (["1h", "30m", "restarted", "queue"], 90, "restarted queue"),
        (["2", "hours", "restarted queue"], 120, "restarted queue"),
        (["2", "hours", "15", "mins", "rotated", "keys"], 135, "rotated keys"),
        (["1h", "30m"], 90, None),
        # A number that does not join into a duration stays in the description.
        (["30m", "2", "servers", "rebooted"], 30, "2 servers rebooted"),
        (["45", "2 servers"], 45, "2 servers"),
    ],
)
def test_log_reads_a_duration_written_over_several_words(
    app: App, tmp_path: Path, words: list[str], minutes: int, description: str | None
) -> None:
    """`toil log 1h 30m "..."` unquoted stored 1h described as "30m ...", and `2 hours`
    two minutes described as "hours ..."."""
    app.close()
    done = invoke(tmp_path, "toil", "log", *words, "--category", "interrupt", "--person", "bob")
    assert done.exit_code == 0, done.output
    [entry] = json.loads(invoke(tmp_path, "toil", "list", "--json").stdout)
    assert (entry["minutes"], entry["description"]) == (minutes, description)


def test_entries_name_services_as_basics_yaml_does_and_an_unknown_one_is_said(
    tmp_path: Path,
) -> None:
    """`--service chekout` was stored with exit 0 and no word, so `toil report --service
    checkout` missed its hours; an alias or another letter case was stored as told."""
    config = CONFIG + "services:\n  checkout:\n    aliases: [Checkout API]\n"
    make_app(tmp_path, config).close()
    logged = invoke(tmp_path, "toil", "log", "1h", "restart", "--category", "interrupt",
                    "--person", "bob", "--service", "chekout")  # fmt: skip
    assert logged.exit_code == 0, logged.output
    assert " ".join(logged.stderr.split()) == (
        'warning: the entry names service "chekout", neither a service nor an alias in '
        'basics.yaml (did you mean "checkout"?): stored under that name, in no report of a '
        "service of basics.yaml; add it under services:, or as an alias of the service it is"
    )
    sheet = tmp_path / "w.csv"
    sheet.write_text(
        "person,date,hours,service,category\n"
        "alice,2026-03-02,1,chekout,interrupt\n"
        "alice,2026-03-03,2,Checkout API,interrupt\n"
        "bob,2026-03-03,1,chekout,cleanup\n"
    )
    imported = invoke(tmp_path, "ingest", "toil", str(sheet))
    assert imported.exit_code == 0, imported.output
    assert " ".join(imported.stderr.split()).startswith(
        'warning: 2 entries name service "chekout", neither a service nor an alias'
    )
    listed = json.loads(invoke(tmp_path, "toil", "list", "--json").stdout)
    assert sorted((e["service"], e["minutes"]) for e in listed) == [
        ("checkout", 120), ("chekout", 60), ("chekout", 60), ("chekout", 60),
    ]  # fmt: skip
    [result] = json.loads(invoke(tmp_path, "ingest", "toil", "--json", str(sheet)).stdout)
    assert result["status"] == "duplicate"


def test_the_candidates_legend_says_hours_over_the_weeks_with_entries(
    app: App, tmp_path: Path
) -> None:
    app.close()
    alice = {"BASICS_PERSON": "alice"}
    # 4.5 h automatable in W10, W11, W12 and W14; nothing logged in W13.
    for day, duration in (("2026-03-02", "1h30m"), ("2026-03-10", "1h"), ("2026-03-18", "1h"),
                          ("2026-04-01", "1h")):  # fmt: skip
        logged = invoke(tmp_path, "toil", "log", duration, "--category", "interrupt", "--date",
                        day, "--automatable", "restarted", "the", "queue", env=alice)  # fmt: skip
        assert logged.exit_code == 0, logged.output
    window = ("--from", "2026-03-02", "--to", "2026-04-06")
    data = json.loads(invoke(tmp_path, "toil", "report", *window, "--json").stdout)
    assert (len(data["weeks"]), data["weeks_with_entries"]) == (5, 4)
    assert [(c["hours"], c["hours_per_week"]) for c in data["candidates"]] == [(4.5, 1.125)]
    text = invoke(tmp_path, "toil", "report", *window)
    assert text.exit_code == 0, text.output
    said = " ".join(text.stdout.split())
    assert " 1.13 " in said  # 1.125, a half rounded up
    assert "h/week saved: their hours / the 4 weeks with entries." in said


def test_a_reversed_range_is_refused_not_an_empty_list(app: App, tmp_path: Path) -> None:
    """`toil list --from 2026-03-01 --to 2026-02-01` said "No toil entries match", exit 0,
    where pages, deploys and the toil report refuse a range that ends before it starts."""
    app.close()
    done = invoke(tmp_path, "toil", "list", "--from", "2026-03-01", "--to", "2026-02-01")
    assert done.exit_code == 1
    assert done.stderr == "Error: --from must be before --to\n"


def test_the_report_rounds_a_half_up(app: App, tmp_path: Path) -> None:
    """15 minutes are 0.25 h: the report said 0.2 h (a float's format rounds half to even)
    beside 0.25 in its JSON; docs/cli.md says a half is rounded up."""
    app.close()
    assert invoke(tmp_path, "toil", "log", "15m", "--category", "interrupt", "--person",
                  "alice", "--date", "2026-03-03", "restart").exit_code == 0  # fmt: skip
    done = invoke(tmp_path, "toil", "report", "--from", "2026-03-02", "--to", "2026-03-09")
    assert done.exit_code == 0, done.output
    text = " ".join(done.stdout.split())
    assert "0.3 h" in text and "0.2 h" not in text
