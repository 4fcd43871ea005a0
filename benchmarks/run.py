"""Basics against pandas and polars scripts, side by side, in one run (`make bench`).

    .venv/bin/python benchmarks/run.py           # 10M ingest; status, breakdown at 10M, 50M
    .venv/bin/python benchmarks/run.py --quick   # 1M / 5M smoke run
    .venv/bin/python benchmarks/run.py --events 10000000 --big-events 50000000

Every contestant runs in a fresh subprocess (bench_basics.py, bench_pandas.py, bench_polars.py,
bench_data.py), so its peak RSS is its own. Prints a table, checks that all contestants computed
the same numbers, and writes benchmarks/results/latest.json (and latest.md). The methodology and
the last full run are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from bench_common import (
    AT_ISO,
    BREAKDOWN_SLO,
    DATA,
    GENERATOR_VERSION,
    HERE,
    RESULT_PREFIX,
    RESULTS,
    ROOT,
    busy_cpu_s,
    machine,
    package_version,
    write_config,
)

PYTHON = sys.executable
BASICS_CLI = str(Path(PYTHON).parent / "basics")
BUSY_SHARE = 0.25
"""Retry a measurement once when other processes used more than this share of the CPUs."""

TARGETS = {
    "ingest_events_per_s": 1_000_000,
    "ingest_peak_rss_bytes": 1.5e9,
    "ingest_vs_duckdb": 1.3,
    "status_s": 0.100,
    "startup_s": 0.5,
    "breakdown_big_s": 1.0,
    "vs_pandas": 5.0,
}
"""From the issue. `status_s` is the computation of every SLO's status (the library call, which
reads rollups); `startup_s` is a whole process: `basics --help`, or a `slo status` call starting
up, computing and printing."""


# -- measuring one process ------------------------------------------------------------------


def measure(cmd: list[str], expect_result: bool = True) -> dict[str, Any]:
    """Run one process; its result line plus wall time, CPU, peak RSS and others' CPU load."""
    rss_peak = 0
    done = threading.Event()
    load1 = os.getloadavg()[0]
    busy_before = busy_cpu_s()
    with tempfile.TemporaryFile(mode="w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT, text=True)

        def poll() -> None:
            nonlocal rss_peak
            try:
                process = psutil.Process(proc.pid)
                while not done.is_set():
                    rss = process.memory_info().rss
                    rss += sum(c.memory_info().rss for c in process.children(recursive=True))
                    rss_peak = max(rss_peak, rss)
                    done.wait(0.05)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        done.set()
        _, wait_status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        proc.stdout.close()
        poller.join()
        stderr.seek(0)
        errors = stderr.read()
    child_cpu = usage.ru_utime + usage.ru_stime
    others_cpu = max(0.0, busy_cpu_s() - busy_before - child_cpu)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{errors[-3000:]}")
    result: dict[str, Any] = {}
    if expect_result:
        lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
        if not lines:
            raise RuntimeError(f"{' '.join(cmd)} printed no result:\n{stdout[-2000:]}{errors}")
        result = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result.update(
        wall_s=wall,
        cpu_s=child_cpu,
        others_cpu_share=others_cpu / (wall * (os.cpu_count() or 1)),
        load1_before=load1,
        ru_maxrss_bytes=usage.ru_maxrss * 1024,
        polled_rss_bytes=rss_peak,
    )
    if not expect_result:
        result["stdout"] = stdout
    return result


def measure_quiet(cmd: list[str], label: str, expect_result: bool = True) -> dict[str, Any]:
    """`measure`, repeated once if other processes were busy; keeps the quieter run."""
    first = measure(cmd, expect_result)
    if first["others_cpu_share"] <= BUSY_SHARE:
        return first
    _say(f"  {label}: others used {first['others_cpu_share']:.0%} of the CPUs; measuring again")
    second = measure(cmd, expect_result)
    second["retried"] = True
    return second if second["others_cpu_share"] < first["others_cpu_share"] else first


def worker(script: str, *args: object) -> list[str]:
    return [PYTHON, str(HERE / script), *map(str, args)]


def _say(text: str) -> None:
    print(text, flush=True)


# -- the steps ------------------------------------------------------------------------------


def ingest_step(n: int, fresh: bool, pandas_chunk: int) -> dict[str, Any]:
    """Ingest n JSON-lines events with Basics, polars and pandas; check the stored tables."""
    jsonl = DATA / f"events-{n}.jsonl"
    meta = jsonl.with_suffix(".meta.json")
    wanted = {"events": n, "generator": GENERATOR_VERSION, "duckdb": package_version("duckdb")}
    generated = None
    if fresh or not jsonl.exists() or not meta.exists() or json.loads(meta.read_text()) != wanted:
        _say(f"generating {n:,} JSON-lines events -> {jsonl.relative_to(ROOT)}")
        generated = measure(worker("bench_data.py", "jsonl", n, jsonl))
        meta.write_text(json.dumps(wanted))
    else:
        _say(f"reusing {jsonl.relative_to(ROOT)} (same generator and DuckDB version)")
    folder = DATA / f"ingest-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    config = write_config(folder / "basics")
    dbs = {
        "basics": folder / "basics" / "basics.duckdb",
        "pandas": folder / "pandas.duckdb",
        "polars": folder / "polars.duckdb",
    }
    runs = {}
    _say("ingest: DuckDB read_json into a table (the physical reference)")
    runs["duckdb"] = measure_quiet(
        worker("bench_data.py", "read-json", jsonl, folder / "read_json.duckdb"), "DuckDB"
    )
    _say("ingest: DuckDB read_json into Basics' shape (attributes in a map), for context")
    runs["duckdb_map"] = measure_quiet(
        worker("bench_data.py", "read-json", jsonl, folder / "read_json_map.duckdb", "--as-map"),
        "DuckDB, map",
    )
    _say("ingest: Basics")
    runs["basics"] = measure_quiet(worker("bench_basics.py", "ingest", config, jsonl), "Basics")
    _say("ingest: Basics, every line through the row reader (no fast path)")
    runs["row_reader"] = measure_quiet(
        worker("bench_basics.py", "ingest", config, jsonl, "--row-reader"), "row reader"
    )
    _say("ingest: polars")
    runs["polars"] = measure_quiet(
        worker("bench_polars.py", "ingest", jsonl, dbs["polars"]), "polars"
    )
    _say("ingest: pandas")
    runs["pandas"] = measure_quiet(
        worker("bench_pandas.py", "ingest", jsonl, dbs["pandas"], pandas_chunk), "pandas"
    )
    for run in runs.values():
        run["events_per_s"] = n / run["seconds"]
    return {
        "events": n,
        "jsonl": str(jsonl.relative_to(ROOT)),
        "jsonl_bytes": jsonl.stat().st_size,
        "generate": generated,
        "runs": runs,
        "dbs": {k: str(v) for k, v in dbs.items()},
    }


def query_step(n: int, runs: int, cli_runs: int) -> dict[str, Any]:
    """A store of n events built in SQL; rollups; status and breakdown: Basics vs pandas."""
    folder = DATA / f"store-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    config = write_config(folder)
    store = folder / "basics.duckdb"
    parquet = folder / "events.parquet"
    _say(f"store of {n:,} events: generating in SQL")
    build = measure(worker("bench_data.py", "store", n, config))
    _say("  rollup build (sync_definitions)")
    rollups = measure_quiet(worker("bench_basics.py", "rollups", config), "rollups")
    _say("  exporting Parquet for pandas")
    export = measure(worker("bench_data.py", "parquet", store, parquet))
    _say(f"  status: library (1 cold + {runs} warm)")
    status_lib = measure_quiet(worker("bench_basics.py", "status", config, runs), "status")
    _say(f"  status: CLI (1 warm-up + {cli_runs})")
    status_cli = cli_runs_of(
        [BASICS_CLI, "--config", str(config), "slo", "status", "--at", AT_ISO, "--json"],
        cli_runs,
    )
    _say("  status: pandas")
    status_pd = measure_quiet(worker("bench_pandas.py", "status", parquet), "pandas status")
    _say(f"  breakdown: library (1 cold + {runs} warm)")
    breakdown_lib = measure_quiet(
        worker("bench_basics.py", "breakdown", config, BREAKDOWN_SLO, runs), "breakdown"
    )
    _say(f"  breakdown: CLI (1 warm-up + {cli_runs})")
    breakdown_cli = cli_runs_of(
        [
            BASICS_CLI,
            "--config",
            str(config),
            "slo",
            "breakdown",
            BREAKDOWN_SLO,
            "--by",
            "user",
            "--to",
            AT_ISO,
            "--json",
        ],
        cli_runs,
    )
    _say("  breakdown: pandas")
    breakdown_pd = measure_quiet(
        worker("bench_pandas.py", "breakdown", parquet, BREAKDOWN_SLO.split("/")[0]),
        "pandas breakdown",
    )
    return {
        "events": n,
        "store": str(store),
        "store_bytes": store.stat().st_size,
        "parquet_bytes": export["bytes"],
        "build": build,
        "rollups": rollups,
        "export": export,
        "status": {"library": status_lib, "cli": status_cli, "pandas": status_pd},
        "breakdown": {"library": breakdown_lib, "cli": breakdown_cli, "pandas": breakdown_pd},
    }


def cli_runs_of(cmd: list[str], runs: int) -> dict[str, Any]:
    """One untimed warm-up, then `runs` timed runs of a command; the median wall time."""
    measure(cmd, expect_result=False)
    timed = [measure(cmd, expect_result=False) for _ in range(runs)]
    return {
        "command": " ".join(_short(c) for c in cmd),
        "median_s": statistics.median(t["wall_s"] for t in timed),
        "times_s": [t["wall_s"] for t in timed],
        "others_cpu_share": max(t["others_cpu_share"] for t in timed),
        "load1_before": max(t["load1_before"] for t in timed),
        "stdout": timed[-1]["stdout"],
    }


def _short(part: str) -> str:
    try:
        return str(Path(part).relative_to(ROOT)) if part.startswith("/") else part
    except ValueError:
        return part


# -- checks ---------------------------------------------------------------------------------


class Checks:
    """Equalities between contestants; any failure makes the run exit 1."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.items.append({"check": name, "ok": ok, "detail": detail})
        _say(f"CHECK {'ok  ' if ok else 'FAIL'} {name}: {detail}")

    @property
    def failed(self) -> bool:
        return not all(item["ok"] for item in self.items)


def check_tables(checks: Checks, label: str, tables: dict[str, dict[str, Any]]) -> None:
    names = list(tables)
    first = tables[names[0]]
    exact = (
        "rows",
        "sum_status",
        "distinct_users",
        "min_ts",
        "max_ts",
        "sum_ts_us",
        "region_eu_west_1",
        "version_2026_03_0",
    )
    same = all(tables[n][key] == first[key] for n in names for key in exact)
    durations = [float(tables[n]["sum_duration_ms"]) for n in names]
    close = all(math.isclose(d, durations[0], rel_tol=1e-9) for d in durations)
    checks.add(
        label,
        same and close,
        f"{' = '.join(names)}: rows {int(first['rows']):,}, sum(status) "
        f"{int(first['sum_status']):,}, distinct users {int(first['distinct_users']):,}"
        + ("" if same else f"; differ: {json.dumps(tables)}")
        + ("" if close else f"; sum(duration_ms) differs: {durations}"),
    )


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_status(checks: Checks, n: int, step: dict[str, Any]) -> None:
    lib = step["status"]["library"]["numbers"]
    pdn = step["status"]["pandas"]["numbers"]
    cli = {row["slo"]: row for row in json.loads(step["status"]["cli"]["stdout"])}
    problems = []
    for slo, ours in lib.items():
        theirs = pdn.get(slo)
        if theirs is None:
            problems.append(f"{slo} missing from pandas")
            continue
        for key in ("total", "good", "bad"):
            if ours[key] != theirs[key] or ours[key] != cli[slo][key]:
                problems.append(f"{slo} {key}: {ours[key]} / {theirs[key]} / {cli[slo][key]}")
        for key in ("sli", "budget_consumed"):
            if not _close(ours[key], theirs[key]):
                problems.append(f"{slo} {key}: {ours[key]} vs {theirs[key]}")
        for window, rate in ours["burn_rates"].items():
            if not _close(rate, theirs["burn_rates"][window]):
                problems.append(f"{slo} burn {window}: {rate} vs {theirs['burn_rates'][window]}")
    total = sum(v["total"] for v in lib.values())
    bad = sum(v["bad"] for v in lib.values())
    checks.add(
        f"status {_n(n)}: Basics library = CLI = pandas",
        not problems,
        f"{len(lib)} SLOs, total/good/bad equal, SLI, budget consumed and 6 burn rates "
        f"within 1e-9 (sum of totals {total:,}, of bad {bad:,})"
        + ("" if not problems else "; " + "; ".join(problems[:10])),
    )


def check_breakdown(checks: Checks, n: int, step: dict[str, Any]) -> None:
    lib = step["breakdown"]["library"]["numbers"]
    pdn = step["breakdown"]["pandas"]["numbers"]
    cli = json.loads(step["breakdown"]["cli"]["stdout"])
    problems = []
    for key in ("bad", "total", "distinct_values"):
        if lib[key] != pdn[key] or lib[key] != cli[key]:
            problems.append(f"{key}: {lib[key]} / {pdn[key]} / {cli[key]}")
    ours = [(r["user"], r["bad"], r["total"]) for r in lib["top"]]
    theirs = [(r["user"], r["bad"], r["total"]) for r in pdn["top"]]
    from_cli = [(c["value"], c["bad"], c["total"]) for c in cli["contributors"]]
    if ours != theirs or ours != from_cli:
        problems.append(f"top 10 differ: {ours} / {theirs} / {from_cli}")
    shares = all(
        _close(a["share"], b["share"]) for a, b in zip(lib["top"], pdn["top"], strict=False)
    )
    if not shares:
        problems.append("shares differ")
    top = lib["top"][0] if lib["top"] else {"user": None, "bad": 0, "share": 0}
    checks.add(
        f"breakdown {_n(n)}: Basics library = CLI = pandas",
        not problems,
        f"{BREAKDOWN_SLO} by user: {lib['bad']:,} bad of {lib['total']:,} events, "
        f"{lib['distinct_values']:,} users, top 10 users/bad/total equal (top: {top['user']} "
        f"{top['bad']} bad, {top['share']:.1%})"
        + ("" if not problems else "; " + "; ".join(problems)),
    )


# -- reporting ------------------------------------------------------------------------------


def _n(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _gb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e9:.2f} GB"


def _x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.1f}×"


def _busy(run: dict[str, Any]) -> str:
    """A mark for a measurement during which other processes used many of the CPUs."""
    return "*" if run.get("others_cpu_share", 0.0) > BUSY_SHARE else ""


def _target(name: str, measured: str, met: bool, how: str) -> dict[str, Any]:
    return {
        "target": name,
        "measured": measured,
        "met": met,
        "verdict": ("MET" if met else "MISSED") + f" ({how})",
    }


def _time_target(name: str, seconds: float, limit: float) -> dict[str, Any]:
    spare = (limit - seconds) * 1000
    how = (
        f"{spare:.0f} ms to spare"
        if spare >= 0
        else f"{-spare:.0f} ms over, {seconds / limit:.1f}×"
    )
    return _target(name, _s(seconds), seconds <= limit, how)


def _ratio_target(name: str, ratio: float) -> dict[str, Any]:
    goal = TARGETS["vs_pandas"]
    how = (
        f"{ratio / goal:.1f}× the target"
        if ratio >= goal
        else f"needs {goal / ratio:.1f}× more speed-up"
    )
    return _target(f"≥ 5× pandas: {name}", _x(ratio), ratio >= goal, how)


def build_report(results: dict[str, Any]) -> tuple[list[list[str]], list[dict[str, Any]]]:
    """Table rows and target verdicts from the raw results (* = measured under load)."""
    ingest = results["ingest"]
    n = ingest["events"]
    b, p, pl = (ingest["runs"][k] for k in ("basics", "pandas", "polars"))
    duck = ingest["runs"].get("duckdb")
    rows = [
        [
            f"ingest {_n(n)} JSON lines (in-process)",
            _s(b["seconds"]) + _busy(b),
            _s(p["seconds"]) + _busy(p),
            _s(pl["seconds"]) + _busy(pl),
            _x(p["seconds"] / b["seconds"]),
            _x(pl["seconds"] / b["seconds"]),
        ],
        ["  events/s"] + [f"{r['events_per_s']:,.0f}" for r in (b, p, pl)] + ["", ""],
        [
            "  process wall (with start-up)",
            *(_s(r["wall_s"]) for r in (b, p, pl)),
            _x(p["wall_s"] / b["wall_s"]),
            _x(pl["wall_s"] / b["wall_s"]),
        ],
        ["  peak RSS"] + [_gb(r["peak_rss_bytes"]) for r in (b, p, pl)] + ["", ""],
    ]
    if duck is not None:
        rows += [
            ["  DuckDB read_json into a table (reference)", _s(duck["seconds"]) + _busy(duck)],
            ["  Basics time / DuckDB read_json time", f"{b['seconds'] / duck['seconds']:.2f}×"],
        ]
    shaped = ingest["runs"].get("duckdb_map")
    if shaped is not None:
        rows += [
            [
                "  DuckDB read_json, attributes in a map as Basics stores them",
                _s(shaped["seconds"]) + _busy(shaped),
            ],
            ["  Basics time / that time", f"{b['seconds'] / shaped['seconds']:.2f}×"],
        ]
    slow = ingest["runs"].get("row_reader")
    if slow is not None:
        rows.append(
            [
                "  Basics, every line through the row reader",
                _s(slow["seconds"]) + _busy(slow),
                "",
                "",
                _x(p["seconds"] / slow["seconds"]),
                _x(pl["seconds"] / slow["seconds"]),
            ]
        )
    rate, rss = b["events_per_s"], b["peak_rss_bytes"]
    goal, rss_goal = TARGETS["ingest_events_per_s"], TARGETS["ingest_peak_rss_bytes"]
    targets = [
        _target(
            f"ingest ≥ 1M events/s ({_n(n)} events)",
            f"{rate:,.0f} events/s",
            rate >= goal,
            f"{rate / goal:.2f}× the target"
            if rate >= goal
            else f"needs {goal / rate:.1f}× faster",
        ),
        _target(
            f"ingest peak RSS ≤ 1.5 GB ({_n(n)} events)",
            _gb(rss),
            rss <= rss_goal,
            f"{(rss_goal - rss) / 1e9:.2f} GB to spare"
            if rss <= rss_goal
            else f"{(rss - rss_goal) / 1e9:.2f} GB over, {rss / rss_goal:.1f}×",
        ),
        _ratio_target(f"ingest {_n(n)} (in-process)", p["seconds"] / b["seconds"]),
        _target(
            f"ingest faster than the polars script ({_n(n)})",
            _x(pl["seconds"] / b["seconds"]),
            b["seconds"] < pl["seconds"],
            f"{pl['seconds'] / b['seconds']:.2f}× polars' speed",
        ),
    ]
    if duck is not None:
        ratio, limit = b["seconds"] / duck["seconds"], TARGETS["ingest_vs_duckdb"]
        targets.append(
            _target(
                f"ingest ≤ {limit}× DuckDB read_json into a table ({_n(n)})",
                f"{ratio:.2f}×",
                ratio <= limit,
                f"{limit / ratio:.2f}× the margin"
                if ratio <= limit
                else f"needs {ratio / limit:.2f}× faster",
            )
        )
    biggest = results["sizes"][-1]["events"]
    for size in results["sizes"]:
        m = size["events"]
        rows.append([f"rollup build {_n(m)} (sync_definitions)", _s(size["rollups"]["seconds"])])
        for what, title in (("status", "status, 10 SLOs"), ("breakdown", "by-user breakdown")):
            lib, cli, pds = (size[what][k] for k in ("library", "cli", "pandas"))
            rows += [
                [
                    f"{title} {_n(m)}: library warm vs pandas read+compute",
                    _s(lib["median_s"]) + _busy(lib),
                    _s(pds["seconds"]) + _busy(pds),
                    "",
                    _x(pds["seconds"] / lib["median_s"]),
                ],
                [
                    "  pandas without the Parquet read",
                    _s(lib["median_s"]),
                    _s(pds["compute_s"]),
                    "",
                    _x(pds["compute_s"] / lib["median_s"]),
                ],
                [
                    "  CLI process vs pandas script process",
                    _s(cli["median_s"]) + _busy(cli),
                    _s(pds["wall_s"]),
                    "",
                    _x(pds["wall_s"] / cli["median_s"]),
                ],
            ]
            if what == "status":
                targets += [
                    _time_target(
                        f"status ≤ 100 ms, {_n(m)} events (library)",
                        lib["median_s"],
                        TARGETS["status_s"],
                    ),
                    _time_target(
                        f"status call (process) ≤ 0.5 s, {_n(m)} events",
                        cli["median_s"],
                        TARGETS["startup_s"],
                    ),
                ]
            elif m == biggest:
                limit = TARGETS["breakdown_big_s"]
                targets += [
                    _time_target(
                        f"30-day by-user breakdown ≤ 1 s, {_n(m)} events (library)",
                        lib["median_s"],
                        limit,
                    ),
                    _time_target(
                        f"30-day by-user breakdown ≤ 1 s, {_n(m)} events (CLI)",
                        cli["median_s"],
                        limit,
                    ),
                ]
            targets += [
                _ratio_target(
                    f"{what} {_n(m)} (library vs read+compute)", pds["seconds"] / lib["median_s"]
                ),
                _ratio_target(
                    f"{what} {_n(m)} (CLI vs script process)", pds["wall_s"] / cli["median_s"]
                ),
            ]
    help_s = results["help"]["median_s"]
    rows.append(["basics --help (process)", _s(help_s) + _busy(results["help"])])
    targets.append(_time_target("basics --help ≤ 0.5 s", help_s, TARGETS["startup_s"]))
    width = len(HEADER)
    return [row + [""] * (width - len(row)) for row in rows], targets


HEADER = ["measurement", "Basics", "pandas", "polars", "pandas/Basics", "polars/Basics"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = []
    for index, row in enumerate([HEADER, *rows]):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" + "---:|" * (len(HEADER) - 1)]
    for row in rows:
        cells = [c.replace("|", "\\|").replace("*", "\\*") for c in row]
        if cells[0].startswith("  "):
            cells[0] = "↳ " + cells[0].strip()
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_summary(results: dict[str, Any]) -> dict[str, float]:
    """The highest load average and share of CPUs used by other processes while measuring."""
    shares, loads = [], []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "others_cpu_share" in node:
                shares.append(node["others_cpu_share"])
                loads.append(node.get("load1_before", 0.0))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in results.items() if k != "load"})
    return {
        "max_others_cpu_share": max(shares, default=0.0),
        "mean_others_cpu_share": statistics.fmean(shares) if shares else 0.0,
        "max_load1": max(loads, default=0.0),
    }


# -- main -----------------------------------------------------------------------------------


def run_all(args: argparse.Namespace) -> tuple[dict[str, Any], Checks]:
    """Every measurement and check, in one run."""
    sizes = sorted({args.events, args.big_events})
    started = time.perf_counter()
    info = machine(("basics", "duckdb", "pandas", "polars", "pyarrow", "numpy"))
    _say(
        f"{info['cpu']}, {info['cores']} cores, {info['ram_bytes'] / 2**30:.0f} GiB; Python "
        f"{info['python']}; duckdb {info['versions']['duckdb']}, pandas "
        f"{info['versions']['pandas']}, polars {info['versions']['polars']}"
    )
    _say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    checks = Checks()
    command = " ".join([".venv/bin/python benchmarks/run.py", *sys.argv[1:]])
    results: dict[str, Any] = {"machine": info, "command": command, "args": vars(args)}
    results["load_at_start"] = os.getloadavg()
    results["ingest"] = ingest_step(args.events, args.fresh, args.pandas_chunk)
    results["sizes"] = []
    for n in sizes:
        step = query_step(n, args.runs, args.cli_runs)
        results["sizes"].append(step)
        check_status(checks, n, step)
        check_breakdown(checks, n, step)
        for what in ("status", "breakdown"):
            step[what]["cli"].pop("stdout", None)
        if n == args.events:
            dbs = [*results["ingest"]["dbs"].values(), step["store"]]
            tables = measure(worker("bench_data.py", "check", *dbs))["tables"]
            names = ["Basics", "pandas", "polars", "SQL-built store"]
            labelled = dict(zip(names, tables.values(), strict=True))
            check_tables(checks, f"ingest {_n(n)}: stored tables", labelled)
            results["ingest"]["tables"] = labelled
            duck = results["ingest"]["runs"]["duckdb"]
            basics = labelled["Basics"]
            checks.add(
                f"ingest {_n(n)}: DuckDB read_json read the same events",
                int(basics["rows"]) == duck["rows"] and basics["sum_status"] == duck["sum_status"],
                f"rows {duck['rows']:,}, sum(status) {int(duck['sum_status']):,}",
            )
    _say(f"basics --help (1 warm-up + {args.help_runs})")
    results["help"] = cli_runs_of([BASICS_CLI, "--help"], args.help_runs)
    results["help"].pop("stdout", None)
    results["load_at_end"] = os.getloadavg()
    results["load"] = load_summary(results)
    results["total_s"] = time.perf_counter() - started
    results["checks"] = checks.items
    if not args.keep_data:
        for folder in [DATA / f"ingest-{args.events}", *(DATA / f"store-{n}" for n in sizes)]:
            shutil.rmtree(folder, ignore_errors=True)
        _say("removed the stores and Parquet files (the JSON lines stay cached; --keep-data)")
    return results, checks


def ingest_phases(ingest: dict[str, Any]) -> list[str]:
    """Where each Basics ingest run spent its wall and CPU time, as lines of text."""
    lines = []
    for key, title in (("basics", "Basics"), ("row_reader", "Basics, row reader only")):
        run = ingest["runs"].get(key)
        if not run or "phases" not in run:
            continue
        lines.append(f"{title} ingest of {_n(ingest['events'])}, by phase (wall, process CPU):")
        for name, phase in run["phases"].items():
            lines.append(f"  {name}: {_s(phase['wall_s'])}, {_s(phase['cpu_s'])} CPU")
    return lines


def report(results: dict[str, Any]) -> None:
    """Print the table and the targets; write latest.json and latest.md."""
    rows, targets = build_report(results)
    results["table"] = [dict(zip(HEADER, row, strict=True)) for row in rows]
    results["targets"] = targets
    load = results["load"]
    note = (
        f"* = other processes used more than {BUSY_SHARE:.0%} of the CPUs during that "
        f"measurement (after one retry). Load: 1-min load average up to {load['max_load1']:.2f}; "
        f"other processes used up to {load['max_others_cpu_share']:.0%} (mean "
        f"{load['mean_others_cpu_share']:.0%}) of the {results['machine']['cores']} CPUs "
        f"during a measurement. Total run: {results['total_s'] / 60:.1f} min."
    )
    verdicts = [f"{t['target']}: {t['measured']} -> {t['verdict']}" for t in targets]
    phases = ingest_phases(results["ingest"])
    _say(
        "\n" + text_table(rows) + "\n\nTargets:\n  " + "\n  ".join(verdicts) + "\n\n"
        + "\n".join(phases) + "\n\n" + note
    )  # fmt: skip
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / "latest.md").write_text(
        markdown_table(rows) + "\n\n" + note + "\n\n" + "\n".join(f"- {v}" for v in verdicts)
        + "\n\n" + "\n".join(phases) + "\n"
    )  # fmt: skip
    _say(f"wrote {(RESULTS / 'latest.json').relative_to(ROOT)} and latest.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="ingest size")
    parser.add_argument(
        "--big-events", type=int, default=50_000_000, help="second store size (status/breakdown)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1M and 5M events")
    parser.add_argument("--runs", type=int, default=5, help="warm library runs (median)")
    parser.add_argument("--cli-runs", type=int, default=3, help="CLI runs (median)")
    parser.add_argument("--help-runs", type=int, default=5, help="`basics --help` runs (median)")
    parser.add_argument("--pandas-chunk", type=int, default=500_000, help="read_json chunksize")
    parser.add_argument("--fresh", action="store_true", help="regenerate cached JSON lines")
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the stores, DuckDB files and Parquet"
    )
    parser.add_argument(
        "--report", type=Path, metavar="JSON", help="only re-print the report of a results file"
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.big_events = 1_000_000, 5_000_000
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.report:
        results = json.loads(args.report.read_text())
        report(results)
        return 0 if all(c["ok"] for c in results["checks"]) else 1
    results, checks = run_all(args)
    report(results)
    if checks.failed:
        _say("SOME CHECKS FAILED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
