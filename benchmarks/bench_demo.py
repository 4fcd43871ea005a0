"""`make demo` from a fresh clone: wall time to the printed story, installing the runtime
dependencies only (as `make demo` does now) beside installing `.[dev]` too (as it did).

    .venv/bin/python benchmarks/bench_demo.py            # both, one after the other
    .venv/bin/python benchmarks/bench_demo.py --only runtime

Each run clones this repository's HEAD into a temporary folder, so nothing of the working
copy's `.venv` or demo is reused. pip's download cache (~/.cache/pip) is used as on any
machine that installed Python packages before; `--no-cache` turns it off (then the figure
includes downloading every wheel from PyPI).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 75.0


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def measure(variant: str, no_cache: bool) -> dict[str, float]:
    """Seconds for the install and for the demo, from a fresh clone."""
    with tempfile.TemporaryDirectory(prefix="basics-demo-bench-") as folder:
        clone = Path(folder) / "basics"
        subprocess.run(
            ["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True
        )
        env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        env["PYTHON"] = shutil.which("python3.11") or shutil.which("python3") or "python3"
        if no_cache:
            env["PIP_NO_CACHE_DIR"] = "1"
        stamp = ".venv/.installed" if variant == "dev" else ".venv/.runtime"
        install = _run(["make", stamp], clone, env)
        demo = _run(["make", "demo"], clone, env)
        return {"install_s": install, "demo_s": demo, "total_s": install + demo}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["runtime", "dev"])
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    variants = [args.only] if args.only else ["runtime", "dev"]
    results = {v: measure(v, args.no_cache) for v in variants}
    print(f"{'install':<26} {'install':>9} {'demo':>9} {'total':>9}")
    for variant, r in results.items():
        name = "runtime only (make demo)" if variant == "runtime" else ".[dev] too (before)"
        print(f"{name:<26} {r['install_s']:>8.1f}s {r['demo_s']:>8.1f}s {r['total_s']:>8.1f}s")
    if "runtime" in results:
        total = results["runtime"]["total_s"]
        verdict = "met" if total <= TARGET_S else "missed"
        print(f"target: fresh clone to printed story <= {TARGET_S:.0f} s: {total:.1f} s, {verdict}")
    if len(results) == 2:
        ratio = results["dev"]["total_s"] / results["runtime"]["total_s"]
        print(f"ratio (before / now): {ratio:.2f}x")


if __name__ == "__main__":
    main()
