"""An ingest as a user runs it: its warnings on stderr, then (undone, ingested again) its
--json record; for the tests of what an ingest says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def warnings_and_record(folder: Path, name: str, source: str) -> tuple[str, dict[str, Any]]:
    """`basics ingest events NAME -s SOURCE -q` in `folder` (its basics.yaml): its stderr;
    then batch 1 undone and the file ingested again with --json: the batch's record."""
    basics = str(Path(sys.executable).parent / "basics")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [basics, *args], cwd=folder, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        return done

    warned = run("ingest", "events", name, "-s", source, "-q").stderr
    run("batches", "undo", "1")
    record = json.loads(run("ingest", "events", name, "-s", source, "--json").stdout)[0]
    return warned, record
