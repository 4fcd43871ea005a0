"""Times spent, days, flags, categories and people as worklogs write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from basics.config.people import People, Person
from basics.toil.parse import (
    DESCRIPTION_CAP,
    checked_category,
    day_of,
    description_of,
    flag_of,
    minutes_of,
    slash_order,
)


@pytest.mark.parametrize(
    ("text", "unit", "minutes"),
    [
        ("45m", "minutes", 45),
        ("1h30m", "minutes", 90),
        ("1h 30m", "duration", 90),
        ("2h", "duration", 120),
        ("90", "minutes", 90),
        ("1.5", "hours", 90),
        ("1,5", "hours", 90),  # a decimal comma (European spreadsheets)
        ("1:30", "hours", 90),
        ("0:45", "duration", 45),
        ("5400", "seconds", 90),
        ("2 hours 15 mins", "duration", 135),
        ("1d", "duration", 480),  # Jira's default working day: 8 hours
        ("90s", "minutes", 1.5),
    ],
)
def test_times_spent_in_every_written_form(text: str, unit: str, minutes: float) -> None:
    assert minutes_of(text, unit) == pytest.approx(minutes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "unit", "reason"),
    [
        ("90", "duration", "a number without a unit"),
        ("5,400", "seconds", "expected a time spent such as"),  # thousands or decimals?
        ("soon", "minutes", "expected a time spent such as"),
        ("0", "minutes", "above zero"),
        ("-5", "minutes", "expected a time spent such as"),
        ("25h", "duration", "at most 24h"),
        ("3 fortnights", "duration", 'unknown unit "fortnights"'),
    ],
)
def test_times_refused_say_what_was_expected(text: str, unit: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        minutes_of(text, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-02", dt.date(2026, 3, 2)),
        ("2026-03-02 23:30", dt.date(2026, 3, 2)),  # no offset: the day as written
        ("2026-03-02 10:00 AM", dt.date(2026, 3, 2)),
        ("02/Mar/26 10:00 AM", dt.date(2026, 3, 2)),  # Jira
        ("2 March 2026", dt.date(2026, 3, 2)),
        ("Mar 2, 2026", dt.date(2026, 3, 2)),
        ("02.03.2026", dt.date(2026, 3, 2)),  # day first with dots
        ("2026/03/02", dt.date(2026, 3, 2)),
        ("25/03/2026", dt.date(2026, 3, 25)),  # a first number above 12 shows the order
        ("03/25/2026", dt.date(2026, 3, 25)),
    ],
)
def test_days_in_every_written_form(text: str, day: dt.date) -> None:
    assert day_of(text, "Europe/London") == day


def test_a_time_with_an_offset_is_the_persons_day() -> None:
    # 04:30 UTC on the 4th is 23:30 on the 3rd in New York (EST, before 2026-03-08).
    assert day_of("2026-03-04T04:30:00Z", "America/New_York") == dt.date(2026, 3, 3)
    assert day_of("2026-03-04T04:30:00Z", "Europe/London") == dt.date(2026, 3, 4)
    # 00:30 at +01:00 is 23:30 the day before in London (GMT in early March).
    assert day_of("2026-03-04T00:30:00+01:00", "Europe/London") == dt.date(2026, 3, 3)


def test_ambiguous_slashed_dates_need_their_order() -> None:
    with pytest.raises(ValueError, match="pass --dates dmy or --dates mdy"):
        day_of("03/02/2026", "UTC")
    assert day_of("03/02/2026", "UTC", "dmy") == dt.date(2026, 2, 3)
    assert day_of("03/02/2026", "UTC", "mdy") == dt.date(2026, 3, 2)
    assert day_of("03/03/2026", "UTC") == dt.date(2026, 3, 3)  # either way the same
    with pytest.raises(ValueError, match="a date that exists"):
        day_of("31/02/2026", "UTC")
    assert slash_order(["03/02/2026", "03/16/2026"]) == "mdy"
    assert slash_order(["03/02/2026", "16/03/2026"]) == "dmy"
    assert slash_order(["16/03/2026", "03/16/2026"]) is None  # they disagree
    assert slash_order(["2026-03-02"]) is None


def test_flags_and_categories() -> None:
    assert [flag_of(v) for v in ("yes", "Y", "true", "1", "x", "", "no", "0")] == [
        True, True, True, True, True, None, False, False,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="expected yes or no"):
        flag_of("maybe")
    assert checked_category("Manual  Deploy", [], True) == "manual-deploy"
    assert [
        checked_category(c, ["manual-deploy", "toil", "toilet-repair"], True)
        for c in ("Toil: Manual deploy", "toil/manual deploy", "TOIL - manual-deploy", "Toil",
                  "toilet repair")
    ] == ["manual-deploy", "manual-deploy", "manual-deploy", "toil", "toilet-repair"]  # fmt: skip
    assert checked_category("interrupt", ["interrupt"], True) == "interrupt"
    assert checked_category("uncategorised", ["interrupt"], True) == "uncategorised"
    with pytest.raises(ValueError, match='unknown category "toil"'):
        checked_category("toil", ["interrupt"], True)
    with pytest.raises(ValueError, match="derived from pages"):
        checked_category("On call", [], True)
    assert checked_category("on-call", [], False) == "on-call"


def test_people_by_key_name_or_email() -> None:
    people = People(
        {"alice": Person(timezone="Europe/London", name="Alice Martin"), "bob": Person()},
        "Europe/Paris",
    )
    assert [people.resolve(n) for n in ("alice", "ALICE", "Alice  Martin", "bob@example.com")] == [
        "alice", "alice", "alice", "bob",
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r'unknown person "carol" \(known: alice, bob\)'):
        people.resolve("carol")
    assert people.zone_of("alice") == "Europe/London"
    assert people.zone_of("bob") == "UTC"
    assert people.zone_of("carol") == "Europe/Paris"
    anyone = People({}, "UTC")
    assert anyone.resolve(" Carol  Jones ") == "Carol Jones"
    # find: the same rule without the error (a page's responder, a pager's user).
    assert (people.find("alice martin"), people.find("Erin Outside"), anyone.find("x")) == (
        "alice", None, None,
    )  # fmt: skip
    # A key wins over someone else's name, whatever the order they are declared in.
    named_bob = People({"kai": Person(name="Bob"), "bob": Person()}, "UTC")
    assert named_bob.find("BOB") == "bob"


def test_people_by_alias_or_a_login_of_their_name() -> None:
    """A login, an e-mail or a handle declared as an alias is the person; a login that is
    their name with dots or underscores ("dana.weiss") is too, without one."""
    people = People(
        {
            "alice": Person(name="Alice Martin", aliases=["amartin", "alice@corp.example"]),
            "dana": Person(name="Dana Weiss"),
        },
        "UTC",
    )
    found = [
        people.find(name)
        for name in ("AMartin", "alice@corp.example", "amartin@other.example", "dana.weiss",
                     "dana_weiss@example.com", "alice.martin@example.com", "dana.w")
    ]  # fmt: skip
    assert found == ["alice", "alice", "alice", "dana", "dana", "alice", None]


def test_an_alias_stands_for_one_person(tmp_path: Path) -> None:
    from basics.config.loader import parse_config
    from basics.core.errors import ConfigError

    text = (
        "people:\n  ana: {aliases: [ops]}\n  bo: {aliases: [OPS, ' ', Cy Lee]}\n"
        "  cy: {name: Cy Lee}\n"
    )
    with pytest.raises(ConfigError) as raised:
        parse_config(text, tmp_path / "basics.yaml")
    assert str(raised.value).splitlines() == [
        'basics.yaml:3: people.bo.aliases.0: "OPS" already names the person "ana": a name '
        "stands for one person",
        "basics.yaml:3: people.bo.aliases.1: an alias is a name: it cannot be blank",
        'basics.yaml:3: people.bo.aliases.2: "Cy Lee" already names the person "cy": a name '
        "stands for one person",
    ]


def test_a_description_is_one_line_of_at_most_the_cap() -> None:
    assert description_of("  restarted\n the   queue ") == "restarted the queue"
    assert description_of("   ") is None and description_of(None) is None
    assert description_of("x" * 600) == "x" * DESCRIPTION_CAP
