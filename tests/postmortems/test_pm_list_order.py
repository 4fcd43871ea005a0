"""`basics postmortems list` runs oldest first by date: the day each started (in basics.yaml's
zone), else the document's date (its front matter's `date:`, a `Date:` line, the date its
file is named with); one with neither a start nor a date comes last. Over a real folder."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from basics.cli.main import cli

CONFIG = """\
timezone: Europe/Berlin
store: basics.duckdb
services:
  search:
    slos:
      availability: {objective: 99.9, good: status < 500}
"""
FILES = {
    # Started March 2 (Berlin): listed by its start.
    "pm-checkout.md": "---\nid: PM-3\nstarted: 2026-03-02T09:00:00Z\n---\n# Checkout 502s\n",
    # No start; its front matter's date.
    "pm-webhooks.md": "---\nid: PM-2\ndate: 2026-02-10\n---\n# Webhooks delayed\n",
    # No start, no date in the text: the date its file is named with.
    "2026-01-20-search-slow.md": "# Search slow again\n\nThe HPA did not scale.\n",
    # Neither a start nor a date: last.
    "notes-redis.md": "# Redis evictions\n\nCarts were emptied.\n",
    # Started January 5, late in the evening UTC: January 6 in Berlin.
    "pm-dns.md": "---\nid: PM-1\nstarted: 2026-01-05T23:30:00Z\n---\n# DNS record\n",
    # Started March 2 too, later that day: after PM-3; then the one of that day with no
    # start (a `Date:` line), after those that started.
    "pm-payouts.md": "---\nid: PM-4\nstarted: 2026-03-02T15:00:00Z\n---\n# Payouts\n",
    "pm-refunds.md": "# Refund errors\n\nDate: 2026-03-02\n\n## Summary\nOne merchant.\n",
}


def test_a_post_mortem_without_a_start_is_listed_by_its_date(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    (tmp_path / "postmortems").mkdir()
    for name, text in FILES.items():
        (tmp_path / "postmortems" / name).write_text(text)
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "basics.yaml"), "postmortems", "list", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["date"]) for r in json.loads(result.output)] == [
        ("PM-1", "2026-01-06"),
        ("2026-01-20-search-slow", "2026-01-20"),
        ("PM-2", "2026-02-10"),
        ("PM-3", "2026-03-02"),
        ("PM-4", "2026-03-02"),
        ("pm-refunds", "2026-03-02"),
        ("notes-redis", None),
    ]
