"""At 80 columns every line fits and keeps its key figures: `pages list` shows short page
ids that `pages tag` takes, and prose (slo cost, slo changes, postmortems themes, the
`latest:` notice, ingest summaries, openslo notes) wraps instead of running off the screen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.cli import output
from basics.cli.main import cli

DATA = Path(__file__).resolve().parents[1] / "data"
HEX_ID = re.compile(r"[0-9a-f]{7,}")


def _run(config: Path, width: int, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result


def _wide(text: str, width: int) -> list[str]:
    """Lines over `width` that could have wrapped (a lone word, a path, cannot)."""
    return [line for line in text.splitlines() if len(line) > width and " " in line.strip()]


def _unwrapped(text: str) -> str:
    """The text with its wrapped lines joined again, to look for a phrase."""
    return " ".join(line.strip() for line in text.splitlines())


def _rows(text: str) -> list[list[str]]:
    """A table's body lines, split into their cells."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in text.splitlines()
        if line.startswith("│")
    ]


@pytest.mark.parametrize("width", [80, 120])
def test_pages_list_keeps_each_pages_short_id_time_alert_and_outcome(
    small_demo: Path, width: int
) -> None:
    config = small_demo / "basics.yaml"
    pages = json.loads(_run(config, width, "pages", "list", "--json").stdout)
    text = _run(config, width, "pages", "list").stdout

    assert not [line for line in text.splitlines() if len(line) > width], text
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    for column in ("id", "created", "alert", "outcome"):
        assert f" {column} " in header
    if width == 120:
        assert " service " in header
    # One row a page, in order: its short id, time, alert and outcome, whole once the
    # lines a cell folds onto are put together.
    pages_shown = _records(text)
    names = [cell.strip() for cell in header.split("┃")[1:-1]]
    assert [r[names.index("created")] for r in pages_shown] == [
        output.when(_time(p["created_at"])) for p in pages
    ]
    assert [r[names.index("alert")] for r in pages_shown] == [p["alert"] for p in pages]
    assert [r[names.index("outcome")] for r in pages_shown] == [p["outcome"] or "—" for p in pages]
    short = [r[0] for r in pages_shown]
    assert all(HEX_ID.fullmatch(s) for s in short) and len(set(short)) == len(pages)
    assert [hashlib.md5(p["id"].encode()).hexdigest()[: len(s)] for p, s in
            zip(pages, short, strict=True)] == short  # fmt: skip
    # An outcome folds after its slash, never inside a word.
    cells = {row[names.index("outcome")] for row in _rows(text)}
    if width == 80:
        assert {"not-actionable/", "threshold-wrong"} <= cells
    assert not [cell for cell in cells if cell.startswith("not-actionable/") and cell[15:]
                and cell != "not-actionable/threshold-wrong"]  # fmt: skip
    assert "id: the page's short id, which basics pages tag takes" in _unwrapped(text)
    assert f"Hidden to fit {width} columns:" in text


def _records(text: str) -> list[list[str]]:
    """A table's rows with the lines their cells fold onto joined back (a cell folds after a
    slash or inside a word, never here at a space)."""
    records: list[list[str]] = []
    for row in _rows(text):
        if row[0]:
            records.append(row)
        else:
            records[-1] = [a + b for a, b in zip(records[-1], row, strict=True)]
    return records


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.removesuffix("Z"))


def test_pages_list_shows_full_ids_where_they_fit(small_demo: Path) -> None:
    config = small_demo / "basics.yaml"
    pages = json.loads(_run(config, 200, "pages", "list", "--json").stdout)
    text = _run(config, 200, "pages", "list").stdout
    assert [row[0] for row in _rows(text)] == [p["id"] for p in pages]
    assert "short id" not in text


CSV_HEADER = "id,created_at,alert,service\n"


def _colliding_ids() -> tuple[str, str]:
    """Two page ids of a CSV import (source `pager`) whose MD5 digests share 4 digits."""
    seen: dict[str, str] = {}
    for n in range(100_000):
        key = f"P{n}"
        start = hashlib.md5(f"pager:{key}".encode()).hexdigest()[:4]
        if start in seen:
            return seen[start], key
        seen[start] = key
    raise AssertionError("no two digests share their first 4 digits")


@pytest.fixture
def pager(tmp_path: Path) -> tuple[Path, str]:
    """A store holding the pages of a CSV export, two of them with alike short ids; and the
    full id of the second of those."""
    config = tmp_path / "basics.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    first, second = _colliding_ids()
    export = tmp_path / "pages.csv"
    export.write_text(
        CSV_HEADER
        + f"{first},2026-03-02T10:00:00Z,DiskFullOnTheDatabaseHost,api\n"
        + f"{second},2026-03-02T11:00:00Z,HighLatency,api\n"
        + "P-lone,2026-03-02T12:00:00Z,QueueLagHigh,www\n",
        encoding="utf-8",
    )
    _run(config, 80, "ingest", "pages", str(export), "--format", "csv")
    return config, f"pager:{second}"


def test_pages_tag_takes_the_short_id_pages_list_shows(pager: tuple[Path, str]) -> None:
    config, full_id = pager
    text = _run(config, 80, "pages", "list").stdout
    short = {row[2]: row[0] for row in _rows(text) if row[0]}
    assert set(short) == {"DiskFullOnTheDatabaseHost", "HighLatency", "QueueLagHigh"}
    assert all(HEX_ID.fullmatch(s) for s in short.values()), text

    shown = short["DiskFullOnTheDatabaseHost"]
    tagged = _run(config, 80, "pages", "tag", shown, "--outcome", "actionable/service-issue")
    assert tagged.stdout.endswith(f" ({shown}): actionable/service-issue\n")
    assert tagged.stdout.startswith("pager:")
    # Its first four digits or more will do, in either case, when no other page's start so;
    # and the full id, as --json gives it.
    four = short["QueueLagHigh"][:4].upper()
    _run(config, 80, "pages", "tag", four, "--outcome", "not-actionable/threshold-wrong")
    _run(config, 80, "pages", "tag", full_id, "--outcome", "not-actionable/duplicate")

    listed = json.loads(_run(config, 80, "pages", "list", "--json").stdout)
    assert {p["alert"]: p["outcome"] for p in listed} == {
        "DiskFullOnTheDatabaseHost": "actionable/service-issue",
        "QueueLagHigh": "not-actionable/threshold-wrong",
        "HighLatency": "not-actionable/duplicate",
    }

    def tag(ref: str) -> Result:
        args = ["pages", "tag", ref, "--outcome", "actionable/service-issue"]
        return CliRunner().invoke(cli, ["--config", str(config), *args])

    ambiguous = tag(shown[:4])  # shared with HighLatency's
    assert ambiguous.exit_code == 1
    assert f'"{shown[:4]}" starts the short id of more than one page' in ambiguous.stderr
    missing = tag("0000000")
    assert missing.exit_code == 1 and 'no page "0000000"' in missing.stderr


def test_the_ingest_summary_wraps_and_agrees_in_number(
    pager: tuple[Path, str], tmp_path: Path
) -> None:
    folder = tmp_path / "an export folder with a rather long name, as downloads have"
    folder.mkdir()
    export = folder / "one-page.csv"
    export.write_text(CSV_HEADER + "P-one,2026-03-03T10:00:00Z,DiskFull,api\n", encoding="utf-8")
    done = _run(pager[0], 80, "ingest", "pages", str(export), "--format", "csv")
    assert not _wide(done.output, 80), done.output
    assert f"{export}: batch 2: 1 page (1 new), 0 rejected" in _unwrapped(done.stdout)


@pytest.mark.parametrize(
    ("args", "figures"),
    [
        pytest.param(["slo", "cost", "www/availability", "--from", "2026-03-02T14:00:05Z",
                      "--to", "2026-03-02T14:00:20Z"],
                     ["www/availability, 2026-03-02 14:00:05Z", "% of the budget of the window",
                      "bad events allowed"], id="slo cost"),
        pytest.param(["slo", "changes", "search/latency", "--to", "latest"],
                     ["deploys of search up to", "version 3.5.0:", "of its events bad, against"],
                     id="slo changes"),
        pytest.param(["postmortems", "themes"],
                     ["(2 post-mortems, 2025-10-14", "tied by: db connections",
                      "recurred: PM-2026-004"], id="postmortems themes"),
        pytest.param(["slo", "status"], ["latest: the newest event, at 2026-03-02T"],
                     id="latest notice"),
        pytest.param(["alerts", "compare", "checkout/availability", "--policies",
                      "workbook,error-rate", "--from", "2026-02-01"],
                     ["latest: the newest event"], id="alerts compare"),
        pytest.param(["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03",
                      "--team", "platform"],
                     ["interruptions:", "in business hours", "time to resolve: median"],
                     id="oncall report"),
        pytest.param(["review", "--week", "2026-W09"], ["Error budget burned this week:"],
                     id="review"),
    ],
)  # fmt: skip
def test_prose_wraps_at_80_columns_and_keeps_its_figures(
    small_demo: Path, args: list[str], figures: list[str]
) -> None:
    done = _run(small_demo / "basics.yaml", 80, *args)
    assert not _wide(done.stdout, 80), done.stdout
    assert not _wide(done.stderr, 80), done.stderr
    said = _unwrapped(done.output)
    for figure in figures:
        assert figure in said, said
    # `latest` is said once at most, however many replays it ends (compare runs two).
    assert done.stderr.count("latest: the newest event") <= 1


def test_openslo_notes_wrap_at_80_columns() -> None:
    done = CliRunner().invoke(
        cli, ["openslo", "import", str(DATA / "openslo" / "referenced.yaml")],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert not _wide(done.stderr, 80), done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 4  # each note starts a line; what it continues onto is indented
    assert all(line.startswith(("note:", "  ")) for line in done.stderr.splitlines()[:-1])
    assert 'AlertNotificationTarget "payments-pager" ignored' in _unwrapped(done.stderr)


def test_a_count_agrees_with_its_noun() -> None:
    assert output.plural(1, "page") == "1 page"
    assert output.plural(0, "page") == "0 pages"
    assert output.plural(1_024, "entry", "entries") == "1,024 entries"
    assert output.plural(1, "entry", "entries") == "1 entry"


def test_a_cell_folds_after_a_slash_before_it_cuts_a_word() -> None:
    assert output._fold("not-actionable/threshold-wrong", 20) == [
        "not-actionable/",
        "threshold-wrong",
    ]
    assert output._fold("see /var/log/basics/ingest.log", 16) == [
        "see /var/log/",
        "basics/",
        "ingest.log",
    ]
    assert output._fold("WebhookDeliveryFailures", 16) == ["WebhookDeliveryF", "ailures"]
