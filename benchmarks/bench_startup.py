"""Start-up: `basics` commands as whole processes, beside `python -c "import duckdb"`.

.venv/bin/python benchmarks/bench_startup.py [--runs 9] [--scale 1] [--keep-data]
    [--before-src PATH]

Builds the demo store (`basics demo --out DIR --scale S`, kept in benchmarks/data/ with
`--keep-data` and reused while the demo generator, its scale and DuckDB stay the same), then
times each command below as a fresh process: one untimed warm-up of every command, then
`--runs` rounds, each round running every command once in turn (so a busy moment of the
machine falls on all of them alike); the median per command. A round is run again, once,
when other processes used more than a quarter of the CPUs during it.

- `python -c "pass"`: the interpreter alone;
- `python -c "import duckdb"`: the baseline every ratio is against;
- `basics --version`, `basics --help`;
- `basics --config DIR/basics.yaml slo status` and `... alerts evaluate` on the demo store;
- for the record, what a report cannot do without: `python -c "import click"`, `"import
  basics.config.loader"` (pydantic, PyYAML and the configuration's models) and `"import
  rich.console, rich.table"`.

With `--before-src PATH` (the `src/` of another checkout, e.g. a `git worktree` of an older
commit) each `basics` command is also run with that tree first on PYTHONPATH, in the same
rounds, so a change is measured against the code before it in one run.

It also runs each `basics` command once with `-X importtime` and lists the heavy modules it
loaded (duckdb, numpy, pyarrow, pandas, pydantic, rich, and Basics' alerting and on-call
packages). Prints the table for docs/benchmarks.md and writes
`benchmarks/results/startup.json`. Exit code 1 if a command fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench_common import DATA, RESULTS, ROOT, basics_argv, busy_cpu_s, machine

PYTHON = sys.executable
BASICS = str(Path(PYTHON).parent / "basics")
BUSY = 0.25
TARGETS_S = {"--version": 0.1, "slo status": 0.3}
"""From the issue: `basics slo status` on the demo store ≤ 0.3 s, `basics --version` ≤ 0.1 s."""
BASELINE = "import duckdb"
COMPONENTS = ("import click", "import basics.config.loader", "import rich")
HEAVY = (
    "duckdb",
    "numpy",
    "pyarrow",
    "pandas",
    "pydantic",
    "yaml",
    "rich",
    "basics.alerting",
    "basics.oncall",
    "basics.ingest",
)


def demo_meta(scale: float) -> dict[str, Any]:
    """What the kept demo store depends on: the generator's source, its scale, DuckDB."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "basics" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return {"scale": scale, "demo_sha256": digest.hexdigest(), "duckdb": metadata.version("duckdb")}


def ensure_demo(folder: Path, scale: float) -> dict[str, Any]:
    """The demo store in `folder`, built by `basics demo` unless a matching one is kept."""
    meta_path = folder / "meta.json"
    wanted = demo_meta(scale)
    if meta_path.exists() and json.loads(meta_path.read_text()) == wanted:
        return {"seconds": 0.0, "reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [BASICS, "demo", "--out", str(folder / "demo"), "--scale", str(scale)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    meta_path.write_text(json.dumps(wanted), encoding="utf-8")
    return {"seconds": time.perf_counter() - started, "reused": False}


def commands(config: Path) -> dict[str, list[str]]:
    """Label → argv of every process timed (the `basics` ones without the executable)."""
    at = ["--config", str(config)]
    return {
        "python -c pass": [PYTHON, "-c", "pass"],
        BASELINE: [PYTHON, "-c", "import duckdb"],
        "--version": [BASICS, "--version"],
        "--help": [BASICS, "--help"],
        "slo status": [BASICS, *at, "slo", "status"],
        "alerts evaluate": [BASICS, *at, "alerts", "evaluate"],
        # What a report's start-up is made of, beside DuckDB: the parts Basics cannot
        # leave out of `slo status` (the CLI, the configuration's models, the tables).
        COMPONENTS[0]: [PYTHON, "-c", "import click"],
        COMPONENTS[1]: [PYTHON, "-c", "import basics.config.loader"],
        COMPONENTS[2]: [PYTHON, "-c", "import rich.console, rich.table"],
    }


def environment(src: Path | None) -> dict[str, str]:
    """The environment of the timed processes: a user's, with Python's bytecode cache on.
    A shell with PYTHONDONTWRITEBYTECODE set (this machine's has it) would make every
    process compile every module it imports from source, which no installed Basics does
    (the warm-up run writes the cache)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one process, from fork to exit; output discarded."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]!r}")
    return wall


def heavy_modules(argv: list[str], env: dict[str, str]) -> list[str]:
    """The heavy modules (`HEAVY`) a command imports, from `-X importtime`."""
    script = argv[1:] if argv[0] == PYTHON else argv  # `python -c ...`, or a script's path
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *script],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return [h for h in HEAVY if any(n == h or n.startswith(h + ".") for n in names)]


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    runs: int, plan: dict[str, tuple[list[str], dict[str, str]]], say: Any
) -> dict[str, Any]:
    """One warm-up of each, then `runs` rounds of every command in turn."""
    for argv, env in plan.values():
        run_once(argv, env)
    times: dict[str, list[float]] = {label: [] for label in plan}
    shares: list[float] = []
    repeated = 0
    for round_number in range(runs):
        for attempt in (1, 2):
            busy, own, started = busy_cpu_s(), _children_cpu_s(), time.perf_counter()
            walls = {label: run_once(argv, env) for label, (argv, env) in plan.items()}
            wall = time.perf_counter() - started
            others = busy_cpu_s() - busy - (_children_cpu_s() - own)
            share = max(0.0, others) / (wall * (os.cpu_count() or 1))
            if share <= BUSY or attempt == 2:
                break
            repeated += 1
        shares.append(share)
        for label, seconds in walls.items():
            times[label].append(seconds)
        say(f"round {round_number + 1}: others ≤ {share:.0%}")
    return {
        "times_s": times,
        "median_s": {label: statistics.median(values) for label, values in times.items()},
        "others_cpu_share": shares,
        "rounds_repeated": repeated,
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def markdown(result: dict[str, Any]) -> str:
    """The results table of docs/benchmarks.md's start-up section."""
    median = result["median_s"]
    base = median[BASELINE]
    before = result.get("before_median_s")
    head = "| process | median | ÷ `import duckdb` |"
    rule = "|---|---:|---:|"
    if before:
        head += " before | before ÷ now |"
        rule += "---:|---:|"
    head += " target | heavy modules loaded |"
    rule += "---|---|"
    rows = [head, rule]
    for label, seconds in median.items():
        name = f"`basics {label}`"
        if label not in result["heavy"]:
            name = f'`python -c "{result["code"][label]}"`'
        row = f"| {name} | {_ms(seconds)} | {seconds / base:.2f}× |"
        if before:
            then = before.get(label)
            row += f" {_ms(then)} | {then / seconds:.1f}× |" if then else " | |"
        target = TARGETS_S.get(label)
        verdict = ""
        if target is not None:
            verdict = f"≤ {_ms(target)}: **{'met' if seconds <= target else 'missed'}**"
        loaded = ", ".join(result["heavy"].get(label, [])) if label in result["heavy"] else ""
        rows.append(f"{row} {verdict} | {loaded} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (1 ≈ 4M events)")
    parser.add_argument("--keep-data", action="store_true", help="keep (and reuse) the demo")
    parser.add_argument("--before-src", type=Path, help="src/ of a checkout to compare with")
    parser.add_argument("--out", type=Path, default=RESULTS / "startup.json")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "benchmarks/bench_startup.py " + " ".join(sys.argv[1:]),
        "machine": machine(("basics", "duckdb", "click", "pydantic", "numpy", "pyarrow")),
        "load_at_start": os.getloadavg(),
    }
    folder = DATA / f"startup-demo-{args.scale:g}"
    say(f"demo store in {folder} ...")
    result["demo"] = ensure_demo(folder, args.scale)
    say(f"  {result['demo']}")
    config = folder / "demo" / "basics.yaml"
    now = environment(None)
    plan = {label: (argv, now) for label, argv in commands(config).items()}
    if args.before_src:
        then = environment(args.before_src.resolve())
        for label, argv in commands(config).items():
            if argv[0] == BASICS:
                plan[f"before {label}"] = ([*basics_argv(True), *argv[1:]], then)
    result["code"] = {label: argv[2] for label, (argv, _) in plan.items() if argv[0] == PYTHON}
    say("heavy modules per command (-X importtime) ...")
    result["heavy"] = {
        label: heavy_modules(argv, env)
        for label, (argv, env) in plan.items()
        if argv[0] == BASICS and not label.startswith("before ")
    }
    if args.before_src:
        result["before_heavy"] = {
            label.removeprefix("before "): heavy_modules(argv, env)
            for label, (argv, env) in plan.items()
            if label.startswith("before ")
        }
    say(f"timing {len(plan)} commands, 1 warm-up + {args.runs} rounds ...")
    measured = measure(args.runs, plan, say)
    result.update(measured)
    result["median_s"] = {
        label: seconds
        for label, seconds in measured["median_s"].items()
        if not label.startswith("before ")
    }
    if args.before_src:
        result["before_src"] = str(args.before_src)
        result["before_median_s"] = {
            label.removeprefix("before "): seconds
            for label, seconds in measured["median_s"].items()
            if label.startswith("before ")
        }
    base = result["median_s"][BASELINE]
    result["ratio_to_import_duckdb"] = {k: v / base for k, v in result["median_s"].items()}
    result["targets"] = {
        label: {"limit_s": limit, "measured_s": result["median_s"][label]}
        | {"met": result["median_s"][label] <= limit}
        for label, limit in TARGETS_S.items()
    }
    if not args.keep_data:
        shutil.rmtree(folder)
    result["load_at_end"] = os.getloadavg()
    result["wall_s"] = time.perf_counter() - started
    result["markdown"] = markdown(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    )
    print(result["markdown"])
    for label, target in result["targets"].items():
        print(
            f"target basics {label} ≤ {_ms(target['limit_s'])}: {_ms(target['measured_s'])}, "
            f"{'met' if target['met'] else 'MISSED'}"
        )
    print(f"whole run {result['wall_s']:.0f} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
