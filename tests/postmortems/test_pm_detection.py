"""How an incident was found, read the same wherever it is read: the detection section, the
timeline's line (which also gives the detection time), the summary, and `postmortems
basics` (its concept `detected-by-customer`). Customers' reports in common English
phrasings are customers'; what the text denies ("no alert fired", "before any customer
reported") counts for nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from basics.postmortems import compute
from basics.postmortems.detection import detection_in
from basics.postmortems.parse import parse
from basics.postmortems.text import evidence

REPORTS = [
    "Customers reported errors at checkout.",
    "A customer reported that the payment page hangs.",
    "Users reported timeouts on search.",
    "Several merchants complained about missing payouts.",
    "Errors were reported by customers through the chat.",
    "The first support ticket came in at 09:40.",
    "A customer complaint on the status page thread.",
    "Complaints from users piled up in the app store reviews.",
    "Customers started reporting declined cards.",
]


@pytest.mark.parametrize("text", REPORTS)
def test_a_customers_report_is_read_as_such_by_detection_and_by_basics(text: str) -> None:
    assert detection_in(text) == "customer"
    assert evidence(text, "detected-by-customer") == text.rstrip(".")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Customers reported errors 20 minutes before the CheckoutErrorRate alert fired.",
         "customer"),
        ("The burn-rate alert fired at 14:07; customers reported errors at 14:15.", "alert"),
        ("The alert fired before any customer reported anything.", "alert"),
        ("No alert fired; users reported it first.", "customer"),
        ("The error-rate alert did not fire. Customers reported errors.", "customer"),
        ("Jonas noticed while testing a sandbox call. No alert fired: our synthetic probes "
         "run inside the VPC.", "employee"),
        ("SearchErrorRate paged Dana.", "alert"),
        ("First UpstreamDown page (no user-visible impact).", "alert"),
        ("No customers reported problems; the on-call noticed the graph.", "employee"),
    ],
)  # fmt: skip
def test_the_first_phrase_that_says_who_found_it_decides(text: str, found: str) -> None:
    assert detection_in(text) == found


def test_nothing_denied_is_cited_as_found_by_customers() -> None:
    for text in ("No customers reported problems.", "We fixed it before any user reported it."):
        assert evidence(text, "detected-by-customer") is None, text


TIMELINE_ONLY = """\
# Search returning stale prices

Services: search

## Summary

A stuck indexer served yesterday's prices for three hours.

## Timeline (all times UTC)

**2026-05-26**

- 05:10 price indexer stalls after the Kafka rebalance
- 08:50 Customers reported wrong prices in search
- 09:30 indexer restarted, prices recover
- 10:05 reindex finished, resolved

## Action items

- [ ] Alert on the age of the newest indexed price (@noor, due 2026-06-15)
"""


def test_a_timeline_line_of_customers_reporting_is_the_detection_and_lint_is_quiet() -> None:
    """It was "unknown", with no detection time: "Customers" (plural) was no report, while
    `postmortems basics` cited the very words."""
    pm = parse(TIMELINE_ONLY, "stale.md", "UTC")
    assert (pm.detection, pm.detected) == ("customer", dt.datetime(2026, 5, 26, 8, 50))
    assert 'detected from the timeline ("Customers reported wrong prices in search")' in pm.notes
    assert [f.field for f in compute.lint(pm)] == []
    missed = next(b for b in compute.basics_pointed_at([pm]) if b.basic == "missed-alert")
    assert [c.evidence for c in missed.postmortems] == ["detected by: customer"]
    slow = next(b for b in compute.basics_pointed_at([pm]) if b.basic == "slow-detection")
    assert [c.evidence for c in slow.postmortems] == ["time to detect 220 min"]


def test_an_apis_users_calls_and_requests_are_no_report() -> None:
    """An API's "merchant calls start failing" tells of the failure, not of who found it:
    the alert after it is the detection."""
    text = TIMELINE_ONLY.replace("stalls after the Kafka rebalance", "merchant calls start "
                                 "failing, user requests time out").replace(
        "Customers reported wrong prices in search", "SearchErrorRate alert fires, Noor paged"
    )  # fmt: skip
    pm = parse(text, "calls.md", "UTC")
    assert (pm.detection, pm.started, pm.detected) == (
        "alert", dt.datetime(2026, 5, 26, 5, 10), dt.datetime(2026, 5, 26, 8, 50)
    )  # fmt: skip


def test_the_detection_section_the_timeline_and_the_summary_are_read_in_turn() -> None:
    section = TIMELINE_ONLY.replace(
        "## Timeline",
        "## Detection\n\nUsers reported wrong prices before any alert fired.\n\n## Timeline",
    ).replace("Customers reported wrong prices in search", "support escalates to on-call")
    assert parse(section, "s.md", "UTC").detection == "customer"
    # A section that says nothing of it leaves the timeline's line to say it.
    vague = TIMELINE_ONLY.replace("## Timeline", "## Detection\n\nLate.\n\n## Timeline")
    assert parse(vague, "v.md", "UTC").detection == "customer"
    # No section, no timeline line: the summary's words.
    summary = (
        "# Payouts missing\n\n## Summary\n\nMerchants reported missing payouts on the "
        "dashboard; the sync job had reported success.\n"
    )
    assert parse(summary, "p.md", "UTC").detection == "customer"
