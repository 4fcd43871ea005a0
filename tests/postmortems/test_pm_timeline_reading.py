"""What the reader gets wrong on real-shaped documents, each with the values a careful reader
writes down by hand: a table's own Date and Time columns, the zone a timeline's first line
names, the document's date (never an action item's due date), "OUTAGE MITIGATED" over a
mere mention, mitigation not stood in for by resolution, and the FireHydrant, Etsy Morgue
and GitLab templates' words."""

from __future__ import annotations

import datetime as dt

from basics.postmortems.compute import durations
from basics.postmortems.models import ActionItem
from basics.postmortems.parse import parse

LA = "America/Los_Angeles"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


DAYS_TABLE = """\
# Search API partial outage across two days

## Timeline

| Date | Time (UTC) | Event |
|---|---|---|
| 2026-02-06 | 21:00 | debug logging deployed to shards |
| 2026-02-06 | 23:30 | shard disks full, queries failing |
| 2026-02-07 | 00:20 | SearchErrorRate alert pages dana |
| 2026-02-07 | 02:10 | logs purged, mitigated |
| 2026-02-07 | 06:00 | resolved |
"""


def test_a_table_with_date_and_time_columns_reads_both() -> None:
    pm = parse(DAYS_TABLE, "days-table.md", LA)
    assert [(e.at, e.text) for e in pm.timeline] == [
        (at("2026-02-06T21:00"), "debug logging deployed to shards"),
        (at("2026-02-06T23:30"), "shard disks full, queries failing"),
        (at("2026-02-07T00:20"), "SearchErrorRate alert pages dana"),
        (at("2026-02-07T02:10"), "logs purged, mitigated"),
        (at("2026-02-07T06:00"), "resolved"),
    ]
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        at("2026-02-06T21:00"),
        at("2026-02-07T00:20"),
        at("2026-02-07T02:10"),
        at("2026-02-07T06:00"),
    )


def test_date_and_time_columns_in_other_languages_and_by_content() -> None:
    german = (
        "# Ausfall\n\n## Timeline\n\n| Zeit | Datum | Ereignis |\n|---|---|---|\n"
        "| 23:50 | 05.03.2026 | Fehler beginnen |\n"
        "| 00:10 | 06.03.2026 | Störung behoben, resolved |\n"
    )
    pm = parse(german, "de.md", "Europe/Berlin")  # CET in March: UTC+1
    assert [(e.at, e.text) for e in pm.timeline] == [
        (at("2026-03-05T22:50"), "Fehler beginnen"),
        (at("2026-03-05T23:10"), "Störung behoben, resolved"),
    ]
    # No header names the columns: a date alone, then a time, is read as both.
    unnamed = (
        "# Outage\n\n## Timeline\n\n| | | |\n|---|---|---|\n"
        "| 2026-02-06 | 21:00 | disk full |\n| 2026-02-07 | 01:00 | resolved |\n"
    )
    pm = parse(unnamed, "unnamed.md", "UTC")
    assert [e.at for e in pm.timeline] == [at("2026-02-06T21:00"), at("2026-02-07T01:00")]
    assert [e.text for e in pm.timeline] == ["disk full", "resolved"]


ATLASSIAN = """\
# Incident postmortem: Search indexing stalled

| Field | Value |
|---|---|
| Incident date | 2026-02-03 |

## Timeline
All times CET.

- 09:12 - disk on search-indexer-2 full; indexer crash loop starts
- 10:05 - customer reports stale results to support
- 10:58 - logs deleted, indexer restarted, mitigated
- 11:40 - index caught up, resolved
"""


def test_a_zone_line_at_the_top_of_the_timeline_sets_its_zone() -> None:
    pm = parse(ATLASSIAN, "atlassian.md", LA)  # LA would put every time 9 hours later
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        at("2026-02-03T08:12"),
        at("2026-02-03T09:05"),
        at("2026-02-03T09:58"),
        at("2026-02-03T10:40"),
    )
    for line, first in (
        ("(times in UTC)", "2026-02-03T09:12"),
        ("All times UTC+1", "2026-02-03T08:12"),
        ("All times PST.", "2026-02-03T17:12"),
    ):
        pm = parse(ATLASSIAN.replace("All times CET.", line), "a.md", "Europe/Berlin")
        assert pm.timeline[0].at == at(first), line
    # A line after the first entry is no longer the section's zone.
    later = ATLASSIAN.replace("All times CET.\n\n", "").replace(
        "- 10:05", "All times CET.\n- 10:05"
    )
    assert parse(later, "a.md", "UTC").timeline[1].at == at("2026-02-03T10:05")


def test_the_document_date_is_never_an_action_items_due_date() -> None:
    german = (
        "# Post-Mortem: Ausfall der Suche\n\n**Datum:** 05.03.2026\n\n"
        "## Summary\nDas Zertifikat ist abgelaufen.\n\n## Timeline\n- 08:00 Fehler beginnen\n\n"
        "## Maßnahmen\n- [ ] Zertifikatsablauf überwachen (@dana, SRCH-610, fällig 2026-03-20)\n"
    )
    pm = parse(german, "de.md", "UTC")
    assert pm.day == dt.date(2026, 3, 5)
    assert pm.started == at("2026-03-05T08:00")
    spanish = "# Caída\n\n**Fecha:** 25.02.2026\n\n## Resumen\nEl pool se agotó.\n"
    assert parse(spanish, "es.md", "UTC").day == dt.date(2026, 2, 25)
    # No date but the due dates of the action items: no date at all, not the due date.
    undated = (
        "# Checkout errors\n\n## Summary\nThe pool ran out.\n\n## Action items\n"
        "- [ ] Size the pool (@li, due 2026-03-20)\n\n## Notes\nRevisit by 2026-04-01.\n"
    )
    pm = parse(undated, "undated.md", "UTC")
    assert (pm.day, pm.date) == (None, None)
    assert pm.action_items[0].due == dt.date(2026, 3, 20)


SRE_BOOK = """\
# Checkout Outage During January Sale

**Date:** 2026-01-12

## Timeline

**2026-01-12** (all times UTC)

* 14:00 Marketing email sent
* 14:03 OUTAGE BEGINS — checkout 502s climbing
* 14:09 CheckoutErrorRate pages amara
* 14:25 PgBouncer pool raised, pods restarted
* 14:41 OUTAGE MITIGATED, error rate back to normal
* 15:10 incident closed
"""


def test_outage_mitigated_wins_over_an_earlier_mention() -> None:
    pm = parse(SRE_BOOK, "sre.md", LA)
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        at("2026-01-12T14:03"),
        at("2026-01-12T14:09"),
        at("2026-01-12T14:41"),  # not 14:25 ("pods restarted")
        at("2026-01-12T15:10"),
    )
    assert 'mitigated from the timeline ("OUTAGE MITIGATED, error rate back to normal")' in (
        pm.notes
    )


def test_time_to_mitigate_counts_only_the_post_mortems_that_state_it() -> None:
    def pm(n: int, minutes: tuple[int | None, int]) -> object:
        text = f"---\nid: PM-{n}\nstarted: 2026-01-01T00:00:00Z\n"
        if minutes[0] is not None:
            text += f"mitigated: 2026-01-01T00:{minutes[0]:02d}:00Z\n"
        text += f"resolved: 2026-01-01T{minutes[1] // 60:02d}:{minutes[1] % 60:02d}:00Z\n---\n"
        return parse(text, f"pm-{n}.md")

    # Three state a mitigation (10, 20, 30 min); two do not, and took 5 and 6 hours.
    found = [pm(1, (10, 60)), pm(2, (20, 90)), pm(3, (30, 120)), pm(4, (None, 300)),
             pm(5, (None, 360))]  # fmt: skip
    by_name = {d.name: d for d in durations(found)}  # type: ignore[arg-type]
    mitigate, resolve = by_name["mitigate"], by_name["resolve"]
    assert (mitigate.n, mitigate.median_s, mitigate.p90_s, mitigate.max_s) == (3, 1200, 1800, 1800)
    assert (resolve.n, resolve.median_s, resolve.p90_s) == (5, 7200, 21600)


def test_firehydrant_morgue_and_gitlab_templates() -> None:
    firehydrant = (
        "# Retrospective: DNS failures\n\n**Severity:** SEV1\n**Impacted services:** auth\n\n"
        "## Description\nCoreDNS was OOM-killed.\n\n## Tasks\n"
        "- [ ] Set CoreDNS memory limits (@omar, INFRA-900, due 2026-03-05)\n"
        "- [x] Add DNS resolution SLO (@omar, INFRA-901)\n"
    )
    pm = parse(firehydrant, "fh.md", "UTC")
    assert pm.action_items == (
        ActionItem("Set CoreDNS memory limits", "omar", None, "open", dt.date(2026, 3, 5),
                   None, "INFRA-900"),
        ActionItem("Add DNS resolution SLO", "omar", None, "done", None, None, "INFRA-901"),
    )  # fmt: skip
    morgue = (
        "# Memcached evictions\n\nStart Time: 2026-01-28 03:40 PM PST\n"
        "Detect Time: 2026-01-28 04:05 PM PST\nEnd Time: 2026-01-28 05:15 PM PST\n"
        "Severity: 3\nServices: homepage\n\n## Summary\nEvictions.\n\n## Remediations\n"
        "- [ ] Cap key cardinality per feature (@paul, due 2026-03-01)\n"
    )
    pm = parse(morgue, "morgue.md", "UTC")
    assert (pm.started, pm.detected, pm.resolved) == (
        at("2026-01-28T23:40"),
        at("2026-01-29T00:05"),
        at("2026-01-29T01:15"),
    )
    assert [(i.title, i.owner, i.due) for i in pm.action_items] == [
        ("Cap key cardinality per feature", "paul", dt.date(2026, 3, 1))
    ]
    gitlab = (
        '# Incident Review: Registry 503s\n\n**Labels:** ~"incident" ~"severity::1" '
        '~"Service::Registry"\n\n## Summary\n\nA flag broke pulls.\n\n'
        "1. Service(s) affected: registry, api-gateway\n2. Team attribution: team-platform\n\n"
        "## Corrective actions\n\n- [ ] Validate flag config "
        "https://gitlab.example.com/infra/-/issues/2345 (@jdoe, due 2026-02-24)\n"
    )
    pm = parse(gitlab, "gitlab.md", "UTC")
    assert (pm.severity, pm.services) == ("1", ("registry", "api-gateway"))
    assert pm.action_items == (
        ActionItem("Validate flag config", "jdoe", None, "open", dt.date(2026, 2, 24), None,
                   "https://gitlab.example.com/infra/-/issues/2345"),
    )  # fmt: skip


def test_a_tables_ticket_column_is_the_items_ticket() -> None:
    text = (
        "# Search\n\n## Corrective actions\n\n| Action | Owner | Jira | Due | Status |\n"
        "|---|---|---|---|---|\n| Log rotation | dana | SRCH-501 | 2026-02-20 | Done 2026-02-18 |\n"
        "| Lag alert | | SRCH-503 | | Open |\n"
    )
    items = parse(text, "t.md", "UTC").action_items
    assert [(i.title, i.ticket, i.status, i.closed) for i in items] == [
        ("Log rotation", "SRCH-501", "done", dt.date(2026, 2, 18)),
        ("Lag alert", "SRCH-503", "open", None),
    ]
