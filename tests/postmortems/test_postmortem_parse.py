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


GOOGLE_DOCS_EXPORT = """# **Postmortem: Checkout 502s** {#postmortem:-checkout-502s}

**Date:** March 12, 2026

# **Summary** {#summary}

For \\~18% of requests the checkout returned 502: `DB\\_POOL\\_SIZE` shrank to 4\\.

# **Trigger** {#trigger}

Deploy of checkout v2.14.0 at 14:00\\.

# **Timeline (all times GMT+1)** {#timeline-(all-times-gmt+1)}

| Time | Event |
| :---- | :---- |
| 14:02 | **OUTAGE BEGINS** \\- 502s climb |
| 14:49 | **OUTAGE MITIGATED** |

## Root Cause(s)

A pool per deployment, not per pod.
"""


def test_a_google_docs_export_is_read_like_any_other() -> None:
    """Google Docs writes headings with `{#anchor}`s and bold, escapes punctuation with a
    backslash, and names the timeline's zone after its heading: the sections are found,
    the text is unescaped, the timeline is read in its zone."""
    import datetime as dt

    found = parse.parse(GOOGLE_DOCS_EXPORT, "checkout-502s.md", "Europe/London")

    assert found.title == "Postmortem: Checkout 502s"
    assert found.trigger == "Deploy of checkout v2.14.0 at 14:00."
    assert [(entry.at, entry.text) for entry in found.timeline] == [
        (dt.datetime(2026, 3, 12, 13, 2), "OUTAGE BEGINS - 502s climb"),
        (dt.datetime(2026, 3, 12, 13, 49), "OUTAGE MITIGATED"),
    ]
    assert (found.started, found.mitigated) == (
        dt.datetime(2026, 3, 12, 13, 2),
        dt.datetime(2026, 3, 12, 13, 49),
    )
    assert found.sections["root_cause"] == "A pool per deployment, not per pod."
    assert found.sections["summary"] == (
        "For ~18% of requests the checkout returned 502: `DB_POOL_SIZE` shrank to 4."
    )
