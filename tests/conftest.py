"""Fixtures shared across test folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BASICS = str(Path(sys.executable).with_name("basics"))


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company at 5 % scale, built once per run by the real `basics demo`.

    For tests that only read it (reports, tables, JSON); a test that writes makes its own.
    """
    root = tmp_path_factory.mktemp("small-demo")
    done = subprocess.run(
        [BASICS, "demo", "--out", "company", "--scale", "0.05"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return root / "company"
