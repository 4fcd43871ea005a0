"""People, teams and on-call rotations in basics.yaml."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HANDOVER = re.compile(
    r"^(?:(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+)?(\d{1,2}):(\d{2})$",
    re.IGNORECASE,
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def check_timezone(value: str) -> str:
    """The value if it names an IANA time zone; a ValueError that says so otherwise."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'expected an IANA time zone such as "UTC" or "Europe/London", got "{value}"'
        ) from None
    return value


class Person(_Model):
    """Someone who can be paged, in their own time zone."""

    timezone: str = "UTC"
    name: str | None = None
    # Other names tools give them: a login ("amartin"), an e-mail address, a handle.
    aliases: list[str] = Field(default_factory=list)
    # Refused rather than ignored: time classes are PagerDuty's, the same for everyone.
    working_hours: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("working_hours")
    @classmethod
    def _working_hours(cls, value: str | None) -> None:
        raise ValueError(
            "working_hours is not supported: on-call reports use PagerDuty's time classes "
            "for everyone (business 08:00-18:00 Monday to Friday, sleep 22:00-08:00, in the "
            "person's timezone); remove the key"
        )


class Team(_Model):
    """A team and its members; capacity (engineering hours a week) defaults to each member's
    `toil.hours_per_week`."""

    members: list[str] = Field(default_factory=list)
    capacity_hours_per_week: float | None = Field(default=None, gt=0)


class Override(_Model):
    """Someone covering a rotation over [from, to)."""

    person: str
    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("expected a time with an offset, such as 2026-03-01T09:00:00Z")
        return value.astimezone(dt.UTC)


class Rotation(_Model):
    """Ordered people taking turns, handing over at a local day and time."""

    team: str | None = None
    timezone: str = "UTC"
    every: Literal["daily", "weekly"] = "weekly"
    handover: str = "monday 09:00"
    start: dt.date
    people: list[str]
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("handover")
    @classmethod
    def _handover(cls, value: str) -> str:
        match = _HANDOVER.match(value.strip())
        if not match or int(match.group(2)) > 23 or int(match.group(3)) > 59:
            raise ValueError(
                f'expected a handover such as "monday 09:00" (weekly) or "09:00", got "{value}"'
            )
        return value.strip().lower()

    @model_validator(mode="after")
    def _people(self) -> Rotation:
        if not self.people:
            raise ValueError("a rotation needs at least one person")
        return self

    @property
    def handover_weekday(self) -> int | None:
        """0 = Monday, or None for a daily rotation's time-only handover."""
        match = _HANDOVER.match(self.handover)
        assert match is not None
        return WEEKDAYS.index(match.group(1)) if match.group(1) else None

    @property
    def handover_time(self) -> dt.time:
        """Local time of day of the handover."""
        match = _HANDOVER.match(self.handover)
        assert match is not None
        return dt.time(int(match.group(2)), int(match.group(3)))


def unknown_people(
    people: dict[str, Person], teams: dict[str, Team], rotations: dict[str, Rotation]
) -> list[tuple[tuple[str, ...], str]]:
    """(key path, message) for every reference to a person or team that is not declared."""
    problems: list[tuple[tuple[str, ...], str]] = []
    known = ", ".join(sorted(people)) or "none declared under people:"
    taken: dict[str, str] = {_folded(key): key for key in people}
    for key, declared in people.items():
        if declared.name:
            taken.setdefault(_folded(declared.name), key)
    aliases = {key: declared.aliases for key, declared in people.items()}
    problems += alias_conflicts("people", aliases, taken, _folded, "person")

    # Each reference points at its own item, so the error is at the line that names it.
    def check(where: tuple[str, ...], person: str) -> None:
        if person not in people:
            problems.append((where, f'unknown person "{person}" (known: {known})'))

    for name, team in teams.items():
        for i, person in enumerate(team.members):
            check(("teams", name, "members", str(i)), person)
    for name, rotation in rotations.items():
        if rotation.team is not None and rotation.team not in teams:
            problems.append((("rotations", name, "team"), f'unknown team "{rotation.team}"'))
        for i, person in enumerate(rotation.people):
            check(("rotations", name, "people", str(i)), person)
        for i, override in enumerate(rotation.overrides):
            check(("rotations", name, "overrides", str(i), "person"), override.person)
    return problems


def alias_conflicts(
    section: str,
    aliases: Mapping[str, list[str]],
    taken: dict[str, str],
    fold: Callable[[str], str],
    what: str,
) -> list[tuple[tuple[str, ...], str]]:
    """(key path, message) for each alias under `section` that is blank or already names
    another `what`: a name in `taken` (folded name -> key; extended here) or an earlier
    alias, as `fold` compares them."""
    problems: list[tuple[tuple[str, ...], str]] = []
    for key, names in aliases.items():
        for i, alias in enumerate(names):
            where = (section, key, "aliases", str(i))
            other = taken.setdefault(fold(alias), key)
            if not alias.strip():
                problems.append((where, "an alias is a name: it cannot be blank"))
            elif other != key:
                problems.append(
                    (where, f'"{alias}" already names the {what} "{other}": a name stands '
                            f"for one {what}")
                )  # fmt: skip
    return problems


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


_LAST_FIRST = re.compile(r"([^,]+),([^,]+)")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _first_last(name: str) -> str | None:
    """A name written last name first ("Doe, Jane") the usual way round ("jane doe"),
    folded; None for a name without one comma."""
    found = _LAST_FIRST.fullmatch(name)
    return _folded(f"{found[2]} {found[1]}") if found else None


def _ascii_forms(name: str) -> set[str]:
    """A folded name as a login spells it without accents: "josé müller" is "jose muller"
    and "jose mueller" (German ü as ue)."""
    forms = set()
    for text in (name, name.translate(_GERMAN)):
        plain = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
        ascii_only = "".join(c for c in plain if not unicodedata.combining(c))
        if ascii_only.isascii() and ascii_only != name:
            forms.add(ascii_only)
    return forms


class People:
    """Who a name from outside is (a worklog's author, a page's responder, a pager's user):
    a person of basics.yaml by key, alias, `name:`, the name part of an e-mail, or a login
    that is their name with dots ("dana.weiss" for Dana Weiss), in any case and with runs
    of spaces as one; keys before aliases before names. A name written last name first
    ("Weiss, Dana") is the same name, on either side; a login or an e-mail spelling a
    name without its accents ("jose.mueller" for José Müller) is that person, when it
    spells no one else's name (with or without accents: then it is neither's); of a list
    of people ("alice, bob"), the first."""

    def __init__(self, people: Mapping[str, Person], default_zone: str) -> None:
        self._people = people
        self._default_zone = default_zone
        self._known: dict[str, str] = {}
        for key in people:
            self._known.setdefault(_folded(key), key)
        for key, person in people.items():
            for alias in person.aliases:
                self._known.setdefault(_folded(alias), key)
        names: list[tuple[str, str]] = []
        for key, person in people.items():
            if person.name:
                names.append((_folded(person.name), key))
                turned = _first_last(_folded(person.name))
                if turned is not None:
                    names.append((turned, key))
        for name, key in names:
            self._known.setdefault(name, key)
        # Accentless spellings of names; one that two people's names give is no one's.
        self._ascii: dict[str, str | None] = {}
        for name, key in names:
            for form in _ascii_forms(name):
                owner = self._known.get(form, key)
                self._ascii[form] = key if self._ascii.get(form, owner) == key == owner else None

    def find(self, name: str) -> str | None:
        """The key of the person a name is; None when it is none of them."""
        text = _folded(name)
        found = self._known.get(text)
        if found is None and "@" in text:
            text = text.split("@")[0]
            found = self._known.get(text)
        if found is None and re.search(r"[._]", text):
            text = " ".join(re.split(r"[._]+", text)).strip()
            found = self._known.get(text)
            if found is not None and self._ascii.get(text, found) != found:
                # A login spelling one person's name and another's without its accents
                # ("jose.muller": Jose Muller, José Müller) is neither's: an alias says whose.
                return None
        if found is None and (turned := _first_last(text)) is not None:
            found = self._known.get(turned)
            text = turned
        if found is None and text.isascii():
            found = self._ascii.get(text)
        if found is None and "," in name and name.split(",")[0].strip():
            # Not a name last name first: a list of people ("alice, bob"), the first paged.
            found = self.find(name.split(",")[0])
        return found

    def resolve(self, name: str) -> str:
        """The person's key; with no people declared, the name as written (spaces folded);
        ValueError naming the known ones when people are declared and this is none of them."""
        text = " ".join(name.split())
        if not text:
            raise ValueError("expected a person")
        if not self._people:
            return text
        found = self.find(text)
        if found is None:
            known = ", ".join(sorted(self._people))
            raise ValueError(
                f'unknown person "{text}" (known: {known}); declare them under people: '
                "(a `name:` matches a full name)"
            )
        return found

    def zone_of(self, person: str) -> str:
        """A person's time zone (the config's when not declared)."""
        known = self._people.get(person)
        return known.timezone if known else self._default_zone
