"""The weekly review on a week built so that the right answer is known: one user burns most
of an SLO's budget, one alert pages at night, toil is logged; the ranking, each cost and its
formula are checked by hand, in every output format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.app import App
from basics.cli.main import cli
from basics.config.loader import parse_config
from basics.oncall.models import Page
from basics.review import compute

CONFIG = """
timezone: UTC
store: basics.duckdb
sources:
  events: {format: jsonl}
services:
  api:
    owner: ana
    slos:
      availability: {objective: 99, window: 30d, good: status < 500}
people:
  ana: {timezone: UTC}
review:
  weights: {failing_check: 0}
"""
W09, W10 = dt.datetime(2026, 2, 23), dt.datetime(2026, 3, 2)


def write_events(path: Path) -> None:
    """1,000 events a week in W09 and W10. W10 has 40 bad: 30 of user u1, 10 of others."""
    lines = []
    for week in (W09, W10):
        for i in range(1000):
            at = week + dt.timedelta(minutes=10 * i)
            user = "u1" if i % 10 == 0 else f"u{2 + i % 7}"
            bad = week == W10 and ((user == "u1" and i < 300) or (user != "u1" and i % 97 == 1))
            lines.append(json.dumps({"ts": at.isoformat() + "Z", "service": "api",
                                     "user": user, "status": 500 if bad else 200}))  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def page(n: int, alert: str, at: dt.datetime) -> Page:
    return Page(f"test:{n}", "test", str(n), f"k{n}", alert, "api", "high", at, None,
                at + dt.timedelta(minutes=10), "ana")  # fmt: skip


@pytest.fixture
def app(tmp_path: Path) -> App:
    (tmp_path / "basics.yaml").write_text(CONFIG)
    app = App(parse_config(CONFIG, tmp_path / "basics.yaml"))
    write_events(tmp_path / "events.jsonl")
    assert app.ingest_events("events", str(tmp_path / "events.jsonl")).rejected == 0
    night = [page(i, "<b>DiskFull</b>", W10 + dt.timedelta(days=i, hours=3)) for i in range(3)]
    day = [page(10 + i, "HighLatency", W10 + dt.timedelta(days=i, hours=14)) for i in range(2)]
    app.oncall.record_pages(night + day, "test", "pages")
    app.toil.log(300, "manual-release", "ana", dt.date(2026, 3, 4), "api", "release by hand")
    return app


def test_the_ranking_of_a_known_week(app: App) -> None:
    review = app.review.review("2026-W10", W10 + dt.timedelta(days=10))
    assert (review.week, review.start, review.end) == ("2026-W10", W10, W10 + dt.timedelta(7))
    bad = sum(1 for i in range(1000) if (i % 10 == 0 and i < 300) or (i % 10 and i % 97 == 1))
    (slo,) = review.changes.slos
    # budget: 1 % of the 2,000 events of the trailing 30 days = 20 bad events
    assert (slo.total, slo.bad) == (1000, bad)
    assert slo.budget_burned == pytest.approx(bad / 20)
    assert slo.previous_budget_burned == 0
    u1 = 30
    burned = 100 * bad / 20
    kinds = [(c.kind, round(c.cost_hours, 6)) for c in review.fix_next]
    assert kinds == [
        ("budget", round(burned * (u1 / bad) * 0.5, 6)),  # the user u1's share, 0.5 h per %
        ("night_pages", 3 * 2.0),  # three pages at 03:00, 2 h each
        ("toil", 5.0),  # 300 minutes of toil, an hour for an hour
        ("pages", 2 * 0.25),  # two daytime pages
    ]
    top = review.fix_next[0]
    assert top.title.endswith("of the bad events on user u1")
    assert top.evidence == (
        "basics slo breakdown api/availability --by user --from 2026-03-02T00:00Z "
        "--to 2026-03-09T00:00Z"
    )
    night = review.fix_next[1]
    assert night.formula == "3 night pages × 2 h + 0 day pages × 0.25 h = 6 h"
    assert review.fix_next[2].formula == "5 h × 1 h = 5 h"
    assert review.changes.pages == 5 and review.changes.night_pages == 3
    assert review.changes.toil_hours == pytest.approx(5.0 + 50 / 60)  # logged + paged time


def test_the_default_week_is_the_last_complete_one(app: App) -> None:
    assert app.review.week_range(None, W10 + dt.timedelta(days=3))[0] == "2026-W09"
    assert app.review.week_range(None, W10)[0] == "2026-W09"  # W10 has not begun to end
    assert app.review.week_range(None, W10 + dt.timedelta(days=7))[0] == "2026-W10"


def test_ranking_is_deterministic_and_drops_what_cost_nothing() -> None:
    from basics.config.review import ReviewWeights

    w = ReviewWeights()
    made = [compute.candidate("toil", "b", None, 2, "h", 1, "e"),
            compute.candidate("toil", "a", None, 2, "h", 1, "e"),
            compute.candidate("theme", "t", None, 1, "post-mortems", 2, "e"),
            compute.candidate("toil", "zero", None, 0, "h", w.toil_hour, "e")]  # fmt: skip
    # a tie: the kinds' order (toil before theme), then the title
    assert [c.title for c in compute.rank(made, 10)] == ["a", "b", "t"]
    assert [c.title for c in compute.rank(reversed(made), 2)] == ["a", "b"]


def test_a_bad_week_name_is_one_clear_error(app: App) -> None:
    from basics.core.errors import InputError

    with pytest.raises(InputError, match="ISO week"):
        app.review.review("2026-09", W10)


def test_every_format(app: App, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--config", str(tmp_path / "basics.yaml"), "review", "--week", "2026-W10"]
    text = runner.invoke(cli, base)
    assert text.exit_code == 0, text.output
    assert "What to fix next" in text.output and "user u1" in text.output
    md = runner.invoke(cli, [*base, "--format", "md"]).output
    assert md.startswith("# Weekly review, 2026-W10")
    assert "| 2 | alert &lt;b&gt;DiskFull&lt;/b&gt;: 3 pages, 3 at night | 6.0 |" in md  # escaped
    record = json.loads(runner.invoke(cli, [*base, "--format", "json"]).output)
    assert [c["kind"] for c in record["fix_next"]] == ["budget", "night_pages", "toil", "pages"]
    assert record["weights"]["night_page"] == 2.0
    out = tmp_path / "review.html"
    done = runner.invoke(cli, [*base, "--format", "html", "--out", str(out)])
    assert done.exit_code == 0, done.output
    page_text = out.read_text()
    assert "&lt;b&gt;DiskFull&lt;/b&gt;" in page_text and "<b>DiskFull" not in page_text
    assert "http://" not in page_text and "https://" not in page_text  # nothing fetched
    assert "<script" not in page_text and page_text.count("<svg") >= 4


def test_days_are_local_east_of_utc(tmp_path: Path) -> None:
    """In Berlin, W10 begins on Sunday 23:00 UTC: a post-mortem of that Sunday is W09's."""
    config = CONFIG.replace("timezone: UTC", "timezone: Europe/Berlin")
    (tmp_path / "basics.yaml").write_text(config)
    folder = tmp_path / "postmortems"
    folder.mkdir()
    for name, day in (("sunday", "2026-03-01"), ("monday", "2026-03-02")):
        (folder / f"{name}.md").write_text(
            f"---\nid: PM-{name}\ntitle: {name}\nservices: [api]\nstarted: {day}T12:00:00Z\n"
            f"resolved: {day}T13:00:00Z\n---\n# {name}\n"
        )
    app = App(parse_config(config, tmp_path / "basics.yaml"))
    review = app.review.review("2026-W10", W10 + dt.timedelta(days=10))
    assert review.start == dt.datetime(2026, 3, 1, 23)  # Monday 00:00 in Berlin, in UTC
    assert (review.first_day, review.last_day) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert review.changes.new_postmortems == ["PM-monday: monday"]


def test_a_failing_scorecard_is_a_candidate_at_its_weight(app: App, tmp_path: Path) -> None:
    config = CONFIG.replace("weights: {failing_check: 0}", "weights: {failing_check: 1.5}")
    (tmp_path / "other").mkdir()
    other = App(parse_config(config, tmp_path / "basics.yaml"), app.store)
    review = other.review.review("2026-W10", W10 + dt.timedelta(days=10))
    (card,) = [c for c in review.fix_next if c.kind == "scorecard"]
    failed = int(card.measured)
    assert card.title.startswith(f"api fails {failed} check(s): ")
    assert card.cost_hours == failed * 1.5 and failed > 0
    assert card.evidence == "basics check --service api"
