"""Words for people: counts and the nouns that agree with them."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun agreeing: 1 page, 2 pages, 1,024 entries (`nouns` where an s
    is not the plural)."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def listed(names: list[str], limit: int = 12, none: str = "none") -> str:
    """Names for a message, comma-separated, the first `limit` and how many more."""
    if not names:
        return none
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit:,} more"
