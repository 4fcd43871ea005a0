"""Lines read in chunks: numbered, whole, and each line's `{` and `[` counted exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.ingest.inputs import Input, line_chunks

LINE = st.lists(st.sampled_from([b"{", b"[", b"}", b"]", b'"k"', b":", b" ", b"a", b"1"]))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(LINE.map(b"".join), min_size=1, max_size=40), chunk=st.integers(8, 300))
def test_each_line_counts_its_braces_and_brackets(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], chunk: int
) -> None:
    path = tmp_path_factory.mktemp("chunks") / "lines.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))

    counted: list[int] = []
    numbers: list[int] = []
    for part in line_chunks(Input(str(path)), chunk_bytes=chunk, as_json=True):
        assert part.brackets is not None
        counted += part.brackets.tolist()
        numbers += range(part.first_line, part.first_line + len(part.lines))

    assert counted == [line.count(b"{") + line.count(b"[") for line in lines]
    assert numbers == list(range(1, len(lines) + 1))


def test_one_brace_a_line_is_the_common_case(tmp_path: Path) -> None:
    path = tmp_path / "flat.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": "x"}\n')

    (chunk,) = line_chunks(Input(str(path)), as_json=True)

    assert chunk.brackets is not None and chunk.brackets.tolist() == [1, 1]
