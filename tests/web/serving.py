"""tests/api/conftest.py's `Server` and server fixtures, loaded under a name of their own
(every conftest module is named `conftest`, so it cannot be imported by name), and a
browser page that keeps its console errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

_spec = importlib.util.spec_from_file_location(
    "basics_tests_api_conftest", Path(__file__).parent.parent / "api" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_api)

Server = _api.Server
BASICS: str = _api.BASICS
demo_server = _api.demo_server
own_demo = _api.own_demo

# How many pixels the canvas under `selector` has drawn (-1 when there is none): a chart
# that drew nothing reads 0.
INK = """(selector) => {
  const canvas = document.querySelector(selector + " canvas");
  if (!canvas) return -1;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
  return inked;
}"""


class Watched:
    """A browser page with every console error and uncaught exception it met."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

    def open(self, url: str) -> Page:
        """Load `url` and wait until its requests are done."""
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        self.page.wait_for_load_state("networkidle")
        return self.page


def alertmanager(name: str) -> str:
    """One Alertmanager webhook delivery: `name` firing on checkout just before the end."""
    return json.dumps(
        {
            "receiver": "pager",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": name, "service": "checkout", "severity": "page"},
                    "annotations": {"summary": name},
                    "startsAt": "2026-03-02T20:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": "5c21f7e0aa00b1c2",
                }
            ],
            "groupLabels": {"alertname": name},
            "version": "4",
            "groupKey": "{}:{}",
            "truncatedAlerts": 0,
        }
    )
