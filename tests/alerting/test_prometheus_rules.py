"""The Prometheus rules Basics exports: their shape, promtool's verdict, and that Prometheus
fires in exactly the minutes Basics' own replay fires on the same synthetic series."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

from basics.alerting import compute
from basics.alerting.prometheus import ALERT, decimal_text
from basics.app import App
from basics.config.loader import parse_config
from basics.core.errors import ConfigError

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None and not os.environ.get("BASICS_REQUIRE_PROMTOOL"),
    reason="promtool not installed (CI installs Debian's prometheus package)",
)

CONFIG = """
store: basics.duckdb
alerting:
  policies:
    guarded:
      min_events: 100
      tiers:
        - {long: 1h, short: 5m, budget_share: 2, severity: page}
services:
  www:
    runbook: https://runbooks.example/www
    slos:
      availability:
        objective: 99.9
        good: status < 500
        prometheus:
          errors: 'http_requests_total{job="www",code=~"5.."}'
          total: 'http_requests_total{job="www"}'
      latency:
        objective: 99
        window: 28d
        good: duration_ms <= 300
        alert_policy: guarded
        prometheus:
          histogram: http_request_duration_seconds
          selector: '{job="www"}'
          buckets: [0.05, 0.1, 0.3, 1]
          threshold_s: 0.3
      other: {objective: 99, good: status < 500}
"""


def app_for(tmp_path: Path, text: str = CONFIG) -> App:
    path = tmp_path / "basics.yaml"
    path.write_text(text)
    return App(parse_config(text, path))


def rules(tmp_path: Path, text: str = CONFIG) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(app_for(tmp_path, text).alerting.prometheus_rules().to_yaml())


def test_decimal_text_is_exact() -> None:
    assert decimal_text(Fraction(144, 10) * Fraction(1, 1000)) == "0.0144"
    assert decimal_text(Fraction(6)) == "6"
    assert decimal_text(Fraction(1, 3)) == repr(1 / 3)


def test_counter_slo_rules(tmp_path: Path) -> None:
    groups = {g["name"]: g for g in rules(tmp_path)["groups"]}
    assert set(groups) == {"basics-slo-www-availability", "basics-slo-www-latency"}
    availability = groups["basics-slo-www-availability"]["rules"]
    records = [r["record"] for r in availability if "record" in r]
    assert records == [f"basics:slo_error_ratio:rate{w}" for w in ("5m", "30m", "1h", "6h", "3d")]
    alerts = [r for r in availability if "alert" in r]
    assert [a["alert"] for a in alerts] == [ALERT] * 3
    assert [(a["labels"]["long_window"], a["labels"]["short_window"]) for a in alerts] == [
        ("1h", "5m"),
        ("6h", "30m"),
        ("3d", "6h"),
    ]
    assert [a["labels"]["severity"] for a in alerts] == ["page", "page", "ticket"]
    assert alerts[0]["labels"]["slo"] == "www/availability"
    assert alerts[0]["expr"] == (
        '(basics:slo_error_ratio:rate1h{slo="www/availability"} > 0.0144)\nand\n'
        '(basics:slo_error_ratio:rate5m{slo="www/availability"} > 0.0144)'
    )
    assert "0.006)" in alerts[1]["expr"] and "0.001)" in alerts[2]["expr"]
    assert alerts[0]["annotations"]["runbook_url"] == "https://runbooks.example/www"
    assert availability[0]["expr"] == (
        'sum(rate(http_requests_total{job="www",code=~"5.."}[5m]))\n/\n'
        'sum(rate(http_requests_total{job="www"}[5m]))'
    )


def test_histogram_slo_rules_use_the_threshold_bucket_and_the_guard(tmp_path: Path) -> None:
    groups = {g["name"]: g for g in rules(tmp_path)["groups"]}
    latency = groups["basics-slo-www-latency"]["rules"]
    assert 'http_request_duration_seconds_bucket{job="www", le="0.3"}[5m]' in latency[0]["expr"]
    alert = latency[-1]
    # 28-day window: factor 0.02 x 28d / 1h = 13.44; threshold 13.44 x 1 % = 0.1344.
    assert "> 0.1344)" in alert["expr"]
    assert alert["expr"].endswith(
        'and on()\n(sum(increase(http_request_duration_seconds_count{job="www"}[1h])) >= 100)'
    )


def test_threshold_off_the_buckets_names_the_nearest_ones(tmp_path: Path) -> None:
    text = CONFIG.replace("threshold_s: 0.3", "threshold_s: 0.25").replace(
        "duration_ms <= 300", "duration_ms <= 250"
    )
    with pytest.raises(
        ConfigError, match=r"0.25s is not a bucket boundary .* nearest buckets are 0.1, 0.3"
    ):
        rules(tmp_path, text)


def test_a_threshold_other_than_the_slos_own_is_refused(tmp_path: Path) -> None:
    """`good: duration_ms <= 250` beside `threshold_s: 0.3`: the rules would judge 300 ms
    while Basics judges 250 ms, and promtool accepts them."""
    text = CONFIG.replace("duration_ms <= 300", "duration_ms <= 250")
    with pytest.raises(
        ConfigError,
        match=r"basics.yaml:\d+: services.www.slos.latency: prometheus.threshold_s 0.3 s is "
        r"not the SLO's latency threshold \(good: duration_ms <= 250, 0.25 s\).* write "
        r"threshold_s: 0.25",
    ):
        rules(tmp_path, text)
    # Milliseconds and seconds that are the same number pass: 300 ms is 0.3 s.
    assert rules(tmp_path)["groups"]


def test_slos_without_a_prometheus_view_are_reported(tmp_path: Path) -> None:
    rule_file = app_for(tmp_path).alerting.prometheus_rules()
    assert rule_file.skipped == ["www/other: no `prometheus:` block (counters or histogram)"]


@needs_promtool
def test_promtool_accepts_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(app_for(tmp_path).alerting.prometheus_rules().to_yaml())
    result = subprocess.run(
        [PROMTOOL or "promtool", "check", "rules", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 11 rules found" in result.stdout


# --- Prometheus fires in the same minutes as Basics ------------------------------------------

MINUTES = 480
TRAFFIC = 601  # per minute; chosen so no window's count lands exactly on a threshold
SAMPLE_S = 15


def synthetic_series() -> tuple[np.ndarray, np.ndarray]:
    """Per-minute totals and goods: a 10-minute outage, then a slow burn."""
    totals = np.full(MINUTES, TRAFFIC, dtype=np.int64)
    bad = np.zeros(MINUTES, dtype=np.int64)
    bad[60:70] = TRAFFIC
    bad[200:] = 8
    bad[330:333] = 150
    return totals, totals - bad


def counter_samples(per_minute: np.ndarray, offset: int) -> str:
    """A counter sampled every 15 s: the events of every minute that has ended."""
    cumulative = offset + np.concatenate(([0], np.cumsum(per_minute)))
    values = [int(cumulative[min(s * SAMPLE_S // 60, MINUTES)]) for s in range(MINUTES * 4 + 1)]
    return " ".join(str(v) for v in values)


@needs_promtool
def test_prometheus_fires_in_the_same_minutes_as_basics(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    rule_path = tmp_path / "rules.yaml"
    rule_path.write_text(app.alerting.prometheus_rules().to_yaml())
    annotations = {
        (rule["labels"]["long_window"], rule["labels"]["short_window"]): rule["annotations"]
        for group in yaml.safe_load(rule_path.read_text())["groups"]
        if group["name"] == "basics-slo-www-availability"
        for rule in group["rules"]
        if "alert" in rule
    }
    totals, goods = synthetic_series()
    slo = app.config.services["www"].slos["availability"]
    tiers = app.alerting.tiers(slo, "workbook", dt.datetime(2026, 3, 1))
    firing = {}
    for tier in tiers:
        fires, _, _ = compute.tier_conditions(
            totals, goods, 0, Decimal("99.9"), tier, 0, keep_on_no_data=False
        )
        firing[tier] = fires
    assert all(f.any() for f in firing.values()), "every tier should fire somewhere"
    assert all(not f.all() for f in firing.values()), "and be quiet somewhere"
    tests = []
    for minute in range(MINUTES):
        expected = [
            {
                "exp_labels": {
                    "slo": "www/availability",
                    "service": "www",
                    "severity": tier.severity,
                    "long_window": tier.name.split("/")[0],
                    "short_window": tier.name.split("/")[1],
                },
                "exp_annotations": annotations[tuple(tier.name.split("/"))],
            }
            for tier, fires in firing.items()
            if fires[minute]
        ]
        tests.append({"eval_time": f"{minute + 1}m", "alertname": ALERT, "exp_alerts": expected})
    unit = {
        "rule_files": [str(rule_path)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": f"{SAMPLE_S}s",
                "input_series": [
                    {
                        "series": 'http_requests_total{job="www",code="200"}',
                        "values": counter_samples(goods, 1_000_000),
                    },
                    {
                        "series": 'http_requests_total{job="www",code="500"}',
                        "values": counter_samples(totals - goods, 1_000),
                    },
                ],
                "alert_rule_test": tests,
            }
        ],
    }
    # The total selector matches both series, the errors selector only code 500, as in a
    # real exposition. Large starting values keep Prometheus' extrapolation symmetric.
    test_path = tmp_path / "rules_test.yaml"
    test_path.write_text(yaml.safe_dump(unit, sort_keys=False))
    result = subprocess.run(
        [PROMTOOL or "promtool", "test", "rules", str(test_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


# --- timeslice SLOs: Prometheus counts bad slices, as Basics does ------------------------------

SLICE_CONFIG = """
store: basics.duckdb
timezone: UTC
sources: {api: {format: jsonl, service: ledger}}
services:
  ledger:
    slos:
      uptime:
        objective: 99
        window: 7d
        good: status < 500
        budgeting: timeslices
        slice: 1m
        slice_target: 95
        prometheus:
          errors: 'http_requests_total{job="ledger",code=~"5.."}'
          total: 'http_requests_total{job="ledger"}'
      wide:
        objective: 99
        window: 7d
        good: status < 500
        budgeting: timeslices
        slice: 5m
        slice_target: 95
        prometheus:
          errors: 'http_requests_total{job="ledger",code=~"5.."}'
          total: 'http_requests_total{job="ledger"}'
"""
SLICE_START = dt.datetime(2026, 3, 1)


def slice_minute(minute: int) -> tuple[int, int]:
    """(events, bad events) of one minute: 25 with 1 bad (96 % good: a good slice) most of the
    time; every 11th minute 20 with 1 bad (exactly 95 %: still good); none every 13th minute
    (no slice at all); 3 bad of 25 (88 %: a bad slice) in an outage at 60-64 and every 7th
    minute from 200 on."""
    if minute % 13 == 5:
        return 0, 0
    if minute % 11 == 3:
        return 20, 1
    if 60 <= minute < 65 or (minute >= 200 and minute % 7 == 0):
        return 25, 3
    return 25, 1


def test_timeslice_rules_count_bad_slices(tmp_path: Path) -> None:
    groups = {g["name"]: g for g in rules(tmp_path, SLICE_CONFIG)["groups"]}
    assert set(groups) == {"basics-slo-ledger-uptime"}
    uptime = groups["basics-slo-ledger-uptime"]["rules"]
    assert uptime[0]["record"] == "basics:slo_bad_slice:1m"
    assert uptime[0]["expr"] == (
        '(\n  (sum(increase(http_requests_total{job="ledger",code=~"5.."}[1m])) or on() '
        'vector(0))\n  /\n  sum(increase(http_requests_total{job="ledger"}[1m]))\n) > bool 0.05'
        '\nand on()\n(sum(increase(http_requests_total{job="ledger"}[1m])) > 0)'
    )
    assert uptime[1] == {
        "record": "basics:slo_error_ratio:rate5m",
        "expr": 'avg_over_time(basics:slo_bad_slice:1m{slo="ledger/uptime"}[4m30s])',
        "labels": {"slo": "ledger/uptime", "service": "ledger"},
    }
    assert uptime[3]["expr"].endswith("[59m30s])")
    # 7-day window: 0.02 x 168h / 1h = 3.36, x (1 - 99 %) = 0.0336 of the slices.
    assert "> 0.0336)" in uptime[6]["expr"]


def test_a_longer_slice_is_skipped_with_the_reason(tmp_path: Path) -> None:
    rule_file = app_for(tmp_path, SLICE_CONFIG).alerting.prometheus_rules()
    assert rule_file.skipped == [
        "ledger/wide: alerting on timeslices longer than 1m (slice: 5m) is not supported yet; "
        "use slice: 1m or occurrences"
    ]


HISTOGRAM_SLICES = SLICE_CONFIG.replace(
    "good: status < 500\n        budgeting: timeslices\n        slice: 1m",
    "good: duration_ms <= 300\n        budgeting: timeslices\n        slice: 1m",
).replace(
    """          errors: 'http_requests_total{job="ledger",code=~"5.."}'
          total: 'http_requests_total{job="ledger"}'
      wide:""",
    """          histogram: http_request_duration_seconds
          selector: '{job="ledger"}'
          buckets: [0.1, 0.3, 1]
          threshold_s: 0.3
      wide:""",
)


def slice_series(kind: str, totals: np.ndarray, bad: np.ndarray) -> list[dict[str, str]]:
    """The per-minute counts as Prometheus counters: by status code, or a histogram."""
    if kind == "counters":
        return [
            {
                "series": 'http_requests_total{job="ledger",code="200"}',
                "values": counter_samples(totals - bad, 1_000_000),
            },
            {
                "series": 'http_requests_total{job="ledger",code="500"}',
                "values": counter_samples(bad, 1_000),
            },
        ]
    return [
        {
            "series": 'http_request_duration_seconds_bucket{job="ledger",le="0.3"}',
            "values": counter_samples(totals - bad, 1_000_000),
        },
        {
            "series": 'http_request_duration_seconds_count{job="ledger"}',
            "values": counter_samples(totals, 1_000_000),
        },
    ]


@needs_promtool
@pytest.mark.parametrize("kind", ["counters", "histogram"])
def test_prometheus_fires_on_timeslices_in_the_same_minutes_as_basics_replay(
    tmp_path: Path, kind: str
) -> None:
    """Events in a real store, replayed by Basics; the same minutes as counters (errors and
    total, or a histogram's bucket and count) for promtool."""
    counts = [slice_minute(m) for m in range(MINUTES)]
    events = [
        {
            "ts": (SLICE_START + dt.timedelta(minutes=m, seconds=2 * i)).isoformat() + "Z",
            "status": 500 if i < bad else 200,
            "duration_ms": 900 if i < bad else 120,
        }
        for m, (total, bad) in enumerate(counts)
        for i in range(total)
    ]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    app = app_for(tmp_path, SLICE_CONFIG if kind == "counters" else HISTOGRAM_SLICES)
    try:
        assert app.ingest_events("api", str(tmp_path / "events.jsonl")).rejected == 0
        replay = app.alerting.replay(
            "ledger/uptime", SLICE_START, SLICE_START + dt.timedelta(minutes=MINUTES)
        )
        rule_path = tmp_path / "rules.yaml"
        rule_path.write_text(app.alerting.prometheus_rules().to_yaml())
    finally:
        app.close()
    firing: dict[str, set[int]] = {"1h/5m": set(), "6h/30m": set(), "3d/6h": set()}
    for f in replay.firings:
        assert not f.suppressed
        first = int((f.start - SLICE_START).total_seconds() // 60)
        reset = MINUTES + 1 if f.reset is None else (f.reset - SLICE_START).total_seconds() // 60
        last = int(reset)
        firing[f.tier] |= set(range(first, last))  # minutes (1-based) at whose end it fires
    assert all(firing.values()) and all(len(m) < MINUTES for m in firing.values())
    # The 1h/5m tier first fires at the end of minute 62: bad slices at minutes 61 and 62
    # (1-based) of the 55 slices in the last hour (five quiet minutes have none), 2/55 > 0.0336;
    # the 25 events of a minute are slices, not events, or 6/1470 would be far below it.
    assert min(firing["1h/5m"]) == 62 and 90 not in firing["1h/5m"]
    severity = {"1h/5m": "page", "6h/30m": "page", "3d/6h": "ticket"}
    annotations = {
        f"{rule['labels']['long_window']}/{rule['labels']['short_window']}": rule["annotations"]
        for group in yaml.safe_load(rule_path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    tests = []
    for minute in range(1, MINUTES + 1):
        expected = [
            {
                "exp_labels": {
                    "slo": "ledger/uptime",
                    "service": "ledger",
                    "severity": severity[tier],
                    "long_window": tier.split("/")[0],
                    "short_window": tier.split("/")[1],
                },
                "exp_annotations": annotations[tier],
            }
            for tier, minutes in firing.items()
            if minute in minutes
        ]
        tests.append({"eval_time": f"{minute}m", "alertname": ALERT, "exp_alerts": expected})
    totals = np.array([t for t, _ in counts], dtype=np.int64)
    bad = np.array([b for _, b in counts], dtype=np.int64)
    unit = {
        "rule_files": [str(rule_path)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": f"{SAMPLE_S}s",
                "input_series": slice_series(kind, totals, bad),
                "alert_rule_test": tests,
            }
        ],
    }
    test_path = tmp_path / "rules_test.yaml"
    test_path.write_text(yaml.safe_dump(unit, sort_keys=False))
    result = subprocess.run(
        [PROMTOOL or "promtool", "test", "rules", str(test_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
