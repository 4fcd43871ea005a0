"""DORA through the store, against figures computed by hand: a rollback, a failed deploy,
deploys at the same second, an incident linked twice, a root cause named twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.deploys.models import Change, DeployRead, DeployRecord, IncidentRecord

CONFIG = """
timezone: UTC
services:
  api: {owner: payments}
  web: {owner: carol}
teams:
  payments: {members: [alice]}
  frontend: {members: [carol]}
people:
  alice: {}
  carol: {}
"""
T0 = dt.datetime(2026, 3, 2)  # a Monday


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def deploy(key: str, hours: float, status: str = "succeeded", service: str = "api",
           changes: tuple[Change, ...] = (), commit: str | None = None,
           environment: str = "production") -> DeployRecord:  # fmt: skip
    return DeployRecord(
        service=service, deployed_at=at(hours), source_key=key, status=status,  # type: ignore[arg-type]
        version=key, commit=commit, environment=environment, changes=changes,
    )  # fmt: skip


def change(sha: str, hours: float) -> Change:
    return Change(sha, at(hours) - dt.timedelta(days=1), at(hours))


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def history() -> DeployRead:
    """api, over the first week of March 2026 (hours from Monday 00:00 UTC):

    d1  @1    ok        changes a (committed @0), b (@-23)        lead 1 h, 24 h
    d2  @10   failed    change c (@9)  (never reached production)
    d3  @12   ok        change c again (@9), d (@11)              lead c 3 h, d 1 h
    d4  @12   ok        same second as d3, change e (@2)          lead 10 h
    d5  @30   rolled-back                                         recovered by d6 @31
    d6  @31   ok        the rollback
    d7  @50   ok        incident 1 (@52-@54) linked twice, and root cause of incident 2
    d8  @53   ok        deployed while d7's incident is open: rework
    d9  @60   ok        change f committed @61: clock skew, not measured
    """
    return DeployRead(
        deploys=[
            deploy("d1", 1, changes=(change("a", 0), change("b", -23))),
            deploy("d2", 10, "failed", changes=(change("c", 9),)),
            deploy("d3", 12, changes=(change("c", 9), change("d", 11))),
            deploy("d4", 12, changes=(change("e", 2),)),
            deploy("d5", 30, "rolled-back"),
            deploy("d6", 31),
            deploy("d7", 50, commit="seven"),
            deploy("d8", 53),
            deploy("d9", 60, changes=(change("f", 61),)),
            deploy("w1", 5, service="web", changes=(change("w", 4.5),)),
            deploy("s1", 6, environment="staging"),
        ],
        incidents=[
            # Four Keys names the same root cause twice, in one incident and in another.
            IncidentRecord("inc-1", at(52), at(54), ("seven", "seven"), "checkout errors", "api"),
            IncidentRecord("inc-2", at(52.5), at(53.5), ("seven",), "same cause, again", "api"),
        ],
    )


def test_dora_matches_the_hand_count(app: App) -> None:
    done = app.deploys.store_read(history(), "jsonl", "history", b"one")
    assert (done.deploys, done.new_deploys, done.incidents, done.links) == (11, 11, 2, 2)
    report = app.deploys.dora(T0, T0 + dt.timedelta(days=7))
    api = next(d for d in report.services if d.service == "api")
    assert api.deploys == 9
    # reached production: all but d2; over 7 days
    assert api.per_day == pytest.approx(8 / 7)
    assert api.per_week == pytest.approx(8)
    # deploy days: Mon (d1 d3 d4), Tue (d5 d6), Wed (d7 d8 d9) -> 3 days in one week
    assert api.deploy_days_per_week == pytest.approx(3)
    # failing: d2 (failed), d5 (rolled back), d7 (two incidents, counted once) = 3 of 9
    assert (api.change_failure_rate.count, api.change_failure_rate.deploys) == (3, 9)
    assert api.change_failure_rate.ratio == pytest.approx(3 / 9)
    assert (api.failed, api.rolled_back, api.incident_linked) == (1, 1, 1)
    # lead times (h): a 1, b 24, c 3 (first reached by d3: d2 failed), d 1, e 10;
    # f skipped (committed after its deploy). Nearest rank of [1, 1, 3, 10, 24]:
    # median = 3rd = 3 h, p90 = ceil(4.5) = 5th = 24 h.
    assert (api.lead_time_s.median, api.lead_time_s.p90, api.lead_time_s.n) == (
        3 * 3600,
        24 * 3600,
        5,
    )
    assert api.lead_time_skipped == 1
    # recovery: d2 -> d3 @12 (2 h); d5 -> d6 (1 h); d7 -> end of its incidents @54 (4 h).
    # Nearest rank of [1, 2, 4] h: median 2 h, p90 4 h.
    assert (api.recovery_time_s.median, api.recovery_time_s.p90, api.recovery_time_s.n) == (
        2 * 3600,
        4 * 3600,
        3,
    )
    # rework: the first good deploy after a failed one: d3 (after d2), d6 (after d5), d8
    # (after d7); not d4, at d3's second but after it (ids order a tie).
    assert (api.rework_rate.count, api.rework_rate.deploys) == (3, 9)
    web = next(d for d in report.services if d.service == "web")
    assert (web.deploys, web.lead_time_s.median) == (1, 0.5 * 3600)
    total = report.total
    assert total.deploys == 10  # staging's deploy is not counted
    assert total.change_failure_rate.count == 3
    assert total.lead_time_s.n == 6


def test_a_range_without_deploys_is_no_data(app: App) -> None:
    app.deploys.store_read(history(), "jsonl", "history", b"one")
    report = app.deploys.dora(T0 - dt.timedelta(days=30), T0 - dt.timedelta(days=1))
    # Every service of basics.yaml has its row, of no data.
    assert [(d.service, d.deploys, d.per_day) for d in report.services] == [
        ("api", 0, None), ("web", 0, None),
    ]  # fmt: skip
    total = report.total
    assert (total.deploys, total.per_day, total.change_failure_rate.ratio) == (0, None, None)
    assert total.lead_time_s.median is None
    assert total.bands.deployment_frequency.answer is None


def test_reimport_never_double_counts_and_keeps_links(app: App) -> None:
    first = app.deploys.store_read(history(), "jsonl", "history", b"one")
    again = app.deploys.store_read(history(), "jsonl", "history", b"one")
    assert again.status == "duplicate" and again.duplicate_of == first.batch_id
    manual = app.deploys.resolve("api@d8")
    app.deploys.link(1, manual)
    # The same history in another export (different bytes): every deploy unchanged.
    later = app.deploys.store_read(history(), "jsonl", "history-2", b"two")
    assert (later.deploys, later.unchanged, later.new_deploys) == (11, 11, 0)
    assert len(app.deploys.find()) == 11
    assert app.deploys.resolve("api@d8").incidents == (1,)
    # A deploy's status changed (a later export knows it was rolled back): updated in place.
    changed = history()
    changed.deploys[7] = deploy("d8", 53, "rolled-back")
    updated = app.deploys.store_read(changed, "jsonl", "history-3", b"three")
    assert (updated.unchanged, updated.new_deploys) == (10, 0)
    d8 = app.deploys.resolve("api@d8")
    assert (d8.id, d8.status, d8.incidents) == (manual.id, "rolled-back", (1,))


def test_undo_removes_the_batch_deploys_changes_incidents_and_links(app: App) -> None:
    from basics.ingest.batches import undo_batch

    done = app.deploys.store_read(history(), "jsonl", "history", b"one")
    assert done.batch_id is not None
    undone = undo_batch(app.store, app.config, done.batch_id)
    assert (undone.deploys, undone.incidents) == (11, 2)
    for table in ("deploys", "deploy_changes", "deploy_links", "incidents"):
        assert app.store.scalar(f"SELECT count(*) FROM {table}") == 0


def test_an_incident_linked_twice_counts_its_deploy_once(app: App) -> None:
    app.deploys.store_read(history(), "jsonl", "history", b"one")
    d1 = app.deploys.resolve("api@d1")
    assert app.deploys.link(1, d1) is True
    assert app.deploys.link(1, d1) is False  # linked already
    assert app.deploys.link(2, d1) is True
    api = next(
        d for d in app.deploys.dora(T0, T0 + dt.timedelta(days=7)).services if d.service == "api"
    )
    assert api.change_failure_rate.count == 4  # d1 now too, once for its two incidents
    assert api.change_failure_rate.ratio is not None and api.change_failure_rate.ratio <= 1


def test_team_is_the_services_it_owns(app: App) -> None:
    assert app.deploys.services_of_team("payments") == ["api"]
    assert app.deploys.services_of_team("frontend") == ["web"]  # owner is a member


def test_undoing_a_later_import_gives_back_what_an_earlier_one_brought(app: App) -> None:
    from basics.ingest.batches import undo_batch

    app.deploys.store_read(history(), "jsonl", "history", b"one")
    changed = history()
    changed.deploys[7] = deploy("d8", 53, "rolled-back")
    later = app.deploys.store_read(changed, "jsonl", "history-2", b"two")
    assert later.batch_id is not None and later.unchanged == 10
    undo_batch(app.store, app.config, later.batch_id)
    assert len(app.deploys.find()) == 11  # d8 is back as the first batch told it
    assert app.deploys.resolve("api@d8").status == "succeeded"
    assert app.store.scalar("SELECT count(*) FROM incidents") == 2


def test_a_service_named_all_is_a_service_not_the_total(app: App) -> None:
    read = DeployRead(deploys=[deploy("x1", 1, service="all"), deploy("y1", 2, service="api")])
    app.deploys.store_read(read, "jsonl", "named all", b"all")
    report = app.deploys.dora(T0, T0 + dt.timedelta(days=7))
    assert [(d.service, d.deploys) for d in report.services] == [
        ("all", 1), ("api", 1), ("web", 0),
    ]  # fmt: skip
    assert report.total.deploys == 2


def test_a_root_cause_links_the_production_deploy_not_staging(app: App) -> None:
    read = DeployRead(
        deploys=[
            deploy("s", 1, commit="cafe123", environment="staging"),
            deploy("p", 5, commit="cafe123"),
        ],
        incidents=[IncidentRecord("i", at(6), at(7), ("cafe123",), "after the release", "api")],
    )
    app.deploys.store_read(read, "fourkeys", "export", b"fk")
    assert app.deploys.resolve("api@p").incidents == (1,)
    assert app.deploys.resolve("api@s").incidents == ()


def test_an_open_fourkeys_incident_is_a_counted_skip(app: App) -> None:
    from basics.deploys.formats import fourkeys

    name = "fourkeys_tables.jsonl"
    data = (Path(__file__).parent.parent / "data" / "deploys" / name).read_bytes()
    done = app.deploys.store_read(fourkeys.read(data, name, service="shop"), "fourkeys", name, data)
    # incident 57 stored and linked to the deploy that shipped c3; 58, still open, said
    assert (done.incidents, done.links, done.skipped, done.rejected) == (1, 1, 1, 2)
    assert app.store.scalar("SELECT count(*) FROM incidents") == 1


def test_an_incident_a_reader_let_through_ending_at_its_start_is_refused(app: App) -> None:
    read = DeployRead(
        deploys=[deploy("p", 5, commit="cafe123")],
        incidents=[IncidentRecord("i", at(6), at(6), ("cafe123",), "no length", "api")],
    )
    with pytest.raises(ValueError, match="incident i not ending after its start"):
        app.deploys.store_read(read, "fourkeys", "export", b"fk")
    assert app.store.scalar("SELECT count(*) FROM deploys") == 0  # the transaction rolled back


def test_root_causes_link_first_deploys_and_name_the_incidents_services(app: App) -> None:
    read = DeployRead(
        deploys=[
            deploy("a1", 1, "failed", changes=(change("x", 0),)),  # never reached production
            deploy("a2", 2, changes=(change("x", 0),)),  # x's first deploy that did
            deploy("a3", 3, changes=(change("x", 0),)),
            deploy("w1", 4, service="web", commit="y"),  # y as the deploy's own commit
        ],
        incidents=[
            IncidentRecord("both", at(5), at(6), ("y", "x", "y")),  # no service named
            IncidentRecord("none", at(5), at(6), ("nowhere",)),
            IncidentRecord("named", at(5), at(6), ("x",), "", "api"),
        ],
    )
    done = app.deploys.store_read(read, "fourkeys", "export", b"one")
    assert (done.incidents, done.links) == (3, 3)
    rows = app.store.query("SELECT id, source_key, services, title FROM incidents ORDER BY id")
    assert rows == [
        (1, "both", ["api", "web"], "fourkeys incident both"),  # its deploys' services, sorted
        (2, "none", ["unknown"], "fourkeys incident none"),
        (3, "named", ["api"], "fourkeys incident named"),
    ]
    assert [d.incidents for d in app.deploys.find()] == [(), (1, 3), (), (1,)]
    read.incidents[1] = IncidentRecord("none", at(5), at(7), ("x",), "found it")
    again = app.deploys.store_read(read, "fourkeys", "export 2", b"two")
    assert (again.incidents, again.links) == (3, 1)  # only the new link is new
    assert app.store.query("SELECT id, services, end_ts, title FROM incidents WHERE id = 2") == [
        (2, ["api"], at(7), "found it")
    ]


def test_before_within_zero_seconds_is_the_moment_itself_not_the_default(app: App) -> None:
    read = DeployRead(deploys=[deploy("early", 4.5), deploy("now", 5)])
    app.deploys.store_read(read, "jsonl", "two", b"two")
    assert [d.version for d in app.deploys.before([], at(5))] == ["now", "early"]  # 2 h
    assert [d.version for d in app.deploys.before([], at(5), within_s=0)] == ["now"]


def test_a_service_asked_for_without_deploys_has_its_row_of_no_data(
    app: App, tmp_path: Path
) -> None:
    import csv
    import json

    from click.testing import CliRunner

    from basics.cli.main import cli

    app.deploys.store_read(history(), "jsonl", "history", b"one")
    app.close()

    def dora(*args: str) -> str:
        # From Tuesday: api's d5 to d9, and no deploy of web (w1 is Monday's).
        done = CliRunner().invoke(
            cli, ["--config", str(tmp_path / "basics.yaml"), "deploys", "dora",
                  "--from", "2026-03-03", "--to", "2026-03-09", *args],
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        return done.stdout

    rows = list(csv.DictReader(dora("--service", "web", "--csv").splitlines()))
    assert [(r["service"], r["deploys"], r["per_week"], r["change_failure_rate.ratio"],
             r["bands.change_failure_rate.level"]) for r in rows] == [
        ("web", "0", "", "", ""), ("all", "0", "", "", ""),
    ]  # fmt: skip
    both = list(csv.DictReader(dora("--service", "api", "--service", "web", "--csv").splitlines()))
    assert [(r["service"], r["deploys"]) for r in both] == [
        ("api", "5"), ("web", "0"), ("all", "5"),
    ]  # fmt: skip
    team = json.loads(dora("--team", "frontend", "--json"))
    [web] = team["services"]
    assert (web["service"], web["deploys"], web["per_day"], web["lead_time_s"]) == (
        "web", 0, None, {"median": None, "p90": None, "n": 0},
    )  # fmt: skip
    assert web["change_failure_rate"]["ratio"] is None
    assert web["bands"]["change_failure_rate"] == {"answer": None, "level": None}
