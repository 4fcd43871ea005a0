"""No data is never shown as a figure: over a real server, on a store without pages, toil or
post-mortems, the on-call page and the overview say "no data" and what `basics oncall report`
says on stderr (none are imported yet), and the weekly review's overdue action items and
toil read "no data" as `basics review` does; pages imported outside the range are 0 pages,
with the newest page named."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import BASICS, Server

CONFIG = """\
timezone: Europe/Berlin
sources: {api: {format: jsonl, service: web}}
services: {web: {slos: {availability: {objective: 99.9, window: 7d, good: status < 500}}}}
"""
RANGE = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-09T00:00:00Z"}
PAGE = """\
id,created_at,resolved_at,alert,service,responder
1,2026-02-10T10:00:00Z,2026-02-10T10:30:00Z,DiskFull,web,bob
"""


def basics(folder: Path, *words: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([BASICS, *words], cwd=folder, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def company(folder: Path) -> Path:
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    (folder / "events.jsonl").write_text('{"ts":"2026-03-04T10:00:00Z","status":200}\n')
    basics(folder, "ingest", "events", "events.jsonl", "--source", "api")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(company(tmp_path_factory.mktemp("no-data") / "company"))
    yield running
    running.stop()


def tiles(html: str, block: str) -> dict[str, str]:
    found = html.split(f'id="{block}"')[1].split("</dl>")[0]
    return {
        name: " ".join(re.sub(r"<[^>]+>", " ", shown).split())
        for name, shown in re.findall(r'data-figure="([a-z_]+)"[^>]*>(.*?)</dd>', found, re.S)
    }


def note(html: str) -> str:
    found = re.search(r'<p class="note" id="oncall-note">(.*?)</p>', html, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def test_no_pages_imported_is_no_data_with_the_clis_note(server: Server) -> None:
    cli = basics(server.folder, "oncall", "report", "--from", RANGE["from"], "--to", RANGE["to"])
    said = " ".join(cli.stderr.split())
    assert said == (
        "No pages in this range: none are imported yet (basics ingest pages FILE --format ...)."
    )
    html = server.get("/oncall", **RANGE).text
    shown = tiles(html, "oncall-total")
    assert shown["pages"] == shown["sleep"] == shown["over_limit_shifts"] == "no data"
    assert note(html) == said
    overview = server.get("/", at=RANGE["to"]).text
    shown = tiles(overview, "oncall")
    assert shown["pages"] == shown["sleep"] == shown["over_limit_shifts"] == "no data"
    assert note(overview) == said


def test_the_reviews_actions_and_toil_without_data(server: Server) -> None:
    review = server.get("/api/v1/review", week="2026-W10").json()
    changes = review["changes"]
    assert changes["postmortems_written"] is False
    assert changes["toil_hours"] is None and changes["previous_toil_hours"] is None
    cli = basics(server.folder, "review", "--week", "2026-W10").stdout
    assert "Action items: no data (no post-mortem written)" in " ".join(cli.split())
    html = server.get("/review", week="2026-W10").text
    shown = tiles(html, "review-total")
    assert shown["actions_overdue"] == "no data"
    assert shown["toil_hours"] == "no data" and "—" not in shown["toil_hours"]
    block = html.split('id="review-total"')[1].split("</dl>")[0]
    assert 'data-figure="actions_overdue" data-value=""' in block
    assert re.search(r'data-figure="previous_toil_hours" data-value="">.*?no data', block, re.S)
    assert "— h" not in block
    actions = re.search(r'<p id="actions">(.*?)</p>', html, re.S)
    assert actions is not None and "no data" in actions.group(1)


def test_pages_outside_the_range_are_zero_pages_with_the_newest_named(tmp_path: Path) -> None:
    folder = company(tmp_path / "company")
    (folder / "pages.csv").write_text(PAGE)
    basics(folder, "ingest", "pages", "pages.csv", "--format", "csv")
    cli = basics(folder, "oncall", "report", "--from", RANGE["from"], "--to", RANGE["to"])
    assert "the newest page is at 2026-02-10 10:00:00Z" in cli.stderr
    running = Server(folder)
    try:
        html = running.get("/oncall", **RANGE).text
        assert tiles(html, "oncall-total")["pages"] == "0"
        assert note(html) == "No pages in this range; the newest page is at 2026-02-10 11:00:00."
        assert '<time datetime="2026-02-10T10:00:00Z"' in html  # in Europe/Berlin, UTC on hover
    finally:
        running.stop()
