"""Tables fit the terminal at 80, 120 and 200 columns, on the demo company's real names:
the row's name stays whole on one line, the key figures stay, and what was left out is said.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from basics.cli.main import cli

WIDTHS = (80, 120, 200)

REPORTS = [
    ["slo", "status"],
    ["slo", "breakdown", "payments/availability", "--by", "user"],
    ["slo", "breakdown", "payments/availability", "--by", "auto"],
    ["slo", "history", "checkout/availability", "--by", "week"],
    ["slo", "percentiles", "search", "--by", "operation", "--from", "2026-02-24", "--to",
     "2026-02-26"],
    ["alerts", "evaluate"],
    ["alerts", "replay", "checkout/availability", "--from", "2026-02-01", "--policy",
     "error-rate"],
    ["alerts", "replay", "--all", "--from", "2026-02-01"],
    ["alerts", "compare", "checkout/availability", "--policies", "workbook,error-rate",
     "--from", "2026-02-01"],
    ["alerts", "tune", "checkout/availability", "--from", "2026-02-01"],
    ["incidents", "list"],
    ["batches", "list"],
    ["pages", "list"],
    ["oncall", "report", "--from", "2026-02-01", "--to", "2026-03-03", "--team", "platform"],
    ["postmortems", "show", "PM-2026-004"],
    ["postmortems", "actions"],
    ["postmortems", "basics"],
    ["toil", "report", "--team", "platform", "--from", "2026-02-02", "--to", "2026-03-02"],
    ["deploys", "dora", "--from", "2026-02-01", "--to", "2026-03-03"],
    ["check"],
]  # fmt: skip


@pytest.fixture
def demo(small_demo: Path) -> Path:
    return small_demo


def _table(demo: Path, width: int, args: list[str]) -> str:
    result = CliRunner().invoke(
        cli, ["--config", str(demo / "basics.yaml"), *args], env={"COLUMNS": str(width)}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", REPORTS, ids=lambda a: " ".join(a[:3]))
def test_every_table_line_fits(demo: Path, width: int, args: list[str]) -> None:
    text = _table(demo, width, args)
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]
    assert table_lines, text
    assert max(len(line) for line in table_lines) <= width, text
    # The title, the caption and what was hidden wrap too (a word longer than the width,
    # a path or a command, is left whole).
    wide = [line for line in text.splitlines() if len(line) > width and " " in line.strip()]
    assert not wide, text


@pytest.mark.parametrize("width", WIDTHS)
def test_status_keeps_names_whole_and_the_key_figures(demo: Path, width: int) -> None:
    text = _table(demo, width, ["slo", "status"])
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    for column in ("SLO", "SLI", "budget left", "status"):
        assert f" {column} " in header
    rows = [line for line in text.splitlines() if line.startswith("│")]
    names = [row.split("│")[1].strip() for row in rows]
    assert "notifications/availability" in names  # the longest name, whole, on one line
    assert len(rows) == 12  # one line per SLO: nothing folded onto a second line
    if width == 80:
        assert "Hidden to fit 80 columns: bad / total, burn 6h, burn 3d" in text
    if width == 200:
        assert "Hidden" not in text
        assert " bad / total " in header and " burn 3d " in header
    assert "budget left: share of the window's error budget not yet spent" in text
