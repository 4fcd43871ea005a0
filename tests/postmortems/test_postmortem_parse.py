"""The reader's line tests, which skip their patterns on lines that cannot match, against
the patterns run on every line (the corpus's reading is checked in test_corpus.py)."""

from __future__ import annotations

from pathlib import Path

from basics.postmortems import parse

ROOT = Path(__file__).parent.parent / "data" / "postmortems"

LINES = [
    "", "   ", "# Title", "  ## Root cause ##", "#hashtag", "####### seven", "Title", "=====",
    "-----", "  - - -", "***", "___", " * * * ", "==", "- item", "* item: with colon",
    "**Impact**: customers saw errors", "**Impact:** text", "** not bold", "Root cause: a typo",
    "Time to detection: 12 minutes", "14:05 paged", "Root Casue:", "1. Actions items:", "\t---",
    "\u2003***", "**Summary**", "Summary", "Lessons Learnt:", "Supporting information: x",
]  # fmt: skip


def plain_heading_of(line: str, following: str) -> tuple[int, str, str] | None:
    stripped = line.strip()
    atx = parse._ATX.match(stripped)
    if atx:
        return len(atx.group(1)), parse._clean(atx.group(2)), ""
    if stripped and parse._UNDERLINE.fullmatch(following.strip() or "x") and len(stripped) < 100:
        return (1 if following.strip().startswith("=") else 2), parse._clean(stripped), ""
    bold = parse._BOLD.match(stripped)
    if bold and parse._canonical(parse._clean(bold.group(1))) is not None:
        return 2, parse._clean(bold.group(1)), bold.group(2)
    label = parse._LABEL.match(stripped)
    if (
        label
        and parse._canonical(parse._clean(label.group(1))) is not None
        and not parse._BULLET.match(line)
    ):
        return 0, parse._clean(label.group(1)), label.group(2)
    return None


def test_headings_and_rules_are_found_as_the_patterns_find_them() -> None:
    lines = list(LINES)
    for path in sorted(ROOT.iterdir()):
        lines += path.read_bytes().decode("utf-8-sig").split("\n")
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        assert parse._heading_of(line, following) == plain_heading_of(line, following), line
        plain_rule = bool(parse._RULE.fullmatch(line)) and bool(line.strip())
        assert parse._is_rule(line) == plain_rule, line
