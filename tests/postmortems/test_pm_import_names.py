"""`basics postmortems import` over real folders and a real store: two documents of one name
in different folders each get a file of their own, the same at every import; a file
imported from another document is never written over (not even with --overwrite); an HTML
export is skipped and said, with the command that makes it Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli

CONFIG = "timezone: UTC\nservices:\n  search: {owner: a}\n"
HINT = "HTML: export as Markdown, e.g. pandoc -f html -t gfm"


def document(year: str) -> str:
    return (
        f"# Search outage {year}\n\nSeverity: SEV-2\nServices: search\n\n"
        f"## Timeline\n- {year}-02-01 10:00 search errors begin\n- {year}-02-01 11:00 resolved\n"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    for year in ("2025", "2026"):
        (tmp_path / "wiki" / year).mkdir(parents=True)
        (tmp_path / "wiki" / year / "search-outage.md").write_text(document(year))
    return tmp_path


def run(folder: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])
    assert result.exit_code == 0, result.output
    return result


def written(folder: Path) -> dict[str, str]:
    """Each file of the post-mortems folder, and the document its text ends with."""
    found = {}
    for path in sorted((folder / "postmortems").iterdir()):
        text = path.read_text()
        found[path.name] = next(y for y in ("2025", "2026") if text.endswith(document(y)))
    return found


def test_two_documents_of_one_name_each_get_their_own_file(folder: Path) -> None:
    result = run(folder, "postmortems", "import", str(folder / "wiki"))
    assert "2 post-mortems imported, 0 skipped" in result.output
    assert written(folder) == {"2025-search-outage.md": "2025", "2026-search-outage.md": "2026"}
    listed = json.loads(run(folder, "postmortems", "list", "--json").output)
    assert [(r["id"], r["title"], r["date"]) for r in listed] == [
        ("2025-search-outage", "Search outage 2025", "2025-02-01"),
        ("2026-search-outage", "Search outage 2026", "2026-02-01"),
    ]
    # Importing again writes the same files, under the same names: nothing to rewrite.
    before = {p.name: p.stat().st_mtime_ns for p in (folder / "postmortems").iterdir()}
    result = run(folder, "postmortems", "import", str(folder / "wiki"))
    assert "2 post-mortems imported, 0 skipped" in result.output
    assert before == {p.name: p.stat().st_mtime_ns for p in (folder / "postmortems").iterdir()}


def test_a_file_imported_from_another_document_is_never_written_over(folder: Path) -> None:
    run(folder, "postmortems", "import", str(folder / "wiki" / "2025"))
    assert written(folder) == {"search-outage.md": "2025"}
    result = run(folder, "postmortems", "import", str(folder / "wiki" / "2026"), "--overwrite")
    assert "1 post-mortem imported, 0 skipped" in result.output
    assert f"-> {folder / 'postmortems' / '2026-search-outage.md'}" in result.output
    assert written(folder) == {"search-outage.md": "2025", "2026-search-outage.md": "2026"}
    # The whole folder now: each document keeps the file it has, and nothing is added.
    result = run(folder, "postmortems", "import", str(folder / "wiki"))
    assert "2 post-mortems imported, 0 skipped" in result.output
    assert written(folder) == {"search-outage.md": "2025", "2026-search-outage.md": "2026"}
    listed = json.loads(run(folder, "postmortems", "list", "--json").output)
    assert sorted(r["id"] for r in listed) == ["2026-search-outage", "search-outage"]


def test_an_html_export_is_skipped_and_said(folder: Path) -> None:
    page = "<html><head><title>PM</title></head><body><h1>PM</h1></body></html>\n"
    (folder / "wiki" / "confluence-export.html").write_text(page)
    (folder / "wiki" / "confluence-as-text.txt").write_text(page)  # HTML, whatever its name
    (folder / "wiki" / "logo.png").write_bytes(b"\x89PNG\r\n")  # an attachment: not a document
    result = run(folder, "postmortems", "import", str(folder / "wiki"))
    assert "2 post-mortems imported, 2 skipped" in result.output
    assert f"skipped {folder / 'wiki' / 'confluence-export.html'}: {HINT}" in result.output
    assert f"skipped {folder / 'wiki' / 'confluence-as-text.txt'}: {HINT}" in result.output
    assert "logo.png" not in result.output
    assert sorted(written(folder)) == ["2025-search-outage.md", "2026-search-outage.md"]
    # One HTML file named on its own is said the same way.
    result = run(folder, "postmortems", "import", str(folder / "wiki" / "confluence-export.html"))
    assert "0 post-mortems imported, 1 skipped" in result.output
    assert HINT in result.output
