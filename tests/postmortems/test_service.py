"""The post-mortems' cache rows and file listing against the plain code they replaced."""

from __future__ import annotations

import json
import os
from pathlib import Path

from basics.postmortems.parse import parse
from basics.postmortems.service import SUFFIXES, _files, from_record, record_json
from basics.records import plain

ROOT = Path(__file__).parent.parent / "data" / "postmortems"


def test_the_cached_json_is_what_plain_made_of_each_parse() -> None:
    for path in sorted(ROOT.iterdir()):
        pm = parse(path.read_bytes().decode("utf-8-sig"), str(path))
        assert record_json(pm) == json.dumps(plain(pm)), path.name
        assert from_record(json.loads(record_json(pm))) == pm


def test_files_are_listed_as_rglob_listed_them(tmp_path: Path) -> None:
    def listed_by_rglob(root: Path) -> list[Path]:
        found = []
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if path.suffix.lower() in SUFFIXES:
                found.append(path)
        return found

    names = ["a.md", "a-b.md", "a/b.md", "a/c d.MD", "notes", "notes.", "x.txt.bak",
             ".hidden.md", ".git/HEAD", "b/.cache/c.md", "b/c.markdown", "b/d/e.text", "z.png",
             "Z.md"]  # fmt: skip
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "linked")  # a link to a folder is not followed
    os.symlink(tmp_path / "missing.md", tmp_path / "broken.md")  # a broken link is no file
    os.symlink(tmp_path / "a.md", tmp_path / "alias.md")  # a link to a file is one
    assert _files(tmp_path) == listed_by_rglob(tmp_path)
    assert Path(tmp_path / "alias.md") in _files(tmp_path)
