"""OpenSLO export: the services, SLOs and alert policies of basics.yaml as OpenSLO v1."""

from __future__ import annotations

import re
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
    SERVICE_ANNOTATION,
    SHORT_WINDOW_ANNOTATION,
    SLO_ANNOTATION,
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


_NOT_NAME = re.compile(r"[^a-z0-9.-]+")


def openslo_name(name: str) -> str:
    """A name as OpenSLO's pattern allows it (`^[a-z0-9][a-z0-9.|/\\-]*[a-z0-9]*$`): lower
    case, and every other character (`_`, `+`, ...) a `-`."""
    return _NOT_NAME.sub("-", name.lower()).strip("-.") or "x"


class _Names:
    """Unique OpenSLO names of one kind, in export order: a name already given gets `-2`,
    `-3`, ... so no document replaces another."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def unique(self, name: str) -> str:
        found, count = name, 1
        while found in self.taken:
            count += 1
            found = f"{name}-{count}"
        self.taken.add(found)
        return found


def export_openslo(config: Config) -> str:
    """Every service and SLO of a configuration, and their alert policies, as OpenSLO v1.

    Names follow OpenSLO's pattern and are unique per kind; where one differs from what
    import would read back, annotations keep the Basics names (`basics.dev/service`,
    `basics.dev/slo`, `basics.dev/policy`).
    """
    documents: list[dict[str, Any]] = []
    policies: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    service_names, slo_names, policy_names = _Names(), _Names(), _Names()
    for service_name, service in config.services.items():
        exported_service = service_names.unique(openslo_name(service_name))
        documents.append(_export_service(exported_service, service_name, service))
        for slo_name, slo in service.slos.items():
            policy_name = config.policy_of(service_name, slo_name)
            key = (policy_name, _policy_suffix(config.alert_policy(policy_name), slo.window))
            if key not in policies:
                policies[key] = _export_policy(
                    policy_name, config.alert_policy(policy_name), slo.window, policy_names
                )
            names = (exported_service, service_name, slo_name)
            slo_doc = _export_slo(names, slo, config.timezone, policies[key][0], slo_names)
            documents.append(slo_doc)
    documents += [doc for _, doc in policies.values()]
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


def _export_service(exported: str, name: str, service: ServiceConfig) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": exported}
    annotations = {}
    if exported != name:
        annotations[SERVICE_ANNOTATION] = name
    if service.owner:
        annotations[OWNER_ANNOTATION] = service.owner
    if annotations:
        metadata["annotations"] = annotations
    description = service.description or owned_by(service.owner)
    return _document("Service", metadata, _spec(description, {}))


def _export_slo(
    names: tuple[str, str, str], slo: SLOConfig, timezone: str, policy: str, taken: _Names
) -> dict[str, Any]:
    """An SLO document; `names` are the exported service's name and the Basics service and
    SLO names."""
    exported_service, service, name = names
    exported = taken.unique(f"{exported_service}-{openslo_name(name)}")
    slo_metadata: dict[str, Any] = {"name": exported, "displayName": f"{service}/{name}"}
    if exported != f"{exported_service}-{name}" or exported_service != service:
        # Import would not read the Basics names back from the OpenSLO ones: keep them.
        slo_metadata["annotations"] = {SERVICE_ANNOTATION: service, SLO_ANNOTATION: name}
    annotations = {GOOD_ANNOTATION: slo.good}
    good_spec = {"good": slo.good}
    if slo.valid is not None:
        annotations[VALID_ANNOTATION] = slo.valid
        good_spec["valid"] = slo.valid
    indicator = {
        "metadata": {"name": exported, "annotations": annotations},
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
            "service": exported_service,
            "indicator": indicator,
            "timeWindow": [_export_window(slo.window, timezone)],
            "budgetingMethod": "Timeslices" if slo.budgeting == "timeslices" else "Occurrences",
            "objectives": [objective],
            "alertPolicies": [{"alertPolicyRef": policy}],
        },
    )
    return _document("SLO", slo_metadata, spec)


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


def _policy_suffix(policy: AlertPolicy, window: str) -> str:
    """The window a policy's exported copy is for: its own when any tier is a budget share
    (its factor depends on the window), else none (one copy serves every window)."""
    return window if any(tier.budget_share is not None for tier in policy.tiers) else ""


def _export_policy(
    name: str, policy: AlertPolicy, window: str, taken: _Names
) -> tuple[str, dict[str, Any]]:
    """The AlertPolicy of a Basics policy for one SLO window (budget shares depend on it)."""
    suffix = _policy_suffix(policy, window)
    exported = taken.unique(openslo_name(f"{name}-{suffix}" if suffix else name))
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
    threshold = fraction_decimal(factor)
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


def fraction_decimal(value: Fraction) -> Decimal:
    """A fraction as an exact decimal when it has one (14.4), else to 6 places (0.233333)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    if denominator == 1:
        return quotient
    return quotient.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
