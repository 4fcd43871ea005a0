"""Pager and schedule exports that are not UTF-8: a PagerDuty CSV saved by a spreadsheet is
Windows-1252 and read as such; a JSON export is refused naming the byte. Never U+FFFD in
place of a character, which a re-import would write over a page's good title."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import InputError

CONFIG = "timezone: UTC\npeople:\n  ana: {timezone: UTC}\n"
HEADER = "id,incident_number,description,created_on,resolved_on,service_name,urgency,assigned_to\n"
ROWS = (
    "P1,1,Café latency – p99,2026-03-02T10:00:00Z,2026-03-02T10:30:00Z,db,high,ana\n"
    "P2,2,Disk full on db-2,2026-03-02T11:00:00Z,2026-03-02T11:05:00Z,db,high,ana\n"
)


@pytest.fixture
def app(tmp_path: Path) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(CONFIG)
    return App(parse_config(CONFIG, path))


def _titles(app: App) -> list[tuple[str, str]]:
    return [(page.source_id, page.alert) for page in app.oncall.pages()]


def test_a_windows_1252_pagerduty_csv_keeps_its_characters(app: App, tmp_path: Path) -> None:
    utf8 = tmp_path / "pd.csv"
    utf8.write_text(HEADER + ROWS, encoding="utf-8")
    windows = tmp_path / "pd-1252.csv"
    windows.write_bytes((HEADER + ROWS).replace("\n", "\r\n").encode("cp1252"))

    first = app.oncall.ingest_pages(str(utf8), "pagerduty-csv")
    again = app.oncall.ingest_pages(str(windows), "pagerduty-csv")

    assert (first.pages, first.rejected, again.pages, again.rejected) == (2, 0, 2, 0)
    assert _titles(app) == [("P1", "Café latency – p99"), ("P2", "Disk full on db-2")]


def test_a_line_neither_utf8_nor_windows_1252_is_a_reject_naming_its_byte(
    app: App, tmp_path: Path
) -> None:
    path = tmp_path / "pd.csv"
    # 0x81 is undefined in Windows-1252: the line is neither.
    path.write_bytes(HEADER.encode() + ROWS.encode().replace(b"Disk", b"D\x81sk"))

    result = app.oncall.ingest_pages(str(path), "pagerduty-csv")

    assert (result.pages, result.rejected) == (1, 1)
    reject = result.first_rejects[0]
    assert reject.line == 3
    assert "0x81" in reject.reason
    assert _titles(app) == [("P1", "Café latency – p99")]


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("pagerduty-json", b'{"incidents": [\n{"id": "Q1", "title": "Caf\xe9 down"}]}'),
        ("opsgenie", b'{"data": [\n{"id": "a1", "message": "Caf\xe9 down"}]}'),
    ],
)
def test_a_json_export_that_is_not_utf8_is_refused_naming_the_byte(
    app: App, tmp_path: Path, fmt: str, body: bytes
) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(body)

    with pytest.raises(InputError) as raised:
        app.oncall.ingest_pages(str(path), fmt)  # type: ignore[arg-type]

    assert str(raised.value).startswith(f"{path}:2: not UTF-8: byte 0xE9 at byte offset")
    assert app.oncall.pages() == []


def test_a_schedule_timeline_that_is_not_utf8_is_refused(app: App, tmp_path: Path) -> None:
    path = tmp_path / "timeline.json"
    path.write_bytes(b'{"data": {"_parent": {"name": "Caf\xe9"}}}')

    with pytest.raises(InputError, match=r"timeline.json:1: not UTF-8: byte 0xE9"):
        app.oncall.ingest_shifts(str(path), "opsgenie-timeline")
