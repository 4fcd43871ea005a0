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
from basics.postmortems.phrasing import compiled

_NOT = r"(?<!\bno )(?<!\bnot )(?<!\bany )(?<!\bnor )(?<!\bzero )(?<!without )(?<!\bnever )"
_NOT_FOREIGN = (
    r"(?<!\bkein )(?<!\bkeine )(?<!\bohne )(?<!\baucun )(?<!\baucune )(?<!\bsans )"
    r"(?<!ningún )(?<!\bningun )(?<!\bsin )(?<!\bnenhum )(?<!\bnenhuma )(?<!\bgeen )"
)
"""The same in German, French, Spanish, Portuguese and Dutch ("keine Kunden melden")."""
"""Not after a word that denies it ("no customers reported", "before any user reported"):
lookbehinds of one width each, so that the phrasings stay plain regular expressions."""
_WHO = r"(?:customers?|users?|merchants?|clients?|shoppers?|buyers?)"
_SOME = r"(?:(?:a|an|the|our|some|several|multiple|many|two|three|\d+) )?"
CUSTOMER_REPORTS: tuple[str, ...] = (
    # "customers reported", "a customer reported", "users started reporting", "customers
    # report errors", "merchants complained", "a customer emailed support"
    rf"{_NOT}\b{_WHO}(?:'s?)? (?:(?:had|have|has|were|started|began|then|also|first|soon|"
    r"quickly|immediately) )?(?:report(?:s|ed|ing)?|complain(?:s|ed|ing)?|notic(?:es|ed)|"
    r"emailed|called (?:us|in|support)|tweet(?:s|ed)?|told|wrote in|wrote to|contacted|"
    r"open(?:s|ed) (?:a |an )?tickets?|rais(?:es|ed) (?:a |an )?tickets?)\b",
    # "reported by customers", "raised by a merchant", "flagged by support"
    rf"(?:reported|noticed|found|spotted|raised|flagged|escalated|discovered) by {_SOME}"
    rf"(?:{_WHO}|support|customer support|the support team)\b",
    # "a support ticket", "customer complaints", "user reports" (not "user requests" or
    # "merchant calls": an API's)
    rf"{_NOT}\bsupport (?:tickets?|requests?|cases?|emails?|calls?)\b",
    rf"{_NOT}\b(?:customer|user|merchant|client) (?:tickets?|complaints?)\b",
    rf"{_NOT}\b(?:customer|user|merchant) (?:emails?|reports?)\b",
    # "complaints from customers", "tickets from merchants"
    rf"{_NOT}\b(?:tickets?|complaints?|emails?|reports?) from {_SOME}{_WHO}",
    # German, Spanish, French, Portuguese, Dutch: "Kunden melden", "ein Kunde meldete",
    # "clientes reportan", "des utilisateurs signalent", "les clients ont signalé",
    # "clientes relatam", "klanten melden"; a word may come between ("Kunden haben … ").
    rf"{_NOT_FOREIGN}\b(?:kund(?:e|en|in|innen)|nutzer(?:innen)?|benutzer|anwender|"
    r"händler)\b (?:\S+ )?(?:meld(?:en|et|eten|ete)|beschwer(?:en|ten|te)|"
    r"berichte(?:n|ten|t)?|reklamier(?:en|ten|te))\b",
    rf"{_NOT_FOREIGN}\b(?:clientes?|usuári[oa]s?|usuari[oa]s?|comerciantes?)\b (?:\S+ )?"
    r"(?:report(?:an|aron|a|ó|am|aram|ou)|reclam(?:an|aron|a|ó|am|aram|ou)|"
    r"se quej(?:an|aron|a|ó)|avis(?:an|aron|a|ó)|inform(?:an|aron|a|ó)|"
    r"relat(?:am|aram|a|ou))(?!\w)",
    rf"{_NOT_FOREIGN}\b(?:clients?|utilisat(?:eur|rice)s?|marchands?|commerçants?)\b "
    r"(?:\S+ )?(?:signal(?:ent|aient|ait|é|e)|rapport(?:ent|é)|se plaign(?:ent|aient|ait))"
    r"(?!\w)",
    rf"{_NOT_FOREIGN}\b(?:klant(?:en)?|gebruikers?)\b (?:\S+ )?"
    r"(?:meld(?:en|den|t|de)|klaag(?:t|den)|klagen)\b",
    r"\b(?:von|durch) (?:\S+ )?(?:kund(?:en|in|innen)|nutzer\w*) gemeldet\b",
    r"\b(?:reportad[oa]|signalé|signale|relatad[oa]) (?:par|por) (?:\S+ )?(?:clientes?|clients?|"
    r"usuári[oa]s?|usuari[oa]s?|utilisat\w*)",
    r"\b(?:kundenbeschwerde\w*|kundenmeldung\w*|quejas de (?:los )?(?:clientes|usuarios)|"
    r"plaintes? (?:de|des) (?:clients|utilisateurs))",
)
"""The phrasings of a customer's report, in lower case."""
_CUSTOMER_REPORT = compiled(CUSTOMER_REPORTS, re.IGNORECASE)
"""A customer's report in any case, each phrasing starting with a letter (four times as
fast on a timeline's lines as the phrasings joined as written)."""
_REPORT_HINTS = ("customer", "user", "merchant", "client", "shopper", "buyer", "support",
                 "kund", "nutzer", "anwender", "händler", "usuari", "comerciant", "utilisat",
                 "marchand", "commerçant", "klant", "gebruiker")  # fmt: skip
"""Words one of which every phrasing of a customer's report holds: a line without any (most
lines of a timeline) is none, known without running the pattern."""
_ALERT_FIRED = compiled(
    (
        rf"{_NOT}\b(?:alerts?|alarms?|monitors?|probes?|checks?|pages?)\b(?: \S+){{0,2}}? "
        r"(?:fire[sd]?|firing|trigger(?:s|ed)|went off|paged|pages)\b",
        r"\b(?:paged|pages|paging) (?!(?:for )?nothing\b)[A-Z@]\w*",
        r"(?:detected|found|caught) by (?:an? |the |our )?(?:\S+ )?(?:alert|alarm|monitor\w*|"
        r"probe|page)",
        r"\b(?:receive[sd]?|gets|got) (?:a |the )?(?:pager? storm|pages?|pager alert)\b",
        # German, Spanish, French, Portuguese, Dutch: "Alarm ausgelöst", "alerta disparada",
        # "Alerte SearchIndexWrites déclenchée", "alarm ging af"
        r"\b(?:alarm|alert|alerta|alerte)s?\b(?: \S+){0,2}? (?:ausgelöst|löst aus|schlägt an|"
        r"schlug an|feuert|alarmiert|dispar(?:ó|ada|ou|a)|se disparó|saltó|se activó|"
        r"(?:s'est )?déclench(?:ée|é|e)|a sonné|ging af|gaat af)(?!\w)",
    ),
    re.IGNORECASE,
)
"""An alert that fired or paged: "the burn-rate alert fired", "SearchErrorRate paged Dana",
"pages Li", "caught by the synthetic probe"."""
_NOTICED = compiled(
    (
        r"\b(?:noticed|notices|spotted|spots|saw|sees|asked|asks|raised it|raises it|bemerkt\w*|"
        r"remarqu(?:e|é|ent|ait)|not[óo]|percebeu|merkte|opgemerkt)\b"
        r"(?![^.;\n]{0,25}\b(?:alert|page|alarm|alarme|alerte|alerta)s?\b)",
    ),
    re.IGNORECASE,
)
"""Someone who noticed it (not an alert or a page: "noticed the alert" is the alert's)."""
_DENIED_BEFORE = re.compile(
    r"\b(?:no|not|any|nor|without|never|zero|kein\w*|ohne|nicht|aucun\w*|sans|pas|ningun\w*|"
    r"ningún|sin|nenhum\w*|geen)\W+(?:[\w'-]+\W+)?$",
    re.IGNORECASE,
)
"""A word that denies what follows it, at most one word before it ("no user-visible")."""
_DENIED_AFTER = re.compile(
    r"^\W*(?:[\w'-]+\W+){0,3}?(?:did not|didn't|never|failed to|was not|wasn't|were not|"
    r"weren't|had not|hadn't|does not|doesn't|is not|isn't|(?:had been|was|were) silenced)\b",
    re.IGNORECASE,
)
"""An alert denied after it is named ("the alert did not fire", "had been silenced")."""
_DENIAL = re.compile(r"\b(?:no|not|never)\b|n't\b", re.IGNORECASE)
_CUSTOMER_BEFORE = re.compile(rf"\b{_WHO}\W+(?:[\w'-]+\W+)?$", re.IGNORECASE)
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
    r"\b(?:alert\w*|paged|pages?|pager|pagerduty|monitor\w*|alarm\w*|burn[- ]rate|slo|prometheus|"
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
    nothing of it. What the text denies counts for nothing."""
    stated = said_first(text)
    if stated is not None:
        return stated
    customer = _count(_CUSTOMER, text, alert=False)
    alert = _count(_ALERT, text, alert=True)
    if customer > alert:
        return "customer"
    if alert:
        return "alert"
    if _count(_EMPLOYEE, text, alert=False):
        return "employee"
    return "unknown"


def said_first(text: str) -> Detection | None:
    """The first phrase of `text` that says who found it: a customer's report, an alert
    that fired, someone who noticed; None when no phrase says it."""
    found: list[tuple[int, Detection]] = []
    customer = customer_report(text)
    if customer is not None:
        found.append((customer.start(), "customer"))
    alert = next((m for m in _ALERT_FIRED.finditer(text) if not _denied(text, m, True)), None)
    if alert is not None:
        found.append((alert.start(), "alert"))
    employee = next(
        (m for m in _NOTICED.finditer(text)
         if not _denied(text, m) and not _CUSTOMER_BEFORE.search(_before(text, m))),
        None,
    )  # fmt: skip
    if employee is not None:
        found.append((employee.start(), "employee"))
    return min(found)[1] if found else None


def customer_report(text: str) -> re.Match[str] | None:
    """The first customer's report in `text` that the text does not deny ("users reported
    errors", not "no users reported errors"), or None."""
    lower = text.lower()
    if not any(hint in lower for hint in _REPORT_HINTS):
        return None
    return next((m for m in _CUSTOMER_REPORT.finditer(text) if not _denied(text, m)), None)


def _count(pattern: re.Pattern[str], text: str, alert: bool) -> int:
    """The words of `pattern` in `text` that the text does not deny."""
    return sum(1 for m in pattern.finditer(text) if not _denied(text, m, alert))


def _denied(text: str, found: re.Match[str], alert: bool = False) -> bool:
    """Whether `text` denies what `found` names: "no customers reported", "before any
    alert", "not a customer"; an alert also when the phrase or the words after it deny it
    ("the alert did not fire", "the disk alert had been silenced")."""
    if _DENIED_BEFORE.search(_before(text, found)):
        return True
    if not alert:
        return False
    return bool(_DENIAL.search(found.group(0)) or _DENIED_AFTER.match(text[found.end() :]))


def _before(text: str, found: re.Match[str]) -> str:
    """The words of `found`'s sentence before it (at most 30 characters)."""
    return re.split(r"[.;:!?\n]", text[max(0, found.start() - 30) : found.start()])[-1]
