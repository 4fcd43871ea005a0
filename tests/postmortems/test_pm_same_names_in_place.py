"""Two post-mortems of one file name in different folders, read where they are
(`postmortems.dir` over the wiki's folders): each keeps an id of its own, the second by its
folder and name, said in its notes, so `postmortems show` reaches both."""

from __future__ import annotations

from pathlib import Path

from basics.app import App
from basics.config.loader import parse_config

CONFIG = "store: basics.duckdb\npostmortems: {dir: wiki}\n"


def test_same_file_names_in_two_folders_get_two_ids(tmp_path: Path) -> None:
    for year, title in (("2025", "Search down, 2025"), ("2026", "Search down, 2026")):
        folder = tmp_path / "wiki" / year
        folder.mkdir(parents=True)
        (folder / "search-outage.md").write_text(
            f"# {title}\n\n## Timeline\n- {year}-02-10 10:00 UTC search errors begin\n"
        )
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))

    found = app.postmortems.library().postmortems

    assert sorted((pm.id, pm.title) for pm in found) == [
        ("2026-search-outage", "Search down, 2026"),
        ("search-outage", "Search down, 2025"),
    ]
    assert app.postmortems.get("2026-search-outage").title == "Search down, 2026"
    renamed = next(pm for pm in found if pm.id == "2026-search-outage")
    assert any('this one is "2026-search-outage"' in note for note in renamed.notes)
