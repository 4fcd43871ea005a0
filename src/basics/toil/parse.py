"""Reading the values of a toil entry as people write them: times spent (`1h 30m`, `45m`,
`1.5`, `1:30`, `5400` in a seconds column), days (ISO 8601, Jira's `02/Mar/26 10:00 AM`,
`02.03.2026`, `03/02/2026` with its order told or found), yes/no flags, categories and
descriptions (people: `basics.config.people.People`). Pure; each failure is a ValueError
whose message says what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Literal

from basics.toil.models import ONCALL, UNCATEGORISED

TimeUnit = Literal["seconds", "minutes", "hours", "duration"]
DateOrder = Literal["dmy", "mdy"]

# Jira's time-tracking defaults: a day is 8 hours and a week 5 days.
_UNIT_MINUTES = {"w": 5 * 8 * 60.0, "d": 8 * 60.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
_UNIT_WORDS = {
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}  # fmt: skip
_BARE_MINUTES: dict[TimeUnit, float | None] = {
    "seconds": 1 / 60,
    "minutes": 1.0,
    "hours": 60.0,
    "duration": None,
}
_NUMBER = r"\d+(?:[.,]\d+)?"
_PART = re.compile(rf"({_NUMBER})\s*([a-z]+)", re.IGNORECASE)
_WITH_UNITS = re.compile(rf"^(?:{_NUMBER}\s*[a-z]+\s*)+$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
# A decimal comma takes one or two digits: "5,400" may be five thousand four hundred.
_BARE = re.compile(r"^(\d+(?:\.\d+)?|\d+,\d{1,2})$")
TIME_EXAMPLES = "1h 30m, 45m, 90 (minutes), 1.5 (hours) or 1:30"
MAX_MINUTES = 24 * 60.0
"""An entry is one person's time on one day."""
DESCRIPTION_CAP = 500
"""Characters of a description kept."""


def minutes_of(text: str, unit: TimeUnit) -> float:
    """Minutes in a time spent; a bare number is read in `unit` (a `duration` needs units)."""
    value = text.strip().lower()
    if _WITH_UNITS.match(value):
        minutes = _with_units(value)
    elif clock := _CLOCK.match(value):
        hours, mins, secs = clock.groups()
        minutes = int(hours) * 60 + int(mins) + int(secs or 0) / 60
    elif _BARE.match(value):
        factor = _BARE_MINUTES[unit]
        if factor is None:
            raise ValueError(
                f'a number without a unit ("{text.strip()}") in a column of durations: say '
                "which unit it holds with --mapping seconds=COLUMN, minutes=COLUMN or hours=COLUMN"
            )
        minutes = float(value.replace(",", ".")) * factor
    else:
        raise ValueError(f'expected a time spent such as {TIME_EXAMPLES}, found "{text.strip()}"')
    if minutes <= 0:
        raise ValueError(f'expected a time spent above zero, found "{text.strip()}"')
    if minutes > MAX_MINUTES:
        raise ValueError(
            f'expected at most 24h (an entry is one person\'s day), found "{text.strip()}": '
            "split longer work over its days"
        )
    return minutes


def _with_units(value: str) -> float:
    minutes = 0.0
    for number, word in _PART.findall(value):
        unit = _UNIT_WORDS.get(word)
        if unit is None:
            raise ValueError(
                f'unknown unit "{word}" in "{value}": expected w, d, h, m or s (such as 1h 30m)'
            )
        minutes += float(number.replace(",", ".")) * _UNIT_MINUTES[unit]
    return minutes


# --- days ---------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TAIL = r"(?:[ T,].*)?$"  # a time of day after the date, ignored: the date is as written
_YMD = re.compile(rf"^(\d{{4}})[/.-](\d{{1,2}})[/.-](\d{{1,2}}){_TAIL}")
_DOTTED = re.compile(rf"^(\d{{1,2}})\.(\d{{1,2}})\.(\d{{2}}|\d{{4}}){_TAIL}")
_SLASHED = re.compile(rf"^(\d{{1,2}})/(\d{{1,2}})/(\d{{2}}|\d{{4}}){_TAIL}")
_NAMED_DMY = re.compile(
    rf"^(\d{{1,2}})[/\- ]([a-z]{{3,9}})\.?[/\- ,]+(\d{{2}}|\d{{4}}){_TAIL}", re.IGNORECASE
)
_NAMED_MDY = re.compile(rf"^([a-z]{{3,9}})\.? (\d{{1,2}}),? (\d{{4}}){_TAIL}", re.IGNORECASE)
DATE_EXAMPLES = "2026-03-02, 2026-03-02T09:15:00+01:00, 02/Mar/26 or 02.03.2026"


def day_of(text: str, timezone: str, order: DateOrder | None = None) -> dt.date:
    """The calendar day of a date or time as written; a time with an offset (or Z) is
    first moved to `timezone`, the person's. `order` reads `03/02/2026`."""
    value = text.strip()
    try:
        return _iso_day(value, timezone)
    except ValueError:
        pass
    try:
        day = _other_day(value, order)
    except ValueError as error:
        raise ValueError(f'{error}, found "{value}"') from None
    if day is None:
        raise ValueError(f'expected a date such as {DATE_EXAMPLES}, found "{value}"')
    return day


def _iso_day(value: str, timezone: str) -> dt.date:
    """The day of an ISO 8601 date or time; ValueError when it is not one."""
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return moment.date()


def _other_day(value: str, order: DateOrder | None) -> dt.date | None:
    """The day of the other written forms, None when the text is none of them."""
    if found := _YMD.match(value):
        year, month, day = found.groups()
    elif found := _DOTTED.match(value):
        day, month, year = found.groups()
    elif found := _NAMED_DMY.match(value):
        day, month, year = found.group(1), _month(found.group(2)), found.group(3)
    elif found := _NAMED_MDY.match(value):
        month, day, year = _month(found.group(1)), found.group(2), found.group(3)
    elif found := _SLASHED.match(value):
        first, second, year = found.groups()
        day, month = _slashed(int(first), int(second), order)
    else:
        return None
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return dt.date(full_year, int(month), int(day))
    except ValueError:
        raise ValueError("expected a date that exists") from None


def _month(name: str) -> str:
    key = name[:3].lower()
    if key not in _MONTHS:
        raise ValueError(f'expected an English month name, found "{name}"')
    return str(_MONTHS.index(key) + 1)


def _slashed(first: int, second: int, order: DateOrder | None) -> tuple[str, str]:
    """(day, month) of `first/second/year`."""
    if order is None:
        if first > 12 or first == second:
            order = "dmy"
        elif second > 12:
            order = "mdy"
        else:
            raise ValueError(
                "an ambiguous date (day/month or month/day?): pass --dates dmy or --dates mdy"
            )
    return (str(first), str(second)) if order == "dmy" else (str(second), str(first))


def slash_order(texts: Iterable[str]) -> DateOrder | None:
    """The order the `a/b/year` dates of one file are written in, when one of them shows
    it (a first number above 12: day first; a second: month first); None if none does or
    they disagree."""
    seen: set[DateOrder] = set()
    for text in texts:
        found = _SLASHED.match(text.strip())
        if found:
            first, second = int(found.group(1)), int(found.group(2))
            if first > 12:
                seen.add("dmy")
            elif second > 12:
                seen.add("mdy")
    return next(iter(seen)) if len(seen) == 1 else None


# --- flags, categories, descriptions ------------------------------------------------------

_YES = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "automatable"}
_NO = {"no", "n", "false", "f", "0", "-"}


def flag_of(text: str) -> bool | None:
    """A yes/no cell: True, False, or None when empty."""
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f'expected yes or no (true/false, y/n, 1/0, x), found "{text.strip()}"')


_TOIL_PREFIX = re.compile(r"^\s*toil\s*(?::|/|\s-\s)\s*(?=\S)", re.IGNORECASE)
"""How a tracker's task or label names toil of a kind: `Toil: Manual deploy`, `toil/interrupt`,
`Toil - Access requests` (Harvest tasks, Jira labels): the kind is the category."""


def category_of(text: str) -> str:
    """A category as stored: lower case, spaces as hyphens (`Manual Deploy` → manual-deploy),
    without a leading `Toil:` (`Toil: Manual deploy` is manual-deploy, not toil:-manual-deploy)."""
    return "-".join(_TOIL_PREFIX.sub("", text).lower().split())


def checked_category(text: str, allowed: Sequence[str], oncall_derived: bool) -> str:
    """A category as stored, when entries may use it: one of `allowed` (any when empty; the
    default `uncategorised` always), and not on-call while that is derived from pages."""
    category = category_of(text)
    if not category:
        raise ValueError("expected a category such as interrupt or manual-deploy")
    if category == ONCALL and oncall_derived:
        raise ValueError(
            "on-call time is derived from pages (toil.oncall: true): log it under another "
            "category, or set toil.oncall: false"
        )
    if allowed and category not in allowed and category != UNCATEGORISED:
        raise ValueError(f'unknown category "{category}" (toil.categories: {", ".join(allowed)})')
    return category


def description_of(text: str | None) -> str | None:
    """A description as stored: runs of spaces as one, at most `DESCRIPTION_CAP` characters;
    None when empty."""
    return " ".join((text or "").split())[:DESCRIPTION_CAP] or None
