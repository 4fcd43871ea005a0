"""Undoing a batch of pages takes back only what it changed: a re-download that re-states
stored pages leaves them, and a later export that changed a page gives back its earlier
version, however the batches were stacked."""

from __future__ import annotations

import json
from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config
from basics.ingest.batches import undo_batch

HEADER = "Incident Number,Title,Urgency,Service Name,Created On,Acknowledged,Resolved,ID\n"


def export(rows: list[tuple[str, str, str]]) -> str:
    """A PagerDuty incidents CSV: (id, acknowledged, resolved) per incident."""
    return HEADER + "".join(
        f"{n},Disk full,high,Database,2026-03-02T14:0{n}:00Z,{ack},{res},P{n}\n"
        for n, (_, ack, res) in enumerate(rows, start=1)
    )


def pages(app: App) -> list[tuple[str, str | None, int]]:
    rows = app.store.query(
        "SELECT source_id, strftime(resolved_at, '%H:%M'), batch_id FROM pages ORDER BY 1"
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


def make_app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text("timezone: UTC\n")
    return App(parse_config("timezone: UTC\n", path))


def ingest(app: App, tmp_path: Path, name: str, text: str) -> int:
    (tmp_path / name).write_text(text, encoding="utf-8")
    done = app.oncall.ingest_pages(str(tmp_path / name), "pagerduty-csv")
    assert done.status == "applied" and done.batch_id is not None
    return done.batch_id


OPEN = [("1", "", ""), ("2", "", ""), ("3", "", "")]
RESOLVED = [("1", "", "2026-03-02T15:00:00Z"), ("2", "", ""), ("3", "", "")]
LATER = [("1", "", "2026-03-02T16:00:00Z"), ("2", "", ""), ("3", "", "")]


def test_undoing_a_re_download_leaves_every_page(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "export.csv", export(OPEN))
    again = ingest(app, tmp_path, "export (1).csv", export(OPEN).replace("\n", "\r\n"))

    done = undo_batch(app.store, app.config, again)

    assert (done.pages, done.pages_restored) == (0, 3)  # none gone: each put back
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_undoing_the_first_export_keeps_what_a_later_one_told_again(tmp_path: Path) -> None:
    """Monday's export, then Tuesday's telling the same pages and one more: undoing
    Monday's takes nothing Tuesday's still tells."""
    app = make_app(tmp_path)
    monday = ingest(app, tmp_path, "monday.csv", export(OPEN[:2]))
    tuesday = ingest(app, tmp_path, "tuesday.csv", export(OPEN))

    done = undo_batch(app.store, app.config, monday)

    assert (done.pages, done.pages_restored) == (0, 0)
    assert pages(app) == [("P1", None, tuesday), ("P2", None, tuesday), ("P3", None, tuesday)]


def test_undoing_the_export_that_changed_a_page_gives_back_its_earlier_version(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "monday.csv", export(OPEN))
    second = ingest(app, tmp_path, "tuesday.csv", export(RESOLVED))
    assert pages(app) == [("P1", "15:00", second), ("P2", None, second), ("P3", None, second)]

    done = undo_batch(app.store, app.config, second)

    assert (done.pages, done.pages_restored) == (0, 3)  # none gone: each put back
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_a_re_download_of_the_change_keeps_it_when_the_change_is_undone(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "a.csv", export(OPEN))
    second = ingest(app, tmp_path, "b.csv", export(RESOLVED))
    third = ingest(app, tmp_path, "b (1).csv", export(RESOLVED).replace("\n", "\r\n"))

    undo_batch(app.store, app.config, second)
    assert pages(app) == [("P1", "15:00", third), ("P2", None, third), ("P3", None, third)]
    undo_batch(app.store, app.config, third)
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]


def test_any_order_of_undos_over_a_stack_of_four(tmp_path: Path) -> None:
    """A page resolved at 15:00, then 16:00, then 17:00: undoing the second, the fourth
    and the third, in that order, leaves the first; each step shows the newest left."""
    app = make_app(tmp_path)
    at = ["", "2026-03-02T15:00:00Z", "2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z"]
    batches = [
        ingest(app, tmp_path, f"{n}.csv", export([("1", "", resolved)]))
        for n, resolved in enumerate(at)
    ]

    undo_batch(app.store, app.config, batches[1])
    assert pages(app) == [("P1", "17:00", batches[3])]
    undo_batch(app.store, app.config, batches[3])
    assert pages(app) == [("P1", "16:00", batches[2])]
    undo_batch(app.store, app.config, batches[2])
    assert pages(app) == [("P1", None, batches[0])]
    undo_batch(app.store, app.config, batches[0])
    assert pages(app) == []
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_a_webhook_fold_undoes_as_its_deliveries_one_by_one(tmp_path: Path) -> None:
    """Alertmanager's firing then resolved notification, stored in one fold (as `basics
    serve` stores deliveries queued behind its writer) or one at a time: undoing the
    resolution gives back the firing page either way."""
    firing = {
        "receiver": "pager", "status": "firing", "version": "4",
        "alerts": [{"status": "firing", "labels": {"alertname": "Down", "job": "api"},
                    "startsAt": "2026-03-02T13:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": "abc"}],
    }  # fmt: skip
    resolved = json.loads(json.dumps(firing))
    resolved["status"] = resolved["alerts"][0]["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = "2026-03-02T13:30:00Z"
    deliveries = [
        (json.dumps(body).encode(), "alertmanager", f"delivery {n}")
        for n, body in enumerate((firing, resolved))
    ]
    left = []
    for folded in (True, False):
        (tmp_path / str(folded)).mkdir()
        app = make_app(tmp_path / str(folded))
        if folded:
            stored = app.oncall.receive_deliveries(deliveries)  # type: ignore[arg-type]
        else:
            stored = [app.oncall.receive_pages(*d) for d in deliveries]  # type: ignore[arg-type]
        undo_batch(app.store, app.config, stored[1].batch_id)  # type: ignore[union-attr]
        left.append(pages(app))
    assert left[0] == left[1]
    assert [(source_id, resolved_at) for source_id, resolved_at, _ in left[0]] == [
        ("abc:2026-03-02T13:00:00Z", None)
    ]
