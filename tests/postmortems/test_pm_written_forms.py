"""Times, labels and detection phrases as exports and teams write them, read as `basics
postmortems show --json` gives them: a no-break space (Google Docs), RFC 3339 in a timeline,
a timeline table with the date in words, stats from a timeline's start, French labels and
times, detection phrases of other languages, a pager storm as the detection (the SRE book's
own timeline), and a timed line without a date said, never dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

Shown = Callable[[str], dict[str, Any]]
MOMENTS = ("started", "detected", "mitigated", "resolved")


def moments(found: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(found[name] for name in MOMENTS)


TIMELINE = """\
## Timeline
- 14:00 Checkout errors begin
- 14:05 CheckoutErrorRate paged Dana
- 14:30 Rolled back; incident resolved
"""


def test_a_no_break_space_in_the_date_loses_nothing(shown: Shown) -> None:
    found = shown(f"# Checkout outage\n\nDate: March\u00a02,\u00a02026\n\n{TIMELINE}")
    assert (found["day"], found["detection"]) == ("2026-03-02", "alert")
    assert moments(found) == ("2026-03-02T14:00:00Z", "2026-03-02T14:05:00Z",
                              "2026-03-02T14:30:00Z", "2026-03-02T14:30:00Z")  # fmt: skip


def test_a_timed_line_without_a_date_is_said(shown: Shown) -> None:
    found = shown(f"# Checkout outage\n\n{TIMELINE}")
    assert moments(found) == (None, None, None, None)
    assert found["notes"] == [
        "timeline: 3 lines give a time but no date (no date line above, no date of the "
        "document): their times are left out"
    ]


def test_rfc_3339_times_in_a_timeline_are_read(shown: Shown) -> None:
    found = shown(
        "# Checkout outage\n\n## Timeline\n"
        "- 2026-02-03T01:10:00Z Checkout errors begin\n"
        "- 2026-02-03T01:15Z CheckoutErrorRate paged Sven\n"
        "- 2026-02-03T02:40:00+01:00 Rolled back\n"
        "- 2026-02-03T02:10:00Z Incident resolved\n"
    )
    assert moments(found) == ("2026-02-03T01:10:00Z", "2026-02-03T01:15:00Z",
                              "2026-02-03T01:40:00Z", "2026-02-03T02:10:00Z")  # fmt: skip
    assert [e["text"] for e in found["timeline"]][:2] == [
        "Checkout errors begin",
        "CheckoutErrorRate paged Sven",
    ]


def test_a_timeline_table_with_the_date_in_words_is_read(shown: Shown) -> None:
    found = shown(
        "# Checkout outage\n\n## Timeline\n| Time (PST) | Event |\n|---|---|\n"
        "| Feb 3, 2026 01:10 | Checkout errors begin |\n"
        "| Feb 3, 2026 01:15 | CheckoutErrorRate paged Sven |\n"
        "| Feb 3, 2026 02:10 | Incident resolved |\n"
    )
    assert moments(found) == ("2026-02-03T09:10:00Z", "2026-02-03T09:15:00Z", None,
                              "2026-02-03T10:10:00Z")  # fmt: skip


def test_stats_count_from_the_timelines_start_when_no_label_gives_it(shown: Shown) -> None:
    found = shown(
        "# Checkout latency\n\n## Overview\n\nTime to mitigation: 31 minutes\n"
        "Time to resolution: 2 hours\n\n## Timeline\n\n"
        "- 2026-02-03 01:10 UTC Checkout latency climbs\n"
        "- 2026-02-03 01:14 UTC CheckoutLatency paged Sven\n"
    )
    assert moments(found) == ("2026-02-03T01:10:00Z", "2026-02-03T01:14:00Z",
                              "2026-02-03T01:41:00Z", "2026-02-03T03:10:00Z")  # fmt: skip
    assert (
        'mitigated from "Time to mitigation: 31 minutes" after the timeline\'s start'
        in (found["notes"])
    )


def test_a_timeline_table_in_another_section_is_the_timeline(shown: Shown) -> None:
    # PagerDuty's "What Happened" with its table, and no section named a timeline.
    found = shown(
        "# Checkout synthetic paged\n\n## What Happened\n\n"
        "| Time (PST) | Event |\n|---|---|\n"
        "| Feb 3, 2026 01:10 | CheckoutSynthetic alert triggered, paged Sven |\n"
        "| Feb 3, 2026 02:30 | Incident resolved; runner restarted |\n"
    )
    # "runner restarted" is a mitigation too, on the resolution's line.
    assert moments(found) == ("2026-02-03T09:10:00Z", "2026-02-03T09:10:00Z",
                              "2026-02-03T10:30:00Z", "2026-02-03T10:30:00Z")  # fmt: skip


def test_french_labels_times_and_phrases_are_read(shown: Shown) -> None:
    found = shown(
        "# Rapport d'incident : disque plein\n\n"
        "**Gravité\u202f:** élevé\n**Services affectés :** search\n\n"
        "## Résumé\n\nDes utilisateurs signalent des résultats vides.\n\n"
        "## Chronologie\n\nToutes les heures en CET, 12.03.2026 :\n\n"
        "- 10h05 Les journaux remplissent le disque ; les écritures échouent\n"
        "- 10h50 Journaux purgés, écritures rétablies\n"
        "- 11h30 Incident résolu\n"
    )
    assert (found["severity"], found["services"], found["detection"]) == (
        "élevé",
        ["search"],
        "customer",
    )
    assert moments(found) == ("2026-03-12T09:05:00Z", None, "2026-03-12T09:50:00Z",
                              "2026-03-12T10:30:00Z")  # fmt: skip


def test_a_german_summary_says_who_found_it(shown: Shown) -> None:
    found = shown(
        "# Störung Zahlungen\n\nSchweregrad: hoch\n\n"
        "## Zusammenfassung\n\nKunden melden abgelehnte Zahlungen.\n"
    )
    assert found["detection"] == "customer"
    denied = shown(
        "# Störung Zahlungen\n\n## Zusammenfassung\n\n"
        "Keine Kunden melden Fehler; der Alarm PaymentsErrors wurde ausgelöst.\n"
    )
    assert denied["detection"] == "alert"


def test_a_pager_storm_received_is_the_detection(shown: Shown) -> None:
    # The SRE book's own timeline: the page at 14:55, the incident declared at 15:01.
    found = shown(
        "# Search Query-of-Death\n\n## Timeline\n\n**2026-01-21** (all times UTC)\n\n"
        "* 14:53 Traffic to search increases by 88x\n"
        "* 14:54 OUTAGE BEGINS — Search backends start melting down under load\n"
        "* 14:55 docbrown receives pager storm, ManyHttp500s from all clusters\n"
        "* 15:01 INCIDENT BEGINS docbrown declares incident #465\n"
        "* 15:41 OUTAGE MITIGATED, index update complete\n"
        "* 16:00 OUTAGE ENDS, all traffic balanced across all clusters\n"
        "* 16:30 INCIDENT ENDS, reached exit criterion of 30 minutes' nominal performance\n"
    )
    assert moments(found) == ("2026-01-21T14:54:00Z", "2026-01-21T14:55:00Z",
                              "2026-01-21T15:41:00Z", "2026-01-21T16:30:00Z")  # fmt: skip
    assert found["detection"] == "alert"


def test_a_length_of_time_in_a_timeline_is_no_time_of_day() -> None:
    """French "10h05" is a time; "1h30 after the deploy" is a length of time: read as 01:30,
    it rolled the day over and the resolution landed a day late (second review)."""
    from basics.postmortems.parse import parse

    pm = parse(
        "# Checkout errors\nDate: 2026-03-02\n\n## Timeline\n"
        "- 14:00 deploy of checkout 4.2\n"
        "- 1h30 after the deploy, customers reported failures\n"
        "- 16:00 resolved\n",
        "x.md",
        "UTC",
    )
    assert (pm.started, pm.resolved) == (
        dt.datetime(2026, 3, 2, 14, 0), dt.datetime(2026, 3, 2, 16, 0),
    )  # fmt: skip


def test_a_table_of_figures_is_no_timeline() -> None:
    """Without a timeline section the first table with a time column is read as one
    (PagerDuty's "What happened"): an Impact table of error rates became the timeline, its
    entries "2%" and "45%" (second review)."""
    from basics.postmortems.parse import parse

    pm = parse(
        "# Checkout errors\nDate: 2026-03-02\n\n## Impact\n| Time | Error rate |\n|---|---|\n"
        "| 10:00 | 2% |\n| 10:05 | 45% |\n| 10:30 | 3% |\n",
        "x.md",
        "UTC",
    )
    assert (pm.started, pm.resolved, pm.timeline) == (None, None, ())
