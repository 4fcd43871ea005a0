"""The server's hub over a real store: reports kept over events survive page webhooks and
are computed again after an event is written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from basics.api.hub import Hub
from basics.app import App
from basics.config.loader import parse_config
from basics.oncall.models import PageFormat

DATA = Path(__file__).resolve().parents[1] / "data" / "oncall"
CONFIG = """
sources:
  web: {format: jsonl}
services:
  checkout:
    slos:
      availability:
        objective: 99.0
        window: 7d
        good: "status < 500"
"""
AT = dt.datetime(2026, 3, 2, 12, 0)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    started = Hub(parse_config(CONFIG, path))
    started.start()
    yield started
    started.stop()


def _events(folder: Path, bad: int) -> str:
    """Ten checkout events `bad` hours before AT, `bad` of them failing."""
    path = folder / f"events-{bad}.jsonl"
    lines = [
        {"ts": (AT - dt.timedelta(hours=bad, seconds=k)).isoformat() + "Z", "service": "checkout",
         "status": 500 if k < bad else 200}
        for k in range(10)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def test_kept_reports_survive_page_writes_not_event_writes(hub: Hub, tmp_path: Path) -> None:
    computed: list[tuple[int, int]] = []

    def status() -> tuple[int, int]:
        with hub.app() as app:
            (found,) = app.slo.status(AT)
            computed.append((found.counts.total, found.counts.bad))
            return found.counts.total, found.counts.bad

    def kept() -> tuple[int, int]:
        return hub.kept(("status", AT), status)

    hub.write(lambda app: app.ingest_events("web", _events(tmp_path, 1)))
    assert kept() == (10, 1) and kept() == (10, 1) and len(computed) == 1

    def receive(app: App, items: list[tuple[bytes, PageFormat, str]]) -> list[object]:
        return list(app.oncall.receive_deliveries(items))

    body = (DATA / "alertmanager.jsonl").read_bytes().splitlines()[0]
    before = hub.version
    stored = hub.write_folded("pages", (body, "alertmanager", "delivery"), receive, False).result()
    assert stored.status == "applied" and stored.pages >= 1
    assert hub.version != before  # the page lists and on-call reports are computed again
    assert kept() == (10, 1) and len(computed) == 1  # the status over events is not

    hub.write(lambda app: app.ingest_events("web", _events(tmp_path, 3)))
    assert kept() == (20, 4) and len(computed) == 2


def test_gather_computes_a_pages_reports_on_reader_threads(hub: Hub, tmp_path: Path) -> None:
    """Each report on a reader thread's own App (connection), results in the order asked,
    a report's error raised to the page."""
    import threading

    from basics.core.errors import NotFoundError

    hub.write(lambda app: app.ingest_events("web", _events(tmp_path, 2)))
    with hub.app() as app:
        thread, total, same_app = hub.gather(
            lambda a: threading.current_thread().name,
            lambda a: a.slo.status(AT)[0].counts.total,
            lambda a: a is app,
        )
        assert thread.startswith("basics-reader") and total == 10 and same_app is False
        with pytest.raises(NotFoundError):
            hub.gather(lambda a: a.slo.slo("checkout/nope"))
