"""Work in halves over two processes: the same results in the same order as one process,
and the work done here when the helper cannot start or fails."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from basics.postmortems import halves
from basics.postmortems.importer import read_files
from basics.postmortems.parse import parse
from basics.postmortems.themes import counts_of, find_themes, parts

ROOT = Path(__file__).parent.parent / "data" / "postmortems"


def squares(items: Sequence[int]) -> list[int]:
    return [n * n for n in items]


def fails_in_the_helper(items: Sequence[int]) -> list[int]:
    """Raises in any process but the test's own (whose id the helper finds in its
    environment)."""
    if str(os.getpid()) != os.environ["HALVES_TEST_PARENT"]:
        raise ValueError("not here")
    return list(items)


def always_fails(items: Sequence[int]) -> list[int]:
    raise ValueError("nowhere")


def test_the_helper_does_its_half_and_the_order_is_kept() -> None:
    assert halves.in_halves(squares, list(range(1000)), minimum=2) == [n * n for n in range(1000)]
    assert halves.in_halves(squares, [3], minimum=2) == [9]  # too few: all here


def test_the_helper_can_not_start_so_all_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves.sys, "executable", "/nonexistent/python")
    assert halves.in_halves(squares, list(range(10)), minimum=2) == squares(range(10))


def test_what_fails_in_the_helper_is_done_again_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALVES_TEST_PARENT", str(os.getpid()))
    assert halves.in_halves(fails_in_the_helper, list(range(10)), minimum=2) == list(range(10))
    with pytest.raises(ValueError, match="nowhere"):
        halves.in_halves(always_fails, list(range(10)), minimum=2)


def test_import_and_themes_read_the_same_with_a_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = sorted(p for p in ROOT.iterdir() if p.name != "expected.yaml")
    read = functools.partial(read_files, timezone="UTC")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    alone = read(files, target=tmp_path / "one")
    monkeypatch.setattr(halves, "MINIMUM", 2)
    together = halves.in_halves(functools.partial(read, target=tmp_path / "two"), files)
    assert [str(o).replace("/one/", "/") for o in alone] == [
        str(o).replace("/two/", "/") for o in together
    ]
    texts = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    assert texts == {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}

    pms = [parse(p.read_bytes().decode("utf-8-sig"), str(p)) for p in files[:30]]
    assert halves.in_halves(counts_of, [parts(pm) for pm in pms]) == counts_of(
        [parts(pm) for pm in pms]
    )
    monkeypatch.setattr(halves, "MINIMUM", 10**9)
    serial = find_themes(pms)
    monkeypatch.setattr(halves, "MINIMUM", 2)
    assert find_themes(pms) == serial
