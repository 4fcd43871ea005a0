"""How a post-mortem says its incident was found: by customers, by an alert, or by someone
on the team.

A phrase that says who found it decides, the first one in the text: a customer's report
("customers reported errors", "a customer reported", "users reported", "reported by
customers", "a support ticket", "customer complaints"), an alert that fired or paged ("the
burn-rate alert fired", "paged Dana"), someone who noticed ("Jonas noticed", "Marta
asked"). Without one, the words of each kind are counted. What the text denies counts for
nothing: "no alert fired", "the alert did not fire", "before any customer reported",
"no user-visible errors".

`CUSTOMER_REPORTS` are the phrasings of a customer's report, in lower case: the themes'
concept `detected-by-customer` (what `postmortems basics` cites) is made of them too, so a
document `basics` cites as found by customers is read as found by customers.
"""

from __future__ import annotations

import re

from basics.postmortems.models import Detection

_NOT = r"(?<!\bno )(?<!\bnot )(?<!\bany )(?<!\bnor )(?<!\bzero )(?<!without )(?<!\bnever )"
"""Not after a word that denies it ("no customers reported", "before any user reported"):
lookbehinds of one width each, so that the phrasings stay plain regular expressions."""
_WHO = r"(?:customers?|users?|merchants?|clients?|shoppers?|buyers?)"
_SOME = r"(?:(?:a|an|the|our|some|several|multiple|many|two|three|\d+) )?"
CUSTOMER_REPORTS: tuple[str, ...] = (
    # "customers reported", "a customer reported", "users started reporting", "customers
    # report errors", "merchants complained", "a customer emailed support"
    rf"{_NOT}\b{_WHO}(?:'s?)? (?:(?:had|have|has|were|started|began|then|also|first|soon|"
    r"quickly|immediately) )?(?:report(?:s|ed|ing)?|complain(?:s|ed|ing)?|notic(?:es|ed)|"
    r"emailed|called|tweet(?:s|ed)?|told us|wrote in|wrote to|contacted|"
    r"open(?:s|ed) (?:a |an )?tickets?|rais(?:es|ed) (?:a |an )?tickets?)\b",
    # "reported by customers", "raised by a merchant", "flagged by support"
    rf"\b(?:reported|noticed|found|spotted|raised|flagged|escalated|discovered) by {_SOME}"
    rf"(?:{_WHO}|support|customer support|the support team)\b",
    # "a support ticket", "support requests", "customer complaints", "user reports"
    rf"{_NOT}\b(?:support|customer|user|merchant|client) (?:tickets?|requests?|cases?|"
    r"complaints?|emails?|reports?|calls?)\b",
    # "complaints from customers", "tickets from merchants"
    rf"{_NOT}\b(?:tickets?|complaints?|emails?|reports?|calls?) from {_SOME}{_WHO}",
)
_CUSTOMER_REPORT = re.compile("|".join(f"(?:{p})" for p in CUSTOMER_REPORTS), re.IGNORECASE)
_ALERT_FIRED = re.compile(
    rf"{_NOT}\b(?:alerts?|alarms?|monitors?|probes?|checks?|pages?)\b(?: \S+){{0,2}}? "
    r"(?:fire[sd]?|firing|trigger(?:s|ed)|went off|paged|pages)\b|"
    r"\b(?:paged|pages|paging) (?!(?:for )?nothing\b)[A-Z@]\w*|"
    r"(?:detected|found|caught) by (?:an? |the |our )?(?:\S+ )?(?:alert|alarm|monitor\w*|"
    r"probe|page)",
    re.IGNORECASE,
)
"""An alert that fired or paged: "the burn-rate alert fired", "SearchErrorRate paged Dana",
"pages Li", "caught by the synthetic probe"."""
_NOTICED = re.compile(
    r"\b(?:noticed|notices|spotted|spots|saw|sees|asked|asks|raised it|raises it)\b"
    r"(?![^.;\n]{0,25}\b(?:alert|page|alarm)s?\b)",
    re.IGNORECASE,
)
"""Someone who noticed it (not an alert or a page: "noticed the alert" is the alert's)."""
_DENIED_AFTER = re.compile(
    r"^\W*(?:[\w'-]+\W+){0,3}?(?:did not|didn't|never|failed to|was not|wasn't|were not|"
    r"weren't|had not|hadn't|does not|doesn't|is not|isn't|had been silenced|was silenced|"
    r"were silenced)\b",
    re.IGNORECASE,
)
_DENIED_BEFORE = re.compile(
    r"\b(?:no|not|any|nor|without|never|zero)\W+(?:[\w'-]+\W+){0,1}$", re.IGNORECASE
)
_CUSTOMER = re.compile(
    r"\b(?:customers?|merchants?|users?|clients?|support|tweet\w*|twitter|emails?|tickets?|"
    r"complain\w*|reported by|"
    # German, Spanish, French, Portuguese, Dutch
    r"kund(?:e|en|in|innen)|beschwerde\w*|nutzer\w*|händler\w*|clientes?|usuari[oa]s?|"
    r"soporte|reclam\w*|utilisateur\w*|commer[çc]ant\w*|usu[áa]ri[oa]s?|suporte|"
    r"klant(?:en)?|gebruikers?|klacht\w*)\b",
    re.IGNORECASE,
)
_ALERT = re.compile(
    r"\b(?:alert\w*|paged|pages?|pagerduty|monitor\w*|alarm\w*|burn[- ]rate|slo|prometheus|"
    r"alertmanager|synthetic|probe|"
    r"überwachung|alerta\w*|monitoreo|alerte\w*|surveillance|alarme\w*|monitoramento|"
    r"waarschuwing\w*)\b",
    re.IGNORECASE,
)
_EMPLOYEE = re.compile(
    r"\b(?:engineer|developer|employee|someone on the team|internally|notice[sd]?|dashboard|"
    r"sees|saw|asks|asked|raises?|raised|declares?|spotted|"
    r"mitarbeiter\w*|entwickler\w*|ingenieur\w*|bemerkt\w*|empleado\w*|ingenier[oa]s?|"
    r"not[óo]|desarrollador\w*|employ[ée]\w*|d[ée]veloppeur\w*|remarqu[ée]\w*|"
    r"funcion[áa]ri[oa]s?|engenheir[oa]s?|percebeu|medewerker\w*|opgemerkt)\b",
    re.IGNORECASE,
)


def detection_in(text: str) -> Detection:
    """How `text` (a detection section, a timeline line) says the incident was found: the
    first phrase that says who found it, else the words of each kind counted (customers'
    over alerts' when more, then alerts', then an employee's); "unknown" when it says
    nothing of it."""
    stated = said_first(text)
    if stated is not None:
        return stated
    customer = _count(_CUSTOMER, text)
    alert = _count(_ALERT, text)
    if customer > alert:
        return "customer"
    if alert:
        return "alert"
    if _count(_EMPLOYEE, text):
        return "employee"
    return "unknown"


def said_first(text: str) -> Detection | None:
    """The first phrase of `text` that says who found it: a customer's report, an alert
    that fired, someone who noticed; None when no phrase says it."""
    first: tuple[int, Detection] | None = None
    for pattern, kind in (
        (_CUSTOMER_REPORT, "customer"),
        (_ALERT_FIRED, "alert"),
        (_NOTICED, "employee"),
    ):
        found = next((m for m in pattern.finditer(text) if not _denied(text, m)), None)
        if found is not None and (first is None or found.start() < first[0]):
            first = (found.start(), kind)  # type: ignore[assignment]
    return None if first is None else first[1]


def _count(pattern: re.Pattern[str], text: str) -> int:
    """The words of `pattern` in `text` that the text does not deny."""
    return sum(1 for m in pattern.finditer(text) if not _denied(text, m))


def _denied(text: str, found: re.Match[str]) -> bool:
    """Whether `text` denies what `found` names: "no alert", "not a customer", "the alert
    did not fire", "the disk alert had been silenced"."""
    before = text[max(0, found.start() - 30) : found.start()]
    return bool(_DENIED_BEFORE.search(before) or _DENIED_AFTER.match(text[found.end() :]))
