"""OpenSLO v1 import and export: sample documents, exact problem lines, round trip, CLI."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from basics.cli.main import _Group
from basics.cli.openslo_cmd import openslo
from basics.config.alerting import BUILTIN_POLICIES, AlertPolicy
from basics.config.loader import parse_config
from basics.config.models import Config, SLOConfig
from basics.config.openslo import (
    OpenSLOImport,
    export_openslo,
    import_openslo,
    import_openslo_many,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "openslo"
NOT_MAPPABLE_HINT = (
    "Basics computes SLIs from events: add the annotation basics.dev/good (and optionally "
    'basics.dev/valid) with an event expression such as basics.dev/good: "status < 500"'
)


def sample(name: str) -> OpenSLOImport:
    return import_openslo((DATA / name).read_text(encoding="utf-8"), name)


def slo_doc(name: str = "shop-checkout", **spec: Any) -> str:
    """One SLO document with an annotated inline SLI; `spec` replaces or adds spec keys."""
    body: dict[str, Any] = {
        "service": "shop",
        "indicator": {
            "metadata": {"name": "sli", "annotations": {"basics.dev/good": "status < 500"}},
            "spec": {"ratioMetric": {"good": {}, "total": {}}},
        },
        "timeWindow": [{"duration": "30d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"target": 0.99}],
    }
    body.update(spec)
    document = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": name}}
    return yaml.safe_dump({**document, "spec": body}, sort_keys=False)


# --- import: the sample documents ----------------------------------------------------------


def test_inline_indicator_with_annotations() -> None:
    result = sample("inline.yaml")
    assert result.problems == []
    assert result.services == {
        "checkout": {
            "slos": {
                "availability": {
                    "objective": Decimal("99.9"),
                    "window": "28d",
                    "good": "status < 500",
                    "valid": 'operation != "/health"',
                    "description": "Checkout answers without a server error",
                }
            }
        }
    }
    assert result.slo_names() == ["checkout/availability"]
    assert result.notes == [
        'inline.yaml:2: SLO "checkout-availability": SLI measured from events by '
        "basics.dev/good; its metric queries are not used"
    ]


def test_referenced_indicator_calendar_timeslices_and_alert_policy() -> None:
    result = sample("referenced.yaml")
    assert result.problems == []
    assert result.services == {
        "checkout": {
            "owner": "team-payments",
            "description": "The checkout API",
            "slos": {
                "latency": {
                    "objective": Decimal("99.5"),
                    "window": "month",
                    "good": "duration_ms <= 300",
                    "valid": 'operation startswith "/api/"',
                    "budgeting": "timeslices",
                    "slice": "5m",
                    "slice_target": Decimal("95"),
                    "alert_policy": "checkout-burn",
                }
            },
        }
    }
    assert result.policies == {
        "checkout-burn": {
            "description": "Page on a fast burn, ticket on a slow one",
            "tiers": [
                {"long": "1h", "short": "5m", "burn_rate": Decimal("14.4"), "severity": "page"},
                {"long": "3d", "burn_rate": 1, "severity": "ticket"},
            ],
        }
    }
    assert result.notes == [
        'referenced.yaml:33: SLO "checkout-latency": SLI measured from events by '
        "basics.dev/good; its metric queries are not used",
        'referenced.yaml:79: AlertCondition "checkout-fast-burn": alertAfter "5m" ignored: Basics '
        "fires at the end of the first minute over the threshold; confirm with "
        "basics.dev/short-window instead",
        'referenced.yaml:95: AlertNotificationTarget "payments-pager" ignored: Basics reports a '
        "firing tier's severity (page or ticket) and sends no notifications",
        'calendar windows are in time zone "Europe/London": Basics uses basics.yaml\'s '
        "`timezone` for every calendar window; set `timezone: Europe/London` there",
    ]


def test_yaml_list_of_documents_quarters_and_several_objectives() -> None:
    result = sample("list.yaml")
    assert result.problems == []
    search = result.services["search"]
    assert search["description"] == "Product search"
    assert search["slos"] == {
        # From the `basics` metric source (no annotations); one SLO per objective.
        "availability-internal": {
            "objective": Decimal("99.95"),
            "window": "quarter",
            "good": "status < 500",
        },
        "availability-sla": {
            "objective": Decimal("99.9"),
            "window": "quarter",
            "good": "status < 500",
        },
        # 3M calendar is a quarter; a timeSliceWindow of 2 is 2 minutes.
        "minutes": {
            "objective": Decimal("99"),
            "window": "quarter",
            "good": "status < 500 and duration_ms <= 1000",
            "budgeting": "timeslices",
            "slice": "2m",
            "slice_target": Decimal("100"),
        },
    }
    assert result.notes[0] == (
        'list.yaml:9: SLO "search-availability": 2 objectives: one Basics SLO each '
        "(availability-internal, availability-sla)"
    )


def test_unsupported_documents_give_one_exact_line_each_and_the_rest_still_maps() -> None:
    result = sample("unsupported.yaml")
    assert result.problems == [
        'unsupported.yaml:2: unsupported apiVersion "openslo/v9" (supported: openslo/v1)',
        'unsupported.yaml:8: unsupported kind "Foo" '
        "(supported: SLO, SLI, Service, AlertPolicy, AlertCondition)",
        'unsupported.yaml:23: SLO "odd-window": unsupported timeWindow duration "13d" '
        "with isRolling false",
        'unsupported.yaml:45: SLO "prometheus-ratio": not mappable: its SLI is a ratio of metric '
        f"queries (Prometheus); {NOT_MAPPABLE_HINT}",
        'unsupported.yaml:74: SLO "cpu-threshold": not mappable: its SLI is a thresholdMetric '
        f"(CloudWatch), a metric's value against a threshold; {NOT_MAPPABLE_HINT}",
        'unsupported.yaml:98: SLO "ratio-slices": unsupported budgetingMethod "RatioTimeslices" '
        "(supported: Occurrences, Timeslices)",
        'unsupported.yaml:121: SLO "bad-expression": annotation basics.dev/good "status <": '
        "expected a number after `<`, found the end of the expression",
        'unsupported.yaml:146: SLO "missing-sli": indicatorRef "nowhere": no SLI named "nowhere" '
        "in the input",
        'unsupported.yaml:160: SLO "shop-checkout": unsupported field "spec.owner"',
        'unsupported.yaml:160: SLO "shop-checkout": unsupported field "spec.objectives[0].weight"',
    ]
    assert result.notes == [
        'unsupported.yaml:14: DataSource "prometheus" ignored: Basics reads events from the '
        "sources of basics.yaml, not metric backends"
    ]
    # Unknown fields are reported, the rest of that SLO still maps; the `shop-` prefix goes.
    assert result.services == {
        "shop": {
            "slos": {
                "checkout": {"objective": Decimal("99.5"), "window": "4w", "good": "status < 500"}
            }
        }
    }


def test_alert_policy_conditions_map_to_tiers_where_they_can() -> None:
    result = sample("alerting.yaml")
    assert result.problems == [
        'alerting.yaml:2: AlertCondition "api-quiet": unsupported condition op "lt" '
        "(supported: gt, gte)",
        'alerting.yaml:2: AlertCondition "api-anomaly": unsupported condition kind "anomaly" '
        "(supported: burnrate)",
        'alerting.yaml:2: AlertCondition "api-monthly": unsupported lookbackWindow "1M"',
    ]
    assert result.policies == {
        "api-alerts": {"tiers": [{"long": "6h", "burn_rate": 6, "severity": "page"}]}
    }
    assert result.services["api"]["slos"]["availability"]["alert_policy"] == "api-alerts"
    assert result.notes == [
        'alerting.yaml:2: AlertPolicy "api-alerts": alertWhenNoData ignored: Basics does not '
        "alert on missing data (no_data: keep holds the last state instead)",
        'alerting.yaml:2: AlertCondition "api-page": alertAfter "30m" ignored: Basics fires at '
        "the end of the first minute over the threshold; confirm with basics.dev/short-window "
        "instead",
        'alerting.yaml:2: AlertCondition "api-page": severity "sev1" is not page or ticket: '
        "page assumed",
    ]


@pytest.mark.parametrize(
    "name", ["inline.yaml", "referenced.yaml", "list.yaml", "unsupported.yaml", "alerting.yaml"]
)
def test_the_block_is_valid_basics_yaml(name: str, tmp_path: Path) -> None:
    result = sample(name)
    config = parse_config(result.to_yaml(), tmp_path / "basics.yaml")
    assert config.slo_names() == result.slo_names()
    assert set(config.alerting.policies) == set(result.policies)


def test_to_yaml_lists_problems_as_comments() -> None:
    text = sample("unsupported.yaml").to_yaml()
    assert "# Not mapped (see docs/openslo.md):\n" in text
    assert '#   unsupported.yaml:8: unsupported kind "Foo"' in text
    assert "objective: 99.5\n" in text  # a plain number, not a quoted string


def test_references_may_cross_files() -> None:
    sli = (DATA / "referenced.yaml").read_text(encoding="utf-8").split("---\n")[1]
    slo = (DATA / "referenced.yaml").read_text(encoding="utf-8").split("---\n")[2]
    alone = import_openslo(slo, "slo.yaml")
    assert alone.services == {}
    assert alone.problems[0] == (
        'slo.yaml:1: SLO "checkout-latency": indicatorRef "checkout-fast-responses": '
        'no SLI named "checkout-fast-responses" in the input'
    )
    together = import_openslo_many([("sli.yaml", sli), ("slo.yaml", slo)])
    assert together.slo_names() == ["checkout/latency"]
    # The alert policy is in neither file.
    assert together.problems == [
        'slo.yaml:1: SLO "checkout-latency": alertPolicyRef "checkout-burn": '
        'no AlertPolicy named "checkout-burn" in the input'
    ]


# --- import: single cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "apiVersion: openslo/v9\nkind: SLO\nmetadata: {name: x}\n",
            'x.yaml:1: unsupported apiVersion "openslo/v9" (supported: openslo/v1)',
        ),
        (
            "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: x}\n",
            'x.yaml:1: unsupported apiVersion "openslo/v1alpha" (supported: openslo/v1)',
        ),
        (
            "kind: SLO\nmetadata: {name: x}\n",
            "x.yaml:1: missing apiVersion (supported: openslo/v1)",
        ),
        (
            "apiVersion: openslo/v1\nkind: Foo\nmetadata: {name: x}\n",
            'x.yaml:1: unsupported kind "Foo" '
            "(supported: SLO, SLI, Service, AlertPolicy, AlertCondition)",
        ),
        (
            "apiVersion: openslo/v1\nkind: SLO\nspec: {}\n",
            "x.yaml:1: SLO: missing metadata.name",
        ),
        (
            "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: x}\nspec: {tier: 1}\n",
            'x.yaml:1: Service "x": unsupported field "spec.tier"',
        ),
        (
            "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: x, project: p}\n",
            'x.yaml:1: Service "x": unsupported field "metadata.project"',
        ),
        (
            "- 42\n",
            "x.yaml:1: document: expected a mapping with apiVersion, kind, metadata and "
            "spec, found a number",
        ),
        ("a: [1\n", "x.yaml:2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ],
)
def test_document_problems(text: str, problem: str) -> None:
    assert import_openslo(text, "x.yaml").problems == [problem]


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        (
            {"duration": "13d", "isRolling": False},
            'SLO "shop-checkout": unsupported timeWindow duration "13d" with isRolling false',
        ),
        (
            {"duration": "1Y", "calendar": {"timeZone": "UTC"}},
            'SLO "shop-checkout": unsupported timeWindow duration "1Y" with isRolling false',
        ),
        (
            {"duration": "1M", "isRolling": True},
            'SLO "shop-checkout": unsupported timeWindow duration "1M" with isRolling true',
        ),
        (
            {"duration": "30 days", "isRolling": True},
            'SLO "shop-checkout": unsupported timeWindow duration "30 days" with isRolling true',
        ),
    ],
)
def test_unsupported_windows(window: dict[str, Any], problem: str) -> None:
    result = import_openslo(slo_doc(timeWindow=[window]), "x.yaml")
    assert result.problems == [f"x.yaml:1: {problem}"]
    assert result.services == {}


@pytest.mark.parametrize(
    ("window", "basics"),
    [
        ({"duration": "28d", "isRolling": True}, "28d"),
        ({"duration": "4w", "isRolling": True}, "4w"),
        ({"duration": "12h"}, "12h"),  # isRolling defaults to true without a calendar
        ({"duration": "1M", "calendar": {"startTime": "2020-01-01 00:00:00"}}, "month"),
        ({"duration": "1Q", "isRolling": False}, "quarter"),
        ({"duration": "3M", "isRolling": False}, "quarter"),
    ],
)
def test_supported_windows(window: dict[str, Any], basics: str) -> None:
    result = import_openslo(slo_doc(timeWindow=[window]), "x.yaml")
    assert result.problems == []
    assert result.services["shop"]["slos"]["checkout"]["window"] == basics


def test_calendar_start_not_at_a_period_start_is_a_problem_but_maps() -> None:
    window = {"duration": "1M", "calendar": {"startTime": "2020-01-21 12:30:00"}}
    result = import_openslo(slo_doc(timeWindow=[window]), "x.yaml")
    assert result.problems == [
        'x.yaml:1: SLO "shop-checkout": calendar startTime "2020-01-21 12:30:00" is not the '
        "start of a month; Basics calendar windows start on the 1st at 00:00"
    ]
    assert result.services["shop"]["slos"]["checkout"]["window"] == "month"


def test_calendar_windows_in_several_time_zones() -> None:
    def calendar(zone: str) -> dict[str, Any]:
        return {"duration": "1M", "calendar": {"timeZone": zone}}

    text = (
        slo_doc("a", timeWindow=[calendar("UTC")])
        + "---\n"
        + slo_doc("b", timeWindow=[calendar("Europe/Paris")])
    )
    assert import_openslo(text, "x.yaml").problems == [
        "calendar windows in several time zones (Europe/Paris, UTC): Basics uses one for every "
        "calendar window, basics.yaml's `timezone`"
    ]


def test_objective_targets_are_exact_decimals() -> None:
    result = import_openslo(slo_doc(objectives=[{"target": 0.99999}]), "x.yaml")
    assert result.services["shop"]["slos"]["checkout"]["objective"] == Decimal("99.999")
    result = import_openslo(slo_doc(objectives=[{"targetPercent": 99.95}]), "x.yaml")
    assert result.services["shop"]["slos"]["checkout"]["objective"] == Decimal("99.95")


@pytest.mark.parametrize(
    ("objective", "problem"),
    [
        (
            {"target": 0.9, "targetPercent": 90},
            "spec.objectives[0] needs exactly one of target or targetPercent",
        ),
        ({"displayName": "x"}, "spec.objectives[0] needs exactly one of target or targetPercent"),
        (
            {"target": 1},
            "objective: expected a percentage from 1 to under 100 (99.9 for three nines), "
            'got "100"; an objective of 100 leaves no error budget',
        ),
    ],
)
def test_objective_problems(objective: dict[str, Any], problem: str) -> None:
    result = import_openslo(slo_doc(objectives=[objective]), "x.yaml")
    assert result.problems == [f'x.yaml:1: SLO "shop-checkout": {problem}']
    assert result.services == {}


def test_timeslices_need_a_slice_target() -> None:
    result = import_openslo(
        slo_doc(budgetingMethod="Timeslices", objectives=[{"target": 0.99}]), "x.yaml"
    )
    assert result.problems == [
        'x.yaml:1: SLO "shop-checkout": spec.objectives[0] needs timeSliceTarget with Timeslices'
    ]


def test_unsupported_time_slice_window() -> None:
    objective = {"target": 0.99, "timeSliceTarget": 0.9, "timeSliceWindow": "1M"}
    result = import_openslo(slo_doc(budgetingMethod="Timeslices", objectives=[objective]), "x.yaml")
    assert result.problems == ['x.yaml:1: SLO "shop-checkout": unsupported timeSliceWindow "1M"']


def test_annotations_on_the_slo_win_over_the_sli() -> None:
    text = slo_doc().replace(
        "  name: shop-checkout\n",
        "  name: shop-checkout\n  annotations:\n    basics.dev/good: status < 400\n",
        1,
    )
    result = import_openslo(text, "x.yaml")
    assert result.services["shop"]["slos"]["checkout"]["good"] == "status < 400"


def test_a_metric_sli_without_the_hint_is_not_guessed() -> None:
    indicator = {
        "metadata": {"name": "sli"},
        "spec": {
            "ratioMetric": {"raw": {"metricSource": {"type": "Datadog"}}, "rawType": "success"}
        },
    }
    result = import_openslo(slo_doc(indicator=indicator), "x.yaml")
    assert result.services == {}
    assert result.problems == [
        'x.yaml:1: SLO "shop-checkout": not mappable: its SLI is a precomputed ratio '
        f"(ratioMetric.raw); {NOT_MAPPABLE_HINT}"
    ]


def test_several_alert_policies_combine_into_one() -> None:
    def policy(name: str, threshold: int, window: str) -> dict[str, Any]:
        condition = {"kind": "burnrate", "threshold": threshold, "lookbackWindow": window}
        return {
            "kind": "AlertPolicy",
            "metadata": {"name": name},
            "spec": {
                "conditions": [
                    {
                        "kind": "AlertCondition",
                        "metadata": {"name": f"{name}-c"},
                        "spec": {"severity": "page", "condition": condition},
                    }
                ]
            },
        }

    text = slo_doc(alertPolicies=[policy("fast", 14, "1h"), policy("slow", 1, "3d")])
    result = import_openslo(text, "x.yaml")
    assert result.problems == []
    assert result.services["shop"]["slos"]["checkout"]["alert_policy"] == "fast+slow"
    tiers = result.policies["fast+slow"]["tiers"]
    assert [(tier["long"], tier["burn_rate"]) for tier in tiers] == [("1h", 14), ("3d", 1)]


# --- export and round trip ---------------------------------------------------------------

ROUND_TRIP = """\
timezone: Europe/London
services:
  www:
    owner: team-web
    description: The web shop
    slos:
      availability:
        objective: 99.9
        window: 30d
        good: status < 500
        valid: operation != "/health"
        description: Pages load without a server error
      latency:
        objective: 99
        window: 28d
        good: duration_ms <= 300
        budgeting: timeslices
        slice: 5m
        slice_target: 95
        alert_policy: strict
      monthly:
        objective: 99.95
        window: month
        good: status < 500 and duration_ms <= 1000
        alert_policy: shares
  api:
    owner: team-api
    slos:
      quarterly:
        objective: 99.999
        window: quarter
        good: attrs.region == "eu"
        valid: attrs["tenant id"] is not null
        budgeting: timeslices
        slice: 1h
        slice_target: 99.5
        alert_policy: shares
      weekly:
        objective: 97.5
        window: 1w
        good: operation in ["/a", "/b"]
        alert_policy: single-1h
  empty: {}
alerting:
  policies:
    strict:
      min_events: 100
      no_data: keep
      tiers:
        - {long: 1h, short: 5m, burn_rate: 10, severity: page}
        - {long: 1d, burn_rate: 2, severity: ticket}
    shares:
      description: shares of the budget
      tiers:
        - {long: 1h, short: 5m, budget_share: 2}
        - {long: 3d, budget_share: 10, severity: ticket}
"""


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return parse_config(ROUND_TRIP, tmp_path / "basics.yaml")


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def by_name(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def test_export_documents(config: Config) -> None:
    text = export_openslo(config)
    docs = documents(text)
    assert all(doc["apiVersion"] == "openslo/v1" for doc in docs)
    services = by_name(docs, "Service")
    assert services["www"]["spec"] == {"description": "The web shop"}
    assert services["api"]["spec"] == {"description": "Owned by team-api"}
    assert services["api"]["metadata"]["annotations"] == {"basics.dev/owner": "team-api"}
    assert services["empty"]["spec"] == {}

    slos = by_name(docs, "SLO")
    assert list(slos) == [
        "www-availability",
        "www-latency",
        "www-monthly",
        "api-quarterly",
        "api-weekly",
    ]
    availability = slos["www-availability"]["spec"]
    assert availability["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert availability["budgetingMethod"] == "Occurrences"
    assert availability["objectives"] == [{"displayName": "availability", "target": 0.999}]
    assert "      target: 0.999\n" in text  # written exactly, from Decimal
    indicator = availability["indicator"]
    assert indicator["metadata"]["annotations"] == {
        "basics.dev/good": "status < 500",
        "basics.dev/valid": 'operation != "/health"',
    }
    assert indicator["spec"]["ratioMetric"]["good"]["metricSource"] == {
        "type": "basics",
        "spec": {"good": "status < 500", "valid": 'operation != "/health"'},
    }
    assert availability["alertPolicies"] == [{"alertPolicyRef": "workbook-30d"}]

    latency = slos["www-latency"]["spec"]
    assert latency["budgetingMethod"] == "Timeslices"
    assert latency["objectives"] == [
        {"displayName": "latency", "target": 0.99, "timeSliceTarget": 0.95, "timeSliceWindow": "5m"}
    ]
    assert slos["www-monthly"]["spec"]["timeWindow"] == [
        {
            "duration": "1M",
            "isRolling": False,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": "Europe/London"},
        }
    ]
    assert slos["api-quarterly"]["spec"]["timeWindow"][0]["duration"] == "1Q"
    assert "target: 0.99999\n" in text


def test_export_alert_policies(config: Config) -> None:
    docs = documents(export_openslo(config))
    policies = by_name(docs, "AlertPolicy")
    assert set(policies) == {
        "workbook-30d",
        "strict",
        "shares-month",
        "shares-quarter",
        "single-1h",
    }
    workbook = policies["workbook-30d"]
    conditions = workbook["spec"]["conditions"]
    assert [c["spec"]["condition"]["threshold"] for c in conditions] == [14.4, 6, 1]
    assert [c["spec"]["severity"] for c in conditions] == ["page", "page", "ticket"]
    first = conditions[0]
    assert first["kind"] == "AlertCondition"
    assert first["metadata"]["annotations"] == {
        "basics.dev/short-window": "5m",
        "basics.dev/budget-share": "2",
    }
    assert first["spec"]["condition"] == {
        "kind": "burnrate",
        "op": "gt",
        "threshold": 14.4,
        "lookbackWindow": "1h",
        "alertAfter": "0m",
    }
    assert workbook["spec"]["notificationTargets"] == [{"targetRef": "basics"}]
    strict = policies["strict"]
    assert strict["metadata"]["annotations"] == {
        "basics.dev/policy": "strict",
        "basics.dev/min-events": "100",
        "basics.dev/no-data": "keep",
    }
    # A calendar quarter counts as 90 days for the exported threshold: 2 % × 90 d / 1 h.
    quarter = policies["shares-quarter"]["spec"]["conditions"]
    assert quarter[0]["spec"]["condition"]["threshold"] == 43.2
    assert by_name(docs, "AlertNotificationTarget")["basics"]["spec"]["target"] == "basics"


def test_thresholds_without_a_finite_decimal_are_rounded(tmp_path: Path) -> None:
    text = "services:\n  s:\n    slos:\n      a: {objective: 99, window: 7d, good: status < 500}\n"
    docs = documents(export_openslo(parse_config(text, tmp_path / "basics.yaml")))
    conditions = by_name(docs, "AlertPolicy")["workbook-7d"]["spec"]["conditions"]
    # 10 % of a 7-day budget within 3 days: 0.2333…
    assert conditions[2]["spec"]["condition"]["threshold"] == 0.233333


def test_export_then_import_round_trips_every_slo(config: Config, tmp_path: Path) -> None:
    result = import_openslo(export_openslo(config), "openslo.yaml")
    assert result.problems == []
    imported = parse_config(result.to_yaml(), tmp_path / "imported.yaml")
    assert imported.slo_names() == config.slo_names()
    for service_name, service in config.services.items():
        assert imported.services[service_name].owner == service.owner
        assert imported.services[service_name].description == service.description
        for name, slo in service.slos.items():
            again = imported.services[service_name].slos[name]
            for key in ("objective", "window", "budgeting", "slice", "slice_target"):
                assert getattr(again, key) == getattr(slo, key), (service_name, name, key)
            assert (again.good, again.valid, again.description) == (
                slo.good,
                slo.valid,
                slo.description,
            )
            # The policy comes back by name: the default one explicitly.
            assert again.alert_policy == config.policy_of(service_name, name)
    # Per-window copies fold back into their policy; built-in ones are referred to by name.
    assert set(imported.alerting.policies) == {"strict", "shares"}
    for name, policy in imported.alerting.policies.items():
        assert policy == config.alerting.policies[name]
    assert imported.alert_policy("workbook") == BUILTIN_POLICIES["workbook"]


@pytest.mark.parametrize("objective", ["99.9", "99.99", "99.999", "95", "12.345", "99.0001"])
def test_objective_round_trips_exactly(objective: str, tmp_path: Path) -> None:
    text = f"services:\n  s:\n    slos:\n      a: {{objective: {objective}, good: status < 500}}\n"
    config = parse_config(text, tmp_path / "basics.yaml")
    result = import_openslo(export_openslo(config), "x.yaml")
    assert SLOConfig.model_validate(result.services["s"]["slos"]["a"]).objective == Decimal(
        objective
    )


def test_a_changed_copy_of_a_builtin_policy_keeps_its_own_name() -> None:
    slo = {"objective": 99, "good": "status < 500", "alert_policy": "single-1h"}
    text = export_openslo(Config.model_validate({"services": {"s": {"slos": {"a": slo}}}}))
    result = import_openslo(text.replace("threshold: 36", "threshold: 30"), "x.yaml")
    assert result.services["s"]["slos"]["a"]["alert_policy"] == "single-1h"
    policy = AlertPolicy.model_validate(result.policies["single-1h"])
    assert policy.tiers[0].burn_rate == 30


# --- CLI ---------------------------------------------------------------------------------


@click.group(cls=_Group)
@click.pass_context
def root(ctx: click.Context) -> None:
    ctx.ensure_object(dict)


root.add_command(openslo)


def test_cli_import_prints_the_block() -> None:
    result = CliRunner().invoke(root, ["openslo", "import", str(DATA / "inline.yaml")], obj={})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Mapped from OpenSLO")
    assert "      availability:\n        objective: 99.9\n" in result.stdout
    assert "note: " in result.stderr
    assert "1 SLO and 0 alert policies mapped" in result.stderr


def test_cli_import_several_files_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "imported.yaml"
    files = [str(DATA / "referenced.yaml"), str(DATA / "list.yaml")]
    result = CliRunner().invoke(root, ["openslo", "import", *files, "--out", str(out)], obj={})
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    config = parse_config(out.read_text(encoding="utf-8"), out)
    assert config.slo_names() == [
        "checkout/latency",
        "search/availability-internal",
        "search/availability-sla",
        "search/minutes",
    ]


def test_cli_import_exits_3_when_something_is_not_mapped() -> None:
    result = CliRunner().invoke(root, ["openslo", "import", str(DATA / "unsupported.yaml")], obj={})
    assert result.exit_code == 3
    problem = f'{DATA / "unsupported.yaml"}:8: unsupported kind "Foo" '
    assert problem in result.stderr
    assert "10 problems: not everything could be mapped" in result.stderr
    assert "services:\n  shop:" in result.stdout


def test_cli_import_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(root, ["openslo", "import", str(missing)], obj={})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot read {missing}: ")


def test_cli_export(tmp_path: Path) -> None:
    path = tmp_path / "basics.yaml"
    path.write_text(ROUND_TRIP, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(root, ["openslo", "export"], obj={"config_path": path})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# OpenSLO v1 documents exported")
    out = tmp_path / "openslo.yaml"
    result = runner.invoke(
        root, ["openslo", "export", "--out", str(out)], obj={"config_path": path}
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == export_openslo(parse_config(ROUND_TRIP, path))
    assert f"Wrote {out}" in result.stderr


@pytest.mark.parametrize("command", ["import", "export"])
def test_cli_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(root, ["openslo", command, "--help"], obj={})
    assert result.exit_code == 0
    assert "Example:" in result.output
