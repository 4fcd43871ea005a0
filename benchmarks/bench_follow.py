"""`ingest events --follow`: what one check costs on a large followed log.

.venv/bin/python benchmarks/bench_follow.py [--events 3000000] [--checks 5] [--append 1000]

One JSON-lines file of generated events (about 540 MB for 3M events) is ingested once into
a fresh store. Then, in process, the check a follow makes every few seconds
(`App.ingest_events(..., whole_lines_only=True)`), each after `--append` more lines:

- with the hash the follow kept from its last check (`files.KeptPrefix`): only the appended
  bytes are hashed, after the first and last 4 KB read are compared;
- without it, as every check was made before and as a follow's first check still is: the
  whole file hashed again to find where the last batch stopped;

side by side in one run (first `--checks` checks of one kind, then of the other: a kept
hash is of the file as the last check left it), and `sha256sum` over the file, the floor of
the second kind. It checks the store's event count after every check and prints the medians
and their ratio. No timings are asserted anywhere.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_common import machine, write_config
from bench_data import write_jsonl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3_000_000)
    parser.add_argument("--checks", type=int, default=5)
    parser.add_argument("--append", type=int, default=1_000)
    args = parser.parse_args()
    n, checks, step = args.events, args.checks, args.append

    from basics.app import App
    from basics.config.loader import load_config
    from basics.ingest.files import KeptPrefix

    with tempfile.TemporaryDirectory(prefix="bench-follow-") as tmp:
        folder = Path(tmp)
        source = folder / "source.jsonl"
        write_jsonl(n + (2 * checks + 1) * step, source)  # each check's lines come next
        lines = source.read_bytes().splitlines(keepends=True)
        log = folder / "access.jsonl"
        log.write_bytes(b"".join(lines[:n]))
        app = App(load_config(write_config(folder)))
        started = time.perf_counter()
        assert app.ingest_events("events", str(log)).accepted == n
        first_s = time.perf_counter() - started
        app.close()
        written = n

        def check(kept: KeptPrefix | None) -> float:
            nonlocal written
            with log.open("ab") as handle:
                handle.writelines(lines[written : written + step])
            written += step
            began = time.perf_counter()
            result = app.ingest_events("events", str(log), whole_lines_only=True, kept=kept)
            seconds = time.perf_counter() - began
            app.close()  # as a follow does between checks
            assert (result.status, result.accepted) == ("applied", step), result
            assert app.store.scalar("SELECT count(*) FROM events") == written
            app.close()
            return seconds

        kept = KeptPrefix()
        check(kept)  # a follow's first check hashes the file whole, then keeps the hash
        with_kept = [check(kept) for _ in range(checks)]
        whole = [check(None) for _ in range(checks)]
        sha = []
        for _ in range(3):
            began = time.perf_counter()
            subprocess.run(["sha256sum", str(log)], capture_output=True, check=True)
            sha.append(time.perf_counter() - began)
        size_mb = log.stat().st_size / 1e6
        shutil.rmtree(folder, ignore_errors=True)

    kept_s, whole_s, sha_s = statistics.median(with_kept), statistics.median(whole), min(sha)
    info = machine(("duckdb",))
    print(f"machine: {info.get('cpu')}, {info.get('cores')} cores, Python {info.get('python')}")
    print(f"{n:,} events, {size_mb:.0f} MB; first ingest {first_s:.2f} s")
    print(f"one check, {step:,} lines appended (median of {checks}):")
    runs = lambda seconds: ", ".join(f"{s * 1000:.0f}" for s in seconds)  # noqa: E731
    print(f"  with the kept hash:       {kept_s * 1000:8.1f} ms  (runs: {runs(with_kept)} ms)")
    print(f"  hashing the whole file:   {whole_s * 1000:8.1f} ms  (runs: {runs(whole)} ms)")
    print(f"  sha256sum of the file:    {sha_s * 1000:8.1f} ms (best of 3)")
    print(f"whole / kept: {whole_s / kept_s:.1f}x")


if __name__ == "__main__":
    main()
