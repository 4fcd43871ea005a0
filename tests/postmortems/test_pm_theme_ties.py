"""What ties post-mortems into a theme, over a real folder and store (`basics postmortems
themes --json`): two must share two words of what they say happened (not of their action
items, not a service's name, not a web address or a tracker's key), or a failure concept;
so one shared word ("rotation": of logs in one, of a key in the other) makes no theme however
few post-mortems there are, while the true themes (too many database connections told four
ways, false alarms) still form."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from basics.cli.main import cli
from basics.postmortems.parse import parse
from basics.postmortems.themes import find_themes

LOG_ROTATION = """\
# Search nodes ran out of disk
Date: 2026-03-12
Services: search

## Summary
Debug logs filled the disk of the index nodes: log rotation had been disabled in February.

## Action items
- [x] Re-enable logrotate on every node (@dana, done 2026-03-01)
"""
KEY_ROTATION = """\
# Logins failed after the signing key changed
Date: 2026-03-20
Services: auth

## Summary
The token signing key rotation shipped a key the mobile app did not trust yet.

## Action items
- [ ] Publish new keys a day before use (@kai, due 2026-04-01)
"""
OOM = """\
# Search workers OOM-killed after the ranking change
Date: 2026-01-10
Services: search

## Summary
The new ranking model doubled the heap of each search worker; workers crashed in a loop.

## Action items
- [ ] Set memory limits from a load test (@omar)
"""
QUERY_OF_DEATH = """\
# Search unavailable for 66 minutes
Date: 2026-01-21
Services: search

## Summary
A query with a rare term leaked file descriptors in every search backend under a traffic
surge: a cascading failure.

## Action items
- [ ] Schedule a cascading failure test (@docbrown)
- [ ] Plug the file descriptor leak in the search ranking subsystem (@agoogler)
"""
CERT = """\
# TLS certificate expired on api-gateway
Date: 2026-03-07
Services: api-gateway

## Summary
cert-manager stopped renewing the certificate after its ACME account key changed.
"""
CERT_AGAIN = """\
# Internal mTLS certificate expired
Date: 2026-02-23
Services: auth

## Summary
The client certificate of auth expired: cert-manager's issuer was renamed.
"""
LINKED = """\
# Search returned empty results
Date: 2026-02-17
Services: search

## Summary
The indexer rebuilt its shards with a new analyzer and dropped half the documents.

## Action items
- [ ] Canary the analyzer change — [SRCH-88](https://linear.app/acme/issue/SRCH-88)
"""
DB_FILES = {
    "confluence.md": "# Payments DB: too many connections\nDate: 2026-02-10\n\n## Summary\n"
    "Payments workers opened too many connections: Postgres refused new clients.\n",
    "gdocs.md": "# Checkout outage – connection pool exhausted\nDate: 2026-03-02\n\n## Summary\n"
    "The connection pool was exhausted after the deploy doubled the pods.\n",
    "german.md": "# Störungsbericht: Zahlungen abgelehnt\nDatum: 05.03.2026\n\n"
    "## Zusammenfassung\nNach der Migration lag max_connections zu niedrig; PgBouncer "
    "lehnte Verbindungen ab.\n",
    "front-matter.md": "---\ntitle: Checkout pgbouncer max_client_conn reached\n"
    "started: 2026-03-08T09:00:00Z\n---\n## Summary\nThe batch job held every PgBouncer "
    "client slot.\n",
}
FALSE_ALARMS = {
    "probe.md": "# Auth probe flapping\nDate: 2026-01-28\n\n## Summary\nThe blackbox probe was "
    "flapping; paged for nothing, no customer impact.\n",
    "synthetic.md": "# Checkout synthetic check paged overnight\nDate: 2026-02-03\n\n"
    "## Summary\nA false alarm each time: the runner's DNS cache expired. No customer impact.\n",
}


def themes(tmp_path: Path, files: dict[str, str], *args: str) -> list[list[str]]:
    """The themes `basics postmortems themes --json` finds in `files`: each its members'
    ids, oldest first."""
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "basics.yaml").write_text("timezone: UTC\nstore: t.duckdb\n")
    for name, text in files.items():
        (tmp_path / "postmortems" / name).write_text(text, encoding="utf-8")
    config = str(tmp_path / "basics.yaml")
    result = CliRunner().invoke(cli, ["--config", config, "postmortems", "themes", "--json", *args])
    assert result.exit_code == 0, result.output
    return [[pm["id"] for pm in theme["postmortems"]] for theme in json.loads(result.stdout)]


def test_one_shared_word_makes_no_theme(tmp_path: Path) -> None:
    assert themes(tmp_path, {"logs.md": LOG_ROTATION, "keys.md": KEY_ROTATION}) == []


def test_a_service_name_and_action_item_words_make_no_theme(tmp_path: Path) -> None:
    assert themes(tmp_path, {"oom.md": OOM, "qod.md": QUERY_OF_DEATH}) == []


def test_a_word_of_an_address_ties_nothing(tmp_path: Path) -> None:
    # "acme" in linear.app/acme/… is no ACME certificate account.
    found = themes(tmp_path, {"cert.md": CERT, "mtls.md": CERT_AGAIN, "linked.md": LINKED})
    assert found == [["mtls", "cert"]]


def test_the_true_themes_still_form_among_one_off_incidents(tmp_path: Path) -> None:
    files = DB_FILES | FALSE_ALARMS | {"logs.md": LOG_ROTATION, "keys.md": KEY_ROTATION,
                                       "oom.md": OOM, "qod.md": QUERY_OF_DEATH}  # fmt: skip
    # One-offs that name no concept of these (OTHERS' first is of DNS, its sixth of a heap).
    files |= {f"other-{n}.md": other(n, OTHERS[n]) for n in (1, 2, 3, 4, 6, 8)}
    assert themes(tmp_path, files) == [
        ["confluence", "gdocs", "german", "front-matter"],
        ["probe", "synthetic"],
    ]


def other(n: int, cause: str) -> str:
    """A one-off post-mortem of 2025."""
    return f"# Incident {n}\nDate: 2025-01-{10 + n}\n\n## Summary\nCaused by {cause}.\n"


OTHERS = [
    "a DNS record pointed at an old load balancer",
    "a feature flag enabled in production instead of staging",
    "an S3 lifecycle rule deleted merchant exports",
    "a cron job skipped on the daylight saving change",
    "a schema migration locked the orders table",
    "a JVM heap too small after an upgrade",
    "a typo in a currency conversion multiplied yen by 100",
    "an expired API key of a shipping partner",
    "a Kafka consumer fell behind after a rebalance",
    "a Redis cluster evicted the carts",
]


def test_since_a_day_boilerplate_is_judged_on_the_whole_folder() -> None:
    """Four post-mortems of too many connections in 2026 among fourteen: on their own,
    what they share is in all of them (boilerplate); among the folder's fourteen it is in
    fewer than 30 %, and they make their theme."""
    every = [parse(text, name) for name, text in DB_FILES.items()]
    every += [parse(other(n, cause), f"other-{n}.md") for n, cause in enumerate(OTHERS)]
    recent = [pm for pm in every if pm.date is not None and str(pm.date) >= "2026-01-01"]
    assert (len(every), len(recent)) == (14, 4)
    found = find_themes(recent, among=every)
    assert [[pm.id for pm in t.postmortems] for t in found] == [
        ["confluence", "gdocs", "german", "front-matter"]
    ]


def test_themes_since_a_day_judge_boilerplate_on_the_whole_folder(tmp_path: Path) -> None:
    """The command as the library above: `--since 2026-01-01` clustered the four recent
    ones alone, where what they share is in all of them (boilerplate), and found nothing."""
    files = DB_FILES | {f"other-{n}.md": other(n, cause) for n, cause in enumerate(OTHERS)}
    assert themes(tmp_path, files, "--since", "2026-01-01") == [
        ["confluence", "gdocs", "german", "front-matter"]
    ]


def test_a_theme_of_undated_post_mortems_says_so(tmp_path: Path) -> None:
    """Its header printed Python's None: `(2 post-mortems, None – None)`."""
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "basics.yaml").write_text("timezone: UTC\nstore: t.duckdb\n")
    for name, text in FALSE_ALARMS.items():
        undated = "\n".join(line for line in text.splitlines() if not line.startswith("Date:"))
        (tmp_path / "postmortems" / name).write_text(undated + "\n", encoding="utf-8")
    config = str(tmp_path / "basics.yaml")
    done = CliRunner().invoke(cli, ["--config", config, "postmortems", "themes"])
    assert done.exit_code == 0, done.output
    assert "(2 post-mortems, undated)" in done.stdout and "None" not in done.stdout
