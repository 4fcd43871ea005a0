"""How tables show values: durations rounded to their last unit, one line per cell."""

from __future__ import annotations

import pytest

from basics.cli import output


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (40.4, "40s"),
        (59.6, "1m"),  # rounded, not cut: 60 s
        (175, "3m"),  # 2 min 55 s: truncated it was "2m"
        (2395, "40m"),  # 39 min 55 s
        (3599, "1h 0m"),
        (7829, "2h 10m"),  # 2 h 10 min 29 s
        (86_399, "1d 0h"),
        (3 * 86_400 + 4 * 3600 + 1799, "3d 4h"),
        (-175, "-3m"),
        # Halves up, not to the even one (Python's round: 150 s was 2m, 0.5 s 0s).
        (150, "3m"),
        (90, "2m"),
        (5430, "1h 31m"),
        (88_200, "1d 1h"),
        (0.5, "1s"),
        (-0.4, "0s"),
        (None, None),
    ],
)
def test_durations_are_rounded_to_their_last_unit(seconds: float | None, shown: str) -> None:
    assert output.duration(seconds) == shown


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        # A half up, as 0.75 was 0.8 beside 0.25 shown 0.2 (a float's format rounds the
        # binary value: 0.25 to the even 0.2, 2.675 = 2.67499… to 2.67).
        (0.25, 1, "0.3"),
        (0.75, 1, "0.8"),
        (2.675, 2, "2.68"),
        (-0.25, 1, "-0.3"),
        (3.0, 1, "3.0"),
        (12345.5, 0, "12346"),
    ],
)
def test_numbers_round_a_half_up(value: float, digits: int, shown: str) -> None:
    from basics.web import formats

    assert output.number(value, digits) == shown
    assert output.percent(value / 100, digits) == shown + "%"
    # The dashboard rounds as the CLI does (it showed 0.25 as 0.2 beside the CLI's 0.3).
    assert formats.number(value, digits).replace(",", "") == shown


def test_shares_round_a_half_up_as_written() -> None:
    """0.145 is 14.5 %, shown 15 %: times 100 as a float it is 14.499…, which was 14 %."""
    from basics.web import formats

    assert [output.percent(v, 0) for v in (0.145, 0.575, 0.005)] == ["15%", "58%", "1%"]
    assert [formats.percent(v, 0) for v in (0.145, 0.575, 0.005)] == ["15%", "58%", "1%"]


def test_a_line_break_in_a_cell_is_a_space(capsys: pytest.CaptureFixture[str]) -> None:
    output.emit_table(None, ["alert", "pages"], [["Checkout 5xx\r\nspike\tnow", 2]])

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5  # top, header, rule, one row, bottom
    assert "Checkout 5xx spike now" in lines[3]


def test_figures_of_numpy_and_fractions_round_too() -> None:
    """The on-call page's shift limits are NumPy floats, other figures fractions."""
    from fractions import Fraction

    import numpy as np

    from basics.web import formats

    assert formats.number(np.float64(2.25), 1) == "2.3"
    assert formats.number(Fraction(5, 2)) == "3"
    assert output.number(np.float64(0.125), 2) == "0.13"


def test_sentences_of_the_reports_round_a_half_up_too() -> None:
    """Figures written inside sentences (the review's items, the scorecard's measures, the
    alert's why, the dashboard's burn rates) used a float's format: 0.25 h was 0.2 h, a
    14.5 % share 14 %, a burn of 2.675 2.67."""
    from basics.catalog.compute import _share_said
    from basics.config.review import ReviewWeights
    from basics.review import compute
    from basics.web import formats

    item = compute.budget("www/availability", 12.25, ReviewWeights(), "basics slo status", "")
    assert item.title == "www/availability: 12.3 % of its error budget burned"
    assert compute.cause_said("user", "u1", 0.145) == (
        ", bad events spread (no single cause: the top user, u1, holds 15%)"
    )
    assert formats.rate(2.675) == "2.68"
    # Toil's hours and changes, in the CLI and on the page (they used %+.1f: +1.25 was +1.2).
    from basics.core.rounding import signed

    assert [signed(v, 1) for v in (1.25, -1.25, 0.0)] == ["+1.3", "-1.3", "+0.0"]
    assert (formats.hours(0.25), formats.signed(1.25), formats.signed(-0.125, 0, 2)) == (
        "0.3",
        "+1.3",
        "-13",
    )
    assert _share_said("pages", 200, ("dana", 0.145)) == "dana 15% of 200 pages"


def test_json_never_holds_nan_or_infinity(capsys: pytest.CaptureFixture[str]) -> None:
    """RFC 8259 has no NaN or Infinity: a figure that is not a number is null (no data),
    and what --json prints is JSON any reader takes."""
    import json

    output.emit_json({"ratio": float("nan"), "burn": [float("inf"), 1.5]})
    printed = capsys.readouterr().out
    assert json.loads(printed, parse_constant=lambda c: pytest.fail(c)) == {
        "ratio": None, "burn": [None, 1.5],
    }  # fmt: skip
