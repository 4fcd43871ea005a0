"""Words for people: counts and the nouns that agree with them."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun agreeing: 1 page, 2 pages, 1,024 entries (`nouns` where an s
    is not the plural)."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
