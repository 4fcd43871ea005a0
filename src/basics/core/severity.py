"""Severity labels as levels: what `basics check` and the post-mortem reader both rate."""

from __future__ import annotations

import re
import unicodedata

_SEVERITY = re.compile(r"(\d+)")
_SEVERITY_WORDS = {"critical": 1, "major": 2, "high": 2, "medium": 3, "moderate": 3,
                   "minor": 4, "low": 4,
                   # Jira's priorities
                   "highest": 1, "blocker": 1, "lowest": 5, "trivial": 5,
                   # German, Spanish, French
                   "kritisch": 1, "hoch": 2, "mittel": 3, "niedrig": 4, "gering": 4,
                   "critico": 1, "alto": 2, "medio": 3, "bajo": 4,
                   "critica": 1, "alta": 2, "media": 3, "baja": 4,  # agreeing with "gravedad"
                   "critique": 1, "majeur": 2, "eleve": 2, "moyen": 3, "mineur": 4,
                   "faible": 4,
                   # agreeing with "gravité"
                   "majeure": 2, "elevee": 2, "moyenne": 3, "mineure": 4}  # fmt: skip


def severity_level(severity: str | None) -> int | None:
    """SEV1, P2, sev-3, 1, critical: the level as a number (1 the worst), None unrated."""
    if not severity:
        return None
    match = _SEVERITY.search(severity)
    if match:
        return int(match.group(1))
    word = unicodedata.normalize("NFKD", severity.strip().lower())
    return _SEVERITY_WORDS.get("".join(c for c in word if not unicodedata.combining(c)))
