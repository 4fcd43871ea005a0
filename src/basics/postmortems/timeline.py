"""A post-mortem's timeline: its entries (table rows, list items, lines that start with a
time) and the moments its marked lines state ("OUTAGE BEGINS", "pages Hana", "rolled back",
"OUTAGE MITIGATED", "resolved").

A table may give the day and the time in columns of their own (`| Date | Time | Event |`);
a line at the top of the section may name the zone its times are in ("All times CET.",
"(times in UTC)"), as its heading may ("Timeline (all times UTC)").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from basics.postmortems.detection import customer_report
from basics.postmortems.markdown import BULLET, EMPHASIS, TABLE_RULE
from basics.postmortems.models import TimelineEntry
from basics.postmortems.times import (
    ABBREVIATIONS,
    DATE,
    DOTTED_DATE,
    PROSE_DATE,
    REGIONS,
    TIME_OF_DAY,
    first_date,
    parse_clock,
    zone_in,
)

MARKS: dict[str, re.Pattern[str]] = {
    "started": re.compile(
        r"\b(?:outage|incident|impact|problem) (?:begins|began|starts|started)\b|"
        r"\bstart of (?:the )?(?:impact|outage|incident)\b|"
        r"\bfehler beginnen\b|\bbeginn der st[öo]rung\b|\bcomienzan? los errores\b|"
        r"\bd[ée]but de l'incident\b",
        re.IGNORECASE,
    ),
    "detected": re.compile(
        r"\bpage[sd]?\b|\bpaging\b|\bpager\b|\balert(?:s|ed)?\b.*\b(?:fire[sd]?|trigger\w*)|"
        r"\b(?:fire[sd]?|trigger\w*)\b.*\balert|\bsynthetic\b.*\bfail|\bfirst (?:support )?"
        r"(?:ticket|report|email|complaint|customer)|\btweet\w*|\bnotice[sd]\b|\bspotted\b|"
        r"\b(?:customer|merchant|support)\b.*\b(?:report|email|ticket|called|complain)\w*|"
        r"\bsees\b|\braises? it\b|\bdeclares?\b|"
        # German, Spanish, French
        r"\balarm\w*|\b(?:kunden?|support)\b.*\bmeld\w*|\bgemeldet\b|\berkannt\b|"
        r"\balerta\b|\bdetectad[oa]\b|\b(?:clientes?|soporte)\b.*\b(?:report|reclam|avis)\w*|"
        r"\balerte\b|\bd[ée]tect[ée]e?\b|\bsignal[ée]\b|"
        r"\b(?:utilisateurs?|clients?)\b.*\bsignal\w*|\bbemerk\w*|\bremarqu\w*|\bnot[óo]\b|"
        # Portuguese, Dutch
        r"\b(?:clientes?|usu[áa]rios?)\b.*\brelat\w*|\bdetectou\b|"
        r"\b(?:klant(?:en)?|gebruikers?)\b.*\bmeld\w*|\bopgemerkt\b|\bgedetecteerd\b",
        re.IGNORECASE,
    ),
    "mitigated": re.compile(
        r"\bmitigat\w*|\brevert\w*|\broll(?:ed)? ?back\b|\brestor\w*|\brecover\w*|"
        r"\bback to\b|\bdrops?\b|\bdropped\b|\bstop(?:s|ped)?\b|\bsucceed\w*|\bnormal\b|"
        r"\bfix(?:ed)?\b|\bre-?run\b|\bblock(?:ed)?\b|\ballowlist\w*|\bcancel\w*|\brenew\w*|"
        r"\bcapped\b|\bdisabl\w*|\bfailed over\b|\bdrained\b|\bmanual run\b|\bpatched\b|"
        r"\bscaled (?:up|out)\b|\brestart\w*|"
        r"\bmitigad[oa]\b|\bgemildert\b|\bzur[üu]ckgerollt\b|\bneu ?gestartet\b|"
        r"\bausgerollt\b|\bse reduce\b|\brevertid[oa]\b|\breiniciad[oa]\b|\batt[ée]nu[ée]\b|"
        r"\bannul[ée]\b|\bred[ée]marr[ée]\b|\bmitig[ée]e?s?\b|\br[ée]tabli\w*|"
        r"\brestablecid[oa]s?\b|\brestaurad[oa]s?\b",
        re.IGNORECASE,
    ),
    "resolved": re.compile(
        r"\bresolved\b|\b(?:outage|incident) (?:ends|ended|over)\b|\bclosed\b|\ball clear\b|"
        r"\bback to normal\b|\bfully recovered\b|"
        r"\bbehoben\b|\bgel[öo]st\b|\bresuelt[oa]\b|\br[ée]solu\b|\bwiederhergestellt\b",
        re.IGNORECASE,
    ),
}
"""Timeline lines that say when an incident started, was detected, mitigated, resolved; a
line of a customer's report (`detection.customer_report`: "Customers reported errors") is
a detection too."""
_STATED: dict[str, re.Pattern[str]] = {
    "started": re.compile(r"\b(?:outage|impact) (?:begins|began|starts|started)\b", re.I),
    "mitigated": re.compile(r"\b(?:outage|impact|incident) (?:is |was )?mitigated\b", re.I),
}
"""Lines that state a moment in the template's words (the SRE book's "OUTAGE BEGINS",
"OUTAGE MITIGATED"): such a line wins over an earlier one that only mentions a word of
the kind ("pods restarted" before "OUTAGE MITIGATED")."""
_FAILURE = re.compile(
    r"\b(?:fail\w*|error\w*|expir\w*|down|outage|frozen|declin\w*|timeout\w*|timed out|"
    r"lag\w*|stuck|throttl\w*|refus\w*|broke\w*|5\d\d|exhaust\w*|saturat\w*|full|spike\w*|"
    r"degrad\w*|unavailable|crash\w*|deleted|stopped|deploy\w*|released|rolled out|"
    r"migrat\w*|pushed|applied|merged)\b",
    re.IGNORECASE,
)
_OUT_OF_ORDER = dt.timedelta(hours=12)
"""How far back a time-only timeline line may step and still be on the same day: the day
nearest the line before it (a newest-first timeline steps back hours at a time)."""
_DATE_COLUMNS = frozenset(("date", "day", "datum", "tag", "fecha", "día", "dia", "data", "jour"))
_TIME_COLUMNS = frozenset(
    ("time", "when", "timestamp", "zeit", "uhrzeit", "hora", "heure", "ora", "tijd")
)
"""Header names of a timeline table's date column and time column (any case; what a header
says after the name in brackets, "Time (UTC)", is its zone)."""
_ZONE_WORDS = re.compile(
    r"\b[A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?\b|\b(?:UTC|GMT) ?[+-]\d{1,2}(?::?[0-5]\d)?|"
    rf"\b(?:{'|'.join(ABBREVIATIONS)}|{'|'.join(REGIONS)})\b"
)
"""A zone as a line names it: an IANA name, an offset after UTC or GMT, an abbreviation."""
_DATE_WORDS = re.compile(
    rf"{DATE.pattern}|{PROSE_DATE.pattern}|{DOTTED_DATE.pattern}|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    re.IGNORECASE,
)
_INTRO_WORDS = frozenset((
    "timeline", "time", "line", "times", "zone", "timezone", "tz", "all", "are", "is", "in",
    "on", "for", "of", "from", "the", "date", "day", "local", "events", "incident", "below",
    "shown", "given", "listed", "written", "and", "as",
    "zeitlinie", "ablauf", "alle", "zeiten", "zeit", "am", "vom", "datum",
    "cronología", "cronologia", "todas", "las", "horas", "hora", "en", "el", "del", "fecha",
    "chronologie", "toutes", "les", "heures", "heure", "le", "du",
))  # fmt: skip
"""The words that introduce a timeline's day and zone, in the languages its headings are
read in: a line of these, a date and a zone says nothing else."""
_ZONE_LINE = re.compile(r"\b(?:times?|time ?zone|zeit(?:en|zone)?|horas?|heures?)\b", re.IGNORECASE)
"""A line that speaks of the times ("All times CET.", "(times in UTC)", "Zeiten in UTC"):
at the top of a timeline, the zone it names is the section's."""


def from_timeline(entries: list[TimelineEntry]) -> dict[str, tuple[dt.datetime, str]]:
    """Moments a timeline states: its marked lines ("OUTAGE BEGINS", "pages Hana",
    "rolled back", "resolved"); the start, unmarked, is its first line that tells of a
    failure. Each with the words that say it."""
    timed = [e for e in entries if e.at is not None]
    if not timed:
        return {}
    found: dict[str, tuple[dt.datetime, str]] = {}
    for key in ("started", "detected", "mitigated"):
        # Each moment comes after the ones before it.
        after = max((v[0] for v in found.values()), default=None)
        later = [e for e in timed if after is None or (e.at is not None and e.at >= after)]
        stated = _STATED.get(key)
        entry = next((e for e in later if stated is not None and stated.search(e.text)), None)
        entry = entry or next((e for e in later if _marked(key, e.text)), None)
        if entry is not None and entry.at is not None:
            found[key] = (entry.at, entry.text[:60])
    resolved = [e for e in timed if MARKS["resolved"].search(e.text)]
    if resolved and resolved[-1].at is not None:
        found["resolved"] = (resolved[-1].at, resolved[-1].text[:60])
    if "started" not in found:
        first = next((e for e in timed if _FAILURE.search(e.text)), timed[0])
        detected = found.get("detected")
        assert first.at is not None
        # Nothing is detected before it starts: the start is no later than the detection.
        found["started"] = (first.at, first.text[:60])
        if detected is not None and detected[0] < first.at:
            earlier = [e for e in timed if e.at is not None and e.at <= detected[0]]
            found["started"] = (earlier[0].at, earlier[0].text[:60])  # type: ignore[assignment]
    start = found["started"][0]
    return {k: v for k, v in found.items() if v[0] >= start}


def _marked(key: str, text: str) -> bool:
    """Whether a timeline line says the moment `key` names."""
    if MARKS[key].search(text):
        return True
    return key == "detected" and customer_report(text) is not None


def read_timeline(
    text: str, day: dt.date | None, zone: dt.tzinfo | None, default_zone: str, notes: list[str]
) -> list[TimelineEntry]:
    """(time, text) from a timeline section: table rows, list items or lines that start with
    a time; a line that is only a date sets the day of those after it, and a time-only line
    earlier than the one before it is on the next day (said in `notes`). Prose between
    entries is left in the section's text."""
    reader = _Reader(day, zone, default_zone, notes)
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            reader.row([EMPHASIS.sub("", c).strip() for c in line.strip("|").split("|")])
        else:
            reader.line(raw)
    if reader.undated:
        # Never dropped silently: the times are there, the day they are on is not.
        lines = "1 line gives" if reader.undated == 1 else f"{reader.undated} lines give"
        notes.append(f"timeline: {lines} a time but no date (no date line above, no date of "
                     "the document): their times are left out")  # fmt: skip
    return reader.entries


@dataclass
class _Reader:
    """A timeline read line by line: the day and zone its lines are on so far."""

    day: dt.date | None
    zone: dt.tzinfo | None
    default_zone: str
    notes: list[str]
    entries: list[TimelineEntry] = field(default_factory=list)
    previous: tuple[dt.datetime, str] | None = None  # the last time read, and its clock
    rolled: bool = False  # crossed midnight already: the timeline runs oldest first
    header: list[str] | None = None
    columns: tuple[int | None, int | None] = (None, None)  # the date and time columns
    undated: int = 0  # lines with a time and no day to put it on

    def row(self, cells: list[str]) -> None:
        """A table row: the header (its zone, its date and time columns), or an entry."""
        if self.header is None and not any(TIME_OF_DAY.search(c) for c in cells):
            self.header = cells
            self.zone = zone_in(" ".join(cells)) or self.zone
            self.columns = _columns(cells)
            return
        date_column, time_column = self.columns
        if date_column is None and time_column is None and _date_then_time(cells):
            date_column, time_column = 0, 1  # no header says so: the cells do
        clock = time_column if time_column is not None else 0
        dated = False
        if date_column is not None and date_column < len(cells):
            on = first_date(cells[date_column], dotted=True)
            dated, self.day = on is not None, on or self.day
        when = cells[clock] if clock < len(cells) else ""
        stamp = DATE.match(when)
        worded = None if stamp else _worded_date(when)
        if stamp:
            dated, self.day = True, dt.date.fromisoformat(stamp.group(0))
        if worded is not None:  # "Feb 3, 2026 01:10", "03.02.2026 01:10" in the time column
            dated, self.day, when = True, worded[0], worded[1]
        moment = self.clock(when, dated)
        self.undated += moment is None and self.day is None and bool(TIME_OF_DAY.match(when))
        said = [c for n, c in enumerate(cells) if c and n not in (clock, date_column)]
        self.entries.append(TimelineEntry(moment, " — ".join(said)))

    def line(self, raw: str) -> None:
        """A line: a date line (the day of those after it), the zone the times are in (at
        the top), or an entry."""
        item = BULLET.match(raw)
        content = EMPHASIS.sub("", item.group(1) if item else raw.strip()).strip()
        if DATE.fullmatch(content.split("(")[0].strip().rstrip(":")):
            self.day = dt.date.fromisoformat(content[:10])
            self.zone = zone_in(content) or self.zone
            self.previous, self.rolled = None, False
            return
        intro = _intro(content)
        # "18 Feb 2026 (all times CET):" sets the day (and zone) of the lines after it; a
        # zone alone ("All times in UTC") is the section's at its top only.
        if intro is not None and (intro[0] is not None or not self.entries):
            day, zone = intro
            if day is not None:
                self.day, self.previous, self.rolled = day, None, False
            self.zone = zone or self.zone
            return
        if not self.entries and _ZONE_LINE.search(content) and len(content) <= 80:
            named = None if TIME_OF_DAY.match(content) else zone_in(content)
            if named is not None:
                self.zone = named
                return
        stamp = DATE.match(content)
        self.day = dt.date.fromisoformat(stamp.group(0)) if stamp else self.day
        worded = None if stamp else _worded_date(content)
        if worded is not None:  # "17 Feb 2026 13:58 UTC — …", "05.03.2026 08:10 …"
            day, rest = worded
            moment = self.clock(rest, dated=True, on=day)
            if moment is not None:
                self.day = day
                self.entries.append(TimelineEntry(moment, _after_time(rest).strip(" -—–:")))
                return
        moment = self.clock(content, dated=stamp is not None)
        if moment is not None:
            self.entries.append(TimelineEntry(moment, _after_time(content).strip(" -—–:")))
            return
        self.undated += self.day is None and bool(TIME_OF_DAY.match(content))
        if item:
            self.entries.append(TimelineEntry(None, content))

    def clock(self, text: str, dated: bool, on: dt.date | None = None) -> dt.datetime | None:
        """The time `text` starts with, on the current day. A time-only line more than 12
        hours earlier than the line before it is on the next day: the timeline crossed
        midnight ("11:52 PM", then "12:05 AM"). Less is a line written out of order, or a
        timeline told newest first: left on its day, unless the timeline crossed a midnight
        already (it runs oldest first, so any step back is the next day: 22:30, 08:15,
        17:00, then 10:30 is the third day). A line with a date says its day."""
        moment = parse_clock(text, on or self.day, self.zone, self.default_zone)
        if moment is None:
            return None
        previous = self.previous
        step = _OUT_OF_ORDER if not self.rolled else dt.timedelta(0)
        back = previous is not None and moment < previous[0] - step
        if not dated and previous is not None and back and self.day is not None:
            self.rolled = True
            self.day += dt.timedelta(days=1)
            said = f"timeline: times after {previous[1]} read as the next day, {self.day}"
            self.notes.append(said)
            moment = parse_clock(text, self.day, self.zone, self.default_zone) or moment
        found = TIME_OF_DAY.search(text)
        self.previous = (moment, found.group(0).strip() if found else text[:16])
        return moment


def table_in(text: str) -> str:
    """The first table of `text` whose header names a time column and whose first row
    gives a time in it (`| Time (PST) | Event |`): a timeline outside a timeline section;
    "" when there is none."""
    lines = text.split("\n")
    for index, line in enumerate(lines[:-2]):
        if not line.lstrip().startswith("|") or not TABLE_RULE.match(lines[index + 1].strip()):
            continue
        header = [c.strip() for c in line.strip().strip("|").split("|")]
        column = _columns(header)[1]
        row = [c.strip() for c in lines[index + 2].strip().strip("|").split("|")]
        if column is not None and column < len(row) and TIME_OF_DAY.search(row[column]):
            end = next((n for n in range(index + 2, len(lines))
                        if not lines[n].lstrip().startswith("|")), len(lines))  # fmt: skip
            if _tells(lines[index + 2 : end], column):
                return "\n".join(lines[index:end])
    return ""


_WORDS = re.compile(r"[^\W\d_]{3,}")


def _tells(rows: list[str], column: int) -> bool:
    """Whether a table's rows tell what happened: most say it in words beside their time
    (`| 10:02 | checkout errors begin |`), not in figures (`| 10:02 | 45% |`, an error-rate
    table of an Impact section)."""
    worded = 0
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        worded += any(_WORDS.search(c) for i, c in enumerate(cells) if i != column)
    return worded * 2 > len(rows)


def _intro(content: str) -> tuple[dt.date | None, dt.tzinfo | None] | None:
    """The day and the zone a line gives for the lines after it, when that is all it says:
    a date ("18 Feb 2026:", "Wednesday, 18 February 2026", "05.03.2026"), the zone its
    times are in ("all times in UTC", "(times in PST)", "Europe/Berlin"), or both, with the
    words that introduce them ("Timeline (all times CET), 18 Feb 2026:"); None for any
    other line (an entry, prose)."""
    if len(content) > 100 or TIME_OF_DAY.match(content):  # most lines are entries
        return None
    rest = _ZONE_WORDS.sub(" ", content)
    if TIME_OF_DAY.search(rest):  # a time of day: an entry, not its intro
        return None
    day = first_date(content, dotted=True)
    zone = zone_in(content)
    if day is None and zone is None:
        return None
    rest = _DATE_WORDS.sub(" ", rest)
    if any(word.lower() not in _INTRO_WORDS for word in re.findall(r"[^\W\d_]+", rest)):
        return None
    return day, zone


def _worded_date(content: str) -> tuple[dt.date, str] | None:
    """The date a line starts with in words ("17 Feb 2026", "Feb 17, 2026") or as
    day.month.year ("05.03.2026"), and the rest of the line after it (", at" dropped)."""
    found = PROSE_DATE.match(content) or DOTTED_DATE.match(content)
    if found is None:
        return None
    day = first_date(found.group(0), dotted=True)
    if day is None:
        return None
    return day, re.sub(r"^\s*,?\s*(?:at\b|um\b|a las\b|à\b)?\s*", "", content[found.end() :])


def _columns(header: list[str]) -> tuple[int | None, int | None]:
    """The date column and the time column a timeline table's header names, if any."""
    date_column = time_column = None
    for index, cell in enumerate(header):
        name = re.sub(r"\s*\([^)]*\)\s*$", "", cell).strip().lower()
        if date_column is None and name in _DATE_COLUMNS:
            date_column = index
        elif time_column is None and name in _TIME_COLUMNS:
            time_column = index
    return date_column, time_column


def _date_then_time(cells: list[str]) -> bool:
    """A row whose first cell is a date alone and whose second starts with a time."""
    if len(cells) < 3:
        return False
    alone = DATE.fullmatch(cells[0]) or DOTTED_DATE.fullmatch(cells[0])
    return bool(alone) and bool(TIME_OF_DAY.match(cells[1]))


def _after_time(line: str) -> str:
    line = re.sub(r"^\d{4}-\d{2}-\d{2}[T ]?", "", line.strip())
    found = TIME_OF_DAY.match(line.strip())
    return line.strip()[found.end() :] if found else line
