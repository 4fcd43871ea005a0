"""Action items as teams write them, read as `basics postmortems show --json` gives them: a box
decides whether an item is done, else a status cell or a status marker, never a word of its
title; due dates in the forms people write them; owners beside a due date; German and French
tables; Confluence's repeated headers and Google Docs' merged rows; no mark left in a title
once read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Shown = Callable[[str], dict[str, Any]]

HEAD = "# Checkout outage\nDate: 2026-03-02\n\n## Action items\n"


def items(shown: Shown, text: str) -> list[tuple[Any, ...]]:
    found = shown(HEAD + text)["action_items"]
    return [(i["title"], i["owner"], i["status"], i["due"], i["closed"]) for i in found]


def test_a_box_decides_and_a_word_of_the_title_never_does(shown: Shown) -> None:
    assert items(
        shown,
        "- [ ] Alert when the circuit breaker stays closed (@amy, due 2026-03-01)\n"
        "- [ ] Document which bugs were fixed in 4.1.3\n"
        "- [ ] Add retry — not done yet\n"
        "- [x] Renew the certificate by hand — Noor — completed 2026-03-08\n",
    ) == [
        ("Alert when the circuit breaker stays closed", "amy", "open", "2026-03-01", None),
        ("Document which bugs were fixed in 4.1.3", None, "open", None, None),
        ("Add retry", None, "open", None, None),
        ("Renew the certificate by hand", "Noor", "done", None, "2026-03-08"),
    ]


def test_without_a_box_a_status_marker_decides_and_a_denied_one_is_open(shown: Shown) -> None:
    assert items(
        shown,
        "- Migrate the closed accounts to the new plan\n"
        "- Alert on OOM kills (owner: priya) [DONE]\n"
        "- Add retries, timeouts — done\n"
        "- DONE: write the failover runbook\n"
        "- Not done: document the failover\n"
        "- Rotate the signing key (closed 2026-02-20)\n"
        "- ~~Drop the legacy queue~~\n",
    ) == [
        ("Migrate the closed accounts to the new plan", None, "open", None, None),
        ("Alert on OOM kills", "priya", "done", None, None),
        ("Add retries, timeouts", None, "done", None, None),
        ("write the failover runbook", None, "done", None, None),
        ("document the failover", None, "open", None, None),
        ("Rotate the signing key", None, "done", None, "2026-02-20"),
        ("Drop the legacy queue", None, "done", None, None),
    ]


def test_a_status_cell_is_read_with_its_negations_and_in_other_languages(shown: Shown) -> None:
    statuses = ["Not done", "not fixed", "Not closed", "Not completed", "Complete", "Finished",
                "Resolved", "Erledigt", "Terminé", "In progress", "Done 2026-03-03"]  # fmt: skip
    rows = "".join(f"| A{n} | bob | 2026-03-01 | {s} |\n" for n, s in enumerate(statuses))
    found = items(shown, "| Action | Owner | Due | Status |\n|---|---|---|---|\n" + rows)
    assert [(title, status, closed) for title, _, status, _, closed in found] == [
        ("A0", "open", None), ("A1", "open", None), ("A2", "open", None), ("A3", "open", None),
        ("A4", "done", None), ("A5", "done", None), ("A6", "done", None), ("A7", "done", None),
        ("A8", "done", None), ("A9", "open", None), ("A10", "done", "2026-03-03"),
    ]  # fmt: skip


def test_without_a_status_column_a_cell_that_is_a_status_decides(shown: Shown) -> None:
    # The SRE book's template writes the status after the bug: "NOTIF-311 **DONE**".
    assert items(
        shown,
        "| Action | Owner | Bug |\n|---|---|---|\n"
        "| Alert when the breaker stays closed | li | PAY-1 |\n"
        "| Cache templates | li | PAY-2 **DONE** |\n"
        "| Load test (done) | li | PAY-3 |\n",
    ) == [
        ("Alert when the breaker stays closed", "li", "open", None, None),
        ("Cache templates", "li", "done", None, None),
        ("Load test", "li", "done", None, None),
    ]


def test_due_dates_are_read_as_people_write_them_and_an_unsure_one_is_said(
    shown: Shown,
) -> None:
    document = shown(
        HEAD + "- [ ] A (@li, due 20 Mar 2026)\n"
        "- [ ] B (@li, due Apr 1, 2026)\n"
        "- [ ] C (@li, due 05.03.2026)\n"
        "- [ ] D (@li, due 3/25/2026)\n"
        "- [ ] E (@li, due 25/03/2026)\n"
        "- [ ] F (Sven, due 2026-02-20)\n"
        "- [ ] G (@li, due 03/02/2026)\n"
        "- [ ] H (@li, due next sprint)\n"
        "- [ ] I — Owner: Priya — Due: 2026-03-01\n"
        "- [ ] J (Dana Weiss, 20/03/2026)\n"
    )
    found = [(i["title"], i["owner"], i["due"]) for i in document["action_items"]]
    assert found == [
        ("A", "li", "2026-03-20"), ("B", "li", "2026-04-01"), ("C", "li", "2026-03-05"),
        ("D", "li", "2026-03-25"), ("E", "li", "2026-03-25"), ("F", "Sven", "2026-02-20"),
        ("G", "li", None), ("H", "li", None), ("I", "Priya", "2026-03-01"),
        ("J", "Dana Weiss", "2026-03-20"),
    ]  # fmt: skip
    assert document["notes"] == [
        'action item "G": due "03/02/2026" could be March 2 or February 3: left out (write '
        "2026-03-02 or 2026-02-03)",
        'action item "H": due "next sprint" is no date Basics reads (2026-03-20, 20 Mar 2026, '
        "20.03.2026): left out",
    ]


def test_a_german_and_a_french_table_are_read(shown: Shown) -> None:
    assert items(
        shown,
        "| Maßnahme | Verantwortlich | Fällig | Status |\n|---|---|---|---|\n"
        "| Review erzwingen | carol | 2026-03-20 | offen |\n"
        "| Alarm auf Auslastung | dieter | 2026-03-10 | erledigt |\n"
        "| Doku nachziehen | carol | 15.03.2026 | nicht erledigt |\n"
        "\n"
        "| Action | Responsable | Échéance | Statut |\n|---|---|---|---|\n"
        "| Réactiver logrotate | dana | 13/03/2026 | Terminé |\n"
        "| Alerte disque | omar | 31/03/2026 | En cours |\n",
    ) == [
        ("Review erzwingen", "carol", "open", "2026-03-20", None),
        ("Alarm auf Auslastung", "dieter", "done", "2026-03-10", None),
        ("Doku nachziehen", "carol", "open", "2026-03-15", None),
        ("Réactiver logrotate", "dana", "done", "2026-03-13", None),
        ("Alerte disque", "omar", "open", "2026-03-31", None),
    ]


def test_repeated_headers_and_merged_rows_are_no_items(shown: Shown) -> None:
    assert items(
        shown,
        "| Action | Owner | Due | Status |\n|---|---|---|---|\n"
        "| **Phase 1** ||||\n"
        "| Move payments to PgBouncer<br/>(transaction mode) | Dana | 2026-02-20 | Done |\n"
        "| Action | Owner | Due | Status |\n"
        "| **Phase 2** | | | |\n"
        "| Alert on saturation | TBD | 2026-02-28 | Open |\n",
    ) == [
        ("Move payments to PgBouncer (transaction mode)", "Dana", "done", "2026-02-20", None),
        ("Alert on saturation", None, "open", "2026-02-28", None),
    ]


def test_marks_once_read_leave_the_title(shown: Shown) -> None:
    found = shown(
        HEAD + "- [ ] Canary the analyzer change — Owner: Priya — Due: 2026-03-01 — "
        "[SRCH-88](https://linear.app/acme/issue/SRCH-88)\n"
        "- Set memory limits from a load test (owner: Omar) - "
        "https://jira.example.com/browse/SRCH-41\n"
        "- [ ] @kai Move the issuer reference into the shared chart, by 2026-03-06\n"
        "- Owner: Sven — alert on 80% of max_connections by 2025-11-18 [done]\n"
    )["action_items"]
    assert [(i["title"], i["owner"], i["due"], i["ticket"]) for i in found] == [
        ("Canary the analyzer change", "Priya", "2026-03-01", "SRCH-88"),
        ("Set memory limits from a load test", "Omar", None,
         "https://jira.example.com/browse/SRCH-41"),
        ("Move the issuer reference into the shared chart", "kai", "2026-03-06", None),
        ("alert on 80% of max_connections", "Sven", "2025-11-18", None),
    ]  # fmt: skip


def test_lint_no_longer_says_missing_what_the_file_says(shown: Shown) -> None:
    from basics.postmortems.compute import lint
    from basics.postmortems.parse import parse

    pm = parse(HEAD + "- [ ] F (Sven, due 20 Mar 2026)\n", "x.md")
    assert [f.problem for f in lint(pm) if f.field == "action_items"] == []


def test_second_review_forms_owners_dates_and_closing_words(shown: Shown) -> None:
    """A comma before an ISO date parts the marks (`(Amy, 2026-03-05)` lost both); prose
    names no owner ("who owns the cron job" gave `owns the`); won't fix and cancelled close
    an item (open, then overdue, forever); an item whose other cells are empty is an item
    (dropped as a heading); a table's "Date raised" is no due date."""
    items = shown(HEAD + (
        "- [ ] Add retry (Amy, 2026-03-05)\n"
        "- [ ] Alert on lag — @kai, 2026-03-06\n"
        "- [ ] Figure out who owns the cron job\n"
        "- Drain the old queue — Won't fix\n\n"
        "| Action | Owner | Due | Status |\n|---|---|---|---|\n"
        "| Add retry to the payment client ||||\n"
        "| **Phase 2** ||||\n"
        "| Remove the flag | sam | 2026-03-09 | Cancelled |\n\n"
        "| Action | Date raised | Owner |\n|---|---|---|\n"
        "| Fix DNS | 2026-02-01 | kai |\n"
    ))["action_items"]  # fmt: skip
    assert [(i["title"], i["owner"], i["due"], i["status"]) for i in items] == [
        ("Add retry", "Amy", "2026-03-05", "open"),
        ("Alert on lag", "kai", "2026-03-06", "open"),
        ("Figure out who owns the cron job", None, None, "open"),
        ("Drain the old queue", None, None, "done"),
        ("Add retry to the payment client", None, None, "open"),
        ("Remove the flag", "sam", "2026-03-09", "done"),
        ("Fix DNS", "kai", None, "open"),
    ]


def test_an_item_too_long_to_read_whole_is_said(shown: Shown) -> None:
    """A bullet of 80,000 characters (a paste gone wrong) took the marks' patterns a minute:
    its first 2,000 are read, and the notes say so."""
    found = shown(HEAD + "- [ ] Fix the retry loop" + " — again" * 10_000 + "\n")
    [item] = found["action_items"]
    assert item["title"].startswith("Fix the retry loop") and item["status"] == "open"
    assert any(n.startswith("an action item of 80,018 characters: read its first 2,000")
               for n in found["notes"])  # fmt: skip
