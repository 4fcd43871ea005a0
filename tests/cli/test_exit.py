"""The `basics` process ends without the interpreter's teardown, and loses nothing by it:
the exit code, every line of output, exit handlers and a thread still running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BASICS = str(Path(sys.executable).parent / "basics")
CONFIG = """\
store: basics.duckdb
sources:
  api: {format: jsonl}
services:
  www:
    slos:
      availability: {objective: 99.9, window: 30d, good: status < 500}
"""


def run(args: list[str], cwd: Path, shell: bool = False) -> subprocess.CompletedProcess[str]:
    command: str | list[str] = args[0] if shell else args
    return subprocess.run(
        command, cwd=cwd, shell=shell, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_commands_exit_code_and_output_survive(tmp_path: Path) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "events.jsonl").write_text(
        '{"ts": "2026-03-02T00:00:00Z", "service": "www", "status": 200}\nnot json\n',
        encoding="utf-8",
    )

    ingest = run([BASICS, "ingest", "events", "events.jsonl", "-s", "api", "-q"], tmp_path)
    at = ["--at", "2026-06-01T00:00:00Z"]
    status = run([BASICS, "slo", "status", *at, "--json", "--fail-on", "no-data"], tmp_path)

    assert ingest.returncode == 3, ingest.stderr  # a reject
    assert ingest.stdout.startswith("events.jsonl: batch 1: 1 events stored")
    assert "events.jsonl:2" in ingest.stderr
    assert status.returncode == 2, status.stderr  # no data in the window
    assert status.stdout.rstrip().endswith("]") and '"status": "no_data"' in status.stdout


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    done = run([f"{BASICS} --help | head -1"], tmp_path, shell=True)

    assert done.stdout.startswith("Usage:")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_exit_handlers_run_and_a_message_exits_1(tmp_path: Path) -> None:
    code = (
        "import atexit\n"
        "from basics.cli.main import finish\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "print('before', end='')\n"  # still in the buffer when the process ends
        "finish('went wrong')\n"
    )

    done = run([sys.executable, "-c", code], tmp_path)

    assert done.returncode == 1
    assert done.stdout == "beforehandler ran\n"
    assert done.stderr == "went wrong\n"


def test_a_thread_still_running_is_waited_for(tmp_path: Path) -> None:
    code = (
        "import threading, time\n"
        "from pathlib import Path\n"
        "from basics.cli.main import finish\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    Path('done').write_text('yes')\n"
        "threading.Thread(target=late).start()\n"
        "finish(4)\n"
    )

    done = run([sys.executable, "-c", code], tmp_path)

    assert done.returncode == 4
    assert (tmp_path / "done").read_text() == "yes"
