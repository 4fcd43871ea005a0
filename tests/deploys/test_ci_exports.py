"""Exports of CI and release tools read as JSON records, through the store: Helm's release
history, Jenkins' builds API, Spinnaker's executions, CircleCI's workflows, GitHub's
releases and Heroku's releases. Every figure below is counted by hand from the records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.deploys.formats import records
from basics.deploys.models import SKIPPED
from basics.deploys.service import DeployImport

CONFIG = "timezone: UTC\n"


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def stored(
    app: App,
    data: bytes,
    mapping: dict[str, str] | None = None,
    service: str | None = None,
) -> DeployImport:
    read = records.read(data, "export.json", mapping, service)
    return app.deploys.store_read(read, "jsonl", "export.json", data)


def lines(*items: dict[str, Any]) -> bytes:
    return "".join(json.dumps(item) + "\n" for item in items).encode()


def skips(done: DeployImport) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in done.first_skips]


def deploys(app: App) -> list[tuple[str, dt.datetime, str, str | None]]:
    found = sorted(app.deploys.find(), key=lambda d: d.deployed_at)
    return [(d.service, d.deployed_at, d.status, d.version) for d in found]


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_helm_history_superseded_is_a_deploy_and_pending_is_skipped(app: App) -> None:
    # `helm history checkout -o json`, with a sixth revision still upgrading.
    history = [
        {"revision": 1, "updated": "2026-03-02T10:15:31.123456789+01:00",
         "status": "superseded", "app_version": "3.5.0", "description": "Install complete"},
        {"revision": 2, "updated": "2026-03-04T16:02:11.5+01:00", "status": "superseded",
         "app_version": "3.5.1", "description": "Upgrade complete"},
        {"revision": 3, "updated": "2026-03-05T09:30:00+01:00", "status": "failed",
         "app_version": "3.6.0", "description": "Upgrade \"checkout\" failed"},
        {"revision": 4, "updated": "2026-03-05T09:41:12+01:00", "status": "superseded",
         "app_version": "3.5.1", "description": "Rollback to 2"},
        {"revision": 5, "updated": "2026-03-09T11:00:00.25-04:00", "status": "deployed",
         "app_version": "3.6.1", "description": "Upgrade complete"},
        {"revision": 6, "updated": "2026-03-10T11:00:00Z", "status": "pending-upgrade",
         "app_version": "3.6.2", "description": "Preparing upgrade"},
    ]  # fmt: skip
    done = stored(
        app, json.dumps(history).encode(), {"deployed_at": "updated", "id": "revision"}, "checkout"
    )

    assert (done.status, done.deploys, done.skipped, done.rejected) == ("applied", 5, 1, 0)
    assert skips(done) == [(1, 'skipped: status "pending-upgrade" is not final')]
    assert deploys(app) == [
        ("checkout", t("2026-03-02T09:15:31.123456"), "succeeded", "3.5.0"),
        ("checkout", t("2026-03-04T15:02:11.500000"), "succeeded", "3.5.1"),
        ("checkout", t("2026-03-05T08:30:00"), "failed", "3.6.0"),
        # The rollback release reached production: a deploy that succeeded.
        ("checkout", t("2026-03-05T08:41:12"), "succeeded", "3.5.1"),
        ("checkout", t("2026-03-09T15:00:00.250000"), "succeeded", "3.6.1"),
    ]
    # Helm's revision is the release's number, not a commit; as the id it keys the deploy.
    assert {(d.commit, d.source) for d in app.deploys.find()} == {(None, "jsonl")}
    keys = app.store.query("SELECT source_key FROM deploys ORDER BY deployed_at")
    assert [k for (k,) in keys] == [f"checkout:{n}" for n in range(1, 6)]
    report = app.deploys.dora(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11)).total
    assert (report.deploys, report.failed) == (5, 1)
    assert report.change_failure_rate.ratio == pytest.approx(1 / 5)
    # Failed 08:30:00, the rollback 08:41:12: 11 min 12 s.
    assert report.recovery_time_s.median == 11 * 60 + 12


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("superseded", "succeeded"),
        ("deployed", "succeeded"),
        (
            "uninstalled",
            'skipped: status "uninstalled": a release removed, not deployed, at that time',
        ),
        (
            "uninstalling",
            'skipped: status "uninstalling": a release removed, not deployed, at that time',
        ),
        ("failed", "failed"),
        ("pending-install", 'skipped: status "pending-install" is not final'),
        ("pending-rollback", 'skipped: status "pending-rollback" is not final'),
        ("SUCCESS", "succeeded"),
        ("UNSTABLE", "succeeded"),
        ("FAILURE", "failed"),
        ("ABORTED", 'skipped: status "ABORTED": the deploy did not run to its end'),
        ("NOT_BUILT", 'skipped: status "NOT_BUILT": the deploy did not run to its end'),
        ("SUCCEEDED", "succeeded"),
        ("TERMINAL", "failed"),
        ("CANCELED", 'skipped: status "CANCELED": the deploy did not run to its end'),
        ("RUNNING", 'skipped: status "RUNNING" is not final'),
        ("success", "succeeded"),
        ("error", "failed"),
        ("on_hold", 'skipped: status "on_hold" is not final'),
        ("not_run", 'skipped: status "not_run": the deploy did not run to its end'),
    ],
)
def test_status_words_of_helm_jenkins_spinnaker_and_circleci(word: str, expected: str) -> None:
    text = lines({"service": "api", "time": "2026-03-02T10:00:00Z", "status": word})
    read = records.read_jsonl(text, "x")
    told = [d.status for d in read.deploys] + [r.reason for r in read.rejects]
    assert told == [expected]


def test_jenkins_builds_api_response_is_read_with_each_builds_line(app: App) -> None:
    # `curl …/job/deploy-search/api/json?tree=builds[number,result,building,timestamp]`,
    # one build a line inside the response object.
    builds = [
        {"number": 58, "result": None, "building": True, "timestamp": 1773320400000},
        {"number": 57, "result": "UNSTABLE", "building": False, "timestamp": 1773230400000},
        {"number": 56, "result": "FAILURE", "building": False, "timestamp": 1773144000000},
        {"number": 55, "result": "SUCCESS", "building": False, "timestamp": 1773057600000},
        {"number": 54, "result": "ABORTED", "building": False, "timestamp": 1772971200000},
        {"number": 53, "result": "NOT_BUILT", "building": False, "timestamp": 1772884800000},
    ]
    body = ",\n".join(json.dumps(build) for build in builds)
    text = f'{{"_class": "WorkflowJob", "builds": [\n{body}\n]}}\n'.encode()
    done = stored(app, text, {"id": "number"}, "search")

    assert (done.status, done.deploys, done.skipped, done.rejected) == ("applied", 3, 3, 0)
    assert done.notes == ['read the 6 records in "builds", the list the file holds']
    assert skips(done) == [
        (2, "skipped: building: the build has not finished"),
        (6, 'skipped: result "ABORTED": the deploy did not run to its end'),
        (7, 'skipped: result "NOT_BUILT": the deploy did not run to its end'),
    ]
    assert deploys(app) == [
        ("search", t("2026-03-09T12:00:00"), "succeeded", None),
        ("search", t("2026-03-10T12:00:00"), "failed", None),
        ("search", t("2026-03-11T12:00:00"), "succeeded", None),  # UNSTABLE: it deployed
    ]
    report = app.deploys.dora(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 15)).total
    assert (report.deploys, report.failed) == (3, 1)
    assert report.recovery_time_s.median == 24 * 3600


def test_a_response_with_several_lists_names_them_and_the_jq(app: App) -> None:
    text = b'{"actions": [{"a": 1}], "builds": [{"number": 1}]}\n'
    done = stored(app, text, service="search")

    assert (done.status, done.rejected) == ("rejected", 1)
    assert [(r.line, r.field, r.reason) for r in done.first_rejects] == [
        (1, None, 'one JSON object holding several lists ("actions", "builds"), not deploys: '
                  "give the deploys one a line, e.g. jq -c '.actions[]' FILE > deploys.jsonl"),
    ]  # fmt: skip
    # A deploy with its own time and a list of changes is one deploy, not a wrapper.
    one = b'{"service": "api", "time": "2026-03-02T10:00:00Z", "changes": [{"sha": "c1"}]}'
    assert [d.changes[0].sha for d in records.read(one, "x").deploys] == ["c1"]


def test_spinnaker_executions_end_time_and_statuses(app: App) -> None:
    executions = [
        {"id": "01HQ1", "application": "cart", "status": "SUCCEEDED",
         "startTime": 1772532001000, "endTime": 1772532900000, "trigger": {"tag": "1.9.0"}},
        {"id": "01HQ2", "application": "cart", "status": "TERMINAL",
         "startTime": 1772618401000, "endTime": 1772618700000, "trigger": {"tag": "1.10.0"}},
        {"id": "01HQ3", "application": "cart", "status": "CANCELED",
         "startTime": 1772704801000, "endTime": 1772704810000, "trigger": {"tag": "1.10.1"}},
        {"id": "01HQ4", "application": "cart", "status": "SUCCEEDED",
         "startTime": 1772791201000, "endTime": 1772792100000, "trigger": {"tag": "1.10.1"}},
        {"id": "01HQ5", "application": "cart", "status": "RUNNING",
         "startTime": 1772800000000, "endTime": None, "trigger": {"tag": "1.10.2"}},
    ]  # fmt: skip
    done = stored(app, lines(*executions), {"version": "trigger.tag"})

    assert (done.deploys, done.skipped, done.rejected) == (3, 2, 0)
    assert skips(done) == [
        (3, 'skipped: status "CANCELED": the deploy did not run to its end'),
        (5, 'skipped: status "RUNNING" is not final'),  # no end time: skipped, not rejected
    ]
    assert deploys(app) == [
        ("cart", t("2026-03-03T10:15:00"), "succeeded", "1.9.0"),
        ("cart", t("2026-03-04T10:05:00"), "failed", "1.10.0"),
        ("cart", t("2026-03-06T10:15:00"), "succeeded", "1.10.1"),
    ]


def test_circleci_workflows_response_unfinished_ones_are_skipped(app: App) -> None:
    def workflow(number: int, status: str, stopped: str | None) -> dict[str, Any]:
        return {"id": f"wf{number}", "name": "deploy-production", "status": status,
                "pipeline_number": number, "created_at": "2026-03-10T09:00:00Z",
                "stopped_at": stopped}  # fmt: skip

    items = [
        workflow(1201, "success", "2026-03-10T14:08:31Z"),
        workflow(1202, "failed", "2026-03-11T09:03:00Z"),
        workflow(1203, "on_hold", None),
        workflow(1204, "not_run", None),
        workflow(1205, "error", "2026-03-11T10:00:00Z"),
        workflow(1206, "canceled", "2026-03-11T11:00:00Z"),
    ]
    text = json.dumps({"next_page_token": None, "items": items}, indent=1).encode()
    done = stored(app, text, {"deployed_at": "stopped_at"}, "billing")

    assert (done.deploys, done.skipped, done.rejected) == (3, 3, 0)
    assert done.notes == ['read the 6 records in "items", the list the file holds']
    assert [reason for _, reason in skips(done)] == [
        'skipped: status "on_hold" is not final',
        'skipped: status "not_run": the deploy did not run to its end',
        'skipped: status "canceled": the deploy did not run to its end',
    ]
    # Each record's own line in the indented response: the first item opens on line 4,
    # and each takes 8 lines (braces and 6 keys), so the third opens on line 20.
    assert [line for line, _ in skips(done)] == [20, 28, 44]
    assert text.decode().splitlines()[19] == "  {"
    assert deploys(app) == [
        ("billing", t("2026-03-10T14:08:31"), "succeeded", None),
        ("billing", t("2026-03-11T09:03:00"), "failed", None),
        ("billing", t("2026-03-11T10:00:00"), "failed", None),
    ]


def test_github_releases_count_published_ones_at_their_publication(app: App) -> None:
    # `gh api repos/acme/search/releases`: newest first, a pre-release and a draft among them.
    releases = [
        {"id": 3, "tag_name": "v2.1.0", "draft": False, "prerelease": False,
         "author": {"login": "raj-p"}, "created_at": "2026-03-09T16:10:00Z",
         "published_at": "2026-03-12T09:00:00Z",
         "url": "https://api.github.com/repos/acme/search/releases/3",
         "html_url": "https://github.com/acme/search/releases/tag/v2.1.0"},
        {"id": 2, "tag_name": "v2.1.0-rc.1", "draft": False, "prerelease": True,
         "created_at": "2026-03-09T16:10:00Z", "published_at": "2026-03-10T09:00:00Z"},
        {"id": 4, "tag_name": "v2.2.0", "draft": True, "prerelease": False,
         "created_at": "2026-03-13T16:10:00Z", "published_at": None},
        {"id": 1, "tag_name": "v2.0.0", "draft": False, "prerelease": False,
         "author": {"login": "jane-d"}, "created_at": "2026-03-01T10:00:00Z",
         "published_at": "2026-03-02T10:00:00Z"},
    ]  # fmt: skip
    done = stored(app, lines(*releases), service="search")

    assert (done.deploys, done.skipped, done.rejected) == (2, 2, 0)
    assert skips(done) == [
        (2, "skipped: a pre-release: not a production deploy"),
        (3, "skipped: a draft release: it was never published"),
    ]
    assert deploys(app) == [
        ("search", t("2026-03-02T10:00:00"), "succeeded", "v2.0.0"),
        ("search", t("2026-03-12T09:00:00"), "succeeded", "v2.1.0"),
    ]
    assert sorted(d.actor or "" for d in app.deploys.find()) == ["jane-d", "raj-p"]
    # The page a person opens, not the API's address.
    assert sorted(d.url or "" for d in app.deploys.find()) == [
        "",
        "https://github.com/acme/search/releases/tag/v2.1.0",
    ]


def test_heroku_app_object_takes_the_service_given_or_says_the_mapping(app: App) -> None:
    def release(version: int, status: str, at: str) -> dict[str, Any]:
        return {"app": {"id": "0123", "name": "acme-web"}, "created_at": at,
                "description": f"Deploy {version}", "status": status,
                "id": f"r{version}", "version": version}  # fmt: skip

    text = lines(
        release(40, "succeeded", "2026-03-02T12:00:00Z"),
        release(41, "failed", "2026-03-03T12:00:00Z"),
        release(42, "pending", "2026-03-03T13:00:00Z"),
    )
    alone = records.read(text, "heroku.json")
    assert {(r.line, r.field, r.reason) for r in alone.rejects} == {
        (n, "app", "expected text for app, found an object: give --mapping "
                   "service=app.name, or --service SERVICE")
        for n in (1, 2, 3)
    }  # fmt: skip

    given = stored(app, text, service="web")
    assert (given.deploys, given.skipped, given.rejected) == (2, 1, 0)
    assert deploys(app) == [
        ("web", t("2026-03-02T12:00:00"), "succeeded", "40"),
        ("web", t("2026-03-03T12:00:00"), "failed", "41"),
    ]
    mapped = records.read(text, "heroku.json", {"service": "app.name"})
    assert [(d.service, d.source_key) for d in mapped.deploys] == [
        ("acme-web", "acme-web:r40"),
        ("acme-web", "acme-web:r41"),
    ]
    assert [r.field for r in mapped.rejects] == [SKIPPED]
