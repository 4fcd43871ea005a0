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


def test_a_line_break_in_a_cell_is_a_space(capsys: pytest.CaptureFixture[str]) -> None:
    output.emit_table(None, ["alert", "pages"], [["Checkout 5xx\r\nspike\tnow", 2]])

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5  # top, header, rule, one row, bottom
    assert "Checkout 5xx spike now" in lines[3]
