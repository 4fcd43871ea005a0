"""A title written as a property ("Title: Checkout outage", `**Title:** …`, as templates and
exports write it) is the title: after the front matter's, before any heading; the file's
name only when nothing says one."""

from __future__ import annotations

import pytest

from basics.postmortems.parse import parse

SUMMARY = "\n## Summary\n\nCheckout returned 502s for 40 minutes.\n"


@pytest.mark.parametrize(
    "head",
    [
        "Title: Checkout outage\nSeverity: SEV2\n",
        "**Title:** Checkout outage\n**Severity:** SEV2\n",
        "- **Title:** Checkout outage\n- **Severity:** SEV2\n",
        "| Title | Checkout outage |\n|---|---|\n| Severity | SEV2 |\n",
        "Incident title: Checkout outage · Severity: SEV2\n",
        "Titel: Checkout outage\nSchweregrad: SEV2\n",
    ],
)
def test_a_title_property_is_the_title_not_the_file_name(head: str) -> None:
    pm = parse(head + SUMMARY, "wiki/2026-02-18-inc-4411.md", "UTC")
    assert (pm.title, pm.severity, pm.notes) == ("Checkout outage", "SEV2", ())


def test_a_title_property_wins_over_a_heading_and_the_front_matter_over_both() -> None:
    """A template's generic first heading ("# Post-mortem") is no title when the document
    labels one; the front matter's title is kept over the body's, and said."""
    text = "# Post-mortem\n\n**Title:** Checkout outage\n**Date:** 2026-02-18\n" + SUMMARY
    assert parse(text, "inc-4411.md", "UTC").title == "Checkout outage"
    framed = "---\ntitle: Checkout 502s after the payments deploy\n---\n" + text
    pm = parse(framed, "inc-4411.md", "UTC")
    assert pm.title == "Checkout 502s after the payments deploy"
    assert pm.notes == (
        'title: the front matter\'s "Checkout 502s after the payments deploy" is kept over '
        'the body\'s "Checkout outage"',
    )


def test_a_title_property_left_empty_or_below_the_first_section_is_no_title() -> None:
    placeholder = "# Checkout outage\n\nTitle: TBD\n" + SUMMARY
    assert parse(placeholder, "inc-4411.md", "UTC").title == "Checkout outage"
    prose = "## Summary\n\nTitle: the wrong one, in the prose.\n"
    assert parse(prose, "inc-4411.md", "UTC").title == "inc-4411"
