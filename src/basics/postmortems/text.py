"""Words of post-mortems for themes: tokens, a light stemmer, and the concepts a reader
hears under different words ("too many connections" and "pool exhausted" are one cause).

Pure and deterministic; no model, nothing downloaded. The concept lexicon names failure
modes every operations team meets, each with the phrasings post-mortems use for it; a
theme may still form from any shared words (a component failing the same way twice), the
lexicon only lets differently worded post-mortems meet.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter

from basics.postmortems.detection import CUSTOMER_REPORTS
from basics.postmortems.phrasing import compiled

_STOP_WORDS = """
    a able about above after again against ago all already also am an and any apr april are
    aren't around as at aug august back be because been before being below between both but by
    can can't cest cet could day days dec december did didn't do does doesn't doing don't down
    during e each earlier edt eg eight est etc feb february few first five for four friday from
    further g get getting gmt go going gone got had hadn't has hasn't have haven't having he
    her here hers herself him himself his hour hours how however i ie if in into is isn't it
    it's its itself jan january jul july jun june just last later let's look looked lot lots
    made make many mar march may me minute minutes monday more most much mustn't my myself need
    needed new next nine no nor not nov november now oct october of off old on once one only or
    other ought our ours ourselves out over own pdt per pm pst quickly same saturday saw second
    seconds see seen sep sept september seven several shan't she should shouldn't six slowly so
    some soon still such sunday take taken ten than that that's the their theirs them
    themselves then there there's these they third this those three through thursday time times
    to today tomorrow too took tuesday two under until up us use used using utc very via want
    wanted was wasn't we we'd we'll we're we've wednesday week weeks went were weren't what
    when where which while who whole whom why will with won't would wouldn't yesterday yet you
    your yours yourself yourselves
"""
_GENRE_WORDS = """
    cause caused causes detected detection impact impacted incident incidents investigation
    learned lessons mortem post postmortem postmortems rca retrospective root summary
    timeline trigger triggered
"""
STOP = frozenset(_STOP_WORDS.split()) | frozenset(_GENRE_WORDS.split())
"""English function words, the calendar, and the words of the genre (a post-mortem's
headings and what it calls itself: "Incident postmortem", "Trigger:", "Detection:"): words
that tie any two documents."""

CONCEPTS: dict[str, tuple[str, ...]] = {
    "db-connections": (
        r"connection pool", r"pool (?:was |got )?(?:exhaust|saturat|full|starv|max)",
        r"too many (?:db |database )?connections", r"max_?client_?conn", r"pgbouncer",
        r"(?:ran|run|running) out of (?:db |database |postgres )?connections",
        r"connections? (?:were |was )?(?:saturat|exhaust|maxed|limit)", r"max_connections",
        r"connection (?:limit|starvation|exhaustion)", r"hikari",
    ),
    "certificate-expiry": (
        r"certificat\w* (?:had |has )?expir", r"cert\w* expir", r"expired (?:tls |ssl |x\.?509 )?"
        r"(?:cert|intermediate)", r"\btls\b", r"\bssl\b", r"x\.?509", r"let'?s ?encrypt",
        r"\bacme\b", r"cert-?manager", r"certificate (?:renewal|rotation)", r"\bmtls\b",
    ),
    "false-alarm": (
        r"false (?:alarm|positive|page)", r"paged for nothing", r"no (?:customer|user) impact",
        r"flapp\w*",
        r"noisy (?:alert|page|pager)",
        r"too sensitive",
        r"nothing was (?:wrong|broken)",
        r"not actionable", r"non-?actionable", r"alert fatigue", r"woke (?:up )?\w* for nothing",
        r"self-?resolv\w*", r"threshold (?:was )?(?:too|set too)",
    ),
    "no-breakdown": (
        r"(?:break|broke|breaking) (?:the )?(?:errors? )?down by",
        r"per[- ](?:customer|merchant|tenant|user)",
        r"which (?:customers?|merchants?|tenants?|users?) were",
        r"one (?:tenant|merchant|customer)",
        r"single (?:tenant|merchant|customer)", r"by (?:customer|merchant|tenant)\b",
        r"affected (?:customers?|merchants?|tenants?)",
    ),
    "detected-by-customer": (
        # A customer's report as the detection reading knows it ("users reported errors",
        # "reported by customers", "a support ticket"), not when denied ("no customers
        # reported"); and the words that say no alert came first.
        *CUSTOMER_REPORTS,
        r"first (?:report|sign|alert) came from (?:a |the )?(?:customer|merchant|support|twitter)",
        r"support (?:team|escalat)",
        r"tweet\w*", r"twitter", r"before (?:any|our) (?:alert|monitoring)", r"no alert fired",
    ),
    "queue-backlog": (
        r"consumer (?:group )?lag",
        r"\blag(?:ged|ging)?\b",
        r"backlog",
        r"queue (?:depth|backed|grew|built)",
        r"\bkafka\b[^.\n]{0,60}\b(?:lag|behind)",
        r"partitions? (?:stuck|behind|rebalanc)",
        r"rebalanc\w*",
        r"dead[- ]letter",
    ),
    "disk-full": (
        r"disk (?:was |got )?full",
        r"no space left",
        r"ran out of disk",
        r"volume (?:filled|full)",
    ),
    "dns": (r"\bdns\b", r"resolver", r"\bnxdomain\b", r"route ?53"),
    "bad-deploy": (r"roll(?:ed)? ?back", r"bad (?:deploy|release|build)", r"canary", r"regression"),
    "config-change": (
        r"feature flag",
        r"config(?:uration)? (?:change|push|error|typo)",
        r"misconfigur\w*",
    ),
    "memory": (r"out of memory", r"\boom\b", r"oom-?kill\w*", r"memory leak", r"heap"),
    "dst-time": (r"daylight saving", r"\bdst\b", r"time ?zone", r"clock (?:change|skew|drift)"),
    "unclear-where": (
        r"(?:wasn't|was not|wasn't immediately|not) (?:clear|obvious) (?:where|which|what)",
        r"(?:couldn't|could not|hard to|difficult to|took \w+ to) (?:tell|find|see|locate|figure)"
        r" (?:out )?(?:where|which (?:service|component)|the (?:cause|source))",
        r"no (?:dashboard|slo|visibility)", r"(?:lack|lacked|missing) (?:of )?(?:visibility|"
        r"observability|metrics|dashboards?)", r"(?:looked|looking) in the wrong place",
        r"red herring",
    ),
    "oncall-load": (
        r"paged (?:all|most of the) night",
        r"(?:tired|exhausted|burn(?:ed|t)? ?out) (?:on-?call|engineer|responder)",
        r"too many pages",
        r"(?:second|third) (?:page|incident) (?:that|in a row|of the night)",
        r"woken (?:up )?(?:again|three|twice)",
        r"on-?call (?:load|overload)",
    ),
    "toil": (
        r"\bby hand\b", r"\bmanual(?:ly)?\b", r"\btoil\b", r"repetitive", r"runbook steps",
        r"copy[- ]past",
    ),
}  # fmt: skip
"""Failure modes and the phrasings that name them; a matched concept becomes a token."""
_CONCEPT_PATTERNS = {
    name: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    for name, patterns in CONCEPTS.items()
}


_LOWER_PATTERNS = {name: compiled(patterns) for name, patterns in CONCEPTS.items()}
"""The same patterns for lowercased text (matching without IGNORECASE is faster), each
phrasing starting with a letter."""
HINTS: dict[str, tuple[str, ...]] = {
    "db-connections": ("connection", "pgbouncer", "max_client", "maxclient", "hikari", "pool"),
    "certificate-expiry": ("cert", "tls", "ssl", "x509", "x.509", "encrypt", "acme",
                           "intermediate"),
    "false-alarm": ("false", "nothing", "impact", "flapp", "noisy", "sensitive", "actionable",
                    "fatigue", "resolv", "threshold"),
    "no-breakdown": ("down by", "per-", "per ", "which", "one ", "single", "by customer",
                     "by merchant", "by tenant", "affected"),
    "detected-by-customer": ("by ", "came from", "customer", "support", "tweet", "twitter",
                             "before", "no alert", "user", "merchant", "client", "shopper",
                             "buyer"),
    "queue-backlog": ("lag", "backlog", "queue", "kafka", "partition", "rebalanc", "dead"),
    "disk-full": ("disk", "no space", "volume"),
    "dns": ("dns", "resolver", "nxdomain", "route"),
    "bad-deploy": ("roll", "bad ", "canary", "regression"),
    "config-change": ("feature flag", "config", "misconfigur"),
    "memory": ("memory", "oom", "heap"),
    "dst-time": ("daylight", "dst", "zone", "clock"),
    "unclear-where": ("clear", "obvious", "tell", "find", "see", "locate", "figure",
                      "dashboard", "slo", "visibility", "observability", "metrics",
                      "wrong place", "herring"),
    "oncall-load": ("paged", "tired", "exhausted", "burn", "too many pages", "second",
                    "third", "woken", "call"),
    "toil": ("by hand", "manual", "toil", "repetitive", "runbook", "copy"),
}  # fmt: skip
"""For each concept, text one of its phrasings cannot match without: a concept's pattern
runs only over a text that holds one of these (a substring test costs almost nothing)."""


def _hinted(lower: str) -> list[str]:
    """The concepts one of whose hints is in `lower` (substring tests: the cheapest look)."""
    names = []
    for name, hints in HINTS.items():
        for hint in hints:
            if hint in lower:
                names.append(name)
                break
    return names


_WORD = re.compile(r"[a-z][a-z0-9_]+(?:'[a-z]+)?")
_SUFFIXES = ("ations", "ation", "ingly", "ings", "ing", "edly", "ies", "ied", "ed", "es", "s",
             "ly", "ment", "ness")  # fmt: skip


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stem ("exhausted", "exhausting" -> "exhaust")."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                word += "y"
            break
    return word


def tokens(text: str) -> list[str]:
    """Stems of the content words of `text`, in order."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [stem(w) for w in words if w not in STOP and len(w) > 2 and not w.isdigit()]


def surface_forms(texts: list[tuple[str, int]]) -> dict[str, str]:
    """Each stem's most common written form in `texts`, each text counted `weight` times
    ("certificat" -> "certificate")."""
    by_weight: dict[int, list[str]] = {}
    for text, weight in texts:
        by_weight.setdefault(weight, []).append(text)
    written: Counter[str] = Counter()
    for weight, group in by_weight.items():
        # The texts of one weight read in one go: no word spans the line between two.
        words = Counter(_WORD.findall("\n".join(group).lower().replace("’", "'")))
        for word, n in words.items():
            written[word] += n * weight
    seen: dict[str, dict[str, int]] = {}
    for word, n in written.items():
        if word not in STOP and len(word) > 2:
            seen.setdefault(stem(word), {})[word] = n
    return {s: min(forms, key=lambda w: (-forms[w], len(w), w)) for s, forms in seen.items()}


_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+|\b[A-Z][A-Z0-9]{1,9}-\d+\b")
"""A web address or a tracker's key (`https://linear.app/acme/issue/SRCH-88`, `PAY-220`):
names of places, not words of what happened (`acme` in an address is no certificate)."""


def without_addresses(text: str) -> str:
    """`text` with its web addresses and tracker keys left out (a Markdown link keeps its
    words: `[the runbook](https://…)` keeps "the runbook")."""
    return _ADDRESS.sub(" ", text) if ("/" in text or "-" in text) else text


def features(text: str) -> list[str]:
    """The terms a document is compared by: stems, pairs of neighbouring stems, and the
    concepts its phrasings name (`concept:db-connections`); never a word of a web address
    or a tracker's key."""
    text = without_addresses(text)
    words = tokens(text)
    found = list(words)
    found += [f"{a} {b}" for a, b in itertools.pairwise(words) if a != b]
    lower = text.lower()
    for name in _hinted(lower):
        found += [f"concept:{name}"] * len(_LOWER_PATTERNS[name].findall(lower))
    return found


def evidence(text: str, concept: str) -> str | None:
    """The sentence of `text` where `concept` is named first, trimmed, or None (a web
    address names none)."""
    text = without_addresses(text)
    found = _CONCEPT_PATTERNS[concept].search(text)
    if found is None:
        return None
    start = max(text.rfind(".", 0, found.start()), text.rfind("\n", 0, found.start())) + 1
    stops = [i for i in (text.find(".", found.end()), text.find("\n", found.end())) if i >= 0]
    end = min(stops) if stops else len(text)
    sentence = " ".join(text[start:end].split())
    return sentence if len(sentence) <= 160 else sentence[:157] + "…"
