"""Bytes that are not UTF-8: a file in another encoding is refused whole, and a record with
bytes that are not UTF-8 is a reject naming the byte, never text with U+FFFD in its place
(two user ids differing only in such a byte would become one)."""

from __future__ import annotations

import json
import re
from typing import Any

from basics.core.errors import InputError

# UTF-32 first: its little-endian mark begins like UTF-16's.
_BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_SAMPLE = 4096
_ESCAPED = re.compile("[\udc80-\udcff]")
"""A byte that is not UTF-8, as Python's surrogateescape error handler decodes it."""
CONVERT = "convert the file to UTF-8 (iconv -f CP1252 -t UTF-8, if it is Windows text)"


def check_utf8_start(start: bytes, name: str) -> None:
    """Raise InputError when the first bytes of an input show UTF-16 or UTF-32 text."""
    problem = start_problem(start, name)
    if problem is not None:
        raise InputError(problem)


def start_problem(start: bytes, name: str) -> str | None:
    """Why an input whose first bytes are `start` is UTF-16 or UTF-32 text, not UTF-8, or
    None: for readers that return problems as rejects instead of raising."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if start.startswith(mark):
            return (
                f"{name}: the file is {encoding} (it starts with the byte-order mark "
                f"{mark.hex(' ').upper()}); Basics reads UTF-8: convert it first, e.g. "
                f"iconv -f {encoding} -t UTF-8"
            )
    sample = start[:_SAMPLE]
    # ASCII text in UTF-16 is every other byte NUL; a UTF-8 log has none.
    if sample and sample.count(0) * 4 >= len(sample):
        return (
            f"{name}: the file looks like UTF-16 (a quarter or more of its first "
            f"{len(sample):,} bytes are NUL); Basics reads UTF-8: convert it first, e.g. "
            "iconv -f UTF-16 -t UTF-8"
        )
    return None


def line_problem(line: bytes, as_json: bool) -> str | None:
    """Why `line` is not UTF-8 (its first bad byte, and for JSON the key it is in), or None."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as error:
        where = _json_location(line) if as_json else None
        return (
            f"invalid UTF-8: byte 0x{line[error.start]:02X} at byte {error.start + 1} of the "
            f"line{f' (in {where})' if where else ''}; {CONVERT}"
        )
    return None


def _json_location(line: bytes) -> str | None:
    """The key whose name or value holds the first byte that is not UTF-8."""
    try:
        value = json.loads(line.decode("utf-8", errors="surrogateescape"))
    except ValueError:
        return None
    return _find_escaped(value, "")


def _find_escaped(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return f'"{path}"' if _ESCAPED.search(value) else None
    if isinstance(value, dict):
        items = list(value.items())
        if any(_ESCAPED.search(key) for key, _ in items):
            return f'a key of "{path}"' if path else "a key"
        named = [(f"{path}.{key}" if path else key, item) for key, item in items]
    elif isinstance(value, list):
        named = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
    else:
        return None
    return next((found for name, item in named if (found := _find_escaped(item, name))), None)


def text_problem(text: str, where: str) -> str | None:
    """Why decoded `text` (read with errors="surrogateescape") is not UTF-8, or None."""
    match = _ESCAPED.search(text)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    return f"invalid UTF-8: byte 0x{byte:02X} {where}; {CONVERT}"


def repaired(text: str) -> str:
    """`text` with each byte that is not UTF-8 shown as U+FFFD (for a reject's raw text)."""
    return _ESCAPED.sub("\ufffd", text)


def document_text(data: bytes, name: str) -> str:
    """A JSON document's text: UTF-8, a BOM dropped; InputError naming the line and byte of
    the first byte that is not UTF-8 (JSON is UTF-8: RFC 8259), or UTF-16 or UTF-32 text.
    Never text with U+FFFD in its place."""
    problem = start_problem(data[:8192], name)
    if problem is not None:
        raise InputError(problem)
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(
            f"{name}:{line}: not UTF-8: byte 0x{data[offset]:02X} at byte offset {offset}; "
            f"{CONVERT}"
        ) from None
