"""What every benchmark process shares: the synthetic events, the configuration, the SLOs.

The events are a pure function of their row number (DuckDB's `hash(16 i + k)` gives the
random draws), so the JSON-lines file and the stores built straight in SQL hold the same events, and
two runs with the same DuckDB version produce byte-identical data.

Workers print one line `BENCH_RESULT {json}` on stdout; `run.py` collects it.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
RESULT_PREFIX = "BENCH_RESULT "

GENERATOR_VERSION = 1
"""Bump when the generated events change, so cached JSON-lines files are regenerated."""

START = dt.datetime(2026, 2, 1)
DAYS = 30
END = START + dt.timedelta(days=DAYS)
AT = END
"""Status and breakdowns are taken at the end of the data: the 30-day window holds it all."""
AT_ISO = AT.isoformat() + "Z"
SPAN_US = DAYS * 86_400 * 1_000_000
USERS = 200_000
"""User ids u-000001 .. u-200000, Zipf-like (density ~ 1/rank): rank = floor(200001^u)."""

# service: (share of traffic, [(route, weight within the service, median latency ms)])
SERVICES: dict[str, tuple[float, list[tuple[str, int, float]]]] = {
    "checkout": (
        0.30,
        [
            ("/api/cart", 40, 35.0),
            ("/api/checkout", 25, 110.0),
            ("/api/payment-methods", 20, 25.0),
            ("/api/orders/{id}", 15, 45.0),
        ],
    ),
    "catalog": (
        0.28,
        [
            ("/api/products", 45, 30.0),
            ("/api/products/{id}", 35, 18.0),
            ("/api/categories", 15, 12.0),
            ("/api/recommendations", 5, 85.0),
        ],
    ),
    "search": (
        0.20,
        [
            ("/api/search", 70, 60.0),
            ("/api/suggest", 25, 15.0),
            ("/api/search/filters", 4, 25.0),
            ("/api/search/export", 1, 140.0),
        ],
    ),
    "accounts": (
        0.14,
        [
            ("/api/login", 30, 80.0),
            ("/api/me", 50, 10.0),
            ("/api/sessions", 15, 12.0),
            ("/api/password-reset", 5, 40.0),
        ],
    ),
    "payments": (
        0.08,
        [
            ("/api/charges", 45, 120.0),
            ("/api/refunds", 10, 100.0),
            ("/api/webhooks", 35, 20.0),
            ("/api/payouts", 10, 60.0),
        ],
    ),
}
REGIONS = ("eu-west-1",) * 5 + ("us-east-1",) * 3 + ("eu-central-1",) * 2
VERSIONS = ("2026.02.1", "2026.02.2", "2026.02.3", "2026.03.0")
SERVER_ERROR_SHARE = 0.0008
CLIENT_ERROR_SHARE = 0.02
LATENCY_SIGMA = 0.45
TAIL_SHARE = 0.003
TAIL_FACTOR = 8.0
# One planted incident: every checkout request of user u-000003 fails for three hours.
INCIDENT_SERVICE = "checkout"
INCIDENT_USER_RANK = 3
INCIDENT_START = dt.datetime(2026, 2, 21, 14, 0)
INCIDENT_END = dt.datetime(2026, 2, 21, 17, 0)

BREAKDOWN_SLO = "checkout/availability"
"""The SLO broken down by user: the busiest service (30 % of the events)."""

# The SLOs of every service, as the pandas baseline hard-codes them too.
AVAILABILITY = {"objective": "99.9", "good": "status < 500"}
LATENCY = {"objective": "99", "good": "duration_ms <= 300"}
EVENTS_DDL = """
CREATE TABLE events (
    ts TIMESTAMP NOT NULL,
    service VARCHAR NOT NULL,
    operation VARCHAR,
    user_id VARCHAR,
    status INTEGER,
    duration_ms DOUBLE,
    attrs MAP(VARCHAR, VARCHAR),
    batch_id INTEGER NOT NULL
)
"""
"""The columns of Basics' events table (store/migrations.py)."""

BURN_WINDOWS_S = {"5m": 300, "30m": 1800, "1h": 3600, "6h": 21600, "1d": 86400, "3d": 259200}


def _u(k: int) -> str:
    """The k-th uniform draw in [0, 1) of row i: 53 bits of hash(16 i + k).

    (`hash(i, k)` would be cheaper but its draws for different k are correlated.)"""
    return f"(hash(i * 16 + {k}) >> 11)::DOUBLE / 9007199254740992.0"


def _sql_list(values: list[Any] | tuple[Any, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" if isinstance(v, str) else repr(v) for v in values) + "]"


def route_table() -> tuple[list[str], list[str], list[float], list[int]]:
    """Services, routes and medians per route, and a 1000-slot lookup of route by draw."""
    services, routes, medians, weights = [], [], [], []
    for service, (share, service_routes) in SERVICES.items():
        total = sum(weight for _, weight, _ in service_routes)
        for route, weight, median in service_routes:
            services.append(service)
            routes.append(route)
            medians.append(median)
            weights.append(share * weight / total)
    slots: list[int] = []
    cumulative = 0.0
    for index, weight in enumerate(weights, start=1):
        cumulative += weight
        slots += [index] * (round(cumulative * 1000) - len(slots))
    slots += [len(weights)] * (1000 - len(slots))
    return services, routes, medians, slots


def events_sql(n: int) -> str:
    """A SELECT of `n` typed events: ts TIMESTAMP, service, operation, user, status,
    duration_ms, region, version; row i is always the same event."""
    services, routes, medians, slots = route_table()
    errors_5xx = "[500, 502, 503, 504]"
    errors_4xx = "[400, 401, 404, 429]"
    return f"""
    SELECT ts, {_sql_list(services)}[r] AS service, {_sql_list(routes)}[r] AS operation,
      'u-' || lpad(user_rank::VARCHAR, 6, '0') AS "user",
      CASE
        WHEN r IN ({", ".join(str(i + 1) for i, s in enumerate(services) if s == INCIDENT_SERVICE)})
          AND user_rank = {INCIDENT_USER_RANK}
          AND ts >= TIMESTAMP '{INCIDENT_START}' AND ts < TIMESTAMP '{INCIDENT_END}' THEN 503
        WHEN u_status < {SERVER_ERROR_SHARE}
          THEN {errors_5xx}[floor(u_kind * 4)::INTEGER + 1]
        WHEN u_status < {SERVER_ERROR_SHARE + CLIENT_ERROR_SHARE}
          THEN {errors_4xx}[floor(u_kind * 4)::INTEGER + 1]
        ELSE 200
      END::INTEGER AS status,
      round({_sql_list(medians)}[r]
        * exp({LATENCY_SIGMA} * sqrt(-2 * ln(1 - u_lat1)) * cos(2 * pi() * u_lat2))
        * CASE WHEN u_tail < {TAIL_SHARE} THEN {TAIL_FACTOR} ELSE 1 END, 3) AS duration_ms,
      {_sql_list(REGIONS)}[floor(u_attr * {len(REGIONS)})::INTEGER + 1] AS region,
      {_sql_list(VERSIONS)}[(floor(u_attr * 1000)::INTEGER % {len(VERSIONS)}) + 1] AS version
    FROM (
      SELECT *,
        {_sql_list(slots)}[floor(u_route * 1000)::INTEGER + 1] AS r,
        TIMESTAMP '{START}'
          + to_microseconds(floor((i + u_jitter) * {SPAN_US} / {n})::BIGINT) AS ts,
        floor(pow({USERS + 1}, u_user))::INTEGER AS user_rank
      FROM (
        SELECT i, {_u(1)} AS u_route, {_u(2)} AS u_user, {_u(3)} AS u_status,
          {_u(4)} AS u_kind, {_u(5)} AS u_lat1, {_u(6)} AS u_lat2, {_u(7)} AS u_tail,
          {_u(8)} AS u_attr, {_u(9)} AS u_jitter
        FROM range({n}) t(i)
      )
    )
    """


def config_yaml(store: str) -> str:
    """basics.yaml: the JSON-lines source and two SLOs per service."""
    lines = [
        "timezone: UTC",
        f"store: {store}",
        "sources:",
        "  events:",
        "    format: jsonl",
        "    fields: {attrs.region: region, attrs.version: version}",
        "services:",
    ]
    for service in SERVICES:
        lines += [
            f"  {service}:",
            "    slos:",
            f"      availability: {{objective: {AVAILABILITY['objective']}, window: 30d, "
            f"good: {AVAILABILITY['good']}}}",
            f"      latency: {{objective: {LATENCY['objective']}, window: 30d, "
            f"good: {LATENCY['good']}}}",
        ]
    return "\n".join(lines) + "\n"


def write_config(folder: Path, store: str = "basics.duckdb") -> Path:
    """A basics.yaml in `folder` whose store is `folder/store`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "basics.yaml"
    path.write_text(config_yaml(store), encoding="utf-8")
    return path


def slo_names() -> list[str]:
    """Every SLO as service/name, in configuration order."""
    return [f"{s}/{name}" for s in SERVICES for name in ("availability", "latency")]


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM: its own address space only)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(result: dict[str, Any]) -> None:
    """Hand a worker's result to run.py."""
    result.setdefault("peak_rss_bytes", peak_rss_bytes())
    result.setdefault("pid", os.getpid())
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


def profile_summary(profiler: cProfile.Profile, top: int) -> dict[str, Any]:
    """A profile's top functions by own and by cumulative time, as rows and as text."""
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, function), (cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file.split("/src/")[-1] if "/src/" in file else Path(file).name
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": nc,
                "primitive": cc,
                "tottime_s": tt,
                "cumtime_s": ct,
            }
        )
    text = io.StringIO()
    printer = pstats.Stats(profiler, stream=text)
    printer.sort_stats("tottime").print_stats(top)
    printer.sort_stats("cumulative").print_stats(top)
    return {
        "by_tottime": sorted(rows, key=lambda r: -r["tottime_s"])[:top],
        "by_cumtime": sorted(rows, key=lambda r: -r["cumtime_s"])[:top],
        "text": text.getvalue(),
    }


def busy_cpu_s() -> float:
    """CPU seconds all processes have used so far (guest time is already inside user)."""
    import psutil

    times = psutil.cpu_times()
    busy = ("user", "nice", "system", "irq", "softirq", "steal")
    return float(sum(getattr(times, name, 0.0) for name in busy))


def package_version(package: str) -> str:
    """An installed package's version, or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(packages: tuple[str, ...]) -> dict[str, Any]:
    """The machine a run measured on: CPU model, cores, RAM, OS, Python, package versions."""
    import platform

    import psutil

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {package: package_version(package) for package in packages},
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


LAUNCH = (
    "import re, sys\n"  # what the console script pip writes imports first
    "try:\n"
    "    from basics.cli import run\n"
    "except ImportError:  # a tree from before the entry point `basics.cli:run`\n"
    "    from basics.cli.main import main as run\n"
    "run()\n"
)


def basics_argv(other_tree: bool) -> list[str]:
    """How to start `basics`: this checkout's console script, or, for another tree first on
    PYTHONPATH (`--before-src`), the script's own steps through `python -c`, which find that
    tree's entry point whichever it has (the console script imports this one's)."""
    if other_tree:
        return [sys.executable, "-c", LAUNCH]
    return [str(Path(sys.executable).parent / "basics")]


def timed_basics(
    config: Path, args: list[str], src: str | None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds one `basics --config CONFIG ARGS...` process took, and the process: this
    checkout's, or with `src` (another tree's `src/`) first on PYTHONPATH."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    command = [*basics_argv(src is not None), "--config", str(config), *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    return time.perf_counter() - started, done
