"""Arrow columns as NumPy arrays and back, viewed in place.

pyarrow's own `to_numpy`, and `pa.array` given anything, import pandas the first time they
run (a fifth of a second, for nothing here); a column of fixed-width values without nulls
is its data buffer already, either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa


def view(column: pa.Array, dtype: type[Any]) -> npt.NDArray[Any]:
    """A null-free Arrow array of fixed-width values (integers, timestamps as int64) as a
    read-only NumPy view of `dtype`, sharing its memory."""
    if column.null_count:
        raise ValueError("an Arrow column with nulls has no NumPy view; fill them first")
    if not len(column):
        return np.zeros(0, dtype=dtype)
    buffer = column.buffers()[1]
    data: npt.NDArray[Any] = np.frombuffer(buffer, dtype=dtype, count=column.offset + len(column))
    data.flags.writeable = False  # Arrow's memory: never written through
    return data[column.offset :]


def filled(column: pa.Array, dtype: type[Any], fill: int) -> npt.NDArray[Any]:
    """A fixed-width Arrow array as NumPy `dtype`, nulls as `fill` (a view when it has none).

    The nulls are found from the validity bitmap; pyarrow's `fill_null` would convert
    `fill` through `pa.scalar`, which imports pandas too.
    """
    if not column.null_count:
        return view(column, dtype)
    offset, count = column.offset, len(column)
    validity, buffer = column.buffers()[:2]
    data: npt.NDArray[Any] = np.frombuffer(buffer, dtype=dtype, count=offset + count)
    values = data[offset:].copy()
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    values[bits[offset : offset + count] == 0] = fill
    return values


def valid(column: pa.Array) -> npt.NDArray[np.bool_]:
    """Which values of an Arrow array are not null, read from its validity bitmap (what
    `column.is_valid().to_numpy(zero_copy_only=False)` gives, without importing pandas)."""
    count, nulls = len(column), column.null_count
    if nulls in (0, count):  # no bitmap is needed (nor always there) to say
        return np.full(count, nulls == 0, dtype=np.bool_)
    bits = np.unpackbits(np.frombuffer(column.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[column.offset : column.offset + count].astype(np.bool_)


def trues(column: pa.Array) -> npt.NDArray[np.bool_]:
    """Which values of a boolean Arrow array are true (a null is not), read from its value
    and validity bitmaps, without importing pandas (as a boolean's `to_numpy` and
    `fill_null` with a Python value do)."""
    count = len(column)
    if count == 0 or column.null_count == count:
        return np.zeros(count, dtype=np.bool_)
    bits = np.unpackbits(np.frombuffer(column.buffers()[1], dtype=np.uint8), bitorder="little")
    return bits[column.offset : column.offset + count].astype(np.bool_) & valid(column)


def from_numpy(values: npt.NDArray[Any]) -> pa.Array:
    """A NumPy array of fixed-width numbers as an Arrow array without nulls, sharing its
    memory (contiguous, so its buffer is the Arrow data buffer). Not for booleans (Arrow
    packs them as bits) nor for another byte order than the machine's."""
    import pyarrow as pa

    if values.dtype.kind not in "iuf" or not values.dtype.isnative:
        raise TypeError(f"from_numpy takes native integers or floats, not {values.dtype}")
    values = np.ascontiguousarray(values)
    kind = pa.from_numpy_dtype(values.dtype)
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def texts(values: Sequence[str | None], large: bool = False) -> pa.Array:
    """Python strings as an Arrow `string` array (`large_string` with `large`; None: null):
    what `pa.array(values, pa.string())` gives, without importing pandas."""
    import pyarrow as pa

    kind, width = (pa.large_string(), np.int64) if large else (pa.string(), np.int32)
    validity = _validity(values)
    if validity is not None and not any(value is not None for value in values):
        return pa.nulls(len(values), kind)
    strings: Sequence[str] = (
        cast("Sequence[str]", values)  # no None among them
        if validity is None
        else ["" if value is None else value for value in values]
    )
    text = "".join(strings)
    data = text.encode()
    if len(data) == len(text):  # ASCII: one byte a character, lengths are the strings'
        lengths = np.fromiter(map(len, strings), np.int64, len(strings))
    else:
        lengths = np.fromiter((len(s.encode()) for s in strings), np.int64, len(strings))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if not large and offsets[-1] >= 2**31:
        raise ValueError("more than 2 GiB of text in one Arrow string array")
    buffers = [validity, pa.py_buffer(offsets.astype(width)), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, len(values), buffers)


def floats(values: Sequence[float | None]) -> pa.Array:
    """Python numbers as an Arrow `double` array (None: null), without importing pandas."""
    import pyarrow as pa

    data = np.fromiter((0.0 if v is None else v for v in values), np.float64, len(values))
    return pa.Array.from_buffers(pa.float64(), len(values), [_validity(values), pa.py_buffer(data)])


def text_maps(values: Sequence[Sequence[tuple[str, str | None]] | None]) -> pa.Array:
    """Lists of (key, value) pairs as an Arrow `map<string, string>` array (None: null),
    without importing pandas."""
    import pyarrow as pa

    sizes = np.fromiter((0 if v is None else len(v) for v in values), np.int64, len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    pairs = [pair for value in values if value for pair in value]
    entries = pa.StructArray.from_arrays(
        [texts([key for key, _ in pairs]), texts([item for _, item in pairs])],
        fields=[pa.field("key", pa.string(), nullable=False), pa.field("value", pa.string())],
    )
    kind = pa.map_(pa.string(), pa.string())
    buffers = [_validity(values), pa.py_buffer(offsets)]
    return pa.Array.from_buffers(kind, len(values), buffers, children=[entries])


def _validity(values: Sequence[object]) -> pa.Buffer | None:
    """Arrow's validity bitmap of `values` (None: null), or None when nothing is null."""
    import pyarrow as pa

    present = np.fromiter((value is not None for value in values), dtype=bool, count=len(values))
    if present.all():
        return None
    return pa.py_buffer(np.packbits(present, bitorder="little"))
