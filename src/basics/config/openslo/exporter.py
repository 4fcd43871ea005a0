"""OpenSLO export: the services, SLOs and alert policies of basics.yaml as OpenSLO v1."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from basics.config.alerting import AlertPolicy, AlertTier
from basics.config.models import Config, ServiceConfig, SLOConfig
from basics.config.openslo.documents import (
    API_VERSION,
    BUDGET_SHARE_ANNOTATION,
    GOOD_ANNOTATION,
    METRIC_SOURCE_TYPE,
    MIN_EVENTS_ANNOTATION,
    NO_DATA_ANNOTATION,
    OWNER_ANNOTATION,
    POLICY_ANNOTATION,
    SHORT_WINDOW_ANNOTATION,
    VALID_ANNOTATION,
    dump,
    owned_by,
    plain,
)
from basics.core.durations import format_duration, parse_duration_s

CALENDAR_START = "2020-01-01 00:00:00"
NOTIFICATION_TARGET = "basics"
# Calendar windows have no single length; exported burn-rate thresholds of budget-share
# tiers are computed for these (Basics itself uses each month's and quarter's real length).
NOMINAL_WINDOW_S = {"month": 30 * 86400, "quarter": 90 * 86400}


def export_openslo(config: Config) -> str:
    """Every service and SLO of a configuration, and their alert policies, as OpenSLO v1."""
    documents: list[dict[str, Any]] = []
    policies: dict[str, dict[str, Any]] = {}
    for service_name, service in config.services.items():
        documents.append(_export_service(service_name, service))
        for slo_name, slo in service.slos.items():
            policy_name = config.policy_of(service_name, slo_name)
            exported, policy_doc = _export_policy(
                policy_name, config.alert_policy(policy_name), slo.window
            )
            policies.setdefault(exported, policy_doc)
            documents.append(_export_slo(service_name, slo_name, slo, config.timezone, exported))
    documents += policies.values()
    if policies:
        documents.append(
            _document(
                "AlertNotificationTarget",
                {"name": NOTIFICATION_TARGET},
                {
                    "description": "Basics reports each firing tier with its severity, page or "
                    "ticket; route them in your pager",
                    "target": NOTIFICATION_TARGET,
                },
            )
        )
    header = "# OpenSLO v1 documents exported from basics.yaml by `basics openslo export`.\n"
    return header + dump(documents, explicit_start=True)


def _document(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _spec(description: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    """A spec: its description first, when there is one, then `fields`."""
    return ({"description": description} if description else {}) | fields


def _export_service(name: str, service: ServiceConfig) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if service.owner:
        metadata["annotations"] = {OWNER_ANNOTATION: service.owner}
    description = service.description or owned_by(service.owner)
    return _document("Service", metadata, _spec(description, {}))


def _export_slo(
    service: str, name: str, slo: SLOConfig, timezone: str, policy: str
) -> dict[str, Any]:
    annotations = {GOOD_ANNOTATION: slo.good}
    good_spec = {"good": slo.good}
    if slo.valid is not None:
        annotations[VALID_ANNOTATION] = slo.valid
        good_spec["valid"] = slo.valid
    indicator = {
        "metadata": {"name": f"{service}-{name}", "annotations": annotations},
        "spec": {
            "ratioMetric": {
                "counter": False,
                "good": {"metricSource": {"type": METRIC_SOURCE_TYPE, "spec": good_spec}},
                "total": {
                    "metricSource": {
                        "type": METRIC_SOURCE_TYPE,
                        "spec": {"valid": slo.valid if slo.valid is not None else "true"},
                    }
                },
            }
        },
    }
    objective: dict[str, Any] = {"displayName": name, "target": slo.objective.scaleb(-2)}
    if slo.budgeting == "timeslices":
        assert slo.slice_target is not None
        objective["timeSliceTarget"] = slo.slice_target.scaleb(-2)
        objective["timeSliceWindow"] = format_duration(slo.slice_s)
    spec = _spec(
        slo.description,
        {
            "service": service,
            "indicator": indicator,
            "timeWindow": [_export_window(slo.window, timezone)],
            "budgetingMethod": "Timeslices" if slo.budgeting == "timeslices" else "Occurrences",
            "objectives": [objective],
            "alertPolicies": [{"alertPolicyRef": policy}],
        },
    )
    return _document("SLO", {"name": f"{service}-{name}", "displayName": f"{service}/{name}"}, spec)


def _export_window(window: str, timezone: str) -> dict[str, Any]:
    if window in ("month", "quarter"):
        return {
            "duration": "1M" if window == "month" else "1Q",
            "isRolling": False,
            "calendar": {"startTime": CALENDAR_START, "timeZone": timezone},
        }
    seconds = parse_duration_s(window)
    duration = format_duration(seconds) if window.strip().endswith("s") else window.strip()
    return {"duration": duration, "isRolling": True}


def _window_s(window: str) -> int:
    return NOMINAL_WINDOW_S.get(window) or parse_duration_s(window)


def _export_policy(name: str, policy: AlertPolicy, window: str) -> tuple[str, dict[str, Any]]:
    """The AlertPolicy of a Basics policy for one SLO window (budget shares depend on it)."""
    by_share = any(tier.budget_share is not None for tier in policy.tiers)
    exported = f"{name}-{window}" if by_share else name
    conditions = [
        _export_condition(f"{exported}-{index + 1}", tier, window)
        for index, tier in enumerate(policy.tiers)
    ]
    annotations: dict[str, str] = {POLICY_ANNOTATION: name}
    if policy.min_events:
        annotations[MIN_EVENTS_ANNOTATION] = str(policy.min_events)
    if policy.no_data != "ok":
        annotations[NO_DATA_ANNOTATION] = policy.no_data
    spec = _spec(
        policy.description,
        {
            "alertWhenNoData": False,
            "alertWhenResolved": False,
            "alertWhenBreaching": True,
            "conditions": conditions,
            "notificationTargets": [{"targetRef": NOTIFICATION_TARGET}],
        },
    )
    return exported, _document("AlertPolicy", {"name": exported, "annotations": annotations}, spec)


def _export_condition(name: str, tier: AlertTier, window: str) -> dict[str, Any]:
    """The inline AlertCondition of one tier of a policy, for one SLO window."""
    # The same factor as basics.alerting.compute.resolve_tiers.
    if tier.budget_share is not None:
        factor = Fraction(tier.budget_share) / 100 * _window_s(window) / tier.long_s
    else:
        assert tier.burn_rate is not None
        factor = Fraction(tier.burn_rate)
    annotations: dict[str, str] = {}
    if tier.short_window is not None:
        annotations[SHORT_WINDOW_ANNOTATION] = tier.short_window
    if tier.budget_share is not None:
        annotations[BUDGET_SHARE_ANNOTATION] = plain(tier.budget_share)
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    threshold = _fraction_decimal(factor)
    windows = tier.long_window + (f" and {tier.short_window}" if tier.short_window else "")
    return {
        "kind": "AlertCondition",
        "metadata": metadata,
        "spec": {
            "description": f"{tier.severity} when the burn rate over {windows} "
            f"exceeds {plain(threshold)}",
            "severity": tier.severity,
            "condition": {
                "kind": "burnrate",
                "op": "gt",
                "threshold": threshold,
                "lookbackWindow": tier.long_window,
                "alertAfter": "0m",
            },
        },
    }


def _fraction_decimal(value: Fraction) -> Decimal:
    """A fraction as an exact decimal when it has one (14.4), else to 6 places (0.233333)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    if denominator == 1:
        return quotient
    return quotient.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
