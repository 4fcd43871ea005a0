"""The post-mortem reader and themes against a fixture corpus with a human reader's answers
(tests/data/postmortems/expected.yaml): 37 post-mortems in four template styles, six known
themes told in different words, one-offs, a template, and two recurrences.

The floors below are the measured figures, so a change that reads worse fails; the themes
must beat a plain TF-IDF clustering of titles and contributing factors (the baseline the
issue names) at its own best threshold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from basics.postmortems import compute
from basics.postmortems.models import PostMortem
from basics.postmortems.parse import is_template, parse
from basics.postmortems.themes import baseline_groups, find_themes, pairwise_scores

ROOT = Path(__file__).parent.parent / "data" / "postmortems"
EXPECTED: dict[str, Any] = yaml.safe_load((ROOT / "expected.yaml").read_text())
MOMENTS = ("started", "detected", "mitigated", "resolved")


@pytest.fixture(scope="module")
def corpus() -> dict[str, PostMortem]:
    found = {}
    for entry in EXPECTED["postmortems"]:
        path = ROOT / entry["file"]
        found[entry["file"]] = parse(path.read_bytes().decode("utf-8-sig"), str(path), "UTC")
    return found


def iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def test_basics_own_format_is_read_exactly(corpus: dict[str, PostMortem]) -> None:
    for entry in EXPECTED["postmortems"]:
        if entry["style"] != "basics":
            continue
        pm = corpus[entry["file"]]
        assert pm.title == entry["title"], entry["file"]
        assert [iso(getattr(pm, m)) for m in MOMENTS] == [entry[m] for m in MOMENTS], entry["file"]
        assert pm.detection == entry["detection"], entry["file"]
        assert len(pm.action_items) == entry["action_items"]["count"], entry["file"]


def test_every_template_style_is_read_to_the_measured_accuracy(
    corpus: dict[str, PostMortem],
) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for entry in EXPECTED["postmortems"]:
        pm = corpus[entry["file"]]
        checks = {
            "title": pm.title == entry["title"],
            "detection": pm.detection == entry["detection"],
            "action items": len(pm.action_items) == entry["action_items"]["count"],
            "done": sum(i.status == "done" for i in pm.action_items)
            == entry["action_items"]["done"],
        } | {m: iso(getattr(pm, m)) == entry[m] for m in MOMENTS}
        for name, ok in checks.items():
            total[name] += 1
            right[name] += ok
    share = {name: right[name] / total[name] for name in total}
    # Measured on this corpus: 280 of 296 fields (94.6 %); times are read from labelled
    # lines, stats and timelines, and a few are a reader's judgement the text leaves open.
    # Detection reads "No alert fired" as no alert and "Jonas noticed" first (36 of 37).
    assert share["title"] >= 36 / 37 and share["action items"] == 1 and share["done"] == 1
    assert share["detection"] >= 36 / 37
    assert sum(right[m] for m in MOMENTS) / sum(total[m] for m in MOMENTS) >= 0.85
    assert sum(right.values()) >= 280


def test_templates_are_skipped_and_post_mortems_are_not() -> None:
    for entry in EXPECTED["skipped"]:
        path = ROOT / entry["file"]
        assert is_template(path.read_text(encoding="utf-8"), str(path))
    for entry in EXPECTED["postmortems"]:
        path = ROOT / entry["file"]
        assert not is_template(path.read_bytes().decode("utf-8-sig"), str(path)), entry["file"]


LINT_WORDS = {
    "resolved before started": ("resolved", "is before started"),
    "no started time": ("started", "no started time"),
    "no detection time": ("detected", "no detected time"),
    "no resolved time": ("resolved", "no resolved time"),
    "detection unknown": ("detection", "is unknown"),
    "no action items": ("action_items", "no action items"),
    "action item without owner": ("action_items", "has no owner"),
    "action item without due date": ("action_items", "has no due date"),
}


def test_lint_finds_what_the_reader_found(corpus: dict[str, PostMortem]) -> None:
    expected = found = hit = 0
    for entry in EXPECTED["postmortems"]:
        findings = compute.lint(corpus[entry["file"]])
        for problem in entry["lint"]:
            field, words = LINT_WORDS[problem]
            expected += 1
            hit += any(f.field == field and words in f.problem for f in findings)
        found += len(findings)
    assert hit / expected >= 0.85, (hit, expected)
    pm = corpus["PM-2026-007-redis-evictions-carts.md"]
    assert any("resolved" in f.problem and "before started" in f.problem
               for f in compute.lint(pm))  # fmt: skip


def scores(got: list[set[str]]) -> tuple[float, float, float]:
    return pairwise_scores(got, [set(t["files"]) for t in EXPECTED["themes"].values()])


def test_themes_find_the_known_causes_with_their_citations(
    corpus: dict[str, PostMortem],
) -> None:
    themes = find_themes(list(corpus.values()))
    got = [{Path(pm.path).name for pm in t.postmortems} for t in themes]
    precision, recall, _f1 = scores(got)
    # Measured: every pair of post-mortems of a known theme is in a theme (recall 1.0),
    # 83 % of the pairs a theme makes are of a known theme (two one-off pairs share a
    # real cause the manifest does not name: a Terraform change, staging and production).
    assert recall == 1.0 and precision >= 0.8, (precision, recall)
    for key in ("T1", "T2", "T3", "T6"):  # each found whole in one theme
        files = set(EXPECTED["themes"][key]["files"])
        assert files <= max(got, key=lambda g: len(g & files)), key


def test_themes_beat_plain_tfidf_of_titles_and_factors(corpus: dict[str, PostMortem]) -> None:
    pms = list(corpus.values())
    ours = scores([{Path(pm.path).name for pm in t.postmortems} for t in find_themes(pms)])
    best = max(
        scores([{Path(pms[i].path).name for i in g} for g in baseline_groups(pms, threshold)])[2]
        for threshold in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
    )
    # Measured (bench_postmortems.py prints both): ours F1 0.91; the baseline's best 0.48.
    assert ours[2] >= best + 0.2, (ours, best)


def test_the_fix_that_did_not_fix_is_flagged(corpus: dict[str, PostMortem]) -> None:
    themes = find_themes(list(corpus.values()))

    def theme_of(key: str) -> Any:
        files = set(EXPECTED["themes"][key]["files"])
        return max(themes, key=lambda t: len({Path(pm.path).name for pm in t.postmortems} & files))

    pool = theme_of("T1")
    assert pool.recurring
    flagged = {(Path(corpus_path(corpus, r.closed_in)).name, Path(corpus_path(corpus,
               r.recurred_in)).name) for r in pool.recurrences}  # fmt: skip
    expected = {(r["closed_in"], later) for r in EXPECTED["recurrences"] for later in r["later"]}
    assert flagged == expected
    for key in ("T2", "T6"):  # closed items with nothing of the theme after them
        assert not theme_of(key).recurring, key


def corpus_path(corpus: dict[str, PostMortem], pm_id: str) -> str:
    return next(pm.path for pm in corpus.values() if pm.id == pm_id)


def test_boilerplate_alone_never_makes_a_theme() -> None:
    """Eight post-mortems of unrelated causes, each ending with the same stack and links
    block and the same template words: no theme."""
    causes = ["a DNS record pointed at an old load balancer",
              "a feature flag enabled in production instead of staging",
              "an S3 lifecycle rule deleted merchant exports",
              "a cron job skipped on the daylight saving change",
              "a schema migration locked the orders table",
              "a JVM heap too small after an upgrade",
              "a typo in a currency conversion multiplied yen by 100",
              "an expired API key of a shipping partner"]  # fmt: skip
    block = (
        "Links: PagerDuty incident, Grafana dashboard, #incidents. prod-euw1: Kubernetes on "
        "AWS eu-west-1, Postgres, Redis, Kafka, nginx; on-call notes and deploy/rollback log "
        "in the ticket; customers informed, errors and latency graphs attached."
    )
    pms = [
        parse(
            f"# Incident {n}\n\n## Summary\n\nCustomers saw errors because {cause}.\n\n"
            f"## Root cause\n\n{cause.capitalize()}.\n\n## What went wrong\n\nThe on-call "
            f"engineer was paged; we deployed a fix and rolled back.\n\n{block}\n",
            f"pm-{n}.md",
        )
        for n, cause in enumerate(causes)
    ]
    assert find_themes(pms) == []


def test_the_concept_hints_never_change_what_is_found() -> None:
    """A concept's pattern runs only over texts with one of its hints (for speed): on the
    corpus and the demo, that finds exactly what running every pattern finds."""
    from basics.demo.postmortems import POSTMORTEMS
    from basics.postmortems.text import _CONCEPT_PATTERNS, features, without_addresses

    texts = [p.read_bytes().decode("utf-8-sig") for p in ROOT.iterdir()]
    texts += list(POSTMORTEMS.values())
    for text in texts:
        lower = without_addresses(text).lower()  # an address names no concept
        every = sorted(f"concept:{name}" for name, pattern in _CONCEPT_PATTERNS.items()
                       for _ in pattern.finditer(lower))  # fmt: skip
        assert sorted(t for t in features(text) if t.startswith("concept:")) == every
