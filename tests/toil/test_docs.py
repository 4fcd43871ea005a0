"""docs/toil.md shows every header the importer recognises, and every field --mapping takes."""

from __future__ import annotations

from pathlib import Path

from basics.toil.formats.columns import ALIASES, FIELDS, normalised

DOC = Path(__file__).resolve().parents[2] / "docs" / "toil.md"


def test_the_mapping_table_is_the_importers() -> None:
    text = DOC.read_text(encoding="utf-8")
    rows = {
        line.split("|")[1]: normalised(line.split("|")[2])
        for line in text.splitlines()
        if line.startswith("| `") or line.startswith("| time spent")
    }
    for field in FIELDS:
        row = next((cells for name, cells in rows.items() if f"`{field}`" in name), None)
        assert row is not None, f"no row for {field} in docs/toil.md"
        listed = [name.strip() for name in row.split(",")]
        assert listed == list(ALIASES[field]), field
