"""benchmarks/bench_deploys.py's results file: a --skip-dora run and a --skip-git run keep
each other's part, each part with the run that measured it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture
def write_results() -> Any:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_deploys

        yield bench_deploys.write_results
    finally:
        sys.path.remove(str(BENCHMARKS))


def run(command: str, **parts: dict[str, Any]) -> dict[str, Any]:
    context = {"machine": {"cpu": "x"}, "git_version": "git 2", "load_at_start": [0.5],
               "others_busy_share": 0.1, "wall_s": 60.0}  # fmt: skip
    return {"command": command, **context, **parts, "ok": all(p["ok"] for p in parts.values())}


def test_each_part_keeps_the_other_parts_results(write_results: Any, tmp_path: Path) -> None:
    out = tmp_path / "results" / "deploys.json"
    write_results(out, run("--skip-dora", git={"cli_import_s": 4.0, "ok": True}))
    write_results(out, run("--skip-git", dora={"cli_s": 1.2, "ok": False}))
    found = json.loads(out.read_text())
    assert found["git"]["cli_import_s"] == 4.0
    assert found["git"]["run"]["command"] == "--skip-dora"
    assert found["dora"]["cli_s"] == 1.2
    assert found["dora"]["run"]["command"] == "--skip-git"
    assert found["ok"] is False  # the dora part failed its check
    write_results(out, run("--skip-git", dora={"cli_s": 1.1, "ok": True}))
    again = json.loads(out.read_text())
    assert (again["dora"]["cli_s"], again["git"]["cli_import_s"], again["ok"]) == (1.1, 4.0, True)


def test_a_file_of_the_earlier_layout_keeps_its_part(write_results: Any, tmp_path: Path) -> None:
    out = tmp_path / "deploys.json"
    out.write_text(json.dumps(run("--skip-dora", git={"cli_import_s": 4.0, "ok": True})
                              | {"git": {"cli_import_s": 4.0}}))  # fmt: skip
    write_results(out, run("--skip-git", dora={"cli_s": 1.2, "ok": True}))
    found = json.loads(out.read_text())
    assert found["git"] == {"cli_import_s": 4.0, "ok": True, "run": found["git"]["run"]}
    assert found["git"]["run"]["command"] == "--skip-dora"
    assert set(found) == {"git", "dora", "ok"}
