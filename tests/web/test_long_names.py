"""Names have no length limit: in real Chromium at 1280 and 390 px, a 96-character service
and a 94-character SLO (no break in either) never push a figure off-screen nor make a page
wider than the screen: a long name wraps, a select holding it is no wider than the page."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from serving import BASICS, Server, Watched

from basics.web.render import slo_path

pytestmark = pytest.mark.slow

SERVICE = "s" + "_".join(["checkout"] * 11)[:95]
SLO = "a" + "_".join(["availability"] * 8)[:93]
NAME = f"{SERVICE}/{SLO}"
CONFIG = f"""\
timezone: UTC
reports: {{end: latest}}
sources: {{api: {{format: jsonl}}}}
teams:
  platform: {{members: [dana]}}
people:
  dana: {{}}
services:
  {SERVICE}:
    owner: platform
    slos:
      {SLO}: {{objective: 99.9, window: 7d, good: status < 500}}
  web:
    slos:
      availability: {{objective: 99.9, window: 7d, good: status < 500}}
"""
PAGES = {
    "/": True, "/deploys": True, "/check": True, "/review?week=2026-W10": True,
    f"/slo/{slo_path(NAME)}": False, f"/alerts/{slo_path(NAME)}": False,
}  # fmt: skip
"""Each page, and whether a table of it names the long service (the SLO and alerts pages
name it in their title)."""

# Every figure of the page (a tile, a number in a table, the overview's SLO row) with its
# box, and the cells that hold the long name.
BOXES = """(name) => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width};
  };
  const shown = (e) => e.getClientRects().length > 0;
  const figures = [...document.querySelectorAll(
    "main [data-figure], main td.num, main tr[data-slo] > td")].filter(shown);
  const named = [...document.querySelectorAll("main td")].filter(
    (e) => shown(e) && e.textContent.includes(name));
  return {figures: figures.map(box), named: named.map(box),
          width: document.documentElement.scrollWidth};
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("long-names") / "company"
    folder.mkdir()
    (folder / "basics.yaml").write_text(CONFIG)
    start = dt.datetime(2026, 3, 2)
    lines = [
        json.dumps({"ts": f"{(start + dt.timedelta(minutes=m)).isoformat()}Z", "service": s,
                    "status": 500 if (m // 60) % 17 == 0 else 200})
        for m in range(0, 4 * 24 * 60, 5)
        for s in (SERVICE, "web")
    ]  # fmt: skip
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    for words in (
        ["ingest", "events", "events.jsonl", "--source", "api"],
        ["deploys", "record", "--service", SERVICE, "--version", "1.0", "--at",
         "2026-03-03T10:00:00Z"],
        ["check", "--at", "2026-03-06T00:00:00Z"],
    ):  # fmt: skip
        done = subprocess.run([BASICS, *words], cwd=folder, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        assert done.returncode in (0, 1), done.stderr  # `check` exits 1 for a failing service
    running = Server(folder)
    yield running
    running.stop()


@pytest.mark.parametrize("tab", ["desktop", "phone"], indirect=True)
@pytest.mark.parametrize("path", list(PAGES))
def test_a_long_name_pushes_no_figure_off_screen(server: Server, tab: Watched, path: str) -> None:
    page = tab.open(server.url + path)
    width: int = page.viewport_size["width"]  # type: ignore[index]
    found: dict[str, Any] = page.evaluate(BOXES, SERVICE)
    assert found["width"] <= width, f"{path}: the page is {found['width']} px wide"
    assert bool(found["named"]) == PAGES[path], f"{path} names the service in a table"
    if width >= 1000 or path == "/":  # a phone's tables may scroll; the overview's are cards
        off = [b for b in found["figures"] if b["right"] > width + 1 or b["left"] < -1]
        assert not off, f"{path}: {len(off)} figures off-screen, first {off[0]}"
    # the name wraps: its cell is on the screen (a phone's card), and never takes most of a
    # phone's width from the figures beside it in a table that scrolls
    for cell in found["named"]:
        assert cell["right"] <= width + 1 or cell["width"] <= 0.75 * width, (path, cell)
    assert tab.errors == []
