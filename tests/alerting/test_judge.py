"""Which firings caught an incident: those that started within it (with the grace either
side), never one already on hours before it (background noise, never reset), which paged
for something else. Delays and precision counted by hand."""

from __future__ import annotations

import datetime as dt

from basics.alerting.judge import judge, matching
from basics.alerting.models import Firing, Incident

DAY = dt.datetime(2026, 12, 3)
GRACE = dt.timedelta(minutes=15)
OUTAGE = Incident(1, ("api",), DAY.replace(hour=14), DAY.replace(hour=14, minute=20), "eu down")


def at(hour: int, minute: int) -> dt.datetime:
    return DAY.replace(hour=hour, minute=minute)


def firing(start: dt.datetime, reset: dt.datetime | None, tier: str = "3d/6h") -> Firing:
    return Firing(
        tier=tier, severity="ticket", long_window="3d", short_window="6h", factor=1.0,
        start=start, reset=reset, peak_burn_rate=1.2, budget_spent_before_detection=None,
        incident=matching([OUTAGE], start, GRACE) and OUTAGE.id, suppressed=False,
        already_firing=False,
    )  # fmt: skip


def test_a_firing_on_since_hours_before_the_incident_did_not_catch_it() -> None:
    noise = firing(at(7, 31), None)  # 6.5 h before, from a 0.2 % background error rate
    page = firing(at(14, 2), at(14, 40), tier="1h/5m")

    replay = judge("api/availability", "workbook", DAY, DAY + dt.timedelta(days=1),
                   [noise, page], [OUTAGE], GRACE, 1.0)  # fmt: skip

    assert (noise.incident, page.incident) == (None, 1)
    assert (replay.precision, replay.recall, replay.false_firings) == (0.5, 1.0, 1)
    assert replay.detection_delay_s.per_incident == {1: 120.0}  # the page, at 14:02


def test_alone_such_a_firing_leaves_the_incident_undetected() -> None:
    replay = judge("api/availability", "workbook", DAY, DAY + dt.timedelta(days=1),
                   [firing(at(7, 31), None)], [OUTAGE], GRACE, 1.0)  # fmt: skip

    assert (replay.precision, replay.recall, replay.false_firings) == (0.0, 0.0, 1)
    assert replay.detection_delay_s.per_incident == {1: None}


def test_the_grace_either_side_is_where_a_firing_may_start() -> None:
    assert matching([OUTAGE], at(13, 45), GRACE) == OUTAGE  # 15 min before: caught at once
    assert matching([OUTAGE], at(13, 44), GRACE) is None
    assert matching([OUTAGE], at(14, 34), GRACE) == OUTAGE  # 14 min after its end
    assert matching([OUTAGE], at(14, 35), GRACE) is None
    early = firing(at(13, 50), at(14, 30))
    replay = judge("api/availability", "workbook", DAY, DAY + dt.timedelta(days=1),
                   [early], [OUTAGE], GRACE, 1.0)  # fmt: skip
    assert replay.detection_delay_s.per_incident == {1: 0.0}
