"""Post-mortems at scale: import and theme 5,000 generated post-mortems (target ≤ 10 s), and a
draft from the data for an incident on the 50M-event store (target ≤ 2 s).

.venv/bin/python benchmarks/bench_postmortems.py [--count 5000] [--runs 3] [--store DIR]

The 5,000 documents are variants of the fixture corpus (tests/data/postmortems: four
template styles, six recurring causes, one-offs): each copy gets another date, other
services, other people and reordered sentences, so the reader and the themes meet the same
shapes in quantity. Three timings, in-process after the imports (median of `--runs`):

a. `postmortems import DIR` into a fresh folder and store (read, parse, write each file with
   front matter, cache the parses, record the incidents);
b. `postmortems themes` over the imported folder (read from the cache, vectorise, cluster);
c. the baseline the issue names for themes: plain TF-IDF of titles and contributing factors
   clustered the same way (cheaper, and worse: see tests/postmortems/test_corpus.py).

Import and themes read the documents on both cores (a helper process takes part of the
batch: src/basics/postmortems/halves.py); `--profile` profiles one process, helper off.

With `--store DIR` (a folder with basics.yaml and a store, e.g. the 50M store bench_serve.py
builds), `postmortems new` is timed for an incident recorded for the run and removed after.
Writes benchmarks/results/postmortems.json and prints a table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import busy_cpu_s, machine

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "tests" / "data" / "postmortems"
RESULTS = HERE / "results"
TARGET_THEMES_S = 10.0
TARGET_DRAFT_S = 2.0
SERVICES = ["www", "api", "checkout", "payments", "search", "notifications", "ledger", "auth"]
PEOPLE = ["amara", "li", "hana", "jonas", "dana", "kofi", "marta", "sven", "chen", "noor"]
CONFIG = "timezone: UTC\n"


def generate(count: int, folder: Path, seed: int = 11) -> int:
    """Write `count` variants of the corpus into `folder`; the bytes written."""
    rng = random.Random(seed)
    seeds = [p for p in sorted(CORPUS.iterdir()) if p.name not in ("expected.yaml", "_template.md")]
    texts = [p.read_bytes().decode("utf-8-sig") for p in seeds]
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for n in range(count):
        text = texts[n % len(texts)]
        shift = dt.timedelta(days=rng.randint(-700, 0))

        def moved(match: re.Match[str], shift: dt.timedelta = shift) -> str:
            try:
                day = dt.date.fromisoformat(match.group(0)) + shift
            except ValueError:
                return match.group(0)
            return day.isoformat()

        variant = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", moved, text)
        for old in PEOPLE[:5]:
            variant = re.sub(rf"\b{old}\b", rng.choice(PEOPLE), variant)
        variant = re.sub(r"\bcheckout\b", rng.choice(SERVICES), variant)
        paragraphs = variant.split("\n\n")
        body = paragraphs[2:]
        rng.shuffle(body)  # the same words, told in another order
        variant = "\n\n".join(paragraphs[:2] + body)
        variant = variant.replace("id: PM-", f"id: PM{n:05d}-", 1)
        path = folder / f"pm-{n:05d}.md"
        path.write_text(variant, encoding="utf-8")
        written += len(variant)
    return written


def time_import_and_themes(count: int, runs: int) -> dict[str, Any]:
    from basics.app import App
    from basics.config.loader import load_config
    from basics.postmortems.importer import import_folder

    work = Path(tempfile.mkdtemp(prefix="bench-pm-"))
    try:
        source = work / "wiki"
        size = generate(count, source)
        imports, themes, found = [], [], 0
        for _ in range(runs):
            # Each run's folder is removed at the end, not before the next run: an ext4
            # without a journal (this VM's) skips inodes freed in the last minutes one by
            # one when it creates a file, and made the next run pay for this one's removal.
            company = work / f"company-{len(imports)}"
            company.mkdir()
            (company / "basics.yaml").write_text(CONFIG)
            app = App(load_config(company / "basics.yaml"))
            try:
                started = time.perf_counter()
                report = import_folder(app.postmortems, source, in_place=False)
                imports.append(time.perf_counter() - started)
                started = time.perf_counter()
                found = len(app.postmortems.themes())
                themes.append(time.perf_counter() - started)
            finally:
                app.close()
        baseline = time_baseline(source, runs)
        return {
            "count": count,
            "bytes": size,
            "imported": len(report.imported),
            "themes": found,
            "import_s": statistics.median(imports),
            "themes_s": statistics.median(themes),
            "import_and_themes_s": statistics.median(imports) + statistics.median(themes),
            "baseline_s": baseline,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def time_baseline(source: Path, runs: int) -> float:
    """Plain TF-IDF of titles and contributing factors, the same clustering (parse not
    counted: the baseline gets its documents parsed)."""
    from basics.postmortems.parse import parse
    from basics.postmortems.themes import THRESHOLD, baseline_groups

    pms = [parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(source.iterdir())]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        baseline_groups(pms, THRESHOLD)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def quality() -> dict[str, Any]:
    """The themes against the fixture corpus's human-found themes, beside the baseline at
    its best threshold: pairwise precision, recall, F1 (as tests/postmortems asserts)."""
    import yaml

    from basics.postmortems.parse import parse
    from basics.postmortems.themes import baseline_groups, find_themes, pairwise_scores

    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text())
    paths = [CORPUS / e["file"] for e in expected["postmortems"]]
    pms = [parse(p.read_bytes().decode("utf-8-sig"), str(p)) for p in paths]
    truth = [set(t["files"]) for t in expected["themes"].values()]
    ours = pairwise_scores([{Path(pm.path).name for pm in t.postmortems}
                            for t in find_themes(pms)], truth)  # fmt: skip
    baseline = max(
        (pairwise_scores([{paths[i].name for i in g} for g in baseline_groups(pms, thr)], truth)
         for thr in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)),
        key=lambda scores: scores[2],
    )  # fmt: skip
    return {"ours": ours, "baseline_best": baseline, "postmortems": len(pms)}


def profile(count: int) -> dict[str, Any]:
    """Where one import of `count` generated post-mortems, and `themes` of them, spend
    their time: each stage's share (cProfile, cumulative), one process only (the helper
    process that does half of the reading in the timed runs is off), and the profiles'
    text in results/postmortems-profile.txt."""
    import cProfile

    from bench_common import profile_summary

    from basics.app import App
    from basics.config.loader import load_config
    from basics.postmortems import halves
    from basics.postmortems.importer import import_folder
    from basics.postmortems.themes import find_themes

    work = Path(tempfile.mkdtemp(prefix="bench-pm-profile-"))
    minimum, halves.MINIMUM = halves.MINIMUM, 10**9
    try:
        generate(count, work / "wiki")
        (work / "basics.yaml").write_text(CONFIG)
        app = App(load_config(work / "basics.yaml"))
        importing, theming = cProfile.Profile(), cProfile.Profile()
        try:
            importing.runcall(import_folder, app.postmortems, work / "wiki", False)
            pms = app.postmortems.library().postmortems
            theming.runcall(find_themes, pms)
        finally:
            app.close()
    finally:
        halves.MINIMUM = minimum
        shutil.rmtree(work, ignore_errors=True)
    texts = [profile_summary(importing, 25)["text"], profile_summary(theming, 25)["text"]]
    (RESULTS / "postmortems-profile.txt").write_text("\n\n".join(texts))
    return {
        "import": _shares(importing, "import_folder", IMPORT_STAGES),
        "themes": _shares(theming, "find_themes", THEME_STAGES),
    }


IMPORT_STAGES = ("parse", "is_template", "document", "library", "_cache_rows", "_files")
THEME_STAGES = ("counts_of", "vectors", "clusters", "_second_memberships", "surface_forms",
                "_theme")  # fmt: skip


def _shares(profiler: Any, total: str, stages: tuple[str, ...]) -> dict[str, Any]:
    """The profile's total (the cumulative time of `total`) and each stage's share of it
    (a stage is every function of the post-mortems package of that name)."""
    import pstats

    cumulative: dict[str, float] = {}
    for (file, _, function), (_, _, _, seconds, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if "postmortems" in file:
            cumulative[function] = cumulative.get(function, 0.0) + seconds
    whole = cumulative.get(total, 0.0) or 1.0
    return {"total_s": whole, "shares": {s: cumulative.get(s, 0.0) / whole for s in stages}}


def time_draft(store_dir: Path, runs: int) -> dict[str, Any]:
    from basics.alerting.incidents import add_incident, remove_incident
    from basics.app import App
    from basics.config.loader import load_config
    from basics.postmortems.draft import write

    app = App(load_config(store_dir / "basics.yaml"))
    try:
        latest = app.slo.require_latest().end
        service = next(iter(app.config.services))
        incident = add_incident(app.store, [service], latest - dt.timedelta(hours=3),
                                latest - dt.timedelta(hours=2), "bench incident",
                                source="bench", source_key="bench-postmortems")  # fmt: skip
        events = app.store.scalar("SELECT count(*) FROM events")
        times = []
        out = Path(tempfile.mkdtemp(prefix="bench-draft-"))
        try:
            for n in range(runs):
                started = time.perf_counter()
                write(app, incident.id, out / str(n))
                times.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(out, ignore_errors=True)
            remove_incident(app.store, incident.id)
        return {"events": int(events), "draft_s": statistics.median(times), "runs": times}
    finally:
        app.close()


def _own_cpu_s() -> float:
    """CPU seconds this process (and its threads) used."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", type=Path, help="A folder with basics.yaml and a store.")
    parser.add_argument("--profile", action="store_true", help="Where the time goes.")
    args = parser.parse_args(argv)
    busy_before, own_before = busy_cpu_s(), _own_cpu_s()
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(("duckdb", "numpy"))}
    result["themes"] = time_import_and_themes(args.count, args.runs)
    result["quality"] = quality()
    if args.store is not None:
        result["draft"] = time_draft(args.store, args.runs)
    RESULTS.mkdir(exist_ok=True)
    if args.profile:
        result["profile"] = profile(args.count)
    wall = time.perf_counter() - started
    others = (busy_cpu_s() - busy_before) - (_own_cpu_s() - own_before)
    result["others_busy_share"] = max(0.0, others) / wall / 2
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "postmortems.json").write_text(json.dumps(result, indent=2, default=str))
    t = result["themes"]
    print(f"| import {t['count']:,} post-mortems | {t['import_s']:.2f} s |")
    print(f"| themes of them ({t['themes']} themes) | {t['themes_s']:.2f} s |")
    verdict = "met" if t["import_and_themes_s"] <= TARGET_THEMES_S else "missed"
    print(f"| import + themes | {t['import_and_themes_s']:.2f} s (target ≤ "
          f"{TARGET_THEMES_S:g} s: {verdict}) |")  # fmt: skip
    print(f"| baseline: plain TF-IDF of titles and factors, same clustering | "
          f"{t['baseline_s']:.2f} s ({t['themes_s'] / t['baseline_s']:.1f}x) |")  # fmt: skip
    if "draft" in result:
        d = result["draft"]
        verdict = "met" if d["draft_s"] <= TARGET_DRAFT_S else "missed"
        print(f"| postmortems new on {d['events']:,} events | {d['draft_s']:.2f} s (target ≤ "
              f"{TARGET_DRAFT_S:g} s: {verdict}) |")  # fmt: skip
    q = result["quality"]
    print(f"| themes on the fixture corpus ({q['postmortems']}): precision / recall / F1 | "
          f"{q['ours'][0]:.2f} / {q['ours'][1]:.2f} / {q['ours'][2]:.2f}; baseline at its best "
          f"{q['baseline_best'][0]:.2f} / {q['baseline_best'][1]:.2f} / "
          f"{q['baseline_best'][2]:.2f} |")  # fmt: skip
    for phase, found in result.get("profile", {}).items():
        shares = ", ".join(f"{k} {v:.0%}" for k, v in found["shares"].items())
        print(f"{phase} under cProfile, one process ({found['total_s']:.1f} s): {shares}")
    print(f"others used {result['others_busy_share']:.0%} of the CPUs during the run")


if __name__ == "__main__":
    main(sys.argv[1:])
