"""`basics serve` under load: page times, concurrent API clients, webhooks, OTLP ingest.

.venv/bin/python benchmarks/bench_serve.py [--events 50000000] [--seconds 30] [--keep-data]

A real server (`basics serve --port 0`, a process of its own, stopped with SIGTERM) over a
copy of a store of `--events` generated events (bench_data's SQL generator, rollups built;
kept under benchmarks/data/serve-store-N and reused while the generator, DuckDB and Basics
versions are unchanged), on loopback only. Every request loop is bounded in count and in
time. In turn:

1. pages: the overview `/`, an SLO page and `GET /api/v1/slo/status`, sequential requests
   after a warm-up; client-side latency on loopback (it includes HTTP and rendering). The
   baseline is the same reports computed in this process by the library (the services each
   page calls), before the server starts; the status body is checked equal to the library's;
2. API: `--clients` concurrent clients for `--seconds` on a mix of report endpoints (status,
   series, an hour's breakdown by operation, percentiles from the sketches, the batches list):
   throughput, p50/p99, non-200 answers;
3. webhooks: `--alerts` Alertmanager alerts, each notified four times (firing, the same body
   again, firing with an expiry guess, resolved), from `--senders` concurrent senders while
   `--readers` clients read `/` and the status; afterwards `GET /api/v1/pages` must list
   exactly one resolved page per alert;
4. OTLP: `--spans` spans as protobuf `ExportTraceServiceRequest`s of `--spans-per-request`
   to `/v1/traces` from `--otlp-senders` senders, against `App.ingest_events` of the same
   requests as an OTLP JSON file into another copy of the store (one batch), and as one file
   per request ingested in turn (a batch each, as the server makes them) into a third.

Writes benchmarks/results/serve.json and prints the table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psutil
from bench_common import (
    AT,
    AT_ISO,
    END,
    GENERATOR_VERSION,
    SERVICES,
    busy_cpu_s,
    config_yaml,
    machine,
)

from basics.app import App
from basics.config.loader import load_config
from basics.core.clock import iso_utc
from basics.records import plain, status_record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
BASICS = ROOT / ".venv" / "bin" / "basics"

SERVE_VERSION = 1
"""Bump when the served store (config, rollups) changes, so a kept one is rebuilt."""
TOKEN = "bench-serve-token"
PAGE_P95_MS = 100.0
"""From the issue: overview and SLO page server time on the 50M-event store, p95."""
WEBHOOK_P99_MS = 200.0
"""From the issue: p99 of the Alertmanager webhook under 20 senders."""
SLO = "checkout/availability"
OTLP_SOURCE = "otel"
OTLP_START = END + dt.timedelta(days=1)
"""Spans start a day after the generated events: they overlap nothing stored."""
ALERTS_START = END - dt.timedelta(days=29)
STEP_S = 3600


# -- the store -----------------------------------------------------------------------------


def serve_config(store: str = "basics.duckdb") -> str:
    """bench_common's basics.yaml with an OTLP source beside the JSON-lines one."""
    return config_yaml(store).replace(
        "services:\n", f"  {OTLP_SOURCE}:\n    format: otlp\nservices:\n", 1
    )


def _wanted(n: int) -> dict[str, Any]:
    return {
        "events": n,
        "generator_version": GENERATOR_VERSION,
        "serve_version": SERVE_VERSION,
        "duckdb": metadata.version("duckdb"),
        "basics": metadata.version("basics"),
        "config_sha256": hashlib.sha256(serve_config().encode()).hexdigest(),
    }


def ensure_store(n: int, say: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """The cached store of n events with rollups built, building it when missing or stale."""
    folder = DATA / f"serve-store-{n}"
    meta_path = folder / "meta.json"
    if meta_path.exists() and json.loads(meta_path.read_text()) == _wanted(n):
        return folder, {"reused": True, "bytes": (folder / "basics.duckdb").stat().st_size}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "basics.yaml").write_text(serve_config(), encoding="utf-8")
    say(f"building a store of {n:,} events in {folder} (SQL) ...")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(HERE / "bench_data.py"), "store", str(n), str(folder / "basics.yaml")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    built = time.perf_counter() - started
    say(f"  {built:.1f} s; building the rollups ...")
    started = time.perf_counter()
    app = App(load_config(folder / "basics.yaml"))
    app.slo.ensure_rollups()
    app.close()
    rollups = time.perf_counter() - started
    say(f"  {rollups:.1f} s")
    meta_path.write_text(json.dumps(_wanted(n)), encoding="utf-8")
    size = (folder / "basics.duckdb").stat().st_size
    return folder, {"reused": False, "build_s": built, "rollups_s": rollups, "bytes": size}


def copy_store(source: Path, folder: Path) -> Path:
    """A fresh copy of the cached store (the run writes pages and events into it)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy2(source / "basics.duckdb", folder / "basics.duckdb")
    (folder / "basics.yaml").write_text(serve_config(), encoding="utf-8")
    return folder


# -- measuring -----------------------------------------------------------------------------


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Load:
    """CPU used during a phase by this process, by the server, and by everything else."""

    def __init__(self, server_pid: int | None = None) -> None:
        self.server = psutil.Process(server_pid) if server_pid else None

    def _server_cpu(self) -> float:
        if self.server is None:
            return 0.0
        times = self.server.cpu_times()
        return float(times.user + times.system)

    @contextmanager
    def measure(self, into: dict[str, Any]) -> Iterator[None]:
        """Fill `into` with wall_s, own, server and others' CPU over the block."""
        load1 = os.getloadavg()[0]
        busy, own, server = busy_cpu_s(), _own_cpu_s(), self._server_cpu()
        started = time.perf_counter()
        yield
        wall = time.perf_counter() - started
        own_cpu = _own_cpu_s() - own
        server_cpu = self._server_cpu() - server
        others = max(0.0, busy_cpu_s() - busy - own_cpu - server_cpu)
        into.update(
            wall_s=wall,
            client_cpu_s=own_cpu,
            server_cpu_s=server_cpu,
            others_cpu_share=others / (wall * (os.cpu_count() or 1)),
            load1_before=load1,
        )


FAILURES: list[dict[str, Any]] = []
"""The first failed requests of the run: where, what, how long they took, and when."""


def failure(where: str, what: str, started: float) -> None:
    """Keep the details of a failed request (an exception or a non-200 answer)."""
    if len(FAILURES) < 50:
        FAILURES.append(
            {
                "where": where,
                "what": what[:500],
                "seconds": time.perf_counter() - started,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            }
        )


def _explain(error: BaseException) -> str:
    """An exception and what it was raised from (httpx wraps the socket's error)."""
    chain = [repr(error)]
    cause = error.__cause__ or error.__context__
    while cause is not None and len(chain) < 4:
        chain.append(repr(cause))
        cause = cause.__cause__ or cause.__context__
    return " <- ".join(chain)


def quantile_ms(seconds: list[float], q: float) -> float | None:
    """The q-th quantile (nearest rank) of durations in seconds, in milliseconds."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000


def summary(seconds: list[float]) -> dict[str, Any]:
    """Count, p50, p95, p99 and max in milliseconds."""
    return {
        "n": len(seconds),
        "p50_ms": quantile_ms(seconds, 0.50),
        "p95_ms": quantile_ms(seconds, 0.95),
        "p99_ms": quantile_ms(seconds, 0.99),
        "max_ms": max(seconds) * 1000 if seconds else None,
    }


# -- the server ----------------------------------------------------------------------------


class Server:
    """`basics serve --port 0` in the store's folder; its URL from the file beside the store."""

    def __init__(self, folder: Path) -> None:
        named = folder / "basics.duckdb.serve.json"
        named.unlink(missing_ok=True)
        self.log = folder / "serve.log"
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [str(BASICS), "serve", "--port", "0"],
            cwd=folder,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "BASICS_API_TOKEN": TOKEN},
        )
        deadline = time.monotonic() + 300  # opening a 50M store checks its rollups
        while not named.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"basics serve did not start: {self.log.read_text()}")
            time.sleep(0.05)
        self.url = json.loads(named.read_text())["url"]
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while True:  # the file is written before uvicorn answers
                try:
                    client.get("/api/v1/health").raise_for_status()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM, as a service manager stops it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return self.process.returncode


def _status_rows(app: App) -> list[dict[str, Any]]:
    return [status_record(r) for r in app.slo.status(AT)]


def _overview_parts() -> dict[str, Callable[[App], object]]:
    """What the overview page asks the services for (web/pages.py `overview`), part by part."""
    from basics.alerting.incidents import list_incidents
    from basics.web import deploys_pages, toil_pages

    week = AT - dt.timedelta(days=7)
    return {
        "SLO status": _status_rows,
        "alert evaluation": lambda app: app.alerting.evaluate(AT),
        "the week's series": lambda app: app.slo.series(app.config.slo_names(), week, AT, STEP_S),
        "on-call report": lambda app: app.oncall.report(week, AT),
        "incidents": lambda app: list_incidents(app.store, end=AT),
        "delivery (DORA) panel": lambda app: deploys_pages.summary(app, AT),
        "toil panel": lambda app: toil_pages.summary(app, AT),
    }


def _overview_reports(app: App) -> None:
    """Every part of the overview, in turn."""
    for part in _overview_parts().values():
        part(app)


def _slo_page_reports(app: App) -> None:
    """What the SLO page asks the services for (web/pages.py `slo_page`)."""
    from basics.alerting.incidents import list_incidents
    from basics.web.deploys_pages import deploy_marks

    (status,) = [s for s in app.slo.status(AT) if s.slo == SLO]
    start = status.window_start
    step = next((s for s in (300, 900, 3600, 10800, 21600) if (AT - start).total_seconds() / s
                 <= 1000), 86400)  # fmt: skip
    app.slo.series([SLO], start, AT, step)
    app.alerting.replay(SLO, start, AT, None)
    list_incidents(app.store, SLO.split("/")[0], start, AT)
    deploy_marks(app, SLO.split("/")[0], start, AT)


PAGES = {
    "overview /": (f"/?at={AT_ISO}", _overview_reports),
    f"SLO page /slo/{SLO}": (f"/slo/{SLO}?at={AT_ISO}", _slo_page_reports),
    "GET /api/v1/slo/status": (f"/api/v1/slo/status?at={AT_ISO}", _status_rows),
}


def library_baseline(folder: Path, runs: int, warmup: int) -> dict[str, Any]:
    """The reports of each page computed in this process, warm: the baseline of phase 1."""
    app = App(load_config(folder / "basics.yaml"))
    app.slo  # noqa: B018 - opens the store and checks the rollups, untimed
    result: dict[str, Any] = {}
    for label, (_, reports) in PAGES.items():
        for _ in range(warmup):
            reports(app)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            reports(app)
            times.append(time.perf_counter() - started)
        result[label] = summary(times)
    for part, compute in _overview_parts().items():  # where the overview's time goes
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            compute(app)
            times.append(time.perf_counter() - started)
        result[f"overview part: {part}"] = summary(times)
    result["status_body"] = json.loads(json.dumps(plain(_status_rows(app))))
    app.close()
    return result


# -- 1. pages, sequential ------------------------------------------------------------------


def sequential_pages(url: str, runs: int, warmup: int, limit_s: float) -> dict[str, Any]:
    """Each page `runs` times in a row after `warmup` untimed requests, within limit_s each:
    computed each time (each request ends a minute earlier than the one before, so neither
    the server's answer cache nor the reports it keeps over events hold it: the server time
    the issue asks for), and asked again (the same URL: served from the cache, what a
    dashboard left open costs)."""
    result: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for page_index, (label, (path, _)) in enumerate(PAGES.items()):
            for mode in ("computed", "kept"):
                for _ in range(warmup):
                    client.get(path)
                times: list[float] = []
                errors: dict[str, int] = {}
                deadline = time.monotonic() + limit_s
                size = 0
                while len(times) < runs and time.monotonic() < deadline:
                    # Each page its own block of minutes: the reports a page keeps over
                    # events (SLO status) must not serve the next page's requests.
                    back = page_index * (runs + warmup + 1) + len(times) + 1
                    earlier = iso_utc(AT - dt.timedelta(minutes=back))
                    asked = path.replace(AT_ISO, earlier) if mode == "computed" else path
                    started = time.perf_counter()
                    try:
                        answer = client.get(asked)
                        code = str(answer.status_code)
                        size = len(answer.content)
                        if code != "200":
                            failure(asked, f"{code}: {answer.text}", started)
                    except httpx.HTTPError as error:
                        code = type(error).__name__
                        failure(asked, _explain(error), started)
                    times.append(time.perf_counter() - started)
                    if code != "200":
                        errors[code] = errors.get(code, 0) + 1
                key = label if mode == "computed" else f"{label} (asked again)"
                result[key] = {**summary(times), "errors": errors, "bytes": size}
        result["status_body"] = client.get(PAGES["GET /api/v1/slo/status"][0]).json()
    return result


# -- 2. concurrent API clients -------------------------------------------------------------


def api_mix() -> list[tuple[str, str, int]]:
    """(label, path, weight) of the concurrent phase: report endpoints a dashboard and
    scripts call, mostly from the rollups, and one list."""
    hour = iso_utc(AT - dt.timedelta(hours=1))
    week = iso_utc(AT - dt.timedelta(days=7))
    svc = SLO.split("/")[0]
    return [
        ("slo/status", f"/api/v1/slo/status?at={AT_ISO}", 4),
        ("slo/series (7 days hourly)", f"/api/v1/slo/series/{SLO}?from={week}&to={AT_ISO}", 2),
        (
            "slo/breakdown by operation (last hour, raw events)",
            f"/api/v1/slo/breakdown/{SLO}?by=operation&from={hour}&to={AT_ISO}",
            2,
        ),
        (
            "slo/percentiles (7 days, sketches)",
            f"/api/v1/slo/percentiles/{svc}?by=operation&from={week}&to={AT_ISO}",
            1,
        ),
        ("batches (list)", "/api/v1/batches?all=true", 1),
    ]


async def _client_loop(
    client: httpx.AsyncClient,
    plan: list[tuple[str, str]],
    offset: int,
    deadline: float,
    max_requests: int,
    times: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    k = offset
    while time.monotonic() < deadline and sum(len(t) for t in times.values()) < max_requests:
        label, path = plan[k % len(plan)]
        k += 1
        await timed_get(client, path, times[label], errors)


async def timed_get(
    client: httpx.AsyncClient, path: str, times: list[float], errors: dict[str, int]
) -> None:
    """GET `path`: its time into `times`, a non-200 (or a transport error) counted in
    `errors` and said with `failure`."""
    started = time.perf_counter()
    try:
        answer = await client.get(path)
        code = str(answer.status_code)
        if code != "200":
            failure(path, f"{code}: {answer.text}", started)
    except httpx.HTTPError as error:
        code = type(error).__name__
        failure(path, _explain(error), started)
    times.append(time.perf_counter() - started)
    if code != "200":
        errors[code] = errors.get(code, 0) + 1


async def concurrent_api(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` clients, each with its own connection, for `seconds` on the mix."""
    mix = api_mix()
    plan = [(label, path) for label, path, weight in mix for _ in range(weight)]
    random.Random(1).shuffle(plan)
    times: dict[str, list[float]] = {label: [] for label, _, _ in mix}
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _client_loop(client, plan, k * 7, deadline, 1_000_000, times, errors)
                for k in range(clients)
            )
        )
        wall = time.perf_counter() - started
    every = [t for ts in times.values() for t in ts]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(every),
        "requests_per_s": len(every) / wall,
        "errors": errors,
        **summary(every),
        "per_endpoint": {label: summary(ts) for label, ts in times.items()},
        "paths": {label: path for label, path, _ in mix},
    }


# -- 3. Alertmanager webhooks --------------------------------------------------------------


def _alert(k: int) -> dict[str, Any]:
    services = list(SERVICES)
    starts = ALERTS_START + dt.timedelta(minutes=17 * k)
    return {
        "fingerprint": hashlib.sha256(f"bench-alert-{k}".encode()).hexdigest()[:16],
        "labels": {
            "alertname": f"BenchAlert{k % 40:02d}",
            "service": services[k % len(services)],
            "severity": "critical" if k % 3 else "warning",
            "instance": f"pod-{k % 97}",
        },
        "starts": starts,
    }


def notifications(alerts: int) -> tuple[list[bytes], set[str]]:
    """Four webhook bodies per alert, in rounds (all firings, all exact re-sends, all
    re-sends with an expiry guess, all resolutions), and the page ids they must give."""

    def body(alert: dict[str, Any], status: str, ends: str) -> bytes:
        item = {
            "status": status,
            "labels": alert["labels"],
            "annotations": {"summary": f"{alert['labels']['alertname']} on bench"},
            "startsAt": iso_utc(alert["starts"]),
            "endsAt": ends,
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": alert["fingerprint"],
        }
        group = alert["labels"]["alertname"]
        return json.dumps(
            {
                "receiver": "basics",
                "status": status,
                "alerts": [item],
                "groupLabels": {"alertname": group},
                "commonLabels": alert["labels"],
                "commonAnnotations": {},
                "externalURL": "http://alertmanager:9093",
                "version": "4",
                "groupKey": f'{{}}:{{alertname="{group}"}}',
                "truncatedAlerts": 0,
            }
        ).encode()

    every = [_alert(k) for k in range(alerts)]
    zero = "0001-01-01T00:00:00Z"
    firing = [body(a, "firing", zero) for a in every]
    guess = [body(a, "firing", iso_utc(a["starts"] + dt.timedelta(minutes=4))) for a in every]
    resolved = [body(a, "resolved", iso_utc(a["starts"] + dt.timedelta(minutes=10))) for a in every]
    ids = {f"alertmanager:{a['fingerprint']}:{iso_utc(a['starts'])}" for a in every}
    return firing + firing + guess + resolved, ids


class LeanPoster:
    """One keep-alive HTTP/1.1 connection that POSTs and reads the answer, written on
    asyncio's streams: the load generator of the webhook phase. httpx spent about 2.2 ms
    of CPU per request, 80 % of a core at this rate, and its own queueing showed in the
    measured latency; this costs about a twenty-fifth of that (`load.client_cpu_s` in
    results/serve-webhooks.json, `--sender-client httpx` against the default), as wrk or
    hey would."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parsed = httpx.URL(url)
        self.host, self.port = parsed.host, parsed.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """The status and body of one POST; a closed connection is opened again once."""
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None and self.writer is not None
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.head}"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            try:
                self.writer.write(request)
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = {
                k.strip().lower(): v.strip()
                for k, _, v in (x.partition(":") for x in lines[1:] if x)
            }
            if "content-length" not in fields:  # uvicorn sends it for every answer here
                raise ConnectionError(f"an answer without Content-Length: {lines[0]}")
            answer = await self.reader.readexactly(int(fields["content-length"]))
            if fields.get("connection", "").lower() == "close":
                await self.close()
            return status, answer
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def webhooks(
    url: str, alerts: int, senders: int, readers: int, limit_s: float, client_kind: str = "lean"
) -> dict[str, Any]:
    """The notifications from `senders` senders while `readers` read the dashboard; the
    senders are `LeanPoster`s, or httpx's client (`client_kind` "httpx")."""
    bodies, expected_ids = notifications(alerts)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    sent: list[float] = []
    statuses: dict[str, int] = {}
    errors: dict[str, int] = {}
    read_times: dict[str, list[float]] = {"overview /": [], "GET /api/v1/slo/status": []}
    read_errors: dict[str, int] = {}
    deadline = time.monotonic() + limit_s
    done = asyncio.Event()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    hook = "/api/v1/webhooks/alertmanager"

    async def post(client: httpx.AsyncClient | LeanPoster, payload: bytes) -> tuple[int, bytes]:
        if isinstance(client, LeanPoster):
            return await client.post(hook, payload)
        answer = await client.post(hook, content=payload, headers=headers)
        return answer.status_code, answer.content

    async def sender(client: httpx.AsyncClient) -> None:
        own: httpx.AsyncClient | LeanPoster = (
            LeanPoster(url, headers) if client_kind == "lean" else client
        )
        while not queue.empty() and time.monotonic() < deadline:
            payload = queue.get_nowait()
            started = time.perf_counter()
            try:
                status_code, content = await post(own, payload)
                code = str(status_code)
                if code != "200":
                    failure("webhook", f"{code}: {content[:500]!r}", started)
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as error:
                code = type(error).__name__
                failure("webhook", _explain(error), started)
            sent.append(time.perf_counter() - started)
            if code == "200":
                status = json.loads(content).get("status", "?")
                statuses[status] = statuses.get(status, 0) + 1
            else:
                errors[code] = errors.get(code, 0) + 1
        if isinstance(own, LeanPoster):
            await own.close()

    async def reader(client: httpx.AsyncClient, first: int) -> None:
        paths = [("overview /", f"/?at={AT_ISO}"),
                 ("GET /api/v1/slo/status", f"/api/v1/slo/status?at={AT_ISO}")]  # fmt: skip
        k = first
        while not done.is_set() and time.monotonic() < deadline:
            label, path = paths[k % 2]
            k += 1
            await timed_get(client, path, read_times[label], read_errors)

    limits = httpx.Limits(max_connections=senders + readers)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        reading = [asyncio.create_task(reader(client, k)) for k in range(readers)]
        await asyncio.gather(*(sender(client) for _ in range(senders)))
        wall = time.perf_counter() - started
        done.set()
        await asyncio.gather(*reading)
        pages, total_count = await _all_pages(client)
    found_ids = [p["id"] for p in pages]
    resolved = sum(1 for p in pages if p.get("resolved_at"))
    return {
        "alerts": alerts,
        "notifications": len(bodies),
        "sent": len(sent),
        "unsent": queue.qsize(),
        "senders": senders,
        "sender_client": client_kind,
        "readers": readers,
        "wall_s": wall,
        "notifications_per_s": len(sent) / wall,
        "answers": statuses,
        "errors": errors,
        **summary(sent),
        "reads": {label: summary(ts) for label, ts in read_times.items()},
        "read_errors": read_errors,
        "pages_expected": len(expected_ids),
        "pages_x_total_count": total_count,
        "pages_listed": len(found_ids),
        "pages_distinct": len(set(found_ids)),
        "pages_missing": len(expected_ids - set(found_ids)),
        "pages_unexpected": len(set(found_ids) - expected_ids),
        "pages_resolved": resolved,
    }


async def _all_pages(client: httpx.AsyncClient) -> tuple[list[dict[str, Any]], int | None]:
    """Every page, following the list's pages; and its X-Total-Count."""
    pages: list[dict[str, Any]] = []
    total: int | None = None
    for _ in range(1000):  # bounded: 1,000 pages of 1,000
        answer = await client.get("/api/v1/pages", params={"limit": 1000, "offset": len(pages)})
        answer.raise_for_status()
        total = int(answer.headers["X-Total-Count"])
        chunk = answer.json()
        pages += chunk
        if not chunk or len(pages) >= total:
            break
    return pages, total


# -- 4. OTLP -------------------------------------------------------------------------------


def otlp_requests(spans: int, per_request: int) -> list[Any]:
    """ExportTraceServiceRequests of `per_request` spans each, one per minute after
    OTLP_START (so no two requests share a minute), one resource per service."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

    draw = random.Random(7)
    services = list(SERVICES)
    routes = {s: [r for r, _, _ in SERVICES[s][1]] for s in services}
    base_ns = int(OTLP_START.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000_000
    requests = []
    for k in range(math.ceil(spans / per_request)):
        count = min(per_request, spans - k * per_request)
        request = ExportTraceServiceRequest()
        scopes = {}
        for svc in services:
            resource_spans = request.resource_spans.add()
            resource_spans.resource.attributes.append(
                KeyValue(key="service.name", value=AnyValue(string_value=svc))
            )
            scopes[svc] = resource_spans.scope_spans.add()
            scopes[svc].scope.name = "bench"
        for j in range(count):
            svc = services[j % len(services)]
            route = draw.choice(routes[svc])
            status = 503 if draw.random() < 0.001 else (404 if draw.random() < 0.02 else 200)
            start = base_ns + k * 60_000_000_000 + j * (60_000_000_000 // per_request)
            span = Span(
                trace_id=draw.randbytes(16),
                span_id=draw.randbytes(8),
                name=f"GET {route}",
                kind=Span.SPAN_KIND_SERVER,
                start_time_unix_nano=start,
                end_time_unix_nano=start + int(draw.lognormvariate(3.5, 0.5) * 1_000_000),
                status=Status(code=Status.STATUS_CODE_ERROR if status >= 500 else 0),
            )
            span.attributes.extend(
                [
                    KeyValue(key="http.route", value=AnyValue(string_value=route)),
                    KeyValue(key="http.response.status_code", value=AnyValue(int_value=status)),
                    KeyValue(
                        key="enduser.id",
                        value=AnyValue(string_value=f"u-{draw.randrange(1, 5000):06d}"),
                    ),
                ]
            )
            scopes[svc].spans.append(span)
        requests.append(request)
    return requests


async def otlp_server(
    url: str, bodies: list[bytes], senders: int, limit_s: float
) -> dict[str, Any]:
    """The protobuf requests from `senders` senders; each answer checked for rejects."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    times: list[float] = []
    errors: dict[str, int] = {}
    partial: list[str] = []
    deadline = time.monotonic() + limit_s
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-protobuf"}

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty() and time.monotonic() < deadline:
            payload = queue.get_nowait()
            started = time.perf_counter()
            try:
                answer = await client.post("/v1/traces", content=payload, headers=headers)
                code = str(answer.status_code)
                if code != "200":
                    failure("/v1/traces", f"{code}: {answer.text}", started)
            except httpx.HTTPError as error:
                code = type(error).__name__
                failure("/v1/traces", _explain(error), started)
            times.append(time.perf_counter() - started)
            if code != "200":
                errors[code] = errors.get(code, 0) + 1
            elif answer.content:
                partial.append(answer.content.hex())

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(senders)))
        wall = time.perf_counter() - started
        batches = (await client.get("/api/v1/batches", params={"source": OTLP_SOURCE,
                                                               "limit": 10000})).json()  # fmt: skip
    return {
        "requests": len(times),
        "unsent": queue.qsize(),
        "senders": senders,
        "wall_s": wall,
        "errors": errors,
        "answers_with_partial_success": len(partial),
        **summary(times),
        "batches": len(batches),
        "accepted": sum(b["accepted"] for b in batches),
        "rejected": sum(b["rejected"] for b in batches),
    }


def otlp_file_ingest(folder: Path, jsonl: Path) -> dict[str, Any]:
    """App.ingest_events of the same requests as one OTLP JSON file (one batch)."""
    app = App(load_config(folder / "basics.yaml"))
    app.slo  # noqa: B018 - opens the store and checks the rollups, untimed
    load: dict[str, Any] = {}
    with Load().measure(load):
        batch = app.ingest_events(OTLP_SOURCE, str(jsonl))
    app.close()
    return {"accepted": batch.accepted, "rejected": batch.rejected, "status": batch.status, **load}


def otlp_file_batches(folder: Path, jsonl: Path) -> dict[str, Any]:
    """App.ingest_events of each request as its own file (one batch per request, as the
    server makes them), in turn: the batch's own cost without HTTP or protobuf."""
    app = App(load_config(folder / "basics.yaml"))
    app.slo  # noqa: B018 - opens the store and checks the rollups, untimed
    parts = folder / "requests"
    parts.mkdir(exist_ok=True)
    paths = []
    with jsonl.open(encoding="utf-8") as lines:
        for k, line in enumerate(lines):
            paths.append(parts / f"{k:05d}.otlp.jsonl")
            paths[-1].write_text(line, encoding="utf-8")
    load: dict[str, Any] = {}
    accepted = 0
    with Load().measure(load):
        for path in paths:
            accepted += app.ingest_events(OTLP_SOURCE, str(path)).accepted
    app.close()
    return {"accepted": accepted, "batches": len(paths), **load}


# -- report --------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _busy(load: dict[str, Any]) -> str:
    return f"{load['others_cpu_share']:.0%}"


def markdown(r: dict[str, Any]) -> str:
    """The results table of docs/benchmarks.md's "basics serve" section."""
    p, lib, api, hooks, otlp = r["pages"], r["library"], r["api"], r["webhooks"], r["otlp"]
    rows = [
        "| measurement | p50 | p95 | p99 | library p50 | HTTP / library (p50) | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in PAGES:
        m, b = p[label], lib[label]
        ratio = m["p50_ms"] / b["p50_ms"] if b["p50_ms"] else float("nan")
        errors = f", {sum(m['errors'].values())} errors" if m["errors"] else ""
        rows.append(
            f"| {label}, {m['n']} sequential{errors} | {_ms(m['p50_ms'])} | "
            f"**{_ms(m['p95_ms'])}** | {_ms(m['p99_ms'])} | {_ms(b['p50_ms'])} | {ratio:.1f}× | "
            f"{_busy(p['load'])} |"
        )
        again = p.get(f"{label} (asked again)")
        if again is not None:
            rows.append(
                f"| ↳ the same URL again ({again['n']}: the answer kept) | "
                f"{_ms(again['p50_ms'])} | {_ms(again['p95_ms'])} | {_ms(again['p99_ms'])} | | | |"
            )
    parts = [
        (k.removeprefix("overview part: "), v)
        for k, v in lib.items()
        if k.startswith("overview part: ")
    ]
    if parts:
        rows += ["", "| the overview's parts, library (warm) | p50 | p95 |", "|---|---:|---:|"]
        rows += [f"| {part} | {_ms(m['p50_ms'])} | {_ms(m['p95_ms'])} |" for part, m in parts]
    rows += [
        "",
        "| measurement | result | others' CPU |",
        "|---|---:|---:|",
        f"| API, {api['clients']} concurrent clients × {api['seconds']:g} s: requests "
        f"(non-200) | {_n(api['requests'])} ({sum(api['errors'].values())}) | "
        f"{_busy(api['load'])} |",
        f"| ↳ throughput | **{api['requests_per_s']:.0f} req/s** | |",
        f"| ↳ latency p50 / p99 | {_ms(api['p50_ms'])} / {_ms(api['p99_ms'])} | |",
    ]
    for label, s in api["per_endpoint"].items():
        rows.append(f"| ↳ {label}: n, p50 / p99 | {s['n']}, {_ms(s['p50_ms'])} / "
                    f"{_ms(s['p99_ms'])} | |")  # fmt: skip
    answers = ", ".join(f"{k} {v:,}" for k, v in sorted(hooks["answers"].items()))
    rows += [
        f"| Alertmanager webhook: {hooks['sent']:,} of {hooks['notifications']:,} notifications "
        f"({hooks['alerts']:,} alerts × 4), {hooks['senders']} senders, {hooks['readers']} "
        f"readers; non-200 | {sum(hooks['errors'].values())} | {_busy(hooks['load'])} |",
        f"| ↳ answers | {answers} | |",
        f"| ↳ webhook p50 / p99 | {_ms(hooks['p50_ms'])} / **{_ms(hooks['p99_ms'])}** | |",
        f"| ↳ notifications/s | {hooks['notifications_per_s']:.0f} | |",
        f"| ↳ pages listed (X-Total-Count) / expected; resolved | {hooks['pages_listed']:,} "
        f"({hooks['pages_x_total_count']:,}) / {hooks['pages_expected']:,}; "
        f"{hooks['pages_resolved']:,} | |",
    ]
    for label, s in hooks["reads"].items():
        rows.append(f"| ↳ meanwhile {label}: n, p50 / p99 | {s['n']}, {_ms(s['p50_ms'])} / "
                    f"{_ms(s['p99_ms'])} | |")  # fmt: skip
    server, file = otlp["server"], otlp["file"]
    rows += [
        f"| OTLP/HTTP: {otlp['spans']:,} spans, {server['requests']} protobuf requests of "
        f"{otlp['per_request']:,}, {server['senders']} senders | "
        f"**{_n(otlp['server_events_per_s'])} events/s** | {_busy(server['load'])} |",
        f"| ↳ request p50 / p99 | {_ms(server['p50_ms'])} / {_ms(server['p99_ms'])} | |",
        f"| file ingest of the same spans (OTLP JSON, one batch, in process) | "
        f"{_n(otlp['file_events_per_s'])} events/s | {_busy(file)} |",
        f"| ↳ file / OTLP/HTTP | {otlp['file_over_server']:.1f}× | |",
        f"| the same requests as {otlp['file_batches']['batches']} files, one batch each, in "
        f"turn, in process | {_n(otlp['file_batches_events_per_s'])} events/s | "
        f"{_busy(otlp['file_batches'])} |",
    ]
    return "\n".join(rows)


def targets(r: dict[str, Any]) -> list[str]:
    """Each target of the issue: measured, met or missed."""
    lines = []
    for label in list(PAGES)[:2]:
        p95 = r["pages"][label]["p95_ms"]
        met = p95 is not None and p95 <= PAGE_P95_MS
        lines.append(f"- {label} p95 ≤ {PAGE_P95_MS:g} ms: {_ms(p95)} -> "
                     f"{'MET' if met else 'MISSED'}")  # fmt: skip
    api = r["api"]
    verdict = "MET" if not api["errors"] else "MISSED"
    lines.append(f"- API under {api['clients']} clients, zero errors: "
                 f"{sum(api['errors'].values())} -> {verdict}")  # fmt: skip
    h = r["webhooks"]
    exact = (
        h["pages_listed"] == h["pages_expected"] == h["pages_x_total_count"] == h["pages_resolved"]
        and not h["pages_missing"]
        and not h["pages_unexpected"]
    )
    lines.append(f"- webhooks: exact page count, none lost: {h['pages_listed']:,} of "
                 f"{h['pages_expected']:,} -> {'MET' if exact else 'MISSED'}")  # fmt: skip
    met = h["p99_ms"] is not None and h["p99_ms"] <= WEBHOOK_P99_MS
    lines.append(f"- webhook p99 ≤ {WEBHOOK_P99_MS:g} ms: {_ms(h['p99_ms'])} -> "
                 f"{'MET' if met else 'MISSED'}")  # fmt: skip
    o = r["otlp"]
    lines.append(f"- OTLP/HTTP {_n(o['server_events_per_s'])} events/s vs file ingest "
                 f"{_n(o['file_events_per_s'])} events/s (no target; file is "
                 f"{o['file_over_server']:.1f}× faster)")  # fmt: skip
    return lines


# -- main ----------------------------------------------------------------------------------


def _git() -> dict[str, Any]:
    """The commit measured, and the files of src/ changed beside it (a shared working tree)."""

    def git(*words: str) -> str:
        found = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True)
        return found.stdout.strip()

    return {"head": git("rev-parse", "HEAD"), "changed": git("status", "--porcelain", "src")}


def webhooks_phase(
    args: argparse.Namespace, server: Server, load: Load, say: Callable[[str], None]
) -> dict[str, Any]:
    """Phase 3, measured and told."""
    say(f"3. webhooks: {args.alerts * 4:,} notifications, {args.senders} senders, "
        f"{args.readers} readers ...")  # fmt: skip
    hooks: dict[str, Any] = {"load": {}}
    with load.measure(hooks["load"]):
        hooks |= asyncio.run(
            webhooks(
                server.url,
                args.alerts,
                args.senders,
                args.readers,
                args.phase_limit_s,
                args.sender_client,
            )
        )
    say(f"   {hooks['sent']} sent in {hooks['wall_s']:.1f} s, p50 {_ms(hooks['p50_ms'])} "
        f"p99 {_ms(hooks['p99_ms'])}, {hooks['answers']}, errors {hooks['errors']}; pages "
        f"{hooks['pages_listed']} (X-Total-Count {hooks['pages_x_total_count']}) of "
        f"{hooks['pages_expected']}, resolved {hooks['pages_resolved']}; server CPU "
        f"{hooks['load']['server_cpu_s']:.0f} s, others {_busy(hooks['load'])}")  # fmt: skip
    return hooks


def webhooks_only(
    args: argparse.Namespace, run: Path, result: dict[str, Any], say: Callable[[str], None]
) -> int:
    """The diagnostic run: phase 3 alone on a fresh copy of the store."""
    server = Server(run)
    try:
        result["webhooks"] = webhooks_phase(args, server, Load(server.process.pid), say)
    finally:
        result["server_exit_code"] = server.stop()
        result["server_log_tail"] = server.log.read_text(errors="replace")[-4000:]
    if not args.keep_data:
        shutil.rmtree(run, ignore_errors=True)
    result["failures"] = FAILURES
    result["load_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    hooks = result["webhooks"]
    return 1 if hooks["errors"] or hooks["pages_missing"] or hooks["pages_unexpected"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per page, sequential")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--alerts", type=int, default=2500, help="each notified 4 times")
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument(
        "--sender-client",
        choices=("lean", "httpx"),
        default="lean",
        help="the webhook senders' HTTP client: lean (asyncio streams, default) or httpx",
    )
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--spans-per-request", type=int, default=1000)
    parser.add_argument("--otlp-senders", type=int, default=4)
    parser.add_argument("--phase-limit-s", type=float, default=600.0,
                        help="no request loop runs longer than this")  # fmt: skip
    parser.add_argument("--keep-data", action="store_true", help="keep the run's store copies")
    parser.add_argument(
        "--webhooks-only",
        action="store_true",
        help="a diagnostic: phase 3 alone (e.g. --readers 0); results/serve-webhooks.json",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.out is None:
        args.out = RESULTS / ("serve-webhooks.json" if args.webhooks_only else "serve.json")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    run_started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "benchmarks/bench_serve.py " + " ".join(sys.argv[1:]),
        "machine": machine(("basics", "duckdb", "fastapi", "uvicorn", "httpx", "jinja2")),
        "events": args.events,
        "git": _git(),
        "load_at_start": os.getloadavg(),
    }
    say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cached, result["store"] = ensure_store(args.events, say)
    run = copy_store(cached, DATA / f"serve-run-{args.events}")

    if args.webhooks_only:
        return webhooks_only(args, run, result, say)
    say(f"library baseline: {args.requests} runs of each page's reports ...")
    result["library"] = {}
    with Load().measure(result["library"]):
        result["library"] |= library_baseline(run, args.requests, args.warmup)

    say("building the webhook bodies and OTLP requests ...")
    requests = otlp_requests(args.spans, args.spans_per_request)
    bodies = [r.SerializeToString() for r in requests]
    from google.protobuf.json_format import MessageToJson

    jsonl = run / "spans.otlp.jsonl"
    with jsonl.open("w", encoding="utf-8") as file:
        for r in requests:
            file.write(MessageToJson(r, indent=None) + "\n")
    del requests

    say("starting basics serve ...")
    started = time.perf_counter()
    server = Server(run)
    result["server_start_s"] = time.perf_counter() - started
    load = Load(server.process.pid)
    try:
        say(f"1. pages: {args.requests} sequential requests each ...")
        result["pages"] = {"load": {}}
        with load.measure(result["pages"]["load"]):
            result["pages"] |= sequential_pages(
                server.url, args.requests, args.warmup, args.phase_limit_s
            )
        served_body = result["pages"].pop("status_body")
        result["pages"]["status_equals_library"] = served_body == result["library"].pop(
            "status_body"
        )
        for label in PAGES:
            say(f"   {label}: {result['pages'][label]}")

        say(f"2. API: {args.clients} clients for {args.seconds:g} s ...")
        api: dict[str, Any] = {"load": {}}
        with load.measure(api["load"]):
            api |= asyncio.run(
                concurrent_api(server.url, args.clients, min(args.seconds, args.phase_limit_s))
            )
        result["api"] = api
        say(f"   {api['requests']} requests, {api['requests_per_s']:.0f}/s, p50 "
            f"{_ms(api['p50_ms'])} p99 {_ms(api['p99_ms'])}, errors {api['errors']}")  # fmt: skip

        hooks = webhooks_phase(args, server, load, say)
        result["webhooks"] = hooks

        say(f"4. OTLP: {args.spans:,} spans in {len(bodies)} requests ...")
        otlp_s: dict[str, Any] = {"load": {}}
        with load.measure(otlp_s["load"]):
            otlp_s |= asyncio.run(
                otlp_server(server.url, bodies, args.otlp_senders, args.phase_limit_s)
            )
        say(f"   {otlp_s['accepted']:,} accepted in {otlp_s['wall_s']:.1f} s, "
            f"errors {otlp_s['errors']}")  # fmt: skip
    finally:
        result["server_exit_code"] = server.stop()
        log = server.log.read_text(errors="replace")
        result["server_log_tail"] = log[-4000:]

    say("4. OTLP: file ingest of the same spans into a fresh copy ...")
    other = copy_store(cached, DATA / f"serve-file-{args.events}")
    file = otlp_file_ingest(other, jsonl)
    say(f"   {file['accepted']:,} accepted in {file['wall_s']:.1f} s")
    say("4. OTLP: the same requests as one file each, into a fresh copy ...")
    third = copy_store(cached, DATA / f"serve-files-{args.events}")
    per_request = otlp_file_batches(third, jsonl)
    say(f"   {per_request['accepted']:,} accepted in {per_request['wall_s']:.1f} s")
    result["otlp"] = {
        "spans": args.spans,
        "per_request": args.spans_per_request,
        "jsonl_bytes": jsonl.stat().st_size,
        "protobuf_bytes": sum(len(b) for b in bodies),
        "server": otlp_s,
        "file": file,
        "file_batches": per_request,
        "file_batches_events_per_s": per_request["accepted"] / per_request["wall_s"],
        "server_events_per_s": otlp_s["accepted"] / otlp_s["wall_s"],
        "file_events_per_s": file["accepted"] / file["wall_s"],
    }
    result["otlp"]["file_over_server"] = (
        result["otlp"]["file_events_per_s"] / result["otlp"]["server_events_per_s"]
    )

    if not args.keep_data:
        shutil.rmtree(run, ignore_errors=True)
        shutil.rmtree(other, ignore_errors=True)
        shutil.rmtree(third, ignore_errors=True)
    result["failures"] = FAILURES
    result["load_at_end"] = os.getloadavg()
    result["wall_s"] = time.perf_counter() - run_started
    result["markdown"] = markdown(result)
    result["targets"] = targets(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(result["markdown"])
    print()
    print("\n".join(result["targets"]))
    print(f"\nstatus body equals the library's: {result['pages']['status_equals_library']}; "
          f"whole run {result['wall_s'] / 60:.1f} min")  # fmt: skip
    failed = (
        any(result["pages"][label]["errors"] for label in PAGES)
        or api["errors"]
        or hooks["errors"]
        or hooks["pages_missing"]
        or hooks["pages_unexpected"]
        or otlp_s["errors"]
        or otlp_s["accepted"] != args.spans
        or not result["pages"]["status_equals_library"]
    )
    if failed:
        print("FAILED: errors, lost pages or events, or a body unlike the library's",
              file=sys.stderr)  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
