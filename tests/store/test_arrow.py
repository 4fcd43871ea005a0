"""Arrow columns as NumPy without pyarrow's to_numpy, and NumPy numbers as Arrow without
pa.array: the same values, nulls filled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basics.store import arrow
from basics.store.arrow import filled, view


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=80),
    start=st.integers(0, 80),
    length=st.integers(0, 80),
)
def test_filled_equals_the_values_with_nulls_replaced(
    values: list[int | None], start: int, length: int
) -> None:
    column = pa.array(values, pa.int64()).slice(start, length)  # an offset into the buffers
    expected = [-7 if v is None else v for v in column.to_pylist()]
    assert filled(column, np.int64, -7).tolist() == expected


def test_view_shares_the_memory_of_a_column_without_nulls() -> None:
    column = pa.array(range(10), pa.int32()).slice(3, 4)
    assert view(column, np.int32).tolist() == [3, 4, 5, 6]
    assert not view(column, np.int32).flags.writeable
    assert view(pa.array([], pa.int64()), np.int64).tolist() == []
    with pytest.raises(ValueError, match="nulls"):
        view(pa.array([1, None], pa.int64()), np.int64)


def test_timestamps_view_as_microseconds() -> None:
    column = pa.array([0, 60_000_000], pa.timestamp("us"))
    assert view(column, np.int64).tolist() == [0, 60_000_000]


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.float64])
def test_numbers_from_numpy_equal_pyarrows_own_conversion(dtype: Any) -> None:
    values = np.arange(0, 3000, 3, dtype=dtype)[::2]  # a strided view: made contiguous

    column = arrow.from_numpy(values)

    assert column.to_pylist() == pa.array(values).to_pylist()
    assert column.type == pa.from_numpy_dtype(np.dtype(dtype))
    assert column.null_count == 0


@pytest.mark.parametrize(
    "values", [np.array([True, False, True]), np.arange(3, dtype=">i8"), np.array(["a"])]
)
def test_from_numpy_refuses_what_arrow_lays_out_otherwise(values: Any) -> None:
    with pytest.raises(TypeError, match="native integers or floats"):
        arrow.from_numpy(values)


TEXT = st.one_of(st.none(), st.text(st.characters(exclude_categories=("Cs",)), max_size=12))


@settings(max_examples=150, deadline=None)
@given(values=st.lists(TEXT, max_size=40), large=st.booleans())
def test_texts_equal_pyarrows_own_conversion(values: list[str | None], large: bool) -> None:
    kind = pa.large_string() if large else pa.string()
    made = arrow.texts(values, large=large)
    made.validate(full=True)
    assert made.equals(pa.array(values, kind))


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), max_size=40))
def test_floats_equal_pyarrows_own_conversion(values: list[float | None]) -> None:
    assert arrow.floats(values).equals(pa.array(values, pa.float64()))


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.lists(st.tuples(st.text(max_size=5), TEXT), max_size=4)),
        max_size=30,
    )
)
def test_text_maps_equal_pyarrows_own_conversion(
    values: list[list[tuple[str, str | None]] | None],
) -> None:
    made = arrow.text_maps(values)
    made.validate(full=True)
    assert made.equals(pa.array(values, pa.map_(pa.string(), pa.string())))


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 2**40)), max_size=80),
    start=st.integers(0, 80),
    length=st.integers(0, 80),
)
def test_valid_equals_pyarrows_is_valid(values: list[int | None], start: int, length: int) -> None:
    column = pa.array(values, pa.timestamp("us")).slice(start, length)
    expected = [v is not None for v in column.to_pylist()]
    assert arrow.valid(column).dtype == np.bool_
    assert arrow.valid(column).tolist() == expected
    assert arrow.valid(pa.nulls(3)).tolist() == [False] * 3  # no bitmap at all


def test_the_on_call_report_never_imports_pandas(tmp_path: Path) -> None:
    """pyarrow's to_numpy, and its compute functions given a column without chunks (an
    empty range), import pandas: a fifth of a second of a report, for nothing."""
    export = Path(__file__).parent.parent / "data" / "oncall" / "pagerduty_incidents.csv"
    (tmp_path / "basics.yaml").write_text("store: basics.duckdb\n", encoding="utf-8")
    config = ["--config", str(tmp_path / "basics.yaml")]
    script = (
        "import sys\n"
        "from basics.cli.main import cli\n"
        "cli.main(sys.argv[1:], standalone_mode=False)\n"
        "print('pandas' in sys.modules, file=sys.stderr)\n"
    )
    report = [sys.executable, "-c", script, *config, "oncall", "report"]
    empty = subprocess.run(
        [*report, "--from", "2020-01-01", "--to", "2030-01-01"], capture_output=True, text=True
    )
    assert "No pages in this range" in empty.stderr and empty.stderr.endswith("False\n")
    basics = Path(sys.executable).parent / "basics"
    subprocess.run(
        [basics, *config, "ingest", "pages", export, "--format", "pagerduty-csv"],
        capture_output=True,
        check=False,
    )  # fmt: skip  (exit 3: two rows rejected)
    done = subprocess.run(
        [*report, "--from", "2020-01-01", "--to", "2030-01-01"], capture_output=True, text=True
    )
    assert done.stdout.startswith("3 pages, 3 incidents"), done.stderr
    assert done.stderr == "False\n"


def test_trues_reads_a_boolean_array_s_bits_nulls_as_false_and_slices() -> None:
    import duckdb

    from basics.store.arrow import trues

    column = (
        duckdb.sql("SELECT a FROM (VALUES (true), (NULL), (false), (true)) v(a), range(3)")
        .to_arrow_table()
        .column("a")
        .combine_chunks()
    )
    expected = [value is True for value in column.to_pylist()]

    assert trues(column).tolist() == expected
    assert trues(column.slice(1, 7)).tolist() == expected[1:8]
    assert trues(column.slice(0, 0)).tolist() == []
