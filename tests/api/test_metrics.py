"""`/metrics`: the figures of `slo status` and `alerts evaluate` in Prometheus' format,
linted by promtool and scraped by a real Prometheus server on loopback."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from basics.api.metrics import exposition
from conftest import Server

PROMTOOL, PROMETHEUS = shutil.which("promtool"), shutil.which("prometheus")
REQUIRED = bool(os.environ.get("BASICS_REQUIRE_PROMTOOL"))
SAMPLE = re.compile(r"^(\w+)(?:\{(.*)\})? (\S+)$")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def slo_key(name: str, slo: str, **more: str) -> tuple[str, frozenset[tuple[str, str]]]:
    service, _, short = slo.partition("/")
    return name, frozenset({"service": service, "slo": short, **more}.items())


def test_metrics_equal_status_and_evaluate(demo_server: Server) -> None:
    answer = demo_server.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = samples(answer.text)
    status = demo_server.get("/api/v1/slo/status").json()
    assert len(status) == 12
    for s in status:
        assert found[slo_key("basics_slo_sli", s["slo"])] == s["sli"]
        assert found[slo_key("basics_slo_objective", s["slo"])] == s["objective"]
        assert found[slo_key("basics_slo_events", s["slo"], kind="bad")] == s["bad"]
        remaining = found[slo_key("basics_slo_budget_remaining_ratio", s["slo"])]
        assert remaining == s["budget_remaining"]
        for window, rate in s["burn_rates"].items():
            assert found[slo_key("basics_slo_burn_rate", s["slo"], window=window)] == rate
        assert found[slo_key("basics_slo_status", s["slo"], status=s["status"])] == 1
    evaluations = demo_server.get("/api/v1/alerts/evaluate").json()
    tiers = 0
    for e in evaluations:
        for tier in e["tiers"]:
            key = slo_key("basics_alert_tier_firing", e["slo"], policy=e["policy"],
                          tier=tier["tier"], severity=tier["severity"])  # fmt: skip
            assert found[key] == (1 if tier["state"] == "firing" else 0)
            tiers += 1
    assert tiers >= 12
    assert ("basics_serve_lent_total", frozenset()) in found


@pytest.mark.skipif(PROMTOOL is None and not REQUIRED, reason="promtool not installed")
def test_promtool_lints_the_metrics(demo_server: Server) -> None:
    assert PROMTOOL is not None
    text = demo_server.get("/metrics").text
    done = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_data_has_no_sli_and_labels_are_escaped() -> None:
    counts = SimpleNamespace(total=0, bad=0)
    quiet = SimpleNamespace(
        slo="www/availability", objective=99.9, counts=counts, sli=None,
        budget=SimpleNamespace(remaining=None), burn_rates={"1h": None}, status="no_data",
    )  # fmt: skip
    tier = SimpleNamespace(tier='fast "page"\nnow', severity="page", state="no_data")
    text = exposition([quiet], [SimpleNamespace(slo="www/availability", policy="a\\b",
                                                tiers=[tier])], 2, {"token": 1})  # fmt: skip
    assert "basics_slo_sli" not in text and "basics_slo_burn_rate" not in text
    assert 'basics_slo_no_data{service="www",slo="availability"} 1' in text
    assert 'tier="fast \\"page\\"\\nnow"' in text and 'policy="a\\\\b"' in text
    assert "basics_serve_lent_total 2\n" in text
    assert 'basics_serve_refused_total{kind="signature"} 0' in text


@pytest.mark.skipif(PROMETHEUS is None and not REQUIRED, reason="prometheus not installed")
def test_a_real_prometheus_scrapes_it(demo_server: Server, tmp_path: Path) -> None:
    assert PROMETHEUS is not None
    target = demo_server.url.removeprefix("http://")
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: basics\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prometheus = subprocess.Popen(
        [PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        api, deadline, result = f"http://127.0.0.1:{port}/api/v1/query", time.monotonic() + 60, []
        while time.monotonic() < deadline and not result:
            time.sleep(0.5)
            try:
                answer = httpx.get(api, params={"query": "basics_slo_sli"}, timeout=5).json()
            except httpx.TransportError:
                continue
            result = answer["data"]["result"]
        assert result, "Prometheus never scraped basics_slo_sli"
        up = httpx.get(api, params={"query": 'up{job="basics"}'}, timeout=5).json()
        assert up["data"]["result"][0]["value"][1] == "1"
        scraped = {r["metric"]["service"] + "/" + r["metric"]["slo"]: float(r["value"][1])
                   for r in result}  # fmt: skip
        status = {s["slo"]: s["sli"] for s in demo_server.get("/api/v1/slo/status").json()}
        assert scraped == status
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=30)
