"""The `basics` process ends without the interpreter's teardown, and loses nothing by it:
the exit code, every line of output (or an error when it cannot be written), exit
handlers, and a thread still running."""

from __future__ import annotations

import os
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
# Output stays in its buffer until the process ends, as it does for a user.
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def run(args: list[str], cwd: Path, shell: bool = False) -> subprocess.CompletedProcess[str]:
    command: str | list[str] = args[0] if shell else args
    return subprocess.run(
        command,
        cwd=cwd,
        shell=shell,
        env=BUFFERED,
        executable="/bin/bash" if shell else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def child(body: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Python code ending in `finish(...)`, run as its own process."""
    return run([sys.executable, "-c", "from basics.cli.main import finish\n" + body], cwd)


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
    assert ingest.stdout.startswith("events.jsonl: batch 1: 1 event stored")
    assert "events.jsonl:2" in ingest.stderr
    assert status.returncode == 2, status.stderr  # no data in the window
    assert status.stdout.rstrip().endswith("]") and '"status": "no_data"' in status.stdout


def test_output_that_cannot_be_written_is_an_error(tmp_path: Path) -> None:
    """A report's JSON is written in one go and flushed as the process ends."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    at = "--at 2026-06-01T00:00:00Z"
    done = run([f"{BASICS} slo status {at} --json > /dev/full"], tmp_path, shell=True)

    assert done.returncode == 1
    # The note of the empty store's SLO, then the error.
    assert done.stderr.endswith("\nError: cannot write the output: No space left on device\n")


def test_a_reader_gone_or_a_closed_output_ends_quietly(tmp_path: Path) -> None:
    gone = child(
        "import os, sys\n"
        "read, write = os.pipe()\n"
        "os.close(read)\n"  # as `head` does once it has its lines
        "os.dup2(write, 1)\n"
        "sys.stdout.write('x' * 1000)\n"  # still in the buffer
        "finish(0)\n",
        tmp_path,
    )
    closed = run([f"{BASICS} --version >&-"], tmp_path, shell=True)

    assert (gone.returncode, gone.stderr) == (1, "")  # as mid-output (click's rule)
    assert (closed.returncode, closed.stderr) == (0, "")


def test_exit_handlers_run_and_a_message_exits_1(tmp_path: Path) -> None:
    done = child(
        "import atexit\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "print('before', end='')\n"  # still in the buffer when the process ends
        "finish('went wrong')\n",
        tmp_path,
    )

    assert done.returncode == 1
    assert done.stdout == "beforehandler ran\n"
    assert done.stderr == "went wrong\n"


def test_a_thread_still_running_is_waited_for(tmp_path: Path) -> None:
    done = child(
        "import threading, time\n"
        "from pathlib import Path\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    Path('done').write_text('yes')\n"
        "threading.Thread(target=late).start()\n"
        "finish(4)\n",
        tmp_path,
    )

    assert done.returncode == 4
    assert (tmp_path / "done").read_text() == "yes"


def test_the_command_turns_pydantic_plugins_off_unless_told(tmp_path: Path) -> None:
    code = (
        "import atexit, os, sys\n"
        "atexit.register(lambda: print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))))\n"
        "from basics.cli.main import main\n"
        "sys.argv = ['basics', '--version']\n"
        "main()\n"
    )
    default = run([sys.executable, "-c", code], tmp_path)
    told = subprocess.run(
        [sys.executable, "-c", code],
        env={**BUFFERED, "PYDANTIC_DISABLE_PLUGINS": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert default.stdout.splitlines()[-1] == "'__all__'"
    assert told.stdout.splitlines()[-1] == "''"


def test_a_report_whose_reader_left_mid_output_ends_1_without_a_word(tmp_path: Path) -> None:
    """The reader gone while a command still writes (`basics config schema | head -c 10`):
    1 and nothing said, as when it left before the last buffer was flushed (that was 0)."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    done = child(
        "import os, sys\n"
        "read, write = os.pipe()\n"
        "os.close(read)\n"
        "os.dup2(write, 1)\n"
        f"sys.argv = ['basics', '--config', {str(tmp_path / 'basics.yaml')!r}, 'config', "
        "'schema']\n"
        "from basics.cli.main import _run\n"
        "finish(_run())\n",
        tmp_path,
    )
    assert (done.returncode, done.stderr) == (1, "")
