"""Times and durations as post-mortems write them: ISO 8601, "2026-03-02 14:05 CET",
"14:05" under a dated heading, "2:05 PM PST", "March 2, 2026 11:40 PM (EST)" (Notion's),
"17 Feb 2026 14:03 UTC" (incident.io's), "Time to detection: 1 hour 20 minutes".

Pure functions; every time comes back as naive UTC. A zone is taken from the text itself
(an offset, `Z`, an abbreviation such as CET or PDT, an IANA name), else from the section
or document ("all times UTC", "Time (PST)"), else the configured zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

ABBREVIATIONS: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AEST": 600, "AEDT": 660, "JST": 540,
    "MEZ": 60, "MESZ": 120,  # German for CET and CEST
}  # fmt: skip
"""Zone abbreviations as fixed offsets in minutes (each names its own half of the year)."""

# `Z` only as a zone of its own: "08:00 Zertifikat abgelaufen" is no time in UTC.
_ZONE = (
    r"(?:Z(?![A-Za-z])|[+-]\d{2}:?\d{2}|\b(?:"
    + "|".join(k for k in ABBREVIATIONS if k != "Z")
    + r")\b)"
)
_AFTER = r"(?!\s+(?:after|later|before|into|of|since|apr[eè]s|avant|plus|depuis|nach|sp[aä]ter))"
"""What follows a length of time, not a time of day ("1h30 after the deploy")."""
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")
"""An ISO date, also where a time follows it without a space (RFC 3339's
`2026-02-03T01:10:00Z`)."""
TIME_OF_DAY = re.compile(
    r"\b(\d{1,2})(?::|h(?=\d{2}\b" + _AFTER + r"))(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*([AaPp]\.?[Mm]\.?)?(?:\s*(" + _ZONE[3:-1] + r"))?"
)
"""A time of day: "14:05", "2:05 PM PDT", "14:05:30 UTC", and French "10h05" (not a
length of time: "1h30 after the deploy", "1h30 plus tard")."""
STAMP = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([AaPp]\.?[Mm]\.?)?"
    r"\s*(" + _ZONE[3:-1] + r"|\b[A-Z][a-z]+/[A-Za-z_]+\b)?"
)
_MONTH_NAMES = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTHS = {m: n for n, m in enumerate(_MONTH_NAMES.split("|"), 1)}
PROSE_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_NAMES})[a-z]*\.?,? (\d{{4}})|"
    rf"({_MONTH_NAMES})[a-z]*\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}}))\b",
    re.IGNORECASE,
)
"""A date in words: "12 June 2025", "March 2, 2026", "17 Feb 2026"."""
DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
"""A date as day.month.year ("05.03.2026", as Germany and much of Europe write it): read
only where a label or a column says the value is a date ("03/02/2026" is never guessed)."""
SLASHED_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
"""A date as month/day/year or day/month/year: read only when it can be one day alone
(3/25/2026, 25/03/2026, 03/03/2026); "03/02/2026", March 2 or February 3, is not guessed."""
YEAR_FIRST_SLASHED = re.compile(r"\b(\d{4})/(\d{1,2})/(\d{1,2})\b")
"""A date as year/month/day ("2026/03/25")."""
IANA = re.compile(r"\b([A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)\b")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(d(?:ays?)?|h(?:ours?|rs?)?|m(?:in(?:ute)?s?)?|s(?:ec(?:ond)?s?)?)\b",
    re.IGNORECASE,
)


# "UTC+1", "GMT-05:00" (a bare "+02:00" in a line may be a time since the start).
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT) ?([+-])(\d{1,2})(?::?([0-5]\d))?(?![\d:%])")
REGIONS = {"PT": "America/Los_Angeles", "MT": "America/Denver", "CT": "America/Chicago",
           "ET": "America/New_York"}  # fmt: skip
"""Zones named without their half of the year ("PT"): the region's rules decide."""


def zone_in(text: str) -> dt.tzinfo | None:
    """The zone a heading or line names ("all times UTC", "Time (PST)", "Europe/Berlin")."""
    named = IANA.search(text)
    if named:
        try:
            return zoneinfo.ZoneInfo(named.group(1))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    # "UTC+1": that offset, never the plain UTC in it; none beyond ±14 h exists.
    offset = _NAMED_OFFSET.search(text)
    if offset and int(offset.group(2)) <= 14:
        sign, hours, minutes = offset.groups()
        total = int(hours) * 60 + int(minutes or 0)
        return _offset(total if sign == "+" else -total)
    for word in re.findall(r"\b[A-Z]{2,4}\b", text):
        if word in ABBREVIATIONS:
            return _offset(ABBREVIATIONS[word])
        if word in REGIONS:
            return zoneinfo.ZoneInfo(REGIONS[word])
    return None


def parse_stamp(text: str, zone: dt.tzinfo | None, default_zone: str) -> dt.datetime | None:
    """The first full date-and-time in `text` (ISO 8601 or "2026-03-02 14:05 CET"), or a
    date in words that `text` starts with ("March 2, 2026 11:40 PM"), as naive UTC; a date
    alone is midnight. None when there is no date."""
    text = text.strip()
    iso = _iso(text)
    if iso is not None:
        return _utc(iso, zone, default_zone)
    found = STAMP.search(text)
    if found:
        day = dt.date.fromisoformat(found.group(1))
        clock = _clock(found.group(2), found.group(3))
        if clock is None:
            return None
        local = dt.datetime.combine(day, clock)
        return _utc(local, _zone_of(found.group(4)) or zone, default_zone)
    only_date = DATE.fullmatch(text)
    if only_date:
        return _utc(dt.datetime.fromisoformat(text), zone, default_zone)
    in_words = PROSE_DATE.match(text)
    if in_words:
        return _prose_stamp(in_words, text, zone, default_zone)
    return None


def prose_date(found: re.Match[str]) -> dt.date | None:
    """The day a `PROSE_DATE` match names; None when there is no such day (June 31)."""
    if found.group(1):
        day, month, year = found.group(1), found.group(2), found.group(3)
    else:
        day, month, year = found.group(5), found.group(4), found.group(6)
    try:
        return dt.date(int(year), _MONTHS[month.lower()[:3]], int(day))
    except ValueError:
        return None


def first_date(text: str, dotted: bool = False, slashed: bool = False) -> dt.date | None:
    """The first date in `text`: ISO ("2025-06-12"), in words ("12 June 2025") or, with
    `dotted` (a value labelled as a date), day.month.year ("05.03.2026"); with `slashed`
    (a value said to be a date: a due date), also year/month/day and the slashed dates
    that can be one day only (`SLASHED_DATE`: "3/25/2026", "25/03/2026")."""
    found = [m for m in (DATE.search(text), PROSE_DATE.search(text)) if m]
    if dotted and (day_first := DOTTED_DATE.search(text)):
        found.append(day_first)
    if slashed:
        found += [m for m in SLASHED_DATE.finditer(text) if _slashed(m) is not None]
        found += [m for m in (YEAR_FIRST_SLASHED.search(text),) if m]
    first = min(found, key=lambda m: m.start(), default=None)
    if first is None:
        return None
    if first.re is PROSE_DATE:
        return prose_date(first)
    if first.re is SLASHED_DATE:
        return _slashed(first)
    if first.re is DOTTED_DATE:
        year, month, day = first.group(3), first.group(2), first.group(1)
    else:
        year, month, day = first.group(1), first.group(2), first.group(3)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def unsure_date(text: str) -> str | None:
    """The first slashed date of `text` that could be two days ("03/02/2026": March 2 or
    February 3?), as written; None when it has none."""
    return next((m.group(0) for m in SLASHED_DATE.finditer(text) if _is_unsure(m)), None)


def _is_unsure(found: re.Match[str]) -> bool:
    first, second = int(found.group(1)), int(found.group(2))
    return first != second and first <= 12 and second <= 12


def _slashed(found: re.Match[str]) -> dt.date | None:
    """The day a slashed date names when it can name one only: a part over 12 is the day
    (3/25/2026 is March 25, 25/03/2026 too), and 03/03/2026 is the same either way."""
    first, second, year = (int(part) for part in found.groups())
    if _is_unsure(found):
        return None
    month, day = (first, second) if second > 12 or first == second else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _prose_stamp(
    found: re.Match[str], text: str, zone: dt.tzinfo | None, default_zone: str
) -> dt.datetime | None:
    """A date in words alone (midnight, as an ISO date alone), or followed by a time of day
    ("March 2, 2026 11:40 PM", "17 Feb 2026 at 14:03 UTC"); None when anything else follows."""
    day = prose_date(found)
    if day is None:
        return None
    rest = re.sub(r"^\s*(?:,|at\b)?\s*", "", text[found.end() :])
    if not rest:
        return _utc(dt.datetime.combine(day, dt.time()), zone, default_zone)
    clock = TIME_OF_DAY.match(rest)
    if not clock:
        return None
    moment = _clock(f"{clock.group(1)}:{clock.group(2)}:{clock.group(3) or '00'}", clock.group(4))
    if moment is None:
        return None
    local = dt.datetime.combine(day, moment)
    return _utc(local, _zone_of(clock.group(5)) or zone, default_zone)


def parse_clock(
    text: str, day: dt.date | None, zone: dt.tzinfo | None, default_zone: str
) -> dt.datetime | None:
    """A time of day at the start of `text` ("14:05", "2:05 PM PDT") on `day`, as naive
    UTC; None without a day or a time."""
    stamp = parse_stamp(text[:40], zone, default_zone) if DATE.match(text.strip()) else None
    if stamp is not None:
        return stamp
    found = TIME_OF_DAY.match(text.strip())
    if not found or day is None:
        return None
    clock = _clock(f"{found.group(1)}:{found.group(2)}:{found.group(3) or '00'}", found.group(4))
    if clock is None:
        return None
    return _utc(dt.datetime.combine(day, clock), _zone_of(found.group(5)) or zone, default_zone)


def parse_duration(text: str) -> dt.timedelta | None:
    """ "148 minutes", "1 hour 20 minutes", "2h 5m", "1.5 hours", "00:45" as a timedelta."""
    text = text.strip().lower()
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", text.split()[0] if text else "")
    if clock:
        h, m, s = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        return dt.timedelta(hours=h, minutes=m, seconds=s)
    total = dt.timedelta()
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    for number, unit in parts:
        value = float(number)
        letter = unit[0].lower()
        total += {
            "d": dt.timedelta(days=value),
            "h": dt.timedelta(hours=value),
            "m": dt.timedelta(minutes=value),
            "s": dt.timedelta(seconds=value),
        }[letter]
    return total


def _iso(text: str) -> dt.datetime | None:
    head = text.split()[0] if text else ""
    if not DATE.match(head) or "T" not in head:
        return None
    try:
        return dt.datetime.fromisoformat(head.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _clock(text: str, meridiem: str | None) -> dt.time | None:
    parts = [int(float(p)) for p in text.split(":")]
    hour, minute, second = [*parts, 0, 0][:3]
    if meridiem:
        pm = meridiem.lower().startswith("p")
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def _zone_of(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text in ABBREVIATIONS:
        return _offset(ABBREVIATIONS[text])
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if offset:
        minutes = int(offset.group(2)) * 60 + int(offset.group(3))
        return _offset(minutes if offset.group(1) == "+" else -minutes)
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _offset(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


def _utc(moment: dt.datetime, zone: dt.tzinfo | None, default_zone: str) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or zoneinfo.ZoneInfo(default_zone))
    return moment.astimezone(dt.UTC).replace(tzinfo=None)
