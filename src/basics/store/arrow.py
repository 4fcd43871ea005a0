"""Arrow columns as NumPy arrays and back, viewed in place.

pyarrow's own `to_numpy`, and `pa.array` given anything, import pandas the first time they
run (a fifth of a second, for nothing here); a column of fixed-width values without nulls
is its data buffer already, either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
