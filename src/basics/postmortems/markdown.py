"""The Markdown marks the post-mortem reader looks past (emphasis, list bullets, table rules),
and the accents it compares words without."""

from __future__ import annotations

import re
import unicodedata

EMPHASIS = re.compile(r"[*`]+|(?<!\w)_+|_+(?!\w)")
"""Emphasis marks; an underscore inside a word is none (`max_client_conn`, as CommonMark)."""
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
"""The rule under a table's header (`|---|:--|`)."""
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")
"""A list item, bulleted or numbered; its text in group 1."""
TASK = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(.*)$")
"""A task-list item (`- [x] …`): its box in group 1, its text in group 2."""


def unaccented(text: str) -> str:
    """`text` without its accents ("cronología" is "cronologia", "Maßnahme" "Massnahme")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
