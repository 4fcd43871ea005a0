"""Alert replay: Basics' `replay` against a pandas rolling-window script, same firings.

.venv/bin/python benchmarks/bench_replay.py [--slos 100] [--days 365] [--runs 3] [--keep-data]

Builds a store whose `slo_minute` table holds `--days` days of per-minute rollups for `--slos`
SLOs (written straight in SQL; deterministic: DuckDB `hash()` of the row numbers), then, in
one process and alternating, replays the built-in `workbook` policy over the whole range for
every SLO:

a. Basics: `App(config).alerting.replay(name, start, end)` for each SLO;
b. pandas: each SLO's minutes read from the same DuckDB file (`.df()`), reindexed to a dense
   minute index, `rolling(n).sum()` per window, burn rates as floats, `long > factor &
   short > factor` per tier, firings from the edges of that boolean series.

It checks that both find the same firings (tier, start, reset), compares the two conditions
minute by minute to explain any difference (exact ties), profiles Basics when it misses the
1.5 s target, writes `benchmarks/results/replay.json` and prints the table for
docs/benchmarks.md. Not wired into run.py (yet): it runs alone.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bench_common import busy_cpu_s, machine, profile_summary

from basics.alerting import compute
from basics.alerting import service as alerting_service
from basics.app import App
from basics.config.loader import load_config
from basics.store.duckdb_store import Store
from basics.store.rollups import definition_sha256

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"

GENERATOR_VERSION = 1
"""Bump when the generated rollups change, so a kept store is rebuilt."""

TARGET_S = 1.5
"""From the issue: replay of 100 SLOs × 1 year ≤ 1.5 s on this machine."""
BUSY = 0.25
"""A run is repeated once when other processes used more than this share of the CPUs."""
START = dt.datetime(2025, 1, 1)
"""The replay covers [START, START + days); the data starts LEAD_IN_M minutes earlier, so
the longest window (3 d) is full from the first replayed minute on."""
LEAD_IN_M = 3 * 1440
_SERVICE_NAMES = (
    "checkout catalog search accounts payments inventory shipping pricing reviews "
    "notifications auth gateway orders cart recommendations media billing ledger fraud analytics"
)
SERVICES = _SERVICE_NAMES.split()
SLOS_PER_SERVICE = ("availability", "reads", "writes", "api", "web")
OBJECTIVE = "99.9"
GOOD = "status < 500"
WINDOW_DAYS = 30
BACKGROUND_ERROR_SHARE = 0.0005
OUTAGES_PER_YEAR = 8
# Outage kinds, one per slot of the year in turn: (minutes, error share), each from..to.
#   0 sharp:    3-40 min at 5-60 %    (1h/5m pages; the longer ones the 6h/30m and ticket too)
#   1 moderate: 2-10 h at 0.7-1.4 %   (6h/30m pages)
#   2 slow:     12 h-3 d at 0.12-0.52 % (3d/6h tickets, or nothing when short)
#   3 major:    1-8 h at 2-10 %       (every tier)
OUTAGE_KINDS = (
    (3, 40, 0.05, 0.60),
    (120, 600, 0.007, 0.014),
    (720, 4320, 0.0012, 0.0052),
    (60, 480, 0.02, 0.10),
)

# The pandas script's policy, as a team would hard-code it: (long, short) minutes and the
# share of the 30-day budget each tier lets burn within its long window.
PANDAS_TIERS = ((60, 5, 2.0), (360, 30, 5.0), (4320, 360, 10.0))


# -- the data -------------------------------------------------------------------------------


def slo_keys(n: int) -> list[tuple[str, str]]:
    """(service, slo) for n SLOs: five per service, services in turn."""
    keys = [(svc, slo) for svc in SERVICES for slo in SLOS_PER_SERVICE]
    while len(keys) < n:  # more than 100: number further services
        index = len(keys) // len(SLOS_PER_SERVICE)
        keys += [(f"service{index:03d}", slo) for slo in SLOS_PER_SERVICE]
    return keys[:n]


def config_yaml(keys: list[tuple[str, str]]) -> str:
    lines = ["timezone: UTC", "store: basics.duckdb", "services:"]
    for svc in dict.fromkeys(svc for svc, _ in keys):
        lines += [f"  {svc}:", "    slos:"]
        lines += [
            f"      {slo}: {{objective: {OBJECTIVE}, window: {WINDOW_DAYS}d, good: {GOOD}}}"
            for s, slo in keys
            if s == svc
        ]
    return "\n".join(lines) + "\n"


def _u(key: str, k: int) -> str:
    """A uniform draw in [0, 1): 53 bits of hash(16 key + k)."""
    return f"(hash(({key}) * 16 + {k}) >> 11)::DOUBLE / 9007199254740992.0"


def rollups_sql(names: list[str], days: int) -> str:
    """SELECT slo, minute, total, good: one row per SLO and minute, a pure function of the
    row number i (row draws hash i ≥ 0; per-SLO and per-outage draws hash negative keys).

    Traffic is diurnal, 50-500 events a minute (a per-SLO peak of 200-440 and phase, noise
    of ±15 % and 0-9 events); background errors are Poisson at 0.05 %; each SLO has about
    OUTAGES_PER_YEAR outages, one per slot of the range, of the kinds in turn."""
    minutes = LEAD_IN_M + days * 1440
    slots = max(1, round(days * OUTAGES_PER_YEAR / 365))
    slot_len = minutes // slots
    name_list = "[" + ", ".join(f"'{n}'" for n in names) + "]"
    data_start = START - dt.timedelta(minutes=LEAD_IN_M)

    def by_kind(column: int, draw: str) -> str:
        """CASE over the outage kinds: from + (to - from) × draw, for one (from, to) pair."""
        parts = " ".join(
            f"WHEN {k} THEN {spec[column]} + ({spec[column + 1]} - {spec[column]}) * {draw}"
            for k, spec in enumerate(OUTAGE_KINDS)
        )
        return f"CASE kind {parts} END"

    duration = by_kind(0, "v2")
    rate = by_kind(2, "v3")
    slo_key = "-(1 + s * 4096 + 4095)"
    slot_key = "-(1 + s * 4096 + slot)"
    return f"""
    SELECT {name_list}[s + 1] AS slo, TIMESTAMP '{data_start}' + to_minutes(m) AS minute,
      total, total - least(total, background + outage) AS good
    FROM (
      SELECT *,
        CASE WHEN u_bg > c0 THEN 1 ELSE 0 END + CASE WHEN u_bg > c1 THEN 1 ELSE 0 END
          + CASE WHEN u_bg > c2 THEN 1 ELSE 0 END AS background,
        CASE WHEN m - slot * {slot_len} >= start_off AND m - slot * {slot_len} < start_off + dur
          THEN floor(total * rate + u_round)::BIGINT ELSE 0 END AS outage
      FROM (
        SELECT *,
          exp(-lam) AS c0, exp(-lam) * (1 + lam) AS c1,
          exp(-lam) * (1 + lam + lam * lam / 2) AS c2,
          floor(v1 * greatest({slot_len} - dur, 0))::BIGINT AS start_off
        FROM (
          SELECT *, total * {BACKGROUND_ERROR_SHARE} AS lam,
            least(floor({duration})::BIGINT, {slot_len // 2}) AS dur, {rate} AS rate
          FROM (
            SELECT i, s, m, slot, (s + slot) % 4 AS kind,
              50 + floor(10 * {_u("i", 4)} + (140 + 240 * {_u(slo_key, 2)})
                * (0.5 - 0.5 * cos(2 * pi() * ((m % 1440) / 1440.0 - {_u(slo_key, 1)})))
                * (0.85 + 0.3 * {_u("i", 1)}))::BIGINT AS total,
              {_u("i", 2)} AS u_bg, {_u("i", 3)} AS u_round,
              {_u(slot_key, 1)} AS v1, {_u(slot_key, 2)} AS v2, {_u(slot_key, 3)} AS v3
            FROM (
              SELECT i, i // {minutes} AS s, i % {minutes} AS m, (i % {minutes}) // {slot_len}
                AS slot
              FROM range({len(names) * minutes}) t(i)
            )
          )
        )
      )
    )
    """


def build_store(folder: Path, n_slos: int, days: int) -> dict[str, Any]:
    """A fresh store in `folder`: slo_minute written in SQL and matching `slos` rows."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    keys = slo_keys(n_slos)
    (folder / "basics.yaml").write_text(config_yaml(keys), encoding="utf-8")
    config = load_config(folder / "basics.yaml")
    names = [f"{svc}/{slo}" for svc, slo in keys]
    started = time.perf_counter()
    store = Store(config.store_path)
    # Rows in (slo, minute) order, as a full rollup build writes them (one SLO at a time).
    store.db.execute("SET preserve_insertion_order = true")
    with store.transaction() as db:
        db.execute(f"INSERT INTO slo_minute {rollups_sql(names, days)}")
        for svc, slo in keys:
            service = config.services[svc]
            db.execute(
                "INSERT INTO slos VALUES (?, ?, ?, now())",
                [f"{svc}/{slo}", svc, definition_sha256(service, service.slos[slo])],
            )
    store.db.execute("CHECKPOINT")
    rows = store.scalar("SELECT count(*) FROM slo_minute")
    stats = store.query(
        "SELECT min(total), max(total), sum(total), sum(total - good) FROM slo_minute"
    )[0]
    store.close()
    seconds = time.perf_counter() - started
    meta = {
        "generator_version": GENERATOR_VERSION,
        "slos": n_slos,
        "days": days,
        "duckdb": metadata.version("duckdb"),
    }
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": config.store_path.stat().st_size,
        "events_per_minute": [int(stats[0]), int(stats[1])],
        "events": int(stats[2]),
        "bad_events": int(stats[3]),
        "reused": False,
    }


def ensure_store(folder: Path, n_slos: int, days: int) -> dict[str, Any]:
    """Reuse a store kept by an earlier run with the same parameters, or build one."""
    meta_path = folder / "meta.json"
    wanted = {
        "generator_version": GENERATOR_VERSION,
        "slos": n_slos,
        "days": days,
        "duckdb": metadata.version("duckdb"),
    }
    if meta_path.exists() and json.loads(meta_path.read_text()) == wanted:
        path = folder / "basics.duckdb"
        return {"seconds": 0.0, "bytes": path.stat().st_size, "reused": True}
    return build_store(folder, n_slos, days)


# -- measuring ------------------------------------------------------------------------------


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(function: Callable[[], Any]) -> tuple[float, Any, dict[str, float]]:
    """Wall seconds, result, and the CPU this process and all others used meanwhile."""
    load1 = os.getloadavg()[0]
    busy, own = busy_cpu_s(), _own_cpu_s()
    started = time.perf_counter()
    result = function()
    wall = time.perf_counter() - started
    own_cpu = _own_cpu_s() - own
    others = max(0.0, busy_cpu_s() - busy - own_cpu)
    return (
        wall,
        result,
        {
            "cpu_s": own_cpu,
            "others_cpu_share": others / (wall * (os.cpu_count() or 1)),
            "load1_before": load1,
        },
    )


Firing = tuple[str, dt.datetime, dt.datetime | None]


# -- a. Basics ------------------------------------------------------------------------------


def basics_replay_all(
    app: App, names: list[str], start: dt.datetime, end: dt.datetime
) -> dict[str, list[Firing]]:
    """The library's replay of every SLO with its (default) policy: `replay_all`, which
    replays the SLOs on two threads (one DuckDB connection each)."""
    return {
        replay.slo: [(f.tier, f.start, f.reset) for f in replay.firings if not f.suppressed]
        for replay in app.alerting.replay_all(start, end, names)
    }


def basics_run(
    app: App, names: list[str], start: dt.datetime, end: dt.datetime
) -> tuple[dict[str, list[Firing]], dict[str, Any]]:
    """One replay of every SLO, with the library's two reads measured apart in CPU time of
    the thread that ran them: the minute series (`_series`: the query, the hand-over
    through Arrow and the running totals) and the incidents (`list_incidents`). CPU time,
    unlike wall time, is hardly changed by what else runs on the machine. The wrappers are
    instance (and module) attributes set for the run only; they add about a microsecond a
    call."""
    cpu = {"series": 0.0, "incidents": 0.0}
    wall = {"series": 0.0, "incidents": 0.0}
    calls = {"series": 0, "incidents": 0}

    def wrap(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started, thread_started = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                # DuckDB's own worker threads are not this thread: their CPU is in the
                # run's total but not here.
                cpu[label] += time.thread_time() - thread_started
                wall[label] += time.perf_counter() - started
                calls[label] += 1

        return wrapper

    alerting = app.alerting
    original_incidents = alerting_service.list_incidents
    alerting._series = wrap("series", alerting._series)  # type: ignore[method-assign]
    alerting_service.list_incidents = wrap("incidents", original_incidents)
    try:
        seconds, found, load = timed(lambda: basics_replay_all(app, names, start, end))
    finally:
        del alerting._series
        alerting_service.list_incidents = original_incidents
    split = {
        "seconds": seconds,
        "read_cpu_s": cpu,
        "read_wall_s": wall,
        "calls": calls,
        "rest_cpu_s": max(load["cpu_s"] - sum(cpu.values()), 0.0),
        **load,
    }
    return found, split


def basics_profile(
    app: App, names: list[str], start: dt.datetime, end: dt.datetime, top: int = 25
) -> dict[str, Any]:
    """cProfile of one replay loop: the top functions by own and by cumulative time."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    basics_replay_all(app, names, start, end)
    profiler.disable()
    wall = time.perf_counter() - started
    return {
        "wall_s_under_profiler": wall,
        **profile_summary(profiler, top),
    }


# -- b. pandas ------------------------------------------------------------------------------


def pandas_read(con: Any, name: str) -> pd.DataFrame:
    """One SLO's minutes from the DuckDB file."""
    return con.execute(
        "SELECT minute, total, good FROM slo_minute WHERE slo = ? ORDER BY minute", [name]
    ).df()


def pandas_conditions(
    minutes: pd.DataFrame, history: dt.datetime, begin: dt.datetime, stop: dt.datetime
) -> list[pd.Series]:
    """Per tier, whether it fires at the end of each minute of [begin, stop)."""
    index = pd.date_range(history, stop, freq="min", inclusive="left", unit="us")
    dense = minutes.set_index("minute").reindex(index, fill_value=0)
    total = dense["total"]
    bad = dense["total"] - dense["good"]
    error_budget = 1 - float(OBJECTIVE) / 100
    sums: dict[int, tuple[pd.Series, pd.Series]] = {}
    burn: dict[int, pd.Series] = {}
    for long_m, short_m, _ in PANDAS_TIERS:
        for window in (long_m, short_m):
            if window not in burn:
                sums[window] = (total.rolling(window).sum(), bad.rolling(window).sum())
                burn[window] = sums[window][1] / sums[window][0] / error_budget
    firing = []
    for long_m, short_m, share in PANDAS_TIERS:
        factor = share / 100 * (WINDOW_DAYS * 1440) / long_m
        condition = (burn[long_m] > factor) & (burn[short_m] > factor)
        firing.append(condition[begin:])
    return firing


def pandas_firings(conditions: list[pd.Series], tier_names: list[str]) -> list[Firing]:
    """Firings from the rising and falling edges; a minute is judged at its end."""
    found: list[Firing] = []
    one = pd.Timedelta(minutes=1)
    for tier_name, firing in zip(tier_names, conditions, strict=True):
        changed = firing.ne(firing.shift(fill_value=False))
        starts = (firing.index[firing & changed] + one).to_pydatetime().tolist()
        resets = (firing.index[~firing & changed] + one).to_pydatetime().tolist()
        resets += [None] * (len(starts) - len(resets))
        found += [(tier_name, s, r) for s, r in zip(starts, resets, strict=True)]
    return sorted(found, key=lambda f: (f[1], f[0]))


def pandas_replay_all(
    con: Any, names: list[str], start: dt.datetime, end: dt.datetime, tier_names: list[str]
) -> tuple[dict[str, list[Firing]], float]:
    """Every SLO: read, then compute; returns the firings and the CPU seconds spent
    reading (this thread's)."""
    history = start - dt.timedelta(minutes=max(t[0] for t in PANDAS_TIERS))
    found, read_s = {}, 0.0
    for name in names:
        started = time.thread_time()
        minutes = pandas_read(con, name)
        read_s += time.thread_time() - started
        found[name] = pandas_firings(pandas_conditions(minutes, history, start, end), tier_names)
    return found, read_s


# -- checks ---------------------------------------------------------------------------------


def compare(basics: dict[str, list[Firing]], pandas: dict[str, list[Firing]]) -> dict[str, Any]:
    """Firings both found, and those only one side found."""
    only_basics, only_pandas, same = [], [], 0
    for name in basics:
        a = {(f[0], f[1], f[2]) for f in basics[name]}
        b = set(pandas[name])
        same += len(a & b)
        only_basics += [(name, *f) for f in sorted(a - b, key=str)]
        only_pandas += [(name, *f) for f in sorted(b - a, key=str)]
    return {"same": same, "only_basics": only_basics, "only_pandas": only_pandas}


def condition_check(
    app: App, names: list[str], start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Per tier and minute, Basics' exact condition against the pandas float one on the same
    data; and the minutes where a window's burn rate equals the factor exactly (a tie)."""
    alerting = app.alerting
    tiers = compute.resolve_tiers(app.config.alert_policy("workbook"), WINDOW_DAYS * 86400)
    lookback_m = max(t.long_s for t in tiers) // 60
    history = start - dt.timedelta(minutes=lookback_m)
    per_tier = [
        {
            "tier": t.name,
            "differing_minutes": 0,
            "differing_at_ties": 0,
            "tie_minutes": 0,
            "decisive_tie_minutes": 0,
            "minutes_firing": 0,
        }
        for t in tiers
    ]
    examples: list[dict[str, Any]] = []
    for name in names:
        _, _, slo = alerting.slo.slo(name)
        cumulative = alerting._series(name, slo, history, end)
        totals = np.diff(cumulative.total)
        goods = totals - np.diff(cumulative.bad)
        frame = pd.DataFrame(
            {
                "minute": pd.date_range(history, periods=len(totals), freq="min", unit="us"),
                "total": totals,
                "good": goods,
            }
        )
        frame = frame[frame["total"] > 0]
        floats = pandas_conditions(frame, history, start, end)
        cum_total = np.concatenate(([0], np.cumsum(totals)))
        cum_bad = np.concatenate(([0], np.cumsum(totals - goods)))
        for k, tier in enumerate(tiers):
            exact, _, _ = compute.tier_conditions(
                totals, goods, lookback_m, slo.objective, tier, 0, False
            )
            threshold = tier.factor * compute.error_share(slo.objective)
            ties, above = [], []
            for minutes in (tier.long_s // 60, (tier.short_s or 0) // 60):
                t = compute.trailing_sums(cum_total, lookback_m, minutes)
                b = compute.trailing_sums(cum_bad, lookback_m, minutes)
                ties.append((t > 0) & (b * threshold.denominator == t * threshold.numerator))
                above.append(compute.exceeds(b, t, threshold))
            tie = ties[0] | ties[1]
            decisive = (ties[0] & (above[1] | ties[1])) | (ties[1] & (above[0] | ties[0]))
            floating = floats[k].to_numpy()
            differ = exact != floating
            row = per_tier[k]
            row["differing_minutes"] += int(differ.sum())
            row["differing_at_ties"] += int((differ & tie).sum())
            row["tie_minutes"] += int(tie.sum())
            row["decisive_tie_minutes"] += int(decisive.sum())
            row["minutes_firing"] += int(exact.sum())
            if differ.any() and len(examples) < 3:
                i = int(np.flatnonzero(differ)[0])
                examples.append(
                    _example(
                        name,
                        tier,
                        slo.objective,
                        history,
                        lookback_m + i,
                        cum_total,
                        cum_bad,
                        bool(exact[i]),
                        bool(floating[i]),
                    )
                )
    return {"per_tier": per_tier, "examples": examples}


def _example(
    name: str,
    tier: Any,
    objective: Any,
    history: dt.datetime,
    index: int,
    cum_total: np.ndarray,
    cum_bad: np.ndarray,
    exact: bool,
    floating: bool,
) -> dict[str, Any]:
    """One minute where the float condition differs: the counts and both burn rates."""
    error_budget = 1 - float(OBJECTIVE) / 100
    windows = {}
    for label, seconds in (("long", tier.long_s), ("short", tier.short_s)):
        minutes = seconds // 60
        total = int(cum_total[index + 1] - cum_total[index + 1 - minutes])
        bad = int(cum_bad[index + 1] - cum_bad[index + 1 - minutes])
        windows[label] = {
            "window": f"{minutes}m",
            "total": total,
            "bad": bad,
            "exact_burn_rate": str(Fraction(bad, total) / compute.error_share(objective)),
            "pandas_burn_rate": repr(bad / total / error_budget),
        }
    return {
        "slo": name,
        "tier": tier.name,
        "factor": str(tier.factor),
        "minute_end": (history + dt.timedelta(minutes=index + 1)).isoformat(),
        "basics_fires": exact,
        "pandas_fires": floating,
        **windows,
    }


# -- report ---------------------------------------------------------------------------------


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def markdown(result: dict[str, Any]) -> str:
    """The results table of docs/benchmarks.md's "Alert replay" section."""
    b, p, check = result["basics"], result["pandas"], result["check"]
    b_run, p_run = b["median_run"], p["median_run"]
    reads = b_run["read_cpu_s"]
    p_rest = p_run["cpu_s"] - p_run["read_s"]
    per_tier = ", ".join(f"{t}: {n}" for t, n in sorted(check["firings_per_tier"].items()))
    runs = [", ".join(_s(x) for x in side["runs_s"]) for side in (b, p)]
    rows = [
        "| measurement | Basics | pandas | pandas / Basics |",
        "|---|---:|---:|---:|",
        f"| **replay {result['slos']} SLOs × {result['days']} days, `workbook` policy** "
        f"(median of {len(b['runs_s'])}) | **{_s(b['median_s'])}** | **{_s(p['median_s'])}** | "
        f"**{result['ratio_pandas_over_basics']:.1f}×** |",
        f"| ↳ individual runs | {runs[0]} | {runs[1]} | |",
        f"| CPU time of the median run (Basics: both threads and DuckDB's) | "
        f"{_s(b_run['cpu_s'])} | {_s(p_run['cpu_s'])} | {p_run['cpu_s'] / b_run['cpu_s']:.1f}× |",
        f"| ↳ reading the minute series (query, hand-over; Basics also the running totals), "
        f"CPU of the reading thread | {_s(reads['series'])} | {_s(p_run['read_s'])} | "
        f"{p_run['read_s'] / reads['series']:.1f}× |",
        f"| ↳ incidents, one query for all SLOs | {_s(reads['incidents'])} | | |",
        f"| ↳ the rest: window conditions, firings, budgets, judging (and DuckDB's own "
        f"threads) | {_s(b_run['rest_cpu_s'])} | {_s(p_rest)} | "
        f"{p_rest / b_run['rest_cpu_s']:.1f}× |",
        f"| firings ({per_tier}) | {check['firings']} | {check['pandas_firings']} | |",
        f"| ↳ found by one side only | {len(check['only_basics'])} | "
        f"{len(check['only_pandas'])} | |",
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep-data", action="store_true", help="keep (and reuse) the store")
    parser.add_argument("--profile", action="store_true", help="profile even if the target is met")
    parser.add_argument("--out", type=Path, default=RESULTS / "replay.json")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    run_started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "benchmarks/bench_replay.py " + " ".join(sys.argv[1:]),
        "machine": machine(("basics", "duckdb", "pandas", "numpy")),
        "slos": args.slos,
        "days": args.days,
        "load_at_start": os.getloadavg(),
        "uptime_at_start": _uptime(),
    }
    say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = DATA / f"replay-{args.slos}x{args.days}d"
    say(f"building the store in {folder} ...")
    result["store"] = ensure_store(folder, args.slos, args.days)
    say(f"  {result['store']}")
    names = [f"{svc}/{slo}" for svc, slo in slo_keys(args.slos)]
    start, end = START, START + dt.timedelta(days=args.days)

    config = load_config(folder / "basics.yaml")
    setup_s, app, _ = timed(lambda: App(config))
    opened_s, alerting, _ = timed(lambda: app.alerting)  # opens the store, syncs definitions
    assert not alerting.slo.ensure_rollups(), "the rollups were rebuilt: definitions differ"
    tier_names = [
        t.name
        for t in alerting.tiers(
            config.services[SERVICES[0]].slos[SLOS_PER_SERVICE[0]], "workbook", end
        )
    ]
    con = app.store.db.cursor()  # the pandas side's own connection to the same database
    result["setup_s"] = {"app": setup_s, "open_store_and_sync": opened_s}

    basics_runs: list[dict[str, Any]] = []
    pandas_runs: list[dict[str, Any]] = []
    basics_found: dict[str, list[Firing]] = {}
    pandas_found: dict[str, list[Firing]] = {}
    discarded: list[dict[str, Any]] = []
    for run in range(args.runs):
        for attempt in (1, 2):  # once more when others used over BUSY of the CPUs meanwhile
            basics_found, split = basics_run(app, names, start, end)
            split["attempt"] = attempt
            say(
                f"run {run + 1}: Basics {split['seconds']:.2f} s, CPU {split['cpu_s']:.2f} s "
                f"(series {split['read_cpu_s']['series']:.2f}, rest {split['rest_cpu_s']:.2f}); "
                f"others used {split['others_cpu_share']:.0%}"
            )
            if split["others_cpu_share"] <= BUSY or attempt == 2:
                break
            discarded.append({"side": "basics", **split})
        basics_runs.append(split)
        for attempt in (1, 2):
            wall, (pandas_found, read_s), load = timed(
                lambda: pandas_replay_all(con, names, start, end, tier_names)
            )
            say(
                f"run {run + 1}: pandas {wall:.2f} s, CPU {load['cpu_s']:.2f} s, of which "
                f"reading {read_s:.2f} s; others used {load['others_cpu_share']:.0%}"
            )
            if load["others_cpu_share"] <= BUSY or attempt == 2:
                break
            discarded.append({"side": "pandas", "seconds": wall, "read_s": read_s, **load})
        pandas_runs.append({"seconds": wall, "read_s": read_s, "attempt": attempt, **load})

    b_median = statistics.median(r["seconds"] for r in basics_runs)
    p_median = statistics.median(r["seconds"] for r in pandas_runs)
    result["basics"] = {
        "median_s": b_median,
        "runs_s": [r["seconds"] for r in basics_runs],
        "runs": basics_runs,
        # The DuckDB reads and the rest of the run whose time is the median, so they add up.
        "median_run": sorted(basics_runs, key=lambda r: r["seconds"])[len(basics_runs) // 2],
    }
    result["pandas"] = {
        "median_s": p_median,
        "median_run": sorted(pandas_runs, key=lambda r: r["seconds"])[len(pandas_runs) // 2],
        "runs_s": [r["seconds"] for r in pandas_runs],
        "runs": pandas_runs,
        "reads_from": "the same DuckDB file, one query per SLO (.df())",
    }
    result["discarded_runs"] = discarded
    measured = basics_runs + pandas_runs
    result["others_cpu_share"] = {
        "max": max(r["others_cpu_share"] for r in measured),
        "mean": statistics.fmean(r["others_cpu_share"] for r in measured),
    }
    result["ratio_pandas_over_basics"] = p_median / b_median
    result["target"] = {
        "limit_s": TARGET_S,
        "met": b_median <= TARGET_S,
        "margin_s": TARGET_S - b_median,
        "speedup_needed": b_median / TARGET_S,
    }

    say("checking the firings ...")
    check = compare(basics_found, pandas_found)
    per_tier: dict[str, int] = {}
    for firings in basics_found.values():
        for tier, _, _ in firings:
            per_tier[tier] = per_tier.get(tier, 0) + 1
    check["firings"] = sum(len(f) for f in basics_found.values())
    check["pandas_firings"] = sum(len(f) for f in pandas_found.values())
    check["firings_per_tier"] = per_tier
    check["slos_without_firings"] = [n for n, f in basics_found.items() if not f]
    check["conditions"] = condition_check(app, names, start, end)
    check["only_basics"] = [list(map(str, f)) for f in check["only_basics"]]
    check["only_pandas"] = [list(map(str, f)) for f in check["only_pandas"]]
    result["check"] = check
    say(
        f"  firings {check['firings']} {per_tier}; same {check['same']}, only Basics "
        f"{len(check['only_basics'])}, only pandas {len(check['only_pandas'])}"
    )
    for row in check["conditions"]["per_tier"]:
        say(f"  {row}")

    if args.profile or not result["target"]["met"]:
        say("profiling the Basics replay loop ...")
        profile = basics_profile(app, names, start, end)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "replay-profile.txt").write_text(profile.pop("text"), encoding="utf-8")
        result["profile"] = profile
        for row in profile["by_tottime"][:12]:
            say(
                f"  {row['tottime_s']:7.3f} s own  {row['cumtime_s']:7.3f} s cum  "
                f"{row['calls']:>7}  {row['function']}"
            )

    app.close()
    result["load_at_end"] = os.getloadavg()
    result["uptime_at_end"] = _uptime()
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["wall_s"] = time.perf_counter() - run_started
    if not args.keep_data:
        shutil.rmtree(folder)
    result["markdown"] = markdown(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(result["markdown"])
    target = result["target"]
    print(
        f"\ntarget ≤ {TARGET_S:g} s: {'met' if target['met'] else 'missed'} "
        f"({abs(target['margin_s']):.2f} s {'to spare' if target['met'] else 'over'}); "
        f"pandas / Basics {result['ratio_pandas_over_basics']:.1f}×; "
        f"whole run {result['wall_s'] / 60:.1f} min"
    )
    # Differences at exact ties are the point of the comparison; any other is a failure.
    conditions = check["conditions"]["per_tier"]
    unexplained = sum(row["differing_minutes"] - row["differing_at_ties"] for row in conditions)
    if (check["only_basics"] or check["only_pandas"]) and not any(
        row["differing_minutes"] for row in conditions
    ):
        unexplained += 1
    if unexplained:
        print(f"FAILED: {unexplained} differences not at exact ties", file=sys.stderr)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
