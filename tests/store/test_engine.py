"""DuckDB is imported with Ctrl-C held: a signal sent while its extension loads arrives as
KeyboardInterrupt once it has loaded (inside the extension's start-up it aborted the whole
process), and the signal mask is given back."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import os, signal, sys
def hook(event, args):
    if event == "import" and args[0] == "_duckdb":  # DuckDB's extension is about to load
        os.kill(os.getpid(), signal.SIGINT)
sys.addaudithook(hook)
signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    from basics.store.engine import duckdb
except KeyboardInterrupt:
    held = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    print("interrupted", "_duckdb" in sys.modules, signal.SIGINT in held)
    sys.exit(0)
print("not interrupted")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="signal masks are POSIX")
def test_ctrl_c_while_duckdb_loads_arrives_after_it_has_loaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    # Interrupted, with the extension whole, and Ctrl-C no longer held.
    assert done.stdout.split() == ["interrupted", "True", "False"]
