"""Settings that would do nothing, or crash a report later, are refused at their line by
`config validate`, never accepted and ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError

SLO = """\
services:
  www:
    slos:
      a:
        good: status < 500
        objective: {objective}
        {extra}
"""


def _error(text: str, tmp_path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, tmp_path / "basics.yaml")
    return str(raised.value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        # NaN compared as a Decimal used to raise InvalidOperation: a traceback.
        ("objective", "NaN", "expected a percentage from 1 to under 100 (99.9 for three"),
        ("objective", ".nan", 'got "nan"'),
        ("objective", "-Infinity", 'got "-Infinity"'),
        # Passed validation, then every report crashed with OverflowError.
        ("window", "100000000d", 'whole minutes, 1m to 366d, got "100000000d"'),
        ("window", "367d", 'whole minutes, 1m to 366d, got "367d"'),
        # Shorter than a rollup minute, or between minutes: always "no data".
        ("window", "1s", 'whole minutes, 1m to 366d, got "1s"'),
        ("window", "90s", 'whole minutes, 1m to 366d, got "90s"'),
        # OpenSLO's fraction: read as 0.999 %, an SLO that is "ok" whatever fails.
        ("objective", "0.999", "reads as 0.999 %: if you mean a fraction, write 99.9 ("),
        ("objective", "0.5", "write 50 (percentages below 1 are refused)"),
    ],
)
def test_slo_values_refused_at_their_line(
    key: str, value: str, message: str, tmp_path: Path
) -> None:
    fields = {"objective": "99", "extra": "window: 30d"}
    fields |= {"objective": value} if key == "objective" else {"extra": f"window: {value}"}
    error = _error(SLO.format(**fields), tmp_path)
    line = 6 if key == "objective" else 7
    assert error.startswith(f"basics.yaml:{line}: services.www.slos.a.{key}: ")
    assert message in error


def test_the_longest_and_shortest_windows_are_accepted(tmp_path: Path) -> None:
    for window in ("1m", "366d", "month", "quarter"):
        config = parse_config(
            SLO.format(objective=99, extra=f"window: {window}"), tmp_path / "basics.yaml"
        )
        assert config.services["www"].slos["a"].window == window


def test_a_slice_longer_than_its_window_is_refused(tmp_path: Path) -> None:
    extra = "window: 1h\n        budgeting: timeslices\n        slice: 2h\n        slice_target: 95"
    error = _error(SLO.format(objective=99, extra=extra), tmp_path)
    assert error.startswith("basics.yaml:4: services.www.slos.a: a slice (2h) must fit")
    fits = extra.replace("slice: 2h", "slice: 1h")
    slo = (
        parse_config(SLO.format(objective=99, extra=fits), tmp_path / "basics.yaml")
        .services["www"]
        .slos["a"]
    )
    assert slo.slice_s == 3600


def test_a_month_window_takes_slices_up_to_its_shortest_month(tmp_path: Path) -> None:
    extra = (
        "window: month\n        budgeting: timeslices\n        slice_target: 95\n        slice: "
    )
    assert parse_config(SLO.format(objective=99, extra=extra + "28d"), tmp_path / "basics.yaml")
    assert "must fit in the window (month)" in _error(
        SLO.format(objective=99, extra=extra + "29d"), tmp_path
    )


def test_an_alert_window_longer_than_a_year_is_refused(tmp_path: Path) -> None:
    text = SLO.format(objective=99, extra="window: 30d") + (
        "alerting:\n  policies:\n    p:\n      tiers:\n        - {long: 100000000d, burn_rate: 2}\n"
    )
    error = _error(text, tmp_path)
    assert "basics.yaml:12: alerting.policies.p.tiers.0.long: " in error
    assert 'at most 366d, got "100000000d"' in error


def test_working_hours_are_refused_not_ignored(tmp_path: Path) -> None:
    # Accepted and ignored before: business hours were always 08-18 whatever it said.
    text = (
        SLO.format(objective=99, extra="window: 30d")
        + 'people:\n  ana: {working_hours: "09:00-17:00"}\n'
    )
    error = _error(text, tmp_path)
    assert error.startswith("basics.yaml:9: people.ana.working_hours: working_hours is not")
    assert "PagerDuty's time classes" in error


def test_slices_of_an_slo_that_counts_events_are_refused(tmp_path: Path) -> None:
    """`slice` and `slice_target` without `budgeting: timeslices` were accepted and did
    nothing: the SLO counted events (3 good of 4: 75 %, where slices would say 100 %)."""
    error = _error(
        SLO.format(objective="99", extra="slice: 5m\n        slice_target: 50"), tmp_path
    )
    assert error == (
        "basics.yaml:4: services.www.slos.a: slice and slice_target apply to budgeting: "
        "timeslices, and this SLO counts events (budgeting: occurrences, the default): add "
        "budgeting: timeslices, or remove them"
    )
    timeslices = "budgeting: timeslices\n        slice: 5m\n        slice_target: 50"
    config = parse_config(SLO.format(objective="99", extra=timeslices), tmp_path / "b.yaml")
    assert config.services["www"].slos["a"].slice_s == 300
