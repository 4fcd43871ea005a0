"""Deploys named as basics.yaml names services, in every way in: `deploys record`, files,
webhooks and git tags take an alias or another letter case as the service, so listing,
DORA per service and the deploys before a moment find them; a name basics.yaml does not
know is stored as told, and said with how many deploys name it."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.core.errors import NotFoundError
from basics.deploys.formats import github, records
from basics.deploys.models import DeployRecord
from basics.ingest.batches import undo_batch

CONFIG = """timezone: UTC
services:
  checkout: {aliases: [Checkout API]}
  search: {}
"""
UNKNOWN_CHEKOUT = (
    '1 deploy names service "chekout", neither a service nor an alias in basics.yaml '
    '(did you mean "checkout"?): stored under that name, in no report of a service of '
    "basics.yaml; add it under services:, or as an alias of the service it is"
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def app(config: Path) -> App:
    return App(parse_config(CONFIG, config))


def rows(app: App) -> list[tuple[str, str]]:
    return [(d.service, d.version or "") for d in app.deploys.find()]


def keys(app: App) -> list[tuple[str, str]]:
    return app.store.query("SELECT service, source_key FROM deploys ORDER BY id")


def test_record_takes_an_alias_or_another_case_as_the_service(app: App) -> None:
    at = dt.datetime(2026, 11, 4, 10, 0)
    for name, version in (("CHECKOUT", "1.0"), ("Checkout API", "1.1"), ("checkout", "1.2")):
        key = f"{name}:{version}"  # as `deploys record` keys it without --id
        app.deploys.record(DeployRecord(name, at, key, version=version))
    assert keys(app) == [
        ("checkout", "checkout:1.0"),
        ("checkout", "checkout:1.1"),
        ("checkout", "checkout:1.2"),
    ]
    for asked in ("checkout", "Checkout", "checkout api"):
        assert [d.version for d in app.deploys.find(asked)] == ["1.0", "1.1", "1.2"]
    assert app.deploys.resolve("CHECKOUT@1.1").version == "1.1"
    report = app.deploys.dora(at, at + dt.timedelta(days=1), app.deploys.chosen(["Checkout"], None))
    assert [(s.service, s.deploys) for s in report.services] == [("checkout", 3)]
    before = app.deploys.before(["checkout"], at + dt.timedelta(minutes=5))
    assert [d.version for d in before] == ["1.2", "1.1", "1.0"]


def test_a_file_told_in_two_spellings_is_one_deploy(app: App) -> None:
    def imported(service: str, name: str) -> tuple[int, int, int]:
        body = json.dumps({"service": service, "id": "42", "deployed_at": "2026-11-04T10:00Z"})
        read = records.read_jsonl(body.encode(), name, None, None)
        done = app.deploys.store_read(read, "jsonl", name, body.encode())
        return done.deploys, done.new_deploys, done.unchanged

    assert imported("Checkout API", "a.jsonl") == (1, 1, 0)
    assert imported("checkout", "b.jsonl") == (1, 0, 1)  # the same deploy, told the same
    assert keys(app) == [("checkout", "checkout:42")]


def test_a_deploy_stored_before_names_were_mapped_is_told_again_not_doubled(
    tmp_path: Path,
) -> None:
    """Stored as "Checkout API:42" (a store of before, or a config without the alias), then
    told again once the alias maps it to checkout: the one deploy, renamed, and undo of the
    later import gives back the deploy as it was stored."""
    bare = "timezone: UTC\nservices:\n  checkout: {}\n"
    (tmp_path / "basics.yaml").write_text(bare)
    before = App(parse_config(bare, tmp_path / "basics.yaml"))
    body = json.dumps({"service": "Checkout API", "id": "42", "deployed_at": "2026-11-04T10:00Z"})
    before.deploys.store_read(records.read_jsonl(body.encode(), "a", None, None), "jsonl", "a",
                              body.encode())  # fmt: skip
    before.close()
    after = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    again = body.replace("10:00Z", "10:05Z")

    done = after.deploys.store_read(
        records.read_jsonl(again.encode(), "b", None, None), "jsonl", "b", again.encode()
    )

    assert (done.deploys, done.new_deploys) == (1, 0)
    assert keys(after) == [("checkout", "checkout:42")]
    assert done.batch_id is not None
    undo_batch(after.store, after.config, done.batch_id)
    assert keys(after) == [("Checkout API", "Checkout API:42")]


def test_a_webhook_service_alias_and_an_unknown_name(app: App) -> None:
    body = Path(__file__).parent.parent / "data" / "deploys" / "github_deployment_status.json"
    data = body.read_bytes()
    aliased = app.deploys.store_read(github.read(data, "hook", None, "Checkout API"), "github",
                                     "github webhook", data)  # fmt: skip
    assert (aliased.unknown_services, aliased.warnings) == ({}, [])
    other = data.replace(b'"id": 1300', b'"id": 1301')  # another deployment
    unknown = app.deploys.store_read(github.read(other, "hook", None, "chekout"), "github",
                                     "github webhook", other)  # fmt: skip
    assert unknown.status == "applied"  # stored, and said
    assert unknown.unknown_services == {"chekout": 1}
    assert unknown.warnings == [UNKNOWN_CHEKOUT]
    assert [d.service for d in app.deploys.find()] == ["checkout", "chekout"]


def test_a_filter_naming_no_service_at_all_is_an_error_not_an_empty_range(app: App) -> None:
    """A misspelt --service would read as a service without deploys (DORA "no data", an
    empty list): it is said instead. A service only deploys name is found, as is an alias."""
    body = json.dumps({"service": "chekout", "deployed_at": "2026-11-04T10:00Z"}).encode()
    app.deploys.store_read(records.read_jsonl(body, "x", None, None), "jsonl", "x", body)
    assert [d.service for d in app.deploys.find("chekout")] == ["chekout"]
    assert app.deploys.find("Checkout API") == []  # a service of basics.yaml, no deploy yet
    assert app.deploys.chosen(["CHECKOUT", "chekout"], None) == ["checkout", "chekout"]
    message = (
        'no service "nope" in basics.yaml nor in any deploy (known: checkout, search, chekout)'
    )
    with pytest.raises(NotFoundError) as error:
        app.deploys.find("nope")
    assert str(error.value) == message
    with pytest.raises(NotFoundError):
        app.deploys.chosen(["checkout", "nope"], None)


def test_no_warning_when_basics_yaml_declares_no_service(tmp_path: Path) -> None:
    path = tmp_path / "basics.yaml"
    path.write_text("timezone: UTC\n")
    app = App(parse_config("timezone: UTC\n", path))
    body = json.dumps({"service": "anything", "deployed_at": "2026-11-04T10:00Z"}).encode()
    done = app.deploys.store_read(records.read_jsonl(body, "x", None, None), "jsonl", "x", body)
    assert (done.deploys, done.unknown_services, done.warnings) == (1, {}, [])
    assert app.deploys.unknown_warning("anything") is None


def test_cli_record_and_list_by_another_case(config: Path) -> None:
    runner = CliRunner()
    base = ["--config", str(config), "deploys"]
    done = runner.invoke(cli, [*base, "record", "--service", "CHECKOUT", "--version", "2.7.0",
                               "--at", "2026-11-04T10:00Z"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stdout == "deploy 1: checkout 2.7.0 succeeded at 2026-11-04 10:00:00Z\n"
    assert done.stderr == ""
    typo = runner.invoke(cli, [*base, "record", "--service", "chekout", "--version", "2.7.1",
                               "--at", "2026-11-04T11:00Z"])  # fmt: skip
    assert typo.exit_code == 0, typo.output
    assert typo.stderr == f"warning: {UNKNOWN_CHEKOUT}\n"
    listed = runner.invoke(cli, [*base, "list", "--service", "checkout", "--json"])
    assert [(d["service"], d["version"]) for d in json.loads(listed.stdout)] == [
        ("checkout", "2.7.0")
    ]


def test_cli_ingest_says_the_unknown_services(config: Path, tmp_path: Path) -> None:
    lines = [
        {"service": "Checkout API", "id": "1", "deployed_at": "2026-11-04T10:00Z"},
        {"service": "chekout", "id": "2", "deployed_at": "2026-11-04T11:00Z"},
        {"service": "chekout", "id": "3", "deployed_at": "2026-11-04T12:00Z"},
        {"service": "payments", "id": "4", "deployed_at": "2026-11-04T13:00Z"},
    ]
    export = tmp_path / "deploys.jsonl"
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ["--config", str(config), "ingest", "deploys", str(export), "--format", "jsonl"]
    done = CliRunner().invoke(cli, [*args, "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)[0]
    assert result["unknown_services"] == {"chekout": 2, "payments": 1}
    assert [w.split(",")[0] for w in result["warnings"]] == [
        '2 deploys name service "chekout"',
        '1 deploy names service "payments"',
    ]
    app = App(parse_config(CONFIG, config))
    assert [(d.service, d.version) for d in app.deploys.find()] == [
        ("checkout", None), ("chekout", None), ("chekout", None), ("payments", None)
    ]  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_tags_with_the_service_in_another_case(app: App, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        stamp = "2026-11-04T09:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "a@example.com",
               "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "a@example.com",
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}  # fmt: skip
        subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (repo / "a").write_text("a")
    git("add", "a")
    git("commit", "-q", "-m", "a")
    git("tag", "-a", "v1.0.0", "-m", "v1.0.0")
    first = app.deploys.import_git(repo, "v*", "CHECKOUT")
    assert (first.deploys, first.warnings) == (1, [])
    assert keys(app) == [("checkout", "checkout:v1.0.0")]
    again = app.deploys.import_git(repo, "v*", "Checkout API")  # the same tags, same service
    assert (again.status, again.duplicate_of) == ("duplicate", first.batch_id)
