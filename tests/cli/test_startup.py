"""A command loads only what it uses: checked on the modules a subprocess imported.

What start-up costs in time is measured in benchmarks/bench_startup.py, never here.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

import basics
from basics.app import App

CONFIG = """\
timezone: UTC
store: basics.duckdb
reports:
  end: latest
sources:
  api:
    format: jsonl
services:
  www:
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
"""
HEAVY = ("duckdb", "numpy", "pyarrow", "pandas", "pydantic", "yaml", "rich")
DOMAINS = ("basics.alerting", "basics.oncall", "basics.ingest")


def loaded(args: list[str], cwd: Path) -> tuple[str, set[str]]:
    """Run `basics ARGS` in a fresh interpreter: its output and the modules it imported."""
    code = (
        "import atexit, sys\n"  # main() ends the process itself, after the exit handlers
        "atexit.register(lambda: print('\\nMODULES', ' '.join(sorted(sys.modules))))\n"
        "from basics.cli.main import main\n"
        f"sys.argv = ['basics', *{args!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    return output, set(modules.split())


def packages(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of the packages `names` (or a module inside one) were imported."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A basics.yaml and a store with a day of events."""
    root = tmp_path_factory.mktemp("startup")
    (root / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    start = dt.datetime(2026, 3, 2)
    lines = [
        json.dumps(
            {
                "ts": (start + dt.timedelta(minutes=i)).isoformat() + "Z",
                "service": "www",
                "status": 500 if i % 50 == 0 else 200,
            }
        )
        for i in range(1440)
    ]
    (root / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = App.load(root / "basics.yaml")
    try:
        assert app.ingest_events("api", str(root / "events.jsonl")).accepted == 1440
    finally:
        app.close()
    return root


def test_version_loads_no_command_and_no_heavy_module(tmp_path: Path) -> None:
    output, modules = loaded(["--version"], tmp_path)
    assert output.strip() == f"basics, version {basics.__version__}"
    assert packages(modules, HEAVY + DOMAINS) == []
    commands = sorted(m for m in modules if m.startswith("basics.cli.") and m.endswith("_cmd"))
    assert commands == []
    assert "basics.app" not in modules


def test_the_version_is_the_installed_one() -> None:
    assert basics.__version__ == importlib.metadata.version("basics")


def test_help_lists_every_command_without_loading_the_store(tmp_path: Path) -> None:
    output, modules = loaded(["--help"], tmp_path)
    for command in ("alerts", "demo", "incidents", "ingest", "oncall", "pages", "slo"):
        assert f"\n  {command} " in output
    assert packages(modules, HEAVY + DOMAINS) == []


def test_slo_status_loads_neither_numpy_nor_pyarrow_nor_other_domains(project: Path) -> None:
    output, modules = loaded(["--config", str(project / "basics.yaml"), "slo", "status"], project)
    assert "www/availability" in output
    assert packages(modules, ("duckdb", "basics.slo", "basics.store")) == [
        "duckdb",
        "basics.slo",
        "basics.store",
    ]
    assert packages(modules, ("numpy", "pyarrow", "pandas", *DOMAINS)) == []
    commands = sorted(m for m in modules if m.startswith("basics.cli.") and m.endswith("_cmd"))
    assert commands == ["basics.cli.slo_cmd"]


def test_alerts_evaluate_loads_numpy_but_neither_pyarrow_nor_pandas(project: Path) -> None:
    """A few days of minutes come through fetchnumpy; pyarrow's own to_numpy would also
    import pandas."""
    output, modules = loaded(
        ["--config", str(project / "basics.yaml"), "alerts", "evaluate"], project
    )
    assert "www/availability" in output
    assert packages(modules, ("numpy", "basics.alerting")) == ["numpy", "basics.alerting"]
    assert packages(modules, ("pyarrow", "pandas", "basics.oncall", "basics.ingest")) == []


def test_ingest_pages_is_still_a_subcommand_of_ingest(tmp_path: Path) -> None:
    output, _ = loaded(["ingest", "--help"], tmp_path)
    for command in ("events", "pages", "rejects", "shifts"):
        assert f"\n  {command} " in output


def test_ingest_parses_without_pandas_and_a_stored_file_without_pyarrow(tmp_path: Path) -> None:
    """pyarrow's `pa.array` imports pandas (a fifth of a second) the first time it runs; the
    parse builds its Arrow arrays without it. A file stored already is recognised from its
    hash before anything is parsed, so NumPy's and pyarrow's Arrow machinery stay unloaded."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    lines = [
        '{"ts": "2026-03-02T00:00:00Z", "service": "www", "status": 200}',
        '{"ts": "2026-03-02T00:01:00Z", "service": "www", "status": 500, "x": {"y": 1}}',
        '{"ts": "2026-03-02T00:02:00Z", "service": "www", "status": 200}',
        '{"ts": "2026-03-02T00:03:00", "service": "www", "status": 200}',  # the row reader's
    ]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest = ["ingest", "events", "events.jsonl", "--source", "api", "-q"]

    output, modules = loaded(ingest, tmp_path)
    assert "4 events stored" in output
    assert packages(modules, ("pyarrow", "basics.ingest")) == ["pyarrow", "basics.ingest"]
    assert packages(modules, ("pandas", "rich.progress")) == []

    output, modules = loaded(ingest, tmp_path)
    assert "nothing changed" in output
    assert packages(modules, ("pyarrow", "pandas", "basics.ingest.staging")) == []


def test_a_csv_ingest_loads_no_pandas(tmp_path: Path) -> None:
    config = CONFIG.replace(
        "sources:\n", "sources:\n  sheet:\n    format: csv\n    fields: {attrs.region: region}\n"
    )
    (tmp_path / "basics.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "events.csv").write_text(
        "ts,service,status,region\n"
        "2026-03-02T00:00:00Z,www,200,eu\n"
        "2026-03-02T00:01:00Z,www,503,\n",
        encoding="utf-8",
    )

    output, modules = loaded(["ingest", "events", "events.csv", "-s", "sheet", "-q"], tmp_path)

    assert "2 events stored" in output
    assert packages(modules, ("pyarrow", "pandas")) == ["pyarrow"]
