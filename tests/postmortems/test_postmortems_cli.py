"""`basics postmortems …` over a real folder and store: import, list, show, lint, actions,
themes, basics, durations; the cache by hash; each post-mortem's incident for replay."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import load_config

CORPUS = Path(__file__).parent.parent / "data" / "postmortems"
CONFIG = """\
timezone: UTC
services:
  checkout:
    slos:
      availability: {objective: 99.9, good: status < 500}
  payments:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    # The corpus expected.yaml describes, without the reader's other fixtures beside it.
    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text())
    (tmp_path / "wiki").mkdir()
    for entry in [*expected["postmortems"], *expected["skipped"]]:
        shutil.copy(CORPUS / entry["file"], tmp_path / "wiki" / entry["file"])
    return tmp_path


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])


def imported(folder: Path) -> Result:
    result = run(folder, "postmortems", "import", str(folder / "wiki"))
    assert result.exit_code == 0, result.output
    return result


def test_import_reports_each_file_and_skips_the_template(folder: Path) -> None:
    result = imported(folder)
    assert "37 post-mortems imported, 1 skipped" in result.output
    assert "_template.md: a template, not a post-mortem" in result.output
    written = sorted(p.name for p in (folder / "postmortems").iterdir())
    assert len(written) == 37 and "2025-06-12-search-outage.md" in written
    assert "logging-node-disk-full.md" in written  # a file without an extension
    # The original text is kept below the front matter Basics wrote.
    google = (folder / "postmortems" / "2025-01-14-order-email-backlog.md").read_text()
    original = (CORPUS / "2025-01-14-order-email-backlog.md").read_text()
    assert google.startswith("---\nid: 2025-01-14-order-email-backlog\n")
    assert google.endswith(original)
    assert "started: '2025-01-14T06:40:00Z'" in google or "started: 2025-01-14T06:40:00Z" in google


def test_an_imported_folder_reads_back_the_same(folder: Path) -> None:
    imported(folder)
    listed = json.loads(run(folder, "postmortems", "list", "--json").output)
    assert len(listed) == 37
    row = next(r for r in listed if r["id"] == "2025-01-14-order-email-backlog")
    assert row["date"] == "2025-01-14" and row["time_to_detect_s"] == 8100  # 2 h 15 min
    assert (row["action_items"], row["action_items_done"]) == (4, 2)


def test_the_cache_parses_a_file_again_only_when_it_changed(folder: Path) -> None:
    imported(folder)
    app = App(load_config(folder / "basics.yaml"))
    try:
        assert app.postmortems.library().parsed == 0  # cached by the import
        path = folder / "postmortems" / "pm-2026-004-checkout-502-payments-deploy.md"
        path.write_text(path.read_text().replace("Checkout 502s", "Checkout 502 errors"))
        again = app.postmortems.library()
        assert again.parsed == 1
        assert any(pm.title.startswith("Checkout 502 errors") for pm in again.postmortems)
    finally:
        app.close()


def test_post_mortems_are_incidents_for_replay(folder: Path) -> None:
    imported(folder)
    incidents = json.loads(run(folder, "incidents", "list", "--json").output)
    mine = {i["title"]: i for i in incidents if i["source"] == "postmortem"}
    pool = mine["Checkout connection pool exhausted after the database failover"]
    assert (pool["start"], pool["end"], pool["services"]) == (
        "2025-08-05T02:13:00Z", "2025-08-05T03:05:00Z", ["checkout"])  # fmt: skip
    # Replay judges the policy against it with no extra step.
    replay = run(folder, "alerts", "replay", "checkout/availability", "--from", "2025-08-01",
                 "--to", "2025-09-01", "--json")  # fmt: skip
    judged = json.loads(replay.output[replay.output.index("{") :])
    # The store holds no event of August 2025: replay knows the incident, and says no alert
    # could have caught it (not a miss: recall has nothing to judge).
    assert judged["incidents"] == []
    assert [i["id"] for i in judged["unjudged_incidents"]] == [pool["id"]]
    assert judged["unjudged_incidents"][0]["source"] == "postmortem"
    assert judged["recall"] is None
    # The one whose resolved time is before its start is no incident (lint says why).
    assert not any("Redis evictions" in title for title in mine)
    # Services and severity from a properties table in the body (no front matter) make one.
    payouts = mine["Payouts missing from the merchant dashboard"]
    assert (payouts["start"], payouts["end"], payouts["services"], payouts["severity"]) == (
        "2025-10-28T05:00:00Z", "2025-10-28T12:30:00Z", ["payments", "www"], "SEV2")  # fmt: skip
    # Removing the file removes its incident.
    (folder / "postmortems" / "pm-2025-016-checkout-pool-failover.md").unlink()
    run(folder, "postmortems", "list")
    after = json.loads(run(folder, "incidents", "list", "--json").output)
    assert pool["id"] not in [i["id"] for i in after]


INCIDENT_IO = """# INC-318: Search returning 500s

**Severity:** Major
**Status:** Closed
**Affected services:** Search API, Search indexer

## Key information

- **Impact started at:** 2026-02-17 13:41 UTC
- **Reported at:** 17 Feb 2026 14:03 UTC
- **Resolved at:** 2026-02-17 15:45 UTC

## Summary

A PgBouncer change lowered max_client_conn; 60 % of searches returned 500 for two hours.
"""


def test_services_in_the_body_are_found_and_make_an_incident(folder: Path) -> None:
    """Exports carry their services in the body (incident.io's `**Affected services:**`):
    the import says it found them, or that it did not, and the post-mortem is an incident
    of the services basics.yaml names ("Search API" is its alias of `search`); an alias
    added later counts at the next read, with no file read again."""
    (folder / "basics.yaml").write_text(CONFIG + "  search:\n    aliases: [Search API]\n")
    exports = folder / "exports"
    exports.mkdir()
    (exports / "INC-318.md").write_text(INCIDENT_IO)
    (exports / "billing.md").write_text(
        "# Billing export duplicated invoices\n\nOn 12 March 2026 the export ran twice.\n"
    )
    result = run(folder, "postmortems", "import", str(exports))

    assert result.exit_code == 0, result.output
    assert (
        f"{exports / 'INC-318.md'} -> {folder / 'postmortems' / 'inc-318.md'}\n"
        "  found: title, severity, started, detected, resolved, services, section summary\n"
        "  not found: action items, detection\n"
    ) in result.output
    assert "  not found: started, detected, resolved, services, action items, detection\n" in (
        result.output
    )
    incidents = json.loads(run(folder, "incidents", "list", "--json").output)
    mine = [i for i in incidents if i["source"] == "postmortem"]
    assert [(i["title"], i["services"], i["severity"], i["start"], i["end"]) for i in mine] == [
        ("INC-318: Search returning 500s", ["search", "Search indexer"], "Major",
         "2026-02-17T13:41:00Z", "2026-02-17T15:45:00Z"),
    ]  # fmt: skip

    (folder / "basics.yaml").write_text(
        CONFIG + "  search:\n    aliases: [Search API, Search indexer]\n"
    )
    app = App(load_config(folder / "basics.yaml"))
    try:
        again = app.postmortems.library()
        assert again.parsed == 0
        assert [pm.services for pm in again.postmortems if pm.id == "INC-318"] == [("search",)]
    finally:
        app.close()
    incidents = json.loads(run(folder, "incidents", "list", "--json").output)
    assert [i["services"] for i in incidents if i["source"] == "postmortem"] == [["search"]]


def test_show_lint_and_actions(folder: Path) -> None:
    imported(folder)
    shown = run(folder, "postmortems", "show", "PM-2026-004")
    assert shown.exit_code == 0
    assert "Checkout 502s after the payments deploy" in shown.output
    assert "detection: alert" in shown.output and "Action items" in shown.output
    missing = run(folder, "postmortems", "show", "PM-9999")
    assert missing.exit_code == 1 and 'no post-mortem "PM-9999"' in missing.output
    lint = run(folder, "postmortems", "lint", "--json")
    assert lint.exit_code == 2
    findings = json.loads(lint.output)
    assert any(f["id"] == "PM-2026-007" and "before started" in f["problem"] for f in findings)
    actions = json.loads(run(folder, "postmortems", "actions", "--open", "--json").output)
    assert actions and all(a["status"] == "open" for a in actions)
    overdue = json.loads(run(folder, "postmortems", "actions", "--overdue", "--json").output)
    assert overdue and all(a["overdue"] and a["due"] for a in overdue)
    hana = json.loads(run(folder, "postmortems", "actions", "--owner", "hana", "--json").output)
    assert hana and {a["owner"].lower() for a in hana} == {"hana"}


def test_themes_json_and_the_basics_table(folder: Path) -> None:
    imported(folder)
    themes: list[dict[str, Any]] = json.loads(run(folder, "postmortems", "themes", "--json").output)
    assert themes and set(themes[0]) >= {"name", "terms", "recurring", "postmortems"}
    assert set(themes[0]["postmortems"][0]) == {"id", "title", "path", "date"}
    pool = next(t for t in themes if "db connections" in t["terms"])
    assert pool["recurring"] and len(pool["postmortems"]) == 6
    since = json.loads(run(folder, "postmortems", "themes", "--since", "2026-01-01",
                           "--json").output)  # fmt: skip
    assert all(pm["date"] >= "2026-01-01" for t in since for pm in t["postmortems"])
    text = run(folder, "postmortems", "themes").output
    assert "RECURRING" in text and "recurred: " in text
    basics = json.loads(run(folder, "postmortems", "basics", "--json").output)
    counts = {b["basic"]: len(b["postmortems"]) for b in basics}
    assert counts["false-alarm"] >= 5 and counts["breakdown"] >= 4 and counts["missed-alert"] >= 4
    assert all(c["evidence"] for b in basics for c in b["postmortems"])


def test_durations_are_quantiles_never_a_mean(folder: Path) -> None:
    imported(folder)
    found = json.loads(run(folder, "postmortems", "durations", "--json").output)
    resolve = next(d for d in found if d["name"] == "resolve")
    assert resolve["n"] >= 30 and not resolve["small_sample"]
    assert resolve["median_s"] < resolve["p90_s"] <= resolve["max_s"]
    assert sum(resolve["histogram"]) == resolve["n"]
    assert "mean" not in json.dumps(found)


def test_an_empty_or_missing_folder_says_so(folder: Path) -> None:
    listed = run(folder, "postmortems", "themes")
    assert listed.exit_code == 0 and "No themes" in listed.output
    shutil.rmtree(folder / "postmortems", ignore_errors=True)
    listed_json = run(folder, "postmortems", "list", "--json")
    assert json.loads(listed_json.stdout) == []
    missing = f"No post-mortems: {folder / 'postmortems'} does not exist"
    assert " ".join(listed_json.stderr.split()).startswith(missing)
    for command in (["list"], ["actions", "--open"], ["lint"]):
        said = run(folder, "postmortems", *command)
        assert said.exit_code == 0 and said.stdout == "", command  # no empty table
        assert " ".join(said.stderr.split()).startswith(missing), command
    (folder / "postmortems").mkdir()
    empty = run(folder, "postmortems", "list")
    assert " ".join(empty.stderr.split()) == (
        f"No post-mortems in {folder / 'postmortems'} (`basics postmortems new INCIDENT` "
        "drafts one)."
    )


def test_importing_again_keeps_a_file_edited_since(folder: Path) -> None:
    """Importing again overwrote the user's edits. A file that is no longer as the import
    wrote it (the hash in its front matter), or that has no such hash and differs from what
    the import writes (Basics' own format is copied as it is), is kept and said; one as the
    import would write it is left alone; `overwrite` replaces the edits."""
    wiki = folder / "notion"
    wiki.mkdir()
    names = [
        "incident-io-INC-312.md",
        "notion-tls-cert-expired-api-gateway.md",
        "probe-flapping.md",
    ]
    for name in names:
        shutil.copy(CORPUS / name, wiki / name)
    first = run(folder, "postmortems", "import", str(wiki))
    assert "3 post-mortems imported, 0 skipped" in first.output
    out = folder / "postmortems"
    incident, tls, probe = (out / "incident-io-inc-312.md", out / names[1], out / names[2])
    as_imported = tls.read_bytes()
    record = re.search(rb"^imported_sha256: ([0-9a-f]{64})\n", as_imported, re.MULTILINE)
    assert record is not None
    rest = as_imported.replace(record.group(0), b"")
    assert hashlib.sha256(rest).hexdigest() == record.group(1).decode()
    assert rest.endswith((wiki / names[1]).read_bytes())  # the original below it

    edited = as_imported.replace(b"\ntitle: TLS cert expired on api-gateway\n",
                                 b"\ntitle: TLS certificate of api-gateway expired\n")  # fmt: skip
    tls.write_bytes(edited)
    probe.write_text(probe.read_text() + "\nEdited by hand.\n")
    os.utime(incident, ns=(10**18, 10**18))
    again = run(folder, "postmortems", "import", str(wiki))

    assert again.exit_code == 0, again.output
    for name, written in ((names[1], tls), (names[2], probe)):
        kept = f"kept: edited since import ({written}; --overwrite replaces it)"
        assert f"skipped {wiki / name}: {kept}" in again.output
    assert "1 post-mortem imported, 2 skipped" in again.output
    assert tls.read_bytes() == edited
    assert probe.read_text().endswith("Edited by hand.\n")
    assert incident.stat().st_mtime_ns == 10**18  # the same bytes again: not written
    listed = json.loads(run(folder, "postmortems", "list", "--json").output)
    assert sorted(row["title"] for row in listed) == [
        "INC-312: Search returning 500s",
        "Probe flapping: paged for nothing twice",
        "TLS certificate of api-gateway expired",
    ]

    replaced = run(folder, "postmortems", "import", str(wiki), "--overwrite")
    assert "3 post-mortems imported, 0 skipped" in replaced.output
    assert tls.read_bytes() == as_imported
    assert probe.read_bytes() == (wiki / names[2]).read_bytes()


def test_import_json_is_one_object_and_its_help_says_so(folder: Path) -> None:
    result = run(folder, "postmortems", "import", str(folder / "wiki"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report) == ["imported", "skipped"]
    assert (len(report["imported"]), report["skipped"][0][0].endswith("_template.md")) == (37, True)
    helped = run(folder, "postmortems", "import", "--help").output
    assert '{"imported": [one per file], "skipped": [[path, why], ...]}' in " ".join(helped.split())
    assert "One JSON object per file" not in helped
