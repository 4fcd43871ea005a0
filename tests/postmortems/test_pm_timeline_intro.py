"""A timeline whose day and zone are said once, in its intro ("Timeline (all times CET), 18
Feb 2026:" then "- 09:12 Alerts fire"): its time-only lines are on that day in that zone,
and a time earlier than the line before by more than twelve hours is the next day. Each
with the values a careful reader writes down by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from basics.cli.main import cli
from basics.postmortems import compute
from basics.postmortems.models import TimelineEntry
from basics.postmortems.parse import parse

ROOT = Path(__file__).parent.parent / "data" / "postmortems"
CARD_VAULT = ROOT / "card-vault-failover-checkout.md"
LA = "America/Los_Angeles"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_a_timeline_introduced_with_its_day_and_zone_reads_every_time() -> None:
    """The corpus file: a `**Title:**` property, no front matter, and a timeline introduced
    by "Timeline (all times CET), 18 Feb 2026:". basics.yaml's zone (Los Angeles) would put
    every time nine hours later; before, no time was read at all."""
    pm = parse(CARD_VAULT.read_text(encoding="utf-8"), str(CARD_VAULT), LA)

    assert pm.title == "Card payments failing at checkout after the card-vault failover"
    assert (pm.severity, pm.services, pm.day) == (
        "SEV-2", ("checkout", "card-vault"), dt.date(2026, 2, 18)
    )  # fmt: skip
    assert list(pm.timeline) == [
        TimelineEntry(at("2026-02-18T08:02"), "card-vault primary fails over to the replica; "
                      "card payments at checkout start failing"),
        TimelineEntry(at("2026-02-18T08:15"), "Customers reported errors on the payment step "
                      "through the support chat"),
        TimelineEntry(at("2026-02-18T08:22"), "CheckoutErrorRate alert fires, Marek paged"),
        TimelineEntry(at("2026-02-18T08:41"), "checkout pods restarted, card payments recover"),
        TimelineEntry(at("2026-02-18T08:50"), "error rate back to normal for 10 minutes, "
                      "incident resolved"),
    ]  # fmt: skip
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        at("2026-02-18T08:02"), at("2026-02-18T08:15"), at("2026-02-18T08:41"),
        at("2026-02-18T08:50"),
    )  # fmt: skip
    assert pm.detection == "customer"
    assert pm.missing == ()
    assert compute.lint(pm) == []


BODY = """\
# Search outage

Services: search

## Summary

The search index was rebuilt while serving.

{intro}
- 09:12 Alerts fire, Dana paged
- 09:40 index swap reverted, mitigated
- 10:05 resolved
"""


@pytest.mark.parametrize(
    ("intro", "first"),
    [
        ("Timeline (all times CET), 18 Feb 2026:", "2026-02-18T08:12"),
        ("Timeline (all times in UTC), 18 February 2026:", "2026-02-18T09:12"),
        ("Timeline, 2026-02-18 (times in PST):", "2026-02-18T17:12"),
        ("## Timeline (all times PDT), 18 Feb 2026", "2026-02-18T16:12"),
        ("**Timeline — Wed 18 February 2026 (Europe/Berlin)**", "2026-02-18T08:12"),
        ("## Timeline\n\n18 Feb 2026 (all times GMT):", "2026-02-18T09:12"),
        ("## Timeline\n\nAll times in CEST, 18 Feb 2026.", "2026-02-18T07:12"),
        ("## Timeline\nTimeline (all times UTC+1), 18.02.2026:", "2026-02-18T08:12"),
        ("## Timeline\n\nOn 18 Feb 2026 (times in America/New_York):", "2026-02-18T14:12"),
    ],
)  # fmt: skip
def test_the_intro_gives_the_day_and_the_zone_in_the_ways_teams_write_it(
    intro: str, first: str
) -> None:
    pm = parse(BODY.format(intro=intro), "search.md", LA)
    assert pm.timeline[0].at == at(first), intro
    assert pm.day == dt.date(2026, 2, 18), intro
    assert pm.started is not None and pm.resolved == pm.started + dt.timedelta(minutes=53)


def test_a_time_earlier_than_the_line_before_by_over_twelve_hours_is_the_next_day() -> None:
    """23:40, 23:55, then 00:20 and 01:05 under "(all times PST), 17 Feb 2026": the times
    after midnight are February 18 (PST is UTC-8), and `show`'s notes say so."""
    text = (
        "# Checkout 502s overnight\n\nServices: checkout\n\n"
        "Timeline (all times PST), 17 Feb 2026:\n"
        "- 23:40 checkout 2.14 deployed, 502s begin\n- 23:55 CheckoutErrorRate pages Ana\n"
        "- 00:20 rolled back to 2.13\n- 01:05 incident resolved\n"
    )
    pm = parse(text, "overnight.md", "UTC")
    assert [e.at for e in pm.timeline] == [
        at("2026-02-18T07:40"), at("2026-02-18T07:55"), at("2026-02-18T08:20"),
        at("2026-02-18T09:05"),
    ]  # fmt: skip
    assert "timeline: times after 23:55 read as the next day, 2026-02-18" in pm.notes
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        at("2026-02-18T07:40"), at("2026-02-18T07:55"), at("2026-02-18T08:20"),
        at("2026-02-18T09:05"),
    )  # fmt: skip


def test_a_date_line_in_words_starts_a_new_day_and_a_later_zone_alone_does_not() -> None:
    """A second day introduced in words ("19 Feb 2026:") is that day, not a roll-over; a
    line naming a zone after the first entry is prose, as before."""
    text = (
        "# Ledger lag\n\n## Timeline (all times UTC)\n\n18 Feb 2026:\n"
        "- 22:10 replication stops\n\n19 Feb 2026:\n- 07:30 on-call notices lag\n"
        "All times CET.\n- 09:00 replica rebuilt, resolved\n"
    )
    pm = parse(text, "ledger.md", LA)
    assert [e.at for e in pm.timeline if e.at] == [
        at("2026-02-18T22:10"), at("2026-02-19T07:30"), at("2026-02-19T09:00"),
    ]  # fmt: skip
    assert not any("next day" in note for note in pm.notes)


def test_a_heading_with_a_date_is_still_the_title_unless_it_names_the_timeline() -> None:
    text = "# Incident summary, 2026-03-02\n\n## Summary\n\nThe pool ran out.\n"
    assert parse(text, "x.md", "UTC").title == "Incident summary, 2026-03-02"


CONFIG = """\
timezone: America/Los_Angeles
store: basics.duckdb
services:
  checkout:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""


def run(folder: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])
    assert result.exit_code in (0, 2), result.output
    return result


def test_such_a_post_mortem_is_an_incident(tmp_path: Path) -> None:
    """It was none: no start, no end. Now a read of the folder keeps it as an incident, with
    its times in UTC and its services as written ("card-vault" is no service basics.yaml
    names)."""
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / CARD_VAULT.name).write_text(CARD_VAULT.read_text("utf-8"))
    listed = json.loads(run(tmp_path, "postmortems", "list", "--json").output)
    assert [(r["date"], r["detection"], r["time_to_detect_s"]) for r in listed] == [
        ("2026-02-18", "customer", 780.0)
    ]
    incidents = json.loads(run(tmp_path, "incidents", "list", "--json").output)
    assert [
        (i["source"], i["title"], i["services"], i["start"], i["end"], i["severity"])
        for i in incidents
    ] == [
        ("postmortem", "Card payments failing at checkout after the card-vault failover",
         ["checkout", "card-vault"], "2026-02-18T08:02:00Z", "2026-02-18T08:50:00Z", "SEV-2"),
    ]  # fmt: skip
