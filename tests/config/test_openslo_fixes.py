"""OpenSLO import and export: a broken document does not hide the next ones, exported names
are unique and valid and come back as they were, objectives keep their own thresholds,
clear messages for percent targets, budget shares that disagree, and other tools' files."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from basics.config.loader import parse_config
from basics.config.openslo import export_openslo, import_openslo

OPENSLO_NAME = re.compile(r"^[a-z0-9][a-z0-9.|/\\-]*[a-z0-9]*$")


def slo(name: str, objectives: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service": "shop",
        "indicator": {
            "metadata": {"name": "sli", "annotations": {"basics.dev/good": "status < 500"}},
            "spec": {"ratioMetric": {"good": {}, "total": {}}},
        },
        "timeWindow": [{"duration": "7d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": objectives,
    } | spec
    return {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": name}, "spec": body}


def text(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False)


# --- 3: a document that is not YAML ----------------------------------------------------------

MIDBAD = """\
apiVersion: openslo/v1
kind: Service
metadata: {name: a}
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: b
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: c}
spec: {description: C}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: c-x, annotations: {basics.dev/good: "status < 500"}}
spec: {service: c, timeWindow: [{duration: 7d, isRolling: true}], objectives: [{target: 0.9}]}
"""


def test_a_document_with_a_syntax_error_does_not_stop_the_later_ones() -> None:
    result = import_openslo(MIDBAD, "midbad.yaml")
    assert result.problems == [
        "midbad.yaml:9: not valid YAML (the document from line 5): expected ',' or '}', "
        "but got ':'",
        'midbad.yaml:16: SLO "c-x": needs spec.indicator or spec.indicatorRef',
    ]
    assert result.services == {"a": {}, "c": {"description": "C"}}


def test_the_split_keeps_comments_directives_and_windows_line_ends() -> None:
    stream = "# header\n%YAML 1.1\n---\n" + MIDBAD.replace("\n", "\r\n")
    result = import_openslo(stream, "x.yaml")
    assert result.problems[0].startswith("x.yaml:12: not valid YAML (the document from line 8)")
    assert set(result.services) == {"a", "c"}


# --- 4, 5: exported names ----------------------------------------------------------------------

NAMES = """\
alerting:
  policies:
    My_Policy:
      tiers: [{long: 1h, short: 5m, burn_rate: 14.4, severity: page}]
    p1+p2:
      tiers: [{long: 6h, burn_rate: 6, severity: ticket}]
services:
  Web_API:
    owner: team-web
    slos:
      p99_Latency: {objective: 99, good: duration_ms <= 300, alert_policy: My_Policy}
  a-b:
    slos:
      c: {objective: 99.9, good: status < 500}
  a:
    slos:
      b-c: {objective: 95, good: status < 400, alert_policy: p1+p2}
"""


def test_exported_names_are_unique_and_match_the_openslo_pattern(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(export_openslo(parse_config(NAMES, tmp_path / "b.yaml"))))
    names = [(d["kind"], d["metadata"]["name"]) for d in docs if d]
    assert names == [
        ("Service", "web-api"),
        ("SLO", "web-api-p99-latency"),
        ("Service", "a-b"),
        ("SLO", "a-b-c"),
        ("Service", "a"),
        ("SLO", "a-b-c-2"),
        ("AlertPolicy", "my-policy"),
        ("AlertPolicy", "workbook-30d"),
        ("AlertPolicy", "p1-p2"),
        ("AlertNotificationTarget", "basics"),
    ]
    assert all(OPENSLO_NAME.match(name) for _, name in names)
    by_name = {d["metadata"]["name"]: d for d in docs if d}
    assert by_name["web-api"]["metadata"]["annotations"] == {
        "basics.dev/service": "Web_API",
        "basics.dev/owner": "team-web",
    }
    assert by_name["a-b-c-2"]["metadata"]["annotations"] == {
        "basics.dev/service": "a",
        "basics.dev/slo": "b-c",
    }
    assert by_name["a-b-c-2"]["spec"]["service"] == "a"
    assert "annotations" not in by_name["a-b-c"]["metadata"]  # reads back as it is
    assert by_name["web-api-p99-latency"]["spec"]["service"] == "web-api"
    assert by_name["p1-p2"]["metadata"]["annotations"] == {"basics.dev/policy": "p1+p2"}


def test_names_round_trip_through_export_and_import(tmp_path: Path) -> None:
    config = parse_config(NAMES, tmp_path / "b.yaml")
    result = import_openslo(export_openslo(config), "openslo.yaml")
    assert result.problems == []
    again = parse_config(result.to_yaml(), tmp_path / "again.yaml")
    assert again.slo_names() == ["Web_API/p99_Latency", "a-b/c", "a/b-c"]
    assert again.services["Web_API"].owner == "team-web"
    assert again.services["a"].slos["b-c"].objective == Decimal(95)
    assert again.services["a-b"].slos["c"].objective == Decimal("99.9")
    assert again.policy_of("Web_API", "p99_Latency") == "My_Policy"
    assert again.policy_of("a", "b-c") == "p1+p2"
    assert set(again.alerting.policies) == {"My_Policy", "p1+p2"}
    assert again.alerting.policies["p1+p2"] == config.alerting.policies["p1+p2"]


# --- 6: objectives with their own thresholds -------------------------------------------------


def latency(values: tuple[str, str], good: str = "duration_ms <= 300") -> str:
    doc = slo(
        "checkout-latency",
        [
            {"displayName": "Fast", "op": "lte", "value": values[0], "target": 0.95},
            {"displayName": "Not awful", "op": "lte", "value": values[1], "target": 0.99},
        ],
        service="checkout",
    )
    doc["spec"]["indicator"] = {
        "metadata": {"name": "sli", "annotations": {"basics.dev/good": good}},
        "spec": {"thresholdMetric": {"metricSource": {"type": "Prometheus", "spec": {}}}},
    }
    return text(doc)


def test_each_threshold_objective_keeps_its_own_value() -> None:
    result = import_openslo(latency(("300", "1000")), "l.yaml")
    assert result.problems == []
    slos = result.services["checkout"]["slos"]
    assert slos["latency-fast"]["good"] == "duration_ms <= 300"
    assert slos["latency-fast"]["objective"] == Decimal(95)
    assert slos["latency-not-awful"]["good"] == "duration_ms <= 1000"
    assert slos["latency-not-awful"]["objective"] == Decimal(99)
    assert (
        'l.yaml:1: SLO "checkout-latency": spec.objectives[1] ("Not awful"): good: '
        "duration_ms <= 1000 (basics.dev/good with this objective's value)" in result.notes
    )


def test_thresholds_the_hint_cannot_carry_are_problems_naming_the_objective() -> None:
    # Seconds against a hint in milliseconds: no value is the hint's, so units may differ.
    result = import_openslo(latency(("0.3", "1")), "l.yaml")
    assert result.services == {}
    assert [p.split(": op")[0] for p in result.problems] == [
        'l.yaml:1: SLO "checkout-latency": spec.objectives[0] ("Fast")',
        'l.yaml:1: SLO "checkout-latency": spec.objectives[1] ("Not awful")',
    ]
    assert 'op "lte" and value "1" cannot be applied to basics.dev/good' in result.problems[1]
    compound = import_openslo(latency(("300", "1000"), "duration_ms <= 300 and status < 500"), "l")
    # A hint of more than one comparison cannot be given another threshold: both are problems.
    assert [
        "spec.objectives[0]" in compound.problems[0],
        "spec.objectives[1]" in compound.problems[1],
    ] == [True, True]
    assert compound.services == {}


# --- 7: a budget share that disagrees with the threshold --------------------------------------


def policy_with(threshold: str, share: str) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "AlertPolicy",
        "metadata": {"name": "fast"},
        "spec": {
            "conditions": [
                {
                    "kind": "AlertCondition",
                    "metadata": {"name": "c1", "annotations": {"basics.dev/budget-share": share}},
                    "spec": {
                        "severity": "page",
                        "condition": {"kind": "burnrate", "threshold": threshold,
                                      "lookbackWindow": "1h"},
                    },
                }
            ]
        },
    }  # fmt: skip


def test_a_budget_share_that_disagrees_with_the_threshold_is_noted() -> None:
    uses = {"alertPolicies": [{"alertPolicyRef": "fast"}]}
    result = import_openslo(
        text(slo("shop-a", [{"target": 0.99}], **uses), policy_with("14.4", "2")), "p.yaml"
    )
    assert result.problems == []
    assert result.policies["fast"]["tiers"][0]["budget_share"] == Decimal(2)
    assert [n for n in result.notes if "disagree" in n] == [
        'p.yaml:25: AlertCondition "c1": for SLO "shop-a": basics.dev/budget-share 2 and '
        "threshold 14.4 disagree: 2 % of a 7d budget within 1h is a burn rate of 3.36; the "
        "budget share is used (remove the annotation to use the threshold as a fixed "
        "burn_rate)"
    ]
    agreeing = import_openslo(
        text(slo("shop-a", [{"target": 0.99}], **uses), policy_with("3.36", "2")), "p.yaml"
    )
    assert not any("disagree" in n for n in agreeing.notes)


# --- 8: a percent written as a target ---------------------------------------------------------


def test_a_percent_given_as_target_says_to_use_target_percent() -> None:
    result = import_openslo(text(slo("shop-a", [{"target": 99.9}])), "t.yaml")
    assert result.problems == [
        't.yaml:1: SLO "shop-a": spec.objectives[0].target: expected a ratio between 0 and 1 '
        "(0.999), found 99.9; use targetPercent for a percent"
    ]
    percent = import_openslo(text(slo("shop-a", [{"targetPercent": 99.9}])), "t.yaml")
    assert percent.services["shop"]["slos"]["a"]["objective"] == Decimal("99.9")


# --- 9: displayNames that slug alike ---------------------------------------------------------


def test_display_names_that_slug_alike_get_a_suffix_and_a_note() -> None:
    objectives = [
        {"displayName": "Fast!", "target": 0.99},
        {"displayName": "fast?", "target": 0.95},
    ]
    result = import_openslo(text(slo("shop-two", objectives)), "d.yaml")
    assert result.problems == []
    slos = result.services["shop"]["slos"]
    assert {name: s["objective"] for name, s in slos.items()} == {
        "two-fast": Decimal(99),
        "two-fast-2": Decimal(95),
    }
    assert (
        'd.yaml:1: SLO "shop-two": spec.objectives[1] displayName "fast?" gives the name of an '
        'earlier objective: named "two-fast-2"' in result.notes
    )


# --- 10: other tools' files --------------------------------------------------------------------


def test_other_slo_formats_are_named() -> None:
    files = {
        "sloth.yaml": 'version: "prometheus/v1"\nservice: s\nslos: []\n',
        "sloth-k8s.yaml": "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\n",
        "pyrra.yaml": "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\n",
        "gen.yaml": "apiVersion: sre.google.com/v2\nkind: ServiceLevelObjective\n",
        "gen1.yaml": "service_name: gke\nfeature_name: f\nslo_name: availability\n",
    }
    found = {name: import_openslo(body, name).problems for name, body in files.items()}
    what = {
        "sloth.yaml": "a Sloth SLO file (version: prometheus/v1)",
        "sloth-k8s.yaml": "a Sloth Kubernetes SLO (kind: PrometheusServiceLevel)",
        "pyrra.yaml": "a Pyrra ServiceLevelObjective",
        "gen.yaml": "a Google slo-generator SLO",
        "gen1.yaml": "a Google slo-generator SLO",
    }
    for name, problems in found.items():
        assert problems == [
            f"{name}:1: this is {what[name]}, not OpenSLO: only OpenSLO v1 is read; translate "
            'it by hand (see docs/openslo.md, "Other SLO formats")'
        ]


def test_a_file_without_a_document_is_a_problem_naming_it() -> None:
    """An empty file mapped "0 SLOs" with exit 0: a wrong path or an export that wrote
    nothing looked like a file of no SLOs."""
    from basics.config.openslo import import_openslo_many

    for text in ("", "---\n---\n", "# only a comment\n"):
        result = import_openslo_many([("slos.yaml", text)])
        assert result.problems == [
            "slos.yaml: no OpenSLO document in it (empty, or comments alone)"
        ]
    broken = import_openslo_many([("slos.yaml", "a: [\n")])
    assert len(broken.problems) == 1 and "not valid YAML" in broken.problems[0]
