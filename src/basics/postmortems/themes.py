"""Themes: groups of post-mortems that share a cause, each named by the terms that tie it.

How (deterministic, offline, explainable):

1. Each post-mortem is the words of its title (twice), tags (three times), summary, impact,
   trigger, root cause, contributing factors, detection, what went wrong, lessons and action
   items: stems, pairs of stems and the failure *concepts* its phrasings name
   (`text.CONCEPTS`: "too many connections" and "pool exhausted" are one concept), so
   post-mortems told in different words still meet.
2. TF-IDF with sublinear term counts. A term in fewer than two post-mortems ties nothing; a
   term in more than `MAX_SHARE` of them (the company's stack, the template's words) is
   boilerplate and dropped, so it never ties post-mortems together (with fewer than ten
   post-mortems, a term in up to three is kept).
3. Two post-mortems are alike only when they share `MIN_SHARED` such words, or a concept:
   one shared word ("rotation": of logs in one, of a key in the other) or the name of a
   service ("search") makes no likeness, however rare it is.
4. Average-linkage clustering on cosine similarity, merging while the two closest groups
   are at least `THRESHOLD` alike. A post-mortem also joins a second theme when it is as
   alike to that theme's members (two causes in one incident).
5. A theme is two or more post-mortems; it is named by the terms most shared by its
   members and least found outside, and lists every term present in two of them or more.
   It is `recurring` when one of its post-mortems started after one of its action items
   was closed: the fix that did not fix.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from basics.postmortems.halves import in_halves
from basics.postmortems.models import ActionItem, PostMortem
from basics.postmortems.text import features, surface_forms, tokens

THRESHOLD = 0.18
"""Least average cosine similarity at which two groups of post-mortems are one theme."""
MAX_SHARE = 0.3
"""Terms in more than this share of post-mortems are boilerplate (at least 3 documents)."""
MIN_SHARED = 2
"""Least words two post-mortems share (a shared concept counts as this many) to be alike at
all: the words kept (neither boilerplate nor in one post-mortem only), each word once, no
service's name."""
JOIN_FACTOR = 1.25
"""A post-mortem joins a second theme when its mean similarity to the members is this many
times the merge threshold."""
CONCEPT_WEIGHT = 3.0
"""How much more a shared failure concept counts than a shared word: it stands for the
different words post-mortems tell one cause in."""
MAX_TERMS = 6000
"""The most telling terms kept (by document frequency × IDF), bounding memory."""
SECTION_WEIGHTS = {
    "summary": 1, "impact": 1, "trigger": 1, "root_cause": 2, "contributing_factors": 2,
    "detection": 1, "what_went_wrong": 1, "lessons": 1,
}  # fmt: skip


@dataclass(frozen=True)
class Recurrence:
    """A post-mortem of the theme that started after an action item of it was closed."""

    closed_item: str
    closed_in: str  # the post-mortem the item belongs to
    closed_on: dt.date
    recurred_in: str
    recurred_on: dt.date


@dataclass(frozen=True)
class Theme:
    """Post-mortems that share a cause."""

    name: str
    terms: list[str]
    postmortems: list[PostMortem]
    recurring: bool
    recurrences: list[Recurrence] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None
    action_items: list[tuple[str, ActionItem]] = field(default_factory=list)


def parts(pm: PostMortem) -> list[tuple[str, int]]:
    """The texts a post-mortem is compared by, each with its weight."""
    return said_parts(pm) + action_parts(pm)


def said_parts(pm: PostMortem) -> list[tuple[str, int]]:
    """The texts that say what happened (all but the action items), each with its weight."""
    found = [(pm.title, 2), (" ".join(pm.tags), 3)]
    found += [(pm.sections.get(name, ""), weight) for name, weight in SECTION_WEIGHTS.items()]
    found += [("\n".join(pm.contributing_factors), 2), (pm.trigger or "", 1)]
    if pm.detection in ("customer", "employee"):
        found.append((f"reported by a {pm.detection}", 1))  # what the document states
    return [(text, weight) for text, weight in found if text]


def action_parts(pm: PostMortem) -> list[tuple[str, int]]:
    """The action items' titles as one text of weight 1 (none without items)."""
    titles = "\n".join(item.title for item in pm.action_items)
    return [(titles, 1)] if titles else []


def term_counts(pm: PostMortem) -> Counter[str]:
    """The features of a post-mortem's parts, counted by their weight (each part read once)."""
    return _counted(parts(pm))


def counts_of(batch: Sequence[list[tuple[str, int]]]) -> list[Counter[str]]:
    """`term_counts` of each post-mortem of a batch, given its `parts`."""
    return [_counted(weighted) for weighted in batch]


def _counted(weighted: list[tuple[str, int]]) -> Counter[str]:
    # Each part's features repeated by its weight, counted in one go (in C).
    terms: list[str] = []
    for text, weight in weighted:
        terms += features(text) * weight
    return Counter(terms)


def vectors(counts: Sequence[Counter[str]]) -> tuple[NDArray[np.float32], list[str]]:
    """Unit TF-IDF rows of documents' term counts, and the terms of the columns."""
    n = len(counts)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    ceiling = max(3, int(MAX_SHARE * n))
    kept = [t for t, d in df.items() if 2 <= d <= ceiling]
    idf = {t: math.log((1 + n) / (1 + df[t])) + 1 for t in kept}
    kept.sort(key=lambda t: (-df[t] * idf[t], t))
    terms = sorted(kept[:MAX_TERMS])
    rows, columns, tallies = _cells(counts, {t: i for i, t in enumerate(terms)})
    # (1 + log count) · idf · weight, in that order and in float64 as Python computed it
    # term by term, so that every cell is the float it always was.
    distinct, at = np.unique(tallies, return_inverse=True)
    sublinear = np.array([1 + math.log(k) for k in distinct.tolist()])[at]
    idf_of = np.array([idf[t] for t in terms])
    weight_of = np.array([CONCEPT_WEIGHT if t.startswith("concept:") else 1.0 for t in terms])
    matrix = np.zeros((n, len(terms)), dtype=np.float32)
    matrix[rows, columns] = sublinear * idf_of[columns] * weight_of[columns]
    # Unit rows, a block of rows at a time: each block's squares stay in the cache, where
    # the whole matrix's would be another 100 MB to write and read (the norms are the same).
    for start in range(0, n, 256):
        block = matrix[start : start + 256]
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
    return matrix, terms


def _cells(
    counts: Sequence[Counter[str]], column: dict[str, int]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Row, column and count of each kept term of each document: one pass in Python to
    look the terms up, the rest in numpy."""
    sizes = [len(c) for c in counts]
    total = sum(sizes)
    keys = itertools.chain.from_iterable(counts)
    columns = np.fromiter(map(column.get, keys, itertools.repeat(-1)), np.int64, total)
    values = itertools.chain.from_iterable(c.values() for c in counts)
    tallies = np.fromiter(values, np.int64, total)
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), sizes)
    kept = columns >= 0
    return rows[kept], columns[kept], tallies[kept]


class Ties:
    """Which post-mortems say enough in common to be alike at all: `MIN_SHARED` of the
    kept words (a concept counts as that many), in what each says happened (`said`: its
    term counts without the action items: "Add a load test" and "Schedule a failure test"
    tell no common cause)."""

    def __init__(
        self, said: Sequence[Counter[str]], terms: list[str], services: frozenset[str]
    ) -> None:
        # Pairs of words count as their words: "probe flapping" shared is "probe" and
        # "flapping" shared, already counted; a service's name counts for nothing. A
        # concept is a column `MIN_SHARED` times: the products of rows count it so.
        kept = [t for t in terms if " " not in t and t not in services]
        rows, columns, _ = _cells(said, {t: i for i, t in enumerate(kept)})
        once = np.zeros((len(said), len(kept)), dtype=np.float32)
        once[rows, columns] = 1.0
        copies = [MIN_SHARED if t.startswith("concept:") else 1 for t in kept]
        self.present = once[:, np.repeat(np.arange(len(kept)), copies)]

    def shared(self, rows: NDArray[np.int64], others: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each of `rows` shares enough with each of `others` to be alike."""
        return (self.present[rows] @ self.present[others].T) >= MIN_SHARED

    def untie(self, sim: NDArray[np.float32]) -> None:
        """Set to 0 the similarities of `sim` (every row with every row) between
        post-mortems that share too little to be alike."""
        # The products of the rows are whole numbers, exact in float32; one product of
        # the matrix with itself (numpy does half of it and mirrors it).
        sim *= (self.present @ self.present.T) >= MIN_SHARED


def service_terms(postmortems: Sequence[PostMortem]) -> frozenset[str]:
    """The words of the services the post-mortems name ("search", "api", "gateway"): a
    service's name says where it happened, not what."""
    return frozenset(t for pm in postmortems for name in pm.services for t in tokens(name))


def clusters(
    matrix: NDArray[np.float32], threshold: float, ties: Ties | None = None
) -> list[list[int]]:
    """Average-linkage groups of rows whose cosine similarity is at least `threshold`
    (Lance-Williams updates on one similarity matrix; each row's best kept current; the
    rows of merged-away groups dropped as they pile up); with `ties`, rows that share too
    little are not alike at all."""
    n = matrix.shape[0]
    if n == 0:
        return []
    sim = matrix @ matrix.T
    if ties is not None:
        ties.untie(sim)
    state = _Linkage(sim)
    while state.merge_closest(threshold):
        # Merged-away rows are dead weight in every later update: drop them once a
        # quarter of the matrix is dead (order kept, so ties break as they always did).
        if state.live < 0.75 * len(state.alive):
            state.compact()
    return [sorted(group) for group in state.members if group]  # a dead row's is empty


class _Linkage:
    """The state of average-linkage clustering: similarities between the groups, each
    row's closest group, and the members of each. Rows are groups; a merged-away row is
    dead (its similarities -inf) until `compact` drops it."""

    def __init__(self, sim: NDArray[np.float32]) -> None:
        n = sim.shape[0]
        np.fill_diagonal(sim, -np.inf)
        self.sim = sim
        self.size = np.ones(n, dtype=np.int64)
        self.members = [[i] for i in range(n)]
        self.best = np.argmax(sim, axis=1)
        self.best_sim = sim[np.arange(n), self.best]
        self.alive = np.ones(n, dtype=bool)
        self.live = n

    def merge_closest(self, threshold: float) -> bool:
        """Merge the two closest groups if they are at least `threshold` alike."""
        sim, size, best, best_sim, alive = self.sim, self.size, self.best, self.best_sim, self.alive
        a = int(np.argmax(best_sim))  # a dead row's best is -inf
        if best_sim[a] < threshold:
            return False
        b = int(best[a])
        a, b = min(a, b), max(a, b)
        merged = ((size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])).astype(np.float32)
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b], sim[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        alive[b] = False
        self.live -= 1
        self.members[a] += self.members[b]
        self.members[b] = []
        stale = alive & ((best == a) | (best == b))
        stale[a] = True
        for i in np.flatnonzero(stale):
            best[i] = int(np.argmax(sim[i]))
            best_sim[i] = sim[i, best[i]]
        # A row whose best was elsewhere may now be closest to the merged group (row a is
        # column a: the matrix stays symmetric, and a row reads faster than a column).
        row = sim[a]
        closer = alive & (row > best_sim)
        best[closer] = a
        best_sim[closer] = row[closer]
        best_sim[b] = -np.inf
        return True

    def compact(self) -> None:
        """Drop the dead rows and columns, keeping the order of the live ones."""
        keep = np.flatnonzero(self.alive)
        position = np.zeros(len(self.alive), dtype=np.int64)
        position[keep] = np.arange(len(keep))
        self.sim = self.sim[np.ix_(keep, keep)]
        self.best = position[self.best[keep]]  # a live row's best is a live row
        self.best_sim = self.best_sim[keep]
        self.size = self.size[keep]
        self.members = [self.members[i] for i in keep]
        self.alive = np.ones(len(keep), dtype=bool)


def find_themes(
    postmortems: Sequence[PostMortem],
    threshold: float = THRESHOLD,
    among: Sequence[PostMortem] = (),
) -> list[Theme]:
    """The themes of `postmortems`, largest first. `among`: the post-mortems whose words
    say what is boilerplate (the whole folder, when `postmortems` are those since a day: a
    subset's few documents would make a cause they share the subset's boilerplate); by
    default `postmortems` themselves."""
    if len(postmortems) < 2:
        return []
    n = len(postmortems)
    mine = {pm.path for pm in postmortems}
    documents = [*postmortems, *(pm for pm in among if pm.path not in mine)]
    # What each says happened and its action items, read apart (on both cores, in one go:
    # reading their words is a third of the time on thousands of post-mortems): the two
    # make its terms; what it says happened alone, its ties.
    batch = [part for pm in documents for part in (said_parts(pm), action_parts(pm))]
    read = in_halves(counts_of, batch)  # each post-mortem's two side by side: even halves
    said = read[0::2]
    every = [c + a if a else c for c, a in zip(said, read[1::2], strict=True)]
    matrix, terms = vectors(every)
    matrix = matrix[:n]  # unit rows: those of `postmortems`, as they were
    ties = Ties(said[:n], terms, service_terms(documents))
    groups = [g for g in clusters(matrix, threshold, ties) if len(g) >= 2]
    groups = _second_memberships(matrix, groups, threshold, ties)
    # The words a reader would write, from the post-mortems of the themes only.
    members = sorted({i for group in groups for i in group})
    forms = surface_forms([part for i in members for part in parts(postmortems[i])])
    sums = matrix.sum(axis=0)
    themes = [_theme(postmortems, matrix, terms, group, forms, sums) for group in groups]
    themes.sort(key=lambda t: (-len(t.postmortems), t.first or dt.date.max, t.name))
    return themes


def _second_memberships(
    matrix: NDArray[np.float32], groups: list[list[int]], threshold: float, ties: Ties
) -> list[list[int]]:
    """Add to each group the rows outside it that are, on average, as alike to its members
    as the linkage asks of a merge (a member it shares too little with counts as unlike)."""
    result = []
    for group in groups:
        centroid = matrix[group].mean(axis=0)
        average = matrix @ centroid  # mean cosine with the members (unit rows)
        # Untied pairs only lower the mean: the rows it leaves out stay out.
        near = np.setdiff1d(np.flatnonzero(average >= threshold * JOIN_FACTOR), group)
        if len(near):
            sim = matrix[near] @ matrix[group].T
            sim[~ties.shared(near, np.asarray(group, dtype=np.int64))] = 0.0
            near = near[sim.mean(axis=1) >= threshold * JOIN_FACTOR]
        result.append(sorted(set(group).union(near.tolist())))
    return result


def _theme(
    postmortems: Sequence[PostMortem],
    matrix: NDArray[np.float32],
    terms: list[str],
    group: list[int],
    forms: dict[str, str],
    column_sums: NDArray[np.float32],
) -> Theme:
    rows = matrix[group]
    members_sum = rows.sum(axis=0)
    inside = members_sum / len(group)
    rest = matrix.shape[0] - len(group)
    outside = (column_sums - members_sum) / rest if rest else np.zeros_like(inside)
    shared = (rows > 0).sum(axis=0).astype(np.float32) / len(group)
    score = (inside - outside) * shared
    order = [int(i) for i in np.argsort(-score) if score[i] > 0 and shared[i] * len(group) >= 2]
    tying = [_label(terms[i], forms) for i in order]
    tying = list(dict.fromkeys(tying))
    members = sorted(
        (postmortems[i] for i in group), key=lambda pm: (pm.date or dt.date.max, pm.id)
    )
    items = [(pm.id, item) for pm in members for item in pm.action_items]
    recurrences = _recurrences(members)
    dates = [pm.date for pm in members if pm.date]
    return Theme(
        name=", ".join(_name_terms(tying)),
        terms=tying[:12],
        postmortems=members,
        recurring=bool(recurrences),
        recurrences=recurrences,
        first=min(dates) if dates else None,
        last=max(dates) if dates else None,
        action_items=items,
    )


def _recurrences(members: list[PostMortem]) -> list[Recurrence]:
    """Each closed action item of the theme, with each later post-mortem of the theme
    (`members` are sorted by date)."""
    dated = [(pm.date, pm) for pm in members if pm.date is not None]
    found: list[tuple[dt.date, dt.date, str, int, str, str]] = []
    for owner in members:
        for item in owner.action_items:
            if item.status != "done" or item.closed is None:
                continue
            for day, later in reversed(dated):
                if day <= item.closed:
                    break
                if later is not owner:
                    found.append((day, item.closed, later.id, len(found), item.title, owner.id))
    # By when it recurred, when the fix was closed, where, then as found: sorting plain
    # tuples, not records by a key function (a large theme has 10,000s of recurrences).
    found.sort()
    return [Recurrence(title, closed_in, closed_on, recurred_in, recurred_on)
            for recurred_on, closed_on, recurred_in, _, title, closed_in in found]  # fmt: skip


def _label(term: str, forms: dict[str, str]) -> str:
    """A term as a reader would write it: a concept by its name, stems by their words."""
    if term.startswith("concept:"):
        return term.removeprefix("concept:").replace("-", " ")
    return " ".join(forms.get(part, part) for part in term.split(" "))


def _name_terms(tying: list[str]) -> list[str]:
    """Up to three terms, no one a part of another already chosen."""
    chosen: list[str] = []
    for term in tying:
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == 3:
            break
    return chosen or ["(no shared terms)"]


def baseline_groups(postmortems: Sequence[PostMortem], threshold: float) -> list[list[int]]:
    """The baseline the themes are measured against (tests, benchmarks): plain TF-IDF of
    titles and contributing factors (the root cause when there are none), unigrams, the same
    average-linkage clustering; groups of two or more, as indices of `postmortems`."""
    words = [
        [w for w in _BASELINE_WORD.findall(text.lower()) if len(w) > 2]
        for text in (
            pm.title
            + " "
            + " ".join(pm.contributing_factors or [pm.sections.get("root_cause", "")])
            for pm in postmortems
        )
    ]
    n = len(words)
    df = Counter(w for ws in words for w in set(ws))
    vocab = {w: i for i, w in enumerate(sorted(w for w in df if df[w] >= 2))}
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for row, ws in enumerate(words):
        for word, count in Counter(ws).items():
            if word in vocab:
                matrix[row, vocab[word]] = count * (math.log((1 + n) / (1 + df[word])) + 1)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    return [g for g in clusters(matrix, threshold) if len(g) >= 2]


_BASELINE_WORD = re.compile(r"[a-z]+")


def pairwise_scores(
    found: Sequence[set[str]], truth: Sequence[set[str]]
) -> tuple[float, float, float]:
    """Precision, recall and F1 of the pairs of post-mortems that `found` groups together,
    against the pairs `truth` groups (how the themes are measured on a labelled corpus)."""

    def pairs(groups: Sequence[set[str]]) -> set[tuple[str, str]]:
        return {p for g in groups for p in itertools.combinations(sorted(g), 2)}

    made, wanted = pairs(found), pairs(truth)
    precision = len(made & wanted) / len(made) if made else 0.0
    recall = len(made & wanted) / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
