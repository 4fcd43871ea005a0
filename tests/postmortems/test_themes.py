"""The themes' faster steps against the plain ones they replaced: the same term counts,
the same TF-IDF matrix to the bit, the same clusters, the same readers' words, the same
concept matches (the fixture corpus's themes and scores are in test_corpus.py)."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from basics.postmortems import text, themes
from basics.postmortems.models import PostMortem
from basics.postmortems.parse import parse
from basics.postmortems.phrasing import literal_first

ROOT = Path(__file__).parent.parent / "data" / "postmortems"


@pytest.fixture(scope="module")
def corpus() -> list[PostMortem]:
    paths = sorted(p for p in ROOT.iterdir() if p.name not in ("expected.yaml", "_template.md"))
    return [parse(p.read_bytes().decode("utf-8-sig"), str(p)) for p in paths]


def plain_term_counts(pm: PostMortem) -> Counter[str]:
    counts: Counter[str] = Counter()
    for part, weight in themes.parts(pm):
        for term, n in Counter(text.features(part)).items():
            counts[term] += n * weight
    return counts


def plain_vectors(counts: list[Counter[str]]) -> tuple[NDArray[np.float32], list[str]]:
    """The matrix as it was built, cell by cell in Python."""
    n = len(counts)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    ceiling = max(3, int(themes.MAX_SHARE * n))
    kept = [t for t, d in df.items() if 2 <= d <= ceiling]
    idf = {t: math.log((1 + n) / (1 + df[t])) + 1 for t in kept}
    kept.sort(key=lambda t: (-df[t] * idf[t], t))
    terms = sorted(kept[: themes.MAX_TERMS])
    column = {t: i for i, t in enumerate(terms)}
    matrix = np.zeros((n, len(terms)), dtype=np.float32)
    for row, c in enumerate(counts):
        for term, count in c.items():
            if term in column:
                weight = themes.CONCEPT_WEIGHT if term.startswith("concept:") else 1.0
                matrix[row, column[term]] = (1 + math.log(count)) * idf[term] * weight
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix, terms


def plain_clusters(matrix: NDArray[np.float32], threshold: float) -> list[list[int]]:
    """Average linkage as it was: one merge at a time over the full matrix."""
    n = matrix.shape[0]
    sim = matrix @ matrix.T
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n, dtype=np.int64)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    best = np.argmax(sim, axis=1)
    best_sim = sim[np.arange(n), best]
    alive = np.ones(n, dtype=bool)
    while True:
        a = int(np.argmax(best_sim))
        if best_sim[a] < threshold:
            break
        b = int(best[a])
        a, b = min(a, b), max(a, b)
        merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b], sim[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        alive[b] = False
        members[a] += members.pop(b)
        stale = alive & ((best == a) | (best == b))
        stale[a] = True
        for i in np.flatnonzero(stale):
            best[i] = int(np.argmax(sim[i]))
            best_sim[i] = sim[i, best[i]]
        closer = alive & (sim[:, a] > best_sim)
        best[closer] = a
        best_sim[closer] = sim[closer, a]
        best_sim[b] = -np.inf
    return [sorted(group) for group in members.values()]


def test_term_counts_and_the_matrix_are_the_same_to_the_bit(corpus: list[PostMortem]) -> None:
    counts = [themes.term_counts(pm) for pm in corpus]
    assert counts == [plain_term_counts(pm) for pm in corpus]
    assert themes.counts_of([themes.parts(pm) for pm in corpus]) == counts
    matrix, terms = themes.vectors(counts)
    expected, expected_terms = plain_vectors(counts)
    assert terms == expected_terms
    assert np.array_equal(matrix, expected)


@pytest.mark.parametrize("seed", range(6))
def test_clusters_with_compaction_merge_as_the_full_matrix_did(seed: int) -> None:
    # Random sparse documents in a few topics, with exact duplicates (ties) among them.
    rng = np.random.default_rng(seed)
    topics = rng.random((6, 40)) * (rng.random((6, 40)) < 0.2)
    rows = topics[rng.integers(0, 6, 300)] + rng.random((300, 40)) * (rng.random((300, 40)) < 0.1)
    rows[::17] = rows[1::17][: len(rows[::17])]
    matrix = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    for threshold in (0.1, 0.18, 0.4):
        assert themes.clusters(matrix.copy(), threshold) == plain_clusters(matrix, threshold)


def test_clusters_of_the_corpus_are_the_same(corpus: list[PostMortem]) -> None:
    matrix, _ = themes.vectors([themes.term_counts(pm) for pm in corpus])
    assert themes.clusters(matrix, themes.THRESHOLD) == plain_clusters(matrix, themes.THRESHOLD)


def test_surface_forms_count_each_part_by_its_weight(corpus: list[PostMortem]) -> None:
    def plain(documents: list[str]) -> dict[str, str]:
        seen: dict[str, dict[str, int]] = {}
        for document in documents:
            for word in text._WORD.findall(document.lower().replace("’", "'")):
                if word not in text.STOP and len(word) > 2:
                    forms = seen.setdefault(text.stem(word), {})
                    forms[word] = forms.get(word, 0) + 1
        return {s: min(f, key=lambda w: (-f[w], len(w), w)) for s, f in seen.items()}

    documents = ["\n".join("\n".join([t] * w) for t, w in themes.parts(pm)) for pm in corpus]
    weighted = [part for pm in corpus for part in themes.parts(pm)]
    assert text.surface_forms(weighted) == plain(documents)


TRICKY = """
The kafka consumer lag grew; lagging partitions, a flag lagged, collagen. kafkaesque lag.
TLS, mTLS, ssl-terminated, a dns-01 challenge, nxdomain, oom, boom, zoom; dst and mdst.
It wasn't clear where; it was not obvious which; not clear what. Couldn't tell where. Took
ages to find the cause. Hard to see which service. Lack of visibility, lacked metrics.
Tired on-call, burnt out engineer, burned out responder, second page that night. Third
incident in a row. By hand, manually, manual, toil, toiling. Reported by a customer; found
by support; spotted by the merchant. Broke the errors down by merchant, breaking down by.
Customers reported it; no customers reported it; not a customer complained; users started
reporting; superusers reported; before any user reported; a support ticket; any support
ticket; complaints from merchants; no complaints from merchants; customer emails.
""".strip()


def test_each_concept_matches_what_its_phrasings_match() -> None:
    """The phrasings rewritten to start with a letter (`literal_first`) count what the
    patterns as written count, on text made to trip them."""
    texts = [TRICKY, *TRICKY.split("\n"), *re.split(r"[.;]", TRICKY)]
    texts += [piece.replace(" ", "") for piece in texts[:3]]
    for sample in texts:
        lower = sample.lower()
        for name, pattern in text._CONCEPT_PATTERNS.items():
            slow = [m.span() for m in pattern.finditer(lower)]
            fast = [m.span() for m in text._LOWER_PATTERNS[name].finditer(lower)]
            assert fast == slow, (name, sample)


def test_literal_first_distributes_only_what_it_may() -> None:
    assert literal_first(r"\blag\b") == [r"l(?<=\bl)ag\b"]
    assert literal_first(r"(?:a|b c)d") == ["ad", "b cd"]
    assert literal_first(r"(?:a|\bb)d") == ["ad", r"b(?<=\bb)d"]
    assert literal_first(r"(?:a|b)?d") == [r"(?:a|b)?d"]  # a quantified group stays
    assert literal_first(r"\bx?y") == [r"\bx?y"]  # so does a quantified letter
    assert literal_first(r"(?:[(|]|b)c") == ["[(|]c", "bc"]
    # A word boundary before a group goes to each choice; a denial moves behind the word.
    assert literal_first(r"\b(?:ab|c)d") == [r"a(?<=\ba)bd", r"c(?<=\bc)d"]
    assert literal_first(r"(?<!\bno )\busers? said") == [r"u(?<=\bu)ser(?<!\bno user)s? said"]
    assert literal_first(r"(?<!no )(?:\w|b)c") == [r"(?<!no )(?:\w|b)c"]  # no letter: kept
