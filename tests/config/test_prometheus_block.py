"""A histogram's `prometheus:` block judges latency as `good:` does, or is refused: rules
exported from another shape count other requests good than Basics does (promtool passes
them all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from basics.config.loader import parse_config
from basics.core.errors import ConfigError

HISTOGRAM = "{histogram: h, selector: '{job=\"www\"}', buckets: [0.1, 0.3, 1], threshold_s: 0.3}"


def _config(good: str, threshold: str = "0.3") -> str:
    block = HISTOGRAM.replace("threshold_s: 0.3", f"threshold_s: {threshold}")
    return (
        "services:\n  www:\n    slos:\n      latency:\n        objective: 99\n"
        f"        good: {good}\n        prometheus: {block}\n"
    )


@pytest.mark.parametrize(
    ("good", "message"),
    [
        # A 100 ms request: bad in Basics, good under le="0.3".
        ("duration_ms > 300", "good: duration_ms > 300 counts others: write duration_ms <= 300"),
        # Exactly 300 ms: bad in Basics (`<`), good under le="0.3".
        ("duration_ms < 300", "good: duration_ms < 300 counts others: write duration_ms <= 300"),
        # No latency at all: every request of 0.3 s or less would be good.
        ("status < 500", "good: status < 500 is not one such limit on duration_ms"),
        ("duration_ms <= 300 or status == 204", "is not one such limit on duration_ms"),
        ("duration_ms <= 300 and duration_ms >= 10", "is not one such limit on duration_ms"),
        ("duration_ms <= 250", "threshold_s 0.3 s is not the SLO's latency threshold"),
    ],
)
def test_a_good_the_histogram_cannot_count_is_refused(
    good: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(_config(good), tmp_path / "basics.yaml")
    assert str(refused.value).startswith("basics.yaml:4: services.www.slos.latency: ")
    assert message in str(refused.value)


def test_a_threshold_off_the_buckets_is_refused_when_the_configuration_is_read(
    tmp_path: Path,
) -> None:
    """It passed `config validate` and failed only at export, without file and line."""
    with pytest.raises(ConfigError) as refused:
        parse_config(_config("duration_ms <= 250", "0.25"), tmp_path / "basics.yaml")
    assert str(refused.value) == (
        "basics.yaml:7: services.www.slos.latency.prometheus: latency threshold 0.25s is not "
        "a bucket boundary of h; the nearest buckets are 0.1, 0.3: change the SLO's threshold "
        "or the histogram's buckets"
    )


def test_latency_joined_with_other_conditions_is_accepted(tmp_path: Path) -> None:
    config = parse_config(_config("status < 500 and duration_ms <= 300"), tmp_path / "b.yaml")
    prometheus = config.services["www"].slos["latency"].prometheus
    assert prometheus is not None and prometheus.threshold_s == "0.3"


def test_an_empty_block_says_it_names_no_metric(tmp_path: Path) -> None:
    """`prometheus: {}` was refused as giving counters and a histogram, "not both"."""
    text = _config("duration_ms <= 300").replace(f"prometheus: {HISTOGRAM}", "prometheus: {}")
    with pytest.raises(ConfigError) as refused:
        parse_config(text, tmp_path / "basics.yaml")
    assert "the block names no metric" in str(refused.value)
    assert "not both" not in str(refused.value)


def test_a_threshold_beside_counters_is_refused_saying_why(tmp_path: Path) -> None:
    """It said the threshold is "not a bucket boundary of None; the nearest buckets are"."""
    text = _config("status < 500").replace(
        f"prometheus: {HISTOGRAM}", "prometheus: {errors: 'e', total: 't', threshold_s: 0.3}"
    )
    with pytest.raises(ConfigError) as refused:
        parse_config(text, tmp_path / "basics.yaml")
    assert "threshold_s: only a histogram has a latency threshold" in str(refused.value)
