"""A webhook status delivered after a newer one (GitHub and GitLab deliver in any order):
the deploy keeps the newest status by the status's own time, the late one is kept as told
among the deploy's versions, and undo in either order gives back what the batches left
tell. An export told again is a fresh telling, and still replaces whatever its time."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.deploys.formats import github, gitlab, records
from basics.deploys.service import DeployImport
from basics.ingest.batches import undo_batch

DATA = Path(__file__).parent.parent / "data" / "deploys"
CONFIG = "timezone: UTC\nservices:\n  checkout: {aliases: [Checkout API]}\n"
SHA = "9f1c2ab3d4e5f60718293a4b5c6d7e8f90a1b2c3"


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def status(state: str, status_id: int, at: str, deployment: int = 555001) -> bytes:
    """A GitHub `deployment_status` delivery, as the tester's gh.py sends it."""
    body = {
        "action": "created",
        "deployment_status": {
            "id": status_id, "state": state, "environment": "production",
            "created_at": at, "updated_at": at,
            "log_url": "https://github.com/acme/checkout/actions/runs/1/job/2",
        },
        "deployment": {
            "id": deployment, "environment": "production", "sha": SHA, "ref": "v2.7.0",
            "created_at": "2026-11-03T13:50:00Z", "creator": {"login": "dana"}, "payload": {},
        },
        "repository": {"id": 1, "name": "checkout", "full_name": "acme/checkout"},
    }  # fmt: skip
    return json.dumps(body).encode()


def delivered(app: App, body: bytes, fmt: str = "github") -> DeployImport:
    read = (github.read if fmt == "github" else gitlab.read)(body, "webhook", None, None)
    return app.deploys.store_read(read, fmt, f"{fmt} webhook", body)


def shown(app: App) -> list[tuple[int, str, dt.datetime]]:
    return [(d.id, d.status, d.deployed_at) for d in app.deploys.find()]


def versions(app: App) -> list[tuple[Any, ...]]:
    """Every kept version: (deploy id, status, time, its batch, the batch that replaced it)."""
    return app.store.query(
        "SELECT id, status, deployed_at, batch_id, replaced_by FROM deploys_replaced "
        "ORDER BY batch_id"
    )


AT_1357, AT_1358 = dt.datetime(2026, 11, 3, 13, 57), dt.datetime(2026, 11, 3, 13, 58)


def test_a_late_failure_does_not_replace_the_newer_success(app: App) -> None:
    assert delivered(app, status("in_progress", 1, "2026-11-03T13:55:00Z")).status == "rejected"
    success = delivered(app, status("success", 2, "2026-11-03T13:58:00Z"))
    late = delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))

    assert (late.status, late.deploys, late.new_deploys, late.superseded) == ("applied", 1, 0, 1)
    assert shown(app) == [(1, "succeeded", AT_1358)]
    # Kept as told, below the success it is older than.
    assert versions(app) == [(1, "failed", AT_1357, late.batch_id, success.batch_id)]
    assert app.store.query(
        "SELECT accepted, min_ts, max_ts FROM batches WHERE id = ?", [late.batch_id]
    ) == [(1, AT_1357, AT_1357)]
    rate = app.deploys.dora(dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 5)).total
    assert (rate.deploys, rate.change_failure_rate.count, rate.failed) == (1, 0, 0)


def test_undoing_the_newer_status_shows_the_late_one(app: App) -> None:
    success = delivered(app, status("success", 2, "2026-11-03T13:58:00Z"))
    late = delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))

    undone = undo_batch(app.store, app.config, success.batch_id or 0)
    assert (undone.deploys, undone.deploys_restored) == (0, 1)  # put back, not removed
    assert shown(app) == [(1, "failed", AT_1357)]  # what the batch left tells, same id
    assert versions(app) == []
    undo_batch(app.store, app.config, late.batch_id or 0)
    assert shown(app) == []


def test_undoing_the_late_status_first_changes_nothing_seen(app: App) -> None:
    success = delivered(app, status("success", 2, "2026-11-03T13:58:00Z"))
    late = delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))

    undone = undo_batch(app.store, app.config, late.batch_id or 0)
    assert (undone.deploys, undone.deploys_restored) == (0, 0)
    assert shown(app) == [(1, "succeeded", AT_1358)]
    assert versions(app) == []
    undo_batch(app.store, app.config, success.batch_id or 0)
    assert shown(app) == []


def test_late_statuses_keep_the_order_of_their_times(app: App) -> None:
    # 13:58, then 13:55, then 13:50: each late one goes below every newer one, so undoing
    # the newest shows 13:55, not the last delivered (13:50).
    newest = delivered(app, status("success", 4, "2026-11-03T13:58:00Z"))
    middle = delivered(app, status("failure", 3, "2026-11-03T13:55:00Z"))
    oldest = delivered(app, status("error", 2, "2026-11-03T13:50:00Z"))

    assert (middle.superseded, oldest.superseded) == (1, 1)
    assert shown(app) == [(1, "succeeded", AT_1358)]
    assert versions(app) == [
        (1, "failed", dt.datetime(2026, 11, 3, 13, 55), middle.batch_id, newest.batch_id),
        (1, "failed", dt.datetime(2026, 11, 3, 13, 50), oldest.batch_id, middle.batch_id),
    ]
    undo_batch(app.store, app.config, newest.batch_id or 0)
    assert shown(app) == [(1, "failed", dt.datetime(2026, 11, 3, 13, 55))]
    undo_batch(app.store, app.config, middle.batch_id or 0)
    assert shown(app) == [(1, "failed", dt.datetime(2026, 11, 3, 13, 50))]


def test_a_status_between_two_versions_goes_between_them(app: App) -> None:
    first = delivered(app, status("failure", 2, "2026-11-03T13:50:00Z"))
    newest = delivered(app, status("success", 4, "2026-11-03T13:58:00Z"))
    late = delivered(app, status("error", 3, "2026-11-03T13:55:00Z"))

    assert versions(app) == [
        (1, "failed", dt.datetime(2026, 11, 3, 13, 50), first.batch_id, late.batch_id),
        (1, "failed", dt.datetime(2026, 11, 3, 13, 55), late.batch_id, newest.batch_id),
    ]
    undo_batch(app.store, app.config, late.batch_id or 0)  # taken out of the middle
    assert versions(app) == [
        (1, "failed", dt.datetime(2026, 11, 3, 13, 50), first.batch_id, newest.batch_id)
    ]
    undo_batch(app.store, app.config, newest.batch_id or 0)
    assert shown(app) == [(1, "failed", dt.datetime(2026, 11, 3, 13, 50))]


def test_statuses_in_order_still_replace(app: App) -> None:
    delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))
    assert shown(app) == [(1, "failed", AT_1357)]
    fixed = delivered(app, status("success", 4, "2026-11-03T13:58:00Z"))
    assert (fixed.superseded, shown(app)) == (0, [(1, "succeeded", AT_1358)])
    # A later failure of the same deployment (its smoke test after the rollout) replaces.
    delivered(app, status("failure", 5, "2026-11-03T14:10:00Z"))
    assert shown(app) == [(1, "failed", dt.datetime(2026, 11, 3, 14, 10))]


def test_a_gitlab_deployment_hook_delivered_late(app: App) -> None:
    line = (DATA / "gitlab_hooks.jsonl").read_text().splitlines()[1]
    success = json.loads(line)  # job 796: success at 14:05:31 +0100
    assert (success["status"], success["status_changed_at"]) == (
        "success", "2026-03-09 14:05:31 +0100"
    )  # fmt: skip
    failed = success | {"status": "failed", "status_changed_at": "2026-03-09 14:04:00 +0100"}
    delivered(app, json.dumps(success).encode(), "gitlab")
    late = delivered(app, json.dumps(failed).encode(), "gitlab")

    assert late.superseded == 1
    assert shown(app) == [(1, "succeeded", dt.datetime(2026, 3, 9, 13, 5, 31))]


def test_an_export_told_again_replaces_whatever_its_time(app: App) -> None:
    # A CSV or JSON export is the deploy as its source tells it now: a time corrected to
    # an earlier one is taken, as before.
    def exported(at: str, status: str) -> DeployImport:
        body = json.dumps({"service": "checkout", "id": "7", "deployed_at": at, "status": status})
        read = records.read_jsonl(body.encode(), "export.jsonl", None, None)
        return app.deploys.store_read(read, "jsonl", "export.jsonl", body.encode())

    exported("2026-11-03T13:58:00Z", "succeeded")
    again = exported("2026-11-03T13:57:00Z", "failed")
    assert (again.superseded, shown(app)) == (0, [(1, "failed", AT_1357)])


def test_undoing_the_first_of_two_batches_telling_a_deploy_keeps_the_second(app: App) -> None:
    # A: success 13:58; B: the same success again ("1 unchanged"); C: a late failure, 13:57.
    first = delivered(app, status("success", 2, "2026-11-03T13:58:00Z"))
    again = delivered(app, status("success", 2, "2026-11-03T13:58:00Z") + b"\n")
    late = delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))
    assert (again.status, again.unchanged, again.new_deploys) == ("applied", 1, 0)
    assert late.superseded == 1

    undo_batch(app.store, app.config, first.batch_id or 0)
    assert shown(app) == [(1, "succeeded", AT_1358)]  # as B, still applied, tells it
    undo_batch(app.store, app.config, again.batch_id or 0)
    assert shown(app) == [(1, "failed", AT_1357)]  # as C tells it
    undo_batch(app.store, app.config, late.batch_id or 0)
    assert shown(app) == [] and versions(app) == []


def test_undo_counts_say_what_changed(app: App) -> None:
    success = delivered(app, status("success", 2, "2026-11-03T13:58:00Z"))
    delivered(app, status("failure", 3, "2026-11-03T13:57:00Z"))
    undone = undo_batch(app.store, app.config, success.batch_id or 0)
    assert shown(app) == [(1, "failed", AT_1357)]  # still there: put back, not removed
    assert (undone.deploys, undone.deploys_restored) == (0, 1)

    # A file of 4 deploys, one of them told before: 3 disappear, 1 is put back.
    def exported(*versions: str) -> DeployImport:
        body = "\n".join(json.dumps({"service": "checkout", "id": v, "version": v,
                                     "deployed_at": "2026-11-04T10:00:00Z"})
                         for v in versions).encode()  # fmt: skip
        read = records.read_jsonl(body, "hooks.jsonl", None, None)
        return app.deploys.store_read(read, "jsonl", "hooks.jsonl", body)

    exported("7")
    four = exported("7", "8", "9", "10")
    assert (four.deploys, four.new_deploys) == (4, 3)
    undone = undo_batch(app.store, app.config, four.batch_id or 0)
    assert (undone.deploys, undone.deploys_restored) == (3, 1)
