"""Deploys from a real git repository's tags: backports, rc tags, a tag with no new commits,
annotated and lightweight tags, and a re-import after one more tag."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.deploys.git import deploys_of, list_tags

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
T0 = dt.datetime(2026, 3, 2, 9, 0)


class Repo:
    """A repository whose every commit and tag happens at a given hour after T0."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, hour: float = 0) -> str:
        stamp = (T0 + dt.timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ci Bot",
            "GIT_COMMITTER_EMAIL": "ci@example.com",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit(self, name: str, hour: float) -> str:
        (self.path / name).write_text(name)
        self.git("add", name, hour=hour)
        self.git("commit", "-q", "-m", name, hour=hour)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, hour: float, annotated: bool = True) -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", name, hour=hour)
        else:
            self.git("tag", name, hour=hour)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """main: a b [v1.0.0 @3] c [v1.1.0-rc1 @5] [v1.1.0 @6, same commit] d [v1.2.0 @9]
    release-1.1 (from v1.1.0): fix [v1.1.1 @10, after v1.2.0: a backport]
    lightweight tag `nightly` on d (not matched by 'v*')."""
    r = Repo(tmp_path / "api")
    r.commit("a", 0)
    r.commit("b", 1)
    r.tag("v1.0.0", 3)
    r.commit("c", 4)
    r.tag("v1.1.0-rc1", 5)
    r.tag("v1.1.0", 6)
    r.commit("d", 8)
    r.tag("v1.2.0", 9)
    r.git("checkout", "-q", "-b", "release-1.1", "v1.1.0")
    r.commit("fix", 9.5)
    r.tag("v1.1.1", 10)
    r.git("checkout", "-q", "main")
    r.tag("nightly", 11, annotated=False)
    return r


def shipped(repo: Repo, *exclude: str) -> dict[str, list[str]]:
    read = deploys_of(repo.path, list_tags(repo.path, "v*", "api", exclude), "api")
    messages = {}
    for deploy in read.deploys:
        names = sorted(
            repo.git("log", "-1", "--format=%s", change.sha) for change in deploy.changes
        )
        messages[deploy.version or ""] = names
    return messages


def test_each_tag_ships_the_commits_no_earlier_tag_reached(repo: Repo) -> None:
    assert shipped(repo) == {
        "v1.0.0": ["a", "b"],
        "v1.1.0-rc1": ["c"],
        "v1.1.0": [],  # same commit as the rc: nothing new
        "v1.2.0": ["d"],
        "v1.1.1": ["fix"],  # the backport ships only its own commit
    }


def test_excluding_rc_tags_moves_their_commits_to_the_final_tag(repo: Repo) -> None:
    assert shipped(repo, "*-rc*")["v1.1.0"] == ["c"]


def test_deploy_times_actor_and_change_times(repo: Repo) -> None:
    read = deploys_of(repo.path, list_tags(repo.path, "v*", "api"), "api")
    by_version = {d.version: d for d in read.deploys}
    first = by_version["v1.0.0"]
    assert first.deployed_at == T0 + dt.timedelta(hours=3)  # the tagger's date
    assert first.actor == "Ci Bot"
    assert first.source_key == "api:v1.0.0"
    times = sorted(c.committed_at for c in first.changes if c.committed_at)
    assert times == [T0, T0 + dt.timedelta(hours=1)]
    assert [d.version for d in read.deploys] == [
        "v1.0.0", "v1.1.0-rc1", "v1.1.0", "v1.2.0", "v1.1.1",
    ]  # fmt: skip


def test_lightweight_tags_are_dated_by_their_commit(repo: Repo) -> None:
    read = deploys_of(repo.path, list_tags(repo.path, "nightly", "api"), "api")
    assert [d.deployed_at for d in read.deploys] == [T0 + dt.timedelta(hours=8)]


def test_cli_import_then_one_more_tag_stores_only_that_tag(repo: Repo, tmp_path: Path) -> None:
    config = tmp_path / "basics.yaml"
    config.write_text("services:\n  api: {}\n")
    runner = CliRunner()
    args = ["--config", str(config), "ingest", "deploys", "--git", str(repo.path)]
    done = runner.invoke(cli, [*args, "--tags", "v*", "--service", "api"])
    assert done.exit_code == 0, done.output
    assert "5 deploys stored (5 new), 5 changes" in done.output
    again = runner.invoke(cli, [*args, "--tags", "v*", "--service", "api"])
    assert "already imported" in again.output
    # A new tag the pattern leaves out changes nothing either.
    repo.tag("nightly-2", 11.5, annotated=False)
    other = runner.invoke(cli, [*args, "--tags", "v*", "--service", "api"])
    assert "already imported" in other.output
    repo.commit("e", 12)
    repo.tag("v1.3.0", 13)
    more = runner.invoke(cli, [*args, "--tags", "v*", "--service", "api"])
    assert "1 deploy stored (1 new), 1 change, 5 unchanged" in more.output, more.output
    app = App(parse_config(config.read_text(), config))
    assert len(app.deploys.find("api")) == 6
    # lead times: a 3 h, b 2 h, c 1 h (rc1), d 1 h, fix 0.5 h, e 1 h -> median 1 h
    report = app.deploys.dora(T0, T0 + dt.timedelta(days=1))
    assert report.total.lead_time_s.n == 6
    assert report.total.lead_time_s.median == 3600


def test_a_pattern_no_tag_matches_stores_no_batch_and_names_the_pattern(
    repo: Repo, tmp_path: Path
) -> None:
    config = tmp_path / "basics.yaml"
    config.write_text("services:\n  api: {}\n")
    args = ["--config", str(config), "ingest", "deploys", "--git", str(repo.path)]
    runner = CliRunner()
    done = runner.invoke(cli, [*args, "--tags", "release-*", "--service", "api"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        f"{repo.path}: no deploy in it: nothing stored",
        "  note: no tag matches release-*",
    ]
    excluded = runner.invoke(
        cli, [*args, "--tags", "v1.0*", "--exclude", "v1.0.0", "--service", "api"]
    )
    assert "note: no tag matches v1.0* (excluding v1.0.0)" in excluded.output
    app = App(parse_config(config.read_text(), config))
    assert app.store.scalar("SELECT count(*) FROM batches") == 0
    # The tags that do match are imported afterwards as usual (not "already imported").
    assert app.deploys.import_git(repo.path, "v*", "api").new_deploys == 5


def test_not_a_repository_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "basics.yaml"
    config.write_text("services:\n  api: {}\n")
    (tmp_path / "plain").mkdir()
    done = CliRunner().invoke(
        cli,
        ["--config", str(config), "ingest", "deploys", "--git", str(tmp_path / "plain"),
         "--service", "api"],
    )  # fmt: skip
    assert done.exit_code == 1
    assert "git for-each-ref failed" in done.output and "not a git repository" in done.output


def test_record_with_git_ships_the_commits_since_the_previous_deploy(
    repo: Repo, tmp_path: Path
) -> None:
    config = tmp_path / "basics.yaml"
    config.write_text("services:\n  api: {}\n")
    base = ["--config", str(config), "deploys", "record", "--service", "api", "--git",
            str(repo.path)]  # fmt: skip
    runner = CliRunner()
    first = runner.invoke(cli, [*base, "--commit", "v1.0.0", "--at", "2026-03-02T12:00Z"])
    assert first.exit_code == 0, first.output
    assert ", 1 change" in first.output  # the first deploy recorded ships its commit alone
    second = runner.invoke(cli, [*base, "--commit", "v1.2.0", "--version", "1.2.0",
                                 "--at", "2026-03-02T20:00Z"])  # fmt: skip
    assert ", 2 changes" in second.output, second.output  # c and d


def test_undoing_the_first_import_keeps_the_tags_a_later_one_told(
    repo: Repo, tmp_path: Path
) -> None:
    from basics.ingest.batches import undo_batch

    config = tmp_path / "basics.yaml"
    config.write_text("services:\n  api: {}\n")
    app = App(parse_config(config.read_text(), config))
    first = app.deploys.import_git(repo.path, "v*", "api")
    repo.commit("e", 12)
    repo.tag("v1.3.0", 13)
    second = app.deploys.import_git(repo.path, "v*", "api")
    assert (second.new_deploys, second.unchanged, second.changes) == (1, 5, 1)
    before = [(d.id, d.version, d.changes) for d in app.deploys.find("api")]

    undo_batch(app.store, app.config, first.batch_id or 0)
    # Every tag stays as the second import, still applied, tells it: same ids, changes.
    assert [(d.id, d.version, d.changes) for d in app.deploys.find("api")] == before
    assert len(before) == 6
    assert app.deploys.dora(T0, T0 + dt.timedelta(days=1)).total.lead_time_s.n == 6
    undo_batch(app.store, app.config, second.batch_id or 0)
    assert app.deploys.find("api") == []
    for table in ("deploy_changes", "deploys_replaced", "deploy_changes_replaced"):
        assert app.store.scalar(f"SELECT count(*) FROM {table}") == 0
    app.close()
