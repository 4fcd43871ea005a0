"""Deterministic demo data: a month of Tillwise's requests, with the incidents of `story` planted.

Events are drawn with numpy, vectorised, one service-day at a time, and streamed into DuckDB, which
writes them as JSON lines or as pre-formatted nginx lines; memory holds about a day per service.
Every service-day has its own random stream seeded from (seed, service, day), so the same seed and
scale give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from basics.core.errors import InputError
from basics.demo import story
from basics.demo.config_template import render_config
from basics.store.engine import duckdb

Progress = Callable[[str, int, int], None]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DAY_S = 86_400
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1")
POPULATION = 99_999
"""Merchants m-00001 .. m-99999; their traffic is Zipf-distributed by rank."""
ZIPF_EXPONENT = 1.1
WEEKEND_FACTOR = 0.6
LATENCY_SIGMA = 0.45
TIMEOUT_MS = 10_000.0
WORKERS = 2
"""Services written at once. DuckDB runs single-threaded per service: with more threads it
buffers the stream to keep rows in order, and memory would grow with the scale."""


@dataclass(frozen=True)
class DemoManifest:
    """What `generate` wrote: the config, the data files per source (in ingest order), the story."""

    config_path: Path
    files: list[tuple[str, Path]]
    events: int
    story: list[str]


@dataclass(frozen=True)
class _Route:
    path: str
    weight: float
    median_ms: float
    method: str = "GET"
    ok_status: int = 200
    body_bytes: int = 0


@dataclass(frozen=True)
class _Service:
    name: str
    source: str
    file: str
    events: int
    """Events over the 30 days at scale 1."""
    hosts: tuple[tuple[str, int], ...]
    """Host name and index into REGIONS."""
    routes: tuple[_Route, ...]
    anonymous: float
    errors: tuple[tuple[int, float], ...]
    """Background status codes other than the route's success, with their probability."""
    tail_share: float = 0.015
    """Share of requests in the slow mixture component, 5-10x slower than the route's usual."""


def _hosts(prefix: str, regions: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((f"{prefix}{i + 1}", region) for i, region in enumerate(regions))


_CLIENT_ERRORS = ((404, 0.004), (429, 0.0015), (400, 0.002))
_SERVER_ERRORS = ((500, 0.0002), (503, 0.00006), (504, 0.00004))

SERVICES: tuple[_Service, ...] = (
    _Service(
        "www",
        "web",
        "www.access.log",
        1_250_000,
        _hosts("web-", (0, 0, 1, 2)),
        (
            _Route("/", 0.16, 25, body_bytes=18_400),
            _Route("/pricing", 0.05, 30, body_bytes=22_100),
            _Route("/login", 0.07, 28, body_bytes=9_300),
            _Route("/login", 0.05, 110, method="POST", ok_status=302),
            _Route("/dashboard", 0.21, 140, body_bytes=48_700),
            _Route("/invoices", 0.11, 95, body_bytes=35_200),
            _Route("/static/app.js", 0.31, 20, body_bytes=312_000),
            _Route("/health", 0.04, 2, body_bytes=2),
        ),
        0.35,
        ((404, 0.006), (400, 0.001), (500, 0.00022), (504, 0.00008)),
    ),
    _Service(
        "api",
        "api",
        "api.jsonl",
        1_150_000,
        _hosts("gw-", (0, 0, 0, 1, 1, 2)),
        (
            _Route("/v1/charges", 0.22, 90, method="POST", ok_status=201),
            _Route("/v1/charges/{id}", 0.18, 35),
            _Route("/v1/refunds", 0.04, 110, method="POST", ok_status=201),
            _Route("/v1/balance", 0.12, 25),
            _Route("/v1/payouts", 0.08, 60),
            _Route("/v1/checkout/sessions", 0.14, 70, method="POST", ok_status=201),
            _Route("/v1/search", 0.17, 50),
            _Route("/health", 0.05, 2),
        ),
        0.0,
        ((404, 0.004), (429, 0.004), (400, 0.002), *_SERVER_ERRORS),
    ),
    _Service(
        "payments",
        "payments",
        "payments.jsonl",
        520_000,
        _hosts("pay-", (0, 0, 0, 1, 1, 2)),
        (
            _Route("/v1/charges", 0.38, 120, method="POST", ok_status=201),
            _Route("/v1/charges/{id}/capture", 0.22, 80, method="POST"),
            _Route("/v1/refunds", 0.07, 150, method="POST", ok_status=201),
            _Route("/v1/charges/{id}", 0.20, 25),
            _Route("/v1/payouts", 0.05, 140, method="POST", ok_status=201),
            _Route("/health", 0.08, 2),
        ),
        0.0,
        (*_CLIENT_ERRORS, (500, 0.00012), (503, 0.00005), (504, 0.00003)),
    ),
    _Service(
        "checkout",
        "checkout",
        "checkout.jsonl",
        400_000,
        _hosts("checkout-7c9d-", (0, 0, 1, 2)),
        (
            _Route("/cart", 0.25, 35),
            _Route("/cart/items", 0.20, 45, method="POST", ok_status=201),
            _Route("/checkout", 0.15, 130, method="POST", ok_status=201),
            _Route("/checkout/{session}", 0.20, 40),
            _Route("/checkout/{session}/confirm", 0.12, 150, method="POST"),
            _Route("/health", 0.08, 2),
        ),
        0.0,
        (*_CLIENT_ERRORS, *_SERVER_ERRORS),
    ),
    _Service(
        "search",
        "search",
        "search.jsonl",
        450_000,
        _hosts("search-", (0, 0, 1, 2)),
        (
            _Route(story.SEARCH_REGRESSION_ROUTE, 0.55, 60),
            _Route("/suggest", 0.25, 20),
            _Route("/search/filters", 0.12, 35),
            _Route("/health", 0.08, 2),
        ),
        0.0,
        ((400, 0.003), (404, 0.001), (500, 0.0003), (503, 0.0001)),
        tail_share=0.003,
    ),
    _Service(
        "notifications",
        "notifications",
        "notifications.jsonl",
        230_000,
        _hosts("notify-", (0, 1, 2)),
        (
            _Route("/send/email", 0.35, 150, method="POST", ok_status=202),
            _Route("/send/sms", 0.15, 120, method="POST", ok_status=202),
            _Route("/send/webhook", 0.35, 90, method="POST", ok_status=202),
            _Route("/templates", 0.07, 30),
            _Route("/health", 0.08, 2),
        ),
        0.0,
        ((400, 0.002), (404, 0.001), (429, 0.002), (500, 0.0003), (503, 0.0001)),
    ),
)
"""The services, in ingest order (the web front end first)."""


def generate(
    out_dir: Path, scale: float = 1.0, seed: int = 7, progress: Progress | None = None
) -> DemoManifest:
    """Write Tillwise's basics.yaml and a month of events under `out_dir`; same inputs, same bytes.

    `scale` multiplies traffic (1.0 is about 4 million events). `progress(service, done, total)`
    is called, in the calling thread, after each service-day; `total` is services x days.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be a positive number, got {scale}")
    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = out_dir / "basics.yaml"
    config_path.write_text(render_config(), encoding="utf-8")
    files = [(service.source, data_dir / service.file) for service in SERVICES]
    plan = _Plan(scale, seed, _Profile(), _zipf_cdf(POPULATION, ZIPF_EXPONENT))
    events = _write_all(plan, [path for _, path in files], progress)
    return DemoManifest(config_path, files, events, [i.summary for i in story.INCIDENTS])


def _write_all(plan: _Plan, paths: list[Path], progress: Progress | None) -> int:
    """Write every service's file, WORKERS at a time; report progress from this thread."""
    database = duckdb.connect()
    database.execute("SET threads = 1")

    def job(index: int) -> int:
        service = SERVICES[index]
        cursor = database.cursor()
        try:
            return _write(cursor, service, plan.batches(index, service), paths[index])
        except Exception as error:
            # DuckDB wraps what the stream raised in a generic error; raise the original.
            raise plan.errors.get(index, error) from None
        finally:
            cursor.close()

    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [pool.submit(job, index) for index in range(len(SERVICES))]
            try:
                _report(plan, futures, progress)
            finally:
                plan.cancelled.set()  # workers stop at their next day if we stopped early
        errors = [f.exception() for f in futures]
        for error in errors:
            if error is not None and not isinstance(error, _Cancelled):
                raise error
        return sum(future.result() for future in futures)
    finally:
        database.close()


def _report(plan: _Plan, futures: list[Future[int]], progress: Progress | None) -> None:
    """Relay each generated service-day to `progress` until all are done or a worker fails."""
    total = len(SERVICES) * story.DAYS
    done = 0
    while done < total and not any(f.done() and f.exception() for f in futures):
        try:
            label = plan.updates.get(timeout=0.05)
        except queue.Empty:
            continue
        done += 1
        if progress is not None:
            progress(label, done, total)


class _Cancelled(Exception):
    """Generation stopped before the end; raised inside a worker to abort its COPY."""


@dataclass(frozen=True)
class _Plan:
    """What every service-day needs; yields a service's month as Arrow batches, day by day."""

    scale: float
    seed: int
    profile: _Profile
    zipf_cdf: FloatArray
    updates: queue.Queue[str] = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    errors: dict[int, BaseException] = field(default_factory=dict)

    def batches(self, index: int, service: _Service) -> pa.RecordBatchReader:
        """A stream DuckDB pulls from, so only about a day of events is in memory at once."""
        first = self.day(index, service, 0)

        def days() -> Iterator[pa.RecordBatch]:
            yield from first.to_batches()
            try:
                for day in range(1, story.DAYS):
                    yield from self.day(index, service, day).to_batches()
            except BaseException as error:
                self.errors[index] = error
                raise

        return pa.RecordBatchReader.from_batches(first.schema, days())

    def day(self, index: int, service: _Service, day: int) -> pa.Table:
        """One service-day from its own random stream, so it does not depend on the others."""
        if self.cancelled.is_set():
            raise _Cancelled(service.name)
        rng = np.random.default_rng([self.seed, index, day])
        table = _service_day(service, day, self.scale, rng, self.profile, self.zipf_cdf)
        self.updates.put(service.name)
        return table


# --- traffic -------------------------------------------------------------------------------


class _Profile:
    """Relative traffic per second of the month: diurnal, with quieter weekends."""

    def __init__(self) -> None:
        hours = np.arange(DAY_S, dtype=np.float64) / 3600.0
        # Peak at 15:00 UTC, trough (a fifth of the peak) at 03:00.
        self.diurnal: FloatArray = (
            0.2 + 0.8 * ((1 + np.cos(2 * np.pi * (hours - 15) / 24)) / 2) ** 2
        )
        day_weights = np.array([self.day_factor(day) for day in range(story.DAYS)])
        self.total = float(self.diurnal.sum() * day_weights.sum())

    def day_factor(self, day: int) -> float:
        """Weekend days carry less traffic."""
        weekday = (story.START + dt.timedelta(days=day)).weekday()
        return WEEKEND_FACTOR if weekday >= 5 else 1.0

    def rates(self, day: int, events: float, rng: np.random.Generator) -> FloatArray:
        """Expected events in each second of `day`, with day-to-day and minute-to-minute noise."""
        noise_day = rng.lognormal(-0.5 * 0.04**2, 0.04)
        noise_minute = np.repeat(rng.lognormal(-0.5 * 0.1**2, 0.1, DAY_S // 60), 60)
        share = self.diurnal * (self.day_factor(day) * noise_day / self.total)
        rates: FloatArray = events * share * noise_minute
        return rates


def _arrivals(day: int, rates: FloatArray, rng: np.random.Generator) -> IntArray:
    """Sorted event times (µs since the epoch): Poisson counts per second, uniform within it."""
    counts = rng.poisson(rates)
    seconds = np.repeat(np.arange(DAY_S, dtype=np.int64), counts)
    micros = rng.integers(0, 1_000_000, seconds.size, dtype=np.int64)
    day_start = _micros(story.START) + day * DAY_S * 1_000_000
    times: IntArray = np.sort(day_start + seconds * 1_000_000 + micros)
    return times


def _zipf_cdf(population: int, exponent: float) -> FloatArray:
    weights = np.arange(1, population + 1, dtype=np.float64) ** -exponent
    cdf: FloatArray = np.cumsum(weights)
    cdf /= cdf[-1]
    return cdf


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _window(times: IntArray, start: dt.datetime, end: dt.datetime) -> BoolArray:
    mask: BoolArray = (times >= _micros(start)) & (times < _micros(end))
    return mask


# --- one service-day -------------------------------------------------------------------------


@dataclass
class _Day:
    """The columns of one service-day, before formatting."""

    times: IntArray
    route: IntArray
    user: IntArray
    host: IntArray
    version: IntArray
    versions: list[str]
    status: IntArray
    latency_ms: FloatArray


def _service_day(
    service: _Service,
    day: int,
    scale: float,
    rng: np.random.Generator,
    profile: _Profile,
    zipf_cdf: FloatArray,
) -> pa.Table:
    times = _arrivals(day, profile.rates(day, service.events * scale, rng), rng)
    n = times.size
    weights = np.array([route.weight for route in service.routes])
    route = rng.choice(len(service.routes), size=n, p=weights / weights.sum()).astype(np.int64)
    health = _health_mask(service, route)
    user = np.searchsorted(zipf_cdf, rng.random(n), side="right").astype(np.int64) + 1
    user = np.minimum(user, POPULATION)
    user[(rng.random(n) < service.anonymous) | health] = 0
    versions, version = _versions(service.name, times)
    status = _statuses(service, route, health, rng)
    events = _Day(
        times=times,
        route=route,
        user=user,
        host=rng.integers(0, len(service.hosts), n, dtype=np.int64),
        version=version,
        versions=versions,
        status=status,
        latency_ms=np.zeros(n),
    )
    events.latency_ms = _latencies(service, events, rng)
    _plant_incidents(service.name, events, rng)
    table = _table(service, events)
    if service.name == "www":
        table = _with_web_columns(service, table, events, rng)
    return table


def _health_mask(service: _Service, route: IntArray) -> BoolArray:
    is_health = np.array([r.path == "/health" for r in service.routes])
    mask: BoolArray = is_health[route]
    return mask


def _versions(name: str, times: IntArray) -> tuple[list[str], IntArray]:
    """Each event's version: the last deploy of the service at or before it."""
    deploys = [d for d in story.DEPLOYS if d.service == name]
    names = list(dict.fromkeys(d.version for d in deploys))
    at = np.array([_micros(d.at) for d in deploys], dtype=np.int64)
    which = np.array([names.index(d.version) for d in deploys], dtype=np.int64)
    index = np.clip(np.searchsorted(at, times, side="right") - 1, 0, None)
    version: IntArray = which[index]
    return names, version


def _statuses(
    service: _Service, route: IntArray, health: BoolArray, rng: np.random.Generator
) -> IntArray:
    """Mostly the route's success code; a few 4xx; a background of 5xx well inside budget."""
    ok = np.array([r.ok_status for r in service.routes], dtype=np.int64)
    codes = np.array([code for code, _ in service.errors] + [0], dtype=np.int64)
    edges = np.cumsum([p for _, p in service.errors])
    drawn = codes[np.searchsorted(edges, rng.random(route.size), side="right")]
    status: IntArray = np.where((drawn == 0) | health, ok[route], drawn)
    return status


def _latencies(service: _Service, events: _Day, rng: np.random.Generator) -> FloatArray:
    """Log-normal per route, with a small component 5-10x slower; errors fail fast or time out."""
    n = events.times.size
    median = np.array([r.median_ms for r in service.routes])[events.route]
    tail = rng.random(n) < service.tail_share
    tail_factor = np.where(tail, rng.uniform(5.0, 10.0, n), 1.0)
    spread = np.exp(LATENCY_SIGMA * rng.standard_normal(n))
    if service.name == "search":
        # The regression lives in the version: 3.5.0 makes /search slower, tail even more so.
        slow_version = events.versions.index(story.SEARCH_VERSION_SLOW)
        slow_route = [r.path for r in service.routes].index(story.SEARCH_REGRESSION_ROUTE)
        slow = (events.version == slow_version) & (events.route == slow_route)
        median = np.where(slow, median * story.SEARCH_MEDIAN_FACTOR, median)
        extra_tail = story.SEARCH_TAIL_FACTOR / story.SEARCH_MEDIAN_FACTOR
        tail_factor = np.where(slow & tail, tail_factor * extra_tail, tail_factor)
    latency: FloatArray = median * spread * tail_factor
    latency = np.where((events.status >= 400) & (events.status < 500), latency * 0.3, latency)
    latency = np.where(events.status == 500, latency * 0.5, latency)
    latency = np.where(events.status == 503, 2.0 * spread, latency)
    timeout = TIMEOUT_MS * (1 + 0.01 * spread)
    latency = np.where(events.status == 504, timeout, latency)
    return latency


def _plant_incidents(name: str, events: _Day, rng: np.random.Generator) -> None:
    """Overwrite statuses and latencies inside the planted incidents of `story`."""
    fast_fail = rng.lognormal(np.log(3.0), 0.4, events.times.size)
    if name == "checkout":
        _fail(
            events,
            story.CHECKOUT_OUTAGE_START,
            story.CHECKOUT_OUTAGE_END,
            story.CHECKOUT_OUTAGE_STATUS,
            fast_fail,
        )
    if name == "payments":
        merchant = int(story.PAYMENTS_MERCHANT_OUTAGE_USER.removeprefix("m-"))
        window = _window(
            events.times, story.PAYMENTS_MERCHANT_OUTAGE_START, story.PAYMENTS_MERCHANT_OUTAGE_END
        )
        mask = window & (events.user == merchant)
        events.status[mask] = story.PAYMENTS_MERCHANT_OUTAGE_STATUS
        events.latency_ms[mask] = 10 * fast_fail[mask]
        _fail(
            events,
            story.PAYMENTS_MAINTENANCE_START,
            story.PAYMENTS_MAINTENANCE_END,
            story.PAYMENTS_MAINTENANCE_STATUS,
            fast_fail,
        )
    if name == "www":
        _fail(
            events, story.WWW_BLIP_START, story.WWW_BLIP_END, story.WWW_BLIP_STATUS, fast_fail / 3
        )


def _fail(
    events: _Day, start: dt.datetime, end: dt.datetime, status: int, latency: FloatArray
) -> None:
    mask = _window(events.times, start, end)
    events.status[mask] = status
    events.latency_ms[mask] = latency[mask]


# --- formatting and writing ------------------------------------------------------------------


def _dictionary(indices: IntArray, values: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(values))


def _table(service: _Service, events: _Day) -> pa.Table:
    routes = service.routes
    route_names = list(dict.fromkeys(r.path for r in routes))
    route_index = np.array([route_names.index(r.path) for r in routes], dtype=np.int64)
    methods = list(dict.fromkeys(r.method for r in routes))
    method_index = np.array([methods.index(r.method) for r in routes], dtype=np.int64)
    host_region = np.array([region for _, region in service.hosts], dtype=np.int64)
    return pa.table(
        {
            "ts": pa.array(events.times.view("datetime64[us]")),
            "route": _dictionary(route_index[events.route], route_names),
            "method": _dictionary(method_index[events.route], methods),
            "u": pa.array(events.user.astype(np.int32)),
            "status": pa.array(events.status.astype(np.int16)),
            "lat": pa.array(events.latency_ms),
            "host": _dictionary(events.host, [name for name, _ in service.hosts]),
            "region": _dictionary(host_region[events.host], list(REGIONS)),
            "version": _dictionary(events.version, events.versions),
        }
    )


_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/132.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/132.0.0.0 Mobile Safari/537.36",
    "curl/8.5.0",
    "ELB-HealthChecker/2.0",
)
_AGENT_WEIGHTS = (0.42, 0.2, 0.08, 0.17, 0.12, 0.01)
_REFERERS = (
    "-",
    "https://tillwise.com/",
    "https://tillwise.com/dashboard",
    "https://www.google.com/",
    "https://tillwise.com/pricing",
)
_REFERER_WEIGHTS = (0.45, 0.2, 0.25, 0.07, 0.03)
_FIRST_OCTETS = np.array([31, 46, 62, 77, 81, 86, 90, 109, 146, 176, 185, 194, 212, 213])


def _with_web_columns(
    service: _Service, table: pa.Table, events: _Day, rng: np.random.Generator
) -> pa.Table:
    """Client address, response size, referer and user agent for the nginx log."""
    n = events.times.size
    health = _health_mask(service, events.route)
    # A signed-in merchant keeps one address; anonymous visitors come from anywhere.
    low = np.where(
        events.user > 0, (events.user * 2_654_435_761) % (1 << 24), rng.integers(0, 1 << 24, n)
    )
    first = _FIRST_OCTETS[np.where(events.user > 0, events.user, low) % _FIRST_OCTETS.size]
    address = np.where(health, (10 << 24) + (1 << 8) + events.host + 10, (first << 24) + low)
    size = np.array([r.body_bytes for r in service.routes], dtype=np.float64)[events.route]
    size = size * rng.lognormal(0.0, 0.15, n)
    size = np.where(events.status >= 400, 150 + events.status % 100, size)
    size = np.where(events.status == 302, 0, size)
    agent = rng.choice(len(_AGENT_WEIGHTS), size=n, p=np.array(_AGENT_WEIGHTS))
    agent = np.where(health, len(_USER_AGENTS) - 1, agent)
    referer = rng.choice(len(_REFERERS), size=n, p=np.array(_REFERER_WEIGHTS))
    referer = np.where(health, 0, referer)
    return (
        table.append_column("ip", pa.array(address.astype(np.int64)))
        .append_column("bytes", pa.array(size.astype(np.int64)))
        .append_column("referer", _dictionary(referer, list(_REFERERS)))
        .append_column("agent", _dictionary(agent, list(_USER_AGENTS)))
    )


_ISO = "strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ')"
_USER = "CASE WHEN u > 0 THEN printf('m-%05d', u) END"
_MS = "round(lat, 1)"

_JSON_SELECT = {
    "api": f"""{_ISO} AS "timestamp", 'api' AS service,
        {{'method': method, 'path': route, 'status': status}} AS http,
        {_USER} AS user_id, {_MS} AS latency_ms, region, version, host AS instance""",
    "payments": f"""{_ISO} AS "time", 'payments' AS svc, route,
        CASE WHEN u > 0 THEN {{'id': printf('m-%05d', u)}} END AS merchant,
        status AS http_status, {_MS} AS latency_ms, region, version, host""",
    "checkout": f"""{_ISO} AS ts, 'checkout' AS app, route AS endpoint, {_USER} AS customer,
        status AS code, {_MS} AS took_ms, region, version AS "release", host AS pod""",
    "search": f"""{_ISO} AS "time", 'search' AS service, route AS op, {_USER} AS account,
        status, {_MS} AS elapsed_ms,
        {{'region': region, 'version': version, 'host': host}} AS meta""",
    "notifications": f"""{_ISO} AS ts, 'notifications' AS service, route AS operation,
        {_USER} AS "user", status, {_MS} AS duration_ms,
        {{'region': region, 'version': version, 'host': host,
          'channel': coalesce(nullif(split_part(route, '/', 3), ''), 'api')}} AS attrs""",
}

_NGINX_SELECT = """printf('%s - %s [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" %.3f',
    printf('%d.%d.%d.%d', (ip >> 24) & 255, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255),
    CASE WHEN u > 0 THEN printf('m-%05d', u) ELSE '-' END,
    strftime(ts, '%d/%b/%Y:%H:%M:%S +0000'),
    method, route, status, bytes, referer, agent, lat / 1000.0) AS line"""


def _write(
    cursor: duckdb.DuckDBPyConnection,
    service: _Service,
    batches: pa.RecordBatchReader,
    path: Path,
) -> int:
    """Format a service's events in DuckDB and write them to its file; return the line count."""
    target = str(path).replace("'", "''")
    if service.name == "www":
        select, options = _NGINX_SELECT, "FORMAT csv, HEADER false, QUOTE ''"
    else:
        select, options = _JSON_SELECT[service.name], "FORMAT json"
    cursor.register("service_events", batches)
    row = cursor.execute(
        f"COPY (SELECT {select} FROM service_events) TO '{target}' ({options})"
    ).fetchone()
    return int(row[0]) if row else 0
