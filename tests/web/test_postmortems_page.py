"""Post-mortems over the server: the API equals the CLI's --json, and the page (in real
Chromium) shows the API's themes and basics, escapes a title, and fits a phone."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import BASICS, Server, Watched

CORPUS = Path(__file__).parent.parent / "data" / "postmortems"
CONFIG = """\
timezone: UTC
services:
  checkout:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""
HOSTILE = "<script>alert(1)</script> Checkout down"


@pytest.fixture(scope="module")
def pm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("pm") / "company"
    (folder / "postmortems").mkdir(parents=True)
    (folder / "basics.yaml").write_text(CONFIG)
    for path in CORPUS.iterdir():
        if path.name != "expected.yaml":
            shutil.copy(path, folder / "postmortems" / path.name)
    (folder / "postmortems" / "hostile.md").write_text(
        f"---\nid: PM-X\ntitle: '{HOSTILE}'\nservices: [checkout]\n---\n## Summary\n\nAn "
        "expired TLS certificate on the checkout gateway: the certificate renewal failed.\n"
    )
    server = Server(folder)
    yield server, folder
    server.stop()


def cli_json(folder: Path, *args: str) -> object:
    done = subprocess.run([BASICS, *args, "--json"], cwd=folder, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode in (0, 2), done.stderr  # lint exits 2 when it finds something
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("command", "path"),
    [
        (["postmortems", "list"], "/api/v1/postmortems"),
        (["postmortems", "themes"], "/api/v1/postmortems/themes"),
        (["postmortems", "basics"], "/api/v1/postmortems/basics"),
        (["postmortems", "durations"], "/api/v1/postmortems/durations"),
        (["postmortems", "lint"], "/api/v1/postmortems/lint"),
        (["postmortems", "actions", "--open"], "/api/v1/postmortems/actions?open=true"),
        (["postmortems", "show", "PM-2026-004"], "/api/v1/postmortems/PM-2026-004"),
    ],
)
def test_api_equals_cli_json(pm_server: tuple[Server, Path], command: list[str], path: str) -> None:
    server, folder = pm_server
    answer = server.client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.json() == cli_json(folder, *command)


@pytest.mark.slow
@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
def test_the_page_shows_the_themes_and_escapes_titles(
    pm_server: tuple[Server, Path], tab: Watched
) -> None:
    server, _ = pm_server
    page = tab.open(server.url + "/postmortems")
    themes = server.get("/api/v1/postmortems/themes").json()
    assert page.locator("article.theme").count() == len(themes) >= 6
    first = page.locator("article.theme").first
    assert themes[0]["name"] in first.inner_text()
    for pm in themes[0]["postmortems"]:
        assert page.locator(f'article.theme[data-theme="1"] [data-postmortem="{pm["id"]}"]').count()
    basics = server.get("/api/v1/postmortems/basics").json()
    for b in basics:
        row = page.locator(f'#basics tr[data-basic="{b["basic"]}"] td.num').inner_text()
        assert int(row) == len(b["postmortems"])
    assert HOSTILE in page.locator("#postmortems").inner_text()
    assert tab.dialogs == [] and tab.errors == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]
