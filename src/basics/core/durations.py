"""Durations as written in basics.yaml and on the command line: 15s, 5m, 1h, 30d, 2w."""

from __future__ import annotations

import re

from basics.core.errors import InputError

_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration_s(text: str) -> int:
    """Seconds in a duration like `30d` or `5m`; raise InputError otherwise."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise InputError(f'expected a duration such as 30s, 5m, 1h, 30d or 2w, found "{text}"')
    return int(match.group(1)) * _UNITS_S[match.group(2)]


def format_duration(seconds: int) -> str:
    """The shortest exact form of a duration: 3600 -> 1h, 90 -> 90s."""
    for unit in ("w", "d", "h", "m"):
        size = _UNITS_S[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
