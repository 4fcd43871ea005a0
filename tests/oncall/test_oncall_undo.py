"""Undoing a batch of pages takes back only what it changed: a re-download that re-states
stored pages leaves them, and a later export that changed a page gives back its earlier
version, however the batches were stacked."""

from __future__ import annotations

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

    assert (done.pages, done.pages_restored) == (0, 0)
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]


def test_undoing_the_export_that_changed_a_page_gives_back_its_earlier_version(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "monday.csv", export(OPEN))
    second = ingest(app, tmp_path, "tuesday.csv", export(RESOLVED))
    assert pages(app) == [("P1", "15:00", second), ("P2", None, first), ("P3", None, first)]

    done = undo_batch(app.store, app.config, second)

    assert (done.pages, done.pages_restored) == (1, 1)
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_undoing_a_middle_batch_keeps_the_first_version_for_the_last(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "a.csv", export(OPEN))
    second = ingest(app, tmp_path, "b.csv", export(RESOLVED))
    third = ingest(app, tmp_path, "c.csv", export(LATER))

    undo_batch(app.store, app.config, second)
    assert pages(app) == [("P1", "16:00", third), ("P2", None, first), ("P3", None, first)]
    undo_batch(app.store, app.config, third)
    assert pages(app) == [("P1", None, first), ("P2", None, first), ("P3", None, first)]

    undo_batch(app.store, app.config, first)
    assert pages(app) == []
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0


def test_undoing_the_first_batch_under_a_later_change_forgets_its_version(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    first = ingest(app, tmp_path, "a.csv", export(OPEN))
    second = ingest(app, tmp_path, "b.csv", export(RESOLVED))

    undo_batch(app.store, app.config, first)
    assert pages(app) == [("P1", "15:00", second)]
    undo_batch(app.store, app.config, second)
    assert pages(app) == []
    assert app.store.scalar("SELECT count(*) FROM pages_replaced") == 0
