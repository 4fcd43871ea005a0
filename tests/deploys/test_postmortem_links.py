"""A post-mortem's `deploys:` counts in DORA as the folder says now: every read that counts
links (`deploys dora`, `deploys list`, the API's) reads the folder first, with no
`basics postmortems` command in between; a read-only store keeps them as last written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

CONFIG = "timezone: UTC\nstore: basics.duckdb\nservices:\n  api: {owner: team-api}\n"
DEPLOY = {"id": "d1", "service": "api", "deployed_at": "2026-05-07T10:00:00Z",
          "status": "success", "version": "1.3"}  # fmt: skip
RANGE = ("--from", "2026-05-01", "--to", "2026-05-10")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The tester's store: a deploy of api 1.3, incident 1 half an hour after it, and the
    incident's post-mortem drafted (`deploys: []`)."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "d.jsonl").write_text(json.dumps(DEPLOY) + "\n")
    for args in (
        ("ingest", "deploys", str(tmp_path / "d.jsonl"), "--format", "jsonl"),
        ("incidents", "add", "--service", "api", "--from", "2026-05-07T10:30Z",
         "--to", "2026-05-07T15:00Z", "--title", "500s"),
        ("postmortems", "new", "--incident", "1"),
    ):  # fmt: skip
        done = run(tmp_path, *args)
        assert done.exit_code == 0, done.output
    return tmp_path


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])


def say_deploys(folder: Path, deploys: str) -> None:
    """Edit the post-mortem's front matter by hand, as the tester's `sed -i` did."""
    [path] = (folder / "postmortems").glob("*.md")
    text = path.read_text()
    start = text.index("\ndeploys:") + 1
    path.write_text(text[:start] + f"deploys: {deploys}" + text[text.index("\n", start) :])


def incident_linked(folder: Path) -> tuple[int, float | None]:
    done = run(folder, "deploys", "dora", *RANGE, "--json")
    assert done.exit_code == 0, done.output
    rate = json.loads(done.stdout)["total"]["change_failure_rate"]
    return rate["incident_linked"], rate["ratio"]


def test_a_postmortems_deploys_line_counts_without_a_postmortems_command(folder: Path) -> None:
    assert incident_linked(folder) == (0, 0.0)
    say_deploys(folder, "[api@1.3]")
    assert incident_linked(folder) == (1, 1.0)
    listed = json.loads(run(folder, "deploys", "list", "--json").stdout)
    assert [(d["version"], d["incidents"]) for d in listed] == [("1.3", [1])]
    # Removing the line removes the link, at the next read too.
    say_deploys(folder, "[]")
    listed = json.loads(run(folder, "deploys", "list", "--json").stdout)
    assert [(d["version"], d["incidents"]) for d in listed] == [("1.3", [])]
    assert incident_linked(folder) == (0, 0.0)


def test_the_api_counts_the_folder_as_it_is_now(folder: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from basics.api.hub import Hub
    from basics.api.server import create_app
    from basics.config.loader import load_config

    hub = Hub(load_config(folder / "basics.yaml"))
    hub.start()
    app = create_app(hub)

    def get(path: str, **query: str) -> object:
        async def asked() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.get(path, params=query)

        # On a thread of its own: a test before may leave an event loop running on this one.
        with ThreadPoolExecutor(1) as thread:
            found = thread.submit(asyncio.run, asked()).result()
        assert found.status_code == 200, found.text
        return found.json()

    def linked(**query: str) -> object:
        found = get("/api/v1/deploys/dora", **{"from": "2026-05-01", "to": "2026-05-10"}, **query)
        return found["total"]["change_failure_rate"]["incident_linked"]  # type: ignore[index]

    try:
        assert linked() == 0
        say_deploys(folder, "[api@1.3]")
        # The read finds the folder changed and has the server's one writer store the
        # link first (a request thread never writes: two writing one parse collided, a
        # 500), then counts it. Another query: an answer is kept for its minute.
        assert linked(environment="production") == 1
        assert [d["incidents"] for d in get("/api/v1/deploys")] == [[1]]  # type: ignore[attr-defined]
    finally:
        hub.stop()


def test_a_read_only_store_counts_the_links_as_last_written(folder: Path) -> None:
    from basics.app import App
    from basics.config.loader import load_config
    from basics.store.duckdb_store import Store

    say_deploys(folder, "[api@1.3]")
    assert incident_linked(folder) == (1, 1.0)  # written by this read
    say_deploys(folder, "[]")
    config = load_config(folder / "basics.yaml")
    app = App(config, Store(config.store_path, read_only=True))
    try:
        assert [d.incidents for d in app.deploys.find()] == [(1,)]  # as last written
    finally:
        app.close()
    assert incident_linked(folder) == (0, 0.0)  # a writable store's next read


def test_request_threads_reading_at_once_never_write(folder: Path) -> None:
    """Twenty post-mortems added, then four of the server's request threads ask DORA at once:
    each read the folder and wrote its parses, and two inserting the same parse failed with
    a primary-key error (a 500 in 11 of 12 trials). They read; the one writer writes."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from basics.api.hub import Hub
    from basics.config.loader import load_config

    [drafted] = (folder / "postmortems").glob("*.md")
    for n in range(20):
        (folder / "postmortems" / f"pm{n:02d}.md").write_text(
            drafted.read_text().replace("\nid: ", f"\nid: X{n}-", 1), encoding="utf-8"
        )
    hub = Hub(load_config(folder / "basics.yaml"))
    hub.start()

    def dora(_: int) -> int:
        with hub.app() as app:
            found = app.deploys.dora(dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 10))
            return found.total.deploys

    try:
        for _ in range(3):
            with ThreadPoolExecutor(4) as readers:
                assert list(readers.map(dora, range(4))) == [1, 1, 1, 1]
        hub.write(lambda app: None)  # what the readers handed over, written in order
        with hub.app() as app:
            assert app.store.scalar("SELECT count(*) FROM postmortems") == 21
    finally:
        hub.stop()
