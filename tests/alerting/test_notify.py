"""`notify.plan`: which firings open, are re-sent and resolve, from tier states."""

from __future__ import annotations

import datetime as dt

from basics.alerting.models import Evaluation, TierState
from basics.alerting.notify import FiringRow, plan

AT = dt.datetime(2026, 3, 2, 14, 0)
NOW = dt.datetime(2026, 12, 5, 12, 0)


def evaluation(state: str, tier: str = "1h/5m", slo: str = "www/availability") -> Evaluation:
    tier_state = TierState(
        tier=tier, severity="page", factor=14.4, long_burn_rate=20.0, short_burn_rate=30.0,
        long_events=1000, firing=state == "firing", suppressed=False, reason="", state=state,  # type: ignore[arg-type]
    )  # fmt: skip
    return Evaluation(slo, "workbook", AT, [tier_state])


def row(**changes: object) -> FiringRow:
    base = FiringRow("www/availability", "workbook", "1h/5m", "page", AT - dt.timedelta(hours=1))
    return FiringRow(**(base.__dict__ | changes))  # type: ignore[arg-type]


def test_a_tier_that_starts_firing_opens_a_row_and_is_sent() -> None:
    result = plan([], [evaluation("firing")], AT, NOW, 60)
    assert result.opened == [FiringRow("www/availability", "workbook", "1h/5m", "page", AT)]
    assert result.to_send == result.opened and result.resolved == []


def test_an_open_firing_is_sent_again_only_when_due() -> None:
    recent = row(sent_at=NOW - dt.timedelta(seconds=30))
    assert plan([recent], [evaluation("firing")], AT, NOW, 60).to_send == []
    due = row(sent_at=NOW - dt.timedelta(seconds=60))
    again = plan([due], [evaluation("firing")], AT, NOW, 60)
    assert again.to_send == [due] and again.opened == []
    never = row()  # opened, but the send failed: sent at the next run
    assert plan([never], [evaluation("firing")], AT, NOW, 60).to_send == [never]


def test_a_tier_no_longer_firing_resolves_at_the_evaluation() -> None:
    for state in ("ok", "no_data", "suppressed"):
        result = plan([row(sent_at=NOW)], [evaluation(state)], AT, NOW, 60)
        assert result.resolved == [row(sent_at=NOW, resolved_at=AT)], state
        assert result.to_send == result.resolved


def test_a_firing_of_a_tier_gone_from_the_config_resolves() -> None:
    result = plan([row(sent_at=NOW)], [evaluation("ok", tier="6h/30m")], AT, NOW, 60)
    assert result.resolved == [row(sent_at=NOW, resolved_at=AT)]


def test_an_undelivered_resolution_is_sent_again_and_nothing_reopens() -> None:
    resolved = row(sent_at=NOW, resolved_at=AT - dt.timedelta(minutes=5))
    result = plan([resolved], [evaluation("ok")], AT, NOW, 60)
    assert result.to_send == [resolved] and result.opened == [] and result.resolved == []
    delivered = row(sent_at=NOW, resolved_at=AT, resolution_sent_at=NOW)
    assert plan([delivered], [evaluation("ok")], AT, NOW, 60).to_send == []
