"""The deploy readers against captures and exports under tests/data/deploys/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from basics.core.errors import InputError
from basics.deploys.formats import common, fourkeys, github, gitlab, records
from basics.deploys.models import Change, DeployRead, DeployRecord, DeployReject, IncidentRecord

DATA = Path(__file__).parent.parent / "data" / "deploys"
TIME_EXPECTED = "ISO 8601 such as 2026-03-02T14:00:05Z, or epoch seconds or milliseconds"
SHA1 = "9f3c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c"
SHA2 = "77aa01bc0ffee1234567890abcdef1234567890a"
SHA3 = "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e"
SHA0 = "0d1e2f3a4b5c6d7e8f9001122334455667788990"


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def data(file_name: str) -> bytes:
    return (DATA / file_name).read_bytes()


def malformed(read: DeployRead) -> list[tuple[int, str | None, str]]:
    return [(r.line, r.field, r.reason) for r in read.rejects if r.field != common.SKIPPED]


def skipped(read: DeployRead) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in read.rejects if r.field == common.SKIPPED]


# --- GitHub ---------------------------------------------------------------------------------


def test_github_capture_one_deploy_per_deployment_with_its_final_status() -> None:
    read = github.read(data("github_deployment_statuses.jsonl"), "github_deployment_statuses.jsonl")

    run = "https://github.com/acme/api/actions/runs"
    assert read.deploys == [
        DeployRecord(
            service="api",  # the repository's name
            deployed_at=t("2026-03-02T14:06:12"),  # the success status, not the pending one
            source_key="github:deployment:1201",
            status="succeeded",
            version="v3.5.0",
            commit=SHA1,
            environment="production",
            actor="ana-lopez",  # who created the deployment, not the bot posting statuses
            url=f"{run}/8100001201/job/22000005003",
            status_event=True,
        ),
        DeployRecord(
            service="api-worker",  # named in the deployment's payload
            deployed_at=t("2026-03-03T09:12:44"),
            source_key="github:deployment:1202",
            status="failed",
            version="3.5.0-worker.1",
            commit=SHA2,
            environment="production",  # "Production" on GitHub
            actor="ana-lopez",
            url=f"{run}/8100001202/job/22000005010",
            status_event=True,
        ),
        DeployRecord(
            service="api",
            deployed_at=t("2026-03-04T11:30:00"),
            source_key="github:deployment:1203",
            status="succeeded",
            version="v3.6.0-rc.1",  # from refs/tags/v3.6.0-rc.1
            commit=SHA3,
            environment="staging",  # kept: the service filters environments
            actor="ana-lopez",
            url=f"{run}/8100001203/job/22000005020",
            status_event=True,
        ),
    ]
    assert skipped(read) == [
        (1, "skipped: a ping: GitHub sends it once when the webhook is created"),
        (2, 'skipped: state "pending" is not final (deployment 1201)'),
        (3, 'skipped: state "in_progress" is not final (deployment 1201)'),
        (
            5,
            "skipped: state inactive: deployment 1187 was superseded by a later one to its "
            "environment; that says nothing new about it",
        ),
    ]
    states = "success, failure, error, inactive, pending, queued, in_progress, waiting"
    assert malformed(read) == [
        (6, None, "invalid JSON at line 7 column 1: Expecting ',' delimiter"),
        (10, "deployment_status.state", f'unknown state "exploded": expected one of {states}'),
        (
            11,
            "deployment_status.created_at",
            "missing deployment_status.created_at: expected the time of the status",
        ),
    ]
    assert read.rejects[-1].raw.startswith('{"action": "created", "deployment_status"')
    assert len(read.rejects[-1].raw) == common.RAW_CAP


def test_github_final_status_wins_whatever_order_the_capture_holds() -> None:
    lines = data("github_deployment_statuses.jsonl").splitlines()
    pending, running, success = lines[1], lines[2], lines[3]

    for order in ([success, pending, running], [running, success, pending]):
        read = github.read(b"\n".join(order), "capture")
        assert [(d.source_key, d.status, d.deployed_at) for d in read.deploys] == [
            ("github:deployment:1201", "succeeded", t("2026-03-02T14:06:12"))
        ]
        assert len(skipped(read)) == 2


def test_github_redelivery_and_reimport_give_the_same_keys() -> None:
    body = data("github_deployment_statuses.jsonl").splitlines()[3]
    once = github.read(body, "webhook").deploys
    assert github.read(body + b"\n" + body, "webhook").deploys == once
    assert once[0].source_key == "github:deployment:1201"


def test_github_one_pretty_printed_webhook_body() -> None:
    read = github.read(data("github_deployment_status.json"), "webhook")

    assert read.rejects == []
    assert read.deploys == [
        DeployRecord(
            service="billing",
            deployed_at=t("2026-03-06T16:45:09"),  # +01:00 in the payload
            source_key="github:deployment:1300",
            status="failed",  # state "error"
            version="v3.5.1",
            commit=SHA2,
            environment="production",  # "prod"
            actor="ana-lopez",
            url="https://github.com/acme/billing/actions/runs/8100001300/job/22000006001",
            status_event=True,
        )
    ]


def test_github_service_argument_overrides_the_repository_not_the_payload() -> None:
    read = github.read(data("github_deployment_statuses.jsonl"), "capture", service="public-api")
    assert [d.service for d in read.deploys] == ["public-api", "api-worker", "public-api"]


def test_github_array_of_payloads_and_a_deployment_event() -> None:
    body = json.loads(data("github_deployment_status.json"))
    requested = {"action": "created", "deployment": body["deployment"], "repository": {}}
    read = github.read(json.dumps([requested, body]).encode(), "webhook")

    assert [d.source_key for d in read.deploys] == ["github:deployment:1300"]
    assert skipped(read) == [
        (
            1,
            "skipped: a deployment event says a deploy was requested, not how it ended: "
            'subscribe the webhook to "Deployment statuses"',
        )
    ]


def test_github_payload_without_a_repository_needs_a_service() -> None:
    body = {
        "deployment_status": {"id": 9, "state": "success", "created_at": "2026-03-02T10:00:00Z"},
        "deployment": {"id": 8, "sha": SHA1},
    }
    read = github.read(json.dumps(body).encode(), "webhook")
    assert malformed(read) == [
        (
            1,
            "repository.name",
            "missing repository.name: expected the repository (or pass the service)",
        )
    ]
    assert github.read(json.dumps(body).encode(), "webhook", service="api").deploys[0] == (
        DeployRecord(
            "api", t("2026-03-02T10:00:00"), "github:deployment:8", commit=SHA1, status_event=True
        )
    )


# --- GitLab ---------------------------------------------------------------------------------


def test_gitlab_hooks_one_deploy_per_deploy_job() -> None:
    read = gitlab.read(data("gitlab_hooks.jsonl"), "gitlab_hooks.jsonl")

    jobs = "https://gitlab.acme.example/acme/payments-api/-/jobs"
    gsha = "279484c09fbe69ededfced8c1bb6e6d24616b468"
    gsha2 = "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
    assert read.deploys == [
        DeployRecord(
            service="payments-api",  # the project's path, not its display name
            deployed_at=t("2026-03-09T13:05:31"),  # "2026-03-09 14:05:31 +0100"
            source_key="gitlab:job:796",
            status="succeeded",  # the running delivery before it is replaced
            commit=gsha,  # the full sha, from commit_url
            environment="production",
            actor="bchen",
            url=f"{jobs}/796",
            status_event=True,
        ),
        DeployRecord(
            service="payments-api",
            deployed_at=t("2026-03-09T14:10:00"),
            source_key="gitlab:job:801",
            status="failed",
            commit=gsha,
            environment="production",  # "prod-eu", of deployment tier production
            actor="bchen",
            url=f"{jobs}/801",
            status_event=True,
        ),
        DeployRecord(
            service="payments-api",
            deployed_at=t("2026-03-10T09:04:58"),
            source_key="gitlab:job:1002",  # told by the pipeline and by its Deployment Hook
            status="succeeded",
            version="v2.8.0",  # the pipeline ran for a tag
            commit=gsha2,
            environment="production",
            actor="bchen",
            url=f"{jobs}/1002",
            status_event=True,
        ),
        DeployRecord(
            service="payments-api",
            deployed_at=t("2026-03-11T08:02:00"),
            source_key="gitlab:job:1100",  # a Job Hook
            status="succeeded",
            commit=gsha2,
            environment="Staging",
            actor="bchen",
            url=f"{jobs}/1100",
            status_event=True,
        ),
    ]
    assert skipped(read) == [
        (1, 'skipped: deployment 15 is "running", not final'),
        (
            4,
            'skipped: deployment 17 is "canceled": it did not finish, so it shipped nothing '
            "we count",
        ),
        (5, 'skipped: job 1002 is "running", not final'),
        (7, "skipped: pipeline 232 has no job that deploys to an environment"),
        (8, 'skipped: a "push" event, not a deployment, pipeline or job event'),
    ]
    assert malformed(read) == [
        (11, "status_changed_at", f'unparseable time: expected {TIME_EXPECTED}, found "last week"')
    ]


def test_gitlab_four_keys_generator_deployment() -> None:
    # What data-generator/generate_data.py posts for GitLab: no project, no environment.
    body = {
        "object_kind": "deployment",
        "status": "success",
        "status_changed_at": "2024-05-07 09:45:30 +0200",
        "deployment_id": 412,
        "commit_url": f"http://example.com/root/test/commit/{SHA1}",
    }
    read = gitlab.read(json.dumps(body).encode(), "webhook", service="shop")
    assert read.rejects == []
    assert read.deploys == [
        DeployRecord(
            "shop",
            t("2024-05-07T07:45:30"),
            "gitlab:deployment:412",
            commit=SHA1,
            status_event=True,
        )
    ]


def test_gitlab_rejects_a_payload_that_is_not_gitlab() -> None:
    read = gitlab.read(b'{"kind": "deployment"}\n[1]\n', "webhook")
    assert malformed(read) == [
        (1, "object_kind", "missing object_kind: expected a GitLab webhook payload"),
        (2, None, "expected a GitLab webhook payload (a JSON object)"),
    ]


# --- JSON lines -----------------------------------------------------------------------------


def test_jsonl_deploys_times_statuses_and_rejects() -> None:
    read = records.read_jsonl(data("deploys.jsonl"), "deploys.jsonl")

    assert read.deploys == [
        DeployRecord(
            service="checkout",
            deployed_at=t("2026-03-02T14:06:12"),
            source_key=f"checkout/production@2026-03-02T14:06:12Z#{SHA1}",
            status="succeeded",
            version="3.5.0",
            commit=SHA1,
            environment="production",
            actor="ana",
            url="https://ci.acme.example/runs/881",
            changes=(Change(SHA1), Change(SHA2)),  # the repeated sha once
        ),
        DeployRecord(
            service="checkout",  # "App"
            deployed_at=t("2026-03-03T09:00:00"),  # +01:00
            source_key=f"checkout/production@2026-03-03T09:00:00Z#{SHA3}",
            status="rolled-back",  # "Rolled back"
            version="3.5.1",
            commit=SHA3,
            environment="production",  # "Prod"
            actor="bchen",  # user.login
            changes=(
                Change(SHA3, t("2026-03-02T16:00:00"), t("2026-03-02T16:30:00")),
                Change(SHA0, None, t("2026-03-02T17:00:00")),  # epoch seconds
            ),
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-04T08:00:00"),  # epoch seconds
            source_key="search/production@2026-03-04T08:00:00Z#1.2.0",
            version="1.2.0",
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-04T09:00:00"),  # epoch milliseconds
            source_key="search/staging@2026-03-04T09:00:00Z#1.2.1",
            status="failed",  # "FAILED"
            version="1.2.1",
            environment="staging",
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-05T08:00:00"),  # no offset: taken as UTC
            source_key="search/production@2026-03-05T08:00:00Z#1.2.2",
            version="1.2.2",  # no status: succeeded
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-05T13:00:00.123000"),
            source_key="search:deploy-77",
            version="1.2.6",
        ),
    ]
    assert skipped(read) == [(7, 'skipped: status "in_progress" is not final')]
    accepted = (
        "succeeded (or success, ok, done, completed, passed, deployed, superseded, unstable), "
        "failed (or failure, fail, error, terminal), "
        "rolled-back (or rolled back, rollback, reverted)"
    )
    assert malformed(read) == [
        (
            8,
            "service",
            "missing service: expected a service name (a field service, app, application or "
            "component, a mapping, or a default service)",
        ),
        (9, "deployed_at", f'unparseable time: expected {TIME_EXPECTED}, found "next tuesday"'),
        (10, "status", f'unknown status "meh": expected {accepted}'),
        (11, None, "invalid JSON at line 12 column 1: Expecting ',' delimiter"),
        (
            13,
            "deployed_at",
            f"missing deployed_at: expected the time of the deploy, {TIME_EXPECTED}",
        ),
        (14, None, "expected a JSON object (one deploy), found a string"),
    ]


def test_jsonl_default_service_and_mapping_of_nested_fields() -> None:
    text = (
        '{"meta": {"app": "ledger", "git": {"sha": "abc123"}}, "finished": 1772611200000,'
        ' "version": "7"}\n'
        '{"meta": {"git": {"sha": "def456"}}, "finished": "2026-03-04T09:00:00Z"}\n'
    )
    mapping = {"service": "meta.app", "commit": "meta.git.sha", "deployed_at": "finished"}
    read = records.read_jsonl(text.encode(), "x.jsonl", mapping, service="fallback")

    assert read.rejects == []
    assert [(d.service, d.commit, d.deployed_at, d.version) for d in read.deploys] == [
        ("ledger", "abc123", t("2026-03-04T08:00:00"), "7"),
        ("fallback", "def456", t("2026-03-04T09:00:00"), None),
    ]


def test_jsonl_reimport_gives_the_same_keys() -> None:
    first = records.read_jsonl(data("deploys.jsonl"), "deploys.jsonl")
    again = records.read_jsonl(data("deploys.jsonl"), "copy.jsonl")
    assert [d.source_key for d in again.deploys] == [d.source_key for d in first.deploys]
    assert len({d.source_key for d in first.deploys}) == len(first.deploys)


def test_mapping_with_an_unknown_field_is_an_input_error() -> None:
    with pytest.raises(InputError, match='unknown field "servce" in the mapping: expected one'):
        records.read_jsonl(b"{}", "x.jsonl", {"servce": "app"})


# --- CSV ------------------------------------------------------------------------------------


def test_csv_spreadsheet_export_with_bom_and_repeated_header() -> None:
    read = records.read_csv(data("deploys_spreadsheet.csv"), "deploys_spreadsheet.csv")

    assert read.deploys == [
        DeployRecord(
            service="checkout",
            deployed_at=t("2026-03-02T14:06:12"),  # no offset: UTC
            source_key=f"checkout/production@2026-03-02T14:06:12Z#{SHA1}",
            version="3.5.0",
            commit=SHA1,
            environment="production",  # "Production"
            actor="Ana López",
            changes=(Change(SHA1), Change(SHA2)),  # split on ";"
        ),
        DeployRecord(
            service="checkout",
            deployed_at=t("2026-03-03T09:00:00"),
            source_key=f"checkout/production@2026-03-03T09:00:00Z#{SHA3}",
            status="rolled-back",
            version="3.5.1",
            commit=SHA3,
            actor="Bo Chen",
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-04T08:00:00"),
            source_key="search/staging@2026-03-04T08:00:00Z#1.2.0",
            status="failed",
            version="1.2.0",
            environment="staging",
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-04T10:00:00"),
            source_key="search/production@2026-03-04T10:00:00Z#1.2.3",
            version="1.2.3",  # "Deployed"
            actor='"Zoë" (release captain)',
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-04T11:00:00"),
            source_key="search/production@2026-03-04T11:00:00Z#1.2.4",
            version="1.2.4",  # trailing empty cells are no harm
        ),
    ]
    assert malformed(read) == [
        (7, "Deployed At", f'unparseable time: expected {TIME_EXPECTED}, found "yesterday"'),
        (
            8,
            "Service",
            "missing service: expected a service name (a field service, app, application or "
            "component, a mapping, or a default service)",
        ),
        (11, None, "expected 8 columns as in the header, found 9"),
    ]
    assert read.rejects[0].raw == "search,1.2.1,,yesterday,success,production,,"


def test_csv_windows_1252_with_semicolons() -> None:
    read = records.read_csv(data("deploys_windows.csv"), "deploys_windows.csv")

    assert read.deploys == [
        DeployRecord(
            service="billing",
            deployed_at=t("2026-03-06T08:00:00"),
            source_key="billing/production@2026-03-06T08:00:00Z#4.0.0",
            version="4.0.0",
            actor="José Núñez",
        )
    ]
    assert malformed(read) == [
        (3, "Date", f'unparseable time: expected {TIME_EXPECTED}, found "06/03/2026 09:00"')
    ]
    assert read.rejects[0].raw == "billing;4.0.1;06/03/2026 09:00;OK;Zoë – release captain"


def test_csv_without_a_time_column_is_one_reject_at_the_header() -> None:
    read = records.read_csv(b"\n\nservice,version\napi,1.0\napi,1.1\n", "x.csv")
    assert read.deploys == []
    assert malformed(read) == [
        (
            3,
            "deployed_at",
            "no column for deployed_at: expected one named deployed_at, deploy_time, time, "
            "timestamp, finished_at, completed_at, stopped_at, end_time, published_at, "
            "created_at, date, updated (or a mapping); columns: service, version",
        )
    ]


def test_csv_mapping_names_columns_and_a_missing_one_is_said() -> None:
    text = b"App Name,When,Outcome\napi,2026-03-02T10:00:00Z,Reverted\n"
    mapping = {"service": "app name", "deployed_at": "When"}
    read = records.read_csv(text, "x.csv", mapping)
    assert [(d.service, d.deployed_at, d.status) for d in read.deploys] == [
        ("api", t("2026-03-02T10:00:00"), "rolled-back")
    ]
    read = records.read_csv(text, "x.csv", {"deployed_at": "Finished"})
    assert malformed(read) == [
        (
            1,
            "deployed_at",
            'the mapping names column "Finished" for deployed_at; columns: App Name, When, Outcome',
        )
    ]


def test_records_read_tells_json_lines_from_csv() -> None:
    assert records.read(data("deploys.jsonl"), "x") == records.read_jsonl(
        data("deploys.jsonl"), "x"
    )
    spreadsheet = data("deploys_spreadsheet.csv")
    assert records.read(spreadsheet, "x") == records.read_csv(spreadsheet, "x")


# --- Four Keys ------------------------------------------------------------------------------


def test_fourkeys_tables_deploys_changes_and_incidents() -> None:
    read = fourkeys.read(data("fourkeys_tables.jsonl"), "fourkeys_tables.jsonl", service="shop")

    c0, c1, c2, c3 = ("c0" * 20, "c1" * 20, "c2" * 20, "c3" * 20)
    assert read.deploys == [
        DeployRecord(
            service="shop",
            deployed_at=t("2024-05-06T10:15:00.123456"),
            source_key="fourkeys:github:1611893214",  # its row twice in the export: one deploy
            commit=c1,
            changes=(
                Change(c1, committed_at=t("2024-05-06T09:30:00")),
                Change(c0, committed_at=t("2024-05-06T09:01:00")),
            ),
        ),
        DeployRecord(
            service="shop",
            deployed_at=t("2024-05-07T16:40:12"),
            source_key="fourkeys:github:1611902277",
            commit=c3,
            changes=(
                Change(c3),  # no changes row for it
                Change(c2, committed_at=t("2024-05-07T14:00:00")),  # "1.7150904E9"
            ),
        ),
    ]
    assert read.incidents == [
        IncidentRecord(
            source_key="fourkeys:github:57",
            started_at=t("2024-05-07T17:05:00"),
            resolved_at=t("2024-05-07T18:20:00"),
            root_causes=(c3,),  # repeated four times by Four Keys
            service="shop",
        ),
    ]
    assert skipped(read) == [
        (
            9,  # an open incident: said, and counted apart
            "skipped: incident fourkeys:github:58 is still open: import again once it is resolved",
        )
    ]
    assert malformed(read) == [
        (
            3,
            "time_created",
            "missing time_created: expected a time such as 2024-05-01 12:00:00 UTC",
        ),
        (
            11,
            None,
            "expected a Four Keys row (deployments, changes, incidents or events_raw) or a "
            "webhook body; found fields: table, foo",
        ),
    ]


def test_fourkeys_tables_without_a_service_reject_each_deploy() -> None:
    read = fourkeys.read(data("fourkeys_tables.jsonl"), "fourkeys_tables.jsonl")
    assert read.deploys == []
    assert len(read.incidents) == 1
    assert [r.line for r in read.rejects if r.field == "service"] == [1, 2, 3, 10]


def test_fourkeys_incident_ending_before_it_starts_is_a_reject() -> None:
    row = {
        "source": "github",
        "incident_id": "9",
        "time_created": "2024-05-08 02:00:00 UTC",
        "time_resolved": "2024-05-08 01:00:00 UTC",
        "changes": [],
    }
    read = fourkeys.read(json.dumps(row).encode(), "incidents.json", service="shop")
    assert read.incidents == []
    assert malformed(read) == [
        (
            1,
            "time_resolved",
            "incident fourkeys:github:9 ends (2024-05-08 01:00:00) no later than it starts "
            "(2024-05-08 02:00:00): expected its end after its start",
        )
    ]


def test_fourkeys_raw_events_and_generator_bodies() -> None:
    read = fourkeys.read(data("fourkeys_events_raw.jsonl"), "events_raw.jsonl", service="shop")

    b, c, d, e = ("b" * 40, "c" * 40, "d" * 40, "e" * 40)
    assert read.deploys == [
        DeployRecord(
            service="shop",
            deployed_at=t("2024-05-06T10:30:00"),
            source_key="github:deployment:555001",  # re-read as a GitHub status
            commit=c,
            actor="ana-lopez",
            changes=(  # the commits of the push whose head it deployed
                Change(b, committed_at=t("2024-05-06T08:00:00")),
                Change(c, committed_at=t("2024-05-06T09:00:00")),
            ),
            status_event=True,
        ),
        DeployRecord(
            service="shop",
            deployed_at=t("2024-05-07T09:45:30.000001"),  # naive: taken as UTC
            source_key="github:status:e3b0c44298fc1c149afbf4c8996fb92427ae41e4",
            commit=e,
            changes=(
                Change(d, committed_at=t("2024-05-07T08:40:00.500000")),
                Change(e, committed_at=t("2024-05-07T09:15:00.250000")),
            ),
            status_event=True,
        ),
    ]
    assert read.incidents == [
        IncidentRecord(
            source_key="fourkeys:github:91",  # labelled, then closed: one incident
            started_at=t("2024-05-06T12:00:00"),
            resolved_at=t("2024-05-06T13:15:00"),
            root_causes=(c,),
            title="Checkout totals wrong after 2.8.0",
            service="shop",
        ),
        IncidentRecord(
            source_key="fourkeys:github:613",
            started_at=t("2024-05-07T09:15:00.250000"),
            resolved_at=t("2024-05-08T10:00:00"),
            root_causes=(e,),
            service="shop",
        ),
    ]
    assert skipped(read) == [
        (5, "skipped: issue fourkeys:github:92 is not labelled Incident"),
        (6, 'skipped: a "pull_request" event says nothing about deploys or incidents'),
    ]
    assert malformed(read) == []


def test_fourkeys_broken_metadata_is_a_reject() -> None:
    row = {
        "event_type": "deployment_status",
        "id": "1",
        "metadata": "{not json",
        "source": "github",
    }
    read = fourkeys.read(json.dumps(row).encode(), "events_raw.jsonl")
    assert malformed(read) == [
        (1, "metadata", "expected the webhook body as a JSON object in a string")
    ]


# --- what every reader shares -----------------------------------------------------------------


@pytest.mark.parametrize(
    "read", [github.read, gitlab.read, fourkeys.read, records.read_jsonl, records.read_csv]
)
def test_no_reader_raises_on_garbage(read: object) -> None:
    for garbage in (b"", b"\xff\xfe{\x00}\x00", b"\x00\x01\x02", b"{{{{", b"[1, 2", b"\x80abc\n"):
        result = read(garbage, "garbage")  # type: ignore[operator]
        assert isinstance(result, DeployRead)
        assert result.deploys == []
        assert all(isinstance(r, DeployReject) and r.reason for r in result.rejects)


@pytest.mark.parametrize(
    ("encoding", "named", "mark"),
    [("utf-16", "UTF-16", "FF FE"), ("utf-32", "UTF-32", "FF FE 00 00")],  # little-endian
)
def test_utf16_or_32_input_is_one_reject_naming_the_encoding(
    encoding: str, named: str, mark: str
) -> None:
    read = records.read_jsonl('{"service": "a"}'.encode(encoding), "x.jsonl")
    assert malformed(read) == [
        (
            1,
            None,
            f"x.jsonl: the file is {named} (it starts with the byte-order mark {mark}); "
            f"Basics reads UTF-8: convert it first, e.g. iconv -f {named} -t UTF-8",
        )
    ]


def test_a_json_line_that_is_not_utf8_names_the_key_holding_the_byte() -> None:
    read = github.read(b'{"deployment": {"ref": "caf\xe9"}}\n', "capture")
    assert malformed(read)[0][2].startswith(
        'invalid UTF-8: byte 0xE9 at byte 28 of the line (in "deployment.ref")'
    )


def test_a_line_that_is_not_utf8_is_rejected_alone_in_webhook_captures() -> None:
    body = data("github_deployment_status.json").replace(b"\n", b" ")
    read = github.read(b"\x80\x81 bad\n" + body + b"\n", "capture")
    assert [d.source_key for d in read.deploys] == ["github:deployment:1300"]
    assert malformed(read)[0][0] == 1
    assert malformed(read)[0][2].startswith("invalid UTF-8: byte 0x80 at byte 1 of the line")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02T14:00:05Z", "2026-03-02T14:00:05"),
        ("2026-03-02T15:00:05+01:00", "2026-03-02T14:00:05"),
        ("2026-03-02 14:00:05", "2026-03-02T14:00:05"),
        ("2021-04-28 21:50:00 +0200", "2021-04-28T19:50:00"),
        ("2016-08-12 15:23:28 UTC", "2016-08-12T15:23:28"),
        (1772460005, "2026-03-02T14:00:05"),
        (1772460005000, "2026-03-02T14:00:05"),
        ("1772460005", "2026-03-02T14:00:05"),
        ("1.772460005E9", "2026-03-02T14:00:05"),
        (1772460005.5, "2026-03-02T14:00:05.500000"),
    ],
)
def test_times_become_naive_utc(value: object, expected: str) -> None:
    assert common.parse_time(value, "time") == t(expected)


@pytest.mark.parametrize("name", ["production", "Production", "PROD", "prod", "prd", None, " "])
def test_production_spellings(name: str | None) -> None:
    assert common.normalize_environment(name) == "production"


@pytest.mark.parametrize("name", ["staging", "production-eu", "review/fix-1", "Staging"])
def test_other_environments_are_kept_as_written(name: str) -> None:
    assert common.normalize_environment(name) == name


def test_optional_and_required_times() -> None:
    assert common.optional_time(None, "at") is None
    assert common.optional_time(" ", "at") is None  # blank: missing, not unparseable
    assert common.optional_time("2026-03-02T15:00:05+01:00", "at") == t("2026-03-02T14:00:05")
    assert common.required_time(1772460005, "at") == t("2026-03-02T14:00:05")
    with pytest.raises(common.RecordError, match=r"^missing at: expected when it ended$"):
        common.required_time("", "at", "when it ended")
    with pytest.raises(common.RecordError, match=r'^unparseable time: .*found "soon"$'):
        common.optional_time("soon", "at")


def test_one_reader_per_format_and_an_unknown_format_named() -> None:
    from basics.deploys import formats
    from basics.deploys.models import FORMATS

    assert [formats.reader(f) for f in FORMATS] == [
        github.read, gitlab.read, fourkeys.read, records.read_jsonl, records.read_csv,
    ]  # fmt: skip
    with pytest.raises(InputError, match='unknown deploy format "xml": expected one of github'):
        formats.reader("xml")


# --- exports read as JSON lines (docs/deploys.md: GitHub Actions, Argo CD, GitLab API) ------


def test_github_actions_runs_are_read_by_their_conclusion() -> None:
    """`gh run list --json`: `status` says only whether a run ended (completed), its
    `conclusion` how; a run still going has an empty conclusion and is skipped."""
    mapping = {"deployed_at": "updatedAt", "version": "headBranch"}
    read = records.read_jsonl(data("github_runs.json"), "runs.json", mapping, service="web")

    runs = "https://github.com/acme/web/actions/runs"
    assert [(d.source_key, d.deployed_at, d.status, d.version, d.commit, d.url)
            for d in read.deploys] == [
        ("web:8123456701", t("2026-03-03T10:07:30"), "succeeded", "v2.1.0", "1111111aaaaaaa",
         f"{runs}/8123456701"),
        ("web:8123456702", t("2026-03-04T10:03:10"), "failed", "v2.1.1", "2222222bbbbbbb",
         f"{runs}/8123456702"),
        ("web:8123456703", t("2026-03-04T12:06:00"), "succeeded", "v2.1.2", "3333333ccccccc",
         f"{runs}/8123456703"),
    ]  # fmt: skip
    assert skipped(read) == [
        (5, 'skipped: conclusion "cancelled": the deploy did not run to its end'),
        (6, 'skipped: status "in_progress" is not final'),
    ]
    assert malformed(read) == []


def test_a_mapped_status_left_empty_is_skipped_not_succeeded() -> None:
    read = records.read_jsonl(
        data("github_runs.json"), "runs.json", {"status": "conclusion"}, "web"
    )
    assert [d.status for d in read.deploys] == ["succeeded", "failed", "succeeded"]
    assert skipped(read)[-1] == (
        6,
        "skipped: conclusion is empty: the deploy has not finished, or the record does not say",
    )
    text = b'{"service": "api", "time": "2026-03-02T10:00:00Z", "outcome": null}\n'
    assert records.read_jsonl(text, "x", {"status": "outcome"}).deploys == []
    assert records.read_jsonl(text, "x").deploys[0].status == "succeeded"  # says nothing


@pytest.mark.parametrize(
    ("conclusion", "status", "expected"),
    [
        ("timed_out", "completed", "failed"),
        ("startup_failure", "completed", "failed"),
        ("success", "completed", "succeeded"),
        ("", "queued", 'skipped: status "queued" is not final'),
        (None, "waiting", 'skipped: status "waiting" is not final'),
        (None, "requested", 'skipped: status "requested" is not final'),
        ("action_required", "completed", 'skipped: conclusion "action_required" is not final'),
        (
            "skipped",
            "completed",
            'skipped: conclusion "skipped": the deploy did not run to its end',
        ),
        ("stale", "completed", 'skipped: conclusion "stale": the deploy did not run to its end'),
    ],
)
def test_github_actions_conclusions(conclusion: str | None, status: str, expected: str) -> None:
    run = {"databaseId": 1, "headSha": "abc", "createdAt": "2026-03-03T10:00:00Z",
           "status": status, "conclusion": conclusion}  # fmt: skip
    read = records.read_jsonl(json.dumps(run).encode(), "run.json", service="web")
    found = [d.status for d in read.deploys] + [r.reason for r in read.rejects]
    assert found == [expected]


def test_csv_field_is_the_first_of_its_columns_holding_a_value() -> None:
    text = (
        b"service,deployed_at,conclusion,status\n"
        b"web,2026-03-03T10:00:00Z,failure,completed\n"
        b"web,2026-03-03T11:00:00Z,,in_progress\n"
        b"web,2026-03-03T12:00:00Z,,\n"
    )
    read = records.read_csv(text, "runs.csv")
    assert [(d.deployed_at, d.status) for d in read.deploys] == [
        (t("2026-03-03T10:00:00"), "failed"),
        (t("2026-03-03T12:00:00"), "succeeded"),  # no status at all: a deploy that happened
    ]
    assert skipped(read) == [(3, 'skipped: status "in_progress" is not final')]


def test_github_deployments_api_list_is_skipped_saying_why() -> None:
    read = github.read(data("github_api_deployments.json"), "deployments.json", service="search")
    why = (
        "skipped: GitHub's deployments API lists deployments without their outcome: export "
        "each with its statuses, one {deployment, deployment_status} a line (docs/deploys.md)"
    )
    assert read.deploys == []
    assert skipped(read) == [(2, why), (4, why)]


def test_github_deployments_api_with_their_statuses() -> None:
    """The jq of docs/deploys.md: each deployment with each of its statuses."""
    name = "github_api_deployment_statuses.jsonl"
    read = github.read(data(name), name, service="search")

    runs = "https://github.com/acme/search/actions/runs"
    assert read.deploys == [
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-02T10:05:00"),
            source_key="github:deployment:3001",
            status="succeeded",  # its later "inactive" says nothing new
            version="v4.0.0",
            commit="abc111",
            actor="dana",
            url=f"{runs}/7001",
            status_event=True,
        ),
        DeployRecord(
            service="search",
            deployed_at=t("2026-03-03T10:05:00"),
            source_key="github:deployment:3002",
            version="v4.0.1",
            commit="abc222",
            actor="lee",
            url=f"{runs}/7002",
            status_event=True,
        ),
    ]
    assert [line for line, _ in skipped(read)] == [1, 3, 5]  # inactive, in_progress twice
    assert malformed(read) == []


def test_gitlab_deployments_api_with_the_mapping_of_the_docs() -> None:
    mapping = {"environment": "environment.name", "deployed_at": "deployable.finished_at"}
    name = "gitlab_api_deployments.json"
    read = records.read_jsonl(data(name), name, mapping, service="billing")

    assert malformed(read) == [] and skipped(read) == []
    assert [(d.source_key, d.deployed_at, d.status, d.environment, d.commit, d.actor)
            for d in read.deploys] == [
        ("billing:901", t("2026-03-02T09:06:00"), "succeeded", "production",
         "aaaa1111bbbb2222cccc3333dddd4444eeee5555", "dana"),
        ("billing:902", t("2026-03-03T09:04:00"), "failed", "production", "ffff6666", "lee"),
        ("billing:903", t("2026-03-03T10:05:00"), "succeeded", "staging", "99998888", "lee"),
    ]  # fmt: skip


def test_argocd_history_a_rollback_is_succeeded_unless_marked() -> None:
    application = json.loads(data("argocd_application.json"))
    history = json.dumps(application["status"]["history"]).encode()
    plain = records.read_jsonl(history, "history.json", {"actor": "initiatedBy"}, "cart")
    assert [(d.source_key, d.status, d.actor) for d in plain.deploys] == [
        ("cart:41", "succeeded", None),  # automated: no one named
        ("cart:42", "succeeded", "admin"),  # undone by 43, which redeploys 41's revision
        ("cart:43", "succeeded", "dana"),
    ]
    name = "argocd_history.jsonl"  # the jq of docs/deploys.md, marking 42
    marked = records.read_jsonl(data(name), name, {"actor": "initiatedBy"}, "cart")
    assert [(d.source_key, d.deployed_at, d.status, d.commit) for d in marked.deploys] == [
        ("cart:41", t("2026-03-02T09:59:40"), "succeeded", "9f3c2a1e5b7d"),
        ("cart:42", t("2026-03-03T14:12:05"), "rolled-back", "ab12cd34ef56"),
        ("cart:43", t("2026-03-03T14:40:30"), "succeeded", "9f3c2a1e5b7d"),
    ]
