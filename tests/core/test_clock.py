"""Times given on the command line and in requests (`core.clock`): a local time names one
instant or is refused; `now` and `latest` in any case; an empty time is not the default."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.cli.main import cli
from basics.core.clock import end_word, parse_time
from basics.core.errors import InputError


def test_a_local_time_the_clocks_went_through_twice_is_refused() -> None:
    """01:30 on 2026-10-25 in London is 00:30Z (BST) and 01:30Z (GMT): it was read as the
    first, silently."""
    with pytest.raises(InputError) as said:
        parse_time("2026-10-25T01:30", "Europe/London")
    assert str(said.value) == (
        'the local time "2026-10-25T01:30" happens twice in Europe/London: the clocks went '
        "back over it (00:30Z, then 01:30Z); write the time with its UTC offset"
    )
    # With its offset it is one instant; the hours around it are one too; a date alone is
    # its day's first instant.
    assert parse_time("2026-10-25T01:30+01:00", "Europe/London") == dt.datetime(2026, 10, 25, 0, 30)
    assert parse_time("2026-10-25T00:59", "Europe/London") == dt.datetime(2026, 10, 24, 23, 59)
    assert parse_time("2026-10-25T02:00", "Europe/London") == dt.datetime(2026, 10, 25, 2, 0)
    assert parse_time("2026-10-25", "Europe/London") == dt.datetime(2026, 10, 24, 23, 0)


def test_end_words_in_any_case_and_an_empty_end_is_not_the_default() -> None:
    assert [end_word(w, "now") for w in ("LATEST", " Now ", None)] == ["latest", "now", "now"]
    assert end_word("", "latest") == ""
    with pytest.raises(InputError, match='found ""'):
        parse_time(end_word("", "latest"), "UTC")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "basics.yaml").write_text(
        "timezone: Europe/London\nstore: basics.duckdb\nservices:\n  www:\n    slos:\n"
        "      availability: {objective: 99.9, good: status < 500}\n",
        encoding="utf-8",
    )
    return tmp_path


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])
    return done.exit_code, done.stdout, done.stderr


def test_lists_take_now_and_say_where_latest_belongs(folder: Path) -> None:
    """docs/cli.md promised `now` and `latest` for times; `deploys list --to now` and
    `pages list --to now` were refused as not ISO 8601."""
    for command in (["deploys", "list"], ["pages", "list"]):
        code, _, err = run(folder, *command, "--to", "now", "--json")
        assert code == 0, err
    code, _, err = run(folder, "pages", "list", "--to", "latest")
    assert code == 2
    assert '"latest" stands for the newest record a report counts' in err


def test_the_command_line_refuses_an_empty_or_twice_happening_time(folder: Path) -> None:
    code, _, err = run(folder, "slo", "status", "--at", "")
    assert (code, err) == (1, 'Error: expected a time such as 2026-03-02T14:00:05Z or '
                              '2026-03-02, found ""\n')  # fmt: skip
    code, _, err = run(folder, "slo", "status", "--at", "2026-10-25T01:30")
    assert code == 1 and "happens twice in Europe/London" in err
    code, out, err = run(folder, "slo", "status", "--at", "NOW", "--json")
    assert code == 0 and out.startswith("[")
