"""Ctrl-C in the middle of a command: one line, exit code 130, nothing half-stored, and the
same command run again stores what was interrupted (no traceback, no "Aborted!")."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from basics.cli.main import EXIT_INTERRUPTED, INTERRUPTED, interrupted
from basics.store.duckdb_store import Store

BASICS = Path(sys.executable).parent / "basics"
CONFIG = "store: basics.duckdb\nsources:\n  api: {format: jsonl, service: www}\n"


def _lines(first: int, count: int) -> str:
    return "".join(
        json.dumps({"ts": f"2026-03-02T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "status": 200}) + "\n"
        for i in range(first, first + count)
    )


def _ctrl_c_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stored(root: Path) -> tuple[int, int]:
    store = Store(root / "basics.duckdb", read_only=True)
    try:
        return (
            int(store.scalar("SELECT count(*) FROM events")),
            int(store.scalar("SELECT count(*) FROM batches")),
        )
    finally:
        store.close()


def test_ctrl_c_mid_ingest_stores_the_files_before_and_nothing_of_the_one_it_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    first = tmp_path / "first.jsonl"
    first.write_text(_lines(0, 30), encoding="utf-8")
    command = [str(BASICS), "--config", str(tmp_path / "basics.yaml"), "ingest", "events",
               str(first), "-", "-s", "api"]  # fmt: skip
    ingest = subprocess.Popen(
        command,
        # As a terminal starts it: Ctrl-C not ignored (a runner in the background ignores it).
        preexec_fn=_ctrl_c_default,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert ingest.stdin is not None and ingest.stdout is not None
    try:
        # The first file's summary is printed once it is stored; standard input is next.
        said = ""
        while "batch 1:" not in said and ingest.poll() is None:
            said = ingest.stdout.readline()
        assert "batch 1: 30 events stored" in said
        ingest.stdin.write(_lines(100, 20))  # read, but the input has not ended
        ingest.stdin.flush()
        time.sleep(0.5)
    finally:
        ingest.send_signal(signal.SIGINT)
        _, err = ingest.communicate(timeout=20)
    assert ingest.returncode == EXIT_INTERRUPTED == 130
    assert "Traceback" not in err and "Aborted" not in err
    assert " ".join(err.split()) == (
        "Interrupted while ingesting standard input: its batch is stored whole or not at all "
        "(`basics batches list` shows which; the same command ingests it if not). The files "
        "before it are stored (batch 1)."
    )
    assert _stored(tmp_path) == (30, 1)

    again = subprocess.run(
        command, input=_lines(100, 20), capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    assert "already ingested as batch 1" in again.stdout
    assert _stored(tmp_path) == (50, 2)


def test_a_statement_duckdb_stops_on_ctrl_c_counts_as_an_interrupt() -> None:
    """DuckDB turns SIGINT during a statement into RuntimeError('Query interrupted'), not
    KeyboardInterrupt; the CLI must know it (a DuckDB upgrade that renames it fails here)."""
    db = duckdb.connect()
    # A test runner started in the background (CI) inherits SIGINT ignored, and Python then
    # installs no handler: install Python's own for the test. The query is bounded anyway.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    backstop = threading.Timer(20, db.interrupt)
    timer.start()
    backstop.start()
    try:
        with pytest.raises(BaseException) as raised:  # either kind is right
            db.execute("SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3").fetchall()
    finally:
        timer.cancel()
        backstop.cancel()
        signal.signal(signal.SIGINT, previous)
        db.close()
    assert interrupted(raised.value)
    assert not interrupted(RuntimeError("Query failed"))
    assert not interrupted(ValueError("Query interrupted"))


def test_ctrl_c_at_any_moment_of_a_command_is_one_line_and_130_or_it_finished(
    tmp_path: Path,
) -> None:
    """Ctrl-C swept over the whole life of `basics slo status` as a process: while Python
    loads click, pydantic and DuckDB (whose extension would abort the process if the signal
    landed in its start-up), while the store opens, after the output. Each run ends with
    exit code 130 and one line, or finished (0); never a traceback from Basics' code,
    "Aborted!" or an abort. The first milliseconds belong to the interpreter and the
    console script pip writes, before any of Basics' code: killed by the signal there."""
    (tmp_path / "basics.yaml").write_text(
        CONFIG + "services:\n  www:\n    slos:\n"
        "      availability: {objective: 99, window: 30d, good: status < 500}\n",
        encoding="utf-8",
    )
    events = tmp_path / "events.jsonl"
    events.write_text(_lines(0, 50), encoding="utf-8")
    config = ["--config", str(tmp_path / "basics.yaml")]
    done = subprocess.run(
        [str(BASICS), *config, "ingest", "events", str(events), "-s", "api"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    command = [str(BASICS), *config, "slo", "status", "--at", "2026-03-02T11:00:00Z"]
    started = time.monotonic()
    whole = subprocess.run(command, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert whole.returncode == 0, whole.stderr
    said = {
        "Interrupted before the command started: nothing was read or written.",
        INTERRUPTED,
    }
    outcomes = []
    for step in range(24):
        run = subprocess.Popen(
            command, preexec_fn=_ctrl_c_default, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(took * 1.5 * step / 23)  # past the end of a run as long as the first
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=60)
        outcomes.append(run.returncode)
        # No function of Basics ran: stopped while Python loaded the packages themselves.
        before_basics = not re.search(r'basics/[^"]*", line \d+, in (?!<module>)', err)
        if run.returncode == -signal.SIGINT or (run.returncode == 1 and before_basics):
            assert "Traceback" not in err or before_basics, err
            continue
        assert "Traceback" not in err and "Aborted" not in err and "Critical" not in err, err
        assert run.returncode in (0, EXIT_INTERRUPTED), err
        if run.returncode == EXIT_INTERRUPTED:
            assert " ".join(err.split()) in said, err
    # The sweep reached inside the command (on a busy machine, perhaps not past its end).
    assert EXIT_INTERRUPTED in outcomes, outcomes


def test_an_error_after_a_ctrl_c_taken_as_the_way_to_stop_is_an_error_of_its_own() -> None:
    """`--follow` and `serve` stop on Ctrl-C; an error after that (closing the store, a bug)
    keeps its traceback instead of passing for the interrupt."""
    import basics.cli as entry

    with pytest.raises(KeyboardInterrupt):
        entry._on_ctrl_c(signal.SIGINT, None)  # what Python calls on Ctrl-C, once installed
    try:
        assert entry.ctrl_c_pressed() and interrupted(ValueError("a bug"))
        entry.forget_ctrl_c()
        assert not interrupted(ValueError("a bug"))
        assert interrupted(RuntimeError("Query interrupted"))
    finally:
        entry.forget_ctrl_c()


def test_ctrl_c_python_cannot_raise_is_not_a_traceback_and_ends_the_command_as_stopped(
    tmp_path: Path,
) -> None:
    """Ctrl-C landing in a callback of Python's import machinery cannot be raised there:
    Python printed "Exception ignored" and a traceback, and the command went on to exit 0.
    It is noted instead: no traceback, and the command ends with the line and exit 130."""
    (tmp_path / "basics.yaml").write_text(CONFIG, encoding="utf-8")
    code = (
        "import sys, weakref\n"
        "import basics.cli as entry\n"
        "entry.notice_ctrl_c()\n"
        "class Lock: pass\n"
        "lock = Lock()\n"
        "ref = weakref.ref(lock, lambda _: entry._on_ctrl_c(2, None))  # as the import lock's\n"
        "del lock\n"
        "from basics.cli.main import main\n"
        f"sys.argv = ['basics', '--config', {str(tmp_path / 'basics.yaml')!r}, 'batches', 'list']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    assert done.returncode == EXIT_INTERRUPTED, done.stderr
    # The empty list's note (stderr), then the line the interrupt ends the command with.
    assert done.stderr.strip().splitlines()[-1] == INTERRUPTED
