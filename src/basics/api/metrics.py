"""`/metrics`: each SLO's state in Prometheus' text format, so Grafana can graph Basics'
numbers and Prometheus alert on them.

Every figure is the one `slo status` and `alerts evaluate` report at the same end (the
config's `reports.end`). An SLO without events in its window has `basics_slo_no_data 1` and
no SLI, budget or burn-rate samples: never a 100 % that was not measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response

from basics.api.replies import end, evaluations, hub, statuses
from basics.core.errors import InputError

router = APIRouter(tags=["server"])

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FAMILIES: dict[str, tuple[str, str]] = {
    "basics_slo_objective": ("gauge", "The SLO's objective, as a ratio."),
    "basics_slo_sli": ("gauge", "Good events over valid events in the SLO's window."),
    "basics_slo_events": ("gauge", "Events in the SLO's window, by kind (total, bad)."),
    "basics_slo_budget_remaining_ratio": (
        "gauge", "Share of the window's error budget left (negative when overspent)."),
    "basics_slo_burn_rate": (
        "gauge", "How fast the budget burns over a trailing window (1 = exactly on budget)."),
    "basics_slo_no_data": ("gauge", "1 when the SLO's window holds no events."),
    "basics_slo_status": ("gauge", "1 for the SLO's status (ok, burning, exhausted, no_data)."),
    "basics_alert_tier_firing": ("gauge", "1 while the alert tier fires."),
    "basics_alert_tier_state": (
        "gauge", "1 for the tier's state (firing, ok, suppressed, no_data)."),
    "basics_serve_lent": ("counter", "Times the server handed the store to a CLI command."),
    "basics_serve_refused": ("counter", "Writes refused, by what was wrong (token, signature)."),
}  # fmt: skip
STATUSES = ("ok", "burning", "exhausted", "no_data")
STATES = ("firing", "ok", "suppressed", "no_data")


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Every SLO's objective, SLI, events, budget left, burn rates and status, and every
    alert tier's state, in Prometheus' text exposition format."""
    server = hub(request)
    with server.app() as app:
        try:
            at = end(app, None)
        except InputError:  # `latest` of a store without events: its SLOs have no data
            at = app.slo.resolve_at("now")
        found = statuses(request, app, at), evaluations(request, app, at)
    refused = request.app.state.auth.refused
    text = exposition(*found, server.lent, refused)
    return Response(text, media_type=CONTENT_TYPE)


def exposition(
    statuses: Sequence[Any], evaluations: Sequence[Any], lent: int, refused: dict[str, int]
) -> str:
    """The text exposition of SLO statuses and tier evaluations (pure: no store, no clock)."""
    samples: dict[str, list[str]] = {name: [] for name in FAMILIES}

    def add(name: str, labels: dict[str, str], value: float) -> None:
        samples[name].append(f"{name}{_labels(labels)} {_number(value)}")

    for s in statuses:
        service, _, slo = s.slo.partition("/")
        slo_labels = {"service": service, "slo": slo}
        add("basics_slo_objective", slo_labels, float(s.objective / 100))  # as --json
        add("basics_slo_events", slo_labels | {"kind": "total"}, s.counts.total)
        add("basics_slo_events", slo_labels | {"kind": "bad"}, s.counts.bad)
        add("basics_slo_no_data", slo_labels, 1 if s.status == "no_data" else 0)
        if s.sli is not None:
            add("basics_slo_sli", slo_labels, s.sli)
        if s.budget.remaining is not None:
            add("basics_slo_budget_remaining_ratio", slo_labels, s.budget.remaining)
        for window, rate in s.burn_rates.items():
            if rate is not None:
                add("basics_slo_burn_rate", slo_labels | {"window": window}, rate)
        for status in STATUSES:
            add("basics_slo_status", slo_labels | {"status": status}, int(s.status == status))
    for e in evaluations:
        service, _, slo = e.slo.partition("/")
        for tier in e.tiers:
            tier_labels = {"service": service, "slo": slo, "policy": e.policy,
                           "tier": tier.tier, "severity": tier.severity}  # fmt: skip
            add("basics_alert_tier_firing", tier_labels, int(tier.state == "firing"))
            for state in STATES:
                add("basics_alert_tier_state", tier_labels | {"state": state},
                    int(tier.state == state))  # fmt: skip
    add("basics_serve_lent", {}, lent)
    for kind in ("token", "signature"):
        add("basics_serve_refused", {"kind": kind}, refused.get(kind, 0))
    return "".join(_family(name, lines) for name, lines in samples.items() if lines)


def _family(name: str, lines: Iterable[str]) -> str:
    kind, text = FAMILIES[name]
    if kind == "counter":  # a counter's samples end in _total (OpenMetrics' rule)
        lines = [line.replace(name, f"{name}_total", 1) for line in lines]
        name = f"{name}_total"
    return f"# HELP {name} {text}\n# TYPE {name} {kind}\n" + "".join(f"{x}\n" for x in lines)


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def _escape(value: str) -> str:
    """A label value as the text format writes it: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if isinstance(value, float) else str(value)
