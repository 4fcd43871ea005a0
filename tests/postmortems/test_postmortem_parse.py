"""The reader's line tests, which skip their patterns on lines that cannot match, against
the patterns run on every line (the corpus's reading is checked in test_corpus.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.postmortems import parse
from basics.postmortems.models import ActionItem, PostMortem, TimelineEntry

ROOT = Path(__file__).parent.parent / "data" / "postmortems"

LINES = [
    "", "   ", "# Title", "  ## Root cause ##", "#hashtag", "####### seven", "Title", "=====",
    "-----", "  - - -", "***", "___", " * * * ", "==", "- item", "* item: with colon",
    "**Impact**: customers saw errors", "**Impact:** text", "** not bold", "Root cause: a typo",
    "Time to detection: 12 minutes", "14:05 paged", "Root Casue:", "1. Actions items:", "\t---",
    "\u2003***", "**Summary**", "Summary", "Lessons Learnt:", "Supporting information: x",
    "Timeline (all times CET), 18 Feb 2026:", "Timeline, 2026-02-18 (UTC+1):",
    "- Timeline (all times CET), 18 Feb 2026:", "Summary, 18 Feb 2026:", "contributing_factors:",
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
    intro = parse._INTRO.match(parse._clean(stripped) + ":")
    if stripped.endswith(":") and intro and parse._canonical(intro.group(1)) == "timeline":
        return (0, intro.group(1), "") if not parse._BULLET.match(line) else None
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


# Documents from an exploratory run (tests/data/postmortems, beside the corpus that
# expected.yaml describes): each read as a careful human reads it.
D = dt.datetime


def read(name: str, timezone: str = "UTC") -> PostMortem:
    return parse.parse((ROOT / name).read_text(encoding="utf-8-sig"), name, timezone)


def test_a_timeline_that_crosses_midnight_reads_the_later_times_on_the_next_day() -> None:
    """Notion's export: 11:40 PM, 11:52 PM, then 12:05 AM with no date line between them.
    The times after midnight were read a day early, before the start, and the resolution
    was dropped; in New York (EST, UTC-5) 11:40 PM on March 2 is 04:40Z on March 3."""
    found = read("notion-tls-cert-expired-api-gateway.md", "America/New_York")

    assert [(entry.at, entry.text) for entry in found.timeline] == [
        (D(2026, 3, 3, 4, 40), "certificate expires, handshake failures start"),
        (D(2026, 3, 3, 4, 52), 'first customer ticket: the app says "cannot connect"'),
        (D(2026, 3, 3, 5, 5), "support pages the on-call (Bob)"),
        (D(2026, 3, 3, 5, 48), "renewed certificate deployed, errors drop"),
        (D(2026, 3, 3, 6, 15), "incident resolved"),
    ]
    assert (found.started, found.detected, found.mitigated, found.resolved) == (
        D(2026, 3, 3, 4, 40), D(2026, 3, 3, 4, 52), D(2026, 3, 3, 5, 48), D(2026, 3, 3, 6, 15)
    )  # fmt: skip
    assert found.missing == ()
    assert "timeline: times after 11:52 PM read as the next day, 2026-03-03" in found.notes


def test_a_timeline_over_three_days_without_dates_reads_each_day() -> None:
    """22:30, 23:10, 08:15 (the next day), 11:00, 17:00, then 10:30: a timeline that crossed
    one midnight runs oldest first, so a step back of 6.5 h is the third day, not a
    resolution before the mitigation."""
    text = (
        "# Weekend backlog\n\n## Timeline (UTC)\n"
        "- 2026-02-13 22:30 disk full after retention change deployed\n"
        "- 23:10 consumer lag alert fires\n"
        "- 08:15 on-call notices backlog on dashboard\n"
        "- 11:00 retention reverted, mitigated\n"
        "- 17:00 backlog half drained\n"
        "- 10:30 backlog drained, resolved\n"
    )
    found = parse.parse(text, "weekend.md", "UTC")

    assert [entry.at for entry in found.timeline] == [
        D(2026, 2, 13, 22, 30), D(2026, 2, 13, 23, 10), D(2026, 2, 14, 8, 15),
        D(2026, 2, 14, 11, 0), D(2026, 2, 14, 17, 0), D(2026, 2, 15, 10, 30),
    ]  # fmt: skip
    assert (found.mitigated, found.resolved) == (D(2026, 2, 14, 11, 0), D(2026, 2, 15, 10, 30))


def test_times_past_midnight_agree_with_the_stated_durations() -> None:
    """Each line names its zone (CET, UTC+1) but no date: 00:50 CET after 22:45 CET on
    January 30 is January 31, which is what "Time to detection: 2 hours 5 minutes" says."""
    found = read("notifications-queue-backlog.md")

    assert [entry.at for entry in found.timeline] == [
        D(2026, 1, 30, 21, 45), D(2026, 1, 30, 23, 50), D(2026, 1, 31, 0, 45),
        D(2026, 1, 31, 2, 15),
    ]  # fmt: skip
    assert (found.started, found.detected, found.mitigated, found.resolved) == (
        D(2026, 1, 30, 21, 45), D(2026, 1, 30, 23, 50), D(2026, 1, 31, 0, 45),
        D(2026, 1, 31, 2, 15),
    )  # fmt: skip
    assert found.notes == ("timeline: times after 22:45 CET read as the next day, 2026-01-31",)


def test_a_line_with_a_date_or_after_a_date_line_keeps_its_day() -> None:
    text = (
        "# Ledger lag\n\n## Timeline\n\n**2026-01-21** (all times UTC)\n\n"
        "* 23:10 replication stops\n\n**2026-01-22**\n\n* 00:20 on-call paged\n"
    )
    found = parse.parse(text, "ledger.md", "UTC")
    assert [entry.at for entry in found.timeline] == [D(2026, 1, 21, 23, 10), D(2026, 1, 22, 0, 20)]
    assert not any("next day" in note for note in found.notes)

    dated = (
        "# Out of order\n\n## Timeline\n\n- 2026-03-03 09:00 restored\n- 2026-03-02 23:00 began\n"
    )
    found = parse.parse(dated, "order.md", "UTC")
    assert [entry.at for entry in found.timeline] == [D(2026, 3, 3, 9, 0), D(2026, 3, 2, 23, 0)]
    assert not any("next day" in note for note in found.notes)

    # A few minutes back is a line written out of order, not the next day.
    minutes = (
        "---\ndate: 2026-03-02\n---\n# Late note\n\n## Timeline\n\n- 14:05 paged\n- 14:03 began\n"
    )
    found = parse.parse(minutes, "late.md", "UTC")
    assert [entry.at for entry in found.timeline] == [D(2026, 3, 2, 14, 5), D(2026, 3, 2, 14, 3)]
    assert not any("next day" in note for note in found.notes)


def test_a_timeline_told_newest_first_keeps_its_day() -> None:
    """Steps back of hours (16:30, 14:10, 07:55, 07:40) are a timeline told newest first,
    not a night: each line stays on the document's day."""
    text = (
        "---\ndate: 2026-03-02\n---\n# Checkout 502s\n\n## Timeline\n\n"
        "- 16:30 resolved\n- 14:10 mitigated\n- 07:55 paged\n- 07:40 deploy of 2.7.0\n"
    )
    found = parse.parse(text, "newest.md", "UTC")
    assert [entry.at for entry in found.timeline] == [
        D(2026, 3, 2, 16, 30), D(2026, 3, 2, 14, 10), D(2026, 3, 2, 7, 55), D(2026, 3, 2, 7, 40)
    ]  # fmt: skip
    assert not any("next day" in note for note in found.notes)


def test_the_due_date_is_read_from_its_own_column() -> None:
    """A "Closed date" before the "Due date", an "Owned by" column: the due date is the
    due column's (it was the closed date, or none, and the owner was lost)."""
    text = (
        "# Queue backlog\n\n## Action items\n\n"
        "| Action | Closed date | Due date | Owned by |\n|---|---|---|---|\n"
        "| Alert on queue age | 2026-02-20 | 2026-03-01 | ana |\n"
        "| Add a consumer | | 2026-03-15 | bo |\n"
    )
    found = parse.parse(text, "queue.md", "UTC")
    assert [(i.title, i.owner, i.due, i.closed, i.status) for i in found.action_items] == [
        ("Alert on queue age", "ana", dt.date(2026, 3, 1), dt.date(2026, 2, 20), "done"),
        ("Add a consumer", "bo", dt.date(2026, 3, 15), None, "open"),
    ]


def test_a_due_date_is_not_a_closed_date() -> None:
    """incident.io's follow-ups: "Completed | 2026-02-25" under "Status | Due" is done on a
    day the document does not say (it was closed on its due date)."""
    found = read("incident-io-INC-312.md")

    assert found.action_items == (
        ActionItem("Alert on PgBouncer client connection saturation", "Dana Weiss",
                   status="open", due=dt.date(2026, 3, 1)),
        ActionItem("Review the config change process for PgBouncer", "Alice Martin",
                   status="done", due=dt.date(2026, 2, 25), closed=None),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("table", "closed"),
    [
        ("| Action | Owner | Status | Due |\n|---|---|---|---|\n| Fix it | li | Done 2026-02-20 "
         "| 2026-02-25 |", dt.date(2026, 2, 20)),  # the status cell gives it
        ("| Action | Owner | Due | Status |\n|---|---|---|---|\n| Fix it | li | 2026-01-28 "
         "| Done, closed 2026-01-27 |", dt.date(2026, 1, 27)),
        ("| Action | Due | Completed on |\n|---|---|---|\n| Fix it | 2026-02-25 | 2026-02-21 |",
         dt.date(2026, 2, 21)),  # a column for it
        ("| Action Item | Type | Owner | Bug |\n|---|---|---|---|\n| Fix it | prevent | li "
         "| PAY-1 DONE 2026-01-03 |", dt.date(2026, 1, 3)),  # no status column: the cell saying so
        ("| Action | Owner | Status | Due |\n|---|---|---|---|\n| Fix it | li | Completed "
         "| 2026-02-25 |", None),
    ],
)  # fmt: skip
def test_a_closed_date_comes_from_its_column_or_the_status(
    table: str, closed: dt.date | None
) -> None:
    found = parse.parse(f"# Outage\n\n## Action items\n\n{table}\n", "outage.md", "UTC")
    assert [(item.status, item.closed) for item in found.action_items] == [("done", closed)]


def test_a_list_left_open_in_broken_front_matter_is_read_as_its_items() -> None:
    """`services: [search` made an incident on a service named "[search"."""
    broken = (
        "---\ntitle: Search down\nservices: [search, api\nstarted: 2026-03-14 03:00\n"
        "resolved: 2026-03-14 03:40\nimpact: {customers\n---\n# Search down\n"
    )
    found = parse.parse(broken, "search.md", "UTC")

    assert (found.title, found.services) == ("Search down", ("search", "api"))
    assert (found.started, found.resolved) == (D(2026, 3, 14, 3, 0), D(2026, 3, 14, 3, 40))
    # A value that closes its bracket is text, as it was: a title's `[SEV1]` tag.
    tagged = broken.replace("title: Search down", "title: [SEV1] Checkout down: cards failing")
    assert parse.parse(tagged, "sev1.md", "UTC").title == "[SEV1] Checkout down: cards failing"


def test_a_title_in_broken_front_matter_is_the_text_after_its_key() -> None:
    """`title: Probe flapping: paged for nothing twice` is not valid YAML: the title was a
    mapping ({'Probe flapping': 'paged for nothing twice'}); 02:10 in New York (EST) is
    07:10Z."""
    found = read("probe-flapping.md", "America/New_York")

    assert found.title == "Probe flapping: paged for nothing twice"
    assert (found.severity, found.services, found.detection) == ("SEV4", ("www",), "alert")
    assert (found.started, found.detected, found.resolved) == (
        D(2026, 3, 5, 7, 10), D(2026, 3, 5, 7, 10), D(2026, 3, 5, 7, 25)
    )  # fmt: skip
    assert found.notes == (
        "front matter is not valid YAML (line 2): read key by key, the rest as text",
    )
    broken = (
        "---\ntitle: Fix: the \"retry\"\ntrigger: 'deploy #42: api'\ntags: [a, b]\nid: 042\n"
        "severity: 'SEV2\n---\n"
    )
    found = parse.parse(broken, "fix.md", "UTC")
    assert (found.title, found.trigger, found.tags) == (
        'Fix: the "retry"',
        "deploy #42: api",
        ("a", "b"),
    )
    assert found.severity == "SEV2"  # an unclosed quote is left out
    assert found.id == "042"  # as written, not the number 42


def test_underscores_inside_words_are_kept_and_emphasis_is_not() -> None:
    found = read("incident-io-INC-312.md")
    assert found.timeline[2] == TimelineEntry(
        D(2026, 2, 17, 14, 20), "Identified: max_client_conn too low for search's pool"
    )
    text = (
        "# Pool\n\n## Timeline\n\n- 2026-02-17 14:20 _really_ raised **max_client_conn**\n\n"
        "## Action items\n\n- [ ] Alert on cl_waiting > 50 (@dana, due 2026-03-01)\n"
    )
    found = parse.parse(text, "pool.md", "UTC")
    assert [entry.text for entry in found.timeline] == ["really raised max_client_conn"]
    assert [item.title for item in found.action_items] == ["Alert on cl_waiting > 50"]


def test_the_first_heading_is_the_title_when_no_heading_is_level_one() -> None:
    found = read("orders-db-connections.md")
    assert found.title == "Incident: Orders service DB connections maxed out"


# Exports that carry their properties in the body, under the title, not in front matter.
NOTION_EXPORT = """\ufeff# Webhooks delayed for merchants

Created: March 3, 2026 10:14 AM
Owner: Bob Stone
**Severity:** SEV-2
Services: [webhooks](https://www.notion.so/webhooks-4f1c?pvs=21), edge (https://www.notion.so/edge-77aa?pvs=21)
Status: Resolved
Impact: Merchants received order webhooks up to 90 minutes late
Started: March 2, 2026 11:40 PM (EST)
Detected: 03/02/2026 23:50
Resolved: March 3, 2026 1:15 AM (EST)

## Summary

A stuck consumer held the webhook queue; deliveries were late, none was lost.

## Action items

- [ ] Alert on the age of the oldest queued webhook (@bob, due 2026-03-20)
"""

CONFLUENCE_EXPORT = """# Checkout outage – connection pool exhausted

| | |
|---|---|
| **Incident** | INC-2041 |
| **Severity** | SEV-1 |
| **Affected services** | checkout, payments |
| **Incident date** | 2026-03-02 |
| **Detected** | 14:07 UTC |
| **Postmortem owner** | Alice Martin |

## Incident summary

Checkout returned 502s for 70 minutes: the payments database ran out of connections.

## Timeline

| Time (UTC) | Event |
|---|---|
| 14:00 | payments 4.1.3 deployed; checkout errors begin |
| 14:07 | CheckoutErrorRate alert fires, pages Alice |
| 14:20 | payments rolled back to 4.1.2 |
| 15:10 | incident resolved |
"""


def test_a_notion_property_block_gives_severity_services_and_times() -> None:
    """Notion writes its page properties as lines under the title, its dates in words,
    and a relation as the name followed by its URL. 11:40 PM EST on March 2 is 04:40Z on
    March 3; a date Basics cannot tell (March 2 or February 3?) is said, not dropped."""
    found = parse.parse(NOTION_EXPORT, "Webhooks delayed 4f1c.md", "UTC")

    assert (found.severity, found.services) == ("SEV-2", ("webhooks", "edge"))
    assert (found.started, found.detected, found.resolved) == (
        D(2026, 3, 3, 4, 40), None, D(2026, 3, 3, 6, 15)
    )  # fmt: skip
    assert found.notes == (
        'detected: expected a time such as 2026-03-02 14:00 UTC, found "03/02/2026 23:50"',
    )
    assert found.missing == ("detected", "detection")
    # "Impact: …" among the properties is a section of its own, and the block goes on.
    assert found.sections["impact"].startswith("Merchants received order webhooks")


def test_a_confluence_properties_table_gives_severity_services_and_times() -> None:
    """Confluence's page properties macro exports as a table of two columns; a time of day
    alone ("14:07 UTC") is on the incident's date."""
    found = parse.parse(CONFLUENCE_EXPORT, "Checkout outage.md", "Europe/Berlin")

    assert (found.severity, found.services) == ("SEV-1", ("checkout", "payments"))
    assert (found.started, found.detected, found.mitigated, found.resolved) == (
        D(2026, 3, 2, 14, 0), D(2026, 3, 2, 14, 7), D(2026, 3, 2, 14, 20), D(2026, 3, 2, 15, 10)
    )  # fmt: skip
    assert (found.detection, found.missing) == ("alert", ("action items",))
    assert sorted(found.notes) == [
        'mitigated from the timeline ("payments rolled back to 4.1.2")',
        'resolved from the timeline ("incident resolved")',
        'started from the timeline ("payments 4.1.3 deployed; checkout errors begin")',
    ]


def test_incident_io_key_information_gives_severity_services_and_times() -> None:
    """incident.io's header (`**Affected services:** search`, `**Severity:** Major`) and
    its key timestamps: "Reported at" is the detection, "Fixed at" the mitigation. The
    timeline's line still says how it was found (customer tickets)."""
    found = read("incident-io-INC-312.md")

    assert (found.severity, found.services) == ("Major", ("search",))
    assert (found.started, found.detected, found.mitigated, found.resolved) == (
        D(2026, 2, 17, 13, 41), D(2026, 2, 17, 14, 3), D(2026, 2, 17, 15, 20),
        D(2026, 2, 17, 15, 45),
    )  # fmt: skip
    assert (found.detection, found.missing, found.notes) == ("customer", (), ())


def test_properties_of_the_corpus_are_read_and_the_tls_export_too() -> None:
    """Several properties on one line, joined by " · "; a severity of "none" is no
    severity, and nothing to say; Notion's export of the tester's TLS post-mortem."""
    assert read("2025-02-24-dns-api-record.md").severity == "SEV2"
    assert read("2025-03-30-settlement-report-dst.md").severity == "SEV3"
    payouts = read("2025-10-28-payouts-missing.md")
    assert (payouts.severity, payouts.services) == ("SEV2", ("payments", "www"))
    alarm = read("2026-03-17-search-error-alert-bots.md")
    assert alarm.severity is None and not any("severity" in note for note in alarm.notes)
    tls = read("notion-tls-cert-expired-api-gateway.md", "America/New_York")
    assert (tls.severity, tls.services) == ("SEV-2", ("api-gateway", "mobile-api"))


def test_the_front_matter_wins_over_the_body_and_says_so() -> None:
    text = (
        "---\nseverity: SEV2\nservices: [checkout]\n---\n# Checkout 502s\n\n"
        "Severity: SEV-1\nAffected services: Checkout, payments\n\n## Summary\n\nErrors.\n"
    )
    found = parse.parse(text, "checkout.md", "UTC")

    assert (found.severity, found.services) == ("SEV2", ("checkout",))
    assert found.notes == (
        'severity: the front matter\'s "SEV2" is kept over the body\'s "SEV-1"',
        "services: the front matter's checkout are kept over the body's Checkout, payments",
    )
    agreeing = text.replace("SEV-1", "SEV2").replace("Checkout, payments", "Checkout")
    assert parse.parse(agreeing, "checkout.md", "UTC").notes == ()


def test_a_property_is_read_above_the_first_section_only_and_a_bad_one_is_said() -> None:
    text = (
        "# Search slow\n\nSeverity: Yellow\nService: TBD\nStarted: yesterday evening\n\n"
        "## Summary\n\nServices: search (this line is prose, not a property)\n"
    )
    found = parse.parse(text, "search.md", "UTC")

    assert (found.severity, found.services, found.started) == ("Yellow", (), None)
    assert found.notes == (
        'severity: "Yellow" names no level (SEV1, P2, critical, major, minor, …): kept as '
        "written, counted as unrated",
        'started: expected a time such as 2026-03-02 14:00 UTC, found "yesterday evening"',
    )
    assert found.missing[:4] == ("started", "detected", "resolved", "services")
