"""Screenshots of the dashboard for docs/: builds the demo (5 % scale), runs `basics check`
once a week over it (for the scorecard's history), serves it, and shoots each page at
1280 px with Debian's Chromium (`apt-get install chromium`).

    .venv/bin/python scripts/screenshots.py [--out docs/images] [--demo DIR] [--width 1280]

`--demo DIR` reuses a demo folder already built by `basics demo --out DIR`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASICS = str(Path(sys.executable).with_name("basics"))
ROOT = Path(__file__).resolve().parent.parent

# (file name, path, what to do once loaded)
PAGES = [
    ("dashboard-overview.png", "/", None),
    (
        "dashboard-slo.png",
        "/slo/checkout/availability?from=2026-02-09T12:00:00Z&to=2026-02-11T12:00:00Z",
        "#selection[data-state=done]",
    ),
    ("dashboard-alerts.png", "/alerts/checkout/availability", None),
    ("dashboard-oncall.png", "/oncall?from=2026-02-01T00:00:00Z&to=2026-03-03T00:00:00Z", None),
    ("dashboard-deploys.png", "/deploys", None),
    ("dashboard-toil.png", "/toil?team=platform&from=2026-02-02&to=2026-03-02", None),
    ("dashboard-check.png", "/check", None),
    ("dashboard-review.png", "/review?week=2026-W09", None),
]
# The scorecard's history strip shows the snapshots `basics check` keeps: a demo built here
# is checked once a week before it is served, as a weekly CI job would.
CHECKED = ["2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23", "2026-03-02"]


def serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """`basics serve --port 0` in `folder`, and its URL once it answers."""
    named = folder / "basics.duckdb.serve.json"
    named.unlink(missing_ok=True)
    process = subprocess.Popen([BASICS, "serve", "--port", "0"], cwd=folder, text=True)
    deadline = time.monotonic() + 60
    while not named.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("basics serve did not start")
        time.sleep(0.1)
    url: str = json.loads(named.read_text())["url"]
    import httpx

    while True:
        try:
            httpx.get(url + "/api/v1/health").raise_for_status()
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)


def shoot(url: str, out: Path, width: int) -> None:
    """Each page as a full-page PNG."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
        for name, path, ready in PAGES:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            if ready:
                page.wait_for_selector(ready)
            page.screenshot(path=str(out / name), full_page=True)
            print(out / name)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--demo", type=Path, help="a folder built by `basics demo`")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.demo
        if folder is None:
            folder = Path(scratch) / "company"
            subprocess.run(
                [BASICS, "demo", "--out", str(folder), "--scale", "0.05"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            for day in CHECKED:
                subprocess.run(
                    [BASICS, "check", "--at", f"{day}T12:00:00Z"],
                    cwd=folder,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
        process, url = serve(folder)
        try:
            shoot(url, args.out, args.width)
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
