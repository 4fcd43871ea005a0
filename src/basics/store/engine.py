"""DuckDB, the embedded engine, imported in one place: with Ctrl-C held until it has loaded.

The signal inside the start-up of DuckDB's extension aborts the process ("Critical nanobind
error", killed by SIGABRT) where anywhere else it raises KeyboardInterrupt. Held (blocked in
the main thread while the import runs: `benchmarks/bench_startup.py` times `import duckdb`),
it arrives the moment the import is done, as KeyboardInterrupt.
"""

from __future__ import annotations

import signal
import threading


def _import_held() -> None:
    main = threading.current_thread() is threading.main_thread()
    if not main or not hasattr(signal, "pthread_sigmask"):  # signals go to the main thread
        import duckdb

        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        import duckdb  # noqa: F401
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


_import_held()
import duckdb  # noqa: E402 - loaded above: the module itself

__all__ = ["duckdb"]
