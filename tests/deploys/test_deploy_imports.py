"""Imports through the deploy service: what a batch says of its skipped records, a batch
with nothing usable, lead time from what a file carries, and what undo gives back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from basics.alerting.incidents import add_incident
from basics.app import App
from basics.config.loader import parse_config
from basics.deploys.formats import github, records
from basics.deploys.models import SKIPPED, DeployRead, DeployReject
from basics.deploys.service import DeployImport
from basics.ingest.batches import undo_batch

DATA = Path(__file__).parent.parent / "data" / "deploys"
CONFIG = "timezone: UTC\n"
GITHUB_API_WHY = (
    "GitHub's deployments API lists deployments without their outcome: export each with "
    "its statuses, one {deployment, deployment_status} a line (docs/deploys.md)"
)


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def imported(
    app: App,
    name: str,
    fmt: str = "jsonl",
    mapping: dict[str, str] | None = None,
    service: str | None = None,
) -> DeployImport:
    data = (DATA / name).read_bytes()
    read = (github.read if fmt == "github" else records.read)(data, name, mapping, service)
    return app.deploys.store_read(read, fmt, name, data)


def test_github_actions_runs_count_their_conclusions(app: App) -> None:
    done = imported(app, "github_runs.json", mapping={"deployed_at": "updatedAt"}, service="web")

    assert (done.status, done.deploys, done.skipped, done.rejected) == ("applied", 3, 2, 0)
    assert [(r.line, r.reason) for r in done.first_skips] == [
        (5, 'skipped: conclusion "cancelled": the deploy did not run to its end'),
        (6, 'skipped: status "in_progress" is not final'),
    ]
    assert [d.status for d in app.deploys.find()] == ["succeeded", "failed", "succeeded"]
    web = app.deploys.dora(dt.datetime(2026, 3, 3), dt.datetime(2026, 3, 6)).total
    assert (web.deploys, web.change_failure_rate.count, web.failed) == (3, 1, 1)
    assert web.change_failure_rate.ratio == pytest.approx(1 / 3)
    # 2026-03-04 10:03:10 failed, recovered by 12:06:00 (2 h 2 min 50 s)
    assert web.recovery_time_s.median == 2 * 3600 + 2 * 60 + 50


def test_a_file_of_skips_only_is_a_rejected_batch_saying_why(app: App) -> None:
    done = imported(app, "github_api_deployments.json", "github", service="search")

    assert (done.status, done.deploys, done.skipped, done.rejected) == ("rejected", 0, 2, 0)
    assert done.hint == f"all 2 records were skipped: {GITHUB_API_WHY}"
    assert [(r.line, r.reason) for r in done.first_skips] == [
        (2, f"skipped: {GITHUB_API_WHY}"),
        (4, f"skipped: {GITHUB_API_WHY}"),
    ]
    # Kept for `ingest rejects`, every record with its reason; never counted as data.
    assert app.store.query(
        "SELECT status, accepted, rejected FROM batches WHERE id = ?", [done.batch_id]
    ) == [("rejected", 0, 2)]
    assert app.store.query(
        "SELECT line, field FROM rejects WHERE batch_id = ? ORDER BY line", [done.batch_id]
    ) == [(2, SKIPPED), (4, SKIPPED)]
    # Not taken as imported: the same file is tried again.
    again = imported(app, "github_api_deployments.json", "github", service="search")
    assert (again.status, again.batch_id) == ("rejected", done.batch_id + 1)
    # Exported with their statuses, the same deployments are deploys.
    statuses = imported(app, "github_api_deployment_statuses.jsonl", "github", service="search")
    assert (statuses.status, statuses.deploys, statuses.skipped) == ("applied", 2, 3)


def test_nothing_usable_names_the_most_common_reason(app: App) -> None:
    def reject(line: int, field: str | None, reason: str) -> DeployReject:
        return DeployReject(line, field, reason, "{}")

    read = DeployRead(
        rejects=[
            reject(1, "time", "missing time"),
            reject(2, SKIPPED, 'skipped: status "queued" is not final'),
            reject(3, SKIPPED, 'skipped: status "queued" is not final'),
        ]
    )
    done = app.deploys.store_read(read, "jsonl", "mixed", b"mixed")
    assert (done.status, done.rejected, done.skipped) == ("rejected", 1, 2)
    assert done.hint == (
        'all 3 records were rejected or skipped; the most common reason (2): status "queued" '
        "is not final"
    )
    assert [r.line for r in done.first_rejects] == [1]
    assert [r.line for r in done.first_skips] == [2, 3]
    # An import that stored deploys is applied, its skips listed all the same.
    applied = imported(app, "releases.csv", "csv")
    assert (applied.status, applied.deploys, applied.rejected, applied.hint) == (
        "applied", 8, 2, None,
    )  # fmt: skip
    assert [(r.line, r.reason) for r in applied.first_skips] == [
        (14, 'skipped: Status "cancelled": the deploy did not run to its end')
    ]


def test_lead_time_needs_commit_times_which_a_csv_cannot_carry(app: App) -> None:
    week = (dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 8))
    done = imported(app, "leadtime.jsonl")
    assert (done.deploys, done.changes) == (6, 14)
    checkout = app.deploys.dora(*week).total
    # h: c1 3, c2 3.5, c3 1, c4 6 (1.0.1 failed: 1.0.2 shipped it), c5 4, c6 1, c8 24,
    # c10 25 (staging's 1.0.4 is not production); c7 committed after its deploy, c9 has no
    # time. Nearest rank of [1, 1, 3, 3.5, 4, 6, 24, 25]: median 4th, p90 8th.
    assert (checkout.lead_time_s.median, checkout.lead_time_s.p90) == (3.5 * 3600, 25 * 3600)
    assert (checkout.lead_time_s.n, checkout.lead_time_skipped) == (8, 2)

    text = b"service,deployed_at,commit,changes\nshop,2026-03-02T12:00:00Z,c3,c1 c2 c3\n"
    app.deploys.store_read(records.read_csv(text, "shop.csv"), "csv", "shop.csv", text)
    shop = app.deploys.dora(*week, services=["shop"]).total
    assert (shop.lead_time_s.n, shop.lead_time_skipped) == (0, 3)  # shas without times


def test_an_update_keeps_the_version_it_replaced(app: App) -> None:
    first = imported(app, "leadtime.jsonl")
    later_text = (
        b'{"service": "checkout", "version": "1.0.2", "commit": "c6", "deployed_at": '
        b'"2026-03-03T15:00:00Z", "status": "rolled back", "changes": ["c6"]}\n'
    )
    read = records.read_jsonl(later_text, "later.jsonl")
    later = app.deploys.store_read(read, "jsonl", "later.jsonl", later_text)
    assert (later.deploys, later.new_deploys) == (1, 0)

    deploy = app.deploys.resolve("checkout@1.0.2")
    assert app.store.query("SELECT batch_id FROM deploys WHERE id = ?", [deploy.id]) == [
        (later.batch_id,)
    ]
    assert app.store.query("SELECT id, status, batch_id, replaced_by FROM deploys_replaced") == [
        (deploy.id, "succeeded", first.batch_id, later.batch_id)
    ]
    assert app.store.query(
        "SELECT sha, committed_at, batch_id, replaced_by FROM deploy_changes_replaced ORDER BY sha"
    ) == [
        ("c4", dt.datetime(2026, 3, 3, 9), first.batch_id, later.batch_id),
        ("c5", dt.datetime(2026, 3, 3, 11), first.batch_id, later.batch_id),
        ("c6", dt.datetime(2026, 3, 3, 14), first.batch_id, later.batch_id),
    ]
    assert app.store.query("SELECT sha, batch_id FROM deploy_changes WHERE deploy_id = ?",
                           [deploy.id]) == [("c6", later.batch_id)]  # fmt: skip


def test_undo_of_an_update_puts_back_the_version_it_replaced(app: App) -> None:
    """A later export marks 3.5.2 rolled back; undone, 3.5.2 is as the first file told it,
    with its id, its first batch and the link made by hand."""
    first = imported(app, "releases.csv", "csv")
    later = imported(app, "releases_later.csv", "csv")
    manual = app.deploys.resolve("api@3.5.2")
    incident = add_incident(
        app.store, ["api"], dt.datetime(2026, 3, 6, 22), dt.datetime(2026, 3, 6, 23), "after"
    )
    app.deploys.link(incident.id, manual)
    assert later.batch_id is not None
    undo_batch(app.store, app.config, later.batch_id)

    restored = app.deploys.resolve("api@3.5.2")
    assert (restored.id, restored.status, restored.actor) == (manual.id, "succeeded", "lee")
    assert restored.incidents == (incident.id,)  # a link made by hand stays with the deploy
    assert app.store.scalar("SELECT count(*) FROM deploys_replaced") == 0
    assert app.store.query("SELECT batch_id FROM deploys WHERE id = ?", [manual.id]) == [
        (first.batch_id,)
    ]


def test_undo_in_any_order_walks_the_stack_of_versions(app: App) -> None:
    """Three imports tell 1.0.2 (succeeded, rolled back, failed); the middle undone leaves
    the top as it is, the top undone gives back the first, with its changes; nothing is
    left over, and undoing the first then removes the deploy."""
    first = imported(app, "leadtime.jsonl")

    def later(name: str, status: str, changes: str) -> DeployImport:
        text = (
            '{"service": "checkout", "version": "1.0.2", "commit": "c6", "deployed_at": '
            f'"2026-03-03T15:00:00Z", "status": "{status}", "changes": {changes}}}\n'
        ).encode()
        return app.deploys.store_read(records.read_jsonl(text, name), "jsonl", name, text)

    def told() -> tuple[str, list[tuple[object, ...]]]:
        deploy = app.deploys.resolve("checkout@1.0.2")
        shas = app.store.query(
            "SELECT sha FROM deploy_changes WHERE deploy_id = ? ORDER BY sha", [deploy.id]
        )
        return deploy.status, shas

    middle = later("b", "rolled back", '["c6"]')
    top = later("c", "failed", '["c5", "c6"]')
    assert told() == ("failed", [("c5",), ("c6",)])
    assert middle.batch_id is not None and top.batch_id is not None
    assert undo_batch(app.store, app.config, middle.batch_id).deploys_restored == 0
    assert told() == ("failed", [("c5",), ("c6",)])
    assert undo_batch(app.store, app.config, top.batch_id).deploys_restored == 1
    assert told() == ("succeeded", [("c4",), ("c5",), ("c6",)])
    for table in ("deploys_replaced", "deploy_changes_replaced"):
        assert app.store.scalar(f"SELECT count(*) FROM {table}") == 0
    assert first.batch_id is not None
    undo_batch(app.store, app.config, first.batch_id)
    assert app.store.scalar("SELECT count(*) FROM deploys") == 0


def test_cli_says_why_nothing_was_stored_and_lists_the_skips(app: App, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from basics.cli.main import cli

    app.close()
    base = ["--config", str(tmp_path / "basics.yaml"), "ingest", "deploys"]
    runner = CliRunner()
    nothing = runner.invoke(
        cli, [*base, str(DATA / "github_api_deployments.json"), "--format", "github"]
    )
    assert nothing.exit_code == 3, nothing.output
    assert (
        "github_api_deployments.json: nothing stored: 0 rejected, 2 skipped (batch 1 keeps "
        "them: basics ingest rejects 1)\n  why: all 2 records were skipped: " + GITHUB_API_WHY
    ) in nothing.stderr
    assert f"github_api_deployments.json:2: skipped: {GITHUB_API_WHY}" in nothing.stderr

    runs = runner.invoke(
        cli, [*base, str(DATA / "github_runs.json"), "--format", "jsonl", "--service", "web"]
    )
    assert runs.exit_code == 0, runs.output
    assert "3 deploys stored (3 new), 0 changes, 2 skipped (not deploys)" in runs.stdout
    assert 'github_runs.json:5: skipped: conclusion "cancelled": the deploy did not run' in (
        runs.stderr
    )


def test_a_file_without_records_stores_no_batch_and_says_so(app: App, tmp_path: Path) -> None:
    """An empty file, blank lines or a CSV header alone, in every format: no batch, one
    line saying so, exit code 0 (a file of skips only is a rejected batch, above)."""
    from click.testing import CliRunner

    from basics.cli.main import cli
    from basics.deploys.models import FORMATS

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n  \n\n")
    (tmp_path / "header.csv").write_text("service,deployed_at\n")
    imported(app, "github_runs.json", mapping={"deployed_at": "updatedAt"}, service="web")
    empty = app.deploys.import_file(tmp_path / "header.csv", "csv", None, None)
    assert (empty.status, empty.batch_id, empty.deploys) == ("empty", None, 0)
    app.close()
    base = ["--config", str(tmp_path / "basics.yaml"), "ingest", "deploys"]
    runner = CliRunner()
    said = "no deploy in it: nothing stored"
    files = [str(tmp_path / name) for name in ("empty.txt", "blank.txt")]
    for fmt, names in [(fmt, files) for fmt in FORMATS] + [("csv", [str(tmp_path / "header.csv")])]:
        done = runner.invoke(cli, [*base, *names, "--format", fmt])
        assert done.exit_code == 0, (fmt, done.output)
        assert done.output.splitlines() == [f"{name}: {said}" for name in names], fmt
    as_json = runner.invoke(cli, [*base, files[0], "--format", "jsonl", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert [(r["status"], r["batch_id"]) for r in json.loads(as_json.stdout)] == [("empty", None)]
    assert app.store.scalar("SELECT count(*) FROM batches") == 1
